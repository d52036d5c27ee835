"""The one code generator: a plan written out as Python source, as Jinja compiles templates.

``Generator`` writes each third-level indicator as one function — 令, 不适用, 要求, the base (formula, 子项 or
full weight), deductions, floor, cap, rounding — exactly once.  Where a step could be recorded it calls a hook
(``record``, ``open_step``, ``close_step``, and the hooks that read facts, 令 values and builtins).  The hooks of
``Generator`` write nothing extra, so its functions score without traces; ``TracedGenerator`` overrides only the
hooks, so its functions also record every step, numbered by the plan's sites, in the interpreter's order.

Neither reports errors: anything unusual raises ``Fallback`` (or a ``KeyError`` for a fact that is absent, an
``ArithmeticError``) and the engine scores that fact set with the interpreter, which explains what is wrong.

Safety: the source is generated only from the *checked* rules.  No name from a rule file becomes a Python
identifier; every string and fact key enters the source through ``repr()``, and every number as a ``Decimal``
constant held in the namespace, not as text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable, Optional

import attrs

from perfdsl.codegen.codecache import compiled
from perfdsl.codegen.program import Program
from perfdsl.codegen.runtime import FAST_BUILTINS
from perfdsl.constructs import deduction_of
from perfdsl.interp.builtins import BY_NAME, EXISTS_NAMES
from perfdsl.interp.numbers import ROUNDING_MODES
from perfdsl.plan import LeafPlan, Plan
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A

_OPS = {"+": "+", "-": "-", "*": "*", "/": "/"}
_GROUP = {"+": 0, "-": 0, "*": 1, "/": 1}  # operators of one precedence: a left-nested chain of them is written flat
_CMP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "!=": "!="}


class Source:
    """Python source being written, with constants kept out of the text."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.prelude: list[str] = []  # module-level definitions written while inside a function (encoders)
        self.consts: dict = {}
        self._const_ids: dict = {}
        self._temp = 0

    def const(self, value) -> str:
        key = (type(value).__name__, str(value))
        name = self._const_ids.get(key)
        if name is None:
            name = f"K{len(self._const_ids)}"
            self._const_ids[key] = name
            self.consts[name] = value
        return name

    def temp(self) -> str:
        self._temp += 1
        return f"t{self._temp}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def run(self, filename: str, source: Optional[str] = None) -> dict:
        """The one place generated source is executed, as a ``Program``: its namespace, with the runtime's helpers
        and the constants (``namespace["__program__"]`` is the program, for the warm bundle)."""
        text = source if source is not None else "\n".join(self.prelude + self.lines)
        return Program(filename, compiled(text, f"<perfdsl: {filename}>"), self.consts).namespace()


@attrs.define
class Scope:
    """What a name means where code is being generated, and which values a formula keeps."""

    lets: dict  # 令 name -> its index in this indicator
    parent: str = "P"  # the variable holding the current parent step's id (traced)
    item: Optional[tuple] = None  # (variable, field names, element type) inside 逐项扣
    slots: Optional[dict] = None  # id(node) -> variable, for the formula being described (traced)

    def with_slots(self, slots: Optional[dict]) -> "Scope":
        return Scope(self.lets, self.parent, self.item, slots)


