"""What 失分原因与提升空间 costs a report: the traced document with and without it, as a ratio.

    python -m benchmarks.improve             # the seed facts, then every line of examples/batch/facts.jsonl

Each lever is confirmed by scoring the changed facts again, so the cost grows with the number of
indicators below full marks; ``perfdsl report`` and ``perfdsl explain`` pay it, batches do not.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

from perfdsl.engine import Engine
from perfdsl.explain.document import explain
from perfdsl.explain.improve import annotate
from perfdsl.ruleset.facts import parse_json

ROOT = Path(__file__).resolve().parent.parent


def _per_document(engine: Engine, fact_sets: list, improve: bool, repeat: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            for facts in fact_sets:
                doc = explain(engine.score(copy.deepcopy(facts)))
                if improve:
                    annotate(engine, facts, doc)
        best = min(best, (time.perf_counter() - start) / (repeat * len(fact_sets)))
    return best


def main() -> None:
    engine = Engine.from_path(ROOT / "rules")
    seed = [parse_json((ROOT / "examples/heping-2024/facts.json").read_text(encoding="utf-8"), "seed")]
    batch = [parse_json(line, "batch") for line in (ROOT / "examples/batch/facts.jsonl").read_text(encoding="utf-8")
             .splitlines()[:40]]
    for name, sets, repeat in (("seed (4 indicators below full marks)", seed, 20),
                               ("batch, 40 fact sets (about 20 below full marks each)", batch, 1)):
        plain = _per_document(engine, sets, False, repeat)
        improved = _per_document(engine, sets, True, repeat)
        print(f"{name}: traced document {plain * 1000:.1f} ms, with 提升空间 {improved * 1000:.1f} ms, "
              f"ratio {improved / plain:.1f}")


if __name__ == "__main__":
    main()
