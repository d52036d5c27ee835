"""What a user's-eye review of every surface found, each pinned by the case that showed it."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from perfdsl.cli import main
from perfdsl.ruleset.check import check
from perfdsl.ruleset.loader import load

from .conftest import RULES, SEED_FACTS

HEAD = "体系 示例 { 舍入 2 位 四舍五入  等级 { ≥ 60 → 合格; < 60 → 不合格 } }\n"


def _codes(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    (tmp_path / "a.perf").write_text(HEAD + text, encoding="utf-8")
    return [(d.code, d.message) for d in check(load(tmp_path)).diagnostics]


def test_a_rate_band_up_to_100_percent_has_no_gap_above(tmp_path):
    """The seed's own wording, [90%, 100%] as the top band of a plain 比率: the facts reader refuses a rate
    above 100% (F021), so check must not ask for a band over (100%, ∞) — it did (E160), and nothing scored."""
    rules = ("事实 { 执行率: 比率 ≥ 0 }\n"
             "指标 甲 分值 100 { 得分 = 区间 执行率 { [90%, 100%] → 100; [0, 90%) → 80 } }\n")
    assert _codes(tmp_path, rules) == []


def test_a_rate_allowed_above_100_percent_still_needs_its_bands(tmp_path):
    """比率 [0, 2] may be 150%: a band ending at 100% leaves (100%, 200%] uncovered."""
    rules = ("事实 { 完整率: 比率 [0, 2] }\n"
             "指标 甲 分值 100 { 得分 = 区间 完整率 { [90%, 100%] → 100; [0, 90%) → 80 } }\n")
    assert _codes(tmp_path, rules) == [("E160", "区间没有覆盖 完整率 ∈ (100%, 200%]：这样的值会使评分报错")]


def test_a_band_above_100_percent_of_a_plain_rate_is_never_used(tmp_path):
    rules = ("事实 { 执行率: 比率 ≥ 0 }\n"
             "指标 甲 分值 100 { 得分 = 区间 执行率 { > 100% → 50; [90%, 100%] → 100; [0, 90%) → 80 } }\n")
    assert [c for c, _ in _codes(tmp_path, rules)] == ["W162"]


# ------------------------------------------------------------------ -o names the format

def test_report_writes_what_the_output_extension_names(tmp_path, capsys):
    """`report … -o 评分表.xlsx` without --format wrote HTML under an .xlsx name, which Excel will not open."""
    out = tmp_path / "评分表.xlsx"
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK"  # a zip: an Office file
    md = tmp_path / "评分表.md"
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(md)]) == 0
    assert md.read_text(encoding="utf-8").startswith("# 天津市和平区")
    txt = tmp_path / "评分表.txt"  # an extension naming no format: the default, 网页
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(txt)]) == 0
    assert txt.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_format_the_output_extension_contradicts_is_refused(tmp_path, capsys):
    out = tmp_path / "评分表.html"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "docx", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert (f"--format Word文档 与输出文件 {out} 不符（.html 是 网页 格式）："
            "请改用 --format 网页，或把文件名改为 评分表.docx") in err
    assert not out.exists()


def test_eval_writes_what_the_output_extension_names(tmp_path, capsys):
    summary = tmp_path / "汇总.xlsx"
    assert main(["eval", str(RULES), str(SEED_FACTS), "-o", str(summary)]) == 0
    assert summary.read_bytes()[:2] == b"PK"
    lines = tmp_path / "结果.jsonl"
    assert main(["eval", str(RULES), str(SEED_FACTS), "--no-trace", "-o", str(lines)]) == 0
    assert json.loads(lines.read_text(encoding="utf-8"))["score"] == "96.67"
    assert main(["eval", str(RULES), str(SEED_FACTS), "-o", str(tmp_path / "评分表.docx")]) == 2
    err = capsys.readouterr().err
    assert ("这个命令不写 .docx 文件（可写 .xlsx、.json、.jsonl）；"
            "网页、Word、Markdown 评分表请用 perfdsl report 生成") in err


# ------------------------------------------------------------------ explain: the indicator as a person types it

def test_explain_finds_an_indicator_typed_without_its_curly_quotes(capsys):
    """A console has no “”: "一站式"… or 一站式政务服务 found nothing, and no suggestion either."""
    for typed in ['"一站式"政务服务落实情况', "一站式政务服务"]:
        assert main(["explain", str(RULES), str(SEED_FACTS), typed]) == 0
        assert capsys.readouterr().out.startswith("“一站式”政务服务落实情况  5.00 / 5\n")


def test_explain_of_a_first_level_indicator_names_its_third_level_ones(capsys):
    """部门决策 is an indicator: "没有名为 “部门决策” 的指标" was wrong, and said nothing of what to type."""
    assert main(["explain", str(RULES), str(SEED_FACTS), "部门决策"]) == 1
    assert capsys.readouterr().err == (
        "perfdsl: “部门决策” 是一级指标；explain 说明一个三级指标，请写其中之一：决策和管理制度规范性；"
        "重大支出政策的合理性；评估评审开展情况；预算编制完整性；测算细化、客观、准确程度\n")


def test_explain_of_an_unknown_indicator_says_what_to_type(capsys):
    assert main(["explain", str(RULES), str(SEED_FACTS), "不存在的指标"]) == 1
    assert capsys.readouterr().err == ("perfdsl: 没有名为 “不存在的指标” 的三级指标；请写三级指标的名称或其中的几个字，"
                                       "全部指标见 perfdsl eval 规则 事实 列出的指标树\n")
    assert main(["explain", str(RULES), str(SEED_FACTS), "预算编制完整姓"]) == 1
    assert "是否想找 “预算编制完整性”？" in capsys.readouterr().err


# ------------------------------------------------------------------ the 基础数据表 and what it reads back

def _main_sheet(path):
    import openpyxl
    ws = openpyxl.load_workbook(path)["基础数据"]
    return {ws.cell(r, 2).value: (ws.cell(r, 4).value, ws.cell(r, 6).value) for r in range(4, ws.max_row + 1)}


def test_template_shows_a_rate_range_in_percent_and_guesses_no_unit(tmp_path):
    """比率 [0, 2] is typed as 150% in a percent cell: 填写说明 said [0, 2] (read: 0 to 2%); 评价年度 (整数,
    no unit declared) had the unit 个/项/次."""
    out = tmp_path / "表.xlsx"
    assert main(["template", str(RULES), "-o", str(out)]) == 0
    rows = _main_sheet(out)
    assert rows["实物资产完整率"] == ("%", "比率，[0, 200%]，按百分数填写，如 85%")
    assert rows["审批制度改革完成率"] == ("%", "比率，[0, 1000%]，按百分数填写，如 85%")
    assert rows["依申请公开回复率"] == ("%", "比率，≥ 0，按百分数填写，如 85%，不超过 100%")
    assert rows["评价年度"] == (None, "整数")
    assert rows["评审报告数"] == ("份", "整数，≥ 0")


def _seed_book_at(tmp_path, label: str):
    """The seed's filled 基础数据表: (path, workbook, its 基础数据 sheet, the row of the fact labelled ``label``)."""
    import openpyxl
    out = tmp_path / "表.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["基础数据"]
    return out, wb, ws, next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value == label)


