"""What changed between two runs: the same fact sets scored before and after a rule change, or one unit's
result against another's (two years: one document on each side).

``perfdsl diff OLD NEW`` reads two outputs of ``perfdsl eval --format json`` (one document, JSON
lines in input order, or the JSON array of them a batch writes to a ``.json`` file), pairs the documents in
order, and reports each fact set whose total, grade or indicator scores moved, plus a summary: how many totals
and grades changed, the grade transitions, and which indicators changed most often.  Both files are read line
by line, so a 100,000-line batch does not sit in memory.  Scores are compared as exact decimals.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from decimal import Decimal
from typing import Iterator, Optional

import attrs

from perfdsl.diagnostics import PerfdslError, error, os_reason


@attrs.frozen
class Change:
    """One fact set whose result moved."""

    where: str
    name: str
    total: tuple  # (old, new) score texts, or None where a side has no score
    grade: tuple
    indicators: tuple  # ((path, old, new), …): 三级指标 whose scores differ, in rule order
    status: tuple
    facts_differ: bool

    def to_json(self) -> dict:
        return {"where": self.where, "name": self.name, "total": list(self.total), "grade": list(self.grade),
                "status": list(self.status), "facts_differ": self.facts_differ,
                "indicators": [{"path": list(p), "old": a, "new": b} for p, a, b in self.indicators]}


@attrs.define
class Summary:
    compared: int = 0
    totals: int = 0
    grades: Counter = attrs.Factory(Counter)  # (old grade, new grade) → fact sets
    indicators: Counter = attrs.Factory(Counter)  # indicator path → fact sets where it changed
    facts_differ: int = 0
    rule_files: list = attrs.Factory(list)  # rule files added, removed or edited between the two runs

    def to_json(self) -> dict:
        return {"compared": self.compared, "rule_files_changed": self.rule_files, "totals_changed": self.totals,
                "grades_changed": sum(self.grades.values()), "facts_differ": self.facts_differ,
                "grade_changes": [{"old": a, "new": b, "count": n}
                                  for (a, b), n in sorted(self.grades.items(), key=str)],
                "indicators": [{"path": list(p), "count": n} for p, n in self.indicators.most_common()]}


def documents(path: str) -> Iterator[dict]:
    """The documents of one ``perfdsl eval --format json`` output: one pretty-printed document, JSON lines, or a
    batch's array of them a line each (``perfdsl.results_layout``), read as lines too."""
    from perfdsl.results_layout import element_text, opens_array
    try:
        handle = open(path, encoding="utf-8-sig")
    except OSError as exc:
        raise PerfdslError([error("D001", f"无法读取 {path}：{os_reason(exc)}")]) from None
    with handle:
        head = handle.readline()
        if head.strip() == "{":  # an indented single document
            yield _load(head + handle.read(), path, None)
            return
        if opens_array(head):
            for n, line in enumerate(handle, 2):
                text = element_text(line)
                if text is not None:
                    yield _load(text, path, n)
            return
        for n, line in enumerate(itertools.chain([head], handle), 1):
            if line.strip():
                yield _load(line, path, n)


def _load(text: str, path: str, line: Optional[int]) -> dict:
    where = f"{path}:{line}" if line is not None else path
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        raise PerfdslError([error("D002", f"{where}：不是 JSON（应为 perfdsl eval --format json 的输出）")]) from None
    if not isinstance(doc, dict) or "perfdsl" not in doc:
        raise PerfdslError([error("D002", f"{where}：不是 perfdsl 的评分文档"
                                          "（应为 perfdsl eval --format json 的输出）")])
    return doc


_SAME_FACTS = "请比较同一批事实按新旧规则各评一次的结果（同一个事实文件，相同的顺序）"


def _key(doc: dict) -> tuple:
    facts = doc.get("facts") or {}
    return facts.get("source"), doc.get("line")


def _same_facts(a: dict, b: dict) -> bool:
    """The same fact set: the same file and line, or the same text (sha256) at the same line — a batch scored
    once as examples/batch/facts.jsonl and once by another path, or after a copy, is still the same batch."""
    if _key(a) == _key(b):
        return True
    digest = ((a.get("facts") or {}).get("sha256"), (b.get("facts") or {}).get("sha256"))
    return digest[0] is not None and digest[0] == digest[1] and a.get("line") == b.get("line")


