"""Keep Python's cyclic garbage collector off what is built once and kept.

Parsing, checking and unpickling a rule set allocate many long-lived objects and no
reference cycles; the cyclic collector would re-scan the growing heap again and again
(10,000 indicators parse 1.6× faster with it paused).  Reference counting still frees
everything as usual.

A batch keeps its rules, plan and generated scorers until the process ends, and each full
collection walks all of them again (with compact traces at 10,000 indicators, while the traced
document still kept each leaf's steps as a list, one came every ~30 fact sets and cost ~0.3 s:
8% of the scoring).  ``settle`` freezes them once the first fact set has built the scorers, but
only in a process that ends with its batch (``batch_process``: the command line and its
workers; only ``score_records`` and the workers settle), never in a library caller's: frozen
cycles are never collected, so an engine dropped later (the workbench reloading rules) would leak.
"""

from __future__ import annotations

import contextlib
import gc

TYPE_CHECKING = False  # typing is for the type checker: `perfdsl --help` imports this module (cli.entry)
if TYPE_CHECKING:
    from typing import Iterator

_batch_process = False  # this process ends with its command: what it holds now, it holds to the end
_settled = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():  # (nobody else's frozen objects to thaw)
                gc.freeze()  # what was built goes straight to the oldest generation (unfreeze puts it there),
                gc.unfreeze()  # so the first young collection does not scan it all (~0.05 s for 12,000 arms)
            gc.enable()


def batch_process() -> None:
    """Declare this process one that ends with its batch (``cli.entry``, a batch worker): ``settle`` may freeze."""
    global _batch_process
    _batch_process = True


def settle() -> None:
    """Once, between fact sets of a batch: collect, then move every survivor out of the collector's scans.

    Called after the first fact set, which built the scorers, so what is frozen is the rules, the
    plan, the scorers and the modules; each later fact set's objects are made after it and are
    collected as always (``tests/test_gcpause.py`` holds the frozen count still over a batch).
    The collection first means no garbage is frozen.  Does nothing outside a ``batch_process``.
    """
    global _settled
    if _batch_process and not _settled and gc.isenabled():
        _settled = True
        gc.collect()
        gc.freeze()