def _refused_cell(tmp_path, capsys, label: str, value) -> tuple[int, str]:
    """The seed's workbook with ``value`` typed in the 填写值 cell of ``label``, scored: (its row, stderr)."""
    out, wb, ws, row = _seed_book_at(tmp_path, label)
    ws.cell(row, 3).value = value
    wb.save(out)
    assert main(["eval", str(RULES), str(out)]) == 1
    return row, capsys.readouterr().err


def test_a_rate_out_of_its_range_is_named_in_percent(tmp_path, capsys):
    """1100% typed in the 审批制度改革完成率 cell (declared [0, 10]) was "11 超出允许范围 [0, 10]"."""
    row, err = _refused_cell(tmp_path, capsys, "审批制度改革完成率", 11)
    assert (f"基础数据!C{row}：行政许可.审批制度改革完成率：1100% 超出允许范围 [0, 1000%]；请核对录入的数值"
            "（声明于 ") in err


def test_a_blank_required_cell_under_a_merge_says_so_and_every_blank_says_the_fix(tmp_path, capsys):
    """C48 merged into C47 shows C47's value on screen: "C48 为空" alone left the person nothing to look for."""
    out, wb, ws, row = _seed_book_at(tmp_path, "固定资产总额")
    ws.merge_cells(f"C{row - 1}:C{row}")
    wb.save(out)
    assert main(["eval", str(RULES), str(out)]) == 1
    assert capsys.readouterr().err == (
        f"错误[F033]：{out}：以下必填的单元格为空：基础数据!C{row}（资产利用.固定资产总额，与 C{row - 1} 合并了："
        "请取消合并后填写），共 1 处；请逐一填写后再评分\n")


