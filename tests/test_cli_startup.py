"""What a command's start-up loads: ``perfdsl --help`` none of the heavy modules, a warm ``eval`` no parser, and each
of them no more modules than were counted.

Counted in ``sys.modules`` of a fresh process, never timed (docs/performance.md has the times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("attr", "attrs", "lark", "rich", "openpyxl", "decimal", "tempfile", "typing", "json", "shutil", "hashlib",
         "perfdsl.diagnostics", "perfdsl.engine", "perfdsl.syntax", "perfdsl.codegen", "perfdsl.interp",
         "perfdsl.ruleset", "perfdsl.plan", "perfdsl.explain", "perfdsl.render", "perfdsl.workbook", "perfdsl.serve",
         "perfdsl.cluster", "yaml", "docx", "starlette", "dask", "distributed")
# what scoring one fact set from cached rules never needs: the parser, the check passes, the code generator, Dask
NOT_WARM = ("lark", "perfdsl.syntax.builder", "perfdsl.syntax.parser", "perfdsl.ruleset.check.names",
            "perfdsl.ruleset.check.bands", "perfdsl.ruleset.check.depth", "perfdsl.codegen.generator", "dask",
            "distributed", "perfdsl.cluster")
# what a warm eval or check never needs: writing a cache entry or a file (tempfile), HTML (html.entities), OpenSSL
# for hashing a few rule files (perfdsl.digest), shutil with its compression modules for the terminal's width
NOT_AT_START = ("tempfile", "html", "_hashlib", "shutil", "zlib", "lzma", "bz2")
# the modules a start loads besides the interpreter's own, counted on 2026-12-01 (help 52, a warm eval of one fact
# set to a file 213, a warm check 132; branch latency2: 32, 195 and 114, without shutil, its three compression modules
# and fnmatch, nor hashlib and OpenSSL's _hashlib and _blake2, with perfdsl.digest and _sha256, and without the command
# modules not named; branch leantree: eval 149, its text written without rich's 43 modules; session 10: eval 104, the
# warm road without attrs and the syntax tree) with a little room: a jump past these is a start-up regression to look at
MOST_MODULES = {"help": 36, "eval": 110, "check": 122}
EVAL = ["eval", "rules/", "examples/heping-2024/facts.json"]


def _loaded(code: str, env: dict | None = None) -> set[str]:
    """The modules loaded after running ``code`` in a fresh process (counted before this function's json)."""
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\n_loaded = sorted(sys.modules)\nimport json\n"
                          "print(json.dumps(_loaded))"],
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
                         capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    """The heavy modules perfdsl loaded: those the interpreter loads by itself at start-up (a site's .pth file
    may import tempfile, say) are not perfdsl's doing."""
    modules = modules - _loaded("pass")
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_the_command_table_and_help_load_nothing_heavy():
    modules = _loaded("import perfdsl.cli\nperfdsl.cli.build_parser().format_help()\n"
                      "[p.format_help() for p in perfdsl.cli.build_parser()._subparsers._group_actions[0]"
                      ".choices.values()]")
    assert _heavy(modules) == []


def test_help_through_the_command_s_own_entry_loads_nothing_heavy():
    # what `perfdsl --help` and `python -m perfdsl --help` run: ``entry`` marks the process as one that ends with
    # its command (``ruleset.gcpause``: stdlib only, so not heavy), then ``main``
    modules = _loaded("import contextlib, io, sys, perfdsl.cli\nsys.argv = ['perfdsl', '--help']\n"
                      "with contextlib.redirect_stdout(io.StringIO()):\n"
                      "    try:\n        perfdsl.cli.entry()\n    except SystemExit:\n        pass\n")
    assert "perfdsl.ruleset.gcpause" in modules
    assert _heavy(modules - {"perfdsl.ruleset", "perfdsl.ruleset.gcpause"}) == []


