"""A filled 基础数据表 read back into exactly the facts a JSON file would carry.

The hidden sheet ``_perfdsl`` says which cell holds which fact; the labels only confirm that no row or column
was inserted or deleted by hand since (each label still where it was written).  Each cell
is converted by its fact's declared type, exactly:

- an Excel number becomes the ``Decimal`` of its shortest representation (``Decimal(repr(float))``:
  0.1 stays 0.1); a number typed as text (``1415.96``, full-width digits too) is read as written;
- a 比率 is a fraction: a percent cell (85% stored as 0.85) or the text ``85%``;
- 是/否 (or an Excel TRUE/FALSE) become booleans; an enum must be one of its values.

Anything else (a unit, a thousands separator, a percent sign on a number that is not a 比率, a date
where a number belongs) is refused naming the sheet and cell, the fact and the fix — never read as
something else.  Every problem is reported at once; the read facts are then checked by the same
``FactValidator`` as JSON, its messages pointed at the cells.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

import attrs

from perfdsl.diagnostics import Diagnostic, error, os_reason, warning
from perfdsl.ruleset.facts import FactValidator
from perfdsl.ruleset.types import Ty
from perfdsl.workbook.cells import CellError, blank, convert
from perfdsl.workbook.layout import FORMAT, MAP_SHEET, SCALARS, merged_into, ruleset_hash, unreadable

MAX_TABLE_ROWS = 100_000


@attrs.define
class ReadWorkbook:
    """The facts as JSON text (exact numbers), the workbook's own sha256, and what went wrong."""

    text: str = ""
    sha256: str = ""
    errors: list[Diagnostic] = attrs.Factory(list)
    warnings: list[Diagnostic] = attrs.Factory(list)


@attrs.frozen
class Sourced:
    """A value read with its evidence (佐证材料/来源 column): written as ``{"值": …, "来源": "…"}``
    (``ruleset.evidence``), after validation, which sees the value alone."""

    value: Any
    source: str


def evidence_text(raw: Any) -> Optional[str]:
    """What an evidence cell says, as text; None when it is blank."""
    if blank(raw):
        return None
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, datetime.datetime) and raw.time() == datetime.time():
        return raw.date().isoformat()
    if isinstance(raw, (datetime.datetime, datetime.date, datetime.time)):
        return raw.isoformat()
    if isinstance(raw, float):
        return repr(raw)
    return str(raw)


def read_workbook(checked, path: Path) -> ReadWorkbook:
    try:
        data = path.read_bytes()
    except OSError as exc:
        out = ReadWorkbook()
        out.errors.append(error("F000", f"无法读取基础数据表 {path}：{os_reason(exc)}"))
        return out
    return read_workbook_bytes(checked, data, str(path))


def read_workbook_bytes(checked, data: bytes, path: str) -> ReadWorkbook:
    """The same, for a workbook already in memory (uploaded to ``perfdsl serve``); ``path`` names it in messages."""
    out = ReadWorkbook()
    out.sha256 = hashlib.sha256(data).hexdigest()
    try:
        import io

        from openpyxl import load_workbook
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 — zip, XML or openpyxl errors alike: the file is not a readable .xlsx
        out.errors.append(error("F031", f"{path}：{unreadable(data)}"))
        return out
    if MAP_SHEET not in wb.sheetnames or wb[MAP_SHEET]["A1"].value != FORMAT:
        out.errors.append(error("F031", f"{path}：不是 perfdsl template 生成的基础数据表（缺少隐藏的工作表 "
                                        f"{MAP_SHEET}）；请用 perfdsl template 规则 -o 基础数据表.xlsx 生成，"
                                        "再把数据填入"))
        return out
    _Reader(checked, wb, path, out).run()
    return out


def _said(v: Any) -> str:
    return "空白" if v is None or not str(v).strip() else f"“{str(v)[:30]}”"


def _lookup(root: Ty, path: str) -> Optional[Ty]:
    ty: Optional[Ty] = root
    for part in path.split("."):
        if ty is None or ty.kind != "record" or part not in ty.fields:
            return None
        ty = ty.fields[part]
    return ty


def _required(root: Ty, path: str) -> bool:
    ty: Optional[Ty] = root
    for part in path.split("."):
        assert ty is not None
        ty = ty.fields[part]
        if ty.optional:
            return False
    return True


