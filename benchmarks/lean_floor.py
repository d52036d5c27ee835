"""The floor under a one-fact-set ``perfdsl eval`` that imports neither attrs nor rich (issue #19's 100 ms).

    python -m benchmarks.lean_floor [--runs 15]

Times three whole processes in turn, each ``--runs`` times after a warm-up: ``python -c pass``; a child
that does only what such a road could not avoid (argparse, json, decimal, datetime; read and hash the rule
files; load the seed's traced generated scorer from marshalled bytes, as the code cache keeps it, and run
its module; parse the facts with exact decimals; write the tree's 54 lines); and ``perfdsl eval rules/
facts.json`` as it is.  The child neither scores nor expands steps: those are a few milliseconds of the
batch figures (docs/performance.md), so this is a lower bound, not a prediction.
"""

from __future__ import annotations

import argparse
import os
import sys

# the child runs this module too: only what it needs is imported at the top
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FACTS = "examples/heping-2024/facts.json"


def child(code_file: str, rules: str, facts: str) -> None:
    """What a lean road must do at least; imports limited to the standard library's light modules."""
    import datetime  # noqa: F401 — the generated code's dates
    import hashlib
    import json
    import marshal
    from decimal import Decimal
    parser = argparse.ArgumentParser()
    parser.add_argument("rules")
    parser.add_argument("facts")
    args = parser.parse_args([rules, facts])
    digest = hashlib.sha256()
    for name in sorted(os.listdir(args.rules)):
        with open(os.path.join(args.rules, name), "rb") as f:
            digest.update(f.read())
    with open(code_file, "rb") as f:
        code = marshal.loads(f.read())
    namespace: dict = {}
    try:
        exec(code, namespace)  # noqa: S102 — perfdsl's own generated code, from the setup below
    except NameError:  # the runtime's helpers are not loaded here: defining the functions is what is timed
        pass
    with open(args.facts, encoding="utf-8") as f:
        json.loads(f.read(), parse_float=Decimal)
    sys.stdout.write("".join(f"├── 指标 {i}  {Decimal(i) / 3:.2f} / 3\n" for i in range(54)))


def traced_scorer_code() -> bytes:
    """The seed's traced generated scorer, compiled and marshalled (untimed setup)."""
    import marshal

    import perfdsl
    from perfdsl.codegen import generator
    seen: list = []
    original = generator.compiled

    def keep(text: str, filename: str):
        seen.append((text, filename))
        return original(text, filename)
    generator.compiled = keep  # type: ignore[assignment]
    try:
        perfdsl.load(os.path.join(ROOT, "rules")).compact_tracer()
    finally:
        generator.compiled = original  # type: ignore[assignment]
    text, filename = max(seen, key=lambda s: len(s[0]))
    return marshal.dumps(compile(text, filename, "exec"))


def timed(argv: list[str]) -> float:
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen(argv, cwd=ROOT, env={**env, "PYTHONPATH": ROOT}, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"failed: {argv}")
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return
    import statistics
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        code_file = os.path.join(tmp, "scorer.marshal")
        with open(code_file, "wb") as f:
            f.write(traced_scorer_code())
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "lean floor (no attrs, no rich)": [sys.executable, "-m", "benchmarks.lean_floor", "--child",
                                               code_file, "rules", FACTS],
            "perfdsl eval rules/ facts.json": [sys.executable, "-m", "perfdsl", "eval", "rules", FACTS],
        }
        for cmd in commands.values():
            timed(cmd)  # warm: bytecode and caches
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                cpu[name].append(timed(cmd))
    print(f"load average {os.getloadavg()[0]:.2f}")
    for name, runs in cpu.items():
        print(f"{name:<34} CPU median {statistics.median(runs) * 1000:>5.0f} ms   min {min(runs) * 1000:>5.0f} ms")


if __name__ == "__main__":
    main()
