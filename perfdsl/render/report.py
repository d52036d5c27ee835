"""The 评分表 as rows, read from the explanation document.

The rows follow appendix 1 of the seed report: 一级指标 / 二级指标 /
三级指标 / 分值 / 指标解释和说明 / 评分标准 / 指标分析结果 / 得分; 指标分析结果
is prose written from the indicator's trace.  Markdown, HTML and Excel all
render these rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional, Sequence

import attrs

from perfdsl.interp.numbers import percent
from perfdsl.render import improvement
from perfdsl.render.narrative import narrative

COLUMNS = ("一级指标", "二级指标", "三级指标", "分值", "指标解释和说明", "评分标准", "指标分析结果", "得分")


@attrs.frozen
class Row:
    level1: str
    level1_weight: str
    level2: str
    level2_weight: str
    name: str
    weight: str
    explanation: str
    criteria: str
    analysis: str
    improvement: str  # 失分原因与提升空间, "" at full marks
    score: Optional[str]
    trace: tuple  # the step dicts, for collapsible full traces
    status: str


def score_text(score: Optional[str], status: str) -> str:
    """What a score cell shows: the score, or why there is none."""
    if score is not None:
        return score
    return "不适用" if status == "not_applicable" else "无法评分"


@attrs.frozen
class RateRow:
    level1: str
    name: str
    weight: str
    score: Optional[str]
    rate: Optional[str]


def veto(doc: dict) -> Optional[str]:
    """一票否决 as a report says it beside the grade: the total stands and the grade is set, so 85.94 beside
    等级 差 needs its reason (it was in the terminal's output only)."""
    for step in doc.get("grade_trace") or []:
        if step.get("kind") == "veto":
            return f"等级定为 {step.get('grade', '')}（一票否决）：{step.get('reason', '')}"
    return None


def analysis(node: dict, evidence: Optional[dict] = None, display: Optional[dict] = None) -> str:
    """指标分析结果: the indicator's trace as the evaluators' prose (``narrative``) with the facts' evidence
    and their declared units and labels (``display``: the header's), and the warnings it accepts."""
    return narrative(node, evidence, display) + "".join(accepted_note(a) for a in node.get("accepted", []))


def accepted_note(accepted: dict) -> str:
    """What the auditor reads about a warning the rules accept (允许 W130 "理由")."""
    from perfdsl.codes import CODES
    info = CODES.get(accepted["code"])
    what = f"（{info.title}）" if info is not None else ""
    return f"【规则已接受的检查警告 {accepted['code']}{what}，理由：{accepted['reason']}】"


def heading(name: str, weight: str) -> str:
    """A 一级/二级 cell: 部门决策 (14).  A 加分项/减分项 outside every group has no group 分值 to show."""
    return f"{name} ({weight})" if weight else name


def rows(doc: dict) -> list[Row]:
    out: list[Row] = []
    evidence = doc.get("evidence")
    display = (doc.get("ruleset") or {}).get("display")

    def walk(node: dict, ancestors: list[dict]) -> None:
        if "children" in node:
            for c in node["children"]:
                walk(c, ancestors + [node])
            return
        outside = "加分项" if node.get("bonus") else "减分项" if node.get("penalty") else ""
        # a leaf that is itself a 一级 or 二级指标 (预算执行率 10 of the common framework) fills its own column
        chain = ancestors[1:] + ([node] if len(ancestors) < 3 and not (outside and len(ancestors) < 2) else [])
        l1 = chain[0] if len(chain) >= 1 else None
        l2 = chain[1] if len(chain) >= 2 else None
        out.append(Row(
            level1=l1["name"] if l1 else outside, level1_weight=l1["weight"] if l1 else "",
            level2=l2["name"] if l2 else "", level2_weight=l2["weight"] if l2 else "",
            name=node["name"], weight=node["weight"], explanation=node.get("explanation", ""),
            criteria=node.get("criteria", ""), analysis=analysis(node, evidence, display),
            improvement=improvement.text(node), score=node.get("score"),
            trace=tuple(node.get("trace") or ()), status=node.get("status", "ok"),
        ))

    walk(doc, [])
    return out


def rate_rows(doc: dict) -> list[RateRow]:
    """二级指标得分率表: every second-level indicator with its 得分率, a group or a leaf scored on its own; a 一级指标
    scored on its own (预算执行率 10) stands for itself, so that the rows add up to the 合计 under them."""
    out = []
    for l1 in doc.get("children", []):
        if "children" not in l1 and not (l1.get("bonus") or l1.get("penalty")):
            out.append(RateRow(l1["name"], l1["name"], l1["weight"], l1.get("score"), _rate(l1)))
        for l2 in l1.get("children", []):
            if "children" in l2 or not (l2.get("bonus") or l2.get("penalty")):
                out.append(RateRow(l1["name"], l2["name"], l2["weight"], l2.get("score"), _rate(l2)))
    return out


def _rate(node: dict) -> Optional[str]:
    """A group's 得分率 as the document gives it; a leaf's worked out the same way from its score."""
    if "children" in node or node.get("score") is None:
        return node.get("rate")
    return percent(Decimal(node["score"]), Decimal(node["weight"]))


def level1_rows(doc: dict) -> list[RateRow]:
    """一级指标得分率表: every first-level indicator with its 得分率 (level1 and name both its name)."""
    return [RateRow(l1["name"], l1["name"], l1["weight"], l1.get("score"), _rate(l1))
            for l1 in doc.get("children", []) if "children" in l1 or not (l1.get("bonus") or l1.get("penalty"))]


def spans(values: Sequence[object]) -> list[int]:
    """For merged cells: how many rows each run of equal values covers (0 for rows inside a run)."""
    out = [0] * len(values)
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        out[i] = j - i + 1
        i = j + 1
    return out


def provenance(doc: dict) -> list[tuple[str, str]]:
    items = [("perfdsl", doc.get("perfdsl", {}).get("version", "")), ("规则集", doc.get("ruleset", {}).get("name", ""))]
    for f in doc.get("ruleset", {}).get("files", []):
        items.append((f["path"], f["sha256"]))
    facts = doc.get("facts") or {}
    if facts:
        line = f" 第 {doc['line']} 行" if doc.get("line") is not None else ""
        items.append((f"事实 {facts.get('source', '')}{line}", facts.get("sha256", "")))
    for path, text in (doc.get("evidence") or {}).items():  # where each figure came from (佐证材料)
        items.append((f"佐证材料 {path}", text))
    return items
