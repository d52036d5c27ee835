"""Trace sentences: each step's text and fields, from the values it recorded.

One function per kind of step, shared by the tracing interpreter (which calls them as it
goes) and by ``expand`` (which calls them when a compact trace is read), so that a step
reads the same whichever engine recorded it.  Each returns ``(text, fields)``; the field
order is part of the explanation's bytes.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from perfdsl.interp import dates
from perfdsl.interp.dates import is_date
from perfdsl.interp.numbers import ROUNDING_NAMES, show
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text, interval_text, substitute

_NOTHING = object()


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


def describe(expr, seen: dict, percent_paths: frozenset) -> str:
    """The formula with the values it used: ``seen`` maps id(path or conditional) → value or branch."""

    def lookup(p: A.Path):
        v = seen.get(id(p), _NOTHING)
        if v is _NOTHING or _records(v):
            return None  # a record (or a list of them) is named by its path: 抽查得分({…}, 2) said nothing
        if isinstance(v, Decimal) and (p.dotted in percent_paths or p.span in percent_paths):
            return show(v, True)
        return shown(v)

    def branch(c: A.Conditional):
        return seen.get(id(c))
    return substitute(expr, lookup, branch)


def percent_band(band: A.Band) -> bool:
    for arm in band.arms:
        for end in (arm.interval.low, arm.interval.high):
            if isinstance(end, A.Number) and end.is_percent:
                return True
    return False


def _records(v) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and any(isinstance(x, dict) for x in v))


# ---------------------------------------------------------------- expressions
def fact(path: str, value, percent: bool, rates: frozenset = frozenset()) -> tuple[str, dict]:
    """``rates``: the dotted paths of facts declared 比率, for a record's fields.  A record's fields are listed in
    the order its value holds them: declared order on every road (the facts check copies records so, and the
    compact writers keep it: ``codegen.record_order``)."""
    if isinstance(value, dict):
        text = "，".join(f"{k} {_brief(x, f'{path}.{k}' in rates)}" for k, x in value.items()) or "{…}"
    elif _records(value):
        text = f"共 {len(value)} 项"  # a list of records (问题清单, 抽查项目): how many, as an evaluator says it
    else:
        text = show(value, True) if percent and isinstance(value, Decimal) else shown(value)
    return f"{path} = {text}", {"path": path, "value": json_value(value)}


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


def let_value(let: A.Let, value, percent: bool, subst: str) -> tuple[str, dict]:
    """``percent``: the checker typed the value a rate (``ruleset/check/percents.py``), shown as a percentage."""
    formula = expr_text(let.expr)
    text = f"{let.name} = {formula}"
    value_text = show(value, True) if percent and isinstance(value, Decimal) else shown(value)
    if subst not in (formula, value_text):
        text += f" = {subst}"
    text += f" = {value_text}"
    return text, {"name": let.name, "formula": formula, "substituted": subst, "value": json_value(value)}


def band(e: A.Band, arm: A.Arm, value: Decimal | datetime.date, result) -> tuple[str, dict]:
    subject = expr_text(e.subject)
    interval = interval_text(arm.interval)
    if isinstance(value, datetime.date):
        return (f"{subject} = {shown(value)} → 落在 {interval} → {shown(result)}",
                {"subject": subject, "value": value.isoformat(), "interval": interval, "result": json_value(result)})
    return (f"{subject} = {show(value, percent_band(e))} → 落在 {interval} → {shown(result)}",
            {"subject": subject, "value": str(value), "interval": interval, "result": json_value(result)})


def match(e: A.Match, value, result) -> tuple[str, dict]:
    return (f"{expr_text(e.subject)} = {shown(value)} → {shown(result)}",
            {"subject": expr_text(e.subject), "key": json_value(value), "result": json_value(result)})


def builtin(fn, args: list, result) -> tuple[str, dict]:
    return fn.explain(args, result), {"function": fn.name, "result": json_value(result)}


# ---------------------------------------------------------------- indicators
def not_applicable(s: A.NotApplicable, outcome: str) -> tuple[str, dict]:
    return f"不适用：{s.reason}（条件 {expr_text(s.condition)} 成立）→ {outcome}", {"reason": s.reason}


def formula(expr, value: Decimal, subst: str) -> tuple[str, dict]:
    f = expr_text(expr)
    text = f"得分 = {f}" + (f" = {subst}" if subst not in (f, show(value)) else "") + f" = {show(value)}"
    return text, {"formula": f, "substituted": subst, "value": str(value)}


def full_weight(weight: Decimal) -> tuple[str, dict]:
    return f"基础分 = 分值 {show(weight)}（无扣分则得满分）", {"value": str(weight)}


def part_not_applicable(p: A.Part) -> tuple[str, dict]:
    assert p.not_applicable is not None
    return (f"子项 {p.name} 不适用：{p.not_applicable.reason} → 按满分 {show(p.points)} 计",
            {"part": p.name, "reason": p.not_applicable.reason})


def part(p: A.Part, value: Decimal, clamped: Decimal, subst: str) -> tuple[str, dict]:
    f = expr_text(p.expr)
    text = f"子项 {p.name}（{show(p.points)} 分）= {f}"
    if subst not in (f, show(value)):
        text += f" = {subst}"
    text += f" = {show(value)}"
    if clamped != value:
        text += f" → 限于 [0, {show(p.points)}]：{show(clamped)}"
    return text, {"part": p.name, "points": str(p.points), "formula": f, "substituted": subst, "value": str(clamped)}


def subtotal(base: Decimal, deducted: Decimal, raw: Decimal) -> tuple[str, dict]:
    return (f"{show(base)} − 扣分 {show(deducted)} = {show(raw)}",
            {"base": str(base), "deducted": str(deducted), "value": str(raw)})


def floor(raw: Decimal) -> tuple[str, dict]:
    return f"扣完为止：{show(raw)} → 0", {"before": str(raw), "after": "0"}


def cap(raw: Decimal, weight: Decimal) -> tuple[str, dict]:
    return (f"封顶：{show(raw)} 超过分值 {show(weight)}，按 {show(weight)} 计（吸收 {show(raw - weight)}）",
            {"before": str(raw), "after": str(weight), "absorbed": str(raw - weight)})


def rounding(mode: str, places: int, raw: Decimal, score: Decimal) -> tuple[str, dict]:
    return (f"舍入（{ROUNDING_NAMES[mode]}，{places} 位小数）：{raw:f} → {score}",
            {"before": str(raw), "after": str(score)})


def score(value: Decimal, weight: Decimal) -> tuple[str, dict]:
    return f"得分 {value} / {show(weight)}", {"value": str(value)}


def penalty(lost: Decimal, weight: Decimal, value: Decimal) -> tuple[str, dict]:
    return f"减分项：本项失分 {show(lost)} 分，从总分中扣除（最多扣 {show(weight)} 分）", {"value": str(value)}


# ---------------------------------------------------------------- grade
def veto(v: A.Veto) -> tuple[str, dict]:
    return f"一票否决：{v.reason} → 等级 {v.grade}", {"grade": v.grade, "reason": v.reason}


def grade(total: Decimal, arm: A.Arm, grade) -> tuple[str, dict]:
    interval = interval_text(arm.interval)
    return f"总分 {show(total)} 落在 {interval} → 等级 {grade}", {"interval": interval, "grade": grade}
