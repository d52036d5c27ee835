"""A second user's-eye review (the workbench, the Word report as an auditor reads it, the rule author), each
finding pinned by the case that showed it.  Expected words are worked out by hand from the rules and facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from perfdsl.cli import main
from perfdsl.ruleset.check import check
from perfdsl.ruleset.loader import load
from perfdsl.workbook.read import read_workbook_bytes

from .conftest import RULES, SEED_FACTS

ROOT = Path(__file__).resolve().parent.parent
ROAD = ROOT / "examples" / "rural-road-self-assessment"


# ------------------------------------------------------------------ a file that is not a workbook

def _unreadable(data: bytes) -> str:
    got = read_workbook_bytes(check(load(RULES)), data, "基础数据表.xlsx")
    assert [d.code for d in got.errors] == ["F031"]
    return got.errors[0].message


def test_a_workbook_that_cannot_be_opened_says_why_in_chinese_not_the_exception_s_name():
    """It said 「无法作为 .xlsx 读取（BadZipFile）」 or 「（KeyError）」: a Python class name, and no hint that an
    old .xls or a password is the usual cause."""
    old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an OLE file: .xls, or an .xlsx with a password
    said = _unreadable(old_xls)
    assert said == ("基础数据表.xlsx：无法作为 .xlsx 读取：这是旧版 Excel 文件（.xls）或设置了打开密码的文件；"
                    "请在 Excel 或 WPS 中取消密码，另存为“Excel 工作簿（*.xlsx）”后再打开")
    renamed = _unreadable("被评价单位,评价年度\n".encode("utf-8"))  # a CSV renamed to .xlsx
    assert "不是 Excel 工作簿" in renamed and "另存为 .xlsx" in renamed
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "a zip, but no workbook in it")
    broken = _unreadable(buf.getvalue())
    assert "已损坏" in broken
    for message in (said, renamed, broken):
        assert "Error" not in message and "Zip" not in message and "另存为" in message


# ------------------------------------------------------------------ 失分原因与提升空间, as the auditor reads it

def _improvement(capsys, indicator: str) -> str:
    assert main(["explain", str(ROAD / "rules"), str(ROAD / "facts-2024.json"), indicator]) == 0
    out = capsys.readouterr().out.splitlines()
    return out[out.index("失分原因与提升空间：") + 1]


def test_only_the_findings_that_cost_points_are_causes(capsys):
    """危桥改造进度: 8 bridges, only 辛集桥 (the 8th, 65%) costs 1 point.  The analysis named the first five bridges,
    all finished and deducted nothing, each with 「无法由事实推算可提升的分数」, and never the one that cost the
    point (it was past the first five)."""
    assert _improvement(capsys, "危桥改造进度") == "危桥：辛集桥。整改该项，可再得 1 分。"


def test_a_rate_the_rules_compute_is_said_in_percent_and_a_comparison_in_words(capsys):
    """满意度 = 求和(满意) ÷ 求和(有效问卷) = 266/300 = 88.67%: the narrative says 88.67%, the analysis said
    「满意度 0.89，不满足 ≥ 0.9」 — a rate as a bare decimal, and the comparison as program text."""
    assert _improvement(capsys, "沿线群众满意度") == "满意度 88.67%，低于 90%，得 9.85 分。无法由事实推算可提升的分数。"
    # 执行率 = 2850 ÷ 3000 = 95% < 100%: 10 × 95% = 9.5; 全年执行数 3000 reaches 100%, 0.5 more
    assert _improvement(capsys, "预算执行率") == ("执行率 95%，低于 100%，得 9.5 分。"
                                                 "全年执行数不低于 3000（现为 2850），可再得 0.5 分。")
    # 每公里成本 1.25 > 1.2: 1.2 ÷ 1.25 × 5 = 4.8; at 1.2 the full 5, 0.2 more
    assert _improvement(capsys, "每公里养护成本") == ("每公里成本 1.25，高于 1.2，得 4.8 分。"
                                                   "每公里成本不高于 1.2（现为 1.25），可再得 0.2 分。")


# ------------------------------------------------------------------ the rule author pasting from Word

HEAD = "体系 示例 { 总分 100 舍入 2 位 四舍五入  等级 { ≥ 60 → 合格; < 60 → 不合格 } }\n事实 { 执行率: 比率 ≥ 0 }\n"


def _check(tmp_path: Path, capsys, text: str) -> str:
    (tmp_path / "a.perf").write_text(HEAD + text, encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 1
    got = capsys.readouterr()
    return got.out + got.err


def test_quotes_turned_round_by_word_are_said_to_be_turned_round(tmp_path, capsys):
    """Word's smart quotes come out ”…“ after some edits: the message said 「以 ” 开头，但在同一行内没有对应的
    ”…在文本末尾补上 ”」 — the text does end in a quote, the wrong one."""
    out = _check(tmp_path, capsys, "指标 执行 分值 100 {\n  标准 ”执行率≥90％得满分。“\n"
                                   "  得分 = 区间 执行率 { [90％，100％] → 100；[0，90％) → 50 }\n}\n")
    assert ("a.perf:4:6: 错误[E003]：在 指标 执行（第 3 行） 中：`标准` 之后的文本以 ” 开头：引号的方向反了，"
            "开头应为 “、结尾应为 ”：写作 `标准 “…”`，或改用英文双引号 \"…\"") in out
    assert "补上" not in out


def test_an_indicator_typed_twice_is_marked_on_its_whole_first_line(tmp_path, capsys):
    """A span over several lines (an indicator) was marked by one caret under its first character (「三」 of
    三级指标): the excerpt now marks its first line, measured in columns (full-width characters are two)."""
    out = _check(tmp_path, capsys, "指标 甲 分值 100 {\n  指标 执行 分值 50 { 得分 = 50 }\n"
                                   "  指标 执行 分值　５０ { 得分 = 50\n  }\n}\n")
    lines = out.splitlines()
    at = lines.index(next(x for x in lines if "错误[E120]" in x))
    assert lines[at].endswith("a.perf:5:3: 错误[E120]：甲 下有两个同名指标 `执行`")
    assert lines[at + 1] == "    5 |   指标 执行 分值　５０ { 得分 = 50"
    # 2 spaces, then 指标(4) 1 执行(4) 1 分值(4) 　(2) ５０(4) 1 {(1) 1 得分(4) 1 =(1) 1 50(2) = 32 columns
    assert lines[at + 2] == "      |   " + "^" * 32


# ------------------------------------------------------------------ the workbench: a save over another save

def _client(rules: Path):
    pytest.importorskip("starlette", reason="perfdsl[serve] is not installed (starlette, uvicorn)")
    from starlette.testclient import TestClient

    from perfdsl.serve.app import create_app
    from perfdsl.serve.workspace import Workspace
    app, _ = create_app(Workspace(rules, SEED_FACTS), token="t", hosts={"testserver"})
    return TestClient(app, headers={"X-Perfdsl-Token": "t"})


def test_a_save_over_a_file_changed_since_the_page_read_it_is_refused(tmp_path):
    """Two tabs, or the file edited in Notepad while the page is open: the page sends the text it read (base);
    when the file no longer holds it, nothing is written (S005), and the file keeps the other edit."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    client = _client(rules)
    name = "10-部门决策.perf"
    read = client.get("/api/state").json()["files"][name]
    (rules / name).write_text(read + "# 另一个标签页保存的修改\n", encoding="utf-8")
    refused = client.post("/api/save", json={"file": name, "text": read + "# 本页的修改\n", "base": read})
    assert refused.status_code == 409
    [error] = refused.json()["errors"]
    assert error["code"] == "S005"
    assert error["message"] == (f"{name} 在本页打开之后已被修改（在另一个标签页保存，或用其他编辑器改过），"
                                "保存会覆盖那些修改，所以没有保存。请先复制本页的修改，刷新页面读取文件现在的内容，把修改合并进去后再保存")
    assert (rules / name).read_text(encoding="utf-8").endswith("# 另一个标签页保存的修改\n")
    now = client.get("/api/state").json()["files"][name]  # refreshed: the page reads the file as it is now
    saved = client.post("/api/save", json={"file": name, "text": now + "# 本页的修改\n", "base": now})
    assert saved.status_code == 200
    assert (rules / name).read_text(encoding="utf-8").endswith("# 另一个标签页保存的修改\n# 本页的修改\n")


