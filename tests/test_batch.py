"""Batches: streaming, order, several processes, atomic output, summary; the library API; the cache."""

import hashlib
import json
import pickle
import subprocess
import sys
from decimal import Decimal

import perfdsl
from benchmarks.generate import lines
from benchmarks.handwritten import score as hand_score
from perfdsl.cli import main
from perfdsl.engine import Engine
from perfdsl.explain.document import explain
from perfdsl.ruleset.cache import cache_key, load_checked
from perfdsl.ruleset.facts import parse_json

from .conftest import ROOT, RULES, SEED_FACTS

BATCH = list(lines(300, seed=7))


def _batch(tmp_path, extra=()):
    p = tmp_path / "batch.jsonl"
    p.write_text("\n".join([*BATCH[:40], *extra]) + "\n", encoding="utf-8")
    return p


def test_engines_agree_with_each_other_and_with_a_hand_written_scorer():
    """300 generated fact sets: compiled = interpreter = an independent hand-written scorer (docs/seed-decisions.md)."""
    fast = Engine.from_path(RULES)
    reference = Engine.from_path(RULES, fast=False)
    for line in BATCH:
        facts = parse_json(line, "gen")
        a, b = fast.score(facts, trace=False), reference.score(facts, trace=True)
        assert a.ok and b.ok
        assert json.dumps(explain(a, trace=False)) == json.dumps(explain(b, trace=False))
        hand = hand_score(json.loads(line, parse_float=Decimal, parse_int=Decimal))
        assert {n.name: n.score for n in b.root.leaves()} == hand


def test_document_fast_path_equals_interpreter_document():
    fast = Engine.from_path(RULES)
    reference = Engine.from_path(RULES, fast=False)
    for line in BATCH[:100]:
        doc, errors, result = fast.document_text(line, "x", "s", "h", trace=False)
        assert result is None and not errors  # the fast path really ran
        assert doc == explain(reference.score_text(line, trace=False), trace=False, facts_source="s", facts_sha256="h")


def test_jobs_give_the_same_bytes_in_the_same_order(tmp_path):
    batch = _batch(tmp_path, ["{broken"])
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--no-trace", "-o", str(one)]) == 1
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--no-trace", "-o", str(two), "-j", "2"]) == 1
    assert one.read_bytes() == two.read_bytes()
    out = [json.loads(x) for x in one.read_text(encoding="utf-8").splitlines()]
    assert [o["line"] for o in out] == list(range(1, 42)) and out[-1]["status"] == "error"


def test_traced_lines_are_the_same_bytes_in_one_process_or_two(tmp_path):
    """Traces show 3 × (1 − 2/3) − 1 (-1E-50) as ≈0 whichever process scored it, whatever it showed before."""
    near_zero = json.loads(BATCH[0])
    near_zero["评估评审"] = {"评审报告数": 3, "存在问题报告数": 2, "应开展而未开展": True}
    batch = _batch(tmp_path, [json.dumps(near_zero, ensure_ascii=False)] * 3)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert main(["eval", str(RULES), str(batch), "--format", "json", "-o", str(one)]) == 0
    assert main(["eval", str(RULES), str(batch), "--format", "json", "-o", str(two), "-j", "2"]) == 0
    assert one.read_bytes() == two.read_bytes()
    last = json.loads(one.read_text(encoding="utf-8").splitlines()[-1])
    review = last["children"][0]["children"][0]["children"][2]
    assert review["score"] == "0.00" and any(s["kind"] == "floor" for s in review["trace"])


