"""Hostile input: every failure is a diagnostic with a code and a place; nothing crashes, hangs or leaks."""

import json
import signal
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdsl.cli import main
from perfdsl.codegen.generator import Generator
from perfdsl.diagnostics import PerfdslError
from perfdsl.engine import FAST_PATH_MISSES, Engine
from perfdsl.explain.compact import expand_document, read_document
from perfdsl.explain.document import explain, head_json

from .conftest import ROOT, RULES, SEED_FACTS


def _eval(tmp_path, capsys, text: bytes | str, name="f.json"):
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    code = main(["eval", str(RULES), str(p), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize("text,code,words", [
    ('{"a": 1,,}', "F002", ["1:9", "JSON"]),
    ('{"a": NaN}', "F003", ["NaN"]),
    ('{"a": Infinity}', "F003", ["Infinity"]),
    ('{"a": 1, "a": 2}', "F003", ["重复的键", "a"]),
    ('{"a": 1e999}', "F003", ["超出"]),
    ('{"a": ' + "9" * 400 + "}", "F003", ["位数过多"]),
    ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "F004", ["嵌套过深"]),
    ("", "F001", ["为空"]),
    ("[]", "F010", ["顶层应为 JSON 对象"]),
])
def test_bad_facts_files(tmp_path, capsys, text, code, words):
    rc, out, err = _eval(tmp_path, capsys, text)
    assert rc == 1
    doc = json.loads(out)
    assert doc["status"] == "error" and doc["errors"][0]["code"] == code
    for w in words:
        assert w in err


def test_number_limits_name_the_number_and_let_any_zero_through():
    from perfdsl.ruleset.facts import FactsSyntaxError, parse_json
    assert parse_json('{"a": 0e999, "b": 0.' + "0" * 80 + '}', "x") == {"a": 0, "b": 0}
    assert parse_json('{"a": 1e30, "b": 1e-30}', "x") == {"a": Decimal("1e30"), "b": Decimal("1e-30")}
    for number, words in (("1e31", "10^-30 至 10^30"), ("1e-31", "10^-30 至 10^30"),
                          ("1." + "0" * 60, "61 位有效数字")):
        with pytest.raises(FactsSyntaxError) as caught:
            parse_json('{"a": ' + number + "}", "x")
        assert words in caught.value.diagnostic.message and number[:5] in caught.value.diagnostic.message


def test_non_utf8_facts(tmp_path, capsys):
    # GBK from a Chinese Windows machine is read (issue 16): the missing facts are what is reported
    rc, out, err = _eval(tmp_path, capsys, '{"被评价单位": "和平区"}'.encode("gbk"))
    assert rc == 1 and "UTF-8" not in err and "F013" in err
    # bytes that are neither UTF-8 nor plain GBK text are refused, naming the encoding
    rc, out, err = _eval(tmp_path, capsys, b'{"a": "Z\xfcrich\xff\xff"}')
    assert rc == 1 and "UTF-8" in err


def test_bom_is_accepted(tmp_path, capsys):
    rc, out, err = _eval(tmp_path, capsys, b"\xef\xbb\xbf" + SEED_FACTS.read_bytes())
    assert rc == 0 and json.loads(out)["score"] == "96.67"


def test_numbers_as_strings_are_rejected_with_a_hint(engine, seed):
    seed["预算执行"]["全年预算数"] = "1415.96"
    with pytest.raises(PerfdslError) as e:
        engine.score(seed)
    [d] = e.value.diagnostics
    assert d.fact_path == "预算执行.全年预算数" and "不要加引号" in d.message


def test_list_where_object_expected_names_the_path(engine, seed):
    seed["预算编制"] = [1, 2]
    with pytest.raises(PerfdslError) as e:
        engine.score(seed)
    assert {d.fact_path for d in e.value.diagnostics} == {"预算编制"}


def test_long_rule_file(tmp_path, capsys):
    lines = ["# 注释"] * 100_000
    lines[50_000] = "事实 { x: 数值 }"
    lines[99_998] = "指标 甲 分值 3 { 得分 = x + }"
    p = tmp_path / "big.perf"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    start = time.monotonic()
    assert main(["check", str(p)]) == 1
    assert time.monotonic() - start < 30
    assert "big.perf:99999:" in capsys.readouterr().err


def test_links_out_of_the_rule_directory_are_not_followed(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.perf").write_text("指标 外部 分值 100 { 得分 = 100 }\n", encoding="utf-8")
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.perf").write_text("指标 甲 分值 3 { 得分 = 3 }\n", encoding="utf-8")
    (rules / "linked.perf").symlink_to(outside / "evil.perf")
    engine = Engine.from_path(rules, cache=False)
    assert [r.name for r in engine.rules.roots] == ["甲"]


# ---------------------------------------------------------------- generated code is quoted safely

NASTY = ['a"b', "a'b", "a\\b", "x\ny", '"""', "'''", "\\", "}{", "#", "\\n", "__import__('os')"]


@pytest.mark.parametrize("nasty", NASTY)
def test_compiled_code_quotes_names_and_strings(tmp_path, nasty):
    """Names and texts full of quotes, backslashes and newlines reach the generated code only through repr()."""
    quoted = '"' + nasty.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "a.perf").write_text(
        f"枚举 类 {{ {quoted}, 乙 }}\n"
        f"事实 {{ 类别: 枚举 类; 清单: 列表 {{ 说明: 文本; 键: 文本 }} }}\n"
        f"指标 {quoted} 分值 10 {{\n"
        f"  得分 = 若 类别 = {quoted} 则 10 否则 1\n"
        f"  逐项扣 清单 每项 若 键 = {quoted} 则 2 否则 0 描述 说明\n"
        f"  扣 0 若 类别 ≠ {quoted} 理由 {quoted}\n"
        f"}}\n", encoding="utf-8")
    engine = Engine.from_path(rules, cache=False)
    facts = {"类别": nasty, "清单": [{"说明": nasty, "键": nasty}, {"说明": "b", "键": "c"}]}
    fast = engine.score(facts, trace=False)
    slow = Engine.from_path(rules, fast=False, cache=False).score(facts, trace=True)
    assert fast.root.children[0].name == nasty
    assert fast.root.score == slow.root.score == Decimal("8.00")
    source = Generator(engine.plan)
    source.module()
    assert repr(nasty) in source.source()
    # the traced compiler too: its compact line, expanded, is the interpreter's traced document
    compact, _ = engine.compact_tracer().document_json(engine.validator()(facts), head_json(engine.rules, None, None,
                                                                                           compact=True))
    expanded = expand_document(read_document(compact), engine.compact_tracer())
    assert json.dumps(expanded, ensure_ascii=False) == json.dumps(explain(slow, texts=False), ensure_ascii=False)


def test_no_eval_or_exec_of_user_text():
    """exec appears only where a generated program runs (``codegen/program.py``), on source the code generator built
    from the checked AST."""
    offenders = []
    for path in (ROOT / "perfdsl").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for n, line in enumerate(text.splitlines(), 1):
            if ("eval(" in line or "exec(" in line) and not line.strip().startswith("#"):
                if "literal_eval" in line or "def " in line or ".eval(" in line:
                    continue
                offenders.append(f"{path.name}:{n}")
    assert offenders and all(o.startswith("program.py:") for o in offenders), offenders


# ---------------------------------------------------------------- interrupted batches

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_batch_leaves_previous_or_complete_output(tmp_path, sig):
    from benchmarks.generate import lines
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(lines(4000)) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "perfdsl", "eval", str(RULES), str(batch), "--format", "json",
                             "-o", str(target)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(2.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"Traceback" not in err
    text = target.read_text(encoding="utf-8")
    assert text == "previous\n" or len(text.splitlines()) == 4000
    assert not list(tmp_path.glob(".perfdsl-*"))  # no temp file left behind


# ---------------------------------------------------------------- properties

FACT_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.text(max_size=5),
                        st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-10, max_value=10**4))


