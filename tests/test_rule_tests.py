"""`perfdsl test`: the seed's hand-worked cases, domain coverage, a broken band caught, band edges."""

import json
import shutil

from perfdsl.cli import main

from .conftest import ROOT, RULES, SEED_FACTS

CASES = ROOT / "tests" / "cases"


def test_seed_cases_pass_with_full_domain_coverage(capsys):
    assert main(["test", str(RULES), str(CASES), "--min-coverage", "100"]) == 0
    out = capsys.readouterr().out
    assert "0 个失败" in out and "领域覆盖率：119/119 = 100.0%" in out


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
    cases.write_text(f"base: {SEED_FACTS}\ncases:\n  - name: 错名\n    expect: {{预算执行情况况: 4}}\n",
                     encoding="utf-8")
    assert main(["test", str(RULES), str(cases)]) == 1
    assert "没有名为 “预算执行情况况” 的指标（也不是 总分/等级）；是否想写 “预算执行情况”？" in capsys.readouterr().out
    cases.write_text(f"base: {SEED_FACTS}\ncases:\n  - name: 错名\n    expect: {{总份: 96}}\n", encoding="utf-8")
    assert main(["test", str(RULES), str(cases)]) == 1
    assert "是否想写 “总分”？" in capsys.readouterr().out


def test_edges_show_score_on_each_side(capsys):
    assert main(["test", str(RULES), "--edges", str(SEED_FACTS), "--format", "json"]) == 0
    bands = json.loads(capsys.readouterr().out)
    execution = next(b for b in bands if b["subject"] == "预算执行率")
    rows = {r["value"]: r["result"] for r in execution["rows"]}
    assert rows["90%"] == "1" and rows["90.01%"] == "2" and rows["80%"] == "0" and rows["80.01%"] == "1"
    usage = next(b for b in bands if b["subject"] == "线上办件实际使用率")
    rows = {r["value"]: r["result"] for r in usage["rows"]}
    assert rows["89.99%"] == "2.24975" and rows["90%"] == "2.5" and rows["59.99%"] == "0"


def test_edges_probe_only_values_the_subject_can_take(capsys):
    """偏离度 = |1 − a/b| is never negative; 要求 caps 预算执行率 at 100%.

    资产完整率's band sits in 否则 of `> 100%`.
    """
    assert main(["test", str(RULES), "--edges", str(SEED_FACTS), "--format", "json"]) == 0
    values = {b["subject"]: [r["value"] for r in b["rows"]] for b in json.loads(capsys.readouterr().out)}
    assert values["偏离度"][:2] == ["0%", "0.01%"]
    assert values["预算执行率"][-2:] == ["99.99%", "100%"]
    assert values["资产完整率"][-1] == "100%" and "100.01%" not in values["资产完整率"]


PROJECT = ROOT / "examples" / "project-expenditure"


def test_second_rule_set_checks_clean_and_its_cases_cover_everything(capsys):
    assert main(["check", str(PROJECT / "rules"), "--strict"]) == 0
    assert main(["test", str(PROJECT / "rules"), str(PROJECT / "cases"), "--min-coverage", "100"]) == 0
    assert "领域覆盖率：78/78 = 100.0%" in capsys.readouterr().out


