"""A batch's 评分汇总表 as an Excel workbook: one row per fact set, one column per indicator.

What an evaluator hands on after scoring a province's departments: the unit (``subject.py``: the text facts
the 标题 names), 总分 and 等级 first, then each 一级指标's subtotal and every 三级指标's score, under a header
that groups the indicators the way the rule set does (一级 / 二级 / 三级, merged), then the report's title and
where each row came from.  Frozen at the unit and
the header, with a filter on every column, printable on A4 landscape.  Rows are streamed (openpyxl's
write-only mode), so a 100,000-line batch does not sit in memory; failed lines keep their place, their
unit's name when the facts give it, and say why.  A 统计 sheet counts the grades and averages each
indicator's 得分率, with charts (``summary_stats.py``).  Every cell
is filled through ``escape.xlsx_cell``: text is always text, never a formula (perfdsl writes none).
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Optional

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from perfdsl import __version__
from perfdsl.explain.document import ruleset_header
from perfdsl.interp.numbers import plain
from perfdsl.plan import weight_of
from perfdsl.render.escape import xlsx_cell
from perfdsl.render.report import score_text
from perfdsl.render.subject import Subject
from perfdsl.render.summary_stats import Tally
from perfdsl.render.xlsx import _FIXED_DATE, fixed_zip
from perfdsl.render.xlsx_print import print_ready

if TYPE_CHECKING:
    from perfdsl.ruleset.loader import RuleSet

_HEAD = PatternFill("solid", fgColor="EEEEEE")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_FIRST = ("评价对象（单位）", "总分", "等级")
_LAST = ("报告标题", "行", "来源", "状态", "事实 sha256")
_WIDTHS = {"评价对象（单位）": 36, "总分": 8, "等级": 6, "报告标题": 50, "行": 6, "来源": 28, "状态": 24,
           "事实 sha256": 66}
_SCORE_WIDTH = 11


def _paths(indicators, names=(), titles=()) -> list[tuple]:
    """(names from the top, the same with 分值, indicator) for each leaf, in rule order."""
    out: list[tuple] = []
    for ind in indicators:
        here, titled = names + (ind.name,), titles + (_titled(ind),)
        out.extend(_paths(ind.children, here, titled) if ind.children else [(here, titled, ind)])
    return out


def _titled(ind) -> str:
    """An indicator's name with its 分值, as the 评分表 heads it: 部门决策（14）."""
    return f"{ind.name}（{plain(weight_of(ind))}）"


