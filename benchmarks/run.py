"""Benchmarks: perfdsl against a hand-written scorer, in one run, printing ratios.

    python -m benchmarks.run                 # 10,000 fact sets, 100,000 for memory, 100/1,000/10,000 indicators
    python -m benchmarks.run --quick         # smaller sizes, for a smoke run
    python -m benchmarks.run --against main~5   # also time that revision's batches, in the same run

Whole processes are timed (start-up included): the hand-written scorer and perfdsl's
batches run in turn, ``--rounds`` times, and each gets its median CPU time (user + system,
steadier than the wall clock on a shared machine; ``benchmarks/ab.py``) and median wall time.
The ratios are of CPU times from the same run.  The outputs are compared: perfdsl and
the hand-written scorer must agree on every score of every fact set, and the compiled engine
must agree with the interpreter.  Figures go to docs/performance.md by hand, with this command.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


def _timed(cmd, stdout=None, env=None, cwd=ROOT) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       cwd=cwd)
        best = min(best, time.perf_counter() - start)
    return best


def _peak_rss_mb(args, env) -> float:
    """Peak resident memory of a fresh process running perfdsl.

    Linux's VmHWM belongs to the process image, so it starts from zero at exec; ru_maxrss would
    include whatever the (forked) harness held at that moment.
    """
    code = ("import resource, sys; from perfdsl.cli import main; rc = main(sys.argv[1:]); "
            "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')] "
            "if sys.platform == 'linux' else []; "
            "print(int(hwm[0]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=ROOT)
    return int(proc.stderr.strip().splitlines()[-1]) / 1024


def _scores(doc) -> dict:
    out = {}

    def walk(node, path):
        out[path] = node.get("score")
        for c in node.get("children", []):
            walk(c, path + (c["name"],))
    walk(doc, ())
    out["grade"] = doc.get("grade")
    return out


def compare(perfdsl_out: Path, hand_out: Path) -> tuple[int, int]:
    agree = differ = 0
    with open(perfdsl_out, encoding="utf-8") as a, open(hand_out, encoding="utf-8") as b:
        for line_a, line_b in zip(a, b, strict=True):
            da, db = json.loads(line_a), json.loads(line_b)
            sa, sb = _scores(da), _scores(db)
            same = sa.keys() == sb.keys() and all(
                (sa[k] == sb[k]) if k == "grade" else (Decimal(sa[k]) == Decimal(sb[k])) for k in sa)
            agree += same
            differ += not same
    return agree, differ


def _dumps_ms(traced_out: Path, sample: int = 1000) -> tuple[float, float]:
    """(ms per line for ``json.dumps`` of a traced document with sentences, KB per line).

    The floor under any engine that writes the interpreter's step objects: why traced batches
    write compact steps.
    """
    with open(traced_out, "rb") as fh:
        raw = [line for _, line in zip(range(sample), fh, strict=False)]
    docs = [json.loads(line) for line in raw]
    gc.collect()
    gc.disable()  # time the encoding, not collections of the thousand documents held here
    try:
        start = time.perf_counter()
        for d in docs:
            json.dumps(d, ensure_ascii=False)
        return (time.perf_counter() - start) / len(docs) * 1000, sum(map(len, raw)) / len(raw) / 1000
    finally:
        gc.enable()


def _same_lines(a: Path, b: Path) -> tuple[int, int]:
    same = total = 0
    with open(a, "rb") as fa, open(b, "rb") as fb:
        for la, lb in itertools.zip_longest(fa, fb):
            total += 1
            same += la == lb
    return same, total


def _kb_per_line(path: Path) -> float:
    with open(path, "rb") as fh:
        count = sum(1 for _ in fh)
    return path.stat().st_size / max(count, 1) / 1000


def write_batch(path: Path, n: int) -> None:
    from benchmarks.generate import lines
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines(n):
            fh.write(line + "\n")


def generated_rules(directory: Path, indicators: int) -> str:
    """A rule set of the given size: groups of ten proportional indicators over their own rates."""
    directory.mkdir(parents=True, exist_ok=True)
    facts = ["事实 {"]
    body = []
    per_group = 10
    groups = max(1, indicators // per_group)
    for g in range(groups):
        body.append(f"一级指标 组{g} {{")
        for i in range(per_group):
            n = g * per_group + i
            facts.append(f"  率{n}: 比率 ≥ 0")
            body.append(f"  二级指标 指标{n} 分值 1 {{")
            body.append('    标准 "完成率 ≥ 100% 得满分，60% 至 100% 按比例，低于 60% 不得分"')
            body.append(f"    得分 = 按比例(率{n}, 1, 60%)")
            body.append("  }")
        body.append("}")
    facts.append("}")
    head = f'体系 生成 {{ 总分 {groups * per_group} 舍入 2 位 四舍五入 }}\n'
    text = head + "\n".join(facts) + "\n" + "\n".join(body) + "\n"
    (directory / "rules.perf").write_text(text, encoding="utf-8")
    return text


def scaling(sizes, tmp: Path) -> list[dict]:
    from perfdsl.ruleset.cache import load_checked
    from perfdsl.ruleset.check import check
    from perfdsl.ruleset.loader import load
    from perfdsl.syntax.parser import _parser
    rows = []
    os.environ["PERFDSL_CACHE_DIR"] = str(tmp / "cache")
    for n in sizes:
        d = tmp / f"rules{n}"
        text = generated_rules(d, n)
        _parser()  # build the LALR tables once, outside the timings
        t = time.perf_counter()
        _parser().parse(text)
        bare = time.perf_counter() - t
        t = time.perf_counter()
        checked = check(load(d))
        cold = time.perf_counter() - t
        assert not checked.errors, checked.errors[:3]
        load_checked(d)  # fills the cache
        t = time.perf_counter()
        load_checked(d)
        cached = time.perf_counter() - t
        rows.append({"indicators": n, "lark_parse_s": bare, "parse_check_s": cold, "cached_s": cached})
    return rows


def _against(rev: str, batch: Path, tmp: Path, env: dict, hand: float, ours: dict, rounds: int) -> None:
    """Time another revision's batches on the same input, beside this tree's: before and after a change."""
    tree = tmp / "against"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        other_env = dict(env, PERFDSL_CACHE_DIR=str(tmp / "cache-against"))
        cmd = [sys.executable, "-m", "perfdsl", "eval", str(tree / "rules"), str(batch), "--format", "json"]
        subprocess.run(cmd + ["--no-trace", "-o", str(tmp / "a.jsonl")], cwd=tree, env=other_env, check=True,
                       stderr=subprocess.DEVNULL)
        from benchmarks.ab import interleaved
        got = interleaved({"no traces": cmd + ["--no-trace", "-o", str(tmp / "a.jsonl")],
                           "compact traces": cmd + ["--compact-trace", "-o", str(tmp / "a.jsonl")],
                           "full traces": cmd + ["-o", str(tmp / "a.jsonl")]}, rounds, cwd=tree, env=other_env)
        theirs = {what: v[0] for what, v in got.items()}  # CPU seconds, as ``hand`` and ``ours``
        print(f"the same batches at {rev} (same run, same input):")
        for what, seconds in theirs.items():
            print(f"  {what:<16} {seconds:7.2f} s   ratio {seconds / hand:.2f}×   "
                  f"(this tree: {ours[what] / hand:.2f}×)")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--memory", type=int, default=100_000)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the batch timings (medians)")
    ap.add_argument("--against", metavar="REV", help="also time the batches of this git revision (before/after)")
    args = ap.parse_args(argv)
    if args.quick:
        args.n, args.memory, args.sizes = 1000, 5000, "100,1000"
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        env = dict(os.environ, PERFDSL_CACHE_DIR=str(tmp / "cache"))
        batch = tmp / "batch.jsonl"
        write_batch(batch, args.n)
        hand_out, fast_out, traced_out = tmp / "hand.jsonl", tmp / "fast.jsonl", tmp / "traced.jsonl"
        compact_out, expanded_out = tmp / "compact.jsonl", tmp / "expanded.jsonl"
        perfdsl = [sys.executable, "-m", "perfdsl", "eval", str(RULES), str(batch), "--format", "json"]
        subprocess.run(perfdsl + ["--no-trace", "-o", str(fast_out)], cwd=ROOT, env=env, check=True,
                       stderr=subprocess.DEVNULL)  # warms the compiled-rule cache, as a second run would find it
        from benchmarks.ab import interleaved
        runs = interleaved({"hand": [sys.executable, "-m", "benchmarks.handwritten", str(batch)],
                            "fast": perfdsl + ["--no-trace", "-o", str(fast_out)],
                            "compact": perfdsl + ["--compact-trace", "-o", str(compact_out)],
                            "traced": perfdsl + ["-o", str(traced_out)]},
                           args.rounds, cwd=ROOT, env=env, stdout={"hand": str(hand_out)})
        hand, fast, compact, traced = (runs[k][0] for k in ("hand", "fast", "compact", "traced"))
        print(f"CPU seconds, median of {args.rounds} interleaved rounds (wall: "
              + ", ".join(f"{k} {v[1]:.2f} s" for k, v in runs.items()) + ")")
        compact_j2 = _timed(perfdsl + ["--compact-trace", "-o", str(tmp / "compact-j2.jsonl"), "-j", "2"], env=env)
        expand = _timed([sys.executable, "-m", "perfdsl", "expand", str(RULES), str(compact_out),
                         "-o", str(expanded_out)], env=env)
        agree, differ = compare(fast_out, hand_out)
        agree_traced, differ_traced = compare(traced_out, fast_out)
        lines_same, lines_total = _same_lines(expanded_out, traced_out)
        print(f"fact sets: {args.n:,} (python -m benchmarks.generate)")
        print(f"hand-written scorer        {hand:7.2f} s")
        print(f"perfdsl, no traces         {fast:7.2f} s   ratio {fast / hand:.2f}×  (target < 1.0×)")
        print("perfdsl, full traces, compact steps (--compact-trace)")
        print(f"                           {compact:7.2f} s   ratio {compact / hand:.2f}×  (target ≤ 1.5×)"
              f"   {_kb_per_line(compact_out):.0f} KB per line")
        print(f"  the same, -j 2           {compact_j2:7.2f} s wall, best of 3")
        print("perfdsl, full traces, step objects with sentences (no flag; the interpreter)")
        print(f"                           {traced:7.2f} s   ratio {traced / hand:.2f}×"
              f"   {_kb_per_line(traced_out):.0f} KB per line")
        dumps_ms, _ = _dumps_ms(traced_out)
        print(f"  of which json.dumps of such a line alone: {dumps_ms:.3f} ms per fact set, "
              f"= {dumps_ms * args.n / 1000 / hand:.2f}× the hand-written scorer's whole run")
        print(f"perfdsl expand of the compact lines: {expand:.2f} s; identical to the lines with sentences: "
              f"{lines_same:,} of {lines_total:,}")
        if args.against:
            _against(args.against, batch, tmp, env, hand, {"no traces": fast, "compact traces": compact,
                                                          "full traces": traced}, args.rounds)
        print(f"scores agree with hand-written: {agree:,} of {agree + differ:,}")
        print(f"compiled (no traces) agrees with the tracing interpreter: {agree_traced:,} of "
              f"{agree_traced + differ_traced:,}")

        big = tmp / "big.jsonl"
        write_batch(big, args.memory)
        small_rss = _peak_rss_mb(["eval", str(RULES), str(batch), "--format", "json", "--no-trace", "-o",
                                  str(tmp / "o1.jsonl")], env)
        big_rss = _peak_rss_mb(["eval", str(RULES), str(big), "--format", "json", "--no-trace", "-o",
                                str(tmp / "o2.jsonl")], env)
        print(f"peak memory: {small_rss:.0f} MB for {args.n:,} fact sets, {big_rss:.0f} MB for {args.memory:,} "
              f"(target: flat, under 200 MB)")
        big_traced_rss = _peak_rss_mb(["eval", str(RULES), str(big), "--format", "json", "--compact-trace", "-o",
                                       str(tmp / "o3.jsonl")], env)
        print(f"peak memory with compact traces: {big_traced_rss:.0f} MB for {args.memory:,} fact sets")

        print("rule sets: indicators | Lark bare parse | parse+check cold | ratio | from cache")
        for row in scaling([int(x) for x in args.sizes.split(",")], tmp):
            print(f"  {row['indicators']:>6,} | {row['lark_parse_s']:7.3f} s | {row['parse_check_s']:7.3f} s | "
                  f"{row['parse_check_s'] / row['lark_parse_s']:.2f}× | {row['cached_s']:.3f} s")
        from benchmarks.scaling import stages, table
        print("each stage by rule-set size (python -m benchmarks.scaling; best of 2):")
        print(table([stages(int(x), tmp, 2) for x in args.sizes.split(",")]))
    return 0 if differ == 0 and differ_traced == 0 and lines_same == lines_total else 1


if __name__ == "__main__":
    sys.exit(main())
