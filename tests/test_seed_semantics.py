"""docs/seed-decisions.md, indicator by indicator, on facts other than the report's.

Every expected value below is worked out by hand from docs/seed-decisions.md; the
comment beside each case shows the arithmetic.
"""


import pytest

from perfdsl.diagnostics import PerfdslError

from .conftest import D, leaf, put


def score(engine, facts, name):
    return leaf(engine.score(facts), name)


# 1. 决策和管理制度规范性 (3): 3 − Σ_类别 min(0.5, Σ 扣分), floor 0
def flaw(cat, amount, text="瑕疵"):
    return {"类别": cat, "扣分": D(amount), "说明": text}


@pytest.mark.parametrize("flaws,has_projects,expected", [
    ([], False, "3"),
    ([flaw("预算业务管理制度", "0.5"), flaw("预算业务管理制度", "0.25"), flaw("合同管理制度", "0.25")],
     False, "2.25"),                                   # min(0.5, 0.75) + 0.25 = 0.75 → 2.25
    ([flaw("建设项目管理制度", "0.5")], False, "3"),     # not evaluated without projects
    ([flaw("建设项目管理制度", "0.5")], True, "2.5"),
    ([flaw(c, "0.5") for c in ["\"三重一大\"集体决策机制", "预算业务管理制度", "收支业务管理制度", "政府采购管理制度",
                               "资产管理制度", "合同管理制度"]] + [flaw("合同管理制度", "0.5")], False, "0"),
    # six categories × 0.5 = 3 (合同 capped at 0.5) → 0
])
def test_institutions(engine, seed, flaws, has_projects, expected):
    f = put(put(seed, "制度.瑕疵", flaws), "制度.近三年有建设项目", has_projects)
    assert score(engine, f, "决策和管理制度规范性") == D(expected)


def test_institutions_trace_shows_skipped_and_capped(tracing_engine, seed):
    engine = tracing_engine
    f = put(seed, "制度.瑕疵", [flaw("建设项目管理制度", "0.5", "无建设项目管理办法"),
                              flaw("预算业务管理制度", "0.5", "甲"), flaw("预算业务管理制度", "0.5", "乙")])
    node = next(n for n in engine.score(f).root.leaves() if n.name == "决策和管理制度规范性")
    kinds = [(s.kind, s.text) for s in node.steps]
    assert any(k == "not_applicable" and "无建设项目管理办法" in t for k, t in kinds)
    assert any(k == "cap" and "封顶吸收 0.5" in t for k, t in kinds)
    assert node.score == D("2.5")


# 2. 重大支出政策的合理性 (2): 2 − count, floor 0
@pytest.mark.parametrize("n,expected", [(0, "2"), (1, "1"), (2, "0"), (3, "0")])
def test_major_policies(engine, seed, n, expected):
    f = put(seed, "重大支出政策问题", [{"说明": f"问题{i}"} for i in range(n)])
    assert score(engine, f, "重大支出政策的合理性") == D(expected)


# 3. 评估评审开展情况 (3)
@pytest.mark.parametrize("reports,bad,missed,expected", [
    (0, 0, False, "3"),
    (4, 1, False, "2.25"),   # 3 × (1 − 1/4)
    (4, 1, True, "1.25"),    # − 1
    (0, 0, True, "2"),
    (3, 3, True, "0"),       # 0 − 1 → floor 0
])
def test_appraisal(engine, seed, reports, bad, missed, expected):
    f = put(put(put(seed, "评估评审.评审报告数", reports), "评估评审.存在问题报告数", bad),
            "评估评审.应开展而未开展", missed)
    assert score(engine, f, "评估评审开展情况") == D(expected)


