"""允许 W… "理由": reviewed warnings, the declared 总分 (E130) and band gaps as errors (E160)."""

import json

from perfdsl.cli import main
from perfdsl.ruleset.check import check
from perfdsl.ruleset.loader import load
from perfdsl.syntax.formatter import format_text

HEAD = "体系 测试 { 总分 5 舍入 2 位 四舍五入 等级 { ≥ 3 → 合格; < 3 → 不合格 } }\n事实 { a: 比率 [0, 1] }\n"
OVER = ('指标 甲 分值 5 {\n  允许 W130 "原报告评分标准所定"\n'
        "  子项 一 分值 3 = a × 3\n  子项 二 分值 3 = a × 3\n}\n")


def rules_dir(tmp_path, text: str):
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    (d / "a.perf").write_text(text, encoding="utf-8")
    return d


def checked(tmp_path, text: str):
    return check(load(rules_dir(tmp_path, text)))


def test_an_accepted_warning_is_not_reported_and_keeps_its_reason(tmp_path):
    c = checked(tmp_path, HEAD + OVER)
    assert c.diagnostics == ()
    [(d, a)] = c.accepted
    assert d.code == "W130" and a.code == "W130" and a.reason == "原报告评分标准所定"


def test_check_counts_accepted_warnings_and_strict_passes(tmp_path, capsys):
    d = rules_dir(tmp_path, HEAD + OVER)
    assert main(["check", "--strict", str(d)]) == 0
    err = capsys.readouterr().err
    assert "W130" not in err and "另有 1 条警告已按规则中的说明接受" in err
    assert main(["check", "--show-accepted", str(d)]) == 0
    err = capsys.readouterr().err
    assert "已接受的警告[W130]" in err and "理由" in err and "原报告评分标准所定" in err
    assert main(["check", "--format", "json", str(d)]) == 0
    [diag] = json.loads(capsys.readouterr().out)
    assert diag["code"] == "W130" and diag["accepted"]["reason"] == "原报告评分标准所定"
    assert diag["accepted"]["line"] == 4


def test_without_the_accept_the_warning_fails_strict(tmp_path, capsys):
    d = rules_dir(tmp_path, HEAD + OVER.replace('  允许 W130 "原报告评分标准所定"\n', ""))
    assert main(["check", "--strict", str(d)]) == 1
    assert "警告[W130]" in capsys.readouterr().err


def test_an_accept_only_covers_its_own_indicator_and_code(tmp_path):
    unaccepted = OVER.replace("甲", "乙").replace('  允许 W130 "原报告评分标准所定"\n', "")
    text = HEAD.replace("总分 5", "总分 10") + OVER + unaccepted
    c = checked(tmp_path, text)
    assert [d.code for d in c.diagnostics] == ["W130"] and "`乙`" in c.diagnostics[0].message
    assert len(c.accepted) == 1


def test_an_accept_that_matches_nothing_is_a_warning(tmp_path):
    c = checked(tmp_path, HEAD + '指标 甲 分值 5 {\n  允许 W131 "没有这个警告"\n  得分 = a × 5\n}\n')
    [d] = c.diagnostics
    assert d.code == "W180" and d.span.line == 4 and "W131" in d.message


def test_an_error_cannot_be_accepted(tmp_path):
    for code in ("E124", "W999"):
        c = checked(tmp_path, HEAD + f'指标 甲 分值 5 {{\n  允许 {code} "不行"\n  得分 = a × 5\n}}\n')
        assert [d.code for d in c.errors] == ["E131"], code
    c = checked(tmp_path, HEAD + '指标 甲 分值 5 {\n  允许 W130 " "\n  子项 一 分值 6 = a × 6\n}\n')
    assert {d.code for d in c.diagnostics} == {"E131", "W130"}


def test_accepted_warnings_are_in_the_explanation_and_the_reports(tmp_path, capsys):
    d = rules_dir(tmp_path, HEAD + OVER)
    facts = tmp_path / "f.json"
    facts.write_text('{"a": 1}', encoding="utf-8")
    for trace in ([], ["--no-trace"]):
        assert main(["eval", str(d), str(facts), "--format", "json", *trace]) == 0
        doc = json.loads(capsys.readouterr().out)
        leaf = doc["children"][0]
        assert leaf["accepted"] == [{"code": "W130", "reason": "原报告评分标准所定"}]
        assert list(leaf)[list(leaf).index("at") + 1] == "accepted"
    for fmt in ("md", "html"):
        out = tmp_path / f"r.{fmt}"
        assert main(["report", str(d), str(facts), "--format", fmt, "-o", str(out)]) == 0
        assert "规则已接受的检查警告 W130" in out.read_text(encoding="utf-8")


def test_documents_without_accept_have_no_accepted_field(tmp_path, capsys):
    d = rules_dir(tmp_path, HEAD + '指标 甲 分值 5 { 得分 = a × 5 }\n')
    facts = tmp_path / "f.json"
    facts.write_text('{"a": 1}', encoding="utf-8")
    assert main(["eval", str(d), str(facts), "--format", "json"]) == 0
    assert "accepted" not in capsys.readouterr().out


def test_fmt_writes_accept_and_total_in_both_languages():
    text = HEAD + OVER
    en = format_text(text, keywords="en")
    assert 'accept W130 "原报告评分标准所定"' in en and "total_points 5" in en
    zh = format_text(en, keywords="zh")
    assert zh == format_text(text) and '  允许 W130 "原报告评分标准所定"' in zh and "  总分 5" in zh


def test_total_points_differ_from_100_is_an_error(tmp_path):
    c = checked(tmp_path, "体系 测试 { 舍入 2 位 四舍五入 }\n事实 { a: 比率 [0, 1] }\n"
                          "指标 甲 分值 60 { 得分 = a × 60 }\n指标 乙 分值 41 { 得分 = a × 41 }\n")
    [d] = c.errors
    assert d.code == "E130" and "101" in d.message and "100" in d.message
    c = checked(tmp_path, "体系 测试 { 总分 101 }\n事实 { a: 比率 [0, 1] }\n"
                          "指标 甲 分值 60 { 得分 = a × 60 }\n指标 乙 分值 41 { 得分 = a × 41 }\n"
                          "指标 丙 加分 2 { 得分 = a × 2 }\n")
    assert c.errors == []


def test_a_band_gap_is_an_error_unless_the_declared_range_excludes_it(tmp_path):
    band = '指标 甲 分值 5 { 得分 = 区间 a { (0, 50%] → 5; > 50% → 0 } }\n'
    c = checked(tmp_path, "体系 测试 { 总分 5 }\n事实 { a: 比率 }\n" + band)
    assert [d.code for d in c.errors] == ["E160"] and "0" in c.errors[0].message
    c = checked(tmp_path, "体系 测试 { 总分 5 }\n事实 { a: 比率 (0, 1] }\n" + band)
    assert c.errors == []
