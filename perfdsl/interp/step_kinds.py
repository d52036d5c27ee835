"""Placeholder until the step-kind registry lands (see the registries branch)."""

STEP_KINDS = frozenset({
    "fact", "value", "builtin", "band", "match", "part", "formula", "deduction", "check", "cap", "floor",
    "not_applicable", "judgement", "requirement", "rounding", "score", "subtotal", "error", "grade", "veto",
    "renormalise", "penalty",
})
