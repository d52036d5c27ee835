"""Auditor-facing outputs: the explanation contract, reports in Markdown/HTML/Excel, a real browser."""

import hashlib
import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from perfdsl.cli import main
from perfdsl.explain.document import explain

from .conftest import ROOT, RULES, SEED_FACTS, put
from .golden.regen import COMMANDS, regenerate

SCHEMA = json.loads((ROOT / "docs" / "explanation.schema.json").read_text(encoding="utf-8"))
EXPECTED = json.loads((Path(__file__).parent / "expected-2024.json").read_text(encoding="utf-8"))


def _expected_leaves():
    out = {}

    def walk(n):
        if "children" in n:
            for c in n["children"]:
                walk(c)
        else:
            out[n["name"]] = n["score"]
    walk(EXPECTED)
    return out


def _eval_json(capsys, *args):
    assert main(["eval", str(RULES), *args, "--format", "json"]) in (0, 1)
    return capsys.readouterr().out


def test_explanation_validates_against_schema_and_names_its_inputs(capsys):
    doc = json.loads(_eval_json(capsys, str(SEED_FACTS)))
    jsonschema.validate(doc, SCHEMA)
    assert doc["perfdsl"]["schema"] == 1
    files = {Path(f["path"]).name: f["sha256"] for f in doc["ruleset"]["files"]}
    for f in RULES.glob("*.perf"):
        assert files[f.name] == hashlib.sha256(f.read_bytes()).hexdigest()
    assert doc["facts"]["sha256"] == hashlib.sha256(SEED_FACTS.read_bytes()).hexdigest()


def test_partial_and_error_documents_validate(engine, seed, capsys, tmp_path):
    result = engine.score(put(seed, "预算执行.预算执行数", Decimal("2000")))
    doc = explain(result)
    jsonschema.validate(doc, SCHEMA)
    assert doc["status"] == "partial" and doc["score"] is None
    failed = [n for c in doc["children"] for g in c["children"] for n in g["children"] if n["status"] == "error"]
    assert [n["name"] for n in failed] == ["预算执行情况"]
    assert doc["children"][0]["score"] == "13.00"          # 部门决策 still scored
    p = tmp_path / "bad.json"
    p.write_text('{"评价年度": "2024"}', encoding="utf-8")
    doc = json.loads(_eval_json(capsys, str(p)))
    jsonschema.validate(doc, SCHEMA)
    assert doc["status"] == "error" and len(doc["errors"]) > 10  # every missing fact, at once


def test_jsonl_documents_validate(capsys, tmp_path):
    good = SEED_FACTS.read_text(encoding="utf-8").replace("\n", "")
    p = tmp_path / "b.jsonl"
    p.write_text(good + "\n[]\n", encoding="utf-8")
    for line in _eval_json(capsys, str(p)).splitlines():
        jsonschema.validate(json.loads(line), SCHEMA)


def test_same_inputs_give_identical_bytes(tmp_path, monkeypatch):
    import time
    monkeypatch.chdir(ROOT)
    for fmt in ("json", "md", "html", "xlsx"):
        outs = []
        for i in range(2):
            if i:
                time.sleep(1.1)  # a save time with one-second resolution would show up
            target = tmp_path / f"{i}.{fmt}"
            assert main(["report", "rules", "examples/heping-2024/facts.json", "--format", fmt, "-o", str(target)]) == 0
            outs.append(target.read_bytes())
        assert outs[0] == outs[1], fmt


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_golden_reports(tmp_path, name):
    """Regenerate with `python -m tests.golden.regen`; read the diff before committing it."""
    regenerate(tmp_path)
    assert (tmp_path / name).read_text(encoding="utf-8") == \
        (Path(__file__).parent / "golden" / name).read_text(encoding="utf-8")


