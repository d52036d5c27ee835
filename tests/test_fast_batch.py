"""The batch path's own shortcuts: compiled code from the disk cache, facts checked in place, typed step encoders.

Each shortcut must give exactly what the road without it gives; the byte-for-byte comparisons
with the interpreter are in test_batch.py and test_compact_trace.py.
"""

from __future__ import annotations

import copy
import json
import marshal
import os
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.generate import lines
from perfdsl.codegen import codecache
from perfdsl.codegen.generator import Source
from perfdsl.codegen.runtime import jt
from perfdsl.codegen.scorer import GeneratedScorer
from perfdsl.engine import Engine
from perfdsl.ruleset.facts import Invalid, parse_json

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FACTS = (ROOT / "examples" / "heping-2024" / "facts.json").read_text(encoding="utf-8")
BIG = "def f():\n" + "".join(f"    x{i} = {i}\n" for i in range(200)) + "    return x199\n"  # over SMALL


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDSL_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("PERFDSL_NO_CACHE", raising=False)
    return tmp_path / "code"


def _entries(directory: Path) -> list:
    return sorted(directory.glob("*.marshal")) if directory.exists() else []


def test_compiled_code_is_stored_then_read_back_instead_of_compiled(cache, monkeypatch):
    assert len(BIG) > codecache.SMALL
    first = codecache.compiled(BIG, "<perfdsl: test>")
    [entry] = _entries(cache)
    assert marshal.loads(entry.read_bytes()) == first

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled again")
    monkeypatch.setattr(codecache, "compile", no_compile, raising=False)
    second = codecache.compiled(BIG, "<perfdsl: test>")
    assert second == first
    namespace: dict = {}
    exec(second, namespace)  # noqa: S102 — our own test source
    assert namespace["f"]() == 199


def test_another_source_or_file_name_is_another_entry(cache):
    codecache.compiled(BIG, "<perfdsl: a>")
    codecache.compiled(BIG, "<perfdsl: b>")
    codecache.compiled(BIG.replace("x199\n", "x198\n"), "<perfdsl: a>")
    assert len(_entries(cache)) == 3


def test_a_damaged_entry_is_compiled_again_and_replaced(cache):
    codecache.compiled(BIG, "<perfdsl: test>")
    [entry] = _entries(cache)
    entry.write_bytes(b"\x00 not marshal data")
    os.chmod(entry, 0o600)
    code = codecache.compiled(BIG, "<perfdsl: test>")
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 — our own test source
    assert namespace["f"]() == 199
    assert marshal.loads(entry.read_bytes()) == code


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners and modes")
def test_an_entry_others_could_write_is_not_read(cache, monkeypatch):
    codecache.compiled(BIG, "<perfdsl: test>")
    [entry] = _entries(cache)
    os.chmod(entry, 0o666)
    calls = []
    real = compile

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)
    monkeypatch.setattr(codecache, "compile", counting, raising=False)
    codecache.compiled(BIG, "<perfdsl: test>")
    assert calls == ["<perfdsl: test>"]


def test_no_cache_bypasses_it(cache, monkeypatch):
    monkeypatch.setenv("PERFDSL_NO_CACHE", "1")
    codecache.compiled(BIG, "<perfdsl: test>")
    assert _entries(cache) == []


def test_the_traced_scorer_is_cached_and_scores_the_same_from_the_cache(cache):
    engine = Engine.from_path(RULES, cache=False)
    head = '{"status": "ok", '
    facts = engine.validator()(parse_json(FACTS, "x"))
    built = GeneratedScorer(engine.plan, engine.scorer._title, traced=True)
    stored = _entries(cache)
    assert stored, "the traced scorer's code went to the cache"
    again = GeneratedScorer(engine.plan, engine.scorer._title, traced=True)
    assert _entries(cache) == stored  # read back, nothing new compiled
    assert again.document_json(facts, head) == built.document_json(facts, head)


def test_the_source_run_uses_the_cache(cache):
    src = Source()
    src.lines = BIG.splitlines()
    assert src.run("test")["f"]() == 199
    assert len(_entries(cache)) == 1


# ---------------------------------------------------------------- the facts check, in place
def _sets(n: int = 60) -> list:
    return [json.loads(line) for line in lines(n)] + [json.loads(FACTS)]


def _decimals(facts):
    return parse_json(json.dumps(facts, ensure_ascii=False), "x")


def test_checking_in_place_converts_exactly_what_the_copying_check_returns():
    engine = Engine.from_path(RULES, cache=False)
    for facts in _sets():
        copied = engine.validator()(_decimals(facts))
        in_place = engine.owned_validator()(_decimals(facts))
        assert in_place == copied


def test_the_copying_check_leaves_the_callers_facts_alone():
    engine = Engine.from_path(RULES, cache=False)
    facts = _decimals(json.loads(FACTS))
    before = copy.deepcopy(facts)
    engine.validator()(facts)
    assert facts == before
    assert type(facts["绩效监控"]["结果应用扣分"]) is dict  # not turned into a Judged


