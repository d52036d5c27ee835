"""计量单位 and 显示为 on a fact declaration (issue 17, item 1): display only — the 指标分析结果 say a fact by its
label with its unit, the 提升空间 figures carry the unit, the 基础数据表's 单位 column shows it; scores never
change."""

import copy
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdsl.cli import main
from perfdsl.engine import Engine
from perfdsl.explain.document import explain
from perfdsl.explain.improve import annotate
from perfdsl.render import improvement
from perfdsl.render.report import rows
from perfdsl.ruleset.facts import parse_json
from perfdsl.syntax.builder import build
from perfdsl.syntax.formatter import format_text
from perfdsl.syntax.printer import quote

FACTS_ZH = """事实 {
  预算 {
    全年预算数: 数值 > 0 计量单位 "万元"
    执行数: 数值 ≥ 0 计量单位 "万元" 显示为 "预算执行数（含追加）"
  }
  会议次数: 整数 ≥ 0 计量单位 "次"
  项目: 列表 { 名称: 文本; 金额: 数值 ≥ 0 计量单位 "万元" 显示为 "项目金额" }
}
"""
FACTS_EN = """facts {
  预算 {
    全年预算数: number > 0 unit "万元"
    执行数: number >= 0 unit "万元" shown_as "预算执行数（含追加）"
  }
  会议次数: integer >= 0 unit "次"
  项目: list { 名称: text; 金额: number >= 0 unit "万元" shown_as "项目金额" }
}
"""
INDICATOR = """
指标 预算执行 分值 10 {
  令 执行率: 比率 = 预算.执行数 ÷ 预算.全年预算数
  得分 = 区间 执行率 { ≥ 90% → 8; < 90% → 0 } + (若 会议次数 ≥ 2 则 2 否则 0)
}
"""
FACTS = '{"预算": {"全年预算数": 1000, "执行数": 800}, "会议次数": 3, "项目": []}'


def test_the_clauses_parse_into_the_declaration():
    facts = build(FACTS_ZH, "t.perf").items[0]
    budget = facts.fields[0].type.fields
    assert (budget[0].unit, budget[0].label) == ("万元", None)
    assert (budget[1].unit, budget[1].label) == ("万元", "预算执行数（含追加）")
    assert (facts.fields[1].unit, facts.fields[1].label) == ("次", None)
    item = facts.fields[2].type.element.fields[1]
    assert (item.unit, item.label) == ("万元", "项目金额")


def test_fmt_round_trips_both_keyword_languages_exactly():
    assert format_text(FACTS_ZH, "t.perf", keywords="en") == FACTS_EN
    assert format_text(FACTS_EN, "t.perf", keywords="zh") == FACTS_ZH
    assert format_text(FACTS_ZH, "t.perf") == FACTS_ZH
    # 「…」 after 计量单位 and 显示为 is a text, as after 标题
    assert format_text(FACTS_ZH.replace('"次"', "「次」"), "t.perf") == FACTS_ZH


_TEXTS = st.one_of(st.none(), st.text(alphabet='万元个项人%/"\\ a{}「」“”', max_size=6))


@settings(max_examples=60, deadline=None)
@given(_TEXTS, _TEXTS, st.sampled_from(["zh", "en"]))
def test_any_unit_and_label_survive_fmt_in_either_language(unit, shown, language):
    clauses = f" 计量单位 {quote(unit)}" if unit is not None else ""
    clauses += f" 显示为 {quote(shown)}" if shown is not None else ""
    text = f"事实 {{\n  甲: 数值 ≥ 0{clauses}\n}}\n"
    other = format_text(text, "t.perf", keywords=language)
    back = format_text(other, "t.perf", keywords="zh")
    assert back == format_text(text, "t.perf")
    field = build(other, "t.perf").items[0].fields[0]
    assert (field.unit, field.label) == (unit, shown)


def test_a_field_named_like_a_keyword_still_declares_and_reads(tmp_path):
    text = ('事实 { 项目 { 计量单位: 文本; 显示为: 数值 } }\n'
            '指标 甲 分值 1 { 得分 = 若 项目.计量单位 == "处" 则 项目.显示为 否则 0 }\n')
    english = format_text(text, "t.perf", keywords="en")  # fmt quotes a name spelled like a keyword
    assert english.startswith('facts {\n  项目 {\n    "计量单位": text\n    "显示为": number')
    path = tmp_path / "rules.perf"
    path.write_text(format_text(english, "t.perf", keywords="zh"), encoding="utf-8")
    facts = parse_json('{"项目": {"计量单位": "处", "显示为": 1}}', "t")
    assert Engine.from_path(path, fast=False).score(facts).root.score == Decimal("1.00")


