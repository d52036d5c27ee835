"""The ``perfdsl`` command.  No Python traceback ever reaches the user.

Exit status: 0 success; 1 rule errors, bad facts or failed records; 2 wrong
usage; 3 an internal error (a bug in perfdsl — please report it); 130 interrupted;
141 the reader of standard output went away (``| head``), so the output is incomplete.

Each command is a module in ``perfdsl.cli.commands``, imported when the command line names it (``perfdsl --help``
imports none: their help lines are in ``COMMAND_HELP``); this module builds the parser from them and holds the one
guard that turns every exception into a message and an exit status.

Start-up is what a person waits for: this module and the command modules import only argparse and
their own tables at the top; a command imports the engine, rich, Lark… inside ``run()``, so that
``perfdsl --help`` loads none of them (``tests/test_cli_startup.py`` holds this).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from types import FrameType

from perfdsl import __version__
from perfdsl.cli.argparse_zh import Parser
from perfdsl.cli.commands.base import (
    EXIT_BROKEN_PIPE,
    EXIT_FAIL,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    Usage,
    examples_text,
)
from perfdsl.cli.output import safe_streams

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from typing import Iterator, Optional, Sequence

    from perfdsl.cli.commands.base import Command

__all__ = ["COMMANDS", "COMMAND_HELP", "EXIT_FAIL", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "Usage", "build_parser",
           "entry", "main"]

# the commands, in the order --help lists them, with the line it shows for each: each command is the module
# perfdsl.cli.commands.<name> (- as _), imported when the command line names it (``perfdsl --help`` names none)
COMMAND_HELP = {
    "eval": "对一个或一批事实文件评分",
    "explain": "说明一个指标的得分：指标分析结果，或完整评分过程",
    "check": "检查规则文件",
    "report": "生成评分表报告（Word、Excel、HTML、Markdown）",
    "template": "生成基础数据表（Excel 填报模板）",
    "test": "运行规则集的测试用例并统计覆盖率",
    "expand": "把紧凑评分过程还原为完整步骤",
    "diff": "比较两次评分结果：规则改动后哪些得分、等级变了",
    "fmt": "把规则文件排成统一格式",
    "serve": "在浏览器中打开本机工作台（编辑规则、填写事实、查看得分与过程）",
    "explain-code": "说明一个错误或警告代码：含义、示例与如何修改",
}


class _Commands:
    """The command modules by name, each imported when first asked for: ``perfdsl eval`` imports no other command's
    module (ten modules, ~1% of its start), ``perfdsl --help`` none (eleven, ~9% of it: it shows only the names and
    their lines in ``COMMAND_HELP``).  A mapping's reading methods, without ``collections.abc`` (one more module)."""

    def __init__(self, names: tuple[str, ...]):
        self._names = names
        self._modules: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        module = self._modules.get(name)
        if module is None:
            if name not in self._names:
                raise KeyError(name)
            module = __import__(f"perfdsl.cli.commands.{name.replace('-', '_')}", fromlist=["NAME"])
            self._modules[name] = module
        return module

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def get(self, name: str) -> Optional[Command]:
        return self[name] if name in self._names else None

    def keys(self) -> tuple[str, ...]:
        return self._names

    def values(self) -> list[Command]:
        return [self[name] for name in self._names]

    def items(self) -> list[tuple[str, Command]]:
        return [(name, self[name]) for name in self._names]


COMMANDS = _Commands(tuple(COMMAND_HELP))


EXAMPLES = (
    ("对一套事实评分，列出失分的原因", "perfdsl eval rules/ examples/heping-2024/facts.json"),
    ("检查规则文件", "perfdsl check rules/"),
    ("查看某个命令的用法与示例", "perfdsl eval --help"),
    ("查看一个错误代码的说明与示例", "perfdsl explain-code E215"),
)


def build_parser(words: Optional[Sequence[str]] = None) -> argparse.ArgumentParser:
    """The whole command line; every word of it a person reads is Chinese (see ``perfdsl.cli.argparse_zh``).

    ``words``: the parser for that command line, where only the commands it names get their arguments.
    argparse picks a command by its exact name among the words, so a command not named is never parsed;
    its name and help line (``perfdsl --help``, the list in an unknown command's error) are all that is
    read of it, and adding the ~60 arguments of all of them was a tenth of a command's start-up (nor does it
    get its ``-h``, a formatter made per command, nor is its module imported: ``COMMAND_HELP`` has its line).
    When the first word is a command, argparse hands it all the others and no other command is read at all.
    """
    p = Parser(prog="perfdsl", description="预算绩效评价指标体系的规则语言与评分器", epilog=examples_text(EXAMPLES))
    p.add_argument("--version", action="version", version=f"perfdsl {__version__}", help="显示版本号并退出")
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=Parser)
    first = words[0] if words and words[0] in COMMANDS else None
    for name in COMMANDS if first is None else (first,):
        if words is not None and name not in words:
            sub.add_parser(name, help=COMMAND_HELP[name], add_help=False)
            continue
        command = COMMANDS[name]
        parser = sub.add_parser(name, help=COMMAND_HELP[name], description=command.DESCRIPTION,
                                epilog=examples_text(command.EXAMPLES))
        command.add_arguments(parser)
    return p


