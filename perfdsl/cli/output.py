"""Output files are whole or absent, and never an input.

A regular file (or a missing one) is written to a temp file beside it and renamed into place on success:
an interrupted or failed command leaves the old file as it was, never half a new one, and a replaced file
keeps its permission bits.  A symbolic link is followed: the file it points to is replaced, the link stays.
A FIFO or a character device (``/dev/null``, a terminal) is written directly — it cannot be renamed onto,
and is never replaced by a regular file.  Anything else (a block device, a socket) is refused, and so is an
output that is, or links to, one of the command's input files.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import stat
import sys
from types import TracebackType

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from pathlib import Path
    from typing import IO, Any, Callable, Iterable, Literal, Optional

    from perfdsl.diagnostics import PerfdslError

UNENCODABLE = "perfdsl-replace"
TEMP_BUFFER = 1 << 20  # bytes buffered before a write to the temp file (a batch line is ~8 KB: one write per line)
UNENCODABLE_JSON = "perfdsl-json-escape"

# What a narrow console encoding (GBK, cp936…) cannot write, spelled with characters it can; anything else
# goes through NFKC (full-width forms, superscripts…) and, failing that, becomes ?.
SPELLED = {
    "\u2212": "-",  # − the operator of subtraction in a trace's formulas (a number's sign is ASCII -)
    "\u2013": "-", "\u2010": "-", "\u2011": "-",
    "\u2713": "√", "\u2714": "√", "\u2705": "√",  # ✓ passed (perfdsl test)
    "\u2717": "×", "\u2718": "×", "\u274c": "×",  # ✗ failed
    "\u2022": "·", "\u25aa": "·",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u200b": "",
}


def _utf8(encoding: str) -> bool:
    return encoding.lower().replace("-", "").replace("_", "") in ("utf8", "cp65001")


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def spelled(char: str, encoding: str) -> str:
    """A character ``encoding`` cannot write, as it can write it: a like character, or ?."""
    import unicodedata
    for candidate in (SPELLED.get(char), unicodedata.normalize("NFKC", char)):
        if candidate is not None and candidate != char and _encodable(candidate, encoding):
            return candidate
    return "?"


def _replace_unencodable(exc: UnicodeError) -> tuple[str | bytes, int]:
    """A character a stream cannot encode (a lone surrogate, or − ✓ for a GBK console) is written visibly
    replaced — U+FFFD in UTF-8; spelled with a like character (``SPELLED``) or ? in other encodings —
    instead of stopping the command."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    if _utf8(exc.encoding):  # the UTF-8 codec takes a non-ASCII replacement only as bytes
        return "\ufffd".encode("utf-8") * (exc.end - exc.start), exc.end
    return "".join(spelled(c, exc.encoding) for c in exc.object[exc.start:exc.end]), exc.end


