"""Every example in the docs runs: rule snippets parse, commands succeed and print what the docs show.

In README.md and docs/*.md:
- a ```perf block must parse as a rule file; a ```perf-expr block as an expression;
- every line of a ```sh block that starts with `perfdsl ` is run from the repository root and must
  exit 0; when the next block is ```output, each of its lines must appear in what the command printed.
"""

import re
import shlex
import subprocess
import sys

import pytest

from perfdsl.syntax.builder import build

from .conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[\w-]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.S | re.M)


def blocks(path):
    text = path.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        indent = m.group("indent")
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line
                         for line in m.group("body").splitlines())
        found.append((m.group("info"), body, text.count("\n", 0, m.start()) + 1))
    return found


def examples(kind):
    out = []
    for path in DOCS:
        items = blocks(path)
        for i, (info, body, line) in enumerate(items):
            if info == kind:
                following = items[i + 1] if i + 1 < len(items) else None
                expected = following[1] if following and following[0] == "output" else None
                out.append(pytest.param(body, expected, id=f"{path.name}:{line}"))
    return out


@pytest.mark.parametrize("body,_", examples("perf"))
def test_rule_snippets_parse(body, _):
    build(body + "\n", "doc.perf")


@pytest.mark.parametrize("body,_", examples("perf-expr"))
def test_expression_snippets_parse(body, _):
    build("令 v = " + body + "\n", "doc.perf")


@pytest.mark.parametrize("body,expected", examples("sh"))
def test_documented_commands_run_and_print_what_the_docs_show(body, expected, tmp_path):
    printed = ""
    ran = False
    for line in body.splitlines():
        line = line.strip()
        if not line.startswith("perfdsl "):
            continue
        ran = True
        argv = shlex.split(line, comments=True)[1:]
        proc = subprocess.run([sys.executable, "-m", "perfdsl", *argv], cwd=ROOT, capture_output=True, text=True,
                              encoding="utf-8", timeout=300)
        assert proc.returncode == 0, f"{line}\n{proc.stderr[-2000:]}"
        printed += proc.stdout + proc.stderr
    if expected is not None:
        assert ran
        for want in expected.splitlines():
            if want.strip():
                assert want.strip() in printed, want


def test_there_are_examples_to_run():
    assert len(examples("perf")) >= 7 and len(examples("sh")) >= 8