# ------------------------------------------------------------------ files that cannot be read or written

def test_an_operating_system_error_is_said_in_chinese_with_the_fix(tmp_path, capsys):
    """strerror is English ("No such file or directory", "Permission denied" for a workbook open in Excel)."""
    import errno

    from perfdsl.diagnostics import os_reason
    assert main(["test", str(RULES), str(tmp_path / "没有的用例")]) == 1
    missing = tmp_path / "没有的用例"
    assert f"错误[T002]：无法读取测试用例文件 {missing}：文件或目录不存在；请检查路径" in capsys.readouterr().err
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(tmp_path / "没有的目录" / "a" / "评分表.html")]) == 1
    assert "Errno" not in capsys.readouterr().err
    locked = PermissionError(errno.EACCES, "Permission denied")  # what Windows raises for a file Excel has open
    assert os_reason(locked) == ("没有权限，或文件正被其他程序（如 Excel、Word、WPS）打开；"
                                 "请关闭它，或换一个文件名或位置")


def test_a_facts_directory_without_facts_is_an_error_not_zero_records(tmp_path, capsys):
    (tmp_path / "说明.txt").write_text("不是事实", encoding="utf-8")
    assert main(["eval", str(RULES), str(tmp_path)]) == 1
    assert capsys.readouterr().err == (f"错误[F000]：目录 {tmp_path} 中没有事实文件（.json、.jsonl 或填好的基础数据表"
                                       " .xlsx）；请检查目录，或直接写出事实文件名\n")


# ------------------------------------------------------------------ 指标分析结果 of the project example

def _project_narratives(capsys) -> dict:
    from perfdsl.render.narrative import narrative
    project = RULES.parent / "examples" / "project-expenditure"
    assert main(["eval", str(project / "rules"), str(project / "facts-2024.json"), "--format", "json"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    out: dict = {}

    def walk(node):
        for c in node.get("children", []):
            walk(c)
        if "children" not in node:
            out[node["name"]] = narrative(node, doc.get("evidence"), (doc.get("ruleset") or {}).get("display"))
    walk(doc)
    return out


def test_a_judgement_within_tiers_is_said_once_and_the_tier_bounds_as_percentages(capsys):
    """分档酌情: the 要求 read the judgement twice more, and each was a sentence (the reason three times);
    the fact read for the lookup came twice (合理性档次为“基本合理”，合理性档次为“基本合理”), and then once per
    bound (「…，档次下限 60%。合理性档次为“基本合理”，档次上限 80%」: now said once); the tier's bounds,
    written 60% and 80% in the rule (查表 … { 基本合理 → 60% }), read 0.6 and 0.8."""
    said = _project_narratives(capsys)
    assert said["绩效目标合理性"] == (
        "合理性档次为“基本合理”，档次下限 60%，档次上限 80%。"
        "合理性评分：酌情得 2.1 分，理由：绩效目标与项目内容相符，但部分目标值偏低，得 2.1 分。"
        "本项得 2.1 分，分值 3 分。")
    assert said["社会效益"] == (
        "社会效益档次为“达成”，档次下限 80%，档次上限 100%。"
        "社会效益评分：酌情得 7.2 分，理由：群众办事平均时长缩短三成，达成年度目标，得 7.2 分。"
        "本项得 7.2 分，分值 8 分。")


def test_a_penalty_item_says_what_the_total_loses(capsys):
    """减分项 5 分, one finding of 1 分: "5 − 1 = 4 … 本项得 -1 分，分值 5 分" said 4 and -1 of the same item."""
    assert _project_narratives(capsys)["审计问题减分"] == (
        "扣 1 分：合同备案不及时。合计扣 1 分。本项为减分项，从总分中减 1 分（最多减 5 分）。")


def test_a_deduction_counted_in_a_category_names_it(tmp_path, capsys):
    """每类业务最多扣0.5分: the trace said ［预算业务管理制度］未及时修订, the 指标分析结果 only 未及时修订, so
    the reader could not tell which 制度 lost the points, nor check the per-category cap."""
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["制度"]["瑕疵"] = [{"类别": "预算业务管理制度", "扣分": 0.5, "说明": "未及时修订"},
                           {"类别": "合同管理制度", "扣分": 0.25, "说明": "缺少审核"}]
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    assert main(["explain", str(RULES), str(path), "决策和管理制度规范性"]) == 0
    # 3 − (0.5 + 0.25) = 2.25
    assert capsys.readouterr().out.startswith(
        "决策和管理制度规范性  2.25 / 3\n扣 0.5 分：预算业务管理制度，未及时修订。\n"
        "扣 0.25 分：合同管理制度，缺少审核。\n"
        "合计扣 0.75 分，3 − 0.75 = 2.25。\n本项得 2.25 分，分值 3 分。\n")


def test_no_space_between_a_closing_bracket_and_its_band(capsys):
    """「落在 85% 至 95%（不含） 一档」: a space after ）, where the improvement text already wrote none."""
    said = _project_narratives(capsys)
    assert "质量达标率 92%，落在 85% 至 95%（不含）一档，得 8 分。" in said["质量达标率"]


def test_the_word_report_names_the_rule_set_s_own_indicator_system(tmp_path):
    """A 项目支出 evaluation's Word report was headed 附件1 整体支出绩效评价指标体系及评分表."""
    from docx import Document
    project = RULES.parent / "examples" / "project-expenditure"
    out = tmp_path / "评分表.docx"
    assert main(["report", str(project / "rules"), str(project / "facts-2024.json"), "-o", str(out)]) == 0
    assert Document(str(out)).paragraphs[1].text == "附件1 项目支出绩效评价指标体系及评分表"
    seed = tmp_path / "种子.docx"
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(seed)]) == 0
    assert Document(str(seed)).paragraphs[1].text == "附件1 部门整体支出绩效评价指标体系及评分表"


