"""A third user's-eye review: a new indicator system written from a Word-style 评分标准 on Windows, its
workbook filled by hand, the reports read by an auditor.  Each finding is pinned by the case that showed it;
expected words are worked out by hand from the rules and facts."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from perfdsl.cli import main
from perfdsl.ruleset.check import check
from perfdsl.ruleset.loader import load

from .conftest import RULES, SEED_FACTS

HEAD = "体系 示例 { 舍入 2 位 四舍五入  等级 { ≥ 60 → 合格; < 60 → 不合格 } }\n"


def _warnings(tmp_path: Path, text: str, code: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    (tmp_path / "a.perf").write_text(HEAD + text, encoding="utf-8")
    return [(d.span.line, d.span.column, d.message, d.suggestions)
            for d in check(load(tmp_path)).diagnostics if d.code == code]


# ------------------------------------------------------------------ 85 meaning 85%

def test_a_band_of_a_rate_written_without_percent_signs_says_to_write_them(tmp_path):
    """满意度≧90％ typed as ≥ 90: only W162 ('never used') came, without the way to fix it."""
    rules = ("事实 { 满意度: 比率 }\n"
             "指标 甲 分值 100 { 得分 = 区间 满意度 {\n  ≥ 90 → 100\n  [80, 90) → 60\n  < 80 → 0\n} }\n")
    got = _warnings(tmp_path, rules, "W221")
    assert [(line, col) for line, col, _m, _s in got] == [(4, 5), (5, 4), (5, 8), (6, 5)]
    assert got[0][2:] == ("`满意度` 是比率（以小数表示，1 = 100%），这里的 90 是 9000%", ("是否想写 90%？",))
    assert got[1][2] == "`满意度` 是比率（以小数表示，1 = 100%），这里的 80 是 8000%"


def test_a_step_deduction_below_85_of_a_rate_is_said_to_be_8500_percent(tmp_path):
    """每低于85％一个百分点扣1分 typed as 低于 85 每 1 扣 1: nothing was said, and every rate lost all points."""
    rules = ("事实 { 执行数: 数值 ≥ 0\n 预算数: 数值 > 0 }\n"
             "指标 甲 分值 100 {\n  令 执行率: 比率 = 执行数 ÷ 预算数\n  逐级扣 执行率 低于 85 每 1 扣 1\n}\n")
    got = _warnings(tmp_path, rules, "W221")
    assert [(line, col, m) for line, col, m, _s in got] == [
        (6, 14, "`执行率` 是比率（以小数表示，1 = 100%），这里的 85 是 8500%"),
        (6, 19, "`执行率` 是比率（以小数表示，1 = 100%），这里的 1 是 100%"),
    ]
    assert [s for *_x, s in got] == [("是否想写 85%？",), ("是否想写 1%？",)]


def test_the_floor_of_a_proportional_score_written_60_is_said_to_be_6000_percent(tmp_path):
    rules = ("事实 { 人次: 整数 ≥ 0\n 目标: 整数 > 0 }\n"
             "指标 甲 分值 30 { 得分 = 按比例(人次 ÷ 目标, 30, 60) }\n")
    got = _warnings(tmp_path, rules, "W221")
    assert [(line, m, s) for line, _c, m, s in got] == [
        (4, "按比例(…) 的第 3 个参数是比率（以小数表示，1 = 100%），这里的 60 是 6000%", ("是否想写 60%？",))]


def test_rates_written_as_percentages_or_fractions_are_not_flagged(tmp_path):
    rules = ("事实 { 率: 比率\n 人次: 整数 ≥ 0\n 目标: 整数 > 0 }\n"
             "指标 甲 分值 100 {\n  令 覆盖: 比率 = 人次 ÷ 目标\n"
             "  子项 一 分值 50 = 区间 率 { ≥ 0.9 → 50; [80%, 90%) → 30; < 80% → 0 }\n"
             "  子项 二 分值 50 = 按比例(覆盖, 50, 0.6)\n"
             "  逐级扣 覆盖 低于 85% 每 0.5% 扣 1\n}\n")
    assert _warnings(tmp_path, rules, "W221") == []


# ------------------------------------------------------------------ a level written as the seed's

def test_an_indicator_written_at_the_wrong_level_says_which_keyword_to_write(tmp_path):
    """A two-level system copied from the seed's 三级指标: the error said the level, not what to type."""
    rules = "一级指标 过程 分值 100 {\n  三级指标 执行率 分值 100 { 得分 = 100 }\n}\n"
    (tmp_path / "a.perf").write_text(HEAD + rules, encoding="utf-8")
    got = [(d.span.line, d.message, d.suggestions) for d in check(load(tmp_path)).diagnostics]
    assert got == [(3, "`执行率` 写作三级指标，但位于第 2 级", ("把 三级指标 改为 二级指标，或只写 指标",))]


