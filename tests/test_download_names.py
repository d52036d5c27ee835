"""Names of the workbench's downloads: what each file is about, safe to save on Windows, and the
``Content-Disposition`` that carries the Chinese name (RFC 6266 with RFC 5987's ``filename*``).

Every expected name is written out by hand from the rules: forbidden characters (\\ / : * ? " < > |, control
characters) each become ``_`` (a run of them one ``_``), white space one space, no dot, space or ``_`` at either
end of the subject.
"""

from __future__ import annotations

from urllib.parse import unquote

from perfdsl.serve.filenames import MAX_BYTES, content_disposition, download_name

SEED_TITLE = "天津市和平区人民政府政务服务办公室 2024年度部门整体支出绩效评价"


def sent(header: str) -> tuple[str, str]:
    """(the ASCII fallback, the UTF-8 name) a browser reads from the header."""
    plain, star = header.split("; filename*=UTF-8''")
    assert plain.startswith('attachment; filename="') and plain.endswith('"')
    return plain[len('attachment; filename="'):-1], unquote(star, errors="strict")


def test_a_report_is_named_after_its_unit_and_evaluation():
    assert download_name(SEED_TITLE, "评分表", ".docx") == (
        "天津市和平区人民政府政务服务办公室 2024年度部门整体支出绩效评价 评分表.docx")


def test_a_hostile_name_cannot_break_the_header_or_leave_the_folder():
    name = download_name('甲"乙\r\nX-Evil: 1; ../../<script>alert(1)</script>', "评分表", ".html")
    # " → _, \r\n → one space, : → _, ../../ → .._.._, < > / → _
    assert name == "甲_乙 X-Evil_ 1; .._.._script_alert(1)_script 评分表.html"
    header = content_disposition(name, "report.html")
    assert "\r" not in header and "\n" not in header and header.count('"') == 2
    # filename* is percent-encoded whole: no ; " or space the header parser could take for its own
    star = header.split("filename*=UTF-8''")[1]
    assert all(c.isascii() and (c.isalnum() or c in "%._-~") for c in star)
    assert sent(header) == ("report.html", name)


def test_names_that_hide_or_spoof_a_file_are_cleaned():
    assert download_name("..\\..\\", "评分表", ".docx") == "评分表.docx"  # nothing left to read
    assert download_name(" .隐藏. ", "评分表", ".docx") == "隐藏 评分表.docx"  # no leading dot, no trailing dot
    assert download_name("单位\u202excod.exe", "评分表", ".docx") == "单位_xcod.exe 评分表.docx"  # no right-to-left
    assert download_name("a\tb\u3000c", "评分表", ".docx") == "a b c 评分表.docx"  # tabs, ideographic spaces: one space


def test_a_name_of_only_forbidden_characters_is_the_plain_name():
    assert download_name('\\/:*?"<>|', "评分表", ".xlsx") == "评分表.xlsx"
    assert download_name("", "基础数据表", ".xlsx") == "基础数据表.xlsx"
    assert download_name(None, "基础数据表", ".xlsx") == "基础数据表.xlsx"
    assert sent(content_disposition("评分表.xlsx", "report.xlsx"))[1] == "评分表.xlsx"


def test_windows_device_names_are_not_saved_as_devices():
    assert download_name("CON", "评分表", ".docx") == "CON 评分表.docx"  # not a device: its stem is 「CON 评分表」
    assert download_name("con.2024", "评分表", ".docx") == "_con.2024 评分表.docx"  # its stem would be CON
    assert download_name("Lpt1", "", ".json") == "_Lpt1 .json"


def test_a_long_name_is_cut_within_windows_limits_keeping_what_it_is():
    name = download_name("很" * 300, "评分表", ".docx")
    assert len(name.encode("utf-8")) <= MAX_BYTES and len(name.encode("utf-16-le")) // 2 <= 255
    # 180 bytes less 「 评分表.docx」 (1 + 9 + 5 = 15) is 165; less 3 for … is 162: 54 characters of 3 bytes
    assert name == "很" * 54 + "… 评分表.docx"
    # a cut never splits a character of 4 bytes (𠀀, outside the BMP)
    assert download_name("𠀀" * 100, "评分表", ".docx") == "𠀀" * 40 + "… 评分表.docx"
