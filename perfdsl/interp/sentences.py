"""Trace sentences for the interpreter: each step's words from the AST nodes it holds.

The words themselves are written once, over plain values, in ``wording``; each function here computes those
values from its nodes (the formula's text, an interval's text, names, reasons) and calls it, so the interpreter
(which calls these lazily, through its tracer) and ``expand`` (which calls ``wording`` through the plan's sites)
write the same step.  Each returns ``(text, fields)``; the field order is part of the explanation's bytes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from perfdsl.interp import wording
from perfdsl.interp.wording import in_formula
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text, interval_text, substitute

_NOTHING = object()


def is_rate(p: A.Path, percent_paths: frozenset) -> bool:
    """Whether a reference is shown as a percentage: a fact declared 比率 (by path) or a rate the checker found
    (by the reference's span, ``ruleset/check/percents.py``)."""
    return p.dotted in percent_paths or p.span in percent_paths


def describe(expr, seen: dict, percent_paths: frozenset) -> str:
    """The formula with the values it used: ``seen`` maps id(path or conditional) → value or branch."""

    def lookup(p: A.Path):
        v = seen.get(id(p), _NOTHING)
        if v is _NOTHING:
            return None
        return in_formula(v, isinstance(v, Decimal) and is_rate(p, percent_paths))

    def branch(c: A.Conditional):
        return seen.get(id(c))
    return substitute(expr, lookup, branch)


def percent_band(band: A.Band) -> bool:
    for arm in band.arms:
        for end in (arm.interval.low, arm.interval.high):
            if isinstance(end, A.Number) and end.is_percent:
                return True
    return False


# ---------------------------------------------------------------- expressions
def let_value(let: A.Let, value, percent: bool, subst: str) -> tuple[str, dict]:
    """``percent``: the checker typed the value a rate (``ruleset/check/percents.py``), shown as a percentage."""
    return wording.let_value(let.name, expr_text(let.expr), percent, value, subst)


def band(e: A.Band, arm: A.Arm, value: Decimal | datetime.date, result) -> tuple[str, dict]:
    return wording.band(expr_text(e.subject), interval_text(arm.interval), percent_band(e), value, result)


def match(e: A.Match, value, result) -> tuple[str, dict]:
    return wording.match(expr_text(e.subject), value, result)


def builtin(fn, args: list, result) -> tuple[str, dict]:
    return wording.builtin(fn.name, fn.explain, args, result)


# ---------------------------------------------------------------- indicators
def not_applicable(s: A.NotApplicable, outcome: str) -> tuple[str, dict]:
    return wording.not_applicable(s.reason, expr_text(s.condition), outcome)


def formula(expr, value: Decimal, subst: str) -> tuple[str, dict]:
    return wording.formula(expr_text(expr), value, subst)


def part_not_applicable(p: A.Part) -> tuple[str, dict]:
    assert p.not_applicable is not None
    return wording.part_not_applicable(p.name, p.not_applicable.reason, p.points)


def part(p: A.Part, value: Decimal, clamped: Decimal, subst: str) -> tuple[str, dict]:
    return wording.part(p.name, p.points, expr_text(p.expr), value, clamped, subst)


# ---------------------------------------------------------------- grade
def veto(v: A.Veto) -> tuple[str, dict]:
    return wording.veto(v.reason, v.grade)


def grade(total: Decimal, arm: A.Arm, grade) -> tuple[str, dict]:
    return wording.grade(interval_text(arm.interval), total, grade)
