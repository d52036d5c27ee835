"""Compact traces: every traced line the compiled tracer writes expands to the interpreter's document, byte for byte."""

import json
import random
import re

import jsonschema

from perfdsl.cli import main
from perfdsl.engine import FAST_PATH_MISSES, Engine
from perfdsl.explain.compact import Damaged, expand_document, expanded_json, read_document
from perfdsl.explain.document import explain, head_json
from perfdsl.ruleset.facts import parse_json, plain_json

from .conftest import ROOT, RULES, SEED_FACTS
from .test_batch import BATCH, _case_fact_sets, project_variations

PROJECT = ROOT / "examples" / "project-expenditure" / "rules"

# What neither example rule set uses: 增长率 from 0 (∞), a written ∞, a 令 never used, shared 令 (one
# defined from the other, and reached through it first),
# 查表 into 令 values, 存在(…) of an optional fact, a 子项 that does not apply, a conditional
# 扣 and one of 0, 逐项扣 with a cap per class and in all, 不评价 and 描述, a finding's 酌情 field and
# [*] over its list, [*] over a map, a whole
# indicator that does not apply, one with no formula at all, 加分 and 减分 items, 一票否决.
CONSTRUCTS = """
体系 覆盖 {
  总分 23 舍入 2 位 四舍五入
  一票否决 若 否决 或 率 > 195% 或 基准 > 3.95 则 差 理由 "存在重大违规"
  等级 {
    ≥ 90     → 优
    [60, 90) → 中
    < 60     → 差
  }
}

类型 发现 {
  说明: 文本
  类别: 文本
  扣分: 数值 ≥ 0
  轻微: 布尔
  复核: 酌情扣分 [0, 1]
  分项: 列表 { 分: 数值 ≥ 0 }
}

事实 {
  否决: 布尔
  率: 比率 [0, 2]
  本年: 数值 ≥ 0
  上年: 数值 ≥ 0
  评分: 酌情得分 [0, 2]
  可选值: 可选 数值
  档次: 枚举 {好, 中, 差}
  问题: 列表 发现
  要点: 列表 文本
  满意度: 映射 { 样本数: 数值 ≥ 0 }
}

令 基准 = 率 × 2
令 双基准 = 基准 × 2

一级指标 甲 {
  指标 增长 分值 3 {
    令 g = 增长率(本年, 上年)
    令 未用 = 本年 ÷ 上年
    得分 = 若 本年 = 0 则 最小(∞, 3) 否则 区间 g {
      ≥ 10%       → 3
      [0, 10%)    → 2
      < 0         → 1
    }
  }
  指标 酌情 分值 2 {
    子项 评 分值 2 = 评分
  }
  指标 查 分值 4 {
    令 上限 = 查表 档次 { 好 → 4; 中 → 3; 差 → 1 }
    令 下限 = 上限 − 1
    子项 主 分值 3 = 最小(3, 上限 × 率)
    子项 附 分值 1 = 若 存在(可选值) 则 可选值 否则 0.5
      不适用 若 率 > 150% 理由 "超额"
    扣 下限 ÷ 10 若 双基准 < 2 理由 "基准不足"
    扣 0 理由 "从不扣分"
  }
  指标 逐项 分值 5 {
    逐项扣 问题 每项 扣分
      按 类别 每类最多 1
      最多 3
      不评价 若 轻微 理由 "轻微问题不评价"
  }
  指标 复核 分值 2 {
    逐项扣 问题 每项 复核 + 求和(分项[*].分) ÷ 10
  }
  指标 清单 分值 2 {
    逐项扣 要点 每项 0.5 × 本年 ÷ 12
  }
  指标 满意 分值 3 {
    得分 = 3 × 比值(计数(满意度[*].样本数), 5, 1)
  }
  指标 整体不适用 分值 1 {
    不适用 若 率 = 0 理由 "无数据"
    得分 = 1
  }
  指标 满分 分值 1 {
  }
}

指标 奖 加分 2 {
  得分 = 若 基准 ≥ 2 则 2 否则 基准
}

指标 罚 减分 3 {
  逐项扣 问题 每项 1 描述 类别
}
"""


