"""Print-ready reports and their 得分率 charts (issue 17, items 4 and 5), read back as a reader's program would."""

import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from perfdsl.cli import main
from perfdsl.render.charts import bar_chart
from perfdsl.render.xlsx_print import row_height

from .conftest import RULES, SEED_FACTS
from .test_word import page_png


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory):
    out = tmp_path_factory.mktemp("print") / "评分表.xlsx"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "xlsx", "-o", str(out)]) == 0
    return load_workbook(out)


@pytest.fixture(scope="module")
def html(tmp_path_factory):
    out = tmp_path_factory.mktemp("print") / "评分表.html"
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_xlsx_score_sheet_prints_on_a4_landscape_one_page_wide(xlsx):
    ws = xlsx["评分表"]
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 == "9"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.page_setup.fitToHeight == 0  # as many pages long as it takes
    assert ws.print_title_rows == "$2:$2"  # the column heads on every page
    assert ws.freeze_panes == "D3"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert [ws.column_dimensions[c].width for c in "ABCDEFGH"] == [12, 14, 18, 6, 40, 40, 50, 8]


def test_xlsx_rows_are_tall_enough_for_their_wrapped_text(xlsx):
    ws = xlsx["评分表"]
    for r in range(3, 28):
        if ws.cell(r, 3).value is None:
            continue
        analysis = ws.cell(r, 7).value
        # column G is 50 wide: 49 units a line, a Chinese character two units, 15 points a line
        lines = sum(max(1, -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in part) // 49))
                    for part in analysis.split("\n"))
        assert ws.row_dimensions[r].height >= min(lines * 15, 409), (r, ws.cell(r, 3).value)
        assert ws.cell(r, 7).alignment.wrap_text
    total = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "总分")
    assert total[7].value == 96.67 and "优" in total[6].value


def test_row_height_by_hand():
    # 30 Chinese characters in a column 11 wide: 10 units a line, 5 characters a line → 6 lines → 6 × 15 + 4
    assert row_height(["汉" * 30], [11]) == 94.0
    assert row_height(["ab", None], [10, 10]) == 19.0
    assert row_height(["汉" * 10000], [5]) == 409.0  # Excel's limit


def test_xlsx_rate_sheets_have_totals_and_native_charts(xlsx):
    second = xlsx["二级指标得分率"]
    total = [c.value for c in list(second.iter_rows())[-1]]
    assert total[0] == "合计" and total[2:] == [100, 96.67, 0.9667]
    first = xlsx["一级指标得分率"]
    rows = [[c.value for c in r] for r in first.iter_rows()]
    # 部门决策 13 of 14 = 92.86%; 管理效率 23.67 of 26 = 91.04%
    assert rows[1] == ["部门决策", 14, 13, 0.9286] and rows[2] == ["管理效率", 26, 23.67, 0.9104]
    assert rows[-1] == ["合计", 100, 96.67, 0.9667]
    for ws, title in ((second, "二级指标得分率"), (first, "一级指标得分率")):
        assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
        [chart] = ws._charts
        assert chart.tagname == "barChart" and chart.type == "bar"
        assert chart.y_axis.scaling.max == 1 and chart.y_axis.number_format.formatCode == "0%"
        assert "".join(r.t for p in chart.title.tx.rich.p for r in p.r) == title


