"""Rule text → Lark tokens in one regular-expression scan.

Lark's basic lexer spends about 5 µs a token in Python (a method call, a line counter
object and a ``Token`` built through keyword arguments per token); 12,000 band arms are
96,000 tokens.  This scanner uses Lark's own compiled terminal pattern (the same
alternation, in Lark's order of priority), so it accepts exactly what Lark's lexer
accepts and gives the same tokens with the same positions, and does ``KeywordPostLexer``'s
work in the same loop; ``tests/test_fast_front.py`` holds its stream equal to Lark's lexer
followed by that post-lexer.  Whatever it cannot scan (a character no terminal matches)
raises ``Untokenizable``, and the caller lets Lark's lexer report it.  A band arm of plain
numbers on one line comes out as one ``FusedArm`` instead of its seven tokens (for 12,000 arms,
72,000 tokens fewer and some 24 reductions an arm); ``FusedArm.tokens()`` gives the seven back.
"""

from __future__ import annotations

import re
from typing import Iterator, Union

from lark import Token
from lark.lexer import BasicLexer


class Untokenizable(Exception):
    """A character no terminal matches: Lark's own lexer reports it."""


# One band arm of plain numbers on one line, ``[60%, 80%) → 1``: its seven tokens in one match. The
# ``(?=…)`` after the result admits only what ends the arm's expression: ``;``, ``}``, or a line whose
# first token starts another arm (the implicit ``;``) or closes the block — never ``+ 1`` on the next line.
_NUM = r"[0-9]+(?:\.[0-9]+)?%?"
_ARM = re.compile(
    rf"([\[［【(（])[ \t]*({_NUM})[ \t]*([,，])[ \t]*({_NUM})[ \t]*([\]］】)）])[ \t]*(→|->)[ \t]*({_NUM})"
    r"(?=[ \t\r]*(?:[;；}｝]|(?:#[^\n]*)?\n(?:[ \t\r\n]|#[^\n]*)*[\[［【(（<>＜＞≤≥≦≧≠=＝}｝]))")
_ARM_KINDS = ("_LSQB", "NUMBER", "_COMMA", "NUMBER", "_RSQB", "ARROW", "NUMBER")  # by group; see ``FusedArm.tokens``


class FusedArm:
    """An arm ``[a, b) → c`` of plain numbers, scanned in one match instead of seven tokens.

    The parser (``driver``) takes it where its opening bracket would be shifted and pushes the
    ``arm`` it stands for, built by ``reductions.fused_arm`` through the builder's own methods;
    ``tokens()`` gives the seven tokens it stands for, which ``tests/test_fast_front.py`` holds
    equal to Lark's lexer's.  ``type`` is its opening bracket's, the lookahead the parser reduces by.
    """

    __slots__ = ("type", "match", "line", "line_start")

    def __init__(self, match: re.Match, line: int, line_start: int):
        self.type = "_LSQB" if match[1] in "[［【" else "_LPAR"
        self.match, self.line, self.line_start = match, line, line_start

    def token(self, group: int) -> Token:
        """The token of one of the match's groups, placed as Lark's lexer places it."""
        m = self.match
        start, end = m.span(group)
        value = m[group]
        kind = _ARM_KINDS[group - 1]
        if kind == "NUMBER" and value[-1] == "%":
            kind = "PERCENT"
        elif group == 1:
            kind = self.type
        elif group == 5 and value in ")）":
            kind = "_RPAR"
        tok = str.__new__(Token, value)
        column = start - self.line_start + 1
        tok.type, tok.value, tok.start_pos, tok.end_pos = kind, value, start, end
        tok.line, tok.column, tok.end_line, tok.end_column = self.line, column, self.line, column + (end - start)
        return tok

    def tokens(self) -> list[Token]:
        return [self.token(g) for g in range(1, 8)]


def _borrow(kind: str, value: str, tok: Token) -> Token:
    """``Token.new_borrow_pos``, without its calls."""
    new = str.__new__(Token, value)
    new.type, new.value, new.start_pos, new.end_pos = kind, value, tok.start_pos, tok.end_pos
    new.line, new.column, new.end_line, new.end_column = tok.line, tok.column, tok.end_line, tok.end_column
    return new


def semicolon(start: int, line: int, column: int) -> Token:
    """The implicit ``;`` before an arm's one-character opening bracket, placed on it (as ``_borrow`` places it)."""
    new = str.__new__(Token, ";")
    new.type, new.value, new.start_pos, new.end_pos = "_SEMI", ";", start, start + 1
    new.line, new.column, new.end_line, new.end_column = line, column, line, column + 1
    return new


