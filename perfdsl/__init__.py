"""perfdsl — a rule language and exact interpreter for 预算绩效评价 indicator systems."""

import sys

__version__ = "0.1.0"

# Rule sets may nest as deep as perfdsl.ruleset.check.depth allows (MAX_DEPTH, 1,000 levels); the passes over
# them recurse a few frames per level, so the limit is raised once, here, never lowered.
RECURSION_LIMIT = 25_000
if sys.getrecursionlimit() < RECURSION_LIMIT:
    sys.setrecursionlimit(RECURSION_LIMIT)


def load(path):
    """Load and check a rule set; returns an Engine with ``score(facts)``."""
    from perfdsl.engine import load as _load
    return _load(path)
