"""The plan: a checked rule set lowered once, the single description every engine works from.

The plan holds the indicator tree with its weights and levels, each third-level indicator's
statements sorted by role (令, 不适用, 要求, base, deductions), the rule set's policies, and
the **sites**: every place in the rules that can record a trace step, numbered by one
deterministic walk.  Sites are a pure function of the rules, so a compact trace written in
one process is expanded in another by numbering the same walk, without building a scorer.

The code generator (``codegen``) and the compact-trace reader (``explain.compact``) both
read sites from here; the interpreter (``interp``) reads the tree, weights and policies.
"""

from __future__ import annotations

import functools
import threading
from decimal import Decimal
from typing import Callable, Optional

import attrs

from perfdsl.constructs import deduction, deduction_of
from perfdsl.interp import wording
from perfdsl.interp.builtins import BY_NAME, EXISTS_NAMES
from perfdsl.interp.numbers import ZERO, round_to, show
from perfdsl.interp.sentences import is_rate, percent_band
from perfdsl.interp.slots import FormulaText, Hole, Way
from perfdsl.interp.steps import Site as Site
from perfdsl.interp.steps import place_of
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import Choice, Operand, expr_text, interval_text, substitution

_NUMBERING = threading.Lock()


def weight_of(ind: A.Indicator) -> Decimal:
    """An indicator's points: its own 分值, else the sum of its children inside the total."""
    if ind.weight is not None:
        return ind.weight
    return sum((weight_of(c) for c in ind.children if not c.outside), ZERO)


def rate_paths(ty: Ty, prefix: str = "") -> frozenset:
    """Dotted paths of facts declared 比率, so traces can show them as percentages."""
    out: set = set()
    for name, fty in ty.fields.items():
        path = f"{prefix}.{name}" if prefix else name
        if fty.kind == "rate":
            out.add(path)
        elif fty.kind == "record":
            out |= rate_paths(fty, path)
    return frozenset(out)


def renormalises(rules) -> bool:
    """Whether a not-applicable indicator drops out and its siblings are scaled up (不适用时 重新归一)."""
    return rules.system is not None and rules.system.not_applicable_policy == "renormalise"


def slot_nodes(expr) -> list:
    """The paths and conditionals whose values a formula's substitution shows, in one fixed order, each once.

    A node may sit twice in a formula (the bound of ``x 属于 = 目标`` is both ends of its interval): it is one slot,
    where it is first met, as the traced generator keeps one variable per node."""
    out: list = []
    met: set = set()
    stack = [expr]
    while stack:
        x = stack.pop()
        if id(x) in met:
            continue
        met.add(id(x))
        if isinstance(x, A.Call) and x.function in EXISTS_NAMES:
            continue  # 存在(…) reads its path without keeping the value
        if isinstance(x, (A.Path, A.Conditional)):
            out.append(x)
        stack.extend(A.subexpressions(x))
    return out


def formula_text(expr, nodes: list, percent_paths: frozenset) -> FormulaText:
    """``expr``'s ``Substitution`` with its holes as slots in ``nodes`` order (its ``slot_nodes``; a path among none
    keeps its name), each path's rate flag decided now: filled, the text ``sentences.describe`` makes from the
    nodes."""
    slots = {id(node): n for n, node in enumerate(nodes)}
    ways: dict[int, object] = {}  # id(Choice) -> its Way (or its unknown parts): each made once, shared as it is

    def way(choice: Choice) -> object:
        made = ways.get(id(choice))
        if made is None:
            slot = slots.get(id(choice.node))
            if slot is None:  # a way nothing records is never known
                made = tuple(parts(choice.unknown, []))
            else:
                made = Way(slot, *(tuple(parts(w, [])) for w in (choice.held, choice.failed, choice.unknown)))
            ways[id(choice)] = made
        return made

    def parts(made, out: list) -> list:
        for part in made.parts:
            if type(part) is Choice:
                hole = way(part)
                if type(hole) is tuple:
                    for piece in hole:
                        _append(out, piece)
                    continue
            elif type(part) is str:
                hole = part
            else:  # a path, or a path as an operand of arithmetic (its value bracketed when negative)
                operand = type(part) is Operand
                path = part.path if operand else part
                slot = slots.get(id(path))
                hole = path.dotted if slot is None else Hole(slot, is_rate(path, percent_paths), path.dotted, operand)
            _append(out, hole)
        return out
    return FormulaText(tuple(parts(substitution(expr), [])))


