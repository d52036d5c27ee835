"""The command line speaks Chinese to people (issue 15, items 1 and 2 for the CLI).

Every help text and usage error, argparse's own words included, has no English sentence left; labels are
错误[…] / 警告[…]; option values have Chinese names (English kept as aliases); output on a GBK or cp936
console never fails, and JSON written to one is the same document.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import os
import re
import shlex
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from perfdsl.cli import COMMANDS, build_parser, main
from perfdsl.cli.argparse_zh import MESSAGES, PLURALS, WIDE, cells, terminal_columns, tokens, wrap
from perfdsl.cli.commands.base import TRACE_FILTERS

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SEED = ROOT / "examples" / "heping-2024" / "facts.json"

# English a person may meet in Chinese help: names of programs, formats and the English aliases of option
# values.  Options (--format), paths and file names (rules/, 结果.jsonl, a.perf) are left out before counting.
ALLOWED = {
    "perfdsl", *COMMANDS, *(part for name in COMMANDS for part in name.split("-")),
    "json", "jsonl", "xlsx", "html", "md", "yaml", "JSON", "YAML", "HTML", "Excel",
    "Markdown", "Word", "docx", "sha256", "deductions", "na", "facts", "bands", "zh", "en", "N",
    "UTF", "BOM", "CRLF", "LF",  # as Notepad's status bar names a file's encoding and line ending
}
_OPTION = re.compile(r"(?<![\w])-{1,2}[A-Za-z][\w-]*")
_PATH = re.compile(r"\S*[/.]\S*")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+")
_CODE = re.compile(r"[A-Za-z][0-9]{3}")  # a diagnostic code (E215, w130), not a word


def english_words(text: str) -> list[str]:
    text = _OPTION.sub(" ", text)
    text = _PATH.sub(" ", text)
    return [w for w in _WORD.findall(text) if w not in ALLOWED and not _CODE.fullmatch(w)]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def help_texts() -> dict[str, str]:
    parser = build_parser()
    texts = {"perfdsl": parser.format_help()}
    texts.update({f"perfdsl {name}": p.format_help() for name, p in _subparsers(parser).items()})
    return texts


# ---------------------------------------------------------------- argparse's own words

def _argparse_msgids() -> tuple[set[str], set[tuple[str, str]]]:
    """Every string the running argparse passes to _() or ngettext()."""
    singles: set[str] = set()
    plurals: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(inspect.getsource(argparse))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            texts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if node.func.id == "_" and texts:
                singles.add(texts[0])
            elif node.func.id == "ngettext" and len(texts) == 2:
                plurals.add((texts[0], texts[1]))
    return singles, plurals


def test_every_msgid_of_argparse_has_its_chinese():
    singles, plurals = _argparse_msgids()
    assert len(singles) >= 30 and plurals  # the source was read
    assert singles - set(MESSAGES) == set()
    assert plurals - set(PLURALS) == set()


def test_translation_stays_inside_perfdsl_parsers():
    other = argparse.ArgumentParser(prog="other")
    build_parser().format_help()
    assert "usage:" in other.format_help() and "show this help message and exit" in other.format_help()


# ---------------------------------------------------------------- help

@pytest.mark.parametrize("name", ["perfdsl", *(f"perfdsl {c}" for c in COMMANDS)])
def test_help_has_no_english_and_shows_examples(name):
    text = help_texts()[name]
    assert english_words(text) == [], text
    for english in ("usage:", "positional arguments", "options:", "show this help"):
        assert english not in text
    assert text.startswith("用法：") and "位置参数：" in text and "选项：" in text and "显示本帮助并退出" in text
    examples = text.split("示例：\n", 1)[1].splitlines()
    assert 2 <= len([line for line in examples if line.strip().startswith("perfdsl ")]) <= 4


def test_help_shows_defaults_by_their_chinese_name():
    helps = {name: re.sub(r"\s+", "", text) for name, text in help_texts().items()}  # as read, across lines
    # --format: the -o file's extension first (a format of its own), then the default by its Chinese name
    assert "（默认：按-o文件的扩展名，否则文本）" in helps["perfdsl eval"] and "（默认：1）" in helps["perfdsl eval"]
    assert "（默认：按-o文件的扩展名，否则网页）" in helps["perfdsl report"]
    assert "{扣分,不适用,事实,区间}" in helps["perfdsl eval"] and "{扣分,不适用,事实,区间}" in helps["perfdsl explain"]


@pytest.mark.parametrize("columns", [80, 100])
def test_help_lines_fit_the_console_by_display_width(columns, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(columns))
    parser = build_parser()
    for p in [parser, *_subparsers(parser).values()]:
        options = p.format_help().split("\n\n位置参数：", 1)[1].split("\n示例：", 1)[0]
        for line in options.splitlines():
            if "{" not in line:  # an option with its list of values may stand alone on a longer line
                hanging = line.endswith(tuple("，。、；：）"))  # never starting a line, it may hang past the margin
                assert cells(line) <= columns - 2 + 2 * hanging, line


def test_wrap_counts_chinese_characters_as_two_columns():
    lines = wrap("文本格式下显示每个指标的完整评分过程（批量评分默认每套一行：总分、等级、名称、来源）", 20)
    assert all(cells(line) <= 20 for line in lines)
    assert not any(line[0] in "，。、；：）" for line in lines[1:])
    assert "".join(lines) == "文本格式下显示每个指标的完整评分过程（批量评分默认每套一行：总分、等级、名称、来源）"
    assert wrap("用 perfdsl expand 还原", 12) == ["用 perfdsl", "expand 还原"]


def test_tokens_are_those_of_the_regex_they_replace():
    """``tokens`` splits as ``\\s+|[WIDE]|[^\\s WIDE]+`` did (the regex cost ~8 ms to compile at every start)."""
    import random
    wide = "".join(f"\\u{first:04x}-\\u{last:04x}" for first, last in WIDE)
    regex = re.compile(rf"\s+|[{wide}]|[^\s{wide}]+")
    edges = [chr(c) for first, last in WIDE for c in (first - 1, first, last, last + 1)]
    alphabet = edges + list(" \t\n\u3000\xa0ab-/，。（）：评分%％ﾊ\U00020000")
    rng = random.Random(19)
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30))) for _ in range(5000)]
    texts += [cmd.DESCRIPTION for cmd in COMMANDS.values()] + [""]
    for text in texts:
        assert tokens(text) == regex.findall(text), text


@pytest.mark.parametrize("columns", [None, "40", "100", "200", "0", "-3", " 90 ", "abc", ""])
def test_terminal_columns_are_shutil_s(columns, monkeypatch):
    """argparse's width without importing shutil (``argparse_zh.terminal_columns``): the same number, with COLUMNS
    unset, usable, zero, negative or not a number, off a terminal (pytest's captured stdout) and on none."""
    import shutil
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns
    monkeypatch.setattr(sys, "__stdout__", None)
    assert terminal_columns() == shutil.get_terminal_size().columns


def test_a_terminal_s_own_width_is_shutil_s(monkeypatch):
    import shutil
    monkeypatch.delenv("COLUMNS", raising=False)
    for size in ((132, 40), (0, 0), (7, 1)):
        monkeypatch.setattr(os, "get_terminal_size", lambda fd, size=size: os.terminal_size(size))
        assert terminal_columns() == shutil.get_terminal_size().columns


def test_cells_of_ascii_and_of_the_rest():
    """ASCII is counted by its length; no ASCII character is wide or full-width."""
    import unicodedata
    assert all(unicodedata.east_asian_width(chr(c)) not in "WF" for c in range(128))
    for text in ("", "--format json", "perfdsl eval rules/ 事实.json", "评分", "ａｂ", "\t\x7f"):
        assert cells(text) == sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_section_titles_take_the_full_width_colon_as_the_pattern_did(monkeypatch):
    """The titles' colons are changed by lines, as ``re.sub(rf"(?m)^( *){title}:$", rf"\\g<1>{title}：", …)`` for
    each title did (a pattern compiled per title cost ~1 ms of ``perfdsl --help``)."""
    import random
    rng = random.Random(19)
    pieces = ["选项", "位置参数", "命令", "选项:", ":", " ", "  ", "\n", "\r", "x", "选项：", "\t"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 12))) for _ in range(3000)]
    texts += [build_parser().format_help(), "选项:\n  选项:\n选项: x\n 位置参数:\n选项:"]
    formatter = build_parser()._get_formatter()
    formatter._headings = {"选项", "位置参数"}
    for text in texts:
        expected = text
        for heading in formatter._headings:
            expected = re.sub(rf"(?m)^( *){re.escape(heading)}:$", rf"\g<1>{heading}：", expected)
        monkeypatch.setattr(argparse.HelpFormatter, "format_help", lambda self, text=text: text)
        assert formatter.format_help() == expected, repr(text)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_help_examples_are_valid_command_lines(name):
    from perfdsl.cli.commands.base import Usage
    for _, line in COMMANDS[name].EXAMPLES:
        argv = shlex.split(line)
        assert argv[0] == "perfdsl"
        try:
            build_parser().parse_args(argv[1:])
        except Usage as exc:  # pragma: no cover — the assertion says which
            pytest.fail(f"{line}: {exc}")


