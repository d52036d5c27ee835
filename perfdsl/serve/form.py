"""The facts form: the declared fact types (``事实 { … }``) described as JSON for the page to draw.

Each field: ``name``, ``path`` (dotted), ``kind`` (number integer rate bool text enum judged record list map
any), ``optional``, ``unit`` and ``hint`` in the words of the fill-in workbook, ``values`` for an enum,
``fields`` for a record, ``element`` for a list or a map, ``judged_field`` (得分/扣分) for 酌情 facts, ``line``
and ``file`` of the declaration, and ``readers``: the leaf indicators reading it.
"""

from __future__ import annotations

from perfdsl.ruleset.types import Ty
from perfdsl.workbook.layout import describe, readers, readers_of, unit

MAX_DEPTH = 12


def form(checked) -> list[dict]:
    table = readers(checked.rules)
    return _fields(checked.facts_type, "", table, 0)


def _fields(ty: Ty, prefix: str, table, depth: int) -> list[dict]:
    out = []
    for name, fty in ty.fields.items():
        path = f"{prefix}.{name}" if prefix else name
        item = _describe(fty, name, path, table, depth)
        span = ty.field_spans.get(name)
        if span is not None:
            item["file"], item["line"] = span.file, span.line
        out.append(item)
    return out


def _describe(ty: Ty, name: str, path: str, table, depth: int) -> dict:
    item: dict = {"name": name, "path": path, "kind": ty.kind, "optional": ty.optional}
    if ty.kind not in ("record", "list", "map"):
        item["unit"] = unit(ty)
        item["hint"] = describe(ty)
    if ty.kind == "enum":
        item["values"] = list(ty.enum_values)
    if ty.kind == "judged":
        item["judged_field"] = ty.judged_field
    if ty.decl is not None and ty.decl.one_of and ty.kind in ("number", "integer", "rate"):
        item["values"] = [str(v) for v in ty.decl.one_of]
    if depth < MAX_DEPTH:
        if ty.kind == "record":
            item["fields"] = _fields(ty, path, table, depth + 1)
        elif ty.kind in ("list", "map") and ty.element is not None:
            item["element"] = _describe(ty.element, "", path + "[]", table, depth + 1)
    if path and not path.endswith("[]"):
        item["readers"] = [ind for ind, _ in readers_of(path, table)]
    return item
