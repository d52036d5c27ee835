"""The command line's own messages show user text through the one terminal escaper (issue 14, item 3).

Diagnostics and results were escaped already; these are the plain prints around them: the last guard's
internal error, the usage error, explain's 「没有名为」 and fmt's file names.  Each is fed the shared corpus.
"""

from __future__ import annotations

import json
import re

import pytest

from perfdsl.cli import main
from perfdsl.render.escape import for_terminal
from tests.hostile import HOSTILE, IDS

from .conftest import RULES, SEED_FACTS

_TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# a file name can hold anything but "/" and NUL: escape sequences and Rich markup together
HOSTILE_NAME = "预算[bold red]红[link=x]点击\x1b]0;标题\x07\x1b[2J\u202e末\x9b2J"
TERMINAL_IDS = ("ansi-clear", "osc-title", "osc-link", "c1-csi", "bidi", "rich-close", "rich-link", "carriage",
                "backspace", "forged-total")


def _clean(err: str) -> None:
    assert _TERMINAL_BAD.search(err) is None, ascii(err[:300])
    assert "Traceback" not in err


@pytest.mark.parametrize("text", [t for _, t in HOSTILE], ids=IDS)
def test_the_last_guard_escapes_the_exception_it_names(monkeypatch, capsys, text):
    import perfdsl.cli.commands.check as check_command

    def broken(args):
        raise RuntimeError(text)
    monkeypatch.setattr(check_command, "run", broken)
    assert main(["check", str(RULES)]) == 3
    err = capsys.readouterr().err
    _clean(err)
    first, *rest = err.splitlines()
    assert first.startswith("perfdsl: 内部错误[X000]：RuntimeError: ")
    assert for_terminal(text, one_line=True)[:200] in first  # shown on its own line, as written
    assert len(rest) == 1 and "报告此问题" in rest[0]  # the exception's line breaks do not forge more lines


@pytest.mark.parametrize("text", [t for k, t in HOSTILE if k in TERMINAL_IDS], ids=TERMINAL_IDS)
def test_explain_of_an_unknown_indicator_escapes_its_name(capsys, text):
    assert main(["explain", str(RULES), str(SEED_FACTS), text]) == 1
    err = capsys.readouterr().err
    _clean(err)
    assert f"没有名为 “{for_terminal(text, one_line=True)}” 的三级指标" in err


def test_a_usage_error_escapes_the_file_names_it_quotes(tmp_path, capsys):
    facts = tmp_path / f"{HOSTILE_NAME}.json"
    facts.write_text(SEED_FACTS.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["eval", str(facts), str(RULES)]) == 2  # swapped: the message names both, in the right order
    err = capsys.readouterr().err
    _clean(err)
    assert "用法错误" in err and for_terminal(HOSTILE_NAME) in err and "[bold red]红[link=x]" in err


def test_fmt_escapes_the_file_names_it_lists(tmp_path, capsys):
    rules = tmp_path / "规则"
    rules.mkdir()
    rule = rules / f"{HOSTILE_NAME}.perf"
    rule.write_text("指标 甲 分值 3 {\n得分 = 3\n}\n", encoding="utf-8")  # not in the canonical layout
    assert main(["fmt", "--check", str(rules)]) == 1
    err = capsys.readouterr().err
    _clean(err)
    assert "需要重新排版" in err and for_terminal(HOSTILE_NAME) in err
    assert main(["fmt", str(rules)]) == 0
    err = capsys.readouterr().err
    _clean(err)
    assert "已排版" in err and for_terminal(HOSTILE_NAME) in err
    assert json.dumps(rule.read_text(encoding="utf-8")) != json.dumps("指标 甲 分值 3 {\n得分 = 3\n}\n")