def test_second_rule_set_shows_each_form_in_its_traces(capsys):
    assert main(["eval", str(PROJECT / "rules"), str(PROJECT / "facts-2024.json"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    texts = []

    def walk(node):
        texts.extend(s["text"] for s in node.get("trace", []))
        for c in node.get("children", []):
            walk(c)
    walk(doc)
    joined = "\n".join(texts)
    assert "扣 2 分（0.5 × 超出百分点 = 0.5 × 4 = 2）" in joined                       # step deduction
    assert "min(1, 100 ÷ 104) × 5" in joined                                         # reverse indicator
    assert "子项 验收制度（1 分）" in joined                                           # element checklist
    assert "酌情得分 7.2，理由：群众办事平均时长缩短三成" in joined                      # judgement tier
    assert "重新归一：经济效益（8 分） 不适用，不计；其余指标得分 11.7 / 分值 14 × 22 = 18.39" in joined
    assert "减分项：本项失分 1 分，从总分中扣除" in joined                                # penalty outside the weight
    bonus = next(c for c in doc["children"] if c["name"] == "创新示范加分")
    assert bonus["bonus"] is True and bonus["score"] == "2.00"
    assert doc["score"] == "85.94" and doc["grade"] == "良"


def test_veto_overrides_the_grade_and_says_why(tmp_path, capsys):
    facts = json.loads((PROJECT / "facts-2024.json").read_text(encoding="utf-8"))
    facts["资金管理"]["重大违规"] = True
    p = tmp_path / "f.json"
    p.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    assert main(["eval", str(PROJECT / "rules"), str(p), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["score"] == "85.94" and doc["grade"] == "差"
    [veto] = [s for s in doc["grade_trace"] if s["kind"] == "veto"]
    assert "存在截留、挤占、挪用等重大违规问题，一票否决 → 等级 差" in veto["text"]


def test_second_rule_set_engines_agree_on_every_case():
    from perfdsl.engine import Engine
    from perfdsl.explain.document import explain
    from perfdsl.rule_tests import load_cases
    fast, reference = Engine.from_path(PROJECT / "rules"), Engine.from_path(PROJECT / "rules", fast=False)
    for case in load_cases(PROJECT / "cases"):
        if case.expect_error:
            continue
        a = explain(fast.score(case.facts, trace=False), trace=False)
        b = explain(reference.score(case.facts, trace=True), trace=False)
        assert a == b, case.name


THIRD = ROOT / "examples" / "rural-road-self-assessment"


def test_third_rule_set_checks_clean_and_its_cases_cover_everything(capsys):
    assert main(["check", str(THIRD / "rules"), "--strict"]) == 0
    assert main(["test", str(THIRD / "rules"), str(THIRD / "cases"), "--min-coverage", "100"]) == 0
    assert "领域覆盖率：42/42 = 100.0%" in capsys.readouterr().out
    assert main(["test", str(THIRD / "rules"), "--edges", str(THIRD / "facts-2024.json"), "--strict"]) == 0
    assert "没有边界值可取" in capsys.readouterr().out  # no band but the grades: said, not silence


def test_third_rule_set_writes_each_lateness_rule_on_one_line(capsys):
    lines = (THIRD / "rules" / "20-产出.perf").read_text(encoding="utf-8").splitlines()
    one_liners = [line.strip() for line in lines if line.strip().startswith("扣 0.1 × ") and " 理由 " in line]
    assert one_liners == ['扣 0.1 × 最大(天数差(资金.收到日期, 资金.下达日期) − 30, 0) 理由 "超 30 日每天扣 0.1 分"',
                          '扣 0.1 × 逾期天数(产出.完工日期, 2024年10月31日) 理由 "每逾期 1 天扣 0.1 分"']
    assert main(["eval", str(THIRD / "rules"), str(THIRD / "facts-2024.json"), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    texts = [s["text"] for s in _third_steps(doc)]
    # 3月15日 → 4月26日: 16 + 26 = 42 days, 12 beyond 30 → 1.2; 10月31日 → 11月18日: 18 days → 1.8
    assert "天数差：2024年3月15日 至 2024年4月26日 = 42 天" in texts
    assert "逾期：2024年11月18日 晚于期限 2024年10月31日 18 天" in texts
    assert any(t.startswith("扣 1.8 分（") for t in texts) and any(t.startswith("扣 1.2 分（") for t in texts)
    # the sample worked by hand in the README and cases/00-示例.yaml: 9.5 + 42.18 + 26 + 9.85
    assert doc["score"] == "87.53" and doc["grade"] == "良"


def _third_steps(doc) -> list:
    steps: list = []

    def walk(node):
        steps.extend(node.get("trace", []))
        for c in node.get("children", []):
            walk(c)
    walk(doc)
    return steps


# Issue 18's Done means: a text template in 描述, a per-item reason and a 百分点 deduction, each one line
# of the third example's rules, as fmt leaves them.
THIRD_ONE_LINERS = {
    "描述": '逐项扣 质量问题 每项 扣分 描述 "{类别}：{说明}"',
    "逐项理由": '逐项扣 危桥 每项 若 进度 < 100% 则 1 否则 0 不适用 若 缓建 理由 "缓建" 理由 "{名称}完成{进度}"',
    "百分点": '扣 0.5 × 百分点(概算控制率 − 100%) 若 概算控制率 > 100% 理由 "超概算每个百分点扣 0.5 分"',
}


def test_third_rule_set_writes_the_template_the_item_reason_and_the_points_each_on_one_line(capsys):
    from perfdsl.syntax.formatter import format_text
    path = THIRD / "rules" / "20-产出.perf"
    text = path.read_text(encoding="utf-8")
    assert format_text(text, str(path)) == text  # fmt keeps them so
    lines = [line.strip() for line in text.splitlines()]
    for construct, one_liner in THIRD_ONE_LINERS.items():
        assert lines.count(one_liner) == 1, construct
    readme = (THIRD / "README.md").read_text(encoding="utf-8")
    assert all(one_liner in readme.splitlines() for one_liner in THIRD_ONE_LINERS.values())
    assert main(["eval", str(THIRD / "rules"), str(THIRD / "facts-2024.json"), "--format", "json"]) == 0
    steps = _third_steps(json.loads(capsys.readouterr().out))
    findings = [(s["outcome"], s["text"]) for s in steps if "outcome" in s]
    # 描述 filled per finding; each bridge judged with its own reason (7 at 100% 合格, 辛集桥 65% < 100% 扣 1)
    done = ("甲村大桥", "乙河桥", "丙沟桥", "丁家桥", "戊村桥", "己庄桥", "庚溪桥")
    assert findings == [("扣分", "扣 0.5 分：路面：K12+300 处坑槽修补不平整"),
                        ("扣分", "扣 1 分：桥隧构造物：乙河桥伸缩缝堵塞未清理")] + [
        ("合格", f"合格：{name}完成100%") for name in done] + [("扣分", "扣 1 分：辛集桥完成65%")]
    texts = [s["text"] for s in steps]
    # 2870 ÷ 2800 = 102.5%, shown as a percentage; 2.5 个百分点 × 0.5 = 1.25
    assert "概算控制率 = 造价.结算金额 ÷ 造价.批复概算 = 2870 ÷ 2800 = 102.5%" in texts
    assert any(t.startswith("扣 1.25 分（0.5 × 百分点(概算控制率 − 100%) = 0.5 × 百分点(102.5% − 100%) = 1.25）")
               for t in texts)


def test_third_rule_set_engines_agree_on_every_case():
    from perfdsl.engine import Engine
    from perfdsl.explain.document import explain
    from perfdsl.rule_tests import load_cases
    fast, reference = Engine.from_path(THIRD / "rules"), Engine.from_path(THIRD / "rules", fast=False)
    for case in load_cases(THIRD / "cases"):
        if case.expect_error:
            continue
        a = explain(fast.score(case.facts, trace=False), trace=False)
        b = explain(reference.score(case.facts, trace=True), trace=False)
        assert a == b, case.name


def _one_case(tmp_path, expectation: str):
    cases = tmp_path / "c.yaml"
    cases.write_text(f"base: {PROJECT / 'facts-2024.json'}\ncases:\n  - name: 实际支出大于到位资金\n"
                     f"    set: {{资金管理.实际支出: 490}}\n    {expectation}\n", encoding="utf-8")
    return ["test", str(PROJECT / "rules"), str(cases)]


def test_a_case_may_expect_an_error_by_code_or_by_message(tmp_path, capsys):
    for expectation in ("expect: {错误: E350}", "expect: {error: e350}", 'expect: {错误: "实际支出不能大于到位资金"}',
                        "expect_error: E350", "expect_error: {code: E350, message: 实际支出不能大于到位资金}"):
        assert main(_one_case(tmp_path, expectation)) == 0, (expectation, capsys.readouterr())
        capsys.readouterr()
    for expectation in ("expect: {错误: E310}", "expect: {错误: 到位资金不能大于实际支出}"):
        assert main(_one_case(tmp_path, expectation)) == 1, expectation
        assert "E350" in capsys.readouterr().out


def test_an_unknown_expected_code_is_a_case_file_error(tmp_path, capsys):
    assert main(_one_case(tmp_path, "expect: {错误: E3500}")) == 1
    err = capsys.readouterr().err
    assert "错误[T001]" in err and "没有错误代码 E3500；是否想写 E350？" in err
    assert main(_one_case(tmp_path, "expect: {错误: E350, 总分: 90}")) == 1
    assert "错误[T001]" in capsys.readouterr().err
EXPRESSION_BANDS = """\
事实 { 执行数: 数值 [0, 无穷); 预算数: 数值 (0, 无穷); 件数: 整数 [0, 无穷); 记录: 列表 { 值: 数值 } }
指标 甲 分值 40 {
  得分 = 区间 执行数 ÷ 预算数 { ≥ 90% → 40; [60%, 90%) → 执行数 ÷ 预算数 × 40; < 60% → 0 }
}
指标 乙 分值 30 {
  得分 = 区间 件数 ÷ 7 { ≥ 50% → 30; < 50% → 0 }
}
指标 丙 分值 30 {
  得分 = 区间 求和(记录[*].值) { ≥ 10 → 30; < 10 → 0 }
}
"""


def test_edges_cover_bands_over_expressions_or_say_why_not(tmp_path, capsys):
    """区间 a ÷ b: 执行数 is solved for (预算数 = 200 stays), so each arm sees facts that really give the value.

    甲: 60% ⇒ 执行数 = 120, 120 ÷ 200 × 40 = 24; 89.99% ⇒ 179.98, × 40 ÷ 200 = 35.996.
    乙: 件数 is an integer and 件数 ÷ 7 is never exactly 49.99%, 50% or 50.01%: skipped, with the reason.
    丙: a sum over a list cannot be set through one fact: skipped, with the reason; --strict fails.
    """
    (tmp_path / "r.perf").write_text(EXPRESSION_BANDS, encoding="utf-8")
    facts = tmp_path / "f.json"
    facts.write_text('{"执行数": 150, "预算数": 200, "件数": 3, "记录": [{"值": 4}]}', encoding="utf-8")
    assert main(["test", str(tmp_path / "r.perf"), "--edges", str(facts), "--format", "json"]) == 0
    bands = json.loads(capsys.readouterr().out)
    assert [b["subject"] for b in bands] == ["执行数 ÷ 预算数", "件数 ÷ 7", "求和(记录[*].值)"]
    rows = {r["value"]: (r["band"], r["result"]) for r in bands[0]["rows"]}
    assert rows == {"59.99%": ("< 60%", "0"), "60%": ("[60%, 90%)", "24"), "60.01%": ("[60%, 90%)", "24.004"),
                    "89.99%": ("[60%, 90%)", "35.996"), "90%": ("≥ 90%", "40"), "90.01%": ("≥ 90%", "40")}
    assert "skipped" not in bands[0]
    assert bands[1]["rows"] == [] and "件数 ÷ 7 恰好等于" in bands[1]["skipped"]
    assert bands[2]["rows"] == [] and "列表的每一项" in bands[2]["skipped"]
    assert main(["test", str(tmp_path / "r.perf"), "--edges", str(facts)]) == 0
    out = capsys.readouterr().out
    assert "乙：区间 件数 ÷ 7" in out and "未取边界值" in out
    assert main(["test", str(tmp_path / "r.perf"), "--edges", str(facts), "--strict"]) == 1
    assert "2 个区间未取边界值" in capsys.readouterr().err