def test_a_batch_on_screen_is_a_line_per_fact_set(tmp_path, capsys):
    """Totals and grades as the independent hand-written scorer gives them; a bad line says why, in its place."""
    from benchmarks.handwritten import document
    batch = _batch(tmp_path, ["[]"])
    assert main(["eval", str(RULES), str(batch)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 41
    for n, (line, row) in enumerate(zip(BATCH[:40], out, strict=False), 1):
        hand = document(json.loads(line, parse_float=Decimal, parse_int=Decimal))
        unit = json.loads(line)["被评价单位"]  # the unit evaluated, not the report's title
        assert row.split() == [hand["score"], hand["grade"], unit, f"{batch}:{n}"]
    assert out[-1].split()[:3] == ["—", "失败", "[F010]"] and out[-1].endswith(f"{batch}:41")
    assert main(["eval", str(RULES), str(batch), "--full"]) == 1  # a tree per fact set, with every step
    assert "├──" in capsys.readouterr().out


def test_summary_counts_grades_and_names_failed_lines(tmp_path, capsys):
    batch = _batch(tmp_path, ["[]"])
    main(["eval", str(RULES), str(batch), "--format", "json", "--no-trace", "-o", str(tmp_path / "o.jsonl")])
    err = capsys.readouterr().err
    assert "共 41 套事实：40 套成功，1 套失败" in err and "等级 " in err and "batch.jsonl:41" in err


def test_output_file_is_replaced_whole(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous\n", encoding="utf-8")
    # a rule error stops before anything is written: the previous file stays
    bad = tmp_path / "bad.perf"
    bad.write_text("指标 甲 {", encoding="utf-8")
    assert main(["eval", str(bad), str(SEED_FACTS), "--format", "json", "-o", str(target)]) == 1
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert main(["eval", str(RULES), str(SEED_FACTS), "--format", "json", "-o", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["score"] == "96.67"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".perfdsl-")]


def test_no_progress_bar_when_piped(tmp_path):
    batch = _batch(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "perfdsl", "eval", str(RULES), str(batch), "--format", "json",
                           "--no-trace"], capture_output=True, text=True, encoding="utf-8", cwd=tmp_path)
    assert proc.returncode == 0
    assert "\x1b[" not in proc.stderr and "\r" not in proc.stderr
    assert len(proc.stdout.splitlines()) == 40


def test_library_api_is_picklable_and_scores():
    engine = perfdsl.load(RULES)
    clone = pickle.loads(pickle.dumps(engine))
    facts = parse_json(SEED_FACTS.read_text(encoding="utf-8"), "seed")
    assert clone.score(facts, trace=False).root.score == Decimal("96.67")


def test_documented_multiprocessing_example_runs(tmp_path):
    batch = _batch(tmp_path)
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "library" / "parallel.py"), str(RULES), str(batch)],
                          capture_output=True, text=True, encoding="utf-8", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    got = [json.loads(x) for x in proc.stdout.splitlines()]
    expected = [Engine.from_path(RULES).score(parse_json(line, "x"), trace=False) for line in BATCH[:40]]
    assert [(g["total"], g["grade"]) for g in got] == [(str(r.root.score), r.grade) for r in expected]


def test_cache_is_keyed_by_content(tmp_path, monkeypatch):
    monkeypatch.setenv("PERFDSL_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.perf").write_text("事实 { x: 数值 }\n指标 甲 分值 3 { 得分 = x }\n", encoding="utf-8")
    first = load_checked(rules)
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 1
    again = load_checked(rules)
    assert again.rules.roots == first.rules.roots
    (rules / "a.perf").write_text("事实 { x: 数值 }\n指标 甲 分值 4 { 得分 = x }\n", encoding="utf-8")
    changed = load_checked(rules)
    assert changed.rules.roots[0].weight == 4
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2
    for entry in (tmp_path / "cache").glob("*.pickle"):
        entry.write_bytes(b"damaged")
    assert load_checked(rules).rules.roots[0].weight == 4  # a damaged entry is rebuilt, not trusted


def test_cache_entries_anyone_could_have_written_are_not_unpickled(tmp_path, monkeypatch):
    """A planted entry (here: another rule set's) is loaded from a private cache, ignored from a shared one."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("PERFDSL_CACHE_DIR", str(cache))
    rules, other = tmp_path / "rules", tmp_path / "other"
    for d, weight in ((rules, 3), (other, 5)):
        d.mkdir()
        (d / "a.perf").write_text(f"事实 {{ x: 数值 }}\n指标 甲 分值 {weight} {{ 得分 = x }}\n", encoding="utf-8")
    load_checked(other)
    [planted] = cache.glob("*.pickle")
    planted.rename(cache / f"{cache_key(rules)}.pickle")
    assert oct(cache.stat().st_mode & 0o777) == oct(0o700)
    assert load_checked(rules).rules.roots[0].weight == 5  # private: the entry is trusted as it stands
    cache.chmod(0o777)
    assert load_checked(rules).rules.roots[0].weight == 3  # writable by anyone: parsed afresh
    assert len(list(cache.glob("*.pickle"))) == 1  # and nothing new is stored there


def _case_fact_sets():
    """Every fact set of the example rule sets' YAML cases (several hit 不适用, rounding changes, 加分/减分)."""
    from perfdsl.rule_tests import load_cases
    out = []
    for rules, cases in ((RULES, ROOT / "tests" / "cases"),
                         (ROOT / "examples" / "project-expenditure" / "rules",
                          ROOT / "examples" / "project-expenditure" / "cases"),
                         (ROOT / "examples" / "rural-road-self-assessment" / "rules",
                          ROOT / "examples" / "rural-road-self-assessment" / "cases")):
        out += [(rules, c.facts) for c in load_cases(cases) if isinstance(c.facts, dict)]
    return out


