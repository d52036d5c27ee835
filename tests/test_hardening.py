"""Issue 14, blow-ups and "accepted means runnable": what check accepts, both engines score, byte for byte.

Each test is a reproduction from the red-team run: rule sets far larger or deeper than anyone writes by hand
(a 400-term sum, 300 band arms, 300 查表 cases, 300 且 terms, 600 nested 若, 2,000 sibling indicators),
checker analyses that were exponential or quadratic, numbers with more digits than a fixed quantize held,
YAML that expands or reads numbers JSON would not, and the cache key.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from perfdsl.engine import Engine
from perfdsl.explain.compact import expand_document, read_document
from perfdsl.explain.document import explain, head_json
from perfdsl.ruleset.check import bands as bands_module
from perfdsl.ruleset.check import check
from perfdsl.ruleset.facts import parse_json
from perfdsl.ruleset.loader import load

BIG = 300


def _rules(tmp_path, text: str, name: str = "r"):
    d = tmp_path / name
    d.mkdir()
    (d / "a.perf").write_text(text, encoding="utf-8")
    return d


def _both_engines_agree(d, fact_sets: list[dict]) -> list:
    """Every fact set: the fast line is json.dumps of the reference document, and the compact trace expands to it."""
    fast, reference = Engine.from_path(d, cache=False), Engine.from_path(d, fast=False, cache=False)
    scores = []
    for n, facts in enumerate(fact_sets, 1):
        text = json.dumps(facts, ensure_ascii=False)
        got = fast.fast_json(text, "x", "b.jsonl", "h", line=n)
        assert got is not None  # the generated scorer really scored it
        want = {"line": n, **explain(reference.score_text(text, trace=False), trace=False, facts_source="b.jsonl",
                                     facts_sha256="h")}
        assert got[0] == json.dumps(want, ensure_ascii=False)
        traced = reference.score_text(text, trace=True)
        compact, _ = fast.compact_tracer().document_json(fast.validator()(parse_json(text, "x")),
                                                         head_json(fast.rules, None, None, compact=True))
        expanded = expand_document(read_document(compact), fast.compact_tracer())
        assert json.dumps(expanded, ensure_ascii=False) == json.dumps(explain(traced, texts=False), ensure_ascii=False)
        scores.append(want["score"])
    return scores


def _big_rules(terms=400, arms=BIG, cases=BIG, ands=BIG, ifs=600) -> str:
    keys = [f"v{i}" for i in range(cases)]
    nested = "0"
    for i in range(ifs):
        nested = f"若 x > {i} 则 {i % 7} 否则 {nested}"
    band = "\n".join(f"    [{i}, {i + 1}) → {i % 5}" for i in range(arms))
    match = "\n".join(f'    "{k}" → {i % 3}' for i, k in enumerate(keys))
    return (
        "枚举 类 { " + ", ".join(f'"{k}"' for k in keys) + " }\n"
        "事实 { x: 数值 ≥ 0; 类别: 枚举 类 }\n"
        "指标 和 分值 10 {\n  得分 = 最小(10, " + " + ".join(["x"] * terms) + ")\n}\n"
        "指标 档 分值 10 {\n  得分 = 区间 x {\n" + band + f"\n    ≥ {arms} → 10\n  }}\n}}\n"
        "指标 表 分值 10 {\n  得分 = 查表 类别 {\n" + match + "\n  }\n}\n"
        "指标 并列 分值 10 {\n  得分 = 若 " + " 且 ".join(f"x ≥ {i % 3}" for i in range(ands)) + " 则 10 否则 0\n}\n"
        "指标 嵌套 分值 10 {\n  得分 = " + nested + "\n}\n"
    )


def test_huge_but_accepted_rules_are_scored_by_both_engines_identically(tmp_path):
    d = _rules(tmp_path, _big_rules())
    checked = check(load(d))
    assert not checked.errors
    facts = [{"x": x, "类别": k} for x, k in ((0, "v0"), (1.5, "v7"), (2, "v299"), (250, "v150"), (1000, "v1"))]
    scores = _both_engines_agree(d, facts)
    assert len(scores) == 5


def _worst_nesting(n: int) -> str:
    """Nesting the generated code cannot write flat, of the kinds that open the most brackets there."""
    e = "x"
    for i in range(n):
        e = [f"比值({e}, 1, 0)", f"(若 ({e}) ∈ [0, 5] 则 1 否则 2)", f"区间 ({e}) {{ < 0 → 0; ≥ 0 → 1 }}",
             f"-(1 - ({e}))"][i % 4]
    return "事实 { x: 数值 ≥ 0 }\n指标 甲 分值 1 {\n  得分 = 最小(1, 绝对值(" + e + "))\n}\n"


def test_nesting_just_under_the_limit_is_scored_by_both_engines(tmp_path):
    d = _rules(tmp_path, _worst_nesting(30))
    assert not check(load(d)).errors
    _both_engines_agree(d, [{"x": 0}, {"x": 3}, {"x": 7}])


@pytest.mark.parametrize("text", [
    _worst_nesting(40),
    "事实 { x: 数值 }\n指标 甲 分值 1 {\n  得分 = 最小(1, " + " + ".join(["x"] * 1200) + ")\n}\n",
    "事实 { x: 数值 }\n指标 甲 分值 1 {\n  得分 = 最小(1, 绝对值(" + "-" * 3000 + "x))\n}\n",
], ids=["nesting", "1200-term-sum", "3000-negations"])
def test_beyond_the_limits_check_says_E107_with_the_place(tmp_path, text):
    d = _rules(tmp_path, text)
    errors = check(load(d)).errors
    assert [e.code for e in errors] == ["E107"]
    assert errors[0].span.line == 3


def test_two_thousand_sibling_indicators(tmp_path):
    d = _rules(tmp_path, "事实 { x: 数值 ≥ 0 }\n" + "".join(f"指标 指标{i} 分值 1 {{\n  得分 = 最小(1, x)\n}}\n"
                                                           for i in range(2000)))
    scores = _both_engines_agree(d, [{"x": 0.5}])
    assert Decimal(str(scores[0])) == 1000


# ---------------------------------------------------------------- the checker's own analyses


def _ratio_chain(n: int, top_level: bool = False) -> str:
    """``令 x{i} = 比值(x{i-1}, x{i-1}, x{i-1})``, inside the indicator or (``top_level``) as global 令."""
    lets = [f"令 x{i} = 比值(x{i - 1}, x{i - 1}, x{i - 1})" for i in range(1, n + 1)]
    lines = ["事实 { x0: 数值 ≥ 0 }", *(lets if top_level else []), "指标 甲 分值 1 {"]
    lines += [] if top_level else [f"  {let}" for let in lets]
    lines.append(f"  得分 = 区间 x{n} {{\n    [0, 1] → 1\n    > 1 → 0\n  }}\n}}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("top_level", [False, True], ids=["local", "global"])
def test_domain_inference_is_memoised(tmp_path, monkeypatch, top_level):
    """14 lines of 比值(x, x, x) took 30 s (3^14 walks); now each node is worked out once per depth.  As global 令
    they took 510 s until the memo's key stopped holding the id of a new empty 令 table per reference."""
    calls = []
    inner = bands_module.BandChecker._domain
    monkeypatch.setattr(bands_module.BandChecker, "_domain", lambda self, *a: calls.append(1) or inner(self, *a))
    rules = load(_rules(tmp_path, _ratio_chain(14, top_level)))
    start = time.perf_counter()
    checked = check(rules)
    assert time.perf_counter() - start < 5  # recorded: 0.04 s (docs/robustness.md)
    assert not checked.errors
    assert len(calls) < 200  # 3^14 = 4,782,969 before


