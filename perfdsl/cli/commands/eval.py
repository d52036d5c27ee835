"""``perfdsl eval``: one fact set or a batch, on screen, as JSON (lines) or as a summary workbook."""

from __future__ import annotations

import argparse
import contextlib
import sys

from perfdsl.cli.argparse_zh import COUNT, add_choice
from perfdsl.cli.commands.base import (
    EXIT_FAIL,
    EXIT_OK,
    TEXT_FORMAT,
    TRACE_FILTER_NAMES,
    TRACE_FILTERS,
    Usage,
    output_format,
)
from perfdsl.cli.console import new_console, report_diagnostics, report_warnings
from perfdsl.cli.output import AtomicOutput, check_output, identity, input_files, json_stdout

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from typing import IO, Any, Callable, Optional

    from rich.console import Console

    from perfdsl.cli.inputs import Record
    from perfdsl.cli.scoring import Document, Trace
    from perfdsl.diagnostics import Diagnostic
    from perfdsl.render.summary_xlsx import SummaryWorkbook

NAME = "eval"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = "对一个或一批事实文件评分（规则在前，事实在后）"
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("对一套事实评分，列出失分的原因", "perfdsl eval rules/ examples/heping-2024/facts.json"),
    ("只看扣分的步骤", "perfdsl eval rules/ examples/heping-2024/facts.json --only 扣分"),
    ("批量评分，写出评分汇总表", "perfdsl eval rules/ examples/batch/facts.jsonl --format xlsx -o 汇总.xlsx"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="规则文件或规则目录")
    parser.add_argument("facts", nargs="+", metavar="事实",
                        help="事实文件：.json 或填好的基础数据表 .xlsx（各一套事实）、.jsonl（每行一套），"
                             "可写多个（如 *.xlsx）或其目录（按文件名顺序，每个文件一个结果）；"
                             "批量文件中的一行写作 文件.jsonl:行号")
    add_choice(parser, "--format", names={**TEXT_FORMAT, "json": (), "xlsx": ()},
               help="输出格式：文本（屏幕阅读）、json，或 xlsx（评分汇总表，每套事实一行、每个指标一列，需 -o）"
                    "（默认：按 -o 文件的扩展名，否则 文本）")
    parser.add_argument("--no-trace", action="store_true", help="json 中不包含评分过程")
    parser.add_argument("--compact-trace", action="store_true",
                        help="批量 JSON 行中的评分过程写成紧凑形式（每步一个数组：位置编号、上级步骤、数值），"
                             "内容不减，快得多；用 perfdsl expand 还原为完整步骤")
    parser.add_argument("--full", action="store_true",
                        help="文本格式下显示每个指标的完整评分过程（批量评分默认每套一行：总分、等级、名称、来源）")
    add_choice(parser, "--only", names=TRACE_FILTER_NAMES,
               help="文本格式下只显示某类评分步骤：扣分（含封顶、保底）、不适用、事实（含酌情判断）、区间（含查表）；"
                    "也可写 deductions、na、facts、bands")
    parser.add_argument("-o", "--output", metavar="文件",
                        help="写入文件（先写临时文件再改名，不会留下半个文件）；批量评分的 json 写入 .json 文件时"
                             "是一个 JSON 数组（每行一个结果），写入 .jsonl 等其他文件时每行一个结果")
    parser.add_argument("--jobs", "-j", type=COUNT, default=1, metavar="N",
                        help="用 N 个进程并行评分（输出顺序不变）")


