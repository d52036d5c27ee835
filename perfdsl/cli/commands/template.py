"""``perfdsl template``: the 基础数据表 (a fill-in Excel workbook) generated from the rules' declared facts."""

from __future__ import annotations

import argparse

from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, output_format
from perfdsl.cli.output import check_output, input_files, write_bytes_atomically

NAME = "template"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("按规则中声明的事实生成基础数据表（.xlsx）：每个事实一行，附单位、必填、填写说明、"
               "佐证材料/来源与相关指标的解释；列表类事实各占一个工作表；下拉列表与数值范围校验。"
               "填好后可直接交给 eval、report、explain 评分")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("生成空白的基础数据表", "perfdsl template rules/ -o 基础数据表.xlsx"),
    ("用已有的事实预先填好（如上年数据）",
     "perfdsl template rules/ --facts examples/heping-2024/facts.json -o 基础数据表.xlsx"),
    ("填好后评分", "perfdsl eval rules/ 基础数据表.xlsx"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="规则文件或规则目录")
    parser.add_argument("-o", "--output", metavar="文件", required=True, help="输出的 .xlsx 文件")
    parser.add_argument("--facts", metavar="事实", help="用这套事实（.json 或 .xlsx）预先填写")


def run(args: argparse.Namespace) -> int:
    from perfdsl.cli.scoring import load_engine
    from perfdsl.diagnostics import PerfdslError, error
    from perfdsl.workbook.layout import Unsupported
    from perfdsl.workbook.template import build
    output_format("xlsx", args.output, "xlsx", {"xlsx": "xlsx"})  # 基础数据表.xls or .json: refused, named
    check_output(args.output, input_files(args.rules, [args.facts] if args.facts else []))
    engine = load_engine(args.rules)
    facts = None
    if args.facts:
        facts = _read_facts(engine, args.facts)
    try:
        data = build(engine.checked, facts)
    except Unsupported as exc:
        raise PerfdslError([error("F030", str(exc))]) from None
    _keep_filled(args.rules, args.output)
    write_bytes_atomically(args.output, data)
    return EXIT_OK if facts is not None or not args.facts else EXIT_FAIL


def _read_facts(engine, path: str):
    """The facts to pre-fill with: a .json (any encoding eval reads) or a filled .xlsx; problems raise."""
    from pathlib import Path

    from perfdsl.workbook.read import facts_file
    return facts_file(engine.checked, Path(path))


def _keep_filled(rules: str, output: str) -> None:
    """A filled 基础数据表 at ``-o`` is refused, not written over with a blank one (after a rule change the
    documented command is run again on the same name)."""
    from pathlib import Path

    from perfdsl.diagnostics import PerfdslError, error
    from perfdsl.workbook.layout import filled_cells
    target = Path(output)
    try:
        given = filled_cells(target.read_bytes()) if target.is_file() else 0
    except OSError:
        return  # unreadable: writing it says why (O00x)
    if given:
        shown = [f'"{p}"' if " " in p else p for p in (rules, output)]
        raise PerfdslError([error(
            "O007", f"{output} 是已填写的基础数据表（{given} 个单元格有值），重新生成会清空这些数据，未做任何改动。"
                    f"要按当前规则生成新表并带入已填的数据，请写 perfdsl template {shown[0]} --facts {shown[1]} "
                    "-o 新表.xlsx；确实不要这些数据时，先删除或改名这个文件")])
