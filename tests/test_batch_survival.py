"""Issue 14, what was left: a batch survives a worker process that dies, and ``expand`` keeps one output
line per input line even for a line it cannot read."""

import json
import os
import subprocess
import sys

import pytest

from perfdsl.cli import main

from .conftest import ROOT, RULES

GOOD = (ROOT / "examples" / "batch" / "facts.jsonl").read_text(encoding="utf-8").splitlines()
POSIX = os.name == "posix"


def _write(path, lines):
    with open(path, "wb") as f:
        for line in lines:
            f.write((line if isinstance(line, bytes) else line.encode("utf-8")) + b"\n")
    return path


# ---------------------------------------------------------------- expand

def test_expand_writes_the_error_of_a_line_it_cannot_read(tmp_path, capsys, monkeypatch):
    """A line too long or not UTF-8 cannot be copied: its error document takes its place (once an empty line)."""
    batch = _write(tmp_path / "b.jsonl", GOOD[:2])
    compact = tmp_path / "c.jsonl"
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--compact-trace", "-o", str(compact)]) == 0
    first, second = compact.read_bytes().decode("utf-8").splitlines()
    monkeypatch.setenv("PERFDSL_MAX_LINE_BYTES", str(len(first.encode("utf-8")) + 100))
    results = _write(tmp_path / "r.jsonl", [first, b"\x80\x80 not text", "x" * (len(first.encode("utf-8")) + 200), second])
    out = tmp_path / "e.jsonl"
    capsys.readouterr()
    assert main(["expand", str(RULES), str(results), "-o", str(out)]) == 1
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "" and len(lines) == 5  # one line per input line, each ending with its break
    expanded = [json.loads(x) for x in lines[:4]]
    assert expanded[0]["line"] == 1 and expanded[0]["status"] == "ok" and expanded[3]["line"] == 2  # its line in the batch scored
    for n, code in ((2, "F005"), (3, "F008")):
        doc = expanded[n - 1]
        assert doc["status"] == "error" and doc["line"] == n and doc["facts"]["source"] == str(results)
        [problem] = doc["errors"]
        assert problem["code"] == code and f"{results}:{n}" in problem["message"]
        assert "请" in problem["message"]  # the fix, in Chinese: save as UTF-8, or raise the limit
    err = capsys.readouterr().err
    assert "F005" in err and "F008" in err and "Traceback" not in err
