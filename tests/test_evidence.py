"""Evidence (佐证材料/来源) beside the facts (issue 16, item 5), and what is left of issue 16's done means.

Evidence is written in JSON as ``{"值": …, "来源": "…"}`` or in the workbook's 佐证材料/来源 column. It must
reach the document (``evidence``, both roads alike), the narrative, the traces and every report, inert in
each medium, and it must never move a score: apart from ``facts`` and ``evidence`` a document is
byte-identical with and without it.
"""

import json
import re
import zipfile
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser

import jsonschema
import openpyxl
import pytest
from markdown_it import MarkdownIt

from perfdsl.cli import main
from perfdsl.engine import Engine
from perfdsl.explain.compact import expand_document, read_document
from perfdsl.explain.document import explain
from perfdsl.render.escape import for_html, for_xlsx
from perfdsl.workbook.read import to_json

from .conftest import ROOT, RULES, SEED_FACTS
from .hostile import HOSTILE
from .test_escape import _TERMINAL_BAD, _assert_inert_workbook

# In the order the rules declare the facts (rules/01-事实.perf): the order of the document's map.
EVIDENCE = {
    "预算执行.全年预算数": "2024年决算报表第3页，李四核",
    "预算执行.非财政资金执行评分": "决算报表附表5",  # a 酌情得分
    "资金使用.问题[0]": "合同台账第12行，王五核",  # an item of a list
    "网上政务.线上办件实际使用率": "政务服务平台统计报表，张三核",  # a 比率
    "满意度.个人": "个人问卷汇总表",  # an item of a map
}
SCHEMA = json.loads((ROOT / "docs" / "explanation.schema.json").read_text(encoding="utf-8"))


def _seed() -> dict:
    return json.loads(SEED_FACTS.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)


