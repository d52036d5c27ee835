"""Declared fact types, resolved: record names and enum names looked up.

The checker infers expression types against these; the facts validator
checks a facts file against them.
"""

from __future__ import annotations

from typing import Optional

import attrs

from perfdsl.diagnostics import Diagnostic, closest, error, warning
from perfdsl.interp.numbers import plain
from perfdsl.syntax import ast as A

NUMERIC = ("number", "integer", "rate", "judged")


@attrs.define(eq=False)
class Ty:
    kind: str  # number integer rate bool text date enum list map record judged any
    decl: Optional[A.TypeExpr] = None
    optional: bool = False
    element: Optional["Ty"] = None
    fields: dict[str, "Ty"] = attrs.Factory(dict)
    field_spans: dict[str, A.Span] = attrs.Factory(dict)
    enum_values: tuple[str, ...] = ()
    enum_name: Optional[str] = None
    requires: tuple[A.Require, ...] = ()
    judged_field: Optional[str] = None  # 得分 | 扣分
    unit: Optional[str] = None  # the declaration's 单位 "万元": display only
    label: Optional[str] = None  # the declaration's 显示为 "…": the name reports show it by

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    def describe(self) -> str:
        names = {"number": "数值", "integer": "整数", "rate": "比率", "bool": "布尔", "text": "文本", "date": "日期",
                 "enum": "枚举", "list": "列表", "map": "映射", "record": "记录", "judged": "酌情评分",
                 "any": "任意"}
        base = names.get(self.kind, self.kind)
        if self.kind == "enum" and self.enum_name:
            base = f"枚举 {self.enum_name}"
        if self.kind in ("list", "map") and self.element is not None:
            base = f"{base}（{self.element.describe()}）"
        return base


def display(rules) -> dict[str, dict[str, str]]:
    """Each declared fact with a 单位 or a 显示为, by path (``[*]`` for a list's or a map's items):
    ``{"预算执行.全年预算数": {"unit": "万元"}}``, for the document's header and the renderers."""
    out: dict[str, dict[str, str]] = {}

    def walk(fields, prefix: str, seen: frozenset) -> None:
        for f in fields:
            path = prefix + f.name
            shown = {k: v for k, v in (("unit", f.unit), ("label", f.label)) if v is not None}
            if shown:
                out[path] = shown
            t = f.type
            while t.kind in ("list", "map") and t.element is not None:
                t, path = t.element, path + "[*]"
            if t.kind == "record" and t.record_name is None:
                walk(t.fields, path + ".", seen)
            elif t.kind == "record" and t.record_name in rules.records and t.record_name not in seen:
                walk(rules.records[t.record_name].fields, path + ".", seen | {t.record_name})
    walk(rules.facts.fields, "", frozenset())
    return out


NUMBER = Ty("number")
RATE = Ty("rate")
BOOL = Ty("bool")
TEXT = Ty("text")
DATE = Ty("date")
ANY = Ty("any")


class TypeResolver:
    def __init__(self, records: dict[str, A.RecordType], enums: dict[str, A.EnumType]):
        self.records = records
        self.enums = enums
        self.diagnostics: list[Diagnostic] = []
        self._named: dict[str, Ty] = {}
        self._resolving: set[str] = set()

    def record(self, rec: A.RecordType) -> Ty:
        return self._record_ty(rec.fields, rec.requires, None)

    def _percent_range(self, iv: A.Interval) -> None:
        """比率 [0, 100]: a range written in percentage points lets 75 (meant as 75%) through as 7500%, and
        按比例 gives it full marks.  [0, 2] or the seed's [0, 10] (a rate that may reach 200%, 1000%) stay silent."""
        for end in (iv.low, iv.high):
            if type(end) is A.Number and not end.is_percent and end.value.is_finite() and end.value > 10:
                self.diagnostics.append(warning(
                    "W221", f"比率以小数表示（1 = 100%），取值范围中的 {end.text} 是 {plain(end.value * 100)}%："
                            "事实中写成 85（本意 85%）也会被接受，按 8500% 评分", end.span,
                    suggestions=[f"是否想写 {end.text}%？"]))

    def _record_ty(self, fields, requires, decl) -> Ty:
        ty = Ty("record", decl, requires=tuple(requires))
        for f in fields:
            if f.name in ty.fields:
                self.diagnostics.append(error("E111", f"记录中重复的字段 `{f.name}`", f.span))
                continue
            ty.fields[f.name] = field_ty = self.resolve(f.type)
            field_ty.unit, field_ty.label = f.unit, f.label
            ty.field_spans[f.name] = f.span
        return ty

    def resolve(self, t: A.TypeExpr) -> Ty:
        kind = t.kind
        if kind in ("text", "bool", "integer", "number", "rate", "date"):
            if kind == "rate" and t.interval is not None:
                self._percent_range(t.interval)
            return Ty(kind, t, t.optional)
        if kind in ("judged_score", "judged_deduction"):
            return Ty("judged", t, t.optional, judged_field="得分" if kind == "judged_score" else "扣分")
        if kind in ("list", "map"):
            assert t.element is not None  # the builder gives every list and map its element type
            return Ty(kind, t, t.optional, element=self.resolve(t.element))
        if kind == "enum":
            if t.enum_name is None:
                return Ty("enum", t, t.optional, enum_values=t.enum_values)
            enum = self.enums.get(t.enum_name)
            if enum is None:
                self._unknown("枚举", t.enum_name, self.enums, t.span)
                return Ty("any", t, t.optional)
            return Ty("enum", t, t.optional, enum_values=enum.values, enum_name=enum.name)
        if kind == "record":
            if t.record_name is None:
                ty = self._record_ty(t.fields, t.requires, t)
                ty.optional = t.optional
                return ty
            name = t.record_name
            rec = self.records.get(name)
            if rec is None:
                self._unknown("类型", name, self.records, t.span)
                return Ty("any", t, t.optional)
            if name in self._resolving:
                self.diagnostics.append(error("E112", f"类型 `{name}` 直接或间接包含自身", t.span))
                return Ty("any", t, t.optional)
            self._resolving.add(name)
            try:
                base = self._named.get(name) or self._record_ty(rec.fields, rec.requires, t)
            finally:
                self._resolving.discard(name)
            self._named[name] = base
            return attrs.evolve(base, decl=t, optional=t.optional)
        raise AssertionError(kind)  # pragma: no cover

    def _unknown(self, what, name, known, span):
        sugg = closest(name, known)
        self.diagnostics.append(error("E113", f"未定义的{what} `{name}`", span,
                                      suggestions=[f"是否想写 `{s}`？" for s in sugg]))