def _append(out: list, part) -> None:
    """A part after the others, a text joined to the text before it."""
    if type(part) is str and out and type(out[-1]) is str:
        out[-1] += part
    else:
        out.append(part)


@attrs.define(eq=False)
class LeafPlan:
    """A third-level indicator's statements by role, in the order the rules give them."""

    indicator: A.Indicator
    index: int
    weight: Decimal
    lets: list
    not_applicable: list
    requires: list
    formula: Optional[A.Formula]
    parts: list
    deductions: list  # statements of the deduction phase (``constructs``), in order


@attrs.define(eq=False)
class PlanNode:
    indicator: A.Indicator
    level: int
    weight: Decimal
    leaf: Optional[LeafPlan]
    children: list


class Plan:
    """A checked rule set, lowered once; its sites numbered when first asked for."""

    def __init__(self, rules, facts_ty: Ty, percents: frozenset = frozenset()):
        self.rules = rules
        self.facts_ty = facts_ty
        self.rounding = rules.rounding
        self.renormalise = renormalises(rules)
        # shown as percentages: facts declared 比率 (by path) and the rates the checker found (by span)
        self.percent_paths = rate_paths(facts_ty) | percents
        self.leaves: list[LeafPlan] = []
        self.roots = [self._node(ind, 1) for ind in rules.roots]
        self.weight = sum((n.weight for n in self.roots if not n.indicator.outside), ZERO)
        self.globals = list(rules.globals.values())
        self._sites: Optional[list[Site]] = None  # numbered when first asked for (``sites``)
        self._walked: list[Site] = []
        self._keys: dict = {}
        self._formulas: dict[int, tuple] = {}  # id(expr) -> (expr, its slot nodes, its FormulaText)

    def __getstate__(self):
        """Sites are numbered by node identity (``_keys``): numbered again on arrival, when asked for."""
        state = self.__dict__.copy()
        state["_sites"], state["_walked"], state["_keys"], state["_formulas"] = None, [], {}, {}
        return state

    @property
    def sites(self) -> list[Site]:
        """Every place that can record a step, in the walk's order (a compact step's number is its place + 1).

        Numbered on first use: the interpreter and the untraced scorer never need them, and a site's texts (its
        formulas, intervals, names) are made as it is numbered."""
        return self._sites if self._sites is not None else self._numbered()

    def _numbered(self) -> list[Site]:
        with _NUMBERING:  # once, even when two threads ask at the same time (``perfdsl serve``)
            if self._sites is None:
                self._walked, self._keys = [], {}
                SiteWalk(self).run()
                self._sites = self._walked
        return self._sites

    def _node(self, ind: A.Indicator, level: int) -> PlanNode:
        if ind.children:
            return PlanNode(ind, level, weight_of(ind), None, [self._node(c, level + 1) for c in ind.children])
        st = ind.statements
        leaf = LeafPlan(ind, len(self.leaves), weight_of(ind),
                        [s for s in st if isinstance(s, A.Let)],
                        [s for s in st if isinstance(s, A.NotApplicable)],
                        [s for s in st if isinstance(s, A.Require)],
                        next((s for s in st if isinstance(s, A.Formula)), None),
                        [s for s in st if isinstance(s, A.Part)],
                        [s for s in st if deduction(s) is not None])
        self.leaves.append(leaf)
        return PlanNode(ind, level, leaf.weight, leaf, [])

    def fact_type(self, segments) -> Optional[Ty]:
        ty: Optional[Ty] = self.facts_ty
        for seg in segments:
            if ty is None or ty.kind != "record" or seg not in ty.fields:
                return None
            ty = ty.fields[seg]
        return ty

    def element_type(self, items: A.Path) -> Optional[Ty]:
        """The type of one finding of a 逐项扣 list, if declared."""
        ty = self.fact_type(items.segments)
        return ty.element if ty is not None and ty.kind == "list" else None

    def not_applicable_score(self, leaf: LeafPlan) -> tuple[Optional[Decimal], str]:
        """(score, the words for it) of an indicator that does not apply."""
        if leaf.indicator.outside:
            return ZERO, "不计加减分"
        if self.renormalise:
            return None, "不计分，其余指标重新归一"
        r = self.rounding
        return round_to(leaf.weight, r.places, r.mode), f"按满分 {show(leaf.weight)} 计"

    # ------------------------------------------------------------ sites
    def site(self, scope, node, role: str) -> int:
        """The number of the site ``role`` of AST ``node`` in ``scope`` (a leaf index, "g" or "grade")."""
        if self._sites is None:
            self._numbered()
        return self._keys[(scope, id(node), role)]

    def _add(self, scope, node, role: str, kind: Optional[str], span, render: Callable) -> None:
        key = (scope, id(node), role)
        if key not in self._keys:
            sites = self._walked
            sites.append(Site(kind, place_of(span), render))
            self._keys[key] = len(sites)

    def expand_steps(self, steps: list) -> list:
        """Compact steps of these rules → the interpreter's step objects."""
        from perfdsl.explain.compact import expand_steps
        return expand_steps(self.sites, steps)

    def describer(self, expr) -> FormulaText:
        """Payload (slot values in ``slot_nodes`` order, None for unseen) → the formula with those values: a
        ``FormulaText``, plain data a site pickles with."""
        return self.formula(expr)[1]

    def formula(self, expr) -> tuple[list, FormulaText]:
        """(``slot_nodes(expr)``, its ``FormulaText``), made once a formula: the sites fill it from a compact step's
        values, the interpreter's ``StepTracer`` from the values it saw."""
        hit = self._formulas.get(id(expr))
        if hit is None or hit[0] is not expr:
            nodes = slot_nodes(expr)
            hit = self._formulas[id(expr)] = (expr, nodes, formula_text(expr, nodes, self.percent_paths))
        return hit[1], hit[2]