def _wrap(data, path: str, text: str) -> None:
    """Put ``{"值": value, "来源": text}`` in place of the value at ``path`` (dots, and [n] for list items)."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    for part in parts[:-1]:
        data = data[int(part[1:-1])] if part.startswith("[") else data[part]
    last = parts[-1]
    key = int(last[1:-1]) if last.startswith("[") else last
    data[key] = {"值": data[key], "来源": text}


def _facts_with(evidence: dict) -> str:
    data = _seed()
    for path, text in evidence.items():
        _wrap(data, path, text)
    return to_json(data)


@pytest.fixture(scope="module")
def with_evidence(tmp_path_factory):
    f = tmp_path_factory.mktemp("evidence") / "facts.json"
    f.write_text(_facts_with(EVIDENCE), encoding="utf-8")
    return f


def _run(argv, capsys):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _doc(capsys, facts, *flags) -> dict:
    code, out, err = _run(["eval", RULES, facts, "--format", "json", *flags], capsys)
    assert code == 0, err
    return json.loads(out)


def _scored_part(doc: dict) -> str:
    """The document without where the facts came from: what the scorers decided."""
    doc = {k: v for k, v in doc.items() if k not in ("facts", "evidence")}
    return json.dumps(doc, ensure_ascii=False, indent=2)


# ------------------------------------------------------------------------------------------------ the document

@pytest.mark.parametrize("flags", [(), ("--no-trace",)], ids=["traced", "untraced"])
def test_json_evidence_reaches_the_document_and_moves_no_score(with_evidence, capsys, flags):
    doc = _doc(capsys, with_evidence, *flags)
    assert list(doc)[:5] == ["perfdsl", "ruleset", "facts", "evidence", "status"]
    assert list(doc["evidence"].items()) == list(EVIDENCE.items())
    jsonschema.validate(doc, SCHEMA)
    plain = _doc(capsys, SEED_FACTS, *flags)
    assert "evidence" not in plain
    assert _scored_part(doc) == _scored_part(plain)
    assert doc["score"] == "96.67" and doc["grade"] == "优"


def test_both_roads_write_the_same_evidence_byte_for_byte(with_evidence):
    text = with_evidence.read_text(encoding="utf-8")
    fast, reference = Engine.from_path(RULES), Engine.from_path(RULES, fast=False)
    got = fast.fast_json(text, "x", "b.jsonl", "h", line=1)  # the generated scorer and writer
    assert got is not None
    want = {"line": 1, **explain(reference.score_text(text, trace=False), trace=False, facts_source="b.jsonl",
                                 facts_sha256="h")}
    assert got[0] == json.dumps(want, ensure_ascii=False)
    assert want["evidence"] == EVIDENCE
    compact = fast.compact_json(text, "x", "b.jsonl", "h", line=1)  # the traced generated scorer
    assert compact is not None
    want = {"line": 1, **explain(reference.score_text(text, trace=True), trace=True, facts_source="b.jsonl",
                                 facts_sha256="h", texts=False)}
    assert json.dumps(expand_document(read_document(compact[0]), fast.compact_tracer()), ensure_ascii=False) == \
        json.dumps(want, ensure_ascii=False)


def test_evidence_spelled_with_unicode_escapes_takes_the_fast_road(with_evidence):
    """Facts exported with ensure_ascii (``"\\u6765\\u6e90"``) still have their evidence found by the fast path."""
    text = re.sub(r"[^\x00-\x7f]", lambda m: f"\\u{ord(m.group()):04x}", with_evidence.read_text(encoding="utf-8"))
    assert "来源" not in text
    got = Engine.from_path(RULES).fast_json(text, "x", "b.jsonl", "h")
    assert got is not None and json.loads(got[0])["evidence"] == EVIDENCE


def test_a_batch_with_evidence_is_the_same_through_every_road(with_evidence, tmp_path, capsys):
    line = with_evidence.read_text(encoding="utf-8").replace("\n", "")
    plain = SEED_FACTS.read_text(encoding="utf-8").replace("\n", "")
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join([line, plain, line]) + "\n", encoding="utf-8")
    full, fast, compact, expanded = (tmp_path / n for n in ("f.jsonl", "n.jsonl", "c.jsonl", "e.jsonl"))
    assert main(["eval", str(RULES), str(batch), "--format", "json", "-o", str(full)]) == 0
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--no-trace", "-o", str(fast)]) == 0
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--compact-trace", "-o", str(compact)]) == 0
    assert main(["expand", str(RULES), str(compact), "-o", str(expanded)]) == 0
    assert expanded.read_bytes() == full.read_bytes()
    docs = [json.loads(x) for x in full.read_text(encoding="utf-8").splitlines()]
    assert [d.get("evidence") for d in docs] == [EVIDENCE, None, EVIDENCE]
    lines = [json.loads(x) for x in fast.read_text(encoding="utf-8").splitlines()]
    assert [d.get("evidence") for d in lines] == [EVIDENCE, None, EVIDENCE]
    assert _scored_part(lines[0]) == _scored_part(lines[1]).replace('"line": 2', '"line": 1')


def test_evidence_that_is_not_text_is_refused_naming_the_fact(tmp_path, capsys):
    data = _seed()
    data["预算执行"]["全年预算数"] = {"值": Decimal("1415.96"), "来源": Decimal(3)}
    f = tmp_path / "f.json"
    f.write_text(to_json(data), encoding="utf-8")
    code, _, err = _run(["eval", RULES, f], capsys)
    assert code == 1
    assert "F011" in err and "预算执行.全年预算数.来源" in err and "应为文字" in err


def test_a_record_declaring_值_and_来源_is_read_as_the_record(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.perf").write_text("""
体系 "读数" {
  总分 10 舍入 2 位 四舍五入
  等级 { ≥ 6 → 合格; < 6 → 不合格 }
}
类型 读数 { 值: 数值 ≥ 0  来源: 文本 }
事实 {
  甲: 读数
  乙: 数值 ≥ 0
}
一级指标 "一" 分值 10 {
  二级指标 "二" 分值 10 {
    三级指标 "三" 分值 10 {
      得分 = min(10, 甲.值 + 乙)
    }
  }
}
""", encoding="utf-8")
    f = tmp_path / "f.json"
    f.write_text('{"甲": {"值": 3, "来源": "抄表"}, "乙": {"值": 4, "来源": "台账"}}', encoding="utf-8")
    code, out, err = _run(["eval", rules, f, "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["score"] == "7.00"  # 3 + 4: 甲 is the record {值, 来源}; 乙 is 4 with its evidence
    assert doc["evidence"] == {"乙": "台账"}


# ------------------------------------------------------------------------------------------------ the workbook

def _map_rows(wb):
    return list(wb["_perfdsl"].iter_rows(values_only=True))


def _evidence_cells(wb) -> dict:
    """Fact path → the evidence cell of its row, from the workbook's own map."""
    out = {}
    for row in _map_rows(wb):
        if row[0] in ("scalar", "judged"):
            out[row[1]] = wb[row[2]][row[4]]
        elif row[0] == "table":
            out[row[1]] = (wb[row[2]], row[4], int(row[3]))  # the sheet, the evidence column, the first row
    return out


