"""Source text → Lark parse tree, with syntax errors turned into diagnostics.

One LALR parser is built once per process and cached.  Keywords are
retyped by a post-lexer from ``keywords.SPELLINGS`` so the grammar file
needs no list of spellings.  Lark's analysis of the grammar (its LALR
tables) is kept between processes in perfdsl's cache directory: building
it takes about 0.2 s, loading it about 0.03 s (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Iterator, Optional

import lark
from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from perfdsl.diagnostics import Diagnostic, Note, PerfdslError, closest, error
from perfdsl.syntax.ast import Span
from perfdsl.syntax.grammar_file import grammar_text
from perfdsl.syntax.keywords import KEYWORDS, LOOKALIKES, SPELLINGS
from perfdsl.syntax.quotes import text_quotes

_ARM_BLOCK_OPENERS = ("KW_BAND", "KW_MATCH", "KW_GRADE")
_CONTEXT_OPENERS = ("KW_INDICATOR", "KW_SYSTEM", "KW_FACTS", "KW_TYPE", "KW_PART", "KW_BAND", "KW_MATCH", "KW_EACH")
_ENDS_EXPR = {"NAME", "NUMBER", "PERCENT", "DATE", "STRING", "INFINITY", "KW_INF", "KW_TRUE", "KW_FALSE",
              "_RPAR", "_RSQB", "_RBRACE"}
_STARTS_ARM = {"_LSQB", "_LPAR", "CMP", "EQ", "NAME", "STRING", "NUMBER", "PERCENT", "MINUS"}


class KeywordPostLexer:
    """Retypes keyword spellings and ends band/lookup arms at line breaks.

    A word right after ``.`` (a record field) or right before ``:`` (a field
    declaration) stays a NAME, so facts may have fields called 得分 or 扣分.
    Inside the braces of 区间/查表/等级, a new line that starts a new arm
    (an interval or a key) after a complete result gets an implicit ``;`` —
    so arms are written one per line without separators, as in the criteria.
    """

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        for tok in self._layout(self._keywords(stream)):
            yield tok

    def _keywords(self, stream: Iterator[Token]) -> Iterator[Token]:
        previous = None
        pending = None
        for tok in stream:
            if pending is not None:
                if tok.type != "_COLON":
                    pending = Token.new_borrow_pos(SPELLINGS[pending.value], pending.value, pending)
                yield pending
                previous = pending
                pending = None
            if tok.type == "NAME" and tok.value in SPELLINGS and (previous is None or previous.type != "DOT"):
                pending = tok
                continue
            yield tok
            previous = tok
        if pending is not None:
            yield Token.new_borrow_pos(SPELLINGS[pending.value], pending.value, pending)

    def _layout(self, stream: Iterator[Token]) -> Iterator[Token]:
        blocks: list[bool] = []  # per open brace: is it a block of arms?
        openers = 0  # 区间/查表/等级 words whose brace has not opened yet (a band's subject may be a band)
        previous = None
        for tok in stream:
            if (blocks and blocks[-1] and previous is not None and (tok.line or 0) > (previous.end_line or 0)
                    and previous.type in _ENDS_EXPR and tok.type in _STARTS_ARM
                    ):
                yield Token.new_borrow_pos("_SEMI", ";", tok)
            if tok.type in _ARM_BLOCK_OPENERS:
                openers += 1
            elif tok.type == "_LBRACE":
                blocks.append(openers > 0)
                openers = max(0, openers - 1)
            elif tok.type == "_RBRACE" and blocks:
                blocks.pop()
            yield tok
            previous = tok


_OPTIONS = dict(
    parser="lalr",
    lexer="basic",
    propagate_positions=True,
    maybe_placeholders=True,  # an absent [optional] arrives as None: the builder unpacks by position
)


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = grammar_text()
    tables = _tables_file(grammar)
    if tables is None:
        return Lark(grammar, postlex=KeywordPostLexer(), cache=False, **_OPTIONS)
    if tables.exists():  # Lark checks the hash of grammar and options inside it, and rebuilds on a mismatch
        return Lark(grammar, postlex=KeywordPostLexer(), cache=str(tables), **_OPTIONS)
    fresh = tables.with_name(f".{tables.name}.{os.getpid()}.tmp")  # written whole, then renamed into place:
    parser = Lark(grammar, postlex=KeywordPostLexer(), cache=str(fresh), **_OPTIONS)  # never read half-written
    try:
        os.replace(fresh, tables)
    except OSError:  # not written (a read-only or full disk): it only costs speed
        with contextlib.suppress(OSError):
            fresh.unlink()
    return parser


def _tables_file(grammar: str) -> Optional[Path]:
    """Where Lark's tables for this grammar are kept, or None: not kept (``PERFDSL_NO_CACHE``, or a directory
    or file someone else could have written — the file is a pickle, read under the rules of ``ruleset.cache``)."""
    if os.environ.get("PERFDSL_NO_CACHE"):
        return None
    from perfdsl.ruleset.cache import _owned, cache_dir
    key = hashlib.sha256(f"{grammar}\0{sorted(_OPTIONS.items())}\0{lark.__version__}\0{sys.version_info[:2]}"
                         .encode("utf-8")).hexdigest()
    tables = cache_dir() / f"lark-{key[:32]}.tables"
    try:
        tables.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not _owned(tables.parent) or (tables.exists() and not _owned(tables)):
        return None
    return tables


@functools.lru_cache(maxsize=1)
def _reducer():
    """What parsing straight into the AST needs from Lark: its rules, its LALR table and a scanner of its terminals."""
    from lark.parsers.lalr_analysis import IntParseTable, Reduce

    from perfdsl.syntax.driver import ChainParser, Unit
    from perfdsl.syntax.reductions import passes_through
    from perfdsl.syntax.tokens import scanner
    lark_parser = _parser()
    frontend = lark_parser.parser
    table = frontend.parser.parser.parse_table
    light = {rule: _LightRule(rule) for rule in lark_parser.rules}
    units = {rule for rule in lark_parser.rules if passes_through(rule)}

    def action(kind, arg):
        if kind is not Reduce:
            return kind, arg
        return (Unit, arg.origin.name) if arg in units else (kind, light[arg])
    states = {state: {term: action(*entry) for term, entry in row.items()} for state, row in table.states.items()}
    return (list(light.values()), IntParseTable(states, table.start_states, table.end_states),
            scanner(frontend.lexer.lexer, SPELLINGS, frozenset(_ARM_BLOCK_OPENERS), frozenset(_ENDS_EXPR),
                    frozenset(_STARTS_ARM)), ChainParser)


class _LightRule:
    """A grammar rule as the LALR loop sees it at each reduction, hashed by identity.

    Lark's ``Rule`` hashes and compares in Python, and the loop looks each reduced rule up in
    its callbacks: two Python calls per reduction, a tenth of the parse.  These stand in for
    the rules in a copy of the table; ``rule`` is Lark's own.
    """

    __slots__ = ("rule", "expansion", "origin", "alias", "options", "size", "name")

    def __init__(self, rule):
        self.rule, self.expansion, self.origin = rule, rule.expansion, rule.origin
        self.alias, self.options = rule.alias, rule.options
        self.size, self.name = len(rule.expansion), rule.origin.name  # what ``driver``'s loop reads


class _TokenStream:
    """What Lark's LALR parser reads tokens from (its ``LexerThread``): the scanner, doing the post-lexer's work."""

    def __init__(self, tokens: Iterator[Token]):
        self.tokens = tokens

    def lex(self, parser_state) -> Iterator[Token]:
        return self.tokens


def reduce(text: str, make_callbacks):
    """Parse ``text`` with Lark's LALR table, calling ``make_callbacks(rules)[rule]`` at each reduction.

    Returns what the callback of the start rule returns, or None when the fast way cannot be taken
    (then ``parse`` gives the tree, or the syntax error).  Raises Lark's ``UnexpectedInput`` on a syntax
    error and ``tokens.Untokenizable`` on a character no terminal matches: the caller reports those through
    ``parse``, so a syntax error reads the same whichever way the file was parsed.
    """
    rules, table, tokens, driver = _reducer()
    if tokens is None:  # pragma: no cover — a grammar of more than 100 terminals
        return None
    return driver(table, make_callbacks(rules)).parse(_TokenStream(tokens(text_quotes(text))), "start")


def parse(text: str, filename: str) -> lark.Tree:
    text = text_quotes(text)  # 「…」, and “…” after a keyword that takes text: same length, so spans stay
    try:
        return _parser().parse(text)
    except UnexpectedInput as exc:
        raise PerfdslError([syntax_diagnostic(exc, text, filename)]) from None


# Human names for terminals in "expected …" lists.
_TERMINAL_NAMES = {
    "NAME": "名称", "STRING": "带引号的文本", "NUMBER": "数字", "PERCENT": "百分数",
    "DATE": "日期（如 2024年6月30日）",
    "INFINITY": "∞", "CMP": "比较符", "EQ": "=", "ARROW": "→", "PLUS": "+", "MINUS": "−",
    "TIMES": "×", "DIVIDE": "÷", "DOT": ".", "IN": "∈", "_LSQB": "[", "_RSQB": "]",
    "_LPAR": "(", "_RPAR": ")", "_LBRACE": "{", "_RBRACE": "}", "_COLON": ":", "_COMMA": ",",
    "_SEMI": ";", "$END": "文件结束",
}


def terminal_name(term: str) -> str:
    if term in KEYWORDS:
        zh, en = KEYWORDS[term]
        return f"`{zh[0]}`"
    return _TERMINAL_NAMES.get(term, term)


def _expected(exc: UnexpectedInput) -> list[str]:
    expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
    names = sorted({terminal_name(t) for t in expected if not t.startswith("__")})
    return names


def syntax_diagnostic(exc: UnexpectedInput, text: str, filename: str) -> Diagnostic:
    line = getattr(exc, "line", 1) or 1
    column = getattr(exc, "column", 1) or 1
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0  # the lexer always sets it; Lark types it optional
        ch = text[pos] if pos < len(text) else ""
        span = Span(filename, line, column, line, column + 1)
        hint = _character_hint(ch)
        return error("E001", f"无法识别的字符 {ch!r}" + (f"：{hint}" if hint else ""), span)
    if isinstance(exc, (UnexpectedToken, UnexpectedEOF)):
        token = getattr(exc, "token", None)
        expected = _expected(exc)
        if token is None or token.type == "$END":
            lines = text.splitlines() or [""]
            span = Span(filename, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 1)
            context = _open_context(text)
            msg = "文件意外结束" + (f"：{context} 没有闭合" if context else "")
            if expected:
                msg += f"；此处应为 {'、'.join(expected[:8])}"
            opener = _last_open_brace(text)
            notes = [Note(Span(filename, opener.line, opener.column, opener.line, opener.column + 1),
                          "没有闭合的 { 在这里")] if opener is not None else []
            return error("E002", msg, span, notes=notes)
        span = Span(filename, token.line, token.column, token.end_line or token.line,
                    token.end_column or token.column + len(token.value))
        shown = token.value
        context, previous = _open_context(text[: token.start_pos], with_previous=True)
        msg = f"此处不应出现 `{shown}`"
        if context:
            msg = f"在 {context} 中：" + msg
        if expected:
            after = f"`{previous}` 之后" if previous else "此处"
            msg += f"；{after}应为 {'、'.join(expected[:8])}" + ("…" if len(expected) > 8 else "")
        suggestions = []
        if token.type.startswith("KW_") and "NAME" in (getattr(exc, "expected", None) or ()):
            suggestions.append(f"`{token.value}` 是关键字，不能直接用作名称；请换一个名称")
        lookalike = next((w for w in (token.value, previous) if w in LOOKALIKES), None)
        if lookalike is not None:
            suggestions.append(f"`{lookalike}` 不是关键字：请写 `{LOOKALIKES[lookalike]}`")
        elif token.type == "NAME":
            # a keyword sharing a character with the word: 且 for 分 or 率 is no guess but noise
            kw = [k for k in closest(token.value, SPELLINGS.keys(), limit=1) if set(k) & set(token.value)]
            if kw:
                suggestions.append(f"是否想写关键字 `{kw[0]}`？")
            for spelling in SPELLINGS:
                if token.value.startswith(spelling) and len(token.value) > len(spelling) and len(spelling) >= 1:
                    suggestions.append(f"关键字 `{spelling}` 之后需要空格：`{spelling} {token.value[len(spelling):]}`")
                    break
        tailored = _tailored(exc, token, text, filename, previous)
        if tailored is not None:  # a known mistake: its message; of the guesses, only the missing space stays
            message, span = tailored
            return error("E003", (f"在 {context} 中：" if context else "") + message, span,
                         suggestions=[s for s in suggestions if s.startswith(("关键字 `", f"`{lookalike}`"))])
        return error("E003", msg, span, suggestions=suggestions)
    span = Span(filename, line, column, line, column + 1)  # pragma: no cover
    return error("E000", str(exc), span)  # pragma: no cover


def _tailored(exc: UnexpectedInput, token: Token, text: str, filename: str, previous: str):
    """(message, span) from the table of known mistakes (``mistakes.MISTAKES``), or None."""
    from perfdsl.syntax.mistakes import REVERSED_QUOTE, match
    from perfdsl.syntax.quotes import PAIRS
    span = Span(filename, token.line or 1, token.column or 1, token.end_line or token.line or 1,
                token.end_column or (token.column or 1) + len(token.value))
    for mistake in match(exc):
        fields = {"token": token.value, "previous": previous, "quote": token.value[:1],
                  "closer": PAIRS.get(token.value[:1], "”"), "keyword": "", "rest": "", "word": ""}
        at = span
        if mistake.glued:
            glued = _glued(text[: token.end_pos or 0], mistake.glued)
            if glued is None:
                continue
            word, keyword = glued
            fields.update(keyword=keyword, rest=word.value[len(keyword):], word=word.value)
            at = Span(filename, word.line or 1, word.column or 1, word.end_line or word.line or 1,
                      word.end_column or (word.column or 1) + len(word.value))
        if "{quote}" in mistake.message and fields["quote"] == "”":  # ”…“ (Word turned the quotes round)
            return REVERSED_QUOTE.format(**fields), at
        return mistake.message.format(**fields), at
    return None


def _glued(prefix: str, terms: tuple[str, ...]):
    """(word, keyword): the statement's last word up to the error that starts with a spelling of one of ``terms``."""
    try:
        tokens = list(_parser().lex(prefix, dont_ignore=False))
    except Exception:  # noqa: BLE001 — a courtesy; the error itself is reported anyway
        return None
    spellings = sorted((s for t in terms for s in (*KEYWORDS[t][0], *KEYWORDS[t][1])), key=len, reverse=True)
    for tok in reversed(tokens[-16:]):
        if tok.type in ("_LBRACE", "_RBRACE", "_SEMI"):
            return None
        if tok.type == "NAME":
            for spelling in spellings:
                if tok.value.startswith(spelling) and len(tok.value) > len(spelling):
                    return tok, spelling
    return None