# ------------------------------------------------------------------ a renamed sheet

def test_a_renamed_sheet_is_said_once_with_the_sheets_there_and_the_name_to_give_back(tmp_path, capsys):
    """基础数据 renamed 基础数据（已填） in Excel: one F031 per cell of it (sixty on the seed's), none saying
    which sheets the workbook has or that renaming it back is the fix."""
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    wb = openpyxl.load_workbook(book)
    wb["基础数据"].title = "基础数据（已填）"
    wb.save(book)
    capsys.readouterr()
    assert main(["eval", str(RULES), str(book)]) == 1
    err = capsys.readouterr().err
    assert err.count("F031") == 1
    assert "找不到工作表「基础数据」（工作簿中现有：基础数据（已填）、酌情评分、" in err
    assert "请把改过名的工作表改回「基础数据」" in err


# ------------------------------------------------------------------ a leaf that is a 一级 or 二级指标

TWO_LEVELS = ("事实 { 执行数: 数值 ≥ 0\n 预算数: 数值 > 0\n 满意度: 比率 }\n"
              "一级指标 过程 分值 40 {\n"
              "  二级指标 预算执行率 分值 40 { 得分 = 40 × 执行数 ÷ 预算数 }\n}\n"
              "一级指标 效益 分值 60 {\n"
              "  二级指标 满意度 分值 60 { 得分 = 若 满意度 ≥ 90% 则 60 否则 30 }\n}\n")


def test_a_two_level_system_s_report_puts_its_leaves_under_二级指标_and_rates_them(tmp_path, capsys):
    """The report filed every leaf under 三级指标 with 二级指标 blank, and its 二级指标得分率 table was empty."""
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.perf").write_text(HEAD + TWO_LEVELS, encoding="utf-8")
    (tmp_path / "f.json").write_text('{"执行数": 90, "预算数": 120, "满意度": 0.8}', encoding="utf-8")
    assert main(["report", str(tmp_path / "r"), str(tmp_path / "f.json"), "--format", "md"]) == 0
    out = capsys.readouterr().out
    assert "| 过程 (40) | 预算执行率 (40) | 预算执行率 | 40 |" in out
    # 40 × 90 ÷ 120 = 30 of 40 = 75%; 满意度 80% < 90% → 30 of 60 = 50%
    rates = out.split("## 二级指标得分率")[1].split("## 来源")[0]
    assert "| 过程 | 预算执行率 | 40 | 30.00 | 75.00% |" in rates
    assert "| 效益 | 满意度 | 60 | 30.00 | 50.00% |" in rates


def test_a_first_level_indicator_scored_on_its_own_fills_its_column_and_its_rate_row(tmp_path):
    """The common framework's 一级指标 预算执行率 10 (no 二级): its 一级指标 cell was blank, as if it were a bonus
    item, and the 二级指标得分率表 left it out while its 合计 row said 100."""
    import docx
    out = tmp_path / "评分表.docx"
    road = Path(__file__).resolve().parent.parent / "examples" / "rural-road-self-assessment"
    assert main(["report", str(road / "rules"), str(road / "facts-2024.json"), "-o", str(out)]) == 0
    table, rates = docx.Document(str(out)).tables[:2]
    assert [c.text for c in table.rows[1].cells][:4] == ["预算执行率 (10)", "", "预算执行率", "10"]
    # 2850 ÷ 3000 = 95% → 9.5 of 10
    assert [c.text for c in rates.rows[1].cells] == ["预算执行率", "预算执行率", "10", "9.50", "95.00%"]
    weights = [int(r.cells[2].text) for r in rates.rows[1:-1]]
    assert rates.rows[-1].cells[0].text == "合计" and sum(weights) == int(rates.rows[-1].cells[2].text) == 100


# ------------------------------------------------------------------ two years of one unit

