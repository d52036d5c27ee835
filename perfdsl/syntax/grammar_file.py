"""Where the grammar file is: inside the installed package, or ../grammar/ in a source checkout."""

from __future__ import annotations

from pathlib import Path


def grammar_text() -> str:
    """The grammar ships inside the wheel; in a source checkout it is ../grammar/.

    Both are plain files in the usual case, looked for first: importing ``importlib.resources`` costs
    more than parsing a small rule file, and is needed only for a package that is not on disk (a zip).
    """
    here = Path(__file__).resolve().parents[1]
    for path in (here / "grammar" / "perfdsl.lark", here.parent / "grammar" / "perfdsl.lark"):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    from importlib import resources  # pragma: no cover — a package that is not plain files
    return (resources.files("perfdsl") / "grammar" / "perfdsl.lark").read_text(encoding="utf-8")  # pragma: no cover