@pytest.mark.parametrize("line", [line for c in ("eval", "explain", "check", "report")
                                  for _, line in COMMANDS[c].EXAMPLES if " -o " not in line and "--strict" not in line])
def test_help_examples_that_only_read_run(line, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert main(shlex.split(line)[1:]) == 0, capsys.readouterr().err


# ---------------------------------------------------------------- usage errors

USAGE_ERRORS = [
    ["evl"],
    ["eval"],
    ["eval", "rules"],
    ["eval", "rules", "f.json", "--only", "扣"],
    ["eval", "rules", "f.json", "--format", "csv"],
    ["eval", "rules", "f.json", "--format"],
    ["eval", "rules", "f.json", "--jobs", "两个"],
    ["eval", "rules", "f.json", "--jobs", "0"],  # no process at all: it was taken silently
    ["eval", "rules", "f.json", "-j", "-1"],
    ["eval", "rules", "f.json", "--bogus"],
    ["eval", "rules", "f.json", "--full=yes"],
    ["explain", "rules", "f.json"],
    ["report", "rules", "f.json", "--format", "pdf"],
    ["test", "rules", "--min-coverage", "全部"],
    ["test", "rules", "--min-coverage", "150"],  # a percentage above 100 can never be met
    ["test", "rules", "--min-coverage", "NaN"],
    ["fmt", "--keywords", "法文", "rules"],
    ["diff", "a.jsonl"],
    ["--no-such-option"],
]


@pytest.mark.parametrize("argv", USAGE_ERRORS, ids=" ".join)
def test_usage_errors_are_chinese(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("perfdsl: 用法错误：") and "--help 查看用法与示例" in err, err
    for typed in argv:  # what the user typed is quoted back as it was
        err = err.replace(f"'{typed}'", "").replace(f"'{typed.partition('=')[2]}'", "").replace(f"“{typed}”", "")
    assert english_words(err) == [], err


def test_usage_error_names_the_command_whose_help_to_read(capsys):
    assert main(["eval", "rules"]) == 2
    assert capsys.readouterr().err == "perfdsl: 用法错误：缺少必需的参数：事实（perfdsl eval --help 查看用法与示例）\n"


def test_invalid_choice_lists_the_chinese_values(capsys):
    main(["eval", str(RULES), str(SEED), "--only", "扣"])
    assert "无效的取值 “扣”（可选：扣分、不适用、事实、区间）；是否想写 扣分？" in capsys.readouterr().err


def test_no_command_prints_the_chinese_help(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("用法：perfdsl") and english_words(out) == []


# ---------------------------------------------------------------- option values

@pytest.mark.parametrize("chinese,english", [("扣分", "deductions"), ("不适用", "na"), ("事实", "facts"),
                                             ("区间", "bands")])
def test_only_takes_chinese_with_english_as_alias(chinese, english, capsys):
    assert build_parser().parse_args(["eval", "r", "f.json", "--only", chinese]).only == english
    assert english in TRACE_FILTERS
    assert main(["explain", str(RULES), str(SEED), "预算编制完整性", "--only", chinese]) == 0
    zh = capsys.readouterr().out
    assert main(["explain", str(RULES), str(SEED), "预算编制完整性", "--only", english]) == 0
    assert capsys.readouterr().out == zh


def test_format_and_keywords_take_chinese_names():
    parse = build_parser().parse_args
    assert parse(["eval", "r", "f.json", "--format", "文本"]).format == "text"
    assert parse(["eval", "r", "f.json", "--format", "text"]).format == "text"
    assert parse(["eval", "r", "f.json", "--format", "JSON"]).format == "json"
    assert parse(["eval", "r", "f.json"]).format is None  # not given: -o's extension decides, else 文本
    assert parse(["check", "r", "--format", "文本"]).format == "text"
    assert parse(["fmt", "--keywords", "英文", "r"]).keywords == "en"
    assert parse(["fmt", "--keywords", "zh", "r"]).keywords == "zh"
    assert parse(["test", "r", "--min-coverage", "90%"]).min_coverage == 90
    assert parse(["test", "r", "--min-coverage", "１００"]).min_coverage == 100
    assert parse(["test", "r", "--min-coverage", "99.9"]).min_coverage == Decimal("99.9")  # exact, never a float
    assert parse(["report", "r", "f.json", "--format", "Word文档"]).format == "docx"
    assert parse(["report", "r", "f.json", "--format", "表格"]).format == "xlsx"
    assert parse(["report", "r", "f.json", "--format", "网页"]).format == "html"
    assert parse(["report", "r", "f.json", "--format", "md"]).format == "md"


def test_every_option_with_fixed_values_takes_chinese():
    """Issue 17 item 6: no option lists English values only (each is an ``add_choice`` with Chinese names)."""
    from perfdsl.cli.argparse_zh import Choice
    seen = 0
    for sub in build_parser()._subparsers._group_actions:  # type: ignore[union-attr]
        assert isinstance(sub, argparse._SubParsersAction)
        for name, parser in sub.choices.items():
            for action in parser._actions:
                if action.choices is not None:
                    assert isinstance(action.type, Choice), (name, action.option_strings)
                    assert any(re.search(r"[\u4e00-\u9fff]", str(v)) for v in action.choices), (name, action.dest)
                    seen += 1
    assert seen >= 8


# ---------------------------------------------------------------- labels

def test_labels_are_chinese_everywhere(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.perf").write_text("事实 { 完成率: 比率 }\n指标 甲 分值 3 {\n  得分 = 按比例(完成律, 3, 60%)\n}\n",
                                  encoding="utf-8")
    assert main(["check", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "错误[E215]：未知的名称" in err
    assert main(["check", str(RULES), "--show-accepted"]) == 0  # the seed's W130 are accepted: listed on request
    err += capsys.readouterr().err
    assert "警告[W130]：" in err
    batch = tmp_path / "b.jsonl"
    batch.write_text("{}\n", encoding="utf-8")
    assert main(["eval", str(RULES), str(batch), "--format", "json"]) == 1
    err += capsys.readouterr().err
    assert f"{batch}:1:1: 错误[F013]：" in err  # line 1, at its "{": the object the facts are missing from
    assert not re.search(r"\b(error|warning)\[", err)


def test_internal_error_label(monkeypatch, capsys):
    import perfdsl.cli.commands.check as check_command
    monkeypatch.setattr(check_command, "run", lambda args: 1 / 0)
    assert main(["check", str(RULES)]) == 3
    assert capsys.readouterr().err.startswith("perfdsl: 内部错误[X000]：ZeroDivisionError")


def test_check_json_keeps_its_english_severity(capsys):
    assert main(["check", str(RULES), "--format", "json"]) == 0
    assert {d["severity"] for d in json.loads(capsys.readouterr().out)} == {"warning"}


# ---------------------------------------------------------------- the rules come first

@pytest.mark.parametrize("command", ["eval", "report"])
def test_swapped_arguments_say_the_rules_come_first(command, capsys):
    assert main([command, str(SEED), str(RULES)]) == 2
    err = capsys.readouterr().err
    assert f"第一个参数 {SEED} 是事实文件，不是规则：规则写在前面，事实写在后面" in err
    assert f"应为：perfdsl {command} {RULES} {SEED}" in err


def test_swapped_batch_and_explain(tmp_path, capsys):
    assert main(["explain", f"{ROOT}/examples/batch/facts.jsonl:3", str(RULES), "预算编制完整性"]) == 2
    assert "是批量事实文件，不是规则" in capsys.readouterr().err
    facts_dir = tmp_path / "facts"
    facts_dir.mkdir()
    (facts_dir / "a.json").write_text("{}", encoding="utf-8")
    assert main(["eval", str(facts_dir), str(SEED)]) == 2
    assert "是事实目录，不是规则" in capsys.readouterr().err


# ---------------------------------------------------------------- narrow console encodings

def _run(args: list[str], encoding: str, cwd: Path = ROOT) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONIOENCODING": encoding,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONUTF8", None)
    proc = subprocess.run([sys.executable, "-m", "perfdsl", *args], cwd=cwd, capture_output=True, env=env,
                          timeout=300)
    return proc.returncode, proc.stdout.decode("gbk"), proc.stderr.decode("gbk")  # strict: must be GBK


@pytest.mark.parametrize("encoding", ["gbk", "cp936"])
def test_eval_on_a_gbk_console(encoding):
    status, out, err = _run(["eval", "rules/", "examples/heping-2024/facts.json"], encoding)
    assert status == 0, err
    assert "总分 96.67 / 100" in out and "内部错误" not in err and "?" not in out


@pytest.mark.parametrize("args", [
    ["eval", "rules/", "examples/heping-2024/facts.json", "--full"],
    ["eval", "rules/", "examples/heping-2024/facts.json", "--only", "扣分"],
    ["explain", "rules/", "examples/heping-2024/facts.json", "审批效率提升情况"],
    ["check", "rules/"],
    ["test", "rules/", "tests/cases/"],
    ["report", "rules/", "examples/heping-2024/facts.json", "--format", "md"],
    ["report", "rules/", "examples/heping-2024/facts.json", "--format", "html"],
    ["eval", "rules/", "examples/batch/facts.jsonl"],
], ids=lambda a: " ".join(a[:1] + a[3:]))
def test_every_command_on_a_gbk_console(args):
    status, out, err = _run(args, "gbk")
    assert status == 0, err
    assert "内部错误" not in err and "?" not in out + err  # − ✓ … spelled out, not lost
    assert "\u2212" not in out and "\u2713" not in out


def test_minus_and_check_mark_are_spelled_out():
    _, out, _ = _run(["eval", "rules/", "examples/heping-2024/facts.json", "--full"], "gbk")
    assert "= -1" in out  # 增长率(0, 1) = −1
    _, out, _ = _run(["test", "rules/", "tests/cases/"], "gbk")
    assert out.startswith("√ ")


def test_json_on_a_gbk_console_is_the_same_document(tmp_path):
    for args in (["eval", "rules/", "examples/heping-2024/facts.json", "--format", "json"],
                 ["report", "rules/", "examples/heping-2024/facts.json", "--format", "json"]):
        status, narrow, _ = _run(args, "gbk")
        assert status == 0 and "\\u2212" in narrow
        status, wide, _ = _run([*args, "-o", str(tmp_path / "out.json")], "gbk")
        assert status == 0 and wide == ""
        assert json.loads(narrow) == json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))


def test_diff_on_a_gbk_console(tmp_path):
    old, new = tmp_path / "old.jsonl", tmp_path / "new.jsonl"
    assert main(["eval", str(RULES), str(ROOT / "examples/batch/facts.jsonl"), "--format", "json", "--no-trace", "-o",
                 str(old)]) == 0
    lines = old.read_text(encoding="utf-8").splitlines()
    doc = json.loads(lines[0])
    doc["score"], doc["name"] = "1.00", doc["name"] + "−✓"  # a result that moved; characters GBK cannot write
    new.write_text("\n".join([json.dumps(doc, ensure_ascii=False), *lines[1:]]) + "\n", encoding="utf-8")
    for fmt in ("文本", "json"):
        status, out, err = _run(["diff", str(old), str(new), "--format", fmt], "gbk")
        assert status == 1 and "内部错误" not in err
        assert "?" not in out
    assert json.loads(out.splitlines()[0])["name"].endswith("−✓")