# 4. 预算编制完整性 (3): a + b − c
@pytest.mark.parametrize("kinds,final_kinds,budget,final,violated,expected", [
    (1, 1, "0", "2.07", False, "2"),     # the report: d = 100% → 0
    (1, 2, "2.07", "2.07", False, "2"),  # a = 1, d = 0 → 1
    (1, 1, "0.7", "1", False, "3"),      # d = 30% exactly → 1
    (1, 1, "1.3", "1", False, "3"),      # |1 − 1.3| = 30% → 1
    (1, 1, "0.69", "1", False, "2.5"),   # d = 31% → 0.5
    (1, 1, "0.3", "1", False, "2.5"),    # d = 70% exactly → 0.5
    (1, 1, "0.29", "1", False, "2"),     # d = 71% → 0
    (1, 1, "0", "0", False, "3"),        # both 0 → d = 0 → 1
    (1, 1, "5", "0", False, "2"),        # final 0, budget not → item 0
    (0, 0, "1", "1", False, "3"),        # no kinds in final accounts → a = 2
    (3, 2, "1", "1", False, "3"),        # min(1, 3/2)
    (1, 1, "1", "1", True, "2"),         # − 1
])
def test_budget_completeness(engine, seed, kinds, final_kinds, budget, final, violated, expected):
    f = seed
    for path, v in [("预算编制.年初预算收入种类数", kinds), ("预算编制.决算收入种类数", final_kinds),
                    ("预算编制.年初结转结余资金收入预算数", D(budget)),
                    ("预算编制.上年末结转结余资金收入决算数", D(final)),
                    ("预算编制.年初预算未按三重一大执行", violated)]:
        f = put(f, path, v)
    assert score(engine, f, "预算编制完整性") == D(expected)


# 5. 测算细化 (3): Σ (1 − level)
def test_estimation_levels(engine, seed):
    f = put(seed, "预算编制.测算扣分档次", {"工作量": D("0.5"), "核定标准": D(1), "重复计算": D(0)})
    assert score(engine, f, "测算细化、客观、准确程度") == D("1.5")


def test_estimation_level_outside_tiers_is_rejected(engine, seed):
    f = put(seed, "预算编制.测算扣分档次.工作量", D("0.3"))
    with pytest.raises(PerfdslError) as e:
        engine.score(f)
    assert e.value.diagnostics[0].fact_path == "预算编制.测算扣分档次.工作量"


# 6-8. ratio items
def test_targets_ratio_items(engine, seed):
    f = put(put(seed, "绩效目标.任务匹配", {"抽查数": 0, "问题数": 0}), "绩效目标.可衡量", {"抽查数": 16, "问题数": 16})
    assert score(engine, f, "绩效目标编制工作开展情况") == D(2)     # 2 (n = 0) + 0


def test_monitoring_rounds_half_up(engine, seed):
    f = put(put(seed, "绩效监控.监控表", {"抽查数": 36, "问题数": 9}),
            "绩效监控.结果应用扣分", {"扣分": D("0.5"), "理由": "部分红灯项目未调整"})
    # 1.5 × (1 − 9/36) = 1.125; 1.5 − 0.5 = 1; 2.125 → 2.13 (half-up)
    assert score(engine, f, "绩效监控工作开展情况") == D("2.13")


def test_self_evaluation(engine, seed):
    assert score(engine, put(seed, "绩效自评", {"抽查数": 3, "问题数": 1}), "绩效评价工作开展情况") == D(2)


# 9. 预算执行情况 (4)
@pytest.mark.parametrize("spent,expected", [
    ("1000", "4"), ("900.1", "4"),   # (90%, 100%] → 2
    ("900", "3"),                    # 90% exactly → 1
    ("800.1", "3"), ("800", "2"),    # 80% exactly → 0
    ("0", "2"),
])
def test_budget_execution_bands(engine, seed, spent, expected):
    f = put(put(seed, "预算执行.全年预算数", D(1000)), "预算执行.预算执行数", D(spent))
    assert score(engine, f, "预算执行情况") == D(expected)


