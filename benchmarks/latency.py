"""What a person waits for: whole ``perfdsl`` processes, each run ``--runs`` times after one warm-up run.

    python -m benchmarks.latency [--runs 10] [--against DIR] [--instructions] [--only help|eval|check]

Prints the median wall time, the median CPU time (user + system, from ``wait4``) and the least CPU time of
each command.  On a shared machine the CPU time is the steadier of the two; nothing is subtracted from either.
Each tree runs from its own directory (``python -m`` puts the working directory first on ``sys.path``) with
bytecode written, as an installed perfdsl has it: ``PYTHONDONTWRITEBYTECODE`` is dropped for the children, and
the untimed warm-up run writes the bytecode, the compiled-rule cache and Lark's tables.  With ``--against DIR``
(another checkout of perfdsl) the two trees take turns, run for run, so both see the same minutes of load.
``--instructions`` counts instead of timing: each command once per tree under ``valgrind --tool=callgrind``
(``PYTHONHASHSEED=0``, so string hashing is the same in every run), which neighbours on a shared machine do not
move; ``python -c pass`` is counted too, as the floor.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "perfdsl --help": ["--help"],
    "perfdsl eval rules/ facts.json": ["eval", "rules", "examples/heping-2024/facts.json"],
    "perfdsl check rules/": ["check", "rules"],
}


def _env(tree: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def instructions(argv: list[str], tree: Path = ROOT) -> int:
    """Instructions of one whole process (``argv`` after ``python``), as callgrind counts them."""
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, *argv],
                         cwd=tree, env={**_env(tree), "PYTHONHASHSEED": "0"}, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr
    found = re.search(r"Collected : ([0-9]+)", out)
    if found is None:
        raise SystemExit(f"valgrind did not count: {out[-500:]}")
    return int(found.group(1))


def count(trees: dict[str, Path]) -> None:
    print(f"{'command':<32} " + " ".join(f"{label[-22:]:>22}" for label in trees))
    for name, argv in {"python -c pass": ["-c", "pass"],
                       **{n: ["-m", "perfdsl", *cmd] for n, cmd in COMMANDS.items()}}.items():
        if argv[0] == "-m":
            for tree in trees.values():
                run_once(argv[2:], tree)  # warm: bytecode and caches
        print(f"{name:<32} " + " ".join(f"{instructions(argv, tree) / 1e6:>20.1f} M" for tree in trees.values()))


def run_once(argv: list[str], tree: Path = ROOT) -> tuple[float, float]:
    env = _env(tree)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "perfdsl", *argv], cwd=tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--against", type=Path, help="another perfdsl checkout, timed in turn with this one")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of timing")
    parser.add_argument("--only", action="append", choices=("help", "eval", "check"),
                        help="time only this command (may be given again)")
    args = parser.parse_args(argv)
    if args.only:
        for name in list(COMMANDS):
            if not any(word in name for word in args.only):
                del COMMANDS[name]
    trees = {"this tree": ROOT} | ({f"{args.against}": args.against.resolve()} if args.against else {})
    if args.instructions:
        count(trees)
        return
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    print(f"{'command':<32} {'tree':<22} {'wall median':>12} {'CPU median':>11} {'CPU min':>8}")
    for name, cmd in COMMANDS.items():
        for tree in trees.values():
            run_once(cmd, tree)  # warm: bytecode, the compiled-rule cache and Lark's tables
        times: dict[str, list[tuple[float, float]]] = {label: [] for label in trees}
        for _ in range(args.runs):
            for label, tree in trees.items():
                times[label].append(run_once(cmd, tree))
        for label, runs in times.items():
            walls, cpus = zip(*runs, strict=True)
            print(f"{name:<32} {label[-22:]:<22} {statistics.median(walls) * 1000:>9.0f} ms "
                  f"{statistics.median(cpus) * 1000:>8.0f} ms {min(cpus) * 1000:>5.0f} ms")
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


if __name__ == "__main__":
    main()
