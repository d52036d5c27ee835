"""日期 facts as evaluators paste them from Word and Excel: 2024/6/30, 2024/06/30, 2024.6.30, 2024.06.30.

They mean exactly what 2024-06-30 and 2024年6月30日 mean, on both roads (the interpreter with the full facts
check, the generated scorer with the generated check), in the workbook and in YAML cases; sentences, reports and
the JSON show the day as they show it for the two older forms (2024年6月30日 in words, ISO in JSON), whatever
the facts wrote.  Mixed separators, two-digit years and day-first orders stay refused, naming the forms.
"""

from __future__ import annotations

import datetime
import json

import pytest

from perfdsl.diagnostics import PerfdslError
from perfdsl.explain.document import explain
from perfdsl.interp import dates

from .conftest import assert_roads_agree, two_engines
from .test_dates import _date_cell as _cell
from .test_dates import _eval
from .test_dates import _workbook as workbook_for
from .test_warm_road import RURAL, Roads

RULES = """体系 测试 {
  总分 110
  舍入 2 位 四舍五入
}
事实 { 起: 日期; 止: 日期; 下达: 日期; 期限: 日期 }
指标 间隔 分值 100 {
  得分 = 天数差(起, 止)
}
指标 及时 分值 10 {
  扣 0.1 × 逾期天数(下达, 期限) 理由 "每逾期 1 天扣 0.1 分"
}
"""


def _facts(start: str, end: str, given: str, deadline: str) -> str:
    return json.dumps({"起": start, "止": end, "下达": given, "期限": deadline}, ensure_ascii=False)


# Worked by hand on the calendar:
#   1. 2024/1/31 → 2024.3.1: 2024 is a leap year, February has 29 days: 29 (to 2月29日) + 1 = 30 → 间隔 30.00;
#      下达 2024.07.15, 期限 2024/06/30: 15 days late × 0.1 = 1.5 → 10 − 1.5 = 8.50.          total 38.50
#   2. 2023/01/31 → 2023.03.01: 2023 is not: 28 + 1 = 29 → 29.00; 下达 ２０２４／６／３０ (full width, as an input
#      method types it) on the day of 期限 2024年6月30日: 0 days late → 10.00.                total 39.00
#   3. 2024.6.30 → 2024/6/30, the same day written two ways: 0 → 0.00; 下达 2024/7/1 is 1 day after
#      期限 2024.06.30 → 10 − 0.1 = 9.90.                                                      total 9.90
CASES = [
    (_facts("2024/1/31", "2024.3.1", "2024.07.15", "2024/06/30"), ["30.00", "8.50"], "38.50"),
    (_facts("2023/01/31", "2023.03.01", "２０２４／６／３０", "2024年6月30日"), ["29.00", "10.00"], "39.00"),
    (_facts("2024.6.30", "2024/6/30", "2024/7/1", "2024.06.30"), ["0.00", "9.90"], "9.90"),
]


@pytest.fixture
def engines(tmp_path):
    return two_engines(tmp_path, RULES)


@pytest.mark.parametrize("text,day", [
    ("2024/6/30", (2024, 6, 30)), ("2024/06/30", (2024, 6, 30)), ("2024.6.30", (2024, 6, 30)),
    ("2024.06.30", (2024, 6, 30)), ("2024/1/5", (2024, 1, 5)), ("2024.12.01", (2024, 12, 1)),
    ("2024/2/29", (2024, 2, 29)), (" 2024/6/30 ", (2024, 6, 30)), ("２０２４．６．３０", (2024, 6, 30)),
    ("2024-06-30", (2024, 6, 30)), ("2024年6月30日", (2024, 6, 30)),  # the two older forms, unchanged
])
def test_each_form_is_the_same_day(text, day):
    assert dates.parse(text) == datetime.date(*day)


@pytest.mark.parametrize("text,words", [
    ("2024/2/30", "2024年2月没有 30 日"),
    ("2023.2.29", "2023年2月没有 29 日"),  # 2023 is not a leap year
    ("2024/13/1", "没有 13 月"),
    ("2024/6-30", "要用同一种分隔符（“/”与“-”混用了）"),
    ("2024.6/30", "要用同一种分隔符（“.”与“/”混用了）"),
    ("24/6/30", "年份要写全四位"),
    ("30/6/2024", "按年、月、日的顺序"),
    ("6/30/2024", "按年、月、日的顺序"),
    ("2024/6", "请写成 2024-06-30、2024/6/30、2024.6.30 或 2024年6月30日"),
    ("2024//6/30", "请写成 2024-06-30、2024/6/30、2024.6.30 或 2024年6月30日"),
    ("2024。6。30", "请写成 2024-06-30、2024/6/30、2024.6.30 或 2024年6月30日"),
])
def test_what_is_not_a_day_is_refused_with_the_reason(text, words):
    with pytest.raises(dates.BadDate) as err:
        dates.parse(text)
    assert words in str(err.value)