def test_the_workbook_evidence_column_reaches_the_document(tmp_path, capsys):
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    cells = _evidence_cells(wb)
    cells["预算执行.全年预算数"].value = "2024年决算报表第3页，李四核"
    cells["预算执行.非财政资金执行评分"].value = "决算报表附表5"
    sheet, column, first = cells["资金使用.问题"]
    sheet[f"{column}{first}"] = "合同台账第12行，王五核"
    sheet, column, first = cells["满意度"]
    assert sheet[f"A{first}"].value == "个人"
    sheet[f"{column}{first}"] = "个人问卷汇总表"
    cells["网上政务.线上办件实际使用率"].value = "  政务服务平台统计报表，张三核 "  # blanks around: trimmed
    cells["评价年度"].value = 2024  # a number typed as evidence: kept as its text
    wb.save(book)
    doc = _doc(capsys, book)
    assert doc["evidence"] == {"评价年度": "2024", **EVIDENCE}
    plain = _doc(capsys, SEED_FACTS)
    assert _scored_part(doc) == _scored_part(plain)


def test_template_facts_writes_the_evidence_and_reads_it_back_byte_for_byte(with_evidence, tmp_path, capsys):
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(RULES), "--facts", str(with_evidence), "-o", str(book)]) == 0
    cells = _evidence_cells(openpyxl.load_workbook(book))
    assert cells["预算执行.全年预算数"].value == "2024年决算报表第3页，李四核"
    assert cells["预算执行.非财政资金执行评分"].value == "决算报表附表5"
    assert cells["预算执行.预算执行数"].value is None
    from_book, from_json = _doc(capsys, book), _doc(capsys, with_evidence)
    assert from_book["evidence"] == EVIDENCE
    from_book.pop("facts")
    from_json.pop("facts")
    assert json.dumps(from_book, ensure_ascii=False) == json.dumps(from_json, ensure_ascii=False)


def test_a_records_evidence_goes_on_the_rows_of_its_facts(tmp_path, capsys):
    facts = tmp_path / "f.json"
    facts.write_text(_facts_with({"绩效目标.可衡量": "目标表抽查底稿"}), encoding="utf-8")
    book = tmp_path / "b.xlsx"
    assert main(["template", str(RULES), "--facts", str(facts), "-o", str(book)]) == 0
    cells = _evidence_cells(openpyxl.load_workbook(book))
    assert cells["绩效目标.可衡量.抽查数"].value == cells["绩效目标.可衡量.问题数"].value == "目标表抽查底稿"
    assert cells["绩效目标.任务匹配.抽查数"].value is None
    code, out, err = _run(["explain", RULES, book, "绩效目标编制工作开展情况"], capsys)
    assert code == 0, err
    # read back as the evidence of each of its facts, and said once
    assert "存在问题 5 项（和平区企业开办综窗帮办领办服务、审批材料EMS邮寄费、第七届全国文明城区复查工作经费、" \
           "印刷公共场所卫生许可证（2024）、营商环境宣传印刷费用）（来源：抽查数、问题数：目标表抽查底稿）" in out
    assert out.count("目标表抽查底稿") == 1


# ------------------------------------------------------------------------------------------------ the words

