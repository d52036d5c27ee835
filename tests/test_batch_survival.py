"""Issue 14, what was left: a batch survives a worker process that dies, and ``expand`` keeps one output
line per input line even for a line it cannot read."""

import errno
import json
import os
import pickle
import subprocess
import sys
import threading

import pytest

from perfdsl.cli import main, workers

from .conftest import ROOT, RULES

GOOD = (ROOT / "examples" / "batch" / "facts.jsonl").read_text(encoding="utf-8").splitlines()
POSIX = os.name == "posix"


def _write(path, lines):
    with open(path, "wb") as f:
        for line in lines:
            f.write((line if isinstance(line, bytes) else line.encode("utf-8")) + b"\n")
    return path


# ---------------------------------------------------------------- a worker that dies

KILLER = ROOT / "tests" / "worker_killer.py"


def _killer_batch(tmp_path, killers: tuple[int, ...], n: int = 300, mark: str = "杀死工作进程"):
    """``n`` good lines (several chunks of 64), those numbered in ``killers`` making their worker SIGKILL itself
    (or, marked ``工作进程出错``, raise outside the record's isolation)."""
    lines = []
    for i in range(1, n + 1):
        line = GOOD[i % len(GOOD)]
        if i in killers:
            line = line.replace('"被评价单位": "', f'"被评价单位": "{mark}', 1)
            assert mark in line
        lines.append(line)
    return _write(tmp_path / "batch.jsonl", lines)


def _run_killer(tmp_path, batch, env: dict, *flags):
    out = tmp_path / "out.jsonl"
    proc = subprocess.run([sys.executable, str(KILLER), "eval", str(RULES), str(batch), "--format", "json", "-j", "2",
                           *flags, "-o", str(out)], cwd=ROOT, capture_output=True, timeout=600,
                          env={**os.environ, **env})
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err and "Exception ignored" not in err and "SpawnProcess" not in err, err[-2000:]
    docs = [json.loads(x) for x in out.read_text(encoding="utf-8").split("\n")[:-1]]
    return proc.returncode, docs, err


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
@pytest.mark.parametrize("flags", [["--no-trace"], ["--compact-trace"]])
def test_a_worker_killed_by_its_line_fails_that_line_alone(tmp_path, flags):
    """As the OOM killer would: the worker scoring lines 70 and 250 is SIGKILLed, every time.  The batch neither
    hangs nor stops: those two lines are internal errors naming their line, every other line is scored."""
    batch = _killer_batch(tmp_path, (70, 250))
    code, docs, err = _run_killer(tmp_path, batch, {}, *flags)
    assert code == 1
    assert [d["line"] for d in docs] == list(range(1, 301))  # one output line per input line, in order
    failed = {d["line"]: d["errors"] for d in docs if d["status"] != "ok"}
    assert sorted(failed) == [70, 250]
    for n, errors in failed.items():
        [problem] = errors
        assert problem["code"] == "X000" and f"{batch}:{n}" in problem["message"]
        assert "工作进程意外终止" in problem["message"]
        assert len([x for x in err.splitlines() if x.startswith(f"{batch}:{n}:")]) == 1
    assert "共 300 套事实：298 套成功，2 套失败" in err


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
def test_a_worker_killed_once_costs_time_only(tmp_path):
    """A death that does not recur (a worker killed from outside): what it held is scored again, all of it."""
    batch = _killer_batch(tmp_path, (100,))
    flag = tmp_path / "killed-once"
    code, docs, err = _run_killer(tmp_path, batch, {"KILL_ONCE": str(flag)}, "--no-trace")
    assert flag.exists()  # a worker did die
    assert code == 0 and [d["line"] for d in docs] == list(range(1, 301))
    assert all(d["status"] == "ok" for d in docs)


@pytest.mark.skipif(not POSIX, reason="SIGKILL")
def test_workers_that_cannot_start_leave_the_batch_to_this_process(tmp_path):
    batch = _killer_batch(tmp_path, (), n=150)
    code, docs, err = _run_killer(tmp_path, batch, {"KILL_AT_START": "1"}, "--no-trace")
    assert code == 0 and [d["line"] for d in docs] == list(range(1, 151))
    assert all(d["status"] == "ok" and d["score"] for d in docs)


@pytest.mark.skipif(not POSIX, reason="as the other worker tests")
def test_a_worker_that_raises_outside_a_record_s_isolation_fails_that_line_alone(tmp_path):
    """A bug in the worker's own code (not in scoring one record, which is isolated there): its chunk is scored
    again one record at a time, and the record that raises again is its line's X000 naming the exception."""
    batch = _killer_batch(tmp_path, (5, 140), n=200, mark="工作进程出错")
    code, docs, err = _run_killer(tmp_path, batch, {}, "--no-trace")
    assert code == 1 and [d["line"] for d in docs] == list(range(1, 201))
    failed = {d["line"]: d["errors"] for d in docs if d["status"] != "ok"}
    assert sorted(failed) == [5, 140]
    for n, errors in failed.items():
        [problem] = errors
        assert problem["code"] == "X000" and f"{batch}:{n}" in problem["message"]
        assert "RuntimeError: a bug outside the isolation of score_record" in problem["message"]
    assert "共 200 套事实：198 套成功，2 套失败" in err


