"""``perfdsl template``: the 基础数据表, a fill-in workbook generated from the rules' declared facts.

Every cell is written through ``render.escape.xlsx_cell`` (text never becomes a formula).  The hidden
sheet ``_perfdsl`` maps each value cell to its fact path and holds the rule set's hash: reading back
(``workbook.read``) uses it; the labels it records there only confirm that no row or column was moved.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any, Optional

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from perfdsl.interp import dates
from perfdsl.render.escape import xlsx_cell
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A
from perfdsl.workbook.layout import (
    DATE_FORMAT,
    FORMAT,
    FORMAT_VERSION,
    JUDGED_SHEET,
    MAIN_SHEET,
    MAP_SHEET,
    VALUES_SHEET,
    Column,
    Fact,
    Table,
    describe,
    layout,
    rate_ceiling,
    readers,
    readers_of,
    ruleset_hash,
    sheet_name,
    unit,
)

PERCENT = "0.00%"
TABLE_ROWS = 200  # rows of a list sheet carrying the data validation (rows beyond them are read all the same)
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD = PatternFill("solid", fgColor="DDEBF7")
_GROUP = PatternFill("solid", fgColor="F2F2F2")
_INPUT = PatternFill("solid", fgColor="FFF9E5")
_WRAP = Alignment(wrap_text=True, vertical="top")
_FIXED_DATE = __import__("datetime").datetime(2000, 1, 1)

MAIN_HEADERS = ("分组", "事实", "填写值", "单位", "必填", "填写说明", "佐证材料/来源", "相关指标（指标解释）")
JUDGED_HEADERS = ("分组", "事实", "分数", "理由", "必填", "允许范围", "佐证材料/来源", "相关指标（指标解释）")
EVIDENCE = "佐证材料/来源"
KEY = "#名称"  # in the map sheet: the column holding a map's keys


class _Values:
    """The hidden sheet of enum values, a column per enum: drop-down lists point at it."""

    def __init__(self, wb: Workbook):
        self.ws = wb.create_sheet(VALUES_SHEET)
        self.ws.sheet_state = "hidden"
        self.columns: dict[tuple[str, ...], str] = {}

    def ref(self, values: tuple[str, ...]) -> str:
        if values not in self.columns:
            col = get_column_letter(len(self.columns) + 1)
            for i, v in enumerate(values, 1):
                xlsx_cell(self.ws[f"{col}{i}"], v)
            self.columns[values] = f"'{VALUES_SHEET}'!${col}$1:${col}${len(values)}"
        return self.columns[values]


def _number(v: Decimal) -> str:
    return str(v)


def validation(ty: Ty, values: _Values) -> Optional[DataValidation]:
    """The Excel data validation of a value cell of this type (None for text)."""
    kind = ty.kind
    dv: Optional[DataValidation] = None
    decl = ty.decl
    if kind == "enum":
        dv = DataValidation(type="list", formula1=values.ref(ty.enum_values))
    elif kind == "bool":
        dv = DataValidation(type="list", formula1='"是,否"')
    elif kind == "date":  # Excel's day numbers: 1 is 1900-01-01, 2958465 is 9999-12-31
        dv = DataValidation(type="date", operator="between", formula1="1", formula2="2958465")
    elif kind in ("number", "integer", "rate", "judged"):
        if decl is not None and decl.one_of:
            dv = DataValidation(type="list", formula1='"' + ",".join(str(x) for x in decl.one_of) + '"')
        else:
            low = high = None
            iv = decl.interval if decl is not None else None
            if iv is not None:
                low = iv.low.value if isinstance(iv.low, A.Number) else None
                high = iv.high.value if isinstance(iv.high, A.Number) else None
            if kind == "rate" and rate_ceiling(ty) is not None:
                high = min(high, Decimal(1)) if high is not None else Decimal(1)
            vtype = "whole" if kind == "integer" else "decimal"
            if low is not None and high is not None:
                dv = DataValidation(type=vtype, operator="between", formula1=_number(low), formula2=_number(high))
            elif low is not None:
                dv = DataValidation(type=vtype, operator="greaterThanOrEqual", formula1=_number(low))
            elif high is not None:
                dv = DataValidation(type=vtype, operator="lessThanOrEqual", formula1=_number(high))
            else:
                dv = DataValidation(type=vtype, operator="between", formula1="-1E+30", formula2="1E+30")
    if dv is None:
        return None
    dv.allow_blank = True
    dv.showErrorMessage = True
    dv.errorTitle = "填写的值不符合规则"
    dv.error = describe(ty)[:250]
    dv.showInputMessage = True
    dv.promptTitle = "填写说明"
    dv.prompt = describe(ty)[:250]
    return dv


class _Validations:
    """One data validation per distinct rule, shared by all the cells it covers."""

    def __init__(self, ws: Worksheet, values: _Values):
        self.ws, self.values = ws, values
        self.by_key: dict[int, Optional[DataValidation]] = {}

    def add(self, ty: Ty, ref: str) -> None:
        key = id(ty)
        if key not in self.by_key:
            dv = validation(ty, self.values)
            if dv is not None:
                self.ws.add_data_validation(dv)
            self.by_key[key] = dv
        dv = self.by_key[key]
        if dv is not None:
            dv.add(ref)


def _get(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def cell_value(v: Any, ty: Ty) -> Any:
    """A fact's JSON value as the cell holds it: 是/否 for booleans, numbers as numbers."""
    if isinstance(v, bool):
        return "是" if v else "否"
    if ty.kind == "date" and isinstance(v, str):
        try:
            return dates.parse(v)  # a date cell holds the day; a text that is none stays, for the reader to report
        except dates.BadDate:
            return v
    if isinstance(v, (Decimal, str)):
        return v
    if v is None:
        return None
    import json
    return json.dumps(v, ensure_ascii=False, default=str)  # a wrong shape: shown, so the reader reports it