def _constructs_facts(n: int, seed: int = 3) -> list:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        facts = {"否决": rng.random() < 0.1, "率": round(rng.choice([0, rng.uniform(0, 2)]), 4),
                 "本年": rng.choice([0, 5, 10, 12]), "上年": rng.choice([0, 10, 11]),
                 "评分": {"得分": rng.choice([0, 1, 1.5, 2]), "理由": "酌情"},
                 "档次": rng.choice(["好", "中", "差"]),
                 "问题": [{"说明": f"问题{i}", "类别": rng.choice(["甲", "乙"]), "扣分": rng.choice([0.5, 1, 2]),
                         "轻微": rng.random() < 0.3, "复核": {"扣分": rng.choice([0, 0.5, 1]), "理由": "复核意见"},
                         "分项": [{"分": rng.randint(0, 3)} for _ in range(rng.randint(0, 3))]}
                        for i in range(rng.randint(0, 5))],
                 "要点": [f"点{i}" for i in range(rng.randint(0, 6))],
                 "满意度": {f"k{i}": {"样本数": rng.randint(0, 9)} for i in range(rng.randint(0, 7))}}
        if rng.random() < 0.5:
            facts["可选值"] = rng.choice([0.2, 1, 3])
        out.append(json.dumps(facts, ensure_ascii=False))
    return out


def _assert_expands_to_reference(sets) -> int:
    """Each fact set's compact line, expanded, against json.dumps of the interpreter's traced document."""
    from perfdsl.diagnostics import PerfdslError
    engines: dict = {}
    compact = 0
    for n, (rules, facts) in enumerate(sets, 1):
        if rules not in engines:
            engines[rules] = (Engine.from_path(rules), Engine.from_path(rules, fast=False))
        fast, reference = engines[rules]
        if isinstance(facts, str):  # a line of a batch: through the whole path, JSON text in
            got = fast.compact_json(facts, "x", "b.jsonl", "h", line=n)
            facts = parse_json(facts, "x")
        else:  # a YAML case's facts, with exact decimals already
            try:
                got = fast.compact_tracer().document_json(fast.validator()(facts),
                                                          head_json(fast.rules, "b.jsonl", "h", n, compact=True))
            except FAST_PATH_MISSES:
                got = None
        try:
            result = reference.score(facts, trace=True)
        except PerfdslError:
            assert got is None  # facts the interpreter rejects never come out of the compiled tracer
            continue
        if result.errors:
            assert got is None  # e.g. a broken 要求: the interpreter writes that line and says why
            continue
        assert got is not None, f"fact set {n} of {rules} left the compiled tracer"
        want = {"line": n, **explain(result, trace=True, facts_source="b.jsonl", facts_sha256="h", texts=False)}
        doc = read_document(got[0])
        assert doc["perfdsl"]["trace"] == "compact"
        assert json.dumps(expand_document(doc, fast.compact_tracer()), ensure_ascii=False) == \
            json.dumps(want, ensure_ascii=False)
        assert got[1] == want["grade"]
        compact += 1
    return compact


def test_seed_batch_and_every_case_of_both_rule_sets_expand_to_the_reference():
    sets = [(RULES, line) for line in BATCH[:150]] + _case_fact_sets()
    assert _assert_expands_to_reference(sets) > 210


def _reversed(value):
    """The same facts with every object's members in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed(v) for k, v in reversed(list(value.items()))}
    return [_reversed(v) for v in value] if isinstance(value, list) else value


def test_records_written_in_any_order_expand_to_the_reference():
    """The compact line's facts check copies each record in declared order, which the steps write."""
    lines = [json.dumps(_reversed(json.loads(line)), ensure_ascii=False) for line in BATCH[:20]]
    assert _assert_expands_to_reference([(RULES, line) for line in lines]) == 20


def _shuffled(value, rng):
    """The same facts with the members of about half the objects, at any depth, in another order.

    An optional list ``问题项目`` is sometimes given as null instead (the copying check leaves it out).
    """
    if isinstance(value, dict):
        items = [(k, _shuffled(v, rng)) for k, v in value.items()]
        if rng.random() < 0.5:
            rng.shuffle(items)
        out = dict(items)
        if "问题数" in out and rng.random() < 0.3:  # a 抽查 record, whose 问题项目 is optional
            out["问题项目"] = None
        return out
    return [_shuffled(v, rng) for v in value] if isinstance(value, list) else value


def _in_order(value):
    """Facts as nested lists of (key, value) pairs: equal only with the keys of every dict in the same order."""
    if isinstance(value, dict):
        return [(k, _in_order(v)) for k, v in value.items()]
    return [_in_order(v) for v in value] if isinstance(value, list) else value


