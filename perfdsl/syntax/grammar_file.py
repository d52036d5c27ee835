"""Where the grammar file is: inside the installed package, or ../grammar/ in a source checkout."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def grammar_text() -> str:
    """The grammar ships inside the wheel; in a source checkout it is ../grammar/."""
    try:
        packaged = resources.files("perfdsl") / "grammar" / "perfdsl.lark"
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover
        pass
    return (Path(__file__).resolve().parents[2] / "grammar" / "perfdsl.lark").read_text(encoding="utf-8")
