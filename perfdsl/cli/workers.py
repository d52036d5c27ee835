"""A batch in worker processes that may die: killed by the kernel's OOM killer, by a person, by a crash.

``multiprocessing.Pool`` replaces a dead worker but loses the task it held, so a batch waited for ever.
``concurrent.futures.ProcessPoolExecutor`` notices (``BrokenProcessPool``), and then this module:

1. rebuilds the pool and scores the records that were in flight again, one at a time, in input order;
2. a record whose scoring kills a worker again on its own gets an internal error (X000) naming its line,
   the pool is rebuilt, and the batch carries on;
3. a rebuilt pool is first given an empty task: should that die too, no worker can run at all, and the rest
   of the batch is scored in this process.

A death that does not recur (a worker killed from outside) costs time only: every record is still scored.
Exactly one result per record, in input order, whatever dies.  A chunk that fails otherwise (it could not be sent
to a worker, or the worker raised outside a record's own isolation) is scored again one record at a time too, and
a record that fails again by itself is its line's X000 naming the exception.

What the user sees of a death is those X000 lines, and nothing else: no Python traceback (``_Pool.stop``,
``_quiet_feeder``).
"""

from __future__ import annotations

import pickle
import signal
import sys
import threading
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

from perfdsl.cli.inputs import Record
from perfdsl.diagnostics import error
from perfdsl.ruleset.gcpause import batch_process, settle

if TYPE_CHECKING:
    from perfdsl.engine import Engine

CHUNK = 64  # records per task: few round trips, and a dead worker leaves few records to score again
WINDOW = 2  # chunks in flight per worker: the input is read only as far as that, so memory stays flat
STOP_SECONDS = 5.0  # how long a stopped pool's own threads are waited for (milliseconds, as a rule)

_WORKER_ENGINE: Optional[Engine] = None


def _worker_init(engine: Engine) -> None:
    global _WORKER_ENGINE
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the pool, quietly
    _WORKER_ENGINE = engine
    batch_process()  # a worker lives for one batch: after its first chunk, ``settle`` freezes what it keeps


def _worker_score(jobs: list[tuple[Record, Any, bool]]) -> list[bytes]:
    """Each record's (document, grade, diagnostics), pickled here, so that sending one back cannot fail."""
    from perfdsl.cli import scoring
    assert _WORKER_ENGINE is not None, "set by _worker_init when the pool starts the worker"
    out = []
    for rec, trace, compact in jobs:
        doc, grade, diags, _ = scoring.score_record(_WORKER_ENGINE, rec, trace, compact)
        try:
            out.append(pickle.dumps((doc, grade, diags), pickle.HIGHEST_PROTOCOL))
        except Exception as exc:  # noqa: BLE001 — isolation, as in score_record
            out.append(pickle.dumps(scoring.internal_failure(rec, exc, compact)[:3], pickle.HIGHEST_PROTOCOL))
    settle()  # once, after the first chunk built the scorers (ruleset.gcpause)
    return out


class _Pool:
    """A process pool for one batch, whose workers never see Ctrl-C (the parent stops them): no traceback."""

    def __init__(self, engine: Engine, jobs: int):
        import multiprocessing
        self.jobs = jobs
        self.executor = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_worker_init, initargs=(engine,))
        self.stopping = False
        _quiet_feeder(self)

    def submit(self, jobs: list[tuple[Record, Any, bool]]) -> Future:
        """Workers are started here, as needed.  While one starts, Ctrl-C is blocked (held, not lost: it is
        delivered here as soon as the worker is started); the worker inherits it blocked and never sees it."""
        starting = len(getattr(self.executor, "_processes", None) or ()) < self.jobs
        if not starting:
            return self.executor.submit(_worker_score, jobs)
        if hasattr(signal, "pthread_sigmask"):
            held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
            try:
                return self.executor.submit(_worker_score, jobs)
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        try:  # Windows: the worker ignores it from the start (a Ctrl-C in these few moments is lost)
            before = signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread: the workers ignore it once started (_worker_init)
            return self.executor.submit(_worker_score, jobs)
        try:
            return self.executor.submit(_worker_score, jobs)
        finally:
            signal.signal(signal.SIGINT, before)

    def stop(self) -> None:
        """Stop at once: on Ctrl-C, once the pool is broken, at the end of the batch.  Workers still scoring are
        terminated; then the pool's own threads (its manager, its call queue's feeder) are waited for, so that
        none is still closing its pipes when Python exits: CPython 3.11's exit handler for process pools
        (``concurrent.futures.process._python_exit``) writes to the wake-up pipe of each manager thread still
        running, without the lock under which that thread closes it, and a write that loses this race prints a
        traceback (``OSError: [Errno 9] Bad file descriptor``).  ``shutdown(wait=True)`` is the public way to
        wait; it runs in a thread of its own so that the wait has a bound: a worker terminated in the middle of
        sending a result (Ctrl-C) leaves the manager waiting for ever for the rest of it (``cli._exit_now``)."""
        self.stopping = True
        processes = list((getattr(self.executor, "_processes", None) or {}).values())
        closing = threading.Thread(target=_shut_down, args=(self.executor,), name="perfdsl-pool-stop", daemon=True)
        closing.start()
        for process in processes:
            try:
                process.terminate()
            except Exception:  # noqa: BLE001 — already gone
                pass
        closing.join(STOP_SECONDS)


