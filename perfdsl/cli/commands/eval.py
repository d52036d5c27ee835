"""``perfdsl eval``: one fact set or a batch, on screen, as JSON (lines) or as a summary workbook."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import cast

from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, TRACE_FILTERS, Usage
from perfdsl.cli.console import new_console, report_diagnostics
from perfdsl.cli.inputs import iter_records
from perfdsl.cli.output import AtomicOutput, check_output
from perfdsl.cli.scoring import Trace, load_engine, score_records, worker_count

NAME = "eval"
HELP = "对一个或一批事实文件评分"
DESCRIPTION = "对一个或一批事实文件评分"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", help="规则文件或规则目录")
    parser.add_argument("facts", nargs="+",
                        help="事实文件：.json（一套事实）或 .jsonl（每行一套），或其目录；"
                             "批量文件中的一行写作 文件.jsonl:行号")
    parser.add_argument("--format", choices=("text", "json", "xlsx"), default="text",
                        help="输出格式（默认 text）；xlsx：评分汇总表，每套事实一行、每个指标一列（需 -o）")
    parser.add_argument("--no-trace", action="store_true", help="JSON 中不包含评分过程")
    parser.add_argument("--compact-trace", action="store_true",
                        help="批量 JSON 行中的评分过程写成紧凑形式（每步一个数组：位置编号、上级步骤、数值），"
                             "内容不减，快得多；用 perfdsl expand 还原为完整步骤")
    parser.add_argument("--full", action="store_true",
                        help="text 格式下显示每个指标的完整评分过程（批量评分默认每套一行：总分、等级、名称、来源）")
    parser.add_argument("--only", choices=sorted(TRACE_FILTERS), help="text 格式下只显示某类评分步骤")
    parser.add_argument("-o", "--output", help="写入文件（先写临时文件再改名，不会留下半个文件）")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="用 N 个进程并行评分（输出顺序不变）")


def run(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and not args.output:
        raise Usage("--format xlsx 需要用 -o 指定输出文件")
    if args.compact_trace and (args.format != "json" or args.no_trace):
        raise Usage("--compact-trace 用于 --format json 写出的评分过程（不能与 --no-trace 同用）")
    check_output(args.output)
    engine = load_engine(args.rules)
    text_output = args.format == "text"
    single = len(args.facts) == 1 and not args.facts[0].endswith(".jsonl") and not Path(args.facts[0]).is_dir()
    rows = text_output and not single and not args.full and not args.only  # a batch on screen: a line per fact set
    book = None
    if args.format == "xlsx":
        from perfdsl.render.summary_xlsx import SummaryWorkbook
        book = SummaryWorkbook(engine.rules)
    trace: Trace = (text_output and not rows) or (args.format == "json" and not args.no_trace)
    if trace and args.compact_trace and args.format == "json":
        trace = "compact"
        if engine.compact_tracer() is None:
            print(f"perfdsl: 规则中有紧凑评分过程尚不支持的写法（{engine.compact_unsupported}），"
                  "评分过程按完整形式写出（较慢）", file=sys.stderr)
    jobs = 1 if text_output and not rows else worker_count(args.jobs)
    grades: dict = {}
    failed_at: list = []
    total = 0
    progress = None
    if not single and not text_output and sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        progress = Progress(SpinnerColumn(), TextColumn("已评分 {task.completed} 套"), TimeElapsedColumn(),
                            console=new_console(stderr=True), transient=True)
        progress.start()
        task = progress.add_task("eval", total=None)
    try:
        # a workbook is written after the loop, in one piece: nothing goes to out
        with (contextlib.nullcontext(sys.stdout) if book is not None else AtomicOutput(args.output)) as out:
            console = None
            compact = args.format == "json" and (not single or trace == "compact")
            for rec, doc, grade, diags, result in score_records(engine, iter_records(args.facts), trace, jobs,
                                                                compact=compact):
                total += 1
                if diags:
                    failed_at.append(f"{rec.source}:{rec.line}" if rec.line else rec.source)
                    report_diagnostics(diags, engine.rules.sources)
                elif grade is not None:
                    grades[grade] = grades.get(grade, 0) + 1
                if book is not None:
                    book.add(cast(dict, doc), rec.source, rec.line)  # not JSON: documents themselves
                elif isinstance(doc, str):
                    out.write(doc + "\n")
                elif args.format == "json":
                    out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
                elif rows or result is not None:
                    from perfdsl.render.terminal import print_result, print_row
                    if console is None:
                        from rich.console import Console
                        console = Console(file=out, width=1000, no_color=True, highlight=False) if args.output \
                            else new_console()
                    where = f"{rec.source}" + (f":{rec.line}" if rec.line else "")
                    if rows:
                        print_row(doc, where, console)
                    else:
                        if not single:
                            console.rule(where)
                        only = TRACE_FILTERS.get(args.only) if args.only else None
                        print_result(doc, console, full=args.full, only=only)
                if progress is not None:
                    progress.update(task, advance=1)
    finally:
        if progress is not None:
            progress.stop()
    if book is not None:
        with AtomicOutput(args.output, binary=True) as out:
            book.finish(out)
    if not single:  # a batch always ends with its count, even of 0 or 1 fact set
        by_grade = "，".join(f"{g} {n} 套" for g, n in sorted(grades.items(), key=lambda kv: -kv[1]))
        print(f"共 {total} 套事实：{total - len(failed_at)} 套成功，{len(failed_at)} 套失败"
              + (f"；等级 {by_grade}" if by_grade else ""), file=sys.stderr)
        if failed_at:
            shown = "、".join(failed_at[:20]) + ("…" if len(failed_at) > 20 else "")
            print(f"失败的输入：{shown}", file=sys.stderr)
    return EXIT_FAIL if failed_at else EXIT_OK
