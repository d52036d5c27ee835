"""Where people read: a rich console on stdout or stderr, and diagnostics rendered on stderr.

rich is imported only here and only when called, so that JSON output never pays for it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is for the type checker: imported at run time it costs `perfdsl --help` ~4 ms
if TYPE_CHECKING:
    from typing import Iterable, Mapping

    from rich.console import Console

    from perfdsl.diagnostics import Diagnostic
    from perfdsl.ruleset.loader import SourceFile


def new_console(stderr: bool = False) -> Console:
    from rich.console import Console  # rich is needed only for what people read, not for JSON
    stream = sys.stderr if stderr else sys.stdout
    tty = stream.isatty()
    return Console(file=stream, width=None if tty else 1000, no_color=not tty or "NO_COLOR" in os.environ,
                   highlight=False, soft_wrap=not tty)


def report_diagnostics(diags: Iterable[Diagnostic], sources: Mapping[str, SourceFile]) -> None:
    from perfdsl.render.diagnostics import render_text
    render_text(diags, sources, new_console(stderr=True))
