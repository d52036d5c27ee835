"""逐级扣: so much per step beyond a limit — hand-worked scores, both engines, traces, fmt, coverage."""


import pytest

from perfdsl.engine import Engine
from perfdsl.explain.document import explain
from perfdsl.rule_tests import coverage_points
from perfdsl.syntax.formatter import format_text

from .conftest import assert_roads_agree, two_engines

RULES = """体系 测试 { 总分 10 舍入 2 位 四舍五入 }
事实 {
  资金 {
    执行率: 比率 [0, 1]
    超支率: 比率 [0, 1]
  }
}
指标 过程 分值 10 {
  指标 预算执行率 分值 4 {
    标准 "执行率每低于100%一个百分点扣0.2分，扣完为止。"
    逐级扣 资金.执行率 低于 100% 每 1% 扣 0.2 理由 "执行率每低于100%一个百分点扣0.2分"
  }
  指标 整级执行率 分值 4 {
    逐级扣 资金.执行率 低于 100% 每 1% 扣 0.2 整级计
  }
  指标 超支 分值 2 {
    逐级扣 资金.超支率 高于 5% 每 1% 扣 0.5 最多 1.5
  }
}
"""

# Worked by hand from the 标准:
#   执行率 87.5%: 12.5 个百分点 below 100% → 12.5 × 0.2 = 2.5 off 4 → 1.50; 整级计 13 × 0.2 = 2.6 → 1.40;
#   超支率 9%: 4 个百分点 above 5% → 4 × 0.5 = 2.0, at most 1.5 → 2 − 1.5 = 0.50.        total 3.40
#   执行率 100%, 超支率 5%: nothing beyond either limit → 4 + 4 + 2 = 10.00
#   执行率 99.9%: 0.1 个百分点 → 0.02 → 3.98; 整级计 1 × 0.2 → 3.80;
#   超支率 5.25%: 0.25 个百分点 → 0.125 → 1.875 → 1.88 (half up).                        total 9.66
CASES = [
    ('{"资金": {"执行率": 0.875, "超支率": 0.09}}', ["1.50", "1.40", "0.50"], "3.40"),
    ('{"资金": {"执行率": 1, "超支率": 0.05}}', ["4.00", "4.00", "2.00"], "10.00"),
    ('{"资金": {"执行率": 0.999, "超支率": 0.0525}}', ["3.98", "3.80", "1.88"], "9.66"),
]


@pytest.fixture
def engines(tmp_path):
    return two_engines(tmp_path, RULES)


@pytest.mark.parametrize("facts,leaves,total", CASES)
def test_scores_worked_by_hand(engines, facts, leaves, total):
    fast, reference = engines
    for engine in (fast, reference):
        for trace in (False, True):
            doc = explain(engine.score_text(facts, trace=trace), trace=trace)
            assert doc["score"] == total
            assert [leaf["score"] for leaf in doc["children"][0]["children"]] == leaves


@pytest.mark.parametrize("facts,leaves,total", CASES)
def test_generated_documents_are_the_interpreters_byte_for_byte(engines, facts, leaves, total):
    fast, reference = engines
    assert_roads_agree(fast, reference, facts)


def test_the_trace_says_the_distance_in_percentage_points_and_the_steps(engines):
    _fast, reference = engines
    doc = explain(reference.score_text(CASES[0][0], trace=True))
    steps = [s for leaf in doc["children"][0]["children"] for s in leaf["trace"] if s["kind"] in ("deduction", "cap")]
    assert steps[0]["text"] == ("扣 2.5 分：资金.执行率 = 87.5%，低于 100% 12.5 个百分点，每 1% 扣 0.2 分，计 12.5 级："
                                "执行率每低于100%一个百分点扣0.2分")
    assert steps[1]["text"].endswith("计 13 级（不足一级按一级计）")
    assert steps[2]["text"].startswith("扣 2 分：资金.超支率 = 9%，高于 5% 4 个百分点")
    assert steps[3]["text"] == "逐级扣分共 2 分，最多 1.5 分：封顶吸收 0.5 分"
    within = explain(reference.score_text(CASES[1][0], trace=True))
    checks = [s["text"] for leaf in within["children"][0]["children"] for s in leaf["trace"] if s["kind"] == "check"]
    assert checks[0] == "不扣分：资金.执行率 = 100%，不低于 100%"


def test_a_step_of_zero_is_an_error_that_names_it(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(RULES.replace("每 1% 扣 0.2 整级计", "每 0% 扣 0.2 整级计"), encoding="utf-8")
    result = Engine.from_path(d, cache=False).score_text(CASES[0][0], trace=False)
    assert [e.code for e in result.errors] == ["E361"]


def test_fmt_writes_it_back_in_both_keyword_languages():
    canonical = format_text(RULES, "main.perf")
    assert "逐级扣 资金.执行率 低于 100% 每 1% 扣 0.2 整级计" in canonical
    english = format_text(canonical, "main.perf", keywords="en")
    assert "deduct_steps 资金.超支率 above 5% every 1% deduct 0.5 at_most 1.5" in english
    assert format_text(english, "main.perf", keywords="zh") == canonical


def test_coverage_counts_the_deduction_and_the_cap(engines):
    fast, _ = engines
    kinds = sorted(p.key[0] for p in coverage_points(fast))
    assert kinds.count("deduct") == 3 and kinds.count("total_cap") == 1
