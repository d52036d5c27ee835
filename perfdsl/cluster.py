"""Batches past one machine, on Dask: each input file is a partition, scored where it lands.

``perfdsl eval RULES INPUTS… --format json`` writes one JSON line per fact set.  ``score_file`` writes
the same lines for one input file, through the same reader (``cli.inputs``: line numbers, size limits,
encodings, workbooks, perfdsl's own results refused) and the same scorer (``cli.scoring.score_record``:
never raises, a failure is that line's error document).  So the lines of ``bag(...)``, in partition
order, are the command's output byte for byte (``tests/test_cluster.py``).  The engine is shipped to
the workers once, as one object of the task graph; it rebuilds its generated scorer in each process.

    import perfdsl, perfdsl.cluster
    engine = perfdsl.load("rules/")
    lines = perfdsl.cluster.bag(engine, ["2024/a.jsonl", "2024/b.jsonl"]).compute()
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Literal, Union, cast

from perfdsl.engine import Engine

Trace = Union[bool, Literal["compact"]]  # False: --no-trace; "compact": --compact-trace; True: step objects


def inputs(paths: Iterable[Union[str, os.PathLike]]) -> list[tuple[str, bool]]:
    """(file, read as part of a directory) for each input, directories opened as ``perfdsl eval`` opens them."""
    from perfdsl.cli.inputs import FACT_SUFFIXES
    out = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            out += [(str(p), True) for p in sorted(path.iterdir()) if p.suffix.lower() in FACT_SUFFIXES
                    and p.is_file() and not p.name.startswith("~$")]
        else:
            out.append((str(path), False))
    return out


def score_file(engine: Engine, path: str, in_directory: bool = False, trace: Trace = False) -> list[str]:
    """The JSON lines ``perfdsl eval`` writes for the fact sets of one input file, each with its line break."""
    from perfdsl.cli import inputs as reading
    from perfdsl.cli.scoring import score_record
    if trace == "compact" and engine.compact_tracer() is None:
        trace = True  # as the command does: rules the compact tracer does not cover are traced in full
    records = reading._directory_file(Path(path), None) if in_directory else reading._file(Path(path))
    return [f"{cast(str, score_record(engine, rec, trace, compact=True)[0])}\n" for rec in records]  # text: not encoded


def bag(engine: Engine, paths: Iterable[Union[str, os.PathLike]], trace: Trace = False) -> Any:
    """A ``dask.bag`` of the output lines of ``perfdsl eval ENGINE'S-RULES PATHS… --format json``: a partition
    per input file (a ``.jsonl`` batch, a ``.json`` fact set or a workbook; a directory gives its files)."""
    import dask
    import dask.bag

    files = inputs(paths)
    shipped = dask.delayed(engine, pure=True)  # one node of the graph: sent to each worker once
    return dask.bag.from_sequence(files, npartitions=max(1, len(files))).map_partitions(
        _score_partition, shipped, trace)


def _score_partition(files: list[tuple[str, bool]], engine: Engine, trace: Trace) -> list[str]:
    return [line for path, in_directory in files for line in score_file(engine, path, in_directory, trace)]
