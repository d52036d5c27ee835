"""The one table of keywords, in Chinese and English.

The grammar declares a terminal per keyword (``KW_…``); the lexer reads every
word as a NAME and this table retypes it.  A file may mix both languages, and
``perfdsl fmt --keywords zh|en`` rewrites one into the other from this table.
"""

from __future__ import annotations

# terminal name -> (Chinese spellings, English spellings); the first of each is canonical.
KEYWORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "KW_SYSTEM": (("体系",), ("system",)),
    "KW_TITLE": (("标题",), ("title",)),
    "KW_ROUND": (("舍入",), ("round",)),
    "KW_PLACES": (("位",), ("places",)),
    "KW_HALF_UP": (("四舍五入",), ("half_up",)),
    "KW_HALF_EVEN": (("银行家舍入",), ("half_even",)),
    "KW_DOWN": (("截尾",), ("truncate",)),
    "KW_GRADE": (("等级",), ("grades",)),
    "KW_VETO": (("一票否决",), ("veto",)),
    "KW_NA_POLICY": (("不适用时",), ("when_not_applicable",)),
    "KW_FULL_MARKS": (("得满分",), ("full_marks",)),
    "KW_RENORMALISE": (("重新归一",), ("renormalise",)),
    "KW_FACTS": (("事实",), ("facts",)),
    "KW_TYPE": (("类型",), ("type",)),
    "KW_ENUM": (("枚举",), ("enum",)),
    "KW_OPTIONAL": (("可选",), ("optional",)),
    "KW_TEXT": (("文本",), ("text",)),
    "KW_BOOL": (("布尔",), ("bool",)),
    "KW_INT": (("整数",), ("integer",)),
    "KW_NUMBER": (("数值",), ("number",)),
    "KW_RATE": (("比率",), ("rate",)),
    "KW_LIST": (("列表",), ("list",)),
    "KW_MAP": (("映射",), ("map",)),
    "KW_JUDGE_SCORE": (("酌情得分",), ("judged_score",)),
    "KW_JUDGE_DEDUCT": (("酌情扣分",), ("judged_deduction",)),
    "KW_INDICATOR": (("指标", "一级指标", "二级指标", "三级指标"), ("indicator",)),
    "KW_WEIGHT": (("分值",), ("weight",)),
    "KW_BONUS": (("加分",), ("bonus",)),
    "KW_PENALTY": (("减分",), ("penalty",)),
    "KW_EXPLAIN": (("解释",), ("explanation",)),
    "KW_CRITERIA": (("标准",), ("criteria",)),
    "KW_LET": (("令",), ("let",)),
    "KW_PART": (("子项",), ("part",)),
    "KW_SCORE": (("得分",), ("score",)),
    "KW_DEDUCT": (("扣",), ("deduct",)),
    "KW_EACH": (("逐项扣",), ("deduct_each",)),
    "KW_PER": (("每项",), ("per_item",)),
    "KW_GROUP": (("按",), ("group_by",)),
    "KW_CAP": (("每类最多",), ("cap",)),
    "KW_TOTAL_CAP": (("最多",), ("at_most",)),
    "KW_DESCRIBE": (("描述",), ("describe",)),
    "KW_SKIP": (("不评价",), ("skip",)),
    "KW_NA": (("不适用",), ("not_applicable",)),
    "KW_REQUIRE": (("要求",), ("require",)),
    "KW_REASON": (("理由",), ("because",)),
    "KW_IF": (("若",), ("if",)),
    "KW_THEN": (("则",), ("then",)),
    "KW_ELSE": (("否则",), ("else",)),
    "KW_AND": (("且",), ("and",)),
    "KW_OR": (("或",), ("or",)),
    "KW_NOT": (("非",), ("not",)),
    "KW_TRUE": (("真",), ("true",)),
    "KW_FALSE": (("假",), ("false",)),
    "KW_BAND": (("区间",), ("band",)),
    "KW_MATCH": (("查表",), ("match",)),
    "KW_IN": (("属于",), ("in",)),
    "KW_INF": (("无穷",), ("inf",)),
}

# spelling -> terminal name
SPELLINGS: dict[str, str] = {
    spelling: term
    for term, (zh, en) in KEYWORDS.items()
    for spelling in (*zh, *en)
}

LEVEL_SPELLINGS = {"一级指标": 1, "二级指标": 2, "三级指标": 3}


def canonical(term: str, language: str) -> str:
    zh, en = KEYWORDS[term]
    return zh[0] if language == "zh" else en[0]


def language_of(spelling: str) -> str | None:
    term = SPELLINGS.get(spelling)
    if term is None:
        return None
    return "zh" if spelling in KEYWORDS[term][0] else "en"
