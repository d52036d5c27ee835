"""`perfdsl check` and `perfdsl fmt`."""

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdsl.cli import main
from perfdsl.diagnostics import PerfdslError
from perfdsl.engine import Engine
from perfdsl.ruleset.check import check
from perfdsl.ruleset.loader import load
from perfdsl.syntax import ast as A
from perfdsl.syntax.builder import build
from perfdsl.syntax.formatter import comments_of, format_text
from perfdsl.syntax.printer import Printer

from .conftest import ROOT, RULES, SEED_FACTS

CASES = sorted((Path(__file__).parent / "check_cases").glob("*.perf"))
ALL_RULE_FILES = sorted(ROOT.glob("rules/**/*.perf")) + sorted(ROOT.glob("examples/**/*.perf"))


def _diagnostics(path: Path):
    try:
        return list(check(load(path)).diagnostics)
    except PerfdslError as exc:
        return list(exc.diagnostics)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_error_expectation_file(case):
    """Each file marks its mistake with `# expect: CODE` on the line the diagnostic must point at."""
    text = case.read_text(encoding="utf-8")
    expected = [(n, m.group(1)) for n, line in enumerate(text.splitlines(), 1)
                for m in [re.search(r"# expect: (\w+)", line)] if m]
    assert expected
    got = {(d.span.line if d.span else None, d.code) for d in _diagnostics(case)}
    for line, code in expected:
        if code == "E002":  # end of file: the line after the last
            assert any(c == "E002" for _, c in got), got
        else:
            assert (line, code) in got, (line, code, got)


def test_messages_are_actionable():
    diags = {d.code: d for d in _diagnostics(Path(__file__).parent / "check_cases" / "unknown_fact.perf")}
    assert "是否想写 `预算执行数`" in diags["E215"].suggestions[0]
    diags = {d.code: d for d in _diagnostics(Path(__file__).parent / "check_cases" / "keyword_without_space.perf")}
    assert any("`若 未执行`" in s for s in diags["E003"].suggestions)
    diags = {d.code: d for d in _diagnostics(Path(__file__).parent / "check_cases" / "band_gap.perf")}
    assert "[0, 0]" in diags["E160"].message
    diags = {d.code: d for d in _diagnostics(Path(__file__).parent / "check_cases" / "syntax_missing_weight.perf")}
    assert "在 指标 预算执行情况" in diags["E003"].message and "数字" in diags["E003"].message


def test_check_seed_rules_exit_zero_with_four_accepted_warnings(capsys):
    """The four over-weight W130 are accepted in the rules (允许 W130 "…"): counted, not printed; --strict passes."""
    assert main(["check", str(RULES)]) == 0
    err = capsys.readouterr().err
    assert "警告[W130]" not in err
    assert "0 个错误，0 个警告" in err and "另有 4 条警告已按规则中的说明接受" in err
    assert main(["check", str(RULES), "--strict"]) == 0
    capsys.readouterr()
    assert main(["check", str(RULES), "--show-accepted"]) == 0
    err = capsys.readouterr().err
    for name in ["行政审批办理完成情况", "“一站式”政务服务落实情况", "网上政务服务能力提升情况", "审批效率提升情况"]:
        assert f"已接受的警告[W130]：`{name}`" in err


def test_check_json_format(capsys):
    assert main(["check", str(RULES), "--format", "json"]) == 0
    diags = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in diags] == ["W130"] * 4
    assert all("原报告评分标准所定" in d["accepted"]["reason"] for d in diags)
    assert all({"file", "line", "column", "message", "severity"} <= set(d) for d in diags)


def test_diagnostic_rendering_golden(tmp_path, capsys):
    d = tmp_path / "r"
    d.mkdir()
    (d / "a.perf").write_text("事实 { 完成率: 比率 }\n指标 甲 分值 3 {\n  得分 = 按比例(完成律, 3, 60%)\n}\n",
                              encoding="utf-8")
    import os
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["check", "r"]) == 1
    finally:
        os.chdir(cwd)
    lines = capsys.readouterr().err.splitlines()
    at = next(i for i, line in enumerate(lines) if "错误[E215]" in line)
    assert lines[at:at + 4] == [
        "r/a.perf:3:12: 错误[E215]：未知的名称 `完成律`：事实中没有 `完成律`，也不是已定义的值",
        "    3 |   得分 = 按比例(完成律, 3, 60%)",
        "      |                 ^^^^^^",
        "  = 建议：是否想写 `完成率`？",
    ]


