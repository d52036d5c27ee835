"""An example that triggers each diagnostic code in ``codes.CODES``: the catalogue ``docs/errors.md`` shows,
``perfdsl explain-code`` prints and ``tests/test_code_examples.py`` runs.

An example is data: the files to write (a tiny rule file, facts, a case file…) and the command line to run
in the folder holding them.  A code that cannot be produced from outside (a defensive check behind another
one, or a bug in perfdsl) is ``Unreachable`` with the reason.
"""

from __future__ import annotations

from typing import NamedTuple, Union

from perfdsl import __version__


class Example(NamedTuple):
    command: str  # run in the folder holding ``files``; split on spaces, no quoting
    files: dict[str, Union[str, bytes]]  # name → content (bytes: written as they are)
    shows: str  # the line that matters, for the one-line column of docs/errors.md
    env: dict[str, str] = {}  # environment variables set for the command
    setup: tuple[str, ...] = ()  # perfdsl command lines run first (to make a workbook, a result…); any exit status


class Unreachable(NamedTuple):
    reason: str  # why no rule file, facts or command line produces the code


Entry = Union[Example, Unreachable]

SOCKET = b"\x00socket"  # as a file's content: make a Unix socket by that name instead of a file

R = "规则.perf"
F = "事实.json"
HEAD = "体系 示例 { 舍入 2 位 四舍五入 }\n"  # without it every example would also warn W140/W141
CHECKED = "由 perfdsl check 先拦下（见 {0}），评分不会带着这样的规则开始；保留为防御性检查"


def check(body: str, shows: str, head: str = HEAD) -> Example:
    """``perfdsl check`` on one rule file."""
    return Example(f"perfdsl check {R}", {R: head + body}, shows)


def score(body: str, facts: Union[str, bytes], shows: str, *, head: str = HEAD, name: str = F) -> Example:
    """``perfdsl eval`` of one fact set with one rule file."""
    return Example(f"perfdsl eval {R} {name}", {R: head + body, name: facts}, shows)


NUMBER = "事实 { 收入: 数值 ≥ 0 }\n指标 甲 分值 100 { 得分 = 收入 }\n"  # a rule set for the facts examples
COMPACT = ('{"line": 1, "perfdsl": {"version": "%s", "schema": 1, "trace": "compact"}, "ruleset": {}, '
           '"status": "ok", "children": []}\n') % __version__  # a line of ``eval --compact-trace``, cut short
RESULT = '{"perfdsl": {"version": "%s"}, "score": "96.67"}' % __version__