def test_a_file_too_large_to_open_is_named_with_the_limit_for_files(tmp_path):
    """A 10 MiB file opened was refused as 「请求过大（上限 8 MiB）」: no file named, and a limit other than the
    4 MiB the page and docs/workbench.md give for files; a 5 MiB one gave its size as 5242888 字节."""
    client = _client(RULES)
    big = client.post("/api/facts/open?name=全部单位.json", content=b" " * (10 * 1024 * 1024))
    assert big.status_code == 413
    assert big.json()["errors"][0]["message"] == ("全部单位.json 过大（10.0 MiB，上限 4 MiB）："
                                                  "请只打开一套事实（.json）或一份基础数据表（.xlsx）")
    mid = client.post("/api/facts/open?name=facts.json", content=b" " * (5 * 1024 * 1024 + 8))
    assert mid.json()["errors"][0]["message"].startswith("facts.json 过大（5.0 MiB，上限 4 MiB）：")
    other = client.post("/api/score", content=b" " * (9 * 1024 * 1024))  # not a file: the request's own limit
    assert other.status_code == 413 and other.json()["errors"][0]["message"] == "请求过大（上限 8 MiB）"


# ------------------------------------------------------------------ the 基础数据表 filled by hand

def test_a_number_cell_holding_no_digit_says_what_to_type(tmp_path, capsys):
    """「一千」 or 「无」 in a number cell: F032 said 应为数字，实际为 “一千” and stopped — no fix, where a cell
    with digits in it (「1,000 万元」) is told to hold the bare number."""
    import openpyxl
    book = tmp_path / "表.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    ws = wb["基础数据"]
    rows = {ws.cell(r, 2).value: r for r in range(4, ws.max_row + 1)}
    year, spent, rate = rows["评价年度"], rows["年初结转结余资金收入预算数"], rows["依申请公开回复率"]
    ws.cell(year, 3).value = "二〇二四"
    ws.cell(spent, 3).value = "无"
    ws.cell(rate, 3).value = "全部"
    wb.save(book)
    assert main(["eval", str(RULES), str(book)]) == 1
    err = capsys.readouterr().err
    assert f"基础数据!C{year}：应为整数，实际为 “二〇二四”；请用阿拉伯数字填写，如 1000（不写汉字或单位）" in err
    assert f"基础数据!C{spent}：应为数字，实际为 “无”；请用阿拉伯数字填写，如 1000（不写汉字或单位）" in err
    assert f"基础数据!C{rate}：应为比率，实际为 “全部”；请用阿拉伯数字填写，如 85%（不写汉字或单位）" in err


