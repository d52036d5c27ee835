"""The 评分表 as a Word document (python-docx), laid out as appendix 1 of the seed report.

A4 landscape; a title block; the 评分表 (一级/二级/三级指标, 分值, 指标解释和说明, 评分标准,
指标分析结果, 得分) with 一级 and 二级 cells merged vertically, its header row repeated on every
page and a 总分 row; the 二级指标得分率表 with a 合计 row; page numbers in the footer.  Read from
the explanation document only; every text from rules or facts goes through ``escape.for_docx``.
The bytes are deterministic (fixed document times and zip entry times).
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Optional

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from perfdsl.render.escape import for_docx
from perfdsl.render.report import COLUMNS, heading, provenance, rate_rows, rows, score_text, spans, veto
from perfdsl.render.xlsx import fixed_zip

FONT = "SimSun"  # 宋体; LibreOffice substitutes a CJK font it has
_WIDTHS_MM = (18, 20, 24, 12, 52, 52, 70, 17)  # 265 of the 267 mm between the margins; 分值, a bold 100.00 on one line
_RATE_WIDTHS_MM = (40, 60, 25, 25, 25)
_FIXED_DATE = datetime(2000, 1, 1)


# A number's sign (- after anything but a digit, a letter, ., %, ) or ]; before a digit or ∞): LibreOffice breaks a
# line between - and 100% in a narrow cell.  A WORD JOINER (U+2060: zero width, no glyph, no break) on each side
# keeps the sign with its number in Word and LibreOffice alike (one after it alone still broke after x = -);
# 2022-2024 and a−b are not signs and stay as they are.
_SIGN = re.compile(r"(?<![0-9A-Za-z.%)\]])-(?=[0-9∞])")
JOINED_SIGN = "\u2060-\u2060"


def _joined(text: str) -> str:
    """``text`` with each number's sign joined to it (``-100%`` cannot end one line and start the next)."""
    return _SIGN.sub(JOINED_SIGN, text) if "-" in text else text


def _font(run, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = FONT
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), FONT)


def _text(cell, text: str, size: float = 9, bold: bool = False, align=None) -> None:
    """Fill ``cell`` with ``text`` (already escaped, or perfdsl's own words)."""
    para = cell.paragraphs[0]
    if align is not None:
        para.alignment = align
    _font(para.add_run(_joined(text)), size, bold)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _widths(table, widths_mm) -> None:
    """Each column's width, in the table's grid as well as in every cell: LibreOffice (and WPS) lay a fixed table
    out by its grid, which python-docx leaves at equal widths — the 指标分析结果 column came out as narrow as 分值."""
    table.autofit = False
    for column, w in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(w)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) as a simple field: Word and LibreOffice fill it in."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "1"
    run.append(t)
    fld.append(run)
    paragraph._p.append(fld)


def _page_numbers(section) -> None:
    para = section.footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(para.add_run("第 "), 9)
    _field(para, "PAGE")
    _font(para.add_run(" 页，共 "), 9)
    _field(para, "NUMPAGES")
    _font(para.add_run(" 页"), 9)


def _paragraph(document, text: str, size: float = 10.5, bold: bool = False, align=None, after: float = 4):
    para = document.add_paragraph()
    if align is not None:
        para.alignment = align
    para.paragraph_format.space_after = Pt(after)
    _font(para.add_run(_joined(text)), size, bold)
    return para