def test_batch_lines_written_by_the_compiled_rules_are_json_dumps_of_the_interpreters_document():
    """The fast path writes JSON text itself; byte for byte what json.dumps gives for the reference document."""
    from perfdsl.codegen.runtime import Fallback
    from perfdsl.diagnostics import PerfdslError
    from perfdsl.explain.document import head_json
    from perfdsl.ruleset.facts import Invalid
    engines = {}
    sets = [(RULES, line) for line in BATCH[:150]] + _case_fact_sets()
    fast_seen = 0
    for n, (rules, facts) in enumerate(sets, 1):
        if rules not in engines:
            engines[rules] = (Engine.from_path(rules), Engine.from_path(rules, fast=False))
        fast, reference = engines[rules]
        if isinstance(facts, str):  # a line of a batch: through the whole fast path, JSON text in
            got = fast.fast_json(facts, "x", "batch.jsonl", "h", line=n)
            facts = parse_json(facts, "x")
        else:
            try:
                got = fast.compiled().document_json(fast.validator()(facts),
                                                    head_json(fast.rules, "batch.jsonl", "h", n))
            except (Fallback, Invalid, ArithmeticError, KeyError, TypeError, ValueError):
                got = None
        try:
            result = reference.score(facts, trace=False)
        except PerfdslError:
            assert got is None  # facts the interpreter rejects never come out of the fast path
            continue
        if got is None:
            continue  # e.g. 重新归一, which the interpreter scores
        fast_seen += 1
        want = {"line": n, **explain(result, trace=False, facts_source="batch.jsonl", facts_sha256="h")}
        assert got == (json.dumps(want, ensure_ascii=False), want["grade"])
    assert fast_seen > 180


def _fast_lines(tmp_path, rules: str, fact_sets) -> list:
    """Each fact set's fast-path line for a small rule set, checked byte for byte against the reference document."""
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(rules, encoding="utf-8")
    fast, reference = Engine.from_path(d), Engine.from_path(d, fast=False)
    out = []
    for n, text in enumerate(fact_sets, 1):
        got = fast.fast_json(text, "x", "b.jsonl", "h", line=n)
        assert got is not None  # the fast path really wrote it
        want = {"line": n, **explain(reference.score_text(text, trace=False), trace=False, facts_source="b.jsonl",
                                     facts_sha256="h")}
        assert got[0] == json.dumps(want, ensure_ascii=False)
        out.append(want)
    return out


def test_fast_lines_for_not_applicable_leaves_and_bonus_items(tmp_path):
    """The rarer leaf texts (不适用 at full marks, 加分 outside the weight) against the reference document."""
    docs = _fast_lines(tmp_path,
                       "体系 测试 { 总分 5 舍入 2 位 四舍五入 }\n事实 { 有项目: 布尔\n x: 比率 ≥ 0 }\n"
                       "一级指标 组 {\n"
                       "  指标 甲 分值 3 {\n    不适用 若 非 有项目 理由 \"无项目\"\n"
                       "    得分 = 按比例(x, 3, 60%)\n  }\n"
                       "  指标 乙 分值 2 { 得分 = 按比例(x, 2, 60%) }\n}\n"
                       "指标 丙 加分 1 { 得分 = 若 x ≥ 100% 则 1 否则 0 }\n",
                       ['{"有项目": false, "x": 0.7777}', '{"有项目": true, "x": 1}', '{"有项目": true, "x": 0.5}'])
    texts = [json.dumps(d, ensure_ascii=False) for d in docs]
    assert all(any(k in t for t in texts) for k in ('"status": "not_applicable"', '"bonus": true', '"unrounded"'))


