"""Every renderer escapes for its medium (issue 14, item 3).

One corpus of hostile strings (tests/hostile.py) is carried by a small rule set and its facts —
the 体系 name, indicator names, 解释 and 标准, reasons, the grade, the title filled from facts,
finding descriptions and 酌情 reasons — and every output is checked for inertness: no formula in
a workbook, no forged total, markup or HTML in Markdown, no element or attribute from user text in
HTML, no escape sequence or interpreted Rich markup on a terminal.
"""

from __future__ import annotations

import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from perfdsl.cli import main
from perfdsl.render.escape import XLSX_MAX_CHARS, for_html, for_markdown, for_terminal, for_xlsx, visible, xlsx_cell
from tests.hostile import FORGED_TOTAL, HOSTILE, IDS, LONE_SURROGATE

# what must never reach a terminal: C0 controls but tab and newline, DEL, C1, bidi controls, U+2028/9
_TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = tuple("=+-@\t\r\n＝＋－＠")


def _rule_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _write_case(tmp: Path, text: str) -> tuple[Path, Path]:
    """A rule set and facts carrying ``text`` wherever a user can write text."""
    s = _rule_string(text.replace("\x00", ""))  # a rule file cannot hold NUL (E105); facts can
    s2 = _rule_string(text.replace("\x00", "") + "二")
    rules = tmp / "rules"
    rules.mkdir()
    (rules / "a.perf").write_text(f"""
体系 {s} {{
  标题 "{{单位名称}}"
  总分 10 舍入 2 位 四舍五入
  等级 {{ ≥ 90 → 优; < 90 → {s} }}
  一票否决 若 否决 则 差 理由 {s}
}}
类型 问题 {{ 说明: 文本 }}
事实 {{
  单位名称: 文本
  问题: 列表 问题
  评分: 酌情得分 [0, 5]
  否决: 布尔
}}
一级指标 {s} 分值 10 {{
  二级指标 {s} 分值 10 {{
    三级指标 {s} 分值 5 {{
      解释 {s}
      标准 {s}
      逐项扣 问题 每项 1
      扣 0.5 若 非 否决 理由 {s}
    }}
    三级指标 {s2} 分值 5 {{
      标准 {s2}
      得分 = 评分
    }}
  }}
}}
""", encoding="utf-8")
    facts = tmp / "facts.json"
    facts.write_text(json.dumps({"单位名称": text, "问题": [{"说明": text}], "评分": {"得分": 4, "理由": text},
                                 "否决": False}), encoding="utf-8")
    return rules, facts


def _run(argv: list, capsys) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module", params=HOSTILE, ids=IDS)
def case(request, tmp_path_factory):
    """(hostile text, rules, facts, the JSON document), once per hostile string."""
    text = request.param[1]
    tmp = tmp_path_factory.mktemp("hostile")
    rules, facts = _write_case(tmp, text)
    assert main(["report", str(rules), str(facts), "--format", "json", "-o", str(tmp / "doc.json")]) == 0
    return text, rules, facts, json.loads((tmp / "doc.json").read_text(encoding="utf-8"))


def _leaf(doc: dict) -> dict:
    return doc["children"][0]["children"][0]["children"][0]


# ------------------------------------------------------------------------------------------------ xlsx

def _assert_inert_workbook(path: Path) -> list:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", z.read(name)), f"a formula in {name}"
    book = load_workbook(path)
    strings = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n") or (cell.data_type == "inlineStr" and cell.value is None), \
                    (ws.title, cell.coordinate, cell.data_type, cell.value)  # an empty text reads back as inlineStr
                if isinstance(cell.value, str):
                    strings.append(cell.value)
                    assert len(cell.value) <= XLSX_MAX_CHARS
                    if cell.value.startswith(_FORMULA_START):
                        assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
    return strings


def test_report_xlsx_cells_are_text(case, tmp_path, capsys):
    text, rules, facts, doc = case
    out = tmp_path / "r.xlsx"
    assert _run(["report", rules, facts, "--format", "xlsx", "-o", out], capsys)[0] == 0
    strings = _assert_inert_workbook(out)
    ws = load_workbook(out)["评分表"]
    assert ws["A1"].value == for_xlsx(doc["name"])  # the title: as written, made visible
    assert ws["C3"].value == for_xlsx(_leaf(doc)["name"])
    assert ws["E3"].value == for_xlsx(_leaf(doc)["explanation"])
    assert ws["F3"].value == for_xlsx(_leaf(doc)["criteria"])
    assert any(for_xlsx(text)[:200] in s for s in strings if "本项得" in s or "扣" in s)  # the finding, the reason


