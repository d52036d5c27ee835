"""Indicators over one fact set: parts, deductions, caps, floors, rounding, grade.

A third-level indicator scores ``base − deductions`` where base is its
得分 formula, else the sum of its 子项 (each clamped to its points), else its
full weight; the result is floored at 0, capped at the weight and rounded
once.  Groups sum their children's rounded scores.
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Optional

import attrs

from perfdsl.syntax import ast as A
from perfdsl.interp import sentences
from perfdsl.diagnostics import Diagnostic, error
from perfdsl.interp.evaluator import Env, EvalError, Evaluator, point
from perfdsl.ruleset.loader import RuleSet
from perfdsl.interp.numbers import CONTEXT, ZERO, round_to, show
from perfdsl.interp.tracer import Step, Tracer
from perfdsl.plan import renormalises, weight_of


@attrs.define(eq=False)
class Node:
    indicator: Optional[A.Indicator]
    name: str
    level: int
    weight: Decimal
    score: Optional[Decimal] = None
    children: list["Node"] = attrs.Factory(list)
    steps: Optional[list[Step]] = None
    status: str = "ok"  # ok | error | not_applicable
    errors: list[Diagnostic] = attrs.Factory(list)
    unrounded: Optional[Decimal] = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def leaves(self):
        return [n for n in self.walk() if n.is_leaf and n.indicator is not None]


@attrs.define(eq=False)
class Result:
    rules: RuleSet
    root: Node
    grade: Optional[str]
    grade_steps: Optional[list[Step]]
    errors: list[Diagnostic]
    warnings: list[Diagnostic]

    @property
    def ok(self) -> bool:
        return not self.errors


def aggregate(node: Node, rounding) -> None:
    """A group's score: the sum of its children's rounded scores.

    Under ``不适用时 重新归一`` the not-applicable children drop out and the others are
    scaled up so that the group keeps its weight: Σ scores × weight ÷ Σ applicable weights.
    """
    if node.is_leaf:
        return
    for c in node.children:
        aggregate(c, rounding)
    if any(c.status == "error" for c in node.children):
        node.score = None
        node.status = "error"
        return
    inside = [c for c in node.children if not _outside(c)]
    excluded = [c for c in inside if c.status == "not_applicable" and c.score is None]
    extra = sum((c.score for c in node.children if _outside(c) and c.score is not None), ZERO)
    if not excluded:
        node.score = sum((c.score for c in inside), ZERO) + extra
        return
    counted = [c for c in inside if c not in excluded]
    if not counted:
        node.status = "not_applicable"
        node.score = None
        node.steps = [Step(1, None, "not_applicable", "下级指标全部不适用，本指标不计分", None, {})]
        return
    applicable = sum((c.weight for c in counted), ZERO)
    subtotal = sum((c.score for c in counted), ZERO)
    r = rounding
    scaled = round_to(subtotal * node.weight / applicable, r.places, r.mode)
    names = "、".join(f"{c.name}（{show(c.weight)} 分）" for c in excluded)
    node.steps = [Step(1, None, "renormalise",
                       f"重新归一：{names} 不适用，不计；其余指标得分 {show(subtotal)} / 分值 {show(applicable)} × "
                       f"{show(node.weight)} = {show(scaled)}",
                       None, {"excluded": [c.name for c in excluded], "subtotal": str(subtotal),
                              "applicable_weight": str(applicable), "value": str(scaled)})]
    node.score = scaled + extra


class Scorer:
    """Scores fact sets against one checked rule set."""

    def __init__(self, rules: RuleSet, percent_paths: frozenset = frozenset()):
        self.rules = rules
        self.rounding = rules.rounding
        self.percent_paths = percent_paths
        self.renormalise = renormalises(rules)

    def score(self, facts: dict, trace: bool = True, warnings: tuple = (), hits: Optional[set] = None) -> Result:
        with decimal.localcontext(CONTEXT):
            ev = Evaluator(self.rules.globals, facts, None, self.percent_paths)
            ev.hits = hits
            roots = [self._node(ind, 1, ev, trace) for ind in self.rules.roots]
            root = Node(None, self._title(facts), 0, sum((n.weight for n in roots if not _outside(n)), ZERO),
                        children=roots)
            aggregate(root, self.rounding)
            errors = [d for n in root.walk() for d in n.errors]
            grade, grade_steps = (None, None)
            if root.score is not None:
                try:
                    grade, grade_steps = self._grade(root.score, facts, trace, hits)
                except EvalError as err:
                    errors.append(err.diagnostic)
        return Result(self.rules, root, grade, grade_steps, errors, list(warnings))

    # ------------------------------------------------------------ tree
    def _node(self, ind: A.Indicator, level: int, ev: Evaluator, trace: bool) -> Node:
        node = Node(ind, ind.name, level, weight_of(ind))
        if ind.children:
            node.children = [self._node(c, level + 1, ev, trace) for c in ind.children]
            return node
        tracer = Tracer() if trace else None
        ev.tracer = tracer
        ev._seen = {} if tracer is not None else None
        try:
            self._leaf(ind, node, ev, tracer)
        except EvalError as err:
            node.status = "error"
            node.errors.append(err.diagnostic)
            node.score = None
            if tracer is not None:
                tracer.add("error", err.diagnostic.span, f"无法评分：{err.diagnostic.message}", {})
        finally:
            if tracer is not None:
                node.steps = tracer.steps
            ev.tracer = None
            ev._seen = None
        return node

    def _title(self, facts: dict) -> str:
        system = self.rules.system
        if system is None or not system.title:
            return self.rules.name

        def fill(m):
            cur = facts
            for seg in m.group(1).split("."):
                if not isinstance(cur, dict) or seg not in cur:
                    return m.group(0)
                cur = cur[seg]
            return show(cur) if isinstance(cur, Decimal) else str(cur)
        return re.sub(r"\{([^{}]+)\}", fill, system.title)

    def _grade(self, total: Decimal, facts: dict, trace: bool, hits: Optional[set] = None):
        system = self.rules.system
        if system is None or not system.grades:
            return None, None
        tracer = Tracer() if trace else None
        ev = Evaluator(self.rules.globals, facts, tracer, self.percent_paths)
        env = Env({})
        for veto in system.vetoes:
            if ev.boolean(veto.condition, env):
                if hits is not None:
                    hits.add(point("veto", veto.span))
                if tracer is not None:
                    tracer.add("veto", veto.span, *sentences.veto(veto))
                return veto.grade, (tracer.steps if tracer else None)
        for arm in system.grades:
            if ev.contains(arm.interval, total, env):
                if hits is not None:
                    hits.add(point("grade", arm.span))
                grade = ev.value(arm.result, env)
                if tracer is not None:
                    tracer.add("grade", arm.span, *sentences.grade(total, arm, grade))
                return str(grade), (tracer.steps if tracer else None)
        raise EvalError(error("E340", f"总分 {show(total)} 不在任何等级区间内", system.span))

    # ------------------------------------------------------------ leaf
    def _leaf(self, ind: A.Indicator, node: Node, ev: Evaluator, tr: Optional[Tracer]) -> None:
        env = Env({s.name: s for s in ind.statements if isinstance(s, A.Let)})
        weight = node.weight
        for s in ind.statements:
            if isinstance(s, A.NotApplicable) and ev.boolean(s.condition, env):
                _hit(ev, "na", s.span)
                node.status = "not_applicable"
                if ind.outside:
                    node.score, outcome = ZERO, "不计加减分"
                elif self.renormalise:
                    node.score, outcome = None, "不计分，其余指标重新归一"
                else:
                    node.score, outcome = round_to(weight, self.rounding.places, self.rounding.mode), f"按满分 {show(weight)} 计"
                if tr is not None:
                    tr.add("not_applicable", s.span, *sentences.not_applicable(s, outcome))
                return
        for s in ind.statements:
            if isinstance(s, A.Require) and not ev.boolean(s.condition, env):
                _hit(ev, "require", s.span)
                raise EvalError(error("E350", f"{ind.name}：{s.message}（{ev.describe(s.condition)} 不成立）",
                                      s.span, fact_path=_first_fact(s.condition)))
        formula = next((s for s in ind.statements if isinstance(s, A.Formula)), None)
        parts = [s for s in ind.statements if isinstance(s, A.Part)]
        if formula is not None:
            base, step = _opened(tr, "formula", formula.span, ev, formula.expr, env)
            if step is not None:
                step.text, step.data = sentences.formula(formula.expr, base, ev.describe(formula.expr))
        elif parts:
            base = ZERO
            for p in parts:
                base += self._part(p, ev, env, tr)
        else:
            base = weight
            if tr is not None:
                tr.add("formula", ind.span, *sentences.full_weight(weight))
        deducted = ZERO
        for s in ind.statements:
            if isinstance(s, A.Deduct):
                deducted += self._deduct(s, ev, env, tr)
            elif isinstance(s, A.EachDeduct):
                deducted += self._each(s, ev, env, tr)
        raw = base - deducted
        if tr is not None and deducted:
            tr.add("subtotal", ind.span, *sentences.subtotal(base, deducted, raw))
        if raw < 0:
            _hit(ev, "floor", ind.span)
            if tr is not None:
                tr.add("floor", ind.span, *sentences.floor(raw))
            raw = ZERO
        if raw > weight:
            _hit(ev, "cap", ind.span)
            if tr is not None:
                tr.add("cap", ind.span, *sentences.cap(raw, weight))
            raw = weight
        r = self.rounding
        score = round_to(raw, r.places, r.mode)
        node.unrounded = raw
        if tr is not None:
            if score != raw:
                tr.add("rounding", r.span if r.span is not A.NO_SPAN else ind.span,
                       *sentences.rounding(r.mode, r.places, raw, score))
            tr.add("score", ind.span, *sentences.score(score, weight))
        if ind.penalty:  # scored like any item out of its points; the points it loses come off the total
            lost = weight - score
            score = -lost
            node.unrounded = raw - weight
            if tr is not None:
                tr.add("penalty", ind.span, *sentences.penalty(lost, weight, score))
        node.score = score

    def _part(self, p: A.Part, ev: Evaluator, env: Env, tr: Optional[Tracer]) -> Decimal:
        if p.not_applicable is not None and ev.boolean(p.not_applicable.condition, env):
            _hit(ev, "na", p.not_applicable.span)
            if tr is not None:
                tr.add("not_applicable", p.not_applicable.span, *sentences.part_not_applicable(p))
            return p.points
        v, step = _opened(tr, "part", p.span, ev, p.expr, env)
        clamped = min(max(v, ZERO), p.points)
        if step is not None:
            step.text, step.data = sentences.part(p, v, clamped, ev.describe(p.expr))
        return clamped

    def _deduct(self, d: A.Deduct, ev: Evaluator, env: Env, tr: Optional[Tracer]) -> Decimal:
        if d.condition is not None and not ev.boolean(d.condition, env):
            if tr is not None:
                tr.add("check", d.span, *sentences.not_deducted(d))
            return ZERO
        amount = ev.number(d.amount, env)
        if amount:
            _hit(ev, "deduct", d.span)
        if tr is not None:
            subst = ev.describe(d.amount) if amount and not isinstance(d.amount, A.Number) else None
            tr.add("deduction" if amount else "check", d.span, *sentences.deduction(d, amount, subst))
        return amount

    def _each(self, d: A.EachDeduct, ev: Evaluator, env: Env, tr: Optional[Tracer]) -> Decimal:
        items = ev.value(d.items, env)
        if not isinstance(items, list):
            raise EvalError(error("E360", f"逐项扣 需要列表：{d.items.dotted}", d.items.span, fact_path=d.items.dotted))
        if tr is not None and not items:
            tr.add("check", d.span, *sentences.no_findings(d))
        groups: dict[object, Decimal] = {}
        order: list[object] = []
        for n, item in enumerate(items):
            fields = tuple(item) if isinstance(item, dict) else ()
            ienv = env.for_item(item, fields, f"{d.items.dotted}[{n}]")
            text = self._finding_text(d, item, ev, ienv)
            if d.skip is not None and ev.boolean(d.skip.condition, ienv):
                _hit(ev, "skip", d.skip.span)
                if tr is not None:
                    tr.add("not_applicable", d.skip.span, *sentences.finding_skipped(d, text, n))
                continue
            amount = ev.number(d.per_item, ienv)
            key = ev.value(A.Path((d.group_by,), None, d.span), ienv) if d.group_by else None
            if key not in groups:
                groups[key] = ZERO
                order.append(key)
            groups[key] += amount
            if amount:
                _hit(ev, "each", d.span)
            if tr is not None:
                tr.add("deduction", d.span, *sentences.finding(d, amount, text, n, key))
        total = ZERO
        for key in order:
            amount = groups[key]
            if d.group_cap is not None:
                cap = ev.number(d.group_cap, env)
                if amount > cap:
                    _hit(ev, "group_cap", d.group_cap.span)
                    if tr is not None:
                        tr.add("cap", d.group_cap.span, *sentences.group_cap(key, amount, cap))
                    amount = cap
            total += amount
        if d.total_cap is not None:
            cap = ev.number(d.total_cap, env)
            if total > cap:
                _hit(ev, "total_cap", d.total_cap.span)
                if tr is not None:
                    tr.add("cap", d.total_cap.span, *sentences.total_cap(total, cap))
                total = cap
        return total

    def _finding_text(self, d: A.EachDeduct, item, ev: Evaluator, ienv: Env) -> str:
        described = (lambda: ev.value(d.describe, ienv)) if d.describe is not None else None
        return sentences.finding_text(item, described)


def _opened(tr: Optional[Tracer], kind: str, span: A.Span, ev: Evaluator, expr, env: Env):
    """(number, step): computed inside an open step, so its own steps nest under it; the caller fills the step in."""
    step = tr.open(kind, span) if tr is not None else None
    try:
        return ev.number(expr, env), step
    finally:
        if tr is not None:
            tr.close()


def _hit(ev: Evaluator, kind: str, span: A.Span) -> None:
    if ev.hits is not None:
        ev.hits.add(point(kind, span))


def _outside(node: Node) -> bool:
    return node.indicator is not None and node.indicator.outside


def _first_fact(expr) -> Optional[str]:
    """The first path a condition mentions: the fact a broken 要求 is about."""
    if isinstance(expr, A.Path):
        return expr.dotted
    for sub in A.subexpressions(expr):
        found = _first_fact(sub)
        if found:
            return found
    return None