def test_one_line_of_a_batch_is_explained_and_reported_on_its_own(tmp_path, capsys):
    """`batch.jsonl:N`: the traced document of that line, the same scores as in the batch, its own hash."""
    import hashlib
    batch = _batch(tmp_path)
    out = tmp_path / "o.jsonl"
    assert main(["eval", str(RULES), str(batch), "--format", "json", "--no-trace", "-o", str(out)]) == 0
    line7 = json.loads(out.read_text(encoding="utf-8").splitlines()[6])
    capsys.readouterr()
    assert main(["eval", str(RULES), f"{batch}:7", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["line"] == 7 and doc["score"] == line7["score"] and doc["grade"] == line7["grade"]
    # the line as `sed -n 7p batch.jsonl | sha256sum` hashes it: with its line break
    assert doc["facts"]["sha256"] == hashlib.sha256((BATCH[6] + "\n").encode("utf-8")).hexdigest() \
        == line7["facts"]["sha256"]
    leaf = doc["children"][0]["children"][0]["children"][0]
    assert leaf["trace"] and leaf["criteria"]  # traced, with the rule texts a batch line leaves out
    assert main(["report", str(RULES), f"{batch}:7", "--format", "md"]) == 0
    assert f"事实 {batch} 第 7 行" in capsys.readouterr().out
    assert main(["explain", str(RULES), f"{batch}:7", "预算执行情况"]) == 0
    assert "预算执行率" in capsys.readouterr().out
    assert main(["explain", str(RULES), f"{batch}:99", "预算执行情况"]) == 1
    assert "没有第 99 行" in capsys.readouterr().err


def test_a_batch_as_a_summary_workbook(tmp_path, capsys):
    """评分汇总表: a row per fact set with every indicator's score, as the independent hand-written scorer has them."""
    from openpyxl import load_workbook

    from benchmarks.handwritten import TREE, document
    batch = _batch(tmp_path, ["[]"])
    out, again = tmp_path / "汇总.xlsx", tmp_path / "again.xlsx"
    assert main(["eval", str(RULES), str(batch), "--format", "xlsx", "-o", str(out)]) == 1
    assert main(["eval", str(RULES), str(batch), "--format", "xlsx", "-o", str(again), "-j", "2"]) == 1
    assert out.read_bytes() == again.read_bytes()  # deterministic, whichever process scored the lines
    ws = load_workbook(out)["评分汇总"]
    head = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=3)]
    leaves = [leaf for _, groups in TREE for _, names in groups for leaf in names]
    # 单位, 总分, 等级 first (issue 17), then the four 一级 subtotals, then the leaves; where from, last
    assert head[0][:4] == ["评价对象（单位）", "总分", "等级", "一级指标得分"]
    assert head[2][3:7] == ["部门决策（14）", "管理效率（26）", "履职产出（37）", "履职效益（23）"]
    assert [h.rsplit("（", 1)[0] for h in head[2][7:7 + len(leaves)]] == leaves
    assert (head[0][7] == "部门决策（14）" and head[1][7] == "决策依据（8）"
            and head[2][7] == "决策和管理制度规范性（3）")
    assert head[0][-5:] == ["报告标题", "行", "来源", "状态", "事实 sha256"]
    assert {"H1:L1", "H2:J2", "A1:A3", "D1:G1"} <= {str(m) for m in ws.merged_cells.ranges}
    assert ws.freeze_panes == "D4"  # the unit, its total and grade stay in view, and the heads
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert len(rows) == 41
    from openpyxl.utils import get_column_letter
    assert ws.auto_filter.ref == f"A3:{get_column_letter(len(head[2]))}44"  # the heads and every row
    for n, (line, row) in enumerate(zip(BATCH[:40], rows, strict=False), 1):
        hand = document(json.loads(line, parse_float=Decimal, parse_int=Decimal))
        leaf_scores = {c["name"]: c["score"]
                       for l1 in hand["children"] for l2 in l1["children"] for c in l2["children"]}
        unit = json.loads(line)["被评价单位"]  # 评价对象: the unit the line evaluates; the title has its own column
        assert row[0] == unit and Decimal(str(row[1])) == Decimal(hand["score"]) and row[2] == hand["grade"]
        assert row[-5] == hand["name"] == f"{unit} 2024年度部门整体支出绩效评价"
        assert [Decimal(str(v)) for v in row[3:7]] == [Decimal(c["score"]) for c in hand["children"]]
        assert [Decimal(str(v)) for v in row[7:7 + len(leaves)]] == [Decimal(leaf_scores[k]) for k in leaves]
        assert row[-4:-1] == [n, str(batch), "完成"]
        assert row[-1] == hashlib.sha256((line + "\n").encode("utf-8")).hexdigest()  # the line as the batch holds it
    assert rows[-1][-4] == 41 and rows[-1][-2].startswith("失败：[F010]") and rows[-1][0] is None
    sources = dict(load_workbook(out)["来源"].iter_rows(values_only=True))
    assert sources["规则集"] == "部门整体支出绩效评价" and len(sources["rules/00-体系.perf"]) == 64
    assert main(["eval", str(RULES), str(batch), "--format", "xlsx"]) == 2  # a workbook needs -o
    assert "需要用 -o" in capsys.readouterr().err


