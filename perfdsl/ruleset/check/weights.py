"""The indicator tree: weights add up, levels match their keywords, names are unique."""

from __future__ import annotations

from decimal import Decimal

from perfdsl.constructs import deduction
from perfdsl.diagnostics import Diagnostic, Note, error, warning
from perfdsl.interp.numbers import ZERO, plain
from perfdsl.syntax import ast as A


def check_tree(roots: tuple[A.Indicator, ...]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    _siblings(roots, out, "体系")
    for root in roots:
        _indicator(root, 1, out)
    return out


def _siblings(nodes, out, parent: str) -> None:
    seen: dict[str, A.Indicator] = {}
    for n in nodes:
        if n.name in seen:
            out.append(error("E120", f"{parent} 下有两个同名指标 `{n.name}`", n.span,
                             notes=[Note(seen[n.name].span, "另一个在此")]))
        else:
            seen[n.name] = n


def _indicator(ind: A.Indicator, level: int, out: list[Diagnostic]) -> Decimal:
    if ind.declared_level is not None and ind.declared_level != level:
        written = "一二三"[ind.declared_level - 1]
        fix = f"把 {written}级指标 改为 {'一二三'[level - 1]}级指标，或只写 指标" if level <= 3 else "只写 指标"
        out.append(error("E121", f"`{ind.name}` 写作{written}级指标，但位于第 {level} 级", ind.span,
                         suggestions=[fix]))
    if ind.weight is not None and ind.weight < 0:
        out.append(error("E122", f"指标 `{ind.name}` 的分值不能为负数", ind.span))
    if ind.children:
        _siblings(ind.children, out, ind.name)
        scoring = [s for s in ind.statements if not isinstance(s, A.Let)]
        if scoring:
            out.append(error("E123", f"`{ind.name}` 有下级指标，不能再有自己的评分语句（子项/得分/扣分）",
                             scoring[0].span))
        total = ZERO
        for child in ind.children:
            w = _indicator(child, level + 1, out)
            if not child.outside:
                total += w
        if ind.weight is not None and ind.weight != total:
            out.append(error("E124", f"`{ind.name}` 声明分值 {plain(ind.weight)}，但下级指标分值合计 {plain(total)}",
                             ind.span, suggestions=[f"把分值改为 {plain(total)}，或调整下级指标的分值"]))
        return ind.weight if ind.weight is not None else total
    if ind.weight is None:
        out.append(error("E125", f"末级指标 `{ind.name}` 必须声明分值", ind.span))
        return ZERO
    formulas = [s for s in ind.statements if isinstance(s, A.Formula)]
    parts = [s for s in ind.statements if isinstance(s, A.Part)]
    if len(formulas) > 1:
        out.append(error("E126", f"`{ind.name}` 有多个 得分 公式", formulas[1].span))
    if formulas and parts:
        out.append(error("E127", f"`{ind.name}` 不能同时有 得分 公式和子项", parts[0].span))
    names: dict[str, A.Part] = {}
    for p in parts:
        if p.name in names:
            out.append(error("E128", f"`{ind.name}` 中有两个同名子项 `{p.name}`", p.span))
        names[p.name] = p
        if p.points < 0:
            out.append(error("E122", f"子项 `{p.name}` 的分值不能为负数", p.span))
    total = sum((p.points for p in parts), ZERO)
    if parts and total > ind.weight:
        detail = " + ".join(plain(p.points) for p in parts)
        out.append(warning("W130", f"`{ind.name}` 的子项合计 {detail} = {plain(total)} 分，"
                                   f"超过指标分值 {plain(ind.weight)} 分；"
                                   f"得分将以 {plain(ind.weight)} 分封顶", ind.span,
                           notes=[Note(p.span, f"子项 {p.name} {plain(p.points)} 分") for p in parts]))
    for scored, limit, what in ([(f.expr, ind.weight, "分值") for f in formulas]
                                + [(p.expr, p.points, f"子项 {p.name} 的分值") for p in parts]):
        for n in _results_over(scored, limit):
            out.append(warning("W132", f"这一分支得 {n.text} 分，超过{what} {plain(limit)} 分：得分将以 "
                                       f"{plain(limit)} 分封顶", n.span))
    if parts and total < ind.weight and not any(deduction(s) is not None for s in ind.statements):
        out.append(warning("W131", f"`{ind.name}` 的子项合计 {plain(total)} 分，少于指标分值 {plain(ind.weight)} 分，"
                                   "满分不可达", ind.span))
    return ind.weight


def _results_over(e, limit: Decimal):
    """The numbers written as a score (若's branches, 区间's arms) above ``limit``: 120 typed for 12."""
    if isinstance(e, A.Number) and not e.is_percent and e.value > limit:
        yield e
    elif isinstance(e, A.Conditional):
        yield from _results_over(e.then, limit)
        yield from _results_over(e.otherwise, limit)
    elif isinstance(e, A.Band):
        for arm in e.arms:
            yield from _results_over(arm.result, limit)
