"""The untraced batch line's shortcuts (issue 19, item 1), each equal to the longer way it replaces.

The documents themselves are compared byte for byte with the interpreter's in test_batch.py; here each
shortcut is held to the function it stands for, on the inputs where the two could differ.
"""

from __future__ import annotations

import decimal
import hashlib
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from perfdsl.cli.inputs import jsonl_records
from perfdsl.codegen.generator import _plain
from perfdsl.engine import sha256_text
from perfdsl.interp.numbers import CONTEXT, fixed
from perfdsl.syntax import template

ROOT = Path(__file__).resolve().parent.parent
FACTS = json.loads((ROOT / "examples" / "heping-2024" / "facts.json").read_text(encoding="utf-8"))


def _decimals(n: int, seed: int) -> list[Decimal]:
    rng = random.Random(seed)
    out = [Decimal(t) for t in ("0", "-0", "0.00", "-0.00", "0E-7", "0E+3", "1E+5", "1.2E+3", "1.5E-7", "12.345",
                                "-1.23", "5.0", "1E+1", "123456789012345678901234567890.12", "1.23E-10")]
    for _ in range(n):
        out.append(Decimal(rng.randint(-10 ** rng.randint(0, 9), 10 ** rng.randint(0, 9))).scaleb(rng.randint(-12, 6)))
    return out


def test_a_line_is_hashed_from_the_bytes_read_exactly_as_from_its_text(tmp_path):
    lines = ['{"a": 1}\n', '{"名称": "和平区"}\r\n', '{"b": "\\u00e9 é ✓ 𝄞"}\n', '{"c": 2}']
    for bom in (b"", b"\xef\xbb\xbf"):
        batch = tmp_path / "b.jsonl"
        batch.write_bytes(bom + "".join(lines).encode("utf-8"))
        records = list(jsonl_records(batch))
        assert [r.text for r in records] == lines
        for rec in records:
            assert rec.sha256 == sha256_text(rec.text) == hashlib.sha256(rec.text.encode("utf-8")).hexdigest()


def test_a_line_not_in_utf8_is_hashed_from_its_text(tmp_path):
    batch = tmp_path / "b.jsonl"
    batch.write_bytes('{"a": "和平"}\n'.encode("gb18030"))
    (rec,) = list(jsonl_records(batch))
    assert rec.sha256 is None  # read another way: cli.scoring hashes the text, as before


@pytest.mark.parametrize("places", [1, 2])
def test_a_group_score_text_without_the_call_is_what_fixed_writes(places):
    for d in _decimals(100_000, places):
        text = str(d)
        shortcut = text if text[-places - 1:-places] == "." else fixed(d, places)  # scorer._fixed_code
        assert shortcut == fixed(d, places), d


def test_a_quantized_rate_by_str_is_its_f_format():
    hundred, q2 = Decimal(100), Decimal("0.01")
    with decimal.localcontext(CONTEXT):
        for d in _decimals(50_000, 3):
            for w in (Decimal(3), Decimal(7), Decimal("2.5"), Decimal(100)):
                rate = (d / w * hundred).quantize(q2, rounding=decimal.ROUND_HALF_UP)
                assert str(rate) == format(rate, "f"), (d, w)


def test_plain_decimals_are_what_subtracting_zero_leaves_unchanged():
    zero = Decimal(0)
    with decimal.localcontext(CONTEXT):
        for d in _decimals(50_000, 4):
            if _plain(d):
                assert str(d - zero) == str(d), d
            total = zero + d  # what a leaf of parts starts from: ZERO plus finite decimals
            assert _plain(total) and str(total - zero) == str(total), d


@pytest.mark.parametrize("text", [
    "{被评价单位} {评价年度}年度部门整体支出绩效评价", "无洞的标题", "{{字面}} 与 {被评价单位}",
    "{ 被评价单位 }、{不存在的事实}", "{被评价单位}{评价年度}", "}}{{", "{制度 . 近三年有建设项目}：{被评价单位}", "",
])
def test_a_title_filled_from_its_pieces_is_what_fill_gives(text):
    def lookup(segments):
        cur = FACTS
        for seg in segments:
            if not isinstance(cur, dict) or seg not in cur:
                return None
            cur = cur[seg]
        return str(cur)
    assert template.Filler(text)(lookup) == template.fill(text, lookup)


def test_short_numbers_kept_parse_exactly_as_made_afresh():
    from perfdsl.ruleset.facts import _exact_number, plain_json
    texts = ["0", "-0", "7", "12", "2024", "0.5", "1.0", "0.25", "-1.5", "1e3", "1E-2", "12345", "0.12345", "9" * 30]
    for _ in range(2):  # the second time from the table
        parsed = plain_json("[" + ", ".join(texts) + "]")
        assert [str(v) for v in parsed] == [str(_exact_number(t)) for t in texts]
        assert all(type(v) is Decimal for v in parsed)
    for bad in ("1e99", "1e-99", "1" * 61):  # outside the fact limits: refused every time, never kept
        for _ in range(2):
            with pytest.raises(ArithmeticError):
                plain_json(f"[{bad}]")


def _seed_facts():
    from perfdsl.ruleset.facts import parse_json
    return parse_json((ROOT / "examples" / "heping-2024" / "facts.json").read_text(encoding="utf-8"), "x")


@pytest.mark.parametrize("change, accepted", [
    (lambda f: f.update(多余的键=1), False),  # an undeclared key at the top
    (lambda f: f["评估评审"].update(备注="x"), False),  # in a nested record
    (lambda f: f["制度"]["瑕疵"].append({"类别": "合同管理制度", "扣分": Decimal("0.5"), "说明": "x", "备注": "x"}),
     False),  # in a record of a list
    (lambda f: f["制度"]["瑕疵"].append({"类别": "合同管理制度", "扣分": Decimal("0.5"), "说明": "x"}), True),
    (lambda f: f["绩效监控"]["结果应用扣分"].update(备注="x"), False),  # in a 酌情 judgement
    (lambda f: f["绩效监控"]["结果应用扣分"].pop("理由"), False),  # a judgement without its reason
    (lambda f: f["绩效目标"]["任务匹配"].update(问题项目=None), True),  # an optional field present as null
    (lambda f: f["绩效目标"]["任务匹配"].pop("问题项目", None), True),  # an optional field absent
    (lambda f: None, True),
])
def test_no_undeclared_key_is_proved_by_counting_as_the_key_sets_proved_it(change, accepted):
    """The facts check counts a record's keys (required read, optional present) instead of comparing key sets."""
    from perfdsl.engine import Engine
    from perfdsl.ruleset.facts import Invalid
    engine = Engine.from_path(ROOT / "rules", cache=False)
    for check in (engine.validator(), engine.owned_validator()):
        facts = _seed_facts()
        change(facts)
        if accepted:
            check(facts)
        else:
            with pytest.raises((Invalid, KeyError)):
                check(facts)