def _mutations():
    paths = []
    base = json.loads(SEED_FACTS.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append(path + (k,))
                walk(v, path + (k,))
    walk(base, ())
    return base, paths


BASE, PATHS = _mutations()


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(PATHS), FACT_VALUES), max_size=4))
def test_any_facts_give_scores_in_range_or_diagnostics(changes):
    import copy
    facts = copy.deepcopy(BASE)
    for path, value in changes:
        cur = facts
        for seg in path[:-1]:
            cur = cur[seg] if isinstance(cur, dict) else {}
        if isinstance(cur, dict):
            cur[path[-1]] = Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
    engine = _ENGINE
    try:
        first = engine.score(facts, trace=True)
    except PerfdslError as exc:
        assert all(d.code and (d.fact_path or d.span) for d in exc.diagnostics)
        return
    second = _FAST.score(facts, trace=False)
    assert [n.score for n in first.root.walk()] == [n.score for n in second.root.walk()]  # deterministic, both engines
    try:  # and the compiled tracer's compact steps, expanded, are the interpreter's steps
        compact = _FAST.compact_tracer().document_json(_FAST.validator()(copy.deepcopy(facts)),
                                                       head_json(_FAST.rules, None, None, compact=True))
    except FAST_PATH_MISSES:
        compact = None
    if compact is not None:
        expanded = expand_document(read_document(compact[0]), _FAST.compact_tracer())
        assert json.dumps(expanded, ensure_ascii=False) == json.dumps(explain(first, texts=False), ensure_ascii=False)
    for node in first.root.walk():
        if node.score is not None:
            assert Decimal(0) <= node.score <= node.weight
    for d in first.errors:
        assert d.code and d.span is not None


_ENGINE = Engine.from_path(RULES, fast=False)
_FAST = Engine.from_path(RULES)


def test_shown_numbers_do_not_depend_on_what_was_shown_before():
    """-0 equals 0 and hashes alike; whichever is remembered first, each shows as it should (byte-identical
    traces).  A zero has no sign in any text (docs/explanation.md), and a tiny negative rounded for reading is
    ≈0, not ≈-0; a tiny negative percentage is ≈0%, and -1.5 keeps its sign."""
    from perfdsl.interp.numbers import _plain, _show, plain, show
    tiny_negative, tiny = Decimal("-1E-49"), Decimal("1E-49")
    for order in ((tiny_negative, tiny), (tiny, tiny_negative)):
        _plain.cache_clear()
        _show.cache_clear()
        shown = {v: show(v) for v in order}
        assert shown[tiny_negative] == "≈0" and shown[tiny] == "≈0"
        assert show(tiny_negative, True) == "≈0%" and show(Decimal("-1.50")) == "-1.5"
        assert [plain(Decimal(x)) for x in ("-0", "0", "-0.00", "0.00", "-1.50")] == ["0", "0", "0", "0", "-1.5"]


@pytest.mark.parametrize("fmt", ["json", "xlsx", "report-html"])
def test_an_output_path_that_cannot_be_written_is_refused_before_scoring(tmp_path, capsys, fmt):
    from perfdsl.cli import main
    command = (["report", str(RULES), str(SEED_FACTS), "--format", "html"] if fmt == "report-html"
               else ["eval", str(RULES), str(SEED_FACTS), "--format", fmt])
    assert main([*command, "-o", str(tmp_path / "no-such-dir" / "out")]) == 1
    assert "O002" in capsys.readouterr().err
    assert main([*command, "-o", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "O001" in err and "是一个目录" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no temp file left behind
