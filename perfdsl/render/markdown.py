"""The 评分表 and 二级指标得分率表 as Markdown.

Everything from rules or facts goes through ``escape.for_markdown`` (names, 标准, 解释, analysis,
reasons, file names, the title, the grade); only perfdsl's own text is written as it is.
"""

from __future__ import annotations

import re

from perfdsl.render.escape import for_markdown
from perfdsl.render.report import COLUMNS, heading, provenance, rate_rows, rows, score_text, veto

_CODE_SAFE = re.compile(r"[^`|\\<>&\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                        r"\ud800-\udfff\ufffe\uffff]*")


def _cell(text) -> str:
    return for_markdown(str(text if text is not None else "—"))


def _code(text: str) -> str:
    """A provenance value (a version, a hash, the 体系's name) as a code span when nothing in it could
    end the span or the cell; otherwise as escaped text."""
    return f"`{text}`" if _CODE_SAFE.fullmatch(text) and text.strip() == text and text else _cell(text)


def _analysis(r) -> str:
    """The analysis cell: the prose, then 失分原因与提升空间 (a table cell holds one line: a space between)."""
    return r.analysis + (f" {r.improvement}" if r.improvement else "")


def render(doc: dict) -> str:
    out = [f"# {_cell(doc['name'])}", ""]
    total = doc.get("score")
    shown = total if total is not None else "无法评分"
    grade = _cell(doc.get('grade') or '—').strip() or '—'  # **…** holds no emphasis around spaces
    out.append(f"总分 **{shown}** / {doc['weight']}，" + (f"等级 **{grade}**" if doc.get("grade") else "**未定等级**"))
    out.append("")
    vetoed = veto(doc)
    if vetoed:
        out += [_cell(vetoed), ""]
    if doc.get("status") != "ok":
        out += ["> 评分未全部完成：部分指标无法评分，见下表与错误列表。", ""]
    out += ["## 指标体系及评分表", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    prev1 = prev2 = None
    for r in rows(doc):
        l1 = heading(r.level1, r.level1_weight) if r.level1 != prev1 else ""
        l2 = heading(r.level2, r.level2_weight) if (r.level1, r.level2) != prev2 else ""
        prev1, prev2 = r.level1, (r.level1, r.level2)
        out.append("| " + " | ".join(_cell(x) for x in (l1, l2, r.name, r.weight, r.explanation, r.criteria,
                                                           _analysis(r), score_text(r.score, r.status))) + " |")
    out += ["", "## 二级指标得分率", "", "| 一级指标 | 二级指标 | 分值 | 得分 | 得分率 |", "|---|---|---|---|---|"]
    for rate in rate_rows(doc):
        out.append(f"| {_cell(rate.level1)} | {_cell(rate.name)} | {rate.weight} | {_cell(rate.score)} "
                   f"| {_cell(rate.rate)} |")
    if doc.get("errors"):
        out += ["", "## 错误", ""]
        out += [f"- `{e['code']}` {_cell(str(e.get('file', '')))}:{e.get('line', '')} {_cell(e['message'])}"
                for e in doc["errors"]]
    out += ["", "## 来源", "", "| 项目 | 值 |", "|---|---|"]
    out += [f"| {_cell(k)} | {_code(v)} |" for k, v in provenance(doc)]
    return "\n".join(out) + "\n"
