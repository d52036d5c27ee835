"""Regular expressions compiled when first used, not when their module is imported.

A start pays for every ``re.compile`` at the top of a module it imports — ~10 ms for a class of Unicode letters —
though most commands use few of those patterns.  ``lazy`` gives the pattern as a function that compiles it on its
first call and keeps it.
"""

from __future__ import annotations

import functools
import re

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Callable


def lazy(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """``lazy(r"…")()`` is ``re.compile(r"…")``, compiled once, at the first call."""
    return functools.cache(lambda: re.compile(pattern, flags))