class Expressions:
    """Writes expressions as Python; how a name is read is a hook (``Generator`` adds 令 and steps)."""

    def __init__(self, facts_ty: Ty, src: Optional[Source] = None):
        self.facts_ty = facts_ty
        self.src = src or Source()
        self._global_index: dict = {}  # shared 令 name -> its index
        self.percents: frozenset = frozenset()  # the plan's percent_paths

    # ------------------------------------------------------------ hooks: untraced
    def let_ref(self, k: int, sc: Scope) -> str:
        return f"L{k}"

    def global_ref(self, k: int, sc: Scope) -> str:
        return f"G[{k}]"

    def fact_ref(self, p: A.Path, sc: Scope) -> str:
        return self.access("F", p.segments, p.star, self.facts_ty)

    def item_ref(self, p: A.Path, sc: Scope) -> str:
        assert sc.item is not None  # called only for a finding's own fields
        var, _fields, element = sc.item
        return self.access(var, p.segments, p.star, element)

    def call(self, e: A.Call, fn, args: list[str], sc: Scope) -> str:
        fast = FAST_BUILTINS.get(fn.name)
        if fast is None:  # its own complaint about a value sends the fact set to the interpreter
            return f"_call({self.src.const(fn)}, [{', '.join(args)}])"
        inline = INLINE.get(fn.name)
        if inline is not None and all(CONSTANT.fullmatch(a) for a in args[1:]):
            return inline(self.src.temp(), self.src.temp(), self.src.const(Decimal(1)), *args)
        name = f"B_{fn.name}"
        self.src.consts[name] = fast
        return f"{name}({', '.join(args)})"

    def chosen(self, arm, subject: str, result: str, sc: Scope) -> str:
        """The code for the result of a band arm or 查表 case once it matched."""
        return result

    def number(self, code: str, expr=None) -> str:
        """A value used as a score or an amount (``expr``): the checker proved it a number, so taken as it is."""
        return code

    def is_rate(self, p: A.Path) -> bool:
        """Whether a reference is shown as a percentage (the plan's ``percent_paths``)."""
        return p.span in self.percents or p.dotted in self.percents

    # ------------------------------------------------------------ paths
    def access(self, base: str, segs, star, root_ty: Optional[Ty]) -> str:
        code = base
        ty = root_ty
        stop = star if star is not None else len(segs)
        for seg in segs[:stop]:
            code = f"{code}[{seg!r}]"  # validated facts hold no None; a missing key falls back
            ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
        if star is None:
            if ty is None or ty.kind == "judged":  # runtime.num written out: a 酌情 value read as its number
                t = self.src.temp()
                return f"({t}.value if type({t} := {code}) is Judged else {t})"
            return code
        inner = "x"
        for seg in segs[star:]:
            inner = f"{inner}[{seg!r}]"
        return f"[_num({inner}) for x in _values({code})]"

    def path(self, p: A.Path, sc: Scope) -> str:
        segs = p.segments
        first = segs[0]
        if sc.item is not None and first in sc.item[1]:
            return self.item_ref(p, sc)
        if len(segs) == 1 and p.star is None:
            if first in sc.lets:
                return self.let_ref(sc.lets[first], sc)
            if first in self._global_index:
                return self.global_ref(self._global_index[first], sc)
        return self.fact_ref(p, sc)

    # ------------------------------------------------------------ expressions
    def expr(self, e, sc: Scope) -> str:
        c = self.expr
        slot = sc.slots.get(id(e)) if sc.slots else None
        if isinstance(e, A.Number):
            return self.src.const(e.value)
        if isinstance(e, A.String):
            return repr(e.value)
        if isinstance(e, A.DateLit):
            return self.src.const(e.value)
        if isinstance(e, A.Boolean):
            return "True" if e.value else "False"
        if isinstance(e, A.Template):
            return "(" + " + ".join(repr(p) if isinstance(p, str) else f"_text({c(p, sc)}, {self.is_rate(p)})"
                                    for p in e.parts) + ")"
        if isinstance(e, A.Path):
            code = self.path(e, sc)
            return f"({slot} := {code})" if slot else code
        if isinstance(e, A.Binary):  # a left-nested chain of one precedence, flat: Python groups it the same way
            chain: list[tuple[str, A.Expr]] = []
            while isinstance(e, A.Binary) and _GROUP[e.op] == _GROUP[chain[-1][0] if chain else e.op]:
                chain.append((e.op, e.right))
                e = e.left
            return "(" + c(e, sc) + "".join(f" {_OPS[op]} {c(r, sc)}" for op, r in reversed(chain)) + ")"
        if isinstance(e, A.Negate):
            return f"(-{c(e.operand, sc)})"
        if isinstance(e, A.Compare):
            return f"({c(e.left, sc)} {_CMP[e.op]} {c(e.right, sc)})"
        # Conditions are booleans: the checker proved it (E202) and the validator checked the facts.
        if isinstance(e, A.Logical):  # a left-nested chain of one operator, flat
            op, rights = e.op, []
            while isinstance(e, A.Logical) and e.op == op:
                rights.append(e.right)
                e = e.left
            return "(" + c(e, sc) + "".join(f" {op} {c(r, sc)}" for r in reversed(rights)) + ")"
        if isinstance(e, A.Not):
            return f"(not {c(e.operand, sc)})"
        if isinstance(e, A.Conditional):  # 否则 若 … chains flat: ``a if p else b if q else c`` needs no parentheses
            parts = []
            while True:
                cond = c(e.condition, sc)
                parts.append(f"{c(e.then, sc)} if {f'({slot} := {cond})' if slot else cond} else ")
                e = e.otherwise
                if not isinstance(e, A.Conditional):
                    break
                slot = sc.slots.get(id(e)) if sc.slots else None
            return "(" + "".join(parts) + c(e, sc) + ")"
        if isinstance(e, A.InInterval):
            t = self.src.temp()
            return f"(({t} := {c(e.value, sc)}) is not None and {self.test(t, e.interval, sc)})"
        # Arms as one flat chain of conditional expressions (``r0 if t0 else r1 if t1 else …``): no nesting
        # however many arms; the tests run in arm order, the subject is evaluated once, in the first.
        if isinstance(e, A.Band):
            t = self.src.temp()
            parts = []
            for i, arm in enumerate(e.arms):
                test = self.test(t, arm.interval, sc)
                if i == 0:
                    test = f"(({t} := {c(e.subject, sc)}) is not None and {test})"
                parts.append(f"{self.chosen(arm, t, c(arm.result, sc), sc)} if {test} else ")
            return "(" + "".join(parts) + "_nomatch())"
        if isinstance(e, A.Match):
            t = self.src.temp()
            parts = []
            for i, case in enumerate(e.cases):
                key = repr(case.key) if isinstance(case.key, str) else self.src.const(case.key)
                test = f"({t} := {c(e.subject, sc)}) == {key}" if i == 0 else f"{t} == {key}"
                parts.append(f"{self.chosen(case, t, c(case.result, sc), sc)} if {test} else ")
            return "(" + "".join(parts) + "_nomatch())"
        if isinstance(e, A.Call):
            if e.function in EXISTS_NAMES:
                if len(e.args) != 1 or not isinstance(e.args[0], A.Path):
                    return "_nomatch()"  # the interpreter reports it (E330)
                return f"_exists(lambda: {self.path(e.args[0], sc)})"
            return self.call(e, BY_NAME[e.function], [c(a, sc) for a in e.args], sc)
        raise AssertionError(type(e))  # pragma: no cover

    def condition(self, e, sc: Scope) -> str:
        """A condition's code: through ``_bool`` (a value not a bool goes to the interpreter) unless surely a bool."""
        return self.expr(e, sc) if self.surely_bool(e) else f"_bool({self.expr(e, sc)})"

    def surely_bool(self, e) -> bool:  # a comparison, a negation, a literal (``TracedGenerator``: by ``kind_of``)
        return isinstance(e, (A.Compare, A.Not, A.Boolean))

    def test(self, t: str, iv: A.Interval, sc: Scope) -> str:
        parts = []
        if iv.low is not None:
            parts.append(f"{t} {'>=' if iv.low_closed else '>'} {self.expr(iv.low, sc)}")
        if iv.high is not None:
            parts.append(f"{t} {'<=' if iv.high_closed else '<'} {self.expr(iv.high, sc)}")
        return "(" + " and ".join(parts or ["True"]) + ")"