# ------------------------------------------------------------------ the Word report as LibreOffice and WPS lay it out

def test_the_word_table_s_grid_holds_the_column_widths_its_cells_say(tmp_path):
    """Each cell said its width (指标分析结果 70 mm, 分值 10 mm) but the table's grid, which LibreOffice and WPS
    lay a fixed table out by, held eight equal columns: in the PDF the analysis was squeezed to a third of its
    width and the seed's 评分表 ran to 11 pages.  The grid now says the same widths; 分值 is 12 mm so its
    heading fits on one line, and 得分 17 mm so the bold total (96.67, or 100.00) is not cut as 96.6 / 7."""
    import docx
    from docx.shared import Mm
    out = tmp_path / "评分表.docx"
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(out)]) == 0
    table = docx.Document(str(out)).tables[0]
    wanted = [Mm(w).twips for w in (18, 20, 24, 12, 52, 52, 70, 17)]  # 265 mm of the 267 between the margins
    assert [c.width.twips for c in table.columns] == wanted
    assert [c.width.twips for c in table.rows[1].cells] == wanted
    assert [c.text for c in table.rows[0].cells] == ["一级指标", "二级指标", "三级指标", "分值", "指标解释和说明",
                                                      "评分标准", "指标分析结果", "得分"]
    rates = docx.Document(str(out)).tables[1]
    assert [c.width.twips for c in rates.columns] == [Mm(w).twips for w in (40, 60, 25, 25, 25)]