# The 指标分析结果 of the seed, worked from its 评分标准 (docs/seed-decisions.md), with 「（来源：…）」 after the
# clause that gives each figure.
SAID = {
    "预算执行情况": "全年预算数 1415.96 万元（来源：2024年决算报表第3页，李四核），",
    "资金使用合规性": "扣 1 分：部分合同要素填写不完整：和平区全民健身中心改造项目初设评审合同未填写签订日期"
               "（来源：合同台账第12行，王五核）。",
    "网上政务服务能力提升情况": "线上办件实际使用率 90%（来源：政务服务平台统计报表，张三核），落在 90% 及以上一档，"
                       "得 2.5 分。",
    "服务对象满意度": "（来源：个人：个人问卷汇总表）",
}


def test_the_narrative_gives_each_figure_its_evidence(with_evidence, capsys):
    for name, words in SAID.items():
        code, out, err = _run(["explain", RULES, with_evidence, name], capsys)
        assert code == 0, err
        assert words in out.replace("\n", ""), (name, out)
    code, out, _ = _run(["explain", RULES, with_evidence, "预算执行情况"], capsys)
    assert "理由：年末非财政拨款结余0.51万元，较上年增加0.06万元，规模较小（来源：决算报表附表5），得 1 分" in out
    code, out, _ = _run(["explain", RULES, SEED_FACTS, "预算执行情况"], capsys)
    assert "来源" not in out  # without evidence, the words of today


def test_the_trace_shows_the_evidence_where_the_fact_is_read(with_evidence, capsys):
    code, out, err = _run(["explain", RULES, with_evidence, "预算执行情况", "--trace"], capsys)
    assert code == 0, err
    assert "预算执行.全年预算数 = 1415.96（来源：2024年决算报表第3页，李四核）" in out
    assert "预算执行.预算执行数 = 1415.96  (" in out  # no evidence, nothing added
    code, out, err = _run(["eval", RULES, with_evidence, "--full"], capsys)
    assert code == 0 and "资金使用.问题 = 共 1 项（来源：问题第 1 项：合同台账第12行，王五核）" in out


@pytest.mark.parametrize("form", ["html", "md", "xlsx", "docx"])
def test_every_report_carries_the_evidence(with_evidence, tmp_path, capsys, form):
    out = tmp_path / f"r.{form}"
    code, _, err = _run(["report", RULES, with_evidence, "--format", form, "-o", out], capsys)
    assert code == 0, err
    text = _report_text(out, form)
    for words in SAID.values():
        assert words in text, (form, words)
    for path, words in EVIDENCE.items():  # the 来源 part lists every one, by fact path
        assert path in text and words in text


def _report_text(path, form: str) -> str:
    if form == "xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                         if c.value is not None)
    if form == "docx":
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml)).replace("&lt;", "<").replace("&gt;", ">") \
            .replace("&amp;", "&").replace("&quot;", '"')
    text = path.read_text(encoding="utf-8")
    if form == "md":
        return re.sub(r"\\(.)", r"\1", text)
    from html import unescape
    return unescape(text)


# ------------------------------------------------------------------------------------------------ hostile text

class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: Counter = Counter()
        self.attrs: list = []
        self.comments = 0

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += attrs

    def handle_comment(self, data):
        self.comments += 1


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The seed's facts with every hostile string as the evidence of a fact some indicator reads."""
    doc = json.loads(_facts_doc(SEED_FACTS))
    paths = []
    for step in _fact_steps(doc):
        path = step["path"]
        if "[" not in path and path not in paths and path != "被评价单位":
            paths.append(path)
    assert len(paths) >= len(HOSTILE)
    evidence = {p: text for p, (_, text) in zip(paths, HOSTILE, strict=False)}
    f = tmp_path_factory.mktemp("hostile") / "facts.json"
    f.write_text(_facts_with(evidence), encoding="utf-8")
    return f, {p: t.strip() for p, t in evidence.items() if t.strip()}


def _facts_doc(facts) -> str:
    from contextlib import redirect_stdout
    from io import StringIO
    buf = StringIO()
    with redirect_stdout(buf):
        assert main(["eval", str(RULES), str(facts), "--format", "json"]) == 0
    return buf.getvalue()