def test_diff_of_one_unit_s_two_years_compares_them_and_says_the_facts_differ(tmp_path, capsys):
    """diff 2023.json 2024.json (one document each) was refused as 「不是同一套事实」, with no way to compare."""
    import json
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["预算编制"]["年初结转结余资金收入预算数"] = 1
    facts["预算编制"]["上年末结转结余资金收入决算数"] = 2
    other = tmp_path / "事实 2025.json"
    other.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    old, new = tmp_path / "2024.json", tmp_path / "2025.json"
    assert main(["eval", str(RULES), str(SEED_FACTS), "--no-trace", "-o", str(old)]) == 0
    assert main(["eval", str(RULES), str(other), "--no-trace", "-o", str(new)]) == 0
    capsys.readouterr()
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    # |1 − 1/2| = 50% → 0.5 where it was 0: 预算编制完整性 2 → 2.5, 总分 96.67 → 97.17 (tutorial, 六)
    assert "总分 96.67 → 97.17" in out and "（事实不同）" in out
    assert "    预算编制完整性  2.00 → 2.50\n" in out
    assert "共比较 1 套：1 套总分变化，0 套等级变化" in out


# ------------------------------------------------------------------ a result named .jsonl

def test_one_fact_set_scored_to_a_jsonl_file_is_one_json_line(tmp_path, capsys):
    """eval 事实.json -o 2024.jsonl wrote the document over 400 indented lines; read back (the workbench's batch
    list offers every .jsonl beside the facts) each line was a JSON syntax error, not 「这是评分结果」."""
    import json
    out = tmp_path / "2024.jsonl"
    assert main(["eval", str(RULES), str(SEED_FACTS), "--no-trace", "-o", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["score"] == "96.67"
    capsys.readouterr()
    assert main(["eval", str(RULES), str(out)]) == 1
    err = capsys.readouterr().err
    assert "F009" in err and "这是 perfdsl eval 写出的评分结果，不是事实" in err and "F002" not in err


# ------------------------------------------------------------------ what a Chinese author types

def _syntax(tmp_path: Path, body: str) -> tuple[str, tuple[str, ...]]:
    from perfdsl.diagnostics import PerfdslError
    (tmp_path / "a.perf").write_text(HEAD + body, encoding="utf-8")
    try:
        load(tmp_path)
    except PerfdslError as exc:
        d = exc.diagnostics[0]
        return d.message, d.suggestions
    raise AssertionError("parsed")


def test_points_written_with_分_say_to_write_the_number_alone(tmp_path):
    """分值 3分 pasted from the 评分表: 「此处不应出现 `分`」 and the guess 「是否想写关键字 `且`？」."""
    message, suggestions = _syntax(tmp_path, "指标 甲 分值 100分 { 得分 = 100 }\n")
    assert message == "在 指标 甲 中：分值与分数只写数字，不写“分”：`100分` 写作 `100`"
    assert suggestions == ()
    message, _ = _syntax(tmp_path, "事实 { a: 布尔 }\n指标 甲 分值 100 { 扣 2分 若 a }\n")
    assert message.endswith("分值与分数只写数字，不写“分”：`2分` 写作 `2`")


def test_a_name_with_brackets_says_to_quote_it(tmp_path):
    message, _ = _syntax(tmp_path, "指标 资金到位率（%） 分值 100 { 得分 = 100 }\n")
    assert message == ("在 指标 资金到位率 中：名称 `资金到位率` 之后紧跟着括号：名称中有括号、百分号等符号时，"
                       "把整个名称写在英文双引号中，如 `\"资金到位率（%）\"`")
    (tmp_path / "a.perf").write_text(HEAD + "指标 \"资金到位率（%）\" 分值 100 { 得分 = 100 }\n", encoding="utf-8")
    assert [d.code for d in check(load(tmp_path)).diagnostics] == []


def test_如果_那么_并且_suggest_the_keywords_and_no_single_character_is_guessed(tmp_path):
    facts = "事实 { 率: 比率 }\n"
    _m, s = _syntax(tmp_path, facts + "指标 甲 分值 100 { 得分 = 如果 率 ≥ 90% 则 100 否则 0 }\n")
    assert s == ("`如果` 不是关键字：请写 `若`",)
    _m, s = _syntax(tmp_path, facts + "指标 甲 分值 100 { 得分 = 若 率 ≥ 90% 那么 100 否则 0 }\n")
    assert s == ("`那么` 不是关键字：请写 `则`",)
    _m, s = _syntax(tmp_path, facts + "指标 甲 分值 100 { 得分 = 若 率 ≥ 90% 并且 率 < 1 则 100 否则 0 }\n")
    assert s == ("`并且` 不是关键字：请写 `且`",)
    _m, s = _syntax(tmp_path, facts + "指标 甲 分值 100 { 得分 = 若 率 ≥ 90% 则 100 否侧 0 }\n")
    assert s == ("是否想写关键字 `否则`？",)
    _m, s = _syntax(tmp_path, facts + "指标 甲 分值 100 { 得分 = 100 率 }\n")
    assert s == ()  # 率 shares no character with 且, 若, 扣 …: no guess


# ------------------------------------------------------------------ a filled workbook written over

def test_template_refuses_to_write_a_blank_table_over_a_filled_one(tmp_path, capsys):
    """After a rule change the documented `template rules/ -o 基础数据表.xlsx` was run again on the same name:
    the evaluator's filled workbook was replaced by a blank one, silently."""
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(RULES), "-o", str(book)]) == 0
    assert main(["template", str(RULES), "-o", str(book)]) == 0  # a blank one: nothing to lose
    wb = openpyxl.load_workbook(book)
    wb["基础数据"]["C4"] = "和平区政务服务办"  # typed by hand: two value cells and an evidence cell
    wb["基础数据"]["C5"] = 2024
    wb["基础数据"]["G5"] = "年度报告"
    wb.save(book)
    before = book.read_bytes()
    capsys.readouterr()
    assert main(["template", str(RULES), "-o", str(book)]) == 1
    assert book.read_bytes() == before
    err = capsys.readouterr().err
    assert "错误[O007]" in err and "是已填写的基础数据表（3 个单元格有值），重新生成会清空这些数据" in err
    assert f"perfdsl template {RULES} --facts {book} -o 新表.xlsx" in err


