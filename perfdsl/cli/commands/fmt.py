"""``perfdsl fmt``: rule files in one canonical layout, comments and 评分标准 text kept as written."""

from __future__ import annotations

import argparse
import sys

from perfdsl.cli.argparse_zh import add_choice
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK
from perfdsl.cli.console import report_diagnostics
from perfdsl.cli.output import AtomicOutput

NAME = "fmt"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("把规则文件排成统一格式（保留注释与评分标准原文）。改写的文件保留原来的编码、换行与 BOM："
               "记事本、Word 存的 CRLF 换行仍是 CRLF，带 BOM 的 UTF-8 仍带 BOM；CRLF 与 LF 混用的文件统一为多数行的换行"
               "（一样多时随第一行）。已排好的文件，换行是 CRLF 或带 BOM 也不算需要排版，不会被改写")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("排版整个规则目录（改写文件）", "perfdsl fmt rules/"),
    ("只检查是否需要排版（用于持续集成）", "perfdsl fmt --check rules/"),
    ("改用英文关键字，输出到屏幕", "perfdsl fmt --keywords 英文 --stdout rules/10-部门决策.perf"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="路径", help="规则文件或目录")
    parser.add_argument("--check", action="store_true", help="只检查，不改写；有文件需要改写时以 1 退出")
    add_choice(parser, "--keywords", names={"中文": ("zh",), "英文": ("en",)},
               help="改用中文或英文关键字（也可写 zh、en；默认保留原样）")
    parser.add_argument("--stdout", action="store_true", help="输出到标准输出，不改写文件")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from perfdsl.diagnostics import PerfdslError
    from perfdsl.ruleset.conventions import Conventions, mixed
    from perfdsl.ruleset.loader import SourceFile, read_rule_file, rule_files
    from perfdsl.syntax.formatter import format_text
    changed: list[tuple[str, str]] = []  # (file, what is said after its name)
    problems = []
    for raw in args.paths:
        for path in rule_files(Path(raw)):
            src: SourceFile | None = None
            try:
                src, data = read_rule_file(path)
                new = format_text(src.text, src.path, keywords=args.keywords)
            except PerfdslError as exc:
                problems.append((exc.diagnostics, {src.path: src} if src is not None else {}))
                continue
            if args.stdout:
                sys.stdout.write(new)
                continue
            # the formatted text in the file's own encoding, BOM and line ending: only a real change rewrites it
            conventions = Conventions.of(data, src.text)
            if conventions.text(new) != src.text:
                only_endings = mixed(src.text) and new == Conventions().text(src.text)
                why = f"（换行混用 CRLF 与 LF，统一为 {conventions.newline_name}）" if only_endings else ""
                changed.append((src.path, why))
                if not args.check:
                    with AtomicOutput(str(path), binary=True) as out:
                        out.write(conventions.encode(new))
    for diags, sources in problems:
        report_diagnostics(diags, sources)
    from perfdsl.render.escape import for_terminal
    said = "需要重新排版" if args.check else "已排版"
    for name, why in changed:
        print(f"{said}：{for_terminal(name, one_line=True)}{why}", file=sys.stderr)
    if args.check and changed:  # the fix, once: the command that rewrites them
        shown = " ".join(f'"{p}"' if " " in p else p for p in (for_terminal(p, one_line=True) for p in args.paths))
        print(f"运行 perfdsl fmt {shown} 即可排版（注释与评分标准原文保留不变）", file=sys.stderr)
    if problems or (args.check and changed):
        return EXIT_FAIL
    return EXIT_OK
