"""A long fuzz run: hostile facts, mangled rule files and generated expressions, counted.

    python -m benchmarks.fuzz --facts 60000 --project 20000 --rules 30000 --exprs 10000 --seed 1

Passes when nothing crashes: every failure is a diagnostic (PerfdslError or a scored result with
errors), every score lies within its points ([0, weight], or [-weight, 0] for a 减分 item), the
compiled engine agrees with the interpreter (scores, and each batch line it writes byte for byte;
each compact traced line, expanded, byte for byte the interpreter's traced line; the warm road's document of one
fact set, byte for byte the interpreter's),
and a printed expression parses back to the same tree.  Fact sets come from both rule sets: the
seed's, and the project example's with 重新归一 and 加分/减分 items.  The pytest suite runs a small, bounded version
of the same properties; this script is for the recorded long run (docs/robustness.md).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HOSTILE = [None, True, False, 0, -1, 10**6, 10**30, "", "1415.96", "和平区", [], {}, [1, 2], {"说明": 1},
           Decimal("0.5"), Decimal("-0.0001"), Decimal("1.0000001"), Decimal("1E+20"), Decimal("1E-20"),
           [{"说明": "x"}], [{"类别": "合同管理制度", "扣分": Decimal("0.5"), "说明": "x"}], {"得分": Decimal(2)},
           {"扣分": Decimal("0.5"), "理由": ""}, {"抽查数": 3, "问题数": 5}, {"个人": {"样本数": 0, "满意数": 0}}]


def fuzz_facts(n: int, rng: random.Random, project: bool = False) -> int:
    """Fact sets with hostile mutations, through both engines.

    ``project``: the second rule set (重新归一, 加分/减分).
    """
    from benchmarks.generate import fact_set
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.engine import Engine
    from perfdsl.explain.compact import expand_document, read_document
    from perfdsl.explain.document import explain
    from perfdsl.ruleset.facts import parse_json
    rules = ROOT / "examples" / "project-expenditure" / "rules" if project else ROOT / "rules"
    slow = Engine.from_path(rules, fast=False)
    fast = Engine.from_path(rules)
    bundle = _bundle(fast)
    base = (ROOT / "examples" / "project-expenditure" / "facts-2024.json").read_text(encoding="utf-8")
    for i in range(n):
        facts = parse_json(base if project else json.dumps(fact_set(rng, i), ensure_ascii=False), "fuzz")
        for _ in range(rng.randint(0, 3)):
            _mutate(facts, rng)
        try:
            a = slow.score(copy.deepcopy(facts), trace=True)
        except PerfdslError as exc:
            assert all(d.code for d in exc.diagnostics)
            continue
        b = fast.score(copy.deepcopy(facts), trace=False)
        assert [x.score for x in a.root.walk()] == [x.score for x in b.root.walk()], i
        text = _json_text(facts)
        line = fast.fast_json(text, "fuzz", "fuzz.jsonl", "h", i)
        if line is not None:  # a batch line the compiled rules wrote: exactly the reference document
            want = {"line": i, **explain(a, trace=False, facts_source="fuzz.jsonl", facts_sha256="h")}
            assert line[0] == json.dumps(want, ensure_ascii=False), i
            assert fast.fast_json(text, "fuzz", "fuzz.jsonl", "h", i, encoded=True) == (line[0].encode(), line[1]), i
        compact = fast.compact_json(text, "fuzz", "fuzz.jsonl", "h", i)
        if compact is not None:  # a compact traced line: expanded, exactly the interpreter's traced line
            want = {"line": i, **explain(a, trace=True, facts_source="fuzz.jsonl", facts_sha256="h", texts=False)}
            got = expand_document(read_document(compact[0]), fast.plan)
            assert fast.compact_json(text, "fuzz", "fuzz.jsonl", "h", i, encoded=True) == \
                (compact[0].encode(), compact[1]), i  # the batch's bytes: the same line, encoded
            assert json.dumps(got, ensure_ascii=False) == json.dumps(want, ensure_ascii=False), i
        warm = bundle.document(text, "fuzz.json", "h")
        if warm is not None:  # the warm road's document (perfdsl.warm): the interpreter's, for one fact set
            want = explain(a, trace=True, facts_source="fuzz.json", facts_sha256="h", texts=False)
            assert json.dumps(warm, ensure_ascii=False) == json.dumps(want, ensure_ascii=False), i
        for node in a.root.walk():
            assert _in_range(node), (i, node.name, node.score)
        assert all(d.code and d.span is not None for d in a.errors)
    return n


def _bundle(engine):
    """The rule set's warm bundle as ``perfdsl eval`` keeps it: pickled and read back."""
    import pickle

    from perfdsl import warm
    from perfdsl.codegen.program import dumps
    return pickle.loads(dumps(warm.build(engine, "fuzz")))


def _in_range(node) -> bool:
    """A score lies within its points: [0, 分值], [-分值, 0] for a 减分 item; groups holding 加分/减分 items aside."""
    if node.score is None or any(c.indicator is not None and c.indicator.outside for c in node.children):
        return True
    if node.indicator is not None and node.indicator.penalty:
        return -node.weight <= node.score <= 0
    return 0 <= node.score <= node.weight


