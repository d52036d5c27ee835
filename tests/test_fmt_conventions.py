"""`perfdsl fmt` and the workbench's 保存 write a rule file back with its own line endings, BOM and encoding.

Every input is written out byte by byte here, as Notepad and Word save it; every expected file too.
"""

import codecs
import os

import pytest

from perfdsl.cli import main
from perfdsl.ruleset.conventions import Conventions, mixed, newline_of

BOM = codecs.BOM_UTF8
# an unformatted rule: spaces after `=` and before the comment that fmt's layout removes
MESSY = ["指标 甲 分值 3 {", "  得分 =    3   # 满分", "}"]
TIDY = ["指标 甲 分值 3 {", "  得分 = 3  # 满分", "}"]


def lines(rows: list[str], newline: str, bom: bytes = b"") -> bytes:
    return bom + "".join(r + newline for r in rows).encode("utf-8")


def _fmt(capsys, *argv: str) -> tuple[int, str]:
    status = main(["fmt", *argv])
    return status, capsys.readouterr().err


# ---------------------------------------------------------------- the bytes written

@pytest.mark.parametrize("newline, bom", [("\r\n", b""), ("\r\n", BOM), ("\n", BOM), ("\n", b"")],
                         ids=["crlf", "crlf-bom", "lf-bom", "lf"])
def test_fmt_writes_the_file_s_own_line_ending_and_bom(tmp_path, capsys, newline, bom):
    path = tmp_path / "a.perf"
    path.write_bytes(lines(MESSY, newline, bom))
    status, err = _fmt(capsys, str(path))
    assert status == 0 and "已排版" in err
    assert path.read_bytes() == lines(TIDY, newline, bom)


def test_a_crlf_file_with_a_bom_byte_for_byte(tmp_path, capsys):
    path = tmp_path / "a.perf"
    path.write_bytes(b"\xef\xbb\xbf\xe6\x8c\x87\xe6\xa0\x87 A \xe5\x88\x86\xe5\x80\xbc 3 {\r\n"
                     b"  \xe5\xbe\x97\xe5\x88\x86 =    3\r\n}\r\n")  # 指标 A 分值 3 { / 得分 =    3 / }
    assert _fmt(capsys, str(path))[0] == 0
    assert path.read_bytes() == (b"\xef\xbb\xbf\xe6\x8c\x87\xe6\xa0\x87 A \xe5\x88\x86\xe5\x80\xbc 3 {\r\n"
                                 b"  \xe5\xbe\x97\xe5\x88\x86 = 3\r\n}\r\n")


@pytest.mark.parametrize("newline, bom", [("\r\n", b""), ("\r\n", BOM), ("\n", BOM)])
def test_fmt_twice_is_fmt_once_byte_for_byte_and_the_second_run_writes_nothing(tmp_path, capsys, newline, bom):
    path = tmp_path / "a.perf"
    path.write_bytes(lines(MESSY, newline, bom))
    assert _fmt(capsys, str(path))[0] == 0
    once, inode = path.read_bytes(), path.stat().st_ino
    status, err = _fmt(capsys, str(path))
    assert status == 0 and err == ""  # nothing said: nothing changed
    assert path.read_bytes() == once
    assert path.stat().st_ino == inode  # not even replaced by the same bytes (a rewrite renames a new file in)


def test_a_text_with_a_line_break_inside_keeps_crlf_without_doubling_the_carriage_return(tmp_path, capsys):
    """A 标准 typed over two lines in Notepad holds \\r\\n inside its quotes; fmt prints its \\n as the escape
    \\n, so the file's line breaks are the only raw \\n left, and each becomes \\r\\n once."""
    path = tmp_path / "a.perf"
    path.write_bytes(lines(["指标 甲 分值 3 {", '  标准 "一', '二"', "  得分 =  3", "}"], "\r\n"))
    assert _fmt(capsys, str(path))[0] == 0
    once = path.read_bytes()
    assert b"\r\r\n" not in once and once.count(b"\r\n") == 4 and once.count(b"\n") == 4
    assert once.endswith("  得分 = 3\r\n}\r\n".encode())
    assert _fmt(capsys, str(path)) == (0, "") and path.read_bytes() == once


