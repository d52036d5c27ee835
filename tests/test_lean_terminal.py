"""The lean result writer against rich, byte for byte: rich is the reference (as the interpreter is for the generated
scorer).  Every document is drawn by ``print_result`` on a rich console and by ``lean_terminal.write_result`` for the
profile that console stands for; where the lean writer refuses (None), eval uses rich, and that is tested too.
"""

from __future__ import annotations

import copy
import io
import os
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from perfdsl.cli.commands.base import TRACE_FILTERS
from perfdsl.cli.console import new_console
from perfdsl.explain.document import explain
from perfdsl.render import lean_terminal as lean
from perfdsl.render.result_view import closing_lines, result_tree
from perfdsl.render.terminal import print_result

from .conftest import ROOT, SEED_FACTS, put
from .hostile import HOSTILE

WIDTHS = (20, 40, 80, 120, 1000)
# each rich console eval can make, and the profile the lean writer takes for it
MODES = {
    "pipe": (dict(no_color=True, soft_wrap=True), dict(wrap=False)),
    "file": (dict(no_color=True), dict(wrap=True)),
    "colour": (dict(force_terminal=True, color_system="standard"), dict(wrap=True, sgr="colour")),
    "colour-256": (dict(force_terminal=True, color_system="256"), dict(wrap=True, sgr="colour")),
    "truecolor": (dict(force_terminal=True, color_system="truecolor"), dict(wrap=True, sgr="colour")),
    "NO_COLOR": (dict(force_terminal=True, color_system="standard", no_color=True), dict(wrap=True, sgr="attributes")),
}


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "UNICODE_VERSION", "NO_COLOR", "COLUMNS", "LINES", "COLORTERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm")


def _rich(doc: dict, width: int, mode: str, full=False, only=None, encoding="utf-8") -> str:
    buf = _Stream(encoding=encoding)
    print_result(doc, Console(file=buf, width=width, highlight=False, **MODES[mode][0]), full=full, only=only)
    return buf.getvalue()


def _lean(doc: dict, width: int, mode: str, full=False, only=None, ascii=False):
    profile = lean.Profile(width, ascii=ascii, **MODES[mode][1])
    return lean.write_result(result_tree(doc, full=full, only=only, show_at=full or bool(only)), closing_lines(doc),
                             profile)


def _same(doc: dict, width: int, mode: str, full=False, only=None, must=True) -> bool:
    """Both writers agree, or the lean one refused (not allowed with ``must``); True if it wrote."""
    mine = _lean(doc, width, mode, full, only)
    if mine is None:
        assert not must, f"refused at {width} {mode}"
        return False
    assert mine == _rich(doc, width, mode, full, only), f"{width} {mode}"
    return True


class _Stream(io.StringIO):
    """A file as a console sees one: an encoding, a tty or not."""

    def __init__(self, encoding="utf-8", tty=False):
        super().__init__()
        self._encoding, self._tty = encoding, tty

    @property
    def encoding(self):  # type: ignore[override]
        return self._encoding

    def isatty(self):
        return self._tty


@pytest.fixture(scope="module")
def documents(tracing_engine):
    from perfdsl.ruleset.facts import parse_json
    facts = parse_json(SEED_FACTS.read_text(encoding="utf-8"), "seed")
    docs = {"seed": explain(tracing_engine.score(facts))}
    docs["partial"] = explain(tracing_engine.score(put(facts, "预算执行.预算执行数", Decimal("2000"))))
    assert docs["partial"]["status"] == "partial"
    veto = copy.deepcopy(docs["seed"])
    veto["grade"] = "差"
    veto["grade_trace"] = [{"id": 1, "kind": "veto", "text": "一票否决：发生重大安全事故，等级定为 差"}]
    veto["warnings"] = [{"code": "F020", "message": "事实 预算执行.预算执行率 未在规则中声明；是否想写 预算执行数？",
                         "file": "facts.json", "line": 3, "column": 5},
                        {"code": "W001", "message": "没有位置的警告"}]
    docs["veto"] = veto
    na = copy.deepcopy(docs["seed"])
    leaf = na["children"][0]["children"][0]["children"][0]
    leaf.update(score=None, status="not_applicable",
                trace=[{"id": 1, "kind": "not_applicable", "text": "不适用：本年无项目", "at": "rules/10.perf:3:5"}])
    unscored = copy.deepcopy(docs["seed"])
    unscored.update(score=None, grade=None, status="error")
    docs["na"], docs["unscored"] = na, unscored
    return docs


