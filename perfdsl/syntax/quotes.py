"""What a Chinese input method or Word puts around a text, turned into ``"…"`` before lexing.

The rule (docs/language.md, “全角标点与输入法”):

- ``「…」`` and ``『…』`` are text quotes everywhere: they are never part of a name.
- ``“…”`` is a text quote right after a keyword that takes a text (标题 解释 标准 理由 否则, or
  their English spellings) and a space: elsewhere ``“”`` belong to names such as
  ``“一站式”政务服务落实情况``. After 否则, ``“…”`` followed at once by more of a name stays a name.
- Either way the closing quote is on the same line (nested pairs such as ``“红灯”`` inside are
  counted), and the text holds no ASCII ``"`` or ``\\``; otherwise nothing is changed and the
  parser reports the place, saying what to type.

Each quote is replaced by one ``"``, so every line and column stays where it was and the
excerpt shows the user's own text.
"""

from __future__ import annotations

import re

from perfdsl.syntax.keywords import KEYWORDS, TAKES_TEXT

PAIRS = {"「": "」", "『": "』", "“": "”"}
_NAME_CHAR = re.compile(r"[\w“”、·‘’《》]")
_TEXT_WORDS = frozenset(s for term in TAKES_TEXT for s in (*KEYWORDS[term][0], *KEYWORDS[term][1]))
_BLANK = " \t\u3000\u00a0"


def text_quotes(text: str) -> str:
    if "「" not in text and "『" not in text and "“" not in text:
        return text
    chars: list[str] | None = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':  # an ASCII text: skipped whole
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "#":  # a comment, to the end of the line
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        elif c in PAIRS and (c != "“" or after_text_keyword(text, i)):
            close = closing(text, i)
            if close is not None:
                chars = chars if chars is not None else list(text)
                chars[i] = chars[close] = '"'
                i = close
        i += 1
    return text if chars is None else "".join(chars)


def after_text_keyword(text: str, i: int) -> str:
    """The keyword that takes a text, if it stands (with a space between) right before position ``i``."""
    j = i
    while j > 0 and text[j - 1] in _BLANK:
        j -= 1
    if j == i:
        return ""
    end = j
    while j > 0 and _NAME_CHAR.match(text[j - 1]):
        j -= 1
    word = text[j:end]
    if word not in _TEXT_WORDS or (j > 0 and text[j - 1] in ".．"):
        return ""
    return word


def closing(text: str, i: int) -> int | None:
    """Where the quote opened at ``i`` closes on its line, if it makes a text."""
    opener, closer = text[i], PAIRS[text[i]]
    depth = 0
    for j in range(i, len(text)):
        ch = text[j]
        if ch == "\n":
            return None
        if ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                body = text[i + 1: j]
                if '"' in body or "\\" in body:
                    return None
                if opener == "“" and j + 1 < len(text) and _NAME_CHAR.match(text[j + 1]):
                    return None
                return j
    return None
