"""``perfdsl check``: a rule set's errors and warnings, before anything is scored with it."""

from __future__ import annotations

import argparse

from perfdsl.cli.argparse_zh import add_choice
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, TEXT_FORMAT
from perfdsl.cli.console import new_console, report_diagnostics
from perfdsl.cli.output import json_stdout
from perfdsl.diagnostics import PerfdslError

NAME = "check"
HELP = "检查规则文件"
DESCRIPTION = "检查规则文件：语法、名称、类型、分值、区间；有错误时以 1 退出"
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("检查规则目录", "perfdsl check rules/"),
    ("有警告也算不通过（用于持续集成）", "perfdsl check --strict rules/"),
    ("以 JSON 列出错误与警告", "perfdsl check rules/ --format json"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="规则文件或规则目录")
    parser.add_argument("--strict", action="store_true", help="有警告也以失败退出")
    add_choice(parser, "--format", names={**TEXT_FORMAT, "json": ()}, default="text",
               help="输出格式：文本（屏幕阅读）或 json")


def run(args: argparse.Namespace) -> int:
    from perfdsl.render.diagnostics import render_json
    from perfdsl.ruleset.check import check
    from perfdsl.ruleset.loader import load
    if args.format == "json":
        json_stdout()
    try:
        rules = load(args.rules)
    except PerfdslError as exc:
        if args.format == "json":
            print(render_json(exc.diagnostics))
        else:
            report_diagnostics(exc.diagnostics, exc.sources)
        return EXIT_FAIL
    checked = check(rules)
    if args.format == "json":
        print(render_json(checked.diagnostics))
    else:
        report_diagnostics(checked.diagnostics, rules.sources)
        n_err, n_warn = len(checked.errors), len(checked.warnings)
        console = new_console(stderr=True)
        console.print(f"{len(rules.sources)} 个规则文件：{n_err} 个错误，{n_warn} 个警告")
    if checked.errors or (args.strict and checked.warnings):
        return EXIT_FAIL
    return EXIT_OK
