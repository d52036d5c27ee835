"""No thousands separators in any text perfdsl writes (docs/explanation.md, 数字的写法): an amount in a trace, in
the 指标分析结果 and in 失分原因与提升空间 is written as the facts and the rule language write it, 14159600 元,
in every medium; Excel's cells hold numbers.  Expected figures worked out by hand from the rules below.
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
体系 金额 {
  标题 "{单位} 金额测试"
  总分 2
  舍入 2 位 四舍五入
  等级 { ≥ 1 → 合格; < 1 → 不合格 }
}
事实 {
  单位: 文本
  全年预算数: 数值 > 0 计量单位 "元"
  预算执行数: 数值 ≥ 0 计量单位 "元"
}
指标 预算执行 分值 2 {
  令 预算执行率: 比率 = 预算执行数 ÷ 全年预算数
  得分 = 区间 预算执行率 { > 90% → 2; (80%, 90%] → 1; ≤ 80% → 0 }
}
"""
# 11000000 ÷ 14159600 = 0.7768… ≤ 80%: 0 分.  More than 80% needs 预算执行数 > 0.8 × 14159600 = 11327680, at
# the grain of a decimal fact (0.01) 11327680.01; more than 90% > 12743640: 12743640.01.
FACTS = {"单位": "乙局", "全年预算数": 14159600, "预算执行数": 11000000}
GROUPED = re.compile(r"\d,\d{3}")


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    return rules_beside_facts(tmp_path_factory.mktemp("thousands"), RULES, FACTS)


def run(place, capsys, *args) -> str:
    return run_on(place, capsys, *args)


def test_traces_and_prose_write_amounts_as_the_facts_do(place, capsys):
    doc = json.loads(run(place, capsys, "report", "--format", "json"))
    leaf = doc["children"][0]
    texts = [s["text"] for s in leaf["trace"]] + [e.get("need", "") + e["cause"] for e in leaf["improve"]]
    assert any("11000000 ÷ 14159600" in t for t in texts)
    assert any("预算执行数不低于 11327680.01 元（现为 11000000 元）" in t for t in texts)
    assert any("预算执行数不低于 12743640.01 元（现为 11000000 元）" in t for t in texts)
    assert not GROUPED.search("\n".join(texts))
    md = run(place, capsys, "report", "--format", "md")
    assert "全年预算数 14159600 元" in md and "预算执行数 11000000 元" in md
    for shown in (md, run(place, capsys, "report", "--format", "html"), run(place, capsys, "eval", "--full"),
                  run(place, capsys, "explain", "预算执行")):
        assert not GROUPED.search(shown)


def test_word_and_excel(place, tmp_path):
    docx, xlsx = tmp_path / "a.docx", tmp_path / "a.xlsx"
    assert main(["report", str(place / "rules"), str(place / "facts.json"), "-o", str(docx)]) == 0
    body = re.sub(r"<[^>]+>", "", zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8"))
    assert "全年预算数 14159600 元" in body and not GROUPED.search(body)
    assert main(["report", str(place / "rules"), str(place / "facts.json"), "-o", str(xlsx)]) == 0
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(xlsx.read_bytes()))
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not GROUPED.search("\n".join(str(c) for c in cells))
    assert 0 in cells and 2 in cells  # 得分 and 分值 are numbers
