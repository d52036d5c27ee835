"""What the result tree of ``perfdsl eval`` says, as plain data, apart from how it is drawn.

A ``Label`` is one node's text: a base style and its parts, each ``(text, style name)``, exactly the ``Text`` rich
would be given (``Text(base)`` then ``append(text, style)`` part by part).  Everything that came from the document
passes through ``escape.for_terminal`` here, once.  Two writers draw the same data: rich's (``render/terminal.py``)
and the lean one (``render/lean_terminal.py``), which writes the same bytes without importing rich.
"""

from __future__ import annotations

from decimal import Decimal

from perfdsl.interp import step_kinds as S
from perfdsl.render.escape import for_terminal
from perfdsl.ruleset.evidence import step_note

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from typing import Optional

# Steps that explain a loss of points; details are shown under the part or formula that lost them.
ALWAYS_KINDS = (S.DEDUCTION, S.CAP, S.FLOOR, S.NOT_APPLICABLE, S.ERROR)
DETAIL_KINDS = (S.BAND, S.BUILTIN, S.MATCH, S.JUDGEMENT)
STEP_STYLE = {S.DEDUCTION: "red", S.CAP: "magenta", S.FLOOR: "magenta", S.NOT_APPLICABLE: "magenta",
              S.JUDGEMENT: "cyan", S.ERROR: "bold red", S.ROUNDING: "dim", S.FACT: "dim"}


class Label:
    """One line of the result as rich's ``Text`` would hold it: a base style and parts of (text, style)."""

    __slots__ = ("style", "parts")

    def __init__(self, style: str = "", parts: Optional[list[tuple[str, str]]] = None):
        self.style = style
        self.parts = parts if parts is not None else []

    def add(self, text: str, style: str = "") -> Label:
        self.parts.append((text, style))
        return self


class Node:
    """A label and the nodes under it, as ``rich.tree.Tree`` would draw them."""

    __slots__ = ("label", "children")

    def __init__(self, label: Label):
        self.label = label
        self.children: list[Node] = []

    def add(self, label: Label) -> Node:
        child = Node(label)
        self.children.append(child)
        return child


def t(value, one_line: bool = False) -> str:
    """Anything from a document, as text safe for a terminal."""
    return for_terminal(value if isinstance(value, str) else str(value), one_line=one_line)


def label(node: dict, is_root: bool = False) -> Label:
    """An indicator's name, score / weight, 得分率 and 不适用."""
    out = Label()
    out.add(t(node["name"]), "bold" if is_root or "children" in node else "")
    out.add("  ")
    score = node.get("score")
    if score is None and node.get("status") == "not_applicable":
        out.add("不计分", "magenta")
    elif score is None:
        out.add("无法评分", "bold red")
    else:
        out.add(t(score), "yellow" if Decimal(score) < Decimal(node["weight"]) else "green")
    out.add(f" / {t(node['weight'])}")
    if "rate" in node and not is_root:
        out.add(f"  得分率 {t(node['rate'])}", "dim")
    if node.get("status") == "not_applicable":
        out.add("  不适用", "magenta")
    return out


def steps_for(node: dict, full: bool, only: Optional[set], display: Optional[dict] = None) -> list[dict]:
    """The steps that say why points were lost (all of them with ``full``)."""
    steps = node.get("trace") or []
    if only:
        return [s for s in steps if s["kind"] in only] + loss_without_deduction(node, only, display)
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


def loss_without_deduction(node: dict, only: set, display: Optional[dict] = None) -> list[dict]:
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


def step_label(step: dict, show_at: bool, evidence: Optional[dict] = None) -> Label:
    """A trace step's words (and its evidence), with where in the rules it happened under ``show_at``."""
    out = Label(STEP_STYLE.get(step["kind"], "")).add(t(step["text"] + step_note(step, evidence)))
    if show_at and "at" in step:
        out.add(f"  ({t(step['at'])})", "dim")
    return out


def result_tree(doc: dict, full: bool = False, only: Optional[set] = None, show_at: bool = False) -> Node:
    """The document's indicators as a tree, each leaf with the steps that say why it lost points."""
    root_label = label(doc, is_root=True)
    if doc.get("grade"):
        root_label.add(f"  等级 {t(doc['grade'])}", "bold cyan")
    tree = Node(root_label)
    display = (doc.get("ruleset") or {}).get("display")

    def add(parent: Node, node: dict) -> None:
        branch = parent.add(label(node))
        if "children" in node:
            for s in node.get("trace") or []:  # a group's re-normalisation
                branch.add(step_label(s, show_at))
            for c in node["children"]:
                add(branch, c)
        else:
            for s in steps_for(node, full, only, display):
                branch.add(step_label(s, show_at, doc.get("evidence")))
            for e in node.get("errors", []):
                branch.add(Label("bold red").add(
                    t(f"错误[{e['code']}]：{e['message']}（{e.get('file', '')}:{e.get('line', '')}）")))

    for c in doc.get("children", []):
        add(tree, c)
    return tree


def closing_lines(doc: dict) -> list[Label]:
    """What follows the tree: the total and grade, the vetoes that capped the grade, the warnings."""
    lines = []
    if doc.get("score") is not None:
        lines.append(Label().add("总分 ", "bold").add(t(doc["score"]), "bold green").add(f" / {t(doc['weight'])}")
                     .add("  等级 " if doc.get("grade") else "  ", "bold").add(t(doc.get("grade") or "未定等级"),
                                                                              "bold cyan"))
    for step in doc.get("grade_trace") or []:
        if step["kind"] == S.VETO:
            lines.append(Label("bold red").add(t(step["text"])))
    for w in doc.get("warnings", []):
        at = f"{w['file']}:{w['line']}:{w['column']}: " if "file" in w else ""
        lines.append(Label("yellow").add(t(f"{at}警告[{w['code']}]：{w['message']}")))
    return lines