# ---------------------------------------------------------------- fmt

@pytest.mark.parametrize("path", ALL_RULE_FILES, ids=lambda p: p.name)
def test_fmt_round_trips_and_is_idempotent(path):
    text = path.read_text(encoding="utf-8")
    once = format_text(text, str(path))
    assert build(once, "x").items == build(text, "x").items
    assert format_text(once, str(path)) == once
    assert [c for _, c in comments_of(once)] == [c for _, c in comments_of(text)]


@pytest.mark.parametrize("rules", [RULES, *sorted((ROOT / "examples").glob("*/rules"))],
                         ids=lambda p: p.parent.name)
def test_repository_rules_are_formatted(rules, capsys):
    """Every rule set shipped is in fmt's layout (the project example was not, and fmt moved its comment)."""
    assert main(["fmt", "--check", str(rules)]) == 0, capsys.readouterr()


def test_fmt_keeps_comments_beside_system_settings():
    """A comment after 标题 or 不适用时 stayed behind when fmt went on: it landed under the next setting."""
    text = ('体系 甲 {\n  标题 "t"  # 标题的说明\n  舍入 2 位 四舍五入\n  不适用时 重新归一  # 重新归一的说明\n'
            '  等级 {\n    ≥ 60 → 合格\n    < 60 → 不合格\n  }\n\n  一票否决 若 假 则 不合格 理由 "r"\n}\n')
    assert format_text(text, "a.perf") == text


def test_fmt_check_reports_unformatted(tmp_path, capsys):
    p = tmp_path / "a.perf"
    p.write_text("指标   甲 分值 3 {得分=1}\n", encoding="utf-8")
    assert main(["fmt", "--check", str(p)]) == 1
    assert main(["fmt", str(p)]) == 0
    assert p.read_text(encoding="utf-8") == "指标 甲 分值 3 {\n  得分 = 1\n}\n"
    assert main(["fmt", "--check", str(p)]) == 0


def test_keywords_switch_language_and_scores_do_not_change(tmp_path):
    en, back = tmp_path / "en", tmp_path / "zh"
    en.mkdir()
    back.mkdir()
    for f in sorted(RULES.glob("*.perf")):
        english = format_text(f.read_text(encoding="utf-8"), f.name, keywords="en")
        code = "\n".join(line for line in english.splitlines()
                         if not line.strip().startswith(("explanation", "criteria", "#")))
        assert " 若 " not in code and " 分值 " not in code
        (en / f.name).write_text(english, encoding="utf-8")
        (back / f.name).write_text(format_text(english, f.name, keywords="zh"), encoding="utf-8")
    facts = SEED_FACTS.read_text(encoding="utf-8")
    for d in (en, back):
        r = Engine.from_path(d).score_text(facts)
        assert r.root.score == Engine.from_path(RULES).score_text(facts).root.score
        assert r.grade == "优"


def _parses(path: Path) -> bool:
    try:
        build(path.read_text(encoding="utf-8"), str(path))
    except PerfdslError:
        return False
    return True