def test_a_form_that_is_refused_names_every_accepted_form():
    for text in ("2024/6-30", "24/6/30", "30/6/2024", "6月底"):
        with pytest.raises(dates.BadDate) as err:
            dates.parse(text)
        message = str(err.value)
        assert message.startswith(f"“{text}” 不是日期；")
        assert all(form in message for form in ("2024-06-30", "2024/6/30", "2024.6.30", "2024年6月30日"))


@pytest.mark.parametrize("facts,leaves,total", CASES)
def test_scores_worked_by_hand_on_both_roads(engines, facts, leaves, total):
    for engine in engines:
        for trace in (False, True):
            doc = explain(engine.score_text(facts, trace=trace), trace=trace)
            assert doc["score"] == total
            assert [leaf["score"] for leaf in doc["children"]] == leaves


@pytest.mark.parametrize("facts,leaves,total", CASES)
def test_the_generated_documents_are_the_interpreters_byte_for_byte(engines, facts, leaves, total):
    fast, reference = engines
    assert_roads_agree(fast, reference, facts)


def test_the_generated_check_reads_the_same_days_as_the_full_check(engines):
    from perfdsl.codegen.validator import compile_validator
    from perfdsl.ruleset.facts import FactValidator, Invalid, parse_json
    fast, _ = engines
    full = FactValidator(fast.plan.facts_ty).validate(parse_json(CASES[0][0], "f.json"))
    quick = compile_validator(fast.plan.facts_ty, Invalid)(parse_json(CASES[0][0], "f.json"))
    assert full == quick == {"起": datetime.date(2024, 1, 31), "止": datetime.date(2024, 3, 1),
                             "下达": datetime.date(2024, 7, 15), "期限": datetime.date(2024, 6, 30)}
    for bad in ("2024/2/30", "2024/6-30", "24/6/30", "30/6/2024"):
        with pytest.raises(Invalid):
            compile_validator(fast.plan.facts_ty, Invalid)(parse_json(CASES[0][0].replace("2024.3.1", bad), "f.json"))


def test_steps_show_the_day_as_the_older_forms_do_whatever_the_facts_wrote(engines):
    """Today 2024年6月30日 in the facts is ISO in the JSON and 2024年6月30日 in words; so is 2024/6/30."""
    _fast, reference = engines
    doc = explain(reference.score_text(CASES[0][0], trace=True))
    span, late = doc["children"][0]["trace"], doc["children"][1]["trace"]
    texts = [s["text"] for s in span + late]
    assert "天数差：2024年1月31日 至 2024年3月1日 = 30 天" in texts
    assert "逾期：2024年7月15日 晚于期限 2024年6月30日 15 天" in texts
    assert "起 = 2024年1月31日" in texts and "止 = 2024年3月1日" in texts
    facts = {s["path"]: s["value"] for s in span + late if s["kind"] == "fact"}
    assert facts == {"起": "2024-01-31", "止": "2024-03-01", "下达": "2024-07-15", "期限": "2024-06-30"}
    assert not any("2024/" in t or "2024." in t or "2023" in t for t in texts)  # never as the facts typed it


@pytest.mark.parametrize("value,words", [
    ("2024/2/30", "2024年2月没有 30 日"),
    ("2024.02.30", "2024年2月没有 30 日"),
    ("2024/6-30", "同一种分隔符"),
    ("24/3/1", "四位"),
    ("1/3/2024", "按年、月、日的顺序"),
])
def test_a_refused_fact_names_its_path_and_the_forms_on_both_roads(engines, value, words):
    for engine in engines:
        with pytest.raises(PerfdslError) as err:
            engine.score_text(CASES[0][0].replace("2024.3.1", value), trace=False)
        [d] = err.value.diagnostics
        assert d.code == "F022" and d.fact_path == "止"
        assert d.message.startswith("止：") and words in d.message
        assert "2024/6/30" in d.message or "日历上存在的日期" in d.message


