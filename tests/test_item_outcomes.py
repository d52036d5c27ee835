"""逐项扣: each item's outcome (扣分, 合格, 不适用, 不评价) with its own 理由; text templates — hand-worked."""

import json

import pytest

from perfdsl.diagnostics import PerfdslError
from perfdsl.engine import Engine
from perfdsl.explain.document import explain
from perfdsl.render.narrative import narrative
from perfdsl.ruleset.cache import load_checked
from perfdsl.syntax.formatter import format_text

from .conftest import assert_roads_agree, two_engines

RULES = """体系 测试 { 总分 10 舍入 2 位 四舍五入 }
类型 项目 { 名称: 文本; 类别: 文本; 完成率: 比率 [0, 1]; 已开工: 布尔; 已撤销: 布尔 }
事实 { 单位: 文本; 项目: 列表 项目 }
令 全称 = "{单位}（本级）"
指标 产出 分值 10 {
  标准 "每个项目完成率低于50%的扣0.5分；未开工项目不适用；已撤销项目暂不评价。"
  逐项扣 项目 每项 若 完成率 < 50% 则 0.5 否则 0
    不评价 若 已撤销 理由 "已撤销"
    不适用 若 非 已开工 理由 "尚未开工"
    理由 "{名称}：完成率 {完成率}，{全称}"
  逐项扣 项目 每项 0 描述 "{类别}／{名称}"
}
"""


def item(name, rate, started=True, withdrawn=False, kind="桥梁"):
    return {"名称": name, "类别": kind, "完成率": rate, "已开工": started, "已撤销": withdrawn}


# Worked by hand from the 标准: 危桥改造补助 46.67% < 50% → 扣 0.5; 道路养护 90% ≥ 50% → 合格;
# 新建桥梁 未开工 → 不适用; 旧桥拆除 已撤销 → 不评价.  The second 逐项扣 deducts 0 from every item (合格 each).
# 10 − 0.5 = 9.50.  With 危桥改造补助 at 50% exactly (not below 50%) nothing is deducted: 10.00.
FACTS = {"单位": "某局", "项目": [item("危桥改造补助", "0.4667"), item("道路养护", "0.9", kind="道路"),
                                 item("新建桥梁", "0", started=False), item("旧桥拆除", "0.1", withdrawn=True)]}
PASSING = {"单位": "某局", "项目": [item("危桥改造补助", "0.5")]}


@pytest.fixture
def engines(tmp_path):
    return two_engines(tmp_path, RULES)


def facts_text(facts) -> str:
    out = json.loads(json.dumps(facts))
    for it in out["项目"]:
        it["完成率"] = float(it["完成率"])  # JSON numbers; perfdsl reads them as exact decimals from the text
    return json.dumps(out, ensure_ascii=False)


@pytest.mark.parametrize("facts,score", [(FACTS, "9.50"), (PASSING, "10.00")])
def test_scores_worked_by_hand_on_both_roads(engines, facts, score):
    for engine in engines:
        for trace in (False, True):
            assert explain(engine.score_text(facts_text(facts), trace=trace), trace=trace)["score"] == score


@pytest.mark.parametrize("facts", [FACTS, PASSING])
def test_generated_documents_are_the_interpreters_byte_for_byte(engines, facts):
    fast, reference = engines
    assert_roads_agree(fast, reference, facts_text(facts))


def _leaf(engine, facts):
    return explain(engine.score_text(facts_text(facts), trace=True), trace=True)["children"][0]


def test_every_item_has_one_outcome_with_its_own_words(engines):
    steps = [s for s in _leaf(engines[1], FACTS)["trace"] if "outcome" in s]
    assert [(s["kind"], s["outcome"], s["text"]) for s in steps] == [
        ("deduction", "扣分", "扣 0.5 分：危桥改造补助：完成率 46.67%，某局（本级）"),
        ("check", "合格", "合格：道路养护：完成率 90%，某局（本级）"),
        ("not_applicable", "不适用", "不适用：新建桥梁（尚未开工）"),
        ("not_applicable", "不评价", "不评价：旧桥拆除（已撤销）"),
        ("check", "合格", "合格：桥梁／危桥改造补助"),
        ("check", "合格", "合格：道路／道路养护"),
        ("check", "合格", "合格：桥梁／新建桥梁"),
        ("check", "合格", "合格：桥梁／旧桥拆除"),
    ]
    first = steps[0]
    assert (first["amount"], first["item"], first["finding"], first["reason"]) == (
        "0.5", 0, "危桥改造补助", "危桥改造补助：完成率 46.67%，某局（本级）")


def test_the_analysis_says_each_outcome(engines):
    text = narrative(_leaf(engines[1], FACTS))
    assert "扣 0.5 分：危桥改造补助：完成率 46.67%，某局（本级）。" in text
    assert "道路养护：完成率 90%，某局（本级），合格，不扣分。" in text
    assert "新建桥梁不适用（尚未开工）。" in text
    assert "旧桥拆除不评价（已撤销）。" in text


def test_fmt_keeps_the_clauses_in_both_keyword_languages():
    once = format_text(RULES, "m.perf")
    # too long for one line: a clause a line, each 理由 under its condition; short enough: one line, as written
    assert ('    不适用 若 非 已开工\n      理由 "尚未开工"\n    理由 "{名称}：完成率 {完成率}，{全称}"\n'
            '  逐项扣 项目 每项 0 描述 "{类别}／{名称}"\n') in once
    en = format_text(once, "m.perf", keywords="en")
    assert 'not_applicable if not 已开工' in en and 'because "{名称}：完成率 {完成率}，{全称}"' in en
    assert format_text(en, "m.perf", keywords="zh") == once


