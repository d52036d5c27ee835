"""Each construct of the language on small rule sets, with hand-computed results."""

from decimal import Decimal

import pytest

from perfdsl.diagnostics import PerfdslError
from perfdsl.engine import Engine
from perfdsl.ruleset.check import check
from perfdsl.ruleset.loader import load
from perfdsl.syntax.builder import build

D = Decimal


def engine_for(tmp_path, text: str) -> Engine:
    d = tmp_path / "r"
    d.mkdir(exist_ok=True)
    (d / "main.perf").write_text(text, encoding="utf-8")
    return Engine.from_path(d)


def run(tmp_path, text, facts: str, trace=True):
    return engine_for(tmp_path, text).score_text(facts, "f.json", trace=trace)


HEAD = '体系 测试 { 总分 10 舍入 2 位 四舍五入\n 等级 { ≥ 90 → 优\n [60, 90) → 合格\n < 60 → 差 } }\n'


def one(tmp_path, facts_decl, body, facts, weight="10"):
    head = HEAD.replace("总分 10", f"总分 {weight}")
    text = head + f"事实 {{ {facts_decl} }}\n指标 甲 分值 {weight} {{\n{body}\n}}\n"
    r = run(tmp_path, text, facts)
    assert r.ok, [d.headline() for d in r.errors]
    return r.root.children[0]


@pytest.mark.parametrize("x,expected", [("0", "10"), ("0.3", "10"), ("0.30001", "5"), ("0.7", "5"),
                                        ("0.70001", "0"), ("5", "0")])
def test_band_open_and_closed_ends(tmp_path, x, expected):
    n = one(tmp_path, "x: 比率 [0, 10]", "得分 = 区间 x { [0, 30%] → 10\n (30%, 70%] → 5\n (70%, ∞) → 0 }",
            f'{{"x": {x}}}')
    assert n.score == D(expected)


def test_uncovered_value_is_an_error_naming_the_fact(tmp_path):
    # a bound that is not a constant: perfdsl check cannot see the gap (E160), scoring finds it (E320)
    text = HEAD + "事实 { x: 比率 }\n指标 甲 分值 10 { 令 起点 = 0; 得分 = 区间 x { (起点, 30%] → 10\n > 30% → 0 } }\n"
    r = run(tmp_path, text, '{"x": 0}')
    [d] = r.errors
    assert (d.code == "E320" and d.fact_path == "x" and "不在任何区间" in d.message
            and d.span.line == HEAD.count("\n") + 2)


def test_english_keywords_and_mixed(tmp_path):
    text = ('system T { total_points 6 round 2 places half_up }\nfacts { done: rate }\n'
            'indicator A weight 4 { score = proportional(done, 4, 60%) }\n'
            '指标 乙 分值 2 { 得分 = if done >= 100% then 2 else 0 }\n')
    r = run(tmp_path, text, '{"done": 0.75}')
    assert [n.score for n in r.root.children] == [D("3.00"), D("0.00")]


def test_full_width_punctuation_is_accepted(tmp_path):
    text = "事实 ｛ x：比率 ｝\n指标 甲 分值 3 ｛ 得分 ＝ 按比例（x，3，60％） ｝\n"
    r = run(tmp_path, text, '{"x": 0.8}')
    assert r.root.children[0].score == D("2.40")


def test_each_deduct_group_cap_total_cap_and_skip(tmp_path):
    decl = "问题: 列表 { 类别: 文本; 扣分: 数值; 说明: 文本 }; 豁免: 布尔"
    body = ('逐项扣 问题 每项 扣分 按 类别 每类最多 1 最多 2.5\n'
            '  不评价 若 类别 = "丙" 且 豁免 理由 "已豁免"')
    facts = ('{"豁免": true, "问题": [{"类别": "甲", "扣分": 0.75, "说明": "a"}, '
             '{"类别": "甲", "扣分": 0.75, "说明": "b"},'
             '{"类别": "乙", "扣分": 1, "说明": "c"}, {"类别": "丙", "扣分": 3, "说明": "d"},'
             '{"类别": "丁", "扣分": 0.5, "说明": "e"}]}')
    n = one(tmp_path, decl, body, facts)
    # 甲 1.5 → cap 1; 乙 1; 丙 skipped; 丁 0.5 → 2.5 (total cap 2.5 not exceeded)
    assert n.score == D("7.5")
    texts = [s.text for s in n.steps]
    assert any("不评价：d（已豁免）" in t for t in texts)
    assert any("［甲］共扣 1.5 分，每类最多 1 分：封顶吸收 0.5 分" in t for t in texts)