def test_budget_execution_other_parts(engine, seed):
    f = put(seed, "预算执行.非财政资金执行评分", {"得分": D("0.5"), "理由": "结余增加"})
    f = put(f, "预算执行.结转资金扣分档次", D("0.5"))
    f = put(f, "预算执行.公开问题", [{"说明": "决算未公开"}, {"说明": "绩效目标未公开"}])
    assert score(engine, f, "预算执行情况") == D("2.6")  # 2 + 0.5 + 0.5 − 0.4


# 10. 资金使用合规性 (5)
@pytest.mark.parametrize("n,rectified,expected", [(0, "无", "5"), (2, "超时整改", "2"), (0, "按时整改", "5"),
                                                  (4, "未整改", "0"), (1, "未整改", "2")])
def test_fund_compliance(engine, seed, n, rectified, expected):
    f = put(put(seed, "资金使用.问题", [{"说明": f"问题{i}"} for i in range(n)]), "资金使用.重大违纪整改", rectified)
    assert score(engine, f, "资金使用合规性") == D(expected)


# 11. 资产管理合规性 (2)
def test_asset_compliance(engine, seed):
    f = put(put(seed, "资产管理.超标准配置", True), "资产管理.擅自出租出借", True)
    assert score(engine, f, "资产管理合规性") == D(1)


# 12. 资产利用情况 (2)
@pytest.mark.parametrize("c,used,expected", [
    ("1", "100", "2"), ("0.9", "90", "2"), ("0.8999", "100", "1.5"), ("0.8", "80", "1"),
    ("0.7999", "79.99", "0"),
])
def test_asset_use_bands(engine, seed, c, used, expected):
    f = put(put(put(seed, "资产利用.实物资产完整率", D(c)), "资产利用.在用固定资产总额", D(used)),
            "资产利用.固定资产总额", D(100))
    assert score(engine, f, "资产利用情况") == D(expected)


def test_asset_completeness_over_100_needs_judgement(engine, seed):
    f = put(seed, "资产利用.实物资产完整率", D("1.05"))
    with pytest.raises(Exception):  # noqa: B017 — the leaf helper asserts it has no errors (E350 here)
        r = engine.score(f)
        leaf(r, "资产利用情况")
    f = put(f, "资产利用.完整率超百分百评分", {"得分": D("0.6"), "理由": "购置资产尚未入账"})
    assert score(engine, f, "资产利用情况") == D("1.6")


# 13. 资产盘活工作成效 (3)
@pytest.mark.parametrize("target,achieved,effect,n,expected", [
    (True, True, False, 0, "3"), (False, False, True, 0, "1.5"), (True, False, False, 0, "0"),
    (True, False, True, 0, "1.5"), (True, True, True, 2, "2.6"), (False, False, False, 1, "0"),
])
def test_asset_revitalisation(engine, seed, target, achieved, effect, n, expected):
    f = seed
    for p, v in [("资产盘活.设置盘活目标", target), ("资产盘活.实现盘活目标", achieved),
                 ("资产盘活.有盘活成效", effect),
                 ("资产盘活.处置收入处理不当", [{"说明": "x"}] * n)]:
        f = put(f, p, v)
    assert score(engine, f, "资产盘活工作成效") == D(expected)


# 14-21. proportional with floor 60%
@pytest.mark.parametrize("r,expected", [("1", "4"), ("1.2", "4"), ("0.95", "3.8"), ("0.6", "2.4"), ("0.5999", "0")])
def test_proportional(engine, seed, r, expected):
    assert score(engine, put(seed, "行政许可.审批制度改革完成率", D(r)), "行政审批制度改革完成情况") == D(expected)


@pytest.mark.parametrize("rates,expected", [(("0.7", "0.7", "0.7"), "4.2"), (("1", "1", "0.5"), "4"),
                                            (("1", "1", "1"), "5"), (("1", "1", "0.6"), "5")])
def test_sub_items_capped_at_weight(engine, seed, rates, expected):
    f = seed
    for name, r in zip(("依申请公开回复率", "审批事项按时办结率", "依申请公开按时答复率"), rates, strict=False):
        f = put(f, f"行政许可.{name}", D(r))
    assert score(engine, f, "行政审批办理完成情况") == D(expected)


