"""The fast front end (one-scan tokens, the AST built as Lark reduces) against Lark's own lexer and tree.

``syntax/tokens.py`` and ``syntax/reductions.py`` promise the same tokens and the same AST, spans
included, as Lark's lexer and ``build_from_tree`` — and, for a file that does not parse, the same
diagnostic.  These tests compare the two ways on every rule file in the repository, on texts
written to reach each corner of Lark's tree building, and on the hostile corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from perfdsl.diagnostics import PerfdslError
from perfdsl.syntax import parser as P
from perfdsl.syntax.builder import build, build_from_tree
from perfdsl.syntax.tokens import FusedArm, Untokenizable

from .hostile import RULE_SAFE

ROOT = Path(__file__).resolve().parents[1]
REPO_RULES = sorted(p for d in ("rules", "examples", "tests") for p in (ROOT / d).rglob("*.perf"))

# Each reaches a corner of Lark's tree building: brackets around an inlined rule (a node placed by its
# brackets), absent [optional] parts (None placeholders), spliced _rules, ! rules keeping their keywords,
# a string over several lines, full-width punctuation, comments, an empty file, ; only.
CORNERS = [
    "",
    ";;\n",
    "# 只有注释\n",
    "令 a = ((1 + 2)) × (3)\n令 b = -(4)\n令 c = 若 (a > 1) 且 非 (b < 0) 则 1 否则 (2)\n",
    "体系 某 {\n  标题 \"多\n行\"\n  舍入 2 位 银行家舍入\n  不适用时 得满分\n  总分 100\n"
    "  等级 { ≥ 90 → 优\n [60, 90) → 中；< 60 → 差 }\n  一票否决 若 x 则 差 理由 \"t\"\n}\n",
    "事实 { 甲: 可选 数值 ≥ 0\n 乙: 比率 [0, 1]\n 组 { 丙: 文本 ∈ {\"是\", \"否\"} }\n 丁: 列表 行 }\n"
    "类型 行 { 名: 文本 }\n枚举 色 { 红，绿, }\n",
    "事实 { 甲: 数值 ≥ 0 计量单位 \"万元\" 显示为 「甲数」\n 乙: 整数 unit \"个\"\n 丙: 数值 shown_as \"丙\"\n"
    " 丁: 列表 { 戊: 数值 计量单位 \"次\" } }\n",
    "指标 甲 分值 １０ {\n  得分 = 区间 （甲.乙\n  ）{ 【0，５０％）→ 1\n  ＞＝ 0.5 → 2\n  }\n"
    "  扣 1 若 真 理由 \"x\"\n}\n",
    "指标 乙 加分 2 { 令 t = 查表 x { \"A\" → 1; -3 → 2\n 名 → 3 }\n 得分 = t.a.b[*].c + f(1, (2), g()) }\n",
    "指标 丙 {\n  逐项扣 问题[*] 每项 1 描述 名 按 类 每类最多 2 最多 5 不评价 若 假 理由 \"y\"\n"
    "  逐级扣 x 低于 60% 每 5% 扣 1 整级计 最多 3 理由 \"z\"\n  扣 2\n  不适用 若 x = 1 理由 \"w\"\n"
    "  要求 x ≥ 0 否则 \"v\"\n  允许 W160 \"u\"\n  子项 子 分值 1 = 1\n  三级指标 孙 分值 -1 { 得分 = 无穷 }\n}\n",
    # the date, template, typed-let and per-item clauses added after the fast way was written
    "令 d = 天数差(2024年1月31日, ２０２４年２月２９日)\n令 r: 比率 = 1 ÷ 2\n令 n: 数值 = (r)\n"
    "指标 丁 { 得分 = 区间 甲.日 { ≤ 2024年6月30日 → 1; > 2024年6月30日 → 0 }\n"
    "  逐项扣 问题[*] 每项 1 描述 \"{名}：{甲.乙}{{}}\"\n"
    "  逐项扣 项[*] 每项 若 a < 50% 则 0.5 否则 0 不适用 若 非 b 理由 \"未开工\" 理由 \"{名}：{a}\"\n"
    "  扣 0.5 × 百分点(r − 90%) 若 r > 90% 理由 \"超 {r}\"\n}\n",
]
# Not rule files: each must fail the same way both ways (the tree way's diagnostic is the one a user reads).
BROKEN = [
    "令 a = 1 +\n",
    "令 a = 1 | 2\n",
    "令 x = 1" + "0" * 70 + "\n令 y = (\n",  # a builder error (E010) before a syntax error: the syntax error wins
    "令 x = 1" + "0" * 70 + "\n",
    "指标 甲 { 得分 = 区间 x { ≠ 3 → 1 } }\n",
    "指标 甲 { 得分 = 1 。}\n",
    "指标 甲 {\n",
]


def _tokens_lark(text: str) -> list[tuple]:
    return [(t.type, t.value, t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
            for t in P._parser().lex(text, dont_ignore=False)]


def _tokens_fast(text: str) -> list[tuple]:
    _, _, scan, _ = P._reducer()
    return [(t.type, t.value, t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
            for t in _unfused(scan(text))]  # the scanner does the post-lexer's work itself


def _unfused(tokens):
    """The scanner's tokens with each arm scanned in one match (``FusedArm``) replaced by the tokens it stands for."""
    for t in tokens:
        if isinstance(t, FusedArm):
            yield from t.tokens()
        else:
            yield t


