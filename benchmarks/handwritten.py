"""A hand-written scorer of the seed's indicator system: the baseline perfdsl is measured against.

Plain Python, exact Decimal, the semantics of docs/seed-decisions.md written out by hand — what a
programmer would write without perfdsl.  Reads a .jsonl of fact sets, writes one JSON line of
scores per fact set: the tree perfdsl prints with --no-trace (names, weights, scores, levels,
得分率, grade), without what only perfdsl knows (rule locations, file hashes).  It checks nothing
that it does not need to compute.

    python -m benchmarks.handwritten batch.jsonl > scores.jsonl
"""

from __future__ import annotations

import decimal
import json
import sys
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

decimal.getcontext().prec = 50
ZERO, ONE = D(0), D(1)
Q = D("0.01")


def prop(r, p, floor=D("0.6")):
    return p if r >= ONE else (r * p if r >= floor else ZERO)


def sample(x, p):
    n, k = x["抽查数"], x["问题数"]
    if k > n:
        raise ValueError("问题数 > 抽查数")
    return p if n == 0 else p * (ONE - k / n)


def clamp(v, w):
    return min(max(v, ZERO), w)


def growth(new, old):
    if old == 0:
        return ZERO if new == 0 else D("Infinity")
    return (new - old) / old


def score(f):
    s = {}
    z = f["制度"]
    groups = {}
    for flaw in z["瑕疵"]:
        if flaw["类别"] == "建设项目管理制度" and not z["近三年有建设项目"]:
            continue
        groups[flaw["类别"]] = groups.get(flaw["类别"], ZERO) + flaw["扣分"]
    s["决策和管理制度规范性"] = clamp(3 - sum((min(D("0.5"), v) for v in groups.values()), ZERO), D(3))
    s["重大支出政策的合理性"] = clamp(2 - len(f["重大支出政策问题"]), D(2))
    e = f["评估评审"]
    base = 3 if e["评审报告数"] == 0 else 3 * (ONE - e["存在问题报告数"] / e["评审报告数"])
    s["评估评审开展情况"] = clamp(base - (1 if e["应开展而未开展"] else 0), D(3))
    b = f["预算编制"]
    a = 2 if b["决算收入种类数"] == 0 else 2 * min(ONE, b["年初预算收入种类数"] / b["决算收入种类数"])
    budget, final = b["年初结转结余资金收入预算数"], b["上年末结转结余资金收入决算数"]
    if final == 0:
        part_b = ONE if budget == 0 else ZERO
    else:
        d = abs(ONE - budget / final)
        part_b = ONE if d <= D("0.3") else (D("0.5") if d <= D("0.7") else ZERO)
    s["预算编制完整性"] = clamp(a + part_b - (1 if b["年初预算未按三重一大执行"] else 0), D(3))
    s["测算细化、客观、准确程度"] = sum((ONE - v for v in b["测算扣分档次"].values()), ZERO)
    s["绩效目标编制工作开展情况"] = sample(f["绩效目标"]["任务匹配"], 2) + sample(f["绩效目标"]["可衡量"], 2)
    m = f["绩效监控"]
    s["绩效监控工作开展情况"] = sample(m["监控表"], D("1.5")) + D("1.5") - m["结果应用扣分"]["扣分"]
    s["绩效评价工作开展情况"] = sample(f["绩效自评"], 3)
    x = f["预算执行"]
    r = x["预算执行数"] / x["全年预算数"]
    if r > 1:
        raise ValueError("预算执行率 > 100%")
    part_a = 2 if r > D("0.9") else (1 if r > D("0.8") else 0)
    s["预算执行情况"] = clamp(part_a + x["非财政资金执行评分"]["得分"] + (1 - x["结转资金扣分档次"])
                            - D("0.2") * len(x["公开问题"]), D(4))
    u = f["资金使用"]
    s["资金使用合规性"] = clamp(5 - len(u["问题"])
                                - {"无": 0, "按时整改": 0, "超时整改": 1, "未整改": 2}[u["重大违纪整改"]], D(5))
    s["资产管理合规性"] = sum((D("0.5") for v in f["资产管理"].values() if not v), ZERO)
    t = f["资产利用"]

    def tier(v):
        return ONE if v >= D("0.9") else (D("0.5") if v >= D("0.8") else ZERO)
    c = t["实物资产完整率"]
    part_c = t["完整率超百分百评分"]["得分"] if c > 1 else tier(c)
    usage = t["在用固定资产总额"] / t["固定资产总额"]
    if usage > 1:
        raise ValueError("利用率 > 100%")
    s["资产利用情况"] = part_c + tier(usage)
    p = f["资产盘活"]
    base = 3 if p["设置盘活目标"] and p["实现盘活目标"] else (D("1.5") if p["有盘活成效"] else 0)
    s["资产盘活工作成效"] = clamp(base - D("0.2") * len(p["处置收入处理不当"]), D(3))
    g = f["行政许可"]
    s["行政审批制度改革完成情况"] = prop(g["审批制度改革完成率"], 4)
    s["行政审批办理完成情况"] = min(D(5), prop(g["依申请公开回复率"], 2) + prop(g["审批事项按时办结率"], 2)
                              + prop(g["依申请公开按时答复率"], 2))
    s["“一站式”政务服务落实情况"] = min(D(5), prop(g["一站式服务覆盖率"], 2) + prop(g["大厅进驻事项完成率"], 2)
                                 + prop(g["跨部门审批项完成率"], 2))
    y = f["营商环境"]
    s["重点事项完成情况"] = prop(y["重点事项"]["完成数"] / y["重点事项"]["计划数"], 5)
    s["帮办领办服务完成情况"] = prop(y["帮办领办服务完成率"], 5)
    s["配套服务完成情况"] = prop(y["配套服务完成率"], 5)
    s["政策宣讲准确情况"] = prop(y["政策宣讲准确率"], 5)
    s["办公场所运维投入合理情况"] = prop(f["机构运行"]["办公场所运维投入合理率"], 3)
    n = f["创新审批"]
    s["创新审批举措情况"] = D(6) if n["国家级认可或推广次数"] + n["市级认可或推广次数"] >= 1 else ZERO
    w = f["网上政务"]
    use = w["线上办件实际使用率"]
    part_c = D("2.5") if use >= D("0.9") else (use * D("2.5") if use >= D("0.6") else ZERO)
    s["网上政务服务能力提升情况"] = min(D(7), prop(w["高频事项线上办理覆盖率"], D("2.5"))
                                 + (D("2.5") if w["线上审批平均时长压缩率"] >= 0 else ZERO) + part_c)
    q = f["审批效率"]
    s["审批效率提升情况"] = min(D(7), (D(4) if growth(q["本年未办结数"], q["上年未办结数"]) <= 0 else ZERO)
                          + (D(4) if growth(q["本年编外人员数"], q["上年编外人员数"]) >= 0 else ZERO))
    samples = sum((v["样本数"] for v in f["满意度"].values()), ZERO)
    if samples == 0:
        raise ValueError("没有样本")
    sat = sum((v["满意数"] for v in f["满意度"].values()), ZERO) / samples
    s["服务对象满意度"] = D(3) if sat >= D("0.9") else (D("1.5") if sat >= D("0.7") else ZERO)
    return {k: D(v).quantize(Q, rounding=ROUND_HALF_UP) for k, v in s.items()}


