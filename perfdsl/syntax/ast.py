"""The rule language's syntax tree: frozen records named after domain ideas.

Every node carries the ``Span`` it came from, so checkers, the evaluator's
trace and diagnostics can point at ``file:line:col``.  Nothing here knows
about Lark.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Optional, Union

import attrs

if TYPE_CHECKING:  # mypy's attrs plugin knows a class decorator only by its name
    from attrs import frozen
else:
    frozen = attrs.frozen(slots=True, eq=True, hash=False)


@attrs.frozen(slots=True, cache_hash=True)  # hashed on every traced line (a rate path looked up by its span)
class Span:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


NO_SPAN = Span("<builtin>", 0, 0, 0, 0)
PERCENT_SIGNS = ("%", "％")  # how a percentage literal ends (``Number.is_percent``)


# ------------------------------------------------------------------ expressions


@frozen
class Number:
    value: Decimal
    text: str  # as written, e.g. "30%" — traces and fmt show it back
    span: Span = attrs.field(eq=False)

    @property
    def is_percent(self) -> bool:
        return self.text.endswith(PERCENT_SIGNS)


@frozen
class String:
    value: str
    span: Span = attrs.field(eq=False)


@frozen
class DateLit:
    """A day written in a rule, 2024年6月30日."""

    value: datetime.date
    span: Span = attrs.field(eq=False)


@frozen
class Template:
    """Text with holes, ``"{名称}：{说明}"``: literal pieces and the paths whose values fill the holes."""

    parts: tuple[Union[str, "Path"], ...]
    span: Span = attrs.field(eq=False)

    @property
    def holes(self) -> list["Path"]:
        return [p for p in self.parts if not isinstance(p, str)]


@frozen
class Boolean:
    value: bool
    span: Span = attrs.field(eq=False)


@frozen
class Path:
    """A dotted reference: a named value, a fact, or a record field.

    ``star`` is the index in ``segments`` before which ``[*]`` stands: the
    path then yields a list (the items of a list, the values of a map).
    """

    segments: tuple[str, ...]
    star: Optional[int]
    span: Span = attrs.field(eq=False)

    @property
    def dotted(self) -> str:
        if self.star is None:
            return ".".join(self.segments)
        head = ".".join(self.segments[: self.star])
        tail = "".join("." + s for s in self.segments[self.star:])
        return f"{head}[*]{tail}"


@frozen
class Call:
    function: str
    args: tuple["Expr", ...]
    span: Span = attrs.field(eq=False)


@frozen
class Binary:
    op: str  # + - * /
    left: "Expr"
    right: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Negate:
    operand: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Compare:
    op: str  # < <= > >= = !=
    left: "Expr"
    right: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Logical:
    op: str  # and / or
    left: "Expr"
    right: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Not:
    operand: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Conditional:
    condition: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Interval:
    """An interval with explicit ends; ``None`` is an infinite end (always open)."""

    low: Optional["Expr"]
    high: Optional["Expr"]
    low_closed: bool
    high_closed: bool
    span: Span = attrs.field(eq=False)


@frozen
class InInterval:
    value: "Expr"
    interval: Interval
    span: Span = attrs.field(eq=False)


@frozen
class Arm:
    interval: Interval
    result: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Band:
    """Threshold bands: the first arm whose interval holds the subject wins."""

    subject: "Expr"
    arms: tuple[Arm, ...]
    span: Span = attrs.field(eq=False)


@frozen
class Case:
    key: Union[str, Decimal]
    result: "Expr"
    span: Span = attrs.field(eq=False)


@frozen
class Match:
    """A lookup of an enumeration (or number) value in a table of cases."""

    subject: "Expr"
    cases: tuple[Case, ...]
    span: Span = attrs.field(eq=False)


Expr = Union[
    Number, String, DateLit, Boolean, Path, Call, Binary, Negate, Compare, Logical, Not,
    Conditional, InInterval, Band, Match, Template,
]


LEAVES = frozenset((Number, String, DateLit, Boolean, Path))  # the expressions with none inside


def subexpressions(e: Expr) -> list[Expr]:
    """The expressions directly inside ``e``, in source order (for walks over formulas)."""
    if type(e) in LEAVES:
        return []
    if isinstance(e, (Binary, Compare, Logical)):
        return [e.left, e.right]
    if isinstance(e, (Negate, Not)):
        return [e.operand]
    if isinstance(e, Call):
        return list(e.args)
    if isinstance(e, Conditional):
        return [e.condition, e.then, e.otherwise]
    if isinstance(e, InInterval):
        return [e.value, *_bounds(e.interval)]
    if isinstance(e, Band):
        out = [e.subject]
        append = out.append
        for arm in e.arms:  # 12,000 arms in one band: no list per arm
            iv = arm.interval
            if iv.low is not None:
                append(iv.low)
            if iv.high is not None:
                append(iv.high)
            append(arm.result)
        return out
    if isinstance(e, Match):
        return [e.subject, *(c.result for c in e.cases)]
    if isinstance(e, Template):
        return list(e.holes)
    return []


def _bounds(iv: "Interval") -> list:
    return [b for b in (iv.low, iv.high) if b is not None]


# ------------------------------------------------------------------ facts


@frozen
class TypeExpr:
    """The declared type of a fact or record field.

    kind: text, bool, integer, number, rate, list, map, enum, record,
    judged_score, judged_deduction.
    """

    kind: str
    span: Span = attrs.field(eq=False)
    optional: bool = False
    element: Optional["TypeExpr"] = None  # list / map
    enum_name: Optional[str] = None  # enum by name
    enum_values: tuple[str, ...] = ()  # enum inline
    record_name: Optional[str] = None  # record by name
    fields: tuple["FieldDecl", ...] = ()  # record inline
    requires: tuple["Require", ...] = ()  # record inline
    interval: Optional[Interval] = None  # numeric range, or judgement range
    one_of: tuple[Decimal | str, ...] = ()


@frozen
class FieldDecl:
    name: str
    type: TypeExpr
    span: Span = attrs.field(eq=False)
    unit: Optional[str] = None  # 单位 "万元": display only
    label: Optional[str] = None  # 名称 "…": the name reports show the fact by


@frozen
class RecordType:
    name: str
    fields: tuple[FieldDecl, ...]
    requires: tuple["Require", ...]
    span: Span = attrs.field(eq=False)


@frozen
class EnumType:
    name: str
    values: tuple[str, ...]
    span: Span = attrs.field(eq=False)


# ------------------------------------------------------------------ indicators


@frozen
class Let:
    name: str
    expr: Expr
    span: Span = attrs.field(eq=False)
    declared: Optional[str] = None  # 令 x: 比率 = … → "rate"; 令 x: 数值 = … → "number"


@frozen
class NotApplicable:
    condition: Expr
    reason: str
    span: Span = attrs.field(eq=False)


@frozen
class Part:
    """A sub-item (子项) with its own points; an indicator's parts are summed."""

    name: str
    points: Decimal
    expr: Expr
    not_applicable: Optional[NotApplicable]
    span: Span = attrs.field(eq=False)