@pytest.mark.parametrize("name", ["seed", "partial", "veto", "na", "unscored"])
@pytest.mark.parametrize("mode", list(MODES))
def test_every_fixture_at_every_width_is_written_as_rich_writes_it(documents, name, mode):
    for width in WIDTHS:
        for full, only in ((False, None), (True, None), (False, TRACE_FILTERS["deductions"])):
            _same(documents[name], width, mode, full, only)


def test_the_seed_on_a_pipe_is_the_golden_text_and_the_colours_are_rich_s(documents):
    text = _lean(documents["seed"], 1000, "pipe")
    assert text.endswith("总分 96.67 / 100  等级 优\n") and "├── " in text and "\x1b" not in text
    coloured = _lean(documents["seed"], 80, "colour")
    assert "\x1b[1;32m96.67\x1b[0m" in coloured and "\x1b[1;36m优\x1b[0m" in coloured  # bold green, bold cyan
    assert "\x1b[32m" not in _lean(documents["seed"], 80, "NO_COLOR")  # NO_COLOR keeps bold, drops colours


def test_guides_are_ascii_where_the_output_cannot_encode_box_drawing(documents):
    mine = _lean(documents["seed"], 1000, "pipe", ascii=True)
    assert "+-- " in mine and "`-- " in mine and "├" not in mine
    assert mine == _rich(documents["seed"], 1000, "pipe", encoding="gbk")


def _hostile_doc(documents, text: str) -> dict:
    doc = copy.deepcopy(documents["seed"])
    doc["name"] = text
    for group in doc["children"]:
        group["name"] = text + group["name"]
        for leaf in group["children"][0]["children"]:
            leaf["trace"] = [dict(s, text=text + s["text"]) for s in leaf.get("trace") or []]
    return doc


@pytest.mark.parametrize("key,text", HOSTILE, ids=[k for k, _ in HOSTILE])
def test_hostile_text_is_neutralised_the_same_way(documents, key, text):
    # 40,000 characters in every name and step: rich takes over a minute to wrap that at 40 columns; 4,000 wrap the
    # same way (a line of CJK or one long word) and keep the suite inside CI's time
    doc = _hostile_doc(documents, text[:4000])
    for mode in ("pipe", "colour"):
        for width in (40, 1000):
            _same(doc, width, mode, full=True, must=False)
    if "\t" not in text:
        assert _same(doc, 1000, "pipe", full=True)  # off a terminal only a tab makes it refuse
    mine = _lean(doc, 80, "colour", full=True)
    assert mine is None or "\x1b]" not in mine and "\u202e" not in mine


# text a person could paste: CJK, full-width punctuation, words longer than any width, spaces, emoji, joiners,
# combining marks, and what for_terminal must neutralise
PIECES = ["预算", "绩效评价", "，", "。", "（", "）", "：", "「", "」", "　", " ", "  ", "a", "word",
          "averyveryverylongwordwithoutanyspaceatallthatexceedsthewidth", "2024", "%", "→", "≥", "—", "…",
          "😀", "👍🏽", "👨\u200d👩\u200d👧", "☀\ufe0f", "e\u0301", "\u0301", "\x1b[31m", "\t", "\r\n", "\n", "\u202e",
          "[bold]x[/]", "\u3000", "ｱ", "한글", "Ω", "\x00", "\u200b", "①"]
RARE = {"\t", "😀", "👍🏽", "👨\u200d👩\u200d👧", "☀\ufe0f", "\u200b", "\x00"}  # a tab or unknown widths: may refuse
texts = st.lists(st.one_of(*[st.sampled_from([p for p in PIECES if p not in RARE])] * 3, st.sampled_from(PIECES)),
                 max_size=12).map("".join)
numbers = st.sampled_from(["0.00", "1.50", "3.00", "10.00", "96.67", "100"])


