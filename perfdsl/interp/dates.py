"""Dates: calendar days with no time and no zone, read from the ways evaluators write them.

A deadline in a 评分标准 is a day (「6月30日前下达」), so a value is a ``datetime.date``:
exact, comparable, and a difference of two is a whole number of days.  Facts may write
``2024-06-30``, ``2024/6/30``, ``2024.6.30`` (as pasted from Word and Excel) or ``2024年6月30日``;
rules write ``2024年6月30日`` (see docs/language.md); traces and reports show ``2024年6月30日``
whatever the facts wrote; JSON documents write ISO ``2024-06-30``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from perfdsl.patterns import lazy

# full-width digits and separators, as a Chinese input method types them, read as their ASCII forms
WIDE = str.maketrans("０１２３４５６７８９－／．", "0123456789-/.")

FORMS = "2024-06-30、2024/6/30、2024.6.30 或 2024年6月30日"  # what a message names as accepted

# year first, four digits, one separator used twice: 2024-06-30, 2024/6/30, 2024.06.30 (never 2024/6-30)
_ISO = lazy(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CHINESE = lazy(r"(\d{4})年(\d{1,2})月(\d{1,2})日")  # 2024年6月30日
_NEAR = lazy(r"(\d+)([-/.])(\d+)([-/.])(\d+)")  # three numbers with separators: what a refusal explains


class BadDate(ValueError):
    """A text that is not a calendar day; the message (Chinese) says why."""


def parse(text: str) -> datetime.date:
    """``2024-06-30``, ``2024/6/30``, ``2024.6.30`` or ``2024年6月30日`` (full-width too) → the day; else BadDate."""
    plain = text.strip().translate(WIDE)
    m = _ISO().fullmatch(plain)
    if m is not None:
        year, month, day = int(m[1]), int(m[3]), int(m[4])
    else:
        m = _CHINESE().fullmatch(plain)
        if m is None:
            raise BadDate(f"“{text[:30]}” 不是日期；{_why(plain)}请写成 {FORMS} 的形式（年月日都要写出）")
        year, month, day = (int(g) for g in m.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise BadDate(f"“{text[:30]}” 不是日期：没有 {month} 月；请改为日历上存在的日期") from None
        raise BadDate(f"“{text[:30]}” 不是日期：{year}年{month}月没有 {day} 日；请改为日历上存在的日期") from None


def _why(plain: str) -> str:
    """What is wrong with three numbers that look like a date but are not one of the forms (empty if nothing known)."""
    m = _NEAR().fullmatch(plain)
    if m is None:
        return ""
    first, last = m[1], m[5]
    if len(last) == 4 and len(first) <= 2:
        return "年份要写在最前，按年、月、日的顺序（30/6/2024 或 6/30/2024 分不清日与月）；"
    if len(first) == 2:
        return "年份要写全四位（24 可能是 2024 也可能是 1924）；"
    if len(first) == 4 and m[2] != m[4]:
        return f"年月日之间要用同一种分隔符（“{m[2]}”与“{m[4]}”混用了）；"
    return ""


def chinese(day: datetime.date) -> str:
    """How traces, sentences and reports show a day: 2024年6月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def days_between(start: datetime.date, end: datetime.date) -> Decimal:
    """``end − start`` in days, exact (negative when ``end`` is earlier)."""
    return Decimal((end - start).days)


def is_date(v) -> bool:
    return type(v) is datetime.date
