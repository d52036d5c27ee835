"""允许: warnings an author has reviewed on one indicator, and the rule set's declared 总分.

A warning belongs to the innermost indicator whose text contains its position.  An ``允许 W130 "理由"``
in that indicator accepts every W130 there: ``perfdsl check`` counts it instead of printing it, ``--strict``
lets it pass, and the explanation and the reports show the code and the reason to the auditor.  An
``允许`` that names no warning of the indicator is itself a warning (W180), so that it cannot outlive the
problem it was written for; one that names an error or an unknown code is an error (E131).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Iterator, Optional

from perfdsl.codes import CODES
from perfdsl.diagnostics import Diagnostic, closest, error, warning
from perfdsl.interp.numbers import ZERO, plain
from perfdsl.syntax import ast as A

DEFAULT_TOTAL = Decimal(100)


def indicators(roots: tuple[A.Indicator, ...]) -> Iterator[A.Indicator]:
    for ind in roots:
        yield ind
        yield from indicators(ind.children)


def _inside(span: A.Span, outer: A.Span) -> bool:
    return (span.file == outer.file and (outer.line, outer.column) <= (span.line, span.column)
            <= (outer.end_line, outer.end_column))


def owner(d: Diagnostic, roots: tuple[A.Indicator, ...]) -> Optional[A.Indicator]:
    """The innermost indicator a diagnostic points into, if any."""
    if d.span is None:
        return None
    found: Optional[A.Indicator] = None
    level: tuple[A.Indicator, ...] = roots
    while True:
        inner = next((i for i in level if _inside(d.span, i.span)), None)
        if inner is None:
            return found
        found, level = inner, inner.children


def split_accepted(diagnostics: list[Diagnostic], roots: tuple[A.Indicator, ...]
                   ) -> tuple[list[Diagnostic], list[tuple[Diagnostic, A.Accept]]]:
    """(what is still reported, the accepted warnings with the 允许 that accepts each) plus E131/W180."""
    declared = [(ind, a) for ind in indicators(roots) for a in ind.accepted]
    if not declared:
        return diagnostics, []
    out: list[Diagnostic] = []
    for _, a in declared:
        info = CODES.get(a.code)
        if info is None or info.severity != "warning":
            what = f"{a.code} 是错误，错误不能被接受，只能改正" if info is not None else f"没有代码 {a.code}"
            near = closest(a.code, [c for c, i in CODES.items() if i.severity == "warning"])
            out.append(error("E131", f"允许 之后应为一个警告代码（W…）：{what}", a.span,
                             suggestions=[f"是否想写 {near[0]}？" for _ in near[:1]]))
        elif not a.reason.strip():
            out.append(error("E131", f"允许 {a.code} 须写明接受的理由", a.span))
    rules = {(id(ind), a.code): a for ind, a in declared}
    used: set[int] = set()
    accepted: list[tuple[Diagnostic, A.Accept]] = []
    for d in diagnostics:
        ind = owner(d, roots) if not d.is_error else None
        accept = rules.get((id(ind), d.code)) if ind is not None else None
        if accept is not None and accept.reason.strip():
            accepted.append((d, accept))
            used.add(id(accept))
        else:
            out.append(d)
    for ind, a in declared:
        if id(a) not in used and CODES.get(a.code, CODES["E131"]).severity == "warning" and a.reason.strip():
            out.append(warning("W180", f"`{ind.name}` 中的 允许 {a.code} 没有对应的警告：这个指标没有 {a.code}",
                               a.span, suggestions=[f"删除这一行；若问题已改正，{a.code} 不会再出现"]))
    return out, accepted


def total_points(rules) -> list[Diagnostic]:
    """E130: the first-level weights add up to the 体系's 总分 (100 when it does not say)."""
    system = rules.system
    if system is None or not rules.roots:
        return []
    total = sum((_weight(i) for i in rules.roots if not i.outside), ZERO)
    declared = system.total if system.total is not None else DEFAULT_TOTAL
    if total == declared:
        return []
    said = f"体系声明总分 {plain(declared)}" if system.total is not None else "体系没有写 总分，按 100 分计"
    parts = " + ".join(f"{i.name} {plain(_weight(i))}" for i in rules.roots if not i.outside)
    return [error("E130", f"一级指标分值合计 {plain(total)} 分（{parts}），而{said}",
                  system.total_span or system.span,
                  suggestions=[f"调整一级指标的分值，使合计为 {plain(declared)}；若总分确为 {plain(total)}，"
                               f"在 体系 中写 总分 {plain(total)}"])]


def _weight(ind: A.Indicator) -> Decimal:
    if ind.weight is not None:
        return ind.weight
    return sum((_weight(c) for c in ind.children if not c.outside), ZERO)
