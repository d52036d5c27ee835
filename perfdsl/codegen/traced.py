"""The rules compiled once more, this time recording every step as it happens.

Each step is written as a short JSON array, ``[site, parent, value…]``: ``site`` numbers the
place in the rules that recorded it (a band arm, a 子项, a deduction…), ``parent`` the
enclosing step (0 for none) and the values are what the interpreter would have put in its
sentence, exactly (decimals as JSON numbers, so nothing is lost).  Each ``Site`` keeps how its
values become the interpreter's sentence and fields (``sentences``), for ``compact_trace``.

The generated code mirrors ``scoring.Scorer._leaf`` and ``evaluator.Evaluator`` statement for
statement, so the steps come in the interpreter's order: 令 values computed lazily on first
use, with their steps nested where that happens, facts recorded once per indicator, and the
values each formula used kept for its substitution.  Like the untraced compiler it reports
no errors itself: anything unusual raises and the engine scores that fact set with the
interpreter.  Safety: as in ``compiler``, no rule text becomes Python source except through
``repr()``; numbers enter as constants held in the namespace.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Callable, Optional

import attrs

from perfdsl.syntax import ast as A
from perfdsl.interp import sentences
from perfdsl.interp.builtins import BY_NAME, EXISTS_NAMES, BuiltinError
from perfdsl.codegen.generator import Compiler, Fallback, _bool, _exists, _nomatch, _num, _values
from perfdsl.interp.evaluator import Judged
from perfdsl.interp.numbers import ZERO, round_to
from perfdsl.ruleset.types import Ty

_js = functools.partial(json.dumps, ensure_ascii=False)
_string = encode_basestring  # json.dumps of one string, without json.dumps' overhead


class Unsupported(Exception):
    """A construct this compiler does not trace; traced lines of this rule set use the interpreter.

    The message (Chinese: users see it) names the construct.
    """


@attrs.frozen
class Site:
    """A place in the rules that records a step, and how its values become the step's words."""

    kind: Optional[str]  # None: the kind depends on the values (a deduction of 0 is a check)
    span: Optional[A.Span]
    render: Callable  # (*values) -> (text, fields) or, when kind is None, (kind, text, fields)


_UNSEEN = object()


