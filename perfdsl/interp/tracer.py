"""What the interpreter tells its observers, through one interface (as OPA's tracer does).

The interpreter calls a ``Tracer`` at every place a step or a coverage point can arise and
never tests whether anyone listens: ``Tracer`` itself ignores everything.  ``StepTracer``
keeps the steps of one indicator (flat, each with its parent's id, in the order they
happened; the explanation tree is built from them afterwards).  ``CoverageTracer`` keeps
which bands, deductions, caps… ran, for ``perfdsl test``.  ``Tee`` tells several at once.

Sentences are made only by a tracer that keeps them: a step arrives as a function of its words
(``sentences``, ``wording``, a construct's) and its arguments, called only by ``StepTracer``; a
``Substituted(expr)`` as the last argument stands for the formula written with the values it used,
which that tracer knows (filled from the plan's ``FormulaText``, as a compact step's is).
"""

from __future__ import annotations

from typing import Callable, Optional

import attrs

from perfdsl.interp import wording
from perfdsl.interp.step_kinds import STEP_KINDS
from perfdsl.interp.steps import step_json
from perfdsl.ruleset.coverage_kinds import COVERAGE_KINDS
from perfdsl.syntax.ast import Span

Render = Callable[..., tuple]  # (*values) -> (text, fields): a function of ``sentences`` or ``wording``


@attrs.frozen
class Substituted:
    """In a step's arguments: the formula ``expr`` with the values it used (filled in by ``StepTracer``)."""

    expr: object


@attrs.define(slots=True)
class Step:
    id: int
    parent: Optional[int]
    kind: str
    text: str
    span: Optional[Span]
    data: dict

    to_json = step_json  # the one writer of a step's object, shared with compact steps read back


def point(kind: str, span: Span) -> tuple:
    """A coverage point: what ran, and where its rule is."""
    return (kind, span.file, span.line, span.column)


class Tracer:
    """The interface, listening to nothing: what the interpreter runs with when no one asks."""

    def step(self, kind: str, span: Optional[Span], render: Render, *args) -> None:
        """A finished step: its words are ``render(*args)``."""

    def open(self, kind: str, span: Optional[Span]) -> Optional[Step]:
        """A step whose words come once what it encloses has run (``close``)."""
        return None

    def close(self, step: Optional[Step], render: Optional[Render], *args) -> None:
        """The end of an ``open`` step, with its words (``render`` None: what it enclosed failed; no words)."""

    def fact(self, path: str, span: Span, value, percent: bool, rates: frozenset = frozenset()) -> None:
        """A fact read (recorded once per indicator); ``rates``: the paths declared 比率, for a record's fields."""

    def seen(self, node, value) -> None:
        """A value a formula used: a path's value or a conditional's branch."""

    def describe(self, expr) -> str:
        """The formula with the values it used."""
        return ""

    def hit(self, kind: str, span: Span) -> None:
        """A coverage point reached: a band arm, a deduction, a cap…"""


NO_TRACER = Tracer()


class StepTracer(Tracer):
    """The steps of one indicator, with their sentences."""

    __slots__ = ("steps", "_stack", "_facts_seen", "_values", "_formula")

    def __init__(self, formula: Callable) -> None:
        """``formula``: expr → (its slot nodes, its ``FormulaText``), the plan's (``Plan.formula``), so a formula
        with its values is filled as a compact step's is."""
        self.steps: list[Step] = []
        self._stack: list[int] = []
        self._facts_seen: set[str] = set()
        self._values: dict = {}
        self._formula = formula

    def _add(self, kind: str, span: Optional[Span], text: str, data: dict) -> Step:
        assert kind in STEP_KINDS, kind
        step = Step(len(self.steps) + 1, self._stack[-1] if self._stack else None, kind, text, span, data)
        self.steps.append(step)
        return step

    def _words(self, render: Render, args: tuple) -> tuple:
        if args and type(args[-1]) is Substituted:
            return render(*args[:-1], self.describe(args[-1].expr))
        return render(*args)

    def step(self, kind: str, span: Optional[Span], render: Render, *args) -> None:
        if args and type(args[-1]) is Substituted:
            text, data = render(*args[:-1], self.describe(args[-1].expr))
        else:
            text, data = render(*args)
        assert kind in STEP_KINDS, kind
        steps = self.steps
        steps.append(Step(len(steps) + 1, self._stack[-1] if self._stack else None, kind, text, span, data))

    def open(self, kind: str, span: Optional[Span]) -> Optional[Step]:
        step = self._add(kind, span, "", {})
        self._stack.append(step.id)
        return step

    def close(self, step: Optional[Step], render: Optional[Render], *args) -> None:
        self._stack.pop()
        if step is not None and render is not None:
            step.text, step.data = self._words(render, args)

    def fact(self, path: str, span: Span, value, percent: bool, rates: frozenset = frozenset()) -> None:
        if path in self._facts_seen:
            return
        self._facts_seen.add(path)
        text, data = wording.fact(path, value, percent, rates)
        steps = self.steps
        steps.append(Step(len(steps) + 1, self._stack[-1] if self._stack else None, "fact", text, span, data))

    def seen(self, node, value) -> None:
        self._values[id(node)] = value

    def describe(self, expr) -> str:
        nodes, text = self._formula(expr)
        seen = self._values
        return text([seen.get(id(n)) for n in nodes])


class CoverageTracer(Tracer):
    """Which places of the rules ran: domain coverage for ``perfdsl test``."""

    def __init__(self, hits: set) -> None:
        self.hits = hits

    def hit(self, kind: str, span: Span) -> None:
        assert kind.partition(":")[0] in COVERAGE_KINDS, kind
        self.hits.add(point(kind, span))


class Tee(Tracer):
    """Several tracers told the same."""

    def __init__(self, *tracers: Tracer) -> None:
        self.tracers = tracers

    def step(self, kind: str, span: Optional[Span], render: Render, *args) -> None:
        for t in self.tracers:
            t.step(kind, span, render, *args)

    def open(self, kind: str, span: Optional[Span]) -> Optional[Step]:
        opened = [t.open(kind, span) for t in self.tracers]
        return next((s for s in opened if s is not None), None)

    def close(self, step: Optional[Step], render: Optional[Render], *args) -> None:
        for t in self.tracers:
            t.close(step if isinstance(t, StepTracer) else None, render, *args)

    def fact(self, path: str, span: Span, value, percent: bool, rates: frozenset = frozenset()) -> None:
        for t in self.tracers:
            t.fact(path, span, value, percent, rates)

    def seen(self, node, value) -> None:
        for t in self.tracers:
            t.seen(node, value)

    def describe(self, expr) -> str:
        return next((t.describe(expr) for t in self.tracers if isinstance(t, StepTracer)), "")

    def hit(self, kind: str, span: Span) -> None:
        for t in self.tracers:
            t.hit(kind, span)


def combined(*tracers: Optional[Tracer]) -> Tracer:
    """The tracers given (None: absent) as one."""
    present = [t for t in tracers if t is not None]
    if not present:
        return NO_TRACER
    return present[0] if len(present) == 1 else Tee(*present)
