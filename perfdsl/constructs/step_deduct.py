"""逐级扣 — so much per step by which a value falls below, or rises above, a limit.

``逐级扣 执行率 低于 100% 每 1% 扣 0.2 整级计 最多 4 理由 "执行率每低于100%一个百分点扣0.2分"``

The distance beyond the limit is divided by the step exactly (2.5 个百分点 are 2.5 steps), or,
with 整级计, a part of a step counts as a whole one (不足一个百分点按一个计: 3 steps).
"""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal
from typing import Optional

from perfdsl.constructs import step_deduct_words as words
from perfdsl.constructs.base import Deduction, with_reason
from perfdsl.interp.numbers import ZERO, show
from perfdsl.ruleset import coverage_kinds as K
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text


def _percent(s: A.StepDeduct) -> bool:
    """Whether the limit or the step is written as a percentage: then so are the value and the distance."""
    return any(isinstance(e, A.Number) and e.is_percent for e in (s.limit, s.step))


# ---------------------------------------------------------------- words (``step_deduct_words``, from the node)
def _said(s: A.StepDeduct) -> tuple[bool, bool, bool, Optional[str], str, str, str]:
    """What its words need of the statement, in ``step_deduct_words.deducted``'s order."""
    return (s.below, _percent(s), s.whole, s.reason, expr_text(s.value), expr_text(s.step), expr_text(s.per_step))


def within(s: A.StepDeduct, value: Decimal, limit: Decimal) -> tuple[str, dict]:
    return words.within(s.below, _percent(s), expr_text(s.value), value, limit)


def deducted(s: A.StepDeduct, value: Decimal, limit: Decimal, gap: Decimal, steps: Decimal,
             amount: Decimal) -> tuple[str, dict]:
    return words.deducted(*_said(s), value, limit, gap, steps, amount)


def steps_of(s: A.StepDeduct, gap: Decimal, step: Decimal) -> Decimal:
    """How many steps a distance is: exact, or with 整级计 rounded up to whole steps."""
    steps = gap / step
    return steps.to_integral_value(rounding=decimal.ROUND_CEILING) if s.whole else steps


class StepDeduct(Deduction):
    node = A.StepDeduct

    def format(self, f, s: A.StepDeduct, indent: str) -> str:
        k = f.kw
        text = (f"{k('KW_STEPS')} {f.expr(s.value, '')} {k('KW_BELOW' if s.below else 'KW_ABOVE')} "
                f"{f.expr(s.limit, '')} {k('KW_EVERY')} {f.expr(s.step, '')} {k('KW_DEDUCT')} {f.expr(s.per_step, '')}")
        if s.whole:
            text += f" {k('KW_WHOLE')}"
        if s.cap is not None:
            text += f" {k('KW_TOTAL_CAP')} {f.expr(s.cap, '')}"
        return with_reason(f, text, s.reason, indent)

    def check(self, c, scope, s: A.StepDeduct) -> None:
        if c.expect(scope, s.value, "number").kind == "rate":
            c.percent_slip(s.limit, f"`{expr_text(s.value)}` 是比率")
            c.percent_slip(s.step, f"`{expr_text(s.value)}` 是比率", least=Decimal(1))
        for e in self.expressions(s)[1:]:
            c.expect(scope, e, "number")

    def expressions(self, s: A.StepDeduct) -> list:
        return [s.value, s.limit, s.step, s.per_step] + ([s.cap] if s.cap is not None else [])

    def coverage(self, s: A.StepDeduct, owner: str, add, expr) -> None:
        side = "低于" if s.below else "高于"
        add(K.DEDUCT, s.span, f"{owner}：{K.COVERAGE_KINDS[K.DEDUCT].label} {expr_text(s.value)} {side} "
                              f"{expr_text(s.limit)}")
        if s.cap is not None:
            add(K.TOTAL_CAP, s.cap.span, f"{owner}：{K.COVERAGE_KINDS[K.TOTAL_CAP].label} {expr_text(s.cap)}")
        for e in self.expressions(s):
            expr(e, owner)

    def sites(self, walk, s: A.StepDeduct) -> None:
        walk.add(s, "within", "check", s.span,
                 functools.partial(words.within, s.below, _percent(s), expr_text(s.value)))
        walk.add(s, "deduct", "deduction", s.span, functools.partial(words.deducted, *_said(s)))
        if s.cap is not None:
            walk.add(s, "cap", "cap", s.cap.span, words.capped)
        for e in self.expressions(s):
            walk.expr(e)

    def interpret(self, ev, env, tr, s: A.StepDeduct) -> Decimal:
        from perfdsl.diagnostics import error
        from perfdsl.interp.evaluator import EvalError
        value, limit = ev.number(s.value, env), ev.number(s.limit, env)
        gap = limit - value if s.below else value - limit
        if gap <= 0:
            tr.step("check", s.span, within, s, value, limit)
            return ZERO
        step = ev.number(s.step, env)
        if step <= 0:
            raise EvalError(error("E361", f"逐级扣 的步长 {expr_text(s.step)} = {show(step)}，应大于 0", s.step.span))
        steps = steps_of(s, gap, step)
        amount = steps * ev.number(s.per_step, env)
        tr.hit(K.DEDUCT, s.span)
        tr.step("deduction", s.span, deducted, s, value, limit, gap, steps, amount)
        if s.cap is not None:
            cap = ev.number(s.cap, env)
            if amount > cap:
                tr.hit(K.TOTAL_CAP, s.cap.span)
                tr.step("cap", s.cap.span, words.capped, amount, cap)
                amount = cap
        return amount

    def generate(self, g, s: A.StepDeduct, sc) -> None:
        src = g.src
        gap = "(b - v)" if s.below else "(v - b)"
        value, limit = g.number(g.expr(s.value, sc), s.value), g.number(g.expr(s.limit, sc), s.limit)
        src.emit(1, f"v = {value}; b = {limit}; gap = {gap}")
        src.emit(1, "if gap <= 0:")
        g.record(2, s, "within", f",{g.num('v')},{g.num('b')}")
        src.emit(2, "a = ZERO")
        src.emit(1, "else:")
        src.emit(2, f"step = {g.number(g.expr(s.step, sc), s.step)}")
        src.emit(2, "if step <= 0: _nomatch()  # the interpreter says what is wrong (E361)")
        steps = "(gap / step)"
        if s.whole:
            steps += f".to_integral_value(rounding={src.const(decimal.ROUND_CEILING)})"
        src.emit(2, f"n = {steps}; a = n * {g.number(g.expr(s.per_step, sc), s.per_step)}")
        g.record(2, s, "deduct", f",{g.num('v')},{g.num('b')},{g.num('gap')},{g.num('n')},{g.num('a')}")
        if s.cap is not None:
            src.emit(2, f"cap = {g.number(g.expr(s.cap, sc), s.cap)}")
            src.emit(2, "if a > cap:")
            g.record(3, s, "cap", f",{g.num('a')},{g.num('cap')}")
            src.emit(3, "a = cap")
        src.emit(1, "ded += a")


STEP_DEDUCT = StepDeduct()

