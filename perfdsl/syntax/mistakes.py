"""Tailored syntax messages, as data: wrong examples → what to say, in the style of Lark's ``match_examples``.

Each ``Mistake`` lists a few wrong inputs.  When a rule file fails to parse, the error is compared
with the errors those examples produce (the parser state, or the set of tokens it would accept, and
the kind of the offending token); the first mistake whose example fails the same way gives the
message.  ``token`` narrows a mistake to offending words that look a certain way; ``glued`` names
keywords that the user may have written with no space after them (the message then points at that word).

The messages are Chinese, name the fix and never a parser token name.  Placeholders:
``{token}`` the offending word, ``{previous}`` the word before it, ``{keyword}``/``{rest}``/``{word}``
the glued keyword, the rest of that word, and the whole word.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple, Optional

from lark.exceptions import UnexpectedInput


class Mistake(NamedTuple):
    message: str
    examples: tuple[str, ...]
    token: Optional[str] = None  # a regular expression the offending word must match
    glued: tuple[str, ...] = ()  # keywords (terminals) perhaps written glued to the next word


_BODY = "指标 甲 分值 1 {{ {} }}"

MISTAKES: tuple[Mistake, ...] = (
    Mistake("关键字 `{keyword}` 之后缺少空格，`{word}` 被当成了一个名称：写作 `{keyword} {rest}`",
            tuple(_BODY.format(x) for x in (
                "得分 = 若a = 0 则 1 否则 0", "得分 = 若a 则 1 否则 0", "令 x = 若a = 0 则 1 否则 0",
                "扣 1 若a 理由 \"r\"", "子项 p 分值 1 = 若a 则 1 否则 0",
                "得分 = 若a.b = 0 则 1 否则 0", "得分 = 1 + 若a.b = 0 则 1 否则 0",
                "扣 1 理由“r”", "解释“r”", "标准“r”", "不适用 若 a 理由“r”", "令a = 1",
            )) + ("体系 s { 一票否决 若a 则 x 理由 \"r\" }", "体系 s { 标题“r” }"),
            glued=("KW_IF", "KW_THEN", "KW_ELSE", "KW_REASON", "KW_EXPLAIN", "KW_CRITERIA", "KW_TITLE",
                   "KW_LET")),
    Mistake("`{previous}` 之后的文本以 {quote} 开头，但在同一行内没有对应的 {closer}，或 {closer} 之后紧跟着文字："
            "在文本末尾补上 {closer}（文本与后面的内容之间留一个空格），或改用英文双引号 \"…\"",
            tuple(_BODY.format(x) for x in (
                "扣 1 理由 “r", "解释 “r", "标准 “r", "不适用 若 a 理由 “r", "要求 a 否则 “r",
                "逐项扣 a 每项 1 不评价 若 b 理由 “r", "逐级扣 a 低于 1 每 1 扣 1 理由 “r",
            )) + ("体系 s { 标题 “r }", "体系 s { 一票否决 若 a 则 x 理由 “r }"),
            token=r"^[“”]"),
    Mistake("`{previous}` 之后应为一段文本，文本要加引号：写作 `{previous} \"{token}\"`"
            "（也可以用 「…」，或在 `{previous}` 之后空一格再用 “…”）",
            tuple(_BODY.format(x) for x in (
                "扣 1 理由 r", "解释 r", "标准 r", "不适用 若 a 理由 r", "要求 a 否则 r",
                "逐项扣 a 每项 1 不评价 若 b 理由 r", "逐级扣 a 低于 1 每 1 扣 1 理由 r",
            )) + ("体系 s { 标题 r }", "体系 s { 一票否决 若 a 则 x 理由 r }")),
    Mistake("比较要写在 `若` 与 `则` 之间，`若` 之后还要有空格；单独的比较不能作为得分："
            "写作 `若 条件 则 分数 否则 分数`",
            tuple(_BODY.format(x) for x in ("得分 = a = 0 则 1 否则 0", "得分 = a 则 1 否则 0")),
            token=r"^(则|then)$"),
    Mistake("取值范围直接写在类型之后，不写 ∈：写作 `比率 [0, 1]` 或 `数值 ≥ 0`；"
            "∈ 之后是可选的几个值，如 `数值 ∈ {{0, 0.5, 1}}`",
            ("事实 { a: 比率 ∈ [0, 1] }", "事实 { a: 数值 ∈ (0, 1] }", "事实 { g { a: 整数 ∈ [0, 9] } }"),
            token=r"^[\[(]$"),
    Mistake("一档的范围写作比较或区间：如 `≥ 90% → 分数`（“以上”写作 ≥ 或 >，“以下”写作 < 或 ≤），"
            "或 `[80%, 90%) → 分数`",
            tuple(_BODY.format(x) for x in ("得分 = 区间 a { 90%以上 → 1 }", "得分 = 区间 a { 60 → 1 }",
                                            "得分 = 区间 a { [0, 1) → 0; 90%以上 → 1 }")),
            token=r"^[0-9]"),
    Mistake("数字中不写千位分隔符：如 1,000 写作 1000",
            tuple(_BODY.format(x) for x in ("得分 = 若 a 则 1,000 否则 0", "得分 = 1,000", "令 x = 1,000",
                                            "扣 1,000", "得分 = 若 a 则 1 否则 1,000")),
            token=r"^[,，]$"),
    Mistake("分值与分数只写数字，不写“分”：`{previous}分` 写作 `{previous}`",
            ("指标 甲 分值 1分 { 得分 = 1 }", "指标 甲 加分 1分 { 得分 = 1 }",
             "一级指标 甲 分值 1分 { 指标 乙 分值 1 { 得分 = 1 } }")
            + tuple(_BODY.format(x) for x in ("扣 1分 若 a", "扣 1分", "子项 p 分值 1分 = 1", "得分 = 1分",
                                            "得分 = 若 a 则 1分 否则 0", "得分 = 若 a 则 1 否则 0分")),
            token=r"^分$"),
    Mistake("名称 `{previous}` 之后紧跟着括号：名称中有括号、百分号等符号时，把整个名称写在英文双引号中，"
            "如 `\"{previous}（%）\"`",
            ("指标 甲（a） 分值 1 { 得分 = 1 }", "指标 甲(a) 分值 1 { 得分 = 1 }",
             "一级指标 甲（a） 分值 1 { 指标 乙 分值 1 { 得分 = 1 } }",
             "指标 甲 分值 1 { 指标 乙（a） 分值 1 { 得分 = 1 } }"),
            token=r"^[（(]$"),
    Mistake("`若 … 则 …` 还缺少 `否则` 部分：在得分之后写上 `否则 分数`",
            tuple(_BODY.format(x) for x in ("得分 = 若 a 则 1", "令 x = 若 a 则 1"))),
)


# the text mistake above when the text opens with ” (Word's smart quotes turned round: ”…“)
REVERSED_QUOTE = ("`{previous}` 之后的文本以 ” 开头：引号的方向反了，开头应为 “、结尾应为 ”："
                  "写作 `{previous} “…”`，或改用英文双引号 \"…\"")


class _Seen(NamedTuple):
    state: object
    accepts: frozenset
    token_type: str
    token_value: str


@functools.lru_cache(maxsize=1)
def _seen() -> tuple[tuple[Mistake, tuple[_Seen, ...]], ...]:
    """How each example fails: worked out once per process."""
    from perfdsl.syntax.parser import _parser
    table = []
    for mistake in MISTAKES:
        seen = []
        for example in mistake.examples:
            try:
                _parser().parse(example)
            except UnexpectedInput as exc:
                seen.append(_describe(exc))
            else:  # pragma: no cover — a table entry that parses is a mistake in the table (a test checks)
                raise AssertionError(f"example parses: {example!r}")
        table.append((mistake, tuple(seen)))
    return tuple(table)


def _describe(exc: UnexpectedInput) -> _Seen:
    token = getattr(exc, "token", None)
    return _Seen(getattr(exc, "state", None), frozenset(getattr(exc, "accepts", None) or ()),
                 token.type if token is not None else "", str(token) if token is not None else "")


def match(exc: UnexpectedInput) -> list[Mistake]:
    """The mistakes whose examples fail as ``exc`` does, best first."""
    mine = _describe(exc)
    found = []
    for mistake, seen in _seen():
        if mistake.token is not None and not re.search(mistake.token, mine.token_value):
            continue
        for s in seen:
            if s.token_type == mine.token_type and (s.state == mine.state or (s.accepts and s.accepts == mine.accepts)):
                found.append(mistake)
                break
    return found
