"""The facts check of the fast path, generated as straight-line code from the declared types."""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Callable, Optional

from perfdsl.codegen.generator import Expressions, Scope, Source
from perfdsl.codegen.runtime import checked_date
from perfdsl.ruleset.rates import rate_ceiling
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A


def compile_condition(expr, fields: frozenset, element: Optional[Ty]) -> Callable:
    """A record's 要求 as a function of the record, for the fast facts validator."""
    writer = Expressions(Ty("record"))
    body = writer.expr(expr, Scope({}, item=("it", fields, element)))
    writer.src.emit(0, "def condition(it):")
    writer.src.emit(1, f"return {body}")
    return writer.src.run("compiled requirement")["condition"]


def compile_validator(root: Ty, invalid: type, in_place: bool = False) -> Callable:
    return _compile(root, invalid, in_place)["check"]


def compile_owned_validators(root: Ty, invalid: type) -> tuple[Callable, Callable]:
    """The in-place facts check, and the same check that also counts the entries of the dicts it was given.

    ``counted(facts)`` returns (converted facts, entries): the sum of ``len(d)`` over every dict it
    checked (records, judgements, maps), each counted once, before any conversion.  Every dict of
    the facts is checked unless a field's type is unresolved (``any``, not walked): then the count
    is smaller than the entries there are, never larger.  ``facts.no_duplicate_keys`` uses it.
    """
    namespace = _compile(root, invalid, True)
    return namespace["check"], namespace["counted"]


def compile_counted_validator(root: Ty, invalid: type) -> Callable:
    """The copying facts check (records rebuilt in declared order, as traced lines write them) that also counts.

    ``counted(facts)`` returns (new facts, entries), the entries counted as by ``compile_owned_validators``:
    the compact-trace batch proves the absence of duplicate keys the same way.
    """
    return _compile(root, invalid, False, counting=True)["counted"]