def _value_cell(ws: Worksheet, row: int, col: int, v: Any, ty: Ty, exact: list) -> None:
    """A value cell, pre-filled with ``v``.  Excel keeps a number as a double (``1.0`` is written ``1``), so
    each pre-filled number's exact spelling is kept in the map: read back unchanged, it is the same fact."""
    cell = xlsx_cell(ws.cell(row, col), cell_value(v, ty))
    if isinstance(v, Decimal) and not isinstance(v, bool):
        exact.append(["exact", "", ws.title, cell.coordinate, str(v)])
    _style_value(cell, ty)


def _style_value(cell, ty: Ty) -> None:
    cell.fill = _INPUT
    cell.border = _BORDER
    if ty.kind == "rate":
        cell.number_format = PERCENT
    elif ty.kind == "text":
        cell.number_format = "@"
    elif ty.kind == "date":
        cell.number_format = DATE_FORMAT


def _headers(ws: Worksheet, row: int, names, widths) -> None:
    for i, (name, width) in enumerate(zip(names, widths, strict=True), 1):
        c = xlsx_cell(ws.cell(row, i), name)
        c.font = Font(bold=True)
        c.fill = _HEAD
        c.border = _BORDER
        c.alignment = _WRAP
        ws.column_dimensions[get_column_letter(i)].width = width


def _explain(inds: list[tuple[str, str]]) -> str:
    return "\n".join(f"{name}：{text}" if text else name for name, text in inds)


def _evidence_cell(cell, text: Optional[str]) -> None:
    cell.border = _BORDER
    if text:
        xlsx_cell(cell, text).alignment = _WRAP


def _row_evidence(evidence: dict[str, str], path: str) -> Optional[str]:
    """A fact row's evidence: its own, else that of the nearest record holding it (a record has no row of its
    own: its evidence goes on each of its facts' rows, and reads back as theirs)."""
    while path:
        if path in evidence:
            return evidence[path]
        path = path.rpartition(".")[0]
    return None


def _item_evidence(evidence: dict[str, str], where: str) -> Optional[str]:
    """A list or map item's evidence cell: its own, then its fields' (``类别：…``), one column for the row."""
    parts = [text for at, text in evidence.items() if at == where]
    parts += [f"{at[len(where) + 1:]}：{text}" for at, text in evidence.items() if at.startswith(where + ".")]
    return "；".join(parts) or None