def scanner(lexer: BasicLexer, spellings: dict, openers: frozenset, ends: frozenset, starts: frozenset):
    """A function text → tokens for the terminals of ``lexer`` (Lark's lexer of the grammar), as they come
    out of ``parser.KeywordPostLexer`` (keywords retyped from ``spellings``, an implicit ``_SEMI`` between
    arms, ``openers``/``ends``/``starts`` as its ``_ARM_BLOCK_OPENERS``/``_ENDS_EXPR``/``_STARTS_ARM``):
    the post-lexer's work done in the same loop, without a generator per job."""
    mres = lexer.scanner._mres  # built by Lark from the grammar; more than one only past 100 terminals
    if len(mres) != 1 or lexer.callback:  # pragma: no cover — about 30 terminals, none retyped by Lark
        return None
    ignore, newlines = lexer.ignore_types, lexer.newline_types
    # Spaces and tabs before a token are skipped by the same match (a third of the matches in band arms):
    # only the ignored WS starts with one, and a token's own group gives its place.
    pattern = re.compile(r"[ \t]*(?:" + mres[0].pattern + ")", mres[0].flags)
    new_str, borrow, whole_arm = str.__new__, _borrow, _ARM.match
    arm_starts = ("_LBRACE", "_SEMI")  # an arm can follow these (or a line break the implicit ; stands for)

    def tokens(text: str) -> Iterator[Union[Token, FusedArm]]:
        line, line_start, end = 1, 0, 0
        blocks: list[bool] = []  # per open brace: is it a block of arms?
        arms = False  # the innermost open brace is a block of arms
        waiting = 0  # 区间/查表/等级 words whose brace has not opened yet (a band's subject may be a band)
        last_type, last_end_line = "", 0  # the last token out
        pending = None  # a NAME spelled like a keyword, out once the next token shows whether it is one
        after_dot = False
        match = pattern.scanner(text).match  # type: ignore[attr-defined]  # each match starts where the last ended
        while (m := match()) is not None:
            kind = m.lastgroup
            start, end = m.start(kind), m.end()
            value = text[start:end]
            if kind in newlines and "\n" in value:
                first_line, first_column = line, start - line_start + 1
                line += value.count("\n")
                line_start = start + value.rindex("\n") + 1
                if kind in ignore:
                    if arms and pending is None and (last_type in ends or last_type in arm_starts) and (
                            fused := whole_arm(text, end)) is not None:  # an arm begins the line
                        if last_type in ends:  # on a later line than the last token (the break just read)
                            yield semicolon(end, line, end - line_start + 1)
                        yield FusedArm(fused, line, line_start)
                        end = fused.end()
                        match = pattern.scanner(text, end).match  # type: ignore[attr-defined]
                        last_type, last_end_line, after_dot = "NUMBER", line, False  # its result ends an expression
                    continue
                tok = new_str(Token, value)
                tok.type, tok.value, tok.start_pos, tok.end_pos = kind, value, start, end
                tok.line, tok.column, tok.end_line = first_line, first_column, line
                tok.end_column = end - line_start + 1
            elif kind in ignore:
                continue
            else:
                column = start - line_start + 1
                if arms and pending is None and (kind == "_LSQB" or kind == "_LPAR") and (
                        last_type in arm_starts or last_type in ends and line > last_end_line) and (
                        fused := whole_arm(text, start)) is not None:  # an arm after { or ;, or after a break
                    if last_type in ends:
                        yield semicolon(start, line, column)
                    yield FusedArm(fused, line, line_start)
                    end = fused.end()
                    match = pattern.scanner(text, end).match  # type: ignore[attr-defined]
                    last_type, last_end_line, after_dot = "NUMBER", line, False
                    continue
                tok = new_str(Token, value)
                tok.type, tok.value, tok.start_pos, tok.end_pos = kind, value, start, end
                tok.line, tok.column, tok.end_line, tok.end_column = line, column, line, column + (end - start)
            if pending is not None:  # the keyword-like word before this token goes out first
                out = pending if kind == "_COLON" else borrow(spellings[pending.value], pending.value, pending)
                pending = None
                otype = out.type
                if arms and otype in starts and last_type in ends and (out.line or 0) > last_end_line:
                    yield borrow("_SEMI", ";", out)
                if otype in openers:
                    waiting += 1
                yield out
                last_type, last_end_line = otype, out.end_line or 0
                if kind == "NAME" and value in spellings:  # the token out before it is no DOT
                    pending = tok
                    continue
            elif kind == "NAME" and not after_dot and value in spellings:
                pending = tok
                continue
            after_dot = kind == "DOT"
            if arms and kind in starts and last_type in ends and tok.line > last_end_line:
                yield borrow("_SEMI", ";", tok)
            if kind in openers:
                waiting += 1
            elif kind == "_LBRACE":
                blocks.append(arms := waiting > 0)
                waiting = max(0, waiting - 1)
            elif kind == "_RBRACE" and blocks:
                blocks.pop()
                arms = bool(blocks) and blocks[-1]
            yield tok
            last_type, last_end_line = kind, tok.end_line
        if end != len(text):
            raise Untokenizable(end)
        if pending is not None:
            out = borrow(spellings[pending.value], pending.value, pending)
            if arms and out.type in starts and last_type in ends and (out.line or 0) > last_end_line:
                yield borrow("_SEMI", ";", out)
            yield out

    return tokens
