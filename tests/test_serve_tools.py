"""``perfdsl serve``: downloads, opening facts, what-if, the batch and diff views, the time limit (TestClient).

Expected scores are worked out from the 评分标准 of 预算执行情况 (20-管理效率.perf): 财政资金执行率 is 2 points
for a 预算执行率 in (90%, 100%], 1 in (80%, 90%], 0 at 80% or below.  The seed spends its whole budget
(1415.96 of 1415.96, 100%): 2 points.  Spending half (50%) gives 0, so 预算执行情况, its 二级 预算执行,
一级 管理效率 and the total each lose exactly 2.00: 96.67 → 94.67, still 优 (≥ 90).
"""

from __future__ import annotations

import io
import json
import shutil
import threading
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="perfdsl[serve] is not installed (starlette, uvicorn)")
from starlette.testclient import TestClient  # noqa: E402

from perfdsl.serve import compare  # noqa: E402
from perfdsl.serve.app import create_app  # noqa: E402
from perfdsl.serve.workspace import Workspace  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED_FACTS = ROOT / "examples" / "heping-2024" / "facts.json"
TOKEN = "test-token"
LEAF = ["管理效率", "预算执行", "预算执行情况"]


def seed() -> dict:
    """The seed's facts; its numbers read as floats are written back with the same digits (``repr``)."""
    return json.loads(SEED_FACTS.read_text(encoding="utf-8"))


def dumps(facts: dict) -> str:
    return json.dumps(facts, ensure_ascii=False)


def half_spent() -> dict:
    facts = seed()
    facts["预算执行"]["预算执行数"] = facts["预算执行"]["全年预算数"] / 2
    return facts


@pytest.fixture
def place(tmp_path):
    """rules/ and facts/ side by side; facts/ holds the seed, a batch of three and a folder of workbooks."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    facts = tmp_path / "facts"
    facts.mkdir()
    shutil.copy(SEED_FACTS, facts / "facts.json")
    bad = seed()
    bad["资产利用"]["实物资产完整率"] = "abc"
    (facts / "批量.jsonl").write_text("\n".join(dumps(f) for f in (seed(), half_spent(), bad)) + "\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def client(place):
    app, _ = create_app(Workspace(place / "rules", place / "facts" / "facts.json"), token=TOKEN, hosts={"testserver"})
    return TestClient(app, headers={"X-Perfdsl-Token": TOKEN})


def state(client) -> tuple[dict, str]:
    st = client.get("/api/state").json()
    return st["files"], st["facts"]


# ---------------------------------------------------------------- downloads

def test_report_downloads_in_three_formats(client):
    files, facts = state(client)
    html = client.post("/api/report?format=html", json={"files": files, "facts": facts})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert sent_name(html) == "天津市和平区人民政府政务服务办公室 2024年度部门整体支出绩效评价 评分表.html"
    assert "96.67" in html.text and "优" in html.text
    docx = client.post("/api/report?format=docx", json={"files": files, "facts": facts})
    body = zipfile.ZipFile(io.BytesIO(docx.content)).read("word/document.xml").decode("utf-8")
    assert docx.status_code == 200 and "96.67" in body
    xlsx = client.post("/api/report?format=xlsx", json={"files": files, "facts": facts})
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = {str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r}
    assert xlsx.status_code == 200 and "96.67" in cells and any("优" in c for c in cells)


def sent_name(res) -> str:
    """The name a browser saves a download under: RFC 5987's ``filename*``, after an ASCII fallback."""
    from urllib.parse import unquote
    fallback, star = res.headers["content-disposition"].split("; filename*=UTF-8''")
    assert fallback.startswith('attachment; filename="') and fallback.isascii()
    return unquote(star, errors="strict")


