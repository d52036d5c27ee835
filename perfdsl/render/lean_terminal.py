"""The result tree of ``perfdsl eval`` written as rich writes it, without importing rich (~30 ms of a start).

rich (``render/terminal.py``) stays the reference: ``tests/test_lean_terminal.py`` renders many documents with both
and compares the bytes.  This writer covers what a single ``eval`` meets: output that is not a terminal (rich's
soft wrap at width 1000: nothing wrapped, a tree's labels cropped at the width), a file given with ``-o`` (wrapped at
1000) and a POSIX colour terminal (wrapped at its width, ANSI SGR codes as rich emits them for these styles).  Where
it cannot be sure to write what rich would — a Windows console, ``TERM=dumb``, ``FORCE_COLOR``, ``TTY_COMPATIBLE``,
``UNICODE_VERSION``, a tab, a character whose width is not in the table below when the width matters, a label with
fewer than 2 columns — ``write_result`` returns None and the caller uses rich.

The wrapping is a port of rich 15's own algorithms (MIT licence; ``rich/_wrap.py``, ``rich/cells.py``, ``Text.wrap``,
``divide``, ``rstrip_end``, ``truncate``, ``Segment.adjust_line_length``, ``Tree.__rich_console__``), down to their
quirks (``rstrip_end`` compares characters with cells), so that a line breaks where rich breaks it.
"""

from __future__ import annotations

import os
import re
import sys
from bisect import bisect_right

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from typing import IO, Optional

    from perfdsl.render.result_view import Label, Node

    Spans = list[tuple[int, int, str]]

# (first, last, cells) as rich's cell table (Unicode 17.0) has them, for the scripts a Chinese evaluation uses: ASCII,
# Latin, Greek, Cyrillic, punctuation, arrows and maths, control pictures, box drawing, CJK, kana, Hangul, full-width
# forms.  Anything else (emoji, joiners, variation selectors, other scripts) is unknown here.
_WIDTHS = (
    (0x0020, 0x007E, 1), (0x00A0, 0x02FF, 1), (0x0300, 0x036F, 0), (0x0370, 0x0482, 1), (0x0483, 0x0489, 0),
    (0x048A, 0x052F, 1), (0x2010, 0x2027, 1), (0x2030, 0x205E, 1), (0x2070, 0x20CF, 1), (0x20D0, 0x20F0, 0),
    (0x20F1, 0x22FF, 1), (0x2400, 0x2426, 1), (0x2460, 0x25FC, 1), (0x27E8, 0x27EF, 1), (0x2E80, 0x2E99, 2),
    (0x2E9A, 0x2E9A, 1), (0x2E9B, 0x2EF3, 2), (0x2EF4, 0x2EFF, 1), (0x2F00, 0x2FD5, 2), (0x2FD6, 0x2FEF, 1),
    (0x2FF0, 0x3029, 2), (0x302A, 0x302F, 0), (0x3030, 0x303E, 2), (0x3041, 0x3096, 2), (0x3097, 0x3098, 1),
    (0x3099, 0x309A, 0), (0x309B, 0x30FF, 2), (0x3100, 0x3104, 1), (0x3105, 0x312F, 2), (0x3130, 0x3130, 1),
    (0x3131, 0x3163, 2), (0x3164, 0x3164, 0), (0x3165, 0x318E, 2), (0x318F, 0x318F, 1), (0x3190, 0x31E5, 2),
    (0x31E6, 0x31EE, 1), (0x31EF, 0x321E, 2), (0x321F, 0x321F, 1), (0x3220, 0x3247, 2), (0x3248, 0x324F, 1),
    (0x3250, 0x4DBF, 2), (0x4E00, 0x9FFF, 2), (0xAC00, 0xD7A3, 2), (0xF900, 0xFAFF, 2), (0xFE30, 0xFE4F, 2),
    (0xFF01, 0xFF60, 2), (0xFF61, 0xFF9F, 1), (0xFFA0, 0xFFA0, 0), (0xFFA1, 0xFFDF, 1), (0xFFE0, 0xFFE6, 2),
    (0xFFE7, 0xFFEE, 1), (0xFFFD, 0xFFFD, 1),
)
_STARTS = [first for first, _, _ in _WIDTHS]
GUIDES = ("    ", "│   ", "├── ", "└── ")  # rich's Tree: space, continue, fork, end
ASCII_GUIDES = ("    ", "|   ", "+-- ", "`-- ")  # when the output's encoding is not UTF
# the style names the result view uses: attribute bits (bold 1, dim 2) and SGR colour codes, as rich renders them
_ATTRIBUTES = {"bold": 1, "dim": 2}
_COLOURS = {"red": "31", "green": "32", "yellow": "33", "magenta": "35", "cyan": "36"}
# environment settings that change what rich writes in ways this writer does not follow
_RICH_SETTINGS = ("FORCE_COLOR", "TTY_COMPATIBLE", "UNICODE_VERSION", "JUPYTER_COLUMNS", "JUPYTER_LINES")
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


