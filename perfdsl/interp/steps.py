"""A trace step as data: the plan's ``Site`` and the step's JSON object, without the syntax tree.

A site is what a compact step needs to become the step the interpreter writes: its kind, where its rule is (the
``at`` text), and ``render``, a module-level function of ``wording`` bound to plain values with
``functools.partial``.  So sites pickle as plain data and are read back without the parser, the AST or attrs.
Keep this module so: the standard library only.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional


class Site(NamedTuple):
    """A place in the rules that records a step, and how its values become the step's words."""

    kind: Optional[str]  # None: the kind depends on the values (a deduction of 0 is a check)
    at: Optional[str]  # "file:line" of its rule, as the step's "at" says it
    render: Callable  # (*values) -> (text, fields) or, when kind is None, (kind, text, fields)


def at_text(span) -> Optional[str]:
    """Where a step's rule is, as its ``at`` field says it (``span``: anything with ``file`` and ``line``)."""
    return None if span is None else f"{span.file}:{span.line}"


def step_json(number: int, parent: Optional[int], kind: str, text: str, at: Optional[str], data: dict) -> dict:
    """A step's JSON object, its keys in the order the explanation's bytes hold them; the one place it is made."""
    out = {"id": number, "kind": kind, "text": text}
    if parent is not None:
        out["parent"] = parent
    if at is not None:
        out["at"] = at
    out.update(data)
    return out