@st.composite
def documents_made(draw):
    def node(depth):
        out = {"name": draw(texts), "weight": draw(numbers)}
        status = draw(st.sampled_from(["ok", "ok", "partial", "not_applicable", "error"]))
        out["status"] = status
        out["score"] = None if status in ("not_applicable", "error") else draw(numbers)
        if draw(st.booleans()):
            out["rate"] = draw(st.sampled_from(["50.00%", "100.00%"]))
        if depth < 3 and draw(st.booleans()):
            out["children"] = [node(depth + 1) for _ in range(draw(st.integers(1, 3)))]
        else:
            kinds = ["deduction", "cap", "not_applicable", "error", "band", "judgement", "fact", "rounding", "part"]
            out["trace"] = [{"id": i + 1, "kind": draw(st.sampled_from(kinds)), "text": draw(texts),
                             **({"at": draw(texts)} if draw(st.booleans()) else {})}
                            for i in range(draw(st.integers(0, 3)))]
            if status == "error":
                out["errors"] = [{"code": "E001", "message": draw(texts), "file": draw(texts), "line": 3}]
        return out
    doc = node(0)
    doc["grade"] = draw(st.one_of(st.none(), texts))
    doc["grade_trace"] = [{"kind": "veto", "text": draw(texts)}] if draw(st.booleans()) else []
    doc["warnings"] = [{"code": "F020", "message": draw(texts)}] if draw(st.booleans()) else []
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents_made(), width=st.sampled_from(WIDTHS + (24, 33)), mode=st.sampled_from(list(MODES)),
       full=st.booleans())
def test_generated_documents_are_written_as_rich_writes_them_or_refused(doc, width, mode, full):
    if not _same(doc, width, mode, full=full, must=False):  # refused: only for a tab or a width not in the table
        assert _refusable(doc, full)


def _refusable(doc: dict, full: bool) -> bool:
    """Whether the document's text holds a tab or a character whose width the lean writer's table lacks."""
    labels = list(closing_lines(doc))
    stack = [result_tree(doc, full=full, show_at=full)]
    while stack:
        node = stack.pop()
        labels.append(node.label)
        stack.extend(node.children)
    for text in (part for label in labels for part, _ in label.parts):
        if "\t" in text:
            return True
        try:
            lean.cell_len(text.replace("\n", ""))
        except lean.Refused:
            return True
    return False


@settings(max_examples=80, deadline=None)
@given(text=st.lists(st.sampled_from([p for p in PIECES if p not in RARE]), max_size=30).map("".join),
       width=st.sampled_from(WIDTHS + (24, 33)))
def test_text_of_known_widths_is_never_refused(documents, text, width):
    """CJK, Latin, full-width punctuation, combining accents and neutralised controls: always the lean writer."""
    doc = _hostile_doc(documents, text)
    for mode in ("pipe", "colour"):
        assert _same(doc, width, mode, full=True)


def test_the_width_table_agrees_with_rich_s_for_every_character_it_holds():
    from rich.cells import get_character_cell_size
    for first, last, _ in lean._WIDTHS:
        for code in range(first, last + 1):
            assert lean.cell_len(chr(code)) == get_character_cell_size(chr(code)), hex(code)
    for char in ("😀", "\u200d", "\ufe0f", "\U0001f3fd", "\u0e01"):  # emoji, joiner, selector, modifier, Thai
        with pytest.raises(lean.Refused):
            lean.cell_len(char)


def test_refused_corners_fall_back(documents):
    tab = _hostile_doc(documents, "名称\t说明")
    assert _lean(tab, 1000, "pipe") is None  # rich expands tabs
    emoji = _hostile_doc(documents, "😀" * 30)
    assert _lean(emoji, 40, "colour") is None  # widths of unknown characters matter when a line wraps
    assert _lean(emoji, 1000, "pipe") == _rich(emoji, 1000, "pipe")  # … and not when nothing can wrap or crop
    assert _lean(documents["seed"], 4, "colour") is None  # labels deep in the tree would have less than 2 columns


# --------------------------------------------------------------------------------- what eval's console would be

@pytest.mark.parametrize("env,tty,expect", [
    ({}, False, (1000, False, None)),
    ({"NO_COLOR": "1"}, False, (1000, False, None)),
    ({"COLUMNS": "57"}, True, (57, True, "colour")),
    ({"COLUMNS": "120", "NO_COLOR": ""}, True, (120, True, "attributes")),
    ({"COLUMNS": "33", "TERM": "xterm-256color", "COLORTERM": "truecolor"}, True, (33, True, "colour")),
])
def test_the_profile_is_the_console_eval_would_make(documents, monkeypatch, env, tty, expect):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = _Stream(tty=tty)
    monkeypatch.setattr(sys, "stdout", stream)
    profile = lean.profile_for(stream)
    assert (profile.width, profile.wrap, profile.sgr) == expect
    console = new_console()
    assert console.width == profile.width and console.soft_wrap == (not profile.wrap)
    print_result(documents["partial"], console, full=True)
    assert lean.write_result(result_tree(documents["partial"], full=True, show_at=True),
                             closing_lines(documents["partial"]), profile) == stream.getvalue()


