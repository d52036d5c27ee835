"""``perfdsl explain``: how one indicator's score came about.

By default the 指标分析结果 in prose (``render/narrative.py``); ``--trace`` (or ``--only``) the structured
trace, step by step, with the rule line behind each step.
"""

from __future__ import annotations

import argparse
import sys

from perfdsl.cli.argparse_zh import add_choice
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, TRACE_FILTER_NAMES, TRACE_FILTERS
from perfdsl.cli.console import new_console

NAME = "explain"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("说明一个指标的得分（规则、事实、指标名称依次给出）：默认给出指标分析结果（文字），"
               "--trace 给出完整评分过程")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("一个指标的完整评分过程", "perfdsl explain rules/ examples/heping-2024/facts.json 预算编制完整性"),
    ("完整的评分过程（逐步骤，含规则位置）",
     "perfdsl explain rules/ examples/heping-2024/facts.json 预算编制完整性 --trace"),
    ("只看扣分的步骤", "perfdsl explain rules/ examples/heping-2024/facts.json 预算编制完整性 --only 扣分"),
    ("批量文件中第 3 行的那套事实", "perfdsl explain rules/ examples/batch/facts.jsonl:3 预算编制完整性"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="规则文件或规则目录")
    parser.add_argument("facts", metavar="事实",
                        help="事实文件（.json，或填好的基础数据表 .xlsx），或批量文件中的一行（文件.jsonl:行号）")
    parser.add_argument("indicator", metavar="指标", help="三级指标名称（或其一部分）")
    parser.add_argument("--trace", action="store_true",
                        help="显示完整评分过程（每一步及其规则位置），而不是指标分析结果")
    add_choice(parser, "--only", names=TRACE_FILTER_NAMES,
               help="只显示某类步骤：扣分（含封顶、保底）、不适用、事实（含酌情判断）、区间（含查表）；"
                    "也可写 deductions、na、facts、bands")


def run(args: argparse.Namespace) -> int:
    from perfdsl.cli.inputs import check_rules_first
    from perfdsl.cli.scoring import score_file
    from perfdsl.render.terminal import find_indicator, print_indicator, print_narrative
    check_rules_first(args.rules, [args.facts], NAME)
    engine, doc, diags, result = score_file(args.rules, args.facts, improve=True)
    if result is None:
        return EXIT_FAIL
    if result.warnings:  # an undeclared key (F020, with the name it may have meant): said, not only in the JSON
        from perfdsl.cli.console import report_warnings
        from perfdsl.cli.scoring import facts_sources, single_record
        report_warnings(doc, facts_sources(engine, single_record(args.facts)))
    found = find_indicator(doc, args.indicator)
    if not found:
        print(f"perfdsl: {_not_found(doc, args.indicator, [n.name for n in result.root.leaves()])}", file=sys.stderr)
        return EXIT_FAIL
    console = new_console()
    only = TRACE_FILTERS.get(args.only) if args.only else None
    for node in found:
        if args.trace or only:
            print_indicator(node, console, only, doc.get("evidence"), (doc.get("ruleset") or {}).get("display"))
        else:
            print_narrative(node, console, doc.get("evidence"), (doc.get("ruleset") or {}).get("display"))
    return EXIT_FAIL if diags else EXIT_OK


def _not_found(doc: dict, typed: str, leaves: list[str]) -> str:
    """Why no 三级指标 matched, and what to type instead: the 三级指标 a 一级/二级 one holds, a close name,
    or where the names are listed."""
    from perfdsl.diagnostics import closest
    from perfdsl.render.escape import for_terminal
    from perfdsl.render.terminal import find_group
    shown = for_terminal(typed, one_line=True)
    scored = _leaf_word(doc)
    group = find_group(doc, typed)
    if group is not None:
        level = {1: "一级", 2: "二级"}.get(group.get("level") or 0, "上级")
        names: list[str] = []
        stack = [group]
        while stack:
            node = stack.pop(0)
            if "children" in node:
                stack[:0] = node["children"]
            else:
                names.append(node["name"])
        listed = "；".join(for_terminal(n, one_line=True) for n in names)  # 、 is inside names: 测算细化、客观、…
        return f"“{shown}” 是{level}指标；explain 说明一个{scored}，请写其中之一：{listed}"
    sugg = closest(typed, leaves)
    if sugg:
        return f"没有名为 “{shown}” 的{scored}；是否想找 “{for_terminal(sugg[0], one_line=True)}”？"
    return (f"没有名为 “{shown}” 的{scored}；请写{scored}的名称或其中的几个字，"
            "全部指标见 perfdsl eval 规则 事实 列出的指标树")


def _leaf_word(doc: dict) -> str:
    """What the indicators explain takes are called: 三级指标 in the seed's tree, 二级指标 in a two-level one,
    末级指标 where they sit at several levels."""
    levels: set = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if "children" in node:
            stack.extend(node["children"])
        elif not (node.get("bonus") or node.get("penalty")):
            levels.add(node.get("level"))
    words = {1: "一级指标", 2: "二级指标", 3: "三级指标"}
    return words[levels.pop()] if len(levels) == 1 and levels <= set(words) else "末级指标"
