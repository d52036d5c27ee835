"""Fact sets as the command line names them: files, directories, batches (.jsonl) and single lines of a batch.

Reading never stops a batch: a line that is not UTF-8, longer than the limit, holds a lone surrogate or is
perfdsl's own result becomes a record with a ``problem``, which scores as that line's error.  Memory stays
bounded: a line or file longer than ``max_line_bytes()`` is skipped in chunks, never read whole.
"""

from __future__ import annotations

import codecs
import json
import os
import re
from pathlib import Path

from perfdsl.patterns import lazy

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from typing import IO, Iterator, Optional

    from perfdsl.diagnostics import Diagnostic, PerfdslError

LIMIT_VARIABLE = "PERFDSL_MAX_LINE_BYTES"
DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024  # one fact set: a line of a batch, or a .json file
_SKIP_CHUNK = 1 << 20
READ_BUFFER = 1 << 20  # a batch is read in large pieces, not 8 KB (about three lines) per read
_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}


def error(*args, **kwargs) -> Diagnostic:
    """``diagnostics.error``, imported when a problem is found: plain facts are read without the syntax tree and
    attrs behind ``diagnostics`` (the warm road, ``perfdsl.warm``)."""
    from perfdsl.diagnostics import error as made
    return made(*args, **kwargs)


def os_reason(exc: OSError) -> str:
    from perfdsl.diagnostics import os_reason as reason
    return reason(exc)


def _failed(diagnostics: list) -> PerfdslError:
    from perfdsl.diagnostics import PerfdslError
    return PerfdslError(diagnostics)


def max_line_bytes() -> int:
    """The largest fact set read, in bytes (without the line break): ``PERFDSL_MAX_LINE_BYTES`` or 16 MiB."""
    raw = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_MAX_LINE_BYTES
    m = re.fullmatch(r"([0-9]{1,15})\s*([kKmMgG]?)[iI]?[bB]?", raw)
    if m is None or int(m.group(1)) == 0:
        raise _failed([error("F000", f"环境变量 {LIMIT_VARIABLE}={raw!r} 无效：应为正整数字节数，"
                                          "可带单位 K、M、G（如 16M）")])
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


class Record:
    """One fact set from the input: its text, where it came from, its line in a .jsonl.

    ``texts``: its document carries the rule texts (指标解释, 评分标准).  A line of a batch
    leaves them out (the rules hold them) unless it was asked for by itself (``batch.jsonl:37``).
    ``problem``: why it cannot be scored, found while reading (then ``text`` is empty); ``more``: the others.
    ``workbook``: a 基础数据表 (.xlsx), read where the rules are known (``cli.scoring``); ``text`` is empty
    until then.  ``sha256``: the hex digest of ``text`` in UTF-8 when the reader already had those bytes (a line
    of a batch): hashed as read, not encoded again (None: ``cli.scoring`` hashes ``text``).
    """

    __slots__ = ("text", "source", "line", "texts", "problem", "workbook", "more", "sha256")

    def __init__(self, text: str, source: str, line: Optional[int] = None, texts: Optional[bool] = None,
                 problem: Optional[Diagnostic] = None, workbook: bool = False):
        self.text = text
        self.source = source
        self.line = line
        self.texts = line is None if texts is None else texts
        self.problem = problem
        self.workbook = workbook
        self.more: tuple[Diagnostic, ...] = ()  # the problems after ``problem`` (a workbook reports all at once)
        self.sha256: Optional[str] = None

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source


FACT_SUFFIXES = (".json", ".jsonl", ".xlsx")
WORKBOOK_SUFFIX = ".xlsx"


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() == WORKBOOK_SUFFIX


LINE_ADDRESS = re.compile(r"^(?P<path>.+\.jsonl):(?P<line>[0-9]+)$")

# perfdsl's own results start with their header: {"perfdsl": {…  or, as a line of a batch, {"line": 7, "perfdsl": {…
# (a batch written to a .json file: the same after the array's [)
_RESULTS_HEAD = re.compile(r'\s*(?:\[\s*)?\{\s*(?:"line"\s*:\s*[0-9]+\s*,\s*)?"perfdsl"\s*:\s*\{')


