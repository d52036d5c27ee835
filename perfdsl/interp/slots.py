"""A formula with its values, filled by slot: what a site keeps of ``printer.substitution`` without the tree.

A compact step holds the values a formula used as a list in ``plan.slot_nodes`` order (None: not computed).  The
plan turns the formula's ``Substitution`` into a ``FormulaText`` once: its holes become slot numbers, each path's
rate flag decided then, so filling it is a join over plain data, the same text ``sentences.describe`` makes from
the nodes.  Lean on purpose (no AST, no attrs): sites pickle with it and a warm process reads them back.
"""

from __future__ import annotations

from perfdsl.interp.numbers import bracketed
from perfdsl.interp.wording import in_formula


class Hole:
    """A path's value: slot ``slot``, shown as a percentage when ``percent``; its ``name`` when unseen;
    ``operand``: an operand of arithmetic, a negative value bracketed (10 + (-0.5)), as ``Printer.operand`` does."""

    __slots__ = ("slot", "percent", "name", "operand")

    def __init__(self, slot: int, percent: bool, name: str, operand: bool = False) -> None:
        self.slot, self.percent, self.name, self.operand = slot, percent, name, operand

    def __reduce__(self) -> tuple:
        return Hole, (self.slot, self.percent, self.name, self.operand)


class Way:
    """A conditional, printed the way it went: slot ``slot`` holds whether its condition held (None: unknown)."""

    __slots__ = ("slot", "held", "failed", "unknown")

    def __init__(self, slot: int, held: tuple, failed: tuple, unknown: tuple) -> None:
        self.slot, self.held, self.failed, self.unknown = slot, held, failed, unknown

    def __reduce__(self) -> tuple:
        return Way, (self.slot, self.held, self.failed, self.unknown)


class FormulaText:
    """Literal texts, ``Hole`` and ``Way`` parts; called with a step's values, the formula with those values."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple) -> None:
        self.parts = parts

    def __call__(self, values) -> str:
        """The formula with ``values`` (a compact step's list, in slot order; None or absent: not computed)."""
        # list(): a damaged step's values (a number, a record) fail here or read as a zip over them did
        return _fill(self.parts, values if type(values) is list else list(values))

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
            if text is None:
                text = part.name
            out.append(bracketed(text) if part.operand else text)
        else:
            out.append(_fill(part.unknown if v is None else part.held if v else part.failed, values))
    return "".join(out)
