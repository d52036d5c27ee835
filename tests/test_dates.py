"""日期: facts, literals, comparison, bands, 天数差/逾期天数 — hand-worked scores, both engines, fmt, coverage."""

import datetime
import json

import pytest

from perfdsl.diagnostics import PerfdslError
from perfdsl.engine import Engine
from perfdsl.explain.document import explain
from perfdsl.rule_tests import coverage_points
from perfdsl.syntax.formatter import format_text

from .conftest import assert_roads_agree, two_engines

RULES = """体系 测试 {
  总分 15
  舍入 2 位 四舍五入
  等级 { ≥ 6 → 好; < 6 → 差 }
}
事实 {
  资金 { 下达日期: 日期; 下达期限: 日期 }
  开工日期: 日期
  完工日期: 日期
}
指标 资金下达及时性 分值 5 {
  标准 "在规定期限内下达的得满分；每逾期 1 天扣 0.1 分，扣完为止。"
  扣 0.1 × 逾期天数(资金.下达日期, 资金.下达期限) 理由 "每逾期 1 天扣 0.1 分，扣完为止"
}
指标 完工及时性 分值 5 {
  得分 = 区间 完工日期 { ≤ 2024年6月30日 → 5; (2024年6月30日, 2024年9月30日] → 3; > 2024年9月30日 → 0 }
}
指标 一季度下达 分值 2 {
  得分 = 若 资金.下达日期 ≤ 2024年3月31日 则 2 否则 0
}
指标 工期控制 分值 3 {
  令 工期 = 天数差(开工日期, 完工日期)
  得分 = 若 工期 ≤ 90 则 3 否则 0
}
"""

# Worked by hand from the 标准 (days counted on the calendar, 2024 a leap year):
#   1. 下达 7月15日, 期限 6月30日: 15 days late × 0.1 = 1.5 → 5 − 1.5 = 3.50; 完工 8月1日 in (6/30, 9/30] → 3;
#      7月15日 is after 3月31日 → 0; 工期 5月1日→8月1日 = 31 + 30 + 31 = 92 > 90 → 0.          total 6.50 好
#   2. 下达 3月31日 (not late → 5; on 3月31日 itself ≤ holds → 2); 完工 6月30日 (closed end) → 5;
#      工期 4月1日→6月30日 = 30 + 31 + 29 = 90 ≤ 90 → 3.                                     total 15.00 好
#   3. 下达 2025年1月1日: 6月30日→1月1日 = 31+31+30+31+30+31 + 1 = 185 days × 0.1 = 18.5 > 5 → 扣完为止 0;
#      完工 10月1日 > 9月30日 → 0; 工期 2月28日→10月1日 = 2 + 214 = 216 → 0.                 total 0.00 差
CASES = [
    ('{"资金": {"下达日期": "2024年7月15日", "下达期限": "2024-06-30"}, "开工日期": "2024-05-01", '
     '"完工日期": "2024-08-01"}', ["3.50", "3.00", "0.00", "0.00"], "6.50", "好"),
    ('{"资金": {"下达日期": "2024-03-31", "下达期限": "2024年6月30日"}, "开工日期": "2024-04-01", '
     '"完工日期": "2024-06-30"}', ["5.00", "5.00", "2.00", "3.00"], "15.00", "好"),
    ('{"资金": {"下达日期": "2025-01-01", "下达期限": "2024-06-30"}, "开工日期": "2024年2月28日", '
     '"完工日期": "2024-10-01"}', ["0.00", "0.00", "0.00", "0.00"], "0.00", "差"),
]


@pytest.fixture
def engines(tmp_path):
    return two_engines(tmp_path, RULES)


@pytest.mark.parametrize("facts,leaves,total,grade", CASES)
def test_scores_worked_by_hand(engines, facts, leaves, total, grade):
    fast, reference = engines
    for engine in (fast, reference):
        for trace in (False, True):
            doc = explain(engine.score_text(facts, trace=trace), trace=trace)
            assert doc["score"] == total and doc["grade"] == grade
            assert [leaf["score"] for leaf in doc["children"]] == leaves


