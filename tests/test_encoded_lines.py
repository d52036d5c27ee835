"""Batch lines written as UTF-8 bytes (``GeneratedScorer.document_bytes``) are the text lines, encoded.

A batch to a file takes the generated writer's lines as bytes; to stdout, as text.  Every kind of line must
come out the same both ways: lines the generated writer makes, lines of facts with evidence, lines the
interpreter writes (a failed line, rules it must trace), a lone surrogate, which strict UTF-8 cannot encode.
"""

import json

import pytest

from benchmarks.generate import lines
from perfdsl.cli import main
from perfdsl.engine import Engine
from perfdsl.explain.document import head_bytes, head_json

from .conftest import RULES

BATCH = list(lines(60, seed=11))


def _odd_lines() -> list[str]:
    """Lines that leave the generated writer's usual road, each in its own way."""
    facts = json.loads(BATCH[0])
    evidence = json.loads(BATCH[1])
    evidence["评估评审"]["评审报告数"] = {"值": evidence["评估评审"]["评审报告数"], "来源": "《评审报告》第3页"}
    return [
        '{"broken": ',  # not JSON: a failed line, written by the interpreter's side
        json.dumps({**facts, "未声明的事实": 1}, ensure_ascii=False),  # F020, an unknown key
        json.dumps({**facts, "被评价单位": "单位\ud800"}),  # a lone surrogate, escaped: the line is valid UTF-8
        json.dumps({**facts, "被评价单位": "单位\ud83d\ude00"}),  # outside the BMP, as an escaped pair
        json.dumps(evidence, ensure_ascii=False),  # evidence: written beside the facts by the generated writer
    ]


@pytest.mark.parametrize("flag", ["--compact-trace", "--no-trace"])
def test_a_batch_to_a_file_is_the_batch_to_stdout(tmp_path, capsysbinary, flag):
    batch = tmp_path / "批量.jsonl"
    batch.write_text("\n".join([*BATCH[:20], *_odd_lines(), *BATCH[20:30]]) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    code = main(["eval", str(RULES), str(batch), "--format", "json", flag, "-o", str(out)])
    capsysbinary.readouterr()
    assert main(["eval", str(RULES), str(batch), "--format", "json", flag]) == code == 1
    screen = capsysbinary.readouterr().out
    assert out.read_bytes() == screen
    assert len(screen.splitlines()) == 35
    assert screen.count(b"\"status\": \"error\"") == 2 and b'\xe3\x80\x8a\xe8\xaf\x84' in screen  # 《评


def test_encoded_documents_are_the_text_encoded():
    fast = Engine.from_path(RULES)
    for n, text in enumerate(BATCH[:30], 1):
        for write in (fast.fast_json, fast.compact_json):
            got = write(text, "x", "批量.jsonl", "h", n)
            assert got is not None
            assert write(text, "x", "批量.jsonl", "h", n, encoded=True) == (got[0].encode(), got[1])


def test_a_lone_surrogate_in_a_file_name_comes_as_text():
    """Strict UTF-8 cannot encode it: the document comes as text, which the output stream writes replaced."""
    fast = Engine.from_path(RULES)
    name = "批量\udcff.jsonl"  # a byte that is not UTF-8 in a file name, as os.fsdecode gives it
    with pytest.raises(UnicodeEncodeError):
        head_bytes(fast.rules, name, "h", 1)
    for write in (fast.fast_json, fast.compact_json):
        got = write(BATCH[0], "x", name, "h", 1, encoded=True)
        assert got is not None and isinstance(got[0], str)
        assert got == write(BATCH[0], "x", name, "h", 1)
    assert head_bytes(fast.rules, "批量.jsonl", None, None, compact=True) == \
        head_json(fast.rules, "批量.jsonl", None, None, compact=True).encode()


def test_renormalised_documents_are_the_text_encoded():
    """Under 重新归一 the interpreter's aggregation writes the document: encoded, it is that text too."""
    from .conftest import ROOT
    project = ROOT / "examples" / "project-expenditure"
    fast = Engine.from_path(project / "rules")
    assert fast.plan.renormalise
    text = (project / "facts-2024.json").read_text(encoding="utf-8")
    for write in (fast.fast_json, fast.compact_json):
        got = write(text, "x", "项目.json", "h", 3)
        assert got is not None
        assert write(text, "x", "项目.json", "h", 3, encoded=True) == (got[0].encode(), got[1])