def test_downloads_are_named_after_the_unit_even_a_hostile_one(client):
    files, _ = state(client)
    facts = seed()
    facts["被评价单位"] = '某局<script>alert("x")</script>\r\n../../CON'
    res = client.post("/api/report?format=docx", json={"files": files, "facts": dumps(facts)})
    # the title 「{被评价单位} {评价年度}年度部门整体支出绩效评价」, < > " / → _, the line break one space
    assert res.status_code == 200 and "\n" not in res.headers["content-disposition"]
    assert sent_name(res) == "某局_script_alert(_x_)_script_ .._.._CON 2024年度部门整体支出绩效评价 评分表.docx"
    wb = client.post("/api/facts/workbook", json={"files": files, "facts": dumps(facts)})
    assert sent_name(wb) == "某局_script_alert(_x_)_script_ .._.._CON 2024年度部门整体支出绩效评价 基础数据表.xlsx"
    js = client.post("/api/facts/json", json={"files": files, "facts": dumps(facts)})
    assert js.status_code == 200 and json.loads(js.content.decode("utf-8")) == facts
    assert sent_name(js) == "某局_script_alert(_x_)_script_ .._.._CON 2024年度部门整体支出绩效评价 事实.json"
    del facts["被评价单位"]  # the title cannot be filled: the workbook is named as what it is
    wb = client.post("/api/facts/workbook", json={"files": files, "facts": dumps(facts)})
    assert wb.status_code == 200 and sent_name(wb) == "基础数据表.xlsx"


def test_facts_are_saved_even_under_broken_rules_and_the_report_comes_in_markdown(client):
    files, facts = state(client)
    md = client.post("/api/report?format=md", json={"files": files, "facts": facts})
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert sent_name(md) == "天津市和平区人民政府政务服务办公室 2024年度部门整体支出绩效评价 评分表.md"
    assert "总分 **96.67** / 100，等级 **优**" in md.content.decode("utf-8")
    files["00-体系.perf"] = "体系 {"  # rules that do not parse: the facts still download, under the plain name
    js = client.post("/api/facts/json", json={"files": files, "facts": facts})
    assert js.status_code == 200 and js.content.decode("utf-8") == facts and sent_name(js) == "事实.json"


def test_report_refusals_are_messages(client):
    files, facts = state(client)
    assert client.post("/api/report?format=pdf", json={"files": files, "facts": facts}).status_code == 400
    bad = seed()
    bad["资产利用"]["实物资产完整率"] = "abc"
    res = client.post("/api/report?format=html", json={"files": files, "facts": dumps(bad)})
    assert res.status_code == 400
    assert [(e["code"], e["fact"]) for e in res.json()["errors"]] == [("F011", "资产利用.实物资产完整率")]
    name = "10-部门决策.perf"
    files[name] = files[name].replace("逐项扣 重大支出政策问题", "逐项扣 重大支出政策问提", 1)
    res = client.post("/api/report?format=docx", json={"files": files, "facts": facts})
    assert res.status_code == 400 and res.json()["errors"][0]["code"] == "E215"


def test_facts_workbook_round_trips_through_opening_it(client):
    files, facts = state(client)
    wb = client.post("/api/facts/workbook", json={"files": files, "facts": facts})
    assert wb.status_code == 200 and wb.content[:2] == b"PK"
    opened = client.post("/api/facts/open?name=基础数据表.xlsx", content=wb.content)
    assert opened.status_code == 200
    assert json.loads(opened.json()["facts"]) == seed()


def test_a_bad_cell_in_an_opened_workbook_names_its_sheet_and_cell(client):
    from openpyxl import load_workbook
    files, facts = state(client)
    wb = client.post("/api/facts/workbook", json={"files": files, "facts": facts}).content
    book = load_workbook(io.BytesIO(wb))
    entry = next(r for r in book["_perfdsl"].iter_rows(values_only=True)
                 if r[:2] == ("scalar", "资产利用.实物资产完整率"))
    sheet, cell = entry[2], entry[3]
    book[sheet][cell] = "很多"
    out = io.BytesIO()
    book.save(out)
    res = client.post("/api/facts/open?name=填好的.xlsx", content=out.getvalue())
    assert res.status_code == 400
    message = res.json()["errors"][0]["message"]
    assert f"{sheet}!{cell}" in message and "Traceback" not in message