def test_band_checking_is_n_log_n(tmp_path):
    """12,000 arms took 74 s (every arm against every piece of the line); the analysis now takes well under 1 s."""
    n = 12_000
    arms = "\n".join(f"    [{i}, {i + 1}) → 1" for i in range(n))
    rules = load(_rules(tmp_path, "事实 { x: 数值 ≥ 0 }\n指标 甲 分值 1 {\n  得分 = 区间 x {\n" + arms
                        + f"\n    [5, 7] → 0\n    ≥ {n} → 0\n  }}\n}}\n"))
    start = time.perf_counter()
    checked = check(rules)
    assert time.perf_counter() - start < 5  # recorded: 0.39 s (docs/robustness.md)
    assert [d.code for d in checked.warnings if d.code.startswith("W16")] == ["W162"]  # [5, 7] is dead


# ---------------------------------------------------------------- numbers


def test_a_quotient_of_more_than_50_digits_is_shown_exactly_by_both_engines_and_expand():
    """1e27 / 1e-25 = 1e52: numbers._plain's 50-digit quantize raised (X000, and expand called the line damaged)."""
    from .conftest import RULES, SEED_FACTS
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["预算编制"]["年初结转结余资金收入预算数"] = "@A"
    facts["预算编制"]["上年末结转结余资金收入决算数"] = "@B"
    text = json.dumps(facts, ensure_ascii=False).replace('"@A"', "1e27").replace('"@B"', "1e-25")
    fast, reference = Engine.from_path(RULES, cache=False), Engine.from_path(RULES, fast=False, cache=False)
    got = fast.fast_json(text, "x", "b.jsonl", "h", line=1)
    want = {"line": 1, **explain(reference.score_text(text, trace=False), trace=False, facts_source="b.jsonl",
                                 facts_sha256="h")}
    assert got is not None and got[0] == json.dumps(want, ensure_ascii=False)
    traced = reference.score_text(text, trace=True)
    compact, _ = fast.compact_tracer().document_json(fast.validator()(parse_json(text, "x")),
                                                     head_json(fast.rules, None, None, compact=True))
    expanded = expand_document(read_document(compact), fast.compact_tracer())
    assert json.dumps(expanded, ensure_ascii=False) == json.dumps(explain(traced, texts=False), ensure_ascii=False)
    assert "1" + "0" * 52 in json.dumps(explain(traced), ensure_ascii=False)