def test_summary_xlsx_cells_are_text(case, tmp_path, capsys):
    text, rules, facts, doc = case
    batch = tmp_path / "batch.jsonl"
    good = facts.read_text(encoding="utf-8").replace("\n", "")
    batch.write_text(good + "\n" + json.dumps({"单位名称": text}) + "\n", encoding="utf-8")  # a failing line too
    out = tmp_path / "s.xlsx"
    code, _, err = _run(["eval", rules, batch, "--format", "xlsx", "-o", out], capsys)
    assert code == 1, err
    _assert_inert_workbook(out)
    ws = load_workbook(out)["评分汇总"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert for_xlsx(doc["name"]) in values


def test_xlsx_cell_never_writes_a_formula():
    from openpyxl import Workbook
    ws = Workbook().active
    for _, text in HOSTILE + [LONE_SURROGATE]:
        cell = xlsx_cell(ws.cell(1, 1), text)
        assert cell.data_type == "s"
        assert cell.value == for_xlsx(text)
    assert xlsx_cell(ws.cell(1, 1), 2.5).data_type == "n"
    assert for_xlsx("第一行\x0b第二行") == "第一行\n第二行"  # Word's manual line break
    assert for_xlsx("a\x00b\x1b") == "a␀b␛"
    long = for_xlsx("长" * 40000)
    assert len(long) == XLSX_MAX_CHARS and long.endswith("Excel 单元格最多 32767 字〕") and "40000" in long


# -------------------------------------------------------------------------------------------- Markdown

_MD = MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _text(html: str) -> str:
    from html import unescape
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_markdown_report_is_inert(case, tmp_path, capsys):
    text, rules, facts, doc = case
    out = tmp_path / "r.md"
    assert _run(["report", rules, facts, "--format", "md", "-o", out], capsys)[0] == 0
    source = out.read_text(encoding="utf-8")
    assert [line for line in source.splitlines() if line.startswith("总分 ")] == \
        [f"总分 **{doc['score']}** / 10，等级 **{for_markdown(doc['grade']).strip()}**"]
    html = _MD.render(source)
    assert html.count("<h1>") == 1 and html.count("<h2>") == 3
    assert html.count("<strong>") == 2 and html.count("<table>") == 3
    for tag in ("<script", "<img", "<svg", "<a ", "<em>", "<s>", "<del>", "<!--", "<h3", "<p>总分 <strong>100"):
        assert tag not in html, tag
    assert "<code>" not in html[:html.rindex("<h2>")]  # code spans are perfdsl's own, in 来源 only
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert _text(h1) == visible(doc["name"]).replace("\n", "").strip()  # the title, shown as written
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<table>")[1], re.S)
    assert len(rows) == 1 + 2  # header and the two 三级指标
    cells = re.findall(r"<td>(.*?)</td>", rows[1], re.S)
    assert len(cells) == 8
    assert _text(cells[2]) == visible(_leaf(doc)["name"]).replace("\n", "").strip()
    assert _text(cells[5]) == visible(_leaf(doc)["criteria"]).replace("\n", "").strip()


def test_markdown_escaping_is_exact_for_the_forged_total():
    shown = for_markdown(FORGED_TOTAL)
    assert "\n" not in shown and "**" not in shown.replace("\\*", "")
    assert shown == "某单位<br><br>总分 \\*\\*100.00\\*\\* / 100，等级 \\*\\*优\\*\\*<br><br>\\<!--"


def test_markdown_leaves_ordinary_text_alone():
    for text in ("用以评价部门（单位）“三重一大”", "偏离度（0，30%]得1分；[80，90%)", "满意率<90%，得1.5分", "a > b",
                 "津财预[2021]77号", "1. 2. 3.", "100%", "- 2 + 3 = 1"):
        assert for_markdown(text) == text


# ------------------------------------------------------------------------------------------------ HTML

class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.comments: list[str] = []
        self.h1: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self._in_h1 = tag == "h1"

    def handle_endtag(self, tag):
        self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1.append(data)

    def handle_comment(self, data):
        self.comments.append(data)


def test_html_report_is_inert(case, tmp_path, capsys):
    text, rules, facts, doc = case
    out = tmp_path / "r.html"
    assert _run(["report", rules, facts, "--format", "html", "-o", out], capsys)[0] == 0
    page = _Elements()
    page.feed(out.read_text(encoding="utf-8"))
    tags = {t for t, _ in page.tags}
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "b", "table", "thead", "tbody",
                    "tr", "th", "td", "br", "details", "summary", "ol", "li", "span", "ul", "code",
                    "div", "svg", "rect", "text"}, tags  # the 得分率 charts: inline SVG, no script
    assert not any(k.startswith("on") for _, attrs in page.tags for k, _ in attrs)
    assert page.comments == []
    assert "".join(page.h1) == visible(doc["name"])
    assert not _TERMINAL_BAD.search(out.read_text(encoding="utf-8"))


