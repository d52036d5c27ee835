"""The kinds of coverage point ``perfdsl test`` counts, and the Chinese word its report uses.

A coverage point is ``(kind, file, line, column)``.  The interpreter adds one to ``hits`` when
a place of the rule set does its work (a band arm is taken, a deduction deducts …), and
``rule_tests.coverage_points`` lists every point a rule set has.  Both sides must spell a kind
the same way, so both take it from here.
"""

from __future__ import annotations

from typing import NamedTuple


class CoverageKind(NamedTuple):
    label: str  # its Chinese name; where the report describes a point with one word, this word
    covered_when: str  # what a case must make happen, for docs/testing.md


BAND = "band"
MATCH = "match"
THEN = "then"
ELSE = "else"
BUILTIN = "builtin"  # a point's kind is "builtin:<case>", one per case of the function (see builtin_kind)
NOT_APPLICABLE = "na"
DEDUCT = "deduct"
EACH = "each"
SKIP = "skip"
GROUP_CAP = "group_cap"
TOTAL_CAP = "total_cap"
REQUIRE = "require"
FLOOR = "floor"
CAP = "cap"
GRADE = "grade"
VETO = "veto"

COVERAGE_KINDS: dict[str, CoverageKind] = {
    BAND: CoverageKind("区间", "区间的这一档被用到"),
    MATCH: CoverageKind("查表", "查表的这一项被用到"),
    THEN: CoverageKind("若…成立", "若 的条件成立，走了 则"),
    ELSE: CoverageKind("若…不成立", "若 的条件不成立，走了 否则"),
    BUILTIN: CoverageKind("函数", "函数的每种情形（如 按比例 的满分、按比例、零分）各出现一次"),
    NOT_APPLICABLE: CoverageKind("不适用", "不适用 的条件成立"),
    DEDUCT: CoverageKind("扣", "扣 真的扣了分"),
    EACH: CoverageKind("逐项扣", "逐项扣 为一项问题扣了分"),
    SKIP: CoverageKind("不评价", "不评价 跳过了一项问题"),
    GROUP_CAP: CoverageKind("每类最多", "每类最多 吸收了分数"),
    TOTAL_CAP: CoverageKind("最多扣", "最多扣 吸收了分数"),
    REQUIRE: CoverageKind("要求不满足", "要求 拒绝了输入"),
    FLOOR: CoverageKind("扣完为止", "负的得分被提到 0"),
    CAP: CoverageKind("子项合计封顶", "子项合计超过分值，被封顶"),
    GRADE: CoverageKind("等级", "总分落在这个等级"),
    VETO: CoverageKind("一票否决", "一票否决 的条件成立"),
}


def builtin_kind(case: str) -> str:
    """The kind of the point for one case of a function (``builtin:≥ 100% 得满分``)."""
    return f"{BUILTIN}:{case}"


def kind_of(point: tuple) -> str:
    """The registered kind of a point: ``builtin:≥ 100% 得满分`` is a ``builtin``."""
    kind = point[0]
    return BUILTIN if kind.startswith(BUILTIN + ":") else kind
