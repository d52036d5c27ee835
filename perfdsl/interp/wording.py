"""Trace sentences from plain values: the words of every step kind, written once.

Each function takes only plain data (texts, decimals, flags, and the formula's ``FormulaText``) and returns
``(text, fields)``; the field order is part of the explanation's bytes.  ``sentences`` adapts them to the
interpreter, which holds AST nodes; the plan's sites bind them to the texts made from the nodes once, so a site
pickles without the syntax tree and a warm process words a compact step without importing the parser, the
printer or attrs.  Keep it so: this module imports the standard library, ``numbers`` and ``dates`` only.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from perfdsl.interp import dates
from perfdsl.interp.dates import is_date
from perfdsl.interp.numbers import ROUNDING_NAMES, show

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Callable, Optional


def shown(v) -> str:
    if isinstance(v, bool):
        return "真" if v else "假"
    if isinstance(v, Decimal):
        return show(v)
    if isinstance(v, str):
        return f"“{v}”"
    if isinstance(v, list):
        inner = ", ".join(shown(x) for x in v[:8])
        return f"[{inner}{', …' if len(v) > 8 else ''}]"
    if isinstance(v, dict):
        return "{…}"
    if is_date(v):
        return dates.chinese(v)
    return str(v)


def text_of(v, percent: bool = False) -> str:
    """A value in a template's hole: text as it is, numbers as the trace shows them (a rate as a percentage)."""
    if isinstance(v, str):
        return v
    if isinstance(v, Decimal) and not isinstance(v, bool):
        return show(v, percent)
    return shown(v)


def json_value(v):
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, Decimal):
        return str(v) if v.is_finite() else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, list):
        return [json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    if is_date(v):
        return v.isoformat()
    field = getattr(v, "field", None)  # a Judged value
    if field is not None:
        return {field: str(v.value), "理由": v.reason}
    return str(v)


def records(v) -> bool:
    """A record, or a list holding one: named by its path where a value would be shown."""
    return isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, dict) for x in v))


def in_formula(v, percent: bool) -> Optional[str]:
    """A value as a formula with its values shows it, None to keep the path's name: a record (or a list of them)
    is named by its path (抽查得分({…}, 2) said nothing); ``percent``: the path is a rate, shown as a percentage."""
    if records(v):
        return None
    if percent and isinstance(v, Decimal):
        return show(v, True)
    return shown(v)


# ---------------------------------------------------------------- expressions
def fact(path: str, value, percent: bool, rates: frozenset = frozenset()) -> tuple[str, dict]:
    """``rates``: the dotted paths of facts declared 比率, for a record's fields.  A record's fields are listed in
    the order its value holds them: declared order on every road (the facts check copies records so, and the
    compact writers keep it: ``codegen.record_order``)."""
    if isinstance(value, dict):
        text = "，".join(f"{k} {_brief(x, f'{path}.{k}' in rates)}" for k, x in value.items()) or "{…}"
    elif records(value):
        text = f"共 {len(value)} 项"  # a list of records (问题清单, 抽查项目): how many, as an evaluator says it
    else:
        text = show(value, True) if percent and isinstance(value, Decimal) else shown(value)
    return f"{path} = {text}", {"path": path, "value": json_value(value)}


def fact_read(path: str, percent: bool, rates: frozenset, value) -> tuple[str, dict]:
    """``fact`` with what its site knows first: the path, whether it is a rate, the rates' paths."""
    return fact(path, value, percent, rates)


def judged_fact(value, path: str) -> tuple[str, dict]:
    """A 酌情 value's fact (never as a percentage), its path recorded with it."""
    return fact(path, value, False)


def _brief(v, percent: bool) -> str:
    """A field of a record in a fact's words: a list by its length, a long text by its start, a nested record
    as {…} (the step's ``value`` holds all of it)."""
    if isinstance(v, list):
        return f"{len(v)} 项"
    if isinstance(v, str) and len(v) > 30:
        return f"“{v[:30]}…”"
    return show(v, True) if percent and isinstance(v, Decimal) else shown(v)


def judgement(path: str, field: str, value: Decimal, reason: str) -> tuple[str, dict]:
    return (f"{path}：酌情{field} {show(value)}，理由：{reason}",
            {"path": path, "value": str(value), "reason": reason})


def judgement_read(value: Decimal, field: str, reason: str, path: str) -> tuple[str, dict]:
    """``judgement`` in the order a compact step holds its values."""
    return judgement(path, field, value, reason)


def let_value(name: str, formula: str, percent: bool, value, subst: str) -> tuple[str, dict]:
    """``percent``: the checker typed the value a rate (``ruleset/check/percents.py``), shown as a percentage."""
    text = f"{name} = {formula}"
    value_text = show(value, True) if percent and isinstance(value, Decimal) else shown(value)
    if subst not in (formula, value_text):
        text += f" = {subst}"
    text += f" = {value_text}"
    return text, {"name": name, "formula": formula, "substituted": subst, "value": json_value(value)}


def let_filled(name: str, formula: str, percent: bool, described: Callable, value, seen) -> tuple[str, dict]:
    """``let_value`` from a compact step: the formula filled with the slot values ``seen``."""
    return let_value(name, formula, percent, value, described(seen))


