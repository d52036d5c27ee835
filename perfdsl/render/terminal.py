"""The result tree in a terminal (rich): scores, 得分率, grade, and why points were lost.

Text from the document (names, reasons, trace steps, file names) reaches rich only as ``Text``
through ``_t`` (``escape.for_terminal``): no escape sequence reaches the screen and no Rich markup
in it is interpreted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from perfdsl.render.result_view import (
    Label,
    Node,
    closing_lines,
    label,
    loss_without_deduction,
    result_tree,
    step_label,
)
from perfdsl.render.result_view import t as _t

if TYPE_CHECKING:
    from perfdsl.explain.diff import Change, Summary


def _text(label: Label) -> Text:
    """A label of the result view as rich's ``Text``: its base style, then its parts, each with its style."""
    text = Text(style=label.style)
    for part, style in label.parts:
        text.append(part, style=style)
    return text


def _tree(node: Node, tree: Optional[Tree] = None) -> Tree:
    tree = Tree(_text(node.label)) if tree is None else tree.add(_text(node.label))
    for child in node.children:
        _tree(child, tree)
    return tree


def build_tree(doc: dict, full: bool = False, only: Optional[set] = None, show_at: bool = False) -> Tree:
    return _tree(result_tree(doc, full=full, only=only, show_at=show_at))


def print_result(doc: dict, console: Console, full: bool = False, only: Optional[set] = None) -> None:
    """The result tree, the total and grade, vetoes and warnings (``lean_terminal`` writes the same bytes)."""
    console.print(build_tree(doc, full=full, only=only, show_at=full or bool(only)))
    for line in closing_lines(doc):
        console.print(_text(line))


def print_row(doc: dict, where: str, console: Console, unit: Optional[str] = None) -> None:
    """One fact set of a batch as one line: total, grade, the unit (``render/subject.py``; else the title),
    where it came from (or why it failed)."""
    if doc.get("status") == "error":
        first = (doc.get("errors") or [{}])[0]
        console.print(Text.assemble((f"{'—':>7}", "bold red"), "  ", ("失败", "bold red"), "  ",
                                    _t(f"[{first.get('code', '')}] {first.get('message', '')}", one_line=True), "  ",
                                    (_t(where, one_line=True), "dim")))
        return
    score = doc.get("score")
    grade = doc.get("grade")
    console.print(Text.assemble((_t(f"{score if score is not None else '—':>7}", one_line=True),
                                 "bold green" if score else "bold red"),
                                "  ", (_t(f"{grade if grade is not None else '—'}", one_line=True), "bold cyan"), "  ",
                                _t(unit or doc.get("name", ""), one_line=True),
                                ("  （部分指标无法评分）", "red") if doc.get("status") == "partial" else "",
                                "  ", (_t(where, one_line=True), "dim")))


def _moved(old, new) -> str:
    return _t(f"{old if old is not None else '—'} → {new if new is not None else '—'}", one_line=True)


def print_change(change: Change, console: Console) -> None:
    """One fact set whose result moved: where, total and grade before → after, then each indicator that moved."""
    line = Text.assemble((_t(change.where, one_line=True), "dim"), "  ", _t(change.name, one_line=True), "  总分 ",
                         (_moved(*change.total), "bold yellow"))
    if change.grade[0] != change.grade[1]:
        line.append("  等级 ")
        line.append(_moved(*change.grade), style="bold red")
    if change.status[0] != change.status[1]:
        line.append(f"  状态 {_moved(*change.status)}", style="red")
    if change.facts_differ:
        line.append("  （事实不同）", style="red")
    console.print(line)
    for path, old, new in change.indicators:
        console.print(Text.assemble("    ", _t("/".join(map(str, path[-1:])), one_line=True), "  ", _moved(old, new)))


def print_diff_summary(summary: Summary, console: Console) -> None:
    if summary.rule_files:
        console.print(Text(_t(f"改动的规则文件：{'、'.join(map(str, summary.rule_files))}")))
    grades = _t("，".join(f"{a or '—'} → {b or '—'} {n} 套" for (a, b), n in sorted(summary.grades.items(), key=str)))
    console.print(Text.assemble(("共比较 ", "bold"), str(summary.compared), " 套：", (str(summary.totals), "bold"),
                                " 套总分变化，", (str(sum(summary.grades.values())), "bold"), " 套等级变化",
                                f"（{grades}）" if grades else ""))
    if summary.indicators:
        top = "，".join(f"{'/'.join(map(str, p[-1:]))} {n} 套" for p, n in summary.indicators.most_common(10))
        console.print(Text(_t(f"得分变化的指标：{top}")))
    if summary.facts_differ:
        console.print(Text(f"注意：{summary.facts_differ} 套的事实不同（facts.sha256 不一致），比较的不只是规则的改动",
                           style="bold red"))


_QUOTES = str.maketrans("", "", "\"'“”‘’「」『』")


def _unquoted(name: str) -> str:
    """A name as typed in a console: the quotes of “一站式”政务服务… are ASCII ones there, or none at all."""
    return name.translate(_QUOTES).strip()


def find_indicator(doc: dict, name: str) -> list[dict]:
    """The 三级指标 named ``name``, or whose name (or 一级/二级/三级 path) contains it, quotes aside."""
    found = []
    typed = _unquoted(name)

    def walk(node, path):
        here = path + [node["name"]]
        if "children" in node:
            for c in node["children"]:
                walk(c, here)
        elif node["name"] == name or "/".join(here[1:]) == name or (typed and typed in _unquoted(node["name"])):
            found.append(node)
    walk(doc, [])
    exact = [n for n in found if n["name"] == name] or [n for n in found if _unquoted(n["name"]) == typed]
    return exact or found


def find_group(doc: dict, name: str) -> Optional[dict]:
    """The 一级 or 二级 indicator named ``name`` (quotes aside), for saying which 三级指标 it holds."""
    typed = _unquoted(name)
    stack = list(doc.get("children") or [])
    while stack:
        node = stack.pop(0)
        if "children" in node:
            if _unquoted(node["name"]) == typed:
                return node
            stack.extend(node["children"])
    return None


def print_indicator(node: dict, console: Console, only: Optional[set] = None, evidence: Optional[dict] = None,
                    display: Optional[dict] = None) -> None:
    """One indicator's trace, step by step, each fact with its evidence (``evidence``: the document's)."""
    tree = Tree(_text(label(node)))
    steps = node.get("trace") or []
    if only:
        steps = [s for s in steps if s["kind"] in only] + loss_without_deduction(node, only, display)
    by_id = {s["id"]: s for s in steps}
    branches: dict[int, Tree] = {}
    for s in steps:
        parent = branches.get(s.get("parent")) if s.get("parent") in by_id else None
        branches[s["id"]] = (parent or tree).add(_text(step_label(s, True, evidence)))
    console.print(tree)


def print_narrative(node: dict, console: Console, evidence: Optional[dict] = None,
                    display: Optional[dict] = None) -> None:
    """One indicator's 指标分析结果: its name and score, then the prose, a sentence a line."""
    from perfdsl.render.narrative import sentences
    console.print(_text(label(node)))
    for sentence in sentences(node, evidence, display):
        console.print(Text(_t(sentence)))
    from perfdsl.render import improvement
    said = improvement.sentences(node)
    if said:
        console.print(Text(f"{improvement.HEADING}：", style="bold"))
        for sentence in said:
            console.print(Text(_t(sentence)))
