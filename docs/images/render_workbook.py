"""The tutorial's pictures of the 基础数据表 (docs/images/基础数据表-*.png), made from the real template.

Run from the repository root (needs LibreOffice Calc and poppler-utils: ``soffice``, ``pdftoppm``):

    python docs/images/render_workbook.py

It fills a template from the seed facts, types evidence into a few 佐证材料/来源 cells as a person
would, and prints two areas of it to PNG.  Only the print settings of the copy are changed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "images"
EVIDENCE = {  # fact path → what the evaluator writes in the 佐证材料/来源 column
    "评价年度": "评价工作方案",
    "制度.近三年有建设项目": "固定资产台账，张三核",
    "评估评审.评审报告数": "事前评估报告清单",
    "预算编制.年初预算收入种类数": "2024年部门预算批复第2页",
    "预算编制.决算收入种类数": "2024年部门决算报表第3页，李四核",
}


def _picture(book: Path, sheet: str, area: str, name: str, work: Path) -> None:
    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        if ws.title != sheet and ws.sheet_state == "visible":
            ws.sheet_state = "hidden"
    ws = wb[sheet]
    wb.active = wb.worksheets.index(ws)
    ws.print_area = area
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = False
    copy = work / f"{name}.xlsx"
    wb.save(copy)
    subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{work}/profile",
                    "--convert-to", "pdf", "--outdir", str(work), str(copy)], check=True, capture_output=True)
    pdf, dpi = str(work / f"{name}.pdf"), "110"
    raw = subprocess.run(["pdftoppm", "-r", dpi, "-singlefile", pdf], check=True, capture_output=True).stdout
    x, y, w, h = _inked(raw)
    subprocess.run(["pdftoppm", "-png", "-r", dpi, "-singlefile", "-x", str(x), "-y", str(y), "-W", str(w),
                    "-H", str(h), pdf, str(OUT / name)], check=True)


def _inked(ppm: bytes, margin: int = 12) -> tuple[int, int, int, int]:
    """(x, y, width, height) of what is printed on the page (a binary PPM), with a white margin around it."""
    head = ppm.split(maxsplit=4)  # P6, width, height, maxval, pixels
    width, height, pixels = int(head[1]), int(head[2]), head[4]
    rows = [r for r in range(height) if pixels[r * width * 3:(r + 1) * width * 3].strip(b"\xff")]
    cols = [c for c in range(width) if any(pixels[(r * width + c) * 3:(r * width + c) * 3 + 3] != b"\xff\xff\xff"
                                           for r in range(rows[0], rows[-1] + 1, 2))]
    x, y = max(cols[0] - margin, 0), max(rows[0] - margin, 0)
    return x, y, min(cols[-1] + margin, width - 1) - x + 1, min(rows[-1] + margin, height - 1) - y + 1


def main() -> int:
    from perfdsl.cli import main as perfdsl
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        book = work / "基础数据表.xlsx"
        if perfdsl(["template", str(ROOT / "rules"), "--facts", str(ROOT / "examples/heping-2024/facts.json"),
                    "-o", str(book)]) != 0:
            return 1
        wb = openpyxl.load_workbook(book)
        for row in wb["_perfdsl"].iter_rows(values_only=True):
            if row[0] == "scalar" and row[1] in EVIDENCE:
                wb[row[2]][row[4]] = EVIDENCE[row[1]]
        for row in wb["_perfdsl"].iter_rows(values_only=True):
            if row[0] == "table" and row[1] == "资金使用.问题":
                wb[row[2]][f"{row[4]}{row[3]}"] = "合同台账第12行，王五核"
        wb.save(book)
        _picture(book, "基础数据", "A1:G16", "基础数据表-基础数据", work)
        _picture(book, "资金使用.问题", "A1:B8", "基础数据表-列表", work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
