"""``perfdsl explain``: one indicator's whole trace, for the auditor who asks how a score came about."""

from __future__ import annotations

import argparse
import sys

from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, TRACE_FILTERS
from perfdsl.cli.console import new_console
from perfdsl.cli.scoring import score_file

NAME = "explain"
HELP = "显示一个指标的完整评分过程"
DESCRIPTION = "显示一个指标的完整评分过程"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules")
    parser.add_argument("facts", help="事实文件（.json），或批量文件中的一行（文件.jsonl:行号）")
    parser.add_argument("indicator", help="三级指标名称（或其一部分）")
    parser.add_argument("--only", choices=sorted(TRACE_FILTERS), help="只显示某类步骤")


def run(args: argparse.Namespace) -> int:
    from perfdsl.render.terminal import find_indicator, print_indicator
    engine, doc, diags, result = score_file(args.rules, args.facts)
    if result is None:
        return EXIT_FAIL
    found = find_indicator(doc, args.indicator)
    if not found:
        names = [n.name for n in result.root.leaves()]
        from perfdsl.diagnostics import closest
        sugg = closest(args.indicator, names)
        print(f"perfdsl: 没有名为 “{args.indicator}” 的指标" + (f"；是否想找 “{sugg[0]}”？" if sugg else ""),
              file=sys.stderr)
        return EXIT_FAIL
    console = new_console()
    only = TRACE_FILTERS.get(args.only) if args.only else None
    for node in found:
        print_indicator(node, console, only)
    return EXIT_FAIL if diags else EXIT_OK
