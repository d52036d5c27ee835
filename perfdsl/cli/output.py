"""Output files are whole or absent: a temp file beside the target, renamed into place on success.

An interrupted or failed command leaves the old file as it was, never half a new one.
"""

from __future__ import annotations

import os
import sys
import tempfile
from types import TracebackType
from typing import IO, Any, Literal, Optional

from perfdsl.diagnostics import PerfdslError, error


def _default_mode(path: str) -> None:
    """mkstemp makes 0600 files; a report should get the usual 0644 (less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def write_bytes_atomically(target: str, data: bytes) -> None:
    with AtomicOutput(target, binary=True) as out:
        out.write(data)


def check_output(target: Optional[str]) -> None:
    """Refuse an output path that cannot be written, before anything is scored."""
    if target is None:
        return
    directory = os.path.dirname(os.path.abspath(target))
    if os.path.isdir(target):
        raise PerfdslError([error("O001", f"输出路径 {target} 是一个目录；请给出文件名")])
    if not os.path.isdir(directory):
        raise PerfdslError([error("O002", f"输出目录 {directory} 不存在")])
    if not os.access(directory, os.W_OK):
        raise PerfdslError([error("O003", f"没有写入 {directory} 的权限")])


class AtomicOutput:
    """Writes to a temp file beside the target and renames it into place on success; no target: stdout."""

    def __init__(self, target: Optional[str], binary: bool = False):
        self.target = target
        self.binary = binary
        self.handle: Optional[IO[Any]] = None
        self.tmp: Optional[str] = None

    def __enter__(self) -> IO[Any]:
        if self.target is None:
            return sys.stdout
        check_output(self.target)
        directory = os.path.dirname(os.path.abspath(self.target))
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=".perfdsl-", suffix=".tmp", dir=directory)
        except OSError as exc:
            raise PerfdslError([error("O004", f"无法写入 {self.target}：{exc.strerror}")]) from exc
        _default_mode(self.tmp)
        self.handle = os.fdopen(fd, "wb") if self.binary else os.fdopen(fd, "w", encoding="utf-8")
        return self.handle

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> Literal[False]:
        if self.handle is None:
            return False
        assert self.tmp is not None and self.target is not None  # set together with the handle
        try:
            self.handle.close()
            if exc_type is None:
                os.replace(self.tmp, self.target)
        except OSError as err:  # a full disk, the target turned into a directory…
            raise PerfdslError([error("O004", f"无法写入 {self.target}：{err.strerror}")]) from err
        finally:
            if os.path.exists(self.tmp):
                os.unlink(self.tmp)
        return False
