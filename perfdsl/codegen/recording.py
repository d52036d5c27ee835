"""The hooks that make the generator's functions record their steps: the traced scorer.

``TracedGenerator`` overrides only ``Generator``'s hooks, so the functions it writes score
exactly as the untraced ones and also append each step, as the text of ``[site, parent,
value…]``, to a list ``T`` they return: the site numbered by the plan, the values what the
interpreter puts in its sentence.  The steps come in the interpreter's order: 令 values
computed lazily on first use, with their steps nested where that happens, facts recorded once
per indicator, and the values each formula used kept for its substitution.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Optional

import attrs

from perfdsl.codegen.generator import Generator, Scope
from perfdsl.codegen.runtime import Unsupported
from perfdsl.plan import LeafPlan, Plan, slot_nodes
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A


class TracedGenerator(Generator):
    """The same functions, recording every step as ``[site, parent, value…]`` (the hooks only)."""

    traced = True

    def __init__(self, plan: Plan):
        super().__init__(plan)
        self._counter = 0
        self._numeric: dict = {}  # id(path) -> whether its value is surely a finite decimal
        # Only 增长率 (a growth from 0) or a written ∞ make an infinite decimal; elsewhere decimals go in as they are.
        self._global_infinite = any(_may_be_infinite(let) for let in plan.globals)
        self.infinite = True

    def site(self, node, role: str) -> int:
        return self.plan.site(self.where, node, role)

    def leaf_started(self, lp: LeafPlan) -> None:
        self.infinite = self._global_infinite or _may_be_infinite(lp.indicator)

    def prologue(self, indent: int) -> None:
        self.src.emit(indent, "T = []; FS = set(); C = {}; P = 0")

    def finish(self, indent: int, score: str, raw: str, status: str) -> None:
        if self.where == "grade":
            self.src.emit(indent, f"return {score}, T" if score != "None" else "return None, None")
        else:
            self.src.emit(indent, f"return {score}, {raw}, {status}, T")

    def unsupported(self, why: str) -> None:
        raise Unsupported(why)

    # ------------------------------------------------------------ 令
    def let_function(self, let: A.Let, name: str, cache: str, key: int, lets: dict, indent: int,
                     params: str) -> None:
        src = self.src
        slots = self.slots_of(let.expr)
        site = self.site(let, "value")
        src.emit(indent, f"def {name}({params}):")
        src.emit(indent + 1, "i = len(T); T.append(None); Q = i + 1")  # its parent P is where it is first used
        self.mark_unseen(slots, indent + 1)
        v = self.expr(let.expr, Scope(lets, "Q", None, slots))
        src.emit(indent + 1, f"v = {v}")
        src.emit(indent + 1, f"T[i] = f'[{site},{{P}},{{jt(v)}}{self.slots_text(slots)}]'")
        src.emit(indent + 1, f"{cache}[{key}] = v")
        src.emit(indent + 1, "return v")

    def define_lets(self, lets: list, indent: int) -> None:
        """Each 令 a function computing it on first use, so its steps nest where that happens."""
        index = {let.name: k for k, let in enumerate(lets)}
        for k, let in enumerate(lets):
            self.let_function(let, f"l{k}", "C", k, index, indent, "P")

    def define_globals(self) -> None:
        self.where = "g"
        for k, let in enumerate(self.plan.globals):
            self.let_function(let, f"g{k}", "G", k, {}, 0, "F, G, T, FS, P")
            self.src.emit(0, "")

    def let_ref(self, k: int, sc: Scope) -> str:
        return f"(C[{k}] if {k} in C else l{k}({sc.parent}))"

    def global_ref(self, k: int, sc: Scope) -> str:
        return f"(G[{k}] if {k} in G else g{k}(F, G, T, FS, {sc.parent}))"

    # ------------------------------------------------------------ facts, builtins, arms
    def fact_ref(self, p: A.Path, sc: Scope) -> str:
        segs = p.segments
        if p.star is not None:
            code = "F" + "".join(f"[{s!r}]" for s in segs[:p.star])
            site = self.site(p, "fact")
            encode = "_numbers" if self._numeric_spread(p) else "jt"
            return (f"_spread(T, FS, {sc.parent}, {site}, {p.dotted!r}, {code}, {tuple(segs[p.star:])!r}, "
                    f"{encode})")
        code = "F" + "".join(f"[{s!r}]" for s in segs)
        path = ".".join(segs)
        ty = self.plan.fact_type(segs)
        if ty is not None and ty.kind == "judged":
            return self.judged(p, repr(path), code, sc)
        if ty is None or ty.kind == "any":
            raise Unsupported(f"事实 {path} 的类型未知")
        encode = {"number": "str", "integer": "str", "rate": "str", "text": "_string", "enum": "_string",
                  "bool": "_boolean"}.get(ty.kind, "jt")
        return f"_fact(T, FS, {sc.parent}, {self.site(p, 'fact')}, {path!r}, {code}, {encode})"

    def _numeric_spread(self, p: A.Path) -> bool:
        """Whether every value ``a[*].b`` yields is a decimal read from the facts (so finite)."""
        assert p.star is not None
        ty = self.plan.fact_type(p.segments[:p.star])
        ty = ty.element if ty is not None and ty.kind in ("list", "map") else None
        for seg in p.segments[p.star:]:
            ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
        return ty is not None and ty.kind in ("number", "integer", "rate", "judged")

    def item_ref(self, p: A.Path, sc: Scope) -> str:
        assert sc.item is not None  # called only for a finding's own fields
        var, _fields, element = sc.item
        ty = element
        code = var
        for seg in p.segments:
            code = f"{code}[{seg!r}]"
            ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
        if p.star is not None:  # the interpreter records nothing for a finding's own fields
            return self.access(var, p.segments, p.star, element)
        if ty is None or ty.kind == "any":
            raise Unsupported(f"逐项扣 {self.findings} 的每项读取类型未知的 {p.dotted}")
        if ty.kind == "judged":  # the interpreter records a finding's judgement as a fact of its own, by its place
            where = f"{self.src.const(self.findings + '[')} + str(n) + {self.src.const('].' + p.dotted)}"
            return self.judged(p, where, code, sc)
        return code

    def judged(self, p: A.Path, where: str, code: str, sc: Scope) -> str:
        """A 酌情 value read: its fact (never as a percentage) and its judgement, under the path ``where`` computes."""
        return (f"_judged(T, FS, {sc.parent}, {self.site(p, 'fact')}, {self.site(p, 'judgement')}, "
                f"{where}, {code})")

    def call(self, e: A.Call, fn, args: list[str], sc: Scope) -> str:
        site = self.site(e, "builtin") if fn.explain else None
        numbers = site is not None and not self.infinite and fn.result == "number" and set(fn.arg_kinds) <= {"n", "*"}
        return f"_tcall(T, {sc.parent}, {site}, {self.src.const(fn)}, [{', '.join(args)}], {numbers})"

    def number(self, code: str) -> str:
        """A value a step writes as a number: anything else goes to the interpreter."""
        return f"_number({code})"

    def chosen(self, arm, subject: str, result: str, sc: Scope) -> str:
        site = self.site(arm, "arm")
        if isinstance(arm, A.Arm) and not self.infinite:  # a band's subject is a finite decimal here
            tail = _literal_json(arm.result)
            if tail is not None:
                return f"_armk(T, {sc.parent}, {site}, {subject}, {result}, {self.src.const(',' + tail + ']')})"
            return f"_armn(T, {sc.parent}, {site}, {subject}, {result})"
        return f"_arm(T, {sc.parent}, {site}, {subject}, {result})"

    # ------------------------------------------------------------ steps
    def record(self, indent: int, node, role: str, values: str = "") -> None:
        site = self.site(node, role)
        text = f"[{site},0{values}]"
        self.src.emit(indent, f"T.append(f'{text}')" if "{" in values else f"T.append('{text}')")

    def open_step(self, indent: int, expr) -> Optional[dict]:
        """Reserve the step (what it encloses comes after it) and make it the parent; nothing seen yet."""
        slots = self.slots_of(expr)
        self.src.emit(indent, "i = len(T); T.append(None); P = i + 1")
        self.mark_unseen(slots, indent)
        return slots

    def close_step(self, indent: int, node, role: str, values: str) -> None:
        self.src.emit(indent, f"P = 0; T[i] = f'[{self.site(node, role)},0{values}]'")

    def unseen(self, indent: int, expr) -> Optional[dict]:
        slots = self.slots_of(expr)
        self.mark_unseen(slots, indent)
        return slots

    def mark_unseen(self, slots: dict, indent: int) -> None:
        if slots:
            self.src.emit(indent, " = ".join(slots.values()) + " = UNSEEN")

    def per_finding(self, d: A.EachDeduct, isc: Scope, fields: frozenset, element: Optional[Ty]) -> None:
        if element is not None and element.kind == "record":
            self.src.emit(2, f"if it.keys() != {self.src.const(fields)}: _nomatch()  # an absent optional field")
        if d.describe is not None:
            self.src.emit(2, f"text = _described({self.expr(d.describe, isc)})")
        else:
            self.src.emit(2, "text = _finding(it)")
        if d.reason is not None:
            self.src.emit(2, f"why = _described({self.expr(d.reason, isc)})")

    # ------------------------------------------------------------ values kept for substitution
    def slots_of(self, expr) -> dict:
        """id(node) → variable for each path and conditional whose value a substitution shows."""
        out: dict = {}
        names = set(self.plan.rules.globals) | set(self._local_names())
        for x in slot_nodes(expr):
            self._counter += 1
            out[id(x)] = f"s{self._counter}"
            if isinstance(x, A.Path) and x.star is None and x.segments[0] not in names:
                ty = self.plan.fact_type(x.segments)
                self._numeric[id(x)] = ty is not None and ty.kind in ("number", "integer", "rate")
        return out

    def _local_names(self):
        if isinstance(self.where, int):
            return [let.name for let in self.plan.leaves[self.where].lets]
        return []

    def num(self, var: str) -> str:
        """A decimal's place in a step's text: as is, unless it may be infinite (then ``jt`` marks it)."""
        return f"{{jt({var})}}" if self.infinite else f"{{{var}}}"

    def slots_text(self, slots: Optional[dict]) -> str:
        """The values a formula used, as a JSON array in a step's f-string (null: not evaluated)."""
        out = []
        for key, var in (slots or {}).items():
            if self._numeric.get(key) and not self.infinite:
                out.append(f"{{NULL if {var} is UNSEEN else {var}}}")
            else:
                out.append(f"{{jt({var})}}")
        return "," + "[" + ",".join(out) + "]"


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


def _literal_json(e) -> Optional[str]:
    """The JSON text ``jt`` would write for a literal's value, made at generation time; None for anything else."""
    if isinstance(e, A.Number) and e.value.is_finite():
        return str(e.value)
    if isinstance(e, A.String):
        return encode_basestring(e.value)
    if isinstance(e, A.Boolean):
        return "true" if e.value else "false"
    return None
