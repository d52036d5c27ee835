"""扣 — take an amount off, optionally only when a condition holds: ``扣 0.5 若 …  理由 "…"``.

The 理由 may be a template (``理由 "执行率 {执行率}，低于 90%"``): filled in each fact set, after the amount.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Optional

from perfdsl.constructs import deduct_words as words
from perfdsl.constructs.base import Deduction, with_reason
from perfdsl.interp.numbers import ZERO
from perfdsl.ruleset import coverage_kinds as K
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text


# ---------------------------------------------------------------- words (``deduct_words``, from the node's texts)
def _fallback(d: A.Deduct) -> str:
    """The words of a deduction without a 理由: its condition, else its amount."""
    return expr_text(d.condition) if d.condition is not None else expr_text(d.amount)


def not_deducted(d: A.Deduct) -> tuple[str, dict]:
    assert d.condition is not None  # only a conditional deduction can be not deducted
    return words.not_deducted(expr_text(d.condition))


def deducted(d: A.Deduct, amount: Decimal, reason: Optional[str], subst: Optional[str]) -> tuple[str, dict]:
    """``subst``: the amount's formula with values (None when the amount is a plain number); ``reason``: the
    filled template of the 理由 (None: the 理由 as written)."""
    return words.deducted(d.reason, _fallback(d), expr_text(d.amount), amount, reason, subst)


class Deduct(Deduction):
    node = A.Deduct

    def format(self, f, s: A.Deduct, indent: str) -> str:
        from perfdsl.syntax.formatter import INDENT
        k = f.kw
        amount = f.expr(s.amount, INDENT)
        if "\n" in amount:  # a ladder or a long sum: in parentheses, so 若/理由 after it is not read as its last arm
            amount = f"(\n{INDENT}{amount}\n)"
        text = f"{k('KW_DEDUCT')} {amount}"
        if s.condition is not None:
            text += f" {k('KW_IF')} {f.expr(s.condition, '')}"
        return with_reason(f, text, s.reason, indent)

    def check(self, c, scope, s: A.Deduct) -> None:
        c.expect(scope, s.amount, "number")
        if s.condition is not None:
            c.expect(scope, s.condition, "bool")
        if s.template is not None:
            c.expr(scope, s.template)

    def expressions(self, s: A.Deduct) -> list:
        return [s.amount] + ([s.condition] if s.condition is not None else [])

    def coverage(self, s: A.Deduct, owner: str, add, expr) -> None:
        when = f" 若 {expr_text(s.condition)}" if s.condition else ""
        add(K.DEDUCT, s.span, f"{owner}：{K.COVERAGE_KINDS[K.DEDUCT].label} {expr_text(s.amount)}{when}")
        for e in self.expressions(s):
            expr(e, owner)

    def sites(self, walk, s: A.Deduct) -> None:
        if s.condition is not None:
            walk.add(s, "check", "check", s.span, functools.partial(words.not_deducted, expr_text(s.condition)))
            walk.expr(s.condition)
        said = (s.reason, _fallback(s), expr_text(s.amount))
        if isinstance(s.amount, A.Number):
            walk.add(s, "deduct", None, s.span, functools.partial(words.fixed_step, *said))
        else:
            walk.add(s, "deduct", None, s.span,
                     functools.partial(words.formula_step, *said, walk.plan.describer(s.amount)))
            walk.expr(s.amount)
        if s.template is not None:
            walk.expr(s.template)

    def interpret(self, ev, env, tr, s: A.Deduct) -> Decimal:
        from perfdsl.interp.tracer import Substituted
        if s.condition is not None and not ev.boolean(s.condition, env):
            tr.step("check", s.span, not_deducted, s)
            return ZERO
        amount = ev.number(s.amount, env)
        if amount:
            tr.hit(K.DEDUCT, s.span)
        subst = Substituted(s.amount) if amount and not isinstance(s.amount, A.Number) else None
        reason = ev.value(s.template, env) if s.template is not None else None
        tr.step("deduction" if amount else "check", s.span, deducted, s, amount, reason, subst)
        return amount

    def generate(self, g, s: A.Deduct, sc) -> None:
        src = g.src
        indent = 1
        if s.condition is not None:
            src.emit(1, f"if not {g.condition(s.condition, sc)}:")
            g.record(2, s, "check")
            src.emit(2, "pass")
            src.emit(1, "else:")
            indent = 2
        why = ""
        if isinstance(s.amount, A.Number):
            src.emit(indent, f"a = {src.const(s.amount.value)}")
            slots = None
        else:
            slots = g.unseen(indent, s.amount)
            src.emit(indent, f"a = {g.number(g.expr(s.amount, sc.with_slots(slots)), s.amount)}")
        if s.template is not None:  # after the amount, as the interpreter fills it
            src.emit(indent, f"why = {g.expr(s.template, sc)}")
            why = ",{jt(why)}"
        g.record(indent, s, "deduct", f",{g.num('a')}{g.slots_text(slots) if slots is not None else ''}{why}")
        src.emit(indent, "ded += a")


DEDUCT = Deduct()
