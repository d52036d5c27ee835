"""What a test case file (YAML) that does not parse means, in the rule author's words.

PyYAML says where it gave up, in English (「mapping values are not allowed here」), often a line after the
mistake.  The two mistakes a Chinese input method makes — a full-width colon after a key (``name：``) and a tab
in the indentation — are looked for first and named at their own place; the rest of PyYAML's problems are said
from a table, with the fix.
"""

from __future__ import annotations

import re

# a key typed with the full-width colon: 「  - name： 示例」 (no ASCII colon before it on the line)
_WIDE_KEY = re.compile(r"^(\s*(?:-\s+)?)([^\s:#'\"\-][^:#'\"]*?)\s*：")

PROBLEMS = (  # (words PyYAML's problem starts with, what it means and the fix)
    ("mapping values are not allowed", "这里不能出现“键: 值”：上一行的冒号可能用了全角 ：，或这一行的缩进与上一行不齐"),
    ("could not find expected ':'", "缺少英文冒号 :，键之后写“: ”（英文冒号加空格）"),
    ("expected <block end>", "缩进不齐：同一层的各行要用同样多的空格缩进"),
    ("found character '\\t'", "用了制表符：YAML 只能用空格缩进，请把制表符换成空格"),
    ("found undefined alias", "* 开头的值在 YAML 中是别名：文本以 * 开头时请加引号"),
    ("found unexpected end of stream", "引号没有配对：检查这一行的引号"),
    ("while scanning a quoted scalar", "引号没有配对：检查这一行的引号"),
)


def yaml_problem(text: str, problem: str, line: int, column: int) -> tuple[int, int, str]:
    """(line, column, message) for a YAML error PyYAML reported at ``line``:``column`` (1-based) as ``problem``."""
    wide = None  # the last key with a full-width colon up to where PyYAML gave up: the mistake it tripped on
    for number, content in enumerate(text.split("\n")[:line], 1):
        indent = len(content) - len(content.lstrip(" \t"))
        if "\t" in content[:indent]:
            return number, content.index("\t") + 1, "缩进用了制表符：YAML 只能用空格缩进，请把制表符换成空格"
        m = _WIDE_KEY.match(content)
        if m is not None:
            wide = number, m.end(), m.group(2)
    if wide is not None:
        number, at, key = wide
        return number, at, f"“{key}”之后用了全角冒号 ：，YAML 的键之后应为英文冒号加空格：写作 `{key}: …`"
    for start, said in PROBLEMS:
        if problem.startswith(start):
            return line, column, said
    return line, column, f"格式有误（{problem}）：请检查缩进（只用空格）、冒号（英文 :）与引号"
