"""What one cell of a filled 基础数据表 means for its fact's declared type, exactly, or why it cannot be read.

Kept apart from ``read`` (which finds the cells through the hidden map): these functions see one value at a time.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal
from typing import Any

from perfdsl.diagnostics import closest
from perfdsl.interp import dates
from perfdsl.ruleset.types import Ty

_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_PERCENT = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%")
_DIGITS = re.compile(r"[0-9][0-9,，]*(?:\.[0-9]+)?")
TRUE_WORDS = {"是", "true", "TRUE", "True"}
FALSE_WORDS = {"否", "false", "FALSE", "False"}


class CellError(Exception):
    pass


def _shown(v: Any) -> str:
    if isinstance(v, str):
        return f"“{v[:30]}{'…' if len(v) > 30 else ''}”"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (datetime.datetime, datetime.date, datetime.time)):
        return f"日期/时间 {v.isoformat()}"
    return str(v)


def number(raw: Any, ty: Ty) -> Decimal:
    """A cell's value as an exact number for a fact of this numeric type, or CellError saying why not."""
    kind = ty.kind
    what = "比率" if kind == "rate" else ("整数" if kind == "integer" else "数字")
    if isinstance(raw, bool):
        raise CellError(f"应为{what}，实际为逻辑值 {_shown(raw)}")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise CellError(f"应为{what}，实际为 {raw}")
        return Decimal(repr(raw))
    if isinstance(raw, (datetime.datetime, datetime.date, datetime.time, datetime.timedelta)):
        raise CellError(f"应为{what}，实际为{_shown(raw)}"
                        "（单元格被设成了日期格式；请把格式改为“常规”或“数值”后重新填写）")
    if not isinstance(raw, str):
        raise CellError(f"应为{what}，实际为 {_shown(raw)}")
    text = unicodedata.normalize("NFKC", raw).strip()
    if _PLAIN.fullmatch(text):
        return Decimal(text)
    m = _PERCENT.fullmatch(text)
    if m is not None:
        if kind == "rate":
            return Decimal(m.group(1)).scaleb(-2)  # the same reading as ruleset.rates.percent_text
        raise CellError(f"应为{what}，实际为 {_shown(raw)}；这个事实不是比率，不能带百分号")
    digits = _DIGITS.search(text)
    if digits is not None:
        bare = digits.group().replace(",", "").replace("，", "")
        example = f"{bare}%" if kind == "rate" and "%" in text else bare
        raise CellError(f"应为{what}，实际为 {_shown(raw)}；请只填写数字，如 {example}（不写单位、千位分隔符）")
    example = "85%" if kind == "rate" else "1000"  # no digit at all: 一千, 无, 待定
    raise CellError(f"应为{what}，实际为 {_shown(raw)}；请用阿拉伯数字填写，如 {example}（不写汉字或单位）")


def convert(raw: Any, ty: Ty) -> Any:
    kind = ty.kind
    if kind in ("number", "integer", "rate", "judged"):
        return number(raw, ty)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip() in TRUE_WORDS | FALSE_WORDS:
            return raw.strip() in TRUE_WORDS
        raise CellError(f"应为 是 或 否，实际为 {_shown(raw)}；请从下拉列表中选择")
    if kind == "enum":
        if isinstance(raw, str) and raw.strip() in ty.enum_values:
            return raw.strip()
        sugg = closest(raw, ty.enum_values) if isinstance(raw, str) else []
        more = f"；是否想选 “{sugg[0]}”？" if sugg else ""
        raise CellError(f"{_shown(raw)} 不是允许的取值（{'、'.join(ty.enum_values)}），请从下拉列表中选择{more}")
    if kind == "date":
        return _date(raw)
    if kind == "text":
        if isinstance(raw, str):
            return raw
        if isinstance(raw, bool):
            raise CellError(f"应为文字，实际为逻辑值 {_shown(raw)}")
        if isinstance(raw, (int, float)):
            return str(raw) if isinstance(raw, int) else repr(raw)
        if isinstance(raw, datetime.datetime) and raw.time() == datetime.time():
            return raw.date().isoformat()
        if isinstance(raw, (datetime.datetime, datetime.date)):
            return raw.isoformat()
        raise CellError(f"应为文字，实际为 {_shown(raw)}")
    return raw  # "any": an unresolved type, which the checker has reported


def _date(raw: Any) -> str:
    """A date cell (or a date typed as text) as the facts write it: ISO 2024-06-30."""
    if isinstance(raw, datetime.datetime):
        if raw.time() != datetime.time():
            raise CellError(f"应为日期，实际为带时刻的{_shown(raw)}；请只填写年月日")
        return raw.date().isoformat()
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    if isinstance(raw, str):
        try:
            return dates.parse(unicodedata.normalize("NFKC", raw)).isoformat()
        except dates.BadDate as exc:
            raise CellError(str(exc)) from None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise CellError(f"应为日期，实际为数字 {_shown(raw)}；请把单元格格式设为日期，填写如 2024-06-30")
    raise CellError(f"应为日期，实际为 {_shown(raw)}；请填写如 2024-06-30")


def blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())
