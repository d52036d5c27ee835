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
    "KW_DATE": (("日期",), ("date",)),
    "KW_LIST": (("列表",), ("list",)),
    "KW_MAP": (("映射",), ("map",)),
    "KW_JUDGE_SCORE": (("酌情得分",), ("judged_score",)),
    "KW_JUDGE_DEDUCT": (("酌情扣分",), ("judged_deduction",)),
    "KW_INDICATOR": (("指标", "一级指标", "二级指标", "三级指标"),
                     ("indicator", "indicator1", "indicator2", "indicator3")),
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
    "KW_STEPS": (("逐级扣",), ("deduct_steps",)),
    "KW_BELOW": (("低于",), ("below",)),
    "KW_ABOVE": (("高于",), ("above",)),
    "KW_EVERY": (("每",), ("every",)),
    "KW_WHOLE": (("整级计",), ("whole_steps",)),
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
    "KW_ACCEPT": (("允许",), ("accept",)),
    "KW_TOTAL": (("总分",), ("total_points",)),
    "KW_UNIT": (("计量单位",), ("unit",)),
    "KW_LABEL": (("显示为",), ("shown_as",)),
}

# terminal -> what the keyword is for, in the language reference's keyword table
USES: dict[str, str] = {
    "KW_SYSTEM": "体系声明", "KW_TITLE": "标题", "KW_ROUND": "舍入规则", "KW_PLACES": "小数位数",
    "KW_HALF_UP": "四舍五入", "KW_HALF_EVEN": "银行家舍入", "KW_DOWN": "截尾", "KW_GRADE": "等级区间",
    "KW_VETO": "一票否决", "KW_NA_POLICY": "不适用时的处理", "KW_FULL_MARKS": "不适用按满分计",
    "KW_RENORMALISE": "不适用时其余指标重新归一", "KW_FACTS": "事实声明", "KW_TYPE": "记录类型", "KW_ENUM": "枚举",
    "KW_OPTIONAL": "可选事实", "KW_TEXT": "文本类型", "KW_BOOL": "布尔类型", "KW_INT": "整数类型",
    "KW_NUMBER": "数值类型", "KW_RATE": "比率类型（小数，1 = 100%）",
    "KW_DATE": "日期类型（年月日）", "KW_LIST": "列表", "KW_MAP": "映射（任意键）",
    "KW_JUDGE_SCORE": "酌情得分（须写理由）", "KW_JUDGE_DEDUCT": "酌情扣分（须写理由）",
    "KW_INDICATOR": "指标（一级/二级/三级）",
    "KW_WEIGHT": "分值", "KW_BONUS": "加分项（分值之外）", "KW_PENALTY": "减分项（分值之外）", "KW_EXPLAIN": "指标解释",
    "KW_CRITERIA": "评分标准原文", "KW_LET": "中间值", "KW_PART": "子项", "KW_SCORE": "得分公式", "KW_DEDUCT": "扣分",
    "KW_EACH": "逐项扣分", "KW_PER": "每项扣分数", "KW_GROUP": "按类别", "KW_CAP": "每类最多", "KW_TOTAL_CAP": "最多扣",
    "KW_DESCRIBE": "问题的描述", "KW_SKIP": "不评价的问题", "KW_NA": "不适用条件", "KW_REQUIRE": "要求（校验）",
    "KW_REASON": "理由", "KW_IF": "若", "KW_THEN": "则", "KW_ELSE": "否则", "KW_AND": "且", "KW_OR": "或",
    "KW_NOT": "非", "KW_TRUE": "真", "KW_FALSE": "假", "KW_BAND": "区间（阈值档次）", "KW_MATCH": "查表",
    "KW_IN": "属于（区间判断）", "KW_INF": "无穷大",
    "KW_STEPS": "逐级扣分（每超出一级扣若干分）", "KW_BELOW": "低于（逐级扣：不足的部分）",
    "KW_ABOVE": "高于（逐级扣：超出的部分）", "KW_EVERY": "每一级的步长", "KW_WHOLE": "不足一级按一级计",
    "KW_ACCEPT": "接受指标上的一条警告（写明代码与理由）", "KW_TOTAL": "体系的总分（不写时为 100）",
    "KW_UNIT": "事实的单位（只用于显示，如 万元、个）", "KW_LABEL": "事实在报告中显示的名称（只用于显示）",
}

# spelling -> terminal name
SPELLINGS: dict[str, str] = {
    spelling: term
    for term, (zh, en) in KEYWORDS.items()
    for spelling in (*zh, *en)
}

# an indicator keyword that also declares the level (checked against the nesting, E121); fmt keeps it
LEVEL_SPELLINGS = {"一级指标": 1, "二级指标": 2, "三级指标": 3, "indicator1": 1, "indicator2": 2, "indicator3": 3}


def level_keyword(level: int, language: str) -> str:
    """The spelling of the indicator keyword that declares ``level`` (1–3)."""
    return ("一级指标", "二级指标", "三级指标")[level - 1] if language == "zh" else f"indicator{level}"


def canonical(term: str, language: str) -> str:
    zh, en = KEYWORDS[term]
    return zh[0] if language == "zh" else en[0]


def language_of(spelling: str) -> str | None:
    term = SPELLINGS.get(spelling)
    if term is None:
        return None
    return "zh" if spelling in KEYWORDS[term][0] else "en"

# keywords followed by a text: after them “…” is a text quote, not part of a name (see parser.text_quotes)
TAKES_TEXT = ("KW_TITLE", "KW_EXPLAIN", "KW_CRITERIA", "KW_REASON", "KW_ELSE", "KW_UNIT", "KW_LABEL")

# words a Chinese author types for a keyword that has another spelling here: a syntax error after one of them
# suggests the keyword (如果 … 那么 … is 若 … 则 …), where the nearest keyword by spelling would be a guess
LOOKALIKES: dict[str, str] = {
    "如果": "若", "假如": "若", "假设": "若", "那么": "则", "则为": "则", "并且": "且", "而且": "且", "或者": "或",
    "不是": "非", "否则的话": "否则", "区间为": "区间",
}