@pytest.mark.parametrize("path", [p for p in ALL_RULE_FILES + CASES if _parses(p)],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_keywords_round_trip_is_exact(path):
    """`fmt --keywords en | fmt --keywords zh` = `fmt`, and back: levels, function spellings and comments kept."""
    text = path.read_text(encoding="utf-8")
    once = format_text(text, str(path))
    english = format_text(text, str(path), keywords="en")
    assert format_text(english, str(path), keywords="zh") == once
    assert format_text(format_text(once, str(path), keywords="zh"), str(path), keywords="en") == english
    assert build(english, "x").items == build(once, "x").items  # spans aside, the same rules


def test_levels_have_english_spellings():
    text = "一级指标 甲 分值 3 {\n  二级指标 乙 分值 3 {\n    三级指标 丙 分值 3 {\n      得分 = 3\n    }\n  }\n}\n"
    english = format_text(text, "x", keywords="en")
    assert [line for line in english.split("\n") if line][:3] == [
        "indicator1 甲 weight 3 {", "  indicator2 乙 weight 3 {", "    indicator3 丙 weight 3 {"]
    assert [i.declared_level for i in build(english, "x").items] == [1]
    assert format_text(english, "x", keywords="zh") == format_text(text, "x")


def test_fmt_lays_out_ladders_and_long_sums_a_line_each():
    text = ("事实 { 完成率: 比率; 执行率: 比率; 满意度: 比率 }\n"
            "指标 甲 分值 10 {\n"
            "  得分 = 若 完成率 ≥ 95% 且 执行率 ≥ 90% 则 10 否则 若 完成率 ≥ 80% 则 8 "
            "否则 若 满意度 > 50% 则 4 否则 0\n"
            "  令 短 = 若 完成率 ≥ 95% 则 1 否则 若 完成率 ≥ 80% 则 2 否则 3\n"
            "  令 长 = 完成率 × 执行率 × 满意度 + 完成率 × 执行率 × 满意度 "
            "+ 完成率 × 执行率 × 满意度 − 完成率 × 执行率 × 10\n"
            "  扣 若 完成率 ≥ 95% 则 1 否则 若 完成率 ≥ 80% 则 2 否则 3 若 满意度 < 60%\n"
            "}\n")
    out = format_text(text, "x")
    assert out.split("\n")[out.split("\n").index("指标 甲 分值 10 {") + 1:] == [
        "  得分 =",
        "    若 完成率 ≥ 95% 且 执行率 ≥ 90% 则 10",
        "    否则 若 完成率 ≥ 80% 则 8",
        "    否则 若 满意度 > 50% 则 4",
        "    否则 0",
        "  令 短 =",
        "    若 完成率 ≥ 95% 则 1",
        "    否则 若 完成率 ≥ 80% 则 2",
        "    否则 3",
        "  令 长 =",
        "    完成率 × 执行率 × 满意度",
        "    + 完成率 × 执行率 × 满意度",
        "    + 完成率 × 执行率 × 满意度",
        "    − 完成率 × 执行率 × 10",
        "  扣 (",  # parentheses: the 若 after the ladder is the deduction's condition, not its last arm
        "    若 完成率 ≥ 95% 则 1",
        "    否则 若 完成率 ≥ 80% 则 2",
        "    否则 3",
        "  ) 若 满意度 < 60%",
        "}",
        "",
    ]
    assert build(out, "x").items == build(text, "x").items
    assert format_text(out, "x") == out
    english = format_text(text, "x", keywords="en")
    assert format_text(english, "x", keywords="zh") == out


# generated expressions: print → parse gives the same tree
NAMES = st.sampled_from(["甲", "乙", "完成率", "预算执行.预算执行数", "x", "a_1", "“一站式”覆盖率"])


def _number():
    return st.one_of(
        st.integers(0, 10_000).map(lambda n: A.Number(__import__("decimal").Decimal(n), str(n), A.NO_SPAN)),
        st.integers(0, 1000).map(lambda n: A.Number(__import__("decimal").Decimal(n) / 100, f"{n}%", A.NO_SPAN)),
    )


def _path():
    return NAMES.map(lambda s: A.Path(tuple(s.split(".")), None, A.NO_SPAN))


def _interval(leaf):
    return st.builds(lambda lo, hi, lc, hc: A.Interval(lo, hi, lc and lo is not None, hc and hi is not None, A.NO_SPAN),
                     st.one_of(st.none(), _number()), st.one_of(st.none(), _number()), st.booleans(), st.booleans()
                     ).filter(lambda iv: iv.low is not None or iv.high is not None)


def _exprs():
    leaf = st.one_of(_number(), _path())

    def extend(inner):
        return st.one_of(
            st.builds(lambda op, a, b: A.Binary(op, a, b, A.NO_SPAN), st.sampled_from("+-*/"), inner, inner),
            st.builds(lambda op, a, b: A.Compare(op, a, b, A.NO_SPAN), st.sampled_from(["<", "<=", "=", "!=", ">"]),
                      inner, inner),
            st.builds(lambda op, a, b: A.Logical(op, a, b, A.NO_SPAN), st.sampled_from(["and", "or"]), inner, inner),
            st.builds(lambda x: A.Not(x, A.NO_SPAN), inner),
            st.builds(lambda x: A.Negate(x, A.NO_SPAN), inner.filter(lambda e: not isinstance(e, A.Number))),
            st.builds(lambda c, a, b: A.Conditional(c, a, b, A.NO_SPAN), inner, inner, inner),
            st.builds(lambda f, args: A.Call(f, tuple(args), A.NO_SPAN), st.sampled_from(["min", "最大", "abs"]),
                      st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda s, arms: A.Band(s, tuple(A.Arm(iv, r, A.NO_SPAN) for iv, r in arms), A.NO_SPAN),
                      inner, st.lists(st.tuples(_interval(leaf), inner), min_size=1, max_size=3)),
        )
    return st.recursive(leaf, extend, max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(_exprs(), st.sampled_from(["zh", "en"]))
def test_generated_expressions_print_and_parse_back(expr, lang):
    from perfdsl.syntax.keywords import canonical
    text = f"{canonical('KW_LET', lang)} v = {Printer(lang).expr(expr)}\n"
    [let] = build(text, "gen").items
    assert let.expr == expr
    formatted = format_text(text, "gen")
    assert build(formatted, "gen").items[0].expr == expr


# ---------------------------------------------------------------- check never crashes

def _mangled():
    seed = (RULES / "20-管理效率.perf").read_text(encoding="utf-8")
    yield "empty", ""
    yield "bom", "\ufeff" + seed
    yield "nested", "指标 甲 分值 3 { 得分 = " + "(" * 300 + "1" + ")" * 300 + " }\n"
    yield "unbalanced", "指标 甲 分值 3 { 得分 = " + "(" * 300 + "1 }\n"
    yield "digits", "指标 甲 分值 3 { 得分 = " + "9" * 400 + " }\n"
    yield "braces", "{" * 300
    for cut in range(0, len(seed), max(1, len(seed) // 40)):
        yield f"truncated{cut}", seed[:cut]
        yield f"deleted{cut}", seed[:cut] + seed[cut + 37:]
    yield "junk", seed[:500] + "\x07\x1b[31m§¶•ªº" + seed[500:]


@pytest.mark.parametrize("name,text", list(_mangled()), ids=[n for n, _ in _mangled()])
def test_check_never_raises_on_mangled_input(tmp_path, capsys, name, text):
    p = tmp_path / "a.perf"
    p.write_text(text, encoding="utf-8")
    assert main(["check", str(p)]) in (0, 1)
    err = capsys.readouterr().err
    assert "Traceback" not in err and "内部错误" not in err


@pytest.mark.parametrize("raw", [b"\x00\x01\x02", "指标 甲".encode("gbk"), b"\xef\xbb\xbf\xff"])
def test_check_never_raises_on_bad_bytes(tmp_path, capsys, raw):
    p = tmp_path / "a.perf"
    p.write_bytes(raw)
    assert main(["check", str(p)]) == 1
    err = capsys.readouterr().err
    assert "a.perf:1:" in err and "内部错误" not in err


def test_a_system_without_grades_is_warned_and_shows_no_grade(tmp_path, capsys):
    rules = tmp_path / "r.perf"
    rules.write_text('体系 无等级 {\n  舍入 2 位\n}\n事实 { 完成率: 比率 [0, 1] }\n'
                     '指标 甲 分值 100 {\n  得分 = 按比例(完成率, 100, 60%)\n}\n', encoding="utf-8")
    facts = tmp_path / "f.json"
    facts.write_text('{"完成率": 0.8}', encoding="utf-8")
    assert main(["check", str(rules)]) == 0
    assert "警告[W143]：体系 无等级 没有 等级 区间：结果显示为「未定等级」" in capsys.readouterr().err
    assert main(["eval", str(rules), str(facts)]) == 0
    out = capsys.readouterr().out
    assert "总分 80.00 / 100  未定等级" in out and "None" not in out
    assert main(["report", str(rules), str(facts), "--format", "md"]) == 0
    assert "总分 **80.00** / 100，**未定等级**" in capsys.readouterr().out
