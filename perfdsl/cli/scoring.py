"""Scoring for the commands: rules loaded once, each record scored without raising, batches in worker processes.

A record's facts may be wrong in any way; that is a result to write (with its diagnostics), never an exception
that would stop a batch.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Literal, Optional, Union, cast

from perfdsl.cli.console import report_diagnostics
from perfdsl.cli.inputs import Record, addressed_line, is_workbook, read_text
from perfdsl.diagnostics import Diagnostic, PerfdslError, error
from perfdsl.engine import Engine, sha256_text
from perfdsl.explain.document import failure
from perfdsl.interp.scoring import Result
from perfdsl.patterns import lazy
from perfdsl.ruleset.gcpause import settle

if TYPE_CHECKING:
    from perfdsl.ruleset.loader import SourceFile

Trace = Union[bool, Literal["compact"]]  # "compact": the compact form of the trace, when the rules allow it
Document = Union[dict, str, bytes]  # the explanation document, or its JSON text (maybe as UTF-8) for a batch line
Scored = tuple[Document, Optional[str], list[Diagnostic], Optional[Result]]


def load_engine(path: str) -> Engine:
    from perfdsl.ruleset.cache import load_checked
    checked = load_checked(path)
    if checked.errors:
        raise PerfdslError(checked.diagnostics, checked.rules.sources)
    return Engine(checked)


def score_record(engine: Engine, rec: Record, trace: Trace, compact: bool = False, encoded: bool = False) -> Scored:
    """(document, grade, diagnostics, Result or None) for one record; never raises, whatever the record holds.

    Bad facts give their diagnostics; anything else that goes wrong while scoring or encoding this record
    (a bug in perfdsl, MemoryError, RecursionError…) gives an internal error[X000] for this record alone.
    A line of a batch leaves out the rule texts (指标解释, 评分标准).  With ``compact`` (one JSON
    line per record) the document comes back as its JSON text — written by the compiled rules
    when it can be, and encoded here otherwise, so that worker processes do the encoding.  ``encoded``: the
    compiled rules' text may come as UTF-8 bytes (``Engine.compact_json``), for a writer that takes both.
    """
    try:
        return _score_record(engine, rec, trace, compact, encoded)
    except Exception as exc:  # noqa: BLE001 — isolation: one record's failure is that record's result
        return internal_failure(rec, exc, compact)


def internal_failure(rec: Record, exc: BaseException, compact: bool = False) -> Scored:
    """The error document of a record whose scoring failed inside perfdsl: X000, the exception named."""
    diags = [internal_diagnostic(rec.where, exc)]
    doc = failure(diags, rec.source, rec.line)
    return (json.dumps(doc, ensure_ascii=False) if compact else doc), None, diags, None


def internal_diagnostic(where: str, exc: BaseException) -> Diagnostic:
    try:
        detail = str(exc)
    except Exception:  # noqa: BLE001 — an exception whose message cannot be made
        detail = ""
    detail = one_line(detail[:300] + ("…" if len(detail) > 300 else ""))
    return error("X000", f"{where}：内部错误（perfdsl 的缺陷，不是事实的问题）：{type(exc).__name__}"
                         + (f": {detail}" if detail else "")
                         + "。这一套事实没有评分，其余各套不受影响；请附上这一行与规则报告此问题")


_control = lazy("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # control characters and line separators


def one_line(text: str) -> str:
    """Text that stays on one line and moves no cursor: control characters (line breaks, ESC…) as escapes."""
    return _control().sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                          else f"\\u{ord(m.group()):04x}", text)


def _score_record(engine: Engine, rec: Record, trace: Trace, compact: bool, encoded: bool) -> Scored:
    doc: dict
    sha = None
    if rec.workbook and rec.problem is None:
        sha = _read_workbook(engine, rec)
    if rec.problem is not None:  # found while reading: not UTF-8, too long, a lone surrogate, a result
        diags = _in_facts_file(rec, [rec.problem, *rec.more])
        doc, grade, errors, result = failure(diags, rec.source, rec.line), None, diags, None
    else:
        where = rec.where
        sha = sha or rec.sha256 or sha256_text(rec.text)
        fast_tried = compact and trace in (False, "compact")
        if fast_tried:
            fast = (engine.compact_json if trace else engine.fast_json)(rec.text, where, rec.source, sha, rec.line,
                                                                        encoded=encoded)
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
            if result is not None and result.warnings and "warnings" in doc:  # F020: an unknown key, in the file
                doc["warnings"] = [d.to_json() for d in _in_facts_file(rec, result.warnings)]
        except PerfdslError as exc:
            errors = _in_facts_file(rec, exc.diagnostics)
            doc, grade, result = failure(errors, rec.source, rec.line), None, None
    if compact:
        return json.dumps(doc, ensure_ascii=False), grade, errors, result
    return doc, grade, errors, result


def _in_facts_file(rec: Record, diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Facts errors placed on the value in the facts file (or the line of the batch), the declaration a note.

    A workbook's facts are JSON made from its cells: its own errors name the cells (sheet!cell) already.
    """
    if rec.workbook or not rec.text:
        return list(diags)
    from perfdsl.ruleset.facts_places import relocate
    return relocate(diags, rec.text, rec.where, rec.source, rec.line or 1)


