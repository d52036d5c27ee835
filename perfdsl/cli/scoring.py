"""Scoring for the commands: rules loaded once, each record scored without raising, batches in worker processes.

A record's facts may be wrong in any way; that is a result to write (with its diagnostics), never an exception
that would stop a batch.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal, Optional, Union, cast

from perfdsl.cli.console import report_diagnostics
from perfdsl.cli.inputs import BAD_UTF8, Record, addressed_line, read_text
from perfdsl.diagnostics import Diagnostic, PerfdslError, error
from perfdsl.engine import Engine, sha256_text
from perfdsl.explain.document import failure
from perfdsl.interp.scoring import Result

Trace = Union[bool, Literal["compact"]]  # "compact": the compact form of the trace, when the rules allow it
Document = Union[dict, str]  # the explanation document, or its JSON text for one line of a batch
Scored = tuple[Document, Optional[str], list[Diagnostic], Optional[Result]]


def load_engine(path: str) -> Engine:
    from perfdsl.ruleset.cache import load_checked
    checked = load_checked(path)
    if checked.errors:
        raise PerfdslError(checked.diagnostics, checked.rules.sources)
    return Engine(checked)


def score_record(engine: Engine, rec: Record, trace: Trace, compact: bool = False) -> Scored:
    """(document, grade, diagnostics, Result or None) for one record; never raises for bad facts.

    A line of a batch leaves out the rule texts (指标解释, 评分标准).  With ``compact`` (one JSON
    line per record) the document comes back as its JSON text — written by the compiled rules
    when it can be, and encoded here otherwise, so that worker processes do the encoding.
    """
    where = f"{rec.source}:{rec.line}" if rec.line is not None else rec.source
    doc: dict
    if rec.text == BAD_UTF8:
        diags = [error("F005", f"{where}：这一行不是 UTF-8 编码")]
        doc, grade, errors, result = failure(diags, rec.source, rec.line), None, diags, None
    else:
        sha = sha256_text(rec.text)
        fast_tried = compact and trace in (False, "compact")
        if fast_tried:
            fast = (engine.compact_json if trace else engine.fast_json)(rec.text, where, rec.source, sha, rec.line)
            if fast is not None:
                return fast[0], fast[1], [], None
            fast_tried = not trace  # a traced fact set the compact tracer left: the untraced path was not tried
        trace = bool(trace)
        try:
            doc, errors, result = engine.document_text(rec.text, where, rec.source, sha, trace, texts=rec.texts,
                                                       try_fast=not fast_tried)
            if rec.line is not None:
                doc = {"line": rec.line, **doc}
            grade = doc.get("grade")
        except PerfdslError as exc:
            doc, grade, errors, result = (failure(exc.diagnostics, rec.source, rec.line), None,
                                          list(exc.diagnostics), None)
    if compact:
        return json.dumps(doc, ensure_ascii=False), grade, errors, result
    return doc, grade, errors, result


def score_file(rules: str, facts: str) -> tuple[Engine, dict, list[Diagnostic], Optional[Result]]:
    """(engine, traced document, errors, result) for one facts file (or one line, ``batch.jsonl:37``).

    The result is None if the facts were rejected.
    """
    engine = load_engine(rules)
    record = addressed_line(facts) or Record(read_text(Path(facts)), facts)
    doc, _, diags, result = score_record(engine, record, True)
    if diags:
        report_diagnostics(diags, engine.rules.sources)
    return engine, cast(dict, doc), diags, result  # not compact: the document itself, not its JSON text


_WORKER_ENGINE: Optional[Engine] = None


def _worker_init(engine: Engine) -> None:
    global _WORKER_ENGINE
    _WORKER_ENGINE = engine


def _worker_score(job: tuple[Record, Trace, bool]) -> tuple[Document, Optional[str], list[Diagnostic]]:
    rec, trace, compact = job
    assert _WORKER_ENGINE is not None, "set by _worker_init when the pool starts the worker"
    doc, grade, diags, _ = score_record(_WORKER_ENGINE, rec, trace, compact)
    return doc, grade, diags


def score_records(engine: Engine, records: Iterable[Record], trace: Trace, jobs: int, compact: bool,
                  ) -> Iterator[tuple[Record, Document, Optional[str], list[Diagnostic], Optional[Result]]]:
    """(record, document, grade, diagnostics, result) in input order; with jobs > 1 from worker processes."""
    if jobs <= 1:
        for rec in records:
            yield rec, *score_record(engine, rec, trace, compact)
        return
    import multiprocessing
    with multiprocessing.get_context("spawn").Pool(jobs, _worker_init, (engine,)) as pool:
        pending = ((rec, trace, compact) for rec in records)
        recs: list[Any] = []

        def remember() -> Iterator[tuple[Record, Trace, bool]]:
            for job in pending:
                recs.append(job[0])
                yield job
        for i, (doc, grade, diags) in enumerate(pool.imap(_worker_score, remember(), chunksize=64)):
            yield recs[i], doc, grade, diags, None
            recs[i] = None  # keep memory flat: drop what has been written


def worker_count(asked: int) -> int:
    """Worker processes: at least one, at most one per CPU (each holds its own copy of the rules)."""
    cpus = os.cpu_count() or 1
    if asked > cpus:
        print(f"perfdsl: 只有 {cpus} 个 CPU，-j {asked} 按 {cpus} 个进程运行", file=sys.stderr)
    return max(1, min(asked, cpus))
