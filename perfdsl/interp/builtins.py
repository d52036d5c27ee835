"""The functions rule files may call, under Chinese and English names.

Each builds one 评分标准 idiom (proportional scoring with a floor, a ratio
deduction over sampled items, a growth rate) so that rule files read like
the criteria column and traces can say which case applied.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from perfdsl.interp import dates
from perfdsl.interp.numbers import ONE, ZERO, bracketed, show

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Callable, Optional


class BuiltinError(Exception):
    """A builtin was given values it cannot work with; the evaluator adds the location."""


class Builtin:
    """A row of the builtin table.  A plain class (the warm road imports no attrs); pickled by its name, so a
    generated scorer's constants name the row, never its functions (some are lambdas)."""

    __slots__ = ("name", "zh", "min_args", "max_args", "arg_kinds", "result", "impl", "explain", "cases", "case_of")

    name: str  # canonical (English)
    zh: str
    min_args: int
    max_args: Optional[int]
    arg_kinds: str  # one letter per argument: n number, l list, r sample record, d date, a any; '*' repeats the last
    result: str  # number | bool
    impl: Callable
    explain: Optional[Callable]  # (args, result) -> str, called only when tracing
    cases: tuple[str, ...]  # named branches, counted by `perfdsl test` coverage
    case_of: Optional[Callable]  # (args) -> one of cases

    def __init__(self, name: str, zh: str, min_args: int, max_args: Optional[int], arg_kinds: str, result: str,
                 impl: Callable, explain: Optional[Callable] = None, cases: tuple[str, ...] = (),
                 case_of: Optional[Callable] = None):
        self.name, self.zh, self.min_args, self.max_args = name, zh, min_args, max_args
        self.arg_kinds, self.result, self.impl, self.explain = arg_kinds, result, impl, explain
        self.cases, self.case_of = cases, case_of

    def __repr__(self):
        return f"Builtin({self.name!r})"

    def __reduce__(self):
        return _named, (self.name,)


def _named(name: str) -> Builtin:
    return BY_NAME[name]


def _num(x):
    if isinstance(x, bool) or not isinstance(x, Decimal):
        raise BuiltinError(f"应为数值，得到 {x!r}")
    return x


def _min(*xs):
    return min(_num(x) for x in xs)


def _max(*xs):
    return max(_num(x) for x in xs)


def _explain_min(args, result):
    """A step of its own, so that the narrative can say which value was taken (min(1, 目标 ÷ 实际) × 5)."""
    return f"取最小值：{'、'.join(show(_num(a)) for a in args)} 中最小的是 {show(result)}"


def _explain_max(args, result):
    return f"取最大值：{'、'.join(show(_num(a)) for a in args)} 中最大的是 {show(result)}"


def _list(x):
    if not isinstance(x, list):
        raise BuiltinError("应为列表")
    return x


def _sum(xs):
    total = ZERO
    for x in _list(xs):
        total += _num(x)
    return total


def _proportional(rate, points, floor):
    if rate >= ONE:
        return points
    if rate >= floor:
        return rate * points
    return ZERO


def _explain_proportional(args, result):
    rate, points, floor = args
    if rate >= ONE:
        case = f"{show(rate, True)} ≥ 100% → 满分 {show(points)}"
    elif rate >= floor:
        case = f"{show(floor, True)} ≤ {show(rate, True)} < 100% → {show(rate, True)} × {show(points)} = {show(result)}"
    else:
        case = f"{show(rate, True)} < {show(floor, True)} → 0"
    return f"按比例得分：{case}"


def _sample(record, points):
    sampled, problems = _sample_counts(record)
    if sampled == 0:
        return points
    return points * (ONE - problems / sampled)


def _sample_counts(record):
    if not isinstance(record, dict) or "抽查数" not in record or "问题数" not in record:
        raise BuiltinError("抽查得分 需要含 抽查数 和 问题数 的记录")
    return _num(record["抽查数"]), _num(record["问题数"])


def _explain_sample(args, result):
    sampled, problems = _sample_counts(args[0])
    points = args[1]
    if sampled == 0:
        return f"抽查 0 项 → 满分 {show(points)}"
    return (f"抽查 {show(sampled)} 项，存在问题 {show(problems)} 项："
            f"{show(points)} × (1 − {show(problems)}/{show(sampled)}) = {show(result)}")


