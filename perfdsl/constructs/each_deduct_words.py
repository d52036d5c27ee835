"""逐项扣's words from plain values (see ``interp/wording.py``): what its sites bind, what ``each_deduct`` adapts to
its node, and how the generated scorer names a finding (``codegen/runtime.py``).

Lean on purpose: the standard library, ``interp.numbers`` and ``interp.wording`` only.
"""

from __future__ import annotations

from decimal import Decimal

from perfdsl.interp.numbers import show
from perfdsl.interp.wording import json_value, shown

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Callable, Optional


def finding_text(item, describe: Optional[Callable]) -> str:
    """How a finding is named in its step: its 描述 expression, else its first text field of the usual names."""
    if describe is not None:
        return described(describe())
    if isinstance(item, dict):
        for key in ("说明", "描述", "名称", "项目"):
            if isinstance(item.get(key), str):
                return item[key]
        return "；".join(f"{k}={shown(v)}" for k, v in item.items())
    return item if isinstance(item, str) else shown(item)


def described(v) -> str:
    """A 描述 or 理由 value as words: text as it is, anything else as the trace shows it."""
    return v if isinstance(v, str) else shown(v)


def no_findings(items: str) -> tuple[str, dict]:
    """``items``: the findings' path."""
    return f"{items} 无问题记录，不扣分", {"items": items}


def finding_skipped(reason: str, text: str, n) -> tuple[str, dict]:
    """``n``: the finding's place (a whole decimal when read from a compact step)."""
    return (f"不评价：{text}（{reason}）",
            {"finding": text, "reason": reason, "item": int(n), "outcome": "不评价"})


def finding_not_applicable(reason: str, text: str, n) -> tuple[str, dict]:
    return (f"不适用：{text}（{reason}）",
            {"finding": text, "reason": reason, "item": int(n), "outcome": "不适用"})


def finding(grouped: bool, amount: Decimal, text: str, n, key, reason: Optional[str] = None) -> tuple[str, dict]:
    """An item judged: 扣分 with its amount, or 合格 (nothing deducted); in its own words when 理由 is written.
    ``grouped``: the statement says 按 …, and ``key`` is the item's group."""
    group = f"［{key}］" if grouped else ""
    data = {"amount": str(amount), "finding": text, "item": int(n)}
    if grouped:
        data["group"] = json_value(key)
    if reason is not None:
        data["reason"] = reason
    data["outcome"] = "扣分" if amount else "合格"
    why = reason if reason is not None else text
    return (f"扣 {show(amount)} 分：{group}{why}" if amount else f"合格：{group}{why}"), data


def judged(amount: Decimal, text: str, n, *why) -> tuple:
    """(kind, text, fields) of an item's outcome, from a compact step of a statement without 按 …: a deduction,
    or a check when nothing is deducted."""
    words, data = finding(False, amount, text, n, None, *why)
    return ("deduction" if amount else "check"), words, data


def judged_in_group(amount: Decimal, text: str, n, key, *why) -> tuple:
    """``judged`` of a statement with 按 …: the step holds the item's group after its place."""
    words, data = finding(True, amount, text, n, key, *why)
    return ("deduction" if amount else "check"), words, data


def group_cap(key, amount: Decimal, cap: Decimal) -> tuple[str, dict]:
    return (f"［{key}］共扣 {show(amount)} 分，每类最多 {show(cap)} 分：封顶吸收 {show(amount - cap)} 分",
            {"group": json_value(key), "before": str(amount), "after": str(cap), "absorbed": str(amount - cap)})


def total_cap(total: Decimal, cap: Decimal) -> tuple[str, dict]:
    return (f"逐项扣分共 {show(total)} 分，最多 {show(cap)} 分：封顶吸收 {show(total - cap)} 分",
            {"before": str(total), "after": str(cap), "absorbed": str(total - cap)})