class Generator(Expressions):
    """Writes the plan as scoring functions; the hooks here record nothing (no traces)."""

    traced = False
    order_free = True  # no step shows a record's key order (``TracedGenerator`` finds out; untraced: no steps)

    def __init__(self, plan: Plan):
        super().__init__(plan.facts_ty)
        self.plan = plan
        self.percents = plan.percent_paths
        self.where: object = None  # the site scope: a leaf's index, "g" (shared 令) or "grade"
        self.findings = ""  # inside 逐项扣: the list's path, for the place of a finding's judgement

    # ------------------------------------------------------------ hooks: untraced
    def prologue(self, indent: int) -> None:
        """Per-function state a traced function keeps (its steps, facts seen, 令 cache)."""

    def define_lets(self, lets: list, indent: int) -> None:
        """令 values, computed eagerly in dependency order (the checker rejected cycles).

        Where the interpreter would never compute a value that fails here, the failure sends the
        fact set to the interpreter: eager never changes a score.
        """
        by_name = {let.name: let for let in lets}
        index = {let.name: k for k, let in enumerate(lets)}
        done: set = set()
        sc = Scope(index)

        def visit(let: A.Let) -> None:
            if let.name in done:
                return
            done.add(let.name)
            for dep in _names_in(let.expr):
                if dep in by_name:
                    visit(by_name[dep])
            self.src.emit(indent, f"L{index[let.name]} = {self.expr(let.expr, sc)}")
        for let in lets:
            visit(let)

    def define_globals(self) -> None:
        self.src.emit(0, "def shared(F):")
        self.where = "g"
        self.define_lets(self.plan.globals, 1)
        self.src.emit(1, f"return ({''.join(f'L{k}, ' for k in range(len(self.plan.globals)))})")
        self.src.emit(0, "")

    def record(self, indent: int, node, role: str, values: str = "") -> None:
        """A step at ``node``'s site ``role``, its values an f-string fragment (``,{x},{y}``)."""

    def open_step(self, indent: int, expr) -> Optional[dict]:
        """A step that encloses what computing ``expr`` records; returns the values it will show."""
        return None

    def close_step(self, indent: int, node, role: str, values: str) -> None:
        self.record(indent, node, role, values)

    def unseen(self, indent: int, expr) -> Optional[dict]:
        """The values a step's formula will show, none seen yet."""
        return None

    def per_finding(self, d: A.EachDeduct, isc: Scope, fields: frozenset, element: Optional[Ty]) -> None:
        """What a traced loop over findings needs per finding: the words for it."""

    def finish(self, indent: int, score: str, raw: str, status: str) -> None:
        """Return from a leaf (score, unrounded, status) or from ``grade`` (the grade)."""
        self.src.emit(indent, f"return {score}" if self.where == "grade" else f"return {score}, {raw}, {status}")

    def unsupported(self, why: str) -> None:
        """A construct the traced scorer cannot record; the untraced one needs nothing more."""

    def num(self, var: str) -> str:
        return f"{{{var}}}"

    def clamped_text(self, value: str, clamped: str) -> str:
        """A 子项's value and its clamped value in a step's f-string (``clamped`` is a finite decimal)."""
        return f",{self.num(value)},{{{clamped}!s}}"

    def field_text(self, var: str, record: Optional[Ty], field: str) -> str:
        """A record field's value in a step's f-string, encoded for its declared type (traced)."""
        return f"{{jt({var})}}"

    def slots_text(self, slots: Optional[dict]) -> str:
        return ""

    # ------------------------------------------------------------ the rule set
    def module(self) -> dict:
        """The namespace with ``shared``/``g…``, a function ``leaf<n>`` per leaf of the plan and ``grade``."""
        self._global_index = {let.name: k for k, let in enumerate(self.plan.globals)}
        self.define_globals()
        for leaf in self.plan.leaves:
            self.leaf(leaf)
        self.grade()
        return self.src.run("traced rules" if self.traced else "compiled rules", self.final_source())

    def final_source(self) -> Optional[str]:
        """The module's text once everything is written; None: the lines as they were emitted (``Source.run``)."""
        return None

    def source(self) -> str:
        """The source written so far (tests read it)."""
        return "\n".join(self.src.lines)

    def grade(self) -> None:
        src = self.src
        system = self.plan.rules.system
        self.where = "grade"
        src.emit(0, "def grade(F, G, total):")
        self.prologue(1)
        sc = Scope({})
        if system is not None:
            for v in system.vetoes:
                src.emit(1, f"if {self.condition(v.condition, sc)}:")
                self.record(2, v, "veto")
                self.finish(2, repr(v.grade), "", "")
            for arm in system.grades:
                src.emit(1, f"if {self.test('total', arm.interval, sc)}:")
                src.emit(2, f"g = {self.expr(arm.result, sc)}")
                self.record(2, arm, "grade", ",{total!s},{jt(g)}")
                self.finish(2, "str(g)", "", "")
            if system.grades:
                src.emit(1, "_nomatch()")
        self.finish(1, "None", "", "")

    # ------------------------------------------------------------ one indicator
    def leaf(self, lp: LeafPlan) -> None:
        src = self.src
        plan = self.plan
        ind = lp.indicator
        r = plan.rounding
        W, Q, R = src.const(lp.weight), src.const(Decimal(1).scaleb(-r.places)), src.const(ROUNDING_MODES[r.mode])
        self.where = lp.index
        self.leaf_started(lp)
        src.emit(0, f"def leaf{lp.index}(F, G):")
        self.prologue(1)
        self.define_lets(lp.lets, 1)  # 不适用 and 要求 conditions may use 令 values
        sc = Scope({let.name: k for k, let in enumerate(lp.lets)})
        for s in lp.not_applicable:
            score, _words = plan.not_applicable_score(lp)
            src.emit(1, f"if {self.condition(s.condition, sc)}:")
            self.record(2, s, "na")
            self.finish(2, "None" if score is None else src.const(score), "None", "'not_applicable'")
        for s in lp.requires:
            src.emit(1, f"if not {self.condition(s.condition, sc)}: _nomatch()")
        if lp.formula is not None:
            slots = self.open_step(1, lp.formula.expr)
            src.emit(1, f"base = {self.number(self.expr(lp.formula.expr, sc.with_slots(slots)), lp.formula.expr)}")
            self.close_step(1, lp.formula, "formula", f",{self.num('base')}{self.slots_text(slots)}")
        elif lp.parts:
            src.emit(1, "base = ZERO")
            for p in lp.parts:
                self.part(p, sc)
        else:
            src.emit(1, f"base = {W}")
            self.record(1, ind, "full")
        if lp.deductions or not (lp.parts or _plain(lp.weight)) or lp.formula is not None:
            src.emit(1, "ded = ZERO")  # the interpreter's order of operations: even the unrounded value agrees
            for d in lp.deductions:
                deduction_of(d).generate(self, d, sc)
            src.emit(1, "raw = base - ded")
        else:  # base - ZERO is base itself, digit for digit (``_plain``): ZERO plus parts, or the weight
            src.emit(1, "raw = base")
        if self.traced and lp.deductions:  # a test that only chooses a step: untraced, or no deduction (ded is 0), none
            src.emit(1, "if ded:")
            self.record(2, ind, "subtotal", f",{self.num('base')},{self.num('ded')},{self.num('raw')}")
            src.emit(2, "pass")
        src.emit(1, "if raw < ZERO:")  # ZERO, not 0: no int made into a Decimal for each comparison
        self.record(2, ind, "floor", f",{self.num('raw')}")
        src.emit(2, "raw = ZERO")
        src.emit(1, f"if raw > {W}:")
        self.record(2, ind, "cap", f",{self.num('raw')}")
        src.emit(2, f"raw = {W}")
        src.emit(1, f"score = raw.quantize({Q}, {R})")  # the rounding by position: no keyword to parse, same call
        if self.traced:
            src.emit(1, "ss = f'{score!s}'")  # made once: the rounding and score steps and the document write it
            src.emit(1, "if score != raw:")
            self.record(2, ind, "rounding", ",{raw!s},{ss}")
            src.emit(2, "pass")
            if not ind.penalty:  # not rounded: no unrounded value to write, so the document need not compare them
                src.emit(1, "else: raw = None")
        self.record(1, ind, "score", ",{ss}" if self.traced else "")
        if ind.penalty:  # 减分项: the points the item loses come off the total
            src.emit(1, f"lost = {W} - score; score = -lost")
            self.record(1, ind, "penalty", ",{lost!s},{score!s}")
            self.finish(1, "score", f"raw - {W}", "'ok'")
        else:
            self.finish(1, "score", "raw", "'ok'")
        src.emit(0, "")

    def leaf_started(self, lp: LeafPlan) -> None:
        """Before a leaf's function is written (the traced scorer decides how it writes decimals)."""

    def part(self, p: A.Part, sc: Scope) -> None:
        src = self.src
        P = src.const(p.points)
        indent = 1
        if p.not_applicable is not None:
            src.emit(1, f"if {self.condition(p.not_applicable.condition, sc)}:")
            self.record(2, p, "na")
            src.emit(2, f"base += {P}")
            src.emit(1, "else:")
            indent = 2
        slots = self.open_step(indent, p.expr)
        src.emit(indent, f"v = {self.number(self.expr(p.expr, sc.with_slots(slots)), p.expr)}")
        src.emit(indent, f"x = {P} if v > {P} else (ZERO if v < ZERO else v)")
        self.close_step(indent, p, "part", f"{self.clamped_text('v', 'x')}{self.slots_text(slots)}")
        src.emit(indent, "base += x")


