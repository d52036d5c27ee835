"""Diagnostics as ``file:line:col: 错误[CODE]：message``, the source line and a caret.

A person reads the label in Chinese (``错误[E215]``, ``警告[W130]``) wherever it is printed: here, in a batch's
one-line diagnostics and in the result tree.  JSON keeps ``"severity": "error"`` / ``"warning"``.
Messages quote rules and facts, so every text goes to rich as ``Text`` through ``for_terminal``:
no escape sequence in a rule file or a fact reaches the screen, and no Rich markup is interpreted.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable, Mapping

from perfdsl.codes import SEVERITY_NAMES
from perfdsl.diagnostics import Diagnostic
from perfdsl.render.escape import for_terminal

if TYPE_CHECKING:
    from rich.console import Console

    from perfdsl.ruleset.loader import SourceFile


def label(severity: str, code: str) -> str:
    """``错误[E215]`` / ``警告[W130]``: how every human output names a diagnostic."""
    return f"{SEVERITY_NAMES.get(severity, severity)}[{code}]"


def _width(s: str) -> int:
    from rich.cells import cell_len
    return cell_len(s)


def excerpt(d: Diagnostic, sources: Mapping[str, SourceFile]) -> list[str]:
    span = d.span
    if span is None or span.file not in sources:
        return []
    source = sources[span.file]
    # lines end at "\n" only, as the parser and the facts reader count them (U+2028 in a string is no break)
    lines = source.text.split("\n")
    index = span.line - source.first_line
    if not (0 <= index < len(lines)):
        return []
    line = lines[index].rstrip("\r").replace("\t", " ")
    start = max(span.column - 1, 0)
    if len(line) > 160:  # a window around the place, so a 100,000-character line stays readable
        lo = max(0, start - 60)
        cut = line[lo: lo + 140]
        line = ("…" if lo else "") + cut + ("…" if lo + 140 < len(line) else "")
        start = start - lo + (1 if lo else 0)
        end = min(span.end_column - lo + (1 if lo else 0), len(line) + 1)
        span = type(span)(span.file, span.line, start + 1, span.line, end)
    prefix = line[:start]
    if span.end_line == span.line and span.end_column > span.column:
        marked = line[span.column - 1: span.end_column - 1]
    elif span.end_line > span.line:  # an indicator, a block: its first line, so 「三级指标 执行 分值 10 {」 is marked
        marked = line[span.column - 1:].rstrip() or " "
    else:
        marked = line[span.column - 1: span.column] or " "
    gutter = f"{span.line:>5} | "
    # shown as a terminal shows it: the caret is measured on the same visible text
    prefix, marked = for_terminal(prefix, one_line=True), for_terminal(marked, one_line=True)
    return [gutter + for_terminal(line, one_line=True),
            " " * (len(gutter) - 2) + "| " + " " * _width(prefix) + "^" * max(1, _width(marked))]


def render_text(diags: Iterable[Diagnostic], sources: Mapping[str, SourceFile], console: Console) -> None:
    from rich.text import Text
    for d in diags:
        style = "bold red" if d.is_error else "bold yellow"
        head = Text()
        if d.span is not None:
            head.append(for_terminal(f"{d.span}: "), style="bold")
        head.append(label(d.severity, d.code), style=style)
        head.append("：")
        if d.fact_path and d.span is None:
            head.append(for_terminal(f"[事实 {d.fact_path}] "), style="cyan")
        head.append(for_terminal(d.message))
        console.print(head, highlight=False, soft_wrap=True)
        for line in excerpt(d, sources):
            console.print(Text(line, style="dim" if not line.strip().startswith("|") else style), highlight=False,
                          soft_wrap=True)
        for note in d.notes:
            console.print(Text(for_terminal(f"  = 注：{note.span}: {note.message}"), style="dim"), highlight=False,
                          soft_wrap=True)
        for s in d.suggestions:
            console.print(Text(for_terminal(f"  = 建议：{s}"), style="green"), highlight=False, soft_wrap=True)


def render_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in diags], ensure_ascii=False, indent=2)
