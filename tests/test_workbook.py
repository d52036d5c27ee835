"""The 基础数据表: generated from the rules, filled in as a person would, read back exactly (issue 16)."""

import json
from decimal import Decimal

import openpyxl
import pytest

from perfdsl.cli import main

from .conftest import ROOT, RULES, SEED_FACTS

PROJECT = ROOT / "examples" / "project-expenditure"
THIRD = ROOT / "examples" / "rural-road-self-assessment"
SETS = [(RULES, SEED_FACTS), (PROJECT / "rules", PROJECT / "facts-2024.json"),
        (THIRD / "rules", THIRD / "facts-2024.json")]


def _eval_json(capsys, rules, facts):
    code = main(["eval", str(rules), str(facts), "--format", "json"])
    out = capsys.readouterr()
    doc = json.loads(out.out) if out.out.strip() else None
    return code, doc, out.err


def _without_source(doc):
    doc = dict(doc)
    doc.pop("facts")  # which file was read, and its sha256: the workbook's own
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _template(tmp_path, rules, facts=None):
    out = tmp_path / "基础数据表.xlsx"
    args = ["template", str(rules), "-o", str(out)] + (["--facts", str(facts)] if facts else [])
    assert main(args) == 0
    return out


def _cell(wb, path):
    """(sheet, cell) of a scalar fact, from the workbook's own map."""
    for row in wb["_perfdsl"].iter_rows(values_only=True):
        if row[0] == "scalar" and row[1] == path:
            return wb[row[2]][row[3]]
    raise KeyError(path)


@pytest.mark.parametrize("rules,facts", SETS)
def test_round_trip_gives_the_json_runs_explanation_byte_for_byte(tmp_path, capsys, rules, facts):
    book = _template(tmp_path, rules, facts)
    code, from_book, err = _eval_json(capsys, rules, book)
    assert code == 0, err
    _, from_json, _ = _eval_json(capsys, rules, facts)
    assert _without_source(from_book) == _without_source(from_json)
    assert from_book["facts"]["source"] == str(book)


def test_filled_in_as_a_person_would(tmp_path, capsys):
    book = _template(tmp_path, RULES, SEED_FACTS)
    wb = openpyxl.load_workbook(book)
    _cell(wb, "网上政务.线上办件实际使用率").value = 0.9  # typed 90% into the percent cell
    _cell(wb, "预算执行.全年预算数").value = 1415.96
    _cell(wb, "资产管理.超标准配置").value = "否"
    _cell(wb, "资金使用.重大违纪整改").value = "无"  # chosen from the drop-down
    wb.save(book)
    code, doc, err = _eval_json(capsys, RULES, book)
    assert code == 0, err
    assert doc["score"] == "96.67" and doc["grade"] == "优"


def test_the_generated_workbook_carries_its_validations(tmp_path):
    wb = openpyxl.load_workbook(_template(tmp_path, RULES))
    ws = wb["基础数据"]
    kinds = {(dv.type, dv.formula1) for dv in ws.data_validations.dataValidation}
    assert ("list", '"是,否"') in kinds
    assert any(t == "list" and f.startswith("'_取值'!") for t, f in kinds)  # an enum's drop-down
    assert any(t == "decimal" for t, _ in kinds) and any(t == "whole" for t, _ in kinds)
    rate = _cell(wb, "网上政务.线上办件实际使用率")
    assert rate.number_format.endswith("%")
    assert wb["_perfdsl"].sheet_state == "veryHidden"
    assert "问题" in "".join(wb.sheetnames)  # a list fact has its own sheet
    assert wb["酌情评分"]["D3"].value == "理由"


