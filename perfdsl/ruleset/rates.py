"""The ×100 trap: a 比率 written as 85 (meaning 85%) must never score as 8500%.

The rule, for every input form (JSON, JSONL, workbooks): a 比率 is a fraction (0.85) or a percent text
(``"85%"``); a value above 1 (100%) is an error (F021) unless the declaration's upper bound is above 1
(``比率 [0, 2]``: this rate can truly exceed 100%).
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Optional

from perfdsl.interp.numbers import plain
from perfdsl.patterns import lazy
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import interval_text

ONE = Decimal(1)


_percent = lazy(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%")  # 85% (after NFKC: ％ too)


def rate_ceiling(decl: Optional[A.TypeExpr]) -> Optional[Decimal]:
    """The largest value a 比率 may take: 1 (100%) unless the declared range's upper bound is above it
    (then None: the declared range alone decides)."""
    iv = decl.interval if decl is not None else None
    if iv is not None and isinstance(iv.high, A.Number) and iv.high.value > ONE:
        return None
    return ONE


def percent_text(text: str) -> Optional[Decimal]:
    """``"85%"`` (full-width ％ too) as the exact fraction 0.85; None for any other text."""
    m = _percent().fullmatch(unicodedata.normalize("NFKC", text).strip())
    return Decimal(m.group(1)).scaleb(-2) if m is not None else None


def over_ceiling_message(v: Decimal, in_cell: bool = False) -> str:
    """F021's words: what the number means as a rate, and how to write what was meant — in a JSON file, or in a
    cell of the 基础数据表 (where 85 typed into a percent cell shows as 8500%)."""
    shown = format(v.normalize(), "f") if v == v.to_integral_value() else str(v)
    as_fraction = format((v.scaleb(-2)).normalize(), "f")
    percent = format((v * 100).normalize(), "f")
    if in_cell:
        return (f"单元格中的比率是 {shown}，即 {percent}%，超过 100%；若指 {shown}%，请在单元格中输入 {shown}%"
                f"（带百分号），或输入 {as_fraction}。若这个比率确实可能超过 100%，请规则编写者在声明中写明上限，"
                "如 比率 [0, 2]")
    return (f"比率 {shown} 表示 {percent}%，超过 100%；若指 {shown}%，"
            f"请写 \"{shown}%\" 或 {as_fraction}。若这个比率确实可能超过 100%，"
            "在声明中写明上限，如 比率 [0, 2]")


def as_read(v: Decimal, rate: bool) -> str:
    """A fact's value as the person who typed it reads it: a 比率 as a percentage, exactly (11 is 1100%)."""
    return plain(v * 100) + "%" if rate else plain(v)


def range_text(iv: A.Interval, rate: bool) -> str:
    """A declared range as the person filling in facts reads it: a 比率's bounds as percentages, so
    ``比率 [0, 2]`` reads [0, 200%] — not [0, 2], which in a percent cell means 0 to 2%."""
    ends = (iv.low, iv.high)
    if not rate or not all(e is None or isinstance(e, A.Number) for e in ends):
        return interval_text(iv)
    lo, hi = (None if e is None else "0" if e.value == 0 else as_read(e.value, True)
              for e in ends if e is None or isinstance(e, A.Number))  # all of them: the test above, for mypy
    if lo is not None and hi is not None and lo == hi and iv.low_closed and iv.high_closed:
        return f"= {lo}"
    if hi is None and lo is not None:
        return f"{'≥' if iv.low_closed else '>'} {lo}"
    if lo is None and hi is not None:
        return f"{'≤' if iv.high_closed else '<'} {hi}"
    return f"{'[' if iv.low_closed else '('}{lo}, {hi}{']' if iv.high_closed else ')'}"