def _json_text(v) -> str:
    """JSON with Decimals written as the numbers they are (json.dumps would need floats)."""
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_json_text(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_json_text(x) for x in v) + "]"
    if isinstance(v, Decimal):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def _mutate(facts, rng):
    cur = facts
    while isinstance(cur, dict) and cur and rng.random() < 0.7:
        key = rng.choice(list(cur))
        if not isinstance(cur[key], dict) or rng.random() < 0.3:
            if rng.random() < 0.15:
                del cur[key]
            else:
                value = rng.choice(HOSTILE)
                is_int = isinstance(value, int) and not isinstance(value, bool)
                cur[key] = Decimal(value) if is_int else copy.deepcopy(value)
            return
        cur = cur[key]


def fuzz_rules(n: int, rng: random.Random) -> int:
    from benchmarks.arms import rules_text
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.ruleset.check import check
    from perfdsl.ruleset.loader import SourceFile, merge
    from perfdsl.syntax.builder import build, build_from_tree
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rules").glob("*.perf"))]
    texts.append(rules_text(20, 0))  # arms of plain numbers, each scanned in one match (syntax/tokens.FusedArm)
    pieces = ["{", "}", "(", ")", "[", "]", "→", "若", "则", "否则", "区间", "指标", "分值", "%", "、", "“", "\"", "\\",
              "\n", "#", "∞", "÷", "0", "999999", "令 a = a", "得分 =", "\x00", "\ufeff", "（", "：", "查表",
              "[0, 1) → 1", "->", "\r\n", "；", "）", "】", "5%", "+ 1", "\n  [2, 3] → 4\n"]
    for _ in range(n):
        text = rng.choice(texts)
        for _ in range(rng.randint(1, 4)):
            pos = rng.randrange(len(text) + 1)
            roll = rng.random()
            if roll < 0.3:
                text = text[:pos]
            elif roll < 0.6:
                text = text[:pos] + text[pos + rng.randint(1, 40):]
            else:
                text = text[:pos] + rng.choice(pieces) + text[pos:]
        try:
            f = build(text, "fuzz.perf")
        except PerfdslError as exc:
            assert all(d.code for d in exc.diagnostics)
            continue
        except RecursionError:
            continue  # reported as E106 by the loader
        try:
            assert repr(f) == repr(build_from_tree(text, "fuzz.perf")), text  # the AST built as Lark reduces
        except PerfdslError as exc:  # the tree way refuses what the fast way built
            raise AssertionError(text) from exc
        try:
            check(merge([f], {"fuzz.perf": SourceFile("fuzz.perf", text, "")}, "fuzz"))
        except PerfdslError as exc:
            assert all(d.code for d in exc.diagnostics)
        except RecursionError:
            pass  # reported as E106 by the loader
    return n


def fuzz_exprs(n: int, rng: random.Random) -> int:
    from perfdsl.syntax import ast as A
    from perfdsl.syntax.builder import build
    from perfdsl.syntax.printer import Printer
    span = A.NO_SPAN

    def number():
        k = rng.randint(0, 10_000)
        return A.Number(Decimal(k) / 100, f"{k}%", span) if rng.random() < 0.3 else A.Number(Decimal(k), str(k), span)

    def expr(depth):
        if depth <= 0 or rng.random() < 0.3:
            return number() if rng.random() < 0.5 else A.Path((rng.choice(["甲", "完成率", "x"]),), None, span)
        kind = rng.randrange(6)
        if kind == 0:
            return A.Binary(rng.choice("+-*/"), expr(depth - 1), expr(depth - 1), span)
        if kind == 1:
            return A.Compare(rng.choice(["<", "<=", "=", "!=", ">", ">="]), expr(depth - 1), expr(depth - 1), span)
        if kind == 2:
            return A.Logical(rng.choice(["and", "or"]), expr(depth - 1), expr(depth - 1), span)
        if kind == 3:
            return A.Conditional(expr(depth - 1), expr(depth - 1), expr(depth - 1), span)
        if kind == 4:
            return A.Call(rng.choice(["min", "max", "按比例"]),
                          tuple(expr(depth - 1) for _ in range(rng.randint(1, 3))), span)
        arms = tuple(A.Arm(A.Interval(number(), number(), rng.random() < 0.5, rng.random() < 0.5, span),
                           expr(depth - 1), span) for _ in range(rng.randint(1, 3)))
        return A.Band(expr(depth - 1), arms, span)
    for _ in range(n):
        e = expr(rng.randint(1, 5))
        lang = rng.choice(["zh", "en"])
        text = ("令" if lang == "zh" else "let") + " v = " + Printer(lang).expr(e) + "\n"
        assert build(text, "gen").items[0].expr == e, text
    return n


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--facts", type=int, default=60_000)
    ap.add_argument("--rules", type=int, default=30_000)
    ap.add_argument("--exprs", type=int, default=10_000)
    ap.add_argument("--project", type=int, default=20_000,
                    help="fact sets of the second rule set (重新归一, 加分/减分)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    start = time.perf_counter()
    counts = {"facts": fuzz_facts(args.facts, rng), "project": fuzz_facts(args.project, rng, project=True),
              "rules": fuzz_rules(args.rules, rng), "exprs": fuzz_exprs(args.exprs, rng)}
    total = sum(counts.values())
    print(f"{total:,} generated inputs, no crash ({counts['facts']:,} fact sets, {counts['project']:,} of the second "
          f"rule set, {counts['rules']:,} rule files, {counts['exprs']:,} expressions) in "
          f"{time.perf_counter() - start:.0f} s, seed {args.seed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