@pytest.fixture
def engine(tmp_path):
    path = tmp_path / "rules.perf"
    path.write_text(FACTS_ZH + INDICATOR, encoding="utf-8")
    return Engine.from_path(path, fast=False)


def _leaf(doc):
    return doc["children"][0]


def test_the_narrative_says_each_fact_by_its_label_with_its_unit(engine):
    doc = explain(engine.score(parse_json(FACTS, "t")))
    # 800 ÷ 1000 = 80% < 90% → 0; 3 次 ≥ 2 → 2; 本项 2 分
    assert rows(doc)[0].analysis == (
        "预算执行数（含追加） 800 万元，全年预算数 1000 万元，执行率 = 800 ÷ 1000 = 80%，落在 90% 以下一档，"
        "得 0 分，会议次数 3 次，得 2 分。本项得 2 分，分值 10 分。")
    assert doc["ruleset"]["display"] == {
        "预算.全年预算数": {"unit": "万元"}, "预算.执行数": {"unit": "万元", "label": "预算执行数（含追加）"},
        "会议次数": {"unit": "次"}, "项目[*].金额": {"unit": "万元", "label": "项目金额"}}
    assert _leaf(doc)["score"] == "2.00"


def test_units_do_not_change_scores_or_steps(engine, tmp_path):
    bare = tmp_path / "bare.perf"
    text = FACTS_ZH.replace(' 显示为 "预算执行数（含追加）"', "").replace(' 显示为 "项目金额"', "")
    for unit in ("万元", "次"):
        text = text.replace(f' 计量单位 "{unit}"', "")
    bare.write_text(text + INDICATOR, encoding="utf-8")
    facts = parse_json(FACTS, "t")
    with_units = explain(engine.score(copy.deepcopy(facts)))
    without = explain(Engine.from_path(bare, fast=False).score(copy.deepcopy(facts)))
    assert "display" not in without["ruleset"]
    def same(node):
        return node["score"], [{k: v for k, v in s.items() if k != "at"} for s in node["trace"]]
    assert same(_leaf(with_units)) == same(_leaf(without))
    assert Engine.from_path(tmp_path / "rules.perf").score(copy.deepcopy(facts)).root.score == Decimal("2.00")


def test_the_improvement_figure_carries_the_unit_and_the_label(engine):
    facts = parse_json(FACTS, "t")
    doc = explain(engine.score(copy.deepcopy(facts)))
    annotate(engine, facts, doc)
    # ≥ 90% (8 分): 执行数 ≥ 0.9 × 1000 = 900
    text = improvement.text(_leaf(doc))
    assert "即预算执行数（含追加）不低于 900 万元（现为 800 万元），可再得 8 分" in text


def test_the_template_unit_column_shows_the_declared_unit(tmp_path):
    rules = tmp_path / "rules.perf"
    rules.write_text(FACTS_ZH + INDICATOR.replace("会议次数 ≥ 2", "会议次数 ≥ 2 且 预算.全年预算数 > 0"),
                     encoding="utf-8")
    out = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(rules), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["基础数据"]
    wanted = ("全年预算数", "预算执行数（含追加）", "会议次数")  # 执行数 is shown by its 显示为 name
    units = {r[1]: r[3] for r in ws.iter_rows(values_only=True) if r[1] in wanted}
    assert units == {"全年预算数": "万元", "预算执行数（含追加）": "万元", "会议次数": "次"}


def test_the_template_names_a_fact_by_its_declared_label(tmp_path):
    # 显示为 is what reports call a fact; the person filling in the workbook should read the same name
    rules = tmp_path / "rules.perf"
    rules.write_text(FACTS_ZH + INDICATOR.replace("会议次数 ≥ 2", "会议次数 ≥ 2 且 预算.全年预算数 > 0"),
                     encoding="utf-8")
    out = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(rules), "-o", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    names = [r[1] for r in book["基础数据"].iter_rows(values_only=True)]
    assert "预算执行数（含追加）" in names and "执行数" not in names
    assert "全年预算数" in names  # no 显示为: its own name
    headers = [c.value for c in next(ws for ws in book if ws.title.startswith("项目"))[3]]
    assert headers[:2] == ["名称", "项目金额"]
