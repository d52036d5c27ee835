"""The Word report (issue 17, item 3): reopened with python-docx, and converted to PDF by LibreOffice when present."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from perfdsl.cli import main

from .conftest import RULES, SEED_FACTS


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("word") / "评分表.docx"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "docx", "-o", str(out),
                 "--evaluator", "某评价机构", "--date", "2025年6月"]) == 0
    return out


def _unique_cells(row):
    seen, out = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            out.append(cell)
    return out


def test_the_score_table_is_laid_out_as_appendix_1(report):
    document = Document(str(report))
    section = document.sections[0]
    assert section.page_width > section.page_height  # landscape
    assert abs(section.page_width.mm - 297) < 1 and abs(section.page_height.mm - 210) < 1
    text = "\n".join(p.text for p in document.paragraphs)
    assert "天津市和平区人民政府政务服务办公室 2024年度部门整体支出绩效评价" in text
    assert "总分 96.67 分（满分 100 分），评价等级：优" in text and "某评价机构" in text and "2025年6月" in text

    scores, rates = document.tables
    header = [c.text for c in scores.rows[0].cells]
    assert header == ["一级指标", "二级指标", "三级指标", "分值", "指标解释和说明", "评分标准", "指标分析结果", "得分"]
    assert scores.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    body = scores.rows[1:-1]
    assert len(body) == 25
    # 一级 and 二级 merged vertically: one cell object spans its rows
    assert scores.cell(1, 0)._tc is scores.cell(5, 0)._tc and scores.cell(1, 0).text == "部门决策 (14)"
    assert scores.cell(1, 1)._tc is scores.cell(3, 1)._tc and scores.cell(1, 1).text == "决策依据 (8)"
    assert scores.cell(4, 1).text == "预算编制 (6)" and scores.cell(4, 1)._tc is not scores.cell(3, 1)._tc
    by_name = {r.cells[2].text: r for r in body}
    row = by_name["绩效目标编制工作开展情况"]
    assert row.cells[3].text == "4" and row.cells[7].text == "3.02"
    assert "2 × (1 − 3/17) = 1.65" in row.cells[6].text and "绩效目标." not in row.cells[6].text
    assert sum(float(r.cells[7].text) for r in body) == pytest.approx(96.67)
    total = _unique_cells(scores.rows[-1])
    assert [c.text for c in total] == ["总分", "100", "评价等级：优", "96.67"]

    assert [c.text for c in rates.rows[0].cells] == ["一级指标", "二级指标", "分值", "得分", "得分率"]
    assert [c.text for c in _unique_cells(rates.rows[-1])] == ["合计", "100", "96.67", "96.67%"]
    assert any(r.cells[1].text == "预算绩效管理" and r.cells[4].text == "86.70%" for r in rates.rows)


def test_page_numbers_in_the_footer(report):
    footer = Document(str(report)).sections[0].footer._element.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer


def test_the_same_document_gives_the_same_bytes(report, tmp_path):
    again = tmp_path / "again.docx"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "docx", "-o", str(again),
                 "--evaluator", "某评价机构", "--date", "2025年6月"]) == 0
    assert again.read_bytes() == report.read_bytes()


def test_docx_needs_an_output_file(capsys):
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "docx"]) == 2
    assert "-o" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_it_to_pdf(report, tmp_path):
    profile = tmp_path / "profile"
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path), str(report)], capture_output=True, timeout=180)
    pdf = tmp_path / "评分表.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-z])", data))
    assert pages > 0
    # the text LibreOffice read: from the PDF when poppler's pdftotext is there, else LibreOffice's own text export
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    else:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        "txt:Text (encoded):UTF8", "--outdir", str(tmp_path), str(report)], capture_output=True,
                       timeout=180, check=True)
        text = (tmp_path / "评分表.txt").read_text(encoding="utf-8-sig")
    assert "96.67" in text and "2×(1−3/17)=1.65" in re.sub(r"\s", "", text)  # lines wrap anywhere in a cell
    page_png(pdf, "评分表-docx")


def page_png(pdf, name: str) -> None:
    """Page 1 of a converted report as a PNG in tests/screenshots/ (an artifact for a person to look at)."""
    if shutil.which("pdftoppm") is None:
        return
    shots = Path(__file__).parent / "screenshots"
    shots.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(shots / name)],
                   capture_output=True, timeout=120)
    assert (shots / f"{name}.png").stat().st_size > 10_000


# ---------------------------------------------------------------- a number's sign stays with its number

def test_a_sign_is_joined_to_its_number_and_nothing_else_is():
    from perfdsl.render.word import JOINED_SIGN, _joined
    wj = "\u2060"
    assert _joined("增长率 = (0 − 1) / 1 = -100%，不高于 0") == f"增长率 = (0 − 1) / 1 = {wj}-{wj}100%，不高于 0"
    assert _joined("〔-100% ≤ 0 成立〕") == f"〔{JOINED_SIGN}100% ≤ 0 成立〕"
    assert _joined("10 + (-0.5) − 0；为-30%；-∞") == f"10 + ({wj}-{wj}0.5) − 0；为{wj}-{wj}30%；{wj}-{wj}∞"
    # not signs: a range of years, a hyphen after a digit or a letter, the operator −, a dash before a word
    for text in ("2022-2024年无建设项目", "（ 1-2024年初结转结余）", "COVID-19", "5 − 1 = 4", "A-级", "- 注"):
        assert _joined(text) == text


def test_the_seed_report_joins_its_negative_growth_rate(report):
    body = Document(str(report)).tables[0]._tbl.xml
    assert "(0 − 1) / 1 = \u2060-\u2060100%" in body and "2022-2024" in body
    assert "= -100%" not in body  # no sign left unjoined


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="needs LibreOffice (soffice) and pdftotext (Debian: libreoffice-writer, poppler-utils)")
def test_libreoffice_never_breaks_a_line_between_a_sign_and_its_number(tmp_path):
    """A cell 22 mm wide and 48 texts whose -100% falls at every place of a line: converted to PDF by LibreOffice,
    no line of text ends in - and every -100% is whole; the same texts unjoined do break (the test can fail)."""

    from perfdsl.render import word
    texts = ["增长率" + "甲" * (k % 8) + "x" * (k // 8) + " = -100%，不高于 0" for k in range(48)]

    def converted(join: bool) -> str:
        document = Document()
        table = document.add_table(rows=len(texts), cols=1)
        word._widths(table, (22,))
        for row, text in zip(table.rows, texts, strict=True):
            if join:
                word._text(row.cells[0], text)
            else:
                word._font(row.cells[0].paragraphs[0].add_run(text), 9)
        name = "joined" if join else "plain"
        document.save(str(tmp_path / f"{name}.docx"))
        done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                               "--convert-to", "pdf", "--outdir", str(tmp_path), str(tmp_path / f"{name}.docx")],
                              capture_output=True, timeout=180)
        assert done.returncode == 0, done.stderr
        # -layout: lines as laid out (without it pdftotext takes a - ending a line for a hyphen and drops it)
        return subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{name}.pdf"), "-"], capture_output=True,
                              text=True, check=True).stdout.replace("\u2060", "")

    plain = converted(join=False)
    assert re.search(r"-[ \t]*\n\s*100%", plain)  # LibreOffice does break there when nothing joins them
    joined = converted(join=True)
    assert not re.search(r"-[ \t]*$", joined, re.MULTILINE) and joined.count("-100%") == len(texts)