EXAMPLES: dict[str, Entry] = {
    # ---------------------------------------------------------------- syntax
    "E000": Unreachable("解析器的每种错误都已归入 E001–E003；E000 只为意料之外的解析异常保留"),
    "E001": check("指标 甲 分值 100 { 得分 = ¥100 }\n", "得分 = ¥100（金额不带货币符号）"),
    "E002": check("指标 甲 分值 100 {\n  得分 = 100\n", "指标 甲 分值 100 {（缺少 }）"),
    "E003": check("指标 甲 分值 { 得分 = 100 }\n", "指标 甲 分值 { …（分值之后缺数字）"),
    "E004": check("事实 { 率: 比率 }\n指标 甲 分值 100 { 得分 = 区间 率 { ≠ 1 → 0; ≥ 0 → 100 } }\n",
                  "区间 率 { ≠ 1 → 0 … }"),
    "E010": check("指标 甲 分值 100 { 得分 = " + "1" * 61 + " }\n", "得分 = 111…1（61 位）"),
    "E011": check("事实 { 下达: 日期 }\n指标 甲 分值 100 { 得分 = 若 下达 ≤ 2024年2月30日 则 100 否则 0 }\n",
                  "下达 ≤ 2024年2月30日（2 月没有 30 日）"),
    # ---------------------------------------------------------------- rule files and indicator structure
    "E100": Example("perfdsl check 没有这个目录/", {}, "perfdsl check 没有这个目录/"),
    "E101": Example("perfdsl check 空目录/", {"空目录/说明.txt": "规则文件应以 .perf 结尾\n"},
                    "perfdsl check 空目录/（其中只有 说明.txt）"),
    "E102": Example("perfdsl check /proc/self/mem", {}, "perfdsl check /proc/self/mem（存在但读不出的文件）"),
    "E103": Example(f"perfdsl check {R}", {R: HEAD + "#" * (20 * 1024 * 1024) + "\n"},
                    "超过 20 MiB 的规则文件"),
    "E104": Example(f"perfdsl check {R}", {R: (HEAD + "指标 甲 分值 100 { 得分 = 100 }\n").encode("gb18030")},
                    "以 GBK/GB18030 保存的规则文件"),
    "E105": Example(f"perfdsl check {R}", {R: HEAD + "指标 甲 分值 100 { 得分 = 100 }\x00\n"},
                    "规则文件中有 NUL（\\0）字符"),
    "E106": Unreachable("解析与建树都不再递归（LALR 分析器、非递归的 Transformer），"
                        "深层嵌套先由 E107 按文档中的上限拒绝；E106 只为解析时意料之外的递归溢出保留"),
    "E107": check("事实 { x: 数值 }\n指标 甲 分值 100 { 得分 = 最小(100, " + " + ".join(["x"] * 1200) + ") }\n",
                  "得分 = 最小(100, x + x + … + x)（1,200 项）"),
    "E110": check("事实 { 收入: 数值; 收入: 数值 }\n指标 甲 分值 100 { 得分 = 收入 }\n",
                  "事实 { 收入: 数值; 收入: 数值 }"),
    "E111": check("类型 项目 { 金额: 数值; 金额: 数值 }\n事实 { 甲: 项目 }\n指标 甲 分值 100 { 得分 = 甲.金额 }\n",
                  "类型 项目 { 金额: 数值; 金额: 数值 }"),
    "E112": check("类型 项目 { 下级: 项目 }\n事实 { 甲: 项目 }\n指标 甲 分值 100 { 得分 = 100 }\n",
                  "类型 项目 { 下级: 项目 }"),
    "E113": check("事实 { 甲: 项木 }\n指标 甲 分值 100 { 得分 = 100 }\n", "事实 { 甲: 项木 }（没有类型 项木）"),
    "E117": check("事实 { 要求: 数值 }\n指标 甲 分值 100 { 得分 = 100 }\n", "事实 { 要求: 数值 }（要求 是关键字）"),
    "E120": check("指标 甲 分值 100 { 指标 乙 分值 50 { 得分 = 50 }  指标 乙 分值 50 { 得分 = 50 } }\n",
                  "指标 甲 { 指标 乙 …  指标 乙 … }"),
    "E121": check("一级指标 甲 分值 100 { 一级指标 乙 分值 100 { 得分 = 100 } }\n", "一级指标 甲 { 一级指标 乙 … }"),
    "E122": check("指标 甲 分值 100 { 子项 乙 分值 101 = 101\n 子项 丙 分值 -1 = 0 }\n", "子项 丙 分值 -1"),
    "E123": check("指标 甲 分值 100 { 得分 = 100\n 指标 乙 分值 100 { 得分 = 100 } }\n",
                  "指标 甲 { 得分 = 100  指标 乙 … }"),
    "E124": check("指标 甲 分值 100 { 指标 乙 分值 60 { 得分 = 60 } }\n", "指标 甲 分值 100 { 指标 乙 分值 60 … }"),
    "E125": check("指标 甲 分值 100 { 得分 = 100 }\n指标 乙 { 得分 = 0 }\n", "指标 乙 { 得分 = 0 }（没有分值）"),
    "E126": check("指标 甲 分值 100 { 得分 = 100\n 得分 = 90 }\n", "得分 = 100  得分 = 90"),
    "E127": check("指标 甲 分值 100 { 得分 = 100\n 子项 乙 分值 100 = 100 }\n", "得分 = 100  子项 乙 分值 100 = 100"),
    "E128": check("指标 甲 分值 100 { 子项 乙 分值 50 = 50\n 子项 乙 分值 50 = 50 }\n", "子项 乙 …  子项 乙 …"),
    "E130": check("指标 甲 分值 101 { 得分 = 101 }\n", "一级指标合计 101 分，总分 100"),
    "E131": check("指标 甲 分值 100 { 允许 E124 \"原报告如此\"\n 得分 = 100 }\n", "允许 E124 \"原报告如此\""),
    "E160": check("事实 { 率: 比率 }\n指标 甲 分值 100 { 得分 = 区间 率 { < 50% → 0; > 60% → 100 } }\n",
                  "区间 率 { < 50% → 0; > 60% → 100 }（50%–60% 无档）"),
    # ---------------------------------------------------------------- names and types
    "E201": check("事实 { 问题数: 整数 }\n指标 甲 分值 100 { 得分 = 100\n 逐项扣 问题数 每项 1 }\n",
                  "逐项扣 问题数 …（问题数是整数）"),
    "E202": check("事实 { 有制度: 布尔 }\n指标 甲 分值 100 { 得分 = 有制度 + 1 }\n", "得分 = 有制度 + 1"),
    "E203": check("令 甲值 = 乙值 + 1\n令 乙值 = 甲值 + 1\n指标 甲 分值 100 { 得分 = 甲值 }\n",
                  "令 甲值 = 乙值 + 1；令 乙值 = 甲值 + 1"),
    "E204": check("枚举 档次 { 好, 差 }\n事实 { 评价: 枚举 档次 }\n"
                  "指标 甲 分值 100 { 得分 = 若 评价 = \"很好\" 则 100 否则 0 }\n",
                  "若 评价 = \"很好\" …（档次只有 好、差）"),
    "E205": check("枚举 档次 { 好, 中, 差 }\n事实 { 评价: 枚举 档次 }\n"
                  "指标 甲 分值 100 { 得分 = 查表 评价 { 好 → 100; 差 → 0 } }\n",
                  "查表 评价 { 好 → 100; 差 → 0 }（缺 中）"),
    "E206": check("事实 { 名称: 文本 }\n指标 甲 分值 100 { 得分 = 若 名称 = 1 则 100 否则 0 }\n", "若 名称 = 1 …"),
    "E207": check("事实 { 收入: 数值 }\n指标 甲 分值 100 { 得分 = 若 存在(收入 + 1) 则 100 否则 0 }\n",
                  "存在(收入 + 1)"),
    "E209": check("事实 { 收入: 数值 }\n指标 甲 分值 100 { 得分 = 最笑值(收入, 100) }\n", "最笑值(收入, 100)"),
    "E210": check("指标 甲 分值 100 { 得分 = abs(1, 2) }\n", "abs(1, 2)"),
    "E211": check("事实 { 名称: 文本 }\n指标 甲 分值 100 { 得分 = abs(名称) }\n", "abs(名称)"),
    "E212": check("令 值 = 1\n指标 甲 分值 100 { 得分 = 值.金额 }\n", "得分 = 值.金额（值 是计算值）"),
    "E213": check("事实 { 收入: 数值 }\n指标 甲 分值 100 { 得分 = 求和(收入[*]) }\n", "求和(收入[*])"),
    "E214": check("事实 { 收入: 数值 }\n指标 甲 分值 100 { 得分 = 收入.本年 }\n", "收入.本年（收入 是数值）"),
    "E215": check("事实 { 预算执行数: 数值 }\n指标 甲 分值 100 { 得分 = 预算执行树 }\n",
                  "得分 = 预算执行树（应为 预算执行数）"),
    # ---------------------------------------------------------------- evaluation
    "E226": check("事实 { 执行数: 数值 }\n指标 甲 分值 100 { 扣 0.5 × 百分点(执行数 − 90) }\n",
                  "扣 0.5 × 百分点(执行数 − 90)（执行数 不是比率）"),
    "W227": check("事实 { 开工: 布尔 }\n指标 甲 分值 100 { 不适用 若 非 开工 理由 \"{名称}未开工\"\n 得分 = 100 }\n",
                  "不适用 … 理由 \"{名称}未开工\"（不适用 的理由原样显示）"),
    "E301": Unreachable(CHECKED.format("E202、E211")),
    "E302": Unreachable(CHECKED.format("E202")),
    "E303": Unreachable(CHECKED.format("E214；事实的结构先由 F011 检查")),
    "E304": score("事实 { 收入: 可选 数值 }\n指标 甲 分值 100 { 得分 = 收入 }\n", "{}", "收入 可选，事实中没有"),
    "E305": Unreachable(CHECKED.format("E213；事实的结构先由 F011 检查")),
    "E306": Unreachable(CHECKED.format("E203")),
    "E310": score(NUMBER.replace("得分 = 收入", "得分 = 100 / 收入"), '{"收入": 0}', "得分 = 100 / 收入，收入 = 0"),
    "E311": score(NUMBER.replace("得分 = 收入", "得分 = 收入 / 收入"), '{"收入": 0}',
                  "得分 = 收入 / 收入，收入 = 0（0 / 0 无定义）"),
    "E312": Unreachable(CHECKED.format("E206")),
    "E320": score("事实 { 率: 比率 [0, 1]; 目标: 比率 [0, 1] }\n"
                  "指标 甲 分值 100 { 得分 = 区间 率 { < 目标 → 0; > 目标 → 100 } }\n",
                  '{"率": 0.9, "目标": 0.9}', "区间 率 { < 目标 → 0; > 目标 → 100 }，率 = 目标 = 90%"),
    "E321": Unreachable(CHECKED.format("E205；枚举的取值先由 F012 检查")),
    "E330": Unreachable(CHECKED.format("E207")),
    "E331": Unreachable(CHECKED.format("E209")),
    "E332": Unreachable(CHECKED.format("E210、E211")),
    "E340": score("事实 { 收入: 数值 [0, 100]; 及格线: 数值 [0, 100] }\n指标 甲 分值 100 { 得分 = 收入 }\n",
                  '{"收入": 60, "及格线": 60}', "等级 { > 及格线 → 合格; < 及格线 → 不合格 }，总分 = 及格线 = 60",
                  head="体系 示例 { 舍入 2 位 四舍五入\n 等级 { > 及格线 → 合格; < 及格线 → 不合格 } }\n"),
    "E350": score("事实 { 到位资金: 数值; 实际支出: 数值 }\n指标 甲 分值 100 {\n"
                  "  要求 实际支出 ≤ 到位资金 否则 \"实际支出不能大于到位资金\"\n  得分 = 100\n}\n",
                  '{"到位资金": 10, "实际支出": 12}', "要求 实际支出 ≤ 到位资金，实际支出 12 > 10"),
    "E360": Unreachable(CHECKED.format("E201；事实的结构先由 F011 检查")),
    "E361": score("事实 { 率: 比率; 步长: 比率 }\n指标 甲 分值 100 { 得分 = 100\n 逐级扣 率 低于 100% 每 步长 扣 1 }\n",
                  '{"率": 0.9, "步长": 0}', "逐级扣 率 低于 100% 每 步长 扣 1，步长 = 0"),
    # ---------------------------------------------------------------- warnings
    "W120": check("令 系数 = 2\n指标 甲 分值 100 { 得分 = 100 }\n", "令 系数 = 2（没有指标用到）"),
    "W121": check("指标 甲 分值 100 { 令 系数 = 2\n 得分 = 100 }\n", "指标 甲 { 令 系数 = 2 … }（没有用到）"),
    "W130": check("指标 甲 分值 100 { 子项 乙 分值 60 = 60\n 子项 丙 分值 60 = 60 }\n", "分值 100，子项 60 + 60"),
    "W132": check("事实 { 率: 比率 }\n指标 甲 分值 100 { 得分 = 若 率 ≥ 90% 则 120 否则 0 }\n",
                  "分值 100 的指标，若 … 则 120"),
    "W131": check("指标 甲 分值 100 { 子项 乙 分值 40 = 40\n 子项 丙 分值 40 = 40 }\n", "分值 100，子项 40 + 40"),
    "W140": check("指标 甲 分值 100 { 得分 = 100 }\n", "没有 体系 { … } 的规则", head=""),
    "W141": check("指标 甲 分值 100 { 得分 = 100 }\n", "体系 示例 { }（没有 舍入）", head="体系 示例 { }\n"),
    "W142": check("", "只有 体系、没有指标的规则"),
    "W143": check("指标 甲 分值 100 { 得分 = 100 }\n", "体系 示例 { 舍入 2 位 四舍五入 }（没有 等级）"),
    "W150": check("事实 { 收入: 数值; 支出: 数值 }\n指标 甲 分值 100 { 得分 = 收入 }\n", "事实 支出 没有规则使用"),
    "W161": check("事实 { 率: 比率 }\n指标 甲 分值 100 { 得分 = 区间 率 { ≤ 60% → 0; ≥ 60% → 100 } }\n",
                  "区间 率 { ≤ 60% → 0; ≥ 60% → 100 }（60% 两档都含）"),
    "W162": check("事实 { 率: 比率 }\n指标 甲 分值 100 { 得分 = 区间 率 { ≥ 0 → 100; ≥ 60% → 50; < 0 → 0 } }\n",
                  "区间 率 { ≥ 0 → 100; ≥ 60% → 50 … }（第二档用不到）"),
    "W170": check("事实 { 评分: 酌情得分 [0, 120] }\n指标 甲 分值 100 { 得分 = 评分 }\n",
                  "评分: 酌情得分 [0, 120]，分值 100"),
    "W180": check("指标 甲 分值 100 { 允许 W130 \"原报告如此\"\n 得分 = 100 }\n", "允许 W130 …，而 甲 没有 W130"),
    "W208": check("事实 { 收入: 数值 }\n指标 甲 分值 100 { 得分 = 若 存在(收入) 则 100 否则 0 }\n",
                  "存在(收入)，收入 不是 可选"),
    "W221": check("事实 { 率: 比率 }\n指标 甲 分值 100 { 得分 = 若 率 ≥ 90 则 100 否则 0 }\n",
                  "若 率 ≥ 90（应为 90%）"),
    # ---------------------------------------------------------------- facts
    "F000": Example(f"perfdsl eval {R} 没有这个文件.json", {R: HEAD + NUMBER},
                    "perfdsl eval 规则.perf 没有这个文件.json"),
    "F001": score(NUMBER, "\n", "空的事实文件"),
    "F002": score(NUMBER, '{"收入": 100,}', '{"收入": 100,}（多余的逗号）'),
    "F003": score(NUMBER, '{"收入": 100, "收入": 200}', '{"收入": 100, "收入": 200}（重复的键）'),
    "F004": score(NUMBER, "[" * 100000 + "]" * 100000, "[[[[…]]]]（十万层嵌套）"),
    "F005": score(NUMBER, b'{"\xff": 1}', "既非 UTF-8 也非 GBK 的字节"),
    "F006": Example(f"perfdsl eval {R} 批量.jsonl:3", {R: HEAD + NUMBER, "批量.jsonl": '{"收入": 1}\n{"收入": 2}\n'},
                    "perfdsl eval 规则.perf 批量.jsonl:3（只有 2 行）"),
    "F007": score(NUMBER, '{"收入": 100, "备注": "\\ud800"}', '"备注": "\\ud800"'),
    "F008": Example(f"perfdsl eval {R} {F}", {R: HEAD + NUMBER, F: '{"收入": 100}'}, "PERFDSL_MAX_LINE_BYTES=5",
                    env={"PERFDSL_MAX_LINE_BYTES": "5"}),
    "F009": score(NUMBER, RESULT, "把 perfdsl eval 的输出当作事实"),
    "F010": score(NUMBER, "[100]", "[100]（顶层不是对象）"),
    "F011": score(NUMBER, '{"收入": "100"}', '"收入": "100"（数值加了引号）'),
    "F012": score("枚举 档次 { 好, 差 }\n事实 { 评价: 枚举 档次 }\n"
                  "指标 甲 分值 100 { 得分 = 查表 评价 { 好 → 100; 差 → 0 } }\n",
                  '{"评价": "很好"}', '"评价": "很好"（只有 好、差）'),
    "F013": score(NUMBER, "{}", "{}（缺 收入）"),
    "F014": score("类型 资金 { 到位: 数值; 支出: 可选 数值\n 要求 支出 ≤ 到位 否则 \"支出不能大于到位\" }\n"
                  "事实 { 甲: 资金 }\n指标 甲 分值 100 { 得分 = 甲.到位 }\n",
                  '{"甲": {"到位": 100}}', "要求 支出 ≤ 到位，支出 可选而缺失"),
    "F015": score("类型 资金 { 到位: 数值; 支出: 数值\n 要求 支出 ≤ 到位 否则 \"支出不能大于到位\" }\n"
                  "事实 { 甲: 资金 }\n指标 甲 分值 100 { 得分 = 甲.到位 − 甲.支出 }\n",
                  '{"甲": {"到位": 100, "支出": 120}}', '"支出": 120 > "到位": 100'),
    "F016": score("事实 { 评分: 酌情得分 [0, 100] }\n指标 甲 分值 100 { 得分 = 评分 }\n",
                  '{"评分": {"得分": "满分", "理由": "完成全部目标"}}', '"得分": "满分"'),
    "F017": score("事实 { 评分: 酌情得分 [0, 100] }\n指标 甲 分值 100 { 得分 = 评分 }\n",
                  '{"评分": {"得分": 90}}', '{"得分": 90}（没有 "理由"）'),
    "F018": score(NUMBER, '{"收入": -1}', '"收入": -1（声明 ≥ 0）'),
    "F019": score("事实 { 扣分: 数值 ∈ {0.25, 0.5} }\n指标 甲 分值 100 { 得分 = 100 − 扣分 }\n",
                  '{"扣分": 0.3}', '"扣分": 0.3（只能是 0.25 或 0.5）'),
    "F020": score(NUMBER, '{"收入": 100, "收人": 5}', '"收人": 5（规则没有声明）'),
    "F021": score("事实 { 率: 比率 }\n指标 甲 分值 100 { 得分 = 100 × 率 }\n", '{"率": 85}',
                  '"率": 85（应为 0.85 或 "85%"）'),
    "F022": score("事实 { 下达: 日期 }\n指标 甲 分值 100 { 得分 = 若 下达 ≤ 2024年6月30日 则 100 否则 0 }\n",
                  '{"下达": "6月底"}', '"下达": "6月底"（应写出年月日，如 "2024-06-30"）'),
    # F030–F034: below, with the workbook examples
    "F035": score(NUMBER, b"\xff\xfe{\x00\x00\xd8", "以 UTF-16 字节顺序标记开头、内容却不是 UTF-16 的文件"),
    # ---------------------------------------------------------------- perfdsl test case files
    "T001": Example(f"perfdsl test {R} 用例.yaml", {R: HEAD + NUMBER, "用例.yaml": "用例: []\n"},
                    "用例文件没有 cases:"),
    "T002": Example(f"perfdsl test {R} 用例.yaml", {R: HEAD + NUMBER, "用例.yaml": b"cases: [\xff]\n"},
                    "不是 UTF-8 的用例文件"),
    "T003": Example(f"perfdsl test {R} 用例.yaml", {R: HEAD + NUMBER, "用例.yaml": "base: 没有.json\ncases: []\n"},
                    "base: 没有.json"),
    # ---------------------------------------------------------------- perfdsl diff
    "D001": Example("perfdsl diff 旧.json 新.json", {"新.json": "{}"},
                    "perfdsl diff 旧.json 新.json（旧.json 不存在）"),
    "D002": Example("perfdsl diff 旧.json 新.json", {"旧.json": '{"收入": 1}', "新.json": '{"收入": 2}'},
                    "perfdsl diff 事实.json 事实2.json（不是评分结果）"),
    "D003": Example("perfdsl diff 旧.jsonl 新.jsonl", {R: HEAD + NUMBER, "甲.jsonl": '{"收入": 1}\n{"收入": 2}\n',
                    "乙.jsonl": '{"收入": 3}\n{"收入": 4}\n'},
                    "比较两批不同事实的评分结果",
                    setup=(f"perfdsl eval {R} 甲.jsonl --format json -o 旧.jsonl",
                           f"perfdsl eval {R} 乙.jsonl --format json -o 新.jsonl")),
    # ---------------------------------------------------------------- output files
    "O001": Example(f"perfdsl eval {R} {F} -o 目录", {R: HEAD + NUMBER, F: '{"收入": 1}', "目录/说明.txt": ""},
                    "-o 目录（一个目录）"),
    "O002": Example(f"perfdsl eval {R} {F} -o 没有/结果.txt", {R: HEAD + NUMBER, F: '{"收入": 1}'},
                    "-o 没有/结果.txt（目录 没有 不存在）"),
    "O003": Example(f"perfdsl eval {R} {F} -o /proc/sys/结果.txt", {R: HEAD + NUMBER, F: '{"收入": 1}'},
                    "-o /proc/sys/结果.txt（没有写权限的目录）"),
    "O004": Example(f"perfdsl eval {R} {F} -o /dev/full", {R: HEAD + NUMBER, F: '{"收入": 1}'},
                    "-o /dev/full（磁盘已满）"),
    "O005": Example(f"perfdsl eval {R} {F} -o {F}", {R: HEAD + NUMBER, F: '{"收入": 1}'}, "-o 事实.json（就是输入）"),
    "O006": Example(f"perfdsl eval {R} {F} -o 套接字", {R: HEAD + NUMBER, F: '{"收入": 1}', "套接字": SOCKET},
                    "-o 套接字（一个 Unix 套接字）"),
    "O007": Example(f"perfdsl template {R} -o 基础数据表.xlsx", {R: HEAD + NUMBER, F: '{"收入": 1}'},
                    "perfdsl template 规则.perf -o 基础数据表.xlsx（这份表已经填写）",
                    setup=(f"perfdsl template {R} --facts {F} -o 基础数据表.xlsx",)),
    # ---------------------------------------------------------------- perfdsl serve: answers to web requests
    **{code: Unreachable("只作为 perfdsl serve 对网页请求的回答出现，命令行不会报告；"
                         "tests/test_serve.py 与 tests/test_serve_tools.py 逐一触发并检查")
       for code in ("S001", "S002", "S003", "S004")},
    "S005": Unreachable("只作为 perfdsl serve 对网页“保存”的回答出现，命令行不会报告；"
                        "tests/test_user_review2.py 触发并检查"),
    # ---------------------------------------------------------------- perfdsl expand, internal
    "X000": Unreachable("perfdsl 自身的缺陷：没有哪份正确或错误的输入应当触发它"),
    "X001": Example(f"perfdsl expand {R} {F}", {R: HEAD + NUMBER, F: '{"收入": 1}'},
                    "perfdsl expand 规则.perf 事实.json"),
    "X002": Example("perfdsl expand 规则2.perf 结果.jsonl",
                    {R: HEAD + NUMBER, "规则2.perf": HEAD + NUMBER.replace("100 {", "100 { # 改过\n"),
                     "批量.jsonl": '{"收入": 1}\n'},
                    "用另一套规则还原紧凑评分过程",
                    setup=(f"perfdsl eval {R} 批量.jsonl --format json --compact-trace -o 结果.jsonl",)),
    "X003": Example(f"perfdsl expand {R} 结果.jsonl", {R: HEAD + NUMBER, "结果.jsonl": COMPACT.replace('"schema": 1',
                    '"schema": 1.5')},
                    '"schema": 1.5（评分结果被改坏）'),
    "X004": Example(f"perfdsl expand {R} 结果.jsonl", {R: HEAD + NUMBER, "结果.jsonl": COMPACT.replace(__version__,
                    "0.0.1")},
                    '"version": "0.0.1"（旧版本写出的紧凑评分过程）'),
    "F030": Example(f"perfdsl template {R} -o 表.xlsx", {R: HEAD + "事实 { 明细: 列表 列表 数值 }\n"
                    "指标 甲 分值 100 { 得分 = 100 }\n"},
                    "事实 { 明细: 列表 列表 数值 }（表格放不下列表的列表）"),
    "F031": score(NUMBER, "这不是 Excel 文件", "把文本文件改名为 .xlsx", name="数据.xlsx"),
    "F032": Example(f"perfdsl eval {R} 表.xlsx", {"旧.perf": HEAD + "事实 { 收入: 文本 }\n"
                    "指标 甲 分值 100 { 得分 = 100 }\n", R: HEAD + NUMBER,
                                                  F: '{"收入": "一百万元"}'},
                    "数值单元格中填了 一百万元",
                    setup=(f"perfdsl template 旧.perf --facts {F} -o 表.xlsx",)),
    "F033": Example(f"perfdsl eval {R} 表.xlsx", {R: HEAD + NUMBER}, "空白的基础数据表直接评分",
                    setup=(f"perfdsl template {R} -o 表.xlsx",)),
    "F034": Example(f"perfdsl eval {R} 表.xlsx", {"旧.perf": HEAD + NUMBER.replace("甲", "乙"), R: HEAD + NUMBER,
                                                  F: '{"收入": 1}'},
                    "规则改过之后，用旧规则生成的基础数据表评分",
                    setup=(f"perfdsl template 旧.perf --facts {F} -o 表.xlsx",)),
}
