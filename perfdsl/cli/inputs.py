"""Fact sets as the command line names them: files, directories, batches (.jsonl) and single lines of a batch.

Reading never stops a batch: a line that is not UTF-8 becomes a record that scores as an error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, Optional

from perfdsl.diagnostics import PerfdslError, error

BAD_UTF8 = "\x00bad-utf8"  # the text of a record whose line is not UTF-8


class Record:
    """One fact set from the input: its text, where it came from, its line in a .jsonl.

    ``texts``: its document carries the rule texts (指标解释, 评分标准).  A line of a batch
    leaves them out (the rules hold them) unless it was asked for by itself (``batch.jsonl:37``).
    """

    __slots__ = ("text", "source", "line", "texts")

    def __init__(self, text: str, source: str, line: Optional[int] = None, texts: Optional[bool] = None):
        self.text = text
        self.source = source
        self.line = line
        self.texts = line is None if texts is None else texts


LINE_ADDRESS = re.compile(r"^(?P<path>.+\.jsonl):(?P<line>[0-9]+)$")


def addressed_line(raw: str) -> Optional[Record]:
    """``batch.jsonl:37``: one line of a batch, scored and explained on its own."""
    m = LINE_ADDRESS.match(raw)
    if m is None or Path(raw).exists() or not Path(m.group("path")).is_file():
        return None
    wanted = int(m.group("line"))
    for rec in jsonl_records(Path(m.group("path")), keep_blank=True):
        if rec.line == wanted:
            if not rec.text.strip():
                raise PerfdslError([error("F006", f"{raw}：这一行是空行，没有事实")])
            rec.texts = True
            return rec
    raise PerfdslError([error("F006", f"{raw}：{m.group('path')} 没有第 {wanted} 行")])


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PerfdslError([error("F000", f"无法读取事实文件 {path}：{exc.strerror}")]) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PerfdslError([error("F005", f"{path}：不是 UTF-8 编码（第 {exc.start} 字节）")]) from exc


def iter_records(inputs: list[str]) -> Iterator[Record]:
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl") and p.is_file())
        elif path.exists():
            files = [path]
        else:
            picked = addressed_line(raw)
            if picked is None:
                raise PerfdslError([error("F000", f"找不到事实文件：{raw}")])
            yield picked
            continue
        for f in files:
            if f.suffix == ".jsonl":
                yield from jsonl_records(f)
            else:
                yield Record(read_text(f), str(f))


def jsonl_records(path: Path, keep_blank: bool = False) -> Iterator[Record]:
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise PerfdslError([error("F000", f"无法读取事实文件 {path}：{exc.strerror}")]) from exc
    with handle:
        for n, raw in enumerate(handle, 1):
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                yield Record(BAD_UTF8, str(path), n)
                continue
            if keep_blank or text.strip():
                yield Record(text, str(path), n)