def _escape_for_json(exc: UnicodeError) -> tuple[str | bytes, int]:
    """JSON on a narrow console: what it cannot encode is written as JSON's \\uXXXX escape, so the document
    read back is the same (every non-ASCII character of perfdsl's JSON is inside a string)."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    if _utf8(exc.encoding):  # lone surrogates only: as for text
        return _replace_unencodable(exc)
    out = []
    for c in exc.object[exc.start:exc.end]:
        code = ord(c)
        if code > 0xFFFF:  # outside the BMP: a surrogate pair, as JSON writes it
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error(UNENCODABLE, _replace_unencodable)
codecs.register_error(UNENCODABLE_JSON, _escape_for_json)


def safe_streams() -> None:
    """stdout and stderr replace what they cannot encode (see ``_replace_unencodable``) instead of raising."""
    for stream in (sys.stdout, sys.stderr):
        _set_errors(stream, UNENCODABLE)


def json_stdout() -> None:
    """stdout is about to carry JSON: what its encoding cannot write becomes a \\uXXXX escape (same document)."""
    _set_errors(sys.stdout, UNENCODABLE_JSON)


def _set_errors(stream: object, errors: str) -> None:
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors=errors)
        except (ValueError, OSError, TypeError):  # a stream that cannot change (a test's capture…): as it is
            pass


def _default_mode(path: str) -> None:
    """mkstemp makes 0600 files; a new report should get the usual 0644 (less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def write_bytes_atomically(target: str, data: bytes) -> None:
    with AtomicOutput(target, binary=True) as out:
        out.write(data)


def _identity(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino


def identity(path: str | os.PathLike[str]) -> Optional[tuple[int, int]]:
    """(st_dev, st_ino) of the file a path leads to (links followed), or None if there is none."""
    try:
        return _identity(os.stat(path))
    except (OSError, ValueError):
        return None


def input_files(rules: Optional[str], inputs: Iterable[str]) -> list[Path]:
    """The files a command reads, for ``check_output``: every rule file, and each named input file (a
    directory's files are not listed: the output is left out of a directory it is in, see ``iter_records``)."""
    from pathlib import Path

    from perfdsl.cli.inputs import LINE_ADDRESS
    files: list[Path] = []
    if rules is not None:
        root = Path(rules)
        if root.is_dir():
            files.extend(p for p in root.rglob("*") if p.is_file())
        else:
            files.append(root)
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            continue
        m = LINE_ADDRESS.match(raw)
        files.append(Path(m.group("path")) if m is not None and not path.exists() else path)
    return files


def check_output(target: Optional[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Refuse an output path that cannot be written or that is one of the ``inputs``, before anything is scored."""
    if target is None:
        return
    try:
        st: Optional[os.stat_result] = os.stat(target)  # through symbolic links: what would be written
    except FileNotFoundError:
        st = None  # a new file (or a link to a file not there yet)
    except OSError as exc:
        raise _failure("O004", f"无法写入 {target}：{_why(exc)}") from exc
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise _failure("O001", f"输出路径 {target} 是一个目录；请给出文件名")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode)):
            raise _failure("O006", f"输出路径 {target} 不是普通文件（是块设备或套接字），不能写入；"
                                      "请给出一个文件名")
        for path in inputs:
            if identity(path) == _identity(st):
                raise _failure("O005", f"输出文件 {target} 就是输入文件 {path}"
                                          + ("" if os.path.abspath(target) == os.path.abspath(path)
                                             else "（经符号链接或硬链接指向同一文件）")
                                          + "；写入会毁掉输入，未做任何改动。请用 -o 另给一个文件名")
        if not stat.S_ISREG(st.st_mode):
            return  # written directly: no temp file beside it
    directory = os.path.dirname(os.path.realpath(target))
    if not os.path.isdir(directory):
        raise _failure("O002", f"输出目录 {directory} 不存在")
    if not os.access(directory, os.W_OK):
        raise _failure("O003", f"没有写入 {directory} 的权限")


class AtomicOutput:
    """Writes to a temp file beside the target and renames it into place on success; no target: stdout.

    A FIFO or a character device is written directly (see the module's docstring).
    """

    def __init__(self, target: Optional[str], binary: bool = False):
        self.target = target
        self.binary = binary
        self.handle: Optional[IO[Any]] = None
        self.tmp: Optional[str] = None
        self.real: Optional[str] = None

    def _open(self, fd: int, buffering: int = -1) -> IO[Any]:
        if self.binary:
            return os.fdopen(fd, "wb", buffering=buffering)
        return os.fdopen(fd, "w", encoding="utf-8", errors=UNENCODABLE, buffering=buffering)

    def __enter__(self) -> IO[Any]:
        if self.target is None:
            return sys.stdout
        check_output(self.target)
        self.real = os.path.realpath(self.target)  # a symbolic link: the file it points to is replaced
        try:
            st: Optional[os.stat_result] = os.stat(self.real)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise _failure("O004", f"无法写入 {self.target}：{_why(exc)}") from exc
        try:
            if st is not None and not stat.S_ISREG(st.st_mode):  # a FIFO or a device: written directly
                self.handle = self._open(os.open(self.real, os.O_WRONLY | getattr(os, "O_BINARY", 0)))
                return self.handle
            import tempfile
            fd, self.tmp = tempfile.mkstemp(prefix=".perfdsl-", suffix=".tmp", dir=os.path.dirname(self.real))
        except OSError as exc:
            raise _failure("O004", f"无法写入 {self.target}：{_why(exc)}") from exc
        if st is not None:
            os.chmod(self.tmp, stat.S_IMODE(st.st_mode))  # a replaced file keeps its mode: 0600 stays 0600
        else:
            _default_mode(self.tmp)
        self.handle = self._open(fd, TEMP_BUFFER)  # no one reads the temp file before it is renamed: few large writes
        return self.handle

    def bytes_writer(self) -> Optional[Callable[[str | bytes], object]]:
        """For a file opened here as text (not stdout, not binary): what writes each line through its binary buffer.

        A line given as bytes (UTF-8 from the generated writer) is written as it is; a line of text as the text
        layer would have encoded it (its ``\\n`` as ``os.linesep``, what UTF-8 cannot hold replaced by
        ``UNENCODABLE``).  Everything written to the file must then go this way: nothing waits in the text layer.
        None for stdout and binary files: write to the handle itself.
        """
        if self.handle is None or self.binary:
            return None
        assert isinstance(self.handle, io.TextIOWrapper)  # what ``_open`` makes unless binary
        buffer = self.handle.buffer
        newline = os.linesep.encode() if os.linesep != "\n" else None

        def write(line: str | bytes) -> object:
            if isinstance(line, str):
                line = line.encode("utf-8", UNENCODABLE)
            return buffer.write(line if newline is None else line.replace(b"\n", newline))
        return write

    def __exit__(self, exc_type: Optional[type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> Literal[False]:
        if self.handle is None:
            return False
        assert self.target is not None and self.real is not None  # set together with the handle
        try:
            self.handle.close()
            if exc_type is None and self.tmp is not None:
                os.replace(self.tmp, self.real)
        except OSError as err:  # a full disk, the target turned into a directory…
            raise _failure("O004", f"无法写入 {self.target}：{_why(err)}") from err
        finally:
            if self.tmp is not None and os.path.exists(self.tmp):
                os.unlink(self.tmp)
        if isinstance(exc, OSError) and exc.errno in _FULL:  # writing failed (not reading): the output's problem
            raise _failure("O004", f"无法写入 {self.target}：{_why(exc)}") from exc
        return False


def _failure(code: str, message: str) -> PerfdslError:
    """The error to raise: diagnostics are imported when there is one, not by every command's start."""
    from perfdsl.diagnostics import PerfdslError, error
    return PerfdslError([error(code, message)])


def _why(exc: OSError) -> str:
    from perfdsl.diagnostics import os_reason
    return os_reason(exc)


_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
