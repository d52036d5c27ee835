"""`perfdsl test`: the seed's hand-worked cases, domain coverage, a broken band caught, band edges."""

import json
import shutil

from perfdsl.cli import main

from .conftest import ROOT, RULES, SEED_FACTS

CASES = ROOT / "tests" / "cases"


def test_seed_cases_pass_with_full_domain_coverage(capsys):
    assert main(["test", str(RULES), str(CASES), "--min-coverage", "100"]) == 0
    out = capsys.readouterr().out
    assert "0 个失败" in out and "领域覆盖率：116/116 = 100.0%" in out


def test_json_report(capsys):
    assert main(["test", str(RULES), str(CASES), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["failed"] == 0 and doc["passed"] == len(doc["cases"]) >= 50
    assert doc["coverage"]["percent"] == 100.0 and doc["coverage"]["uncovered"] == []


def test_broken_band_fails_a_named_case_with_a_diff(tmp_path, capsys):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    f = rules / "20-管理效率.perf"
    text = f.read_text(encoding="utf-8")
    assert "(80%, 90%]  → 1" in text
    f.write_text(text.replace("(80%, 90%]  → 1", "[80%, 90%)  → 1").replace("≤ 80%       → 0", "< 80%       → 0")
                 .replace("(90%, 100%] → 2", "[90%, 100%] → 2"), encoding="utf-8")
    assert main(["test", str(rules), str(CASES)]) == 1
    out = capsys.readouterr().out
    assert "✗ 预算执行率恰为 90% 得 1 分" in out
    assert "✗ 预算执行率恰为 80% 得 0 分" in out
    # the indicator-by-indicator difference, and the trace of the first differing indicator
    assert "预算执行情况" in out and "3.00" in out and "4.00" in out
    assert "预算执行率 = 90% → 落在 [90%, 100%] → 2" in out


def test_min_coverage_fails_below(tmp_path, capsys):
    cases = tmp_path / "one.yaml"
    cases.write_text(f"base: {SEED_FACTS}\ncases:\n  - name: 种子\n    expect: {{总分: 96.67}}\n", encoding="utf-8")
    assert main(["test", str(RULES), str(cases), "--min-coverage", "90"]) == 1
    out = capsys.readouterr().out
    assert "未覆盖 rules" in out or "未覆盖" in out


def test_bad_case_file_is_a_diagnostic(tmp_path, capsys):
    cases = tmp_path / "bad.yaml"
    cases.write_text("cases:\n  - name: x\n    set: {a: [1,\n", encoding="utf-8")
    assert main(["test", str(RULES), str(cases)]) == 1
    assert "bad.yaml" in capsys.readouterr().err


def test_unknown_indicator_in_expectation(tmp_path, capsys):
    cases = tmp_path / "c.yaml"
    cases.write_text(f"base: {SEED_FACTS}\ncases:\n  - name: 错名\n    expect: {{预算执行情况况: 4}}\n", encoding="utf-8")
    assert main(["test", str(RULES), str(cases)]) == 1
    assert "没有名为 “预算执行情况况” 的指标" in capsys.readouterr().out


def test_edges_show_score_on_each_side(capsys):
    assert main(["test", str(RULES), "--edges", str(SEED_FACTS), "--format", "json"]) == 0
    bands = json.loads(capsys.readouterr().out)
    execution = next(b for b in bands if b["subject"] == "预算执行率")
    rows = {r["value"]: r["result"] for r in execution["rows"]}
    assert rows["90%"] == "1" and rows["90.01%"] == "2" and rows["80%"] == "0" and rows["80.01%"] == "1"
    usage = next(b for b in bands if b["subject"] == "线上办件实际使用率")
    rows = {r["value"]: r["result"] for r in usage["rows"]}
    assert rows["89.99%"] == "2.24975" and rows["90%"] == "2.5" and rows["59.99%"] == "0"
