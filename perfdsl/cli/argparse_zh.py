"""argparse in Chinese: its own words (``usage:``, ``options``, its error messages) through its translation hook,
help laid out by display width, defaults and examples shown, option values with Chinese names.

argparse looks up every text of its own with ``argparse._`` (``gettext``) and ``argparse.ngettext`` when it
needs it.  :class:`Parser` answers those calls from :data:`MESSAGES` while one of its own methods runs, and
only then: other parsers in the same process (pytest's, a library user's) keep their language.

Every msgid of argparse (Python 3.10–3.11, and the few later ones known) is in the table;
``tests/test_chinese_cli.py`` checks that against the argparse that is running.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gettext
import itertools
import os
import re
import sys
import unicodedata

from perfdsl.cli.commands.base import Usage

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Iterator, Mapping, NoReturn, Optional, Sequence, TypeVar

# argparse's msgid → Chinese.  The %-placeholders are argparse's and must stay as they are.
MESSAGES: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",  # Python 3.9 and before
    "subcommands": "命令",
    "show this help message and exit": "显示本帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "须给出其中一个参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同用",
    "ignored explicit argument %r": "此选项不带值，不能写 %r",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "unexpected option string: %s": "不应出现的选项：%s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的%(type)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值 %(value)r（可选：%(choices)s）",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有命令 %(parser_name)r（可用的命令：%(choices)s）",
    "can't open '%(filename)s': %(error)s": "无法打开 '%(filename)s'：%(error)s",
    'argument "-" with mode %r': "参数 “-” 不能以模式 %r 打开",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "cannot have multiple subparser arguments": "只能有一组子命令",
    # mistakes in building a parser, not in using it (a bug in perfdsl), translated all the same
    ".__call__() not defined": "未定义 .__call__()",
    "conflicting subparser: %s": "子命令重复：%s",
    "conflicting subparser alias: %s": "子命令别名重复：%s",
    "cannot merge actions - two groups are named %r": "无法合并：两个参数组都名为 %r",
    "'required' is an invalid argument for positionals": "位置参数不能设置 'required'",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r":
        "无效的选项 %(option)r：须以字符 %(prefix_chars)r 开头",
    "dest= is required for options like %r": "像 %r 这样的选项须给出 dest=",
    "invalid conflict_resolution value: %r": "无效的 conflict_resolution 值：%r",
    "mutually exclusive arguments must be optional": "互斥的参数须为选项",
    "%r is not callable": "%r 不可调用",
}

# (singular, plural) → Chinese, which has one form for both
PLURALS: dict[tuple[str, str], str] = {
    ("expected %s argument", "expected %s arguments"): "需要 %s 个值",
    ("conflicting option string: %s", "conflicting option strings: %s"): "选项重复：%s",
}


class Chinese(gettext.NullTranslations):
    """The catalogue argparse reads through ``argparse._`` and ``argparse.ngettext``."""

    def gettext(self, message: str) -> str:
        return MESSAGES.get(message, message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        found = PLURALS.get((msgid1, msgid2))
        if found is not None:
            return found
        return msgid1 if n == 1 else msgid2


CATALOGUE = Chinese()


@contextlib.contextmanager
def chinese() -> Iterator[None]:
    """argparse speaks Chinese inside the block; as before after it (nested blocks are fine)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = CATALOGUE.gettext, CATALOGUE.ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


if TYPE_CHECKING:
    F = TypeVar("F", bound=Callable[..., Any])


