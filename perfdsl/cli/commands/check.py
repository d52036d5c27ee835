"""``perfdsl check``: a rule set's errors and warnings, before anything is scored with it."""

from __future__ import annotations

import argparse
import sys

from perfdsl.cli.argparse_zh import add_choice
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, TEXT_FORMAT
from perfdsl.cli.console import new_console, report_diagnostics
from perfdsl.cli.output import json_stdout

NAME = "check"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = "检查规则文件：语法、名称、类型、分值、区间；有错误时以 1 退出"
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("检查规则目录", "perfdsl check rules/"),
    ("有警告也算不通过（用于持续集成）", "perfdsl check --strict rules/"),
    ("以 JSON 列出错误与警告", "perfdsl check rules/ --format json"),
    ("同时列出规则中已用 允许 接受的警告", "perfdsl check --show-accepted rules/"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="规则文件或规则目录")
    parser.add_argument("--strict", action="store_true", help="有警告也以失败退出（已用 允许 接受的警告除外）")
    parser.add_argument("--show-accepted", action="store_true",
                        help="也列出已用 允许 接受的警告及其理由（默认只报告条数）")
    add_choice(parser, "--format", names={**TEXT_FORMAT, "json": ()}, default="text",
               help="输出格式：文本（屏幕阅读）或 json")


def run(args: argparse.Namespace) -> int:
    from perfdsl.ruleset.gcpause import paused
    with paused():  # most of a start is these imports: nothing they make is garbage for the cyclic collector
        import json

        from perfdsl.diagnostics import PerfdslError
        from perfdsl.render.diagnostics import label, render_json
        from perfdsl.render.escape import for_terminal
        from perfdsl.ruleset.cache import load_checked
    if args.format == "json":
        json_stdout()
    try:  # rules an eval has checked before come from the compiled-rule cache, diagnostics and all
        checked = load_checked(args.rules, store=False)
    except PerfdslError as exc:
        if args.format == "json":
            print(render_json(exc.diagnostics))
        else:
            report_diagnostics(exc.diagnostics, exc.sources)
        return EXIT_FAIL
    rules = checked.rules
    if args.format == "json":
        print(json.dumps(_with_accepted(checked), ensure_ascii=False, indent=2))
    elif not checked.diagnostics and not (args.show_accepted and checked.accepted) and not sys.stderr.isatty():
        # nothing to lay out: the summary is written as rich would write it off a terminal, without importing rich
        sys.stderr.write("".join(line + "\n" for line in _summary(checked)))
    else:
        report_diagnostics(checked.diagnostics, rules.sources)
        console = new_console(stderr=True)
        if args.show_accepted:
            from rich.text import Text
            for d, a in checked.accepted:
                console.print(Text(for_terminal(f"{d.span}: 已接受的{label(d.severity, d.code)}：{d.message}\n"
                                                f"  = 理由（{a.span}）：{a.reason}")))
        for line in _summary(checked):
            console.print(line)
    if checked.errors or (args.strict and checked.warnings):
        return EXIT_FAIL
    return EXIT_OK


def _summary(checked) -> list[str]:
    """The closing lines: how many files, errors and warnings, and how many warnings the rules accept."""
    lines = [f"{len(checked.rules.sources)} 个规则文件：{len(checked.errors)} 个错误，{len(checked.warnings)} 个警告"]
    if checked.accepted:
        lines.append(f"另有 {len(checked.accepted)} 条警告已按规则中的说明接受（允许 …；"
                     "perfdsl check --show-accepted 列出它们）")
    return lines


def _with_accepted(checked) -> list[dict]:
    """Every diagnostic; an accepted warning carries ``"accepted": {"reason", "file", "line", "column"}``."""
    from perfdsl.diagnostics import sort_key
    why = {id(d): a for d, a in checked.accepted}
    out = []
    for d in sorted([*checked.diagnostics, *(d for d, _ in checked.accepted)], key=sort_key):
        item = d.to_json()
        a = why.get(id(d))
        if a is not None:
            item["accepted"] = {"reason": a.reason, "file": a.span.file, "line": a.span.line,
                                "column": a.span.column}
        out.append(item)
    return out
