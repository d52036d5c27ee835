"""What the traced scorer writes without a helper call (branch compact6) is what the helper would have written.

Each shortcut is held to the general code it replaces: the finding's naming field to ``finding_text``, the tables of
numbers to ``str``, and a rule set using every shortcut (查表 of a text, bands over a decimal and under 增长率,
findings named by 描述 or being texts, bool conditions, 求和 of a spread, 百分点, 按比例 and 抽查得分) to the
interpreter's document, byte for byte.
"""
import itertools
import json
import random
from decimal import Decimal

from perfdsl.codegen.record_order import NAMING_FIELDS, naming_field
from perfdsl.codegen.runtime import NUMBERS, PARENTS
from perfdsl.constructs.each_deduct import finding_text
from perfdsl.ruleset.types import Ty

from .conftest import assert_roads_agree, two_engines

_VALUES = {"text": "文字", "enum": "好", "number": Decimal("1.5"), "bool": True, "list": ["a"]}


def test_the_naming_field_is_the_one_finding_text_picks():
    """Every choice of kinds for the naming fields, each present (a traced finding holds all its declared fields)."""
    kinds = [None, "text", "enum", "number", "bool", "list"]
    for chosen in itertools.product(kinds, repeat=len(NAMING_FIELDS)):
        fields = {name: Ty(kind, element=Ty("text") if kind == "list" else None)
                  for name, kind in zip(NAMING_FIELDS, chosen, strict=True) if kind is not None}
        fields["其他"] = Ty("number")
        item = {name: _VALUES[ty.kind] for name, ty in fields.items()}
        field = naming_field(Ty("record", fields=fields))
        if field is None:  # no text among them: named by all its fields, through the helper
            assert not any(ty.kind in ("text", "enum") for name, ty in fields.items() if name in NAMING_FIELDS)
        else:
            assert item[field] == finding_text(item, None)
    assert naming_field(Ty("text")) == "" and naming_field(Ty("enum")) == ""
    assert naming_field(Ty("record", fields={"说明": Ty("any")})) is None  # maybe a str: the helper decides
    assert naming_field(None) is None and naming_field(Ty("number")) is None


def test_the_tables_of_numbers_are_their_texts():
    assert all(NUMBERS[n] == str(n) for n in range(len(NUMBERS)))
    assert all(PARENTS[i] == str(i + 1) for i in range(len(PARENTS)))


SHORTCUTS = """
体系 捷径 {
  总分 30 舍入 2 位 四舍五入
  等级 {
    ≥ 20 → 好
    < 20 → 差
  }
}
类型 问题 {
  描述: 文本
  扣分: 数值 ≥ 0
}
类型 抽样 {
  抽查数: 整数 ≥ 0
  问题数: 整数 ≥ 0
}
事实 {
  档次: 枚举 {好, 中, 差}
  整改: 文本
  本年: 数值 ≥ 0
  上年: 数值 ≥ 0
  率: 比率 [0, 1]
  达标: 布尔
  问题: 列表 问题
  要点: 列表 文本
  满意度: 列表 { 样本数: 数值 ≥ 0 }
  抽查: 抽样
}
一级指标 甲 {
  指标 档次评分 分值 4 {
    得分 = 查表 档次 { 好 → 4; 中 → 2; 差 → 0 }
    扣 查表 整改 { 按时 → 0; 超时 → 1; 未整改 → 2 } 理由 "整改"
  }
  指标 增长档 分值 3 {
    令 g = 增长率(本年, 上年)
    子项 档 分值 3 = 区间 g {
      ≥ 10%       → 3
      [0, 10%)    → 2
      < 0         → 1
    }
  }
  指标 比值档 分值 3 {
    令 r = 比值(本年, 上年, 0)
    得分 = 区间 r {
      ≥ 1      → 3
      [0.5, 1) → 2
      < 0.5    → 0
    }
  }
  指标 比例 分值 2 {
    不适用 若 达标 理由 "已达标"
    得分 = 按比例(率, 2, 0.6)
  }
  指标 发现项 分值 5 {
    逐项扣 问题 每项 扣分 最多 3
  }
  指标 清单项 分值 2 {
    逐项扣 要点 每项 0.5
  }
  指标 满意项 分值 5 {
    令 样本 = 求和(满意度[*].样本数)
    得分 = 若 样本 > 10 则 5 否则 样本 ÷ 2
  }
  指标 抽查项 分值 3 {
    子项 查 分值 3 = 抽查得分(抽查, 3)
  }
  指标 变化 分值 3 {
    得分 = 最小(3, 百分点(率) ÷ 10)
  }
}
"""


def _facts(rng: random.Random) -> str:
    return json.dumps({
        "档次": rng.choice(["好", "中", "差"]), "整改": rng.choice(["按时", "超时", "未整改"]),
        "本年": rng.choice([0, 5, 10, 12.5]), "上年": rng.choice([0, 10, 11]), "率": rng.choice([0, 0.3, 0.75, 1]),
        "达标": rng.random() < 0.3,
        "问题": [{"描述": f"问题“{i}”\n", "扣分": rng.choice([0, 0.5, 2])} for i in range(rng.randint(0, 4))],
        "要点": [f"要点{i}" for i in range(rng.randint(0, 70))],  # past the table of 65 places too
        "满意度": [{"样本数": rng.randint(0, 9)} for _ in range(rng.randint(0, 4))],
        "抽查": {"抽查数": rng.choice([0, 10]), "问题数": rng.choice([0, 3])},
    }, ensure_ascii=False)


def test_rules_using_every_shortcut_agree_with_the_interpreter(tmp_path):
    from perfdsl.codegen.recording import TracedGenerator
    fast, reference = two_engines(tmp_path, SHORTCUTS)
    generator = TracedGenerator(fast.plan)
    generator.module()
    source = generator.final_source()
    assert source is not None
    for shortcut in ("') or K", "_call(K", "B_sum(", "text = it['描述']", "text = it\n", "NUMBERS[n]", "PARENTS[i]",
                     "is None or T.append", "(sv := jt("):  # each written here, instead of a helper's call
        assert shortcut in source, shortcut
    assert "_bool(" not in source and "_tcall(" not in source and "_armk(" not in source
    rng = random.Random(5)
    for _ in range(60):
        assert_roads_agree(fast, reference, _facts(rng))