def test_html_has_total_and_sum_rows(html):
    total = re.search(r'<tr class="total"><td colspan="3">总分</td>(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num">100</td>' in total and "评价等级：优" in total and ">96.67</td>" in total
    for table in ("level1", "rates"):
        body = re.search(rf'<table id="{table}">.*?</table>', html, re.S).group(0)
        assert re.search(r'<tr class="total"><td( colspan="2")?>合计</td><td class="num">100</td>'
                         r'<td class="num">96.67</td><td class="num">96.67%</td></tr>', body), table
    level1 = re.search(r'<table id="level1">.*?</table>', html, re.S).group(0)
    assert ('<td>部门决策</td><td class="num">14</td><td class="num">13.00</td><td class="num">92.86%</td>'
            in level1)


def test_html_print_css_breaks_cleanly(html):
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    print_css = css[css.index("@media print"):]
    assert "size: A4 landscape" in print_css
    assert "break-before: page" not in css  # nothing forces a page break: no blank first page
    assert "thead { display: table-header-group; }" in print_css  # the header row repeats on every page
    # a row never splits across pages: each of its cells keeps whole, but those spanning rows (see below)
    assert re.search(r"td:not\(\[rowspan\]\), \.chart \{ break-inside: avoid", print_css)


def test_html_charts_are_inline_svg_without_script(html):
    assert "<script" not in html
    charts = re.findall(r'<svg id="(chart-level[12])".*?</svg>', html, re.S)
    assert charts == ["chart-level1", "chart-level2"]
    level1 = re.search(r'<svg id="chart-level1".*?</svg>', html, re.S).group(0)
    # a 100% bar is 400 long: 部门决策 92.86% → 371.44 → 371; 管理效率 91.04% → 364.16 → 364
    widths = re.findall(r'<rect x="\d+" y="\d+" width="(\d+)" height="18" fill="#[0-9a-f]{6}"><title>', level1)
    assert widths == ["371", "364", "400", "400"]


def test_chart_labels_are_escaped():
    svg = bar_chart("<标题>", [('a"<b>&', "50.00%"), ("无", None)], "x")
    assert "<b>" not in svg and "&lt;b&gt;&amp;" in svg and "&lt;标题&gt;" in svg
    assert svg.count("<rect") == 3  # two backgrounds, one bar: no rate, no bar
    assert bar_chart("空", [], "y") == ""


# ---------------------------------------------------------------- the batch 汇总
def test_batch_summary_unit_first_filters_and_statistics(tmp_path):
    import json
    from decimal import Decimal

    docs = [json.loads(SEED_FACTS.read_text(encoding="utf-8"))]
    docs.append({**docs[0], "资金使用": {**docs[0]["资金使用"], "问题": []}})  # 资金使用合规性 5: 97.67 优
    # 创新审批 0 (−6); 审批效率 0 + 4 instead of 7 (−3): 87.67 良
    docs.append({**docs[0], "创新审批": {"国家级认可或推广次数": 0, "市级认可或推广次数": 0},
                 "审批效率": {**docs[0]["审批效率"], "本年未办结数": 3}})
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in docs)
                     + '\n{"被评价单位": "某失败单位", "评价年度": 2024}\n', encoding="utf-8")
    out = tmp_path / "汇总.xlsx"
    assert main(["eval", str(RULES), str(batch), "--format", "xlsx", "-o", str(out)]) == 1
    wb = load_workbook(out)
    ws = wb["评分汇总"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    # 评价对象 is the unit (the 标题's text fact 被评价单位), not the report's title, which has a column of its own
    assert [r[:3] for r in rows[:3]] == [
        ["天津市和平区人民政府政务服务办公室", 96.67, "优"],
        ["天津市和平区人民政府政务服务办公室", 97.67, "优"],
        ["天津市和平区人民政府政务服务办公室", 87.67, "良"]]
    assert [r[-5] for r in rows[:3]] == ["天津市和平区人民政府政务服务办公室 2024年度部门整体支出绩效评价"] * 3
    # a line that could not be scored keeps its unit's name, and the title the rules give it
    assert rows[3][0] == "某失败单位" and rows[3][1] is None
    assert rows[3][-5] == "某失败单位 2024年度部门整体支出绩效评价"
    assert rows[3][-2].startswith("失败：[F013]")
    assert ws.freeze_panes == "D4" and ws.auto_filter.ref.startswith("A3:") and ws.auto_filter.ref.endswith("7")
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$3"
    assert ws.column_dimensions["A"].width == 36
    stats = [[c.value for c in r] for r in wb["统计"].iter_rows()]
    grades = {r[0]: r[1] for r in stats[1:] if r[0] is not None}
    assert grades == {"优": 2, "良": 1, "中": 0, "差": 0, "评分失败": 1, "合计": 4}
    by_name = {r[3]: r[4:] for r in stats[1:] if r[3] is not None}
    # 资金使用合规性: (4 + 5 + 4) / 3 = 4.33 of 5 = 86.67%; 创新审批举措情况: (6 + 6 + 0) / 3 = 4 of 6 = 66.67%
    weight, mean, rate = by_name["资金使用合规性"]
    assert weight == 5 and mean == pytest.approx(float(Decimal(13) / 3)) and rate == pytest.approx(13 / 15)
    assert by_name["创新审批举措情况"][1:] == [4, pytest.approx(2 / 3)]
    assert by_name["服务对象满意度"][1:] == [3, 1]
    charts = wb["统计"]._charts
    assert [c.tagname for c in charts] == ["barChart", "barChart"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_xlsx_report_prints_through_libreoffice_on_landscape_pages(tmp_path):
    """What Excel's print preview would show, checked in LibreOffice Calc: every page A4 landscape, the total on it."""
    book = tmp_path / "评分表.xlsx"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "xlsx", "-o", str(book)]) == 0
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                          capture_output=True, timeout=180)
    pdf = tmp_path / "评分表.pdf"
    if not pdf.exists() and b"could not be loaded" in done.stderr + done.stdout:
        pytest.skip("LibreOffice here has no Calc (Debian: libreoffice-calc-nogui)")
    assert pdf.exists(), done.stderr
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True).stdout
        sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
        assert sizes and all(abs(w - 842) < 3 and abs(h - 595) < 3 for w, h in sizes), sizes  # A4 landscape
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "96.67" in text and "预算编制完整性" in text
    page_png(pdf, "评分表-xlsx")