def test_explain_code_takes_a_code_typed_full_width_or_pasted_with_its_label(capsys):
    """A Chinese input method in full-width mode types Ｅ１６０; a message copied whole gives 错误[E215]: both
    were 「没有代码 …」."""
    for typed, shown in (("Ｅ１６０", "错误[E160]："), ("错误[E215]", "错误[E215]："), ("【W130】", "警告[W130]："),
                         ("警告［W130］", "警告[W130]：")):
        assert main(["explain-code", typed]) == 0
        assert capsys.readouterr().out.startswith(shown), typed


# ---------------------------------------------------------- perfdsl test: a case file typed with an input method

def _case_file_error(tmp_path, capsys, text: str) -> str:
    cases = tmp_path / "cases.yaml"
    cases.write_text(text, encoding="utf-8")
    assert main(["test", str(RULES), str(cases)]) != 0
    got = capsys.readouterr()
    return (got.out + got.err).strip()


def test_a_case_file_with_a_full_width_colon_or_a_tab_says_which_and_where(tmp_path, capsys):
    """PyYAML's own words reached the author — 「mapping values are not allowed here」, on the line after the
    mistake, with no fix; the two an input method makes are now named on their own line and column."""
    wide = _case_file_error(tmp_path, capsys, "cases:\n  - name： 全角冒号\n    expect:\n      总分: 96.67\n")
    # 「  - name：」: the colon is the 9th character of line 2
    assert wide.endswith("cases.yaml:2:9: 错误[T001]：测试用例文件不是有效的 YAML：“name”之后用了全角冒号 ：，"
                         "YAML 的键之后应为英文冒号加空格：写作 `name: …`")
    tab = _case_file_error(tmp_path, capsys, "cases:\n  - name: 制表符\n\texpect:\n      总分: 96.67\n")
    assert tab.endswith("cases.yaml:3:1: 错误[T001]：测试用例文件不是有效的 YAML：缩进用了制表符：YAML 只能用空格缩进，"
                        "请把制表符换成空格")
    other = _case_file_error(tmp_path, capsys, "cases:\n  - name: 缩进\n    expect:\n      总分: 96.67\n   x: 1\n")
    assert "YAML：" in other and "not" not in other and "expected" not in other


def test_a_fact_used_but_not_declared_says_how_to_declare_it(tmp_path, capsys):
    """A name like no other (问题数, never declared): E215 said what is wrong and stopped — 「未知的名称 `问题数`：
    事实中没有 `问题数`，也不是已定义的值」, with no 建议.  A close name still gets 是否想写 (the workbench's
    quick fix); the advice is in 「」, which the workbench shows as words, not as a replacement."""
    out = _check(tmp_path, capsys, "指标 执行 分值 100 { 得分 = 若 执行率 ≥ 90% 则 100 否则 问题数 × 2 }\n")
    # 问题数 is the 42nd character of line 3
    assert ("a.perf:3:42: 错误[E215]：未知的名称 `问题数`：事实中没有 `问题数`，也不是已定义的值\n") in out
    assert "  = 建议：在 事实 { … } 中声明它，如 「问题数: 数值」；或用 「令 问题数 = …」 定义它" in out
    close = _check(tmp_path, capsys, "指标 执行 分值 100 { 得分 = 若 执行律 ≥ 90% 则 100 否则 0 }\n")
    assert "是否想写 `执行率`？" in close and "声明它" not in close


