"""Compact lines check their facts in place when no step can show a record's key order (``codegen.record_order``).

The copying check rebuilt every record in declared order; checked in place, a record keeps the input's order and an
optional field given as null is taken out.  Each line must be the same bytes either way: the tests score shuffled
facts (keys out of order at any depth, in list items and map entries, optional fields null or absent, evidence)
both ways, and rule sets where a record could reach a generic writer keep the copy.
"""

import json
import random
import re

import pytest

from perfdsl.engine import Engine

from .conftest import ROOT, RULES
from .test_batch import BATCH
from .test_compact_trace import _assert_expands_to_reference, _constructs_facts, _shuffled

PROJECT = ROOT / "examples" / "project-expenditure" / "rules"
RURAL = ROOT / "examples" / "rural-road-self-assessment" / "rules"


def _both_ways(engine: Engine, lines: list) -> list:
    """Each line's compact document checked in place and (the copy forced) checked by copying: equal bytes."""
    tracer = engine.compact_tracer()
    assert tracer is not None and tracer.order_free
    out = []
    for n, line in enumerate(lines, 1):
        in_place = engine.compact_json(line, "x", "b.jsonl", "h", line=n, encoded=True)
        tracer.order_free = False
        try:
            copied = engine.compact_json(line, "x", "b.jsonl", "h", line=n, encoded=True)
        finally:
            tracer.order_free = True
        assert in_place == copied, line
        out.append(in_place)
    return out


def test_shuffled_facts_give_the_copying_check_s_bytes():
    rng = random.Random(5)
    shuffled = [json.dumps(_shuffled(json.loads(line), rng), ensure_ascii=False) for line in BATCH[:80]]
    docs = _both_ways(Engine.from_path(RULES), shuffled)
    assert sum(doc is not None for doc in docs) > 40  # most scored on the compiled road (a null 问题项目 is absent)
    assert _assert_expands_to_reference([(RULES, line) for line in shuffled]) == 80


def test_a_list_of_records_the_generic_writer_writes_keeps_the_copy(constructs):
    """CONSTRUCTS' 问题 holds records with a judgement and a list of records: its fact step is written by ``jt``."""
    engine = Engine.from_path(constructs)
    assert engine.compact_tracer().order_free is False
    rng = random.Random(5)
    lines = []
    for line in _constructs_facts(60, seed=17):
        facts = _shuffled(json.loads(line), rng)
        if "可选值" not in facts and rng.random() < 0.4:
            facts["可选值"] = None  # an optional number given as null: 存在(可选值) is false, as when absent
        lines.append(json.dumps(facts, ensure_ascii=False))
    assert _assert_expands_to_reference([(constructs, line) for line in lines]) == 60


def test_the_examples_are_order_free_and_their_facts_give_the_same_bytes():
    for rules, facts in ((PROJECT, PROJECT.parent / "facts-2024.json"), (RURAL, RURAL.parent / "facts-2024.json")):
        data = json.loads(facts.read_text(encoding="utf-8"))
        lines = [json.dumps(data, ensure_ascii=False)]
        rng = random.Random(2)
        lines += [json.dumps(_shuffled(data, rng), ensure_ascii=False) for _ in range(5)]
        docs = _both_ways(Engine.from_path(rules), lines)
        assert docs[0] is not None and sum(doc is not None for doc in docs) >= 4  # an undeclared null: F020


def test_evidence_and_duplicate_keys_in_place():
    data = json.loads(BATCH[0])
    data["资产利用"] = dict(reversed(list(data["资产利用"].items())))
    data["资产利用"]["固定资产总额"] = {"来源": "资产卡片", "值": data["资产利用"]["固定资产总额"]}
    engine = Engine.from_path(RULES)
    with_evidence = json.dumps(data, ensure_ascii=False)
    assert _both_ways(engine, [with_evidence])[0] is not None
    assert b'"evidence"' in engine.compact_json(with_evidence, "x", "b.jsonl", "h", encoded=True)[0]
    duplicate = BATCH[0].replace('"抽查数": ', '"抽查数": 1, "抽查数": ', 1)
    assert duplicate != BATCH[0]
    assert engine.compact_json(duplicate, "x", "b.jsonl", "h") is None  # the interpreter names the key