def test_a_utf16_file_stays_utf16_with_its_bom(tmp_path, capsys):
    """Notepad's “Unicode” is UTF-16LE with a BOM and CRLF: written back the same way, not as UTF-8."""
    path = tmp_path / "a.perf"
    path.write_bytes(codecs.BOM_UTF16_LE + "".join(r + "\r\n" for r in MESSY).encode("utf-16-le"))
    assert _fmt(capsys, str(path))[0] == 0
    assert path.read_bytes() == codecs.BOM_UTF16_LE + "".join(r + "\r\n" for r in TIDY).encode("utf-16-le")


def test_stdout_is_the_formatted_text_without_bom_or_carriage_returns(tmp_path, capsys):
    path = tmp_path / "a.perf"
    raw = lines(MESSY, "\r\n", BOM)
    path.write_bytes(raw)
    assert main(["fmt", "--stdout", str(path)]) == 0
    assert capsys.readouterr().out == "指标 甲 分值 3 {\n  得分 = 3  # 满分\n}\n"
    assert path.read_bytes() == raw


# ---------------------------------------------------------------- --check

@pytest.mark.parametrize("newline, bom", [("\r\n", b""), ("\r\n", BOM), ("\n", BOM), ("\n", b"")])
def test_check_passes_a_formatted_file_whatever_its_line_ending_and_bom(tmp_path, capsys, newline, bom):
    path = tmp_path / "a.perf"
    path.write_bytes(lines(TIDY, newline, bom))
    assert _fmt(capsys, "--check", str(path)) == (0, "")
    assert _fmt(capsys, str(path)) == (0, "")
    assert path.read_bytes() == lines(TIDY, newline, bom)


@pytest.mark.parametrize("newline, bom", [("\r\n", b""), ("\r\n", BOM)])
def test_check_lists_an_unformatted_crlf_file_and_leaves_it(tmp_path, capsys, newline, bom):
    path = tmp_path / "a.perf"
    path.write_bytes(lines(MESSY, newline, bom))
    status, err = _fmt(capsys, "--check", str(tmp_path))
    assert status == 1
    assert f"需要重新排版：{path}\n" in err and "换行" not in err  # a layout change, not a line-ending one
    assert path.read_bytes() == lines(MESSY, newline, bom)


# ---------------------------------------------------------------- a file mixing CRLF and LF

def test_newline_of_takes_the_majority_then_the_first_line():
    assert newline_of("a\r\nb\r\nc\n") == "\r\n"  # two CRLF, one LF
    assert newline_of("a\nb\nc\r\n") == "\n"  # two LF, one CRLF
    assert newline_of("a\r\nb\n") == "\r\n"  # a tie: the first line ends in CRLF
    assert newline_of("a\nb\r\n") == "\n"  # a tie: the first line ends in LF
    assert newline_of("a") == "\n" and newline_of("") == "\n"  # no line break: LF
    assert newline_of("\r\n") == "\r\n" and newline_of("\n") == "\n"
    assert newline_of("a\rb\n") == "\n"  # a lone CR is not a line break
    assert mixed("a\r\nb\n") and not mixed("a\r\nb\r\n") and not mixed("a\nb\n") and not mixed("")


def test_conventions_of_name_the_bom_and_codec():
    assert Conventions.of(b"x\n", "x\n") == Conventions(b"", "utf-8", "\n")
    assert Conventions.of(BOM + b"x\r\n", "x\r\n") == Conventions(BOM, "utf-8", "\r\n")
    assert Conventions.of(codecs.BOM_UTF16_BE + b"\x00x", "x") == Conventions(codecs.BOM_UTF16_BE, "utf-16-be", "\n")
    assert Conventions.of(codecs.BOM_UTF32_LE + b"x\x00\x00\x00", "x").codec == "utf-32-le"  # not UTF-16's FF FE
    assert Conventions(BOM, "utf-8", "\r\n").encode("a\nb\r\nc\n") == BOM + b"a\r\nb\r\nc\r\n"
    assert Conventions().encode("a\r\nb\n") == b"a\nb\n"