def test_expand_of_a_whole_json_document_says_what_it_reads(tmp_path, capsys):
    """A facts file given to expand: 142 lines of 「不是 JSON（Extra data: line 1 column 10 (char 9)）」 and the
    file copied to the output; now one error saying what expand reads, and nothing written."""
    assert main(["expand", str(RULES), str(SEED_FACTS)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"错误[X001]：{SEED_FACTS}：这是一个完整的 JSON 文档（事实文件，或不带 --compact-trace "
                   "写出的评分结果，已含完整的评分过程），不是每行一个评分结果的 .jsonl；expand 只还原 perfdsl eval "
                   "--format json --compact-trace 写出的 JSON 行\n")


def test_expand_of_a_line_that_is_not_json_says_where_in_chinese(tmp_path, capsys):
    lines = tmp_path / "结果.jsonl"
    lines.write_text('{"a": 1,}\n', encoding="utf-8")
    assert main(["expand", str(RULES), str(lines)]) == 1
    out, err = capsys.readouterr()
    assert out == '{"a": 1,}\n'  # copied as it is: one line out per line in
    assert f"错误[X001]：{lines}:1：不是 JSON（第 9 列有误）；expand 读取的是每行一个评分结果的 .jsonl\n" in err


def test_diff_takes_the_same_batch_scored_by_another_path(tmp_path, capsys):
    """The same facts.jsonl scored from a copy (another folder, a renamed file) was 「不是同一套事实」: each
    line's sha256 says it is the same fact set."""
    batch = RULES.parent / "examples" / "batch" / "facts.jsonl"
    copy = tmp_path / "复制的事实.jsonl"
    copy.write_bytes(batch.read_bytes())
    old, new = tmp_path / "旧.jsonl", tmp_path / "新.jsonl"
    assert main(["eval", str(RULES), str(batch), "--no-trace", "-o", str(old)]) == 0
    assert main(["eval", str(RULES), str(copy), "--no-trace", "-o", str(new)]) == 0
    capsys.readouterr()
    assert main(["diff", str(old), str(new)]) == 0
    assert capsys.readouterr().out.endswith("共比较 40 套：0 套总分变化，0 套等级变化\n")
    assert main(["diff", str(old), str(SEED_FACTS.parent.parent / "heping-2024" / "facts.json")]) == 1


def test_diff_of_other_fact_sets_says_what_to_compare(tmp_path, capsys):
    one = tmp_path / "一.json"
    assert main(["eval", str(RULES), str(SEED_FACTS), "--no-trace", "-o", str(one)]) == 0
    batch = tmp_path / "批.jsonl"
    assert main(["eval", str(RULES), str(RULES.parent / "examples" / "batch" / "facts.jsonl"), "--no-trace",
                 "-o", str(batch)]) == 0
    capsys.readouterr()
    assert main(["diff", str(batch), str(one)]) == 1
    assert capsys.readouterr().err.endswith(
        "；请比较同一批事实按新旧规则各评一次的结果（同一个事实文件，相同的顺序）\n")


def test_an_extension_perfdsl_never_writes_is_refused_with_the_way_there(tmp_path, capsys):
    """template -o 基础数据表.xls wrote an .xlsx under that name (Excel calls it damaged); report -o 评分表.pdf
    wrote HTML."""
    assert main(["template", str(RULES), "-o", str(tmp_path / "基础数据表.xls")]) == 2
    assert "这个命令不写 .xls 文件（可写 .xlsx）" in capsys.readouterr().err
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(tmp_path / "评分表.pdf")]) == 2
    assert ("这个命令不写 .pdf 文件（可写 .html、.docx、.xlsx、.md、.json、.jsonl）；"
            "PDF 请先写成 Word 文档（.docx），再用 Word 或 WPS 另存为 PDF") in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_a_mistyped_value_is_quoted_in_chinese_with_the_closest(capsys):
    """无效的取值 'evl'（可选：'eval', 'explain', …）: Python's repr, and no hint for a one-letter slip."""
    assert main(["evl", str(RULES)]) == 2
    assert capsys.readouterr().err == (
        "perfdsl: 用法错误：参数 命令：无效的取值 “evl”（可选：eval、explain、check、report、template、test、expand、"
        "diff、fmt、serve、explain-code）；是否想写 eval？（perfdsl --help 查看用法与示例）\n")
    assert main(["eval", str(RULES), str(SEED_FACTS), "-j", "abc"]) == 2
    assert "参数 --jobs/-j：“abc” 不是有效的正整数" in capsys.readouterr().err