@pytest.mark.parametrize("env,tty", [
    ({"FORCE_COLOR": "1"}, False), ({"TTY_COMPATIBLE": "1"}, False), ({"UNICODE_VERSION": "9.0"}, True),
    ({"TERM": "dumb"}, True), ({"TERM": "unknown"}, True), ({"COLUMNS": "١٢٠"}, True)])
def test_settings_rich_follows_and_this_writer_does_not_mean_rich(monkeypatch, env, tty):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert lean.profile_for(_Stream(tty=tty)) is None


def test_a_file_given_with_o_is_wrapped_at_1000_without_codes_and_a_terminal_given_so_means_rich(monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")  # eval's console for -o has its width and no colour whatever the terminal
    profile = lean.profile_for(_Stream(), to_file=True)
    assert (profile.width, profile.wrap, profile.sgr) == (1000, True, None)
    assert lean.profile_for(_Stream(tty=True), to_file=True) is None  # -o /dev/tty: rich would write bold there


def test_a_windows_console_means_rich(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("COLUMNS", "80")
    assert lean.profile_for(_Stream(tty=True)) is None
    assert lean.profile_for(_Stream(tty=False)).width == 1000  # redirected: rich writes plain text there too
    monkeypatch.setenv("LINES", "30")
    assert lean.profile_for(_Stream(tty=False)) is None  # a legacy console would take a column off


def test_eval_of_one_fact_set_imports_no_rich(tmp_path):
    code = ("import contextlib, io, sys, perfdsl.cli\nout = io.StringIO()\nwith contextlib.redirect_stdout(out):\n"
            "    assert perfdsl.cli.main(['eval', 'rules/', 'examples/heping-2024/facts.json']) == 0\n"
            "assert 'rich' not in sys.modules, sorted(m for m in sys.modules if m.startswith('rich'))\n"
            "assert out.getvalue().endswith('总分 96.67 / 100  等级 优\\n')\n")
    for _ in range(2):  # cold (rules checked and cached), then warm
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "PERFDSL_CACHE_DIR": str(tmp_path)})


def _in_terminal(code: str, columns: int, env: dict) -> bytes:
    """What a process writes to a pseudo-terminal ``columns`` wide (stdin, stdout and stderr all on it)."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdin=slave, stdout=slave, stderr=slave,
                            env={k: v for k, v in {**os.environ, "PYTHONPATH": str(ROOT), **env}.items()
                                 if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE")})
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait() == 0
    return b"".join(chunks)


@pytest.mark.parametrize("columns", [40, 97])
@pytest.mark.parametrize("args", [[], ["--full"], ["--only", "扣分"]])
def test_eval_in_a_real_terminal_writes_what_rich_writes(tmp_path, columns, args):
    """The whole command in a pseudo-terminal (its width asked of the terminal, colours on) against rich's
    ``print_result`` on ``new_console()`` in the same terminal, for the same document."""
    env = {"PERFDSL_CACHE_DIR": str(tmp_path), "TERM": "xterm-256color"}
    command = ["eval", "rules/", "examples/heping-2024/facts.json", *args]
    lean_out = _in_terminal(f"import sys, perfdsl.cli\nrc = perfdsl.cli.main({command!r})\n"
                            "assert 'rich' not in sys.modules\nsys.exit(rc)", columns, env)
    as_json = command[:3] + ["--format", "json"]
    reference = ("import contextlib, io, json, perfdsl.cli\nfrom perfdsl.cli.commands.base import TRACE_FILTERS, "
                 "TRACE_FILTER_NAMES\nfrom perfdsl.cli.console import new_console\n"
                 "from perfdsl.render.terminal import print_result\nout = io.StringIO()\n"
                 f"with contextlib.redirect_stdout(out):\n    perfdsl.cli.main({as_json!r})\n"
                 f"args = {args!r}\nonly = TRACE_FILTERS[TRACE_FILTER_NAMES[args[1]][0]] if args[:1] == ['--only'] "
                 "else None\ndoc = json.loads(out.getvalue())\n"
                 "print_result(doc, new_console(), full='--full' in args, only=only)\n")
    rich_out = _in_terminal(reference, columns, env)
    assert b"\x1b[1;32m96.67\x1b[0m" in rich_out and "总分".encode() in rich_out
    assert lean_out == rich_out
