"""A judgement (酌情) as the scorers hold it: a plain class, so that the warm road imports no attrs."""

from __future__ import annotations

from decimal import Decimal


class Judged:
    """An evaluator's discretionary score or deduction (酌情) and its mandatory reason.

    Immutable, compared and hashed by its fields, as the attrs class it replaces was.
    """

    __slots__ = ("field", "value", "reason")
    __match_args__ = ("field", "value", "reason")

    field: str  # 得分 | 扣分
    value: Decimal
    reason: str

    def __init__(self, field: str, value: Decimal, reason: str):
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "reason", reason)

    def __setattr__(self, name, value):
        raise AttributeError(f"Judged is immutable: cannot set {name}")

    def __delattr__(self, name):
        raise AttributeError(f"Judged is immutable: cannot delete {name}")

    def _fields(self) -> tuple:
        return (self.field, self.value, self.reason)

    def __eq__(self, other):
        return self._fields() == other._fields() if type(other) is Judged else NotImplemented

    def __hash__(self):
        return hash((Judged, *self._fields()))

    def __repr__(self):
        return f"Judged(field={self.field!r}, value={self.value!r}, reason={self.reason!r})"

    def __reduce__(self):
        return Judged, self._fields()