def test_an_optional_field_given_as_null_is_absent_for_the_untraced_line_too():
    """The in-place check kept a null; the untraced line then compared None with a number (an internal error)."""
    data = json.loads(BATCH[0])
    data["资产利用"]["完整率超百分百评分"] = None
    engine = Engine.from_path(RULES)
    for rate, scored in ((1, True), (1.05, False)):  # above 100% the 要求 needs the judgement: the interpreter says so
        data["资产利用"]["实物资产完整率"] = rate
        line = json.dumps(data, ensure_ascii=False)
        assert (engine.fast_json(line, "x", "b.jsonl", "h") is not None) is scored
        assert (engine.compact_json(line, "x", "b.jsonl", "h") is not None) is scored


def _reordered(value, rng):
    """The same facts with the members of every object, at any depth, in a random order."""
    if isinstance(value, dict):
        items = [(k, _reordered(v, rng)) for k, v in value.items()]
        rng.shuffle(items)
        return dict(items)
    return [_reordered(v, rng) for v in value] if isinstance(value, list) else value


_TYPES = """
体系 序 {
  {title}
  总分 {total} 舍入 2 位 四舍五入
}
类型 样本 {
  {first}
  抽查数: 整数 ≥ 0
  问题数: 整数 ≥ 0
}
类型 条目 {
  类别: 文本
  扣分: 数值 ≥ 0
}
事实 {
  单位 {
    名称: 文本
    代码: 文本
  }
  样本: 样本
  条目: 列表 条目
}
"""

# (what the indicator does, whether a record can reach a generic writer there)
_CASES = {
    "typed": ("", "", "指标 甲 分值 3 { 得分 = 抽查得分(样本, 3) }\n"
                      "指标 乙 分值 2 { 逐项扣 条目 每项 扣分 描述 类别 }", True),
    "named by all fields": ("", "", "指标 乙 分值 2 { 逐项扣 条目 每项 扣分 }", False),
    "optional field first": ("", "备注: 可选 文本", "指标 甲 分值 3 { 得分 = 抽查得分(样本, 3) }", False),
    "record in a 令": ("", "", "指标 甲 分值 3 {\n  令 r = 样本\n  得分 = 抽查得分(r, 3)\n}", False),
    "record in the title": ('标题 "{单位}"', "", "指标 甲 分值 3 { 得分 = 抽查得分(样本, 3) }", True),  # {…}
    "text in the title": ('标题 "{单位.名称}"', "", "指标 甲 分值 3 { 得分 = 抽查得分(样本, 3) }", True),
}


@pytest.mark.parametrize("case", sorted(_CASES))
def test_a_record_a_generic_writer_could_see_keeps_the_copy(case, tmp_path):
    title, first, indicators, order_free = _CASES[case]
    total = sum(int(points) for points in re.findall(r"分值 (\d+)", indicators))
    text = _TYPES.replace("{title}", title).replace("{first}", first).replace("{total}", str(total)) + indicators + "\n"
    (tmp_path / "r.perf").write_text(text, encoding="utf-8")
    engine = Engine.from_path(tmp_path)
    tracer = engine.compact_tracer()
    assert tracer is not None and tracer.order_free is order_free
    rng = random.Random(len(case))
    lines = []
    for n in range(12):
        sample = {"抽查数": 5, "问题数": n % 4, "备注": rng.choice([None, "抽查"])}
        if not first or sample["备注"] is None and n % 2:
            del sample["备注"]
        facts = {"单位": {"名称": "某局", "代码": f"{n:03}"}, "样本": sample,
                 "条目": [{"类别": rng.choice("甲乙"), "扣分": rng.choice([0.5, 1])} for _ in range(n % 3)]}
        lines.append(json.dumps(_reordered(facts, rng) if n else facts, ensure_ascii=False))
    if order_free:
        _both_ways(engine, lines)
    else:  # not needlessly: checked in place, some line would show its input's key order
        copied = [engine.compact_json(line, "x", "b.jsonl", "h") for line in lines]
        tracer.order_free = True
        assert [engine.compact_json(line, "x", "b.jsonl", "h") for line in lines] != copied
    assert _assert_expands_to_reference([(tmp_path, line) for line in lines]) == len(lines)