def test_records_out_of_order_nested_and_in_list_items_expand_to_the_reference(constructs):
    """Records out of declared order at any depth, and optional fields given as null: the compact line's facts
    check gives what the copying check gives (key order included where steps could show it), and each line
    expands to the reference."""
    rng = random.Random(19)
    for rules, lines in ((RULES, BATCH[:60]), (constructs, _constructs_facts(80, seed=11))):
        shuffled = []
        for line in lines:
            facts = _shuffled(json.loads(line), rng)
            if rules is constructs and "可选值" not in facts and rng.random() < 0.3:
                facts["可选值"] = None
            shuffled.append(json.dumps(facts, ensure_ascii=False))
        engine = Engine.from_path(rules)
        engine.compact_json(shuffled[0], "x", "b.jsonl", "h")  # builds the check
        in_place = engine.compact_tracer().order_free  # the seed: no step shows a record's key order
        assert in_place is (rules is RULES)  # CONSTRUCTS' 问题 is written by jt (tests/test_facts_in_place.py)
        rebuilt = 0
        for line in shuffled:
            want = engine.validator()(parse_json(line, "x"))
            if in_place:  # the same facts, an optional null taken out; the keys as they came
                got, _entries = engine._validate_counted(plain_json(line))
                assert got == want
            else:
                got, _entries = engine._validate_copied(plain_json(line))
                assert _in_order(got) == _in_order(want)
            rebuilt += _in_order(plain_json(line)) != _in_order(want)
        assert rebuilt > len(lines) // 2  # most lines held a record out of order
        assert _assert_expands_to_reference([(rules, line) for line in shuffled]) == len(lines)


def test_constructs_neither_example_uses_expand_to_the_reference(constructs):
    assert _assert_expands_to_reference([(constructs, f) for f in _constructs_facts(300)]) == 300


def test_second_rule_set_varied_compact_lines_expand_to_the_reference():
    """重新归一 and 一票否决 under compact traces: 120 variations of the project's facts."""
    assert _assert_expands_to_reference([(PROJECT, text) for text in project_variations(120, seed=11)]) > 60


def test_the_values_are_exact_and_the_line_is_smaller(constructs):
    """Decimals travel as JSON numbers, digit for digit (trailing zeros, −0, ∞ included)."""
    fast = Engine.from_path(RULES)
    seed = SEED_FACTS.read_text(encoding="utf-8")
    line, _ = fast.compact_json(seed, "x", "facts.json", "h")
    full = json.dumps(explain(fast.score_text(seed), facts_source="facts.json", facts_sha256="h", texts=False),
                      ensure_ascii=False)
    assert len(line) * 3 < len(full)
    # 绩效目标.可衡量: 2 × (1 − 5/16) = 1.3750, a trailing zero the step keeps as a number
    assert ',1.3750]' in line and '"value": "1.3750"' in full
    engine = Engine.from_path(constructs)
    facts = json.loads(_constructs_facts(1)[0])
    facts.update({"本年": 5, "上年": 0})  # 增长率 from 0 is +∞
    text, _ = engine.compact_json(json.dumps(facts, ensure_ascii=False), "x", "b.jsonl", "h")
    assert '{"$decimal":"Infinity"}' in text
    steps = expand_document(read_document(text), engine.compact_tracer())["children"][0]["children"][0]["trace"]
    assert any(s["kind"] == "band" and "∞" in s["text"] for s in steps)


def _write(tmp_path, name, lines):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_eval_compact_trace_then_expand_is_the_traced_batch(tmp_path, capsys):
    """Through the CLI, bad lines and two processes included: expand gives back what eval writes without the flag."""
    batch = _write(tmp_path, "b.jsonl", [*BATCH[:30], '{"被评价单位": "坏"}', *BATCH[30:40]])
    full, compact, compact2, expanded = (tmp_path / n for n in ("f.jsonl", "c.jsonl", "c2.jsonl", "e.jsonl"))
    assert main(["eval", str(RULES), str(batch), "--format", "json", "-o", str(full)]) == 1
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--compact-trace", "-o", str(compact)]) == 1
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--compact-trace", "-j", "2",
                 "-o", str(compact2)]) == 1
    assert compact.read_bytes() == compact2.read_bytes()
    lines = compact.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 41 and sum('"trace": "compact"' in line for line in lines) == 40
    schema = json.loads((ROOT / "docs" / "explanation.schema.json").read_text(encoding="utf-8"))
    for line in lines[:3] + lines[30:32]:
        jsonschema.validate(json.loads(line), schema)
    assert main(["expand", str(RULES), str(compact), "-o", str(expanded)]) == 0
    assert expanded.read_bytes() == full.read_bytes()
    capsys.readouterr()
    assert main(["expand", str(RULES), f"{compact}:7"]) == 0
    assert capsys.readouterr().out == full.read_text(encoding="utf-8").splitlines()[6] + "\n"


