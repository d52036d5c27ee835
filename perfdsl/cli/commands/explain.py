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

NAME = "explain"
HELP = "说明一个指标的得分：指标分析结果，或完整评分过程"
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
    found = find_indicator(doc, args.indicator)
    if not found:
        names = [n.name for n in result.root.leaves()]
        from perfdsl.diagnostics import closest
        sugg = closest(args.indicator, names)
        from perfdsl.render.escape import for_terminal
        print(f"perfdsl: 没有名为 “{for_terminal(args.indicator, one_line=True)}” 的指标"
              + (f"；是否想找 “{for_terminal(sugg[0], one_line=True)}”？" if sugg else ""), file=sys.stderr)
        return EXIT_FAIL
    console = new_console()
    only = TRACE_FILTERS.get(args.only) if args.only else None
    for node in found:
        if args.trace or only:
            print_indicator(node, console, only, doc.get("evidence"))
        else:
            print_narrative(node, console, doc.get("evidence"), (doc.get("ruleset") or {}).get("display"))
    return EXIT_FAIL if diags else EXIT_OK