def run(args: argparse.Namespace) -> int:
    from perfdsl.ruleset.gcpause import paused
    with paused():  # most of a start is these imports: nothing they make is garbage for the cyclic collector
        from pathlib import Path

        from perfdsl.cli.inputs import check_rules_first, iter_records
        from perfdsl.render.escape import for_terminal
    args.format = output_format(args.format, args.output, "text", {"text": "文本", "json": "json", "xlsx": "xlsx"},
                                "；网页、Word、Markdown 评分表请用 perfdsl report 生成")
    if args.format == "xlsx" and not args.output:
        raise Usage("--format xlsx 需要用 -o 指定输出文件")
    if args.compact_trace and (args.format != "json" or args.no_trace):
        raise Usage("--compact-trace 用于 --format json 写出的评分过程（不能与 --no-trace 同用）")
    check_rules_first(args.rules, args.facts, NAME)
    check_output(args.output, input_files(args.rules, args.facts))
    text_output = args.format == "text"
    single = len(args.facts) == 1 and not args.facts[0].endswith(".jsonl") and not Path(args.facts[0]).is_dir()
    want_bundle = False  # one fact set on the screen, and no warm bundle for its rules yet: one is kept after it
    if text_output and single:
        answered, want_bundle = _warm(args)
        if answered:
            return EXIT_OK
    with paused():
        from perfdsl.cli.scoring import (
            facts_sources,
            internal_failure,
            load_engine,
            one_line,
            score_records,
            worker_count,
        )
    engine = load_engine(args.rules)
    if args.format == "json":
        json_stdout()
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
    notes: list[str] = []
    total = 0
    progress = None
    if not single and not text_output and sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        progress = Progress(SpinnerColumn(), TextColumn("已评分 {task.completed} 套"), TimeElapsedColumn(),
                            console=new_console(stderr=True), transient=True)
        progress.start()
        task = progress.add_task("eval", total=None)
    output_file = identity(args.output) if args.output else None
    records = iter_records(args.facts, (output_file,) if output_file else (), notes)
    compact = args.format == "json" and (not single or trace == "compact")
    # one fact set: its trace, its document and its text are all the garbage there will be, freed by reference
    # counting; the collector's passes over them were ~2% of the command (a batch keeps the collector on)
    collector = paused() if single else contextlib.nullcontext()
    # a workbook is written after the loop, in one piece: nothing goes to out
    output = contextlib.nullcontext(sys.stdout) if book is not None else AtomicOutput(args.output)
    try:
        with collector, output as out:
            writer = _Writer(args, out, book, single, rows, engine.rules)
            # JSON lines to a file: the generated writer's lines come as UTF-8 and go to it as they are
            raw = output.bytes_writer() if compact and isinstance(output, AtomicOutput) else None
            lines = score_records(engine, records, trace, jobs, compact=compact, encoded=raw is not None)
            write: Callable[[Any], object] = out.write if raw is None else raw
            if writer.array:  # a batch to a .json file: one JSON array, a document per line (results_layout)
                from perfdsl.results_layout import ArrayWriter
                array = ArrayWriter(write, binary=raw is not None)
                write = array.element
            for rec, doc, grade, diags, result in lines:
                total += 1
                try:
                    text = writer.render(rec, doc, result is not None)
                except Exception as exc:  # noqa: BLE001 — isolation: a record that cannot be written is its error
                    doc, grade, diags, result = internal_failure(rec, exc, compact)
                    text = writer.render(rec, doc, result is not None)
                if single and not text_output:  # the text ends with them; JSON or a workbook: said on stderr too
                    report_warnings(doc, facts_sources(engine, rec))
                if diags:
                    failed_at.append(rec.where)
                    if single:
                        report_diagnostics(diags, facts_sources(engine, rec))
                    else:  # a batch: one line per failed record, naming it; the details are in its document
                        print(for_terminal(batch_diagnostic(rec, diags, args.rules), one_line=True), file=sys.stderr)
                elif grade is not None:
                    grades[grade] = grades.get(grade, 0) + 1
                if text is not None:
                    write(text)
                if progress is not None:
                    progress.update(task, advance=1)
            if writer.array:
                array.close()
    finally:
        if progress is not None:
            progress.stop()
    if book is not None:
        with AtomicOutput(args.output, binary=True) as out:
            book.finish(out)
    for note in notes:
        print(f"perfdsl: {for_terminal(one_line(note), one_line=True)}", file=sys.stderr)
    if want_bundle and total == 1 and not failed_at:
        _keep_bundle(engine)
    if not single:  # a batch always ends with its count, even of 0 or 1 fact set
        by_grade = "，".join(f"{for_terminal(str(g), one_line=True)} {n} 套"
                            for g, n in sorted(grades.items(), key=lambda kv: -kv[1]))
        print(f"共 {total} 套事实：{total - len(failed_at)} 套成功，{len(failed_at)} 套失败"
              + (f"；等级 {by_grade}" if by_grade else ""), file=sys.stderr)
        if failed_at:
            shown = for_terminal("、".join(failed_at[:20]), one_line=True) + ("…" if len(failed_at) > 20 else "")
            print(f"失败的输入：{shown}", file=sys.stderr)
    return EXIT_FAIL if failed_at else EXIT_OK