# a \uXXXX escape of a surrogate: the only way a lone one gets into a string (UTF-8 text cannot hold one)
_surrogate_escape = lazy(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_surrogate = lazy("[\ud800-\udfff]")  # a lone surrogate (its range costs ~0.6 ms to compile)


def is_results_text(text: str) -> bool:
    """The text is a document perfdsl wrote (``eval``'s results), not facts."""
    return _RESULTS_HEAD.match(text) is not None


def addressed_line(raw: str, facts: bool = True) -> Optional[Record]:
    """``batch.jsonl:37``: one line of a batch, scored and explained on its own (``facts``: checked as facts)."""
    m = LINE_ADDRESS.match(raw)
    if m is None or Path(raw).exists() or not Path(m.group("path")).is_file():
        return None
    wanted = int(m.group("line"))
    for rec in jsonl_records(Path(m.group("path")), keep_blank=True, facts=facts):
        if rec.line == wanted:
            if rec.problem is None and not rec.text.strip():
                raise _failed([error("F006", f"{raw}：这一行是空行，没有事实")])
            rec.texts = True
            return rec
    raise _failed([error("F006", f"{raw}：{m.group('path')} 没有第 {wanted} 行")])


def _looks_like_facts(raw: str) -> bool:
    """A facts file (.json, .jsonl), a line of a batch, or a directory of facts with no rule file in it."""
    path = Path(raw)
    if LINE_ADDRESS.match(raw) is not None and not path.exists():
        return True
    if path.is_dir():
        return not _has_rules(path) and any(p.suffix.lower() in FACT_SUFFIXES for p in path.iterdir())
    return path.suffix.lower() in FACT_SUFFIXES


def _has_rules(path: Path) -> bool:
    from perfdsl.ruleset.files import RULE_SUFFIX
    if path.is_dir():
        return next(iter(path.rglob(f"*{RULE_SUFFIX}")), None) is not None
    return path.suffix == RULE_SUFFIX


def check_rules_first(rules: str, facts: list[str], command: str) -> None:
    """The rules come first: ``perfdsl eval facts.json rules/`` is refused with a message saying so (and the
    command line put right, when one of the later arguments is the rules), before anything is read."""
    from perfdsl.cli.commands.base import Usage
    if not _looks_like_facts(rules):
        return
    kind = "批量事实文件" if rules.endswith(".jsonl") or LINE_ADDRESS.match(rules) else (
        "事实目录" if Path(rules).is_dir() else "事实文件")
    message = f"第一个参数 {rules} 是{kind}，不是规则：规则写在前面，事实写在后面"
    swapped = next((f for f in facts if _has_rules(Path(f))), None)
    if swapped is not None:
        rest = [rules if f == swapped else f for f in facts]
        message += f"。应为：perfdsl {command} {swapped} {' '.join(rest)}"
    else:
        message += f"（perfdsl {command} 规则目录 事实文件…）"
    raise Usage(message, f"perfdsl {command}")


def read_text(path: Path) -> str:
    """A whole facts file, at most ``max_line_bytes()`` long; any problem raises."""
    rec = file_record(path)
    if rec.problem is not None:
        raise _failed([rec.problem])
    return rec.text


def file_record(path: Path) -> Record:
    """A .json file as one record; one that cannot be read, is too long or not UTF-8 gives a record with a problem."""
    limit = max_line_bytes()
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # a pipe or a device as well as a file: never more than the limit
    except OSError as exc:
        return Record("", str(path), problem=error("F000", f"无法读取事实文件 {path}：{os_reason(exc)}"))
    if len(data) > limit:
        return Record("", str(path), problem=_too_long(str(path), limit))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text_or_problem = decode_other(data, str(path), exc.start)
        if not isinstance(text_or_problem, str):
            return Record("", str(path), problem=text_or_problem)
        text = text_or_problem
    return _checked(Record(text, str(path)))


# ordinary Chinese text and punctuation, for a file that is not UTF-8 (its ranges cost ~10 ms to compile)
_cjk_text = lazy("[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u2010-\u206f\u00b7\u00d7]")


def decode_other(data: bytes, where: str, bad_at: int) -> "str | Diagnostic":
    """A facts file that is not UTF-8: UTF-16 with its BOM is read; GB18030/GBK (中文 Windows) is read when every
    character it decodes to is ASCII or ordinary Chinese text; anything else is refused, naming the encoding."""
    fix = "请用编辑器（如记事本“另存为”）把文件另存为 UTF-8 编码"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return error("F035", f"{where}：文件以 UTF-16 的字节顺序标记开头，但内容不是有效的 UTF-16；{fix}")
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return error("F005", f"{where}：不是 UTF-8 编码（第 {bad_at} 字节），也不是 GBK/GB18030；{fix}")
    if all(ord(c) < 128 or _cjk_text().match(c) for c in text):
        return text
    return error("F035", f"{where}：不是 UTF-8 编码（第 {bad_at} 字节）；按 GBK/GB18030 解码会得到不常见的字符，"
                         f"无法确定它的编码，没有读入；{fix}")


def _too_long(where: str, limit: int) -> Diagnostic:
    return error("F008", f"{where}：这套事实超过 {limit:,} 字节的上限，没有读入。"
                         f"请检查文件是否损坏或拼接错了；确需更大的上限，可设置环境变量 {LIMIT_VARIABLE}（如 64M）")


def _checked(rec: Record) -> Record:
    """The checks made on every record's text as it is read: perfdsl's own results, lone surrogates."""
    if is_results_text(rec.text):
        rec.problem = error("F009", f"{rec.where}：这是 perfdsl eval 写出的评分结果，不是事实；"
                                    "请给出事实文件（评分结果不会再次评分）")
    elif "\\u" in rec.text and _surrogate_escape().search(rec.text) is not None:  # `in` first: one C scan
        path = _lone_surrogate_path(rec.text)
        if path is not None:  # shown as the escape it was written as: the message itself stays valid Unicode
            path = _surrogate().sub(lambda m: f"\\u{ord(m.group()):04x}", path)
            rec.problem = error("F007", f"{rec.where}：{path or '（顶层）'} 的文字中有孤立的代理码位"
                                        "（\\uD800–\\uDFFF 单独出现），不是有效的 Unicode 字符，"
                                        "多由截断的 UTF-16 文本造成；请在源数据中改正这段文字后重新导出",
                                fact_path=path or None)
    return rec


def _lone_surrogate_path(text: str) -> Optional[str]:
    """The path of the first key or string holding a lone surrogate ("" for the top level), or None."""
    try:
        data = json.loads(text)
    except Exception:  # noqa: BLE001 — not valid JSON (or too deep): the scorer reports it with its place
        return None
    todo: list[tuple[str, object]] = [("", data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, str):
            if _surrogate().search(value):
                return path
        elif isinstance(value, dict):
            for k, v in reversed(list(value.items())):
                sub = f"{path}.{k}" if path else k
                if _surrogate().search(k):
                    return sub
                todo.append((sub, v))
        elif isinstance(value, list):
            todo.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))
    return None