def test_plain_and_show_are_exact_beyond_the_context():
    from perfdsl.interp.numbers import fixed, plain, show
    assert plain(Decimal("1E+52")) == "1" + "0" * 52
    assert plain(Decimal("1" * 60 + ".50")) == "1" * 60 + ".5"
    assert show(Decimal("1" * 45 + ".1234567")) == "≈" + "1" * 45 + ".1235"
    assert fixed(Decimal("1E+52"), 2) == "1" + "0" * 52 + ".00"
    # a zero has no sign (docs/explanation.md, numbers in texts): -0.00 is 0, not -0
    assert (plain(Decimal("-0.00")), plain(Decimal("1E+2")), plain(Decimal("2.070"))) == ("0", "100", "2.07")


# ---------------------------------------------------------------- YAML in perfdsl test

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)) + "cases: []\n"


@pytest.mark.parametrize("text, words", [
    (LAUGHS, "别名"),
    ("cases:\n  - name: a\n    facts: {x: 20:24}\n", "JSON"),
    ("cases:\n  - name: a\n    facts: {x: 0x10}\n", "JSON"),
    ("cases:\n  - name: a\n    facts: {x: .inf}\n", "JSON"),
    ("cases:\n  - name: a\n    facts: {x: 1.0e+999999}\n", "范围"),
    ("cases:\n  - name: a\n    facts: {x: 1" + "1" * 70 + "}\n", "位数过多"),
], ids=["billion-laughs", "sexagesimal", "hex", "inf", "huge-exponent", "digits"])
def test_yaml_cases_refuse_aliases_and_numbers_json_would_not_read(tmp_path, text, words):
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.rule_tests import load_cases
    f = tmp_path / "c.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PerfdslError) as e:
        load_cases(f)
    [d] = e.value.diagnostics
    assert d.code == "T001" and words in d.message
    assert d.span.line > 1 or text is LAUGHS


def test_yaml_numbers_are_exact_decimals_as_in_json(tmp_path):
    from perfdsl.rule_tests import load_cases
    f = tmp_path / "c.yaml"
    f.write_text("cases:\n  - name: a\n    facts: {x: 0.1, y: -3, z: 1.5e+2}\n", encoding="utf-8")
    [case] = load_cases(f)
    assert case.facts == {"x": Decimal("0.1"), "y": Decimal(-3), "z": Decimal("1.5e2")}


# ---------------------------------------------------------------- the cache


