"""The table of indicator statements whose meaning lives in one module each (see ``base``)."""

from __future__ import annotations

from typing import Any, Optional

from perfdsl.constructs.base import Deduction
from perfdsl.constructs.deduct import DEDUCT
from perfdsl.constructs.each_deduct import EACH_DEDUCT
from perfdsl.constructs.step_deduct import STEP_DEDUCT

# AST class -> its construct, in the order a reader meets them in the language reference
DEDUCTIONS: dict[type, Deduction] = {c.node: c for c in (DEDUCT, EACH_DEDUCT, STEP_DEDUCT)}


def deduction(s: Any) -> Optional[Deduction]:
    """The construct of a deduction-phase statement, or None for any other statement."""
    return DEDUCTIONS.get(type(s))


def deduction_of(s: Any) -> Deduction:
    """The construct of a statement the plan put in the deduction phase."""
    return DEDUCTIONS[type(s)]
