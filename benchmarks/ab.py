"""Whole processes timed side by side: interleaved rounds, medians, CPU time beside wall time.

    python -m benchmarks.ab 5 hand="python -m benchmarks.handwritten b.jsonl" ours="python -m perfdsl eval …"

On a shared machine the wall clock of one run says more about the neighbours than about the
program.  Running the commands in turn, round after round, exposes each to the same load;
the CPU time a child used (``RUSAGE_CHILDREN``: user + system) moves much less than its wall
time.  The first command is the baseline of the printed ratios.
"""

from __future__ import annotations

import resource
import shlex
import statistics
import subprocess
import sys
import time
from typing import Optional


def interleaved(commands: dict, rounds: int, cwd=None, env: Optional[dict] = None,
                stdout: Optional[dict] = None) -> dict:
    """{name: (median CPU seconds, median wall seconds, [CPU seconds per round])} for each command (an argv list).

    ``stdout``: name → path to write that command's standard output to (else it is discarded).
    """
    cpu: dict = {name: [] for name in commands}
    wall: dict = {name: [] for name in commands}
    for _ in range(rounds):
        for name, argv in commands.items():
            target = (stdout or {}).get(name)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            with open(target, "wb") if target else open("/dev/null", "wb") as out:
                subprocess.run(argv, check=True, stdout=out, stderr=subprocess.DEVNULL, cwd=cwd, env=env)
            wall[name].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name]), cpu[name]) for name in commands}


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or not args[0].isdigit():
        print(__doc__)
        return 2
    commands = dict(a.split("=", 1) for a in args[1:])
    got = interleaved({name: shlex.split(cmd) for name, cmd in commands.items()}, int(args[0]))
    base = next(iter(got.values()))[0]
    for name, (cpu, wall, runs) in got.items():
        print(f"{name:<14} CPU {cpu:7.2f} s  ratio {cpu / base:.2f}×   wall {wall:7.2f} s   "
              f"(CPU per round: {', '.join(f'{r:.2f}' for r in runs)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