def _in_chinese(method: F) -> F:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with chinese():
            return method(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose own words are Chinese (see the module), that raises :class:`Usage` instead of
    printing and exiting, and formats its help with :class:`Formatter`."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("formatter_class", Formatter)
        with chinese():  # -h's help, the titles of the two groups of arguments
            super().__init__(*args, **kwargs)

    # everything of argparse that makes a text a person reads runs inside one of these
    parse_args = _in_chinese(argparse.ArgumentParser.parse_args)
    parse_known_args = _in_chinese(argparse.ArgumentParser.parse_known_args)
    format_usage = _in_chinese(argparse.ArgumentParser.format_usage)
    format_help = _in_chinese(argparse.ArgumentParser.format_help)
    add_subparsers = _in_chinese(argparse.ArgumentParser.add_subparsers)

    def error(self, message: str) -> NoReturn:  # argparse would print and exit 2 itself; the CLI's guard does it
        raise Usage(_in_chinese_quotes(message), self.prog)


def _in_chinese_quotes(message: str) -> str:
    """argparse names values with Python's repr: 无效的取值 'evl'（可选：'eval', 'explain', …） reads as a
    program's output.  Values in “”, a list with 、, and for a mistyped one the closest it may have meant."""
    from perfdsl.diagnostics import closest
    m = re.search(r"无效的取值 '([^'\n]*)'（可选：((?:'[^'\n]*'(?:, )?)+)）", message)
    if m is None:
        return re.sub(r"'([^'\n]*)' 不是有效的", r"“\1” 不是有效的", message)
    offered = re.findall(r"'([^'\n]*)'", m.group(2))
    near = closest(m.group(1), offered)
    said = f"无效的取值 “{m.group(1)}”（可选：{'、'.join(offered)}）" + (f"；是否想写 {near[0]}？" if near else "")
    return message[:m.start()] + said + message[m.end():]


class Number:
    """``type=`` for a number, named in Chinese in argparse's message for a value that is not one."""

    def __init__(self, kind: Callable[[str], Any], name: str):
        self.kind = kind
        self.__name__ = name

    def __call__(self, text: str) -> Any:
        return self.kind(text.strip())


def _percent(text: str):
    """100 or 100% as an exact Decimal (a coverage threshold is compared with a rate exactly, never as a float)."""
    from decimal import Decimal, InvalidOperation
    try:
        value = Decimal(text.rstrip("%％"))
    except InvalidOperation:
        raise ValueError(text) from None  # argparse names a ValueError's value in its own message
    if not value.is_finite() or not 0 <= value <= 100:
        raise ValueError(text)
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


INTEGER = Number(int, "整数")
COUNT = Number(_count, "正整数")  # how many of something: 1, 2, …
PERCENT = Number(_percent, "百分数（0 到 100）")  # 100 or 100%


# ---------------------------------------------------------------------------------------------------------------
# Help text laid out by display width: a Chinese character takes two columns of a console

def cells(text: str) -> int:
    """Columns the text takes in a console (East Asian wide and full-width characters take two).

    ASCII is never wide: an option or a path is counted without looking each character up; the rest by ``map``,
    without a Python frame per character (``perfdsl --help`` counts ~250 texts)."""
    if text.isascii():
        return len(text)
    return len(text) + sum(map(_WIDE_OR_FULL.__contains__, map(unicodedata.east_asian_width, text)))


_WIDE_OR_FULL = frozenset("WF")  # the East Asian widths that take two columns (never "Na", "N", "A" or "H")


def terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``, which argparse asks for each formatter it makes: ``COLUMNS`` if
    a positive number, else the terminal's width, else 80.  Importing shutil for it (with zlib, bz2 and lzma) was
    ~8 M instructions of every start (``tests/test_chinese_cli.py`` holds the two equal)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):  # no stdout (None), closed, detached, not a terminal
        return 80