def test_the_range_of_a_fact_written_as_e160_advised_is_explained(tmp_path, capsys):
    """E160's fix said to declare 「比率 ∈ [0, 1]」, which does not parse (「`∈` 之后应为 {」): a range follows
    the type directly (比率 [0, 1]); ∈ takes a set of values."""
    rules = "事实 { 执行率: 比率 ∈ [0, 1] }\n指标 甲 分值 100 { 得分 = 100 }\n"
    (tmp_path / "a.perf").write_text(rules, encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 1
    got = capsys.readouterr()
    assert ("a.perf:1:16: 错误[E003]：在 事实（第 1 行） 中：取值范围直接写在类型之后，不写 ∈：写作 `比率 [0, 1]` 或 "
            "`数值 ≥ 0`；∈ 之后是可选的几个值，如 `数值 ∈ {0, 0.5, 1}`") in got.out + got.err
    from perfdsl.codes import CODES
    assert "比率 [0, 1]" in CODES["E160"].fix and "∈ [" not in CODES["E160"].fix


def test_a_band_in_words_and_a_thousands_separator_say_how_to_write_them(tmp_path, capsys):
    """「90%以上 → 100」 (the 评分标准's words) and 「1,000」 (Word's number) got the parser's list of expected
    tokens: 「`{` 之后应为 (、=、[、比较符」, 「`1` 之后应为 `否则`」."""
    band = _check(tmp_path, capsys, "指标 甲 分值 100 { 得分 = 区间 执行率 { 90%以上 → 100; < 90% → 50 } }\n")
    assert ("a.perf:3:29: 错误[E003]：在 区间 执行率（第 3 行） 中：一档的范围写作比较或区间：如 `≥ 90% → 分数`"
            "（“以上”写作 ≥ 或 >，“以下”写作 < 或 ≤），或 `[80%, 90%) → 分数`") in band
    comma = _check(tmp_path, capsys, "指标 甲 分值 100 { 得分 = 若 执行率 ≥ 90% 则 1,000 否则 0 }\n")
    # the comma is the 35th character of line 3
    assert "a.perf:3:35: 错误[E003]：在 指标 甲（第 3 行） 中：数字中不写千位分隔符：如 1,000 写作 1000" in comma
    call = _check(tmp_path, capsys, "指标 甲 分值 100 { 得分 = 最小(1, 2,) }\n")  # a comma in a call: not that
    assert "千位分隔符" not in call


def test_a_score_written_above_the_indicator_s_points_is_warned(tmp_path, capsys):
    """「若 执行率 ≥ 90% 则 120 否则 0」 in an indicator of 分值 100 (12 typed as 120) checked clean; scoring capped it
    silently at 100.  It is W132 now, at the number, as W130 is for sub-items adding up above the points."""
    (tmp_path / "a.perf").write_text(
        HEAD + "指标 甲 分值 100 {\n  子项 乙 分值 40 = 区间 执行率 { ≥ 90% → 40; < 90% → 400 }\n"
               "  子项 丙 分值 60 = 若 执行率 ≥ 90% 则 60 否则 30\n}\n", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0  # a warning: the rules still score
    got = capsys.readouterr()
    # line 4: 「  子项 乙 分值 40 = 区间 执行率 { ≥ 90% → 40; < 90% → 400 }」, 400 is its 45th character
    assert ("a.perf:4:45: 警告[W132]：这一分支得 400 分，超过子项 乙 的分值 40 分：得分将以 40 分封顶"
            in got.out + got.err)
    assert (got.out + got.err).count("W132") == 1
    formula = _check_warns(tmp_path, capsys, "指标 甲 分值 100 { 得分 = 若 执行率 ≥ 90% 则 120 否则 0 }\n")
    assert "a.perf:3:34: 警告[W132]：这一分支得 120 分，超过分值 100 分：得分将以 100 分封顶" in formula


def _check_warns(tmp_path: Path, capsys, text: str) -> str:
    (tmp_path / "a.perf").write_text(HEAD + text, encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    got = capsys.readouterr()
    return got.out + got.err


def test_a_request_by_the_wrong_method_is_answered_in_chinese():
    """GET /api/score (a bookmarked or hand-typed address) was answered 「Method Not Allowed」."""
    res = _client(RULES).get("/api/score")
    assert res.status_code == 405
    assert res.json()["errors"] == [{"code": "S004", "severity": "error",
                                     "message": "/api/score 不接受 GET 请求：请在工作台的网页中操作"}]


def test_fmt_check_says_the_command_that_formats(tmp_path, capsys):
    """`fmt --check` listed 需要重新排版：a.perf and stopped: the fix is the command without --check."""
    (tmp_path / "规则 目录").mkdir()
    (tmp_path / "规则 目录" / "a.perf").write_text(HEAD + "指标 甲 分值 100 {   得分 = 100 }\n", encoding="utf-8")
    assert main(["fmt", "--check", str(tmp_path / "规则 目录")]) == 1
    err = capsys.readouterr().err
    assert f"运行 perfdsl fmt \"{tmp_path / '规则 目录'}\" 即可排版（注释与评分标准原文保留不变）" in err
