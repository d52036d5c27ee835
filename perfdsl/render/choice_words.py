"""最小/最大 in the 指标分析结果: which value a ``min(…)``/``max(…)`` took, said so that the formula around it
reads as arithmetic an auditor can redo by hand: ``min(1, 100 ÷ 104) × 5`` →
「100 ÷ 104 低于 1，100 ÷ 104 × 5 = 4.81」, and ``min(1, 100 ÷ 90) × 5`` → 「100 ÷ 90 不低于 1，按 1 计，1 × 5 = 5」.

Which argument was taken is read from recorded values only, never computed again: the call's own step (its exact
``result``) against the arguments the substituted formula writes as plain numbers.  When the result equals such a
number, that one was taken (and the others are not below it, for 最小); otherwise the one argument that is not a
plain number was (and it is below every plain number).  Anything else (two computed arguments, a call or
parentheses inside the arguments, calls in a different number than steps) is left unsaid, as before.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Optional

from perfdsl.explain.words import COMPARED, tidy
from perfdsl.interp import step_kinds as S

CHOICES = {"min": "<", "max": ">"}  # each function's step, and the comparison the value it takes wins by
_NAMES = {"min": "min", "最小": "min", "max": "max", "最大": "max"}
_CALL = re.compile(r"(?<!\w)(min|max|最小|最大)\(([^()]*)\)")  # arguments without parentheses or calls
_PLAIN = re.compile(r"-?\d+(?:\.\d+)?%?")  # a number as the trace writes it exactly (≈ is not exact)
_ADDED = re.compile(r" [+−-] ")
_MULTIPLIED = re.compile(r" [×÷/] ")


def _exact(text: str) -> Optional[Decimal]:
    if not _PLAIN.fullmatch(text):
        return None
    try:
        return Decimal(text[:-1]) / 100 if text.endswith("%") else Decimal(text)
    except InvalidOperation:
        return None


def _taken(args: list[str], result: Decimal, op: str) -> Optional[tuple[str, str]]:
    """(the argument taken, the clause that says why), or None when the recorded values do not tell."""
    plain = [(a, _exact(a)) for a in args]
    for n, (arg, value) in enumerate(plain):
        if value is not None and value == result:
            others = args[:n] + args[n + 1:]
            if not others:
                return arg, ""
            return arg, f"{'、'.join(others)} {COMPARED[op, False]} {arg}，按 {arg} 计"
    computed = [a for a, v in plain if v is None]
    if len(computed) != 1:
        return None
    numbers = [a for a, v in plain if v is not None]
    return computed[0], f"{computed[0]} {COMPARED[op, True]} {'、'.join(numbers)}" if numbers else ""


def taken(substituted: str, kids: list[dict]) -> tuple[str, list[str]]:
    """``substituted`` with each min/max call replaced by the argument it took, and the clauses saying why;
    ``(substituted, [])`` unchanged when that cannot be told from the recorded steps."""
    steps = [k for k in kids if k["kind"] == S.BUILTIN and k.get("function") in CHOICES]
    calls = list(_CALL.finditer(substituted))
    if not steps or len(calls) != len(steps):
        return substituted, []
    out, said, last = [], [], 0
    for m, step in zip(calls, steps, strict=True):  # as many calls as steps: checked above
        fn = _NAMES[m.group(1)]
        if fn != step["function"]:
            return substituted, []
        try:
            result = Decimal(str(step.get("result")))
        except InvalidOperation:
            return substituted, []
        got = _taken([a.strip() for a in m.group(2).split(",")], result, CHOICES[fn])
        if got is None:
            return substituted, []
        arg, why = got
        before = substituted[last:m.start()]
        alone = not substituted[:m.start()].strip() and not substituted[m.end():].strip()  # the whole formula
        if not alone and (_ADDED.search(arg) or (_MULTIPLIED.search(arg) and before.rstrip().endswith(("÷", "/")))):
            arg = f"({arg})"
        out += [before, arg]
        if why:
            said.append(tidy(why.replace("≈", "")))
        last = m.end()
    return "".join(out) + substituted[last:], said
