"""``perfdsl check`` of one 区间 of 12,000 arms in a fresh process (issue 14: "in under a second").

    python -m benchmarks.arms [--arms 12000] [--runs 3] [--against DIR]

Each run writes a new comment on the rule file's first line, so the compiled-rule cache misses and
the run parses and checks everything, as the first check after an edit does; Lark's tables stay warm,
and so does perfdsl's bytecode (written by a first, untimed run even where ``PYTHONDONTWRITEBYTECODE``
is set: an installed perfdsl has its bytecode, and compiling 60 modules from source costs ~0.15 s).
With ``--against DIR`` (another checkout of perfdsl) the two trees take turns, run for run. Prints
each run's wall time and CPU time (user + system of the process, from ``wait4``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rules_text(n: int, run: int) -> str:
    arms = "\n".join(f"    [{i}, {i + 1}) → 1" for i in range(n))
    return (f"# run {run} {time.time_ns()}\n事实 {{ x: 数值 ≥ 0 }}\n指标 甲 分值 1 {{\n  得分 = 区间 x {{\n{arms}\n"
            f"    [5, 7] → 0\n    ≥ {n} → 0\n  }}\n}}\n")


def check_once(tree: Path, rules: Path) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode written by the first run and read by the rest, as installed
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "perfdsl", "check", str(rules)], cwd=tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arms", type=int, default=12_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--against", type=Path, help="another perfdsl checkout, timed in turn with this one")
    args = ap.parse_args(argv)
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "arms"
        rules.mkdir()
        for tree in trees:  # Lark's tables for each tree's grammar and its bytecode, outside the timings
            (rules / "r.perf").write_text(rules_text(10, -1), encoding="utf-8")
            check_once(tree, rules)
        for run in range(args.runs):
            for tree in trees:
                (rules / "r.perf").write_text(rules_text(args.arms, run), encoding="utf-8")
                wall, cpu = check_once(tree, rules)
                print(f"{tree}: {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