@pytest.mark.parametrize("name, data, code", [
    ("x.json", b"{ not json", "F002"),
    ("x.json", b"[1, 2]", "F002"),
    ("x.txt", b"{}", "F000"),
    ("x.xlsx", b"not a zip", "F031"),
    ("x.json", b"\xff\xfe\x00", "F000"),
])
def test_opening_a_bad_facts_file_is_refused_with_a_message(client, name, data, code):
    res = client.post(f"/api/facts/open?name={name}", content=data)
    assert res.status_code == 400 and res.json()["errors"][0]["code"] == code


def test_opening_a_facts_json_gives_its_text(client):
    res = client.post("/api/facts/open?name=facts.json", content=SEED_FACTS.read_bytes())
    assert res.status_code == 200 and json.loads(res.json()["facts"]) == json.loads(SEED_FACTS.read_text("utf-8"))


# ---------------------------------------------------------------- what-if

def test_what_if_shows_each_indicator_before_and_after(client):
    files, facts = state(client)
    res = client.post("/api/whatif", json={"files": files, "facts": facts, "candidate": dumps(half_spent())}).json()
    ch = res["changes"]
    assert ch["total"] == {"old": "96.67", "new": "94.67", "delta": "-2.00"}
    assert ch["grade"] == {"old": "优", "new": "优"}
    assert [c["path"] for c in ch["indicators"]] == [LEAF[:1], LEAF[:2], LEAF]
    assert [c["delta"] for c in ch["indicators"]] == ["-2.00"] * 3
    leaf = ch["indicators"][2]
    assert (leaf["old"], leaf["new"]) == ("4.00", "2.00")
    assert res["document"]["score"] == "94.67"


def test_what_if_without_a_change_and_with_a_bad_value(client):
    files, facts = state(client)
    same = client.post("/api/whatif", json={"files": files, "facts": facts, "candidate": facts}).json()["changes"]
    assert same["indicators"] == [] and same["total"]["delta"] == "0"
    bad = seed()
    bad["资产利用"]["实物资产完整率"] = "abc"
    res = client.post("/api/whatif", json={"files": files, "facts": facts, "candidate": dumps(bad)}).json()
    assert res["stage"] == "facts" and "changes" not in res
    assert client.post("/api/whatif", json={"files": files, "facts": facts}).status_code == 400


def test_score_carries_each_leafs_analysis(client):
    files, facts = state(client)
    res = client.post("/api/score", json={"files": files, "facts": facts}).json()
    leaf = res["document"]["children"][1]["children"][1]["children"][0]
    assert leaf["name"] == "预算执行情况"
    text = res["analyses"][leaf["at"]]
    assert "预算执行率 = 1415.96 ÷ 1415.96 = 100%" in text and "得 2 分" in text


# ---------------------------------------------------------------- batches

def test_batch_sources_are_the_facts_directorys_batches(client, place):
    (place / "facts" / "表").mkdir()
    (place / "facts" / "空文件夹").mkdir()
    res = client.get("/api/batch/sources").json()
    assert res["directory"] == "facts"
    assert res["sources"] == [{"name": "批量.jsonl", "kind": "jsonl"}]
    shutil.copy(SEED_FACTS, place / "facts" / "表" / "a.json")
    assert {"name": "表/", "kind": "folder"} in client.get("/api/batch/sources").json()["sources"]