class _FakePool:
    """In-process stand-in for a worker pool: a job holding a killer line breaks it, and so every job after it."""

    def __init__(self, engine, jobs):
        self.broken = False

    def submit(self, jobs):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool
        future: Future = Future()
        if self.broken or any("杀死" in rec.text for rec, _, _ in jobs):
            self.broken = True
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result([pickle.dumps((f"doc {rec.line}", "优", [])) for rec, _, _ in jobs])
        return future

    def stop(self):
        pass


@pytest.mark.parametrize("killers", [(64 * 4,), (400, 640), (64 * 4, 64 * 8), tuple(range(1, 700, 97)), (1, 2, 3)])
def test_after_a_death_every_record_has_exactly_one_result_in_order(monkeypatch, killers):
    """The pool's bookkeeping, without processes: wherever the killer lines are (the last of those in flight,
    the first, several), each record gets one result, in order; the killers an error, the others their document."""
    from perfdsl.cli import workers
    from perfdsl.cli.inputs import Record
    monkeypatch.setattr(workers, "_Pool", _FakePool)
    records = [Record("杀死" if n in killers else "{}", "b.jsonl", n) for n in range(1, 701)]
    got = list(workers.score_in_workers(None, records, False, 2, False))
    assert [rec.line for rec, *_ in got] == list(range(1, 701))
    for rec, doc, grade, diags, _ in got:
        if rec.line in killers:
            assert [d.code for d in diags] == ["X000"] and doc["line"] == rec.line and grade is None
        else:
            assert doc == f"doc {rec.line}" and diags == []


def test_workers_that_never_start_leave_every_record_to_this_process(monkeypatch):
    from perfdsl.cli import scoring, workers
    from perfdsl.cli.inputs import Record

    class Dead(_FakePool):
        def submit(self, jobs):
            self.broken = True
            return super().submit(jobs)
    monkeypatch.setattr(workers, "_Pool", Dead)
    monkeypatch.setattr(scoring, "score_record", lambda engine, rec, trace, compact: (f"here {rec.line}", "优", [],
                                                                                       None))
    got = list(workers.score_in_workers(None, [Record("{}", "b.jsonl", n) for n in range(1, 201)], False, 2, False))
    assert [(rec.line, doc) for rec, doc, *_ in got] == [(n, f"here {n}") for n in range(1, 201)]


# ---------------------------------------------------------------- no traceback when a pool is torn down

def _records(n: int) -> list:
    from perfdsl.cli.inputs import Record
    return [Record(GOOD[i % len(GOOD)], "b.jsonl", i) for i in range(1, n + 1)]


@pytest.fixture(scope="module")
def rules_engine():
    from perfdsl.cli.scoring import load_engine
    return load_engine(str(RULES))


@pytest.mark.parametrize("ending", ["finished", "broken"])
def test_a_stopped_pool_leaves_no_thread_of_its_own(ending, rules_engine):
    """CPython 3.11 writes, as Python exits, to the wake-up pipe of every process pool's manager thread still
    running, without the lock under which that thread closes the pipe: a thread still tearing a pool down then
    makes Python print ``OSError: [Errno 9] Bad file descriptor`` with a traceback.  So once ``stop`` returns, the
    pool's threads (its manager, its call queue's feeder) have ended, whether the pool finished or broke."""
    from concurrent.futures.process import BrokenProcessPool

    from perfdsl.cli import workers
    before = set(threading.enumerate())
    pool = workers._Pool(rules_engine, 2)
    assert pool.submit([]).result(timeout=120) == []
    assert set(threading.enumerate()) - before  # it did start threads of its own
    if ending == "broken":
        with pytest.raises(BrokenProcessPool):
            pool.executor.submit(os._exit, 1).result(timeout=120)  # a worker that ends abruptly
    pool.stop()
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


class _Severed(workers._Pool):
    """A pool whose pipe to its workers is cut under it: each send fails with EBADF (not EPIPE, which
    ``concurrent.futures`` ignores), in the feeder thread (``multiprocessing/queues.py``, ``_feed``).  The pipe
    itself stays open (a copy of its end is kept), so the workers wait rather than read the end of it."""

    def __init__(self, engine, jobs):
        super().__init__(engine, jobs)
        writer = self.executor._call_queue._writer.fileno()  # private: see test_the_private_parts_it_relies_on
        self.kept = os.dup(writer)
        read_only = os.open(os.devnull, os.O_RDONLY)
        os.dup2(read_only, writer)  # the same descriptor, now open for reading only
        os.close(read_only)

    def stop(self):
        super().stop()
        os.close(self.kept)