@pytest.mark.parametrize("rows, endings, expected", [
    (TIDY, ["\r\n", "\n", "\r\n"], "\r\n"),  # two CRLF, one LF
    (TIDY, ["\n", "\r\n", "\n"], "\n"),  # two LF, one CRLF
    (TIDY + ["# 尾注"], ["\r\n", "\n", "\n", "\r\n"], "\r\n"),  # two of each: the first line's
], ids=["mostly-crlf", "mostly-lf", "tie"])
def test_a_mixed_file_is_listed_by_check_and_written_with_one_ending(tmp_path, capsys, rows, endings, expected):
    path = tmp_path / "a.perf"
    raw = "".join(r + e for r, e in zip(rows, endings, strict=True)).encode("utf-8")
    path.write_bytes(BOM + raw)
    status, err = _fmt(capsys, "--check", str(path))
    name = "CRLF" if expected == "\r\n" else "LF"
    assert status == 1 and f"需要重新排版：{path}（换行混用 CRLF 与 LF，统一为 {name}）" in err
    assert path.read_bytes() == BOM + raw
    status, err = _fmt(capsys, str(path))
    assert status == 0 and f"已排版：{path}（换行混用 CRLF 与 LF，统一为 {name}）" in err
    assert path.read_bytes() == lines(rows, expected, BOM)
    assert _fmt(capsys, "--check", str(path)) == (0, "")


def test_a_mixed_and_unformatted_file_says_only_that_it_needs_formatting(tmp_path, capsys):
    path = tmp_path / "a.perf"
    path.write_bytes("指标 甲 分值 3 {\r\n  得分 =    3\n}\r\n".encode())
    status, err = _fmt(capsys, "--check", str(path))
    assert status == 1 and f"需要重新排版：{path}\n" in err
    assert _fmt(capsys, str(path))[0] == 0
    assert path.read_bytes() == "指标 甲 分值 3 {\r\n  得分 = 3\r\n}\r\n".encode()


# ---------------------------------------------------------------- the workbench's 保存

def test_workbench_save_keeps_crlf_and_the_bom_and_its_next_save_is_not_refused(tmp_path):
    pytest.importorskip("starlette", reason="perfdsl[serve] is not installed")
    from perfdsl.serve.workspace import Workspace
    rules = tmp_path / "rules"
    rules.mkdir()
    path = rules / "a.perf"
    path.write_bytes(lines(TIDY, "\r\n", BOM))
    ws = Workspace(rules)
    base = "指标 甲 分值 3 {\r\n  得分 = 3  # 满分\r\n}\r\n"  # as the page reads it: the BOM dropped
    assert ws.rule_texts() == {"a.perf": base}
    edited = "指标 甲 分值 3 {\n  得分 =  3  # 满分（已复核）\n}\n"  # the editor's text: LF
    out = ws.save("a.perf", edited, fmt=True, base=base)
    assert path.read_bytes() == lines(["指标 甲 分值 3 {", "  得分 = 3  # 满分（已复核）", "}"], "\r\n", BOM)
    assert out["text"] == "指标 甲 分值 3 {\r\n  得分 = 3  # 满分（已复核）\r\n}\r\n"
    assert (rules / "a.perf.bak").read_bytes() == lines(TIDY, "\r\n", BOM)
    ws.save("a.perf", edited.replace("（已复核）", ""), fmt=True, base=out["text"])  # the page's next base
    assert path.read_bytes() == lines(TIDY, "\r\n", BOM)


def test_workbench_save_of_a_new_file_is_utf8_with_lf(tmp_path):
    pytest.importorskip("starlette", reason="perfdsl[serve] is not installed")
    from perfdsl.serve.workspace import Workspace
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.perf").write_bytes(lines(TIDY, "\r\n"))
    ws = Workspace(rules)
    ws.save("b.perf", "指标 乙 分值 2 {\r\n  得分 = 2\r\n}\r\n")
    assert (rules / "b.perf").read_bytes() == "指标 乙 分值 2 {\n  得分 = 2\n}\n".encode()
    assert not os.path.exists(rules / "b.perf.bak")