def _score_table(document, doc: dict) -> None:
    table_rows = rows(doc)
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, COLUMNS, strict=True):
        _text(cell, name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _repeat_header(table.rows[0])
    for r in table_rows:
        cells = table.add_row().cells
        values = (for_docx(heading(r.level1, r.level1_weight)), for_docx(heading(r.level2, r.level2_weight)),
                  for_docx(r.name), r.weight, for_docx(r.explanation), for_docx(r.criteria), for_docx(r.analysis),
                  for_docx(score_text(r.score, r.status)))
        for i, (cell, value) in enumerate(zip(cells, values, strict=True)):
            centred = i in (0, 1, 2, 3, 7)
            _text(cell, value, size=9 if i < 4 or i == 7 else 8,
                  align=WD_ALIGN_PARAGRAPH.CENTER if centred else None)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER if centred else WD_CELL_VERTICAL_ALIGNMENT.TOP
        if r.improvement:  # 失分原因与提升空间: its own paragraph in the analysis cell, the heading in bold
            head, _, body = r.improvement.partition("：")
            para = cells[6].add_paragraph()
            _font(para.add_run(_joined(for_docx(head)) + "："), 8, bold=True)
            _font(para.add_run(_joined(for_docx(body))), 8)
    first = 1
    for col, keys in ((0, [r.level1 for r in table_rows]), (1, [(r.level1, r.level2) for r in table_rows])):
        for i, n in enumerate(spans(keys)):
            if n > 1:
                top = table.cell(first + i, col)
                merged = top.merge(table.cell(first + i + n - 1, col))
                # merging joins the paragraphs of every cell: keep the first (the others repeat it)
                for extra in merged.paragraphs[1:]:
                    extra._p.getparent().remove(extra._p)
    total = table.add_row()
    label = total.cells[0].merge(total.cells[2])
    _text(label, "总分", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _text(total.cells[3], doc["weight"], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    note = total.cells[4].merge(total.cells[6])
    _text(note, f"评价等级：{for_docx(doc.get('grade') or '—')}", bold=True)
    _text(total.cells[7], for_docx(doc["score"]) if doc.get("score") is not None else "无法评分", bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER)
    for row in table.rows[1:]:
        _cant_split(row)
    _widths(table, _WIDTHS_MM)


def _rate_table(document, doc: dict) -> None:
    rates = rate_rows(doc)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, ("一级指标", "二级指标", "分值", "得分", "得分率"), strict=True):
        _text(cell, name, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _repeat_header(table.rows[0])
    for r in rates:
        cells = table.add_row().cells
        for cell, value in zip(cells, (for_docx(r.level1), for_docx(r.name), r.weight, for_docx(r.score or "—"),
                                       for_docx(r.rate or "—")), strict=True):
            _text(cell, value, align=WD_ALIGN_PARAGRAPH.CENTER)
    for i, n in enumerate(spans([r.level1 for r in rates])):
        if n > 1:
            merged = table.cell(1 + i, 0).merge(table.cell(i + n, 0))
            for extra in merged.paragraphs[1:]:
                extra._p.getparent().remove(extra._p)
    total = table.add_row().cells
    label = total[0].merge(total[1])
    _text(label, "合计", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for cell, value in zip(total[2:], (doc["weight"], doc.get("score") or "—", doc.get("rate") or "—"), strict=True):
        _text(cell, for_docx(value), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _widths(table, _RATE_WIDTHS_MM)


def render(doc: dict, evaluator: Optional[str] = None, date: Optional[str] = None) -> bytes:
    """The Word report of one explanation document.  ``evaluator`` (评价机构) and ``date`` (评价日期) go into the
    title block when given."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(15))
    section.top_margin = section.bottom_margin = Mm(15)
    _page_numbers(section)

    _paragraph(document, for_docx(doc["name"]), size=16, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, after=6)
    # the rule set's own name: a 项目支出 evaluation's appendix said 整体支出 when this was a constant
    system = re.sub(r"指标体系$", "", (doc.get("ruleset") or {}).get("name") or "绩效评价")
    _paragraph(document, f"附件1 {for_docx(system)}指标体系及评分表", size=12, bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    total = doc.get("score")
    _paragraph(document, f"总分 {for_docx(total) if total is not None else '无法评分'} 分（满分 {doc['weight']} 分），"
                         f"评价等级：{for_docx(doc.get('grade') or '—')}", size=11, align=WD_ALIGN_PARAGRAPH.CENTER)
    vetoed = veto(doc)
    if vetoed:
        _paragraph(document, for_docx(vetoed), size=11, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    block = [f"评价机构：{for_docx(evaluator)}" if evaluator else "", f"评价日期：{for_docx(date)}" if date else ""]
    if any(block):
        _paragraph(document, "　　".join(b for b in block if b), size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    if doc.get("status") != "ok":
        _paragraph(document, "评分未全部完成：部分指标无法评分。", bold=True)
    _score_table(document, doc)

    _paragraph(document, "", after=2)
    _paragraph(document, "二级指标得分率表", size=12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _rate_table(document, doc)

    _paragraph(document, "", after=2)
    _paragraph(document, "来源", size=10.5, bold=True)
    for key, value in provenance(doc):
        _paragraph(document, f"{for_docx(key)}：{for_docx(value)}", size=8, after=0)

    props = document.core_properties
    props.author = "perfdsl"
    props.title = for_docx(doc["name"])
    props.created = props.modified = _FIXED_DATE
    props.last_modified_by = "perfdsl"
    props.revision = 1
    buf = io.BytesIO()
    document.save(buf)
    out = io.BytesIO()
    fixed_zip(io.BytesIO(buf.getvalue()), out)
    return out.getvalue()

