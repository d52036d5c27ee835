"""The 统计 sheet of a batch's 评分汇总表: how the grades fell and each indicator's average 得分率, with charts.

Counted while the rows stream past (nothing is kept but a sum and a count per indicator), in exact
decimals; written when the workbook is finished, as two tables with a native bar chart each.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Optional

from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font, PatternFill

from perfdsl.interp.numbers import ZERO
from perfdsl.plan import weight_of
from perfdsl.render.escape import xlsx_cell
from perfdsl.syntax import ast as A

NO_GRADE = "未定等级"
_HEAD = PatternFill("solid", fgColor="EEEEEE")


class Tally:
    """Grades and per-indicator score sums over the scored rows of a batch."""

    def __init__(self, rules, leaves: list[tuple]):
        system = rules.system
        self.grades: dict[str, int] = {}
        for arm in (system.grades if system is not None else ()):
            if isinstance(arm.result, A.String):
                self.grades.setdefault(arm.result.value, 0)
        self.leaves = leaves  # (names from the top, titles, indicator)
        self.sums = [ZERO] * len(leaves)
        self.counts = [0] * len(leaves)
        self.failed = 0

    def add(self, doc: dict, nodes: dict) -> None:
        if doc.get("status") == "error":
            self.failed += 1
            return
        grade = doc.get("grade") or NO_GRADE
        self.grades[grade] = self.grades.get(grade, 0) + 1
        for i, (path, _, _) in enumerate(self.leaves):
            node = nodes.get(path)
            if node is not None and node.get("score") is not None:
                self.sums[i] += Decimal(node["score"])
                self.counts[i] += 1

    def average_rate(self, i: int) -> Optional[Decimal]:
        """Mean score ÷ 分值, exactly; None when no row scored the indicator (or it weighs nothing)."""
        weight = weight_of(self.leaves[i][2])
        if not self.counts[i] or weight == 0:
            return None
        return self.sums[i] / self.counts[i] / weight

    def write(self, wb) -> None:
        ws = wb.create_sheet("统计")
        ws.column_dimensions["A"].width = 12
        ws.column_dimensions["B"].width = 10
        ws.column_dimensions["D"].width = 30
        for col in "EFG":
            ws.column_dimensions[col].width = 12

        def cell(value, bold=False, head=False, fmt=None):
            c = xlsx_cell(WriteOnlyCell(ws), value)
            if bold or head:
                c.font = Font(bold=True)
            if head:
                c.fill = _HEAD
            if fmt:
                c.number_format = fmt
            return c

        grades = [(g, n) for g, n in self.grades.items()]
        if self.failed:
            grades.append(("评分失败", self.failed))
        right = [[cell("三级指标", head=True), cell("分值", head=True), cell("平均得分", head=True),
                  cell("平均得分率", head=True)]]
        for i, (_, _titles, ind) in enumerate(self.leaves):
            rate = self.average_rate(i)
            mean = self.sums[i] / self.counts[i] if self.counts[i] else None
            right.append([cell(ind.name), cell(float(weight_of(ind)), fmt="0.##"),
                          cell(float(mean) if mean is not None else None, fmt="0.00"),
                          cell(float(rate) if rate is not None else None, fmt="0.00%")])
        left = [[cell("等级", head=True), cell("单位数", head=True)]]
        left += [[cell(g), cell(n)] for g, n in grades]
        left.append([cell("合计", bold=True), cell(sum(n for _, n in grades), bold=True)])
        for r in range(max(len(left), len(right))):
            row = (left[r] if r < len(left) else [None, None]) + [None]
            ws.append(row + (right[r] if r < len(right) else []))

        by_grade = BarChart()
        by_grade.title = "等级分布"
        by_grade.legend = None
        by_grade.y_axis.title = "单位数"
        by_grade.add_data(Reference(ws, min_col=2, min_row=2, max_row=1 + len(grades)), titles_from_data=False)
        by_grade.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + len(grades)))
        by_grade.width, by_grade.height = 12, 7
        ws.add_chart(by_grade, "I2")

        rates = BarChart()
        rates.type = "bar"
        rates.title = "各三级指标平均得分率"
        rates.legend = None
        rates.y_axis.scaling.min, rates.y_axis.scaling.max = 0, 1
        rates.y_axis.number_format = "0%"
        rates.x_axis.scaling.orientation = "maxMin"
        n = len(self.leaves)
        rates.add_data(Reference(ws, min_col=7, min_row=2, max_row=1 + n), titles_from_data=False)
        rates.set_categories(Reference(ws, min_col=4, min_row=2, max_row=1 + n))
        rates.width, rates.height = 18, max(7.0, 0.5 * n + 3)
        ws.add_chart(rates, "I18")