def main(argv: Optional[list[str]] = None) -> int:
    safe_streams()
    command: Optional[str] = None
    try:
        words = sys.argv[1:] if argv is None else argv
        args = build_parser(words).parse_args(words)
        command = args.command
        if command is None:
            build_parser().print_help()
            return EXIT_USAGE
        return COMMANDS[command].run(args)
    except Usage as exc:
        prog = exc.prog or ("perfdsl " + command if command else "perfdsl")
        message = str(exc)
        if prog == "perfdsl" and words and words[0] in COMMANDS and message.startswith("无法识别的参数："):
            prog, message = f"perfdsl {words[0]}", message + _closest_option(words[0], message)
        print(f"perfdsl: 用法错误：{_shown(message)}（{_shown(prog)} --help 查看用法与示例）", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("perfdsl: 已中断", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `perfdsl eval … | head`: the reader has gone; say nothing, exit as SIGPIPE would
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 — the last guard: a bug becomes a diagnostic, not a traceback
        diagnostics = sys.modules.get("perfdsl.diagnostics")  # not imported: the exception cannot be one of its
        if diagnostics is not None and isinstance(exc, diagnostics.PerfdslError):
            from perfdsl.cli.console import report_diagnostics
            report_diagnostics(exc.diagnostics, exc.sources)
            return EXIT_FAIL
        print(f"perfdsl: 内部错误[X000]：{_shown(f'{type(exc).__name__}: {exc}')}\n"
              "这是 perfdsl 的缺陷，不是规则或事实的问题。请附上命令、规则与事实文件报告此问题；"
              "设置 PERFDSL_DEBUG=1 可查看内部调用栈。", file=sys.stderr)
        if os.environ.get("PERFDSL_DEBUG"):
            import traceback
            traceback.print_exc()
        return EXIT_INTERNAL


def _closest_option(name: str, message: str) -> str:
    """「；是否想写 --format？」 for an option of the command mistyped (--formt): argparse reports it as the whole
    command line's, and pointed at perfdsl --help."""
    import difflib
    import re
    parser = Parser(prog=f"perfdsl {name}")
    COMMANDS[name].add_arguments(parser)
    options = [o[2:] for o in re.findall(r"--[\w-]+", parser.format_usage())] + ["help"]
    for typed in message.partition("：")[2].split():
        near = difflib.get_close_matches(typed.partition("=")[0][2:], options, 1, 0.75) if typed[:2] == "--" else []
        if near:  # close by similarity, not edit distance: --bogus is none of them
            return f"；是否想写 --{near[0]}？"
    return ""


def _shown(text: str) -> str:
    """User text in a message printed here (a file name, an exception's words): through the terminal escaper."""
    from perfdsl.render.escape import for_terminal
    return for_terminal(text, one_line=True)


def _silence_stdout() -> None:
    """Standard output leads nowhere now: what is still buffered must not fail again when Python exits."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture): nothing to silence
        pass


def _terminate(signum: int, frame: Optional[FrameType]) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: an output file being written is removed, the old one stays


def entry() -> None:
    import signal
    signal.signal(signal.SIGTERM, _terminate)
    from perfdsl.ruleset.gcpause import batch_process
    batch_process()  # this process ends with its command: a batch may freeze what it keeps (ruleset.gcpause)
    code = main()
    gc.freeze()  # the process ends here: the collector's pass at exit over everything it made would be wasted
    if code == 130 and "perfdsl.cli.workers" in sys.modules:
        _exit_now(code)
    sys.exit(code)


def _exit_now(code: int) -> None:
    """Ctrl-C during ``-j N``: end without Python's exit handlers.  The workers were terminated, perhaps while one
    was sending a result; ``concurrent.futures`` joins its manager thread at exit, and that thread would wait
    forever for the rest of the message (the parent holds the pipe's other end too, so no end of file comes), as
    would a queue's feeder thread writing into a pipe no worker reads.  Everything perfdsl writes was settled as
    the interrupt unwound (an output being written is removed), so only the standard streams are flushed, and
    multiprocessing's own clean-ups that cannot block are run (its semaphores unlinked: else its resource tracker
    warns, in English, of leaked ones; it still may, rarely); ``test_ctrl_c_with_two_jobs_prints_no_worker_tracebacks``
    holds the prompt exit, the one message and no traceback."""
    import multiprocessing.util
    multiprocessing.util._run_finalizers(0)  # type: ignore[attr-defined]  # priority ≥ 0: not the feeder joins (−5)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or gone: nothing more to say
            pass
    os._exit(code)
