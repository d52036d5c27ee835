"""A trace step as data: the plan's ``Site`` and the step's JSON object, without the syntax tree.

A site is what a compact step needs to become the step the interpreter writes: its kind, where its rule is
(``Place``: the file and line a step's ``at`` names), and ``render``, a module-level function of ``wording`` bound
to plain values with ``functools.partial``.  So sites pickle as plain data and are read back without the parser,
the AST or attrs.  Keep this module so: the standard library only.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Callable, Optional



class Place:
    """Where a step's rule is: what a step says of its span."""

    __slots__ = ("file", "line")

    def __init__(self, file: str, line: int) -> None:
        self.file, self.line = file, line

    def __reduce__(self) -> tuple:
        return Place, (self.file, self.line)

    def __eq__(self, other) -> bool:
        return type(other) is Place and (self.file, self.line) == (other.file, other.line)

    def __hash__(self) -> int:
        return hash((self.file, self.line))

    def __repr__(self) -> str:
        return f"Place({self.file!r}, {self.line})"


class Site:
    """A place in the rules that records a step, and how its values become the step's words.

    (Plain classes here, not ``typing.NamedTuple``: each of those costs a start ~0.2 ms to define.)"""

    __slots__ = ("kind", "span", "render")

    def __init__(self, kind: Optional[str], span: Optional[Place], render: Callable) -> None:
        self.kind = kind  # None: the kind depends on the values (a deduction of 0 is a check)
        self.span = span
        self.render = render  # (*values) -> (text, fields) or, when kind is None, (kind, text, fields)

    def __reduce__(self) -> tuple:
        return Site, (self.kind, self.span, self.render)

    def __repr__(self) -> str:
        return f"Site({self.kind!r}, {self.span!r}, {self.render!r})"


class Expanded:
    """A compact step read back through its site: the fields ``step_json`` writes, as an interpreter step has."""

    __slots__ = ("id", "parent", "kind", "text", "span", "data")

    def __init__(self, number: int, parent: Optional[int], kind: str, text: str, span: Optional[Place],
                 data: dict) -> None:
        self.id, self.parent, self.kind, self.text, self.span, self.data = number, parent, kind, text, span, data


def place_of(span) -> Optional[Place]:
    """A span's file and line (``span``: anything with ``file`` and ``line``, or None)."""
    return None if span is None else Place(span.file, span.line)


def step_json(step) -> dict:
    """A step's JSON object, its keys in the order the explanation's bytes hold them: the one place it is made, for
    the interpreter's ``Step`` (its ``to_json``) and an ``Expanded`` compact step alike."""
    out = {"id": step.id, "kind": step.kind, "text": step.text}
    if step.parent is not None:
        out["parent"] = step.parent
    span = step.span
    if span is not None:
        out["at"] = f"{span.file}:{span.line}"
    out.update(step.data)
    return out