def test_a_mistyped_option_points_at_its_command_and_the_option_meant(capsys):
    """「无法识别的参数：--formt json（perfdsl --help …）」: the top level's help, where --format is not listed."""
    assert main(["eval", str(RULES), str(SEED_FACTS), "--formt", "json"]) == 2
    assert capsys.readouterr().err == ("perfdsl: 用法错误：无法识别的参数：--formt json；是否想写 --format？"
                                       "（perfdsl eval --help 查看用法与示例）\n")
    assert main(["eval", str(RULES), str(SEED_FACTS), "--bogus"]) == 2  # like none of them: no guess
    assert capsys.readouterr().err == ("perfdsl: 用法错误：无法识别的参数：--bogus"
                                       "（perfdsl eval --help 查看用法与示例）\n")


@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdftotext") is None,
                    reason="needs chromium and pdftotext (Debian: chromium, poppler-utils)")
def test_the_html_report_printed_from_a_browser_starts_the_table_on_page_one(tmp_path):
    """Printed from Chromium, page 1 held the title and the total alone: `tr { break-inside: avoid }` kept the
    first row whole together with every row its 一级指标 cell spans (rowspan)."""
    page = tmp_path / "评分表.html"
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(page)]) == 0
    pdf = tmp_path / "评分表.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}",
                    f"--print-to-pdf={pdf}", page.as_uri()], capture_output=True, timeout=120, check=False)
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    first = "".join(first.split())  # a cell's text wraps within its column
    assert "指标体系及评分表" in first and "重大支出政策的合理性" in first


# ------------------------------------------------------------------ misspelt fact names

def _with_misspelt_key(tmp_path) -> Path:
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["预算编制"]["年初结转结余资金收入预算"] = 1  # 预算数 meant: ignored, the score unchanged
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_undeclared_fact_is_said_on_screen_not_only_in_the_json(tmp_path, capsys):
    """F020 (with its did-you-mean) was in the JSON's "warnings" only: eval, explain and report said nothing."""
    path = _with_misspelt_key(tmp_path)
    said = ("警告[F020]：预算编制.年初结转结余资金收入预算：规则没有声明这个事实，已忽略；"
            "是否想写 “年初结转结余资金收入预算数”？")
    for argv in (["eval", str(RULES), str(path), "-o", str(tmp_path / "结果.json")],
                 ["explain", str(RULES), str(path), "预算编制完整性"],
                 ["report", str(RULES), str(path), "-o", str(tmp_path / "评分表.md")]):
        assert main(argv) == 0
        assert said in capsys.readouterr().err, argv
    assert main(["eval", str(RULES), str(path)]) == 0  # on screen: once, after the total, as before
    out, err = capsys.readouterr()
    assert out.count(said) == 1 and said not in err
    assert main(["eval", str(RULES), str(SEED_FACTS)]) == 0
    assert capsys.readouterr().err == ""


