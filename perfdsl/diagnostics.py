"""Diagnostics: every problem perfdsl reports, with a code and a place.

A diagnostic names a rule location (``file:line:col``) and/or a fact path,
says what is wrong in plain words and, where it can, how to fix it.
"""

from __future__ import annotations

import errno
from typing import Iterable, Optional

import attrs

from perfdsl.codes import CODES
from perfdsl.syntax.ast import Span


@attrs.frozen
class Note:
    span: Span
    message: str


@attrs.frozen
class Diagnostic:
    code: str
    severity: str  # "error" | "warning"
    message: str
    span: Optional[Span] = None
    fact_path: Optional[str] = None
    notes: tuple[Note, ...] = ()
    suggestions: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def headline(self) -> str:
        where = f"{self.span}: " if self.span is not None else ""
        fact = f"[{self.fact_path}] " if self.fact_path and self.span is None else ""
        return f"{where}{self.severity}[{self.code}]: {fact}{self.message}"

    def to_json(self) -> dict:
        out: dict = {"code": self.code, "severity": self.severity, "message": self.message}
        if self.span is not None:
            out["file"] = self.span.file
            out["line"] = self.span.line
            out["column"] = self.span.column
        if self.fact_path is not None:
            out["fact"] = self.fact_path
        if self.notes:
            out["notes"] = [
                {"file": n.span.file, "line": n.span.line, "column": n.span.column, "message": n.message}
                for n in self.notes
            ]
        if self.suggestions:
            out["suggestions"] = list(self.suggestions)
        return out


class PerfdslError(Exception):
    """Raised with one or more diagnostics; the CLI renders them, never a traceback."""

    def __init__(self, diagnostics: Iterable[Diagnostic], sources: Optional[dict] = None):
        self.diagnostics = tuple(diagnostics)
        self.sources = sources or {}  # file → SourceFile, for excerpts with a caret
        super().__init__("\n".join(d.headline() for d in self.diagnostics))


def error(code: str, message: str, span: Optional[Span] = None, *, fact_path: Optional[str] = None,
          notes: Iterable[Note] = (), suggestions: Iterable[str] = ()) -> Diagnostic:
    return Diagnostic(_registered(code, "error"), "error", message, span, fact_path, tuple(notes), tuple(suggestions))


def warning(code: str, message: str, span: Optional[Span] = None, *, fact_path: Optional[str] = None,
            notes: Iterable[Note] = (), suggestions: Iterable[str] = ()) -> Diagnostic:
    return Diagnostic(_registered(code, "warning"), "warning", message, span, fact_path, tuple(notes),
                      tuple(suggestions))


class UnregisteredCode(Exception):
    """A diagnostic code missing from ``codes.CODES``, or at another severity: a bug in perfdsl.

    Not a ValueError, so that no ``except ValueError`` on the way turns the bug into a user's error.
    """


def _registered(code: str, severity: str) -> str:
    info = CODES.get(code)
    if info is None:
        raise UnregisteredCode(f"diagnostic code {code!r} is not in perfdsl/codes.py")
    if info.severity != severity:
        raise UnregisteredCode(f"diagnostic code {code!r} is registered as {info.severity}, not {severity}")
    return code


def sort_key(d: Diagnostic) -> tuple[int, str, int, int]:
    s = d.span
    return (0, s.file, s.line, s.column) if s is not None else (1, "", 0, 0)


def closest(name: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Names within a small edit distance, for "did you mean …?"."""
    scored = []
    for cand in set(candidates):
        d = _distance(name, cand)
        threshold = max(1, min(3, len(name) // 3 + 1))
        if d <= threshold or (len(name) >= 2 and (name in cand or cand in name)):
            scored.append((d, cand))
    return [c for _, c in sorted(scored)[:limit]]


def _distance(a: str, b: str) -> int:
    if abs(len(a) - len(b)) > 4:
        return 99
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


_BUSY = "没有权限，或文件正被其他程序（如 Excel、Word、WPS）打开；请关闭它，或换一个文件名或位置"
# An operating system's error in words, with what to do: its own text (strerror) is English on Linux, and on
# Windows for most errors ("Permission denied" for a workbook open in Excel).
OS_REASONS = {
    errno.ENOENT: "文件或目录不存在；请检查路径",
    errno.EACCES: _BUSY,
    errno.EPERM: _BUSY,
    errno.EBUSY: "文件正被其他程序占用；请关闭它后重试",
    errno.EISDIR: "这是一个目录；请给出文件名",
    errno.ENOTDIR: "路径中有一级不是目录；请检查路径",
    errno.ENOSPC: "磁盘空间不足；请清理磁盘或换一个位置",
    errno.EFBIG: "文件超过了磁盘允许的大小；请换一个位置",
    errno.EROFS: "磁盘或目录是只读的；请换一个位置",
    errno.ENAMETOOLONG: "文件名或路径过长；请缩短",
    errno.EINVAL: "文件名或路径不合法（Windows 的文件名不能含 \\ / : * ? \" < > |）；请改名",
    errno.ELOOP: "符号链接形成了循环；请检查路径",
}


def os_reason(exc: OSError) -> str:
    """Why an operating system call failed, in Chinese, and the fix (``OS_REASONS``)."""
    words = OS_REASONS.get(exc.errno) if exc.errno is not None else None
    return words or f"操作系统报告的错误：{exc.strerror or type(exc).__name__}"