def test_summary_workbook_says_why_a_cell_has_no_score(tmp_path):
    """不适用 under 重新归一, 无法评分 when a 要求 fails; 加分/减分 items get columns of their own."""
    from openpyxl import load_workbook
    project = ROOT / "examples" / "project-expenditure"
    facts = json.loads((project / "facts-2024.json").read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(facts))
    broken["效益"]["有经济效益目标"] = True  # 要求: then 效益.经济效益实现率 must be given
    batch = tmp_path / "p.jsonl"
    batch.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in (facts, broken)) + "\n", encoding="utf-8")
    out = tmp_path / "p.xlsx"
    assert main(["eval", str(project / "rules"), str(batch), "--format", "xlsx", "-o", str(out)]) == 1
    ws = load_workbook(out)["评分汇总"]
    heads = [c.value for c in next(ws.iter_rows(min_row=3, max_row=3))]
    ok, partial = ([c.value for c in row] for row in ws.iter_rows(min_row=4))
    economic, bonus, penalty = (heads.index("经济效益（8）"), heads.index("创新示范加分（2）"),
                                heads.index("审计问题减分（5）"))
    assert ok[economic] == "不适用" and ok[bonus] == 2 and ok[penalty] == -1
    assert ok[1:3] == [85.94, "良"] and ok[-2] == "完成"
    assert partial[economic] == "无法评分" and partial[1:3] == ["无法评分", None] and partial[-2] == "部分指标无法评分"


def test_fast_lines_for_a_group_of_bonus_items_only(tmp_path):
    """A group whose items are all 加分 weighs 0: its 得分率 is "—" on both paths."""
    for doc in _fast_lines(tmp_path, "体系 测试 { 总分 3 舍入 2 位 四舍五入 }\n事实 { x: 比率 ≥ 0 }\n"
                                     "一级指标 组 { 指标 甲 分值 3 { 得分 = 按比例(x, 3, 60%) } }\n"
                                     "一级指标 加分组 { 指标 乙 加分 1 { 得分 = 若 x ≥ 100% 则 1 否则 0 } }\n",
                           ['{"x": 1}', '{"x": 0.7}']):
        assert doc["children"][1]["rate"] == "—" and doc["children"][1]["weight"] == "0"


def project_variations(n: int, seed: int) -> list:
    """The project example's facts, varied: booleans flipped and rates moved, as JSON lines.

    Many of them drop 经济效益 (重新归一) or trip 一票否决.
    """
    import copy
    import random
    base = json.loads((ROOT / "examples" / "project-expenditure" / "facts-2024.json").read_text(encoding="utf-8"))
    rng = random.Random(seed)

    def vary(d):
        for k, v in d.items():
            if isinstance(v, bool) and rng.random() < 0.3:
                d[k] = not v
            elif isinstance(v, float) and rng.random() < 0.3:
                d[k] = round(rng.uniform(0.3, 1.0), 4)
            elif isinstance(v, dict):
                vary(v)
    out = []
    for _ in range(n):
        facts = copy.deepcopy(base)
        vary(facts)
        if facts["效益"]["有经济效益目标"]:
            facts["效益"]["经济效益实现率"] = round(rng.uniform(0.3, 1.0), 4)
        out.append(json.dumps(facts, ensure_ascii=False))
    return out


def test_second_rule_set_varied_fast_lines_equal_the_reference(tmp_path):
    """重新归一 on the fast path: 150 variations of the project's facts, byte for byte the interpreter's document."""
    from perfdsl.diagnostics import PerfdslError
    project = ROOT / "examples" / "project-expenditure"
    fast, reference = Engine.from_path(project / "rules"), Engine.from_path(project / "rules", fast=False)
    renormalised = 0
    for n, text in enumerate(project_variations(150, seed=5)):
        got = fast.fast_json(text, "x", "b.jsonl", "h", line=n)
        try:
            want = {"line": n, **explain(reference.score_text(text, trace=False), trace=False, facts_source="b.jsonl",
                                         facts_sha256="h")}
        except PerfdslError:
            assert got is None
            continue
        if got is not None:
            assert got[0] == json.dumps(want, ensure_ascii=False)
            renormalised += '"status": "not_applicable"' in got[0]
    assert renormalised > 20
