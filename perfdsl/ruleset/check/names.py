"""Names and types: every name resolves, every operator gets the kind of value it needs.

Resolution order is the evaluator's: finding fields (inside 逐项扣), the
indicator's 令 values, shared 令 values, then facts.  Unknown names get
"did you mean" suggestions; a 令 defined through itself is a cycle.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from perfdsl.constructs import deduction
from perfdsl.diagnostics import Diagnostic, Note, closest, error, warning
from perfdsl.interp.builtins import BY_NAME, EXISTS_NAMES
from perfdsl.interp.numbers import plain
from perfdsl.ruleset.check.percents import POINTS, RATE_ARGS, RATE_RESULTS, Percents
from perfdsl.ruleset.check.texts import joins_text
from perfdsl.ruleset.types import ANY, BOOL, DATE, NUMBER, RATE, TEXT, Ty
from perfdsl.syntax import ast as A
from perfdsl.syntax.keywords import SPELLINGS

if TYPE_CHECKING:
    from perfdsl.ruleset.loader import RuleSet

_ARG = {"n": "数值", "l": "列表", "r": "记录", "d": "日期", "a": "任意值"}


class Scope:
    def __init__(self, checker: "NameChecker", lets: dict[str, A.Let], item: Optional[Ty] = None,
                 label: str = "全局"):
        self.checker = checker
        self.lets = lets
        self.item = item
        self.label = label
        self.types: dict[str, Ty] = {}
        self.active: list[str] = []


class NameChecker:
    def __init__(self, rules: RuleSet, facts_ty: Ty):
        self.rules = rules
        self.facts = facts_ty
        self.diagnostics: list[Diagnostic] = []
        self.used_facts: set[str] = set()
        self.used_lets: set[int] = set()
        self.global_scope = Scope(self, rules.globals)
        self.percents = Percents()  # which values are rates (shown as percentages)
        self.nearby: list[str] = []  # the names a bare path could also have meant: item fields, the indicator's 令

    # ------------------------------------------------------------ driving
    def run(self) -> list[Diagnostic]:
        self.keyword_names()
        for let in self.rules.globals.values():
            self.let_type(self.global_scope, let)
        for root in self.rules.roots:
            self.indicator(root)
        system = self.rules.system
        if system is not None:
            scope = self.global_scope
            for arm in system.grades:
                self.interval(scope, arm.interval)
            for veto in system.vetoes:
                self.expect(scope, veto.condition, "bool")
        for let in self.rules.globals.values():
            if id(let) not in self.used_lets:
                self.diagnostics.append(warning("W120", f"共享值 `{let.name}` 没有被任何指标使用", let.span))
        if system is not None and system.title:
            from perfdsl.syntax.template import holes, segments
            for m in holes().finditer(system.title):  # 标题 reads facts only: the document's name, before any scoring
                if m.group(1) and self._walk(self.facts, A.Path(segments(m.group(1)), None, system.span), 0,
                                             "").kind != "any":
                    self.used_facts.add(".".join(segments(m.group(1))))
        self.unused_facts()
        self.diagnostics.extend(self.percents.misuse())
        return self.diagnostics

    def keyword_names(self) -> None:
        """A name spelled like a keyword where rules would have to write it bare (not after ``.``): a top-level
        fact (the post-lexer keeps it a NAME only before ``:``) or a typed 令 — it could never be referenced."""
        named = [(f.name, f.span, "事实") for f in self.rules.facts.fields]
        named += [(let.name, let.span, "值") for let in self.rules.globals.values()]
        for root in self.rules.roots:
            stack = [root]
            while stack:
                ind = stack.pop()
                named += [(s.name, s.span, "值") for s in ind.statements if isinstance(s, A.Let)]
                stack.extend(ind.children)
        for name, span, what in named:
            if name in SPELLINGS:
                self.diagnostics.append(error(
                    "E117", f"{what} `{name}` 与关键字 {name} 同名：规则中写 `{name}` 时读作关键字，无法引用这个{what}",
                    span, suggestions=[f"换一个名称，如 `{name}值` 或 `{name}情况`"]))

    def unused_facts(self) -> None:
        used = self.used_facts
        # a declared fact counts as used when a rule reads it, something inside it, or something containing it
        inside = {".".join(u.split(".")[:i]) for u in used for i in range(1, u.count(".") + 2)}

        def is_used(leaf: str) -> bool:
            if leaf in inside:
                return True
            parts = leaf.split(".")
            return any(".".join(parts[:i]) in used for i in range(1, len(parts)))

        def walk(ty: Ty, prefix: str) -> None:
            for name, fty in ty.fields.items():
                path = f"{prefix}.{name}" if prefix else name
                if fty.optional:
                    continue
                if fty.kind == "record" and fty.fields:
                    walk(fty, path)
                elif not is_used(path):
                    self.diagnostics.append(warning("W150", f"事实 `{path}` 已声明但没有任何规则使用",
                                                    ty.field_spans.get(name)))
        walk(self.facts, "")

    def indicator(self, ind: A.Indicator) -> None:
        lets: dict[str, A.Let] = {}
        for s in ind.statements:
            if isinstance(s, A.Let):
                if s.name in lets:
                    self.diagnostics.append(error("E110", f"指标 {ind.name} 中重复定义 `{s.name}`", s.span,
                                                  notes=[Note(lets[s.name].span, "首次定义于此")]))
                lets[s.name] = s
        scope = Scope(self, lets, label=ind.name)
        for s in ind.statements:
            self.statement(scope, s, ind)
        for let in lets.values():
            if id(let) not in self.used_lets:
                self.diagnostics.append(warning("W121", f"`{let.name}` 已定义但没有被使用", let.span))
        for child in ind.children:
            self.indicator(child)

    def statement(self, scope: Scope, s: A.Statement, ind: A.Indicator) -> None:
        if isinstance(s, A.Let):
            self.let_type(scope, s)
        elif isinstance(s, A.Part):
            self.judgement_range(self.expect(scope, s.expr, "number"), s.points, f"子项 {s.name}", s.expr)
            if s.not_applicable is not None:
                self.expect(scope, s.not_applicable.condition, "bool")
        elif isinstance(s, A.Formula):
            ty = self.expect(scope, s.expr, "number")
            if ind.weight is not None:
                self.judgement_range(ty, ind.weight, f"指标 {ind.name}", s.expr)
        elif isinstance(s, (A.Require, A.NotApplicable)):
            self.expect(scope, s.condition, "bool")
        elif (construct := deduction(s)) is not None:
            construct.check(self, scope, s)

    def judgement_range(self, ty: Ty, points: Decimal, owner: str, expr: A.Expr) -> None:
        """An evaluator's discretionary score that may exceed the points it stands for."""
        if ty.kind != "judged" or ty.decl is None or ty.decl.interval is None:
            return
        high = ty.decl.interval.high
        if isinstance(high, A.Number) and high.value > points:
            from perfdsl.interp.numbers import plain
            self.diagnostics.append(warning(
                "W170", f"酌情评分 `{_text(expr)}` 的范围上限 {high.text} 超过{owner}的分值 {plain(points)}；"
                        f"超出部分会被封顶", expr.span, notes=[Note(ty.decl.span, "范围声明于此")],
                suggestions=[f"把范围改为 [0, {plain(points)}]"]))

    # ------------------------------------------------------------ expressions
    def expect(self, scope: Scope, e: A.Expr, kind: str) -> Ty:
        ty = self.expr(scope, e)
        if ty.kind == "any":
            return ty
        ok = ty.numeric if kind == "number" else ty.kind == kind
        if not ok:
            want = {"number": "数值", "bool": "条件（真/假）"}[kind]
            hint = ""
            if kind == "number" and ty.kind == "bool":
                hint = "；布尔值不能参与计算，请写 若 条件 则 x 否则 y"
            if kind == "number" and ty.kind == "date":
                hint = "；日期不能参与计算，天数请用 天数差(起, 止) 或 逾期天数(实际, 期限)"
            self.diagnostics.append(error("E202", f"此处需要{want}，`{_text(e)}` 是{ty.describe()}{hint}", e.span))
        return ty

    def let_type(self, scope: Scope, let: A.Let) -> Ty:
        key = let.name
        home = scope if let.name in scope.lets and scope.lets[let.name] is let else self.global_scope
        if key in home.types:
            return home.types[key]
        if key in home.active:
            cycle = " → ".join(home.active[home.active.index(key):] + [key])
            self.diagnostics.append(error("E203", f"循环定义：{cycle}", let.span))
            return ANY
        home.active.append(key)
        try:
            ty = self.expr(home, let.expr) if let.declared is None else self.expect(home, let.expr, "number")
        finally:
            home.active.pop()
        if let.declared is not None and ty.kind != "any":  # 令 x: 比率 = … / 令 x: 数值 = …
            ty = RATE if let.declared == "rate" else NUMBER
        home.types[key] = ty
        self.percents.let(let, ty.kind)
        return ty

    def expr(self, scope: Scope, e: A.Expr) -> Ty:
        if isinstance(e, A.Number):
            return RATE if e.is_percent else NUMBER
        if isinstance(e, A.String):
            return TEXT
        if isinstance(e, A.DateLit):
            return DATE
        if isinstance(e, A.Boolean):
            return BOOL
        if isinstance(e, A.Path):
            return self.path(scope, e)
        if isinstance(e, A.Template):
            for hole in e.holes:
                ty = self.path(scope, hole)
                if ty.kind in ("list", "map", "record"):
                    self.diagnostics.append(error(
                        "E202", f"模板中的 {{{hole.dotted}}} 是{ty.describe()}，无法写成文字；请写它的一个字段或数值",
                        hole.span))
            return TEXT
        if isinstance(e, A.Binary) and e.op == "+" and joins_text(self, scope, e):
            return TEXT
        if isinstance(e, A.Binary):
            left = self.expect(scope, e.left, "number")
            right = self.expect(scope, e.right, "number")
            return RATE if e.op in "+-" and "rate" in (left.kind, right.kind) else NUMBER
        if isinstance(e, A.Negate):
            return RATE if self.expect(scope, e.operand, "number").kind == "rate" else NUMBER
        if isinstance(e, A.Compare):
            left = self.expr(scope, e.left)
            right = self.expr(scope, e.right)
            self.comparable(e, left, right)
            return BOOL
        if isinstance(e, A.Logical):
            self.expect(scope, e.left, "bool")
            self.expect(scope, e.right, "bool")
            return BOOL
        if isinstance(e, A.Not):
            self.expect(scope, e.operand, "bool")
            return BOOL
        if isinstance(e, A.Conditional):
            self.expect(scope, e.condition, "bool")
            a = self.expr(scope, e.then)
            b = self.expr(scope, e.otherwise)
            if a.numeric and b.numeric:
                return _rate_of([(e.then, a), (e.otherwise, b)])
            return a if a.kind == b.kind else ANY
        if isinstance(e, A.InInterval):
            kind = self.subject(scope, e.value)
            if self.interval(scope, e.interval, kind, e.value):
                self.percents.use(e.value)
            return BOOL
        if isinstance(e, A.Band):
            kind = self.subject(scope, e.subject)
            results = []
            for arm in e.arms:
                if self.interval(scope, arm.interval, kind, e.subject):
                    self.percents.use(e.subject)
                results.append((arm.result, self.expr(scope, arm.result)))
            return _rate_of(results) if {t.kind for _r, t in results} <= _NUMERIC else ANY
        if isinstance(e, A.Match):
            subject = self.expr(scope, e.subject)
            if subject.kind == "enum":
                keys = [c.key for c in e.cases]
                for c in e.cases:
                    if c.key not in subject.enum_values:
                        self.diagnostics.append(error("E204", f"`{c.key}` 不是 {subject.describe()} 的取值"
                                                              f"（{'、'.join(subject.enum_values)}）", c.span))
                missing = [v for v in subject.enum_values if v not in keys]
                if missing:
                    self.diagnostics.append(error("E205", f"查表缺少取值：{'、'.join(missing)}", e.span))
            results = [(c.result, self.expr(scope, c.result)) for c in e.cases]
            return _rate_of(results) if {t.kind for _r, t in results} <= _NUMERIC else ANY
        if isinstance(e, A.Call):
            return self.call(scope, e)
        raise AssertionError(type(e))  # pragma: no cover

    def subject(self, scope: Scope, e: A.Expr) -> str:
        """What a band or an interval test compares: days (a date), a rate, or any other number."""
        ty = self.expr(scope, e)
        if ty.kind in ("date", "rate"):
            return ty.kind
        if ty.kind != "any" and not ty.numeric:
            self.diagnostics.append(error("E202", f"此处需要数值或日期，`{_text(e)}` 是{ty.describe()}", e.span))
        return "number"

    def interval(self, scope: Scope, iv: A.Interval, kind: str = "number",
                 subject: Optional[A.Expr] = None) -> bool:
        """Checks the ends (numbers, or days for a band over a date); whether one of them is a rate."""
        rate = False
        if kind == "rate":
            kind = "number"
            for end in (iv.low, iv.high):
                self.percent_slip(end, f"`{_text(subject)}` 是比率")
        for end in (iv.low, iv.high):
            if end is None:
                continue
            if type(end) is A.Number and kind == "number":  # what ``expect`` gives a literal, without the calls
                rate = rate or end.text.endswith(A.PERCENT_SIGNS)
                continue
            if kind == "number":
                rate = self.expect(scope, end, "number").kind == "rate" or rate
            elif (ty := self.expr(scope, end)).kind not in ("date", "any") and not (
                    isinstance(end, A.Number) and end.value.is_infinite()):
                self.diagnostics.append(error("E202", f"日期的区间端点须为日期，`{_text(end)}` 是{ty.describe()}"
                                                      "；请写成 2024年6月30日", end.span))
        return rate

    def comparable(self, e: A.Compare, left: Ty, right: Ty) -> None:
        if "any" in (left.kind, right.kind):
            return
        if e.op in ("=", "!="):
            if left.numeric and right.numeric:
                self.rate_use(e, left, right)
                return
            if {left.kind, right.kind} <= {"text", "enum"}:
                for ty, other in ((left, e.right), (right, e.left)):
                    if ty.kind == "enum" and isinstance(other, A.String) and other.value not in ty.enum_values:
                        self.diagnostics.append(error("E204", f"“{other.value}” 不是 {ty.describe()} 的取值"
                                                              f"（{'、'.join(ty.enum_values)}）", other.span,
                                                      suggestions=[f"是否想写 “{s}”？"
                                                                   for s in closest(other.value, ty.enum_values)]))
                return
            if left.kind == right.kind:
                return
        elif left.numeric and right.numeric:
            self.rate_literal(e, left, right)
            self.rate_use(e, left, right)
            return
        elif left.kind == right.kind == "date":
            return
        self.diagnostics.append(error("E206", f"无法比较 {left.describe()} 与 {right.describe()}：`{_text(e)}`",
                                      e.span))

    def rate_use(self, e: A.Compare, left: Ty, right: Ty) -> None:
        if right.kind == "rate":
            self.percents.use(e.left)
        if left.kind == "rate":
            self.percents.use(e.right)

    def rate_literal(self, e: A.Compare, left: Ty, right: Ty) -> None:
        """`完成率 ≥ 90` is almost always a slip for 90%: rates are fractions."""
        for ty, other in ((left, e.right), (right, e.left)):
            if ty.kind == "rate" and isinstance(other, A.Number) and not other.is_percent and other.value > 1:
                self.diagnostics.append(warning("W221", f"比率以小数表示（1 = 100%），却与 {other.text} 比较",
                                                other.span, suggestions=[f"是否想写 {other.text}%？"]))

    def percent_slip(self, e: Optional[A.Expr], what: str, least: Decimal = Decimal(1)) -> None:
        """A plain number above 1 where a rate is meant (a band of a rate, 按比例's floor, 逐级扣's limit):
        the 85 of a 评分标准 that says 85%, which as a fraction is 8500% and silently never (or always) holds.
        A step of 逐级扣 is flagged from 1 up (每 1 扣 … over a rate is a step of 100 percentage points)."""
        if type(e) is A.Number and not e.is_percent and e.value.is_finite() and (
                e.value > 1 or e.value >= least):
            self.diagnostics.append(warning(
                "W221", f"{what}（以小数表示，1 = 100%），这里的 {e.text} 是 {plain(e.value * 100)}%", e.span,
                suggestions=[f"是否想写 {e.text}%？"]))

    def call(self, scope: Scope, e: A.Call) -> Ty:
        if e.function in EXISTS_NAMES:
            if len(e.args) != 1 or not isinstance(e.args[0], A.Path):
                self.diagnostics.append(error("E207", f"{e.function}(…) 需要一个事实路径", e.span))
            else:
                ty = self.path(scope, e.args[0])
                if ty.kind != "any" and not ty.optional:
                    self.diagnostics.append(warning("W208", f"`{e.args[0].dotted}` 不是可选事实，"
                                                            f"{e.function}(…) 总为真", e.span))
            return BOOL
        fn = BY_NAME.get(e.function)
        if fn is None:
            names = sorted(set(BY_NAME) | set(EXISTS_NAMES))
            self.diagnostics.append(error("E209", f"未知函数 `{e.function}`", e.span,
                                          suggestions=[f"是否想写 `{s}`？" for s in closest(e.function, names)]))
            for a in e.args:
                self.expr(scope, a)
            return ANY
        n = len(e.args)
        if n < fn.min_args or (fn.max_args is not None and n > fn.max_args):
            want = f"{fn.min_args}" if fn.min_args == fn.max_args else f"至少 {fn.min_args}"
            self.diagnostics.append(error("E210", f"{e.function}(…) 需要 {want} 个参数，这里有 {n} 个", e.span))
        kinds = []
        for i, a in enumerate(e.args):
            ty = self.expr(scope, a)
            kinds.append(ty.kind)
            if i in RATE_ARGS.get(e.function, ()):
                self.percents.use(a)
                self.percent_slip(a, f"{e.function}(…) 的第 {i + 1} 个参数是比率")
            if e.function in POINTS:
                self.percents.points.append((e, a, ty.kind))
            kind = fn.arg_kinds[min(i, len(fn.arg_kinds) - 1)]
            if kind == "*":
                kind = fn.arg_kinds[-2]
            if ty.kind == "any":
                continue
            ok = {"n": ty.numeric, "l": ty.kind == "list", "r": ty.kind == "record", "d": ty.kind == "date",
                  "a": True}[kind]
            if not ok:
                self.diagnostics.append(error("E211", f"{e.function}(…) 的第 {i + 1} 个参数应为{_ARG[kind]}，"
                                                      f"`{_text(a)}` 是{ty.describe()}", a.span))
        if fn.result != "number":
            return BOOL
        if e.function in RATE_RESULTS or (fn.name in ("min", "max", "abs") and kinds and set(kinds) == {"rate"}):
            return RATE
        return NUMBER

    # ------------------------------------------------------------ paths
    def path(self, scope: Scope, p: A.Path) -> Ty:
        first = p.segments[0]
        if scope.item is not None and first in scope.item.fields:
            ty = self._walk(scope.item, p, 0, "")
            self.percents.fact(p, ty.kind)
            return ty
        if len(p.segments) == 1 and p.star is None:
            if first in scope.lets:
                let = scope.lets[first]
                self.used_lets.add(id(let))
                self.percents.ref(p, let)
                return self.let_type(scope, let)
            if first in self.rules.globals:
                let = self.rules.globals[first]
                self.used_lets.add(id(let))
                self.percents.ref(p, let)
                return self.let_type(self.global_scope, let)
        if first in scope.lets or first in self.rules.globals:
            self.diagnostics.append(error("E212", f"`{first}` 是计算值，不能再取字段：`{p.dotted}`", p.span))
            return ANY
        self.nearby = [*(scope.item.fields if scope.item is not None else ()), *scope.lets]  # for did-you-mean
        ty = self._walk(self.facts, p, 0, "")
        if ty.kind != "any":
            self.used_facts.add(".".join(p.segments))
        self.percents.fact(p, ty.kind)
        return ty

    def _walk(self, ty: Ty, p: A.Path, start: int, prefix: str) -> Ty:
        path = prefix
        for i in range(start, len(p.segments)):
            if p.star is not None and i == p.star:
                if ty.kind not in ("list", "map"):
                    self.diagnostics.append(error("E213", f"`{path}[*]` 需要列表或映射，`{path}` 是{ty.describe()}",
                                                  p.span))
                    return ANY
                assert ty.element is not None  # a resolved list or map always has its element type
                element = self._walk(ty.element, p.__class__(p.segments[i:], None, p.span), 0, f"{path}[*]")
                return Ty("list", element=element) if element.kind != "any" else ANY
            seg = p.segments[i]
            if ty.kind == "judged" and seg in (ty.judged_field, "理由"):
                ty = NUMBER if seg != "理由" else TEXT
                path = f"{path}.{seg}"
                continue
            if ty.kind != "record":
                self.diagnostics.append(error("E214", f"`{path}` 是{ty.describe()}，没有字段 `{seg}`", p.span))
                return ANY
            if seg not in ty.fields:
                self._unknown_field(seg, ty, p.span, path, p)
                return ANY
            ty = ty.fields[seg]
            path = f"{path}.{seg}" if path else seg
        if p.star is not None and p.star == len(p.segments):
            if ty.kind not in ("list", "map"):
                self.diagnostics.append(error("E213", f"`{path}[*]` 需要列表或映射", p.span))
                return ANY
            return Ty("list", element=ty.element)
        return ty

    def _unknown_field(self, seg: str, ty: Ty, span: A.Span, path: str, p: Optional[A.Path] = None) -> None:
        where = f"事实 `{path}`" if path else "事实"
        candidates = list(ty.fields)
        if not path and p is not None:
            candidates += [*self.nearby, *self.rules.globals]
        suggestions = [f"是否想写 `{s}`？" for s in closest(seg, candidates)]
        for spelling in SPELLINGS:
            if seg.startswith(spelling) and len(seg) > len(spelling) and not path:
                suggestions.append(f"关键字 `{spelling}` 之后需要空格：`{spelling} {seg[len(spelling):]}`")
                break
        if not suggestions:  # nothing like it: a fact to declare, or a value to define (the fix, not only the fault)
            # in 「」, not `…`: the workbench offers every `…` in a suggestion as the name's replacement
            suggestions.append(f"在事实 {path} 的声明中加上 「{seg}: 数值」（或它的类型）" if path else
                               f"在 事实 {{ … }} 中声明它，如 「{seg}: 数值」；或用 「令 {seg} = …」 定义它")
        full = f"{path}.{seg}" if path else seg
        notes = []
        if ty.decl is not None:
            notes.append(Note(ty.decl.span, "声明于此"))
        self.diagnostics.append(error("E215", f"未知的名称 `{full}`：{where}中没有 `{seg}`，也不是已定义的值",
                                      span, fact_path=full if p is None else None, notes=notes,
                                      suggestions=suggestions))


_NUMERIC = {"number", "integer", "rate", "judged", "any"}


def _rate_of(results: list) -> Ty:
    """Alternatives (若/区间/查表 results) are a rate when each is a rate or a literal 0 (0%), one at least a rate."""
    kinds = [t.kind for _e, t in results]
    zero = [isinstance(e, A.Number) and e.value == 0 for e, _t in results]
    if "rate" in kinds and all(k == "rate" or z for k, z in zip(kinds, zero, strict=True)):
        return RATE
    return NUMBER


def _text(e) -> str:
    from perfdsl.syntax.printer import expr_text
    return expr_text(e)
