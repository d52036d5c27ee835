"""How a traced scorer's values are placed in a step's text, and the text of its module made final.

Split from ``recording`` (one module per concern, each under 500 lines): ``placed`` writes a value's replacement
field in a step's f-string, ``scalar_code`` and ``literal_json`` the text ``jt`` would write for a typed value or a
literal, ``unused_kept`` drops the containers a function never names, ``may_be_infinite`` says where a decimal
may need ``jt``.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Optional

import attrs

from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A

_PROLOGUE = "\n    T = []; FS = set(); C = {}; P = '0'\n"


def unused_kept(text: str) -> str:
    """The module's text without a function's set of facts seen (``FS``) or 令 cache (``C``) if it names neither.

    Most leaves read each fact at one place (written inline, no ``FS``) and define no 令 (no ``C``); making the
    two empty containers was work on every fact set.  A name found anywhere else in the function, even inside a
    string, keeps its container.
    """
    parts = text.split(_PROLOGUE)  # each part after the first: a function's body, up to the next prologue
    out = [parts[0]]
    for body in parts[1:]:
        end = body.find("\ndef ")  # the function ends where the next one at the top level begins
        own = body if end < 0 else body[:end]
        kept = "".join(f"{name} = {made}; " for name, made in (("FS", "set()"), ("C", "{}")) if named(own, name))
        out.append(f"\n    T = []; {kept}P = '0'\n")
        out.append(body)
    return "".join(out)


def named(text: str, name: str) -> bool:
    """Whether ``name`` occurs in ``text`` as a whole name (no letter, digit or underscore beside it)."""
    at = text.find(name)
    while at >= 0:
        before, after = text[at - 1:at], text[at + len(name):at + len(name) + 1]
        if not (before.isascii() and (before.isalnum() or before == "_")) and \
                not (after.isascii() and (after.isalnum() or after == "_")):
            return True
        at = text.find(name, at + 1)
    return False


def literal_json(e) -> Optional[str]:
    """The JSON text ``jt`` would write for a literal's value, made at generation time; None for anything else."""
    if isinstance(e, A.Number) and e.value.is_finite():
        return str(e.value)
    if isinstance(e, A.String):
        return encode_basestring(e.value)
    if isinstance(e, A.Boolean):
        return "true" if e.value else "false"
    return None


def placed(encoder: str, var: str) -> str:
    """A value's replacement field in a step's f-string, written by ``encoder`` without calling it where it can be.

    ``{x!s}`` is ``str(x)`` without the call of the builtin (``{x}`` would format a decimal, far slower), and a bool
    is written by a conditional expression, as ``_boolean`` writes it, instead of a call.
    """
    if encoder == "str":
        return f"{{{var}!s}}"
    if encoder == "_boolean":
        return f'{{("true" if {var} else "false")}}'  # the steps' f-strings are in single quotes
    return f"{{{encoder}({var})}}"


_SCALAR = {"number": "str", "integer": "str", "rate": "str", "text": "_string", "enum": "_string", "bool": "_boolean"}


def scalar_code(ty: Ty, code: str) -> Optional[str]:
    """Code writing a validated value of this type as ``jt`` would: a scalar, or a list of scalars."""
    enc = _SCALAR.get(ty.kind)
    if enc is not None:
        return f"{enc}({code})"
    if ty.kind == "list" and ty.element is not None and ty.element.kind in _SCALAR:
        return f"'[' + ','.join(map({_SCALAR[ty.element.kind]}, {code})) + ']'"
    return None


def record_encoder(prelude: list, ty: Ty) -> str:
    """The name of a function writing a fact of this type as ``jt`` would, defined in ``prelude`` (else ``jt``).

    For a record (or a list of records) whose fields are all required scalars: the validator
    built each record with exactly those fields in declared order, the order ``jt`` writes.
    """
    listed = ty.kind == "list"
    record = ty.element if listed else ty
    if record is None or record.kind != "record" or not record.fields:
        return "jt"
    fmt = ""  # the record's text as one %-format: its keys written now, each value where its %s is
    values: list[str] = []
    for name, fty in record.fields.items():
        code = scalar_code(fty, f"x[{name!r}]")
        if code is None or (fty.optional and not values):  # an optional field first: its comma would move
            return "jt"
        key = (',' if values else '{') + encode_basestring(name) + ':'
        if fty.optional:  # the validator leaves an absent optional field out of the record, as jt then writes it
            fmt += "%s"
            values.append(f"({key!r} + {code} if {name!r} in x else '')")
        else:
            fmt += key.replace("%", "%%") + "%s"
            values.append(f"x[{name!r}]" if code == f"str(x[{name!r}])" else code)  # %s of a decimal is its str
    fn = f"enc{len(prelude)}"
    text = f"{fmt + '}'!r} % ({', '.join(values)},)"
    prelude.append(f"def {fn}(v): return '[%s]' % ','.join([{text} for x in v])" if listed
                   else f"def {fn}(x): return {text}")
    return fn


def may_be_infinite(node) -> bool:
    """Whether an AST node calls a builtin that can return an infinite decimal, or writes ∞."""
    if isinstance(node, A.Call) and node.function in ("growth", "增长率"):
        return True
    if isinstance(node, A.Number):
        return not node.value.is_finite()
    if isinstance(node, (list, tuple)):
        return any(may_be_infinite(x) for x in node)
    return any(may_be_infinite(getattr(node, name)) for name in _field_names(type(node)))


_FIELDS: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """An AST class's fields (none for anything else): looked up once per class, not at every node."""
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in attrs.fields(cls)) if attrs.has(cls) else ()
    return names
