"""``perfdsl test``: a rule set's hand-worked cases, and which of its bands, deductions and grades they reach."""

from __future__ import annotations

import argparse
import sys

from perfdsl.cli.argparse_zh import PERCENT, add_choice
from perfdsl.cli.commands.base import EXIT_FAIL, EXIT_OK, TEXT_FORMAT, Usage
from perfdsl.cli.console import new_console
from perfdsl.cli.output import json_stdout

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    pass

NAME = "test"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("运行测试用例（YAML），逐个指标比较期望与实际得分，"
               "并列出没有用例覆盖的区间、扣分、封顶、保底、不适用条件和等级")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("运行全部用例并统计覆盖率", "perfdsl test rules/ tests/cases/"),
    ("覆盖率不到 100% 即算失败", "perfdsl test rules/ tests/cases/ --min-coverage 100"),
    ("查看各区间边界上的得分", "perfdsl test rules/ --edges examples/heping-2024/facts.json"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", metavar="规则", help="规则文件或规则目录")
    parser.add_argument("cases", nargs="*", metavar="用例",
                        help="测试用例文件或目录（.yaml；base、facts_file 可为 .json 或 .xlsx）")
    add_choice(parser, "--format", names={**TEXT_FORMAT, "json": ()}, default="text",
               help="输出格式：文本（屏幕阅读）或 json")
    parser.add_argument("--min-coverage", type=PERCENT, metavar="N", help="领域覆盖率低于 N%% 时以 1 退出")
    parser.add_argument("--edges", metavar="事实文件",
                        help="在各区间边界及两侧取值评分，显示每档得分（其余事实取自这个事实文件：.json 或 .xlsx）")
    parser.add_argument("--strict", action="store_true",
                        help="与 --edges 同用：有区间未取边界值时以 1 退出")


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path
    from typing import cast

    from rich.table import Table
    from rich.text import Text

    from perfdsl.cli.scoring import load_engine
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.edges import band_edges
    from perfdsl.render.escape import for_terminal as shown  # user text: as Text, never as markup
    from perfdsl.rule_tests import coverage_points, load_cases, run_case
    engine = load_engine(args.rules)
    if args.format == "json":
        json_stdout()
    console = new_console()
    if args.edges:
        from perfdsl.ruleset.evidence import split
        from perfdsl.workbook.read import facts_file
        facts, _, problems = split(facts_file(engine.checked, Path(args.edges)), engine.checked.facts_type)
        if problems:
            raise PerfdslError(problems)
        edges = band_edges(engine, cast(dict, facts))  # not an object: band_edges' validator says so (F010)
        if args.format == "json":
            print(json.dumps(edges, ensure_ascii=False, indent=2))
        else:
            if not edges:
                console.print(Text("规则中没有 区间（等级区间除外），没有边界值可取"), highlight=False)
            for band in edges:
                if band.get("skipped"):
                    console.print(Text(shown(f"{band['indicator']}：区间 {band['subject']}（{band['at']}）"
                                             f"未取边界值：{band['skipped']}"), style="yellow"), highlight=False)
                    continue
                table = Table(title=Text(shown(f"{band['indicator']}：区间 {band['subject']}（{band['at']}）")),
                              title_justify="left")
                for col in ("取值", "落在", "得分"):
                    table.add_column(col)
                for row in band["rows"]:
                    table.add_row(*(Text(shown(str(row[k]))) for k in ("value", "band", "result")))
                console.print(table)
        skipped = [b for b in edges if b.get("skipped")]
        if args.strict and skipped:
            print(f"perfdsl: {len(skipped)} 个区间未取边界值（--strict）", file=sys.stderr)
            return EXIT_FAIL
        if not args.cases:
            return EXIT_OK
    if not args.cases:
        raise Usage("请给出测试用例文件或目录，例如 perfdsl test rules/ tests/cases/")
    cases = [c for raw in args.cases for c in load_cases(Path(raw), engine.checked)]
    hits: set = set()
    outcomes = [run_case(engine, c, hits) for c in cases]
    points = coverage_points(engine)
    covered = [p for p in points if p.key in hits]
    uncovered = [p for p in points if p.key not in hits]
    percent = coverage_percent(len(covered), len(points))
    failed = [o for o in outcomes if not o.passed]
    if args.format == "json":
        print(json.dumps({
            "cases": [o.to_json() for o in outcomes], "passed": len(outcomes) - len(failed), "failed": len(failed),
            "coverage": {"covered": len(covered), "total": len(points), "percent": float(_places(percent, 2)),
                         "uncovered": [{"at": p.where, "what": p.what} for p in uncovered]},
        }, ensure_ascii=False, indent=2))
    else:
        for o in outcomes:
            mark = ("✓", "green") if o.passed else ("✗", "bold red")
            console.print(Text.assemble(mark, f" {shown(str(o.case.name))}  ",
                                        (shown(f"{o.case.file}:{o.case.line}"), "dim")), highlight=False)
            if o.problem:
                console.print(Text(f"    {shown(o.problem)}", style="red"), highlight=False)
            if o.diffs:
                table = Table(show_header=True, padding=(0, 1))
                for col in ("指标", "期望", "实际"):
                    table.add_column(col)
                for what, want, got in o.diffs:
                    table.add_row(Text(shown(str(what))), Text(shown(str(want))), Text(shown(str(got)), style="red"))
                console.print(table)
            if o.trace:
                console.print("    [dim]第一个不符的指标的评分过程：[/]", highlight=False)
                for line in o.trace:
                    console.print(Text(f"      {shown(line)}"), highlight=False)
        console.print(f"{len(outcomes)} 个用例：{len(outcomes) - len(failed)} 个通过，{len(failed)} 个失败",
                      highlight=False)
        console.print(f"领域覆盖率：{len(covered)}/{len(points)} = {_places(percent, 1)}%", highlight=False)
        for p in uncovered:
            console.print(Text(shown(f"  未覆盖 {p.where}  {p.what}")), highlight=False)
    if failed:
        return EXIT_FAIL
    if args.min_coverage is not None and len(covered) * 100 < args.min_coverage * len(points):  # exact
        print(f"perfdsl: 领域覆盖率 {_places(percent, 1)}% 低于要求的 {args.min_coverage}%", file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def coverage_percent(covered: int, total: int):
    """Covered points as a percentage, a Decimal under perfdsl's context (the threshold is compared exactly above)."""
    from perfdsl.interp.numbers import CONTEXT
    return CONTEXT.divide(100 * covered, total) if total else CONTEXT.create_decimal(100)


def _places(value, places: int):
    """``value`` to ``places`` decimals, 四舍五入 as every figure perfdsl shows."""
    from decimal import ROUND_HALF_UP, Decimal
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
