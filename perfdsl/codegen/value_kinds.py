"""What a traced step's value surely is, so that its text needs no dispatch (the generic ``jt``).

``kind_of(gen, e)`` answers for an expression where ``gen`` (a ``TracedGenerator``) is writing: its indicator's 令,
the finding being looked at inside 逐项扣, and whether a value there may be infinite.
"""

from __future__ import annotations

from typing import Optional

from perfdsl.interp.builtins import BY_NAME
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A


def kind_of(gen, e, seen: frozenset = frozenset()) -> Optional[str]:
    """"decimal" or "bool" when the value of ``e`` surely is one (so its JSON text needs no dispatch), else None.

    Sound, not complete: None only costs the generic ``jt``.  Where a value may be infinite (``gen.infinite``:
    增长率 or a written ∞ in reach), "decimal" is said only of what is finite by construction — a fact, a finite
    literal, a 令 naming one, a choice among such values or a negation of one — and nothing computed; so a
    "decimal" is always written as it is, by ``str``.
    """
    if isinstance(e, A.Number):
        return "decimal" if e.value.is_finite() else None
    if isinstance(e, A.Boolean) or isinstance(e, (A.Compare, A.Not, A.InInterval)):
        return "bool"
    if isinstance(e, A.Logical):
        return "bool" if kind_of(gen, e.left, seen) == kind_of(gen, e.right, seen) == "bool" else None
    if isinstance(e, A.Path):
        return _path_kind(gen, e, seen)
    # one of its branches' values, or the negation of one: finite when they are
    if isinstance(e, A.Negate):
        return kind_of(gen, e.operand, seen)
    if isinstance(e, A.Conditional):
        return same([kind_of(gen, e.then, seen), kind_of(gen, e.otherwise, seen)])
    if isinstance(e, A.Band):
        return same([kind_of(gen, a.result, seen) for a in e.arms])
    if isinstance(e, A.Match):
        return same([kind_of(gen, c.result, seen) for c in e.cases])
    if gen.infinite:
        return None
    if isinstance(e, A.Binary):
        return "decimal" if kind_of(gen, e.left, seen) == kind_of(gen, e.right, seen) == "decimal" else None
    if isinstance(e, A.Call) and e.function in BY_NAME and BY_NAME[e.function].result == "number":
        return "decimal"
    return None


def _path_kind(gen, p: A.Path, seen: frozenset) -> Optional[str]:
    if p.star is not None:
        return None
    first = p.segments[0]
    kind = fact_kind(gen.plan.fact_type(p.segments))
    known = kind is not None or gen.plan.fact_type(p.segments[:1]) is not None
    if len(p.segments) == 1:
        lets = gen.plan.leaves[gen.where].lets if isinstance(gen.where, int) else []
        for let in [*lets, *gen.plan.globals]:  # local 令 first, as names resolve
            if let.name == first:
                kind, known = (None if first in seen else kind_of(gen, let.expr, seen | {first})), True
                break
    if gen._item is not None and first in gen._item[0]:  # a finding's own field, inside 逐项扣
        ty = gen._item[1]
        for seg in p.segments:
            ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
        field = fact_kind(ty)
        # past the loop the same name means the fact or 令 again: sure only when both read alike
        return field if not known or field == kind else None
    return kind


def same(kinds: list) -> Optional[str]:
    """The kind all of these are, if they are all one."""
    return kinds[0] if kinds and all(k == kinds[0] for k in kinds) else None


def fact_kind(ty: Optional[Ty]) -> Optional[str]:
    """What a fact of this type reads as: a judged value reads as its (finite) decimal."""
    if ty is None:
        return None
    if ty.kind in ("number", "integer", "rate", "judged"):
        return "decimal"
    return "bool" if ty.kind == "bool" else None
