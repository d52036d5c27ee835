"""Every diagnostic code has an example that produces it (perfdsl/code_examples.py), and the tests run them all."""

import re
import socket
import sys

import pytest

from perfdsl.cli import main
from perfdsl.code_examples import EXAMPLES, SOCKET, Example, Unreachable
from perfdsl.codes import CODES

FOUND = re.compile(r"(?:错误|警告)\[([A-Z][0-9]{3})\]|\"code\": \"([A-Z][0-9]{3})\"")
LINUX_ONLY = {"E102", "O003"}  # /proc/self/mem, /proc/sys


def test_every_code_has_an_example_or_a_reason():
    assert sorted(EXAMPLES) == sorted(CODES)
    for code, entry in EXAMPLES.items():
        if isinstance(entry, Unreachable):
            assert entry.reason.strip() and "待补" not in entry.reason, code
        else:
            assert entry.command.startswith("perfdsl ") and entry.shows.strip(), code


def _run(line: str, capsys) -> tuple[int, str]:
    rc = main(line.split()[1:])
    out = capsys.readouterr()
    return rc, out.out + out.err


@pytest.mark.parametrize("code", [c for c, e in EXAMPLES.items() if isinstance(e, Example)])
def test_the_example_produces_its_code(code, tmp_path, monkeypatch, capsys):
    ex = EXAMPLES[code]
    if code in LINUX_ONLY and not sys.platform.startswith("linux"):
        pytest.skip("the example reads /proc")
    sockets = []
    for name, content in ex.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == SOCKET:
            if not hasattr(socket, "AF_UNIX"):
                pytest.skip("no Unix sockets here")
            sockets.append(socket.socket(socket.AF_UNIX))
            sockets[-1].bind(str(path))
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for key, value in ex.env.items():
        monkeypatch.setenv(key, value)
    try:
        for line in ex.setup:
            _run(line, capsys)
        rc, text = _run(ex.command, capsys)
    finally:
        for s in sockets:
            s.close()
    found = {a or b for a, b in FOUND.findall(text)}
    assert code in found, text
    # exactly that code: no other error comes with it (warnings may)
    assert {c for c in found if CODES[c].severity == "error"} <= {code}, text
    assert rc == (1 if CODES[code].severity == "error" else 0), text


def test_a_huge_intermediate_value_is_shown_not_an_internal_error(tmp_path, capsys):
    # 1e30 × 1e30 has more digits than the decimal context keeps: showing it in a trace once raised X000
    rules = tmp_path / "r.perf"
    rules.write_text("体系 示例 { 舍入 2 位 四舍五入 }\n事实 { 收入: 数值 }\n令 积 = 收入 × 收入\n"
                     "指标 甲 分值 100 { 得分 = 若 积 > 0 则 100 否则 0 }\n", encoding="utf-8")
    facts = tmp_path / "f.json"
    facts.write_text('{"收入": 1e30}', encoding="utf-8")
    assert main(["eval", str(rules), str(facts), "--full"]) == 0
    assert "1" + "0" * 60 in capsys.readouterr().out



def test_explain_code_prints_one_entry(capsys):
    assert main(["explain-code", "e215"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("错误[E215]：" + CODES["E215"].title)
    assert "得分 = 预算执行树" in out and "$ perfdsl check 规则.perf" in out and CODES["E215"].fix in out
    assert main(["explain-code", "X000"]) == 0
    assert "无法从外部触发" in capsys.readouterr().out


def test_explain_code_suggests_the_nearest_code(capsys):
    assert main(["explain-code", "E2150"]) == 2
    err = capsys.readouterr().err
    assert "没有代码 E2150；是否想写 E215" in err


def test_every_entry_can_be_printed():
    from perfdsl.cli.commands.explain_code import entry_text
    for code in CODES:
        text = entry_text(code)
        assert text.count("\n") < 60 and max(len(line) for line in text.splitlines()) < 200, code