# where a line may break between two characters: CJK ideographs, kana, full-width forms (first, last code point)
WIDE = ((0x2E80, 0x303E), (0x3041, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
        (0xFF00, 0xFF60), (0xFFE0, 0xFFE6))
_SPACE, _WIDE_CHAR, _OTHER = 0, 1, 2


def _kind(char: str) -> int:
    if char.isspace():
        return _SPACE
    code = ord(char)
    if code >= WIDE[0][0]:  # (below the first range, as all ASCII is: no range to look through)
        for first, last in WIDE:
            if first <= code <= last:
                return _WIDE_CHAR
    return _OTHER


def tokens(text: str) -> list[str]:
    """What a line may break between: runs of spaces, each wide character, runs of anything else.

    The same as ``re.findall(r"\\s+|[WIDE]|[^\\s WIDE]+")``, without the regex: compiling its classes of wide
    ranges cost ~8 ms, a fifth of ``perfdsl --help`` (``tests/test_chinese_cli.py`` holds the two equal)."""
    out: list[str] = []
    for kind, run in itertools.groupby(text, _kind):
        if kind == _WIDE_CHAR:
            out.extend(run)
        else:
            out.append("".join(run))
    return out

# never the first character of a line (Chinese line breaking, 避头点), nor the last (避尾点)
_NO_LINE_START = set("，。、；：？！）」』》〉】”’…%％,.;:?!)]}")
_NO_LINE_END = set("（「『《〈【“‘([{")


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width`` columns: breaks between Chinese characters and at spaces, never inside an
    ASCII word (a path, an option), never before closing punctuation nor after opening punctuation (the
    character before goes down with it; a word that cannot, keeps its punctuation hanging past the margin)."""
    lines: list[str] = []
    line: list[str] = []  # the tokens of the line being filled
    for token in tokens(" ".join(text.split())):
        if token.isspace():
            if line:
                line.append(" ")
            continue
        if line and cells("".join(line).rstrip() + token) > width:
            carried: list[str] = []
            if token[0] in _NO_LINE_START:  # take the character before down with it, if it is one
                while len(line) > 1 and line[-1] in _NO_LINE_START:
                    carried.insert(0, line.pop())
                if len(line) > 1 and len(line[-1]) == 1 and not line[-1].isspace():
                    carried.insert(0, line.pop())
                else:  # a word: the punctuation hangs
                    line += carried
                    carried = []
            while len(line) > 1 and line[-1] in _NO_LINE_END:
                carried.insert(0, line.pop())
            if not carried and token[0] in _NO_LINE_START:
                line.append(token)
                continue
            lines.append("".join(line).rstrip())
            line = carried
        line.append(token)
    if "".join(line).strip():
        lines.append("".join(line).rstrip())
    return lines or [""]


class Formatter(argparse.HelpFormatter):
    """Help by display width, with each option's default, and the epilog (examples) kept as written."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 30,
                 width: Optional[int] = None):
        # argparse's default width, the terminal's less 2, as argparse computes it but without importing shutil
        super().__init__(prog, indent_increment, max_help_position, terminal_columns() - 2 if width is None else width)
        self._headings: set[str] = set()

    def _format_usage(self, usage: Optional[str], actions: Iterable[argparse.Action],
                      groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: Optional[str]) -> str:
        if prefix is not None:
            return super()._format_usage(usage, actions, groups, prefix)
        # laid out with a prefix of spaces as wide as 用法： on screen, so the continuation lines line up
        label = argparse._("usage: ")  # type: ignore[attr-defined]
        text = super()._format_usage(usage, actions, groups, " " * cells(label))
        return label + text[cells(label):]

    def start_section(self, heading: Optional[str]) -> None:
        if heading:
            self._headings.add(heading)
        super().start_section(heading)

    def format_help(self) -> str:
        # argparse ends a section's title with an ASCII colon; a Chinese title takes the full-width one
        # (a line that is spaces, a title and ":"; by lines, not a pattern per title: ~1 ms of `perfdsl --help`)
        text = super().format_help()
        titles = {heading + ":" for heading in self._headings}
        lines = text.split("\n")
        for n, line in enumerate(lines):
            if line.endswith(":") and line.lstrip(" ") in titles:
                lines[n] = line[:-1] + "："
        return "\n".join(lines)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text.strip("\n"):  # written in lines (the examples): as it is
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))

    def _get_help_string(self, action: argparse.Action) -> str:
        help = action.help or ""
        default = action.default
        if (action.option_strings and default not in (None, False, argparse.SUPPRESS) and "%(default)" not in help
                and action.nargs not in (0,)):
            shown = default
            if isinstance(action.type, Choice):
                shown = action.type.name_of(default)
            help += f"（默认：{shown}）".replace("%", "%%")
        return help

    def add_argument(self, action: argparse.Action) -> None:
        if action.help is not argparse.SUPPRESS:
            invocations = [self._format_action_invocation(action)]
            invocations += [self._format_action_invocation(a) for a in self._iter_indented_subactions(action)]
            length = max(map(cells, invocations)) + self._current_indent
            self._action_max_length = max(self._action_max_length, length)
            self._add_item(self._format_action, [action])

    def _format_action(self, action: argparse.Action) -> str:
        # argparse's own, with display width for len (a Chinese metavar takes two columns a character)
        help_position = min(self._action_max_length + 2, self._max_help_position)
        help_width = max(self._width - help_position, 11)
        action_width = help_position - self._current_indent - 2
        header = self._format_action_invocation(action)
        indent_first = 0
        if not action.help:
            header = " " * self._current_indent + header + "\n"
        elif cells(header) <= action_width:
            header = " " * self._current_indent + header + " " * (action_width - cells(header)) + "  "
        else:
            header = " " * self._current_indent + header + "\n"
            indent_first = help_position
        parts = [header]
        if action.help and action.help.strip():
            help_text = self._expand_help(action)
            if help_text:
                lines = self._split_lines(help_text, help_width)
                parts.append(" " * indent_first + lines[0] + "\n")
                parts += [" " * help_position + line + "\n" for line in lines[1:]]
        elif not header.endswith("\n"):
            parts.append("\n")
        for sub in self._iter_indented_subactions(action):
            parts.append(self._format_action(sub))
        return self._join_parts(parts)


