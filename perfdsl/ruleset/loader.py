"""Rule files on disk → one ``RuleSet``: read, parse, build, merge.

A rule set is a file or a directory of ``*.perf`` files (searched
recursively, taken in sorted order: first-level indicators appear in the
order of their files).  Syntax errors in every file are collected, not just
the first.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Optional

import attrs

from perfdsl.diagnostics import Diagnostic, Note, PerfdslError, error, os_reason
from perfdsl.digest import sha256
from perfdsl.ruleset.files import RULE_SUFFIX as RULE_SUFFIX
from perfdsl.ruleset.files import display_path as display_path
from perfdsl.ruleset.files import rule_files as rule_files
from perfdsl.syntax import ast as A

MAX_RULE_BYTES = 20 * 1024 * 1024


@attrs.frozen
class SourceFile:
    path: str  # as shown in diagnostics
    text: str
    sha256: str
    first_line: int = 1  # the file's line that ``text`` starts on (a facts line of a batch: its line number)


@attrs.frozen
class RuleSet:
    """Everything one indicator system declares, merged across its files."""

    name: str
    system: Optional[A.System]
    facts: A.RecordType
    records: dict[str, A.RecordType]
    enums: dict[str, A.EnumType]
    globals: dict[str, A.Let]
    roots: tuple[A.Indicator, ...]
    sources: dict[str, SourceFile]

    @property
    def rounding(self) -> A.Rounding:
        if self.system is not None and self.system.rounding is not None:
            return self.system.rounding
        return A.Rounding(2, "half_up", A.NO_SPAN)


def read_source(path: Path) -> SourceFile:
    return read_rule_file(path)[0]


def read_rule_file(path: Path) -> tuple[SourceFile, bytes]:
    """The file as ``read_source`` reads it, and its bytes: what writes it back keeps their conventions."""
    shown = display_path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PerfdslError([error("E102", f"无法读取规则文件 {shown}：{os_reason(exc)}")]) from None
    if len(data) > MAX_RULE_BYTES:
        raise PerfdslError([error("E103", f"规则文件 {shown} 过大（{len(data)} 字节，上限 {MAX_RULE_BYTES}）")])
    digest = sha256(data).hexdigest()
    text = decode(data, shown)
    if "\x00" in text:
        pos = text.index("\x00")
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        raise PerfdslError([error("E105", "规则文件中有 NUL 字符", A.Span(shown, line, col, line, col + 1))])
    return SourceFile(shown, text, digest), data


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16: FF FE 00 00
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-8's BOM: below
_CONVERT = ("用记事本打开，“另存为”时编码选 UTF-8；或 iconv -f {enc} -t UTF-8 旧文件 > 新文件"
            "（PowerShell：Get-Content 旧文件 -Encoding {ps} | Set-Content 新文件 -Encoding utf8）")


def decode(data: bytes, shown: str) -> str:
    """UTF-8 (with or without a BOM), or UTF-16/32 with a BOM; anything else is refused, naming what it looks like."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                name = codec.upper()
                raise PerfdslError([error("E104", f"规则文件 {shown} 以 {name} 的字节顺序标记开头，但内容不是有效的"
                                                  f" {name}：文件可能已损坏；请重新另存为 UTF-8")]) from None
    if len(data) >= 2 and len(data) % 2 == 0 and data.count(b"\x00") * 3 >= len(data):
        # UTF-16 without a BOM: every other byte of ASCII text is zero
        big = data[0::2].count(0) > data[1::2].count(0)
        enc, ps = ("UTF-16BE", "BigEndianUnicode") if big else ("UTF-16LE", "Unicode")
        raise PerfdslError([error("E104", f"规则文件 {shown} 像是没有字节顺序标记的 {enc} 编码，无法可靠地读出："
                                          + _CONVERT.format(enc=enc, ps=ps))]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        col = len(data[line_start: exc.start].decode("utf-8", errors="replace")) + 1
        span = A.Span(shown, line, col, line, col + 1)
        try:
            data.decode("gb18030")
        except UnicodeDecodeError:
            raise PerfdslError([error("E104", "规则文件不是 UTF-8 编码（第一个无效字节位于此处）：请把文件另存为 UTF-8",
                                      span)]) from None
        raise PerfdslError([error("E104", "规则文件不是 UTF-8 编码，像是 GB18030/GBK（中文 Windows 的“ANSI”编码）："
                                          + _CONVERT.format(enc="GB18030", ps="Default"), span)]) from None


def load(path: str | os.PathLike) -> RuleSet:
    """Parse and merge a rule set; raises PerfdslError with every syntax error found."""
    from perfdsl.ruleset.gcpause import paused
    with paused():
        return _load(Path(path))


def _load(root: Path) -> RuleSet:
    sources: dict[str, SourceFile] = {}
    parsed: list[A.RuleFile] = []
    problems: list[Diagnostic] = []
    from perfdsl.syntax.builder import build  # Lark is imported only when rules are really parsed (not from the cache)
    for file in rule_files(root):
        try:
            src = read_source(file)
            sources[src.path] = src
            parsed.append(build(src.text, src.path))
        except PerfdslError as exc:
            problems.extend(exc.diagnostics)
        except RecursionError:
            problems.append(error("E106", "规则嵌套过深，无法解析", A.Span(display_path(file), 1, 1, 1, 1)))
    if problems:
        raise PerfdslError(problems, sources)
    name = root.stem if root.is_file() else root.resolve().name
    return merge(parsed, sources, name)


def merge(files: list[A.RuleFile], sources: dict[str, SourceFile], default_name: str) -> RuleSet:
    problems: list[Diagnostic] = []
    system: Optional[A.System] = None
    fact_fields: dict[str, A.FieldDecl] = {}
    fact_requires: list[A.Require] = []
    records: dict[str, A.RecordType] = {}
    enums: dict[str, A.EnumType] = {}
    globals_: dict[str, A.Let] = {}
    roots: list[A.Indicator] = []
    facts_span = A.NO_SPAN

    def duplicate(kind: str, name: str, span: A.Span, first: A.Span) -> None:
        problems.append(error("E110", f"重复定义{kind} `{name}`", span, notes=[Note(first, "首次定义于此")]))

    for f in files:
        for item in f.items:
            if isinstance(item, A.System):
                if system is not None:
                    duplicate("体系", item.name, item.span, system.span)
                else:
                    system = item
            # 事实 is a keyword, so no user type has this name
            elif isinstance(item, A.RecordType) and item.name == "事实":
                facts_span = item.span if facts_span is A.NO_SPAN else facts_span
                for fld in item.fields:
                    if fld.name in fact_fields:
                        duplicate("事实", fld.name, fld.span, fact_fields[fld.name].span)
                    else:
                        fact_fields[fld.name] = fld
                fact_requires.extend(item.requires)
            elif isinstance(item, A.RecordType):
                if item.name in records:
                    duplicate("类型", item.name, item.span, records[item.name].span)
                else:
                    records[item.name] = item
            elif isinstance(item, A.EnumType):
                if item.name in enums:
                    duplicate("枚举", item.name, item.span, enums[item.name].span)
                else:
                    enums[item.name] = item
            elif isinstance(item, A.Let):
                if item.name in globals_:
                    duplicate("值", item.name, item.span, globals_[item.name].span)
                else:
                    globals_[item.name] = item
            elif isinstance(item, A.Indicator):
                roots.append(item)
    if problems:
        raise PerfdslError(problems, sources)
    facts = A.RecordType("事实", tuple(fact_fields.values()), tuple(fact_requires), facts_span)
    name = system.name if system is not None else default_name
    return RuleSet(name, system, facts, records, enums, globals_, tuple(roots), sources)