def test_expand_refuses_other_rules_and_damaged_lines(tmp_path, capsys):
    batch = _write(tmp_path, "b.jsonl", BATCH[:3])
    compact = tmp_path / "c.jsonl"
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--compact-trace", "-o", str(compact)]) == 0
    capsys.readouterr()
    assert main(["expand", str(PROJECT), str(compact)]) == 1
    assert "X002" in capsys.readouterr().err
    first, second = compact.read_text(encoding="utf-8").splitlines()[:2]
    broken = first.replace('"trace": [[', '"trace": [[99999', 1)
    damaged = _write(tmp_path, "d.jsonl", [broken, second])
    out = tmp_path / "e.jsonl"
    assert main(["expand", str(RULES), str(damaged), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "X003" in err and f"{damaged}:1" in err and "Traceback" not in err
    # the damaged line is kept as it was, and the next one is still expanded
    kept, expanded = out.read_text(encoding="utf-8").splitlines()
    assert kept == broken and '"trace": "compact"' not in expanded and '"kind": "fact"' in expanded
    _write(tmp_path, "n.jsonl", ["not json", BATCH[0]])  # nor is a line of facts a result
    assert main(["expand", str(RULES), str(tmp_path / "n.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.count("X001") == 2 and "事实文件" in err
    older = _write(tmp_path, "o.jsonl", [first.replace('"version": "', '"version": "0.0.0-', 1)])
    assert main(["expand", str(RULES), str(older)]) == 1
    assert "X004" in capsys.readouterr().err


def test_compact_trace_only_where_it_means_something(tmp_path, capsys):
    """A single fact set is written compact too (one line, no rule texts, as in a batch).

    Text, or no trace, is a usage error.
    """
    single = ROOT / "examples" / "heping-2024" / "facts.json"
    assert main(["eval", str(RULES), str(single), "--format", "json", "--compact-trace"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and '"trace": "compact"' in out and '"criteria"' not in out
    for flags in (["--compact-trace"], ["--format", "json", "--no-trace", "--compact-trace"]):
        assert main(["eval", str(RULES), str(single), *flags]) == 2
        assert "--compact-trace" in capsys.readouterr().err


def test_rules_the_tracer_does_not_cover_are_traced_by_the_interpreter_and_it_says_so(tmp_path, capsys, monkeypatch):
    """Should a construct be left uncompiled, the interpreter writes every traced line, and eval says why."""
    from perfdsl.codegen import recording as generator

    def refuse(self, *args):
        raise generator.Unsupported("某种写法")
    monkeypatch.setattr(generator.TracedGenerator, "per_finding", refuse)
    batch = _write(tmp_path, "b.jsonl", BATCH[:3])
    full, compact = tmp_path / "f.jsonl", tmp_path / "c.jsonl"
    assert main(["eval", str(RULES), str(batch), "--format", "json", "-o", str(full)]) == 0
    capsys.readouterr()
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--compact-trace", "-o", str(compact)]) == 0
    assert "尚不支持的写法（某种写法）" in capsys.readouterr().err
    assert compact.read_bytes() == full.read_bytes()


def test_expand_of_any_damaged_line_is_an_error_or_a_document_never_a_crash(tmp_path):
    """Random damage to compact lines (numbers, brackets, values swapped): each line expands or is reported (X00x)."""
    engine = Engine.from_path(RULES)
    tracer = engine.compact_tracer()
    rng = random.Random(2)
    line, _ = engine.compact_json(BATCH[3], "x", "b.jsonl", "h", line=4)
    pieces = ["0", "-1", "99999", "1.5", "true", "null", '"x"', "[]", "{}", '{"$decimal":"NaN"}', "[1]", "1E+999999"]
    outcomes = {"expanded": 0, "refused": 0}
    for _ in range(300):
        text = line
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(text.index('"trace": [['), len(text) - 1)
            end = at + rng.randint(0, 6)
            text = text[:at] + rng.choice(pieces) + text[end:]
        try:
            doc = read_document(text)
        except ValueError:
            outcomes["refused"] += 1  # not JSON any more: X001 in the CLI
            continue
        try:
            expanded_json(doc, tracer)
        except Damaged:
            outcomes["refused"] += 1  # X003 in the CLI
            continue
        outcomes["expanded"] += 1
    assert outcomes["refused"] > 100


def test_a_fact_read_s_text_is_made_once_where_steps_write_it_again(constructs):
    """An inline fact read keeps its text (``xtN``) for a lean builtin's argument and a formula's kept values, and a
    子项 that is one lean builtin reuses the builtin's text of its result; the lines still expand to the reference."""
    from perfdsl.codegen.recording import TracedGenerator
    generator = TracedGenerator(Engine.from_path(RULES).plan)
    generator.module()
    source = generator.final_source()
    assert source is not None
    kept = re.findall(r"\(xt([0-9]+) := ", source)
    assert len(kept) >= 20 and len(set(kept)) == len(kept)  # each read binds its own name, once
    assert all(re.search(r"[{ ]xt%s[},]" % k, source) for k in kept)  # and each is written again
    assert "{(sv := f\"{t" in source and ",{sv},{sv if x is v else" in source  # the builtin's text, the 子项's
    assert _assert_expands_to_reference([(RULES, line) for line in BATCH[:30]]) == 30
