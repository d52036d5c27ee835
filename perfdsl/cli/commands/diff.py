"""``perfdsl diff``: what a rule change did to the scores and grades of the same fact sets."""

from __future__ import annotations

import argparse
import json

from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK
from perfdsl.cli.console import new_console

NAME = "diff"
HELP = "比较两次评分结果：规则改动后哪些得分、等级变了"
DESCRIPTION = ("比较两次 perfdsl eval --format json 的输出（同一批事实按新旧规则各评一次），"
               "列出总分、等级或三级指标得分变化的每套事实，并汇总等级变化与变化最多的指标；"
               "没有变化时以 0 退出，有变化时以 1 退出")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", help="改动前的评分结果（.json 或 .jsonl）")
    parser.add_argument("new", help="改动后的评分结果（与 old 同一批事实、同一顺序）")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="json：每个变化一行，最后一行是汇总")


def run(args: argparse.Namespace) -> int:
    from perfdsl.explain.diff import Change, compare
    changed = False
    console = None if args.format == "json" else new_console()
    for item in compare(args.old, args.new):
        if isinstance(item, Change):
            changed = True
            if console is None:
                print(json.dumps({"kind": "change", **item.to_json()}, ensure_ascii=False))
            else:
                from perfdsl.render.terminal import print_change
                print_change(item, console)
        elif console is None:
            print(json.dumps({"kind": "summary", **item.to_json()}, ensure_ascii=False))
        else:
            from perfdsl.render.terminal import print_diff_summary
            print_diff_summary(item, console)
    return EXIT_FAIL if changed else EXIT_OK