def test_a_send_that_fails_in_a_healthy_pool_is_the_x000_of_each_record(monkeypatch, capfd):
    """A failed send in a pool that is not being torn down is a real error: never a traceback (CPython prints one
    for a call item already pickled), never silence, but each record's X000 naming its line and the error."""
    from perfdsl.cli import workers
    monkeypatch.setattr(workers, "_Pool", _Severed)
    got: list = []
    batch = threading.Thread(target=lambda: got.extend(workers.score_in_workers(None, _records(70), False, 2, False)),
                             daemon=True)
    batch.start()
    batch.join(300)
    assert not batch.is_alive(), "a send that failed left its chunk waiting for ever (as CPython 3.11 does)"
    assert [rec.line for rec, *_ in got] == list(range(1, 71))
    for rec, doc, grade, diags, _ in got:
        [problem] = diags
        assert problem.code == "X000" and grade is None and doc["line"] == rec.line
        assert f"b.jsonl:{rec.line}：内部错误" in problem.message and "OSError: [Errno 9]" in problem.message
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception" not in err and err == ""


def test_a_record_that_cannot_be_sent_is_its_own_x000(capfd, rules_engine):
    """Pickling happens in the feeder thread too: a record that cannot be pickled fails its chunk, which is
    scored again one record at a time; it alone is an X000 naming its line, every other record is scored."""
    from perfdsl.cli import workers
    records = _records(80)
    records[69].sha256 = threading.Lock()  # line 70: no lock can be pickled
    got = list(workers.score_in_workers(rules_engine, records, False, 2, False))
    assert [rec.line for rec, *_ in got] == list(range(1, 81))
    for rec, doc, grade, diags, _ in got:
        if rec.line == 70:
            [problem] = diags
            assert problem.code == "X000" and "b.jsonl:70：内部错误" in problem.message
            assert "TypeError: cannot pickle '_thread.lock' object" in problem.message
        else:
            assert diags == [] and doc["status"] == "ok" and grade in ("优", "良", "中", "差")
    assert "Traceback" not in capfd.readouterr().err


def test_the_private_parts_it_relies_on(capfd):
    """``cli/workers.py`` reaches two private parts of CPython 3.11's ``concurrent.futures``: the executor's
    ``_call_queue`` (whose ``_on_queue_feeder_error`` the feeder thread calls with what it failed to send) and its
    ``_processes``.  On a Python where they changed, this fails.  The hook it puts there says nothing while the
    pool is torn down (a sentinel, a call item, pickled or not) and, for anything else, one Chinese line."""
    from concurrent.futures.process import _SafeQueue

    from perfdsl.cli import workers
    pool = workers._Pool(None, 1)
    queue = pool.executor._call_queue
    assert isinstance(queue, _SafeQueue) and isinstance(pool.executor._processes, dict)
    hook = queue._on_queue_feeder_error
    assert hook.__name__ == "failed_send"
    cut = OSError(errno.EBADF, "Bad file descriptor")
    hook(cut, pickle.dumps(None))  # the sentinel that stops a worker, pickled: only ever sent at a teardown
    hook(cut, None)
    assert capfd.readouterr().err == ""
    hook(cut, "something no pool sends")
    [said] = capfd.readouterr().err.splitlines()
    assert said.startswith("perfdsl: 内部错误[X000]：无法把一批事实交给工作进程"
                           "（OSError: [Errno 9] Bad file descriptor），这一批可能没有评分。")
    pool.stop()
    hook(cut, "something no pool sends")  # stopping: part of the teardown
    assert capfd.readouterr().err == ""


# ---------------------------------------------------------------- expand

def test_expand_writes_the_error_of_a_line_it_cannot_read(tmp_path, capsys, monkeypatch):
    """A line too long or not UTF-8 cannot be copied: its error document takes its place (once an empty line)."""
    batch = _write(tmp_path / "b.jsonl", GOOD[:2])
    compact = tmp_path / "c.jsonl"
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--compact-trace", "-o", str(compact)]) == 0
    first, second = compact.read_bytes().decode("utf-8").splitlines()
    monkeypatch.setenv("PERFDSL_MAX_LINE_BYTES", str(len(first.encode("utf-8")) + 100))
    too_long = "x" * (len(first.encode("utf-8")) + 200)
    results = _write(tmp_path / "r.jsonl", [first, b"\x80\x80 not text", too_long, second])
    out = tmp_path / "e.jsonl"
    capsys.readouterr()
    assert main(["expand", str(RULES), str(results), "-o", str(out)]) == 1
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 5  # one line per input line, each ending with its break
    expanded = [json.loads(x) for x in lines[:4]]
    assert expanded[0]["line"] == 1 and expanded[0]["status"] == "ok"
    assert expanded[3]["line"] == 2  # its line in the batch scored
    for n, code in ((2, "F005"), (3, "F008")):
        doc = expanded[n - 1]
        assert doc["status"] == "error" and doc["line"] == n and doc["facts"]["source"] == str(results)
        [problem] = doc["errors"]
        assert problem["code"] == code and f"{results}:{n}" in problem["message"]
        assert "请" in problem["message"]  # the fix, in Chinese: save as UTF-8, or raise the limit
    err = capsys.readouterr().err
    assert "F005" in err and "F008" in err and "Traceback" not in err
