"""What a person waits for: whole ``perfdsl`` processes, each run ``--runs`` times after one warm-up run.

    python -m benchmarks.latency [--runs 10]

Prints the median wall time and the median CPU time (user + system, from ``wait4``) of each command.
On a shared machine the CPU time is the steadier of the two; nothing is subtracted from either.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "perfdsl --help": ["--help"],
    "perfdsl eval rules/ facts.json": ["eval", "rules", "examples/heping-2024/facts.json"],
    "perfdsl check rules/": ["check", "rules"],
}


def run_once(argv: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "perfdsl", *argv], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    print(f"{'command':<36} {'wall median':>12} {'CPU median':>11} {'CPU min':>8}")
    for name, cmd in COMMANDS.items():
        run_once(cmd)  # warm: the compiled-rule cache and Lark's tables
        walls, cpus = zip(*(run_once(cmd) for _ in range(args.runs)), strict=True)
        print(f"{name:<36} {statistics.median(walls) * 1000:>9.0f} ms {statistics.median(cpus) * 1000:>8.0f} ms "
              f"{min(cpus) * 1000:>5.0f} ms")


if __name__ == "__main__":
    main()
