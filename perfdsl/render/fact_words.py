"""A fact read in a trace, in the words of the 指标分析结果: its label, its value and unit (``narrative``'s part
that needs nothing of the trace around it), and the days between dates with the facts they were read from."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Optional

from perfdsl.explain.words import _day, label, number, tidy

DAYS = ("days_overdue", "days_between")  # the builtins that count days between two dates


def _is_percent_text(text: str) -> bool:
    return text.rstrip("。").endswith("%")


def fact_value(step: dict) -> Optional[str]:
    """A fact's value as words; None for a record (its builtin or its deductions say what it holds)."""
    value = step.get("value")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return None
    if isinstance(value, list):
        if not value:
            return "无"
        if all(isinstance(v, str) and _is_number(v) for v in value):
            return "、".join(number(v) for v in value)
        if all(isinstance(v, str) for v in value):
            return "、".join(value)
        return f"{len(value)} 项"
    if isinstance(value, str) and _is_number(value) and not _is_string_fact(step):
        return number(value, _is_percent_text(step.get("text", "")))
    if isinstance(value, str) and not _is_string_fact(step) and _day(value):
        return _day(value)
    return f"“{value}”" if isinstance(value, str) else str(value)


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return text not in ("Infinity", "-Infinity", "NaN") or True


def _is_string_fact(step: dict) -> bool:
    return step.get("text", "").endswith("”")  # text facts are quoted in the step's sentence


def fact_clause(step: dict, tree: Optional[Any] = None) -> Optional[str]:
    shown = fact_value(step)
    if shown is None:
        return None
    name = tree.name(step["path"]) if tree else label(step["path"])
    if shown in ("是", "否"):
        return f"{name}：{shown}"
    if shown.startswith("“"):
        return f"{name}为{shown}"
    value = step.get("value")
    numeric = isinstance(value, str) or (isinstance(value, list) and bool(value) and isinstance(value[0], str))
    unit = tree.unit(step["path"]) if tree and numeric and not shown.endswith("%") and _is_number(
        shown.split("、")[0]) else ""
    return f"{name} {shown}{unit}"


def days_clause(step: dict, read: list[dict], name: Callable[[str], str]) -> str:
    """逾期天数/天数差 with each date named by the fact it was read from (「逾期：到位日期 2024年4月5日 晚于期限
    2024年3月31日 5 天」): the step's own words give the dates alone, and a rule may read two of them."""
    head, sep, body = step.get("text", "").partition("：")
    at = 0
    for fact in read:
        shown = fact_value(fact)
        i = body.find(shown, at) if shown else -1
        if i < 0:
            continue
        called, before = name(fact["path"]), body[:i]
        named = f"{called} {shown}"
        if called.endswith("期限") and before.endswith("期限 "):
            before = before[:-3]  # 晚于期限 下达期限 6月30日 → 晚于下达期限 6月30日
        body = before + named + body[i + len(shown or ""):]
        at = len(before) + len(named)
    return tidy(f"{head}{sep}{body}".replace("→", "，"))
