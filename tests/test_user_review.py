"""What a user's-eye review of every surface found, each pinned by the case that showed it."""

from pathlib import Path

from perfdsl.ruleset.check import check
from perfdsl.ruleset.loader import load

HEAD = "体系 示例 { 舍入 2 位 四舍五入  等级 { ≥ 60 → 合格; < 60 → 不合格 } }\n"


def _codes(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    (tmp_path / "a.perf").write_text(HEAD + text, encoding="utf-8")
    return [(d.code, d.message) for d in check(load(tmp_path)).diagnostics]


def test_a_rate_band_up_to_100_percent_has_no_gap_above(tmp_path):
    """The seed's own wording, [90%, 100%] as the top band of a plain 比率: the facts reader refuses a rate
    above 100% (F021), so check must not ask for a band over (100%, ∞) — it did (E160), and nothing scored."""
    rules = ("事实 { 执行率: 比率 ≥ 0 }\n"
             "指标 甲 分值 100 { 得分 = 区间 执行率 { [90%, 100%] → 100; [0, 90%) → 80 } }\n")
    assert _codes(tmp_path, rules) == []


def test_a_rate_allowed_above_100_percent_still_needs_its_bands(tmp_path):
    """比率 [0, 2] may be 150%: a band ending at 100% leaves (100%, 200%] uncovered."""
    rules = ("事实 { 完整率: 比率 [0, 2] }\n"
             "指标 甲 分值 100 { 得分 = 区间 完整率 { [90%, 100%] → 100; [0, 90%) → 80 } }\n")
    assert _codes(tmp_path, rules) == [("E160", "区间没有覆盖 完整率 ∈ (100%, 200%]：这样的值会使评分报错")]


def test_a_band_above_100_percent_of_a_plain_rate_is_never_used(tmp_path):
    rules = ("事实 { 执行率: 比率 ≥ 0 }\n"
             "指标 甲 分值 100 { 得分 = 区间 执行率 { > 100% → 50; [90%, 100%] → 100; [0, 90%) → 80 } }\n")
    assert [c for c, _ in _codes(tmp_path, rules)] == ["W162"]