def test_batch_table_scores_every_line(client):
    files, _ = state(client)
    res = client.post("/api/batch", json={"files": files, "name": "批量.jsonl"})
    assert res.status_code == 200
    rows = res.json()["rows"]
    assert [(r["where"], r["score"], r["grade"]) for r in rows] == [
        ("批量.jsonl:1", "96.67", "优"), ("批量.jsonl:2", "94.67", "优"), ("批量.jsonl:3", None, None)]
    assert rows[2]["errors"] and "实物资产完整率" in rows[2]["errors"][0]
    # the table names the unit each line evaluates (even the line that failed); the title goes with it
    assert [r["unit"] for r in rows] == ["天津市和平区人民政府政务服务办公室"] * 3
    assert rows[0]["name"] == "天津市和平区人民政府政务服务办公室 2024年度部门整体支出绩效评价"
    assert "diff" not in res.json()


def test_batch_of_workbooks_in_a_folder(client, place):
    files, facts = state(client)
    folder = place / "facts" / "各单位"
    folder.mkdir()
    wb = client.post("/api/facts/workbook", json={"files": files, "facts": facts}).content
    (folder / "和平区.xlsx").write_bytes(wb)
    rows = client.post("/api/batch", json={"files": files, "name": "各单位/"}).json()["rows"]
    assert [(r["where"], r["score"], r["grade"]) for r in rows] == [("各单位/和平区.xlsx", "96.67", "优")]
    assert rows[0]["unit"] == "天津市和平区人民政府政务服务办公室"  # read from the workbook's cells
    opened = client.post("/api/batch/facts", json={"files": files, "name": "各单位/", "where": "各单位/和平区.xlsx"})
    assert json.loads(opened.json()["facts"]) == seed()


def test_batch_diff_against_the_saved_rules(client):
    """财政资金执行率 (90%, 100%] → 1.5 instead of 2: line 1 (100%) loses 0.50, line 2 (50%) does not move."""
    files, _ = state(client)
    name = "20-管理效率.perf"
    assert "(90%, 100%] → 2" in files[name]
    files[name] = files[name].replace("(90%, 100%] → 2", "(90%, 100%] → 1.5", 1)
    diff = client.post("/api/batch", json={"files": files, "name": "批量.jsonl", "compare": True}).json()["diff"]
    assert diff["summary"]["compared"] == 3 and diff["summary"]["rule_files_changed"] == [name]
    assert diff["summary"]["totals_changed"] == 1 and diff["summary"]["grades_changed"] == 0
    [change] = diff["changes"]
    assert change["where"] == "批量.jsonl:1" and change["total"] == ["96.67", "96.17"]
    assert change["indicators"] == [{"path": LEAF, "old": "4.00", "new": "3.50"}]


def test_opening_one_fact_set_of_a_batch(client):
    files, _ = state(client)
    res = client.post("/api/batch/facts", json={"files": files, "name": "批量.jsonl", "where": "批量.jsonl:2"}).json()
    assert json.loads(res["facts"]) == half_spent()
    missing = client.post("/api/batch/facts", json={"files": files, "name": "批量.jsonl", "where": "批量.jsonl:9"})
    assert missing.status_code == 400


@pytest.mark.parametrize("name", ["../rules", "../facts/批量.jsonl", "/etc", "facts.json", ".", "", "a\x00b",
                                  "nosuch.jsonl", "..\\rules", "表/../../rules/"])
def test_batch_refuses_anything_outside_the_facts_directory(client, name):
    files, _ = state(client)
    res = client.post("/api/batch", json={"files": files, "name": name})
    assert res.status_code == 400 and "拒绝打开" in res.json()["errors"][0]["message"]
    assert res.json()["errors"][0]["code"] == "S004"


def test_batch_refuses_a_link_leading_out(client, place):
    (place / "facts" / "外部.jsonl").symlink_to(place / "facts" / "批量.jsonl")
    (place / "facts" / "外部目录").symlink_to(place / "rules")
    files, _ = state(client)
    for name in ("外部.jsonl", "外部目录/"):
        assert client.post("/api/batch", json={"files": files, "name": name}).status_code == 400
    assert all(s["name"] not in ("外部.jsonl", "外部目录/") for s in client.get("/api/batch/sources").json()["sources"])


