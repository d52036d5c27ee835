"""One self-contained HTML file: the 评分表, 得分率表, collapsible traces; printable on A4.

Every text from the explanation document goes through ``escape.for_html``; only perfdsl's own
markup is written as it is.
"""

from __future__ import annotations

from decimal import Decimal

from perfdsl.render.charts import bar_chart
from perfdsl.render.escape import for_html
from perfdsl.render.report import COLUMNS, level1_rows, provenance, rate_rows, rows, score_text, spans, veto
from perfdsl.ruleset.evidence import step_note

# Printing keeps each cell whole but the 一级/二级 ones spanning rows: with `tr { break-inside: avoid }`
# Chromium kept the first row whole together with every row its rowspan reaches, so the table started on
# page 2 and page 1 held the title alone.
CSS = """
:root { --line: #999; --muted: #666; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei",
       "Hiragino Sans GB", "SimSun", sans-serif; margin: 2em; color: #111; font-size: 13px; line-height: 1.5; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 2em; }
.summary { font-size: 16px; margin: 1em 0; }
.summary b { font-size: 20px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eee; }
th:nth-child(-n+3) { min-width: 4.5em; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.text { font-size: 12px; }
tr.lost td.score { color: #a40000; font-weight: bold; }
p.improve { margin: 4px 0 0; padding-top: 4px; border-top: 1px dashed var(--line); }
details summary { cursor: pointer; color: var(--muted); }
details ol { margin: 4px 0; padding-left: 1.5em; }
details li .at { color: var(--muted); font-size: 11px; }
.partial { border: 1px solid #a40000; padding: 6px; color: #a40000; }
.provenance td { font-family: monospace; font-size: 11px; word-break: break-all; }
tr.total td { font-weight: bold; background: #f6f6f6; }
.charts { display: flex; flex-wrap: wrap; gap: 2em; margin-top: 1em; }
/* print: A4 landscape; nothing forces a break, so the first page is never blank; a row stays on one page
   (each cell but those spanning rows) and the header row repeats on every page; headings keep to the table
   after them */
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { margin: 0; font-size: 10px; }
  thead { display: table-header-group; }
  td:not([rowspan]), .chart { break-inside: avoid; page-break-inside: avoid; }
  h1, h2 { break-after: avoid; page-break-after: avoid; }
  details { display: none; }
  .summary, p.improve { break-inside: avoid; }
}
"""


def _trace(steps, evidence=None) -> str:
    if not steps:
        return ""
    items = "".join(f"<li>{for_html(s['text'] + step_note(s, evidence))} "
                    f"<span class=\"at\">{for_html(s.get('at', ''))}</span></li>" for s in steps)
    return f"<details><summary>完整评分过程（{len(steps)} 步）</summary><ol>{items}</ol></details>"


def _sum_row(doc: dict, label_cells: int) -> str:
    """合计: the whole rule set's 分值, score and 得分率 under a table of groups."""
    span = f" colspan=\"{label_cells}\"" if label_cells > 1 else ""
    return (f"<tr class=\"total\"><td{span}>合计</td><td class=\"num\">{for_html(doc['weight'])}</td>"
            f"<td class=\"num\">{for_html(doc.get('score') or '—')}</td>"
            f"<td class=\"num\">{for_html(doc.get('rate') or '—')}</td></tr>")


def _improvement(text: str) -> str:
    """失分原因与提升空间 as its own paragraph of the analysis cell, its heading in bold."""
    if not text:
        return ""
    head, _, body = text.partition("：")
    return f"<p class=\"improve\"><b>{for_html(head)}：</b>{for_html(body)}</p>"


def _heading(name: str, weight: str) -> str:
    return f"{for_html(name)}<br>({for_html(weight)})" if weight else for_html(name)