@pytest.mark.parametrize("value,expected", [
    ("1,415.96 元", "应为数字，实际为 “1,415.96 元”；请只填写数字，如 1415.96"),
    ("很多", "应为数字，实际为 “很多”"),
    ("12%", "不是比率，不能带百分号"),
])
def test_a_bad_number_names_the_sheet_and_cell(tmp_path, capsys, value, expected):
    book = _template(tmp_path, RULES, SEED_FACTS)
    wb = openpyxl.load_workbook(book)
    cell = _cell(wb, "预算执行.全年预算数")
    cell.value = value
    wb.save(book)
    code, _, err = _eval_json(capsys, RULES, book)
    assert code == 1
    assert f"基础数据!{cell.coordinate}" in err and expected in err and "预算执行.全年预算数" in err


def test_every_problem_at_once_and_empty_required_cells_together(tmp_path, capsys):
    book = _template(tmp_path, RULES, SEED_FACTS)
    wb = openpyxl.load_workbook(book)
    _cell(wb, "资产管理.超标准配置").value = "也许"
    _cell(wb, "资金使用.重大违纪整改").value = "按时整改了"
    _cell(wb, "评价年度").value = None
    _cell(wb, "预算编制.年初预算收入种类数").value = None
    wb.save(book)
    code, _, err = _eval_json(capsys, RULES, book)
    assert code == 1
    assert "应为 是 或 否" in err and "不是允许的取值" in err
    assert "F033" in err and "评价年度" in err and "预算编制.年初预算收入种类数" in err


def test_the_times_100_trap_is_closed_in_json_and_workbooks(tmp_path, capsys):
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    facts["网上政务"]["线上办件实际使用率"] = 90
    bad = tmp_path / "f.json"
    bad.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    code, _, err = _eval_json(capsys, RULES, bad)
    assert code == 1 and "F021" in err and '"90%"' in err and "0.9" in err
    facts["网上政务"]["线上办件实际使用率"] = "90%"
    bad.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    code, doc, err = _eval_json(capsys, RULES, bad)
    assert code == 0 and doc["score"] == "96.67", err

    book = _template(tmp_path, RULES, SEED_FACTS)
    wb = openpyxl.load_workbook(book)
    cell = _cell(wb, "网上政务.线上办件实际使用率")
    cell.value = 90  # pasted as a plain number: 9000%
    wb.save(book)
    code, _, err = _eval_json(capsys, RULES, book)
    assert code == 1 and "F021" in err and f"基础数据!{cell.coordinate}" in err
    cell.value = "90%"  # typed as text
    wb.save(book)
    code, doc, err = _eval_json(capsys, RULES, book)
    assert code == 0 and doc["score"] == "96.67", err


def test_a_rate_declared_above_100_percent_is_accepted():
    from perfdsl.engine import load
    engine = load(RULES)
    facts = json.loads(SEED_FACTS.read_text(encoding="utf-8"), parse_float=Decimal, parse_int=Decimal)
    facts["资产利用"]["实物资产完整率"] = Decimal("1.05")
    facts["资产利用"]["完整率超百分百评分"] = {"得分": Decimal("0.5"), "理由": "购置资产尚未入账"}
    assert not engine.score(facts).errors


def test_a_batch_of_workbooks_carries_on_past_a_bad_one(tmp_path, capsys):
    folder = tmp_path / "books"
    folder.mkdir()
    good = _template(tmp_path, RULES, SEED_FACTS)
    (folder / "a.xlsx").write_bytes(good.read_bytes())
    (folder / "b.xlsx").write_bytes(b"not a workbook")
    (folder / "c.xlsx").write_bytes(good.read_bytes())
    assert main(["eval", str(RULES), str(folder)]) == 1
    err = capsys.readouterr().err
    assert "共 3 套事实：2 套成功，1 套失败" in err and "b.xlsx" in err


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16"])
def test_json_facts_from_chinese_windows_are_read(tmp_path, capsys, encoding):
    f = tmp_path / "facts.json"
    f.write_bytes(SEED_FACTS.read_text(encoding="utf-8").encode(encoding))
    code, doc, err = _eval_json(capsys, RULES, f)
    assert code == 0 and doc["score"] == "96.67", err
