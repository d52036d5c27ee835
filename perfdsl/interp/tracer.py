"""Trace steps: what the evaluator did, with the values it used.

The evaluator records steps only when it was given a ``Tracer``; without one
every hook is a single ``is None`` test.  Steps are flat, each with its
parent's id, in the order they happened (as OPA's tracer does); the
explanation tree is built from them afterwards.
"""

from __future__ import annotations

from typing import Optional

import attrs

from perfdsl.interp import sentences
from perfdsl.syntax.ast import Span

# kind → what an auditor filters on
KINDS = {
    "fact": "读取事实",
    "value": "计算中间值",
    "builtin": "函数",
    "band": "区间",
    "match": "查表",
    "part": "子项",
    "formula": "得分公式",
    "deduction": "扣分",
    "cap": "封顶",
    "floor": "保底",
    "not_applicable": "不适用",
    "judgement": "酌情评分",
    "requirement": "要求",
    "rounding": "舍入",
    "score": "得分",
}


@attrs.define(slots=True)
class Step:
    id: int
    parent: Optional[int]
    kind: str
    text: str
    span: Optional[Span]
    data: dict

    def to_json(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "text": self.text}
        if self.parent is not None:
            out["parent"] = self.parent
        if self.span is not None:
            out["at"] = f"{self.span.file}:{self.span.line}"
        out.update(self.data)
        return out


class Tracer:
    __slots__ = ("steps", "_stack", "_facts_seen")

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self._stack: list[int] = []
        self._facts_seen: set[str] = set()

    def add(self, kind: str, span: Optional[Span], text: str, data: dict) -> int:
        sid = len(self.steps) + 1
        self.steps.append(Step(sid, self._stack[-1] if self._stack else None, kind, text, span, data))
        return sid

    def open(self, kind: str, span: Optional[Span]) -> Step:
        """A step whose text and fields are filled in once what it encloses has run."""
        sid = self.add(kind, span, "", {})
        self._stack.append(sid)
        return self.steps[-1]

    def close(self) -> None:
        self._stack.pop()

    def fact(self, path: str, span: Span, value, percent: bool) -> None:
        if path in self._facts_seen:
            return
        self._facts_seen.add(path)
        self.add("fact", span, *sentences.fact(path, value, percent))
