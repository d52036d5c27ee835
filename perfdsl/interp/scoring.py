"""Indicators over one fact set: parts, deductions, caps, floors, rounding, grade.

A third-level indicator scores ``base − deductions`` where base is its
得分 formula, else the sum of its 子项 (each clamped to its points), else its
full weight; the result is floored at 0, capped at the weight and rounded
once.  Groups sum their children's rounded scores.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Optional

import attrs

from perfdsl.constructs import deduction_of
from perfdsl.diagnostics import Diagnostic, error
from perfdsl.interp import sentences, wording
from perfdsl.interp.evaluator import Env, EvalError, Evaluator
from perfdsl.interp.numbers import CONTEXT, ZERO, round_to, show
from perfdsl.interp.tracer import NO_TRACER, CoverageTracer, Step, StepTracer, Substituted, Tracer, combined
from perfdsl.plan import LeafPlan, Plan, PlanNode
from perfdsl.ruleset.loader import RuleSet
from perfdsl.syntax import ast as A
from perfdsl.syntax import template


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
    evidence: dict[str, str] = attrs.Factory(dict)  # 佐证材料/来源 by fact path (``ruleset.evidence``), not scored

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
        node.score = sum((_scored(c) for c in inside), ZERO) + extra
        return
    counted = [c for c in inside if c not in excluded]
    if not counted:
        node.status = "not_applicable"
        node.score = None
        node.steps = [Step(1, None, "not_applicable", "下级指标全部不适用，本指标不计分", None, {})]
        return
    applicable = sum((c.weight for c in counted), ZERO)
    subtotal = sum((_scored(c) for c in counted), ZERO)
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
    """The interpreter: scores fact sets by walking the plan, the readable reference and the explainer."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.rules = plan.rules
        self.rounding = plan.rounding
        self.percent_paths = plan.percent_paths
        system = self.rules.system
        filler = template.Filler(system.title) if system is not None and system.title else None
        # a plain value (the warm bundle keeps it): the fact paths read as rates, not the 令 spans among them
        rates = frozenset(p for p in self.percent_paths if isinstance(p, str))
        self._title = wording.Title(self.rules.name, filler, rates)

    def score(self, facts: dict, trace: bool = True, warnings: tuple = (), hits: Optional[set] = None) -> Result:
        """``trace``: keep each indicator's steps; ``hits``: add the coverage points reached to it."""
        coverage = CoverageTracer(hits) if hits is not None else None
        with decimal.localcontext(CONTEXT):
            ev = Evaluator(self.rules.globals, facts, None, self.percent_paths)
            roots = [self._node(pn, ev, trace, coverage) for pn in self.plan.roots]
            root = Node(None, self._title(facts), 0, self.plan.weight, children=roots)
            aggregate(root, self.rounding)
            errors = [d for n in root.walk() for d in n.errors]
            grade, grade_steps = (None, None)
            if root.score is not None:
                try:
                    grade, grade_steps = self._grade(root.score, facts, trace, coverage)
                except EvalError as err:
                    errors.append(err.diagnostic)
        return Result(self.rules, root, grade, grade_steps, errors, list(warnings))

    # ------------------------------------------------------------ tree
    def _node(self, pn: PlanNode, ev: Evaluator, trace: bool, coverage: Optional[Tracer]) -> Node:
        ind = pn.indicator
        node = Node(ind, ind.name, pn.level, pn.weight)
        if pn.leaf is None:
            node.children = [self._node(c, ev, trace, coverage) for c in pn.children]
            return node
        steps = StepTracer(self.plan.formula) if trace else None
        tr = ev.tracer = combined(steps, coverage)
        try:
            self._leaf(pn.leaf, node, ev, tr)
        except EvalError as err:
            node.status = "error"
            node.errors.append(err.diagnostic)
            node.score = None
            tr.step("error", err.diagnostic.span, wording.failed, err.diagnostic.message)
        finally:
            if steps is not None:
                node.steps = steps.steps
            ev.tracer = NO_TRACER
        return node

    def _grade(self, total: Decimal, facts: dict, trace: bool, coverage: Optional[Tracer]):
        system = self.rules.system
        if system is None or not system.grades:
            return None, None
        steps = StepTracer(self.plan.formula) if trace else None
        tr = combined(steps, coverage)
        ev = Evaluator(self.rules.globals, facts, tr, self.percent_paths)
        env = Env({})
        for veto in system.vetoes:
            if ev.boolean(veto.condition, env):
                tr.hit("veto", veto.span)
                tr.step("veto", veto.span, sentences.veto, veto)
                return veto.grade, (steps.steps if steps else None)
        for arm in system.grades:
            if ev.contains(arm.interval, total, env):
                tr.hit("grade", arm.span)
                grade = ev.value(arm.result, env)
                tr.step("grade", arm.span, sentences.grade, total, arm, grade)
                return str(grade), (steps.steps if steps else None)
        raise EvalError(error("E340", f"总分 {show(total)} 不在任何等级区间内", system.span))

    # ------------------------------------------------------------ leaf
    def _leaf(self, lp: LeafPlan, node: Node, ev: Evaluator, tr: Tracer) -> None:
        ind = lp.indicator
        env = Env({s.name: s for s in lp.lets})
        weight = lp.weight
        for s in lp.not_applicable:
            if ev.boolean(s.condition, env):
                tr.hit("na", s.span)
                node.status = "not_applicable"
                node.score, outcome = self.plan.not_applicable_score(lp)
                tr.step("not_applicable", s.span, sentences.not_applicable, s, outcome)
                return
        for s in lp.requires:
            if not ev.boolean(s.condition, env):
                tr.hit("require", s.span)
                raise EvalError(error("E350", f"{ind.name}：{s.message}（{ev.describe(s.condition)} 不成立）",
                                      s.span, fact_path=_first_fact(s.condition)))
        if lp.formula is not None:
            e = lp.formula.expr
            step = tr.open("formula", lp.formula.span)
            base = _inside(tr, step, ev, e, env)
            tr.close(step, sentences.formula, e, base, Substituted(e))
        elif lp.parts:
            base = ZERO
            for p in lp.parts:
                base += self._part(p, ev, env, tr)
        else:
            base = weight
            tr.step("formula", ind.span, wording.full_weight, weight)
        deducted = ZERO
        for d in lp.deductions:
            deducted += deduction_of(d).interpret(ev, env, tr, d)
        raw = base - deducted
        if deducted:
            tr.step("subtotal", ind.span, wording.subtotal, base, deducted, raw)
        if raw < 0:
            tr.hit("floor", ind.span)
            tr.step("floor", ind.span, wording.floor, raw)
            raw = ZERO
        if raw > weight:
            tr.hit("cap", ind.span)
            tr.step("cap", ind.span, wording.cap, weight, raw)
            raw = weight
        r = self.rounding
        score = round_to(raw, r.places, r.mode)
        node.unrounded = raw
        if score != raw:
            tr.step("rounding", r.span if r.span is not A.NO_SPAN else ind.span,
                    wording.rounding, r.mode, r.places, raw, score)
        tr.step("score", ind.span, wording.score, weight, score)
        if ind.penalty:  # scored like any item out of its points; the points it loses come off the total
            lost = weight - score
            score = -lost
            node.unrounded = raw - weight
            tr.step("penalty", ind.span, wording.penalty, weight, lost, score)
        node.score = score

    def _part(self, p: A.Part, ev: Evaluator, env: Env, tr: Tracer) -> Decimal:
        if p.not_applicable is not None and ev.boolean(p.not_applicable.condition, env):
            tr.hit("na", p.not_applicable.span)
            tr.step("not_applicable", p.not_applicable.span, sentences.part_not_applicable, p)
            return p.points
        step = tr.open("part", p.span)
        v = _inside(tr, step, ev, p.expr, env)
        clamped = min(max(v, ZERO), p.points)
        tr.close(step, sentences.part, p, v, clamped, Substituted(p.expr))
        return clamped


def _inside(tr: Tracer, step, ev: Evaluator, expr, env: Env) -> Decimal:
    """A number computed inside an open step, so its own steps nest under it; a failure closes the step unsaid."""
    try:
        return ev.number(expr, env)
    except BaseException:
        tr.close(step, None)
        raise


def _scored(node: Node) -> Decimal:
    """The score of a child that counts: neither failed (the group failed then) nor left out."""
    assert node.score is not None, node.name
    return node.score


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
