"""Solving a rule's formula backwards: which value of one fact puts a 令 value in a wanted range.

The improvement analysis (``improve.py``) asks, e.g., for 预算执行率 > 90% where 预算执行率 =
预算执行数 ÷ 全年预算数: the fact to change is the first one the formula reads (执行数 before
全年预算数, 本年 before 上年, 预算数 before 决算数: the figure a department controls comes first in
these formulas), the boundary value comes from inverting the arithmetic exactly in Decimal
(执行数 = 90% × 全年预算数), and the value offered is that boundary moved to the fact's own grain
(a whole number for 整数, 0.01 for an amount given in cents, 0.01% for a 比率) on the side that
satisfies the range.  Each candidate is checked by evaluating the formula again with the changed
fact; the engine then scores the whole fact set again before anything is said.
"""

from __future__ import annotations

import copy
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Iterator, Optional

import attrs

from perfdsl.explain.words import COMPARED, label, number
from perfdsl.interp.evaluator import Env, EvalError, Evaluator, Judged
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text

_OPS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
_MAX_DEPTH = 40
# a fact named so is what the result is measured against (a target, a plan, a budget, last year): not the lever
BENCHMARK_WORDS = ("目标", "计划", "预算", "标准", "上年", "基期", "基数")


@attrs.frozen
class Target:
    """A range a value must fall in: None for an open end."""

    low: Optional[Decimal]
    low_closed: bool
    high: Optional[Decimal]
    high_closed: bool

    def holds(self, v: Decimal) -> bool:
        if self.low is not None and (v < self.low or (v == self.low and not self.low_closed)):
            return False
        return not (self.high is not None and (v > self.high or (v == self.high and not self.high_closed)))


@attrs.frozen
class Reach:
    """Fact changes that satisfy a condition, and the words for them."""

    words: str
    changes: tuple
    direct: bool = False  # the value is the fact itself: no 「即」 needed between them


