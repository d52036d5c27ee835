"""最小/最大 in the 指标分析结果: the value the call took and the arithmetic around it, checkable by hand."""

import json
from pathlib import Path

from perfdsl.cli import main
from perfdsl.render.choice_words import taken

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "examples" / "project-expenditure"

RULES = """事实 { 甲: 数值  乙: 数值  丙: 数值 }
指标 取值 分值 100 {
  子项 基础 分值 40 = 最大(0, 40 − 甲 × 2)
  令 比例 = 最小(1, 乙 ÷ 8)
  子项 比例分 分值 30 = 30 × 比例
  子项 扣后 分值 10 = 2 × max(0, 5 − 甲)
  子项 两者 分值 20 = 20 × min(乙 ÷ 16, 丙 ÷ 16)
}
"""


def _explained(tmp_path, capsys, rules_dir: Path, facts: dict, indicator: str) -> str:
    path = tmp_path / "f.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    assert main(["explain", str(rules_dir), str(path), indicator]) == 0
    return capsys.readouterr().out


def test_the_project_examples_reverse_indicator_shows_its_arithmetic(tmp_path, capsys):
    """得分 = min(1, 目标成本 ÷ 实际成本) × 5: 100 ÷ 104 = 0.9615… < 1, × 5 = 4.8077 → 4.81."""
    facts = json.loads((PROJECT / "facts-2024.json").read_text(encoding="utf-8"))
    out = _explained(tmp_path, capsys, PROJECT / "rules", facts, "成本节约情况")
    assert "目标成本 100，实际成本 104，100 ÷ 104 低于 1，100 ÷ 104 × 5 = 4.81，得 4.81 分。" in out
    # under the target: 100 ÷ 90 = 1.11… ≥ 1, so 1 is taken: 1 × 5 = 5
    facts["产出"]["实际成本"] = 90
    out = _explained(tmp_path, capsys, PROJECT / "rules", facts, "成本节约情况")
    assert "目标成本 100，实际成本 90，100 ÷ 90 不低于 1，按 1 计，1 × 5 = 5，得 5 分。" in out


def test_max_min_in_parts_and_values_both_spellings(tmp_path, capsys):
    rules = tmp_path / "r"
    rules.mkdir()
    (rules / "r.perf").write_text(RULES, encoding="utf-8")
    out = _explained(tmp_path, capsys, rules, {"甲": 7, "乙": 10, "丙": 12}, "取值")
    assert "基础（40 分）：甲 7，40 − 7 × 2 高于 0，40 − 7 × 2 = 26，得 26 分。" in out  # max(0, 26) = 26
    assert "比例分（30 分）：乙 10，10 ÷ 8 不低于 1，按 1 计，比例 1，30 × 1 = 30，得 30 分。" in out  # 1.25 ≥ 1
    # 5 − 7 = −2 < 0: max takes 0 (the other is not above it), 2 × 0 = 0
    assert "扣后（10 分）：5 − 7 不高于 0，按 0 计，2 × 0 = 0，得 0 分。" in out
    # min(10 ÷ 16, 12 ÷ 16) = 0.625: which one it took is not in the recorded values; nothing is claimed
    assert "两者（20 分）：丙 12，得 12.5 分。" in out
    assert "本项得 68.5 分，分值 100 分。" in out  # 26 + 30 + 0 + 12.5


def test_a_computed_argument_taken_inside_a_formula_keeps_its_parentheses():
    steps = [{"kind": "builtin", "function": "max", "result": "6"}]
    assert taken("2 × max(0, 9 − 3)", steps) == ("2 × (9 − 3)", ["9 − 3 高于 0"])
    assert taken("max(0, 9 − 3)", steps) == ("9 − 3", ["9 − 3 高于 0"])
    ratio = [{"kind": "builtin", "function": "min", "result": "0.5"}]
    assert taken("10 ÷ min(1, 2 ÷ 4)", ratio) == ("10 ÷ (2 ÷ 4)", ["2 ÷ 4 低于 1"])
    assert taken("min(1, 2 ÷ 4) × 10", ratio) == ("2 ÷ 4 × 10", ["2 ÷ 4 低于 1"])
    # a step that does not match the call, or a call inside the arguments: left as it was
    assert taken("min(1, 比值(2, 4, 0)) × 10", ratio) == ("min(1, 比值(2, 4, 0)) × 10", [])
    assert taken("max(1, 2 ÷ 4) × 10", ratio) == ("max(1, 2 ÷ 4) × 10", [])
