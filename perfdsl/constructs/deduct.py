"""扣 — take an amount off, optionally only when a condition holds: ``扣 0.5 若 …  理由 "…"``.

The 理由 may be a template (``理由 "执行率 {执行率}，低于 90%"``): filled in each fact set, after the amount.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Optional

from perfdsl.constructs.base import Deduction, with_reason
from perfdsl.interp.numbers import ZERO, show
from perfdsl.ruleset import coverage_kinds as K
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text


# ---------------------------------------------------------------- words
def not_deducted(d: A.Deduct) -> tuple[str, dict]:
    assert d.condition is not None  # only a conditional deduction can be not deducted
    return f"不扣分：{expr_text(d.condition)} 不成立", {"condition": expr_text(d.condition)}


def deducted(d: A.Deduct, amount: Decimal, reason: Optional[str], subst: Optional[str]) -> tuple[str, dict]:
    """``subst``: the amount's formula with values (None when the amount is a plain number); ``reason``: the
    filled template of the 理由 (None: the 理由 as written)."""
    why = reason or d.reason or (expr_text(d.condition) if d.condition is not None else expr_text(d.amount))
    if not amount:
        return f"不扣分：{why} → 0", {"reason": why}
    how = ""
    if subst is not None:
        f = expr_text(d.amount)
        how = f"（{f}" + (f" = {subst}" if subst not in (f, show(amount)) else "") + f" = {show(amount)}）"
    return f"扣 {show(amount)} 分{how}：{why}", {"amount": str(amount), "reason": why}


def _step(d: A.Deduct, amount: Decimal, subst: Optional[str], reason: Optional[str] = None) -> tuple:
    """(kind, text, fields): a deduction of 0 is a check."""
    text, data = deducted(d, amount, reason, subst if amount else None)
    return ("deduction" if amount else "check"), text, data


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
            walk.add(s, "check", "check", s.span, functools.partial(not_deducted, s))
            walk.expr(s.condition)
        if isinstance(s.amount, A.Number):
            walk.add(s, "deduct", None, s.span, lambda amount, *why: _step(s, amount, None, *why))
        else:
            describe = walk.plan.describer(s.amount)
            walk.add(s, "deduct", None, s.span, lambda amount, seen, *why: _step(s, amount, describe(seen), *why))
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
