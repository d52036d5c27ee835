"""A formula with its values, filled by slot: what a site keeps of ``printer.substitution`` without the tree.

A compact step holds the values a formula used as a list in ``plan.slot_nodes`` order (None: not computed).  The
plan turns the formula's ``Substitution`` into a ``FormulaText`` once: its holes become slot numbers, each path's
rate flag decided then, so filling it is a join over plain data, the same text ``sentences.describe`` makes from
the nodes.  Lean on purpose (no AST, no attrs): sites pickle with it and a warm process reads them back.
"""

from __future__ import annotations

from typing import NamedTuple

from perfdsl.interp.wording import in_formula


class Hole(NamedTuple):
    """A path's value: slot ``slot``, shown as a percentage when ``percent``; its ``name`` when unseen."""

    slot: int
    percent: bool
    name: str


class Way(NamedTuple):
    """A conditional, printed the way it went: slot ``slot`` holds whether its condition held (None: unknown)."""

    slot: int
    held: tuple
    failed: tuple
    unknown: tuple


class FormulaText:
    """Literal texts, ``Hole`` and ``Way`` parts; called with a step's values, the formula with those values."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple) -> None:
        self.parts = parts

    def __call__(self, values) -> str:
        """The formula with ``values`` (a compact step's list, in slot order; None or absent: not computed)."""
        return _fill(self.parts, list(values))  # list(): a damaged step's values fail here, as a zip over them did

    def __reduce__(self) -> tuple:
        return FormulaText, (self.parts,)

    def __repr__(self) -> str:
        return f"FormulaText({self.parts!r})"


def _fill(parts: tuple, values: list) -> str:
    out = []
    count = len(values)
    for part in parts:
        kind = type(part)
        if kind is str:
            out.append(part)
            continue
        v = values[part.slot] if part.slot < count else None
        if kind is Hole:
            text = None if v is None else in_formula(v, part.percent)
            out.append(part.name if text is None else text)
        else:
            out.append(_fill(part.unknown if v is None else part.held if v else part.failed, values))
    return "".join(out)