class Refused(Exception):
    """Something this writer cannot be sure to write as rich would: rich writes it."""


class Profile:
    """Where the text goes, as rich's console sees it: its width, whether lines wrap (a terminal, a file) or only
    crop (soft wrap, off a terminal), SGR codes (None, "attributes" under NO_COLOR, "colour"), ASCII guides."""

    __slots__ = ("width", "wrap", "sgr", "ascii")

    def __init__(self, width: int, wrap: bool, sgr: Optional[str] = None, ascii: bool = False):
        self.width, self.wrap, self.sgr, self.ascii = width, wrap, sgr, ascii


def profile_for(stream: IO[str], to_file: bool = False) -> Optional[Profile]:
    """What rich's console for ``stream`` would be (``cli.console.new_console``; with ``to_file``, eval's console for
    ``-o``: width 1000, no colour), or None where rich may write something else."""
    env = os.environ
    if any(name in env for name in _RICH_SETTINGS):
        return None
    stdin = sys.stdin
    if hasattr(stdin, "__module__") and stdin.__module__.startswith("idlelib"):
        return None
    ascii = not (getattr(stream, "encoding", "utf-8") or "utf-8").lower().startswith("utf")
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return None
    if to_file or not tty:
        if tty or (sys.platform == "win32" and "LINES" in env):  # a legacy Windows console takes a column off
            return None
        return Profile(1000, to_file, None, ascii)
    if sys.platform == "win32" or env.get("TERM", "").lower() in ("dumb", "unknown"):
        return None
    columns = env.get("COLUMNS")
    if columns is not None and columns.isdigit():
        if not columns.isascii():
            return None
        width = int(columns)
    else:
        width = 0
        for fd in (0, 1, 2):  # rich asks stdin first
            try:
                width = os.get_terminal_size(fd)[0]
            except (AttributeError, ValueError, OSError):
                continue
            break
        width = width or 80
    return Profile(width, True, "attributes" if "NO_COLOR" in env else "colour", ascii)


def write_result(tree: Node, closing: list[Label], profile: Profile) -> Optional[str]:
    """The text rich writes for ``print_result``: the tree, then each closing line; None if refused."""
    guides = ASCII_GUIDES if profile.ascii else GUIDES
    out: list[str] = []
    try:
        if profile.width < 2:
            raise Refused
        _node(tree, "", "", 0, profile, guides, out)
        for label in closing:
            for text, spans in _lines(label, profile.width, profile.wrap):
                out.append(_sgr(text, spans, label.style, profile.sgr))
                out.append("\n")
    except Refused:
        return None
    return "".join(out)


