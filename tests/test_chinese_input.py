"""Rule text and facts as Chinese users type them: IME punctuation, Word quotes, Windows encodings.

Every message checked here is Chinese, says what to type instead, and names no parser token.
"""

import json
import re

import pytest

from perfdsl.diagnostics import PerfdslError
from perfdsl.ruleset.facts import FactsSyntaxError, parse_json
from perfdsl.ruleset.loader import read_source
from perfdsl.syntax.builder import build
from perfdsl.syntax.formatter import format_text
from perfdsl.syntax.mistakes import MISTAKES, _seen

TOKEN_NAMES = re.compile(r"\b(KW_[A-Z_]+|NAME|STRING|NUMBER|PERCENT|CMP|EQ|_[A-Z]+|\$END)\b")

IME = """事实 { 本年结余: 数值  率: 比率 }
指标 甲 分值 ３ {
  解释 “这是“红灯”项目 # 不是注释”
  标准 「按 # 比例」
  扣 1 若 本年结余 ≧ １０．５ 理由 “两个红灯项目”
  扣 1 若 本年结余 ≠ 3 理由 『x』
  扣 1 若 本年结余 ＞＝ 3 且 本年结余 ＜ 9 理由 "y"
  得分 = 若 率 ≦ ８０％ 则 0 否则 ３
}
指标 “一站式”政务服务落实情况 分值 1 { 得分 = 1　要求 本年结余 ！＝ 0 否则 “不能为零” }
"""

CANONICAL = """事实 {
  本年结余: 数值
  率: 比率
}

指标 甲 分值 3 {
  解释 "这是“红灯”项目 # 不是注释"
  标准 "按 # 比例"
  扣 1 若 本年结余 ≥ 10.5 理由 "两个红灯项目"
  扣 1 若 本年结余 ≠ 3 理由 "x"
  扣 1 若 本年结余 ≥ 3 且 本年结余 < 9 理由 "y"
  得分 = 若 率 ≤ 80% 则 0 否则 3
}

指标 “一站式”政务服务落实情况 分值 1 {
  得分 = 1
  要求 本年结余 ≠ 0 否则 "不能为零"
}
"""


def test_ime_punctuation_parses_and_formats_to_one_canonical_form():
    assert format_text(IME) == CANONICAL
    assert format_text(CANONICAL) == CANONICAL


def test_curly_quotes_stay_part_of_a_name_outside_text_positions():
    rf = build("指标 “一站式”政务服务落实情况 分值 1 { 得分 = 1 }\n指标 “红灯” 分值 1 { 得分 = 1 }", "x.perf")
    assert [i.name for i in rf.items] == ["“一站式”政务服务落实情况", "“红灯”"]
    # after 否则, a quoted word followed by more of a name is a name
    text = "事实 { “一站式”覆盖率: 数值 }\n指标 甲 分值 1 { 得分 = 若 真 则 1 否则 “一站式”覆盖率 }\n"
    assert "否则 “一站式”覆盖率" in format_text(text)


def test_spans_keep_the_users_columns():
    rf = build("指标 甲 分值 1 {\n  扣 1 理由 “两个”\n  得分 = １２\n}\n", "x.perf")
    ind = rf.items[0]
    assert ind.span.line == 1


def _syntax(text):
    with pytest.raises(PerfdslError) as e:
        build(text, "x.perf")
    [d] = e.value.diagnostics
    return d


@pytest.mark.parametrize("text, expected", [
    ("事实 { 预算执行 { 本年结余: 数值 } }\n指标 甲 分值 3 {\n  得分 = 若预算执行.本年结余 = 0 则 3 否则 0\n}\n",
     "x.perf:3:8: error[E003]: 在 指标 甲（第 2 行） 中：关键字 `若` 之后缺少空格，`若预算执行` 被当成了一个名称："
     "写作 `若 预算执行`"),
    ("指标 甲 分值 3 {\n  扣 1 理由 “两个红灯 项目\n}\n",
     "x.perf:2:10: error[E003]: 在 指标 甲（第 1 行） 中：`理由` 之后的文本以 “ 开头，但在同一行内没有对应的 ”，"
     "或 ” 之后紧跟着文字：在文本末尾补上 ”（文本与后面的内容之间留一个空格），或改用英文双引号 \"…\""),
    ("指标 甲 分值 3 {\n  扣 1 理由 两个红灯项目\n}\n",
     "x.perf:2:10: error[E003]: 在 指标 甲（第 1 行） 中：`理由` 之后应为一段文本，文本要加引号："
     "写作 `理由 \"两个红灯项目\"`（也可以用 「…」，或在 `理由` 之后空一格再用 “…”）"),
    ("指标 甲 分值 3 {\n  扣 1 理由 「两个红灯项目\n}\n",
     "x.perf:2:10: error[E001]: 无法识别的字符 '「'：「…」 是文本的引号，但这里的 「 在同一行内没有对应的 」"
     "（或文本中有英文双引号）：补上 」，或改用英文双引号 \"…\""),
    ("指标 甲 分值 3 {\n  扣 1 理由“两个红灯项目”\n}\n",
     "x.perf:2:7: error[E003]: 在 指标 甲（第 1 行） 中：关键字 `理由` 之后缺少空格，"
     "`理由“两个红灯项目”` 被当成了一个名称：写作 `理由 “两个红灯项目”`"),
])
def test_tailored_syntax_messages(text, expected):
    assert _syntax(text).headline() == expected


