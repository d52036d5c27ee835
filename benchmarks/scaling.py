"""How each stage grows with the rule set: parse + check, plan lowering, code generation, scoring one fact set.

    python -m benchmarks.scaling [--sizes 100,1000,10000] [--repeat 3] [--cpu] [--only score,codegen] [--rounds 2]

Rule sets come from ``benchmarks.run.generated_rules`` (groups of ten proportional indicators). Each stage
is timed in this process, best of ``--repeat``; the last column of each stage is its growth from the size
before, against the growth of the rule set (linear: the two are equal; the target is at most 1.1 times).

Scoring is timed after ``WARM`` fact sets: CPython 3.11 specialises a function's bytecode only from its
eighth call, and each generated leaf function is called once per fact set. Timed cold, a 10,000-indicator
rule set (three sets a repetition) ran unspecialised code while the smaller ones, with more sets, did not:
that alone made scoring look 1.5–2 times worse than linear.  A batch pays the eight slow calls once.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

CLOCK = time.perf_counter  # --cpu: time.process_time, steadier than the wall clock on a shared machine
WARM = 10  # fact sets scored before scoring is timed: CPython 3.11 quickens a function at its 8th call
STAGES = ("parse", "plan", "codegen", "score")  # --only chooses among these


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t = CLOCK()
        fn()
        best = min(best, CLOCK() - t)
    return best


def facts_text(indicators: int) -> str:
    return json.dumps({f"率{n}": round(0.4 + (n % 7) / 10, 2) for n in range(indicators)}, ensure_ascii=False)


def stages(n: int, tmp: Path, repeat: int, front: bool = False, only: frozenset = frozenset(STAGES)) -> dict:
    from benchmarks.run import generated_rules
    from perfdsl.codegen.scorer import GeneratedScorer
    from perfdsl.engine import Engine
    from perfdsl.plan import Plan
    from perfdsl.ruleset.cache import load_checked
    from perfdsl.ruleset.check import check
    from perfdsl.ruleset.gcpause import paused
    from perfdsl.ruleset.loader import load
    from perfdsl.syntax.parser import _parser

    d = tmp / f"rules{n}"
    generated_rules(d, n)
    indicators = (max(1, n // 10)) * 10
    _parser()  # the LALR tables: once per process, outside the timings

    def parse_check():
        with paused():
            return check(load(d))
    checked = parse_check()
    assert not checked.errors, checked.errors[:3]
    row: dict = {"indicators": indicators}
    if "parse" in only:
        row["parse_check_s"] = _best(parse_check, repeat)
        load_checked(d)  # fills the cache
        row["cached_s"] = _best(lambda: load_checked(d), repeat)
    def plan():
        with paused():  # as Engine builds it
            return Plan(checked.rules, checked.facts_type, checked.percents)
    if "plan" in only:
        row["plan_s"] = _best(plan, repeat)
    if front:  # --front: the stages before code generation only
        return row
    engine = Engine(checked)
    if "codegen" in only:
        os.environ["PERFDSL_NO_CACHE"] = "1"  # generating and compiling, as the first run of these rules does
        try:
            row["codegen_s"] = _best(lambda: GeneratedScorer(engine.plan, engine.scorer._title), repeat)
            row["codegen_traced_s"] = _best(lambda: GeneratedScorer(engine.plan, engine.scorer._title, traced=True),
                                            max(1, repeat - 1))
        finally:
            del os.environ["PERFDSL_NO_CACHE"]
        GeneratedScorer(engine.plan, engine.scorer._title, traced=True)  # fills the compiled-code cache
        row["codegen_traced_cached_s"] = _best(
            lambda: GeneratedScorer(engine.plan, engine.scorer._title, traced=True), repeat)
    if "score" not in only:
        return row
    text = facts_text(indicators)
    for _ in range(WARM):  # the generated road, not a fallback; and every generated function quickened
        assert engine.fast_json(text, "f", "f.json", "h") is not None
        assert engine.compact_json(text, "f", "f.json", "h") is not None
    sets = max(3, 20_000 // indicators)
    gc.collect()
    gc.freeze()  # what a batch process does after its first fact set (perfdsl.ruleset.gcpause.settle)
    try:
        row["score_untraced_s"] = _best(lambda: [engine.fast_json(text, "f", "f.json", "h") for _ in range(sets)],
                                        repeat) / sets
        row["score_compact_s"] = _best(lambda: [engine.compact_json(text, "f", "f.json", "h") for _ in range(sets)],
                                       repeat) / sets
    finally:
        gc.unfreeze()  # the next size's rules are built and timed as before
    return row


COLUMNS = (("parse_check_s", "parse+check"), ("cached_s", "from cache"), ("plan_s", "plan"),
           ("codegen_s", "codegen"), ("codegen_traced_s", "codegen traced"),
           ("codegen_traced_cached_s", "codegen traced, code cached"),
           ("score_untraced_s", "score 1 set"), ("score_compact_s", "score 1 set, compact"))


def table(rows: list[dict]) -> str:
    columns = [(key, name) for key, name in COLUMNS if key in rows[0]]
    out = ["| stage | " + " | ".join(f"{r['indicators']:,}" for r in rows) + " | growth per step |",
           "|---|" + "---|" * len(rows) + "---|"]
    for key, name in columns:
        cells = [f"{r[key] * 1000:.3g} ms" if r[key] < 1 else f"{r[key]:.2f} s" for r in rows]
        growth = [f"{b[key] / a[key]:.1f}× for {b['indicators'] / a['indicators']:.0f}×"
                  for a, b in zip(rows, rows[1:], strict=False)]
        out.append(f"| {name} | " + " | ".join(cells) + " | " + ", ".join(growth) + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--front", action="store_true", help="parse + check, the cache and plan lowering only")
    ap.add_argument("--cpu", action="store_true", help="time this process's CPU time instead of the wall clock")
    ap.add_argument("--only", default=",".join(STAGES), help=f"the stages to time, of {','.join(STAGES)}")
    ap.add_argument("--rounds", type=int, default=1,
                    help="time every size this many times in turn and keep each cell's best: the sizes are "
                         "then timed under the same load, not one after the other")
    args = ap.parse_args(argv)
    only = frozenset(args.only.split(","))
    if not only <= set(STAGES):
        ap.error(f"--only: unknown stage {', '.join(sorted(only - set(STAGES)))}")
    global CLOCK
    if args.cpu:
        CLOCK = time.process_time
    with tempfile.TemporaryDirectory() as tmpdir:
        os.environ["PERFDSL_CACHE_DIR"] = str(Path(tmpdir) / "cache")
        rows: list[dict] = []
        for _ in range(args.rounds):
            this = [stages(int(n), Path(tmpdir), args.repeat, args.front, only) for n in args.sizes.split(",")]
            rows = this if not rows else [{k: min(a[k], b[k]) for k in a} for a, b in zip(rows, this, strict=True)]
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
