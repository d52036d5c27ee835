"""Bad facts and bad rules: a clear error naming the fact path and the rule location, never a score."""

import copy
import json

import pytest

from perfdsl.cli import main
from perfdsl.diagnostics import PerfdslError

from .conftest import RULES, SEED_FACTS, D, put


def errors_of(engine, facts):
    with pytest.raises(PerfdslError) as e:
        engine.score(facts)
    return e.value.diagnostics


def test_missing_fact_names_path_and_declaration(engine, seed):
    f = put(seed, "预算执行", {k: v for k, v in seed["预算执行"].items() if k != "预算执行数"})
    [d] = errors_of(engine, f)
    assert d.fact_path == "预算执行.预算执行数"
    assert d.span.file.endswith("01-事实.perf") and d.span.line > 0
    assert "缺少" in d.message


def test_all_fact_problems_reported_at_once(engine, seed):
    f = put(seed, "预算执行.预算执行数", "1415.96")          # a string, not a number
    f = put(f, "资金使用.重大违纪整改", "已整改")               # not an enum value
    f = put(f, "满意度.个人.满意数", 80)                        # more than the 70 sampled
    paths = {d.fact_path for d in errors_of(engine, f)}
    assert paths == {"预算执行.预算执行数", "资金使用.重大违纪整改", "满意度.个人"}


def test_problems_exceeding_samples_is_bad_input(engine, seed):
    [d] = errors_of(engine, put(seed, "绩效自评", {"抽查数": 2, "问题数": 3}))
    assert d.fact_path == "绩效自评" and "问题数不能大于抽查数" in d.message
    assert d.span.file.endswith("00-体系.perf")


def test_value_outside_declared_range(engine, seed):
    [d] = errors_of(engine, put(seed, "绩效监控.结果应用扣分", {"扣分": D(2), "理由": "x"}))
    assert d.fact_path == "绩效监控.结果应用扣分.扣分" and "[0, 1.5]" in d.message


def test_judgement_needs_a_reason(engine, seed):
    [d] = errors_of(engine, put(seed, "预算执行.非财政资金执行评分", {"得分": D(1), "理由": " "}))
    assert d.fact_path == "预算执行.非财政资金执行评分.理由"


def test_zero_budget_is_bad_input(engine, seed):
    [d] = errors_of(engine, put(seed, "预算执行.全年预算数", D(0)))
    assert d.fact_path == "预算执行.全年预算数"


def test_rate_rejected_by_rule_names_rule_line(engine, seed):
    r = engine.score(put(seed, "预算执行.预算执行数", D("1500")))
    assert not r.ok and r.root.score is None
    [d] = r.errors
    assert "预算执行率超过 100%" in d.message
    assert d.span.file.endswith("20-管理效率.perf")
    assert d.fact_path == "预算执行.预算执行数" or "预算执行率" in d.message


def test_no_samples_is_bad_input(engine, seed):
    r = engine.score(put(seed, "满意度", {}))
    [d] = r.errors
    assert "没有任何样本" in d.message and d.span is not None


def test_cli_bad_facts_exit_nonzero_with_path(tmp_path, capsys):
    bad = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    del bad["审批效率"]["上年未办结数"]
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    assert main(["eval", str(RULES), str(p)]) == 1
    err = capsys.readouterr().err
    assert "审批效率.上年未办结数" in err and "01-事实.perf" in err
    assert "Traceback" not in err


def test_jsonl_batch_keeps_going(tmp_path, capsys):
    good = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    bad = json.loads(SEED_FACTS.read_text(encoding="utf-8"))
    bad["绩效自评"]["问题数"] = 99
    lines = [json.dumps(good, ensure_ascii=False), "{not json", json.dumps(bad, ensure_ascii=False),
             json.dumps(good, ensure_ascii=False)]
    p = tmp_path / "batch.jsonl"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["eval", str(RULES), str(p), "--format", "json", "--no-trace"]) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4]
    assert [o["status"] for o in out] == ["ok", "error", "error", "ok"]
    assert out[0]["score"] == out[3]["score"] == "96.67"
    assert out[2]["errors"][0]["fact"] == "绩效自评"


def test_syntax_error_has_file_line_col_and_caret(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.perf").write_text("指标 甲 分值 3 {\n  得分 = 1 +\n}\n", encoding="utf-8")
    assert main(["check", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "a.perf:3:1: 错误[E003]" in err
    assert "在 指标 甲" in err
    assert "^" in err


def test_unknown_fact_in_rule_is_a_check_error_with_suggestion(tmp_path, capsys):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.perf").write_text("事实 { 完成率: 比率 }\n指标 甲 分值 3 {\n  得分 = 按比例(完成律, 3, 60%)\n}\n",
                                  encoding="utf-8")
    assert main(["check", str(rules)]) == 1
    err = capsys.readouterr().err
    assert "a.perf:3:" in err and "完成律" in err and "完成率" in err


def test_invalid_json_facts(tmp_path, capsys):
    p = tmp_path / "f.json"
    p.write_text('{"a": 1,,}', encoding="utf-8")
    assert main(["eval", str(RULES), str(p)]) == 1
    err = capsys.readouterr().err
    assert "f.json:1:9" in err and "JSON" in err  # the second comma


@pytest.mark.parametrize("text,word", [('{"a": NaN}', "NaN"), ('{"a": 1, "a": 2}', "重复"), ("", "为空"),
                                       ("[1, 2]", "顶层")])
def test_hostile_json(engine, text, word):
    with pytest.raises(PerfdslError) as e:
        engine.score_text(text, "f.json")
    assert word in e.value.diagnostics[0].message


def test_internal_error_is_not_a_traceback(monkeypatch, capsys):
    import perfdsl.cli.commands.check as check_command
    monkeypatch.setattr(check_command, "run", lambda args: 1 / 0)
    assert main(["check", str(RULES)]) == 3
    err = capsys.readouterr().err
    assert "内部错误[X000]" in err and "Traceback" not in err


def test_a_library_caller_s_json_loads_numbers_are_named_with_the_fix(engine, seed):
    """``json.loads`` gives Python int and float; perfdsl reads numbers as exact Decimals, and the message says so
    (it said "应为整数，实际为int" before: an integer refused for not being an integer)."""
    f = copy.deepcopy(seed)
    f["预算执行"]["全年预算数"] = 1500.5
    f["绩效自评"] = {"抽查数": 17, "问题数": D(2)}
    by_path = {d.fact_path: d.message for d in errors_of(engine, f)}
    assert "实际为 Python float 1500.5" in by_path["预算执行.全年预算数"]
    assert "实际为 Python int 17" in by_path["绩效自评.抽查数"]
    assert all("perfdsl.ruleset.facts.parse_json" in m and "Decimal" in m for m in by_path.values())


def test_an_integer_with_a_fraction_says_the_fix(engine, seed):
    [d] = errors_of(engine, put(seed, "绩效自评", {"抽查数": D("17.5"), "问题数": 2}))
    assert d.fact_path == "绩效自评.抽查数"
    assert d.message.startswith("绩效自评.抽查数：应为整数，实际为 17.5；整数不能带小数，请核对后改为整数"), d.message
