"""What people type into a facts file by habit, and what to write instead — as data.

``JSON_MISTAKES``: where the JSON parser stops (``Expecting value`` and the like), the text there is
matched against these patterns; the first that matches gives the message.  ``NUMBER_STRINGS``: a
text where a number is declared, matched the same way (``"90%"``, ``"1,415.96"``).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Optional

JSON_MISTAKES: tuple[tuple[str, str], ...] = (
    (r"True\b", "JSON 的真值写作小写 true（不是 True）"),
    (r"False\b", "JSON 的假值写作小写 false（不是 False）"),
    (r"None\b", "JSON 的空值写作 null（不是 None）；可选的事实也可以整项删去"),
    (r"[“”]", "JSON 的键名和文本要用英文双引号 \"…\"，不能用中文引号 “…”"),
    (r"[‘’']", "JSON 的键名和文本要用英文双引号 \"…\"，不能用单引号"),
    (r"-?[0-9][0-9.]*\s*[%％]", "JSON 中的数字不能带 %：比率写作小数，如 90% 写作 0.9"),
    (r"[0-9]{1,3}(?:,[0-9]{3})+", "JSON 中的数字不能有千位分隔符：如 1,415.96 写作 1415.96"),
    (r"[：，]", "JSON 的冒号和逗号要用半角 : 与 ,（不能用中文标点）"),
)


def json_hint(text: str, pos: int, msg: str) -> Optional[str]:
    """A tailored message for a JSON syntax error at ``pos``, or None."""
    if text[pos:pos + 1] in ("}", "]") and text[:pos].rstrip().endswith(","):
        return "多了一个逗号：JSON 中最后一项之后不能有逗号，删去它"
    start = pos
    while start > 0 and text[start - 1] in "0123456789.,-":  # the number the error is in: 90%, 1,415.96
        start -= 1
    for pattern, message in JSON_MISTAKES:
        if re.match(pattern, text[start:]) or re.match(pattern, text[pos:]):
            return message
    return None


def _percent(v: str) -> Optional[str]:
    try:
        return str(Decimal(v.strip().rstrip("%％").strip()) / 100)
    except InvalidOperation:
        return None


def _grouped(v: str) -> Optional[str]:
    return v.strip().replace(",", "").replace("，", "")


NUMBER_STRINGS: tuple[tuple[str, str, object], ...] = (
    (r"\s*-?[0-9]+(\.[0-9]+)?\s*[%％]\s*", "百分数要写成不加引号的小数：写作 {fix}（比率以小数表示，1 = 100%）",
     _percent),
    (r"\s*-?[0-9]{1,3}([,，][0-9]{3})+(\.[0-9]+)?\s*",
     "数字不要加引号，也不要千位分隔符：写作 {fix}", _grouped),
    (r"\s*-?[0-9]+(\.[0-9]+)?\s*", "数字不要加引号：写作 {fix}", lambda v: v.strip()),
)


def number_string_hint(value: str) -> Optional[str]:
    for pattern, message, fix in NUMBER_STRINGS:
        if re.fullmatch(pattern, value):
            suggested = fix(value)  # type: ignore[operator]
            if suggested is not None:
                return message.format(fix=suggested)
    return None


def number_path(text: str, literal: str) -> tuple[str, int]:
    """(fact path, position) of the first number token spelled ``literal`` outside strings; ("", -1) if none."""
    stack: list[list] = []  # per open container: [is_object, key or index, expecting a key]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if stack and stack[-1][0] and stack[-1][2]:
                try:
                    stack[-1][1] = json.loads(text[i:j + 1])
                except ValueError:
                    stack[-1][1] = text[i + 1:j]
                stack[-1][2] = False
            i = j + 1
            continue
        if c in "{[":
            stack.append([c == "{", 0 if c == "[" else "", c == "{"])
        elif c in "}]":
            if stack:
                stack.pop()
        elif c == ",":
            if stack:
                if stack[-1][0]:
                    stack[-1][2] = True
                else:
                    stack[-1][1] += 1
        elif c in "-0123456789":
            m = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?").match(text, i)
            if m is not None:
                if m.group() == literal:
                    return _path(stack), i
                i = m.end()
                continue
        i += 1
    return "", -1


def _path(stack: list[list]) -> str:
    out = ""
    for is_object, key, _ in stack:
        out += (f".{key}" if out else str(key)) if is_object else f"[{key}]"
    return out


def line_col(text: str, pos: int) -> tuple[int, int]:
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1