def _character_hint(ch: str) -> str:
    hints = {
        "|": "绝对值请写作 abs(x) 或 绝对值(x)",
        "'": "文本请用英文双引号 \"…\"",
        "「": "「…」 是文本的引号，但这里的 「 在同一行内没有对应的 」（或文本中有英文双引号）："
              "补上 」，或改用英文双引号 \"…\"",
        "『": "『…』 是文本的引号，但这里的 『 在同一行内没有对应的 』：补上 』，或改用英文双引号 \"…\"",
        "」": "这个 」 前面没有对应的 「：文本写作 「…」 或 \"…\"",
        "』": "这个 』 前面没有对应的 『：文本写作 『…』 或 \"…\"",
        "。": "规则中不能有句号 。：文本要放在引号内；语句之间换行即可",
        "!": "不等于写作 ≠ 或 !=，“非” 写作 非",
        "！": "不等于写作 ≠ 或 !=，“非” 写作 非",
        "~": "范围写作区间，如 [60%, 80%)",
        "～": "范围写作区间，如 [60%, 80%)",
        "＂": "文本请用英文双引号 \"…\"",
        "＇": "文本请用英文双引号 \"…\"",
        "≮": "“不小于” 写作 ≥ 或 >=",
        "≯": "“不大于” 写作 ≤ 或 <=",
        "\ufeff": "文件中间有一个字节顺序标记（BOM，多由拼接文件产生）：删除这个不可见字符",
        "%": "百分号只能紧跟在数字后面，如 30%",
    }
    return hints.get(ch, "")


