"""下一档 / 提升空间: suggested facts worked out by hand from the 评分标准, each applied and scored again."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from perfdsl.cli import main
from perfdsl.engine import Engine
from perfdsl.explain.document import explain
from perfdsl.explain.improve import annotate
from perfdsl.render import improvement
from perfdsl.render.narrative import narrative

from .conftest import RULES, SEED_FACTS, put

SCHEMA = json.loads((Path(__file__).parent.parent / "docs" / "explanation.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def eng():
    return Engine.from_path(RULES)


def _improved(eng, facts):
    doc = explain(eng.score(copy.deepcopy(facts)))
    annotate(eng, facts, doc)
    return doc


def _leaves(doc):
    out = {}
    stack = [doc]
    while stack:
        n = stack.pop()
        if "children" in n:
            stack += n["children"]
        else:
            out[n["name"]] = n
    return out


def _gains(node):
    """(the changed facts, gain) of every confirmed suggestion."""
    return [(e["facts"], e["gain"]) for e in node["improve"] if "gain" in e]


def _like(value, template):
    """A value of the document's ``facts`` (decimals as strings) in the shape of the original fact."""
    if isinstance(template, Decimal):
        return Decimal(value)
    if isinstance(template, list):
        return [_like(v, template[0]) if template else v for v in value]
    if isinstance(template, dict):
        return {k: _like(v, template.get(k)) for k, v in value.items()}
    return value


def _apply(facts, changes):
    out = facts
    for path, value in changes.items():
        cur = out
        for seg in path.split(".")[:-1]:
            cur = cur[seg]
        out = put(out, path, _like(value, cur[path.split(".")[-1]]))
    return out


def _worse(seed):
    """A department that lost points in many ways (every figure below is used in a hand-worked test)."""
    f = put(seed, "预算执行.预算执行数", 1100)                    # 1100 / 1415.96 = 77.69% ≤ 80% → 0 of 2
    f = put(f, "营商环境.重点事项.完成数", 4)                        # 4/6 = 66.67% → 5 × 4/6 = 3.33
    f = put(f, "审批效率.本年未办结数", 3)                           # (3 − 1)/1 = 200% > 0 → 0 of 4
    f = put(f, "资产利用.实物资产完整率", 0.85)                    # [80%, 90%) → 0.5 of 1
    f = put(f, "资产管理.超标准配置", True)                          # 资产配置 0 of 0.5
    f = put(f, "绩效监控.结果应用扣分", {"扣分": 0.5, "理由": "部分红灯项目未应用"})
    f = put(f, "资金使用.重大违纪整改", "超时整改")                  # 扣 1
    return put(f, "行政许可.依申请公开回复率", 0.5)                # < 60% → 0 of 2


# ---------------------------------------------------------------- the seed: hand-worked suggestions
def test_every_seed_indicator_below_full_marks_names_what_would_raise_it(eng, seed):
    nodes = _leaves(_improved(eng, seed))
    lost = {n: node for n, node in nodes.items() if Decimal(node["score"]) < Decimal(node["weight"])}
    assert sorted(lost) == sorted(["预算编制完整性", "绩效目标编制工作开展情况", "绩效评价工作开展情况",
                                   "资金使用合规性"])
    for name, node in lost.items():
        assert _gains(node), name
    for name, node in nodes.items():
        assert ("improve" in node) == (name in lost), name


def test_seed_budget_deviation_nearest_band_and_full_band(eng, seed):
    # 偏离度 = |1 − 预算数 / 2.07|.  ≤ 70% (0.5 分): 预算数 ≥ 0.3 × 2.07 = 0.621 → 0.63 in cents (0.62 gives 70.05%).
    # ≤ 30% (1 分): 预算数 ≥ 0.7 × 2.07 = 1.449 → 1.45.  Score 2 → 2.5 and → 3.
    node = _leaves(_improved(eng, seed))["预算编制完整性"]
    assert _gains(node) == [({"预算编制.年初结转结余资金收入预算数": "0.63"}, "0.50"),
                            ({"预算编制.年初结转结余资金收入预算数": "1.45"}, "1.00")]
    assert node["improve"][0]["cause"] == "结转结余预算准确：偏离度 100%，落在 70% 以上一档，得 0 分"
    assert "年初结转结余资金收入预算数不低于 0.63 万元（现为 0 万元）" in node["improve"][0]["need"]