def test_batch_without_a_facts_file_says_how_to_start(place):
    app, _ = create_app(Workspace(place / "rules"), token=TOKEN, hosts={"testserver"})
    c = TestClient(app, headers={"X-Perfdsl-Token": TOKEN})
    assert c.get("/api/batch/sources").json() == {"directory": None, "sources": []}
    res = c.post("/api/batch", json={"files": state(c)[0], "name": "批量.jsonl"})
    assert res.status_code == 400 and "没有给出事实文件" in res.json()["errors"][0]["message"]


def test_a_batch_too_large_for_the_workbench(client, monkeypatch):
    monkeypatch.setattr(compare, "MAX_BATCH", 2)
    res = client.post("/api/batch", json={"files": state(client)[0], "name": "批量.jsonl"})
    assert res.status_code == 413 and "perfdsl eval" in res.json()["errors"][0]["message"]
    assert res.json()["errors"][0]["code"] == "S002"


@pytest.mark.parametrize("path, body", [
    ("/api/report?format=html", {"files": {}, "facts": "{}"}),
    ("/api/whatif", {"files": {}, "facts": "{}", "candidate": "{}"}),
    ("/api/batch", {"files": {}, "name": "批量.jsonl"}),
])
def test_new_endpoints_need_the_token(client, path, body):
    assert client.post(path, json=body, headers={"X-Perfdsl-Token": "wrong"}).status_code == 403
    assert client.post(path, json=body, headers={"Origin": "http://evil.example"}).status_code == 403


# ---------------------------------------------------------------- time limit

def test_a_hung_evaluation_is_answered_and_the_server_goes_on(place):
    workspace = Workspace(place / "rules", place / "facts" / "facts.json")
    release = threading.Event()
    real = workspace.score

    def hung(texts, facts):
        if facts == "hang":
            release.wait(30)  # held until the test has its answer; never longer than the test itself
        return real(texts, facts)

    workspace.score = hung  # type: ignore[method-assign]
    files, facts = workspace.rule_texts(), workspace.facts_text()
    workspace.engine(files)  # built before the clock starts: the second request only scores
    app, _ = create_app(workspace, token=TOKEN, hosts={"testserver"}, time_limit=1)
    c = TestClient(app, headers={"X-Perfdsl-Token": TOKEN})
    try:
        res = c.post("/api/score", json={"files": files, "facts": "hang"})
        assert res.status_code == 503 and "1 秒" in res.json()["errors"][0]["message"]
        assert res.json()["errors"][0]["code"] == "S003"
        ok = c.post("/api/score", json={"files": files, "facts": facts})
        assert ok.status_code == 200 and ok.json()["document"]["score"] == "96.67"
    finally:
        release.set()


# ---------------------------------------------------------------- hover words

def test_vocabulary_says_what_each_keyword_and_builtin_is(client):
    about = client.get("/api/state").json()["vocabulary"]["about"]
    # 抽查得分 takes a sample record (抽查数, 问题数) and the points, and gives a number: arg kinds "rn"
    assert about["抽查得分"].startswith("函数 抽查得分(抽查记录, 数值) → 数值")
    assert about["sample_score"] == about["抽查得分"] and "参数 2 个" in about["抽查得分"]
    assert about["最小"].startswith("函数 最小(数值, …) → 数值") and "1 个或更多" in about["最小"]
    assert about["任一"].startswith("函数 任一(列表) → 是/否")
    assert about["存在"].startswith("函数 存在(事实路径) → 是/否")
    assert about["指标"] == about["indicator"] and about["指标"].startswith("关键字 指标 / 一级指标")


@pytest.mark.parametrize("limit", ["0", "-1", "5000"])
def test_serve_refuses_a_time_limit_out_of_range(place, capsys, limit):
    from perfdsl.cli import main
    assert main(["serve", str(place / "rules"), "--no-browser", "--time-limit", limit]) != 0
    assert "--time-limit" in capsys.readouterr().err
