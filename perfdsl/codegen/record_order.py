"""Whether a record's key order in the facts can reach a traced line (then its facts are copied in declared order).

Compact lines were checked by the copying facts check, which rebuilds every record with its fields in declared
order, because a few writers walk a dict's keys as they come: ``jt`` (the JSON of a value whose type the traced
generator does not know), ``finding_text`` naming a finding by all its fields, ``str`` of a grade.  (``shown``, which
fills templates, the title and 描述, writes any record as ``{…}``.)  Checked in place, a record keeps the input's
key order.  So the traced scorer records, as it writes each generic writer,
whether a record could be handed to it; only when none could (``TracedGenerator.order_free``) do compact lines use
the in-place check.  The typed encoders (``TracedGenerator.encoder``) write a record's fields by name, in declared
order.  Sound, not complete: a value whose type is not known is taken as possibly a record.
"""

from __future__ import annotations

from typing import Optional

from perfdsl.interp.builtins import BY_NAME, EXISTS_NAMES
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A

# the fields ``each_deduct_words.finding_text`` names a finding by, in its order; with none a text, it shows all fields
NAMING_FIELDS = ("说明", "描述", "名称", "项目")
_NO_RECORD = ("number", "bool", "text", "date")  # builtin results that are never a record


def holds_record(ty: Optional[Ty]) -> bool:
    """Whether a value of this type can be or contain a record (not known: it can)."""
    if ty is None or ty.kind in ("any", "record"):
        return True
    if ty.kind in ("list", "map"):
        return holds_record(ty.element)
    return False


def field_type(ty: Optional[Ty], segments) -> Optional[Ty]:
    for seg in segments:
        ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
    return ty


def path_type(root: Optional[Ty], p: A.Path) -> Optional[Ty]:
    """The type of what ``p`` reads from ``root``; for ``a[*].b``, the type of each value (a list of them is read)."""
    if p.star is None:
        return field_type(root, p.segments)
    ty = field_type(root, p.segments[:p.star])
    ty = ty.element if ty is not None and ty.kind in ("list", "map") else None
    return field_type(ty, p.segments[p.star:])


def named_by_a_text(element: Optional[Ty]) -> bool:
    """Whether ``finding_text`` surely names a finding of this type by one text field (not by all its fields)."""
    if element is None or element.kind != "record":
        return element is not None and not holds_record(element)
    return any(name in element.fields and not element.fields[name].optional
               and element.fields[name].kind in ("text", "enum") for name in NAMING_FIELDS)


def naming_field(element: Optional[Ty]) -> Optional[str]:
    """The field ``finding_text`` surely names a finding of this type by ("": the finding is a text itself), or None.

    In a traced 逐项扣 loop a record finding holds exactly its declared fields, each checked (an absent one sends
    the line to the interpreter), so a text or enum field is a ``str`` and a field of any other known kind never is:
    ``finding_text`` takes the first text of ``NAMING_FIELDS``, in that order.
    """
    if element is not None and element.kind in ("text", "enum"):
        return ""
    if element is None or element.kind != "record":
        return None
    for name in NAMING_FIELDS:
        ty = element.fields.get(name)
        if ty is None or ty.kind in _NEVER_TEXT:
            continue
        return name if ty.kind in ("text", "enum") else None  # "any": maybe a str, maybe not
    return None


_NEVER_TEXT = ("number", "integer", "rate", "bool", "date", "judged", "list", "map", "record")


def may_hold_record(gen, e, seen: frozenset = frozenset()) -> bool:
    """Whether the value of ``e`` can be or contain a record, where ``gen`` (a ``TracedGenerator``) is writing."""
    if isinstance(e, A.Path):
        return _path_may_hold(gen, e, seen)
    if isinstance(e, A.Conditional):
        return may_hold_record(gen, e.then, seen) or may_hold_record(gen, e.otherwise, seen)
    if isinstance(e, A.Band):
        return any(may_hold_record(gen, arm.result, seen) for arm in e.arms)
    if isinstance(e, A.Match):
        return any(may_hold_record(gen, case.result, seen) for case in e.cases)
    if isinstance(e, A.Binary):  # numbers, or texts joined by +: the checker allows nothing else
        return may_hold_record(gen, e.left, seen) or may_hold_record(gen, e.right, seen)
    if isinstance(e, A.Call):
        if e.function in EXISTS_NAMES:  # not in the table of builtins: a bool
            return False
        fn = BY_NAME.get(e.function)
        return fn is None or fn.result not in _NO_RECORD
    return False  # literals, templates (text), comparisons and logic (bool), negation (number)


def _path_may_hold(gen, p: A.Path, seen: frozenset) -> bool:
    first = p.segments[0]
    if gen._item is not None and first in gen._item[0]:  # a finding's own field
        if holds_record(path_type(gen._item[1], p)):
            return True
        lets = gen._lets()
        facts = gen.plan.facts_ty
        if not any(let.name == first for let in lets) and (facts is None or first not in facts.fields):
            return False  # past the loop the same name would be the fact or 令 again: there is none
    if len(p.segments) == 1 and p.star is None:
        for let in gen._lets():  # local 令 first, as names resolve
            if let.name == first:
                return first in seen or may_hold_record(gen, let.expr, seen | {first})
    return holds_record(path_type(gen.plan.facts_ty, p))