def _last_open_brace(text: str):
    """The token of the innermost brace still open at the end of ``text``."""
    try:
        tokens = list(_parser().lex(text, dont_ignore=False))
    except Exception:  # noqa: BLE001 — a courtesy note; the lexing problem is reported on its own
        return None
    stack = []
    for tok in tokens:
        if tok.type == "_LBRACE":
            stack.append(tok)
        elif tok.type == "_RBRACE" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _open_context(prefix: str, with_previous: bool = False):
    """Which indicator/section is open (or being declared) at the end of ``prefix``."""
    stack: list[str] = []
    try:
        tokens = list(_parser().lex(prefix, dont_ignore=False))
    except Exception:  # noqa: BLE001 — context is a courtesy; a lexing problem is reported elsewhere
        return ("", "") if with_previous else ""
    pending = ""
    for i, tok in enumerate(tokens):
        if tok.type in _CONTEXT_OPENERS:
            nxt = tokens[i + 1].value if i + 1 < len(tokens) and tokens[i + 1].type in ("NAME", "STRING") else ""
            pending = f"{tok.value} {nxt}".strip()
        elif tok.type == "_LBRACE":
            stack.append(f"{pending or '{'}（第 {tok.line} 行）")
            pending = ""
        elif tok.type == "_RBRACE" and stack:
            stack.pop()
    headers = ("KW_INDICATOR", "KW_SYSTEM", "KW_TYPE", "KW_PART")
    declaring = pending if pending and pending.split()[0] in [t.value for t in tokens if t.type in headers] else ""
    context = declaring or (stack[-1] if stack else "")
    if with_previous:
        return context, (tokens[-1].value if tokens else "")
    return context
