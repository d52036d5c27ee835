"""逐级扣's words from plain values (see ``interp/wording.py``): what its sites bind and ``step_deduct`` adapts.

``below``: 低于 (else 高于); ``percent``: the limit or the step is written as a percentage, so the value, the limit
and the distance are said as percentages; ``whole``: 整级计.  Lean on purpose: the standard library and
``interp.numbers`` only.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from perfdsl.interp.numbers import show


def distance(percent: bool, gap: Decimal) -> str:
    """The distance beyond the limit as a person says it: 2.5 个百分点, or the number itself."""
    return f"{show(gap * 100)} 个百分点" if percent else show(gap)


def within(below: bool, percent: bool, subject: str, value: Decimal, limit: Decimal) -> tuple[str, dict]:
    """``subject``: the value's formula as text."""
    side = "低于" if below else "高于"
    return (f"不扣分：{subject} = {show(value, percent)}，不{side} {show(limit, percent)}",
            {"value": str(value), "limit": str(limit)})


def deducted(below: bool, percent: bool, whole: bool, reason: Optional[str], subject: str, step: str, per_step: str,
             value: Decimal, limit: Decimal, gap: Decimal, steps: Decimal, amount: Decimal) -> tuple[str, dict]:
    """``subject``, ``step``, ``per_step``: the texts of the value, the step and the amount per step."""
    side = "低于" if below else "高于"
    count = f"计 {show(steps)} 级（不足一级按一级计）" if whole else f"计 {show(steps)} 级"
    why = f"：{reason}" if reason else ""
    return (f"扣 {show(amount)} 分：{subject} = {show(value, percent)}，{side} {show(limit, percent)} "
            f"{distance(percent, gap)}，每 {step} 扣 {per_step} 分，{count}{why}",
            {"amount": str(amount), "value": str(value), "limit": str(limit), "beyond": str(gap),
             "steps": str(steps), **({"reason": reason} if reason else {})})


def capped(total: Decimal, cap: Decimal) -> tuple[str, dict]:
    return (f"逐级扣分共 {show(total)} 分，最多 {show(cap)} 分：封顶吸收 {show(total - cap)} 分",
            {"before": str(total), "after": str(cap), "absorbed": str(total - cap)})
