"""Dates: calendar days with no time and no zone, read from the two ways evaluators write them.

A deadline in a 评分标准 is a day (「6月30日前下达」), so a value is a ``datetime.date``:
exact, comparable, and a difference of two is a whole number of days.  Facts may write
``2024-06-30`` or ``2024年6月30日``; rules write ``2024年6月30日`` (see docs/language.md);
traces and reports show ``2024年6月30日``; JSON documents write ISO ``2024-06-30``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from perfdsl.patterns import lazy

WIDE = str.maketrans("０１２３４５６７８９－", "0123456789-")


_ISO = lazy(r"(\d{4})-(\d{1,2})-(\d{1,2})")  # 2024-06-30
_CHINESE = lazy(r"(\d{4})年(\d{1,2})月(\d{1,2})日")  # 2024年6月30日


class BadDate(ValueError):
    """A text that is not a calendar day; the message (Chinese) says why."""


def parse(text: str) -> datetime.date:
    """``2024-06-30`` or ``2024年6月30日`` (full-width digits too) → the day; anything else raises BadDate."""
    plain = text.strip().translate(WIDE)
    m = _ISO().fullmatch(plain) or _CHINESE().fullmatch(plain)
    if m is None:
        raise BadDate(f"“{text[:30]}” 不是日期；请写成 2024-06-30 或 2024年6月30日 的形式（年月日都要写出）")
    year, month, day = (int(g) for g in m.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise BadDate(f"“{text[:30]}” 不是日期：没有 {month} 月；请改为日历上存在的日期") from None
        raise BadDate(f"“{text[:30]}” 不是日期：{year}年{month}月没有 {day} 日；请改为日历上存在的日期") from None


def chinese(day: datetime.date) -> str:
    """How traces, sentences and reports show a day: 2024年6月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def days_between(start: datetime.date, end: datetime.date) -> Decimal:
    """``end − start`` in days, exact (negative when ``end`` is earlier)."""
    return Decimal((end - start).days)


def is_date(v) -> bool:
    return type(v) is datetime.date