def iter_records(inputs: list[str], exclude: tuple[tuple[int, int], ...] = (),
                 notes: Optional[list[str]] = None) -> Iterator[Record]:
    """Every record of the inputs, in order.

    In a directory, a file in ``exclude`` ((st_dev, st_ino) of the output) and files whose first record is
    perfdsl's own result are skipped, each with a note; a file named on the command line is always read.
    """
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.suffix.lower() in FACT_SUFFIXES and p.is_file() and not p.name.startswith("~$"))
            if not found:  # scoring nothing and saying 共 0 套事实 hid a wrong folder
                raise _failed([error("F000", f"目录 {raw} 中没有事实文件（.json、.jsonl 或填好的基础数据表"
                                                  " .xlsx）；请检查目录，或直接写出事实文件名")])
            for f in found:
                if _identity(f) in exclude:
                    _note(notes, f"跳过 {f}：它是本次的输出文件")
                    continue
                yield from _directory_file(f, notes)
        elif path.exists():
            yield from _file(path)
        else:
            picked = addressed_line(raw)
            if picked is None:
                raise _failed([error("F000", f"找不到事实文件：{raw}")])
            yield picked


def _file(f: Path) -> Iterator[Record]:
    if is_workbook(f):
        yield Record("", str(f), workbook=True)
    elif f.suffix == ".jsonl":
        yield from jsonl_records(f)
    else:
        yield file_record(f)


