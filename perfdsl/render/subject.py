"""评价对象: what each row of a per-unit list is called (the batch's 评分汇总表, the batch rows on the screen,
the workbench's batch table).

A row must name the unit (or project) evaluated, not the report: 「单位3」, not 「单位3 2024年度部门整体支出
绩效评价」, which says the same words on every row.  The rule set's 标题 is where its author already names what
a fact set is about (``"{被评价单位} {评价年度}年度…"``, ``"{项目名称} {评价年度}年度…"``); of its holes, those that
read a fact declared 文本 are the names (被评价单位, 项目名称, 地区 …) and the others its year, a count or a rate.
So the subject is those text facts, in the title's order, joined by a space: no rule set needs a new
declaration, and a rule set whose title names no text fact (or that has no 标题) is shown by its title, as before.
A fact set that lacks those facts is shown by its title too: a row always names something.
"""

from __future__ import annotations

import json
from typing import Optional

from perfdsl.ruleset.evidence import VALUE

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from perfdsl.ruleset.loader import RuleSet


def subject_paths(rules: RuleSet) -> tuple[tuple[str, ...], ...]:
    """The fact paths of the 标题's holes that read a fact declared 文本, in the title's order, each once."""
    system = rules.system
    if system is None or not system.title:
        return ()
    from perfdsl.syntax import template
    out: list[tuple[str, ...]] = []
    for piece in template.split(system.title):
        if isinstance(piece, tuple):
            path = template.segments(piece[1])
            if _declared_text(rules, path) and path not in out:
                out.append(path)
    return tuple(out)


def _declared_text(rules: RuleSet, path: tuple[str, ...]) -> bool:
    fields = rules.facts.fields
    for n, seg in enumerate(path):
        decl = next((f for f in fields if f.name == seg), None)
        if decl is None:
            return False
        ty = decl.type
        if n == len(path) - 1:
            return ty.kind == "text"
        if ty.kind != "record":
            return False
        named = rules.records.get(ty.record_name) if ty.record_name else None
        fields = named.fields if named is not None else ty.fields
    return False


class Subject:
    """``Subject(rules)(facts_text, title)``: the name of one row (``title`` when the facts do not give one)."""

    __slots__ = ("paths",)

    def __init__(self, rules: RuleSet):
        self.paths = subject_paths(rules)

    def __call__(self, facts_text: Optional[str], title: Optional[str]) -> Optional[str]:
        return self.names(facts_text) or title

    def names(self, facts_text: Optional[str]) -> Optional[str]:
        """The text facts the title names, as the facts give them; None when there are none to read."""
        if not self.paths or not facts_text:
            return None
        try:
            facts = json.loads(facts_text)
        except (ValueError, RecursionError):  # a line that could not be scored: no name from it
            return None
        found = [v for v in (_read(facts, p) for p in self.paths) if v]
        return " ".join(found) if found else None


def _read(facts, path: tuple[str, ...]) -> Optional[str]:
    cur = facts
    for seg in path:
        if not isinstance(cur, dict) or seg not in cur:
            return None
        cur = cur[seg]
    if isinstance(cur, dict) and isinstance(cur.get(VALUE), str):  # {"值": "和平区政务服务办公室", "来源": "…"}
        cur = cur[VALUE]
    return cur.strip() if isinstance(cur, str) else None
