"""``perfdsl test --edges``: every band, evaluated at each bound and just either side of it.

A band over a fact or a 令 is probed by giving that name the value.  A band over any other
expression (``区间 a ÷ b {…}``) is probed through its facts: one fact the expression depends on
is solved for, so that the expression takes the probe value exactly and every arm is evaluated
with facts that really give it — the others stay as in the facts file.  A band that cannot be
probed either way is listed with the reason (``skipped``), never left out silently.
"""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Optional

from perfdsl.diagnostics import PerfdslError
from perfdsl.interp import dates
from perfdsl.interp.evaluator import Env, EvalError, Evaluator
from perfdsl.interp.numbers import CONTEXT, show
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text, interval_text

if TYPE_CHECKING:
    from perfdsl.engine import Engine
    from perfdsl.ruleset.check.bands import Dom


class _Skip(Exception):
    """A band ``--edges`` cannot probe; the message says why."""


def band_edges(engine: Engine, facts: object) -> list[dict]:
    """Each band with its rows, or with ``skipped``: why it was not probed.

    Only values the subject can take are probed: the domain ``perfdsl check`` infers (declared
    ranges, 要求, the conditions around the band), so 偏离度 is never tried at −0.01%.
    """
    from perfdsl.ruleset.check.bands import BandChecker
    from perfdsl.ruleset.facts import FactValidator
    validator = FactValidator(engine.checked.facts_type)
    data = validator.validate(facts)
    if validator.errors:
        raise PerfdslError(validator.errors)
    out = []
    for ind, band, lets, domain in BandChecker(engine.rules, engine.checked.facts_type).bands():
        head = {"indicator": ind.name, "subject": expr_text(band.subject), "at": f"{band.span.file}:{band.span.line}"}
        try:
            out.append({**head, "rows": _edges_of(engine, band, lets, data, domain)})
        except _Skip as why:
            out.append({**head, "rows": [], "skipped": str(why)})
    return out


def _edges_of(engine: Engine, band: A.Band, lets: dict[str, A.Let], data: dict, domain: Dom) -> list[dict]:
    subject = band.subject
    days = sorted({end.value for arm in band.arms for end in (arm.interval.low, arm.interval.high)
                   if isinstance(end, A.DateLit)})
    if days:
        return _date_edges(engine, band, lets, data, days)
    percent = any(isinstance(end, A.Number) and end.is_percent for arm in band.arms
                  for end in (arm.interval.low, arm.interval.high))
    step = Decimal("0.0001") if percent else Decimal("0.01")
    bounds = sorted({end.value for arm in band.arms for end in (arm.interval.low, arm.interval.high)
                     if isinstance(end, A.Number) and end.value.is_finite()})
    if not bounds:
        raise _Skip("区间的边界都不是常数，没有可取的边界值")
    probes = sorted({v for b in bounds for v in (b - step, b, b + step) if domain.contains(v)})
    if not probes:
        raise _Skip("边界及其两侧都不在对象可能的取值范围内（范围由事实的声明、要求和所在条件推出）")
    direct = isinstance(subject, A.Path) and subject.star is None
    inputs = [] if direct else _fact_inputs(subject, lets, engine.rules.globals)
    rows = []
    for v in probes:
        env = Env(lets)
        facts: Optional[dict] = data
        if direct:
            assert isinstance(subject, A.Path)
            if len(subject.segments) == 1 and subject.segments[0] in lets:
                env.cache[subject.segments[0]] = v
            else:
                facts = _with(data, subject.segments, v)
        else:
            facts = _solve(engine, subject, lets, data, inputs, v)
        if facts is None:
            names = "、".join(".".join(p) for p in inputs)
            why = f"改变 {names} 中的任何一个都不能使 {expr_text(subject)} 恰好等于 {show(v, percent)}"
            rows.append({"value": show(v, percent), "band": "—", "result": f"取不到：{why}"})
            continue
        label, result = _arm_of(engine, band, facts, env, v)
        rows.append({"value": show(v, percent), "band": label, "result": result})
    if all(r["result"].startswith("取不到") for r in rows):
        raise _Skip(rows[0]["result"].removeprefix("取不到：") + "（任何一个边界都是如此）")
    return rows


