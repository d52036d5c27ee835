"""Full, compact or untraced batches of this tree and of another revision, timed alternately (``benchmarks.ab``).

    python -m benchmarks.against --against dd5fba5                 # full traces, 10,000 fact sets, 5 rounds
    python -m benchmarks.against --against dd5fba5 --mode compact  # or: untraced

``benchmarks.run --against`` times the other tree's rows minutes after this tree's, so load that changes
during a run falls on one side; here the two trees take turns, round after round, and CPU time is compared.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.ab import interleaved
from benchmarks.run import ROOT, write_batch

MODES = {"full": [], "compact": ["--compact-trace"], "untraced": ["--no-trace"]}


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
            # each tree from its own directory (python -m puts the working directory first on the path)
            commands = {name: ["env", "-C", str(tree), f"PYTHONPATH={tree}", f"PERFDSL_CACHE_DIR={tmp / name}",
                               sys.executable, "-m", "perfdsl", "eval", "rules", str(batch), "--format", "json",
                               *MODES[args.mode], "-o", str(tmp / f"{name}.jsonl")]
                        for name, tree in (("this tree", ROOT), (args.against, other))}
            interleaved(commands, 1, env=dict(os.environ))  # warms each tree's rule cache, untimed
            got = interleaved(commands, args.rounds, env=dict(os.environ))
            same = (tmp / "this tree.jsonl").read_bytes() == (tmp / f"{args.against}.jsonl").read_bytes()
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT, check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(f"{args.mode} traces, {args.n} fact sets, {args.rounds} interleaved rounds")
    for name, (cpu, wall, runs) in got.items():
        print(f"  {name:<12} CPU median {cpu:7.2f} s (min {min(runs):.2f})   wall median {wall:7.2f} s")
    print(f"  ratio this/{args.against}: CPU {got['this tree'][0] / got[args.against][0]:.3f}")
    print(f"  outputs byte-identical: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