@pytest.mark.parametrize("change", [
    lambda f: f["评估评审"].update(评审报告数=Decimal("1.5")),  # an integer that is not one
    lambda f: f["评估评审"].update(评审报告数=None),  # null where a number is required
    lambda f: f["制度"].update(近三年有建设项目=None),  # null where a boolean is required
    lambda f: f["制度"].pop("近三年有建设项目"),  # absent
    lambda f: f["制度"]["瑕疵"].append({"类别": "无此类别", "扣分": Decimal("0.5"), "说明": "x"}),
])
def test_checking_in_place_turns_away_what_the_copying_check_turns_away(change):
    engine = Engine.from_path(RULES, cache=False)
    for check in (engine.validator(), engine.owned_validator()):
        facts = _decimals(json.loads(FACTS))
        change(facts)
        with pytest.raises((Invalid, KeyError)):
            check(facts)


# ---------------------------------------------------------------- typed encoders of the traced scorer
def test_the_encoders_made_for_record_types_write_what_jt_writes():
    engine = Engine.from_path(RULES, cache=False)
    tracer = engine.compact_tracer()
    assert tracer is not None
    from perfdsl.codegen.recording import TracedGenerator
    gen = TracedGenerator(engine.plan)
    namespace_src = Source()
    gen.src = namespace_src
    made = {}
    # lists of records of scalar fields; 抽查: a record whose optional 问题项目 is a list of text
    for path in (["制度", "瑕疵"], ["重大支出政策问题"], ["绩效自评"], ["绩效目标", "任务匹配"]):
        name = gen.encoder(engine.plan.fact_type(path))
        assert name != "jt", path  # these types get their own encoder
        made[tuple(path)] = name
    namespace_src.lines = ["pass"]
    namespace = namespace_src.run("encoders test")
    sets = _sets(40)
    sets[0]["绩效自评"]["问题项目"] = ["项目\"甲\"", "乙\n丙", ""]  # present, with characters JSON escapes
    sets[1]["绩效目标"]["任务匹配"]["问题项目"] = []
    for facts in sets:
        checked = engine.validator()(_decimals(facts))
        for path, name in made.items():
            value = checked
            for seg in path:
                value = value[seg]
            assert namespace[name](value) == jt(value)


# ---------------------------------------------------------------- duplicate keys without a hook per object
CLEAN = next(iter(lines(1)))
DUPLICATES = [  # (where, the text before, the same with a duplicate key, the key the message names)
    ("top level", '"被评价单位": "单位0"', '"被评价单位": "单位0", "被评价单位": "单位0"', "被评价单位"),
    ("nested", '"评审报告数": 8', '"评审报告数": 8, "评审报告数": 8', "评审报告数"),
    ("in a list item", '"扣分": 0.5, "说明": "瑕疵0"', '"扣分": 0.5, "扣分": 0.5, "说明": "瑕疵0"', "扣分"),
    ("whitespace before the colon", '"被评价单位": "单位0"', '"被评价单位": "单位0", "被评价单位" \t : "单位0"',
     "被评价单位"),
    ("an escaped quote in the key", '"被评价单位": "单位0"', '"被评价单位": "单位0", "a\\"b": 1, "a\\"b" : 2', 'a"b'),
    ("a colon in a value besides", '"说明": "瑕疵0"', '"说明": "瑕疵:0\\":", "说明": "瑕疵0"', "说明"),
]


@pytest.mark.parametrize("where, before, after, key", DUPLICATES, ids=[d[0] for d in DUPLICATES])
def test_a_duplicate_key_anywhere_is_still_turned_away_on_the_batch_path(tmp_path, where, before, after, key):
    from perfdsl.cli import main
    assert before in CLEAN
    text = CLEAN.replace(before, after, 1)
    engine = Engine.from_path(RULES)
    assert engine.fast_json(CLEAN, "b.jsonl", "b.jsonl", "h", 1) is not None
    assert engine.fast_json(text, "b.jsonl", "b.jsonl", "h", 2) is None  # the interpreter says why
    assert engine.compact_json(CLEAN, "b.jsonl", "b.jsonl", "h", 1) is not None  # compact traces prove it alike
    assert engine.compact_json(text, "b.jsonl", "b.jsonl", "h", 2) is None
    batch = tmp_path / "b.jsonl"
    batch.write_text(CLEAN + "\n" + text + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    for trace in ("--no-trace", "--compact-trace"):
        assert main(["eval", str(RULES), str(batch), "--format", "json", trace, "-o", str(out)]) == 1
        first, second = out.read_text(encoding="utf-8").splitlines()
        assert json.loads(first)["status"] == "ok"
        [problem] = json.loads(second)["errors"]
        assert problem["code"] == "F003" and problem["message"].endswith(f"重复的键 “{key}”")


@pytest.mark.parametrize("value", ["瑕疵:0", '瑕疵\\":0', '\\"  :', "时:分:秒"])
def test_colons_in_values_without_a_duplicate_still_score_on_the_fast_path(value):
    text = CLEAN.replace('"说明": "瑕疵0"', f'"说明": "{value}"', 1)
    engine = Engine.from_path(RULES)
    fast = engine.fast_json(text, "b.jsonl", "b.jsonl", "h", 1)
    assert fast is not None
    assert json.loads(fast[0]) == engine.document_text(text, "b.jsonl", "b.jsonl", "h", trace=False,
                                                       try_fast=False)[0] | {"line": 1}
