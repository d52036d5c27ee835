"""The 评分表 as an Excel workbook (openpyxl): merged 一级/二级 cells, numbers as numbers.

Every cell is filled through ``escape.xlsx_cell``: text is always text, never a formula (perfdsl
writes none), with control characters made visible.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from perfdsl.render.escape import xlsx_cell
from perfdsl.render.report import COLUMNS, heading, provenance, rows, score_text, spans, veto
from perfdsl.render.xlsx_print import WIDTHS, print_ready, rate_sheet, row_height

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="EEEEEE")
_WRAP = Alignment(wrap_text=True, vertical="top")
_FIXED_DATE = __import__("datetime").datetime(2000, 1, 1)


def _num(text):
    return float(Decimal(text)) if text is not None else None


def _row(ws, values) -> list:
    """``values`` as cells for ``ws.append``, each filled through ``xlsx_cell``."""
    return [xlsx_cell(WriteOnlyCell(ws), v) for v in values]


def render(doc: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "评分表"
    ws.append(_row(ws, [doc["name"]]))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.append(_row(ws, COLUMNS))
    for c in range(1, len(COLUMNS) + 1):
        cell = ws.cell(2, c)
        cell.font = Font(bold=True)
        cell.fill = _HEAD
        cell.border = _BORDER
    table = rows(doc)
    first = 3
    for r in table:
        ws.append(_row(ws, [heading(r.level1, r.level1_weight), heading(r.level2, r.level2_weight), r.name,
                            _num(r.weight), r.explanation, r.criteria,
                            r.analysis + (f"\n{r.improvement}" if r.improvement else ""),
                            _num(r.score) if r.score is not None else score_text(r.score, r.status)]))
    for col, keys in ((1, [r.level1 for r in table]), (2, [(r.level1, r.level2) for r in table])):
        for i, n in enumerate(spans(keys)):
            if n > 1:
                ws.merge_cells(start_row=first + i, start_column=col, end_row=first + i + n - 1, end_column=col)
    last = first + len(table) - 1
    for row in ws.iter_rows(min_row=first, max_row=last):
        for cell in row:
            cell.border = _BORDER
            cell.alignment = _WRAP
    for i in range(first, last + 1):
        ws.cell(i, 4).number_format = "0.##"
        ws.cell(i, 8).number_format = "0.00"
    ws.append([])
    vetoed = f"\n{veto(doc)}" if veto(doc) else ""  # 一票否决: why the grade is not the total's
    ws.append(_row(ws, ["总分", None, None, _num(doc["weight"]), None, None, f"等级：{doc.get('grade') or '—'}{vetoed}",
                        _num(doc.get("score"))]))
    total_row = ws.max_row
    ws.cell(total_row, 1).font = Font(bold=True)
    ws.cell(total_row, 8).number_format = "0.00"
    ws.cell(total_row, 8).font = Font(bold=True)
    if vetoed:  # the grade cell in two lines, shown whole
        ws.cell(total_row, 7).alignment = _WRAP
        ws.row_dimensions[total_row].height = row_height([ws.cell(total_row, c).value for c in range(1, 9)], WIDTHS)
    for letter, width in zip("ABCDEFGH", WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    for i in range(first, last + 1):  # wrapped text shows in full: each row as tall as its longest cell
        ws.row_dimensions[i].height = row_height([ws.cell(i, c).value for c in range(1, 9)], WIDTHS)
    ws.freeze_panes = "D3"
    print_ready(ws, "2:2")

    rates = wb.create_sheet("二级指标得分率")
    rate_sheet(rates, doc)

    prov = wb.create_sheet("来源")
    for k, v in provenance(doc):
        prov.append(_row(prov, [k, v]))
    prov.column_dimensions["A"].width = 30
    prov.column_dimensions["B"].width = 70
    print_ready(prov, None)  # every sheet prints as the 评分表 does: A4 landscape, one page wide

    # deterministic bytes: fixed document times
    wb.properties.created = _FIXED_DATE
    wb.properties.creator = "perfdsl"
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook gives the same bytes: zip entry times and the save time fixed, order kept."""
    out = io.BytesIO()
    fixed_zip(io.BytesIO(data), out)
    return out.getvalue()


def fixed_zip(source: IO[bytes], target: IO[bytes]) -> None:
    """``_fixed_zip`` between file objects, copying entries in pieces: a 100,000-row sheet never sits in memory."""
    import re
    import shutil
    import zipfile
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2000-01-01T00:00:00Z\2",
                              src.read(info.filename))
                dst.writestr(fixed, data)
                continue
            with src.open(info) as piece_in, dst.open(fixed, "w", force_zip64=info.file_size > 2**31) as piece_out:
                shutil.copyfileobj(piece_in, piece_out, 1 << 20)