def _growth(new, old):
    if old == 0:
        if new == 0:
            return ZERO
        return Decimal("Infinity") if new > 0 else Decimal("-Infinity")
    return (new - old) / old


def _explain_growth(args, result):
    new, old = args
    if old == 0:
        return f"增长率：上年为 0，本年 {show(new)} → {show(result, True)}"
    before = bracketed(show(old))
    return f"增长率 = ({show(new)} − {before}) / {before} = {show(result, True)}"


def _ratio(a, b, if_zero):
    if b == 0:
        return if_zero
    return a / b


def _explain_ratio(args, result):
    a, b, if_zero = args
    if b == 0:
        return f"比值：分母为 0 → 按规则取 {show(if_zero)}"
    return f"比值 = {show(a)} / {show(b)} = {show(result)}"


def _date(x):
    if not dates.is_date(x):
        raise BuiltinError(f"应为日期，得到 {x!r}")
    return x


def _days(start, end):
    return dates.days_between(_date(start), _date(end))


def _explain_days(args, result):
    start, end = args
    return f"天数差：{dates.chinese(start)} 至 {dates.chinese(end)} = {show(result)} 天"


def _overdue(actual, deadline):
    return max(ZERO, dates.days_between(_date(deadline), _date(actual)))


def _explain_overdue(args, result):
    actual, deadline = args
    if result == 0:
        return f"按期：{dates.chinese(actual)} 不晚于期限 {dates.chinese(deadline)} → 逾期 0 天"
    return f"逾期：{dates.chinese(actual)} 晚于期限 {dates.chinese(deadline)} {show(result)} 天"


def _points(rate):
    return _num(rate) * 100


def _explain_points(args, result):
    return f"百分点：{show(args[0], True)} = {show(result)} 个百分点"


def _any(xs):
    return any(x is True for x in _list(xs))


def _all(xs):
    return all(x is True for x in _list(xs))


BUILTINS: tuple[Builtin, ...] = (
    Builtin("min", "最小", 1, None, "n*", "number", _min, _explain_min),
    Builtin("max", "最大", 1, None, "n*", "number", _max, _explain_max),
    Builtin("abs", "绝对值", 1, 1, "n", "number", lambda x: abs(_num(x))),
    Builtin("count", "计数", 1, 1, "l", "number", lambda xs: Decimal(len(_list(xs)))),
    Builtin("sum", "求和", 1, 1, "l", "number", _sum),
    Builtin("any", "任一", 1, 1, "l", "bool", _any),
    Builtin("all", "全部", 1, 1, "l", "bool", _all),
    Builtin("proportional", "按比例", 3, 3, "nnn", "number", _proportional, _explain_proportional,
            ("≥ 100% 得满分", "下限至 100% 按比例", "低于下限得 0"),
            lambda a: ("≥ 100% 得满分" if a[0] >= ONE else "下限至 100% 按比例" if a[0] >= a[2] else "低于下限得 0")),
    Builtin("sample_score", "抽查得分", 2, 2, "rn", "number", _sample, _explain_sample),
    Builtin("growth", "增长率", 2, 2, "nn", "number", _growth, _explain_growth),
    Builtin("ratio", "比值", 3, 3, "nnn", "number", _ratio, _explain_ratio),
    Builtin("days_between", "天数差", 2, 2, "dd", "number", _days, _explain_days),
    Builtin("days_overdue", "逾期天数", 2, 2, "dd", "number", _overdue, _explain_overdue, ("按期", "逾期"),
            lambda a: "逾期" if a[0] > a[1] else "按期"),
    Builtin("percentage_points", "百分点", 1, 1, "n", "number", _points, _explain_points),
    Builtin("ceil", "向上取整", 1, 1, "n", "number",
            lambda x: _num(x).to_integral_value(rounding=decimal.ROUND_CEILING)),
    Builtin("floor", "向下取整", 1, 1, "n", "number",
            lambda x: _num(x).to_integral_value(rounding=decimal.ROUND_FLOOR)),
)

BY_NAME: dict[str, Builtin] = {}
for _b in BUILTINS:
    BY_NAME[_b.name] = _b
    BY_NAME[_b.zh] = _b

# Special forms take an unevaluated path.
EXISTS_NAMES = ("exists", "存在")
