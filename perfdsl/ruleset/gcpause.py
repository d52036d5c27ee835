"""Pause Python's cyclic garbage collector while building large acyclic structures.

Parsing, checking and unpickling a rule set allocate many long-lived objects and no
reference cycles; the cyclic collector would re-scan the growing heap again and again
(10,000 indicators parse 1.6× faster with it paused).  Reference counting still frees
everything as usual.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


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
