"""Band analysis: which values no band covers, which bands overlap, which can never match.

The domain of a band's subject comes from the facts' declared ranges (a 比率 at most
100% unless its range allows more, as the facts reader enforces, ``ruleset/rates.py``), what
the formula can produce (abs ≥ 0, a ratio of non-negative amounts ≥ 0),
the 要求 of the indicator and the conditions around the band
(inside ``若 x > 100% 则 … 否则 区间 x {…}`` the band only sees x ≤ 100%).
The real line is cut at every bound; each cut point and each open piece
between is tested, so open and closed ends are exact; only by comparing bounds,
never by arithmetic on them, so no decimal context is involved.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Iterator, Optional

import attrs

from perfdsl.constructs import deduction
from perfdsl.diagnostics import Diagnostic, Note, error, warning
from perfdsl.interp import dates
from perfdsl.interp.numbers import show
from perfdsl.ruleset.rates import ONE, rate_ceiling
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text, interval_text

if TYPE_CHECKING:
    from perfdsl.ruleset.loader import RuleSet

# (kind "seg" | "pt", low end, high end): a piece of the real line
Atom = tuple[str, Optional[Decimal], Optional[Decimal]]


@attrs.frozen
class Dom:
    """An interval of possible values; None ends are infinite."""

    lo: Optional[Decimal] = None
    lo_closed: bool = False
    hi: Optional[Decimal] = None
    hi_closed: bool = False

    def contains(self, x: Decimal) -> bool:
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_closed)):
            return False
        if self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_closed)):
            return False
        return True

    def meet(self, other: "Dom") -> "Dom":
        lo, lc = self.lo, self.lo_closed
        if other.lo is not None and (lo is None or other.lo > lo or (other.lo == lo and not other.lo_closed)):
            lo, lc = other.lo, other.lo_closed
        hi, hc = self.hi, self.hi_closed
        if other.hi is not None and (hi is None or other.hi < hi or (other.hi == hi and not other.hi_closed)):
            hi, hc = other.hi, other.hi_closed
        return Dom(lo, lc, hi, hc)

    def hull(self, other: "Dom") -> "Dom":
        if self.lo is None or other.lo is None:
            lo, lc = None, False
        elif self.lo != other.lo:
            lo, lc = (self.lo, self.lo_closed) if self.lo < other.lo else (other.lo, other.lo_closed)
        else:
            lo, lc = self.lo, self.lo_closed or other.lo_closed
        if self.hi is None or other.hi is None:
            hi, hc = None, False
        elif self.hi != other.hi:
            hi, hc = (self.hi, self.hi_closed) if self.hi > other.hi else (other.hi, other.hi_closed)
        else:
            hi, hc = self.hi, self.hi_closed or other.hi_closed
        return Dom(lo, lc, hi, hc)

    @property
    def nonneg(self) -> bool:
        return self.lo is not None and self.lo >= 0


ALL = Dom()
NONNEG = Dom(Decimal(0), True)
MAX_DOMAIN_DEPTH = 50  # deeper than this (令 chains, nested formulas), a domain is "any value"
_NO_LETS: dict = {}  # the 令 table and narrowing of a global 令: no local 令, nothing narrowed (never mutated)
_NO_NARROWING: dict = {}


def _const(e: Optional[A.Expr]) -> Optional[Decimal]:
    if isinstance(e, A.Number) and e.value.is_finite():
        return e.value
    if isinstance(e, A.Negate):
        v = _const(e.operand)
        return -v if v is not None else None
    return None


def _ordinal(e: Optional[A.Expr]) -> Optional[Decimal]:
    return Decimal(e.value.toordinal()) if isinstance(e, A.DateLit) else None


def _day_dom(op: str, d: Decimal) -> Dom:
    """``x op d`` for a day ``x``: each day is the piece [n, n + 1) of the line, so the analysis is exact for days."""
    return {"<": Dom(None, False, d, False), "<=": Dom(None, False, d + 1, False), ">": Dom(d + 1, True, None, False),
            ">=": Dom(d, True, None, False), "=": Dom(d, True, d + 1, False)}[op]


def _is_days(iv: A.Interval) -> bool:
    return isinstance(iv.low, A.DateLit) or isinstance(iv.high, A.DateLit)


def _dom_of_interval(iv: Optional[A.Interval]) -> Optional[Dom]:
    if iv is None:
        return None
    low, high = iv.low, iv.high
    if type(low) is A.Number and type(high) is A.Number and low.value.is_finite() and high.value.is_finite():
        return Dom(low.value, iv.low_closed, high.value, iv.high_closed)  # the common arm, as below without the calls
    if _is_days(iv):
        lo, hi = _ordinal(iv.low), _ordinal(iv.high)
        if (iv.low is not None and lo is None) or (iv.high is not None and hi is None):
            return None  # a day and something else: the checker reports it
        dom = ALL
        if lo is not None:
            dom = dom.meet(_day_dom(">=" if iv.low_closed else ">", lo))
        if hi is not None:
            dom = dom.meet(_day_dom("<=" if iv.high_closed else "<", hi))
        return dom
    lo = _const(iv.low) if iv.low is not None else None
    hi = _const(iv.high) if iv.high is not None else None
    if (iv.low is not None and lo is None) or (iv.high is not None and hi is None):
        return None
    return Dom(lo, iv.low_closed, hi, iv.high_closed)


class BandChecker:
    def __init__(self, rules: RuleSet, facts_ty: Ty):
        self.rules = rules
        self.facts = facts_ty
        self.out: list[Diagnostic] = []
        self._domains: dict[tuple, tuple[Dom, A.Expr, dict]] = {}

    def run(self) -> list[Diagnostic]:
        for _, band, _, dom in self.bands():
            percent = any(isinstance(end, A.Number) and end.text.endswith(A.PERCENT_SIGNS)
                          for arm in band.arms for end in (arm.interval.low, arm.interval.high))
            days = any(_is_days(arm.interval) for arm in band.arms)
            self.arms(band.arms, dom, expr_text(band.subject), band.span, percent, days)
        system = self.rules.system
        if system is not None and system.grades:
            self.arms(system.grades, ALL, "总分", system.grades[0].span, percent=False)
        return self.out

    def bands(self) -> Iterator[tuple]:
        """(indicator, band, its 令 values, the domain of the band's subject) for every band, in rule order.

        The one walk both the gap/overlap checks and ``perfdsl test --edges`` use.
        """
        for root in self.rules.roots:
            yield from self._indicator_bands(root)

    def _indicator_bands(self, ind: A.Indicator) -> Iterator[tuple]:
        lets = {s.name: s for s in ind.statements if isinstance(s, A.Let)}
        narrow: dict[str, Dom] = {}
        for s in ind.statements:
            if isinstance(s, A.Require):
                narrow = self.assume(s.condition, True, narrow)
        for s in ind.statements:
            for e in _exprs(s):
                yield from self.walk(e, ind, lets, narrow)
        for c in ind.children:
            yield from self._indicator_bands(c)

    # ------------------------------------------------------------ narrowing
    def assume(self, cond: A.Expr, truth: bool, narrow: dict[str, Dom]) -> dict[str, Dom]:
        if isinstance(cond, A.Logical) and cond.op == "and" and truth:
            return self.assume(cond.right, True, self.assume(cond.left, True, narrow))
        if isinstance(cond, A.Logical) and cond.op == "or" and not truth:
            return self.assume(cond.right, False, self.assume(cond.left, False, narrow))
        if isinstance(cond, A.Not):
            return self.assume(cond.operand, not truth, narrow)
        if isinstance(cond, A.Compare) and isinstance(cond.left, A.Path) and isinstance(cond.right, A.DateLit):
            op = cond.op if truth else {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}[cond.op]
            if op != "!=":
                day = _ordinal(cond.right)
                assert day is not None
                new = dict(narrow)
                new[cond.left.dotted] = narrow.get(cond.left.dotted, ALL).meet(_day_dom(op, day))
                return new
        if isinstance(cond, A.Compare) and isinstance(cond.left, A.Path) and _const(cond.right) is not None:
            c = _const(cond.right)
            op = cond.op if truth else {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}[cond.op]
            dom = {"<": Dom(None, False, c, False), "<=": Dom(None, False, c, True),
                   ">": Dom(c, False, None, False), ">=": Dom(c, True, None, False),
                   "=": Dom(c, True, c, True)}.get(op)
            if dom is not None:
                key = cond.left.dotted
                new = dict(narrow)
                new[key] = narrow.get(key, ALL).meet(dom)
                return new
        return narrow

    # ------------------------------------------------------------ domains
    def domain(self, e: A.Expr, lets: dict[str, A.Let], narrow: dict[str, Dom], depth: int = 0) -> Dom:
        """The domain of ``e``, memoised on (node, its 令 values, the narrowing, depth).

        The depth is part of the key so a value is the same whichever walk reaches it first; with
        it, each node is worked out at most ``MAX_DOMAIN_DEPTH + 1`` times per narrowing, so
        ``令 x2 = 比值(x1, x1, x1)`` chains cost linear, not exponential, time.
        """
        if depth > MAX_DOMAIN_DEPTH:
            return ALL
        key = (id(e), id(lets), frozenset(narrow.items()), depth)
        hit = self._domains.get(key)
        if hit is not None:
            return hit[0]
        dom = self._domain(e, lets, narrow, depth)
        self._domains[key] = (dom, e, lets)  # the node and the 令 table stay alive, so their ids are not reused
        return dom

    def _domain(self, e: A.Expr, lets: dict[str, A.Let], narrow: dict[str, Dom], depth: int) -> Dom:
        if isinstance(e, A.Number):
            v = _const(e)
            return Dom(v, True, v, True) if v is not None else ALL
        if isinstance(e, A.Path):
            base = ALL
            if len(e.segments) == 1 and e.star is None and e.segments[0] in lets:
                base = self.domain(lets[e.segments[0]].expr, lets, narrow, depth + 1)
            elif len(e.segments) == 1 and e.star is None and e.segments[0] in self.rules.globals:
                # one shared empty table and narrowing: the memo's key holds their ids, so a fresh {} per
                # reference would miss it every time (a chain of global 令 was exponential again)
                base = self.domain(self.rules.globals[e.segments[0]].expr, _NO_LETS, _NO_NARROWING, depth + 1)
            else:
                base = self.fact_domain(e)
            return base.meet(narrow.get(e.dotted, ALL))
        if isinstance(e, A.Call):
            name = e.function
            if name in ("abs", "绝对值", "count", "计数"):
                return NONNEG
            if name in ("sum", "求和") and e.args and isinstance(e.args[0], A.Path):
                return NONNEG if self.fact_domain(e.args[0]).nonneg else ALL
            if name in ("ratio", "比值") and len(e.args) == 3:
                parts = [self.domain(a, lets, narrow, depth + 1) for a in e.args]
                if all(p.nonneg for p in parts):
                    return NONNEG
            return ALL
        if isinstance(e, A.Binary):
            left = self.domain(e.left, lets, narrow, depth + 1)
            right = self.domain(e.right, lets, narrow, depth + 1)
            if e.op in "+*/" and left.nonneg and right.nonneg:
                return NONNEG
            return ALL
        if isinstance(e, A.Conditional):
            a = self.domain(e.then, lets, self.assume(e.condition, True, narrow), depth + 1)
            b = self.domain(e.otherwise, lets, self.assume(e.condition, False, narrow), depth + 1)
            return a.hull(b)
        return ALL

    def fact_domain(self, p: A.Path) -> Dom:
        ty = self.facts
        for i, seg in enumerate(p.segments):
            if p.star is not None and i == p.star:
                if ty.element is None:
                    return ALL
                ty = ty.element
            if ty.kind != "record" or seg not in ty.fields:
                return ALL
            ty = ty.fields[seg]
        if ty.decl is None:
            return ALL
        dom = _dom_of_interval(ty.decl.interval)
        numbers = [x for x in ty.decl.one_of if isinstance(x, Decimal)]
        if ty.decl.one_of and len(numbers) == len(ty.decl.one_of):
            vals = sorted(numbers)
            dom = Dom(vals[0], True, vals[-1], True)
        if ty.kind == "rate" and rate_ceiling(ty.decl) is not None:  # facts above 100% are refused (F021)
            return (dom or ALL).meet(Dom(None, False, ONE, True))
        return dom or ALL

    # ------------------------------------------------------------ walking
    def walk(self, e: A.Expr, ind: A.Indicator, lets: dict[str, A.Let], narrow: dict[str, Dom]) -> Iterator[tuple]:
        if isinstance(e, A.Conditional):
            yield from self.walk(e.condition, ind, lets, narrow)
            yield from self.walk(e.then, ind, lets, self.assume(e.condition, True, narrow))
            yield from self.walk(e.otherwise, ind, lets, self.assume(e.condition, False, narrow))
            return
        if isinstance(e, A.Band):
            yield from self.walk(e.subject, ind, lets, narrow)
            yield ind, e, lets, self.domain(e.subject, lets, narrow)
            leaves = A.LEAVES
            for arm in e.arms:
                if type(arm.result) not in leaves:  # a number or a name has no band inside
                    yield from self.walk(arm.result, ind, lets, narrow)
            return
        for child in A.subexpressions(e):
            yield from self.walk(child, ind, lets, narrow)

    def arms(self, arms: tuple[A.Arm, ...], dom: Dom, subject: str, span: A.Span, percent: bool,
             days: bool = False) -> None:
        """Gaps, overlaps and dead arms, in O(n log n) for n arms.

        The bounds are sorted once into atoms (cut points and the open pieces between); every arm
        and the domain cover a contiguous run of atoms, found by index, never by arithmetic on the
        bounds. Each atom's first arm is painted once, left to right, skipping painted atoms.
        """
        maybe = [_dom_of_interval(a.interval) for a in arms]
        doms = [d for d in maybe if d is not None]
        if len(doms) < len(maybe):
            return  # a bound that is not a constant: nothing exact to say
        cuts = sorted({x for d in doms for x in (d.lo, d.hi) if x is not None}
                      | {x for x in (dom.lo, dom.hi) if x is not None})
        atoms = _atoms(cuts)
        where = {c: 2 * i + 1 for i, c in enumerate(cuts)}  # a cut point's atom
        d_lo, d_hi = _span_of(dom, where, len(atoms))
        first_arm: list[Optional[int]] = [None] * len(atoms)  # atom → the first arm that covers it
        nxt = list(range(len(atoms) + 1))  # atom → the next atom not yet painted (path-halving union-find)

        def unpainted(k: int) -> int:
            while nxt[k] != k:
                nxt[k] = nxt[nxt[k]]
                k = nxt[k]
            return k

        ranges = [_span_of(d, where, len(atoms)) for d in doms]
        painted: list[list[int]] = []
        for i, (lo, hi) in enumerate(ranges):
            lo, hi = max(lo, d_lo), min(hi, d_hi)
            mine = []
            k = unpainted(lo) if lo < hi else hi
            while k < hi:
                first_arm[k] = i
                mine.append(k)
                nxt[k] = k + 1
                k = unpainted(k + 1)
            painted.append(mine)
        flags = [d_lo <= k < d_hi and first_arm[k] is None for k in range(len(atoms))]
        for lo_atom, hi_atom in _runs(atoms, flags):
            text = _interval_text(lo_atom, hi_atom, percent, days)
            self.out.append(error("E160", f"区间没有覆盖 {subject} ∈ {text}：这样的值会使评分报错", span,
                                  suggestions=[f"补上覆盖 {text} 的一档，或用 要求 写明它是不允许的输入"]))
        for i, arm in enumerate(arms):
            lo, hi = ranges[i]
            s, e = max(lo, d_lo), min(hi, d_hi)  # the atoms of this arm inside the domain
            if s >= e:
                if d_lo >= d_hi or lo >= hi:
                    continue
                self.out.append(warning("W162", f"这一档 {interval_text(arm.interval)} 在 {subject} "
                                                f"可能的取值范围内永远不会用到", arm.span))
                continue
            mine = painted[i]
            if not mine:
                first = first_arm[s]
                assert first is not None
                self.out.append(warning("W162", f"这一档 {interval_text(arm.interval)} 永远不会用到："
                                                "前面的档次已覆盖它", arm.span,
                                        notes=[Note(arms[first].span, "被这一档覆盖")]))
                continue
            if len(mine) < e - s:  # some atoms of [s, e) were painted by earlier arms
                j = 0
                while j < len(mine) and mine[j] == s + j:
                    j += 1
                first_overlap = s + j
                j = 0
                while j < len(mine) and mine[-1 - j] == e - 1 - j:
                    j += 1
                last_overlap = e - 1 - j
                first = first_arm[first_overlap]
                assert first is not None
                overlap = _interval_text(atoms[first_overlap], atoms[last_overlap], percent, days)
                self.out.append(warning("W161", f"这一档 {interval_text(arm.interval)} 与前面的档次重叠于 {overlap}"
                                                "；重叠部分按前一档计分",
                                        arm.span, notes=[Note(arms[first].span, "前一档")]))


def _span_of(d: Dom, where: dict[Decimal, int], n: int) -> tuple[int, int]:
    """The atoms [start, end) an interval covers; its ends are cut points."""
    start = 0 if d.lo is None else where[d.lo] + (0 if d.lo_closed else 1)
    end = n if d.hi is None else where[d.hi] + (1 if d.hi_closed else 0)
    return start, end


def _atoms(cuts: list[Decimal]) -> list[Atom]:
    """(kind, low, high): open pieces and cut points, left to right (no arithmetic on the bounds)."""
    out: list[Atom] = [("seg", None, cuts[0] if cuts else None)]
    for i, c in enumerate(cuts):
        out.append(("pt", c, c))
        out.append(("seg", c, cuts[i + 1] if i + 1 < len(cuts) else None))
    return out


def _runs(atoms, flags):
    run = None
    for atom, flag in zip(atoms, flags, strict=True):
        if flag:
            run = (run[0], atom) if run else (atom, atom)
        elif run:
            yield run
            run = None
    if run:
        yield run


def _interval_text(first, last, percent: bool, days: bool = False) -> str:
    if days:  # pieces [n, n + 1) of days: from the first day to the last
        lo, hi = first[1], last[2]
        start = "-∞" if lo is None else dates.chinese(datetime.date.fromordinal(int(lo)))
        end = "∞" if hi is None else dates.chinese(datetime.date.fromordinal(int(hi) - 1))
        return f"{'(' if lo is None else '['}{start}, {end}{')' if hi is None else ']'}"

    def num(x):
        if x is None:
            return None
        return "0" if x == 0 else show(x, percent)
    if first[0] == "pt" and last[0] == "pt" and first[1] == last[1]:
        return f"[{num(first[1])}, {num(first[1])}]"
    lo = num(first[1])
    hi = num(last[2])
    left = "[" if first[0] == "pt" else "("
    right = "]" if last[0] == "pt" else ")"
    return f"{left}{lo if lo is not None else '-∞'}, {hi if hi is not None else '∞'}{right}"


def _exprs(s):
    if isinstance(s, A.Let):
        return [s.expr]
    if isinstance(s, A.Part):
        return [s.expr]
    if isinstance(s, A.Formula):
        return [s.expr]
    construct = deduction(s)
    return construct.expressions(s) if construct is not None else []
