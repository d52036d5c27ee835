"""Facts errors point at the facts file being edited (issue 15, item 4): the value's line:col with an excerpt and a
caret, the declaration in the rules as a note; for a line of a batch, the batch line and the column in it.

Every expected place is found here by searching the text the test wrote, never taken from perfdsl's output.
"""

from __future__ import annotations

import json

import pytest

from perfdsl.cli import main
from perfdsl.ruleset.facts_places import places
from perfdsl.syntax.ast import Span

from .conftest import RULES, SEED_FACTS

DECLARATIONS = (RULES / "01-事实.perf").read_text(encoding="utf-8").split("\n")


def _declared(name: str) -> str:
    """``01-事实.perf:L:C`` of the type declared for ``name`` (``name: 数值 > 0``), by reading the rule file."""
    for n, line in enumerate(DECLARATIONS, 1):
        col = line.find(f"{name}:")
        if col >= 0:
            col += len(name) + 1
            while line[col] == " ":
                col += 1
            return f"01-事实.perf:{n}:{col + 1}"
    raise AssertionError(name)


def _at(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """(line, column), 1-based, of the first ``needle`` in ``text`` plus ``offset`` characters."""
    pos = text.index(needle) + offset
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _facts(tmp_path, replace: tuple[str, str], name: str = "facts.json") -> tuple:
    text = SEED_FACTS.read_text(encoding="utf-8")
    old, new = replace
    assert text.count(old) == 1, old
    text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, text


def _eval(capsys, *args) -> tuple[int, str, str]:
    code = main(["eval", str(RULES), *map(str, args)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("old, new, code, fact, value", [
    ('"全年预算数": 1415.96,', '"全年预算数": "1,415.96",', "F011", "预算执行.全年预算数", '"1,415.96"'),  # wrong type
    ('"预算执行数": 1415.96', '"预算执行数": -1415.96', "F018", "预算执行.预算执行数", "-1415.96"),  # out of range
    ('"依申请公开回复率": 1.0', '"依申请公开回复率": 85', "F021", "行政许可.依申请公开回复率", "85"),  # 85 for 85%
])
def test_a_wrong_fact_points_at_its_value_in_the_facts_file(tmp_path, capsys, old, new, code, fact, value):
    path, text = _facts(tmp_path, (old, new))
    rc, out, err = _eval(capsys, path)
    assert rc == 1
    line, col = _at(text, new, new.index(value))
    head, excerpt, caret, note = err.splitlines()[:4]
    assert head.startswith(f"{path}:{line}:{col}: 错误[{code}]：{fact}：")
    assert "声明于" not in head  # the declaration is the note, not repeated in the message
    assert excerpt == f"{line:>5} | " + text.split("\n")[line - 1]
    from rich.cells import cell_len
    prefix = text.split("\n")[line - 1][:col - 1]
    assert caret == " " * 6 + "| " + " " * cell_len(prefix) + "^" * len(value)
    assert note.startswith("  = 注：") and note.endswith(f"{_declared(fact.rsplit('.', 1)[1])}: 事实 {fact} 的声明")
    [problem] = json.loads(main_json(capsys, path))["errors"]
    assert (problem["file"], problem["line"], problem["column"], problem["fact"]) == (str(path), line, col, fact)
    assert problem["notes"][0]["file"].endswith("01-事实.perf")


def main_json(capsys, path) -> str:
    main(["eval", str(RULES), str(path), "--format", "json"])
    return capsys.readouterr().out


def test_a_missing_fact_points_at_the_object_it_belongs_in(tmp_path, capsys):
    path, text = _facts(tmp_path, ('"核定标准": 0,\n      "重复计算": 0', '"核定标准": 0'))
    rc, out, err = _eval(capsys, path)
    line, col = _at(text, '"测算扣分档次"')
    head, excerpt, caret = err.splitlines()[:3]
    assert head.startswith(f"{path}:{line}:{col}: 错误[F013]：预算编制.测算扣分档次.重复计算：缺少此事实")
    assert '在 预算编制.测算扣分档次 对象中补上 "重复计算"' in head
    assert caret.endswith("^" * len('"测算扣分档次"')) and excerpt.endswith('"测算扣分档次": {')


def test_an_unknown_key_is_warned_at_the_key(tmp_path, capsys):
    path, text = _facts(tmp_path, ('"评审报告数": 0,', '"评审报告数": 0, "评审报告书": 1,'))
    rc, out, err = _eval(capsys, path)
    assert rc == 0 and "总分 96.67 / 100" in out  # a warning: still scored, the same
    line, col = _at(text, '"评审报告书"')
    assert f"{path}:{line}:{col}: 警告[F020]：评估评审.评审报告书：规则没有声明这个事实" in out
    [warned] = json.loads(main_json(capsys, path))["warnings"]
    assert (warned["file"], warned["line"], warned["column"]) == (str(path), line, col)


@pytest.mark.parametrize("text, needle, says", [
    ('{\n  "被评价单位": "某单位",\n  "评价年度": False\n}', "False", "小写 false"),
    ('{\n  "被评价单位": "某单位",\n}', "}", "多了一个逗号"),
])
def test_a_json_syntax_error_has_an_excerpt_and_a_caret(tmp_path, capsys, text, needle, says):
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    rc, out, err = _eval(capsys, path)
    line, col = _at(text, needle)
    head, excerpt, caret = err.splitlines()[:3]
    assert rc == 1 and head.startswith(f"{path}:{line}:{col}: 错误[F002]：JSON 格式错误：") and says in head
    assert excerpt == f"{line:>5} | " + text.split("\n")[line - 1]
    from rich.cells import cell_len
    assert caret.index("^") - caret.index("|") - 2 == cell_len(text.split("\n")[line - 1][:col - 1])


def test_a_line_of_a_batch_names_the_batch_line_and_the_column(tmp_path, capsys):
    good = (RULES.parent / "examples" / "batch" / "facts.jsonl").read_text(encoding="utf-8").split("\n")[:2]
    bad = good[1].replace('"预算执行数": ', '"预算执行数": "', 1)
    cut = bad.index('"预算执行数": "') + len('"预算执行数": "')
    end = bad.index(",", cut)
    bad = bad[:end] + '"' + bad[end:]  # the number as text
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join([good[0], bad, '{"a": 1,}']) + "\n", encoding="utf-8")
    col = bad.index('"预算执行数": ') + len('"预算执行数": ') + 1
    rc, out, err = _eval(capsys, batch, "--format", "json")
    assert rc == 1
    docs = [json.loads(x) for x in out.splitlines()]
    [problem] = docs[1]["errors"]
    assert (problem["file"], problem["line"], problem["column"]) == (str(batch), 2, col)
    assert problem["notes"][0]["file"].endswith("01-事实.perf")
    assert (docs[2]["errors"][0]["line"], docs[2]["errors"][0]["column"]) == (3, 9)
    lines = err.splitlines()
    assert lines[0].startswith(f"{batch}:2:{col}: 错误[F011]：预算执行.预算执行数：")
    assert lines[1].startswith(f"{batch}:3:9: 错误[F002]：")
    # the line alone: the full report, an excerpt of that line around the place
    assert main(["eval", str(RULES), f"{batch}:2"]) == 1
    head, excerpt, caret = capsys.readouterr().err.splitlines()[:3]
    assert head.startswith(f"{batch}:2:{col}: 错误[F011]") and excerpt.startswith("    2 | …")
    value = bad[col - 1:end + 1]
    shown = excerpt[len("    2 | "):]
    from rich.cells import cell_len
    assert caret == " " * 6 + "| " + " " * cell_len(shown[:shown.index(value)]) + "^" * len(value)


def test_a_fact_set_without_a_file_keeps_the_declaration_as_its_place(engine, seed):
    from perfdsl.diagnostics import PerfdslError
    seed["预算执行"]["预算执行数"] = "874.02"
    with pytest.raises(PerfdslError) as e:
        engine.score(seed)
    [d] = e.value.diagnostics
    assert str(d.span).endswith(_declared("预算执行数")) and not d.notes


def test_places_follow_the_validators_paths():
    text = '{"a": {"b": [1, {"c": "x\\"}"}], "d\\u002e": null}, "e": [], "f": {}}'
    found = places(text)
    assert text[found["a.b[1].c"].start:found["a.b[1].c"].end] == '"x\\"}"'
    assert text[found["a.b[1]"].start:found["a.b[1]"].end] == '{"c": "x\\"}"}'
    assert text[found["a.d."].key:found["a.d."].start] == '"d\\u002e": '
    assert set(found) == {"", "a", "a.b", "a.b[0]", "a.b[1]", "a.b[1].c", "a.d.", "e", "f"}


def test_an_excerpt_is_not_shifted_by_a_line_separator_in_a_string():
    from perfdsl.diagnostics import error
    from perfdsl.render.diagnostics import excerpt
    from perfdsl.ruleset.loader import SourceFile
    text = '{"a": "x\u2028y",\n "b": 1}'
    d = error("F011", "b", Span("f.json", 2, 7, 2, 8))
    assert excerpt(d, {"f.json": SourceFile("f.json", text, "")})[0] == '    2 |  "b": 1}'
