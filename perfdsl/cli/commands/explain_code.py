"""``perfdsl explain-code``: one entry of the error catalogue (docs/errors.md), as ``rustc --explain`` prints one."""

from __future__ import annotations

import argparse

from perfdsl.cli.commands.base import EXIT_OK, Usage

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from typing import Union

NAME = "explain-code"  # its help line is in the command table (perfdsl.cli.COMMAND_HELP)
DESCRIPTION = ("说明一个错误或警告代码（如 E215、W130、F011）：级别、含义、一个会报告它的示例"
               "（规则文件、事实与命令行）以及如何修改；全部代码见 docs/errors.md")
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("查看 错误[E215] 的说明与示例", "perfdsl explain-code E215"),
    ("代码不分大小写", "perfdsl explain-code w130"),
)

SHOWN_LINES, SHOWN_WIDTH = 12, 100  # an example file is shown up to this many lines, each cut at this width


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", metavar="代码",
                        help="诊断代码，如 E215、W130、F011（输出中 错误[…]、警告[…] 方括号内的部分）")


def run(args: argparse.Namespace) -> int:
    print(entry_text(_code(args.code)), end="")
    return EXIT_OK


def _code(raw: str) -> str:
    import re
    import unicodedata

    from perfdsl.codes import CODES
    from perfdsl.diagnostics import closest
    # as typed or pasted: Ｅ２１５ (a full-width input method), e215, 错误[E215] or 【E215】 copied from a message
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    m = re.fullmatch(r"(?:错误|警告)?\s*[\[【]?\s*([A-Z][0-9]+)\s*[\]】]?", text)
    code = m.group(1) if m else text.strip("[]")
    if code in CODES:
        return code
    near = sorted(closest(code, CODES), key=lambda c: c not in code)  # E2150: E215 before E210
    hint = f"；是否想写 {'、'.join(near)}？" if near else "；全部代码见 docs/errors.md"
    raise Usage(f"没有代码 {raw}{hint}")


def entry_text(code: str) -> str:
    """The whole entry of one code, as plain text."""
    from perfdsl.code_examples import EXAMPLES, Unreachable
    from perfdsl.codes import CODES, SEVERITY_NAMES, group_of
    info, ex = CODES[code], EXAMPLES[code]
    lines = [f"{SEVERITY_NAMES[info.severity]}[{code}]：{info.title}", f"类别：{group_of(code)}", ""]
    if isinstance(ex, Unreachable):
        lines += ["示例：无法从外部触发。" + ex.reason, ""]
    else:
        lines += [f"示例：{ex.shows}", ""]
        for name, content in ex.files.items():
            lines += [f"  {name}：", *(f"    {line}" for line in _shown(content)), ""]
        for key, value in ex.env.items():
            lines.append(f"  环境变量 {key}={value}")
        lines += [f"  $ {line}" for line in (*ex.setup, ex.command)]
        lines += [f"  报告 {SEVERITY_NAMES[info.severity]}[{code}]", ""]
    lines += [f"如何修改：{info.fix}", ""]
    return "\n".join(lines)


def _shown(content: Union[str, bytes]) -> list[str]:
    from perfdsl.code_examples import SOCKET
    if content == SOCKET:
        return ["（一个 Unix 套接字，不是文件）"]
    if isinstance(content, bytes):  # not UTF-8 on purpose: the bytes that are not, as \\xNN
        content = "（字节）" + content.decode("utf-8", "backslashreplace")
    lines = content.splitlines() or ["（空文件）" if not content.strip() else content]
    out = [line if len(line) <= SHOWN_WIDTH else line[:SHOWN_WIDTH] + f"…（共 {len(line)} 个字符）"
           for line in lines[:SHOWN_LINES]]
    if len(lines) > SHOWN_LINES:
        out.append(f"…（共 {len(lines)} 行）")
    return out