WRONG = [
    "指标 甲 分值 3 {\n  得分 = 若 a 则 1\n}\n",
    "指标 甲 分值 3 {\n  得分 = a = 0 则 1 否则 0\n}\n",
    "体系 s {\n  标题 “abc\n}\n",
    "指标 甲 分值 3 {\n  扣 1 若 a ≮ 3\n}\n",
    "指标 甲 分值 3 {\n  扣 1 若预算执行.本年结余 > 0 理由 \"x\"\n}\n",
    "指标 甲 分值 3 {\n  得分 = 1 +\n",
    "指标 甲 分值 {\n}\n",
    "指标 甲 分值 3 {\n  得分 = 3 。\n}\n",
    "事实 { a: 数值 }\n指标 甲 分值 3 { 扣 1 若 a ~ 3 }\n",
    "指标 甲 分值 3 { 标准 “a\"b” }\n",
] + [ex for m in MISTAKES for ex in m.examples]


@pytest.mark.parametrize("text", WRONG)
def test_no_parser_token_names_in_any_message(text):
    d = _syntax(text)
    for s in (d.message, *d.suggestions, *(n.message for n in d.notes)):
        assert not TOKEN_NAMES.search(s), s
    assert re.search(r"[\u4e00-\u9fff]", d.message)


def test_every_mistake_example_fails_and_is_recognised():
    for mistake, seen in _seen():
        assert len(seen) == len(mistake.examples)


# ------------------------------------------------------------------ encodings

RULE = "指标 甲 分值 3 {\r\n  得分 = 3   # 满分\r\n}\r\n"


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_rule_file_encodings_that_are_read(tmp_path, codec):
    p = tmp_path / "a.perf"
    p.write_bytes(RULE.encode(codec))
    assert read_source(p).text == RULE
    assert format_text(read_source(p).text) == "指标 甲 分值 3 {\n  得分 = 3  # 满分\n}\n"


@pytest.mark.parametrize("codec, says", [
    ("gb18030", "像是 GB18030/GBK"), ("gbk", "像是 GB18030/GBK"),
    ("utf-16-le", "没有字节顺序标记的 UTF-16LE"), ("utf-16-be", "没有字节顺序标记的 UTF-16BE"),
])
def test_rule_file_encodings_that_are_refused_say_how_to_convert(tmp_path, codec, says):
    p = tmp_path / "a.perf"
    p.write_bytes(RULE.encode(codec))
    with pytest.raises(PerfdslError) as e:
        read_source(p)
    [d] = e.value.diagnostics
    assert d.code == "E104" and says in d.message and "UTF-8" in d.message and "iconv" in d.message


# ------------------------------------------------------------------ facts

@pytest.mark.parametrize("text, code, expected", [
    ('{"a": False}', "F002", "f.json:1:7：JSON 格式错误：JSON 的假值写作小写 false（不是 False）"),
    ('{"a": True}', "F002", "f.json:1:7：JSON 格式错误：JSON 的真值写作小写 true（不是 True）"),
    ('{"a": None}', "F002", "f.json:1:7：JSON 格式错误：JSON 的空值写作 null（不是 None）；可选的事实也可以整项删去"),
    ('{"a": 90%}', "F002", "f.json:1:9：JSON 格式错误：JSON 中的数字不能带 %：比率写作小数，如 90% 写作 0.9"),
    ('{"a": 1,415.96}', "F002", "f.json:1:9：JSON 格式错误：JSON 中的数字不能有千位分隔符：如 1,415.96 写作 1415.96"),
    ('{"a": 1,\n}', "F002", "f.json:2:1：JSON 格式错误：多了一个逗号：JSON 中最后一项之后不能有逗号，删去它"),
    ('{“a”: 1}', "F002", "f.json:1:2：JSON 格式错误：JSON 的键名和文本要用英文双引号 \"…\"，不能用中文引号 “…”"),
    ('{"预算": {"x": [1, 1e9999999999999999999]}}', "F003",
     "f.json:1:18：预算.x[1]：数字 1e999999999999999999… 超出可处理的范围（数量级须在 10^-30 至 10^30 之间，或为 0）"),
])
def test_facts_json_mistakes(text, code, expected):
    with pytest.raises(FactsSyntaxError) as e:
        parse_json(text, "f.json")
    d = e.value.diagnostic
    assert (d.code, f"{d.span}：{d.message}") == (code, expected)  # the place is the span: excerpts show it


def test_numbers_as_text_say_what_to_write(engine, seed):
    seed["预算执行"]["全年预算数"] = "1,415.96"
    with pytest.raises(PerfdslError) as e:
        engine.score(seed)
    [d] = e.value.diagnostics
    assert d.fact_path == "预算执行.全年预算数" and "数字不要加引号，也不要千位分隔符：写作 1415.96" in d.message


def test_percent_as_text_says_the_decimal():
    from perfdsl.ruleset.facts_hints import number_string_hint
    assert number_string_hint("90%") == "百分数要写成不加引号的小数：写作 0.9（比率以小数表示，1 = 100%）"
    assert number_string_hint("abc") is None
    json.dumps(number_string_hint("１"))  # not a number: no hint, no crash