def _outcome(make, text: str) -> str:
    try:
        return repr(make(text, "规则.perf"))  # attrs' repr shows every field, spans included
    except PerfdslError as exc:
        return "error: " + " | ".join(f"{d.code} {d.span} {d.message}" for d in exc.diagnostics)


def test_the_corpus_reaches_every_corner():
    assert len(REPO_RULES) >= 25
    for text in CORNERS:
        assert not _outcome(build_from_tree, text).startswith("error"), text


@pytest.mark.parametrize("path", REPO_RULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_rule_files_give_the_same_tokens_and_ast(path):
    text = P.text_quotes(path.read_text(encoding="utf-8", errors="replace"))
    try:
        want = _tokens_lark(text)
    except Exception:  # noqa: BLE001 — a file Lark cannot lex: the fast scanner must refuse it too
        with pytest.raises(Untokenizable):
            _tokens_fast(text)
    else:
        assert _tokens_fast(text) == want
    assert _outcome(build, text) == _outcome(build_from_tree, text)


@pytest.mark.parametrize("text", CORNERS + BROKEN)
def test_corner_cases_and_broken_files_build_the_same(text):
    assert _outcome(build, text) == _outcome(build_from_tree, text)


def test_a_syntax_error_after_a_builder_error_is_the_one_reported():
    got = _outcome(build, BROKEN[2])
    assert got.startswith("error: E002"), got  # the file ends inside ( — not E010 for the long number


@pytest.mark.parametrize("kind,value", RULE_SAFE, ids=[k for k, _ in RULE_SAFE])
def test_hostile_text_in_names_strings_and_comments_builds_the_same(kind, value):
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    for text in (f'指标 "{quoted}" 分值 1 {{ 解释 "{quoted}"\n 得分 = 1 }}\n', f"# {value}\n令 a = 1\n",
                 f"令 {value} = 1\n"):
        assert _outcome(build, text) == _outcome(build_from_tree, text)


def test_positions_are_those_of_lark_s_tree_in_a_parenthesised_chain():
    """Hand-checked: the sum starts at its first bracket (column 7), the 2 + 3 inside its brackets at column 14."""
    let = build("令 a = (1) + (2 + 3)\n", "f").items[0]
    assert (let.expr.span.column, let.expr.span.end_column) == (7, 20)
    assert (let.expr.right.span.column, let.expr.right.span.end_column) == (14, 19)


# The scanner skips spaces and tabs before a token in the same match and does the post-lexer's work
# (keywords, the implicit ; between arms) in its own loop: the edges of both, against Lark's lexer.
SCANNER_EDGES = [
    "令 x = 1   \n", "令 x = 1 \t \n\t  令 y = 2\t", "  \t# c\n令 x=1", "\t\t", "   ", "令 x = \"a  b\"  \t ;",
    "指标 甲 {\n 得分 = 区间 x {\n  [0, 1) → 1  \n\t [1, 2] → 2\t\n }\n}\n", "令 x = 1 　 2", "令\u00a0x = 1",
    " 区间 ", "a . 得分 :", "得分 得分 : 区间", "区间 区间 x { 1 → 2 } {\n [0, 1) → 1\n ≥ 1 → 2 }", "扣",
]


@pytest.mark.parametrize("text", SCANNER_EDGES)
def test_the_scanner_s_edges_give_lark_s_tokens(text):
    assert _tokens_fast(text) == _tokens_lark(text)


# A band arm of plain numbers on one line is scanned in one match (``tokens.FusedArm``) when what follows it
# surely ends its expression; anywhere else its tokens are scanned one by one. Both sides of each edge:
_BAND = "指标 甲 {{ 得分 = 区间 x {{{}}} }}\n"
FUSED_ARMS = [_BAND.format(arms) for arms in (
    "\n [0, 1) → 1\n + 2\n (1, 2] → 3 }", "\n [0, 1) → 1\n -5 → 2\n", "[0,1)->1;［1，2） → 2；【2, 3】→3\n（3,4）→ 4 ",
    " [0%, 50.5%) → 0.5%\n [50.5%, 100%] → 1 ", "\n [0, 1) → 1  # 注释\n\n  # 另一行\n  [1, 2) → 2\n",
    "\r\n [0, 1) → 1\r\n [1, 2) → 2\r\n", " [0, 1) → 1 × 2\n [1, 2) → 2 ", " [0,　1) → 1\n [1, 2) → 2 ",
    "\n [0, 1) → 1\n 或 真\n", " [0, 1) → 区间 y { [0, 1) → 1 }\n [1, 2) → 2 ", "[0,1)→1}", " [0, 1) → 1a\n [1,2)→2 ",
    " [0, 1) → 1.\n [1,2)→2 ", " [0, 1) → 1" + "0" * 70 + "\n [1, 2) → 2 ", " [0, 1) → x ∈ [0, 1)\n [1, 2) → 2 ",
    " [0, 1) → 1\n ≥ 1 → 2\n = 0 → 3\n ≠ 5 → 4\n", " [０, 1) → 1\n [1, 2) → 2 ", " [1, 0] → 1; [2024, 2025) → 2 ",
    " [0, 1) → 1\n \"a\" → 2 ", " [0, 1)\n → 1\n [1, 2) → 2 ", " (0, 1) → 1\n\t[1, 2] → 2\t}",
    "\n[0,1)→1\n[1,2)→2\n", " [0, 1) → 1;\n [1, 2) → 2 ;", " ≥ 5 → 1\n [0, 5) → 2 ", " x\n [0, 1) → 1 ",
)] + ["体系 某 { 等级 { [90, 100] → 1\n [0, 90) → 2 } }\n", "指标 甲 { 得分 = 区间 x { [0, 1) → 1",
      "令 a = (1, 2) → 3\n"]


@pytest.mark.parametrize("text", FUSED_ARMS)
def test_arms_scanned_in_one_match_give_lark_s_tokens_and_the_same_ast(text):
    try:
        want = _tokens_lark(text)
    except Exception:  # noqa: BLE001 — Lark cannot lex it: neither can the scanner
        with pytest.raises(Untokenizable):
            _tokens_fast(text)
    else:
        assert _tokens_fast(text) == want
    assert _outcome(build, text) == _outcome(build_from_tree, text)


def test_a_band_of_plain_arms_is_scanned_arm_by_arm():
    _, _, scan, _ = P._reducer()
    fused = [t for t in scan(FUSED_ARMS[2]) if isinstance(t, FusedArm)]
    assert [t.match[0] for t in fused] == ["[0,1)->1", "［1，2） → 2", "【2, 3】→3", "（3,4）→ 4"]
    assert sum(isinstance(t, FusedArm) for t in scan(FUSED_ARMS[0])) == 1  # not the arm whose result goes on: + 2
