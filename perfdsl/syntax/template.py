"""Text templates: ``"{名称}：{说明}"`` — one syntax wherever the rules write text.

A quoted text with ``{路径}`` holes (a fact, a 令 value or, inside 逐项扣, a field of the item) is a
template: 标题, 描述, 令, the per-item 理由 of 逐项扣.  ``{{`` and ``}}`` stand for literal braces in a
template; a text without holes is plain text, braces and all, as it always was.
"""

from __future__ import annotations

import re

from perfdsl.patterns import lazy

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from typing import Callable, Optional, Union

    from perfdsl.syntax import ast as A

_NAME = r"[^\W\d][\w“”、·‘’《》]*"


# ``{{``, ``}}`` and holes; compiled when a template is first read (its classes of Unicode letters cost ~5 ms)
holes = lazy(r"\{\{|\}\}|\{\s*(" + _NAME + r"(?:\s*[.．]\s*" + _NAME + r")*)\s*\}")


def segments(hole: str) -> tuple[str, ...]:
    return tuple(s.strip() for s in re.split(r"[.．]", hole))


def has_holes(text: str) -> bool:
    return any(m.group(1) for m in holes().finditer(text))


def split(body: str) -> list[Union[str, tuple[int, str]]]:
    """A template's text (as written) → literal pieces and ``(offset, hole)`` for each hole."""
    out: list[Union[str, tuple[int, str]]] = []
    last = 0
    for m in holes().finditer(body):
        out.append(body[last:m.start()])
        out.append("{" if m.group(0) == "{{" else "}" if m.group(0) == "}}" else (m.start(1), m.group(1)))
        last = m.end()
    out.append(body[last:])
    return out


def fill(text: str, lookup: Callable[[tuple[str, ...]], Optional[str]]) -> str:
    """``text`` with each hole replaced by ``lookup(segments)``, or left as written when that is None."""
    if not has_holes(text):
        return text

    def one(m) -> str:
        if m.group(1) is None:
            return m.group(0)[0]
        shown = lookup(segments(m.group(1)))
        return m.group(0) if shown is None else shown
    return holes().sub(one, text)


class Filler:
    """``fill`` for one template, its holes found once: a batch fills the same title for every fact set.

    ``Filler(text)(lookup) == fill(text, lookup)`` for every lookup: the same matches of ``HOLE``, left to
    right, each replaced as ``fill`` replaces it.  Picklable (engines go to worker processes).
    """

    __slots__ = ("text", "pieces")

    def __init__(self, text: str):
        self.text = text
        self.pieces: Optional[tuple] = None  # literal texts, and (segments, the hole as written) per hole
        if has_holes(text):
            pieces: list = []
            last = 0
            for m in holes().finditer(text):
                pieces.append(text[last:m.start()])
                pieces.append(m.group(0)[0] if m.group(1) is None else (segments(m.group(1)), m.group(0)))
                last = m.end()
            pieces.append(text[last:])
            self.pieces = tuple(pieces)

    def __call__(self, lookup: Callable[[tuple[str, ...]], Optional[str]]) -> str:
        if self.pieces is None:
            return self.text
        out = []
        for piece in self.pieces:
            if type(piece) is str:
                out.append(piece)
            else:
                shown = lookup(piece[0])
                out.append(piece[1] if shown is None else shown)
        return "".join(out)


def escape(literal: str) -> str:
    """A literal piece as written back inside a template."""
    return literal.replace("{", "{{").replace("}", "}}")


def parts(raw: str, span: A.Span, unquote: Callable[[str], str]) -> tuple:
    """A quoted template token (``raw``, at ``span``) → its literal pieces and a ``Path`` per hole, each hole's
    span on the name inside the text, so that ``check`` points at it.  (The syntax tree is imported here: a
    ``Filler`` is unpickled by the warm road, which imports neither it nor attrs.)"""
    from perfdsl.syntax import ast as A
    out: list = []
    for piece in split(raw[1:-1]):
        if isinstance(piece, str):
            literal = unquote(f'"{piece}"') if len(piece) > 1 or piece not in "{}" else piece
            if out and isinstance(out[-1], str):
                out[-1] += literal
            elif literal:
                out.append(literal)
            continue
        offset, hole = piece
        at = 1 + offset  # in the token, after the opening quote
        line = span.line + raw.count("\n", 0, at)
        column = at - raw.rfind("\n", 0, at) if line != span.line else span.column + at
        out.append(A.Path(segments(hole), None, A.Span(span.file, line, column, line, column + len(hole))))
    return tuple(out)
