"""Names for the files the workbench sends: what each is about (the unit and evaluation the rules' 标题 names),
made safe to save on Windows, and the ``Content-Disposition`` header that carries a Chinese name to the browser.

An evaluator who downloads ten units' reports should get ten names, not 评分表.docx, 评分表 (1).docx …
"""

from __future__ import annotations

import re
from urllib.parse import quote

# What Windows refuses in a name (\ / : * ? " < > |), control characters (CR and LF among them), and the
# direction overrides that could show ``评分表‮xcod.exe`` as something it is not.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]')
# Device names Windows reserves whatever extension follows (CON.docx is no file)
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
# A name's UTF-8 bytes at most: Windows allows 255 UTF-16 units in a name but 260 in a whole path
# (C:\Users\…\Downloads\ takes 30 to 60), and Chrome trims names to 255 bytes on other systems.
MAX_BYTES = 180


def _clean(text: str) -> str:
    """``text`` with nothing Windows forbids: white space (tabs, line breaks, 全角空格) one space, each other
    forbidden run one ``_``, no dot, space or ``_`` at either end (Windows drops trailing dots and spaces; a
    leading dot hides a file elsewhere)."""
    text = _FORBIDDEN.sub("_", re.sub(r"\s+", " ", text))
    text = re.sub(r"_+", "_", text)
    return text.strip(" ._")


def _within(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes at a character boundary, with … where it was cut."""
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[:max(limit - 3, 0)].decode("utf-8", "ignore")
    return cut.rstrip(" ._") + "…"


def download_name(subject: str | None, what: str, suffix: str) -> str:
    """``{subject} {what}{suffix}``: ``天津市和平区…办公室 2024年度部门整体支出绩效评价 评分表.docx``.

    ``what`` and ``suffix`` are perfdsl's own words; ``subject`` is what users wrote (a title filled from
    facts), so it is cleaned and, if long, shortened.  A subject with nothing left to read (only forbidden
    characters) is dropped: ``评分表.docx``."""
    tail = f" {what}{suffix}"
    stem = _clean(subject or "")
    if not re.search(r"\w", stem):
        stem = ""
    stem = _within(stem, MAX_BYTES - len(tail.encode("utf-8")))
    name = f"{stem}{tail}" if stem else f"{what}{suffix}"
    if name.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
        name = "_" + name
    return name


def content_disposition(name: str, fallback: str) -> str:
    """RFC 6266 with RFC 5987's ``filename*``: the UTF-8 name for every current browser (Edge and Chrome on
    Windows save it as it is), ``fallback`` (ASCII, perfdsl's own) for any that does not read ``filename*``."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