def facts_sources(engine: Engine, rec: Record) -> dict[str, SourceFile]:
    """The rule files and the record's facts text: what excerpts of its diagnostics are taken from."""
    sources: dict[str, SourceFile] = dict(engine.rules.sources)
    if rec.text and not rec.workbook:
        from perfdsl.ruleset.facts_places import facts_source
        sources[rec.source] = facts_source(rec.text, rec.source, rec.line or 1)
    return sources


def _read_workbook(engine: Engine, rec: Record) -> Optional[str]:
    """Read a 基础数据表 into the record's text (the facts as JSON); its problems become the record's.

    Returns the workbook file's sha256 (the document names the file read, not the JSON made from it).
    """
    from perfdsl.workbook.read import read_workbook
    got = read_workbook(engine.checked, Path(rec.source))
    if got.warnings:
        report_diagnostics(got.warnings, engine.rules.sources)
    if got.errors:
        rec.problem = got.errors[0]
        rec.more = tuple(got.errors[1:])
        return None
    rec.text = got.text
    return got.sha256


def single_record(facts: str) -> Record:
    """The record of one fact set named on the command line: a line of a batch, a workbook or a .json file."""
    picked = addressed_line(facts)
    if picked is not None:
        return picked
    path = Path(facts)
    if is_workbook(path) and path.is_file():
        return Record("", facts, workbook=True)
    return Record(read_text(path), facts)


def score_file(rules: str, facts: str,
               improve: bool = False) -> tuple[Engine, dict, list[Diagnostic], Optional[Result]]:
    """(engine, traced document, errors, result) for one facts file (or one line, ``batch.jsonl:37``).

    The result is None if the facts were rejected.  ``improve``: each indicator below full marks gets its
    失分原因与提升空间 (``explain/improve.py``), checked by scoring changed facts again.
    """
    engine = load_engine(rules)
    record = single_record(facts)
    doc, _, diags, result = score_record(engine, record, True)
    if diags:
        report_diagnostics(diags, facts_sources(engine, record))
    if improve and result is not None and isinstance(doc, dict):
        from perfdsl.explain.improve import annotate
        from perfdsl.ruleset.facts import parse_json
        annotate(engine, cast(dict, parse_json(record.text, record.where)), doc)
    return engine, cast(dict, doc), diags, result  # not compact: the document itself, not its JSON text


def score_records(engine: Engine, records: Iterable[Record], trace: Trace, jobs: int, compact: bool,
                  encoded: bool = False,
                  ) -> Iterator[tuple[Record, Document, Optional[str], list[Diagnostic], Optional[Result]]]:
    """(record, document, grade, diagnostics, result) in input order; with jobs > 1 from worker processes.

    Exactly one result per record: a worker pickles each result itself, so a result that cannot be sent back
    becomes that record's internal error, never the failure of a whole chunk; a worker that dies is replaced
    and what it held scored again (``cli.workers``).  An error reading the input stops the batch.  ``encoded``:
    see ``score_record`` (one process only: the workers send text).
    """
    if jobs <= 1:
        for n, rec in enumerate(records):
            if n == 1:  # the first fact set built the scorers: no full collection walks them again (ruleset.gcpause)
                settle()
            yield rec, *score_record(engine, rec, trace, compact, encoded)
        return
    from perfdsl.cli.workers import score_in_workers
    yield from score_in_workers(engine, records, trace, jobs, compact)


def worker_count(asked: int) -> int:
    """Worker processes: at least one, at most one per CPU (each holds its own copy of the rules)."""
    cpus = os.cpu_count() or 1
    if asked > cpus:
        print(f"perfdsl: 只有 {cpus} 个 CPU，-j {asked} 按 {cpus} 个进程运行", file=sys.stderr)
    return max(1, min(asked, cpus))