def test_markdown_report_has_every_row_and_rate(tmp_path):
    out = tmp_path / "r.md"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "md", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    for name, score in _expected_leaves().items():
        assert f"| {name} |" in text
        row = next(line for line in text.splitlines() if f"| {name} |" in line)
        assert row.rstrip(" |").endswith(f"{Decimal(score):.2f}")
    assert "| 管理效率 | 预算绩效管理 | 10 | 8.67 | 86.70% |" in text
    assert "总分 **96.67** / 100，等级 **优**" in text


def test_xlsx_reopens_with_every_score(tmp_path):
    out = tmp_path / "r.xlsx"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "xlsx", "-o", str(out)]) == 0
    wb = load_workbook(out)
    ws = wb["评分表"]
    assert [c.value for c in ws[2]] == ["一级指标", "二级指标", "三级指标", "分值", "指标解释和说明", "评分标准",
                                        "指标分析结果", "得分"]
    expected = _expected_leaves()
    seen = {}
    for row in ws.iter_rows(min_row=3):
        name, score = row[2].value, row[7].value
        if name in expected:
            seen[name] = score
            assert isinstance(score, (int, float)) and row[7].number_format == "0.00"
            assert f"本项得 {Decimal(str(score)).normalize():f} 分" in row[6].value  # 指标分析结果 in prose
    assert {k: Decimal(str(v)) for k, v in seen.items()} == {k: Decimal(v) for k, v in expected.items()}
    total = next(r for r in ws.iter_rows(min_row=3) if r[0].value == "总分")
    assert Decimal(str(total[7].value)) == Decimal("96.67") and "优" in total[6].value
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert "A3:A7" in merged and "B3:B5" in merged    # 部门决策 over 5 rows, 决策依据 over 3
    rates = wb["二级指标得分率"]
    got = {r[1].value: (r[3].value, r[4].value) for r in rates.iter_rows(min_row=2)}
    assert got["预算绩效管理"] == (8.67, pytest.approx(0.867))
    assert rates.cell(2, 5).number_format == "0.00%"


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.skipif(_chromium() is None and not os.environ.get("CI"), reason="no Chromium here (CI installs it)")
def test_html_report_in_headless_chromium(tmp_path):
    browser = _chromium()
    assert browser, "CI must install Debian's chromium (see .ci/run)"
    page = tmp_path / "report.html"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "html", "-o", str(page)]) == 0
    assert "http://" not in page.read_text(encoding="utf-8") and "https://" not in page.read_text(encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path}/p"]
    dom = subprocess.run([browser, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=120, encoding="utf-8").stdout
    assert '<b id="total">96.67</b>' in dom and '<b id="grade">优</b>' in dom
    assert dom.count('class="indicator-row') == 25
    for name in _expected_leaves():
        assert f'<td class="indicator">{name}</td>' in dom
    shot = ROOT / "tests" / "screenshots" / "heping-2024-report.png"
    shot.parent.mkdir(exist_ok=True)
    subprocess.run([browser, *flags, "--hide-scrollbars", "--window-size=1400,2400", f"--screenshot={shot}",
                    page.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 10_000


def test_report_heads_bonus_and_penalty_items_outside_the_groups(capsys, tmp_path):
    """The project example's 加分/减分 items sit outside every 一级指标: labelled, with no empty "()"."""
    project = ROOT / "examples" / "project-expenditure"
    assert main(["report", str(project / "rules"), str(project / "facts-2024.json"), "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert "| 加分项 |  | 创新示范加分 | 2 |" in md and "| 减分项 |  | 审计问题减分 | 5 |" in md and "()" not in md
    out = tmp_path / "p.xlsx"
    assert main(["report", str(project / "rules"), str(project / "facts-2024.json"), "--format", "xlsx",
                 "-o", str(out)]) == 0
    firsts = [row[0].value for row in load_workbook(out)["评分表"].iter_rows(min_row=3)]
    assert "加分项" in firsts and "减分项" in firsts and not any(v and "()" in str(v) for v in firsts)
    assert main(["report", str(project / "rules"), str(project / "facts-2024.json"), "--format", "html"]) == 0
    assert "<br>()" not in capsys.readouterr().out
