"""Rates as a type, shown as percentages; 百分点(…) for «每超过一个百分点扣 0.5 分» — hand-worked, both roads."""


import pytest

from perfdsl.diagnostics import PerfdslError
from perfdsl.explain.document import explain
from perfdsl.ruleset.cache import load_checked
from perfdsl.syntax.formatter import format_text

from .conftest import assert_roads_agree, two_engines

RULES = """体系 测试 { 总分 10 舍入 2 位 四舍五入 }
事实 { 预算数: 数值 > 0; 决算数: 数值 ≥ 0; 执行数: 数值 ≥ 0 }
指标 控制 分值 5 {
  标准 "决算控制率不超过100%得满分；每超过一个百分点扣0.5分，扣完为止。"
  令 控制率: 比率 = 决算数 ÷ 预算数
  扣 0.5 × 百分点(控制率 − 100%) 若 控制率 > 100% 理由 "控制率每超过 100% 一个百分点扣 0.5 分"
}
指标 执行 分值 5 {
  标准 "执行率低于90%的，每低一个百分点扣0.2分（不足一个百分点按一个计）。"
  令 执行率 = 执行数 ÷ 预算数
  令 人均: 数值 = 执行数 ÷ 预算数
  扣 0.2 × 向上取整(百分点(90% − 执行率)) 若 执行率 < 90% 且 人均 < 90%
}
"""

# Worked by hand from the 标准:
#   预算 30, 决算 31, 执行 25: 控制率 31/30 = 103.33…%, 3.33… 个百分点 × 0.5 = 1.666… → 5 − 1.666… = 3.33;
#     执行率 25/30 = 83.33…%, 90% − 83.33…% = 6.66… 个百分点, 不足一个按一个计 7 × 0.2 = 1.4 → 3.60.   total 6.93
#   决算 30, 执行 27: 控制率 100% 不超过; 执行率 90% 不低于 → 5 + 5.                               total 10.00
#   决算 30.3, 执行 26.97: 控制率 101% → 1 个百分点 × 0.5 = 0.5 → 4.50;
#     执行率 89.9% → 0.1 个百分点, 按 1 个计 → 0.2 → 4.80.                                          total 9.30
CASES = [
    ('{"预算数": 30, "决算数": 31, "执行数": 25}', ["3.33", "3.60"], "6.93"),
    ('{"预算数": 30, "决算数": 30, "执行数": 27}', ["5.00", "5.00"], "10.00"),
    ('{"预算数": 30, "决算数": 30.3, "执行数": 26.97}', ["4.50", "4.80"], "9.30"),
]


@pytest.fixture
def engines(tmp_path):
    return two_engines(tmp_path, RULES)


@pytest.mark.parametrize("facts,leaves,total", CASES)
def test_scores_worked_by_hand(engines, facts, leaves, total):
    for engine in engines:
        for trace in (False, True):
            doc = explain(engine.score_text(facts, trace=trace), trace=trace)
            assert (doc["score"], [leaf["score"] for leaf in doc["children"]]) == (total, leaves)


@pytest.mark.parametrize("facts,leaves,total", CASES)
def test_generated_documents_are_the_interpreters_byte_for_byte(engines, facts, leaves, total):
    fast, reference = engines
    assert_roads_agree(fast, reference, facts, untraced=False)


def _texts(engine, facts):
    doc = explain(engine.score_text(facts, trace=True), trace=True)
    return [s["text"] for leaf in doc["children"] for s in leaf["trace"]]


def test_rates_read_as_percentages_declared_or_used_as_rates(engines):
    texts = _texts(engines[1], CASES[0][0])
    assert "控制率 = 决算数 ÷ 预算数 = 31 ÷ 30 = ≈103.33%" in texts  # declared 比率
    assert "执行率 = 执行数 ÷ 预算数 = 25 ÷ 30 = ≈83.33%" in texts  # compared with 90%: used as a rate
    assert "人均 = 执行数 ÷ 预算数 = 25 ÷ 30 = ≈0.8333" in texts  # 令 x: 数值 opts out
    assert "百分点：≈3.33% = ≈3.3333 个百分点" in texts
    assert "百分点：≈6.67% = ≈6.6667 个百分点" in texts


def test_fmt_writes_the_declared_type_in_both_keyword_languages():
    once = format_text(RULES, "m.perf")
    assert "令 控制率: 比率 = 决算数 ÷ 预算数" in once and "令 人均: 数值 =" in once
    en = format_text(once, "m.perf", keywords="en")
    assert "let 控制率: rate = 决算数 / 预算数" in en
    assert format_text(en, "m.perf", keywords="zh") == once


def _codes(tmp_path, body):
    (tmp_path / "r.perf").write_text("体系 测试 { 总分 10 舍入 2 位 四舍五入 }\n" + body, encoding="utf-8")
    try:
        return [d.code for d in load_checked(tmp_path / "r.perf", use_cache=False).diagnostics]
    except PerfdslError as exc:
        return [d.code for d in exc.diagnostics]


def test_percentage_points_of_a_value_that_is_not_a_rate_is_an_error(tmp_path):
    assert "E226" in _codes(tmp_path, "事实 { 执行数: 数值 }\n指标 甲 分值 10 { 扣 0.5 × 百分点(执行数 − 90) }\n")
    assert "E226" not in _codes(tmp_path, "事实 { 执行率: 比率 }\n指标 甲 分值 10 { 扣 0.5 × 百分点(执行率 − 90%) }\n")


def test_a_typed_let_named_like_a_keyword_is_refused(tmp_path):
    assert "E117" in _codes(tmp_path, "事实 { a: 数值 }\n指标 甲 分值 10 { 令 要求: 比率 = a ÷ 2\n 得分 = 5 }\n")


def test_the_analysis_counts_the_points(engines):
    from perfdsl.render.narrative import narrative
    doc = explain(engines[1].score_text(CASES[0][0], trace=True), trace=True)
    text = narrative(doc["children"][0])
    assert "控制率 = 31 ÷ 30 = 103.33%" in text and "相差 3.33 个百分点。" in text
    assert "扣 1.67 分：控制率每超过 100% 一个百分点扣 0.5 分。" in text