# ---------------------------------------------------------------- runtime helpers
def jt(v) -> str:
    """A value as typed JSON text: decimals as numbers, so reading them back loses nothing.

    JSON has no infinity: a growth from 0 (the only way to one) is written {"$decimal": "Infinity"}.
    """
    t = type(v)
    if t is Decimal:
        return str(v) if v.is_finite() else '{"$decimal":"%s"}' % v
    if t is str:
        return _string(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is list:
        return "[" + ",".join([jt(x) for x in v]) + "]"
    if t is dict:
        return "{" + ",".join([_string(k) + ":" + jt(x) for k, x in v.items()]) + "}"
    if t is Judged:
        return "{" + _string(v.field) + ":" + _string(str(v.value)) + ',"理由":' + _string(v.reason) + "}"
    if v is _UNSEEN:
        return "null"
    raise Fallback


def _fact(T, FS, P, site, path, v, encode):
    """A fact read: recorded the first time this indicator reads it (``encode``: its type's JSON text)."""
    if path not in FS:
        FS.add(path)
        T.append(f"[{site},{P},{encode(v)}]")
    return v


def _boolean(v) -> str:
    return "true" if v else "false"


def _judged(T, FS, P, site, jsite, path, v):
    """A 酌情 value: the fact (once), then the judgement with its reason, both under ``path``.

    A finding's 酌情 field is recorded, as the interpreter does, under the finding's place (问题[2].扣分).
    """
    if path not in FS:
        FS.add(path)
        T.append(f"[{site},{P},{v.value},{_string(path)}]")
    T.append(f"[{jsite},{P},{v.value},{_string(v.field)},{_string(v.reason)},{_string(path)}]")
    return v.value


def _spread(T, FS, P, site, path, items, rest):
    if type(items) is dict:
        items = list(items.values())
    if type(items) is not list:
        raise Fallback
    out = []
    for item in items:
        v = item
        for seg in rest:
            if type(v) is Judged or type(v) is not dict or v.get(seg) is None:
                raise Fallback
            v = v[seg]
        out.append(v.value if type(v) is Judged else v)
    if path not in FS:
        FS.add(path)
        T.append(f"[{site},{P},{jt(out)}]")
    return out


def _arm(T, P, site, v, result):
    """The band arm or 查表 case that matched, after its result (whose own steps come first)."""
    T.append(f"[{site},{P},{jt(v)},{jt(result)}]")
    return result


def _call(T, P, site, fn, args, numbers=False):
    """A builtin; ``numbers``: all its values are finite decimals, written as they are."""
    try:
        result = fn.impl(*args)
    except (BuiltinError, TypeError, ArithmeticError):
        raise Fallback
    if site is not None:
        if numbers:
            T.append(f"[{site},{P},[{','.join(map(str, args))}],{result}]")
        else:
            T.append(f"[{site},{P},{jt(args)},{jt(result)}]")
    return result


def _number(v):
    if type(v) is not Decimal:
        raise Fallback
    return v


def _finding(item) -> str:
    return sentences.finding_text(item, None)


def _described(v) -> str:
    return v if isinstance(v, str) else sentences.shown(v)


# ---------------------------------------------------------------- the compiler
class _Scope:
    """What a name means where code is being generated, and which values a formula keeps."""

    def __init__(self, lets: dict, parent: str, item=None, slots: Optional[dict] = None):
        self.lets = lets  # 令 name -> index in this indicator (C cache and lN function)
        self.parent = parent  # the variable holding the current parent step's id
        self.item = item  # (variable, field names, element type) inside 逐项扣
        self.slots = slots  # id(node) -> variable, for the formula being described

    def with_slots(self, slots: Optional[dict]) -> "_Scope":
        return _Scope(self.lets, self.parent, self.item, slots)


class TraceCompiler(Compiler):
    """The untraced ``Compiler``, extended where the interpreter records a step."""

    def __init__(self, rules, facts_ty: Ty, percent_paths: frozenset):
        super().__init__(rules, facts_ty)
        self.percent_paths = percent_paths
        self.sites: list[Site] = []
        self.global_index = {name: i for i, name in enumerate(rules.globals)}
        self._counter = 0
        self._slot_numeric: dict = {}
        self._names = set(rules.globals)  # names that are 令 values here, not facts
        # Only 增长率 (a growth from 0) or a written ∞ make an infinite decimal; elsewhere decimals go in as they are.
        self._global_infinite = any(_may_be_infinite(let) for let in rules.globals.values())
        self.infinite = True

    def site(self, kind: Optional[str], span, render) -> int:
        self.sites.append(Site(kind, span, render))
        return len(self.sites)

    def var(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    # ------------------------------------------------------------ values kept for substitution
    def slots_of(self, expr) -> dict:
        """id(node) → variable for each path and conditional whose value a substitution shows."""
        out: dict = {}
        stack = [expr]
        while stack:
            x = stack.pop()
            if isinstance(x, A.Call) and x.function in EXISTS_NAMES:
                continue  # 存在(…) reads its path without keeping the value
            if isinstance(x, (A.Path, A.Conditional)):
                out[id(x)] = self.var("s")
                if isinstance(x, A.Path) and x.star is None and x.segments[0] not in self._names:
                    ty = self._fact_type(x.segments)
                    self._slot_numeric[id(x)] = ty is not None and ty.kind in ("number", "integer", "rate")
            stack.extend(A.subexpressions(x))
        return out

    def num(self, var: str) -> str:
        """A decimal's place in a step's text: as is, unless it may be infinite (then ``jt`` marks it)."""
        return f"{{jt({var})}}" if self.infinite else f"{{{var}}}"

    def slots_text(self, slots: dict) -> str:
        """The values a formula used, as a JSON array in a step's f-string (null: not evaluated)."""
        out = []
        for key, var in slots.items():
            if self._slot_numeric.get(key) and not self.infinite:
                out.append(f"{{NULL if {var} is _UNSEEN else {var}}}")
            else:
                out.append(f"{{jt({var})}}")
        return "[" + ",".join(out) + "]"

    def describer(self, expr, slots: dict) -> Callable:
        """Payload (list of slot values, in slot order) → the formula with those values."""
        nodes = []
        stack = [expr]
        by_id = {}
        while stack:
            x = stack.pop()
            by_id[id(x)] = x
            stack.extend(A.subexpressions(x))
        for key in slots:
            nodes.append(by_id[key])
        percent_paths = self.percent_paths

        def describe(values) -> str:
            seen = {id(n): v for n, v in zip(nodes, values) if v is not None}
            return sentences.describe(expr, seen, percent_paths)
        return describe

    # ------------------------------------------------------------ expressions
    def expr(self, e, sc: _Scope) -> str:
        """Paths, kept values and builtins are written here; bands and 查表 through ``chosen``."""
        c = self.expr
        slot = sc.slots.get(id(e)) if sc.slots else None
        if isinstance(e, A.Path):
            code = self.path(e, sc)
            return f"({slot} := {code})" if slot else code
        if isinstance(e, A.Conditional):
            cond = c(e.condition, sc)
            return f"({c(e.then, sc)} if {f'({slot} := {cond})' if slot else cond} else {c(e.otherwise, sc)})"
        if isinstance(e, A.Call):
            if e.function in EXISTS_NAMES:  # reads its path (recording the fact) without keeping the value
                if len(e.args) != 1 or not isinstance(e.args[0], A.Path):
                    raise Unsupported("存在(…) 的参数不是事实路径")
                return f"_exists(lambda: {self.path(e.args[0], sc)})"
            fn = BY_NAME[e.function]
            site = self.site("builtin", e.span, functools.partial(sentences.builtin, fn)) if fn.explain else None
            args = ", ".join(c(a, sc) for a in e.args)
            numbers = site is not None and not self.infinite and fn.result == "number" and set(fn.arg_kinds) <= {"n", "*"}
            return f"_call(T, {sc.parent}, {site}, {self.src.const(fn)}, [{args}], {numbers})"
        return super().expr(e, sc)  # the rest as the untraced compiler writes it, calling back here

    def chosen(self, e, arm, subject: str, result: str, sc: _Scope) -> str:
        render = functools.partial(sentences.band, e, arm) if isinstance(e, A.Band) else functools.partial(sentences.match, e)
        site = self.site("band" if isinstance(e, A.Band) else "match", arm.span, render)
        return f"_arm(T, {sc.parent}, {site}, {subject}, {result})"

    def path(self, p: A.Path, sc: _Scope) -> str:
        segs = p.segments
        first = segs[0]
        if sc.item is not None and first in sc.item[1]:
            var, _fields, element = sc.item
            ty = element
            code = var
            for seg in segs:
                code = f"{code}[{seg!r}]"
                ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
            if p.star is not None:  # the interpreter records nothing for a finding's own fields
                return self._access(var, segs, p.star, element)
            if ty is None or ty.kind == "any":
                raise Unsupported(f"逐项扣 {self._findings} 的每项读取类型未知的 {p.dotted}")
            if ty.kind == "judged":  # the interpreter records a finding's judgement as a fact of its own, by its place
                where = f"{self.src.const(self._findings + '[')} + str(n) + {self.src.const('].' + p.dotted)}"
                return self.judged(p, where, code, sc)
            return code
        if len(segs) == 1 and p.star is None:
            if first in sc.lets:
                k = sc.lets[first]
                return f"(C[{k}] if {k} in C else l{k}({sc.parent}))"
            if first in self.global_index:
                k = self.global_index[first]
                return f"(G[{k}] if {k} in G else g{k}(F, G, T, FS, {sc.parent}))"
        if p.star is not None:
            code = "F" + "".join(f"[{s!r}]" for s in segs[:p.star])
            site = self.fact_site(p.dotted, False, p.span)
            return f"_spread(T, FS, {sc.parent}, {site}, {p.dotted!r}, {code}, {tuple(segs[p.star:])!r})"
        code = "F" + "".join(f"[{s!r}]" for s in segs)
        path = ".".join(segs)
        ty = self._fact_type(segs)
        if ty is not None and ty.kind == "judged":
            return self.judged(p, repr(path), code, sc)
        site = self.fact_site(path, path in self.percent_paths, p.span)
        if ty is None or ty.kind == "any":
            raise Unsupported(f"事实 {path} 的类型未知")
        encode = {"number": "str", "integer": "str", "rate": "str", "text": "_string", "enum": "_string",
                  "bool": "_boolean"}.get(ty.kind, "jt")
        return f"_fact(T, FS, {sc.parent}, {site}, {path!r}, {code}, {encode})"

    def judged(self, p: A.Path, where: str, code: str, sc: _Scope) -> str:
        """A 酌情 value read: its fact (never as a percentage) and its judgement, under the path ``where`` computes."""
        site = self.site("fact", p.span, lambda v, path: sentences.fact(path, v, False))
        jsite = self.site("judgement", p.span, lambda v, field, reason, path: sentences.judgement(path, field, v, reason))
        return f"_judged(T, FS, {sc.parent}, {site}, {jsite}, {where}, {code})"

    def fact_site(self, path: str, pct: bool, span) -> int:
        return self.site("fact", span, lambda v: sentences.fact(path, v, pct))

    # ------------------------------------------------------------ 令
    def let_function(self, let: A.Let, name: str, cache: str, key: int, lets: dict, indent: int,
                     params: str) -> None:
        src = self.src
        slots = self.slots_of(let.expr)
        site = self.site("value", let.span, _let_render(let, self.describer(let.expr, slots)))
        src.emit(indent, f"def {name}({params}):")
        src.emit(indent + 1, "i = len(T); T.append(None); Q = i + 1")  # its parent P is where it is first used
        self.unseen(slots, indent + 1)
        sc = _Scope(lets, "Q", None, slots)
        src.emit(indent + 1, f"v = {self.expr(let.expr, sc)}")
        src.emit(indent + 1, f"T[i] = f'[{site},{{P}},{{jt(v)}},{self.slots_text(slots)}]'")
        src.emit(indent + 1, f"{cache}[{key}] = v")
        src.emit(indent + 1, "return v")

    # ------------------------------------------------------------ indicators
    def leaf(self, ind: A.Indicator, fname: str) -> None:
        src = self.src
        weight, W, Q, R = self.leaf_constants(ind)
        r = self.rules.rounding
        self.infinite = self._global_infinite or _may_be_infinite(ind)
        self._names = set(self.rules.globals) | {s.name for s in ind.statements if isinstance(s, A.Let)}
        src.emit(0, f"def {fname}(F, G):")
        src.emit(1, "T = []; FS = set(); C = {}; P = 0")
        lets = {}
        own = [s for s in ind.statements if isinstance(s, A.Let)]
        for k, let in enumerate(own):
            lets[let.name] = k
        for k, let in enumerate(own):
            self.let_function(let, f"l{k}", "C", k, lets, 1, "P")
        sc = _Scope(lets, "P")
        renormalise = self.rules.system is not None and self.rules.system.not_applicable_policy == "renormalise"
        for s in ind.statements:
            if isinstance(s, A.NotApplicable):
                if ind.outside:
                    score, outcome = src.const(ZERO), "不计加减分"
                elif renormalise:
                    score, outcome = "None", "不计分，其余指标重新归一"
                else:
                    score = src.const(round_to(weight, r.places, r.mode))
                    outcome = f"按满分 {sentences.show(weight)} 计"
                site = self.site("not_applicable", s.span, functools.partial(sentences.not_applicable, s, outcome))
                src.emit(1, f"if _bool({self.expr(s.condition, sc)}):")
                src.emit(2, f"T.append('[{site},0]')")
                src.emit(2, f"return {score}, None, 'not_applicable', T")
        for s in ind.statements:
            if isinstance(s, A.Require):
                src.emit(1, f"if not _bool({self.expr(s.condition, sc)}): _nomatch()")
        formula = next((s for s in ind.statements if isinstance(s, A.Formula)), None)
        parts = [s for s in ind.statements if isinstance(s, A.Part)]
        if formula is not None:
            slots = self.slots_of(formula.expr)
            describe = self.describer(formula.expr, slots)
            site = self.site("formula", formula.span,
                             lambda v, seen, e=formula.expr, d=describe: sentences.formula(e, v, d(seen)))
            self.open_step(slots, 1)
            src.emit(1, f"base = _number({self.expr(formula.expr, sc.with_slots(slots))})")
            src.emit(1, f"P = 0; T[i] = f'[{site},0,{self.num('base')},{self.slots_text(slots)}]'")
        elif parts:
            src.emit(1, f"base = {src.const(ZERO)}")
            for p in parts:
                self.part(p, sc)
        else:
            site = self.site("formula", ind.span, functools.partial(sentences.full_weight, weight))
            src.emit(1, f"base = {W}; T.append('[{site},0]')")
        src.emit(1, f"ded = {src.const(ZERO)}")
        for s in ind.statements:
            if isinstance(s, A.Deduct):
                self.deduct(s, sc)
            elif isinstance(s, A.EachDeduct):
                self.each(s, sc)
        site_sub = self.site("subtotal", ind.span, sentences.subtotal)
        site_floor = self.site("floor", ind.span, sentences.floor)
        site_cap = self.site("cap", ind.span, lambda raw, w=weight: sentences.cap(raw, w))
        rspan = r.span if r.span is not A.NO_SPAN else ind.span
        site_round = self.site("rounding", rspan, functools.partial(sentences.rounding, r.mode, r.places))
        site_score = self.site("score", ind.span, lambda v, w=weight: sentences.score(v, w))
        src.emit(1, "raw = base - ded")
        src.emit(1, f"if ded: T.append(f'[{site_sub},0,{self.num('base')},{self.num('ded')},{self.num('raw')}]')")
        src.emit(1, f"if raw < 0: T.append(f'[{site_floor},0,{self.num('raw')}]'); raw = {src.const(ZERO)}")
        src.emit(1, f"if raw > {W}: T.append(f'[{site_cap},0,{self.num('raw')}]'); raw = {W}")
        src.emit(1, f"score = raw.quantize({Q}, rounding={R})")
        src.emit(1, f"if score != raw: T.append(f'[{site_round},0,{{raw}},{{score}}]')")
        src.emit(1, f"T.append(f'[{site_score},0,{{score}}]')")
        if ind.penalty:
            site_pen = self.site("penalty", ind.span, lambda lost, v, w=weight: sentences.penalty(lost, w, v))
            src.emit(1, f"lost = {W} - score; score = -lost")
            src.emit(1, f"T.append(f'[{site_pen},0,{{lost}},{{score}}]')")
            src.emit(1, f"return score, raw - {W}, 'ok', T")
        else:
            src.emit(1, "return score, raw, 'ok', T")
        src.emit(0, "")

    def open_step(self, slots: dict, indent: int) -> None:
        """Reserve the step (what it encloses comes after it) and make it the parent; nothing seen yet."""
        self.src.emit(indent, "i = len(T); T.append(None); P = i + 1")
        self.unseen(slots, indent)

    def unseen(self, slots: dict, indent: int) -> None:
        if slots:
            self.src.emit(indent, " = ".join(slots.values()) + " = _UNSEEN")

    def part(self, p: A.Part, sc: _Scope) -> None:
        src = self.src
        P = src.const(p.points)
        indent = 1
        if p.not_applicable is not None:
            site = self.site("not_applicable", p.not_applicable.span, functools.partial(sentences.part_not_applicable, p))
            src.emit(1, f"if _bool({self.expr(p.not_applicable.condition, sc)}):")
            src.emit(2, f"T.append('[{site},0]'); base += {P}")
            src.emit(1, "else:")
            indent = 2
        slots = self.slots_of(p.expr)
        describe = self.describer(p.expr, slots)
        site = self.site("part", p.span, lambda v, clamped, seen, p=p, d=describe: sentences.part(p, v, clamped, d(seen)))
        self.open_step(slots, indent)
        src.emit(indent, f"v = _number({self.expr(p.expr, sc.with_slots(slots))})")
        src.emit(indent, f"x = min(max(v, {src.const(ZERO)}), {P})")
        src.emit(indent, f"P = 0; T[i] = f'[{site},0,{self.num('v')},{{x}},{self.slots_text(slots)}]'")
        src.emit(indent, "base += x")

    def deduct(self, d: A.Deduct, sc: _Scope) -> None:
        src = self.src
        indent = 1
        if d.condition is not None:
            site = self.site("check", d.span, functools.partial(sentences.not_deducted, d))
            src.emit(1, f"if not _bool({self.expr(d.condition, sc)}):")
            src.emit(2, f"T.append('[{site},0]')")
            src.emit(1, "else:")
            indent = 2
        if isinstance(d.amount, A.Number):
            site = self.site(None, d.span, lambda amount, d=d: _deduction(d, amount, None))
            src.emit(indent, f"a = {src.const(d.amount.value)}")
            src.emit(indent, f"T.append(f'[{site},0,{self.num('a')}]')")
        else:
            slots = self.slots_of(d.amount)
            describe = self.describer(d.amount, slots)
            site = self.site(None, d.span, lambda amount, seen, d=d, f=describe: _deduction(d, amount, f(seen)))
            self.unseen(slots, indent)
            src.emit(indent, f"a = _number({self.expr(d.amount, sc.with_slots(slots))})")
            src.emit(indent, f"T.append(f'[{site},0,{self.num('a')},{self.slots_text(slots)}]')")
        src.emit(indent, "ded += a")

    def each(self, d: A.EachDeduct, sc: _Scope) -> None:
        src = self.src
        ty = self._fact_type(d.items.segments)
        element = ty.element if ty is not None and ty.kind == "list" else None
        if element is None or element.kind == "any":
            raise Unsupported(f"逐项扣 {d.items.dotted} 的列表元素类型未知")
        fields = frozenset(element.fields) if element.kind == "record" else frozenset()
        self._findings = d.items.dotted
        isc = _Scope(sc.lets, "P", ("it", fields, element))
        site_empty = self.site("check", d.span, functools.partial(sentences.no_findings, d))
        src.emit(1, f"items = {self.expr(d.items, sc)}")
        src.emit(1, "if type(items) is not list: _nomatch()")
        src.emit(1, f"if not items: T.append('[{site_empty},0]')")
        src.emit(1, "groups = {}")
        src.emit(1, "for n, it in enumerate(items):")
        if element.kind == "record":
            src.emit(2, f"if it.keys() != {src.const(fields)}: _nomatch()  # an absent optional field: interpreter")
        if d.describe is not None:
            src.emit(2, f"text = _described({self.expr(d.describe, isc)})")
        else:
            src.emit(2, "text = _finding(it)")
        if d.skip is not None:
            site = self.site("not_applicable", d.skip.span, lambda text, n, d=d: sentences.finding_skipped(d, text, int(n)))
            src.emit(2, f"if _bool({self.expr(d.skip.condition, isc)}):")
            src.emit(3, f"T.append(f'[{site},0,{{jt(text)}},{{n}}]'); continue")
        src.emit(2, f"a = _number({self.expr(d.per_item, isc)})")
        if d.group_by is not None:
            if d.group_by not in fields:
                raise Unsupported(f"逐项扣 {d.items.dotted} 按 {d.group_by} 分类，而 {d.group_by} 不是问题记录的字段")
            src.emit(2, f"k = it[{d.group_by!r}]")
            site = self.site("deduction", d.span, lambda amount, text, n, key, d=d: sentences.finding(d, amount, text, int(n), key))
            src.emit(2, f"T.append(f'[{site},0,{self.num('a')},{{jt(text)}},{{n}},{{jt(k)}}]')")
        else:
            src.emit(2, "k = None")
            site = self.site("deduction", d.span, lambda amount, text, n, d=d: sentences.finding(d, amount, text, int(n), None))
            src.emit(2, f"T.append(f'[{site},0,{self.num('a')},{{jt(text)}},{{n}}]')")
        src.emit(2, f"groups[k] = groups.get(k, {src.const(ZERO)}) + a")
        src.emit(1, f"total = {src.const(ZERO)}")
        src.emit(1, "for k, a in groups.items():")
        if d.group_cap is not None:
            site = self.site("cap", d.group_cap.span, sentences.group_cap)
            src.emit(2, f"cap = _number({self.expr(d.group_cap, sc)})")
            src.emit(2, f"if a > cap: T.append(f'[{site},0,{{jt(k)}},{self.num('a')},{self.num('cap')}]'); a = cap")
        src.emit(2, "total += a")
        if d.total_cap is not None:
            site = self.site("cap", d.total_cap.span, sentences.total_cap)
            src.emit(1, f"cap = _number({self.expr(d.total_cap, sc)})")
            src.emit(1, f"if total > cap: T.append(f'[{site},0,{self.num('total')},{self.num('cap')}]'); total = cap")
        src.emit(1, "ded += total")

    # ------------------------------------------------------------ the rule set
    def module(self):
        """(namespace, leaf function names by indicator id)."""
        src = self.src
        for name, k in self.global_index.items():
            let = self.rules.globals[name]
            self.let_function(let, f"g{k}", "G", k, {}, 0, "F, G, T, FS, P")
            src.emit(0, "")
        names = self.leaves()
        self._grade()
        helpers = {"_fact": _fact, "_judged": _judged, "_spread": _spread, "_arm": _arm, "_call": _call,
                   "_exists": _exists, "_number": _number, "_bool": _bool, "_nomatch": _nomatch, "_finding": _finding,
                   "_described": _described, "jt": jt, "_string": _string, "_boolean": _boolean,
                   "_UNSEEN": _UNSEEN, "NULL": "null", "_num": _num, "_values": _values}
        return src.run("compiled traced rules", helpers), names

    def _grade(self) -> None:
        """The grade with its steps: a fresh evaluator in the interpreter, so 令 values and facts anew."""
        src = self.src
        system = self.rules.system
        src.emit(0, "def grade(F, total):")
        src.emit(1, "T = []; FS = set(); G = {}; C = {}; P = 0")
        sc = _Scope({}, "P")
        if system is not None:
            for v in system.vetoes:
                site = self.site("veto", v.span, functools.partial(sentences.veto, v))
                src.emit(1, f"if _bool({self.expr(v.condition, sc)}):")
                src.emit(2, f"T.append('[{site},0]'); return {v.grade!r}, T")
            for arm in system.grades:
                site = self.site("grade", arm.span, lambda total, g, arm=arm: sentences.grade(total, arm, g))
                src.emit(1, f"if {self.test('total', arm.interval, sc)}:")
                src.emit(2, f"g = {self.expr(arm.result, sc)}")
                src.emit(2, f"T.append(f'[{site},0,{{total}},{{jt(g)}}]'); return str(g), T")
            if system.grades:
                src.emit(1, "_nomatch()")
        src.emit(1, "return None, None")


def _may_be_infinite(node) -> bool:
    """Whether an AST node calls a builtin that can return an infinite decimal, or writes ∞."""
    if isinstance(node, A.Call) and node.function in ("growth", "增长率"):
        return True
    if isinstance(node, A.Number):
        return not node.value.is_finite()
    if isinstance(node, (list, tuple)):
        return any(_may_be_infinite(x) for x in node)
    if attrs.has(type(node)):
        return any(_may_be_infinite(getattr(node, f.name)) for f in attrs.fields(type(node)))
    return False


def _let_render(let: A.Let, describe: Callable) -> Callable:
    return lambda v, seen: sentences.let_value(let, v, describe(seen))


def _deduction(d: A.Deduct, amount: Decimal, subst: Optional[str]):
    text, data = sentences.deduction(d, amount, subst if amount else None)
    return ("deduction" if amount else "check"), text, data
