"""Lark parse tree → AST.  The only module that sees ``lark.Tree``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Callable

from lark import Token, v_args
from lark.exceptions import UnexpectedInput, VisitError
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive

from perfdsl.diagnostics import PerfdslError, error
from perfdsl.interp import dates
from perfdsl.syntax import ast as A
from perfdsl.syntax import template
from perfdsl.syntax.keywords import LEVEL_SPELLINGS
from perfdsl.syntax.lexemes import ARITHMETIC, COMPARISONS, MAX_LITERAL_DIGITS, WIDE, unquote
from perfdsl.syntax.parser import parse, reduce
from perfdsl.syntax.reductions import callbacks
from perfdsl.syntax.tokens import Untokenizable


def build(text: str, filename: str) -> A.RuleFile:
    """The AST, built as Lark reduces (``syntax/reductions.py``); anything unusual goes the tree way."""
    builder = _Builder(filename)
    try:
        built = reduce(text, lambda rules: callbacks(rules, builder))
    except (UnexpectedInput, Untokenizable, PerfdslError):
        built = None  # the tree way reports it: the syntax error first, as it always did
    if built is not None:
        return built[0]
    return build_from_tree(text, filename)


def build_from_tree(text: str, filename: str) -> A.RuleFile:
    """Lark's parse tree, then the builder over it: the reference the fast way is held equal to."""
    tree = parse(text, filename)
    try:
        return _Builder(filename).transform(tree)
    except VisitError as exc:  # Lark wraps what a callback raises
        if isinstance(exc.orig_exc, PerfdslError):
            raise exc.orig_exc from None
        raise


def _is_kw(x) -> bool:
    return isinstance(x, Token) and x.type.startswith("KW_")


def _content(children):
    return [c for c in children if not _is_kw(c)]


def _simple_type(kind: str) -> Callable:
    """The callback for a type keyword without arguments (文本, 布尔 …)."""
    def method(self: _Builder, meta: Meta, children: list) -> A.TypeExpr:
        return A.TypeExpr(kind, self._span(meta))
    return method


def _interval(low_closed: bool, high_closed: bool) -> Callable:
    """The callback for one bracket shape of interval; an infinite end is open, whatever its bracket."""
    def method(self: _Builder, meta: Meta, children: list) -> A.Interval:
        low, high = _finite(children[0]), _finite(children[1])
        return A.Interval(low, high, low_closed and low is not None, high_closed and high is not None,
                          self._span(meta))
    return method