def _fact_steps(node):
    for s in node.get("trace") or []:
        if s["kind"] == "fact":
            yield s
    for c in node.get("children", []):
        yield from _fact_steps(c)


def test_hostile_evidence_is_kept_exactly_in_the_document(hostile, capsys):
    facts, evidence = hostile
    doc = _doc(capsys, facts)
    assert doc["evidence"] == evidence
    assert _scored_part(doc) == _scored_part(_doc(capsys, SEED_FACTS))


def test_hostile_evidence_is_inert_in_html(hostile, tmp_path, capsys):
    facts, evidence = hostile
    pages = {}
    for name, f in (("hostile", facts), ("plain", SEED_FACTS)):
        out = tmp_path / f"{name}.html"
        assert _run(["report", RULES, f, "--format", "html", "-o", out], capsys)[0] == 0
        pages[name] = out.read_text(encoding="utf-8")
    got, base = _Tags(), _Tags()
    got.feed(pages["hostile"])
    base.feed(pages["plain"])
    assert got.comments == base.comments == 0
    assert not any(k.startswith("on") for k, _ in got.attrs)
    extra = got.tags - base.tags  # only the 来源 table's rows, one per evidence
    assert extra == Counter({"tr": len(evidence), "th": len(evidence), "td": len(evidence)})
    assert not _TERMINAL_BAD.search(pages["hostile"])
    for text in evidence.values():
        assert for_html(text) in pages["hostile"]


def test_hostile_evidence_is_inert_in_markdown(hostile, tmp_path, capsys):
    facts, evidence = hostile
    rendered = {}
    for name, f in (("hostile", facts), ("plain", SEED_FACTS)):
        out = tmp_path / f"{name}.md"
        assert _run(["report", RULES, f, "--format", "md", "-o", out], capsys)[0] == 0
        rendered[name] = MarkdownIt("commonmark").enable("table").enable("strikethrough") \
            .render(out.read_text(encoding="utf-8"))
    got, base = _Tags(), _Tags()
    got.feed(rendered["hostile"])
    base.feed(rendered["plain"])
    extra = got.tags - base.tags  # the 来源 rows (a value perfdsl can show as a code span), line breaks as <br>
    assert set(extra) <= {"tr", "td", "code", "br"} and extra["tr"] == len(evidence), extra
    assert not (base.tags - got.tags) and got.comments == 0
    assert "<code>" not in rendered["hostile"][:rendered["hostile"].rindex("<h2>")]  # code spans in 来源 only


def test_hostile_evidence_is_inert_in_xlsx_and_docx(hostile, tmp_path, capsys):
    facts, evidence = hostile
    out = tmp_path / "r.xlsx"
    assert _run(["report", RULES, facts, "--format", "xlsx", "-o", out], capsys)[0] == 0
    strings = _assert_inert_workbook(out)  # no formula, every text a string, a formula start quote-prefixed
    for text in evidence.values():
        shown = for_xlsx(text)
        assert any(shown[:200] in s for s in strings), text[:40]
    out = tmp_path / "r.docx"
    assert _run(["report", RULES, facts, "--format", "docx", "-o", out], capsys)[0] == 0
    with zipfile.ZipFile(out) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "instrText" not in xml and "fldSimple" not in xml and "hyperlink" not in xml
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x1b]", xml)


def test_hostile_evidence_is_inert_on_the_terminal(hostile, capsys):
    facts, evidence = hostile
    code, out, err = _run(["eval", RULES, facts, "--full"], capsys)
    assert code == 0, err
    assert not _TERMINAL_BAD.search(out + err)
    shown = ""
    for name in ("决策和管理制度规范性", "评估评审开展情况", "预算编制完整性", "绩效目标编制工作开展情况"):
        for flags in ((), ("--trace",)):
            code, out, err = _run(["explain", RULES, facts, name, *flags], capsys)
            assert code == 0, err
            assert not _TERMINAL_BAD.search(out + err)
            shown += out
    assert shown.count("来源") >= 8
    assert '（来源：=HYPERLINK("http://evil.example/","点击")）' in shown  # the evidence of 制度.瑕疵, as written