def _alone(old_docs: Iterator[dict], new_docs: Iterator[dict]) -> bool:
    """Both files hold one document each (two years of one unit, two fact files): nothing can be paired wrongly,
    so they are compared as they are, the facts said to differ.  Reads one document further on each side."""
    return next(old_docs, None) is None and next(new_docs, None) is None


def _where(doc: dict, fallback: str) -> str:
    source, line = _key(doc)
    if source is None:
        return fallback
    return f"{source}:{line}" if line is not None else source


def _leaves(doc: dict) -> dict:
    out: dict = {}

    def walk(node, above):
        for child in node.get("children") or ():
            here = above + (child["name"],)
            if child.get("children"):
                walk(child, here)
            else:
                out[here] = child.get("score")
        return out
    return walk(doc, ())


def _same(a: Optional[str], b: Optional[str]) -> bool:
    if a is None or b is None:
        return a is b
    return Decimal(a) == Decimal(b)


def compare(old_path: str, new_path: str) -> Iterator:
    """Yield a ``Change`` for each fact set that moved, then the ``Summary``."""
    return compare_documents(documents(old_path), documents(new_path), old_path, new_path)


def compare_documents(old_docs: Iterator[dict], new_docs: Iterator[dict], old_path: str, new_path: str) -> Iterator:
    """``compare`` over documents already at hand (the workbench scores a batch under two rule versions)."""
    summary = Summary()
    n = 0
    while True:
        a, b = next(old_docs, None), next(new_docs, None)
        if a is None and b is None:
            break
        n += 1
        if a is None or b is None:
            longer = new_path if a is None else old_path
            raise PerfdslError([error("D003", f"两个文件的评分文档数目不同：{longer} 的第 {n} 个文档"
                                              f"在另一个文件中没有对应；{_SAME_FACTS}")])
        if not _same_facts(a, b) and not (n == 1 and _alone(old_docs, new_docs)):
            raise PerfdslError([error("D003", f"第 {n} 个文档不是同一套事实："
                                              f"{_where(a, old_path)} 与 {_where(b, new_path)}；{_SAME_FACTS}")])
        summary.compared += 1
        if n == 1:
            summary.rule_files = _changed_files(a, b)
        facts_differ = (a.get("facts") or {}).get("sha256") != (b.get("facts") or {}).get("sha256")
        summary.facts_differ += facts_differ
        old_leaves, new_leaves = _leaves(a), _leaves(b)
        moved = tuple((p, old_leaves.get(p), new_leaves.get(p)) for p in _union(old_leaves, new_leaves)
                      if not _same(old_leaves.get(p), new_leaves.get(p)) or (p in old_leaves) != (p in new_leaves))
        total = (a.get("score"), b.get("score"))
        grade = (a.get("grade"), b.get("grade"))
        status = (a.get("status"), b.get("status"))
        if not moved and _same(*total) and grade[0] == grade[1] and status[0] == status[1]:
            continue
        summary.totals += not _same(*total)
        if grade[0] != grade[1]:
            summary.grades[grade] += 1
        for p, _, _ in moved:
            summary.indicators[p] += 1
        yield Change(_where(b, f"#{n}"), b.get("name") or a.get("name") or "", total, grade, moved, status,
                     facts_differ)
    yield summary


def _changed_files(a: dict, b: dict) -> list:
    """Rule files whose hash differs between the two runs (or that only one run had), by path."""
    old, new = _files(a), _files(b)
    return sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))


def _files(doc: dict) -> dict:
    """path within the rule set → sha256: the two runs may read the rules from different directories."""
    files = {f["path"]: f["sha256"] for f in (doc.get("ruleset") or {}).get("files", ())}
    if len(files) < 2:
        return {os.path.basename(p): h for p, h in files.items()}
    root = os.path.commonpath(list(files))
    return {os.path.relpath(p, root): h for p, h in files.items()}


def _union(a: dict, b: dict) -> list:
    """Paths of both sides in rule order: the new side's order, with paths only the old side has after."""
    return list(b) + [p for p in a if p not in b]
