"""The ``perfdsl`` command.  No Python traceback ever reaches the user.

Exit status: 0 success; 1 rule errors, bad facts or failed records; 2 wrong
usage; 3 an internal error (a bug in perfdsl — please report it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Optional

from perfdsl import __version__
from perfdsl.diagnostics import Diagnostic, PerfdslError, error
from perfdsl.engine import Engine, sha256_text
from perfdsl.explain.document import failure, ruleset_header

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

TRACE_FILTERS = {
    "deductions": {"deduction", "cap", "floor"},
    "na": {"not_applicable"},
    "facts": {"fact", "judgement"},
    "bands": {"band", "match"},
}


def _console(stderr: bool = False):
    from rich.console import Console  # rich is needed only for what people read, not for JSON
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, width=None if tty else 1000, no_color=not tty or "NO_COLOR" in os.environ,
                   highlight=False, soft_wrap=not tty)


class Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit 2 with its own text; keep ours
        raise Usage(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="perfdsl", description="预算绩效评价指标体系的规则语言与评分器")
    p.add_argument("--version", action="version", version=f"perfdsl {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    e = sub.add_parser("eval", help="对一个或一批事实文件评分", description="对一个或一批事实文件评分")
    e.add_argument("rules", help="规则文件或规则目录")
    e.add_argument("facts", nargs="+",
                   help="事实文件：.json（一套事实）或 .jsonl（每行一套），或其目录；批量文件中的一行写作 文件.jsonl:行号")
    e.add_argument("--format", choices=("text", "json", "xlsx"), default="text",
                   help="输出格式（默认 text）；xlsx：评分汇总表，每套事实一行、每个指标一列（需 -o）")
    e.add_argument("--no-trace", action="store_true", help="JSON 中不包含评分过程")
    e.add_argument("--compact-trace", action="store_true",
                   help="批量 JSON 行中的评分过程写成紧凑形式（每步一个数组：位置编号、上级步骤、数值），"
                        "内容不减，快得多；用 perfdsl expand 还原为完整步骤")
    e.add_argument("--full", action="store_true",
                   help="text 格式下显示每个指标的完整评分过程（批量评分默认每套一行：总分、等级、名称、来源）")
    e.add_argument("--only", choices=sorted(TRACE_FILTERS), help="text 格式下只显示某类评分步骤")
    e.add_argument("-o", "--output", help="写入文件（先写临时文件再改名，不会留下半个文件）")
    e.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="用 N 个进程并行评分（输出顺序不变）")

    x = sub.add_parser("explain", help="显示一个指标的完整评分过程", description="显示一个指标的完整评分过程")
    x.add_argument("rules")
    x.add_argument("facts", help="事实文件（.json），或批量文件中的一行（文件.jsonl:行号）")
    x.add_argument("indicator", help="三级指标名称（或其一部分）")
    x.add_argument("--only", choices=sorted(TRACE_FILTERS), help="只显示某类步骤")

    c = sub.add_parser("check", help="检查规则文件", description="检查规则文件：语法、名称、类型、分值、区间")
    c.add_argument("rules")
    c.add_argument("--strict", action="store_true", help="有警告也以失败退出")
    c.add_argument("--format", choices=("text", "json"), default="text")

    r = sub.add_parser("report", help="生成评分表报告（Markdown、HTML、Excel）",
                       description="生成评分表报告：指标体系及评分表（含指标分析结果）、二级指标得分率表、来源哈希")
    r.add_argument("rules")
    r.add_argument("facts", help="事实文件（.json），或批量文件中的一行（文件.jsonl:行号）")
    r.add_argument("--format", choices=("md", "html", "xlsx", "json"), default="html")
    r.add_argument("-o", "--output", help="输出文件（xlsx 必须指定）")

    t = sub.add_parser("test", help="运行规则集的测试用例并统计覆盖率",
                       description="运行测试用例（YAML），逐个指标比较期望与实际得分，并列出没有用例覆盖的区间、扣分、封顶、保底、不适用条件和等级")
    t.add_argument("rules")
    t.add_argument("cases", nargs="*", help="测试用例文件或目录（.yaml）")
    t.add_argument("--format", choices=("text", "json"), default="text")
    t.add_argument("--min-coverage", type=float, metavar="N", help="领域覆盖率低于 N%% 时以 1 退出")
    t.add_argument("--edges", metavar="FACTS", help="在各区间边界及两侧取值评分，显示每档得分（以 FACTS 为其余事实）")

    w = sub.add_parser("expand", help="把紧凑评分过程还原为完整步骤",
                       description="把 perfdsl eval --compact-trace 写出的 JSON 行还原为完整的评分过程"
                                   "（与不加 --compact-trace 时逐字节相同）；规则须与评分时相同（按文件 sha256 核对）")
    w.add_argument("rules", help="评分时用的规则目录")
    w.add_argument("results", help="评分结果（.jsonl），或其中一行（文件.jsonl:行号）")
    w.add_argument("-o", "--output", help="写入文件（默认标准输出）")

    d = sub.add_parser("diff", help="比较两次评分结果：规则改动后哪些得分、等级变了",
                       description="比较两次 perfdsl eval --format json 的输出（同一批事实按新旧规则各评一次），"
                                   "列出总分、等级或三级指标得分变化的每套事实，并汇总等级变化与变化最多的指标；"
                                   "没有变化时以 0 退出，有变化时以 1 退出")
    d.add_argument("old", help="改动前的评分结果（.json 或 .jsonl）")
    d.add_argument("new", help="改动后的评分结果（与 old 同一批事实、同一顺序）")
    d.add_argument("--format", choices=("text", "json"), default="text", help="json：每个变化一行，最后一行是汇总")

    f = sub.add_parser("fmt", help="把规则文件排成统一格式", description="把规则文件排成统一格式（保留注释与评分标准原文）")
    f.add_argument("paths", nargs="+", help="规则文件或目录")
    f.add_argument("--check", action="store_true", help="只检查，不改写；有文件需要改写时以 1 退出")
    f.add_argument("--keywords", choices=("zh", "en"), help="改用中文或英文关键字")
    f.add_argument("--stdout", action="store_true", help="输出到标准输出，不改写文件")
    return p


def main(argv: Optional[list[str]] = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_USAGE
        return COMMANDS[args.command](args)
    except Usage as exc:
        print(f"perfdsl: 用法错误：{exc}（perfdsl --help 查看用法）", file=sys.stderr)
        return EXIT_USAGE
    except PerfdslError as exc:
        _report(exc.diagnostics, exc.sources)
        return EXIT_FAIL
    except KeyboardInterrupt:
        print("perfdsl: 已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 — the last guard: a bug becomes a diagnostic, not a traceback
        print(f"perfdsl: internal error[X000]: {type(exc).__name__}: {exc}\n"
              "这是 perfdsl 的缺陷，不是规则或事实的问题。请附上命令、规则与事实文件报告此问题；"
              "设置 PERFDSL_DEBUG=1 可查看内部调用栈。", file=sys.stderr)
        if os.environ.get("PERFDSL_DEBUG"):
            import traceback
            traceback.print_exc()
        return EXIT_INTERNAL


def _report(diags: Iterable[Diagnostic], sources) -> None:
    from perfdsl.render.diagnostics import render_text
    render_text(diags, sources, _console(stderr=True))


def _load_engine(path: str) -> Engine:
    from perfdsl.ruleset.cache import load_checked
    checked = load_checked(path)
    if checked.errors:
        raise PerfdslError(checked.diagnostics, checked.rules.sources)
    return Engine(checked)


# ---------------------------------------------------------------- inputs

class Record:
    """One fact set from the input: its text, where it came from, its line in a .jsonl.

    ``texts``: its document carries the rule texts (指标解释, 评分标准).  A line of a batch
    leaves them out (the rules hold them) unless it was asked for by itself (``batch.jsonl:37``).
    """

    __slots__ = ("text", "source", "line", "texts")

    def __init__(self, text: str, source: str, line: Optional[int] = None, texts: Optional[bool] = None):
        self.text = text
        self.source = source
        self.line = line
        self.texts = line is None if texts is None else texts


LINE_ADDRESS = re.compile(r"^(?P<path>.+\.jsonl):(?P<line>[0-9]+)$")


def addressed_line(raw: str) -> Optional[Record]:
    """``batch.jsonl:37``: one line of a batch, scored and explained on its own."""
    m = LINE_ADDRESS.match(raw)
    if m is None or Path(raw).exists() or not Path(m.group("path")).is_file():
        return None
    wanted = int(m.group("line"))
    for rec in _jsonl(Path(m.group("path")), keep_blank=True):
        if rec.line == wanted:
            if not rec.text.strip():
                raise PerfdslError([error("F006", f"{raw}：这一行是空行，没有事实")])
            rec.texts = True
            return rec
    raise PerfdslError([error("F006", f"{raw}：{m.group('path')} 没有第 {wanted} 行")])


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PerfdslError([error("F000", f"无法读取事实文件 {path}：{exc.strerror}")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PerfdslError([error("F005", f"{path}：不是 UTF-8 编码（第 {exc.start} 字节）")])


def iter_records(inputs: list[str]) -> Iterator[Record]:
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl") and p.is_file())
        elif path.exists():
            files = [path]
        else:
            picked = addressed_line(raw)
            if picked is None:
                raise PerfdslError([error("F000", f"找不到事实文件：{raw}")])
            yield picked
            continue
        for f in files:
            if f.suffix == ".jsonl":
                yield from _jsonl(f)
            else:
                yield Record(_read_text(f), str(f))


def _jsonl(path: Path, keep_blank: bool = False) -> Iterator[Record]:
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise PerfdslError([error("F000", f"无法读取事实文件 {path}：{exc.strerror}")])
    with handle:
        for n, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                yield Record("\x00bad-utf8", str(path), n)
                continue
            if keep_blank or text.strip():
                yield Record(text, str(path), n)


def _score(engine: Engine, rec: Record, trace: bool, compact: bool = False):
    """(document, grade, diagnostics, Result or None) for one record; never raises for bad facts.

    A line of a batch leaves out the rule texts (指标解释, 评分标准).  With ``compact`` (one JSON
    line per record) the document comes back as its JSON text — written by the compiled rules
    when it can be, and encoded here otherwise, so that worker processes do the encoding.
    """
    where = f"{rec.source}:{rec.line}" if rec.line is not None else rec.source
    if rec.text == "\x00bad-utf8":
        diags = [error("F005", f"{where}：这一行不是 UTF-8 编码")]
        doc, grade, errors, result = failure(diags, rec.source, rec.line), None, diags, None
    else:
        sha = sha256_text(rec.text)
        fast_tried = compact and trace in (False, "compact")
        if fast_tried:
            fast = (engine.compact_json if trace else engine.fast_json)(rec.text, where, rec.source, sha, rec.line)
            if fast is not None:
                return fast[0], fast[1], [], None
            fast_tried = not trace  # a traced fact set the compact tracer left: the untraced path was not tried
        trace = bool(trace)
        try:
            doc, errors, result = engine.document_text(rec.text, where, rec.source, sha, trace, texts=rec.texts,
                                                       try_fast=not fast_tried)
            if rec.line is not None:
                doc = {"line": rec.line, **doc}
            grade = doc.get("grade")
        except PerfdslError as exc:
            doc, grade, errors, result = failure(exc.diagnostics, rec.source, rec.line), None, list(exc.diagnostics), None
    if compact:
        doc = json.dumps(doc, ensure_ascii=False)
    return doc, grade, errors, result


# ---------------------------------------------------------------- commands

def _default_mode(path: str) -> None:
    """mkstemp makes 0600 files; a report should get the usual 0644 (less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def write_bytes_atomically(target: str, data: bytes) -> None:
    with AtomicOutput(target, binary=True) as out:
        out.write(data)


def check_output(target: Optional[str]) -> None:
    """Refuse an output path that cannot be written, before anything is scored."""
    if target is None:
        return
    directory = os.path.dirname(os.path.abspath(target))
    if os.path.isdir(target):
        raise PerfdslError([error("O001", f"输出路径 {target} 是一个目录；请给出文件名")])
    if not os.path.isdir(directory):
        raise PerfdslError([error("O002", f"输出目录 {directory} 不存在")])
    if not os.access(directory, os.W_OK):
        raise PerfdslError([error("O003", f"没有写入 {directory} 的权限")])


class AtomicOutput:
    """Writes to a temp file beside the target and renames it into place on success."""

    def __init__(self, target: Optional[str], binary: bool = False):
        self.target = target
        self.binary = binary
        self.handle = None
        self.tmp = None

    def __enter__(self):
        if self.target is None:
            return sys.stdout
        check_output(self.target)
        directory = os.path.dirname(os.path.abspath(self.target))
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=".perfdsl-", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise PerfdslError([error("O004", f"无法写入 {self.target}：{exc.strerror}")])
        _default_mode(self.tmp)
        self.handle = os.fdopen(fd, "wb") if self.binary else os.fdopen(fd, "w", encoding="utf-8")
        return self.handle

    def __exit__(self, exc_type, exc, tb):
        if self.handle is None:
            return False
        try:
            self.handle.close()
            if exc_type is None:
                os.replace(self.tmp, self.target)
        except OSError as err:  # a full disk, the target turned into a directory…
            raise PerfdslError([error("O004", f"无法写入 {self.target}：{err.strerror}")])
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
        return False


_WORKER_ENGINE: Optional[Engine] = None


def _worker_init(engine: Engine) -> None:
    global _WORKER_ENGINE
    _WORKER_ENGINE = engine


def _worker_score(job):
    rec, trace, compact = job
    doc, grade, diags, _ = _score(_WORKER_ENGINE, rec, trace, compact)
    return doc, grade, diags


def _scored(engine: Engine, records, trace: bool, jobs: int, compact: bool):
    """(record, document, grade, diagnostics, result) in input order; with jobs > 1 from worker processes."""
    if jobs <= 1:
        for rec in records:
            yield rec, *_score(engine, rec, trace, compact)
        return
    import multiprocessing
    with multiprocessing.get_context("spawn").Pool(jobs, _worker_init, (engine,)) as pool:
        pending = ((rec, trace, compact) for rec in records)
        recs: list = []

        def remember():
            for job in pending:
                recs.append(job[0])
                yield job
        for i, (doc, grade, diags) in enumerate(pool.imap(_worker_score, remember(), chunksize=64)):
            yield recs[i], doc, grade, diags, None
            recs[i] = None  # keep memory flat: drop what has been written


def _jobs(asked: int) -> int:
    """Worker processes: at least one, at most one per CPU (each holds its own copy of the rules)."""
    cpus = os.cpu_count() or 1
    if asked > cpus:
        print(f"perfdsl: 只有 {cpus} 个 CPU，-j {asked} 按 {cpus} 个进程运行", file=sys.stderr)
    return max(1, min(asked, cpus))


def cmd_eval(args) -> int:
    if args.format == "xlsx" and not args.output:
        raise Usage("--format xlsx 需要用 -o 指定输出文件")
    if args.compact_trace and (args.format != "json" or args.no_trace):
        raise Usage("--compact-trace 用于 --format json 写出的评分过程（不能与 --no-trace 同用）")
    check_output(args.output)
    engine = _load_engine(args.rules)
    text_output = args.format == "text"
    single = len(args.facts) == 1 and not args.facts[0].endswith(".jsonl") and not Path(args.facts[0]).is_dir()
    rows = text_output and not single and not args.full and not args.only  # a batch on screen: a line per fact set
    book = None
    if args.format == "xlsx":
        from perfdsl.render.summary_xlsx import SummaryWorkbook
        book = SummaryWorkbook(engine.rules)
    trace = (text_output and not rows) or (args.format == "json" and not args.no_trace)
    if trace and args.compact_trace and args.format == "json":
        trace = "compact"
        if engine.compact_tracer() is None:
            print(f"perfdsl: 规则中有紧凑评分过程尚不支持的写法（{engine.compact_unsupported}），"
                  "评分过程按完整形式写出（较慢）", file=sys.stderr)
    jobs = 1 if text_output and not rows else _jobs(args.jobs)
    grades: dict = {}
    failed_at: list = []
    total = 0
    progress = None
    if not single and not text_output and sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        progress = Progress(SpinnerColumn(), TextColumn("已评分 {task.completed} 套"), TimeElapsedColumn(),
                            console=_console(stderr=True), transient=True)
        progress.start()
        task = progress.add_task("eval", total=None)
    try:
        with (contextlib.nullcontext() if book is not None else AtomicOutput(args.output)) as out:
            console = None
            for rec, doc, grade, diags, result in _scored(engine, iter_records(args.facts), trace, jobs,
                                                          compact=args.format == "json" and (not single or trace == "compact")):
                total += 1
                if diags:
                    failed_at.append(f"{rec.source}:{rec.line}" if rec.line else rec.source)
                    _report(diags, engine.rules.sources)
                elif grade is not None:
                    grades[grade] = grades.get(grade, 0) + 1
                if book is not None:
                    book.add(doc, rec.source, rec.line)
                elif type(doc) is str:
                    out.write(doc + "\n")
                elif args.format == "json":
                    out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
                elif rows or result is not None:
                    from perfdsl.render.terminal import print_result, print_row
                    if console is None:
                        from rich.console import Console
                        console = Console(file=out, width=1000, no_color=True, highlight=False) if args.output \
                            else _console()
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


def _score_file(rules: str, facts: str):
    """(engine, traced document, errors, result) for one facts file (or one line, ``batch.jsonl:37``).

    The result is None if the facts were rejected.
    """
    engine = _load_engine(rules)
    record = addressed_line(facts) or Record(_read_text(Path(facts)), facts)
    doc, _, diags, result = _score(engine, record, True)
    if diags:
        _report(diags, engine.rules.sources)
    return engine, doc, diags, result


def cmd_explain(args) -> int:
    from perfdsl.render.terminal import find_indicator, print_indicator
    engine, doc, diags, result = _score_file(args.rules, args.facts)
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
    console = _console()
    only = TRACE_FILTERS.get(args.only) if args.only else None
    for node in found:
        print_indicator(node, console, only)
    return EXIT_FAIL if diags else EXIT_OK


def cmd_check(args) -> int:
    from perfdsl.ruleset.check import check
    from perfdsl.ruleset.loader import load
    from perfdsl.render.diagnostics import render_json
    try:
        rules = load(args.rules)
    except PerfdslError as exc:
        if args.format == "json":
            print(render_json(exc.diagnostics))
        else:
            _report(exc.diagnostics, exc.sources)
        return EXIT_FAIL
    checked = check(rules)
    if args.format == "json":
        print(render_json(checked.diagnostics))
    else:
        _report(checked.diagnostics, rules.sources)
        n_err, n_warn = len(checked.errors), len(checked.warnings)
        console = _console(stderr=True)
        console.print(f"{len(rules.sources)} 个规则文件：{n_err} 个错误，{n_warn} 个警告")
    if checked.errors or (args.strict and checked.warnings):
        return EXIT_FAIL
    return EXIT_OK


def cmd_report(args) -> int:
    if args.format == "xlsx" and not args.output:
        raise Usage("--format xlsx 需要用 -o 指定输出文件")
    check_output(args.output)
    engine, doc, diags, result = _score_file(args.rules, args.facts)
    if result is None:
        return EXIT_FAIL
    if args.format == "xlsx":
        from perfdsl.render.xlsx import render as render_xlsx
        write_bytes_atomically(args.output, render_xlsx(doc))
    else:
        if args.format == "md":
            from perfdsl.render.markdown import render as render_text
        elif args.format == "html":
            from perfdsl.render.html import render as render_text
        else:
            def render_text(d):
                return json.dumps(d, ensure_ascii=False, indent=2) + "\n"
        with AtomicOutput(args.output) as out:
            out.write(render_text(doc))
    return EXIT_FAIL if diags else EXIT_OK


def cmd_test(args) -> int:
    from rich.table import Table
    from perfdsl.rule_tests import band_edges, coverage_points, load_cases, run_case
    engine = _load_engine(args.rules)
    console = _console()
    if args.edges:
        from perfdsl.ruleset.facts import FactsSyntaxError, parse_json
        try:
            facts = parse_json(_read_text(Path(args.edges)), args.edges)
        except FactsSyntaxError as exc:
            raise PerfdslError([exc.diagnostic])
        edges = band_edges(engine, facts)
        if args.format == "json":
            print(json.dumps(edges, ensure_ascii=False, indent=2))
        else:
            for band in edges:
                table = Table(title=f"{band['indicator']}：区间 {band['subject']}（{band['at']}）", title_justify="left")
                for col in ("取值", "落在", "得分"):
                    table.add_column(col)
                for row in band["rows"]:
                    table.add_row(row["value"], row["band"], row["result"])
                console.print(table)
        if not args.cases:
            return EXIT_OK
    if not args.cases:
        raise Usage("请给出测试用例文件或目录，例如 perfdsl test rules/ tests/cases/")
    cases = [c for raw in args.cases for c in load_cases(Path(raw))]
    hits: set = set()
    outcomes = [run_case(engine, c, hits) for c in cases]
    points = coverage_points(engine)
    covered = [p for p in points if p.key in hits]
    uncovered = [p for p in points if p.key not in hits]
    percent = 100.0 * len(covered) / len(points) if points else 100.0
    failed = [o for o in outcomes if not o.passed]
    if args.format == "json":
        print(json.dumps({
            "cases": [o.to_json() for o in outcomes], "passed": len(outcomes) - len(failed), "failed": len(failed),
            "coverage": {"covered": len(covered), "total": len(points), "percent": round(percent, 2),
                         "uncovered": [{"at": p.where, "what": p.what} for p in uncovered]},
        }, ensure_ascii=False, indent=2))
    else:
        for o in outcomes:
            mark = "[green]✓[/]" if o.passed else "[bold red]✗[/]"
            console.print(f"{mark} {o.case.name}  [dim]{o.case.file}:{o.case.line}[/]", highlight=False)
            if o.problem:
                console.print(f"    [red]{o.problem}[/]", highlight=False)
            if o.diffs:
                table = Table(show_header=True, padding=(0, 1))
                for col in ("指标", "期望", "实际"):
                    table.add_column(col)
                for what, want, got in o.diffs:
                    table.add_row(what, want, f"[red]{got}[/]")
                console.print(table)
            if o.trace:
                console.print("    [dim]第一个不符的指标的评分过程：[/]", highlight=False)
                for line in o.trace:
                    console.print(f"      {line}", highlight=False, markup=False)
        console.print(f"{len(outcomes)} 个用例：{len(outcomes) - len(failed)} 个通过，{len(failed)} 个失败", highlight=False)
        console.print(f"领域覆盖率：{len(covered)}/{len(points)} = {percent:.1f}%", highlight=False)
        for p in uncovered:
            console.print(f"  未覆盖 {p.where}  {p.what}", highlight=False, markup=False)
    if failed:
        return EXIT_FAIL
    if args.min_coverage is not None and percent < args.min_coverage:
        print(f"perfdsl: 领域覆盖率 {percent:.1f}% 低于要求的 {args.min_coverage}%", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def cmd_fmt(args) -> int:
    from perfdsl.syntax.formatter import format_text
    from perfdsl.ruleset.loader import read_source, rule_files
    changed, problems = [], []
    for raw in args.paths:
        for path in rule_files(Path(raw)):
            try:
                src = read_source(path)
                new = format_text(src.text, src.path, keywords=args.keywords)
            except PerfdslError as exc:
                problems.append((exc.diagnostics, {src.path: src} if "src" in locals() else {}))
                continue
            if args.stdout:
                sys.stdout.write(new)
            elif new != src.text:
                changed.append(src.path)
                if not args.check:
                    with AtomicOutput(str(path)) as out:
                        out.write(new)
    for diags, sources in problems:
        _report(diags, sources)
    for name in changed:
        print(f"{'需要重新排版' if args.check else '已排版'}：{name}", file=sys.stderr)
    if problems or (args.check and changed):
        return EXIT_FAIL
    return EXIT_OK


def cmd_expand(args) -> int:
    """Compact lines written out in full; any other line is copied as it is, and a line that cannot be
    expanded is copied too, with an error, so that one bad line neither stops nor shortens the file."""
    engine = _load_engine(args.rules)
    check_output(args.output)
    record = addressed_line(args.results)
    failed = 0
    with AtomicOutput(args.output) as out:
        for rec in [record] if record is not None else _jsonl(Path(args.results)):
            try:
                out.write(_expanded(engine, rec) + "\n")
            except PerfdslError as exc:
                failed += 1
                _report(exc.diagnostics, engine.rules.sources)
                out.write(rec.text.rstrip("\r\n") + "\n")
    if failed:
        print(f"{failed} 行无法还原，已原样写出", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK


def _expanded(engine: Engine, rec: Record) -> str:
    from perfdsl.explain.compact import Damaged, expanded_json, is_compact, read_document
    where = f"{rec.source}:{rec.line}"
    try:
        doc = read_document(rec.text)
    except Damaged:
        raise PerfdslError([error("X003", f"{where}：评分结果已损坏，无法还原")])
    except ValueError as exc:
        raise PerfdslError([error("X001", f"{where}：不是 JSON（{exc}）")])
    if not isinstance(doc, dict) or not isinstance(doc.get("perfdsl"), dict):
        raise PerfdslError([error("X001", f"{where}：不是 perfdsl eval 写出的评分结果（是事实文件吗？）")])
    if not is_compact(doc):
        return rec.text.rstrip("\r\n")  # step objects already: as it is
    if doc["perfdsl"].get("version") != __version__:
        raise PerfdslError([error("X004", f"{where}：这一行由 perfdsl {doc['perfdsl'].get('version')} 写出，"
                                          f"须用同一版本还原（当前 {__version__}）")])
    tracer = engine.compact_tracer()
    if doc.get("ruleset") != ruleset_header(engine.rules) or tracer is None:
        raise PerfdslError([error("X002", f"{where}：这一行是用另一套规则（或另一版本的规则文件）评分的；"
                                          "请给出评分时用的规则目录")])
    try:
        return expanded_json(doc, tracer)
    except Damaged:
        raise PerfdslError([error("X003", f"{where}：紧凑评分过程已损坏，无法还原")])


def cmd_diff(args) -> int:
    from perfdsl.explain.diff import Change, compare
    changed = False
    console = None if args.format == "json" else _console()
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


COMMANDS = {"eval": cmd_eval, "diff": cmd_diff, "expand": cmd_expand, "explain": cmd_explain, "check": cmd_check, "fmt": cmd_fmt, "report": cmd_report,
            "test": cmd_test}


def _terminate(signum, frame):
    raise KeyboardInterrupt  # unwinds like Ctrl-C: an output file being written is removed, the old one stays


def entry() -> None:
    import signal
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(main())
