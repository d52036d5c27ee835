"""``perfdsl diff``: what a rule change did to the scores and grades of the same fact sets."""

from __future__ import annotations

import argparse

from perfdsl.cli.argparse_zh import add_choice
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, TEXT_FORMAT
from perfdsl.cli.console import new_console
from perfdsl.cli.output import json_stdout

NAME = "diff"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("比较两次 perfdsl eval --format json 的输出（同一批事实按新旧规则各评一次，或各含一套事实的"
               "两个结果，如同一单位的两个年度），列出总分、等级或三级指标得分变化的每套事实，并汇总等级变化与"
               "变化最多的指标；没有变化时以 0 退出，有变化时以 1 退出")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("改规则前后各评一次，再比较",
     "perfdsl eval 旧规则/ examples/batch/facts.jsonl --format json -o 旧.jsonl"),
    ("", "perfdsl eval rules/ examples/batch/facts.jsonl --format json -o 新.jsonl"),
    ("", "perfdsl diff 旧.jsonl 新.jsonl"),
    ("同一单位的两个年度（各一套事实，同一套规则）", "perfdsl diff 2023.json 2024.json"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="旧结果", help="改动前的评分结果（.json 或 .jsonl）")
    parser.add_argument("new", metavar="新结果",
                        help="改动后的评分结果（与旧结果同一批事实、同一顺序；两边各一套事实时可以不同）")
    add_choice(parser, "--format", names={**TEXT_FORMAT, "json": ()}, default="text",
               help="输出格式：文本（屏幕阅读），或 json（每个变化一行，最后一行是汇总）")


def run(args: argparse.Namespace) -> int:
    import json

    from perfdsl.explain.diff import Change, compare
    changed = False
    if args.format == "json":
        json_stdout()
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