def test_deductions_floor_at_zero(tmp_path):
    n = one(tmp_path, "n: 整数", "逐项扣 问题 每项 1" if False else "扣 n × 2 理由 \"每个问题扣 2 分\"", '{"n": 7}')
    assert n.score == D(0)
    assert any(s.kind == "floor" for s in n.steps)


def test_match_on_enum_and_checker_requires_all_values(tmp_path):
    decl = "s: 枚举 { 好, 中, 差 }"
    n = one(tmp_path, decl, "得分 = 查表 s { 好 → 10; 中 → 6; 差 → 0 }", '{"s": "中"}')
    assert n.score == D(6)
    with pytest.raises(PerfdslError) as e:
        engine_for(tmp_path, HEAD + f"事实 {{ {decl} }}\n指标 甲 分值 10 {{ 得分 = 查表 s {{ 好 → 10; 中 → 6 }} }}\n")
    assert any(d.code == "E205" and "差" in d.message for d in e.value.diagnostics)


def test_judgement_reason_in_trace(tmp_path):
    n = one(tmp_path, "j: 酌情得分 [0, 2]", "子项 酌情 分值 2 = j\n子项 固定 分值 8 = 8",
            '{"j": {"得分": 1.5, "理由": "部分完成"}}')
    assert n.score == D("9.5")
    assert any(s.kind == "judgement" and "部分完成" in s.text for s in n.steps)


def test_not_applicable_keeps_full_marks_with_reason(tmp_path):
    n = one(tmp_path, "有项目: 布尔; x: 比率", '不适用 若 非 有项目 理由 "本年无项目"\n得分 = 按比例(x, 10, 60%)',
            '{"有项目": false, "x": 0}')
    assert n.score == D(10) and n.status == "not_applicable"
    assert any(s.kind == "not_applicable" and "本年无项目" in s.text for s in n.steps)


def test_rounding_once_half_up_with_trace(tmp_path):
    n = one(tmp_path, "a: 整数; b: 整数", "得分 = 10 × a / b", '{"a": 1, "b": 8}')   # 1.25 → 1.25
    assert n.score == D("1.25")
    n = one(tmp_path, "a: 整数; b: 整数", "得分 = 10 × a / b", '{"a": 1, "b": 16}')  # 0.625 → 0.63
    assert n.score == D("0.63")
    [r] = [s for s in n.steps if s.kind == "rounding"]
    assert r.data["before"] == "0.625" and r.data["after"] == "0.63"


def test_division_by_zero_names_location(tmp_path):
    text = HEAD + "事实 { a: 数值; b: 数值 }\n指标 甲 分值 10 {\n  得分 = a / b\n}\n"
    r = run(tmp_path, text, '{"a": 1, "b": 0}')
    [d] = r.errors
    assert d.code == "E310" and d.span.line == HEAD.count("\n") + 3 and d.fact_path == "b"


def test_aggregation_over_map_values_and_lists(tmp_path):
    decl = "组: 映射 { n: 整数; ok: 布尔 }; 清单: 列表 文本"
    body = "令 合计 = 求和(组[*].n)\n得分 = 若 全部(组[*].ok) 则 合计 + 计数(清单) 否则 0"
    n = one(tmp_path, decl, body, '{"组": {"甲": {"n": 2, "ok": true}, "乙": {"n": 3, "ok": true}}, "清单": ["x"]}')
    assert n.score == D(6)


