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


def report_warnings(doc: object, sources: Mapping[str, SourceFile]) -> None:
    """The warnings a fact set's document carries (F020: a key the rules do not declare, with the name it may have
    meant), placed in the facts file as in its JSON: on the screen too, where they were only in the JSON."""
    if not isinstance(doc, dict) or not doc.get("warnings"):
        return
    from perfdsl.diagnostics import Diagnostic
    from perfdsl.syntax.ast import Span
    diags = [Diagnostic(w["code"], "warning", w["message"],
                        Span(w["file"], w["line"], w["column"], w["line"], w["column"]) if "file" in w else None,
                        w.get("fact")) for w in doc["warnings"]]
    report_diagnostics(diags, sources)