def test_a_case_whose_set_or_remove_misses_every_fact_fails(tmp_path, capsys):
    """set: {预算编制.年初结转结余资金收入预算: 1} (数 left out) set nothing the rules read, and the case passed."""
    cases = tmp_path / "cases.yaml"
    cases.write_text(f"base: {SEED_FACTS}\ncases:\n"
                     "  - name: 写错的事实\n    set: {预算编制.年初结转结余资金收入预算: 1}\n"
                     "    expect: {总分: 96.67}\n"
                     "  - name: 全角冒号\n    expect: {预算编制完整性：2}\n", encoding="utf-8")
    assert main(["test", str(RULES), str(cases)]) == 1
    out = capsys.readouterr().out
    assert ("set 中的 预算编制.年初结转结余资金收入预算：规则没有声明这个事实，已忽略；"
            "是否想写 “年初结转结余资金收入预算数”？") in out
    assert ("“预算编制完整性：2” 中的冒号是全角的“：”，YAML 把整段读成了一个名称；"
            "请写成半角冒号加空格：预算编制完整性: 2") in out
    cases.write_text(f"base: {SEED_FACTS}\ncases:\n  - name: 删错\n    remove: [预算编制.不存在]\n"
                     "    expect: {总分: 96.67}\n", encoding="utf-8")
    assert main(["test", str(RULES), str(cases)]) == 1
    assert "用例 删错：基础事实中没有 预算编制.不存在，remove 无从删除" in capsys.readouterr().err


def test_only_deductions_says_the_amounts_with_their_units(capsys):
    """--only 扣分 of an indicator that lost points in a band said 决算数 2.07 where the 指标分析结果 says 2.07 万元."""
    assert main(["explain", str(RULES), str(SEED_FACTS), "预算编制完整性", "--only", "扣分"]) == 0
    assert ("结转结余预算准确（1 分）：上年末结转结余资金收入决算数 2.07 万元，年初结转结余资金收入预算数 0 万元，"
            "偏离度 = |1 − 0 ÷ 2.07| = 100%，落在 70% 以上一档，得 0 分。") in capsys.readouterr().out


def test_an_indicator_that_cannot_be_scored_says_why_once(tmp_path, capsys):
    """预算执行数 2000 > 全年预算数 1415.96 fails the 要求: 「无法评分：无法评分：…」, then the same reason again."""
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["预算执行"]["预算执行数"] = 2000
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    assert main(["explain", str(RULES), str(path), "预算执行情况"]) == 1
    # 2000 ÷ 1415.96 = 1.41247… → 141.25%
    assert capsys.readouterr().out == (
        "预算执行情况  无法评分 / 4\n"
        "预算执行数 2000 万元，全年预算数 1415.96 万元，预算执行率 = 2000 ÷ 1415.96 = 141.25%。\n"
        "无法评分：预算执行情况：预算执行数不能大于全年预算数（预算执行率超过 100%）（约141.25% ≤ 100% 不成立）。\n")


def test_every_report_says_why_a_vetoed_grade_is_not_the_total_s(tmp_path, capsys):
    """一票否决 (重大违规): 总分 85.94 but 等级 差, and no report said why — only the terminal did."""
    import openpyxl
    from docx import Document
    project = RULES.parent / "examples" / "project-expenditure"
    facts = json.loads((project / "facts-2024.json").read_text(encoding="utf-8"))
    facts["资金管理"]["重大违规"] = True
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    said = "等级定为 差（一票否决）：存在截留、挤占、挪用等重大违规问题，一票否决"
    for ext in ("md", "html", "docx", "xlsx"):
        assert main(["report", str(project / "rules"), str(path), "-o", str(tmp_path / f"评分表.{ext}")]) == 0
    assert f"总分 **85.94** / 100，等级 **差**\n\n{said}\n" in (tmp_path / "评分表.md").read_text(encoding="utf-8")
    assert f'<p class="partial" id="veto">{said}</p>' in (tmp_path / "评分表.html").read_text(encoding="utf-8")
    assert Document(str(tmp_path / "评分表.docx")).paragraphs[3].text == said
    sheet = openpyxl.load_workbook(tmp_path / "评分表.xlsx")["评分表"]
    total = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "总分")
    assert total[6] == f"等级：差\n{said}" and total[7] == 85.94


