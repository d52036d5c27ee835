"""Words for reading, shared by the narrative (``render/narrative.py``) and the improvement analysis
(``explain/improve.py``, ``solve.py``): numbers rounded for reading, a fact's label, intervals in words.

They live here, before ``render/``, so the analysis does not reach forward into a renderer.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Optional

from perfdsl.interp import dates

PLACES = 2  # decimals shown in the narrative; scores themselves come rounded by the rules

_DOTTED = re.compile(r"(?:[^\W\d][\w“”\"]*(?:\[\*\])?\.)+([^\W\d][\w“”\"]*)")
_LONG = re.compile(r"≈?(-?\d+\.\d{3,})(%?)")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


# a comparison and whether it held, as a sentence says it: 「满意度 88.67%，低于 90%」, not 「不满足 ≥ 90%」
COMPARED = {("≥", True): "不低于", ("≥", False): "低于", (">", True): "高于", (">", False): "不高于",
            ("≤", True): "不高于", ("≤", False): "高于", ("<", True): "低于", ("<", False): "不低于",
            ("=", True): "等于", ("=", False): "不等于", ("≠", True): "不等于", ("≠", False): "等于"}


def number(text, percent: bool = False) -> str:
    """A decimal string for reading: at most ``PLACES`` decimals, no trailing zeros; × 100 and ``%`` for a rate."""
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return _day(text) or str(text)  # a band over a 日期: its subject is a day
    if not value.is_finite():
        return "无穷大" if value > 0 else "负无穷大"
    if percent:
        value *= 100
    q = value.quantize(Decimal(1).scaleb(-PLACES), rounding=ROUND_HALF_UP)
    out = f"{q:f}"
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    if out == "-0":
        out = "0"
    return out + ("%" if percent else "")


def _day(text) -> Optional[str]:
    """A 日期 value, ISO in the document, as words: 2024年6月30日; None for anything else."""
    if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
        return None
    try:
        return dates.chinese(dates.parse(text))
    except dates.BadDate:
        return None


def tidy(text: str) -> str:
    """Text perfdsl wrote for the trace, made readable: dotted paths → their last segment, long decimals rounded."""
    text = _DOTTED.sub(lambda m: m.group(1), text)
    return _LONG.sub(lambda m: number(m.group(1)) + m.group(2), text)


def label(path: str) -> str:
    """A fact's label: the last segment of its path (``预算编制.决算收入种类数`` → ``决算收入种类数``)."""
    return path.replace("[*]", "").rsplit(".", 1)[-1]


def interval_words(interval: str) -> str:
    """``> 70%`` → ``70% 以上``; ``(90%, 100%]`` → ``高于 90% 至 100%``."""
    m = re.fullmatch(r"(≥|>|≤|<|=)\s*(.+)", interval)
    if m:
        op, x = m.groups()
        return {"≥": f"{x} 及以上", ">": f"{x} 以上", "≤": f"{x} 及以下", "<": f"{x} 以下", "=": f"等于 {x}"}[op]
    m = re.fullmatch(r"([\[(])\s*([^,]+),\s*([^\])]+)([\])])", interval)
    if m:
        lo_b, lo, hi, hi_b = m.groups()
        low = lo if lo_b == "[" else f"{lo}（不含）"
        high = hi if hi_b == "]" else f"{hi}（不含）"
        return f"{low}至 {high}" if low.endswith("）") else f"{low} 至 {high}"
    return interval