# ------------------------------------------------------------------ which date

def test_the_analysis_names_the_dates_a_deduction_counted_days_between(tmp_path, capsys):
    """「逾期：2024年11月18日 晚于期限 2024年10月31日 18 天」 and 「天数差：2024年3月15日 至 2024年4月26日」: the
    auditor was not told which dates of the facts these were."""
    road = Path(__file__).resolve().parent.parent / "examples" / "rural-road-self-assessment"
    assert main(["explain", str(road / "rules"), str(road / "facts-2024.json"), "完工及时性"]) == 0
    # 完工日期 2024年11月18日 (facts-2024.json), 期限 2024年10月31日 in the rule: 18 days late
    assert "逾期：完工日期 2024年11月18日 晚于期限 2024年10月31日 18 天。" in capsys.readouterr().out
    assert main(["explain", str(road / "rules"), str(road / "facts-2024.json"), "资金下达及时性"]) == 0
    assert "天数差：收到日期 2024年3月15日 至 下达日期 2024年4月26日 = 42 天。" in capsys.readouterr().out


# ------------------------------------------------------------------ a test case typed with an input method

def _case(tmp_path: Path, capsys, case: str) -> str:
    (tmp_path / "cases.yaml").write_text(f"base: {SEED_FACTS.as_posix()}\ncases:\n{case}", encoding="utf-8")
    capsys.readouterr()
    main(["test", str(RULES), str(tmp_path / "cases.yaml")])
    return capsys.readouterr().out


def test_a_case_s_fact_path_with_a_full_width_dot_is_the_path(tmp_path, capsys):
    """预算编制．年初结转结余资金收入预算数 (the IME's ．, which the rules take as .) was 「规则没有声明这个事实，
    已忽略；是否想写 “预算编制”？」 and the case failed."""
    out = _case(tmp_path, capsys, "  - name: 偏离度 50%\n"
                                  "    set:\n"
                                  "      预算编制．年初结转结余资金收入预算数: 1\n"
                                  "      预算编制．上年末结转结余资金收入决算数: 2\n"
                                  "    expect: {预算编制完整性: 2.5}\n")
    assert "1 个用例：1 个通过，0 个失败" in out  # |1 − 1/2| = 50% → 0.5; 2 + 0.5 = 2.5 (tutorial, 六)


def test_an_expected_score_written_with_分_says_to_write_the_number(tmp_path, capsys):
    out = _case(tmp_path, capsys, "  - name: 写了分\n    expect: {预算编制完整性: 2分}\n")
    assert ("“预算编制完整性” 的期望值 “2分” 不是数字；expect 中的得分只写数字（不写“分”、单位或引号），"
            "如 预算编制完整性: 2") in out


def test_a_rate_declared_0_to_100_says_it_lets_85_through_as_8500_percent(tmp_path, capsys):
    """满意度: 比率 [0, 100] (the range in points): the facts 75 (meant 75%) passed as 7500% and 按比例 gave
    100 of 100, with nothing said by check."""
    rules = ("事实 { 满意度: 比率 [0, 100]\n 完成率: 比率 [0, 10] }\n"
             "指标 甲 分值 100 { 得分 = 按比例(满意度, 50, 60%) + 按比例(完成率, 50, 60%) }\n")
    got = _warnings(tmp_path, rules, "W221")
    assert [(line, m, s) for line, _c, m, s in got] == [
        (2, "比率以小数表示（1 = 100%），取值范围中的 100 是 10000%：事实中写成 85（本意 85%）也会被接受，"
            "按 8500% 评分", ("是否想写 100%？",))]  # [0, 10]: the seed's own range of a rate exceeded: silent