def test_a_condition_on_a_rate_shown_rounded_is_said(capsys):
    """聘用编外人员增长率 (13 − 14) / 14 = -7.14% → 0: the condition it failed went unsaid (its trace has
    ≈-7.14%), where the sibling 线上审批 sub-item says 不满足 -6.69% ≥ 0."""
    batch = RULES.parent / "examples" / "batch" / "facts.jsonl"
    assert main(["explain", str(RULES), f"{batch}:2", "审批效率提升情况"]) == 0
    assert ("编外人员支撑（4 分）：本年编外人员数 13 人，上年编外人员数 14 人，聘用编外人员增长率 = (13 − 14) / 14 = "
            "-7.14%，低于 0，得 0 分。") in capsys.readouterr().out


def test_a_record_read_by_a_formula_is_named_not_shown_as_braces(capsys):
    """A 抽查 record read whole said 抽查得分({…}, 2) and 绩效目标.任务匹配 = {…}: code, not an evaluator's words."""
    assert main(["eval", str(RULES), str(SEED_FACTS), "--full"]) == 0
    out = capsys.readouterr().out
    assert "{…}, " not in out and "= {…}" not in out and "[{…}" not in out
    assert "子项 与年度任务相对应（2 分）= 抽查得分(绩效目标.任务匹配, 2) = ≈1.6471" in out
    assert "绩效目标.任务匹配 = 抽查数 17，问题数 3  (" in out  # 问题项目 is optional and absent: not listed
    assert "绩效目标.可衡量 = 抽查数 16，问题数 5，问题项目 5 项  (" in out
    assert "资金使用.问题 = 共 1 项  (" in out


RECORD_RULES = (HEAD + "类型 抽样 { 名称: 文本  抽查数: 整数  问题数: 整数  合格率: 比率  批次: 列表 文本 }\n"
                "事实 { 样本: 抽样 }\n"
                "指标 质量 分值 100 { 得分 = 抽查得分(样本, 100) }\n")


def test_a_record_s_words_list_its_fields_in_declared_order_with_rates_in_percent(tmp_path):
    """The words follow the declaration, not the facts file, on both engines (the interpreter and the compact
    trace expanded), so a batch scored either way reads the same."""
    from perfdsl.engine import Engine
    from perfdsl.explain.compact import expand_document, read_document
    (tmp_path / "a.perf").write_text(RECORD_RULES, encoding="utf-8")
    engine = Engine.from_path(tmp_path / "a.perf", cache=False)
    text = '{"样本": {"批次": ["一", "二"], "合格率": 0.85, "问题数": 1, "抽查数": 4, "名称": "甲"}}'  # keys reversed
    steps = engine.document_text(text, "f.json", "f.json", "0" * 64, trace=True)[0]["children"][0]["trace"]
    said = [s["text"] for s in steps if s["kind"] == "fact"]
    assert said == ["样本 = 名称 “甲”，抽查数 4，问题数 1，合格率 85%，批次 2 项"]
    long = text.replace('"甲"', '"' + "很长的名称" * 8 + '"')
    said_long = [s["text"] for s in engine.document_text(long, "f.json", "f.json", "0" * 64, trace=True)[0]
                 ["children"][0]["trace"] if s["kind"] == "fact"]
    assert said_long == ["样本 = 名称 “" + "很长的名称" * 6 + "…”，抽查数 4，问题数 1，合格率 85%，批次 2 项"]
    compact = engine.compact_json(text, "f.json", "f.json", "0" * 64)
    assert compact is not None
    expanded = expand_document(read_document(compact[0]), engine.compact_tracer())
    assert [s["text"] for s in expanded["children"][0]["trace"] if s["kind"] == "fact"] == said


def test_a_rate_cell_holding_85_says_what_to_type_in_the_cell(tmp_path, capsys):
    """85 in a percent cell shows 8500%; F021 told the person filling the workbook to write the JSON "85%"."""
    row, err = _refused_cell(tmp_path, capsys, "依申请公开回复率", 85)
    assert (f"基础数据!C{row}：行政许可.依申请公开回复率：单元格中的比率是 85，即 8500%，超过 100%；"
            "若指 85%，请在单元格中输入 85%（带百分号），或输入 0.85。") in err
    assert '"85%"' not in err


