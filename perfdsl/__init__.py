"""perfdsl — a rule language and exact interpreter for 预算绩效评价 indicator systems."""

__version__ = "0.1.0"


def load(path):
    """Load and check a rule set; returns an Engine with ``score(facts)``."""
    from perfdsl.engine import load as _load
    return _load(path)