# ------------------------------------------------------------------ a row or a column added by hand

def _seed_book(tmp_path: Path) -> Path:
    book = tmp_path / "基础数据表.xlsx"
    assert main(["template", str(RULES), "--facts", str(SEED_FACTS), "-o", str(book)]) == 0
    return book


def _first_fact_row(ws) -> int:
    return next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value and ws.cell(r, 3).value is not None)


def test_a_row_inserted_in_the_filled_table_is_named_not_read_as_its_neighbour_s_values(tmp_path, capsys):
    """A note row inserted above a fact (or an unneeded row deleted) shifted every value under it by one row: the map
    read each fact from its neighbour's cell, and the messages named cells and values the evaluator had not typed
    there (C9 “100.5” 不是日期) — or nothing at all where the neighbours' types agreed."""
    book = _seed_book(tmp_path)
    wb = openpyxl.load_workbook(book)
    ws = wb["基础数据"]
    row = _first_fact_row(ws)
    label = ws.cell(row, 2).value
    ws.insert_rows(row)
    ws.cell(row, 2).value = "（以下据决算报表填写）"
    wb.save(book)
    capsys.readouterr()
    assert main(["eval", str(RULES), str(book)]) == 1
    err = capsys.readouterr().err
    assert err.count("错误[") == 1
    assert f"基础数据!B{row} 应为“{label}”，现为 “（以下据决算报表填写）”：表中插入或删除了行或列" in err
    assert "请撤销插入或删除的行、列后再评分" in err


def test_a_column_inserted_before_the_values_is_named_and_one_added_at_the_right_is_fine(tmp_path, capsys):
    book = _seed_book(tmp_path)
    wb = openpyxl.load_workbook(book)
    wb["基础数据"].insert_cols(3)  # every value moves from C to D: all of them were 「必填的单元格为空」
    wb.save(book)
    capsys.readouterr()
    assert main(["eval", str(RULES), str(book)]) == 1
    assert "基础数据!C3 应为“填写值”，现为 空白" in capsys.readouterr().err
    (tmp_path / "右").mkdir()
    book = _seed_book(tmp_path / "右")
    wb = openpyxl.load_workbook(book)
    wb["基础数据"]["I3"] = "核对人"  # a column of one's own after the last one moves nothing
    wb["基础数据"]["I5"] = "李四"
    wb.save(book)
    capsys.readouterr()
    assert main(["eval", str(RULES), str(book)]) == 0
    assert "总分 96.67 / 100  等级 优" in capsys.readouterr().out


# ------------------------------------------------------------------ evidence and 失分原因与提升空间

def test_facts_given_with_their_sources_still_get_the_way_to_improve(tmp_path, capsys):
    """One fact written {"值": …, "来源": …} (or a filled 佐证材料 column) and no indicator had its 失分原因与提升空间:
    the analysis validated the facts with their sources still on them, failed, and said nothing."""
    import json
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["预算编制"]["年初预算收入种类数"] = {"值": 1, "来源": "2024年部门预算批复第2页"}
    sourced = tmp_path / "事实.json"
    sourced.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    assert main(["explain", str(RULES), str(sourced), "预算编制完整性"]) == 0
    out = capsys.readouterr().out
    # the auditor's guide: |1 − 预算数 ÷ 2.07| ≤ 70% needs 预算数 ≥ 0.621, to the fact's 0.01: 0.63 → 0.5 more
    assert "失分原因与提升空间：" in out
    assert "年初结转结余资金收入预算数不低于 0.63 万元（现为 0 万元），可再得 0.5 分" in out


def test_explain_of_a_group_in_a_two_level_system_names_its_二级指标(tmp_path, capsys):
    """「explain 说明一个三级指标」 in a system whose scored indicators are 二级指标."""
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.perf").write_text(HEAD + TWO_LEVELS, encoding="utf-8")
    (tmp_path / "f.json").write_text('{"执行数": 90, "预算数": 120, "满意度": 0.8}', encoding="utf-8")
    assert main(["explain", str(tmp_path / "r"), str(tmp_path / "f.json"), "过程"]) == 1
    assert capsys.readouterr().err == "perfdsl: “过程” 是一级指标；explain 说明一个二级指标，请写其中之一：预算执行率\n"
    assert main(["explain", str(RULES), str(SEED_FACTS), "部门决策"]) == 1
    assert "explain 说明一个三级指标，请写其中之一：" in capsys.readouterr().err
