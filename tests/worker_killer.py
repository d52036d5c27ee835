"""``python tests/worker_killer.py eval …``: perfdsl, with workers that die as the OOM killer would kill them.

Not a test module: ``tests/test_batch_survival.py`` runs it.  A worker process started by ``spawn`` runs this
file again (as ``__mp_main__``) before it does any work, so the patches below are made in every worker too:

* a fact set whose text holds ``杀死工作进程`` makes the worker scoring it SIGKILL itself (with
  ``KILL_ONCE=<file>``, only the first time: the file records that it happened);
* with ``KILL_AT_START=1`` every worker dies as it starts, before scoring anything;
* a fact set whose text holds ``工作进程出错`` makes the worker raise outside the record's own isolation (as a bug
  in ``cli/workers.py`` would), every time.

The parent process is not a worker: it is never killed.
"""

import multiprocessing
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfdsl.cli import scoring, workers  # noqa: E402 — after the path is set

MARK = "杀死工作进程"
RAISE = "工作进程出错"
_real_score = scoring.score_record
_real_init = workers._worker_init


def _score(engine, rec, trace, compact=False):
    if multiprocessing.parent_process() is not None and MARK in rec.text:  # known once the worker runs
        once = os.environ.get("KILL_ONCE")
        if not once or not os.path.exists(once):
            if once:
                Path(once).write_text("killed", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
    if multiprocessing.parent_process() is not None and RAISE in rec.text:
        raise RuntimeError("a bug outside the isolation of score_record")
    return _real_score(engine, rec, trace, compact)


def _init(engine):
    if os.environ.get("KILL_AT_START"):
        os.kill(os.getpid(), signal.SIGKILL)
    _real_init(engine)


scoring.score_record = _score
workers._worker_init = _init

if __name__ == "__main__":
    from perfdsl.cli import main
    sys.exit(main())