def _put(data: dict, path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        data = data.setdefault(part, {})
    data[parts[-1]] = value



class _Reader:
    def __init__(self, checked, wb, source: str, out: ReadWorkbook):
        self.root: Ty = checked.facts_type
        self.rules = checked.rules
        self.wb, self.source, self.out = wb, source, out
        self.data: dict = {}
        self.cells: dict[str, str] = {}  # fact path → "sheet!cell", for the validator's messages
        self.empty: list[tuple[str, str]] = []
        self.missing: dict[str, list[str]] = {}  # a sheet renamed or deleted → the facts it held
        self.foreign = False
        self.exact: dict[tuple[str, str], Decimal] = {}  # pre-filled numbers, as spelled in the facts given
        self.sources: list[tuple[Any, Any, str]] = []  # (container, key, evidence): wrapped once validated

    def fail(self, where: str, path: str, message: str, ty: Optional[Ty] = None, code: str = "F032") -> None:
        span = ty.decl.span if ty is not None and ty.decl is not None else None
        decl = f"；声明于 {span}" if span is not None else ""
        self.out.errors.append(error(code, f"{self.source}：{where}：{message}（事实 {path}{decl}）", span,
                                     fact_path=path))

    def sheet(self, name: str):
        if name not in self.wb.sheetnames:
            return None
        return self.wb[name]

    def run(self) -> None:
        spec = [[c.value for c in row] for row in self.wb[MAP_SHEET].iter_rows()]
        made_for = spec[1][1] if len(spec) > 1 and spec[1][0] == "ruleset" else None
        self.foreign = made_for != ruleset_hash(self.rules)
        problems: list[str] = []
        for row in spec[2:]:
            if row[0] == "exact" and len(row) > 4 and isinstance(row[4], str):
                self.exact[(str(row[2]), str(row[3]))] = Decimal(row[4])
        if self.moved(spec[2:]):
            return
        for row in spec[2:]:
            kind = row[0]
            path = row[1]
            if not isinstance(path, str):
                continue
            ty = _lookup(self.root, path)
            expected = {"scalar": SCALARS + ("any",), "judged": ("judged",), "table": ("list", "map")}.get(kind, ())
            if ty is None or ty.kind not in expected:
                problems.append(path)
                continue
            if kind == "scalar":
                self.scalar(row, path, ty)
            elif kind == "judged":
                self.judged(row, path, ty)
            else:
                self.table(row, path, ty)
        if problems:
            self.out.errors.append(error("F031", f"{self.source}：这份基础数据表由另一版本的规则生成，其中的事实 "
                                                 f"{'、'.join(problems[:10])}{'…' if len(problems) > 10 else ''} "
                                                 "在当前规则中不存在或类型已改变；请用 perfdsl template 按当前规则"
                                                 "重新生成基础数据表，把数据填入新表"))
        elif self.foreign:
            self.out.warnings.append(warning("F034", f"{self.source}：这份基础数据表由另一版本的规则生成"
                                                     "（规则的哈希不同）；它的每个单元格仍对应当前规则声明的事实，已照常读取"))
        self.missing_sheets()
        if self.empty:
            shown = "、".join(f"{w}（{p}）" for w, p in self.empty[:40])
            more = f" 等 {len(self.empty)} 处" if len(self.empty) > 40 else f"，共 {len(self.empty)} 处"
            self.out.errors.append(error("F033", f"{self.source}：以下必填的单元格为空：{shown}{more}；"
                                                 "请逐一填写后再评分"))
        if self.out.errors:
            return
        validator = FactValidator(self.root, in_cells=True)
        validator.validate(self.data)
        for d in validator.errors:
            where = self._where(d.fact_path)
            self.out.errors.append(attrs.evolve(d, message=f"{self.source}：{where}{d.message}"))
        if not self.out.errors:
            for container, key, text in self.sources:
                container[key] = Sourced(container[key], text)
            self.out.text = to_json(self.data)

    def moved(self, rows: list) -> bool:
        """A row or a column inserted or deleted by hand: each label the template wrote (``B7=预算数``, a list
        sheet's ``~A3=说明``) is still where the map says, or one error per sheet names the first one moved."""
        seen: set[str] = set()
        for row in rows:
            marks = [m for m in row[5:] if isinstance(m, str) and re.match(r"~?[A-Z]{1,3}[0-9]+=", m)]
            sheet = row[2] if len(row) > 2 and isinstance(row[2], str) else ""
            ws = self.sheet(sheet) if sheet and sheet not in seen else None
            if ws is None:
                continue
            for mark in marks:
                ref, want = mark.lstrip("~").split("=", 1)
                got = ws[ref].value
                if ("" if got is None else str(got)).strip() != want.strip():
                    seen.add(sheet)
                    self.out.errors.append(error("F031", f"{self.source}：{sheet}!{ref} 应为“{want}”，现为 "
                                                         f"{_said(got)}：表中插入或删除了行或列，各单元格已不在原来的位置；"
                                                         "请撤销插入或删除的行、列后再评分（说明可写在“佐证材料/来源”列，"
                                                         "或写在表格最右侧一列之后）"))
                    break
        return bool(seen)

    def missing_sheets(self) -> None:
        """One error per sheet renamed or deleted, not one per cell on it: the cells are found by sheet name."""
        present = "、".join(n for n in self.wb.sheetnames if self.wb[n].sheet_state == "visible")
        for name, paths in self.missing.items():
            facts = "、".join(paths[:5]) + (f" 等 {len(paths)} 项" if len(paths) > 5 else "")
            self.out.errors.append(error(
                "F031", f"{self.source}：找不到工作表「{name}」（工作簿中现有：{present}），它存放事实 {facts}；"
                        f"评分时按工作表名称找单元格，请把改过名的工作表改回「{name}」，删掉了就用 perfdsl template "
                        "重新生成基础数据表"))

    def evidence(self, sheet: str, ref: Any) -> Optional[str]:
        ws = self.sheet(sheet)
        if ws is None or not isinstance(ref, str) or not ref:
            return None
        return evidence_text(ws[ref].value)

    def keep_evidence(self, path: str, text: Optional[str]) -> None:
        """Keep the evidence of the fact just put at ``path``."""
        if text is None:
            return
        container: Any = self.data
        parts = path.split(".")
        for part in parts[:-1]:
            container = container[part]
        self.sources.append((container, parts[-1], text))

    def _where(self, path: Optional[str]) -> str:
        while path:
            if path in self.cells:
                return f"{self.cells[path]}："
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return ""

    def value(self, ws_name: str, ref: str, path: str, ty: Ty, required: bool) -> tuple[bool, Any]:
        """(found, value) of one cell; a blank required one is noted, a bad one reported."""
        ws = self.sheet(ws_name)
        where = f"{ws_name}!{ref}"
        self.cells[path] = where
        if ws is None:
            self.missing.setdefault(ws_name, []).append(path)
            return False, None
        raw = ws[ref].value
        if blank(raw):
            if required:
                self.empty.append((where, path + merged_into(ws, ref)))
            return False, None
        try:
            return True, self.spelled(ws_name, ref, convert(raw, ty))
        except CellError as exc:
            self.fail(where, path, str(exc), ty)
            return False, None

    def spelled(self, sheet: str, ref: str, v: Any) -> Any:
        """A number equal to the one pre-filled in this cell keeps the pre-filled spelling (1.0, not 1)."""
        given = self.exact.get((sheet, ref))
        if given is not None and isinstance(v, Decimal) and v == given:
            return given
        return v

    def scalar(self, row: list, path: str, ty: Ty) -> None:
        found, v = self.value(row[2], row[3], path, ty, _required(self.root, path))
        if found:
            _put(self.data, path, v)
            self.keep_evidence(path, self.evidence(row[2], row[4] if len(row) > 4 else None))

    def judged(self, row: list, path: str, ty: Ty) -> None:
        field = ty.judged_field or "得分"
        required = _required(self.root, path)
        sheet, value_ref, reason_ref = row[2], row[3], row[5]
        ws = self.sheet(sheet)
        reason_raw = ws[reason_ref].value if ws is not None else None
        any_given = ws is not None and not (blank(ws[value_ref].value) and blank(reason_raw))
        found, v = self.value(sheet, value_ref, f"{path}.{field}", ty, required or any_given)
        self.cells[path] = f"{sheet}!{value_ref}"
        self.cells[f"{path}.理由"] = f"{sheet}!{reason_ref}"
        if blank(reason_raw):
            if required or any_given:
                self.empty.append((f"{sheet}!{reason_ref}", f"{path}.理由"))
            return
        if found:
            reason = reason_raw if isinstance(reason_raw, str) else str(reason_raw)
            _put(self.data, path, {field: v, "理由": reason})
            self.keep_evidence(path, self.evidence(sheet, row[4]))

    def table(self, row: list, path: str, ty: Ty) -> None:
        sheet, first, evidence_letter, shape = row[2], int(row[3]), row[4], row[5]
        ws = self.sheet(sheet)
        if ws is None:
            self.missing.setdefault(sheet, []).append(path)
            return
        assert ty.element is not None
        cols: list[tuple[str, Optional[tuple[str, ...]]]] = []  # (letter, field; None: the map's key)
        for spec in row[6:]:
            if not isinstance(spec, str) or "=" not in spec or spec.startswith("~"):  # ~A3=说明: a header
                continue
            letter, named = spec.split("=", 1)
            cols.append((letter, None if named == "#名称" else (tuple(named.split(".")) if named else ())))
        is_map = shape == "map"
        items: list[Any] = []
        keyed: dict[str, Any] = {}
        last = min(ws.max_row, first + MAX_TABLE_ROWS)
        for r in range(first, last + 1):
            raws = {letter: ws[f"{letter}{r}"].value for letter, _ in cols}
            said = self.evidence(sheet, f"{evidence_letter}{r}") if isinstance(evidence_letter, str) else None
            if all(blank(v) for v in raws.values()) and said is None:
                continue  # a row with only its 佐证材料 is an item with its cells blank (F033), never dropped
            n = len(keyed) if is_map else len(items)
            key: Optional[str] = None
            item: Any = {} if ty.element.kind == "record" else None
            for letter, field in cols:
                raw = raws[letter]
                where = f"{sheet}!{letter}{r}"
                if field is None:
                    if blank(raw):
                        self.empty.append((where, f"{path} 第 {n + 1} 项的名称"))
                    else:
                        key = str(raw).strip()
                    continue
                fty = self._field_type(ty.element, field)
                sub = ".".join(field)
                item_path = (f"{path}.{key or '?'}" if is_map else f"{path}[{n}]") + (f".{sub}" if sub else "")
                self.cells[item_path] = where
                if blank(raw):
                    if fty is not None and not fty.optional:
                        self.empty.append((where, item_path))
                    continue
                if fty is None:
                    continue
                try:
                    v = self.spelled(sheet, f"{letter}{r}", convert(raw, fty))
                except CellError as exc:
                    self.fail(where, item_path, str(exc), fty)
                    continue
                if field:
                    _put(item, sub, v)
                else:
                    item = v
            if is_map:
                if key is not None:
                    if key in keyed:
                        self.fail(f"{sheet}!{cols[0][0]}{r}", f"{path}.{key}", f"名称 “{key}” 重复", ty)
                    keyed[key] = item
                    if said is not None:
                        self.sources.append((keyed, key, said))
            else:
                items.append(item)
                if said is not None:
                    self.sources.append((items, len(items) - 1, said))
        required = _required(self.root, path)
        if is_map:
            if keyed or required:
                _put(self.data, path, keyed)
        elif items or required:
            _put(self.data, path, items)

    def _field_type(self, element: Ty, field: tuple[str, ...]) -> Optional[Ty]:
        ty: Optional[Ty] = element
        for part in field:
            if ty is None or ty.kind != "record":
                return None
            ty = ty.fields.get(part)
        return ty


def to_json(v: Any) -> str:
    """Facts as JSON text with every number exactly as read (``str`` of the Decimal)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Sourced):
        return f'{{"值": {to_json(v.value)}, "来源": {json.dumps(v.source, ensure_ascii=False)}}}'
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {to_json(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(to_json(x) for x in v) + "]"
    if v is None:
        return "null"
    raise TypeError(type(v).__name__)  # pragma: no cover — only the types above are ever read



def facts_file(checked, path: Path) -> object:
    """Parsed facts (numbers as Decimal, evidence in its JSON form) from a filled .xlsx or a .json file in any
    encoding ``cli.inputs`` reads: what ``template --facts``, ``test --edges`` and test cases read.  Problems raise."""
    from perfdsl.cli.inputs import is_workbook, read_text
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.ruleset.facts import FactsSyntaxError, parse_json
    try:
        if is_workbook(path):
            got = read_workbook(checked, path)
            if got.errors:
                raise PerfdslError(got.errors)
            return parse_json(got.text, str(path))
        return parse_json(read_text(path), str(path))
    except FactsSyntaxError as exc:
        raise PerfdslError([exc.diagnostic]) from None
