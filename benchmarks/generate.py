"""Random but valid fact sets in the shape of the seed's facts (for benchmarks and conformance tests).

    python -m benchmarks.generate 10000 > batch.jsonl
"""

from __future__ import annotations

import json
import random
import sys

CATEGORIES = ["\"三重一大\"集体决策机制", "预算业务管理制度", "收支业务管理制度", "政府采购管理制度",
              "资产管理制度", "建设项目管理制度", "合同管理制度"]
RECTIFY = ["无", "按时整改", "超时整改", "未整改"]


def _money(rng, lo, hi):
    return round(rng.uniform(lo, hi), 2)


def _rate(rng, lo=0.4, hi=1.1):
    """A rate drawn up to ``hi`` but never above 100%: these rates cannot exceed it, and a 比率 above 1 is an
    error unless its declaration allows it (F021).  A fifth of the draws land on exactly 100%."""
    return min(round(rng.uniform(lo, hi), 4), 1.0)


def _findings(rng, most=3):
    return [{"说明": f"问题{i + 1}"} for i in range(rng.randint(0, most))]


def _sample(rng, most=40):
    n = rng.randint(0, most)
    return {"抽查数": n, "问题数": rng.randint(0, n)}


def fact_set(rng: random.Random, index: int = 0) -> dict:
    budget = _money(rng, 100, 2000)
    total_assets = _money(rng, 10, 500)
    completeness = _rate(rng, 0.5, 1.0) if rng.random() < 0.9 else 1.05
    assets = {"实物资产完整率": completeness,
              "在用固定资产总额": round(total_assets * rng.choice([1, 1, 0.95, 0.85, 0.7]), 2),
              "固定资产总额": total_assets}
    if completeness > 1:
        assets["完整率超百分百评分"] = {"得分": rng.choice([0, 0.5, 1]), "理由": "购置资产尚未入账"}
    carry_final = rng.choice([0, _money(rng, 0, 10)])
    groups = {}
    for name in rng.sample(["个人", "企业", "社会组织"], rng.randint(1, 3)):
        n = rng.randint(1, 100)
        groups[name] = {"样本数": n, "满意数": rng.randint(int(n * 0.5), n)}
    last_open = rng.randint(0, 5)
    last_staff = rng.randint(0, 20)
    return {
        "被评价单位": f"单位{index}",
        "评价年度": 2024,
        "制度": {"近三年有建设项目": rng.random() < 0.5,
                 "瑕疵": [{"类别": rng.choice(CATEGORIES), "扣分": rng.choice([0.25, 0.5]), "说明": f"瑕疵{i}"}
                          for i in range(rng.randint(0, 4))]},
        "重大支出政策问题": _findings(rng),
        "评估评审": (lambda n: {"评审报告数": n, "存在问题报告数": rng.randint(0, n),
                               "应开展而未开展": rng.random() < 0.2})(rng.randint(0, 10)),
        "预算编制": {"年初预算收入种类数": rng.randint(0, 3), "决算收入种类数": rng.randint(0, 3),
                     "年初结转结余资金收入预算数": rng.choice([0, carry_final, _money(rng, 0, 10)]),
                     "上年末结转结余资金收入决算数": carry_final,
                     "年初预算未按三重一大执行": rng.random() < 0.2,
                     "测算扣分档次": {k: rng.choice([0, 0, 0.5, 1]) for k in ("工作量", "核定标准", "重复计算")}},
        "绩效目标": {"任务匹配": _sample(rng), "可衡量": _sample(rng)},
        "绩效监控": {"监控表": _sample(rng),
                     "结果应用扣分": {"扣分": rng.choice([0, 0.25, 0.5, 1, 1.5]), "理由": "监控结果应用情况"}},
        "绩效自评": _sample(rng),
        "预算执行": {"全年预算数": budget, "预算执行数": round(budget * rng.uniform(0.6, 1.0), 2),
                     "非财政资金执行评分": {"得分": rng.choice([0, 0.5, 1]), "理由": "非财政资金执行情况"},
                     "结转资金扣分档次": rng.choice([0, 0.5, 1]), "公开问题": _findings(rng)},
        "资金使用": {"问题": _findings(rng, 6), "重大违纪整改": rng.choice(RECTIFY)},
        "资产管理": {k: rng.random() < 0.2
                     for k in ("超标准配置", "处置未按要求报批或公开", "擅自出租出借", "处置收入未及时足额上缴")},
        "资产利用": assets,
        "资产盘活": {"设置盘活目标": rng.random() < 0.7, "实现盘活目标": rng.random() < 0.6,
                     "有盘活成效": rng.random() < 0.5, "处置收入处理不当": _findings(rng, 2)},
        "行政许可": {k: _rate(rng) for k in ("审批制度改革完成率", "依申请公开回复率", "审批事项按时办结率",
                                           "依申请公开按时答复率", "一站式服务覆盖率", "大厅进驻事项完成率",
                                           "跨部门审批项完成率")},
        "营商环境": {"重点事项": (lambda p: {"计划数": p, "完成数": rng.randint(0, p)})(rng.randint(1, 10)),
                     "帮办领办服务完成率": _rate(rng), "配套服务完成率": _rate(rng), "政策宣讲准确率": _rate(rng)},
        "机构运行": {"办公场所运维投入合理率": _rate(rng)},
        "创新审批": {"国家级认可或推广次数": rng.randint(0, 3), "市级认可或推广次数": rng.randint(0, 5)},
        "网上政务": {"高频事项线上办理覆盖率": _rate(rng), "线上审批平均时长压缩率": round(rng.uniform(-0.2, 0.5), 4),
                     "线上办件实际使用率": _rate(rng, 0.4, 1.0)},
        "审批效率": {"上年未办结数": last_open, "本年未办结数": rng.randint(0, 6), "上年编外人员数": last_staff,
                     "本年编外人员数": max(0, last_staff + rng.randint(-3, 3))},
        "满意度": groups,
    }


def lines(n: int, seed: int = 2024):
    rng = random.Random(seed)
    for i in range(n):
        yield json.dumps(fact_set(rng, i), ensure_ascii=False)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    for line in lines(count):
        print(line)
