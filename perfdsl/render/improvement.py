"""失分原因与提升空间: an indicator's ``improve`` list (``explain/improve.py``) as the evaluators' sentences.

Each cause of lost points is said once, then every change of the facts that scoring again confirmed,
with the points it would bring back (「…，可再得 0.5 分」).  A cause with no confirmed change (a
judgement, or a formula the facts cannot be solved for) is said without a figure.
"""

from __future__ import annotations

from perfdsl.explain.words import number

HEADING = "失分原因与提升空间"


def sentences(node: dict) -> list[str]:
    """One sentence per cause of lost points (each ends with 。); none for an indicator at full marks."""
    causes: dict[str, list[dict]] = {}
    for entry in node.get("improve") or ():
        causes.setdefault(entry["cause"], []).append(entry)
    out = []
    for cause, entries in causes.items():
        ways = [f"{e['need']}，可再得 {number(e['gain'])} 分" for e in entries if "gain" in e]
        if ways:
            out.append(f"{cause}。" + "；".join(ways) + "。")
        elif entries[0]["kind"] == "judgement":
            out.append(f"{cause}。属酌情评分，能否提升取决于评价人员对整改情况的判断。")
        else:
            out.append(f"{cause}。无法由事实推算可提升的分数。")
    return out


def text(node: dict) -> str:
    """The part as one paragraph with its heading, or "" when nothing was lost."""
    said = sentences(node)
    return f"{HEADING}：" + "".join(said) if said else ""