def _node(node: Node, first: str, rest: str, depth: int, profile: Profile, guides: tuple[str, ...],
          out: list[str]) -> None:
    """A node's lines after ``first`` (its first line's guides) or ``rest`` (the others' and its children's indent)."""
    avail = profile.width - 4 * depth
    if avail < 2:
        raise Refused
    label = node.label
    for i, (text, spans) in enumerate(_lines(label, avail, profile.wrap)):
        if not profile.wrap:
            text, spans = _crop(text, spans, label.style, avail)
        out.append(rest if i else first)
        out.append(_sgr(text, spans, label.style, profile.sgr))
        out.append("\n")
    last = len(node.children) - 1
    for i, child in enumerate(node.children):
        _node(child, rest + guides[3 if i == last else 2], rest + guides[0 if i == last else 1], depth + 1, profile,
              guides, out)


# ------------------------------------------------------------------------------------------------ cell widths

def _lookup(char: str) -> int:
    code = ord(char)
    if 0 < code < 32 or 0x7F <= code < 0xA0:
        return 0
    i = bisect_right(_STARTS, code) - 1
    if i >= 0 and code <= _WIDTHS[i][1]:
        return _WIDTHS[i][2]
    raise Refused


class _Seen(dict):
    """Each character's cells, looked up in the table once."""

    def __missing__(self, char: str) -> int:
        self[char] = width = _lookup(char)
        return width


_cells = _Seen().__getitem__


def cell_len(text: str) -> int:
    """Cells ``text`` takes in a terminal, as rich counts them; ``Refused`` for a character not in the table."""
    return len(text) if text.isascii() and text.isprintable() else sum(map(_cells, text))


def _graphemes(text: str) -> list[list[int]]:
    """rich's ``split_graphemes`` without joiners: a zero-width character belongs to the one before it."""
    spans: list[list[int]] = []
    for i, char in enumerate(text):
        width = _cells(char)
        if width or not spans:
            spans.append([i, i + 1, width])
        else:
            spans[-1][1] = i + 1
    return spans


def _chop(text: str, width: int) -> list[str]:
    lines, line_size, offset = [], 0, 0
    for start, _, size in _graphemes(text):
        if line_size + size > width:
            lines.append(text[offset:start])
            offset, line_size = start, 0
        line_size += size
    if line_size:
        lines.append(text[offset:])
    return lines


def _divide_line(text: str, width: int) -> list[int]:
    """Where rich breaks a line to fit ``width`` cells (``rich._wrap.divide_line`` with fold)."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        word_length = cell_len(word.rstrip())
        if width - offset >= word_length:
            offset += cell_len(word)
        elif word_length > width:
            folded = _chop(word, width)
            for i, line in enumerate(folded):
                if start:
                    breaks.append(start)
                if i == len(folded) - 1:
                    offset = cell_len(line)
                else:
                    start += len(line)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    return breaks


def _split_at(text: str, position: int) -> str:
    """The left part of rich's ``_split_text``: a double-width character cut in two becomes a space."""
    spans = _graphemes(text)
    length = sum(s[2] for s in spans)
    offset = int((position / length) * len(spans))
    left = sum(s[2] for s in spans[:offset])
    while True:
        if left == position:
            return text if offset >= len(spans) else text[:spans[offset][0]]
        if left < position:
            start, _, size = spans[offset]
            if left + size > position:
                return text[:start] + " "
            offset += 1
            left += size
        else:
            start, _, size = spans[offset - 1]
            if left - size < position:
                return text[:start] + " "
            offset -= 1
            left -= size


def _set_cells(text: str, total: int) -> str:
    """``text`` cropped to ``total`` cells (rich's ``set_cell_size`` for a text at least that long)."""
    if total <= 0:
        raise Refused
    size = cell_len(text)
    return text if size <= total else _split_at(text, total)


# --------------------------------------------------------------------------------------------------- lines

def _trim(spans: Spans, end: int) -> Spans:
    return [(s, min(e, end), style) for s, e, style in spans if s < end]


