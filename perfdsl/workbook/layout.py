"""Where each declared fact goes in the workbook: a pure function of the checked rule set.

- scalar facts (数值、整数、比率、布尔、文本、枚举), fields of records included, are rows of the
  sheet 基础数据, grouped by the record they belong to;
- 酌情评分 facts are rows of the sheet 酌情评分: 得分 (or 扣分) and 理由;
- lists and maps are sheets of their own: a row per item, a column per field (a map has a first
  column for its key).

The map from cells to fact paths is written into the workbook itself (a hidden sheet), so reading
back never depends on this layout being computed the same way again.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import PurePath
from typing import Optional

import attrs

from perfdsl.ruleset.rates import range_text
from perfdsl.ruleset.rates import rate_ceiling as declared_ceiling
from perfdsl.ruleset.types import Ty
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import interval_text

SCALARS = ("number", "integer", "rate", "bool", "text", "enum", "date")
DATE_FORMAT = 'yyyy"年"m"月"d"日"'  # how a date cell shows its day: 2024年6月30日
MAIN_SHEET = "基础数据"
JUDGED_SHEET = "酌情评分"
MAP_SHEET = "_perfdsl"
VALUES_SHEET = "_取值"
FORMAT = "perfdsl-基础数据表"
FORMAT_VERSION = 1


class Unsupported(Exception):
    """A declared fact the workbook cannot hold (a list inside a list's item)."""


@attrs.frozen
class Column:
    """One column of a list sheet: a field of the item (``()``: the item itself) and its type."""

    field: tuple[str, ...]
    ty: Ty

    @property
    def title(self) -> str:
        """The declared 显示为 name of the field, else its dotted name."""
        if self.ty.label:
            return self.ty.label
        return ".".join(self.field) if self.field else "值"


@attrs.frozen
class Fact:
    """A scalar or judged fact: its dotted path, its type, whether it must be filled."""

    path: str
    ty: Ty
    required: bool
    group: str  # the record it belongs to, dotted ("" at the top level)

    @property
    def label(self) -> str:
        """What the person filling it in reads: the declared 显示为 name, else the last name of the path."""
        return self.ty.label or self.path.rsplit(".", 1)[-1]


@attrs.frozen
class Table:
    """A list or a map of facts: its own sheet."""

    path: str
    ty: Ty
    required: bool
    columns: tuple[Column, ...]

    @property
    def is_map(self) -> bool:
        return self.ty.kind == "map"


@attrs.frozen
class Layout:
    scalars: tuple[Fact, ...]
    judged: tuple[Fact, ...]
    tables: tuple[Table, ...]


def layout(root: Ty) -> Layout:
    scalars: list[Fact] = []
    judged: list[Fact] = []
    tables: list[Table] = []

    def walk(ty: Ty, prefix: str, required: bool) -> None:
        for name, fty in ty.fields.items():
            path = f"{prefix}.{name}" if prefix else name
            need = required and not fty.optional
            if fty.kind in SCALARS or fty.kind == "any":
                scalars.append(Fact(path, fty, need, prefix))
            elif fty.kind == "judged":
                judged.append(Fact(path, fty, need, prefix))
            elif fty.kind == "record":
                walk(fty, path, need)
            elif fty.kind in ("list", "map"):
                assert fty.element is not None
                tables.append(Table(path, fty, need, tuple(columns(fty.element, (), path))))
            else:  # pragma: no cover — every kind is one of the above
                raise Unsupported(path)

    walk(root, "", True)
    return Layout(tuple(scalars), tuple(judged), tuple(tables))


def columns(ty: Ty, field: tuple[str, ...], where: str) -> list[Column]:
    if ty.kind in SCALARS or ty.kind == "any":
        return [Column(field, ty)]
    if ty.kind == "record":
        out: list[Column] = []
        for name, fty in ty.fields.items():
            out.extend(columns(fty, field + (name,), where))
        return out
    raise Unsupported(f"{where}：列表项中的 {'.'.join(field) or '值'} 是{ty.describe()}，"
                      "基础数据表暂不支持列表中再套列表，请用 JSON 填写这套规则的事实")


def ruleset_hash(rules) -> str:
    """The rule set's identity: its files' names and contents (not where they are on this machine)."""
    parts = sorted(f"{PurePath(s.path).name}\0{s.sha256}" for s in rules.sources.values())
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def rate_ceiling(ty: Ty) -> Optional[Decimal]:
    """See ``ruleset.rates``: 1 (100%) unless the declaration allows more."""
    return declared_ceiling(ty.decl)


# ------------------------------------------------------------------ what the person filling it in reads

def unit(ty: Ty) -> str:
    """The declared unit (单位 "万元"), else what the type makes certain.  An integer without a unit gets none:
    "个/项/次" was a guess, wrong for 评价年度 (2024 个/项/次) and any other number that is not a count."""
    if ty.unit:
        return ty.unit
    return {"rate": "%", "bool": "是/否", "judged": "分"}.get(ty.kind, "")


def describe(ty: Ty) -> str:
    """The type and the allowed values, in words: 比率，≥ 0%（填 85%）."""
    kind = ty.kind
    decl = ty.decl
    if kind == "enum":
        return "从下拉列表中选择：" + "、".join(ty.enum_values)
    if kind == "bool":
        return "选择 是 或 否"
    if kind == "text":
        return "文字"
    if kind == "date":
        return "日期，填写如 2024-06-30、2024/6/30、2024.6.30 或 2024年6月30日（年月日都要写出）"
    if kind == "judged":
        words = f"酌情{ty.judged_field}"
        if decl is not None and decl.interval is not None:
            words += f"，范围 {interval_text(decl.interval)}"
        return words + "，并写明理由"
    words = ty.describe()
    if decl is not None and decl.interval is not None:
        words += f"，{range_text(decl.interval, kind == 'rate')}"
    if decl is not None and decl.one_of:
        words += "，取值 " + "、".join(str(x) for x in decl.one_of)
    if kind == "rate":
        ceiling = rate_ceiling(ty)
        words += "，按百分数填写，如 85%" + ("，不超过 100%" if ceiling is not None else "")
    return words


def merged_into(ws, ref: str) -> str:
    """A blank cell hidden under a merge (C48 merged into C47 shows C47's value): say so, or the cell
    the person sees filled is reported empty with no reason they can see."""
    from openpyxl.cell.cell import MergedCell
    if not isinstance(ws[ref], MergedCell):
        return ""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return f"，与 {merged.start_cell.coordinate} 合并了：请取消合并后填写"
    return ""


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(path: str, taken: set[str]) -> str:
    """An Excel sheet name for a table: at most 31 characters, none of []:*?/\\, unique."""
    base = _SHEET_BAD.sub("_", path)
    name = base[-31:] if len(base) > 31 else base
    n = 2
    while name in taken or name in (MAIN_SHEET, JUDGED_SHEET, MAP_SHEET, VALUES_SHEET):
        suffix = f"~{n}"
        name = base[-(31 - len(suffix)):] + suffix
        n += 1
    taken.add(name)
    return name


# ------------------------------------------------------------------ which indicators read a fact

def readers(rules) -> dict[str, list[tuple[str, str]]]:
    """For each dotted path a rule reads: the leaf indicators reading it, with their 指标解释."""
    out: dict[str, list[tuple[str, str]]] = {}
    globals_ = rules.globals

    def leaves(ind: A.Indicator):
        if ind.is_leaf:
            yield ind
        for c in ind.children:
            yield from leaves(c)

    for root in rules.roots:
        for ind in leaves(root):
            lets = {s.name: s for s in ind.statements if isinstance(s, A.Let)}
            found: set[str] = set()
            _paths(ind.statements, found, {**globals_, **lets}, set())
            for p in sorted(found):
                out.setdefault(p, []).append((ind.name, ind.explanation or ""))
    return out


def _paths(obj, found: set[str], lets: dict, seen: set) -> None:
    if isinstance(obj, A.Path):
        head = obj.segments[0]
        if head in lets and len(obj.segments) == 1:
            if head not in seen:
                seen.add(head)
                _paths(lets[head], found, lets, seen)
            return
        found.add(".".join(obj.segments))
        return
    if isinstance(obj, (tuple, list)):
        for x in obj:
            _paths(x, found, lets, seen)
    elif attrs.has(type(obj)):
        for f in attrs.fields(type(obj)):
            if f.name not in ("span", "children"):
                _paths(getattr(obj, f.name), found, lets, seen)


def readers_of(path: str, table: dict[str, list[tuple[str, str]]]) -> list[tuple[str, str]]:
    """The indicators reading ``path``, something inside it, or the record holding it."""
    out: list[tuple[str, str]] = []
    for read, inds in table.items():
        if read == path or read.startswith(path + ".") or path.startswith(read + "."):
            out.extend(i for i in inds if i not in out)
    return out


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: an old .xls, or an Office file with a password


def unreadable(data: bytes) -> str:
    """Why openpyxl could not open ``data``, in the evaluator's words (never the exception's class name)."""
    if data.startswith(_OLE):
        return ("无法作为 .xlsx 读取：这是旧版 Excel 文件（.xls）或设置了打开密码的文件；请在 Excel 或 WPS 中"
                "取消密码，另存为“Excel 工作簿（*.xlsx）”后再打开")
    if not data.startswith(b"PK"):
        return ("无法作为 .xlsx 读取：文件内容不是 Excel 工作簿（可能只是改了扩展名，或已损坏）；"
                "请用 Excel 或 WPS 另存为 .xlsx")
    return "无法作为 .xlsx 读取：工作簿已损坏或缺少内容；请用 Excel 或 WPS 打开后另存为 .xlsx 再试"


_CELL = re.compile(r"[A-Z]{1,3}[0-9]+")


def filled_cells(data: bytes) -> int:
    """How many value cells of a 基础数据表 hold something typed in: 0 for a blank one or any other file, so that
    ``perfdsl template -o`` never writes a blank table over the evaluator's work."""
    import io

    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 — not a workbook openpyxl reads: nothing of the evaluator's in it
        return 0
    if MAP_SHEET not in wb.sheetnames or wb[MAP_SHEET]["A1"].value != FORMAT:
        return 0
    given = 0
    for row in wb[MAP_SHEET].iter_rows(values_only=True):
        sheet = row[2] if len(row) > 3 and row[2] in wb.sheetnames else None
        if sheet is None or row[0] not in ("scalar", "judged", "table"):
            continue
        ws = wb[sheet]
        if row[0] == "table":
            letters = [s.split("=", 1)[0] for s in row[6:] if isinstance(s, str) and "=" in s and s[:1] != "~"]
            letters.append(row[4])
            cells = [f"{c}{r}" for r in range(int(row[3]), ws.max_row + 1) for c in letters if isinstance(c, str)]
        else:
            cells = [c for c in row[3:] if isinstance(c, str) and _CELL.fullmatch(c)]
        given += sum(1 for c in cells if ws[c].value is not None and str(ws[c].value).strip())
    return given