class SiteWalk:
    """Numbers the sites: every indicator in order, then the shared 令, then the grade.

    Each site's ``render`` is a function of ``wording`` (or of a construct's words module) bound with
    ``functools.partial`` to the texts made from its nodes here, once: plain data, no node.
    """

    def __init__(self, plan: Plan):
        self.plan = plan
        self.scope: object = None
        self.lets: frozenset = frozenset()
        self.item: Optional[tuple] = None  # (findings path, field names, element type) inside 逐项扣
        # the dotted paths of facts declared 比率 (a record's fields are shown by them), without the checker's spans
        self.rates = frozenset(x for x in plan.percent_paths if isinstance(x, str))

    def run(self) -> None:
        p = self.plan
        for leaf in p.leaves:
            self.leaf(leaf)
        self.scope, self.lets, self.item = "g", frozenset(), None
        for let in p.globals:
            self.let(let)
        self.scope = "grade"
        system = p.rules.system
        if system is not None:
            for v in system.vetoes:
                self.expr(v.condition)
                p._add("grade", v, "veto", "veto", v.span, functools.partial(wording.veto, v.reason, v.grade))
            for arm in system.grades:
                self.interval(arm.interval)
                self.expr(arm.result)
                p._add("grade", arm, "grade", "grade", arm.span,
                       functools.partial(wording.grade, interval_text(arm.interval)))

    def add(self, node, role: str, kind: Optional[str], span, render: Callable) -> None:
        self.plan._add(self.scope, node, role, kind, span, render)

    def let(self, let: A.Let) -> None:
        pct = let.span in self.plan.percent_paths
        self.add(let, "value", "value", let.span, functools.partial(
            wording.let_filled, let.name, expr_text(let.expr), pct, self.plan.describer(let.expr)))
        self.expr(let.expr)

    def leaf(self, leaf: LeafPlan) -> None:
        p = self.plan
        ind = leaf.indicator
        self.scope, self.item = leaf.index, None
        self.lets = frozenset(s.name for s in leaf.lets)
        for let in leaf.lets:
            self.let(let)
        for s in leaf.not_applicable:
            _score, outcome = p.not_applicable_score(leaf)
            self.add(s, "na", "not_applicable", s.span,
                     functools.partial(wording.not_applicable, s.reason, expr_text(s.condition), outcome))
            self.expr(s.condition)
        for s in leaf.requires:
            self.expr(s.condition)
        if leaf.formula is not None:
            e = leaf.formula.expr
            self.add(leaf.formula, "formula", "formula", leaf.formula.span,
                     functools.partial(wording.formula_filled, expr_text(e), p.describer(e)))
            self.expr(e)
        elif leaf.parts:
            for part in leaf.parts:
                self.part(part)
        else:
            self.add(ind, "full", "formula", ind.span, functools.partial(wording.full_weight, leaf.weight))
        for d in leaf.deductions:
            deduction_of(d).sites(self, d)
        w = leaf.weight
        r = p.rounding
        self.add(ind, "subtotal", "subtotal", ind.span, wording.subtotal)
        self.add(ind, "floor", "floor", ind.span, wording.floor)
        self.add(ind, "cap", "cap", ind.span, functools.partial(wording.cap, w))
        rspan = r.span if r.span is not A.NO_SPAN else ind.span
        self.add(ind, "rounding", "rounding", rspan, functools.partial(wording.rounding, r.mode, r.places))
        self.add(ind, "score", "score", ind.span, functools.partial(wording.score, w))
        if ind.penalty:
            self.add(ind, "penalty", "penalty", ind.span, functools.partial(wording.penalty, w))

    def part(self, part: A.Part) -> None:
        na = part.not_applicable
        if na is not None:
            self.add(part, "na", "not_applicable", na.span,
                     functools.partial(wording.part_not_applicable, part.name, na.reason, part.points))
            self.expr(na.condition)
        self.add(part, "part", "part", part.span, functools.partial(
            wording.part_filled, part.name, part.points, expr_text(part.expr), self.plan.describer(part.expr)))
        self.expr(part.expr)

    def interval(self, iv: A.Interval) -> None:
        for end in (iv.low, iv.high):
            if end is not None:
                self.expr(end)

    def expr(self, e) -> None:
        if isinstance(e, A.Path):
            self.path(e)
            return
        if isinstance(e, A.Call):
            fn = BY_NAME.get(e.function)
            if fn is not None and fn.explain and e.function not in EXISTS_NAMES:
                self.add(e, "builtin", "builtin", e.span, functools.partial(wording.builtin, fn.name, fn.explain))
        elif isinstance(e, A.Band):
            subject, pct = expr_text(e.subject), percent_band(e)  # once a band, not once an arm
            for arm in e.arms:
                self.add(arm, "arm", "band", arm.span,
                         functools.partial(wording.band, subject, interval_text(arm.interval), pct))
                self.interval(arm.interval)
        elif isinstance(e, A.Match):
            words = functools.partial(wording.match, expr_text(e.subject))
            for case in e.cases:
                self.add(case, "arm", "match", case.span, words)
        elif isinstance(e, A.InInterval):
            self.interval(e.interval)
        for sub in A.subexpressions(e):
            self.expr(sub)

    def path(self, p: A.Path) -> None:
        segs = p.segments
        if self.item is not None and segs[0] in self.item[1]:
            ty = self.item[2]
            for seg in segs:
                ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
            if p.star is None and ty is not None and ty.kind == "judged":
                self.judged(p)
            return
        if len(segs) == 1 and p.star is None and (segs[0] in self.lets or segs[0] in self.plan.rules.globals):
            return
        if p.star is not None:
            self.add(p, "fact", "fact", p.span, functools.partial(wording.fact_read, p.dotted, False, frozenset()))
            return
        ty = self.plan.fact_type(segs)
        if ty is not None and ty.kind == "judged":
            self.judged(p)
            return
        path = ".".join(segs)
        self.add(p, "fact", "fact", p.span,
                 functools.partial(wording.fact_read, path, path in self.plan.percent_paths, self.rates))

    def judged(self, p: A.Path) -> None:
        """A 酌情 value read: its fact (never as a percentage), then the judgement with its reason."""
        self.add(p, "fact", "fact", p.span, wording.judged_fact)
        self.add(p, "judgement", "judgement", p.span, wording.judgement_read)
