"""Facts files: strict JSON in, validated values out.

Numbers become exact ``Decimal`` straight from the JSON text (never float);
every problem — a missing fact, a wrong type, a value outside its declared
range, an unknown enum value, a broken 要求 — is collected and reported at
once, each naming the fact's path and the declaration it broke.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from typing import Optional

from perfdsl.diagnostics import Diagnostic, closest, error, warning
from perfdsl.interp import dates
from perfdsl.interp.evaluator import Env, EvalError, Evaluator, Judged
from perfdsl.interp.numbers import show
from perfdsl.ruleset.facts_hints import json_hint, line_col, number_path, number_string_hint
from perfdsl.ruleset.facts_json import MAX_DIGITS, MAX_EXPONENT, _exact_number, _reject_constant
from perfdsl.ruleset.facts_json import NUMBER_LIMITS as NUMBER_LIMITS
from perfdsl.ruleset.facts_json import Invalid as Invalid
from perfdsl.ruleset.facts_json import no_duplicate_keys as no_duplicate_keys
from perfdsl.ruleset.facts_json import plain_json as plain_json
from perfdsl.ruleset.rates import ONE, as_read, over_ceiling_message, percent_text, range_text, rate_ceiling
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A
from perfdsl.syntax.ast import Span
from perfdsl.syntax.printer import interval_text


class FactsSyntaxError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        self.diagnostic = diagnostic


def _parse_number(text: str) -> Decimal:
    """The same limits as ``NUMBER_LIMITS``, saying which number broke them."""
    try:
        return _exact_number(text)
    except decimal.DecimalException:
        try:
            value = Decimal(text)
        except decimal.DecimalException:  # an exponent beyond what Decimal itself can hold: 1e9999999999999999999
            shown = text[:20] + ("…" if len(text) > 20 else "")
            raise NumberOutOfRange(text, f"数字 {shown} 超出可处理的范围（数量级须在 10^-{MAX_EXPONENT}"
                                         f" 至 10^{MAX_EXPONENT} 之间，或为 0）") from None
        if value.is_zero():
            return value  # 0e999 is zero: nothing to be out of range
        shown = text[:20] + ("…" if len(text) > 20 else "")
        digits = len(value.as_tuple().digits)
        if digits > MAX_DIGITS:
            raise NumberOutOfRange(text, f"数字 {shown} 位数过多（{digits} 位有效数字，"
                                         f"最多 {MAX_DIGITS} 位）") from None
        raise NumberOutOfRange(text, f"数字 {shown} 超出可处理的范围"
                         f"（数量级须在 10^-{MAX_EXPONENT} 至 10^{MAX_EXPONENT} 之间，或为 0）") from None


class NumberOutOfRange(ValueError):
    """A number in the facts beyond ``NUMBER_LIMITS``; ``parse_json`` finds its path."""

    def __init__(self, literal: str, message: str):
        super().__init__(message)
        self.literal = literal


def _pairs(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise ValueError(f"重复的键 “{k}”")
            seen.add(k)
    return out


# Strict JSON: no NaN/Infinity, duplicate keys rejected, numbers as Decimal (``fast``: a bare ``decimal`` signal
# for a number outside the limits).  Made once: ``json.loads`` with arguments builds a decoder per call.
_FAST = json.JSONDecoder(parse_float=_exact_number, parse_int=_exact_number, parse_constant=_reject_constant,
                         object_pairs_hook=_pairs)
_STRICT = json.JSONDecoder(parse_float=_parse_number, parse_int=_parse_number, parse_constant=_reject_constant,
                           object_pairs_hook=_pairs)


def parse_json(text: str, source: str, fast: bool = False) -> object:
    """Strict JSON: no NaN/Infinity, no duplicate keys, numbers as Decimal.

    ``fast``: a number outside ``NUMBER_LIMITS`` raises the bare ``decimal`` signal (an
    ArithmeticError), for a caller that will parse again without ``fast`` to get the message.
    """
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise FactsSyntaxError(error("F001", f"{source}：事实文件为空"))
    try:
        if text.startswith("\ufeff"):
            json.loads(text)  # a second BOM: raises the error json.loads names it with
        value = (_FAST if fast else _STRICT).decode(text)  # what json.loads does, without a decoder per call
    except json.JSONDecodeError as exc:
        hint = json_hint(exc.doc, exc.pos, exc.msg)
        span = Span(source, exc.lineno, exc.colno, exc.lineno, exc.colno + 1)  # in the text: an excerpt can show it
        raise FactsSyntaxError(error("F002", f"JSON 格式错误：{hint or _json_msg(exc.msg)}", span)) from None
    except NumberOutOfRange as exc:
        path, pos = number_path(text, exc.literal)
        if pos < 0:  # pragma: no cover — the number came from this text
            raise FactsSyntaxError(error("F003", f"{source}：{exc}")) from None
        line, col = line_col(text, pos)
        span = Span(source, line, col, line, col + len(exc.literal))
        raise FactsSyntaxError(error("F003", f"{path or '（顶层）'}：{exc}", span, fact_path=path or None)) from None
    except ValueError as exc:
        raise FactsSyntaxError(error("F003", f"{source}：{exc}")) from None
    except RecursionError:
        raise FactsSyntaxError(error("F004", f"{source}：JSON 嵌套过深")) from None
    return value


def _json_msg(msg: str) -> str:
    table = {
        "Expecting value": "此处应为一个值",
        "Expecting property name enclosed in double quotes": "此处应为带双引号的键名",
        "Expecting ',' delimiter": "此处缺少逗号",
        "Expecting ':' delimiter": "此处缺少冒号",
        "Extra data": "JSON 之后还有多余内容",
        "Unterminated string starting at": "字符串没有结束",
        "Invalid control character at": "字符串中有控制字符",
    }
    return table.get(msg, msg)


class FactValidator:
    """``in_cells``: the facts were read from a 基础数据表, so the fixes speak of cells, not of JSON text."""

    def __init__(self, root: Ty, in_cells: bool = False):
        self.root = root
        self.in_cells = in_cells
        self.errors: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []

    def validate(self, data: object) -> dict:
        if not isinstance(data, dict):
            self.errors.append(error("F010", f"事实文件的顶层应为 JSON 对象，实际为{_json_kind(data)}",
                                     fact_path="（顶层）"))
            return {}
        return self._value(data, self.root, "")

    def _fail(self, code: str, path: str, message: str, ty: Optional[Ty]) -> None:
        span = ty.decl.span if ty is not None and ty.decl is not None else None
        where = f"（声明于 {span}）" if span is not None else ""
        self.errors.append(error(code, f"{path or '（顶层）'}：{message}{where}", span, fact_path=path or None))

    def _value(self, v, ty: Ty, path: str):
        kind = ty.kind
        if kind == "any":
            return v
        if kind in ("number", "rate", "integer"):
            if kind == "rate" and isinstance(v, str) and percent_text(v) is not None:
                v = percent_text(v)  # "85%": the ×100 trap closed by writing the percent sign
            if isinstance(v, bool) or not isinstance(v, Decimal):
                hint = ""
                if isinstance(v, str):
                    hint = f"：{number_string_hint(v) or '数字不要加引号'}"
                elif isinstance(v, (int, float)):
                    hint = ("：以库调用时请用 perfdsl.ruleset.facts.parse_json 读入事实，"
                            "数值须为精确的 Decimal（浮点数不精确）")
                self._fail("F011", path, f"应为{ty.describe()}，实际为{_json_kind(v)} {_short(v)}{hint}", ty)
                return None
            if kind == "integer" and v != v.to_integral_value():
                self._fail("F011", path, f"应为整数，实际为 {v}；整数不能带小数，请核对后改为整数", ty)
                return None
            self._check_range(v, ty, path)
            if kind == "rate" and v > ONE and rate_ceiling(ty.decl) is not None:
                self._fail("F021", path, over_ceiling_message(v, self.in_cells), ty)
                return None
            return v
        if kind == "bool":
            if not isinstance(v, bool):
                self._fail("F011", path, f"应为布尔值 true/false，实际为{_json_kind(v)} {_short(v)}", ty)
                return None
            return v
        if kind == "text":
            if not isinstance(v, str):
                self._fail("F011", path, f"应为文本，实际为{_json_kind(v)} {_short(v)}", ty)
                return None
            self._check_one_of(v, ty, path)
            return v
        if kind == "date":
            if not isinstance(v, str):
                self._fail("F022", path, f"应为日期（如 \"2024-06-30\"），实际为{_json_kind(v)} {_short(v)}", ty)
                return None
            try:
                day = dates.parse(v)
            except dates.BadDate as exc:
                self._fail("F022", path, str(exc), ty)
                return None
            iv = ty.decl.interval if ty.decl is not None else None
            if iv is not None and not _in(iv, day):
                self._fail("F018", path, f"{dates.chinese(day)} 超出允许范围 {interval_text(iv)}；请核对录入的日期",
                           ty)
                return None
            return day
        if kind == "enum":
            if not isinstance(v, str) or v not in ty.enum_values:
                sugg = closest(v, ty.enum_values) if isinstance(v, str) else []
                more = f"；是否想写 “{sugg[0]}”？" if sugg else ""
                self._fail("F012", path, f"{_short(v)} 不是允许的取值（{'、'.join(ty.enum_values)}）{more}", ty)
                return None
            return v
        if kind == "judged":
            return self._judged(v, ty, path)
        if kind == "list":
            if not isinstance(v, list):
                self._fail("F011", path, f"应为列表，实际为{_json_kind(v)}", ty)
                return None
            element = _element(ty)
            return [self._value(x, element, f"{path}[{i}]") for i, x in enumerate(v)]
        if kind == "map":
            if not isinstance(v, dict):
                self._fail("F011", path, f"应为对象（映射），实际为{_json_kind(v)}", ty)
                return None
            element = _element(ty)
            return {k: self._value(x, element, f"{path}.{k}" if path else k) for k, x in v.items()}
        if kind == "record":
            return self._record(v, ty, path)
        raise AssertionError(kind)  # pragma: no cover

    def _record(self, v, ty: Ty, path: str):
        if not isinstance(v, dict):
            self._fail("F011", path, f"应为对象（记录），实际为{_json_kind(v)} {_short(v)}", ty)
            return None
        out = {}
        ok = True
        for name, fty in ty.fields.items():
            sub = f"{path}.{name}" if path else name
            if name not in v or v[name] is None:
                if not fty.optional:
                    self._fail("F013", sub, "缺少此事实", fty)
                    ok = False
                continue
            before = len(self.errors)
            out[name] = self._value(v[name], fty, sub)
            ok = ok and len(self.errors) == before
        for name in v:
            if name not in ty.fields:
                sub = f"{path}.{name}" if path else name
                sugg = closest(name, ty.fields)
                more = f"；是否想写 “{sugg[0]}”？" if sugg else ""
                self.warnings.append(warning("F020", f"{sub}：规则没有声明这个事实，已忽略{more}", fact_path=sub))
        if ok and ty.requires:
            self._requires(out, ty, path)
        return out

    def _requires(self, record: dict, ty: Ty, path: str) -> None:
        evaluator = Evaluator({}, {})
        env = Env({}, record, tuple(ty.fields), path)
        for req in ty.requires:
            try:
                holds = evaluator.boolean(req.condition, env)
            except EvalError as err:
                self.errors.append(error("F014", f"{path or '（顶层）'}：无法检查要求：{err.diagnostic.message}",
                                         req.span, fact_path=path or None))
                continue
            if not holds:
                detail = "，".join(f"{k} = {_short(record[k])}" for k in ty.fields if k in record
                                   and isinstance(record[k], Decimal))
                shown = f"（{detail}）" if detail else ""
                self.errors.append(error("F015", f"{path or '（顶层）'}：{req.message}{shown}",
                                         req.span, fact_path=path or None))

    def _judged(self, v, ty: Ty, path: str):
        field = ty.judged_field
        if not isinstance(v, dict):
            shape = f"{{\"{field}\": 数值, \"理由\": \"…\"}}"
            self._fail("F011", path, f"应为酌情评分对象 {shape}，实际为{_json_kind(v)}", ty)
            return None
        value = v.get(field)
        reason = v.get("理由")
        bad = False
        if isinstance(value, bool) or not isinstance(value, Decimal):
            self._fail("F016", f"{path}.{field}", f"酌情评分必须给出数值 {field}", ty)
            bad = True
        if not isinstance(reason, str) or not reason.strip():
            self._fail("F017", f"{path}.理由", "酌情评分必须写明理由", ty)
            bad = True
        if bad or not isinstance(value, Decimal) or not isinstance(reason, str):  # the last two: for mypy
            return None
        assert field is not None  # every judged type names its field (得分 or 扣分)
        self._check_range(value, ty, f"{path}.{field}")
        return Judged(field, value, reason)

    def _check_range(self, v: Decimal, ty: Ty, path: str) -> None:
        t = ty.decl
        if t is None:
            return
        if t.interval is not None and not _in(t.interval, v):
            rate = ty.kind == "rate"
            words = f"{as_read(v, rate)} 超出允许范围 {range_text(t.interval, rate)}；请核对录入的数值"
            self._fail("F018", path, words, ty)
        self._check_one_of(v, ty, path)

    def _check_one_of(self, v, ty: Ty, path: str) -> None:
        t = ty.decl
        if t is not None and t.one_of and v not in t.one_of:
            allowed = "、".join(show(x) if isinstance(x, Decimal) else str(x) for x in t.one_of)
            self._fail("F019", path, f"{_short(v)} 不是允许的取值（{allowed}）", ty)


def _element(ty: Ty) -> Ty:
    assert ty.element is not None  # a resolved list or map always has its element type
    return ty.element


def _in(iv: A.Interval, v) -> bool:
    """A declared range's bounds are literals (numbers; days for a 日期); anything else is the checker's."""
    lo = iv.low.value if isinstance(iv.low, (A.Number, A.DateLit)) and type(iv.low.value) is type(v) else None
    hi = iv.high.value if isinstance(iv.high, (A.Number, A.DateLit)) and type(iv.high.value) is type(v) else None
    if lo is not None and (v < lo or (v == lo and not iv.low_closed)):
        return False
    if hi is not None and (v > hi or (v == hi and not iv.high_closed)):
        return False
    return True


def _json_kind(v) -> str:
    if v is None:
        return " null"
    if isinstance(v, bool):
        return "布尔值"
    if isinstance(v, Decimal):
        return "数字"
    if isinstance(v, str):
        return "文本"
    if isinstance(v, list):
        return "列表"
    if isinstance(v, dict):
        return "对象"
    if isinstance(v, (int, float)):  # a library caller's json.loads (perfdsl's own parse gives Decimal)
        return f" Python {type(v).__name__}"
    return type(v).__name__


def _short(v) -> str:
    if isinstance(v, str):
        return f"“{v[:30]}{'…' if len(v) > 30 else ''}”"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Decimal):
        return show(v)
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return repr(v)[:30]
    return ""


# ---------------------------------------------------------------- the fast path