def build(checked, facts: Any = None) -> bytes:
    """The workbook's bytes; ``facts``: parsed facts JSON to pre-fill it with (evidence into the 佐证材料 column)."""
    from perfdsl.ruleset.evidence import split
    evidence: dict[str, str] = {}
    if facts is not None:
        facts, evidence, _ = split(facts, checked.facts_type)  # evidence that is not text: eval says so
    rules = checked.rules
    lay = layout(checked.facts_type)
    read_by = readers(rules)
    wb = Workbook()
    wb.properties.created = wb.properties.modified = _FIXED_DATE
    ws = wb.active
    ws.title = MAIN_SHEET
    judged_ws = wb.create_sheet(JUDGED_SHEET) if lay.judged else None
    table_sheets: list[tuple[Table, Worksheet]] = []
    taken: set[str] = set()
    for t in lay.tables:
        table_sheets.append((t, wb.create_sheet(sheet_name(t.path, taken))))
    values = _Values(wb)
    mapping = wb.create_sheet(MAP_SHEET)
    mapping.sheet_state = "veryHidden"
    mapping.append([FORMAT, FORMAT_VERSION])
    mapping.append(["ruleset", ruleset_hash(rules), rules.name])

    title = f"{rules.name} 基础数据表"
    xlsx_cell(ws["A1"], title).font = Font(bold=True, size=14)
    xlsx_cell(ws["A2"], "在黄色的“填写值”列中填写；比率按百分数填写（如 85%）；是/否与枚举从下拉列表中选择；"
                        "列表类事实（问题清单、抽查项目等）在各自的工作表中逐行填写。"
                        "请勿改动表格结构与隐藏的工作表，评分时按它读取每个单元格。")
    ws["A2"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("A1:H1")
    ws.merge_cells("A2:H2")
    ws.row_dimensions[2].height = 45
    _headers(ws, 3, MAIN_HEADERS, (16, 26, 16, 8, 6, 36, 30, 60))
    mapping.append(_header_marks(MAIN_SHEET, MAIN_HEADERS))
    ws.freeze_panes = "C4"
    dvs = _Validations(ws, values)
    exact: list[list] = []
    row = 4
    group: Optional[str] = None
    for fact in lay.scalars:
        if fact.group != group:
            group = fact.group
            if group:
                c = xlsx_cell(ws.cell(row, 1), group.replace(".", " › "))
                c.font = Font(bold=True)
                for col in range(1, 9):
                    ws.cell(row, col).fill = _GROUP
                row += 1
        _fact_row(ws, row, fact, fact.ty, read_by, facts, exact)
        _evidence_cell(ws.cell(row, 7), _row_evidence(evidence, fact.path))
        dvs.add(fact.ty, f"C{row}")
        mapping.append(["scalar", fact.path, MAIN_SHEET, f"C{row}", f"G{row}", _label_at(ws, row)])
        row += 1

    if judged_ws is not None:
        xlsx_cell(judged_ws["A1"], f"{rules.name} 酌情评分").font = Font(bold=True, size=14)
        xlsx_cell(judged_ws["A2"], "评价人员酌情给出的分数：填写分数与理由，分数须在允许范围内，理由不能为空。")
        judged_ws.merge_cells("A1:H1")
        judged_ws.merge_cells("A2:H2")
        _headers(judged_ws, 3, JUDGED_HEADERS, (16, 26, 10, 40, 6, 24, 30, 60))
        mapping.append(_header_marks(JUDGED_SHEET, JUDGED_HEADERS))
        judged_ws.freeze_panes = "C4"
        jdvs = _Validations(judged_ws, values)
        for i, fact in enumerate(lay.judged):
            r = 4 + i
            field = fact.ty.judged_field or "得分"
            given = _get(facts, fact.path)
            xlsx_cell(judged_ws.cell(r, 1), fact.group.replace(".", " › "))
            xlsx_cell(judged_ws.cell(r, 2), f"{fact.label}（{field}）")
            score = given.get(field) if isinstance(given, dict) else None
            reason = given.get("理由") if isinstance(given, dict) else None
            _value_cell(judged_ws, r, 3, score, fact.ty, exact)
            _style_value(xlsx_cell(judged_ws.cell(r, 4), cell_value(reason, fact.ty)), Ty("text"))
            xlsx_cell(judged_ws.cell(r, 5), "是" if fact.required else "否")
            xlsx_cell(judged_ws.cell(r, 6), describe(fact.ty))
            _evidence_cell(judged_ws.cell(r, 7), _row_evidence(evidence, fact.path))
            xlsx_cell(judged_ws.cell(r, 8), _explain(readers_of(fact.path, read_by)))
            for col in range(1, 9):
                judged_ws.cell(r, col).alignment = _WRAP
            jdvs.add(fact.ty, f"C{r}")
            mapping.append(["judged", fact.path, JUDGED_SHEET, f"C{r}", f"G{r}", f"D{r}", field,
                            _label_at(judged_ws, r)])

    for table, tws in table_sheets:
        _table_sheet(tws, table, read_by, facts, values, mapping, exact, evidence)
    for entry in exact:
        mapping.append(entry)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _header_marks(sheet: str, titles) -> list:
    """``~A3=分组 …``: a sheet's headers as written, so that reading finds a column inserted or deleted."""
    return ["headers", "", sheet, "", ""] + [f"~{get_column_letter(i)}3={t}" for i, t in enumerate(titles, 1)]


def _label_at(ws: Worksheet, row: int) -> str:
    """``B7=预算数``: the label a fact's row was written with, so that reading finds a row inserted or deleted above
    it (the map's cells would then point at a neighbour's value)."""
    return f"B{row}={ws.cell(row, 2).value}"


def _fact_row(ws: Worksheet, row: int, fact: Fact, ty: Ty, read_by, facts, exact: list) -> None:
    xlsx_cell(ws.cell(row, 1), fact.group.replace(".", " › "))
    xlsx_cell(ws.cell(row, 2), fact.label)
    _value_cell(ws, row, 3, _get(facts, fact.path), ty, exact)
    xlsx_cell(ws.cell(row, 4), unit(ty))
    xlsx_cell(ws.cell(row, 5), "是" if fact.required else "否")
    xlsx_cell(ws.cell(row, 6), describe(ty))
    ws.cell(row, 7).border = _BORDER
    xlsx_cell(ws.cell(row, 8), _explain(readers_of(fact.path, read_by)))
    for col in (1, 2, 4, 5, 6, 7, 8):
        ws.cell(row, col).alignment = _WRAP


def _table_sheet(ws: Worksheet, table: Table, read_by, facts, values: _Values, mapping: Worksheet,
                 exact: list, evidence: dict[str, str]) -> None:
    kind = "映射：每行一项，第一列为名称" if table.is_map else "列表：每行一项，可增加行；没有则留空"
    group = table.path.replace(".", " › ")  # as 基础数据 names groups (the sheet's own name stays the path)
    xlsx_cell(ws["A1"], f"{group}（{kind}）").font = Font(bold=True, size=14)
    inds = readers_of(table.path, read_by)
    xlsx_cell(ws["A2"], ("相关指标：" + "；".join(n for n, _ in inds)) if inds else "")
    cols: list[Optional[Column]] = ([None] if table.is_map else []) + list(table.columns)
    titles = [("名称" if c is None else c.title) for c in cols] + [EVIDENCE]
    _headers(ws, 3, titles, [24] * len(cols) + [30])
    for i, c in enumerate(cols, 1):
        note = "名称（如调查对象）" if c is None else describe(c.ty)
        cell = xlsx_cell(ws.cell(4, i), note)
        cell.font = Font(italic=True, color="666666")
        cell.alignment = _WRAP
    first = 5
    ws.freeze_panes = f"A{first}"
    dvs = _Validations(ws, values)
    given = _get(facts, table.path)
    items: list[tuple[Optional[str], Any]]
    if table.is_map:
        items = list(given.items()) if isinstance(given, dict) else []
    else:
        items = [(None, x) for x in given] if isinstance(given, list) else []
    for n, (key, item) in enumerate(items):
        r = first + n
        for i, c in enumerate(cols, 1):
            if c is None:
                v: Any = key
                ty = Ty("text")
            else:
                v = _get(item, ".".join(c.field)) if c.field else item
                ty = c.ty
            _value_cell(ws, r, i, v, ty, exact)
        at = f"{table.path}.{key}" if table.is_map else f"{table.path}[{n}]"
        _evidence_cell(ws.cell(r, len(cols) + 1), _item_evidence(evidence, at))
    last = first + max(TABLE_ROWS, len(items)) - 1
    spec: list[Any] = ["table", table.path, ws.title, first, get_column_letter(len(cols) + 1),
                       "map" if table.is_map else "list"]
    for i, c in enumerate(cols, 1):
        letter = get_column_letter(i)
        if c is None:
            spec.append(f"{letter}={KEY}")
            continue
        spec.append(f"{letter}=" + ".".join(c.field))
        dvs.add(c.ty, f"{letter}{first}:{letter}{last}")
        if c.ty.kind == "rate":
            for r in range(first, last + 1):
                ws.cell(r, i).number_format = PERCENT
    mapping.append(spec + _header_marks(ws.title, titles)[5:])
