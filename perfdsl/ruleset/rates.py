"""The ×100 trap: a 比率 written as 85 (meaning 85%) must never score as 8500%.

The rule, for every input form (JSON, JSONL, workbooks): a 比率 is a fraction (0.85) or a percent text
(``"85%"``); a value above 1 (100%) is an error (F021) unless the declaration's upper bound is above 1
(``比率 [0, 2]``: this rate can truly exceed 100%).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Optional

from perfdsl.syntax import ast as A

ONE = Decimal(1)
_PERCENT = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%")


def rate_ceiling(decl: Optional[A.TypeExpr]) -> Optional[Decimal]:
    """The largest value a 比率 may take: 1 (100%) unless the declared range's upper bound is above it
    (then None: the declared range alone decides)."""
    iv = decl.interval if decl is not None else None
    if iv is not None and isinstance(iv.high, A.Number) and iv.high.value > ONE:
        return None
    return ONE


def percent_text(text: str) -> Optional[Decimal]:
    """``"85%"`` (full-width ％ too) as the exact fraction 0.85; None for any other text."""
    m = _PERCENT.fullmatch(unicodedata.normalize("NFKC", text).strip())
    return Decimal(m.group(1)).scaleb(-2) if m is not None else None


def over_ceiling_message(v: Decimal) -> str:
    shown = format(v.normalize(), "f") if v == v.to_integral_value() else str(v)
    as_fraction = (v.scaleb(-2)).normalize()
    return (f"比率 {shown} 表示 {format((v * 100).normalize(), 'f')}%，超过 100%；若指 {shown}%，"
            f"请写 \"{shown}%\" 或 {format(as_fraction, 'f')}。若这个比率确实可能超过 100%，"
            "在声明中写明上限，如 比率 [0, 2]")
