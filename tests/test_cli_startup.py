"""What a command's start-up loads: ``perfdsl --help`` none of the heavy modules, a warm ``eval`` no parser.

Counted in ``sys.modules`` of a fresh process, never timed (docs/performance.md has the times).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("attr", "attrs", "lark", "rich", "openpyxl", "decimal", "tempfile", "perfdsl.diagnostics",
         "perfdsl.engine", "perfdsl.syntax", "perfdsl.codegen", "perfdsl.interp", "perfdsl.ruleset")


def _loaded(code: str, env: dict | None = None) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"],
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


def test_a_warm_eval_does_not_load_the_parser_or_the_checker(tmp_path):
    env = {"PERFDSL_CACHE_DIR": str(tmp_path)}
    run = "import contextlib, io, perfdsl.cli\nwith contextlib.redirect_stdout(io.StringIO()):\n" \
          "    assert perfdsl.cli.main(['eval', 'rules/', 'examples/heping-2024/facts.json']) == 0\n"
    _loaded(run, env)  # fills the cache
    modules = _loaded(run, env)
    assert not [m for m in modules if m == "lark" or m.startswith("lark.")]
    assert "perfdsl.syntax.builder" not in modules and "perfdsl.syntax.parser" not in modules