def test_a_report_writes_the_days_in_words_not_as_typed(tmp_path):
    from perfdsl.cli import main
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES, encoding="utf-8")
    (tmp_path / "f.json").write_text(CASES[0][0], encoding="utf-8")
    out = tmp_path / "report.md"
    assert main(["report", str(d), str(tmp_path / "f.json"), "--format", "md", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "2024年7月15日" in text and "2024年6月30日" in text
    assert "2024.07.15" not in text and "2024/06/30" not in text and "2024/1/31" not in text


def test_unquoted_days_in_a_yaml_case(tmp_path, capsys):
    """YAML reads 2024/1/31 and 2024.3.1 unquoted as texts, which the 日期 facts then read: case 1 above."""
    from perfdsl.cli import main
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES, encoding="utf-8")
    (tmp_path / "用例.yaml").write_text(
        "cases:\n"
        "  - name: 闰年二月\n"
        "    facts: {起: 2024/1/31, 止: 2024.3.1, 下达: 2024.07.15, 期限: 2024/06/30}\n"
        "    expect: {间隔: 30, 及时: 8.5}\n"
        "  - name: 平年二月\n"
        "    facts: {起: 2023/01/31, 止: 2023.03.01, 下达: 2024/6/30, 期限: 2024-06-30}\n"
        "    expect: {间隔: 29, 及时: 10}\n", encoding="utf-8")
    assert main(["test", str(d), str(tmp_path / "用例.yaml")]) == 0
    assert "0 个失败" in capsys.readouterr().out


# ---------------------------------------------------------------- the fill-in workbook
def _workbook(tmp_path, facts: str):
    return workbook_for(tmp_path, facts, RULES)


def test_the_workbook_holds_pasted_forms_as_date_cells(tmp_path):
    import openpyxl
    _rules, book = _workbook(tmp_path, CASES[0][0])
    wb = openpyxl.load_workbook(book)
    assert _cell(wb, "起").value == datetime.datetime(2024, 1, 31)  # Excel keeps days as date-times
    assert _cell(wb, "止").value == datetime.datetime(2024, 3, 1)
    assert _cell(wb, "下达").value == datetime.datetime(2024, 7, 15)


def test_a_cell_typed_as_text_in_a_pasted_form_reads_back_as_its_day(tmp_path, capsys):
    import openpyxl
    rules, book = _workbook(tmp_path, CASES[1][0])
    wb = openpyxl.load_workbook(book)
    # typed as text, as Excel keeps 2024.6.30 (no date format of its own) and a cell formatted as 文本 keeps 2024/6/30
    _cell(wb, "起").value = "2024/1/31"
    _cell(wb, "止").value = "2024.3.1"
    _cell(wb, "下达").value = "2024/6/30"
    _cell(wb, "期限").value = "2024.06.30"
    wb.save(book)
    code, doc, err = _eval(capsys, rules, book)
    assert code == 0, err
    # 1月31日 → 3月1日 in 2024: 30 days; 下达 on the day of its 期限: 10
    assert doc["score"] == "40.00" and [c["score"] for c in doc["children"]] == ["30.00", "10.00"]


def test_a_cell_with_mixed_separators_names_the_cell_and_the_forms(tmp_path, capsys):
    import openpyxl
    rules, book = _workbook(tmp_path, CASES[0][0])
    wb = openpyxl.load_workbook(book)
    cell = _cell(wb, "期限")
    cell.value = "2024/6-30"
    wb.save(book)
    code, _doc, err = _eval(capsys, rules, book)
    assert code != 0
    assert f"{cell.parent.title}!{cell.coordinate}" in err and "期限" in err
    assert "同一种分隔符" in err and "2024/6/30" in err and "2024.6.30" in err


# ---------------------------------------------------------------- the warm road of eval
@pytest.fixture
def roads(monkeypatch, capsys, tmp_path):
    return Roads(monkeypatch, capsys, tmp_path / "cache")


def test_the_warm_road_reads_pasted_forms_as_the_full_road_and_the_older_forms(roads, tmp_path):
    """The rural road's dates rewritten 2024/3/15, 2024.4.26, 2024/11/18: the screen says exactly what it says for
    the file as written (2024-03-15, 2024年4月26日, 2024-11-18), warm or full."""
    rules, original = RURAL / "rules", RURAL / "facts-2024.json"
    text = original.read_text(encoding="utf-8")
    pasted = (text.replace('"2024-03-15"', '"2024/3/15"').replace('"2024年4月26日"', '"2024.4.26"')
              .replace('"2024-11-18"', '"2024/11/18"'))
    assert pasted.count("2024/") == 2 and "2024.4.26" in pasted
    facts = tmp_path / "facts.json"
    facts.write_text(pasted, encoding="utf-8")
    assert roads.run([str(rules), str(original)], full=False)[0] == 0  # leaves the bundle
    as_written = roads.run([str(rules), str(original)], full=True)
    assert roads.same([str(rules), str(facts)])  # the warm road answered, as the full road does
    assert roads.run([str(rules), str(facts)], full=False) == as_written
