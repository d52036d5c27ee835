"""The table of indicator statements whose meaning lives in one module each (see ``base``).

The table is filled on first use, not when this package is imported: each construct's words module
(``deduct_words``, …) is imported without the syntax tree, by sites read back in a lean process.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Any, Optional

    from perfdsl.constructs.base import Deduction

# AST class -> its construct, in the order a reader meets them in the language reference
DEDUCTIONS: dict[type, Deduction] = {}


def _table() -> dict[type, Deduction]:
    from perfdsl.constructs.deduct import DEDUCT
    from perfdsl.constructs.each_deduct import EACH_DEDUCT
    from perfdsl.constructs.step_deduct import STEP_DEDUCT
    # from a dict made first: one update, in one step under the GIL, so a thread of ``perfdsl serve`` never sees it
    # half filled
    DEDUCTIONS.update({c.node: c for c in (DEDUCT, EACH_DEDUCT, STEP_DEDUCT)})
    return DEDUCTIONS


def deduction(s: Any) -> Optional[Deduction]:
    """The construct of a deduction-phase statement, or None for any other statement."""
    return (DEDUCTIONS or _table()).get(type(s))


def deduction_of(s: Any) -> Deduction:
    """The construct of a statement the plan put in the deduction phase."""
    return (DEDUCTIONS or _table())[type(s)]
