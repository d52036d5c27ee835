"""Expressions over one fact set, in exact decimals.

Names resolve innermost first: the fields of the current finding (inside
逐项扣), the indicator's own 令 values, the rule set's shared 令 values, then
facts.  Values are computed once, on first use.  Every fact read, named
value, band, lookup and builtin case is told to the ``Tracer`` with its
values; the default one listens to nothing.
"""

from __future__ import annotations

from decimal import Decimal, DivisionByZero, InvalidOperation, Overflow
from typing import Any, Callable, Optional

from perfdsl.diagnostics import Diagnostic, error
from perfdsl.interp import sentences, wording
from perfdsl.interp.builtins import BY_NAME, EXISTS_NAMES, BuiltinError
from perfdsl.interp.dates import is_date
from perfdsl.interp.judged import Judged as Judged
from perfdsl.interp.numbers import show
from perfdsl.interp.sentences import percent_band as _percent_band
from perfdsl.interp.tracer import NO_TRACER, Substituted, Tracer
from perfdsl.interp.wording import shown as _shown
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text, interval_text


class EvalError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic
        super().__init__(diagnostic.headline())


class Env:
    """The names one expression sees."""

    __slots__ = ("item", "item_fields", "item_label", "lets", "cache")

    def __init__(self, lets: dict[str, A.Let], item=None, item_fields=(), item_label: str = ""):
        self.lets = lets
        self.cache: dict[str, object] = {}
        self.item = item
        self.item_fields = item_fields
        self.item_label = item_label

    def for_item(self, item, fields, label: str) -> "Env":
        env = Env(self.lets, item, fields, label)
        env.cache = self.cache
        return env


def _is_number(x) -> bool:
    return isinstance(x, Decimal)