def _directory_file(f: Path, notes: Optional[list[str]]) -> Iterator[Record]:
    records = _file(f)
    for rec in records:
        if rec.problem is not None and rec.problem.code == "F009":
            _note(notes, f"跳过 {f}：这是 perfdsl 写出的评分结果，不是事实")
            return
        yield rec
        break
    yield from records


def _note(notes: Optional[list[str]], text: str) -> None:
    if notes is not None:
        notes.append(text)


def _identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def jsonl_records(path: Path, keep_blank: bool = False, facts: bool = True) -> Iterator[Record]:
    """The lines of a .jsonl file as records; ``facts``: checked as facts (not perfdsl's results, no lone
    surrogates), as ``expand`` does not want for the results it reads.  Each line is hashed by OpenSSL
    (``hashlib``), five times faster a byte than the one a single fact set takes (``perfdsl.digest``)."""
    import hashlib
    limit = max_line_bytes()
    try:
        handle = open(path, "rb", buffering=READ_BUFFER)
    except OSError as exc:
        raise _failed([error("F000", f"无法读取事实文件 {path}：{os_reason(exc)}")]) from exc
    with handle:
        for n, raw in enumerate(_lines(handle, limit), 1):
            if raw is None:
                yield Record("", str(path), n, problem=_too_long(f"{path}:{n}", limit))
                continue
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                other = decode_other(raw.rstrip(b"\r\n"), f"{path}:{n}", exc.start) if not raw.startswith(
                    (b"\xff\xfe", b"\xfe\xff")) else None
                if isinstance(other, str):
                    text = other
                    if keep_blank or text.strip():
                        yield _checked(Record(text, str(path), n)) if facts else Record(text, str(path), n)
                    continue
                if other is None:
                    yield Record("", str(path), n, problem=error("F035", f"{path}：批量文件是 UTF-16 编码；"
                                                                         "请把文件另存为 UTF-8 编码（每行一套事实）"))
                    return
                yield Record("", str(path), n, problem=error("F005", f"{path}:{n}：这一行不是 UTF-8 编码"
                                                                     f"（行内第 {exc.start + 1} 字节）；"
                                                                     "请把文件另存为 UTF-8 编码"))
                continue
            if keep_blank or text.strip():
                rec = Record(text, str(path), n)
                if facts:  # strict UTF-8 decodes one way only: text.encode() is raw again, less a leading BOM
                    rec.sha256 = hashlib.sha256(raw[3:] if n == 1 and raw.startswith(codecs.BOM_UTF8)
                                                else raw).hexdigest()
                    yield _checked(rec)
                else:
                    yield rec


def results_records(path: Path) -> Iterator[Record]:
    """The documents of a batch's results file as records (unchecked as facts), each named by its line in the file:
    JSON lines, or the JSON array a batch writes to a ``.json`` file, a document per line (``results_layout``)."""
    from perfdsl.results_layout import element_text, opens_array
    records = jsonl_records(path, facts=False)
    for rec in records:
        if rec.problem is None and opens_array(rec.text):
            for element in records:
                text = element_text(element.text) if element.problem is None else element.text
                if text is not None:
                    element.text = text
                    yield element
            return
        yield rec


def _lines(handle: IO[bytes], limit: int) -> Iterator[Optional[bytes]]:
    """The lines of a binary file, each with its line break; None for a line longer than ``limit`` bytes,
    which is skipped in chunks so that memory stays bounded whatever its length."""
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            while True:
                chunk = handle.readline(_SKIP_CHUNK)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield None
        else:
            yield raw
