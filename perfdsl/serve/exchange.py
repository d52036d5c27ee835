"""Files in and out of the workbench: the report (HTML, Excel, Word, Markdown), the facts as JSON or as the
fill-in workbook, and a facts JSON or a filled workbook opened from the evaluator's own machine.  Every download
is named after what it is about (``filenames.py``).

Everything goes through the library's own writers and readers (``render/``, ``workbook/``), from the rule
texts and facts the page holds now (unsaved edits included), so a download is what ``perfdsl report`` or
``perfdsl template`` would write for the same rules and facts.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import attrs

from perfdsl.diagnostics import PerfdslError, error
from perfdsl.serve.filenames import content_disposition, download_name

REPORT_FORMATS = {
    "html": ("text/html; charset=utf-8", ".html"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "md": ("text/markdown; charset=utf-8", ".md"),
}
XLSX = REPORT_FORMATS["xlsx"][0]
MAX_UPLOAD = 4 * 1024 * 1024


class Refused(Exception):
    """A request the workbench will not carry out (bad parameters, a path outside its directories): a 4xx."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@attrs.frozen
class Download:
    """A file the page saves: its bytes, its name (safe on Windows: ``filenames.download_name``), its media
    type, and an ASCII name for a browser that cannot take the real one."""

    data: bytes
    filename: str
    media_type: str
    fallback: str

    def headers(self) -> dict[str, str]:
        return {"Content-Disposition": content_disposition(self.filename, self.fallback), "Cache-Control": "no-store"}


def report(workspace, texts: dict[str, str], facts_text: str, fmt: str) -> Download:
    """The 评分表 of the facts under the rule texts, as ``perfdsl report --format FMT`` writes it."""
    if fmt not in REPORT_FORMATS:
        raise Refused(f"不支持的报告格式 {fmt!r}：应为 html、xlsx、docx 或 md")
    doc = workspace.document(texts, facts_text)
    if fmt == "html":
        from perfdsl.render.html import render as render_html
        data = render_html(doc).encode("utf-8")
    elif fmt == "md":
        from perfdsl.render.markdown import render as render_md
        data = render_md(doc).encode("utf-8")
    elif fmt == "xlsx":
        from perfdsl.render.xlsx import render as render_xlsx
        data = render_xlsx(doc)
    else:
        from perfdsl.render.word import render as render_docx
        data = render_docx(doc)
    media, suffix = REPORT_FORMATS[fmt]
    return Download(data, download_name(doc.get("name"), "评分表", suffix), media, f"report{suffix}")


def facts_json(workspace, texts: dict[str, str], facts_text: str) -> Download:
    """The facts as the page holds them, named like the other downloads (``{标题} 事实.json``).  Saved whatever
    state the rules are in: broken rules only cost the name."""
    from perfdsl.render.summary_xlsx import unit_name
    checked, _ = workspace.checked(texts)
    subject = unit_name(checked.rules, facts_text) if checked is not None else None
    return Download(facts_text.encode("utf-8"), download_name(subject, "事实", ".json"),
                    "application/json; charset=utf-8", "facts.json")


def facts_workbook(workspace, texts: dict[str, str], facts_text: str) -> Download:
    """The 基础数据表 of the rule texts, pre-filled with the facts, as ``perfdsl template --facts`` writes it."""
    from perfdsl.ruleset.facts import FactsSyntaxError, parse_json
    from perfdsl.workbook.layout import Unsupported
    from perfdsl.workbook.template import build
    checked, problems = workspace.checked(texts)
    if checked is None or checked.errors:
        raise PerfdslError([d for d in problems if d.is_error])
    try:
        facts = parse_json(facts_text, "（表单）")
    except FactsSyntaxError as exc:
        raise PerfdslError([exc.diagnostic]) from None
    try:
        data = build(checked, facts)
    except Unsupported as exc:
        raise PerfdslError([error("F030", str(exc))]) from None
    from perfdsl.render.summary_xlsx import unit_name
    return Download(data, download_name(unit_name(checked.rules, facts_text), "基础数据表", ".xlsx"), XLSX,
                    "facts.xlsx")


def too_large(name: str, size: int) -> str:
    """An opened file over the limit, named, in MiB as a file manager shows sizes (a file over the request limit is
    refused before it is read, with these words too)."""
    mib = (Decimal(size) / (1024 * 1024)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return (f"{name or '上传的文件'} 过大（{mib} MiB，上限 {MAX_UPLOAD // (1024 * 1024)} MiB）："
            "请只打开一套事实（.json）或一份基础数据表（.xlsx）")


def open_facts(workspace, texts: dict[str, str], name: str, data: bytes) -> dict:
    """``{"facts": JSON text}`` from an opened facts file: a ``.json`` as it is, a filled ``.xlsx`` read cell by
    cell under the rule texts.  Problems come back as diagnostics naming the file (and sheet!cell)."""
    shown = name or "上传的文件"
    if len(data) > MAX_UPLOAD:
        raise PerfdslError([error("F000", too_large(shown, len(data)))])
    lower = shown.lower()
    if lower.endswith(".xlsx"):
        from perfdsl.workbook.read import read_workbook_bytes
        checked, problems = workspace.checked(texts)
        if checked is None or checked.errors:
            raise PerfdslError([d for d in problems if d.is_error])
        got = read_workbook_bytes(checked, data, shown)
        if got.errors:
            raise PerfdslError(got.errors)
        return {"facts": got.text, "source": shown}
    if not lower.endswith(".json"):
        raise PerfdslError([error("F000", f"无法打开 {shown}：只能打开事实文件（.json）或基础数据表（.xlsx）")])
    text = None
    for codec in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise PerfdslError([error("F000", f"{shown} 不是 UTF-8 或 GB18030 编码：请另存为 UTF-8")])
    from perfdsl.cli.inputs import is_results_text
    if is_results_text(text):  # one document perfdsl wrote, or a batch's array of them: said as such, not as JSON
        raise PerfdslError([error("F009", f"{shown}：这是 perfdsl eval 写出的评分结果，不是事实；"
                                          "请打开事实文件（.json）或填好的基础数据表（.xlsx）")])
    try:
        parsed = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f"{shown}:{exc.lineno}:{exc.colno}" if isinstance(exc, json.JSONDecodeError) else shown
        raise PerfdslError([error("F002", f"{where}：不是有效的 JSON；请检查引号、逗号与括号")]) from None
    if not isinstance(parsed, dict):
        raise PerfdslError([error("F002", f"{shown}：事实文件应为一个 JSON 对象（{{…}}），每个事实一项")])
    return {"facts": text, "source": shown}
