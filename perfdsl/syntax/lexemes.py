"""What the text of a token means: operator spellings, the characters an input method types, text escapes.

Kept apart from the builder so that the builder holds one method per grammar rule and nothing else.
"""

from __future__ import annotations

import re

COMPARISONS = {"<=": "<=", "≤": "<=", ">=": ">=", "≥": ">=", "!=": "!=", "≠": "!=", "<": "<", ">": ">",
               "=": "=", "==": "=", "＝": "="}
ARITHMETIC = {"+": "+", "＋": "+", "-": "-", "−": "-", "－": "-", "*": "*", "×": "*", "＊": "*", "/": "/", "÷": "/",
              "／": "/"}
# what a Chinese input method types, as the ASCII (or canonical) character it stands for
WIDE = str.maketrans("０１２３４５６７８９．％＜＞！＝≦≧", "0123456789.%<>!=≤≥")
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
MAX_LITERAL_DIGITS = 60


def unquote(raw: str) -> str:
    body = raw[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.S)