# ---------------------------------------------------------------------------------------------------------------
# Option values: a Chinese name for each, English (and other) spellings kept as aliases

class Choice:
    """The ``type`` of an option whose value is one of a few: ``Choice({"扣分": ("deductions",), …})`` accepts
    扣分 or deductions and gives the program the first alias (the value the code knows), or the name itself
    when there is no alias.  Used with ``choices=Choice.names``, help and usage list the Chinese names, and so
    does argparse's message for a value that is none of them."""

    __name__ = "取值"  # argparse names a type by its __name__ in its messages

    def __init__(self, names: Mapping[str, Sequence[str]]):
        self.values: dict[str, str] = {}
        self.names: dict[str, str] = {}  # value → the name shown
        for name, aliases in names.items():
            value = aliases[0] if aliases else name
            self.names.setdefault(value, name)
            for spelling in (name, *aliases):
                self.values[spelling] = value
                self.values[spelling.lower()] = value

    def __call__(self, text: str) -> str:
        return self.values.get(text, self.values.get(text.strip().lower(), text))  # unknown: argparse says so

    def name_of(self, value: object) -> object:
        return self.names.get(value, value) if isinstance(value, str) else value

    @property
    def choices(self) -> _Choices:
        return _Choices(self)


class _Choices:
    """What argparse checks a converted value against (the values the code knows) and lists in usage and
    in its invalid-choice message (the Chinese names)."""

    def __init__(self, choice: Choice):
        self.choice = choice

    def __contains__(self, value: object) -> bool:
        return value in self.choice.names

    def __iter__(self) -> Iterator[str]:
        return iter(self.choice.names.values())

    def __len__(self) -> int:
        return len(self.choice.names)


def add_choice(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *flags: str,
               names: Mapping[str, Sequence[str]], default: Optional[str] = None, help: str = "",
               **kwargs: Any) -> argparse.Action:
    """An option taking one of ``names`` (Chinese name → aliases, the first alias being the value the code sees).

    ``default`` is a value the code knows; help shows its Chinese name."""
    choice = Choice(names)
    return parser.add_argument(*flags, type=choice, choices=choice.choices, default=default, help=help, **kwargs)
