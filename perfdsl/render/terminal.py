"""The result tree in a terminal (rich): scores, 得分率, grade, and why points were lost.

Text from the document (names, reasons, trace steps, file names) reaches rich only as ``Text``
through ``_t`` (``escape.for_terminal``): no escape sequence reaches the screen and no Rich markup
in it is interpreted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Optional

from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from perfdsl.interp import step_kinds as S
from perfdsl.render.escape import for_terminal
from perfdsl.ruleset.evidence import step_note

if TYPE_CHECKING:
    from perfdsl.explain.diff import Change, Summary

# Steps that explain a loss of points; details are shown under the part or formula that lost them.
ALWAYS_KINDS = (S.DEDUCTION, S.CAP, S.FLOOR, S.NOT_APPLICABLE, S.ERROR)
DETAIL_KINDS = (S.BAND, S.BUILTIN, S.MATCH, S.JUDGEMENT)


def _t(value, one_line: bool = False) -> str:
    """Anything from a document, as text safe for a terminal."""
    return for_terminal(value if isinstance(value, str) else str(value), one_line=one_line)


def _label(node: dict, is_root: bool = False) -> Text:
    t = Text()
    t.append(_t(node["name"]), style="bold" if is_root or "children" in node else "")
    t.append("  ")
    score = node.get("score")
    if score is None and node.get("status") == "not_applicable":
        t.append("不计分", style="magenta")
        t.append(f" / {_t(node['weight'])}")
    elif score is None:
        t.append("无法评分", style="bold red")
        t.append(f" / {_t(node['weight'])}")
    else:
        lost = Decimal(score) < Decimal(node["weight"])
        t.append(_t(score), style="yellow" if lost else "green")
        t.append(f" / {_t(node['weight'])}")
    if "rate" in node and not is_root:
        t.append(f"  得分率 {_t(node['rate'])}", style="dim")
    if node.get("status") == "not_applicable":
        t.append("  不适用", style="magenta")
    return t


def _steps_for(node: dict, full: bool, only: Optional[set], display: Optional[dict] = None) -> list[dict]:
    """The steps that say why points were lost (all of them with ``full``)."""
    steps = node.get("trace") or []
    if only:
        return [s for s in steps if s["kind"] in only] + _loss_without_deduction(node, only, display)
    if full:
        return steps
    score = node.get("score")
    if score is not None and Decimal(score) >= Decimal(node["weight"]) and node.get("status") != "not_applicable":
        return [s for s in steps if s["kind"] in (S.CAP, S.NOT_APPLICABLE)]
    lossy: set = set()
    for s in steps:
        if s["kind"] == S.PART and Decimal(s.get("value", "0")) < Decimal(s.get("points", "0")):
            lossy.add(s["id"])
        elif s["kind"] == S.FORMULA and "formula" in s:
            lossy.add(s["id"])
    shown = []
    for s in steps:
        if s["id"] in lossy or s["kind"] in ALWAYS_KINDS:
            shown.append(s)
        elif s.get("parent") in lossy and s["kind"] in DETAIL_KINDS:
            shown.append(s)
    return shown


def _loss_without_deduction(node: dict, only: set, display: Optional[dict] = None) -> list[dict]:
    """Under ``--only 扣分``, an indicator that lost points in a band or a formula, not by a deduction, says so
    and shows the sub-items (or the formula) that scored below their points, instead of nothing."""
    score = node.get("score")
    steps = node.get("trace") or []
    if S.DEDUCTION not in only or score is None or Decimal(score) >= Decimal(node["weight"]):
        return []
    if any(s["kind"] == S.DEDUCTION for s in steps):
        return []
    from perfdsl.render.narrative import sentences
    lost = Decimal(node["weight"]) - Decimal(score)
    said = sentences(node, display=display)  # units and labels as the 指标分析结果 says them (2.07 万元)
    out = [{"id": 0, "kind": "note", "text": f"未扣分，失 {lost.normalize():f} 分在于评分档次或公式得分："}]
    for s in steps:
        if s["kind"] == S.PART and Decimal(s.get("value", "0")) < Decimal(s.get("points", "0")):
            words = next((x for x in said if x.startswith(f"{s['part']}（")), s["text"])
        elif s["kind"] == S.FORMULA and "formula" in s:
            words = said[0] if said else s["text"]
        else:
            continue
        out.append({"id": -s["id"], "kind": "note", "text": words, "at": s.get("at", "")})
    return out


_STYLE = {S.DEDUCTION: "red", S.CAP: "magenta", S.FLOOR: "magenta", S.NOT_APPLICABLE: "magenta",
          S.JUDGEMENT: "cyan", S.ERROR: "bold red", S.ROUNDING: "dim", S.FACT: "dim"}


def _add_steps(branch: Tree, steps: list[dict], show_at: bool, evidence: Optional[dict] = None) -> None:
    for s in steps:
        t = Text(_t(s["text"] + step_note(s, evidence)), style=_STYLE.get(s["kind"], ""))
        if show_at and "at" in s:
            t.append(f"  ({_t(s['at'])})", style="dim")
        branch.add(t)


def build_tree(doc: dict, full: bool = False, only: Optional[set] = None, show_at: bool = False) -> Tree:
    root_label = _label(doc, is_root=True)
    if doc.get("grade"):
        root_label.append(f"  等级 {_t(doc['grade'])}", style="bold cyan")
    tree = Tree(root_label)

    def add(parent: Tree, node: dict) -> None:
        branch = parent.add(_label(node))
        if "children" in node:
            _add_steps(branch, node.get("trace") or [], show_at)  # a group's re-normalisation
            for c in node["children"]:
                add(branch, c)
        else:
            _add_steps(branch, _steps_for(node, full, only, (doc.get("ruleset") or {}).get("display")), show_at,
                       doc.get("evidence"))
            for e in node.get("errors", []):
                branch.add(Text(_t(f"错误[{e['code']}]：{e['message']}（{e.get('file', '')}:{e.get('line', '')}）"),
                                style="bold red"))

    for c in doc.get("children", []):
        add(tree, c)
    return tree


def print_result(doc: dict, console: Console, full: bool = False, only: Optional[set] = None) -> None:
    console.print(build_tree(doc, full=full, only=only, show_at=full or bool(only)))
    if doc.get("score") is not None:
        console.print(Text.assemble(("总分 ", "bold"), (_t(doc["score"]), "bold green"), f" / {_t(doc['weight'])}",
                                    ("  等级 " if doc.get("grade") else "  ", "bold"),
                                    (_t(doc.get("grade") or "未定等级"), "bold cyan")))
    for step in doc.get("grade_trace") or []:
        if step["kind"] == S.VETO:
            console.print(Text(_t(step["text"]), style="bold red"))
    for w in doc.get("warnings", []):
        at = f"{w['file']}:{w['line']}:{w['column']}: " if "file" in w else ""
        console.print(Text(_t(f"{at}警告[{w['code']}]：{w['message']}"), style="yellow"))


def print_row(doc: dict, where: str, console: Console) -> None:
    """One fact set of a batch as one line: total, grade, title, where it came from (or why it failed)."""
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
                                _t(doc.get("name", ""), one_line=True),
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
    tree = Tree(_label(node))
    steps = node.get("trace") or []
    if only:
        steps = [s for s in steps if s["kind"] in only] + _loss_without_deduction(node, only, display)
    by_id = {s["id"]: s for s in steps}
    branches: dict[int, Tree] = {}
    for s in steps:
        parent = branches.get(s.get("parent")) if s.get("parent") in by_id else None
        t = Text(_t(s["text"] + step_note(s, evidence)), style=_STYLE.get(s["kind"], ""))
        if "at" in s:
            t.append(f"  ({_t(s['at'])})", style="dim")
        branches[s["id"]] = (parent or tree).add(t)
    console.print(tree)


def print_narrative(node: dict, console: Console, evidence: Optional[dict] = None,
                    display: Optional[dict] = None) -> None:
    """One indicator's 指标分析结果: its name and score, then the prose, a sentence a line."""
    from perfdsl.render.narrative import sentences
    console.print(_label(node))
    for sentence in sentences(node, evidence, display):
        console.print(Text(_t(sentence)))
    from perfdsl.render import improvement
    said = improvement.sentences(node)
    if said:
        console.print(Text(f"{improvement.HEADING}：", style="bold"))
        for sentence in said:
            console.print(Text(_t(sentence)))
