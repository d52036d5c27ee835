"""The one table of trace step kinds, with the Chinese word an auditor filters on.

Every step of a trace has one of these kinds; ``docs/explanation.schema.json`` lists the
same set (a test checks it), so a reader of the JSON contract knows every kind it can meet.
"""

from __future__ import annotations

FACT = "fact"
VALUE = "value"
BUILTIN = "builtin"
BAND = "band"
MATCH = "match"
PART = "part"
FORMULA = "formula"
DEDUCTION = "deduction"
CHECK = "check"
CAP = "cap"
FLOOR = "floor"
NOT_APPLICABLE = "not_applicable"
JUDGEMENT = "judgement"
REQUIREMENT = "requirement"
ROUNDING = "rounding"
SCORE = "score"
SUBTOTAL = "subtotal"
ERROR = "error"
GRADE = "grade"
VETO = "veto"
RENORMALISE = "renormalise"
PENALTY = "penalty"

# kind → Chinese label, in the order of the schema's enum
STEP_KINDS: dict[str, str] = {
    FACT: "读取事实",
    VALUE: "计算中间值",
    BUILTIN: "函数",
    BAND: "区间",
    MATCH: "查表",
    PART: "子项",
    FORMULA: "得分公式",
    DEDUCTION: "扣分",
    CHECK: "未扣分的检查",
    CAP: "封顶",
    FLOOR: "保底",
    NOT_APPLICABLE: "不适用",
    JUDGEMENT: "酌情评分",
    REQUIREMENT: "要求",
    ROUNDING: "舍入",
    SCORE: "得分",
    SUBTOTAL: "小计",
    ERROR: "无法评分",
    GRADE: "等级",
    VETO: "一票否决",
    RENORMALISE: "重新归一",
    PENALTY: "减分",
}
