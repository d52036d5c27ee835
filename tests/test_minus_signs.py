"""One rule for minus signs in every medium (docs/explanation.md, 数字的写法): a number's sign is ASCII ``-``
(``-30%``, ``-0.5``: what Excel, WPS and Word write, and what Excel reads back as a number when a report's text
is pasted into a sheet); the operator of subtraction in a formula is ``−`` (U+2212) with a space on each side;
a negative value put into a formula after an operator is bracketed, ``10 + (-0.5)``; a zero has no sign.

The expected texts are worked out by hand from the rules below.
"""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from perfdsl.cli import main
from tests.conftest import rules_beside_facts, run_on

RULES = """\
体系 符号 {
  标题 "{单位} 符号测试"
  总分 40
  舍入 2 位 四舍五入
  等级 { ≥ 20 → 好; < 20 → 差 }
}
事实 {
  单位: 文本
  本年: 数值
  上年: 数值
  调整: 数值
}
指标 增长 分值 10 {
  令 增长率值 = 增长率(本年, 上年)
  得分 = 区间 增长率值 { ≥ -10% → 10; [-50%, -10%) → 5; < -50% → 0 }
}
指标 调整项 分值 10 {
  令 零 = -(调整 + 1) * 0
  得分 = 10 + 调整 - 零
}
指标 回升 分值 10 {
  得分 = 若 增长率(本年, 调整) < 0 则 10 否则 0
}
指标 差额 分值 10 {
  得分 = 若 本年 - 调整 > 0 则 10 否则 0
}
"""
FACTS = {"单位": "甲局", "本年": 70, "上年": 100, "调整": -0.5}

# 增长率(70, 100) = (70 − 100) / 100 = -30%: in [-50%, -10%), 5 points.
# 零 = -(-0.5 + 1) × 0 = -(0.5) × 0 = -0, shown 0; 10 + (-0.5) − 0 = 9.5.
# 增长率(70, -0.5) = (70 − (-0.5)) / (-0.5) = 70.5 / -0.5 = -141 = -14100% < 0: 10 points.
# 70 − (-0.5) = 70.5 > 0: 10 points.  Total 5 + 9.5 + 10 + 10 = 34.5.
GROWTH = "增长率 = (70 − 100) / 100 = -30%"
ZERO = "零 = -(调整 + 1) × 0 = -((-0.5) + 1) × 0 = 0"
SCORE = "得分 = 10 + 调整 − 零 = 10 + (-0.5) − 0 = 9.5"
BACK = "增长率 = (70 − (-0.5)) / (-0.5) = -14100%"


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    return rules_beside_facts(tmp_path_factory.mktemp("minus"), RULES, FACTS)


def run(place, capsys, *args) -> str:
    return run_on(place, capsys, *args)


def well_signed(text: str) -> None:
    """``−`` only between spaces (an operator), never before a digit; no ``-0`` of a zero."""
    assert not re.search(r"−(?! )|(?<! )−", text), text
    assert not re.search(r"(?<![\w.])-0(?![.\d])|-0\.0+(?!\d)", text), text


def test_traces_in_json_and_on_the_terminal(place, capsys):
    doc = json.loads(run(place, capsys, "eval", "--format", "json"))
    texts = [s["text"] for n in doc["children"] for s in n["trace"]]
    for want in (GROWTH, ZERO, SCORE, BACK):
        assert any(want in t for t in texts), want
    well_signed("\n".join(texts))
    # a value stays a decimal string of the document's contract (-0.0 is -(0.5) × 0 exactly)
    values = {s.get("name"): s.get("value") for n in doc["children"] for s in n["trace"]}
    assert values["增长率值"] == "-0.3" and values["零"] == "-0.0"
    shown = run(place, capsys, "eval", "--full")
    assert "= 区间 -30% {…} = 5" in shown and SCORE in shown
    well_signed(shown)


def test_report_prose_in_markdown_and_html(place, capsys):
    md = run(place, capsys, "report", "--format", "md")
    assert "(70 − 100) / 100 = -30%，落在 -50% 至 -10%（不含）一档，得 5 分" in md
    assert "零 = -((-0.5) + 1) × 0 = 0，10 + (-0.5) − 0 = 9.5，得 9.5 分" in md
    assert "本年 70，调整 -0.5，70 − (-0.5) 高于 0，得 10 分" in md
    well_signed(md)
    html = run(place, capsys, "report", "--format", "html")
    assert "10 + (-0.5) − 0 = 9.5" in html
    well_signed(html)


def test_word_and_excel(place, tmp_path):
    docx, xlsx = tmp_path / "a.docx", tmp_path / "a.xlsx"
    assert main(["report", str(place / "rules"), str(place / "facts.json"), "-o", str(docx)]) == 0
    body = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    text = re.sub(r"<[^>]+>", "", body).replace("\u2060", "")
    assert "10 + (-0.5) − 0 = 9.5" in text
    well_signed(text)
    assert main(["report", str(place / "rules"), str(place / "facts.json"), "-o", str(xlsx)]) == 0
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(xlsx.read_bytes()))
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    well_signed("\n".join(str(c) for c in cells))
    assert 9.5 in cells and 34.5 in cells  # scores are numbers, not text