def test_fmt_writes_a_per_item_statement_that_fits_on_one_line_and_splits_one_that_does_not():
    one = '逐项扣 项目 每项 若 完成率 < 50% 则 0.5 否则 0 不适用 若 非 开工 理由 "未开工" 理由 "{名称}"'
    text = f"指标 甲 分值 10 {{\n  {one}\n}}\n"
    assert format_text(text, "m.perf") == text  # 94 cells wide with its indentation: kept on its line
    spread = text.replace(" 不适用", "\n    不适用").replace(' 理由 "{', '\n    理由 "{')
    assert format_text(spread, "m.perf") == text  # the layout is fmt's, not the source's
    longer = text.replace('"{名称}"', '"{名称}：完成率 {完成率}"')  # 111 cells: a clause a line
    assert format_text(longer, "m.perf") == ('指标 甲 分值 10 {\n  逐项扣 项目 每项 若 完成率 < 50% 则 0.5 否则 0\n'
                                             '    不适用 若 非 开工\n      理由 "未开工"\n'
                                             '    理由 "{名称}：完成率 {完成率}"\n}\n')
    for layout in (text, longer):
        en = format_text(layout, "m.perf", keywords="en")
        assert format_text(en, "m.perf", keywords="zh") == format_text(layout, "m.perf")


def _check(tmp_path, text):
    (tmp_path / "r.perf").write_text("体系 测试 { 总分 10 舍入 2 位 四舍五入 }\n" + text, encoding="utf-8")
    try:
        return load_checked(tmp_path / "r.perf", use_cache=False).diagnostics
    except PerfdslError as exc:
        return exc.diagnostics


def test_an_unknown_name_in_a_template_is_an_error_on_the_name_with_a_guess(tmp_path):
    found = _check(tmp_path, '类型 问题 { 说明: 文本; 类别: 文本 }\n事实 { 问题: 列表 问题 }\n'
                             '指标 甲 分值 10 {\n  逐项扣 问题 每项 1 描述 "{类别}：{说名}"\n}\n')
    bad = [d for d in found if d.code == "E215"]
    assert len(bad) == 1
    assert (bad[0].span.line, bad[0].span.column, bad[0].span.end_column) == (5, 25, 27)
    assert any("说明" in s for s in bad[0].suggestions)


def test_text_joined_with_plus_is_refused_with_the_template_as_the_fix(tmp_path):
    found = _check(tmp_path, '类型 问题 { 说明: 文本; 类别: 文本 }\n事实 { 问题: 列表 问题 }\n'
                             '指标 甲 分值 10 {\n  逐项扣 问题 每项 1 描述 类别 + "：" + 说明\n}\n')
    bad = [d for d in found if d.code == "E202"]
    assert len(bad) == 1 and "文本不能用 + 连接" in bad[0].message
    assert any('"{类别}：{说明}"' in s for s in bad[0].suggestions)


def test_a_template_in_a_let_and_literal_braces(engines):
    leaf = _leaf(engines[1], FACTS)
    value = next(s for s in leaf["trace"] if s["kind"] == "value")
    assert value["value"] == "某局（本级）"
    assert format_text('令 甲 = "{{甲}} {单位}"\n', "m.perf").strip() == '令 甲 = "{{甲}} {单位}"'


def test_keywords_cannot_be_declared_where_they_could_not_be_referenced(tmp_path):
    found = _check(tmp_path, "事实 { 要求: 数值; 明细 { 得分: 数值 } }\n指标 甲 分值 10 { 得分 = 明细.得分 }\n")
    bad = [d for d in found if d.code == "E117"]
    assert [(d.span.line, d.span.column) for d in bad] == [(2, 6)]  # 明细.得分 is a field after "." and stays usable


DEDUCT_RULES = """体系 测试 { 总分 10 舍入 2 位 四舍五入 }
事实 { 执行率: 比率; 单位: 文本; 开工: 布尔 }
指标 执行 分值 10 {
  扣 2 若 执行率 < 90% 理由 "{单位}执行率 {执行率}，低于 90%"
}
"""


def test_the_reason_of_a_deduction_is_a_template_filled_on_both_roads(tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(DEDUCT_RULES, encoding="utf-8")
    fast, reference = Engine.from_path(d, cache=False), Engine.from_path(d, fast=False, cache=False)
    facts = '{"执行率": 0.855, "单位": "某局", "开工": true}'
    doc = explain(reference.score_text(facts, trace=True), trace=True)
    assert doc["score"] == "8.00"  # 85.5% < 90%: 10 − 2
    step = next(s for s in doc["children"][0]["trace"] if s["kind"] == "deduction")
    assert (step["text"], step["reason"]) == ("扣 2 分：某局执行率 85.5%，低于 90%", "某局执行率 85.5%，低于 90%")
    assert_roads_agree(fast, reference, facts, untraced=False)


def test_a_hole_in_a_text_shown_as_written_is_warned(tmp_path):
    found = _check(tmp_path, '事实 { 开工: 布尔 }\n指标 甲 分值 10 {\n  不适用 若 非 开工 理由 "{名称}未开工"\n'
                             '  得分 = 10\n}\n')
    assert [(d.code, d.span.line) for d in found if d.code == "W227"] == [("W227", 4)]