def band(subject: str, interval: str, percent: bool, value: Decimal | datetime.date, result) -> tuple[str, dict]:
    """``percent``: the band's ends are written as percentages, so its value is shown as one."""
    if isinstance(value, datetime.date):
        return (f"{subject} = {shown(value)} → 落在 {interval} → {shown(result)}",
                {"subject": subject, "value": value.isoformat(), "interval": interval, "result": json_value(result)})
    return (f"{subject} = {show(value, percent)} → 落在 {interval} → {shown(result)}",
            {"subject": subject, "value": str(value), "interval": interval, "result": json_value(result)})


def match(subject: str, value, result) -> tuple[str, dict]:
    return (f"{subject} = {shown(value)} → {shown(result)}",
            {"subject": subject, "key": json_value(value), "result": json_value(result)})


def builtin(name: str, explain: Callable, args: list, result) -> tuple[str, dict]:
    """``explain``: the function's own words (``Builtin.explain``, module-level in ``builtins``)."""
    return explain(args, result), {"function": name, "result": json_value(result)}


# ---------------------------------------------------------------- indicators
def not_applicable(reason: str, condition: str, outcome: str) -> tuple[str, dict]:
    return f"不适用：{reason}（条件 {condition} 成立）→ {outcome}", {"reason": reason}


def formula(f: str, value: Decimal, subst: str) -> tuple[str, dict]:
    text = f"得分 = {f}" + (f" = {subst}" if subst not in (f, show(value)) else "") + f" = {show(value)}"
    return text, {"formula": f, "substituted": subst, "value": str(value)}


def formula_filled(f: str, described: Callable, value: Decimal, seen) -> tuple[str, dict]:
    return formula(f, value, described(seen))


def full_weight(weight: Decimal) -> tuple[str, dict]:
    return f"基础分 = 分值 {show(weight)}（无扣分则得满分）", {"value": str(weight)}


def part_not_applicable(name: str, reason: str, points: Decimal) -> tuple[str, dict]:
    return f"子项 {name} 不适用：{reason} → 按满分 {show(points)} 计", {"part": name, "reason": reason}


def part(name: str, points: Decimal, f: str, value: Decimal, clamped: Decimal, subst: str) -> tuple[str, dict]:
    text = f"子项 {name}（{show(points)} 分）= {f}"
    if subst not in (f, show(value)):
        text += f" = {subst}"
    text += f" = {show(value)}"
    if clamped != value:
        text += f" → 限于 [0, {show(points)}]：{show(clamped)}"
    return text, {"part": name, "points": str(points), "formula": f, "substituted": subst, "value": str(clamped)}


def part_filled(name: str, points: Decimal, f: str, described: Callable, value: Decimal, clamped: Decimal,
                seen) -> tuple[str, dict]:
    return part(name, points, f, value, clamped, described(seen))


def subtotal(base: Decimal, deducted: Decimal, raw: Decimal) -> tuple[str, dict]:
    return (f"{show(base)} − 扣分 {show(deducted)} = {show(raw)}",
            {"base": str(base), "deducted": str(deducted), "value": str(raw)})


def floor(raw: Decimal) -> tuple[str, dict]:
    return f"扣完为止：{show(raw)} → 0", {"before": str(raw), "after": "0"}


def cap(weight: Decimal, raw: Decimal) -> tuple[str, dict]:
    return (f"封顶：{show(raw)} 超过分值 {show(weight)}，按 {show(weight)} 计（吸收 {show(raw - weight)}）",
            {"before": str(raw), "after": str(weight), "absorbed": str(raw - weight)})


def rounding(mode: str, places: int, raw: Decimal, score: Decimal) -> tuple[str, dict]:
    return (f"舍入（{ROUNDING_NAMES[mode]}，{places} 位小数）：{raw:f} → {score}",
            {"before": str(raw), "after": str(score)})


def score(weight: Decimal, value: Decimal) -> tuple[str, dict]:
    return f"得分 {value} / {show(weight)}", {"value": str(value)}


def penalty(weight: Decimal, lost: Decimal, value: Decimal) -> tuple[str, dict]:
    return f"减分项：本项失分 {show(lost)} 分，从总分中扣除（最多扣 {show(weight)} 分）", {"value": str(value)}


def failed(message: str) -> tuple[str, dict]:
    return f"无法评分：{message}", {}


# ---------------------------------------------------------------- grade
def veto(reason: str, grade: str) -> tuple[str, dict]:
    return f"一票否决：{reason} → 等级 {grade}", {"grade": grade, "reason": reason}


def grade(interval: str, total: Decimal, grade) -> tuple[str, dict]:
    return f"总分 {show(total)} 落在 {interval} → 等级 {grade}", {"interval": interval, "grade": grade}


class Title:
    """A fact set's title: the rule set's 标题 template filled from the facts (the one template syntax,
    ``syntax/template.py``), else the rule set's name.  Plain data: pickled into the warm bundle."""

    __slots__ = ("name", "fill", "percent_paths")

    def __init__(self, name: str, fill, percent_paths: frozenset):
        self.name, self.fill, self.percent_paths = name, fill, percent_paths

    def __call__(self, facts: dict) -> str:
        if self.fill is None:
            return self.name

        def value(segments) -> Optional[str]:  # over facts only
            cur = facts
            for seg in segments:
                if not isinstance(cur, dict) or seg not in cur:
                    return None
                cur = cur[seg]
            return text_of(cur, ".".join(segments) in self.percent_paths)
        return self.fill(value)

    def __reduce__(self):
        return Title, (self.name, self.fill, self.percent_paths)