# -------------------------------------------------------------------------------------------- terminal

def _assert_terminal_clean(output: str) -> None:
    bad = _TERMINAL_BAD.search(output)
    assert bad is None, f"U+{ord(bad.group()):04X} reached the terminal"


def test_terminal_output_is_inert(case, tmp_path, capsys):
    text, rules, facts, doc = case
    code, out, err = _run(["eval", rules, facts, "--full"], capsys)
    assert code == 0, err
    _assert_terminal_clean(out + err)
    if "\n" not in visible(text) and "\t" not in text:  # a one-line name is shown exactly, markup and all
        assert for_terminal(text) in out
    code, out, err = _run(["explain", rules, facts, "--", _leaf(doc)["name"]], capsys)
    assert code == 0, err
    _assert_terminal_clean(out + err)
    # a batch: one line per fact set, whatever its name holds
    batch = tmp_path / "b.jsonl"
    line = facts.read_text(encoding="utf-8").replace("\n", "")
    batch.write_text(line + "\n" + json.dumps({"单位名称": text}) + "\n" + line + "\n", encoding="utf-8")
    code, out, err = _run(["eval", rules, batch], capsys)
    assert code == 1
    _assert_terminal_clean(out + err)
    assert len(out.splitlines()) == 3 and len(err.splitlines()) == 3  # the failed line, the count, which failed


def test_diff_and_test_outputs_are_inert(case, tmp_path, capsys):
    text, rules, facts, doc = case
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    moved = json.loads(facts.read_text(encoding="utf-8"))
    moved["评分"]["得分"] = 2
    (tmp_path / "moved.json").write_text(json.dumps(moved), encoding="utf-8")
    assert _run(["eval", rules, tmp_path / "moved.json", "--format", "json", "-o", new], capsys)[0] == 0
    code, out, err = _run(["diff", old, new], capsys)
    assert code == 1, err
    _assert_terminal_clean(out + err)
    cases = tmp_path / "cases.yaml"
    cases.write_text(json.dumps({"base": str(facts), "cases": [
        {"name": text, "expect": {_leaf(doc)["name"]: 1}}]}), encoding="utf-8")
    code, out, err = _run(["test", rules, cases], capsys)
    assert code == 1, err
    _assert_terminal_clean(out + err)
    assert "X000" not in out + err and "Traceback" not in out + err


def test_diagnostics_quoting_facts_are_inert(case, tmp_path, capsys):
    text, rules, facts, doc = case
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"单位名称": 1, "问题": [{"说明": text, text: 1}], "评分": text, "否决": text}),
                   encoding="utf-8")
    code, out, err = _run(["eval", rules, bad], capsys)
    assert code == 1
    _assert_terminal_clean(out + err)


def test_rich_markup_is_shown_not_interpreted():
    from rich.console import Console
    from rich.text import Text
    console = Console(record=True, width=200, color_system=None)
    for text in ("预算[/执行]", "[link=http://evil.example/]点击[/link]", ":warning:"):
        console.print(Text(for_terminal(text)))
    shown = console.export_text()
    assert "预算[/执行]" in shown and "[link=http://evil.example/]点击[/link]" in shown and ":warning:" in shown


def test_terminal_escaping_makes_controls_visible():
    assert for_terminal("\x1b[2J") == "␛[2J"
    assert for_terminal("\x1b]0;标题\x07") == "␛]0;标题␇"
    assert for_terminal("\x9b2J") == "⟨U+009B⟩2J"
    assert for_terminal("预算\u202e执行") == "预算⟨U+202E⟩执行"
    assert for_terminal("a\rb") == "a\nb"
    assert for_terminal("a\nb", one_line=True) == "a␤b"
    assert for_terminal(LONE_SURROGATE[1]) == "a\ufffdb"


@pytest.mark.parametrize("text", [t for _, t in HOSTILE] + [LONE_SURROGATE[1]], ids=IDS + [LONE_SURROGATE[0]])
def test_every_medium_is_total_and_visible(text):
    """No function raises, and none lets a control, bidi override or lone surrogate through."""
    for shown in (for_terminal(text), for_terminal(text, one_line=True), for_html(text), for_markdown(text),
                  for_xlsx(text)):
        _assert_terminal_clean(shown)
        shown.encode("utf-8")  # no lone surrogate left
    assert "\n" not in for_terminal(text, one_line=True) and "\n" not in for_markdown(text)
    assert "<" not in for_html(text) and '"' not in for_html(text)


def test_ordinary_text_is_unchanged():
    seed = (Path(__file__).parent.parent / "rules").glob("*.perf")
    for path in seed:
        for raw in re.findall(r'"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")):
            assert for_terminal(raw) == raw and for_xlsx(raw) == raw
            assert for_html(raw) == raw or "&" in for_html(raw)
