"""Compact traces: traced documents whose steps are arrays, and the way back to full steps.

A traced batch line with step objects is some 55 KB: 200 steps per fact set, each a Chinese
sentence with the same facts again in fields, and encoding them costs twice the hand-written
scorer's whole run.  The traced generated scorer (``codegen``) writes each step as
``[site, parent, value…]``; ``expand_steps`` turns each back into the step object the
interpreter writes, through the site's words (``interp/wording.py``), read from the plan.  Tests,
the benchmark and the fuzz run hold the two byte for byte equal.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from perfdsl.interp.builtins import BuiltinError
from perfdsl.interp.steps import Expanded, step_json


def expand_steps(sites: list, steps: list) -> list:
    """Compact steps → the interpreter's step objects (step objects pass through)."""
    out = []
    for n, step in enumerate(steps, 1):
        if isinstance(step, dict):
            out.append(step)
            continue
        try:
            out.append(_step(sites, n, step))
        except (IndexError, TypeError, ValueError, ArithmeticError, AttributeError, KeyError, BuiltinError) as exc:
            raise Damaged(f"step {n}: {exc}") from None
    return out


def _step(sites: list, n: int, step) -> dict:
    number, parent = _whole(step[0]), _whole(step[1])
    if not 1 <= number <= len(sites) or not 0 <= parent < n:
        raise ValueError(f"no site {number} or parent {parent}")
    site = sites[number - 1]
    rendered = site.render(*[_decoded(v) for v in step[2:]])
    kind, (text, data) = (rendered[0], rendered[1:]) if site.kind is None else (site.kind, rendered)
    return step_json(Expanded(n, parent or None, kind, text, site.span, data))


class Damaged(ValueError):
    """A compact step that cannot be what perfdsl wrote: ``perfdsl expand`` reports the line (X003)."""


def _whole(v) -> int:
    if not isinstance(v, Decimal) or not v.is_finite() or v.adjusted() > 9 or v != v.to_integral_value():
        raise ValueError(f"not a step number: {v!r}")
    return int(v)


def _decoded(v):
    if isinstance(v, dict):
        if len(v) == 1 and "$decimal" in v:
            return Decimal(v["$decimal"])
        if len(v) == 1 and "$date" in v:
            return datetime.date.fromisoformat(v["$date"])
        return {k: _decoded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decoded(x) for x in v]
    return v


def read_document(text: str):
    """A JSON line parsed so that compact steps keep exact decimals (-0 and 1.50 included).

    Numbers are read as decimals; in a perfdsl document, outside compact steps (levels, line
    numbers, step ids of step objects), they are whole numbers and go back to ints.  Raises
    ValueError for text that is not JSON, ``Damaged`` for a document no perfdsl wrote so.
    """
    try:
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except (ArithmeticError, RecursionError) as exc:  # a number no decimal holds, or nesting beyond reason
        raise ValueError(f"无法读取（{type(exc).__name__}）") from None
    if isinstance(doc, dict) and isinstance(doc.get("perfdsl"), dict):
        try:
            return _ints(doc)
        except ValueError as exc:
            raise Damaged(str(exc)) from None
    return doc


def _ints(v):
    if isinstance(v, Decimal):
        return _whole(v)
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("trace", "grade_trace") and isinstance(x, list):
                v[k] = [_ints(s) if isinstance(s, dict) else s for s in x]
            else:
                v[k] = _ints(x)
        return v
    if isinstance(v, list):
        return [_ints(x) for x in v]
    return v


def is_compact(doc: dict) -> bool:
    header = doc.get("perfdsl")
    return isinstance(header, dict) and header.get("trace") == "compact"


def expand_document(doc: dict, tracer) -> dict:
    """A compact traced document (from ``read_document``) → the full document the interpreter writes.

    ``tracer``: anything with ``expand_steps``, the plan of the rules or the traced scorer.
    """
    header = doc.get("perfdsl")
    if isinstance(header, dict):
        header.pop("trace", None)

    def walk(node):
        if isinstance(node.get("trace"), list):
            node["trace"] = tracer.expand_steps(node["trace"])
        for child in node.get("children", ()):
            walk(child)
    walk(doc)
    if isinstance(doc.get("grade_trace"), list):
        doc["grade_trace"] = tracer.expand_steps(doc["grade_trace"])
    return doc


def expanded_json(doc: dict, tracer) -> str:
    """``expand_document`` as the line ``perfdsl eval`` writes without ``--compact-trace``.

    Raises ``Damaged`` when the document cannot be what perfdsl wrote, for example when a
    value that belongs in a sentence as text arrived as a number.
    """
    try:
        return json.dumps(expand_document(doc, tracer), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise Damaged(str(exc)) from None