def test_seed_sample_checks(eng, seed):
    # 3.02 = 2 × (1 − 3/17) + 2 × (1 − 5/16).  3 → 2 problems: 2 × 15/17 + 1.375 = 3.1397 → 3.14 (+0.12);
    # 3 → 0: 2 + 1.375 = 3.375 → 3.38 (+0.36); 5 → 4: 1.6471 + 1.5 = 3.1471 → 3.15 (+0.13); 5 → 0: 3.6471 → 3.65 (+0.63)
    nodes = _leaves(_improved(eng, seed))
    assert _gains(nodes["绩效目标编制工作开展情况"]) == [
        ({"绩效目标.任务匹配.问题数": "2"}, "0.12"), ({"绩效目标.任务匹配.问题数": "0"}, "0.36"),
        ({"绩效目标.可衡量.问题数": "4"}, "0.13"), ({"绩效目标.可衡量.问题数": "0"}, "0.63")]
    # 2.65 = 3 × (1 − 2/17); one problem fewer: 3 × 16/17 = 2.8235 → 2.82 (+0.17); none: 3 (+0.35)
    assert _gains(nodes["绩效评价工作开展情况"]) == [({"绩效自评.问题数": "1"}, "0.17"),
                                                     ({"绩效自评.问题数": "0"}, "0.35")]


def test_seed_finding(eng, seed):
    node = _leaves(_improved(eng, seed))["资金使用合规性"]
    assert _gains(node) == [({"资金使用.问题": []}, "1.00")]  # 每发现 1 处问题扣 1 分: the one finding fixed, 5 分
    assert node["improve"][0]["cause"].endswith("和平区全民健身中心改造项目初设评审合同未填写签订日期")


# ---------------------------------------------------------------- a department that lost more
def test_budget_execution_rate_solved_for_the_executed_amount(eng, seed):
    # (80%, 90%] → 1 分: 执行数 > 0.8 × 1415.96 = 1132.768 → 1132.77; (90%, 100%] → 2 分: > 1274.364 → 1274.37
    node = _leaves(_improved(eng, _worse(seed)))["预算执行情况"]
    assert _gains(node) == [({"预算执行.预算执行数": "1132.77"}, "1.00"), ({"预算执行.预算执行数": "1274.37"}, "2.00")]
    assert "预算执行数不低于 1274.37 万元（现为 1100 万元）" in node["improve"][1]["need"]  # no thousands separator


def test_other_levers(eng, seed):
    nodes = _leaves(_improved(eng, _worse(seed)))
    # 按比例: 完成率 4/6 → 100% needs 完成数 6: 5 − 3.33 = 1.67
    assert _gains(nodes["重点事项完成情况"]) == [({"营商环境.重点事项.完成数": "6"}, "1.67")]
    # 增长率 ≤ 0: 本年未办结数 ≤ 上年 1 → 4 分; with 编外人员支撑's 4 that is 8, capped at 分值 7: 4 → 7, +3
    assert _gains(nodes["审批效率提升情况"]) == [({"审批效率.本年未办结数": "1"}, "3.00")]
    # [90%, 100%] → 1 分 instead of 0.5
    assert _gains(nodes["资产利用情况"]) == [({"资产利用.实物资产完整率": "0.9"}, "0.50")]
    # a 若 on a boolean: not over-standard → 0.5 分
    assert _gains(nodes["资产管理合规性"]) == [({"资产管理.超标准配置": False}, "0.50")]
    # 查表: 超时整改 → 1 分 deducted; 无 (the first case deducting 0) gives it back
    assert ({"资金使用.重大违纪整改": "无"}, "1.00") in _gains(nodes["资金使用合规性"])
    # 按比例 below its floor: the other two sub-items give 2 + 2 = 4; at 60% 1.2 more (5.2) and at 100% 2 more (6),
    # both capped at the indicator's 分值 5: +1 either way, the nearest (60%) first
    assert _gains(nodes["行政审批办理完成情况"]) == [({"行政许可.依申请公开回复率": "0.6"}, "1.00"),
                                                     ({"行政许可.依申请公开回复率": "1"}, "1.00")]


def test_a_judgement_is_named_without_a_figure(eng, seed):
    node = _leaves(_improved(eng, _worse(seed)))["绩效监控工作开展情况"]
    assert node["improve"] == [{"kind": "judgement",
                                "cause": "监控结果应用：结果应用扣分：酌情扣 0.5 分，理由：部分红灯项目未应用"}]
    said = improvement.text(node)
    assert said.startswith("失分原因与提升空间：") and "可再得" not in said


@pytest.mark.parametrize("which", ["seed", "worse"])
def test_every_suggestion_scored_again_rises_by_its_gain(eng, seed, which):
    facts = seed if which == "seed" else _worse(seed)
    doc = _improved(eng, facts)
    jsonschema.validate(doc, SCHEMA)
    checked = 0
    for name, node in _leaves(doc).items():
        for entry in node.get("improve", []):
            if "gain" not in entry:
                continue
            again = eng.score(_apply(facts, entry["facts"]), trace=False)
            got = next(n for n in again.root.leaves() if n.name == name)
            assert got.score - Decimal(node["score"]) == Decimal(entry["gain"]) > 0, (name, entry)
            assert got.score == Decimal(entry["score"])
            checked += 1
    assert checked >= (9 if which == "seed" else 18)


