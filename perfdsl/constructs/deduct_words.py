"""扣's words from plain values (see ``interp/wording.py``): what its sites bind and ``deduct`` adapts to nodes.

Lean on purpose: the standard library and ``interp.numbers`` only, so sites pickle and read back without the tree.
"""

from __future__ import annotations

from decimal import Decimal

from perfdsl.interp.numbers import show

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Callable, Optional


def not_deducted(condition: str) -> tuple[str, dict]:
    """``condition``: the condition's text; it did not hold."""
    return f"不扣分：{condition} 不成立", {"condition": condition}


def deducted(written: Optional[str], fallback: str, formula: str, amount: Decimal, reason: Optional[str],
             subst: Optional[str]) -> tuple[str, dict]:
    """``written``: the 理由 as written; ``fallback``: the words when there is none (the condition's text, else the
    amount's); ``formula``: the amount's text; ``reason``: the filled template of the 理由 (None: as written);
    ``subst``: the amount's formula with values (None when the amount is a plain number)."""
    why = reason or written or fallback
    if not amount:
        return f"不扣分：{why} → 0", {"reason": why}
    how = ""
    if subst is not None:
        how = f"（{formula}" + (f" = {subst}" if subst not in (formula, show(amount)) else "") + f" = {show(amount)}）"
    return f"扣 {show(amount)} 分{how}：{why}", {"amount": str(amount), "reason": why}


def step(written: Optional[str], fallback: str, formula: str, amount: Decimal, subst: Optional[str],
         reason: Optional[str] = None) -> tuple:
    """(kind, text, fields): a deduction of 0 is a check."""
    text, data = deducted(written, fallback, formula, amount, reason, subst if amount else None)
    return ("deduction" if amount else "check"), text, data


def fixed_step(written: Optional[str], fallback: str, formula: str, amount: Decimal, *why) -> tuple:
    """A compact step of a 扣 whose amount is a number written in the rules: (amount, filled 理由?)."""
    return step(written, fallback, formula, amount, None, *why)


def formula_step(written: Optional[str], fallback: str, formula: str, described: Callable, amount: Decimal, seen,
                 *why) -> tuple:
    """A compact step of a 扣 whose amount is a formula: (amount, its slot values, filled 理由?)."""
    return step(written, fallback, formula, amount, described(seen), *why)