def test_a_list_sheet_s_title_names_its_group_as_the_main_sheet_does(tmp_path):
    import openpyxl
    out = tmp_path / "表.xlsx"
    assert main(["template", str(RULES), "-o", str(out)]) == 0
    ws = openpyxl.load_workbook(out)["制度.瑕疵"]  # the sheet's name is how the reader finds it: unchanged
    assert ws["A1"].value == "制度 › 瑕疵（列表：每行一项，可增加行；没有则留空）" and ws["A1"].font.bold


def test_a_comparison_in_the_analysis_is_said_in_words_before_the_formula(capsys):
    """「≈88.67% ÷ 90% × 10 = 9.85，不满足 88.67% ≥ 90%」: program text, a ≈ in prose, and the reason after the
    arithmetic it decided.  Now 「满意度 88.67%，低于 90%，88.67% ÷ 90% × 10 = 9.85」: 266/300 = 88.666…%."""
    rural = RULES.parent / "examples" / "rural-road-self-assessment"
    assert main(["explain", str(rural / "rules"), str(rural / "facts-2024.json"), "沿线群众满意度"]) == 0
    out = capsys.readouterr().out
    assert "满意度 88.67%，低于 90%，88.67% ÷ 90% × 10 = 9.85，得 9.85 分。" in out
    assert "≈" not in out.split("失分原因")[0] and "不满足" not in out
    assert main(["explain", str(RULES), str(SEED_FACTS), "重点事项完成情况"]) == 0
    assert "重点事项完成率 = 6 ÷ 6 = 100%，不低于 100%，得满分 5 分。" in capsys.readouterr().out
    project = RULES.parent / "examples" / "project-expenditure"
    assert main(["explain", str(project / "rules"), str(project / "facts-2024.json"), "实际完成率"]) == 0
    assert "19 ÷ 20 = 95%，在 60% 至 100%（不含）之间" in capsys.readouterr().out  # 60% ≤ 95% < 100% in words


def test_a_proportional_score_says_the_rate_it_used_and_where_it_lies(tmp_path, capsys):
    """「实际数量 19，计划数量 20，60% ≤ 95% < 100%，按比例计 95% × 10」: where 95% came from went unsaid, and the
    band read as a formula.  19 ÷ 20 = 95%, in [60%, 100%): 95% × 10 = 9.5."""
    project = RULES.parent / "examples" / "project-expenditure"
    assert main(["explain", str(project / "rules"), str(project / "facts-2024.json"), "实际完成率"]) == 0
    assert ("实际数量 19，计划数量 20，19 ÷ 20 = 95%，在 60% 至 100%（不含）之间，按比例计 95% × 10 = 9.5，"
            "得 9.5 分。") in capsys.readouterr().out
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["行政许可"]["依申请公开回复率"] = "90%"  # a fact rate: said once, then where it lies
    facts["营商环境"]["帮办领办服务完成率"] = "50%"
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    assert main(["explain", str(RULES), str(path), "行政审批办理完成情况"]) == 0
    assert ("依申请公开回复（2 分）：依申请公开回复率 90%，在 60% 至 100%（不含）之间，按比例计 90% × 2 = 1.8，"
            "得 1.8 分。") in capsys.readouterr().out
    assert main(["explain", str(RULES), str(path), "帮办领办服务完成情况"]) == 0
    assert "帮办领办服务完成率 50%，低于 60%，得 0 分。" in capsys.readouterr().out


def test_the_way_to_improve_changes_a_measure_not_its_benchmark(capsys):
    """得分 = min(1, 目标成本 ÷ 实际成本) × 5 with 100 and 104: the way to full marks was 「目标成本不低于 104」 —
    raising one's own target.  It is the cost: 100 ÷ 实际成本 ≥ 1 ⇔ 实际成本 ≤ 100."""
    project = RULES.parent / "examples" / "project-expenditure"
    assert main(["explain", str(project / "rules"), str(project / "facts-2024.json"), "成本节约情况"]) == 0
    out = capsys.readouterr().out
    assert "实际成本不高于 100（现为 104），可得满分，可再得 0.19 分。" in out and "目标成本不低于" not in out