def _lines(label: Label, width: int, wrap: bool) -> list[tuple[str, Spans]]:
    """The label's lines as rich's ``Text.wrap`` makes them, each with its parts' spans (the base style aside)."""
    text = "".join(part for part, _ in label.parts)
    if "\t" in text or "\r" in text or "\x07" in text or "\x08" in text or "\x0b" in text or "\x0c" in text:
        raise Refused  # rich expands tabs and strips these; for_terminal leaves only the tab
    spans: Spans = []
    at = 0
    for part, style in label.parts:
        if part and style:
            spans.append((at, at + len(part), style))
        at += len(part)
    lines = []
    at = 0
    for line in text.split("\n"):
        end = at + len(line)
        line_spans = [(max(s, at) - at, min(e, end) - at, st) for s, e, st in spans if s < end and e > at]
        at = end + 1
        if not wrap or 2 * len(line) <= width:  # nothing to wrap: every character takes at most two cells
            lines.append((line, line_spans))
            continue
        offsets = [0, *_divide_line(line, width), len(line)]
        for start, stop in zip(offsets, offsets[1:], strict=False):
            piece = line[start:stop]
            piece_spans = [(max(s, start) - start, min(e, stop) - start, st) for s, e, st in line_spans
                           if min(e, stop) > max(s, start)]
            if len(piece) > width:  # rstrip_end: characters against cells, as rich does
                trailing = _TRAILING_SPACE.search(piece)
                if trailing is not None:
                    cut = len(piece) - min(len(trailing.group()), len(piece) - width)
                    piece, piece_spans = piece[:cut], _trim(piece_spans, cut)
            if cell_len(piece) > width:
                cropped = _set_cells(piece, width)
                if len(cropped) < len(piece):
                    piece_spans = _trim(piece_spans, len(cropped))
                piece = cropped
            lines.append((piece, piece_spans))
    return lines


def _segments(text: str, spans: Spans, base: str) -> list[tuple[str, str]]:
    """The line cut where rich's ``Text.render`` cuts it: at every span's ends, each piece with its styles."""
    cuts = {0, len(text)}
    for s, e, _ in spans:
        cuts.update((s, e))
    order = sorted(cuts)
    out = []
    for a, b in zip(order, order[1:], strict=False):
        style = next((st for s, e, st in spans if s <= a < e), "")
        out.append((text[a:b], f"{base} {style}".strip()))
    return out


def _crop(text: str, spans: Spans, base: str, width: int) -> tuple[str, Spans]:
    """A label's line cropped to ``width`` cells as ``Segment.adjust_line_length`` crops it in ``render_lines``."""
    if 2 * len(text) <= width or cell_len(text) <= width:
        return text, spans
    used = at = 0
    for piece, _ in _segments(text, spans, base):
        size = cell_len(piece)
        if used + size >= width:  # the segment that reaches the width is cut to it, the rest dropped
            kept = _set_cells(piece, width - used)
            return text[:at] + kept, _trim(spans, at + len(kept))
        used += size
        at += len(piece)
    return text, spans


def _sgr(text: str, spans: Spans, base: str, sgr: Optional[str]) -> str:
    if sgr is None:
        return text
    out = []
    for piece, style in _segments(text, spans, base):
        codes = _codes(style, sgr == "colour")
        out.append(f"\x1b[{codes}m{piece}\x1b[0m" if codes and piece else piece)
    return "".join(out)


_CODES: dict[tuple[str, bool], str] = {}


def _codes(style: str, colour: bool) -> str:
    """rich's SGR parameters for a combination of the view's style names: attributes first, then the colour."""
    codes = _CODES.get((style, colour))
    if codes is None:
        codes = _CODES[style, colour] = _make_codes(style, colour)
    return codes


def _make_codes(style: str, colour: bool) -> str:
    attributes, ink = 0, None
    for word in style.split():
        if word in _ATTRIBUTES:
            attributes |= _ATTRIBUTES[word]
        elif word in _COLOURS:
            ink = _COLOURS[word]
        else:
            raise Refused
    codes = [code for bit, code in ((1, "1"), (2, "2")) if attributes & bit]
    if colour and ink:
        codes.append(ink)
    return ";".join(codes)