# ------------------------------------------------------------------------------------------------ item 2

def test_test_edges_and_test_cases_read_workbooks(tmp_path, capsys):
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    capsys.readouterr()
    code, from_book, err = _run(["test", RULES, "--edges", book, "--format", "json"], capsys)
    assert code == 0, err
    code, from_json, _ = _run(["test", RULES, "--edges", SEED_FACTS, "--format", "json"], capsys)
    assert from_book == from_json and json.loads(from_book)
    cases = tmp_path / "用例.yaml"
    cases.write_text("base: 基础数据表.xlsx\ncases:\n"
                     "  - name: 种子\n    expect: {资金使用合规性: 4, 总分: 96.67, 等级: 优}\n"
                     "  - name: 再一个问题\n    set:\n      资金使用.问题:\n        - {说明: 甲}\n"
                     "        - {说明: 乙}\n"
                     "    expect: {资金使用合规性: 3, 总分: 95.67}\n", encoding="utf-8")  # 5 − 2 处问题 = 3
    code, out, err = _run(["test", RULES, cases], capsys)
    assert code == 0, out + err
    assert "2 个用例：2 个通过" in out


@pytest.mark.parametrize("command", ["eval", "report", "explain", "test"])
def test_help_says_workbooks_are_read(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert ".xlsx" in capsys.readouterr().out


# ------------------------------------------------------------------------------------------------ item 4: done means

def test_done_means_template_then_eval_prints_96_67_优(tmp_path, capsys):
    book = tmp_path / "t.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    code, out, err = _run(["eval", RULES, book], capsys)
    assert code == 0, err
    assert "总分 96.67 / 100  等级 优" in out


def test_done_means_85_for_a_rate_is_never_8500_percent(tmp_path, capsys):
    data = _seed()
    data["网上政务"]["线上办件实际使用率"] = Decimal(85)
    f = tmp_path / "f.json"
    f.write_text(to_json(data), encoding="utf-8")
    code, out, err = _run(["eval", RULES, f], capsys)
    assert code == 1 and "F021" in err and "网上政务.线上办件实际使用率" in err and '"85%"' in err
    book = tmp_path / "t.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    cell = next(wb[r[2]][r[3]] for r in _map_rows(wb) if r[0] == "scalar" and r[1] == "网上政务.线上办件实际使用率")
    cell.value = 85
    wb.save(book)
    code, out, err = _run(["eval", RULES, book], capsys)
    assert code == 1 and "F021" in err and f"基础数据!{cell.coordinate}" in err


def test_done_means_facts_no_encoding_reads_are_refused_by_name(tmp_path, capsys):
    f = tmp_path / "f.json"
    f.write_bytes('{"被评价单位": "'.encode("utf-8") + b"\x80\x80" + b'"}')  # neither UTF-8 nor GBK/GB18030
    code, _, err = _run(["eval", RULES, f], capsys)
    assert code == 1 and "UTF-8" in err and "GBK" in err and "另存为 UTF-8" in err


# ------------------------------------------------------------------------------------------------ item 3: the tutorial

def test_the_tutorials_pictures_exist_and_are_small():
    text = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(pictures) >= 2
    for name in pictures:
        path = ROOT / "docs" / name
        assert path.is_file(), name
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) < 200_000, name


def test_a_list_row_with_only_its_evidence_is_never_dropped(tmp_path, capsys):
    """An evaluator who wrote the 佐证材料 of a 问题 but not the 问题 itself: the row was skipped without a word, and
    the score counted one problem fewer.  It is an item whose cells are blank (F033, each cell named)."""
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    sheet, column, first = _evidence_cells(wb)["资金使用.问题"]
    assert sheet[f"A{first}"].value and sheet[f"A{first + 1}"].value is None  # the seed's one 问题, then blank
    sheet[f"{column}{first + 1}"] = "合同台账第30行"
    wb.save(book)
    code, out, err = _run(["eval", RULES, book], capsys)
    assert code != 0 and "F033" in err, err
    assert f"{sheet.title}!A{first + 1}" in err and "资金使用.问题[1]" in err, err