def test_key_tasks_rate_from_counts(engine, seed):
    f = put(seed, "营商环境.重点事项", {"计划数": 6, "完成数": 5})
    assert score(engine, f, "重点事项完成情况") == D("4.17")   # 5/6 × 5 = 4.1666…


# 22-25
@pytest.mark.parametrize("national,city,expected", [(0, 0, "0"), (0, 1, "6"), (2, 0, "6")])
def test_innovation(engine, seed, national, city, expected):
    f = put(put(seed, "创新审批.国家级认可或推广次数", national), "创新审批.市级认可或推广次数", city)
    assert score(engine, f, "创新审批举措情况") == D(expected)


@pytest.mark.parametrize("cover,compress,use,expected", [
    ("0.8", "-0.1", "0.6", "3.5"),   # 2 + 0 + 1.5
    ("1", "0", "0.9", "7"),          # 7.5 capped
    ("1", "0", "0.8", "7"),          # 2.5 + 2.5 + 2 = 7
    ("1", "0", "0.5999", "5"),
])
def test_online_services(engine, seed, cover, compress, use, expected):
    f = seed
    for p, v in [("网上政务.高频事项线上办理覆盖率", cover), ("网上政务.线上审批平均时长压缩率", compress),
                 ("网上政务.线上办件实际使用率", use)]:
        f = put(f, p, D(v))
    assert score(engine, f, "网上政务服务能力提升情况") == D(expected)


@pytest.mark.parametrize("last_open,open_,last_staff,staff,expected", [
    (1, 0, 10, 11, "7"), (0, 0, 0, 0, "7"), (0, 2, 10, 10, "4"), (5, 5, 10, 9, "4"), (2, 3, 10, 8, "0"),
])
def test_efficiency_growth(engine, seed, last_open, open_, last_staff, staff, expected):
    f = put(seed, "审批效率", {"上年未办结数": last_open, "本年未办结数": open_, "上年编外人员数": last_staff,
                              "本年编外人员数": staff})
    assert score(engine, f, "审批效率提升情况") == D(expected)


@pytest.mark.parametrize("groups,expected", [
    ({"个人": (70, 70), "企业": (30, 30)}, "3"),
    ({"个人": (70, 60), "企业": (30, 30)}, "3"),    # 90% exactly
    ({"个人": (70, 60), "企业": (30, 20)}, "1.5"),  # 80%
    ({"个人": (100, 70)}, "1.5"),                   # 70% exactly
    ({"个人": (100, 69)}, "0"),
])
def test_satisfaction(engine, seed, groups, expected):
    f = put(seed, "满意度", {k: {"样本数": n, "满意数": s} for k, (n, s) in groups.items()})
    assert score(engine, f, "服务对象满意度") == D(expected)


def test_totals_are_sums_of_rounded_scores(engine, seed):
    f = put(put(seed, "绩效监控.监控表", {"抽查数": 36, "问题数": 9}),
            "绩效监控.结果应用扣分", {"扣分": D("0.5"), "理由": "r"})
    r = engine.score(f)
    groups = {n.name: n.score for n in r.root.walk()}
    assert groups["预算绩效管理"] == D("7.80")     # 3.02 + 2.13 + 2.65
    assert groups["管理效率"] == D("22.80")
    assert r.root.score == D("95.80")
    assert r.grade == "优"


def test_grade_bands(engine, seed):
    # drop 满意度 (3) and 创新 (6) and 政策宣讲 (5 → 3): 96.67 − 3 − 6 − 2 = 85.67 → 良
    f = put(seed, "满意度", {"个人": {"样本数": 10, "满意数": 1}})
    f = put(f, "创新审批.国家级认可或推广次数", 0)
    f = put(f, "创新审批.市级认可或推广次数", 0)
    f = put(f, "营商环境.政策宣讲准确率", D("0.6"))
    r = engine.score(f)
    assert r.root.score == D("85.67") and r.grade == "良"
