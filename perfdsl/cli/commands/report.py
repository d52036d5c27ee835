"""``perfdsl report``: the 评分表 of one fact set as a document to hand in (Markdown, HTML, Excel, JSON)."""

from __future__ import annotations

import argparse

from perfdsl.cli.argparse_zh import add_choice
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, Usage, output_format
from perfdsl.cli.output import AtomicOutput, check_output, input_files, json_stdout, write_bytes_atomically

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from typing import Callable

NAME = "report"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
# --format: a Chinese name for each, the file extension (and the program's name) accepted as well
REPORT_FORMATS = {"网页": ("html",), "Word文档": ("docx", "word", "文档"), "Excel表格": ("xlsx", "excel", "表格"),
                  "Markdown": ("md", "markdown"), "json": ()}
DESCRIPTION = "生成评分表报告：指标体系及评分表（含指标分析结果）、二级指标得分率表、来源哈希"
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("生成网页版评分表", "perfdsl report rules/ examples/heping-2024/facts.json -o 评分表.html"),
    ("生成 Excel 评分表", "perfdsl report rules/ examples/heping-2024/facts.json --format xlsx -o 评分表.xlsx"),
    ("生成 Word 评分表（横向，附件1 的版式）",
     "perfdsl report rules/ examples/heping-2024/facts.json --format docx -o 评分表.docx"),
    ("Markdown 评分表输出到屏幕", "perfdsl report rules/ examples/heping-2024/facts.json --format md"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="规则文件或规则目录")
    parser.add_argument("facts", metavar="事实",
                        help="事实文件（.json，或填好的基础数据表 .xlsx），或批量文件中的一行（文件.jsonl:行号）")
    add_choice(parser, "--format", names=REPORT_FORMATS,
               help="报告格式：网页（html）、Word文档（docx）、Excel表格（xlsx）、Markdown（md）或 json"
                    "（默认：按 -o 文件的扩展名，否则 网页）")
    parser.add_argument("-o", "--output", metavar="文件", help="输出文件（默认标准输出；xlsx、docx 必须指定）")
    parser.add_argument("--evaluator", metavar="评价机构", help="Word 报告标题处的评价机构")
    parser.add_argument("--date", metavar="日期", help="Word 报告标题处的评价日期（如 2025年6月）")


def _json_text(doc: dict) -> str:
    import json
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def run(args: argparse.Namespace) -> int:
    from perfdsl.cli.inputs import check_rules_first
    from perfdsl.cli.scoring import score_file
    names = {(aliases[0] if aliases else name): name for name, aliases in REPORT_FORMATS.items()}
    args.format = output_format(args.format, args.output, "html", names,
                                "；PDF 请先写成 Word 文档（.docx），再用 Word 或 WPS 另存为 PDF")
    if args.format in ("xlsx", "docx") and not args.output:
        raise Usage(f"--format {args.format} 需要用 -o 指定输出文件")
    check_rules_first(args.rules, [args.facts], NAME)
    check_output(args.output, input_files(args.rules, [args.facts]))
    engine, doc, diags, result = score_file(args.rules, args.facts, improve=True)
    if result is None:
        return EXIT_FAIL
    if result.warnings:  # an undeclared key (F020, with the name it may have meant): said, not only in the JSON
        from perfdsl.cli.console import report_warnings
        from perfdsl.cli.scoring import facts_sources, single_record
        report_warnings(doc, facts_sources(engine, single_record(args.facts)))
    if args.format == "xlsx":
        from perfdsl.render.xlsx import render as render_xlsx
        write_bytes_atomically(args.output, render_xlsx(doc))
    elif args.format == "docx":
        from perfdsl.render.word import render as render_docx
        write_bytes_atomically(args.output, render_docx(doc, evaluator=args.evaluator, date=args.date))
    else:
        render_text: Callable[[dict], str]
        if args.format == "md":
            from perfdsl.render.markdown import render as render_text
        elif args.format == "html":
            from perfdsl.render.html import render as render_text
        else:
            render_text = _json_text
            json_stdout()
        with AtomicOutput(args.output) as out:
            out.write(render_text(doc))
    return EXIT_FAIL if diags else EXIT_OK
