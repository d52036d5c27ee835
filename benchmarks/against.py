"""Interleaved A/B timing of one batch command in this tree and in another revision.

    python -m benchmarks.against --against dd5fba5          # full traces, 10,000 fact sets, 5 rounds
    python -m benchmarks.against --against dd5fba5 --mode compact  # or: untraced

`benchmarks.run --against` times the other tree's rows minutes after this tree's, so load that
changes during a run (a shared machine) falls on one side. Here the two trees alternate, run for
run, and each run's CPU time (user + system of the child) is recorded beside its wall clock: CPU
time is what the code costs, wall clock also counts what the neighbours cost.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.run import ROOT, write_batch

MODES = {"full": [], "compact": ["--compact-trace"], "untraced": ["--no-trace"]}


def _run(tree: Path, batch: Path, out: Path, flags: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "perfdsl", "eval", str(tree / "rules"), str(batch), "--format", "json",
                    *flags, "-o", str(out)], cwd=tree, env=env, check=True, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", required=True, metavar="REV")
    ap.add_argument("--mode", choices=MODES, default="full")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        batch = tmp / "batch.jsonl"
        write_batch(batch, args.n)
        other = tmp / "against"
        subprocess.run(["git", "worktree", "add", "--detach", str(other), args.against], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            trees = {"this tree": ROOT, args.against: other}
            envs = {name: dict(os.environ, PERFDSL_CACHE_DIR=str(tmp / f"cache{i}"), PYTHONPATH=str(tree))
                    for i, (name, tree) in enumerate(trees.items())}
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
            for name, tree in trees.items():  # warm the rule caches, outside the timings
                _run(tree, batch, tmp / "warm.jsonl", MODES[args.mode], envs[name])
            for r in range(args.rounds):
                order = list(trees.items()) if r % 2 == 0 else list(trees.items())[::-1]
                for name, tree in order:
                    out = tmp / f"{'a' if tree == ROOT else 'b'}{len(times[name])}.jsonl"
                    times[name].append(_run(tree, batch, out, MODES[args.mode], envs[name]))
            same = (tmp / "a0.jsonl").read_bytes() == (tmp / "b0.jsonl").read_bytes()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"{args.mode} traces, {args.n} fact sets, {args.rounds} interleaved rounds")
    for name, rows in times.items():
        walls, cpus = [w for w, _ in rows], [c for _, c in rows]
        print(f"  {name:<12} wall median {statistics.median(walls):7.2f} s (min {min(walls):.2f})   "
              f"cpu median {statistics.median(cpus):7.2f} s (min {min(cpus):.2f})")
    a, b = times["this tree"], times[args.against]
    wall = statistics.median(w for w, _ in a) / statistics.median(w for w, _ in b)
    cpu = statistics.median(c for _, c in a) / statistics.median(c for _, c in b)
    print(f"  ratio this/{args.against}: wall {wall:.3f}   cpu {cpu:.3f}")
    print(f"  round-0 outputs byte-identical: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
