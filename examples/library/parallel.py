"""Scoring a batch from Python with multiprocessing, using perfdsl as a library.

    python examples/library/parallel.py rules/ examples/batch/facts.jsonl

`perfdsl.load` parses and checks the rules once; the Engine it returns is picklable, so each
worker process gets a copy and scores fact sets without parsing anything again.  The same
pattern works in a Spark `mapPartitions`, a Dask bag `map`, or a Ray task: ship the engine,
call `engine.score(facts, trace=False)`.
"""

from __future__ import annotations

import json
import sys
from multiprocessing import get_context

import perfdsl
from perfdsl.diagnostics import PerfdslError
from perfdsl.ruleset.facts import parse_json

_engine = None


def _init(engine):
    global _engine
    _engine = engine


def score_line(line: str):
    """(total, grade) for one JSON line, or the first error message."""
    try:
        result = _engine.score(parse_json(line, "batch"), trace=False)
    except PerfdslError as exc:
        return None, exc.diagnostics[0].message
    return str(result.root.score), result.grade


def main(rules: str, batch: str, workers: int = 2) -> list:
    engine = perfdsl.load(rules)
    with open(batch, encoding="utf-8") as fh, get_context("spawn").Pool(workers, _init, (engine,)) as pool:
        return list(pool.imap(score_line, fh, chunksize=64))


if __name__ == "__main__":
    for total, grade in main(sys.argv[1], sys.argv[2]):
        print(json.dumps({"total": total, "grade": grade}, ensure_ascii=False))