@frozen
class Formula:
    """The indicator's whole score as one expression (得分 = …)."""

    expr: Expr
    span: Span = attrs.field(eq=False)


@frozen
class Deduct:
    amount: Expr
    condition: Optional[Expr]
    reason: Optional[str]  # as written, holes and all
    span: Span = attrs.field(eq=False)
    template: Optional[Template] = None  # the reason, when it has {路径} holes: filled in each fact set


@frozen
class Skip:
    condition: Expr
    reason: str
    span: Span = attrs.field(eq=False)


@frozen
class EachDeduct:
    """Per-finding deductions over a list, optionally capped per category."""

    items: Path
    per_item: Expr
    describe: Optional[Expr]
    group_by: Optional[str]
    group_cap: Optional[Expr]
    total_cap: Optional[Expr]
    skip: Optional[Skip]
    span: Span = attrs.field(eq=False)
    reason: Optional[Expr] = None  # 理由 "{名称}：…": each item's own words, for a deduction and for a pass
    not_applicable: Optional[Skip] = None  # 不适用 若 … 理由 "…": items the criterion does not apply to


@frozen
class Require:
    condition: Expr
    message: str
    span: Span = attrs.field(eq=False)


@frozen
class StepDeduct:
    """逐级扣: so much per step by which a value falls below (or rises above) a limit, optionally capped."""

    value: Expr
    below: bool  # 低于: the shortfall counts; 高于: the excess
    limit: Expr
    step: Expr
    per_step: Expr
    whole: bool  # 整级计: a part of a step counts as a whole step
    cap: Optional[Expr]
    reason: Optional[str]
    span: Span = attrs.field(eq=False)


Statement = Union[Let, Part, Formula, Deduct, EachDeduct, StepDeduct, Require, NotApplicable]


@frozen
class Accept:
    """允许 W130 "理由": a warning on this indicator that its author has reviewed and accepts."""

    code: str
    reason: str
    span: Span = attrs.field(eq=False)


@frozen
class Indicator:
    """An indicator; ``kind`` is normal, or bonus (加分项) / penalty (减分项) outside the weight."""

    name: str
    weight: Optional[Decimal]
    kind: str
    declared_level: Optional[int]
    explanation: Optional[str]
    criteria: Optional[str]
    statements: tuple[Statement, ...]
    children: tuple["Indicator", ...]
    span: Span = attrs.field(eq=False)
    accepted: tuple[Accept, ...] = ()  # 允许: warnings reviewed and accepted, in source order

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def penalty(self) -> bool:
        return self.kind == "penalty"

    @property
    def outside(self) -> bool:
        """Bonus and penalty items do not count towards their parent's weight."""
        return self.kind != "normal"


# ------------------------------------------------------------------ system


@frozen
class Rounding:
    places: int
    mode: str  # half_up, half_even, down
    span: Span = attrs.field(eq=False)


@frozen
class Veto:
    condition: Expr
    grade: str
    reason: str
    span: Span = attrs.field(eq=False)


@frozen
class System:
    name: str
    title: Optional[str]
    rounding: Optional[Rounding]
    grades: tuple[Arm, ...]
    not_applicable_policy: Optional[str]  # full_marks | renormalise
    vetoes: tuple[Veto, ...]
    span: Span = attrs.field(eq=False)
    total: Optional[Decimal] = None  # 总分: what the first-level weights add up to (100 when not written)
    total_span: Optional[Span] = attrs.field(default=None, eq=False)
    title_span: Optional[Span] = attrs.field(default=None, eq=False)  # where 标题 and 不适用时 were written: fmt
    policy_span: Optional[Span] = attrs.field(default=None, eq=False)  # keeps the comments beside them


@frozen
class RuleFile:
    """One parsed file: its top-level items in source order."""

    path: str
    items: tuple[object, ...]