def _date_edges(engine: Engine, band: A.Band, lets: dict[str, A.Let], data: dict,
                days: list[datetime.date]) -> list[dict]:
    """A band over dates: each bound day, the day before and the day after (days are whole)."""
    subject = band.subject
    if not isinstance(subject, A.Path) or subject.star is not None:
        raise _Skip(f"区间的对象 {expr_text(subject)} 不是一个日期事实或 令 值，无法直接取边界日期")
    one = datetime.timedelta(days=1)
    rows = []
    for v in sorted({d + k * one for d in days for k in (-1, 0, 1)}):
        env = Env(lets)
        facts = data
        if len(subject.segments) == 1 and subject.segments[0] in lets:
            env.cache[subject.segments[0]] = v
        else:
            facts = _with(data, subject.segments, v)
        label, result = _arm_of(engine, band, facts, env, v)
        rows.append({"value": dates.chinese(v), "band": label, "result": result})
    return rows


def _arm_of(engine: Engine, band: A.Band, facts, env: Env, v) -> tuple[str, str]:
    """(the arm a value falls in, what that arm gives), as the interpreter decides it — or why it cannot."""
    ev = Evaluator(engine.rules.globals, facts, None)
    try:
        arm = next((a for a in band.arms if ev.contains(a.interval, v, env)), None)
        if arm is None:
            return "—", "不在任何区间（报错）"
        return interval_text(arm.interval), show(ev.number(arm.result, env))
    except EvalError as exc:
        return "—", f"无法计算：{exc.diagnostic.message}"


def _fact_inputs(e: A.Expr, lets: dict[str, A.Let], globals_: dict[str, A.Let]) -> list[tuple[str, ...]]:
    """The facts an expression is computed from, through its 令, in source order."""
    out: list[tuple[str, ...]] = []

    def walk(x: A.Expr, seen: frozenset) -> None:
        if isinstance(x, A.Path):
            if x.star is not None:
                raise _Skip(f"区间的对象 {expr_text(e)} 取自列表的每一项（{x.dotted}），无法只改一个事实得到边界值")
            name = x.segments[0]
            let = (lets.get(name) or globals_.get(name)) if len(x.segments) == 1 else None
            if let is not None:
                if name not in seen:
                    walk(let.expr, seen | {name})
            elif x.segments not in out:
                out.append(x.segments)
            return
        for sub in A.subexpressions(x):
            walk(sub, seen)
    walk(e, frozenset())
    if not out:
        raise _Skip(f"区间的对象 {expr_text(e)} 不依赖任何事实")
    return out


def _solve(engine: Engine, subject: A.Expr, lets: dict[str, A.Let], data: dict,
           inputs: list[tuple[str, ...]], v: Decimal) -> Optional[dict]:
    """Facts, differing from ``data`` in one number, under which ``subject`` is exactly ``v``; None if none found.

    The subject is taken as a function of one fact at a time; where it is affine in that fact around
    the given value (three points on a line), the fact is solved for, and the answer is checked by
    evaluating the subject again and validating the facts against their declarations.
    """
    from perfdsl.ruleset.facts import FactValidator

    def at(segments: tuple[str, ...], x: Decimal) -> tuple[dict, Optional[Decimal]]:
        facts = _with(data, segments, x)
        try:
            return facts, Evaluator(engine.rules.globals, facts, None).number(subject, Env(lets))
        except EvalError:
            return facts, None

    for segments in inputs:
        x0 = _get(data, segments)
        if not isinstance(x0, Decimal):
            continue
        (_, f0), (_, f1), (_, f2) = at(segments, x0), at(segments, x0 + 1), at(segments, x0 + 2)
        if f0 is None or f1 is None or f2 is None or f1 == f0 or f2 - f1 != f1 - f0:
            continue
        try:
            x = CONTEXT.add(x0, CONTEXT.divide(v - f0, f1 - f0))
        except InvalidOperation:
            continue
        facts, got = at(segments, x)
        if got != v:
            continue  # not exact (a quotient that does not terminate), or not affine after all
        validator = FactValidator(engine.checked.facts_type)
        checked = validator.validate(facts)
        if not validator.errors:
            return checked
    return None


def _get(data: dict, segments: tuple[str, ...]) -> object:
    cur: object = data
    for seg in segments:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(seg)
    return cur


def _with(data: dict, segments: tuple[str, ...], value: Decimal | datetime.date) -> dict:
    facts = copy.deepcopy(data)
    cur = facts
    for seg in segments[:-1]:
        cur = cur.setdefault(seg, {})
    cur[segments[-1]] = value
    return facts