# Lean builtins written out where they are used (both scorers), when every argument after the first is a constant: the
# first evaluated once (into the first temporary), then exactly runtime._fast_proportional's and _fast_sample's.
CONSTANT = re.compile(r"K[0-9]+")
INLINE: dict[str, Callable[..., str]] = {
    "proportional": lambda t, _u, one, rate, points, floor:
        f"({points} if ({t} := {rate}) >= {one} else ({t} * {points} if {t} >= {floor} else ZERO))",
    "sample_score": lambda t, n, one, record, points:
        f"({points} if ({n} := ({t} := {record})['抽查数']) == ZERO else {points} * ({one} - {t}['问题数'] / {n}))",
}


def _plain(d: Decimal) -> bool:
    """``d - 0`` is ``d`` itself: the same sign, digits and exponent (a finite decimal not above exponent 0,
    not -0).  ``ZERO`` plus finite decimals is such a decimal: its exponent is the least of theirs and 0, and
    a sum that comes to zero is +0 under ``interp.numbers.CONTEXT``'s rounding (were a sum ever rounded to the
    context's 50 digits, it has 50 digits, and subtracting 0 rounds back to the same decimal)."""
    return isinstance(d, Decimal) and d.is_finite() and int(d.as_tuple().exponent) <= 0 \
        and not (d.is_zero() and d.is_signed())


def _names_in(e) -> set:
    """Single-segment names an expression mentions (the 令 values it depends on)."""
    out: set = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Path) and len(x.segments) == 1 and x.star is None:
            out.add(x.segments[0])
        stack.extend(A.subexpressions(x))
    return out
