"""What makes the Excel 评分表 print as the seed appendix does, and its 得分率 sheets with native charts.

Page setup (A4 landscape, fit to one page wide, the header row on every page, page numbers), row heights
that show wrapped text in full (Excel does not grow a row by itself for a file it did not lay out), and
the 一级/二级 得分率 tables with their 合计 rows and an openpyxl ``BarChart`` each.
"""

from __future__ import annotations

import math
import unicodedata
from decimal import Decimal
from typing import Optional, Sequence

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from perfdsl.render.escape import xlsx_cell
from perfdsl.render.report import level1_rows, rate_rows

WIDTHS = (12, 14, 18, 6, 40, 40, 50, 8)  # 评分表 columns A–H, in Excel's character units
LINE_POINTS = 15  # one line of 11-point text
MAX_ROW_POINTS = 409  # the tallest row Excel allows
_HEAD = PatternFill("solid", fgColor="EEEEEE")


def display_width(text: str) -> int:
    """Width in Excel's units: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_height(values: Sequence[object], widths: Sequence[float]) -> float:
    """The height (points) that shows every cell of a wrapped row in full."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if value is None:
            continue
        per_line = max(int(width) - 1, 1)
        cell_lines = sum(max(1, math.ceil(display_width(part) / per_line)) for part in str(value).split("\n"))
        lines = max(lines, cell_lines)
    return float(min(lines * LINE_POINTS + 4, MAX_ROW_POINTS))


def print_ready(ws, title_rows: Optional[str]) -> None:
    """A4 landscape, one page wide and as many long as needed, ``title_rows`` repeated, page numbers below."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4  # a write-only sheet lacks the constant
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _num(text):
    return float(Decimal(text)) if text is not None else None


def _rate(text: Optional[str]):
    """A document's "91.25%" as the fraction Excel formats with 0.00%."""
    return float(Decimal(text.rstrip("%")) / 100) if text and text.endswith("%") else None


def _append(ws, values, bold: bool = False) -> None:
    """A row whose every cell is filled through ``xlsx_cell`` (text stays text)."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for c, value in enumerate(values, 1):
        cell = ws.cell(row, c)
        xlsx_cell(cell, value)
        if bold:
            cell.font = Font(bold=True)


def _table(ws, heads: Sequence[str], body: list[list], total: list) -> tuple[int, int]:
    """Header, rows and a 合计 row; the numbers formatted; (first data row, last data row)."""
    _append(ws, list(heads), bold=True)
    head_row = ws.max_row
    for c in range(1, len(heads) + 1):
        ws.cell(head_row, c).fill = _HEAD
    for values in body:
        _append(ws, values)
    _append(ws, total, bold=True)
    n = len(heads)
    for r in range(head_row + 1, ws.max_row + 1):
        ws.cell(r, n - 1).number_format = "0.00"
        ws.cell(r, n).number_format = "0.00%"
    return head_row + 1, head_row + len(body)


def _chart(ws, title: str, names_col: int, first: int, last: int, rate_col: int, anchor: str) -> None:
    """A horizontal bar chart of the 得分率 column, 0 to 100%."""
    if last < first:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = title
    chart.legend = None
    chart.y_axis.scaling.min = 0
    chart.y_axis.scaling.max = 1
    chart.y_axis.number_format = "0%"
    chart.y_axis.title = "得分率"
    chart.x_axis.scaling.orientation = "maxMin"  # the first indicator on top, as in the table
    chart.add_data(Reference(ws, min_col=rate_col, min_row=first, max_row=last), titles_from_data=False)
    chart.set_categories(Reference(ws, min_col=names_col, min_row=first, max_row=last))
    chart.height = max(6.0, 0.8 * (last - first + 1) + 3)
    chart.width = 16
    ws.add_chart(chart, anchor)


def rate_sheet(ws, doc: dict) -> None:
    """二级指标得分率 with its 合计 row and chart; then a sheet 一级指标得分率 the same way."""
    body = [[r.level1, r.name, _num(r.weight), _num(r.score), _rate(r.rate)] for r in rate_rows(doc)]
    total = ["合计", None, _num(doc["weight"]), _num(doc.get("score")), _rate(doc.get("rate"))]
    first, last = _table(ws, ("一级指标", "二级指标", "分值", "得分", "得分率"), body, total)
    for letter, width in zip("ABCDE", (14, 20, 8, 8, 10), strict=True):
        ws.column_dimensions[letter].width = width
    _chart(ws, "二级指标得分率", 2, first, last, 5, "G2")
    print_ready(ws, "1:1")

    top = ws.parent.create_sheet("一级指标得分率")
    body = [[r.name, _num(r.weight), _num(r.score), _rate(r.rate)] for r in level1_rows(doc)]
    total = ["合计", _num(doc["weight"]), _num(doc.get("score")), _rate(doc.get("rate"))]
    first, last = _table(top, ("一级指标", "分值", "得分", "得分率"), body, total)
    for letter, width in zip("ABCD", (16, 8, 8, 10), strict=True):
        top.column_dimensions[letter].width = width
    _chart(top, "一级指标得分率", 1, first, last, 4, "F2")
    print_ready(top, "1:1")