@pytest.mark.parametrize("facts,leaves,total,grade", CASES)
def test_generated_documents_are_the_interpreters_byte_for_byte(engines, facts, leaves, total, grade):
    fast, reference = engines
    assert_roads_agree(fast, reference, facts)


def test_traces_show_days_in_chinese_and_json_writes_iso(engines):
    _fast, reference = engines
    doc = explain(reference.score_text(CASES[0][0], trace=True))
    on_time, done = doc["children"][0]["trace"], doc["children"][1]["trace"]
    texts = [s["text"] for s in on_time]
    assert "资金.下达日期 = 2024年7月15日" in texts
    assert "逾期：2024年7月15日 晚于期限 2024年6月30日 15 天" in texts
    assert any(t.startswith("扣 1.5 分（") and t.endswith("：每逾期 1 天扣 0.1 分，扣完为止") for t in texts)
    facts = {s["path"]: s["value"] for s in on_time if s["kind"] == "fact"}
    assert facts == {"资金.下达日期": "2024-07-15", "资金.下达期限": "2024-06-30"}
    band = next(s for s in done if s["kind"] == "band")
    assert band["text"] == "完工日期 = 2024年8月1日 → 落在 (2024年6月30日, 2024年9月30日] → 3"
    assert band["value"] == "2024-08-01"
    late = explain(reference.score_text(CASES[2][0], trace=True))["children"][0]["trace"]
    assert any(s["kind"] == "floor" for s in late)  # 扣完为止: 18.5 off 5 stops at 0


def test_facts_are_read_as_exact_days_on_both_roads(engines):
    from perfdsl.codegen.validator import compile_validator
    from perfdsl.ruleset.facts import FactValidator, Invalid, parse_json
    fast, _ = engines
    data = parse_json(CASES[0][0], "f.json")
    full = FactValidator(fast.plan.facts_ty).validate(data)
    quick = compile_validator(fast.plan.facts_ty, Invalid)(parse_json(CASES[0][0], "f.json"))
    assert full == quick
    assert full["资金"] == {"下达日期": datetime.date(2024, 7, 15), "下达期限": datetime.date(2024, 6, 30)}


@pytest.mark.parametrize("value,words", [
    ('"2024-02-30"', "2024年2月没有 30 日"),
    ('"2024-13-01"', "没有 13 月"),
    ('"6月底"', "请写成 2024-06-30、2024/6/30、2024.6.30 或 2024年6月30日"),
    ("20240630", "应为日期"),
])
def test_a_bad_date_in_the_facts_names_its_path_and_the_fix(engines, value, words):
    for engine in engines:
        facts = CASES[0][0].replace('"2024-05-01"', value)
        with pytest.raises(PerfdslError) as err:
            engine.score_text(facts, trace=False)
        assert [e.code for e in err.value.diagnostics] == ["F022"]
        assert err.value.diagnostics[0].fact_path == "开工日期"
        message = err.value.diagnostics[0].message
        assert message.startswith("开工日期：") and words in message


def test_a_date_that_does_not_exist_in_the_rules_is_an_error(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES.replace("2024年3月31日", "2024年2月30日"), encoding="utf-8")
    with pytest.raises(PerfdslError) as err:
        Engine.from_path(d, cache=False)
    assert [x.code for x in err.value.diagnostics] == ["E011"]
    assert "2月没有 30 日" in err.value.diagnostics[0].message


def test_iso_text_in_a_rule_is_still_arithmetic(tmp_path):
    """``2024-06-30`` in a rule stays a subtraction (files that check today keep their meaning)."""
    d = tmp_path / "r"
    d.mkdir()
    rules = "体系 测试 { 总分 2000 舍入 0 位 四舍五入 }\n指标 甲 分值 2000 { 得分 = 2024-06-30 }\n"
    (d / "main.perf").write_text(rules, encoding="utf-8")
    doc = explain(Engine.from_path(d, cache=False).score_text("{}", trace=False), trace=False)
    assert doc["score"] == "1988"


