"""What a kind of statement must say about itself, pass by pass.

Each construct module holds one kind of indicator statement's whole meaning: how ``fmt``
writes it, what ``check`` requires of it, which places ``perfdsl test`` counts, the sites
where it records steps and their words, how the interpreter scores it and the code the
generator writes for it.  The passes stay where the pipeline puts them (``syntax``,
``ruleset``, ``plan``, ``interp``, ``codegen``) and call the construct for the part that is
its own, so a new statement is a new module here plus its syntax.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, ClassVar

if TYPE_CHECKING:
    from perfdsl.codegen.generator import Generator, Scope
    from perfdsl.interp.evaluator import Env, Evaluator
    from perfdsl.interp.tracer import Tracer
    from perfdsl.plan import SiteWalk
    from perfdsl.ruleset.check.names import NameChecker
    from perfdsl.ruleset.check.names import Scope as CheckScope
    from perfdsl.syntax.formatter import Formatter


def with_reason(f: Formatter, text: str, reason: str | None, indent: str) -> str:
    """A statement's trailing ``理由 "…"``: on its line if it fits, else on the next, indented."""
    if reason is None:
        return text
    from perfdsl.syntax.formatter import INDENT, WIDTH, cell_len, quote
    tail = f"{f.kw('KW_REASON')} {quote(reason)}"
    return text + (("\n" + INDENT + tail) if cell_len(indent + text + tail) >= WIDTH else " " + tail)


class Deduction:
    """A statement that takes points off an indicator's base (扣, 逐项扣 …): the deduction phase.

    ``interpret`` and ``generate`` give the amount deducted, capped as the statement says; the
    indicator then floors, caps and rounds the total (``interp.scoring``, ``codegen.generator``).
    """

    node: ClassVar[type]  # its AST class

    def format(self, f: Formatter, s: Any, indent: str) -> str:
        """The statement as ``fmt`` writes it, in the formatter's keyword language."""
        raise NotImplementedError

    def check(self, c: NameChecker, scope: CheckScope, s: Any) -> None:
        """Names and types: report what is wrong through ``c``."""
        raise NotImplementedError

    def expressions(self, s: Any) -> list:
        """The expressions whose values the band checks follow."""
        raise NotImplementedError

    def coverage(self, s: Any, owner: str, add: Callable, expr: Callable) -> None:
        """The places ``perfdsl test`` counts: ``add(kind, span, what)``; ``expr(e, owner)`` for sub-expressions."""
        raise NotImplementedError

    def sites(self, walk: SiteWalk, s: Any) -> None:
        """Number its sites with ``walk.add`` and walk its expressions with ``walk.expr``."""
        raise NotImplementedError

    def interpret(self, ev: Evaluator, env: Env, tr: Tracer, s: Any) -> Decimal:
        """The amount it deducts, told to ``tr`` step by step."""
        raise NotImplementedError

    def generate(self, g: Generator, s: Any, sc: Scope) -> None:
        """Code that adds the amount it deducts to ``ded``, recording through ``g``'s hooks."""
        raise NotImplementedError
