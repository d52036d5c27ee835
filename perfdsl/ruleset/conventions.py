"""How a rule file is stored: its encoding, the byte-order mark it starts with, and its line ending.

Policy staff edit rule files in Notepad and Word, which save CRLF line endings and (older Notepad) UTF-8 with a
BOM.  What rewrites a rule file (``perfdsl fmt``, the workbench's 保存) writes it back the way it was stored, so
``git diff`` shows only the lines that changed and the next save in Notepad flips nothing back.  A file that
mixes CRLF and LF gets the ending most of its lines have (on a tie, its first line's); a file with no line break
gets LF.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

# the BOMs the loader reads (``loader.decode``), each with the codec that encodes the text after it;
# UTF-32 LE before UTF-16 LE: FF FE 00 00 starts with FF FE
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_BREAK = re.compile(r"\r?\n")
CRLF, LF = "\r\n", "\n"


class Conventions(NamedTuple):
    """A file's way of storing text; the default is a new file's: UTF-8 without a BOM, LF."""

    bom: bytes = b""
    codec: str = "utf-8"
    newline: str = LF

    @classmethod
    def of(cls, data: bytes, text: str) -> Conventions:
        """The conventions of a file whose bytes are ``data`` and decoded text (BOM dropped) is ``text``."""
        bom, codec = next(((b, c) for b, c in _BOMS if data.startswith(b)), (b"", "utf-8"))
        return cls(bom, codec, newline_of(text))

    def text(self, text: str) -> str:
        """``text`` with every line break (LF or CRLF) written as this file writes them."""
        return _BREAK.sub(self.newline, text)

    def encode(self, text: str) -> bytes:
        """The bytes of a file holding ``text`` in these conventions."""
        return self.bom + self.text(text).encode(self.codec)

    @property
    def newline_name(self) -> str:
        return "CRLF" if self.newline == CRLF else "LF"


def newline_of(text: str) -> str:
    """The line ending most of ``text``'s line breaks use; on a tie, its first one's; LF if it has none."""
    crlf = text.count(CRLF)
    lf = text.count(LF) - crlf
    if crlf != lf:
        return CRLF if crlf > lf else LF
    first = text.find(LF)
    return CRLF if first > 0 and text[first - 1] == "\r" else LF


def mixed(text: str) -> bool:
    """Whether ``text`` breaks lines both ways (CRLF and LF)."""
    crlf = text.count(CRLF)
    return 0 < crlf < text.count(LF)