# ---------------------------------------------------------------- where it is shown
def test_explain_prints_it_after_the_analysis(capsys):
    assert main(["explain", str(RULES), str(SEED_FACTS), "预算编制完整性"]) == 0
    out = capsys.readouterr().out
    assert "失分原因与提升空间" in out
    assert "年初结转结余资金收入预算数不低于 1.45 万元（现为 0 万元），可再得 1 分" in out


def test_reports_carry_it(tmp_path, capsys):
    html = tmp_path / "r.html"
    assert main(["report", str(RULES), str(SEED_FACTS), "-o", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert text.count('<p class="improve"><b>失分原因与提升空间：</b>') == 4
    xlsx = tmp_path / "r.xlsx"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "xlsx", "-o", str(xlsx)]) == 0
    from openpyxl import load_workbook
    ws = load_workbook(xlsx)["评分表"]
    cells = [c.value for c in ws["G"] if isinstance(c.value, str) and "失分原因与提升空间" in c.value]
    assert len(cells) == 4 and "整改该项，可再得 1 分" in cells[-1]
    docx = tmp_path / "r.docx"
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "docx", "-o", str(docx)]) == 0
    from docx import Document
    table = Document(str(docx)).tables[0]
    said = [p.text for row in table.rows for p in row.cells[6].paragraphs if p.text.startswith("失分原因与提升空间")]
    assert len(said) == 4
    capsys.readouterr()
    assert main(["report", str(RULES), str(SEED_FACTS), "--format", "json"]) == 0
    jsonschema.validate(json.loads(capsys.readouterr().out), SCHEMA)


def test_narrative_of_a_band_loss_says_why(eng, seed):
    # item 6: an indicator that lost points in a band (no deduction step) says which band and what it gave
    node = _leaves(_improved(eng, seed))["预算编制完整性"]
    assert "偏离度 = |1 − 0 ÷ 2.07| = 100%，落在 70% 以上一档，得 0 分" in narrative(node)


def test_only_deductions_says_why_a_band_lost_points(capsys):
    # item 6: 预算编制完整性 lost its point in a band (偏离度 100% > 70% → 0 of 1), with no deduction step;
    # --only 扣分 used to show nothing under it.  绩效评价工作开展情况 lost 3 − 2.65 = 0.35 in its 抽查 formula.
    assert main(["eval", str(RULES), str(SEED_FACTS), "--only", "扣分"]) == 0
    out = capsys.readouterr().out
    assert "未扣分，失 1 分在于评分档次或公式得分" in out
    assert "结转结余预算准确（1 分）：上年末结转结余资金收入决算数 2.07 万元，年初结转结余资金收入预算数 0 万元" in out
    assert "未扣分，失 0.35 分在于评分档次或公式得分" in out
    assert out.count("未扣分，失") == 3  # not for 资金使用合规性, whose point went in a deduction
    assert main(["explain", str(RULES), str(SEED_FACTS), "预算编制完整性", "--only", "扣分"]) == 0
    assert "落在 70% 以上一档，得 0 分" in capsys.readouterr().out


def test_a_sum_over_a_map_is_solved_for_one_of_its_entries(eng, seed):
    # 满意率 = Σ满意数 / Σ样本数 = (50 + 30) / (70 + 30) = 80% → [70%, 90%) → 1.5 分.  ≥ 90% needs Σ满意数 ≥ 90:
    # 个人的满意数 ≥ 90 − 30 = 60 (≤ its 70 samples) → 3 分, +1.5
    facts = put(seed, "满意度.个人.满意数", 50)
    node = _leaves(_improved(eng, facts))["服务对象满意度"]
    assert _gains(node) == [({"满意度.个人.满意数": "60"}, "1.50")]
    assert "个人的满意数不低于 60（现为 50）" in node["improve"][0]["need"]
    # 10 + 0 of 100 = 10% → 0 分.  [70%, 90%) needs 个人 ≥ 70 (its 70 samples allow it) → 1.5 分;
    # ≥ 90% would need 个人 ≥ 90 > 70 samples: the 要求 rejects those facts, so it is not offered
    low = put(put(seed, "满意度.个人.满意数", 10), "满意度.企业.满意数", 0)
    node = _leaves(_improved(eng, low))["服务对象满意度"]
    assert _gains(node) == [({"满意度.个人.满意数": "70"}, "1.50")]
