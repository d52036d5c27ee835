"""What a user wrote, made safe for each medium perfdsl writes: one function per medium.

Everything that came from rules or facts — 体系 and indicator names, 标准 and 解释, the title
filled from facts, reasons, finding descriptions, file names — reaches a reader only through one
of these functions.  Text perfdsl writes itself (headings, labels, numbers, its own markup) does
not.  The tests feed every renderer one corpus of hostile strings (``tests/hostile.py``).

Shared by every medium (``visible``): a character that can move a cursor, hide text or reorder it
is replaced by something a reader can see, so that what an auditor sees is what was written:

* line breaks of other kinds become ``\\n``: CR LF and lone CR, vertical tab (Word's manual line
  break, U+000B), form feed (Word's page break, U+000C), U+2028 and U+2029;
* every other C0 control, and DEL, becomes its Control Pictures symbol: ESC → ``␛``, NUL → ``␀``,
  BEL → ``␇``, DEL → ``␡`` (tab and ``\\n`` stay);
* C1 controls (U+0080–U+009F, e.g. CSI U+009B) and the bidirectional controls (U+061C, U+200E,
  U+200F, U+202A–U+202E, U+2066–U+2069: the "Trojan Source" overrides) become ``⟨U+202E⟩``;
* lone surrogates and the non-characters U+FFFE, U+FFFF (not allowed in XML) become U+FFFD.

Ordinary text — Chinese, full-width punctuation, ``%``, ``（）``, ``“”`` — is returned unchanged,
and so is the same object: the common case costs one regex search.
"""

from __future__ import annotations

import re

from perfdsl.patterns import lazy

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Any

_INVISIBLE = re.compile("\r\n|[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                        "\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = frozenset(("\r\n", "\r", "\x0b", "\x0c", "\u2028", "\u2029"))


def _shown(char: str) -> str:
    if char in _LINE_BREAKS:
        return "\n"
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
        return "\ufffd"
    return f"⟨U+{code:04X}⟩"


def visible(text: str) -> str:
    """``text`` with every control, bidi override and non-character made visible (see the module doc)."""
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda m: _shown(m.group()), text)


# ---------------------------------------------------------------------------------------------- terminal

def for_terminal(text: str, one_line: bool = False) -> str:
    """Text for a terminal: no escape sequence (ESC, OSC, CSI, C1) or bidi override reaches the screen.

    The result goes to rich only inside a ``rich.text.Text`` (never as a markup string), so ``[/执行]``
    or ``[link=…]`` in it is shown as written.  ``one_line``: line breaks become ``␤``, for output that
    is one line per record (a batch's rows), where a line break could forge another record.
    """
    shown = visible(text)
    return shown.replace("\n", "\u2424") if one_line else shown


# ---------------------------------------------------------------------------------------------- Markdown

# Characters that are Markdown wherever they stand, and those that are only in context:
# ``_`` next to anything but a letter or digit;
# ``<`` opening a tag, comment or autolink; ``]`` closing a link or image text before ``(`` or ``[``;
# the ``:`` of ``http://`` and the ``.`` of ``www.`` that GFM turns into links by themselves.
# An ``_`` run between two letters or digits (``batch_2024``, a file name) can neither open nor close
# emphasis, so it is left as it is.
# compiled when Markdown is first written: its Unicode classes cost ~4 ms, which a terminal need not pay
_markdown = lazy(r"[\\`*~|#&@$]|(?<![^\W_])_|_(?![^\W_])|<(?=[A-Za-z/!?])|\](?=[(\[])|:(?=//)"
                 r"|(?<=[wW][wW][wW])\.")


def for_markdown(text: str) -> str:
    """Text for inline Markdown (CommonMark + GFM tables): a table cell, a heading, a list item's text.

    Markdown's punctuation is backslash-escaped, so emphasis, code, links, images, raw HTML,
    autolinks, entities, strikethrough and math are shown as the characters written; a ``|`` cannot
    end a table cell, and a line break becomes ``<br>`` (the one piece of HTML perfdsl writes), so
    no text can start a block of its own — a forged ``总分 **100.00**`` line, a heading, a ``<!--``
    that hides the rest.  Characters that are Markdown only at the start of a line (``+ - = >`` and
    digits) need nothing: user text never starts a line.
    """
    shown = _markdown().sub(lambda m: "\\" + m.group(), visible(text))
    return shown.replace("\n", "<br>")


# -------------------------------------------------------------------------------------------------- HTML

def for_html(text: str) -> str:
    """Text for HTML element content or a quoted attribute value."""
    from html import escape  # html.entities is large: imported by the media that need it
    return escape(visible(text), quote=True)


# ------------------------------------------------------------------------------------------------- Excel

XLSX_MAX_CHARS = 32767  # what one Excel cell holds; longer text makes Excel call the workbook damaged
# A text starting with one of these is a formula when typed into a cell (Excel, LibreOffice; the
# full-width forms with a Chinese input method): such a cell also gets Excel's quote prefix.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def for_xlsx(text: str) -> str:
    """The text an Excel cell holds: controls visible (XML 1.0 allows none of them), at most 32,767 characters."""
    shown = visible(text)
    if len(shown) > XLSX_MAX_CHARS:
        note = f"…〔已截断：原文 {len(shown)} 字，Excel 单元格最多 {XLSX_MAX_CHARS} 字〕"
        shown = shown[:XLSX_MAX_CHARS - len(note)] + note
    return shown


def xlsx_cell(cell: Any, value: Any) -> Any:
    """Put ``value`` into an openpyxl cell: numbers as numbers, every string as a string.

    openpyxl makes a string starting with ``=`` a formula (data type ``f``) and ``#N/A`` and the like
    an error value (``e``); here a string is always ``s``, whatever it starts with.  perfdsl writes
    no formulas.  A string that would be a formula if retyped in Excel also gets the quote prefix
    (``'``), so editing the cell keeps it text.  Returns the cell.
    """
    if isinstance(value, str):
        text = for_xlsx(value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(_FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


# -------------------------------------------------------------------------------------------------- Word
def for_docx(text: str) -> str:
    """Text for a Word run (python-docx): controls visible (XML 1.0 allows none of them), line breaks kept
    (python-docx writes ``\\n`` as a line break, ``<w:br/>``).  Word interprets nothing else in run text."""
    return visible(text)
