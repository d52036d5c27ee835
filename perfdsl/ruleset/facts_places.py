"""Where each fact stands in the facts file, so that a facts error points at the line being edited.

The validator knows a fact by its path (``预算执行.预算执行数``) and its declaration in the rules; the person
fixing it is editing the facts file.  ``relocate`` moves such a diagnostic's place to the value in the facts
file (``facts.json:12:20``, or for a line of a batch ``batch.jsonl:41:233``), so the excerpt and caret show
that line, and keeps the declaration as a note (``= 注：rules/01-事实.perf:8:3``).  A fact set given as a
dict (the library, the workbench form) has no file: its diagnostics keep the declaration as their place.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, Optional

import attrs

from perfdsl.diagnostics import Diagnostic, Note
from perfdsl.ruleset.loader import SourceFile
from perfdsl.syntax.ast import Span

# the facts errors that name a fact: they point at it in the file (F002/F003 carry their place already)
RELOCATED = frozenset(("F007", "F010", "F011", "F012", "F013", "F014", "F015", "F016", "F017", "F018", "F019",
                       "F020", "F021"))
# the fact is not in the file: point at the object it belongs in
MISSING = frozenset(("F013", "F016", "F017"))
TOP = "（顶层）"

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r'"(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null', re.DOTALL)


@attrs.define
class Place:
    """A value's place in the text: its key's start (-1 in a list or at the top), its start and end."""

    key: int
    start: int
    end: int


def places(text: str) -> dict[str, Place]:
    """Every value of a valid JSON text by its fact path (as the validator writes it; "" for the top level).

    Iterative, one pass; only called for a fact set that has an error.
    """
    out: dict[str, Place] = {}
    stack: list[list] = []  # per open container: [is object, its path, current key or index, key position]
    expect_key = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\ufeff:":
            i += 1
            continue
        if c == ",":
            top = stack[-1]
            if top[0]:
                expect_key = True
            else:
                top[2] += 1
            i += 1
            continue
        if c in "}]":
            out[stack.pop()[1]].end = i + 1
            expect_key = False
            i += 1
            continue
        if expect_key:
            m = _STRING.match(text, i)
            if m is None:
                return out  # not valid JSON: places found so far
            stack[-1][2], stack[-1][3] = json.loads(m.group()), i
            expect_key = False
            i = m.end()
            continue
        path, key = _child(stack)
        if c in "{[":
            out.setdefault(path, Place(key, i, i + 1))
            stack.append([c == "{", path, 0 if c == "[" else "", -1])
            expect_key = c == "{"
            i += 1
            continue
        m = _SCALAR.match(text, i)
        if m is None:
            return out
        out.setdefault(path, Place(key, i, m.end()))
        i = m.end()
    return out


def _child(stack: list[list]) -> tuple[str, int]:
    if not stack:
        return "", -1
    is_object, path, key, key_at = stack[-1]
    if is_object:
        return (f"{path}.{key}" if path else str(key)), key_at
    return f"{path}[{key}]", -1


def relocate(diags: Iterable[Diagnostic], text: str, where: str, file: str, first_line: int = 1,
             ) -> list[Diagnostic]:
    """``diags`` with their place in the facts ``text``, read from ``file`` (its line ``first_line`` is the
    text's first: a line of a batch).  ``where`` is the name the text was parsed under (``batch.jsonl:41``)."""
    found: Optional[dict[str, Place]] = None
    out = []
    for d in diags:
        if d.span is not None and d.span.file == where and d.code in ("F002", "F003"):  # placed in the text already
            out.append(attrs.evolve(d, span=_moved(d.span, file, first_line)))
            continue
        if d.code not in RELOCATED or d.fact_path is None:
            out.append(d)
            continue
        if found is None:
            found = places(text[1:] if text.startswith("\ufeff") else text)
        span = _span_of(found, d, text[1:] if text.startswith("\ufeff") else text, file, first_line)
        if span is None:
            out.append(d)
            continue
        notes = d.notes
        message = d.message
        if d.code in MISSING and d.fact_path != TOP and d.fact_path not in found:
            parent, name = _parent(d.fact_path)
            message += f"：在{f' {parent} ' if parent else '顶层'}对象中补上 \"{name}\""
        if d.span is not None:  # the declaration (or 要求) it broke becomes a note
            message = message.replace(f"（声明于 {d.span}）", "")
            what = "要求" if d.code in ("F014", "F015") else "声明"
            notes = (Note(d.span, f"{_path_words(d.fact_path)}的{what}"), *notes)
        out.append(attrs.evolve(d, message=message, span=span, notes=notes))
    return out


def _parent(path: str) -> tuple[str, str]:
    """(the path of the object holding ``path``, ``path``'s own key): ``a.b[0].c`` → (``a.b[0]``, ``c``)."""
    m = re.fullmatch(r"(.*?)\.?([^.\[\]]*)", path)
    assert m is not None
    return m.group(1), m.group(2)


def _path_words(path: str) -> str:
    return "事实" if path == TOP else f"事实 {path} "


def _span_of(found: dict[str, Place], d: Diagnostic, text: str, file: str, first_line: int) -> Optional[Span]:
    path = "" if d.fact_path == TOP else (d.fact_path or "")
    missing = d.code in MISSING and path not in found
    while path not in found and path:  # not in the file: the nearest object around it
        path = re.sub(r"(\.[^.\[\]]*|\[[0-9]+\])$", "", path) if re.search(r"(\.|\[)", path) else ""
    place = found.get(path)
    if place is None:
        return None
    if d.code == "F020" and place.key >= 0:  # an unknown key: the key itself
        m = _STRING.match(text, place.key)
        start, end = place.key, m.end() if m is not None else place.key + 1
    elif missing and place.key >= 0:  # the key of the object the fact belongs in
        m = _STRING.match(text, place.key)
        start, end = place.key, m.end() if m is not None else place.key + 1
    else:
        start, end = place.start, place.end
    line, column = _line_col(text, start)
    end_line, end_column = _line_col(text, end)
    if end_line != line:
        end_line, end_column = line, column + 1  # a value over several lines: its first character
    return Span(file, first_line + line - 1, column, first_line + end_line - 1, end_column)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _moved(span: Span, file: str, first_line: int) -> Span:
    return Span(file, first_line + span.line - 1, span.column, first_line + span.end_line - 1, span.end_column)


def facts_source(text: str, file: str, first_line: int = 1) -> SourceFile:
    """The facts text as a source file, so that an excerpt with a caret can be shown from it."""
    return SourceFile(file, text[1:] if text.startswith("\ufeff") else text, "", first_line)