class _Writer:
    """What one record's result becomes: its text in the output (or a row of the workbook), made in full
    before any of it is written, so that a record that fails to render writes nothing but its error."""

    def __init__(self, args: argparse.Namespace, out: IO[str], book: Optional[SummaryWorkbook], single: bool,
                 rows: bool, rules=None):
        self.args, self.out, self.book, self.single, self.rows = args, out, book, single, rows
        self.console: Optional[Console] = None
        self.subject = None
        if rows and rules is not None:  # a line per fact set names its unit (``render/subject.py``)
            from perfdsl.render.subject import Subject
            self.subject = Subject(rules)
        from perfdsl.results_layout import writes_array
        # a batch's JSON to a .json file: each document an element of one array, its line break the array's
        self.array = args.format == "json" and not single and writes_array(args.output)

    def render(self, rec: Record, doc: Document, scored: bool) -> Optional[str | bytes]:
        """``scored``: the record was scored (not a document of errors, which the diagnostics report)."""
        args = self.args
        if self.book is not None:
            from typing import cast
            self.book.add(cast(dict, doc), rec.source, rec.line, rec.text)  # not JSON: documents themselves
            return None
        if isinstance(doc, str):
            return doc if self.array else doc + "\n"
        if isinstance(doc, bytes):  # a JSON line in UTF-8 (``score_record``'s ``encoded``)
            return doc if self.array else doc + b"\n"
        if args.format == "json":
            import json
            if self.array or args.output and args.output.lower().endswith(".jsonl"):  # one line, as a batch writes
                return json.dumps(doc, ensure_ascii=False) + ("" if self.array else "\n")
            return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        if not (self.rows or scored):
            return None
        only = TRACE_FILTERS.get(args.only) if args.only else None
        if self.single and not self.rows:  # one fact set: written without rich where it writes the same bytes
            from perfdsl.render import lean_terminal
            from perfdsl.render.result_view import closing_lines, result_tree
            profile = lean_terminal.profile_for(self.out, to_file=bool(args.output))
            if profile is not None:
                tree = result_tree(doc, full=args.full, only=only, show_at=args.full or bool(only))
                text = lean_terminal.write_result(tree, closing_lines(doc), profile)
                if text is not None:
                    return text
        from rich.text import Text

        from perfdsl.render.escape import for_terminal
        from perfdsl.render.terminal import print_result, print_row
        console = self._console()
        with contextlib.ExitStack() as stack:
            captured = None if console.legacy_windows else stack.enter_context(console.capture())
            if self.rows:
                unit = self.subject(rec.text, None) if self.subject is not None else None
                print_row(doc, rec.where, console, unit)
            else:
                if not self.single:
                    console.rule(Text(for_terminal(rec.where, one_line=True)))  # a file name: not markup
                print_result(doc, console, full=args.full, only=only)
        return captured.get() if captured is not None else None

    def _console(self) -> Console:
        if self.console is None:
            from rich.console import Console
            self.console = Console(file=self.out, width=1000, no_color=True, highlight=False) if self.args.output \
                else new_console()
        return self.console


def _warm(args: argparse.Namespace) -> tuple[bool, bool]:
    """One fact set on the screen by the warm road (``perfdsl.warm``), written here: (answered, whether to keep a
    bundle after the full road answers, these rules having none yet).  Not answered: the full road scores it, as it
    always did.  Only a regular facts file is read here (a pipe read here would be empty for the full road), and only
    onto the screen or a regular file."""
    import os
    import stat

    from perfdsl import warm
    from perfdsl.cli.inputs import iter_records
    from perfdsl.ruleset.gcpause import paused
    try:
        if not stat.S_ISREG(os.stat(args.facts[0]).st_mode):
            return False, False
        if args.output and os.path.exists(args.output) and not stat.S_ISREG(os.stat(args.output).st_mode):
            return False, False
    except (OSError, ValueError):
        return False, False
    with paused():  # a single fact set: what it makes is freed by reference counting
        name, bundle = warm.load(args.rules)
        if bundle is None:
            return False, name is not None
        try:
            rec = next(iter_records(args.facts), None)
            doc = warm.document(bundle, rec) if rec is not None else None
        except Exception:  # noqa: BLE001 — whatever it is, the full road meets it again and says what it is
            return False, False
        if rec is None or doc is None:
            return False, False
        try:
            with AtomicOutput(args.output) as out:
                try:
                    text = _Writer(args, out, None, True, False).render(rec, doc, True)
                except Exception:  # noqa: BLE001 — as above: the full road writes it, or its error
                    text = None
                if text is None:
                    raise _NotAnswered
                out.write(text)
        except _NotAnswered:
            return False, False
    return True, False


def _keep_bundle(engine) -> None:
    """After the answer is out: the warm bundle of these rules, for their next evaluation.  An interrupt while it is
    written (it takes a few tenths of a second) loses only the bundle: the answer given stands."""
    from perfdsl import warm
    from perfdsl.ruleset.gcpause import paused
    try:
        sys.stdout.flush()  # the answer first, whoever reads it
    except (OSError, ValueError):
        return
    try:
        with paused():
            warm.store(engine)
    except KeyboardInterrupt:
        pass


class _NotAnswered(Exception):
    """The warm road wrote nothing (``AtomicOutput`` leaves no file behind): the full road answers."""


def batch_diagnostic(rec: Record, diags: list[Diagnostic], rules: str) -> str:
    """One line for a failed record of a batch: where (``batch.jsonl:41``, or ``batch.jsonl:41:9`` for a place in
    the line), the first problem, how many more."""
    first = diags[0]
    message = first.message
    where = rec.where
    if first.span is not None and first.span.file == rec.source:  # a place in the batch itself: batch.jsonl:41:9
        where = str(first.span)
    if message.startswith(rec.where + "："):
        message = message[len(rec.where) + 1:]
    from perfdsl.cli.scoring import one_line
    from perfdsl.render.diagnostics import label
    line = f"{where}: {label(first.severity, first.code)}：{message}"
    if len(diags) > 1:
        line += f"（另有 {len(diags) - 1} 个问题，逐条查看：perfdsl eval {rules} {rec.where}）"
    return one_line(line)