def test_keywords_usable_as_field_names(tmp_path):
    n = one(tmp_path, "记录: { 得分: 数值; 扣分: 数值 }", "得分 = 记录.得分 − 记录.扣分",
            '{"记录": {"得分": 7, "扣分": 2}}')
    assert n.score == D(5)


def test_tracing_off_records_nothing_and_scores_the_same(tmp_path):
    text = HEAD + "事实 { x: 比率 }\n指标 甲 分值 10 { 得分 = 按比例(x, 10, 60%) }\n"
    on = run(tmp_path, text, '{"x": 0.87}')
    off = run(tmp_path, text, '{"x": 0.87}', trace=False)
    assert on.root.score == off.root.score == D("8.70")
    assert on.root.children[0].steps and off.root.children[0].steps is None


def test_grades(tmp_path):
    text = HEAD.replace("总分 10", "总分 100") + "事实 { x: 数值 }\n指标 甲 分值 100 { 得分 = x }\n"
    assert run(tmp_path, text, '{"x": 90}').grade == "优"
    assert run(tmp_path, text, '{"x": 89.99}').grade == "合格"
    assert run(tmp_path, text, '{"x": 59.999}').grade == "合格"   # the score rounds to 60.00 first
    assert run(tmp_path, text, '{"x": 59.994}').grade == "差"


def test_weights_derived_and_checked(tmp_path):
    text = "指标 甲 分值 5 { 指标 乙 分值 3 { 得分 = 3 }\n 指标 丙 分值 3 { 得分 = 3 } }\n"
    with pytest.raises(PerfdslError) as e:
        engine_for(tmp_path, text)
    [d] = [d for d in e.value.diagnostics if d.code == "E124"]
    assert "合计 6" in d.message and d.span.line == 1


def test_let_cycle_is_rejected(tmp_path):
    text = "事实 { x: 数值 }\n指标 甲 分值 5 { 令 a = b + 1\n 令 b = a × 2\n 得分 = a }\n"
    with pytest.raises(PerfdslError) as e:
        engine_for(tmp_path, text)
    assert any(d.code == "E203" for d in e.value.diagnostics)


def test_ast_nodes_are_frozen_with_spans():
    f = build("指标 甲 分值 3 { 得分 = 1 + 2 }\n", "x.perf")
    ind = f.items[0]
    with pytest.raises(Exception):  # noqa: B017 — any refusal will do; the test is that the node cannot change
        ind.name = "乙"
    formula = ind.statements[0]
    assert (formula.span.file, formula.span.line, formula.span.column) == ("x.perf", 1, 13)
    assert formula.expr.op == "+" and formula.expr.left.value == 1


def test_percent_and_decimal_literals_are_exact():
    f = build("指标 甲 分值 3 { 得分 = 33.3% }\n", "x.perf")
    assert f.items[0].statements[0].expr.value == D("0.333")


def test_seed_rules_check_with_exactly_the_four_overweight_warnings():
    """The four W130 still exist; the rules accept each with the report's reason (允许 W130), so none is left."""
    c = check(load("rules"))
    assert not c.errors
    named = sorted(d.message.split("`")[1] for d, _ in c.accepted if d.code == "W130")
    assert named == sorted(["行政审批办理完成情况", "“一站式”政务服务落实情况", "网上政务服务能力提升情况",
                            "审批效率提升情况"])
    assert len(c.accepted) == 4 and c.warnings == []
    assert all("原报告评分标准所定" in a.reason for _, a in c.accepted)


def test_language_reference_lists_every_keyword_spelling():
    from pathlib import Path

    from perfdsl.syntax.keywords import KEYWORDS
    doc = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    for term, (zh, en) in KEYWORDS.items():
        for spelling in (*zh, *en):
            assert spelling in doc, (term, spelling)


def test_generated_docs_are_current():
    """The keyword table, the function table, the grammar and the CLI reference in docs/ come from the code."""
    from perfdsl.docgen import stale
    assert stale() == [], "run: python -m perfdsl.docgen"
