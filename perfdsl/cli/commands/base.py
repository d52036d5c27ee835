"""What every command shares: exit codes, the usage error, and the shape of a command module."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from typing import Optional, Protocol

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a program whose reader went away

TRACE_FILTERS = {
    "deductions": {"deduction", "cap", "floor"},
    "na": {"not_applicable"},
    "facts": {"fact", "judgement"},
    "bands": {"band", "match"},
}
# --only: the Chinese name a person types and reads → the key of TRACE_FILTERS (also accepted, as an alias)
TRACE_FILTER_NAMES = {"扣分": ("deductions",), "不适用": ("na",), "事实": ("facts",), "区间": ("bands",)}
# --format text: 文本 on screen and in help; text still accepted
TEXT_FORMAT = {"文本": ("text",)}


class Usage(Exception):
    """Wrong usage: reported in one line and exit status 2, as argparse's own errors are.

    ``prog``: the command whose ``--help`` to point at (``perfdsl eval``); the command being run if not given.
    """

    def __init__(self, message: str, prog: Optional[str] = None):
        super().__init__(message)
        self.prog = prog


if TYPE_CHECKING:  # a module is a command by its shape: the type checker's business alone
    class Command(Protocol):
        """A module in ``perfdsl.cli.commands`` is a command: the parser and ``main`` need only these."""

        NAME: str  # its line in ``perfdsl --help`` is in the command table (``perfdsl.cli.COMMAND_HELP``)
        DESCRIPTION: str
        EXAMPLES: tuple[tuple[str, str], ...]  # (what it does, the command line): shown under 示例 in --help

        def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

        def run(self, args: argparse.Namespace) -> int: ...


def examples_text(examples: tuple[tuple[str, str], ...]) -> str:
    """The epilog of a command's --help: each example's purpose, then its command line, indented."""
    lines = ["示例："]
    for what, line in examples:  # an example without its purpose continues the one before
        lines += [f"  {what}：", f"    {line}"] if what else [f"    {line}"]
    return "\n".join(lines) + "\n"


# -o: the format a file's extension stands for; any other (.txt, none, /dev/null) leaves it to --format.
# .xls, .doc, .pdf, .csv: formats perfdsl never writes (Excel refuses an .xlsx named .xls as damaged)
EXTENSION_FORMATS = {".html": "html", ".htm": "html", ".docx": "docx", ".xlsx": "xlsx", ".md": "md",
                     ".json": "json", ".jsonl": "json", ".xls": "xls", ".doc": "doc", ".pdf": "pdf", ".csv": "csv"}
FORMAT_EXTENSIONS = {"html": ".html", "docx": ".docx", "xlsx": ".xlsx", "md": ".md", "json": ".json", "text": ".txt"}


def output_format(given: Optional[str], output: Optional[str], default: str, names: dict[str, str],
                  elsewhere: str = "") -> str:
    """``--format`` as given, else the one the ``-o`` file's extension names, else ``default``.

    Whoever writes ``-o 评分表.xlsx`` means Excel; writing the default HTML under that name gave a file Excel
    will not open.  So an extension naming another format than the one given, or one this command does not
    write, is a usage error.  ``names``: each format this command writes → the name --format shows for it.
    """
    import os
    stem, ext = os.path.splitext(output or "")
    named = EXTENSION_FORMATS.get(ext.lower())
    if named is None or given == named:
        return given or default
    if named not in names:
        offered = "、".join(dict.fromkeys(e for e, f in EXTENSION_FORMATS.items() if f in names and e != ".htm"))
        raise Usage(f"输出文件 {output}：这个命令不写 {ext} 文件（可写 {offered}）{elsewhere}")
    if given is None:
        return named
    raise Usage(f"--format {names[given]} 与输出文件 {output} 不符（{ext} 是 {names[named]} 格式）：请改用 "
                f"--format {names[named]}，或把文件名改为 {os.path.basename(stem)}{FORMAT_EXTENSIONS[given]}")
