"""The hooks that make the generator's functions record their steps: the traced scorer.

``TracedGenerator`` overrides only ``Generator``'s hooks, so the functions it writes score
exactly as the untraced ones and also append each step, as the text of ``[site, parent,
value…]``, to a list ``T`` they return: the site numbered by the plan, the values what the
interpreter puts in its sentence.  The steps come in the interpreter's order: 令 values
computed lazily on first use, with their steps nested where that happens, facts recorded once
per indicator, and the values each formula used kept for its substitution.
"""

from __future__ import annotations

import re
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Optional

from perfdsl.codegen.generator import CONSTANT, INLINE, Generator, Scope
from perfdsl.codegen.record_order import holds_record, may_hold_record, named_by_a_text, naming_field, path_type
from perfdsl.codegen.runtime import FAST_BUILTINS, Unsupported
from perfdsl.codegen.step_text import literal_json, may_be_infinite, placed, record_encoder, unused_kept
from perfdsl.codegen.value_kinds import fact_kind, kind_of
from perfdsl.interp.builtins import EXISTS_NAMES
from perfdsl.plan import LeafPlan, Plan, slot_nodes
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A


class TracedGenerator(Generator):
    """The same functions, recording every step as ``[site, parent, value…]`` (the hooks only)."""

    traced = True

    def __init__(self, plan: Plan):
        super().__init__(plan)
        self._counter = 0
        self._slot_kind: dict = {}  # id(node) -> what its kept value surely is (``kind_of``)
        self._slot_encoder: dict = {}  # id(node) -> the encoder made for a kept record's (or list's) type
        self._item: Optional[tuple] = None  # inside 逐项扣: (the finding's fields, its type)
        self._subject: Optional[str] = None  # ``kind_of`` the subject of the band or 查表 being written
        # Only 增长率 (a growth from 0) or a written ∞ make an infinite decimal; elsewhere decimals go in as they are.
        self._global_infinite = any(may_be_infinite(let) for let in plan.globals)
        self.infinite = True
        self._reads: dict = {}  # (scope, fact path) -> the places that may read it (a place in a loop counts 2)
        self._fact_reads: list = []  # (scope, path, the helper's call, inline, inline keeping its text in a name)
        self._read_of: dict = {}  # id(path node) -> (its read's index, scope), None if generated twice
        self._reuses: list = []  # (read index, the field writing the kept text, the field writing the value again)
        self._penalty = False  # the leaf being written is a 减分项 (its score changes after its text is made)
        self._stepped: object = None  # the expression of the step open now; "sv" once its value's text is kept in sv
        self._slot_node: dict = {}  # id(node) -> the node (its fact read's text may be written again)
        self._slot_record: dict = {}  # id(node) -> whether a kept value written by ``jt`` can hold a record
        # no writer that walks a dict's keys (``jt``, ``finding_text``, ``str``) is ever handed a record: the facts'
        # key order reaches no byte (``record_order``), so compact lines may check their facts in place
        self.order_free = True

    def generic(self, may_hold: bool) -> None:
        """A generic writer is handed a value here: if it can be a record, the facts must come in declared order."""
        if may_hold:
            self.order_free = False

    def site(self, node, role: str) -> int:
        return self.plan.site(self.where, node, role)

    def opening(self, node, role: str) -> str:
        """The text that opens a step at this site, ``'[24,'``, as a literal for a recording helper."""
        return repr(f"[{self.site(node, role)},")

    def leaf_started(self, lp: LeafPlan) -> None:
        self.infinite = self._global_infinite or may_be_infinite(lp.indicator)
        self._item = None
        self._penalty = bool(lp.indicator.penalty)

    # ------------------------------------------------------------ what a value surely is (its encoder)
    def kind_of(self, e, seen: frozenset = frozenset()) -> Optional[str]:
        """"decimal" (finite) or "bool" when the value of ``e`` surely is one, else None (``value_kinds``)."""
        return kind_of(self, e, seen)

    def surely_bool(self, e) -> bool:
        return self.kind_of(e) == "bool"

    def encoded(self, var: str, kind: Optional[str]) -> str:
        """A value's place in a step's f-string: as it is, ``_boolean`` or the generic ``jt``.

        Where a value may be infinite (``self.infinite``), ``kind_of`` says "decimal" only of a fact, a finite
        literal or a 令 naming one: finite all the same, written as it is.
        """
        if kind == "decimal":
            return placed("str", var)
        return placed("_boolean" if kind == "bool" else "jt", var)

    def expr(self, e, sc: Scope) -> str:
        if isinstance(e, (A.Band, A.Match)):  # what its arms' steps write the subject as (``chosen``)
            outer, self._subject = self._subject, self.kind_of(e.subject)
            try:
                return super().expr(e, sc)
            finally:
                self._subject = outer
        code = super().expr(e, sc)
        if isinstance(e, A.Call) and e.function in EXISTS_NAMES and e.args and id(e.args[0]) in self._read_of:
            self._read_of[id(e.args[0])] = None  # 存在(…) reads in a lambda: a name bound there stays there
        return code

    def grade(self) -> None:
        self.where = "grade"  # the grade's value is written by ``jt`` and made into text by ``str``
        system = self.plan.rules.system
        self.generic(system is not None and any(may_hold_record(self, arm.result) for arm in system.grades))
        super().grade()

    def prologue(self, indent: int) -> None:
        self.src.emit(indent, "T = []; FS = set(); C = {}; P = '0'")  # a parent is kept as its text

    def finish(self, indent: int, score: str, raw: str, status: str) -> None:
        """A leaf returns its steps too, and its score's text when it has made it (``ss``: the document reuses it)."""
        if self.where == "grade":
            self.src.emit(indent, f"return {score}, T" if score != "None" else "return None, None")
        else:
            shown = "ss" if score == "score" and not self._penalty else "None"
            self.src.emit(indent, f"return {score}, {raw}, {status}, T, {shown}")

    def unsupported(self, why: str) -> None:
        raise Unsupported(why)

    def fact_read(self, path: str, call: str, inline: Optional[str] = None, kept: Optional[str] = None,
                  node=None) -> str:
        """A read of a fact that records it once per indicator: ``call`` checks the facts seen (``FS``) first.

        Written where the read goes is a marker; ``final_source`` puts ``inline`` in its place, which
        records without the check and the call, when this is the indicator's only place reading the path,
        outside a loop and outside shared 令 (so it runs at most once per indicator and is surely first).
        """
        key = (self.where, path)
        self._reads[key] = self._reads.get(key, 0) + (2 if self._item is not None else 1)
        if inline is None:
            return call
        self._fact_reads.append((key, call, inline, kept))
        if node is not None and kept is not None:
            self._read_of[id(node)] = (len(self._fact_reads) - 1, self.where) if id(node) not in self._read_of else None
        return f"\x00{len(self._fact_reads) - 1}\x00"  # no generated text holds a NUL (strings go through repr)

    def reused(self, e, kept: str, again: str) -> str:
        """A replacement field writing the value of ``e`` once more: ``kept`` (the text its inline fact read made
        and kept in a name) when ``e`` is such a read, else ``again`` (the value written anew)."""
        read = self._read_of.get(id(e)) if isinstance(e, A.Path) else None
        if read is None or read[1] != self.where:
            return again
        self._reuses.append((read[0], kept.replace("\x02", f"xt{read[0]}"), again))
        return f"\x01{len(self._reuses) - 1}\x01"

    def final_source(self) -> Optional[str]:
        shared = {path for where, path in self._reads if where == "g"}  # recorded into the calling indicator's FS
        inline = [self._reads[key] == 1 and key[1] not in shared for key, _call, _text, _kept in self._fact_reads]
        used = {k for k, _kept, _again in self._reuses if inline[k]}  # reads whose text is written again
        texts = [(kept.replace("\x02", f"xt{k}") if k in used else text) if inline[k] else call
                 for k, (_key, call, text, kept) in enumerate(self._fact_reads)]
        again = [kept if inline[k] else field for k, kept, field in self._reuses]
        source = _MARK.sub(lambda m: texts[int(m.group(1))], "\n".join(self.src.prelude + self.src.lines))
        return unused_kept(_AGAIN.sub(lambda m: again[int(m.group(1))], source))

    # ------------------------------------------------------------ 令
    def let_function(self, let: A.Let, name: str, cache: str, key: int, lets: dict, indent: int,
                     params: str) -> None:
        src = self.src
        slots = self.slots_of(let.expr)
        site = self.site(let, "value")
        src.emit(indent, f"def {name}({params}):")
        src.emit(indent + 1, f"i = len(T); T.append(None); Q = {_PARENT}")  # its parent P is where it is first used
        self.mark_unseen(slots, indent + 1)
        outer, self._stepped = self._stepped, let.expr  # a 令 that is one recorded builtin: its step makes ``sv``
        v = self.expr(let.expr, Scope(lets, "Q", None, slots))
        made, self._stepped = self._stepped == "sv", outer
        src.emit(indent + 1, f"v = {v}")
        value = self.encoded("v", self.kind_of(let.expr))
        self.generic("jt(" in value and may_hold_record(self, let.expr))
        if made:  # the builtin's result is ``v`` itself, written by the same encoder (``jt`` and ``str`` agree)
            value = "{sv}"
        elif value == placed("str", "v"):  # 令 x = a fact: the text its read made
            value = self.reused(let.expr, "{\x02}", value)
        src.emit(indent + 1, f"T[i] = f'[{site},{{P}},{value}{self.slots_text(slots)}]'")
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
            site = self.opening(p, "fact")
            encode = "_numbers" if self._numeric_spread(p) else "jt"
            self.generic(encode == "jt" and holds_record(path_type(self.plan.facts_ty, p)))
            return self.fact_read(p.dotted, f"_spread(T, FS, {sc.parent}, {site}, {p.dotted!r}, {code}, "
                                            f"{tuple(segs[p.star:])!r}, {encode})")
        code = "F" + "".join(f"[{s!r}]" for s in segs)
        path = ".".join(segs)
        ty = self.plan.fact_type(segs)
        if ty is not None and ty.kind == "judged":
            return self.judged(p, repr(path), code, sc)
        if ty is None or ty.kind == "any":
            raise Unsupported(f"事实 {path} 的类型未知")
        site, t = self.opening(p, "fact"), self.src.temp()
        # read, recorded, and the value itself: a checked fact is never None, so ``is None or`` only orders the two
        opened, closed = f"(({t} := {code}) is None or T.append(f'{site[1:-1]}{{{sc.parent}}},", f"]') or {t})"
        if ty.kind in ("number", "integer", "rate"):  # a decimal from the facts: finite, written as it is
            # kept: its text in a name (\x02, numbered by ``final_source``) when a step writes the value again
            return self.fact_read(path, f"_factd(T, FS, {sc.parent}, {site}, {path!r}, {code})",
                                  f"{opened}{placed('str', t)}{closed}",
                                  f'{opened}{{(\x02 := f"{{{t}!s}}")}}{closed}', p)
        encode = {"text": "_string", "enum": "_string", "bool": "_boolean"}.get(ty.kind) or self.encoder(ty)
        self.generic(encode == "jt" and holds_record(ty))
        kept = f"{opened}{{(\x02 := {encode}({t}))}}{closed}" if encode.startswith("enc") else None
        return self.fact_read(path, f"_fact(T, FS, {sc.parent}, {site}, {path!r}, {code}, {encode})",
                              f"{opened}{placed(encode, t)}{closed}", kept, p)

    def value_encoder(self, e) -> Optional[str]:
        """A function writing the value of ``e`` as ``jt`` would, when its type is sure; else None."""
        kind = self.kind_of(e)
        if kind == "decimal":  # finite (``encoded``)
            return "str"
        if kind == "bool":
            return "_boolean"
        if isinstance(e, A.Path) and e.star is not None and self._item is None and self._numeric_spread(e):
            return "_numbers"
        if isinstance(e, A.Path) and e.star is None and kind is None and self._item is None \
                and not (len(e.segments) == 1 and any(let.name == e.segments[0] for let in self._lets())):
            ty = self.plan.fact_type(e.segments)
            if ty is not None and ty.kind in ("text", "enum"):
                return "_string"
            if ty is not None and ty.kind in ("record", "list"):
                enc = self.encoder(ty)
                return None if enc == "jt" else enc
        return None

    def _lets(self) -> list:
        lets = self.plan.leaves[self.where].lets if isinstance(self.where, int) else []
        return [*lets, *self.plan.globals]

    def encoder(self, ty: Ty) -> str:
        """The name of a function writing a fact of this type as ``jt`` would, made for the type (else ``jt``)."""
        return record_encoder(self.src.prelude, ty)

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
        return self.fact_read(where, f"_judged(T, FS, {sc.parent}, {self.opening(p, 'fact')}, "
                                     f"{self.opening(p, 'judgement')}, {where}, {code})")

    def call(self, e: A.Call, fn, args: list[str], sc: Scope) -> str:
        site = self.opening(e, "builtin") if fn.explain else None
        numbers = site is not None and not self.infinite and fn.result == "number" and set(fn.arg_kinds) <= {"n", "*"}
        listed = fn.arg_kinds == "l" and self.value_encoder(e.args[0]) == "_numbers"  # a list of finite decimals
        fast = FAST_BUILTINS.get(fn.name) if set(fn.arg_kinds) <= {"n", "*", "r"} or listed else None
        if fast is not None and (site is None or numbers):  # the untraced scorer's lean version, no list of args
            name = f"B_{fn.name}"
            self.src.consts[name] = fast
            if site is None:
                return f"{name}({', '.join(args)})"
            return self.recorded_call(name, site, e.args, args, ["str"] * len(args), sc, e)
        encoders = [enc for enc in map(self.value_encoder, e.args) if enc is not None]
        if site is not None and fn.result == "number" and len(encoders) == len(e.args):  # each by its encoder
            if fast is None:  # the builtin itself (its result, if it may be infinite, written by ``jt``)
                return self.recorded_call(f"_call({self.src.const(fn)}, ", site, e.args, args, encoders, sc, e,
                                          result="str" if numbers else "jt")
            name = f"B_{fn.name}"  # finite arguments: a finite result
            self.src.consts[name] = fast
            return self.recorded_call(name, site, e.args, args, encoders, sc, e)
        self.generic(may_hold_record(self, e) or any(may_hold_record(self, a) for a in e.args))
        return f"_tcall(T, {sc.parent}, {site}, {self.src.const(fn)}, [{', '.join(args)}], {numbers})"

    def recorded_call(self, name: str, site: str, exprs, args: list[str], encoders: list[str], sc: Scope,
                      call=None, result: str = "str") -> str:
        """A lean builtin whose result is a finite decimal, its step written where it is called (no helper).

        Each argument is kept in a temporary and written by its encoder; a number written in the rules is
        written as the text made now.  The arguments' own steps come first, then the call, then its step.
        ``name`` ``_call(K, ``: the builtin itself, through ``_call`` with its arguments as a tuple, and its result
        written by ``result`` (``jt``: it may be infinite), exactly as ``runtime.traced_call`` writes them.
        """
        values, texts = [], []
        for e, code, enc in zip(exprs, args, encoders, strict=True):
            if isinstance(e, A.Number) and e.value.is_finite() and enc == "str":
                values.append(code)
                texts.append(str(e.value))  # digits, a point, an exponent: nothing an f-string reads
            else:
                t = self.src.temp()
                values.append(f"({t} := {code})")
                texts.append(self.reused(e, "{\x02}", placed(enc, t)) if enc == "str" or enc.startswith("enc")
                             else placed(enc, t))
        r = self.src.temp()
        kept = f'f"{{{r}!s}}"' if result == "str" else f"{result}({r})"
        result = placed(result, r)
        if call is not None and call is self._stepped:  # a 子项's or 令's whole formula: its value's text kept in sv
            result, self._stepped = f"{{(sv := {kept})}}", "sv"
        text = f"{site[1:-1]}{{{sc.parent}}},[{','.join(texts)}],{result}]"
        inline = INLINE.get(name[2:])  # written out as the untraced scorer writes it: the same expression, no call
        made = inline(self.src.temp(), self.src.temp(), self.src.const(Decimal(1)), *values) \
            if inline is not None and all(CONSTANT.fullmatch(v) for v in values[1:]) else \
            f"{name}({', '.join(values)},))" if name.startswith("_call(") else f"{name}({', '.join(values)})"
        return f"(({r} := {made}), T.append(f'{text}'))[0]"

    def number(self, code: str, expr=None) -> str:
        """A value a step writes as a number: anything else goes to the interpreter (unless surely a decimal)."""
        return code if expr is not None and self.kind_of(expr) == "decimal" else f"_number({code})"

    def chosen(self, arm, subject: str, result: str, sc: Scope) -> str:
        site = self.opening(arm, "arm")
        # the subject matched: equal to a case's key, or compared with an interval's ends (never a record)
        self.generic(literal_json(arm.result) is None and may_hold_record(self, arm.result))
        tail = literal_json(arm.result)
        opened = f"(T.append(f'{site[1:-1]}{{{sc.parent}}}"  # a step written here, then (None or) the literal result
        if isinstance(arm, A.Arm) and not self.infinite:  # a band's subject is a finite decimal here
            if tail is not None and self._subject == "decimal":  # surely not a date: ``_armk`` written out
                return f"{opened},{{{subject}!s}}{{{self.src.const(',' + tail + ']')}}}') or {result})"
            if tail is not None:
                return f"_armk(T, {sc.parent}, {site}, {subject}, {result}, {self.src.const(',' + tail + ']')})"
            return f"_armn(T, {sc.parent}, {site}, {subject}, {result})"
        if isinstance(arm, A.Case) and isinstance(arm.key, str) and tail is not None:  # the subject is this text
            return f"{opened}{{{self.src.const(',' + encode_basestring(arm.key) + ',' + tail + ']')}}}') or {result})"
        return f"_arm(T, {sc.parent}, {site}, {subject}, {result})"

    # ------------------------------------------------------------ steps
    def record(self, indent: int, node, role: str, values: str = "") -> None:
        site = self.site(node, role)
        text = f"[{site},0{values}]"
        self.src.emit(indent, f"T.append(f'{text}')" if "{" in values else f"T.append('{text}')")

    def open_step(self, indent: int, expr) -> Optional[dict]:
        """Reserve the step (what it encloses comes after it) and make it the parent; nothing seen yet."""
        slots = self.slots_of(expr)
        self._stepped = expr
        self.src.emit(indent, f"i = len(T); T.append(None); P = {_PARENT}")
        self.mark_unseen(slots, indent)
        return slots

    def close_step(self, indent: int, node, role: str, values: str) -> None:
        self.src.emit(indent, f"P = '0'; T[i] = f'[{self.site(node, role)},0{values}]'")

    def unseen(self, indent: int, expr) -> Optional[dict]:
        slots = self.slots_of(expr)
        self.mark_unseen(slots, indent)
        return slots

    def mark_unseen(self, slots: dict, indent: int) -> None:
        if slots:
            self.src.emit(indent, " = ".join(slots.values()) + " = UNSEEN")

    def per_finding(self, d: A.EachDeduct, isc: Scope, fields: frozenset, element: Optional[Ty]) -> None:
        self._item = (fields, element)
        if element is not None and element.kind == "record":
            self.src.emit(2, f"if it.keys() != {self.src.const(fields)}: _nomatch()  # an absent optional field")
        if d.describe is not None:  # words by ``shown``, which writes any record as {…}
            self.src.emit(2, f"text = _described({self.expr(d.describe, isc)})")
        else:
            self.generic(not named_by_a_text(element))
            field = naming_field(element)  # the words ``finding_text`` would pick, read without the call
            read = "_finding(it)" if field is None else f"it[{field!r}]" if field else "it"
            self.src.emit(2, f"text = {read}")
        if d.reason is not None:
            self.src.emit(2, f"why = _described({self.expr(d.reason, isc)})")

    # ------------------------------------------------------------ values kept for substitution
    def slots_of(self, expr) -> dict:
        """id(node) → variable for each path and conditional whose value a substitution shows."""
        out: dict = {}
        for x in slot_nodes(expr):
            self._counter += 1
            out[id(x)] = f"s{self._counter}"
            # a conditional's slot keeps the value of its condition (``Expressions.expr``)
            self._slot_kind[id(x)] = self.kind_of(x.condition if isinstance(x, A.Conditional) else x)
            if self._slot_kind[id(x)] is None and isinstance(x, A.Path):
                encoder = self.value_encoder(x)  # a fact of a record type: its own encoder, not ``jt``
                if encoder is not None:
                    self._slot_encoder[id(x)] = encoder
            self._slot_record[id(x)] = may_hold_record(self, x.condition if isinstance(x, A.Conditional) else x)
            self._slot_node[id(x)] = x
        return out

    def num(self, var: str) -> str:
        """A decimal's place in a step's text: as is, unless it may be infinite (then ``jt`` marks it)."""
        return placed("jt" if self.infinite else "str", var)

    def clamped_text(self, value: str, clamped: str) -> str:
        """Unless clamped, the clamped value is the value itself (the same object): its text is made once."""
        if self.infinite and (self._stepped == "sv" or self.kind_of(self._stepped) != "decimal"):
            return super().clamped_text(value, clamped)
        made = self._stepped == "sv"  # the formula was one lean builtin: its step made the text of this value
        first = "{sv}" if made else self.reused(self._stepped, "{(sv := \x02)}", f"{{(sv := str({value}))}}")
        return f",{first},{{sv if {clamped} is {value} else str({clamped})}}"

    def field_text(self, var: str, record: Optional[Ty], field: str) -> str:
        ty = record.fields.get(field) if record is not None and record.kind == "record" else None
        if ty is not None and ty.kind in ("text", "enum"):
            return f"{{_string({var})}}"
        text = self.encoded(var, fact_kind(ty) if ty is None or ty.kind != "judged" else None)
        self.generic("jt(" in text and holds_record(ty))
        return text

    def slots_text(self, slots: Optional[dict]) -> str:
        """The values a formula used, as a JSON array in a step's f-string (null: not evaluated)."""
        out = []
        for key, var in (slots or {}).items():
            kind = self._slot_kind.get(key)
            if kind == "decimal":  # finite (``encoded``); NULL is the text null: str keeps it
                out.append(self.reused(self._slot_node[key], f"{{NULL if {var} is UNSEEN else \x02}}",
                                       f"{{(NULL if {var} is UNSEEN else {var})!s}}"))
            elif kind == "bool":
                out.append(f"{{NULL if {var} is UNSEEN else {placed('_boolean', var)[1:-1]}}}")
            elif key in self._slot_encoder:
                out.append(self.reused(self._slot_node[key], f"{{NULL if {var} is UNSEEN else \x02}}",
                                       f"{{NULL if {var} is UNSEEN else {self._slot_encoder[key]}({var})}}"))
            else:
                self.generic(self._slot_record.get(key, True))
                out.append(f"{{jt({var})}}")
        return "," + "[" + ",".join(out) + "]"


# a parent step's number as text: from the table of the first ones (``runtime.PARENTS``), else made
_PARENT = "PARENTS[i] if i < 64 else f'{i + 1}'"
_MARK = re.compile("\x00([0-9]+)\x00")
_AGAIN = re.compile("\x01([0-9]+)\x01")
