"""Rule text → Lark tokens in one regular-expression scan.

Lark's basic lexer spends about 5 µs a token in Python (a method call, a line counter
object and a ``Token`` built through keyword arguments per token); 12,000 band arms are
96,000 tokens.  This scanner uses Lark's own compiled terminal pattern (the same
alternation, in Lark's order of priority), so it accepts exactly what Lark's lexer
accepts and gives the same tokens with the same positions; ``tests/test_fast_front.py``
holds the two streams equal.  Whatever it cannot scan (a character no terminal matches)
raises ``Untokenizable``, and the caller lets Lark's lexer report it.
"""

from __future__ import annotations

from typing import Iterator

from lark import Token
from lark.lexer import BasicLexer


class Untokenizable(Exception):
    """A character no terminal matches: Lark's own lexer reports it."""


def scanner(lexer: BasicLexer):
    """A function text → tokens for the terminals of ``lexer`` (Lark's lexer of the grammar)."""
    mres = lexer.scanner._mres  # built by Lark from the grammar; more than one only past 100 terminals
    if len(mres) != 1:  # pragma: no cover — the grammar has about 30 terminals
        return None
    pattern = mres[0]
    ignore, newlines, retype = lexer.ignore_types, lexer.newline_types, dict(lexer.callback)
    new = Token._future_new

    def tokens(text: str) -> Iterator[Token]:
        line, line_start, end = 1, 0, 0
        for m in iter(pattern.scanner(text).match, None):  # each match starts where the last one ended
            kind = m.lastgroup
            start, end = m.span()
            value = m.group()
            if kind in newlines and "\n" in value:
                first_line, first_column = line, start - line_start + 1
                line += value.count("\n")
                line_start = start + value.rindex("\n") + 1
                if kind in ignore:
                    continue
                tok = new(kind, value, start, first_line, first_column, line, end - line_start + 1, end)
            elif kind in ignore:
                continue
            else:
                column = start - line_start + 1
                tok = new(kind, value, start, line, column, line, column + (end - start), end)
            if kind in retype:  # pragma: no cover — Lark's retyping of a string terminal a pattern also matches
                tok = retype[kind](tok)
            yield tok
        if end != len(text):
            raise Untokenizable(end)

    return tokens
