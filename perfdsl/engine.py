"""The library entry point: load and check a rule set once, then score fact sets.

``perfdsl.load("rules/")`` returns an ``Engine``: picklable, so it can be
shipped to worker processes.
"""

from __future__ import annotations

import hashlib
import os
from typing import Optional

from .check import Checked, check
from .diagnostics import PerfdslError
from .facts import FactsSyntaxError, FactValidator, parse_json
from .loader import RuleSet, load as load_rules
from .scoring import Result, Scorer


class Engine:
    def __init__(self, checked: Checked):
        self.checked = checked
        self.rules: RuleSet = checked.rules
        self.scorer = Scorer(checked.rules, rate_paths(checked.facts_type))

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> "Engine":
        checked = check(load_rules(path))
        if checked.errors:
            raise PerfdslError(checked.errors)
        return cls(checked)

    def score(self, facts, trace: bool = True, hits: Optional[set] = None) -> Result:
        """Validate one fact set (parsed JSON: numbers as Decimal) and score it."""
        validator = FactValidator(self.checked.facts_type)
        data = validator.validate(facts)
        if validator.errors:
            raise PerfdslError(validator.errors)
        return self.scorer.score(data, trace=trace, warnings=tuple(validator.warnings), hits=hits)

    def score_text(self, text: str, source: str = "<facts>", trace: bool = True) -> Result:
        try:
            data = parse_json(text, source)
        except FactsSyntaxError as exc:
            raise PerfdslError([exc.diagnostic])
        return self.score(data, trace=trace)


def rate_paths(ty, prefix: str = "") -> frozenset:
    """Dotted paths of facts declared 比率, so traces can show them as percentages."""
    out = set()
    for name, fty in ty.fields.items():
        path = f"{prefix}.{name}" if prefix else name
        if fty.kind == "rate":
            out.add(path)
        elif fty.kind == "record":
            out |= rate_paths(fty, path)
    return frozenset(out)


def load(path: str | os.PathLike) -> Engine:
    return Engine.from_path(path)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