def render(doc: dict) -> str:
    title = for_html(doc["name"])
    total = doc.get("score")
    table_rows = rows(doc)
    evidence = doc.get("evidence")
    l1_span = spans([r.level1 for r in table_rows])
    l2_span = spans([(r.level1, r.level2) for r in table_rows])
    body = []
    for i, r in enumerate(table_rows):
        if l1_span[i] and i:
            body.append("</tbody><tbody class=\"section\">")
        lost = r.score is not None and Decimal(r.score) < Decimal(r.weight)
        cells = []
        if l1_span[i]:
            cells.append(f"<td rowspan=\"{l1_span[i]}\">{_heading(r.level1, r.level1_weight)}</td>")
        if l2_span[i]:
            cells.append(f"<td rowspan=\"{l2_span[i]}\">{_heading(r.level2, r.level2_weight)}</td>")
        cells += [
            f"<td class=\"indicator\">{for_html(r.name)}</td>",
            f"<td class=\"num\">{for_html(r.weight)}</td>",
            f"<td class=\"text\">{for_html(r.explanation)}</td>",
            f"<td class=\"text\">{for_html(r.criteria)}</td>",
            f"<td class=\"text analysis\">{for_html(r.analysis)}{_improvement(r.improvement)}"
            f"{_trace(r.trace, evidence)}</td>",
            f"<td class=\"num score\">{for_html(score_text(r.score, r.status))}</td>",
        ]
        body.append(f"<tr class=\"indicator-row{' lost' if lost else ''}\">{''.join(cells)}</tr>")
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    second, first = rate_rows(doc), level1_rows(doc)
    rates = "".join(
        f"<tr><td>{for_html(r.level1)}</td><td>{for_html(r.name)}</td><td class=\"num\">{for_html(r.weight)}</td>"
        f"<td class=\"num\">{for_html(r.score or '—')}</td><td class=\"num\">{for_html(r.rate or '—')}</td></tr>"
        for r in second) + _sum_row(doc, 2)
    level1 = "".join(
        f"<tr><td>{for_html(r.name)}</td><td class=\"num\">{for_html(r.weight)}</td>"
        f"<td class=\"num\">{for_html(r.score or '—')}</td><td class=\"num\">{for_html(r.rate or '—')}</td></tr>"
        for r in first) + _sum_row(doc, 1)
    charts = (bar_chart("一级指标得分率", [(r.name, r.rate) for r in first], "chart-level1")
              + bar_chart("二级指标得分率", [(r.name, r.rate) for r in second], "chart-level2"))
    errors = ""
    if doc.get("errors"):
        errors = "<h2>错误</h2><ul>" + "".join(
            f"<li><code>{for_html(e['code'])}</code> {for_html(str(e.get('file', '')))}:"
            f"{for_html(str(e.get('line', '')))} "
            f"{for_html(e['message'])}</li>" for e in doc["errors"]) + "</ul>"
    partial = "" if doc.get("status") == "ok" else "<p class=\"partial\">评分未全部完成：部分指标无法评分。</p>"
    vetoed = veto(doc)
    if vetoed:
        partial = f"<p class=\"partial\" id=\"veto\">{for_html(vetoed)}</p>{partial}"
    shown_total = for_html(total) if total is not None else "无法评分"
    prov = "".join(f"<tr><th>{for_html(k)}</th><td>{for_html(v)}</td></tr>" for k, v in provenance(doc))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<h1>{title}</h1>
<p class="summary">总分 <b id="total">{shown_total}</b> / {for_html(doc['weight'])}
　等级 <b id="grade">{for_html(doc.get('grade') or '—')}</b></p>
{partial}
<h2>指标体系及评分表</h2>
<table id="scores">
<thead><tr>{head}</tr></thead>
<tbody class="section">{''.join(body)}</tbody>
<tbody class="total"><tr class="total"><td colspan="3">总分</td><td class="num">{for_html(doc['weight'])}</td>
<td colspan="3">评价等级：{for_html(doc.get('grade') or '—')}</td><td class="num score">{shown_total}</td></tr></tbody>
</table>
<h2>一级指标得分率</h2>
<table id="level1"><thead><tr><th>一级指标</th><th>分值</th><th>得分</th><th>得分率</th></tr></thead>
<tbody>{level1}</tbody></table>
<h2>二级指标得分率</h2>
<table id="rates"><thead><tr><th>一级指标</th><th>二级指标</th><th>分值</th><th>得分</th><th>得分率</th></tr></thead>
<tbody>{rates}</tbody></table>
<div class="charts">{charts}</div>
{errors}
<h2>来源</h2>
<table class="provenance"><tbody>{prov}</tbody></table>
</body>
</html>
"""