def test_dates_and_numbers_do_not_mix(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES.replace("若 工期 ≤ 90", "若 完工日期 ≤ 90").replace(
        "令 工期 = 天数差(开工日期, 完工日期)", "令 工期 = 天数差(开工日期, 5)\n  要求 工期 ≥ 0 否则 \"x\""),
        encoding="utf-8")
    with pytest.raises(PerfdslError) as err:
        Engine.from_path(d, cache=False)
    assert sorted(x.code for x in err.value.diagnostics if x.severity == "error") == ["E206", "E211"]


def test_fmt_writes_dates_back_in_both_keyword_languages():
    canonical = format_text(RULES, "main.perf")
    assert "下达日期: 日期" in canonical and "(2024年6月30日, 2024年9月30日] → 3" in canonical
    english = format_text(canonical, "main.perf", keywords="en")
    assert "下达日期: date" in english and "2024年9月30日" in english
    assert format_text(english, "main.perf", keywords="zh") == canonical


def test_coverage_counts_on_time_and_late(engines):
    fast, _ = engines
    kinds = sorted(p.key[0] for p in coverage_points(fast))
    assert "builtin:按期" in kinds and "builtin:逾期" in kinds


# ---------------------------------------------------------------- the fill-in workbook
def _workbook(tmp_path, facts, rules_text=None):
    """A filled 基础数据表 made by ``perfdsl template`` from ``facts`` (JSON text), for these rules (or ``RULES``)."""
    from perfdsl.cli import main
    rules = tmp_path / "r"
    rules.mkdir(exist_ok=True)
    (rules / "main.perf").write_text(rules_text or RULES, encoding="utf-8")
    (tmp_path / "f.json").write_text(facts, encoding="utf-8")
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(rules), "-o", str(book), "--facts", str(tmp_path / "f.json")]) == 0
    return rules, book


def _date_cell(wb, path):
    for row in wb["_perfdsl"].iter_rows(values_only=True):
        if row[0] == "scalar" and row[1] == path:
            return wb[row[2]][row[3]]
    raise KeyError(path)


def _eval(capsys, rules, facts):
    from perfdsl.cli import main
    code = main(["eval", str(rules), str(facts), "--format", "json"])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def test_the_workbook_has_date_cells_with_excel_date_validation(tmp_path):
    import openpyxl
    _rules, book = _workbook(tmp_path, CASES[0][0])
    wb = openpyxl.load_workbook(book)
    cell = _date_cell(wb, "资金.下达日期")
    assert cell.value == datetime.datetime(2024, 7, 15)  # a date cell: Excel keeps days as date-times
    assert cell.number_format == 'yyyy"年"m"月"d"日"'
    kinds = {dv.type for dv in cell.parent.data_validations.dataValidation}
    assert "date" in kinds


def test_the_workbook_reads_back_to_the_same_scores(tmp_path, capsys):
    import openpyxl
    rules, book = _workbook(tmp_path, CASES[0][0])
    code, from_book, err = _eval(capsys, rules, book)
    assert code == 0, err
    assert from_book["score"] == "6.50"
    wb = openpyxl.load_workbook(book)
    _date_cell(wb, "完工日期").value = "2024年6月30日"  # typed as text, as a person might
    _date_cell(wb, "资金.下达日期").value = datetime.date(2024, 3, 31)
    wb.save(book)
    code, doc, err = _eval(capsys, rules, book)
    assert code == 0, err
    # 下达 3月31日: on time → 5, and in the first quarter → 2; 完工 6月30日 → 5; 工期 5月1日→6月30日 = 60 → 3
    assert [c["score"] for c in doc["children"]] == ["5.00", "5.00", "2.00", "3.00"]


def test_a_bad_date_in_the_workbook_names_the_sheet_and_cell(tmp_path, capsys):
    import openpyxl
    rules, book = _workbook(tmp_path, CASES[0][0])
    wb = openpyxl.load_workbook(book)
    cell = _date_cell(wb, "开工日期")
    cell.value = "6月底"
    wb.save(book)
    code, _doc, err = _eval(capsys, rules, book)
    assert code != 0
    assert f"{cell.parent.title}!{cell.coordinate}" in err and "开工日期" in err and "2024-06-30" in err