class Evaluator:
    def __init__(self, lets: dict[str, A.Let], facts: dict, tracer: Optional[Tracer] = None,
                 percent_paths: frozenset = frozenset()):
        self.percent_paths = percent_paths  # facts declared 比率: shown as percentages in traces
        self.globals = lets
        self.global_cache: dict[str, object] = {}
        # the names a shared 令 sees: the shared 令 values, each computed once per fact set however reached
        self.global_env = Env(lets)
        self.global_env.cache = self.global_cache
        self.facts = facts
        self.tracer: Tracer = tracer or NO_TRACER
        self._active: set[int] = set()

    # ------------------------------------------------------------ entry points
    def value(self, expr, env: Env):
        return _DISPATCH[type(expr)](self, expr, env)

    def number(self, expr, env: Env, what: str = "数值") -> Decimal:
        v = self.value(expr, env)
        if not _is_number(v):
            raise self._error("E301", f"{expr_text(expr)} 应为{what}，实际为 {_kind(v)} {_shown(v)}", expr.span)
        return v

    def boolean(self, expr, env: Env) -> bool:
        v = self.value(expr, env)
        if not isinstance(v, bool):
            raise self._error("E302", f"{expr_text(expr)} 应为条件（真/假），实际为 {_kind(v)} {_shown(v)}", expr.span)
        return v

    def describe(self, expr) -> str:
        """The formula with the values it used — only meaningful while tracing."""
        return self.tracer.describe(expr)

    # ------------------------------------------------------------ errors
    def _error(self, code: str, message: str, span: A.Span, fact_path: Optional[str] = None) -> EvalError:
        return EvalError(error(code, message, span, fact_path=fact_path))

    # ------------------------------------------------------------ atoms
    def _number(self, e: A.Number, env):
        return e.value

    def _string(self, e: A.String, env):
        return e.value

    def _date(self, e: A.DateLit, env):
        return e.value

    def _boolean(self, e: A.Boolean, env):
        return e.value

    def _template(self, e: A.Template, env):
        return "".join(p if isinstance(p, str) else wording.text_of(self.value(p, env), self.is_rate(p))
                       for p in e.parts)

    def is_rate(self, p: A.Path) -> bool:
        """Whether the checker typed this reference a rate (or it reads a fact declared 比率)."""
        return sentences.is_rate(p, self.percent_paths)

    def _path(self, e: A.Path, env: Env):
        value = self._resolve(e, env)
        self.tracer.seen(e, value)
        return value

    def _resolve(self, e: A.Path, env: Env):
        segs = e.segments
        first = segs[0]
        if env.item is not None and first in env.item_fields:
            return self._walk(env.item, segs, 0, e, env.item_label, trace=False)
        if len(segs) == 1 and e.star is None:
            if first in env.lets:
                return self._let(env.lets[first], env.cache, env)
            if first in self.globals:
                return self._let(self.globals[first], self.global_cache, self.global_env)
        return self._walk(self.facts, segs, 0, e, "", trace=True)

    def _walk(self, base, segs, start, e: A.Path, prefix: str, trace: bool):
        cur = base
        path = prefix
        for i in range(start, len(segs)):
            if e.star is not None and i == e.star:
                return self._spread(cur, segs, i, e, path, trace)
            seg = segs[i]
            path = f"{path}.{seg}" if path else seg
            cur = self._step(cur, seg, path, e)
        if e.star is not None and e.star == len(segs):
            return self._spread(cur, segs, len(segs), e, path, trace)
        return self._leaf(cur, path, e, trace)

    def _step(self, cur, seg, path, e):
        if isinstance(cur, Judged):
            if seg == cur.field:
                return cur.value
            if seg == "理由":
                return cur.reason
        if not isinstance(cur, dict):
            raise self._error("E303", f"{path} 无法取字段：上一级不是记录", e.span, fact_path=path)
        if seg not in cur or cur[seg] is None:
            raise self._error("E304", f"缺少事实 {path}（规则 {expr_text(e)} 需要它）", e.span, fact_path=path)
        return cur[seg]

    def _spread(self, cur, segs, i, e, path, trace):
        items = list(cur.values()) if isinstance(cur, dict) else cur
        if not isinstance(items, list):
            raise self._error("E305", f"{path}[*] 需要列表或映射", e.span, fact_path=path)
        out = []
        for n, item in enumerate(items):
            v = item
            sub = f"{path}[{n}]"
            for seg in segs[i:]:
                sub = f"{sub}.{seg}"
                v = self._step(v, seg, sub, e)
            out.append(v.value if isinstance(v, Judged) else v)
        if trace:
            self.tracer.fact(e.dotted, e.span, out, False)
        return out

    def _leaf(self, value, path, e, trace):
        if isinstance(value, Judged):
            self.tracer.fact(path, e.span, value.value, False)
            self.tracer.step("judgement", e.span, wording.judgement, path, value.field, value.value, value.reason)
            return value.value
        if trace:
            self.tracer.fact(path, e.span, value, path in self.percent_paths, self.percent_paths)
        return value

    def _let(self, let: A.Let, cache: dict, env: Env):
        if let.name in cache:
            return cache[let.name]
        key = id(let)
        if key in self._active:
            raise self._error("E306", f"`{let.name}` 的定义引用了它自身", let.span)
        self._active.add(key)
        tracer = self.tracer
        step = tracer.open("value", let.span)
        try:
            try:
                v = self.value(let.expr, env)
            except BaseException:
                tracer.close(step, None)
                raise
            tracer.close(step, sentences.let_value, let, v, let.span in self.percent_paths, Substituted(let.expr))
        finally:
            self._active.discard(key)
        cache[let.name] = v
        return v

    # ------------------------------------------------------------ operators
    def _binary(self, e: A.Expr, env):
        spine = []  # a left-nested chain (a + b − c …) is iterated, not recursed: any length costs one frame
        while isinstance(e, A.Binary):
            spine.append(e)
            e = e.left
        acc = self.number(e, env)
        for node in reversed(spine):
            acc = self._arith(node, acc, self.number(node.right, env))
        return acc

    def _arith(self, e: A.Binary, left: Decimal, right: Decimal) -> Decimal:
        try:
            if e.op == "+":
                return left + right
            if e.op == "-":
                return left - right
            if e.op == "*":
                return left * right
            return left / right
        except DivisionByZero:
            raise self._error("E310", f"除数为零：{expr_text(e)} 中 {expr_text(e.right)} = 0；"
                                      "请在规则中处理分母为 0 的情况（如 比值(a, b, 若为零的值)）", e.span,
                              fact_path=_fact_of(e.right)) from None
        except (InvalidOperation, Overflow):
            raise self._error("E311", f"无法计算 {expr_text(e)}（{show(left)} {e.op} {show(right)}）", e.span) from None

    def _negate(self, e: A.Negate, env):
        return -self.number(e.operand, env)

    def _compare(self, e: A.Compare, env):
        left = self.value(e.left, env)
        right = self.value(e.right, env)
        op = e.op
        if op in ("=", "!="):
            if type(left) is not type(right) and not (_is_number(left) and _is_number(right)):
                raise self._error("E312", f"无法比较 {_kind(left)} 与 {_kind(right)}：{expr_text(e)}", e.span)
            return (left == right) if op == "=" else (left != right)
        if not (_is_number(left) and _is_number(right)) and not (is_date(left) and is_date(right)):
            raise self._error("E312", f"大小比较需要两个数值或两个日期：{expr_text(e)}", e.span)
        try:
            if op == "<":
                return left < right
            if op == "<=":
                return left <= right
            if op == ">":
                return left > right
            return left >= right
        except InvalidOperation:  # pragma: no cover — NaN never enters
            raise self._error("E311", f"无法比较 {expr_text(e)}", e.span) from None

    def _logical(self, e: A.Expr, env):
        assert isinstance(e, A.Logical)
        op, rights = e.op, []  # a left-nested chain of one operator, iterated; it stops where its value is known
        while isinstance(e, A.Logical) and e.op == op:
            rights.append(e.right)
            e = e.left
        value = self.boolean(e, env)
        for right in reversed(rights):
            if value is (op == "or"):
                break
            value = self.boolean(right, env)
        return value

    def _not(self, e: A.Not, env):
        return not self.boolean(e.operand, env)

    def _conditional(self, e: A.Conditional, env):
        while True:  # 否则 若 … chains are iterated, not recursed
            taken = self.boolean(e.condition, env)
            self.tracer.hit("then" if taken else "else", e.span)
            self.tracer.seen(e, taken)
            if taken:
                return self.value(e.then, env)
            if not isinstance(e.otherwise, A.Conditional):
                return self.value(e.otherwise, env)
            e = e.otherwise

    def contains(self, iv: A.Interval, v, env: Env) -> bool:
        bound = self._date_bound if is_date(v) else self.number
        if iv.low is not None:
            lo = bound(iv.low, env)
            if v < lo or (v == lo and not iv.low_closed):
                return False
        if iv.high is not None:
            hi = bound(iv.high, env)
            if v > hi or (v == hi and not iv.high_closed):
                return False
        return True

    def _date_bound(self, expr, env: Env):
        v = self.value(expr, env)
        if not is_date(v):
            raise self._error("E301", f"{expr_text(expr)} 应为日期，实际为 {_kind(v)} {_shown(v)}", expr.span)
        return v

    def _ordered(self, expr, env: Env):
        """What a band or an interval test compares: a number or a date."""
        v = self.value(expr, env)
        if not (_is_number(v) or is_date(v)):
            raise self._error("E301", f"{expr_text(expr)} 应为数值或日期，实际为 {_kind(v)} {_shown(v)}", expr.span)
        return v

    def _in_interval(self, e: A.InInterval, env):
        return self.contains(e.interval, self._ordered(e.value, env), env)

    def _band(self, e: A.Band, env):
        v = self._ordered(e.subject, env)
        for arm in e.arms:
            if self.contains(arm.interval, v, env):
                self.tracer.hit("band", arm.span)
                result = self.value(arm.result, env)
                self.tracer.step("band", arm.span, sentences.band, e, arm, v, result)
                return result
        listed = "、".join(interval_text(a.interval) for a in e.arms)
        value = _shown(v) if is_date(v) else show(v, _percent_band(e))
        raise self._error("E320", f"{expr_text(e.subject)} = {value} 不在任何区间内"
                                  f"（{listed}）；规则拒绝这个值", e.span, fact_path=_fact_of(e.subject))

    def _match(self, e: A.Match, env):
        v = self.value(e.subject, env)
        for case in e.cases:
            if case.key == v:
                self.tracer.hit("match", case.span)
                result = self.value(case.result, env)
                self.tracer.step("match", case.span, sentences.match, e, v, result)
                return result
        raise self._error("E321", f"{expr_text(e.subject)} = {_shown(v)} 不在查表的取值中", e.span,
                          fact_path=_fact_of(e.subject))

    def _call(self, e: A.Call, env):
        if e.function in EXISTS_NAMES:
            target = e.args[0] if e.args else None
            if len(e.args) != 1 or not isinstance(target, A.Path):
                raise self._error("E330", f"{e.function}(…) 需要一个事实路径", e.span)
            try:
                self._resolve(target, env)
                return True
            except EvalError as err:
                if err.diagnostic.code == "E304":
                    return False
                raise
        fn = BY_NAME.get(e.function)
        if fn is None:
            raise self._error("E331", f"未知函数 {e.function}", e.span)
        args = [self.value(a, env) for a in e.args]
        try:
            result = fn.impl(*args)
        except BuiltinError as exc:
            raise self._error("E332", f"{e.function}(…)：{exc}", e.span) from None
        except TypeError:
            raise self._error("E332", f"{e.function}(…) 的参数个数或类型不对", e.span) from None
        except (DivisionByZero, InvalidOperation):
            raise self._error("E310", f"{e.function}(…) 中出现除数为零", e.span) from None
        if fn.case_of is not None:
            self.tracer.hit("builtin:" + fn.case_of(args), e.span)
        if fn.explain is not None:
            self.tracer.step("builtin", e.span, sentences.builtin, fn, args, result)
        return result


# one table for every evaluator: expression class → method
_DISPATCH: dict[type, Callable[..., Any]] = {
    A.Number: Evaluator._number, A.String: Evaluator._string, A.DateLit: Evaluator._date, A.Boolean: Evaluator._boolean,
    A.Path: Evaluator._path, A.Call: Evaluator._call, A.Binary: Evaluator._binary, A.Negate: Evaluator._negate,
    A.Compare: Evaluator._compare, A.Logical: Evaluator._logical, A.Not: Evaluator._not,
    A.Conditional: Evaluator._conditional, A.InInterval: Evaluator._in_interval, A.Band: Evaluator._band,
    A.Match: Evaluator._match, A.Template: Evaluator._template,
}


def _fact_of(expr) -> Optional[str]:
    return expr.dotted if isinstance(expr, A.Path) else None


def _kind(v) -> str:
    if isinstance(v, bool):
        return "布尔"
    if isinstance(v, Decimal):
        return "数值"
    if isinstance(v, str):
        return "文本"
    if is_date(v):
        return "日期"
    if isinstance(v, list):
        return "列表"
    if isinstance(v, dict):
        return "记录"
    return type(v).__name__
