"""perfdsl diff: what a rule change did to a batch, checked against the facts by hand."""

import json
import shutil
from decimal import Decimal

from benchmarks.generate import lines
from benchmarks.handwritten import score as hand_score
from perfdsl.cli import main

from .conftest import RULES

BATCH = list(lines(120, seed=11))


def _rates(line):
    x = json.loads(line, parse_float=Decimal, parse_int=Decimal)["预算执行"]
    return x["预算执行数"] / x["全年预算数"]


def _scored(tmp_path, rules, name):
    batch = tmp_path / "batch.jsonl"
    if not batch.exists():
        batch.write_text("\n".join(BATCH) + "\n", encoding="utf-8")
    out = tmp_path / name
    assert main(["eval", str(rules), str(batch), "--format", "json", "--no-trace", "-o", str(out)]) == 0
    return out


def test_a_stricter_band_moves_exactly_the_fact_sets_inside_the_moved_edge(tmp_path, capsys):
    """财政资金执行率 gets 2 points only above 95% (was 90%): 90% < 执行率 ≤ 95% lose one point, floored at 0."""
    stricter = tmp_path / "rules"
    shutil.copytree(RULES, stricter)
    path = stricter / "20-管理效率.perf"
    text = path.read_text(encoding="utf-8")
    assert "(90%, 100%] → 2" in text and "(80%, 90%]  → 1" in text
    path.write_text(text.replace("(90%, 100%] → 2", "(95%, 100%] → 2").replace("(80%, 90%]  → 1", "(80%, 95%]  → 1"),
                    encoding="utf-8")
    old, new = _scored(tmp_path, RULES, "old.jsonl"), _scored(tmp_path, stricter, "new.jsonl")
    capsys.readouterr()
    assert main(["diff", str(old), str(new), "--format", "json"]) == 1
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    changes, summary = out[:-1], out[-1]
    moved = {n for n, line in enumerate(BATCH, 1) if Decimal("0.9") < _rates(line) <= Decimal("0.95")}
    assert moved and {int(c["where"].rsplit(":", 1)[1]) for c in changes} == moved
    for c in changes:
        line = BATCH[int(c["where"].rsplit(":", 1)[1]) - 1]
        before = hand_score(json.loads(line, parse_float=Decimal, parse_int=Decimal))["预算执行情况"]
        [leaf] = c["indicators"]
        assert leaf["path"] == ["管理效率", "预算执行", "预算执行情况"]
        assert Decimal(leaf["old"]) == before and Decimal(leaf["new"]) == max(Decimal(0), before - 1)
        assert Decimal(c["total"][0]) - Decimal(c["total"][1]) == before - Decimal(leaf["new"])
    assert summary["compared"] == 120 and summary["totals_changed"] == len(moved)
    assert summary["rule_files_changed"] == ["20-管理效率.perf"]  # the one file edited, wherever each run read it
    assert summary["indicators"] == [{"path": ["管理效率", "预算执行", "预算执行情况"], "count": len(moved)}]


def test_the_same_results_compare_equal_and_mismatched_files_are_refused(tmp_path, capsys):
    old = _scored(tmp_path, RULES, "old.jsonl")
    assert main(["diff", str(old), str(old)]) == 0
    out = capsys.readouterr().out
    assert "共比较 120 套：0 套总分变化，0 套等级变化" in out and "改动的规则文件" not in out
    short = tmp_path / "short.jsonl"
    short.write_text("".join(old.read_text(encoding="utf-8").splitlines(keepends=True)[:5]), encoding="utf-8")
    assert main(["diff", str(old), str(short)]) == 1
    assert "D003" in capsys.readouterr().err
    alien = tmp_path / "alien.json"
    alien.write_text('{"score": 1}\n', encoding="utf-8")
    assert main(["diff", str(alien), str(old)]) == 1
    assert "D002" in capsys.readouterr().err
