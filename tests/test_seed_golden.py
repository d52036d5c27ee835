"""The seed report's 41 published figures, from the report's own facts."""

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from perfdsl.cli import main

from .conftest import RULES, SEED_FACTS

EXPECTED = json.loads((Path(__file__).parent / "expected-2024.json").read_text(encoding="utf-8"))


def _figures(node, path=()):
    here = path + (node["name"],) if path or "grade" not in node else ()
    yield here, node
    for c in node.get("children", []):
        yield from _figures(c, here if here else ("",))


def _index(doc):
    out = {}

    def walk(node, path):
        out[path] = node
        for c in node.get("children", []):
            walk(c, path + (c["name"],))
    walk(doc, ())
    return out


def test_every_published_score_and_weight(capsys):
    code = main(["eval", str(RULES), str(SEED_FACTS), "--format", "json"])
    assert code == 0
    got = _index(json.loads(capsys.readouterr().out))
    want = _index(EXPECTED)
    assert len(want) == 40  # 39 indicators and the root; with the grade, 41 figures
    for path, node in want.items():
        assert path in got, path
        assert Decimal(got[path]["score"]) == Decimal(node["score"]), path
        assert Decimal(got[path]["weight"]) == Decimal(node["weight"]), path
        if "rate" in node:
            assert got[path]["rate"] == node["rate"], path
    assert got[()]["score"] == "96.67"
    assert got[()]["grade"] == EXPECTED["grade"] == "优"


def test_terminal_output_shows_total_and_grade(capsys):
    assert main(["eval", str(RULES), str(SEED_FACTS)]) == 0
    out = capsys.readouterr().out
    assert "96.67 / 100" in out
    assert "等级 优" in out
    # the one finding behind 资金使用合规性's lost point, with its text
    assert "扣 1 分：部分合同要素填写不完整" in out


def test_installed_console_script_runs_from_elsewhere(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "perfdsl", "eval", str(RULES), str(SEED_FACTS), "--format", "json",
                           "--no-trace"], capture_output=True, text=True, cwd=tmp_path, encoding="utf-8")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["score"] == "96.67" and doc["grade"] == "优"
    assert all("trace" not in leaf for c in doc["children"] for g in c["children"] for leaf in g["children"])