TREE = [("部门决策", [("决策依据", ["决策和管理制度规范性", "重大支出政策的合理性", "评估评审开展情况"]),
                      ("预算编制", ["预算编制完整性", "测算细化、客观、准确程度"])]),
        ("管理效率", [("预算绩效管理",
                       ["绩效目标编制工作开展情况", "绩效监控工作开展情况", "绩效评价工作开展情况"]),
                      ("预算执行", ["预算执行情况", "资金使用合规性"]),
                      ("资产管理", ["资产管理合规性", "资产利用情况", "资产盘活工作成效"])]),
        ("履职产出", [("行政许可审批工作",
                       ["行政审批制度改革完成情况", "行政审批办理完成情况", "“一站式”政务服务落实情况"]),
                      ("营商环境优化工作",
                       ["重点事项完成情况", "帮办领办服务完成情况", "配套服务完成情况", "政策宣讲准确情况"]),
                      ("机构运行保障工作", ["办公场所运维投入合理情况"])]),
        ("履职效益", [("社会效益", ["创新审批举措情况", "网上政务服务能力提升情况", "审批效率提升情况"]),
                      ("服务对象满意度", ["服务对象满意度"])])]
WEIGHTS = {"决策和管理制度规范性": 3, "重大支出政策的合理性": 2, "评估评审开展情况": 3, "预算编制完整性": 3,
           "测算细化、客观、准确程度": 3, "绩效目标编制工作开展情况": 4, "绩效监控工作开展情况": 3,
           "绩效评价工作开展情况": 3,
           "预算执行情况": 4, "资金使用合规性": 5, "资产管理合规性": 2, "资产利用情况": 2, "资产盘活工作成效": 3,
           "行政审批制度改革完成情况": 4, "行政审批办理完成情况": 5, "“一站式”政务服务落实情况": 5,
           "重点事项完成情况": 5,
           "帮办领办服务完成情况": 5, "配套服务完成情况": 5, "政策宣讲准确情况": 5, "办公场所运维投入合理情况": 3,
           "创新审批举措情况": 6, "网上政务服务能力提升情况": 7, "审批效率提升情况": 7, "服务对象满意度": 3}


def document(facts) -> dict:
    s = score(facts)
    children = []
    for l1, groups in TREE:
        kids = []
        for l2, leaves in groups:
            nodes = [{"name": n, "weight": str(WEIGHTS[n]), "score": str(s[n]), "level": 3, "status": "ok"}
                     for n in leaves]
            total = sum((s[n] for n in leaves), ZERO)
            weight = sum(WEIGHTS[n] for n in leaves)
            kids.append({"name": l2, "weight": str(weight), "score": str(total), "level": 2, "status": "ok",
                         "rate": f"{(total / weight * 100).quantize(Q, rounding=ROUND_HALF_UP)}%", "children": nodes})
        total = sum((D(k["score"]) for k in kids), ZERO)
        weight = sum(int(k["weight"]) for k in kids)
        children.append({"name": l1, "weight": str(weight), "score": str(total), "level": 1, "status": "ok",
                         "rate": f"{(total / weight * 100).quantize(Q, rounding=ROUND_HALF_UP)}%", "children": kids})
    total = sum((D(c["score"]) for c in children), ZERO)
    grade = "优" if total >= 90 else "良" if total >= 80 else "中" if total >= 60 else "差"
    return {"status": "ok", "name": f"{facts['被评价单位']} {facts['评价年度']}年度部门整体支出绩效评价",
            "weight": "100", "score": str(total), "rate": f"{total.quantize(Q, rounding=ROUND_HALF_UP)}%",
            "children": children, "grade": grade}


def main(path: str) -> int:
    out = sys.stdout
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                doc = document(json.loads(line, parse_float=D, parse_int=D))
            except (ValueError, KeyError, ArithmeticError, TypeError) as exc:
                doc = {"line": n, "status": "error", "error": str(exc)}
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
