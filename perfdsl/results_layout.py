"""How a batch's documents sit in a results file, for those who write it (``eval``, ``expand``) and read it back
(``expand``, ``diff``, the facts reader that skips results).

A batch written to a file named ``.json`` is one JSON array, since whoever opens a ``.json`` file (a viewer,
Excel's Power Query, ``json.load``) expects one JSON value; anywhere else (``.jsonl``, the screen, a pipe) it is
JSON lines.  The array keeps a line per document, each line exactly the ``.jsonl`` line less its line break,
followed by a comma but the last::

    [
    {"line": 1, "perfdsl": …},
    {"line": 2, "perfdsl": …}
    ]

so it is written as it is scored (memory stays flat) and read back line by line as JSON lines are; an empty batch
is ``[]``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from typing import Callable, Optional

ARRAY_SUFFIX = ".json"


def writes_array(output: Optional[str]) -> bool:
    """A batch written to ``output`` is one JSON array: a file named ``.json``."""
    return output is not None and output.lower().endswith(ARRAY_SUFFIX)


class ArrayWriter:
    """Writes documents' JSON texts (each without its line break) as the elements of one array, a line each.

    ``write`` takes bytes when ``binary`` (a batch file's bytes writer), text otherwise.  ``close`` ends the array:
    called only once the batch is done, so that an interrupted one leaves no file (``AtomicOutput``) rather than an
    array without its end.
    """

    __slots__ = ("write", "between", "opening", "empty", "ending")

    def __init__(self, write: Callable[..., object], binary: bool):
        self.write = write
        marks = (",\n", "[\n", "[]\n", "\n]\n")
        self.between: str | bytes
        self.opening: str | bytes
        self.empty: str | bytes
        self.ending: str | bytes
        self.between, self.opening, self.empty, self.ending = (
            tuple(m.encode() for m in marks) if binary else marks)

    def element(self, text: str | bytes) -> None:
        self.write(self.opening)
        self.opening = self.between
        self.write(text)

    def close(self) -> None:
        self.write(self.ending if self.opening is self.between else self.empty)


def opens_array(first_line: str) -> bool:
    """The first line of a results file says it is the array (BOM and spaces aside), not JSON lines."""
    return first_line.strip().lstrip("\ufeff").strip() in ("[", "[]")


def element_text(line: str) -> Optional[str]:
    """A line of the array after its first: the document's text, its comma gone (parsed as a JSON line would be), or
    None for the line that closes the array (or a blank one)."""
    stripped = line.strip()
    if stripped in ("]", ""):
        return None
    return stripped[:-1] if stripped.endswith(",") else line