def test_a_declared_range_of_days_is_checked_on_both_roads(tmp_path):
    from perfdsl.codegen.validator import compile_validator
    from perfdsl.ruleset.facts import FactValidator, Invalid, parse_json
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES.replace("完工日期: 日期", "完工日期: 日期 [2024年1月1日, 2024年12月31日]"),
                                 encoding="utf-8")
    engine = Engine.from_path(d, cache=False)
    quick = compile_validator(engine.plan.facts_ty, Invalid)
    inside = parse_json(CASES[0][0], "f.json")
    assert quick(inside)["完工日期"] == datetime.date(2024, 8, 1)
    outside = parse_json(CASES[0][0].replace('"2024-08-01"', '"2025-01-01"'), "f.json")
    with pytest.raises(Invalid):
        quick(outside)
    full = FactValidator(engine.plan.facts_ty)
    full.validate(outside)
    assert [e.code for e in full.errors] == ["F018"]
    assert "2025年1月1日 超出允许范围 [2024年1月1日, 2024年12月31日]" in full.errors[0].message


def test_reports_say_days_in_chinese(tmp_path, capsys):
    from perfdsl.cli import main
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES, encoding="utf-8")
    (tmp_path / "f.json").write_text(CASES[0][0], encoding="utf-8")
    out = tmp_path / "report.md"
    assert main(["report", str(d), str(tmp_path / "f.json"), "--format", "md", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    # the analysis names each date by its fact (the trace above keeps the builtin's own words)
    assert "逾期：下达日期 2024年7月15日 晚于下达期限 2024年6月30日 15 天" in text
    assert "2024-07-15" not in text and "2024-08-01" not in text  # ISO is for the JSON only


def test_check_finds_gaps_and_dead_arms_in_bands_over_days(tmp_path):
    """Days are whole: ≤ 6月30日 and ≥ 7月1日 leave no gap; < 6月30日 and > 6月30日 leave 6月30日 itself."""
    from perfdsl.ruleset.check import check
    from perfdsl.ruleset.loader import load
    (tmp_path / "main.perf").write_text("""体系 示例 { 舍入 2 位 四舍五入; 总分 15; 等级 { ≥ 6 → 好; < 6 → 差 } }
事实 { 完工: 日期; 下达: 日期; 报送: 日期 }
指标 甲 分值 5 { 得分 = 区间 完工 { < 2024年6月30日 → 5; > 2024年6月30日 → 3 } }
指标 乙 分值 5 { 得分 = 区间 下达 { ≤ 2024年6月30日 → 5; ≥ 2024年7月1日 → 3; [2024年7月1日, 2024年7月3日] → 1 } }
指标 丙 分值 5 {
  得分 = 若 报送 ≤ 2024年3月31日 则 5 否则 区间 报送 { (2024年3月31日, 2024年4月30日] → 3; ≥ 2024年5月1日 → 0 }
}
""", encoding="utf-8")
    found = [(d.code, d.message) for d in check(load(tmp_path)).diagnostics]
    assert found == [("E160", "区间没有覆盖 完工 ∈ [2024年6月30日, 2024年6月30日]：这样的值会使评分报错"),
                     ("W162", "这一档 [2024年7月1日, 2024年7月3日] 永远不会用到：前面的档次已覆盖它")]


def test_arithmetic_on_a_day_is_refused_with_the_function_to_use(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES.replace("天数差(开工日期, 完工日期)", "完工日期 − 开工日期"), encoding="utf-8")
    with pytest.raises(PerfdslError) as err:
        Engine.from_path(d, cache=False)
    [e202] = [x for x in err.value.diagnostics if x.code == "E202"][:1]
    assert "`完工日期` 是日期" in e202.message and "天数差(起, 止)" in e202.message