def test_cache_key_covers_perfdsls_own_code_and_old_entries_are_evicted(tmp_path, monkeypatch):
    import os

    from perfdsl.ruleset import cache
    monkeypatch.setenv("PERFDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PERFDSL_NO_CACHE", raising=False)
    d = _rules(tmp_path, "事实 { x: 数值 }\n指标 甲 分值 1 {\n  得分 = 1\n}\n")
    key = cache.cache_key(d)
    monkeypatch.setattr(cache, "code_hash", lambda: "another build")
    assert cache.cache_key(d) != key  # same version string, other code: another entry
    monkeypatch.undo()
    monkeypatch.setenv("PERFDSL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PERFDSL_NO_CACHE", raising=False)
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    (tmp_path / "cache").mkdir(mode=0o700)
    for i in range(5):
        old = tmp_path / "cache" / f"{i:064x}.pickle"
        old.write_bytes(b"x")
        os.utime(old, (1_000 + i, 1_000 + i))
    cache.evict(tmp_path / "cache", keep=3)
    assert sorted(p.name[-9:] for p in (tmp_path / "cache").glob("*.pickle")) == [
        f"{i:064x}.pickle"[-9:] for i in (2, 3, 4)]
    cache.load_checked(d)  # stores its entry, then keeps the MAX_ENTRIES newest
    kept = list((tmp_path / "cache").glob("*.pickle"))
    assert len(kept) == 3 and (tmp_path / "cache" / f"{key}.pickle") in kept
    assert not list((tmp_path / "cache").glob(".tmp-*"))


def _as_windows(monkeypatch, tmp_path):
    """What perfdsl sees on Windows: no POSIX owners (no ``os.getuid``), ``sys.platform`` win32, a %LOCALAPPDATA%."""
    import os
    import sys
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delattr(os, "getuid", raising=False)
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "AppData" / "Local"))
    monkeypatch.delenv("PERFDSL_CACHE_DIR", raising=False)
    monkeypatch.delenv("PERFDSL_NO_CACHE", raising=False)


def _counting_checks(monkeypatch) -> list:
    from perfdsl.ruleset import cache
    calls: list = []
    real = cache.check
    monkeypatch.setattr(cache, "check", lambda rules: calls.append(1) or real(rules))
    return calls


def test_on_windows_the_cache_lives_in_localappdata_and_is_used_there(tmp_path, monkeypatch):
    from perfdsl.ruleset import cache
    d = _rules(tmp_path, "事实 { x: 数值 }\n指标 甲 分值 1 {\n  得分 = 1\n}\n")
    _as_windows(monkeypatch, tmp_path)
    calls = _counting_checks(monkeypatch)
    assert cache.cache_dir() == tmp_path / "AppData" / "Local" / "perfdsl" / "cache"
    cache.load_checked(d)
    cache.load_checked(d)
    assert calls == [1]  # the second load came from the per-user cache
    assert len(list(cache.cache_dir().glob("*.pickle"))) == 1


@pytest.mark.parametrize("where", ["elsewhere", "no-localappdata", "link-out"])
def test_on_windows_a_cache_whose_owner_cannot_be_checked_is_not_used(tmp_path, monkeypatch, where):
    """Pickles are code: a PERFDSL_CACHE_DIR outside %LOCALAPPDATA% (a shared drive, a link leading out of it) is
    neither read nor written, since os.stat on Windows cannot say who may write it."""
    import os
    import pickle

    from perfdsl.ruleset import cache
    d = _rules(tmp_path, "事实 { x: 数值 }\n指标 甲 分值 1 {\n  得分 = 1\n}\n")
    shared = tmp_path / "共享盘" / "cache"
    shared.mkdir(parents=True)
    _as_windows(monkeypatch, tmp_path)
    if where == "no-localappdata":
        monkeypatch.delenv("LOCALAPPDATA")
        monkeypatch.setenv("XDG_CACHE_HOME", str(shared.parent))
        shared = shared.parent / "perfdsl"
        shared.mkdir()
    elif where == "link-out":
        local = tmp_path / "AppData" / "Local"
        local.mkdir(parents=True)
        os.symlink(shared, local / "linked")
        monkeypatch.setenv("PERFDSL_CACHE_DIR", str(local / "linked"))
    else:
        monkeypatch.setenv("PERFDSL_CACHE_DIR", str(shared))
    assert cache.cache_dir().resolve() == shared.resolve()
    planted = shared / f"{cache.cache_key(d)}.pickle"
    planted.write_bytes(pickle.dumps("这不是规则"))  # what someone else could put there
    calls = _counting_checks(monkeypatch)
    cache.load_checked(d)
    cache.load_checked(d)
    assert calls == [1, 1]  # checked each time: nothing read from there…
    assert pickle.loads(planted.read_bytes()) == "这不是规则"  # …and nothing written
    assert [p.name for p in shared.iterdir()] == [planted.name]
