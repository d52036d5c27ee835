"""``perfdsl expand``: compact traces (``eval --compact-trace``) written out in full, byte for byte as without it."""

from __future__ import annotations

import argparse
import sys

from perfdsl import __version__
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK
from perfdsl.cli.console import report_diagnostics
from perfdsl.cli.output import AtomicOutput, check_output, input_files, json_stdout

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Callable

    from perfdsl.cli.inputs import Record
    from perfdsl.engine import Engine

NAME = "expand"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("把 perfdsl eval --compact-trace 写出的 JSON 行还原为完整的评分过程"
               "（与不加 --compact-trace 时逐字节相同）；规则须与评分时相同（按文件 sha256 核对）")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("先批量评分，写出紧凑的评分过程",
     "perfdsl eval rules/ examples/batch/facts.jsonl --format json --compact-trace -o 结果.jsonl"),
    ("再还原为完整步骤", "perfdsl expand rules/ 结果.jsonl -o 完整结果.jsonl"),
    ("只还原其中第 3 行", "perfdsl expand rules/ 结果.jsonl:3"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="评分时用的规则目录")
    parser.add_argument("results", metavar="结果",
                        help="评分结果（.jsonl，或批量写成的 .json 数组），或其中一行（文件.jsonl:行号）")
    parser.add_argument("-o", "--output", metavar="文件",
                        help="写入文件（默认标准输出，每行一个结果；"
                             "写入 .json 文件时，整个文件的结果是一个 JSON 数组）")


def run(args: argparse.Namespace) -> int:
    """Compact lines written out in full; any other line is copied as it is, and a line that cannot be
    expanded is copied too, with an error, so that one bad line neither stops nor shortens the file.
    A line that cannot even be copied (longer than the limit, not UTF-8) is written as its error document."""
    import json
    from pathlib import Path

    from perfdsl.cli.inputs import addressed_line, results_records
    from perfdsl.cli.scoring import load_engine
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.explain.document import failure
    from perfdsl.results_layout import ArrayWriter, writes_array
    engine = load_engine(args.rules)
    check_output(args.output, input_files(args.rules, [args.results]))
    json_stdout()  # JSON lines, as read
    record = addressed_line(args.results, facts=False)
    if record is None:
        _refuse_a_whole_document(Path(args.results), engine)
    failed = 0
    with AtomicOutput(args.output) as out:
        # a whole file to .json: one array, as eval writes a batch; one line (结果.jsonl:37): its document alone
        array = ArrayWriter(out.write, binary=False) if record is None and writes_array(args.output) else None
        write: Callable[[str], object] = array.element if array is not None else lambda line: out.write(line + "\n")
        for rec in [record] if record is not None else results_records(Path(args.results)):
            try:
                write(_expanded(engine, rec))
            except PerfdslError as exc:
                failed += 1
                report_diagnostics(exc.diagnostics, engine.rules.sources)
                if rec.problem is not None:  # nothing to copy: the line's error document keeps one line per line
                    write(json.dumps(failure([rec.problem, *rec.more], rec.source, rec.line), ensure_ascii=False))
                else:
                    write(rec.text.rstrip("\r\n"))
        if array is not None:
            array.close()
    if failed:
        print(f"{failed} 行无法还原，已原样写出（无法读取的行写出其错误）", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_OK


def _refuse_a_whole_document(path: Path, engine: Engine) -> None:
    """A facts file or one indented result (``eval --format json`` of one fact set) is a document, not lines:
    each of its lines was an X001 with json's English words, and the file was copied out."""
    from perfdsl.diagnostics import PerfdslError, error
    try:
        with open(path, "rb") as handle:
            head = handle.readline(64).strip()
    except OSError:
        return  # reading it line by line says why
    if head.lstrip(b"\xef\xbb\xbf") != b"{":
        return
    raise PerfdslError([error("X001", f"{path}：这是一个完整的 JSON 文档（事实文件，或不带 --compact-trace "
                                      "写出的评分结果，已含完整的评分过程），不是每行一个评分结果的 .jsonl；expand "
                                      "只还原 perfdsl eval --format json --compact-trace 写出的 JSON 行")],
                       engine.rules.sources)


def _expanded(engine: Engine, rec: Record) -> str:
    import json

    from perfdsl.diagnostics import PerfdslError, error
    from perfdsl.explain.compact import Damaged, expanded_json, is_compact, read_document
    from perfdsl.explain.document import ruleset_header
    where = f"{rec.source}:{rec.line}"
    if rec.problem is not None:  # not UTF-8, or longer than the limit: its error document is written instead
        raise PerfdslError([rec.problem])
    try:
        doc = read_document(rec.text)
    except Damaged as exc:
        raise PerfdslError([error("X003", f"{where}：评分结果已损坏，无法还原")]) from exc
    except ValueError as exc:  # json's own words are English: the column says where
        col = f"第 {exc.colno} 列有误" if isinstance(exc, json.JSONDecodeError) else "无法解析"
        raise PerfdslError([error("X001", f"{where}：不是 JSON（{col}）；expand 读取的是每行一个评分结果的 .jsonl")]
                           ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("perfdsl"), dict):
        raise PerfdslError([error("X001", f"{where}：不是 perfdsl eval 写出的评分结果（是事实文件吗？）")])
    if not is_compact(doc):
        return rec.text.rstrip("\r\n")  # step objects already: as it is
    if doc["perfdsl"].get("version") != __version__:
        raise PerfdslError([error("X004", f"{where}：这一行由 perfdsl {doc['perfdsl'].get('version')} 写出，"
                                          f"须用同一版本还原（当前 {__version__}）")])
    if doc.get("ruleset") != ruleset_header(engine.rules):
        raise PerfdslError([error("X002", f"{where}：这一行是用另一套规则（或另一版本的规则文件）评分的；"
                                          "请给出评分时用的规则目录")])
    try:
        return expanded_json(doc, engine.plan)  # the sites are the plan's: no scorer is built
    except Damaged as exc:
        raise PerfdslError([error("X003", f"{where}：紧凑评分过程已损坏，无法还原")]) from exc