def _shut_down(executor: ProcessPoolExecutor) -> None:
    try:
        executor.shutdown(wait=True, cancel_futures=True)
    except (OSError, ValueError):  # a pipe closed already: the pool is gone all the same
        pass


def _quiet_feeder(pool: _Pool) -> None:
    """A pool whose call queue reports a failed send as perfdsl does, never as a traceback.

    ``multiprocessing``'s queue feeder thread hands what it failed to send to ``_on_queue_feeder_error`` (a hook
    ``concurrent.futures`` overrides: a call item's future fails with the error; anything else is printed with
    ``traceback.print_exc()``).  Here: once the pool is stopping or broken, a failed send is part of its teardown
    (the records it held are scored again) and says nothing; in a healthy pool the call item is found again even
    when it was already pickled (the feeder passes the pickle's buffer), so its future fails and its records
    become X000 naming their lines (CPython would print a traceback and leave that future waiting for ever).
    ``_call_queue`` is private: ``test_batch_survival.py`` fails on a Python where it changed.
    """
    queue = getattr(pool.executor, "_call_queue", None)
    reported = getattr(queue, "_on_queue_feeder_error", None)
    if reported is None:
        return

    def failed_send(exc: BaseException, obj: Any) -> None:
        if pool.stopping:
            return
        if isinstance(obj, (bytes, memoryview)):  # pickled already: the call item (or a shutdown's sentinel) it was
            try:
                obj = pickle.loads(obj)
            except Exception:  # noqa: BLE001 — reported below, as it is
                pass
        if obj is None:  # the sentinel that stops a worker: sent only as a pool is torn down
            return
        if hasattr(obj, "work_id"):  # a call item: its future fails (in a broken pool, it has failed already)
            try:
                reported(exc, obj)
                return
            except Exception:  # noqa: BLE001 — the note below says what could not be sent
                pass
        from perfdsl.cli.scoring import one_line
        print(f"perfdsl: 内部错误[X000]：无法把一批事实交给工作进程（{one_line(f'{type(exc).__name__}: {exc}')}），"
              "这一批可能没有评分。这是 perfdsl 的缺陷，不是规则或事实的问题；"
              "请以 -j 1 重新评分，并附上命令与规则报告此问题",
              file=sys.stderr)

    queue._on_queue_feeder_error = failed_send  # type: ignore[union-attr]


def died_diagnostic(rec: Record) -> Any:
    return error("X000", f"{rec.where}：内部错误：评分这一套事实的工作进程意外终止（多为内存耗尽被系统结束），"
                         "单独重试时再次终止。这一套事实没有评分，其余各套不受影响；"
                         f"可单独评分这一行查看（perfdsl eval 规则 {rec.where}），或减少 -j 的进程数；"
                         "若仍出现，请附上这一行与规则报告此问题")