class Solver:
    def __init__(self, plan, ev: Evaluator, env: Env, data: dict, raw: dict):
        self.plan = plan
        self.ev = ev
        self.env = env
        self.data = data
        self.raw_facts = raw
        self._elements: dict[tuple, tuple] = {}  # an element's concrete path → (its type, its label)

    # ------------------------------------------------------------ names and values
    def let(self, p) -> Optional[A.Let]:
        if not isinstance(p, A.Path) or len(p.segments) != 1 or p.star is not None:
            return None
        name = p.segments[0]
        return self.env.lets.get(name) or self.plan.rules.globals.get(name)

    def fact(self, segments):
        return _lookup(self.data, segments)

    def raw(self, segments):
        return _lookup(self.raw_facts, segments)

    def name(self, e) -> str:
        if isinstance(e, A.Path):
            if self.let(e) is not None:
                return e.segments[0]
            ty = self.plan.fact_type(e.segments) if e.star is None else None
            return ty.label if ty is not None and ty.label else label(e.dotted)
        from perfdsl.explain.words import tidy
        return tidy(expr_text(e))

    def is_percent(self, e) -> bool:
        let = self.let(e)
        if let is not None and let.span in self.plan.percent_paths:  # a rate the checker found: 满意度 = a ÷ b
            return True
        if isinstance(e, A.Path) and let is None:
            return ".".join(e.segments) in self.plan.percent_paths
        return self.name(e).endswith(("率", "占比", "偏离度"))

    def _value(self, e, ev: Optional[Evaluator] = None, env: Optional[Env] = None):
        try:
            v = (ev or self.ev).value(e, env or self.env)
        except (EvalError, ArithmeticError):
            return None
        return v.value if isinstance(v, Judged) else v

    # ------------------------------------------------------------ words for a condition
    def condition_words(self, cond, value: bool) -> str:
        if isinstance(cond, A.Path):
            let = self.let(cond)
            if let is not None:
                return self.condition_words(let.expr, value)
            return f"{label(cond.dotted)}：{'是' if value else '否'}"
        if isinstance(cond, A.Not):
            return self.condition_words(cond.operand, not value)
        if isinstance(cond, A.Compare):
            left = self._value(cond.left)
            right = self._value(cond.right)
            if isinstance(left, Decimal) and isinstance(right, Decimal):
                pct = self.is_percent(cond.left)
                said = COMPARED[_OPS[cond.op], value]
                return f"{self.name(cond.left)} {number(left, pct)}，{said} {number(right, pct)}"
        if isinstance(cond, A.Logical):
            parts = [self.condition_words(cond.left, bool(self._value(cond.left))),
                     self.condition_words(cond.right, bool(self._value(cond.right)))]
            return "，".join(parts)
        from perfdsl.explain.words import tidy
        return tidy(expr_text(cond)) + ("" if value else " 不成立")

    # ------------------------------------------------------------ making a condition hold
    def make(self, cond, want: bool, depth: int = 0) -> Optional[Reach]:
        """Fact changes that give ``cond`` the value ``want``; None if no single-step change is known."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(cond, A.Path):
            let = self.let(cond)
            if let is not None:
                return self.make(let.expr, want, depth + 1)
            ty = self.plan.fact_type(cond.segments) if cond.star is None else None
            if ty is None or ty.kind != "bool":
                return None
            return Reach(f"{label(cond.dotted)}为“{'是' if want else '否'}”", ((cond.segments, want),))
        if isinstance(cond, A.Not):
            return self.make(cond.operand, not want, depth + 1)
        if isinstance(cond, A.Logical):
            both = (cond.op == "and") == want  # and→true, or→false: both sides must change
            sides = []
            for side in (cond.left, cond.right):
                if self._value(side) == want:
                    continue
                got = self.make(side, want, depth + 1)
                if got is None and both:
                    return None
                if got is not None:
                    sides.append(got)
                    if not both:
                        break
            if not sides:
                return None
            return Reach("，".join(s.words for s in sides), tuple(c for s in sides for c in s.changes))
        if isinstance(cond, A.Compare):
            return self._compare(cond, want)
        return None

    def _compare(self, cond: A.Compare, want: bool) -> Optional[Reach]:
        right = self._value(cond.right)
        op = cond.op if want else {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "!=", "!=": "="}[cond.op]
        if isinstance(right, str) and isinstance(cond.left, A.Path) and op == "=" and self.let(cond.left) is None:
            return Reach(f"{label(cond.left.dotted)}为“{right}”", ((cond.left.segments, right),))
        if not isinstance(right, Decimal):
            return None
        target = {"<": Target(None, False, right, False), "<=": Target(None, False, right, True),
                  ">": Target(right, False, None, False), ">=": Target(right, True, None, False),
                  "=": Target(right, True, right, True)}.get(op)
        if target is None:
            return None
        return self.reach(cond.left, target)

    # ------------------------------------------------------------ reaching a range
    def reach(self, subject, target: Target) -> Optional[Reach]:
        """The nearest value of one fact that puts ``subject`` in ``target``, checked by evaluating it again.

        The fact is a measure before a benchmark (``BENCHMARK_WORDS``: 实际成本 before 目标成本, 本年 before
        上年) — raising one's own target or last year's figure is no way to improve —, else the first read."""
        found: list[A.Path] = []
        for p in self._free_facts(subject, 0):
            if all(p.segments != q.segments for q in found):
                found.append(p)
        found.sort(key=lambda p: any(word in p.segments[-1] for word in BENCHMARK_WORDS))  # stable: measures first
        for x in found:
            got = self._reach_by(subject, target, x)
            if got is not None:
                return got
        return None

    def _reach_by(self, subject, target: Target, x: A.Path) -> Optional[Reach]:
        current = self.fact(x.segments)
        if not isinstance(current, Decimal):
            return None
        ty, name = self._elements.get(x.segments, (self.plan.fact_type(x.segments), None))
        name = name or (ty.label if ty is not None and ty.label else label(x.dotted))
        grain = _grain(ty.kind if ty is not None else "number", current)
        roots: list[Decimal] = []
        for bound in (target.low, target.high):
            if bound is not None:
                roots += self._invert(subject, bound, x, 0)
        candidates = set()
        for r in roots:
            down = r.quantize(grain, rounding=ROUND_FLOOR)
            up = r.quantize(grain, rounding=ROUND_CEILING)
            candidates |= {down, up, down - grain, up + grain}
        fitting = []
        for c in sorted(candidates):
            if c == current:
                continue
            v = self._with(subject, x.segments, c)
            if isinstance(v, Decimal) and target.holds(v):
                fitting.append(c)
        if not fitting:
            return None
        best = min(fitting, key=lambda c: (abs(c - current), c))
        pct = ".".join(x.segments) in self.plan.percent_paths
        way = "不低于" if best > current else "不高于"
        unit = f" {ty.unit}" if ty is not None and ty.unit and not pct else ""  # 单位 "万元": display only
        words = f"{name}{way} {number(best, pct)}{unit}（现为 {number(current, pct)}{unit}）"
        return Reach(words, ((x.segments, best),), self._is_alias(subject, x, 0))

    def _is_alias(self, e, x: A.Path, depth: int) -> bool:
        """Whether a value is fact ``x`` itself, perhaps under a 令 name."""
        let = self.let(e) if depth < _MAX_DEPTH else None
        if let is not None:
            return self._is_alias(let.expr, x, depth + 1)
        return isinstance(e, A.Path) and e.segments == x.segments

    def _with(self, subject, segments, value: Decimal):
        """``subject`` evaluated again with one fact changed (a fresh evaluator: nothing cached from before)."""
        data = copy.deepcopy(self.data)
        cur = data
        for seg in segments[:-1]:
            cur = cur[seg]
        cur[segments[-1]] = value
        ev = Evaluator(self.plan.rules.globals, data, None, self.plan.percent_paths)
        return self._value(subject, ev, Env(self.env.lets))

    def _free_facts(self, e, depth: int) -> Iterator[A.Path]:
        """The numeric facts the value reads, in order, along the branches the current facts take."""
        if depth > _MAX_DEPTH:
            return
        if isinstance(e, A.Path):
            let = self.let(e)
            if let is not None:
                yield from self._free_facts(let.expr, depth + 1)
                return
            ty = self.plan.fact_type(e.segments) if e.star is None else None
            if ty is not None and ty.kind in ("number", "integer", "rate"):
                yield e
            return
        if isinstance(e, A.Conditional):
            yield from self._free_facts(e.then if self._value(e.condition) else e.otherwise, depth + 1)
            return
        if _is_sum_over_map(e):
            element = self._element(e.args[0])
            if element is not None:
                yield element
            return
        for sub in A.subexpressions(e):
            yield from self._free_facts(sub, depth + 1)

    def _element(self, p: A.Path) -> Optional[A.Path]:
        """For 求和(满意度[*].满意数): the first element of the map as a fact of its own (满意度.个人.满意数)."""
        k = p.star
        assert k is not None
        collection = self.fact(p.segments[:k])
        map_ty = self.plan.fact_type(p.segments[:k])
        if not isinstance(collection, dict) or map_ty is None or map_ty.kind != "map" or map_ty.element is None:
            return None
        ty = map_ty.element
        for seg in p.segments[k:]:
            ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
        if ty is None or ty.kind not in ("number", "integer", "rate"):
            return None
        for key in collection:
            concrete = p.segments[:k] + (key,) + p.segments[k:]
            if isinstance(self.fact(concrete), Decimal):
                self._elements[concrete] = (ty, f"{key}的{p.segments[-1]}")
                return A.Path(concrete, None, p.span)
        return None

    def _has(self, e, x: A.Path, depth: int) -> bool:
        if depth > _MAX_DEPTH:
            return False
        if isinstance(e, A.Path) and e.star is not None:
            k = e.star
            return (len(x.segments) == len(e.segments) + 1 and x.segments[:k] == e.segments[:k]
                    and x.segments[k + 1:] == e.segments[k:])
        if isinstance(e, A.Path):
            let = self.let(e)
            return self._has(let.expr, x, depth + 1) if let is not None else e.segments == x.segments
        return any(self._has(s, x, depth + 1) for s in A.subexpressions(e))

    def _invert(self, e, t: Decimal, x: A.Path, depth: int) -> list[Decimal]:
        """The values of fact ``x`` that give ``e`` the value ``t``, solved exactly (other values as they are)."""
        if depth > _MAX_DEPTH:
            return []
        try:
            return self._invert_step(e, t, x, depth)
        except (ArithmeticError, TypeError):
            return []

    def _invert_step(self, e, t: Decimal, x: A.Path, depth: int) -> list[Decimal]:
        if isinstance(e, A.Path):
            let = self.let(e)
            if let is not None:
                return self._invert(let.expr, t, x, depth + 1)
            return [t] if e.segments == x.segments else []
        if isinstance(e, A.Negate):
            return self._invert(e.operand, -t, x, depth + 1)
        if isinstance(e, A.Conditional):
            return self._invert(e.then if self._value(e.condition) else e.otherwise, t, x, depth + 1)
        if isinstance(e, A.Binary):
            return self._arith(e.op, e.left, e.right, t, x, depth)
        if isinstance(e, A.Call):
            if e.function in ("abs", "绝对值") and t >= 0:
                return self._invert(e.args[0], t, x, depth + 1) + self._invert(e.args[0], -t, x, depth + 1)
            if e.function in ("min", "最小", "max", "最大"):
                holding = [a for a in e.args if self._has(a, x, depth + 1)]
                return self._invert(holding[0], t, x, depth + 1) if len(holding) == 1 else []
            if e.function in ("ratio", "比值"):
                return self._arith("/", e.args[0], e.args[1], t, x, depth)
            if _is_sum_over_map(e) and self._has(e.args[0], x, depth + 1):
                total, mine = self._value(e), self.fact(x.segments)
                return [t - total + mine] if isinstance(total, Decimal) and isinstance(mine, Decimal) else []
            if e.function in ("growth", "增长率"):
                new, old = e.args
                if self._has(new, x, depth + 1):
                    o = self._value(old)
                    return self._invert(new, o * (1 + t), x, depth + 1) if isinstance(o, Decimal) else []
                n = self._value(new)
                return self._invert(old, n / (1 + t), x, depth + 1) if isinstance(n, Decimal) else []
        return []

    def _arith(self, op: str, left, right, t: Decimal, x: A.Path, depth: int) -> list[Decimal]:
        in_left, in_right = self._has(left, x, depth + 1), self._has(right, x, depth + 1)
        if in_left == in_right:
            return []
        other = self._value(right if in_left else left)
        if not isinstance(other, Decimal):
            return []
        side = left if in_left else right
        if op == "+":
            goal = t - other
        elif op == "-":
            goal = t + other if in_left else other - t
        elif op == "*":
            goal = t / other
        elif op == "/":
            goal = t * other if in_left else other / t
        else:
            return []
        return self._invert(side, goal, x, depth + 1)


def _is_sum_over_map(e) -> bool:
    return (isinstance(e, A.Call) and e.function in ("sum", "求和") and len(e.args) == 1
            and isinstance(e.args[0], A.Path) and e.args[0].star is not None)


def _lookup(data, segments):
    cur = data
    for seg in segments:
        if not isinstance(cur, dict) or seg not in cur:
            return None
        cur = cur[seg]
    return cur


def _grain(kind: str, current: Decimal) -> Decimal:
    """The step a fact's value moves by: 1 for a whole number, 0.01% for a rate, else the cents it is given in."""
    if kind == "integer":
        return Decimal(1)
    if kind == "rate":
        return Decimal("0.0001")
    exponent = current.as_tuple().exponent
    places = max(2, -exponent if isinstance(exponent, int) else 2)
    return Decimal(1).scaleb(-places)
