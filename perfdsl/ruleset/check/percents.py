"""Which values are rates, so traces, templates and reports show them as percentages everywhere.

A value is a rate when its type says so — a fact declared 比率, a percentage literal (30%), a 令 declared
``令 x: 比率 = …``, a sum or difference with a rate, 增长率(…), the rate argument of 按比例 — or when the rules
use it as one: a 令 compared with a rate, or the subject of bands whose ends are rates (预算执行率 =
执行数 ÷ 预算数 with 要求 预算执行率 ≤ 100%).  ``令 x: 数值 = …`` opts out.  The checker reports what it
meets; the result is a set of spans (of 令 definitions and of the references that read a rate) that the
plan adds to its ``percent_paths``.  百分点(…) of a value that is not a rate is E226.
"""

from __future__ import annotations

from perfdsl.diagnostics import Diagnostic, error
from perfdsl.syntax import ast as A

RATE_RESULTS = ("增长率", "growth")  # builtins whose value is a rate
RATE_ARGS = {"按比例": (0, 2), "proportional": (0, 2)}  # builtins' arguments that are rates
POINTS = ("百分点", "percentage_points")


class Percents:
    def __init__(self) -> None:
        self.kinds: dict[int, tuple[A.Let, str]] = {}  # id(let) -> (let, its type's kind)
        self.let_of: dict[int, A.Let] = {}  # id(path) -> the 令 it reads
        self.refs: list[tuple[A.Span, A.Let]] = []
        self.read: set[A.Span] = set()  # references whose type is a rate (facts, item fields)
        self.used: set[int] = set()  # id(let) used as a rate
        self.points: list[tuple[A.Call, A.Expr, str]] = []  # 百分点(x): the call, x, x's kind

    def let(self, let: A.Let, kind: str) -> None:
        self.kinds[id(let)] = (let, kind)

    def ref(self, p: A.Path, let: A.Let) -> None:
        self.let_of[id(p)] = let
        self.refs.append((p.span, let))

    def fact(self, p: A.Path, kind: str) -> None:
        if kind == "rate":
            self.read.add(p.span)

    def use(self, e: A.Expr) -> None:
        """``e`` is compared with, or banded by, a rate: a 令 it reads directly is one."""
        let = self.let_of.get(id(e))
        if let is not None:
            self.used.add(id(let))

    def _is_rate(self, let: A.Let) -> bool:
        _let, kind = self.kinds.get(id(let), (let, "any"))
        return kind == "rate" or (kind == "number" and let.declared is None and id(let) in self.used)

    def spans(self) -> frozenset:
        rates = {id(let) for let, _kind in self.kinds.values() if self._is_rate(let)}
        out = set(self.read)
        out |= {let.span for let, _kind in self.kinds.values() if id(let) in rates}
        out |= {span for span, let in self.refs if id(let) in rates}
        return frozenset(out)

    def misuse(self) -> list[Diagnostic]:
        out = []
        for call, arg, kind in self.points:
            let = self.let_of.get(id(arg))
            if kind == "rate" or (let is not None and self._is_rate(let)) or kind == "any":
                continue
            out.append(error("E226", f"{call.function}(…) 需要一个比率（如 执行率 − 90%），而这里的值不是比率",
                             arg.span, suggestions=["写比率之差，如 百分点(执行率 − 90%)；"
                                          "若它确是比率，声明为 令 名称: 比率 = …"]))
        return out