def score_in_workers(engine: Engine, records: Iterable[Record], trace: Any, jobs: int, compact: bool,
                     ) -> Iterator[tuple[Record, Any, Optional[str], list, None]]:
    """(record, document, grade, diagnostics, None) in input order, scored by ``jobs`` worker processes.

    An error reading the input stops the batch after the records read before it.
    """
    batch = _Batch(engine, jobs, trace, compact)
    pending = iter(records)
    failed_reading: Optional[BaseException] = None
    window: deque[tuple[list[Record], Future]] = deque()
    try:
        while True:
            while batch.pool is not None and failed_reading is None and len(window) < jobs * WINDOW:
                chunk: list[Record] = []
                try:
                    for rec in pending:
                        chunk.append(rec)
                        if len(chunk) == CHUNK:
                            break
                except Exception as exc:  # noqa: BLE001 — raised once the records before it are written
                    failed_reading = exc
                if chunk:
                    window.append((chunk, batch.submit(chunk)))
                if len(chunk) < CHUNK:
                    break
            if not window:
                break
            chunk, future = window.popleft()
            try:
                sent = future.result()
            except BrokenProcessPool:  # a worker died: what was in flight is scored again, one record at a time
                suspects = chunk + [rec for c, _ in window for rec in c]
                window.clear()
                batch.broken()
                for rec in suspects:
                    yield rec, *batch.alone(rec), None
                if batch.pool is None and not batch.in_process:  # the last of them killed it: the rest needs one
                    batch.fresh_pool()
                if batch.in_process:  # the workers cannot run at all: the rest in this process
                    for rec in pending:
                        yield rec, *batch.alone(rec), None
                continue
            except Exception:  # noqa: BLE001 — not sent, or raised outside a record's isolation: each record alone
                for rec in chunk:
                    yield rec, *batch.alone(rec), None
                continue
            for rec, one in zip(chunk, sent, strict=True):
                yield rec, *_loaded(rec, one, compact), None
        if failed_reading is not None:
            raise failed_reading
    finally:
        if batch.pool is not None:
            batch.pool.stop()


class _Batch:
    """The pool of one batch, rebuilt after a death; ``in_process`` once a new pool cannot even start."""

    def __init__(self, engine: Engine, jobs: int, trace: Any, compact: bool):
        self.engine, self.jobs, self.trace, self.compact = engine, jobs, trace, compact
        self.pool: Optional[_Pool] = _Pool(engine, jobs)
        self.in_process = False

    def submit(self, chunk: list[Record]) -> Future:
        assert self.pool is not None
        return _submit(self.pool, [(rec, self.trace, self.compact) for rec in chunk])

    def broken(self) -> None:
        if self.pool is not None:
            self.pool.stop()
        self.pool = None

    def alone(self, rec: Record) -> tuple[Any, Optional[str], list]:
        """One record scored by itself in a (new) pool: if a worker dies now, this record killed it."""
        if self.pool is None and not self.in_process:
            self.fresh_pool()
        if self.pool is None:
            from perfdsl.cli.scoring import score_record
            return score_record(self.engine, rec, self.trace, self.compact)[:3]
        try:
            [one] = self.submit([rec]).result()
        except BrokenProcessPool:
            self.broken()
            diags = [died_diagnostic(rec)]
            return _failure(rec, diags, self.compact), None, diags
        except Exception as exc:  # noqa: BLE001 — isolation: this record's X000 names what failed
            from perfdsl.cli.scoring import internal_failure
            return internal_failure(rec, exc, self.compact)[:3]
        return _loaded(rec, one, self.compact)

    def fresh_pool(self) -> None:
        """A new pool, tried with an empty task: if that dies too, no worker can run, and ``in_process``."""
        self.pool = _Pool(self.engine, self.jobs)
        try:
            _submit(self.pool, []).result()
        except Exception:  # noqa: BLE001 — it died (BrokenProcessPool), or could not even be given the task
            self.broken()
            self.in_process = True


def _submit(pool: _Pool, jobs: list[tuple[Record, Any, bool]]) -> Future:
    try:
        return pool.submit(jobs)
    except BrokenProcessPool as exc:  # broken already: its result() says so, as for a task in flight
        future: Future = Future()
        future.set_exception(exc)
        return future


def _loaded(rec: Record, sent: bytes, compact: bool) -> tuple[Any, Optional[str], list]:
    from perfdsl.cli.scoring import internal_failure
    try:
        doc, grade, diags = pickle.loads(sent)
    except Exception as exc:  # noqa: BLE001 — isolation, as in score_record
        doc, grade, diags, _ = internal_failure(rec, exc, compact)
    return doc, grade, diags


def _failure(rec: Record, diags: list, compact: bool) -> Any:
    import json

    from perfdsl.explain.document import failure
    doc = failure(diags, rec.source, rec.line)
    return json.dumps(doc, ensure_ascii=False) if compact else doc