def test_help_itself_loads_nothing_heavy():
    modules = _loaded("import contextlib, io, perfdsl.cli\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                      "    try:\n        perfdsl.cli.main(['--help'])\n    except SystemExit:\n        pass\n")
    assert "perfdsl.cli" in modules and _heavy(modules) == []


def _run(command: list[str]) -> str:
    return ("import contextlib, io, perfdsl.cli\nwith contextlib.redirect_stdout(io.StringIO()), "
            f"contextlib.redirect_stderr(io.StringIO()):\n    assert perfdsl.cli.main({command!r}) == 0\n")


def _warm(command: list[str], tmp_path) -> set[str]:
    env = {"PERFDSL_CACHE_DIR": str(tmp_path)}
    _loaded(_run(["eval", "rules/", "examples/heping-2024/facts.json"]), env)  # fills the cache (check does not)
    return _loaded(_run(command), env)


def test_a_warm_eval_does_not_load_the_parser_the_checker_or_the_code_generator(tmp_path):
    modules = _warm(["eval", "rules/", "examples/heping-2024/facts.json"], tmp_path)
    # the warm road (perfdsl.warm): no engine, attrs or syntax tree; its text off a terminal: render/lean_terminal
    assert "perfdsl.warm" in modules and "rich" not in modules
    assert [m for m in ("perfdsl.engine", "attrs", "perfdsl.syntax.ast", "perfdsl.diagnostics") if m in modules] == []
    assert [m for m in modules if any(m == h or m.startswith(h + ".") for h in NOT_WARM)] == []
    # nor another command's module (``cli.COMMANDS`` imports a command's module when it is named)
    assert sorted(m for m in modules if m.startswith("perfdsl.cli.commands.")) == [
        "perfdsl.cli.commands.base", "perfdsl.cli.commands.eval"]


def test_the_command_table_names_every_command_module():
    from perfdsl.cli import COMMAND_HELP, COMMANDS
    modules = {p.stem for p in (ROOT / "perfdsl" / "cli" / "commands").glob("*.py")} - {"__init__", "base"}
    assert {name.replace("-", "_") for name in COMMANDS} == modules
    assert [COMMANDS[name].NAME for name in COMMANDS] == list(COMMANDS) == list(COMMAND_HELP)
    assert "evl" not in COMMANDS and COMMANDS.get("evl") is None and len(COMMANDS) == len(modules)


def test_help_imports_no_command_module():
    """``perfdsl --help`` lists each command by its line in ``COMMAND_HELP``; a command's module is imported when
    the command line names it."""
    modules = _loaded("import contextlib, io, perfdsl.cli\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                      "    try:\n        perfdsl.cli.main(['--help'])\n    except SystemExit:\n        pass\n")
    assert sorted(m for m in modules if m.startswith("perfdsl.cli.commands.")) == ["perfdsl.cli.commands.base"]


def test_check_reads_the_cache_eval_filled_and_loads_no_parser_or_check_pass(tmp_path):
    assert "perfdsl.syntax.parser" in _loaded(_run(["check", "rules/"]), {"PERFDSL_CACHE_DIR": str(tmp_path)})
    assert not list(tmp_path.glob("*.pickle"))  # check does not fill the cache: it runs on rules just edited
    modules = _warm(["check", "rules/"], tmp_path)
    assert "perfdsl.ruleset.cache" in modules
    assert [m for m in modules if any(m == h or m.startswith(h + ".") for h in NOT_WARM)] == []


def test_a_check_with_nothing_to_report_off_a_terminal_loads_no_rich(tmp_path):
    """The summary line is written as rich writes it to a pipe; rich is for diagnostics and terminals."""
    assert "rich" not in _loaded(_run(["check", "rules/"]), {"PERFDSL_CACHE_DIR": str(tmp_path)})
    assert "rich" not in _warm(["check", "rules/"], tmp_path)


def _counted(modules: set[str], what: str) -> None:
    ours = modules - _loaded("pass")
    assert len(ours) <= MOST_MODULES[what], f"{what} loads {len(ours)} modules: {sorted(ours)}"


def test_each_start_loads_no_more_modules_than_counted(tmp_path):
    _counted(_loaded("import contextlib, io, perfdsl.cli\nwith contextlib.redirect_stdout(io.StringIO()):\n"
                     "    try:\n        perfdsl.cli.main(['--help'])\n    except SystemExit:\n        pass\n"), "help")
    for what, command in (("eval", EVAL), ("check", ["check", "rules/"])):
        modules = _warm(command, tmp_path)
        _counted(modules, what)
        # a site's .pth file may import tempfile before perfdsl runs (this machine's does): only ours count
        assert [m for m in NOT_AT_START if m in modules - _loaded("pass")] == []


def test_the_patterns_of_wide_unicode_classes_are_not_compiled_by_a_warm_eval(tmp_path):
    """Each cost 4–10 ms to compile; a GBK file, Markdown or help text compiles its own when it comes."""
    env = {"PERFDSL_CACHE_DIR": str(tmp_path)}
    _loaded(_run(EVAL), env)
    _loaded(_run(EVAL) + "from perfdsl.cli.inputs import _cjk_text\nfrom perfdsl.render.escape import _markdown\n"
                         "assert _cjk_text.cache_info().currsize == _markdown.cache_info().currsize == 0\n", env)


def test_the_patterns_a_single_eval_does_not_use_are_not_compiled(tmp_path):
    """Each cost 0.05–0.3 ms to compile at every start: a text with \\u escapes, a message made one line, a batch's
    keys counted, evidence, dates and percent texts compile theirs when they come."""
    env = {"PERFDSL_CACHE_DIR": str(tmp_path)}
    _loaded(_run(EVAL), env)
    _loaded(_run(EVAL) + "from perfdsl.cli.inputs import _surrogate_escape\nfrom perfdsl.cli.scoring import _control\n"
                         "from perfdsl.ruleset.facts_json import _key_token\n"
                         "from perfdsl.interp.dates import _CHINESE, _ISO, _NEAR\n"
                         "from perfdsl.ruleset.evidence import _index, _mentioned, _token\n"
                         "from perfdsl.ruleset.rates import _percent\n"
                         "assert not any(f.cache_info().currsize for f in (_surrogate_escape, _control, _key_token, "
                         "_ISO, _CHINESE, _NEAR, _index, _mentioned, _token, _percent))\n", env)