def _compile(root: Ty, invalid: type, in_place: bool, counting: Optional[bool] = None) -> dict:
    """The facts check of the fast path, generated as straight-line code from the declared types.

    It accepts exactly what the full validator accepts without errors or warnings, converting
    the same way (judgements to ``Judged``); anything else raises ``invalid`` and the full
    validator reports it.  It returns new records with their fields in declared order (traces
    write records in that order); ``in_place`` converts the records it is given instead, for
    the untraced batch, which owns its freshly parsed facts and never writes a record out.
    ``counting`` (by default as ``in_place``): count the entries of the dicts checked (``counted``).
    """
    counting = in_place if counting is None else counting
    src = Source()
    functions: list[list[str]] = []
    counter = [0]

    def new_function(ty: Ty) -> str:
        counter[0] += 1
        name = f"v{counter[0]}"
        body: list[str] = []
        functions.append(body)
        body.append(f"def {name}(x, c):")  # c: [entries of the dicts checked so far]
        value_code(ty, "x", "r", body, 1, False)
        body.append("    return r")
        return name

    def range_checks(ty: Ty, var: str, body: list, indent: int) -> None:
        pad = "    " * indent
        decl = ty.decl
        if decl is None:
            return
        iv = decl.interval
        literal = A.DateLit if ty.kind == "date" else A.Number  # the bounds the full validator reads (facts._in)
        if iv is not None:
            if isinstance(iv.low, literal):
                body.append(f"{pad}if {var} {'<' if iv.low_closed else '<='} {src.const(iv.low.value)}: raise Invalid")
            if isinstance(iv.high, literal):
                above = ">" if iv.high_closed else ">="
                body.append(f"{pad}if {var} {above} {src.const(iv.high.value)}: raise Invalid")
        if decl.one_of:
            allowed = src.const(frozenset(decl.one_of))
            body.append(f"{pad}if {var} not in {allowed}: raise Invalid")

    def value_code(ty: Ty, var: str, out: str, body: list, indent: int, held: bool) -> None:
        """Check ``var`` and put what it converts to in ``out`` (``held``: ``out`` is where ``var`` came from)."""
        pad = "    " * indent
        kind = ty.kind
        keep = "" if held else f"{pad}{out} = {var}"  # an unconverted value left where it is
        if kind in ("number", "rate", "integer"):
            body.append(f"{pad}if type({var}) is not Decimal: raise Invalid")
            if kind == "integer":
                body.append(f"{pad}if {var} != {var}.to_integral_value(): raise Invalid")
            if kind == "rate" and rate_ceiling(ty.decl) is not None:
                one = src.const(Decimal(1))  # not the int 1: no Decimal made from it at every comparison
                body.append(f"{pad}if {var} > {one}: raise Invalid")  # above 100%: F021, said by the full validator
            range_checks(ty, var, body, indent)
            body.append(keep)
        elif kind == "bool":
            body.append(f"{pad}if {var} is not True and {var} is not False: raise Invalid")
            body.append(keep)
        elif kind == "text":
            body.append(f"{pad}if type({var}) is not str: raise Invalid")
            range_checks(ty, var, body, indent)
            body.append(keep)
        elif kind == "date":
            body.append(f"{pad}if type({var}) is not str: raise Invalid")
            body.append(f"{pad}day = as_date({var})")
            range_checks(ty, "day", body, indent)
            body.append(f"{pad}{out} = day")
        elif kind == "enum":
            allowed = src.const(frozenset(ty.enum_values))
            body.append(f"{pad}if type({var}) is not str or {var} not in {allowed}: raise Invalid")
            body.append(keep)
        elif kind == "judged":
            field = ty.judged_field
            # two entries, and both of these keys read below as present (not None): no other key
            body.append(f"{pad}if type({var}) is not dict or len({var}) != 2: raise Invalid")
            if counting:
                body.append(f"{pad}c[0] += len({var})")
            body.append(f"{pad}j = {var}.get({field!r}); why = {var}.get('理由')")
            body.append(f"{pad}if type(j) is not Decimal or type(why) is not str or not why.strip(): raise Invalid")
            range_checks(ty, "j", body, indent)
            body.append(f"{pad}{out} = Judged({field!r}, j, why)")
        elif kind == "list":
            assert ty.element is not None  # a list type always has its element type
            element = new_function(ty.element)
            body.append(f"{pad}if type({var}) is not list: raise Invalid")
            if held and in_place and ty.element.kind == "record":  # records are checked where they are
                body.append(f"{pad}for e in {var}: {element}(e, c)")
            else:
                body.append(f"{pad}{out} = [{element}(e, c) for e in {var}]")
        elif kind == "map":
            assert ty.element is not None
            element = new_function(ty.element)
            body.append(f"{pad}if type({var}) is not dict: raise Invalid")
            if counting:
                body.append(f"{pad}c[0] += len({var})")
            if held and in_place and ty.element.kind == "record":
                body.append(f"{pad}for e in {var}.values(): {element}(e, c)")
            else:
                body.append(f"{pad}{out} = {{k: {element}(e, c) for k, e in {var}.items()}}")
        elif kind == "record":
            rec = var if in_place else src.temp()
            body.append(f"{pad}if type({var}) is not dict: raise Invalid")
            if counting:
                body.append(f"{pad}c[0] += len({var})")
            if not in_place:
                body.append(f"{pad}{rec} = {{}}")
            for name, fty in ty.fields.items():
                item = src.temp()
                if fty.optional:
                    body.append(f"{pad}{item} = {var}.get({name!r})")
                else:  # absent: KeyError, a fast-path miss as Invalid is (a subscript is cheaper than .get)
                    body.append(f"{pad}{item} = {var}[{name!r}]")
                if fty.optional:
                    body.append(f"{pad}if {item} is not None:")
                    value_code(fty, item, f"{rec}[{name!r}]", body, indent + 1, in_place)
                    if in_place:  # given as null: taken out, as the copy and the full validator leave it out
                        body.append(f"{pad}elif {name!r} in {var}: del {var}[{name!r}]")
                else:
                    if fty.kind == "any":  # every other kind's own check turns None (JSON null) away
                        body.append(f"{pad}if {item} is None: raise Invalid")
                    value_code(fty, item, f"{rec}[{name!r}]", body, indent, in_place)
            # No key but the declared ones: with every required field read (an absent one raised KeyError),
            # the dict holds exactly those and the optional ones present, or it holds another key too.
            required = sum(1 for fty in ty.fields.values() if not fty.optional)
            present = "".join(f" + ({name!r} in {var})" for name, fty in ty.fields.items() if fty.optional)
            body.append(f"{pad}if len({var}) != {required}{present}: raise Invalid")
            for req in ty.requires:
                condition = src.const(compile_condition(req.condition, frozenset(ty.fields), ty))
                body.append(f"{pad}if {condition}({rec}) is not True: raise Invalid")
            if rec != out and not held:  # held in place: ``out`` already holds this very dict
                body.append(f"{pad}{out} = {rec}")
        else:  # "any": an unresolved type; the checker has reported it
            body.append(keep)

    entry = new_function(root)
    functions.append(["def check(x):", f"    return {entry}(x, [0])",
                      "def counted(x):", "    c = [0]", f"    r = {entry}(x, c)", "    return r, c[0]"])
    source = "\n".join(line for body in functions for line in body if line)
    src.consts["Invalid"] = invalid

    src.consts["as_date"] = functools.partial(checked_date, invalid)  # module-level: the program pickles
    return src.run("compiled facts check", source)