@v_args(meta=True)
class _Builder(Transformer_NonRecursive):  # no Python recursion, however deep the rules nest
    def __init__(self, filename: str):
        super().__init__()
        self.filename = filename

    # ------------------------------------------------------------ helpers
    def _span(self, meta) -> A.Span:
        """``meta`` is a place ``(line, column, end_line, end_column)`` (``reductions``), None, or Lark's Meta."""
        if type(meta) is tuple:
            return A.Span(self.filename, *meta)
        if getattr(meta, "empty", True):
            return A.Span(self.filename, 1, 1, 1, 1)
        return A.Span(self.filename, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tok_span(self, tok: Token) -> A.Span:
        line, column = tok.line or 1, tok.column or 1  # the lexer always sets them; Lark types them optional
        return A.Span(self.filename, line, column, tok.end_line or line, tok.end_column or column + len(tok.value))

    def _label(self, x) -> str:
        if isinstance(x, Token) and x.type == "STRING":
            return unquote(x.value)
        return str(x)

    def _decimal(self, tok: Token) -> Decimal:
        text = tok.value.translate(WIDE)
        digits = text.rstrip("%")
        if len(digits.replace(".", "")) > MAX_LITERAL_DIGITS:
            raise PerfdslError([error("E010", f"数字 {digits[:20]}… 过长（超过 {MAX_LITERAL_DIGITS} 位）",
                                      self._tok_span(tok))])
        try:
            value = Decimal(digits)
        except InvalidOperation:  # pragma: no cover — the lexer admits digits only
            raise PerfdslError([error("E010", f"无效的数字 {tok.value}", self._tok_span(tok))]) from None
        return value / 100 if text.endswith("%") else value

    # ------------------------------------------------------------ file
    def start(self, meta, children):
        return A.RuleFile(self.filename, tuple(children))

    # ------------------------------------------------------------ system
    def system(self, meta, children):
        rest = _content(children)
        name = self._label(rest[0])
        title = rounding = policy = total = title_span = policy_span = None
        grades: tuple = ()
        vetoes = []
        for item in rest[1:]:
            if isinstance(item, tuple) and item[0] == "total":
                total = item[1:]
            elif isinstance(item, A.Rounding):
                rounding = item
            elif isinstance(item, A.Veto):
                vetoes.append(item)
            elif isinstance(item, tuple) and item[0] == "title":
                title, title_span = item[1:]
            elif isinstance(item, tuple) and item[0] == "grades":
                grades = item[1]
            elif isinstance(item, tuple) and item[0] == "na_policy":
                policy, policy_span = item[1:]
        return A.System(name, title, rounding, grades, policy, tuple(vetoes), self._span(meta),
                        total[0] if total else None, total[1] if total else None, title_span, policy_span)

    def total(self, meta, children):
        return ("total", self._decimal(_content(children)[0]), self._span(meta))

    def title(self, meta, children):
        return ("title", unquote(_content(children)[0].value), self._span(meta))

    def rounding(self, meta, children):
        _round, places, _places, mode = children
        return A.Rounding(int(self._decimal(places)), mode or "half_up", self._span(meta))

    def round_mode(self, meta, children):
        return {"KW_HALF_UP": "half_up", "KW_HALF_EVEN": "half_even", "KW_DOWN": "down"}[children[0].type]

    def grades(self, meta, children):
        arms = []
        for arm in children[1:]:
            result = arm.result
            if isinstance(result, A.Path) and len(result.segments) == 1 and result.star is None:
                result = A.String(result.segments[0], result.span)  # a bare grade name: 优
            arms.append(A.Arm(arm.interval, result, arm.span))
        return ("grades", tuple(arms))

    def na_policy(self, meta, children):
        return ("na_policy", children[1], self._span(meta))

    def na_mode(self, meta, children):
        return "full_marks" if children[0].type == "KW_FULL_MARKS" else "renormalise"

    def veto(self, meta, children):
        cond, grade, reason = _content(children)
        return A.Veto(cond, self._label(grade), unquote(reason.value), self._span(meta))

    # ------------------------------------------------------------ facts and types
    def facts(self, meta, children):
        fields, requires = self._record_body(_content(children))
        return A.RecordType("事实", fields, requires, self._span(meta))

    def _record_body(self, items):
        fields = tuple(i for i in items if isinstance(i, A.FieldDecl))
        requires = tuple(i for i in items if isinstance(i, A.Require))
        return fields, requires

    def field(self, meta, children):
        name, texpr, _unit, unit, _label, label = children
        return A.FieldDecl(self._label(name), texpr, self._span(meta), unquote(unit.value) if unit else None,
                           unquote(label.value) if label else None)

    def field_group(self, meta, children):
        name, *items = children
        fields, requires = self._record_body(items)
        span = self._span(meta)
        return A.FieldDecl(self._label(name), A.TypeExpr("record", span, fields=fields, requires=requires), span)

    def type_def(self, meta, children):
        rest = _content(children)
        fields, requires = self._record_body(rest[1:])
        return A.RecordType(str(rest[0]), fields, requires, self._span(meta))

    def enum_def(self, meta, children):
        rest = _content(children)
        return A.EnumType(str(rest[0]), rest[1], self._span(meta))

    def enum_values(self, meta, children):
        return tuple(self._label(c) for c in children)

    def optional(self, meta, children):
        return "optional"

    def type_expr(self, meta, children):
        optional, base, constraint = children
        kwargs: dict = {"optional": optional is not None}
        if constraint is not None:
            if isinstance(constraint, A.Interval):
                kwargs["interval"] = constraint
            else:
                kwargs["one_of"] = constraint[1]
        return _evolve(base, span=self._span(meta), **kwargs)

    text_type = _simple_type("text")
    bool_type = _simple_type("bool")
    int_type = _simple_type("integer")
    number_type = _simple_type("number")
    rate_type = _simple_type("rate")
    date_type = _simple_type("date")

    def list_type(self, meta, children):
        return A.TypeExpr("list", self._span(meta), element=_content(children)[0])

    def map_type(self, meta, children):
        return A.TypeExpr("map", self._span(meta), element=_content(children)[0])

    def enum_ref(self, meta, children):
        return A.TypeExpr("enum", self._span(meta), enum_name=str(_content(children)[0]))

    def enum_inline(self, meta, children):
        return A.TypeExpr("enum", self._span(meta), enum_values=_content(children)[0])

    def judged_score(self, meta, children):
        return A.TypeExpr("judged_score", self._span(meta), interval=_content(children)[0])

    def judged_deduction(self, meta, children):
        return A.TypeExpr("judged_deduction", self._span(meta), interval=_content(children)[0])

    def record_ref(self, meta, children):
        return A.TypeExpr("record", self._span(meta), record_name=str(children[0]))

    def record_inline(self, meta, children):
        fields, requires = self._record_body(children)
        return A.TypeExpr("record", self._span(meta), fields=fields, requires=requires)

    def one_of(self, meta, children):
        values = []
        for c in children[1:]:
            if isinstance(c, A.Number):
                values.append(c.value)
            elif isinstance(c, Token):
                values.append(self._label(c))
            else:
                values.append(c)
        return ("one_of", tuple(values))

    # ------------------------------------------------------------ indicators
    def indicator(self, meta, children):
        kw, label, weighed, *body = children
        level = LEVEL_SPELLINGS.get(kw.value)
        name = self._label(label)
        weight, kind = (None, "normal") if weighed is None else weighed
        explanation = criteria = None
        statements, subs, accepted = [], [], []
        for item in body:
            if isinstance(item, A.Indicator):
                subs.append(item)
            elif isinstance(item, A.Accept):
                accepted.append(item)
            elif isinstance(item, tuple) and item[0] == "explanation":
                explanation = item[1]
            elif isinstance(item, tuple) and item[0] == "criteria":
                criteria = item[1]
            else:
                statements.append(item)
        return A.Indicator(name, weight, kind, level, explanation, criteria, tuple(statements),
                           tuple(subs), self._span(meta), tuple(accepted))

    def weight(self, meta, children):
        kw, number = children
        kind = {"KW_BONUS": "bonus", "KW_PENALTY": "penalty"}.get(kw.type, "normal")
        return number.value, kind

    def explanation(self, meta, children):
        return ("explanation", unquote(children[1].value))

    def criteria(self, meta, children):
        return ("criteria", unquote(children[1].value))

    def let(self, meta, children):
        _, name, _eq, expr = children
        return A.Let(str(name), expr, self._span(meta))

    def typed_let(self, meta, children):
        _, name, kind, _eq, expr = children
        return A.Let(str(name), expr, self._span(meta), kind)

    def let_kind(self, meta, children):
        return "rate" if children[0].type == "KW_RATE" else "number"

    def part(self, meta, children):
        _part, name, _weight, points, _eq, expr, na = children
        return A.Part(self._label(name), points.value, expr, na, self._span(meta))

    def part_na(self, meta, children):
        cond, reason = _content(children)
        return A.NotApplicable(cond, unquote(reason.value), self._span(meta))

    def score(self, meta, children):
        return A.Formula(children[-1], self._span(meta))

    def deduct(self, meta, children):
        _deduct, amount, _if, condition, _reason, reason = children
        template = self.text(reason) if reason is not None else None
        return A.Deduct(amount, condition, unquote(reason.value) if reason is not None else None, self._span(meta),
                        template if isinstance(template, A.Template) else None)

    def step_deduct(self, meta, children):
        _kw, value, beyond, limit, _every, step, _deduct, per_step, whole, _cap, cap, _reason, reason = children
        return A.StepDeduct(value, beyond.type == "KW_BELOW", limit, step, per_step, whole is not None, cap,
                            unquote(reason.value) if reason is not None else None, self._span(meta))

    def each(self, meta, children):
        rest = _content(children)
        items, per_item, *opts = rest
        kw = dict(describe=None, group_by=None, group_cap=None, total_cap=None, skip=None, reason=None,
                  not_applicable=None)
        for key, value in opts:
            if key == "group":
                kw["group_by"], kw["group_cap"] = value
            else:
                kw[key] = value
        return A.EachDeduct(items, per_item, span=self._span(meta), **kw)

    def each_describe(self, meta, children):
        return ("describe", children[-1])

    def each_group(self, meta, children):
        rest = _content(children)
        return ("group", (str(rest[0]), rest[1]))

    def each_cap(self, meta, children):
        return ("total_cap", children[-1])

    def each_skip(self, meta, children):
        cond, reason = _content(children)
        return ("skip", A.Skip(cond, unquote(reason.value), self._span(meta)))

    def each_reason(self, meta, children):
        return ("reason", self.text(children[-1]))

    def each_na(self, meta, children):
        cond, reason = _content(children)
        return ("not_applicable", A.Skip(cond, unquote(reason.value), self._span(meta)))

    def require(self, meta, children):
        cond, message = _content(children)
        return A.Require(cond, unquote(message.value), self._span(meta))

    def accept(self, meta, children):
        code, reason = _content(children)
        return A.Accept(str(code), unquote(reason.value), self._span(meta))

    def not_applicable(self, meta, children):
        cond, reason = _content(children)
        return A.NotApplicable(cond, unquote(reason.value), self._span(meta))

    # ------------------------------------------------------------ expressions
    def conditional(self, meta, children):
        cond, then, otherwise = _content(children)
        return A.Conditional(cond, then, otherwise, self._span(meta))

    def or_op(self, meta, children):
        return A.Logical("or", children[0], children[2], self._span(meta))

    def and_op(self, meta, children):
        return A.Logical("and", children[0], children[2], self._span(meta))

    def not_op(self, meta, children):
        return A.Not(children[1], self._span(meta))

    def compare(self, meta, children):
        left, op, right = children
        return A.Compare(COMPARISONS[op.value.translate(WIDE)], left, right, self._span(meta))

    def in_interval(self, meta, children):
        return A.InInterval(children[0], children[2], self._span(meta))

    def binary(self, meta, children):
        left, op, right = children
        return A.Binary(ARITHMETIC[op.value], left, right, self._span(meta))

    def negate(self, meta, children):
        operand = children[1]
        if isinstance(operand, A.Number):
            return A.Number(-operand.value, "-" + operand.text, self._span(meta))
        return A.Negate(operand, self._span(meta))

    def number(self, meta, children):
        tok = children[0]
        value = tok.value
        if value.isdigit() and value.isascii() and len(value) <= MAX_LITERAL_DIGITS and type(meta) is tuple:
            return A.Number(Decimal(value), value, A.Span(self.filename, *meta))  # 0–9 only: what _decimal gives
        if tok.type in ("INFINITY", "KW_INF"):
            return A.Number(Decimal("Infinity"), "∞", self._span(meta))
        return A.Number(self._decimal(tok), value.translate(WIDE), self._span(meta))

    def signed_number(self, meta, children):
        minus, tok = children
        value = self._decimal(tok)
        text = tok.value.translate(WIDE)
        if minus is not None:
            value, text = -value, "-" + text
        return A.Number(value, text, self._span(meta))

    def date(self, meta, children):
        tok = children[0]
        try:
            return A.DateLit(dates.parse(tok.value), self._span(meta))
        except dates.BadDate as exc:
            raise PerfdslError([error("E011", f"无效的日期 {tok.value}：{exc}", self._tok_span(tok))]) from None

    def string(self, meta, children):
        return self.text(children[0])

    def text(self, tok: Token):
        """A quoted text: a ``Template`` when it has ``{路径}`` holes (``syntax/template.py``), else a ``String``."""
        span = self._tok_span(tok)
        if not template.has_holes(tok.value[1:-1]):
            return A.String(unquote(tok.value), span)
        return A.Template(template.parts(tok.value, span, unquote), span)

    def true(self, meta, children):
        return A.Boolean(True, self._span(meta))

    def false(self, meta, children):
        return A.Boolean(False, self._span(meta))

    def path(self, meta, children):
        segments, star = [], None
        for c in children:
            if c.type == "NAME":
                segments.append(str(c))
            elif c.type == "TIMES":
                star = len(segments)
        return A.Path(tuple(segments), star, self._span(meta))

    def call(self, meta, children):
        return A.Call(str(children[0]), tuple(children[1:]), self._span(meta))

    def band(self, meta, children):
        rest = _content(children)
        return A.Band(rest[0], tuple(rest[1:]), self._span(meta))

    def arm(self, meta, children):
        interval, _arrow, result = children
        return A.Arm(interval, result, self._span(meta))

    def match(self, meta, children):
        rest = _content(children)
        return A.Match(rest[0], tuple(rest[1:]), self._span(meta))

    def case(self, meta, children):
        key, _arrow, result = children
        if isinstance(key, A.Number):
            key = key.value
        else:
            key = self._label(key)
        return A.Case(key, result, self._span(meta))

    closed_closed = _interval(True, True)
    closed_open = _interval(True, False)
    open_closed = _interval(False, True)
    open_open = _interval(False, False)

    def half_line(self, meta, children):
        op, bound = children
        op = COMPARISONS[op.value.translate(WIDE)]
        span = self._span(meta)
        if op in (">", ">="):
            return A.Interval(bound, None, op == ">=", False, span)
        if op in ("<", "<="):
            return A.Interval(None, bound, False, op == "<=", span)
        raise PerfdslError([error("E004", "区间不能写作 ≠ x；请写出两个区间", span)])

    def point(self, meta, children):
        bound = children[1]
        return A.Interval(bound, bound, True, True, self._span(meta))


def _finite(expr):
    """An infinite literal as an interval end means "no end"."""
    if isinstance(expr, A.Number) and expr.value.is_infinite():
        return None
    return expr


def _evolve(node, **changes):
    import attrs
    return attrs.evolve(node, **changes)