class SummaryWorkbook:
    """Rows are added one fact set at a time; ``finish`` writes the workbook (deterministic bytes)."""

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.subject = Subject(rules)  # the unit each row names (the title stays in its own column)
        self.leaves = _paths(rules.roots)
        self.tops = [(ind.name, _titled(ind)) for ind in rules.roots if ind.children]  # a top-level leaf has its column
        self.depth = max((len(p) for p, _, _ in self.leaves), default=1)
        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet("评分汇总")
        self.ws.freeze_panes = f"{get_column_letter(len(_FIRST) + 1)}{self.depth + 1}"
        self.width = len(_FIRST) + len(self.tops) + len(self.leaves) + len(_LAST)
        self.rows = 0
        self.tally = Tally(rules, self.leaves)
        self._header()
        print_ready(self.ws, f"1:{self.depth}")
        self.ws.page_setup.fitToWidth = 0  # a column per indicator: pages across as well, the heads on each
        self.ws.print_title_cols = "A:A"

    def _cell(self, value, bold: bool = False, fmt: Optional[str] = None, head: bool = False):
        cell = xlsx_cell(WriteOnlyCell(self.ws), value)  # text stays text: never a formula
        if bold or head:
            cell.font = Font(bold=True)
        if head:
            cell.fill = _HEAD
            cell.alignment = _CENTER
        if fmt:
            cell.number_format = fmt
        return cell

    def _header(self) -> None:
        """Depth rows: 一级 names over their columns, then 二级, …, and the leaf names (with 分值) last."""
        depth = self.depth
        columns: list[list] = [[name] + [None] * (depth - 1) for name in _FIRST]
        columns += [["一级指标得分"] + [None] * (depth - 2) + [title] if depth > 1 else [title]
                    for _, title in self.tops]
        for _, titles, _ in self.leaves:
            columns.append([titles[r] if r < len(titles) - 1 else None for r in range(depth - 1)] + [titles[-1]])
        columns += [[name] + [None] * (depth - 1) for name in _LAST]
        merges = []
        shown = [list(col) for col in columns]  # what the cells hold: a merged range's name in its first cell
        for r in range(depth - 1):  # a group's name spans its columns
            c = 0
            while c < len(columns):
                end = c
                while (columns[c][r] is not None and end + 1 < len(columns)
                       and columns[end + 1][:r + 1] == columns[c][:r + 1]):
                    end += 1
                if end > c:
                    merges.append((r, c, r, end))
                    for k in range(c + 1, end + 1):
                        shown[k][r] = None
                c = end + 1
        if depth > 1:  # single names span the header's height
            for c, col in enumerate(columns):
                if col[0] is not None and all(x is None for x in col[1:]):
                    merges.append((0, c, depth - 1, c))
        for number, col in enumerate(columns, 1):  # before the first row: a write-only sheet writes widths then
            self.ws.column_dimensions[get_column_letter(number)].width = _WIDTHS.get(col[0], _SCORE_WIDTH)
        for r in range(depth):
            self.ws.append([self._cell(col[r], head=True) for col in shown])
        for r1, c1, r2, c2 in merges:
            self.ws.merged_cells.add(f"{get_column_letter(c1 + 1)}{r1 + 1}:{get_column_letter(c2 + 1)}{r2 + 1}")

    def add(self, doc: dict, source: str, line: Optional[int], facts_text: Optional[str] = None) -> None:
        """One fact set's explanation document (untraced is enough) as one row.

        ``facts_text``: the facts as given, where the unit's name is read (``render/subject.py``)."""
        where = [self._cell(line), self._cell(source)]
        sha = (doc.get("facts") or {}).get("sha256")
        self.rows += 1
        if doc.get("status") == "error":
            self.tally.add(doc, {})
            first = (doc.get("errors") or [{}])[0]
            blanks = [None] * (2 + len(self.leaves) + len(self.tops))
            failed = self._cell(f"失败：[{first.get('code', '')}] {first.get('message', '')}")
            unit = self._cell(self.subject.names(facts_text))
            title = self._cell(unit_name(self.rules, facts_text))
            self.ws.append([unit] + [self._cell(x) for x in blanks] + [title] + where + [failed, self._cell(sha)])
            return
        nodes = {}

        def walk(node, above):
            for child in node.get("children", ()):
                here = above + (child["name"],)
                nodes[here] = child
                walk(child, here)
        walk(doc, ())
        self.tally.add(doc, nodes)
        row = [self._cell(self.subject(facts_text, doc.get("name"))), self._score(doc, bold=True),
               self._cell(doc.get("grade"))]
        for name, _ in self.tops:
            row.append(self._score(nodes.get((name,))))
        for path, _, _ in self.leaves:
            row.append(self._score(nodes.get(path)))
        row.append(self._cell(doc.get("name")))
        row += where
        row.append(self._cell("完成" if doc.get("status") == "ok" else "部分指标无法评分"))
        row.append(self._cell(sha))
        self.ws.append(row)

    def _score(self, node: Optional[dict], bold: bool = False):
        if node is None:
            return self._cell(None)
        score = node.get("score")
        if score is None:
            return self._cell(score_text(None, node.get("status", "")))
        return self._cell(float(Decimal(score)), bold=bold, fmt="0.00")

    def finish(self, out: IO[bytes]) -> None:
        """Write the workbook to the binary file ``out``, the same bytes for the same rows."""
        self.ws.auto_filter.ref = f"A{self.depth}:{get_column_letter(self.width)}{self.depth + self.rows}"
        self.tally.write(self.wb)
        sources = self.wb.create_sheet("来源")  # what produced every row: perfdsl and each rule file, hashed
        sources.column_dimensions["A"].width = 30
        sources.column_dimensions["B"].width = 70
        header = ruleset_header(self.rules)
        for item in (("perfdsl", __version__), ("规则集", header["name"]),
                     *((f["path"], f["sha256"]) for f in header["files"])):
            sources.append([xlsx_cell(WriteOnlyCell(sources), x) for x in item])
        self.wb.properties.created = _FIXED_DATE
        self.wb.properties.creator = "perfdsl"
        with tempfile.TemporaryFile() as raw:
            self.wb.save(raw)
            raw.seek(0)
            fixed_zip(raw, out)


def unit_name(rules: RuleSet, facts_text: Optional[str]) -> Optional[str]:
    """The title the rules give a fact set (``{被评价单位} …``) filled from facts that could not be scored
    (a download's name, a failed row's 报告标题).

    None unless every name in the title is found: a half-filled title would name nobody."""
    import json
    import re
    system = rules.system
    if not facts_text or system is None or not system.title:
        return None
    try:
        facts = json.loads(facts_text)
    except (ValueError, RecursionError):
        return None
    missing = False

    def fill(m: re.Match) -> str:
        nonlocal missing
        cur = facts
        for seg in m.group(1).split("."):
            if not isinstance(cur, dict) or seg not in cur:
                missing = True
                return ""
            cur = cur[seg]
        if isinstance(cur, (dict, list)):
            missing = True
            return ""
        return str(cur)
    name = re.sub(r"\{([^{}]+)\}", fill, system.title)
    return None if missing else name
