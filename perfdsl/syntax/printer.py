"""Expressions back to source text — for ``fmt`` and for traces.

``substitute`` prints a formula with the values it was evaluated with in
place of its names, which is what an auditor checks by hand.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable, Optional

from perfdsl.interp import dates
from perfdsl.interp.numbers import bracketed, plain
from perfdsl.patterns import lazy
from perfdsl.syntax import ast as A
from perfdsl.syntax import template
from perfdsl.syntax.keywords import canonical

_OPS = {"+": "+", "-": "−", "*": "×", "/": "÷"}
_OPS_EN = {"+": "+", "-": "-", "*": "*", "/": "/"}
_CMP = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "=": "=", "!=": "≠"}
_CMP_EN = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "!=": "!="}

_PREC = {A.Conditional: 0, A.Logical: 1, A.Not: 3, A.Compare: 4, A.InInterval: 4, A.Negate: 7}


def _prec(e) -> int:
    if isinstance(e, A.Logical):
        return 1 if e.op == "or" else 2
    if isinstance(e, A.Binary):
        return 5 if e.op in "+-" else 6
    return _PREC.get(type(e), 8)


Lookup = Callable[[A.Path], Optional[str]]
Branch = Callable[[A.Conditional], Optional[bool]]


class Printer:
    def __init__(self, lang: str = "zh", lookup: Optional[Lookup] = None, branch: Optional[Branch] = None):
        self.lang = lang
        self.lookup = lookup
        self.branch = branch  # substitution mode: which way a condition went

    def kw(self, term: str) -> str:
        return canonical(term, self.lang)

    def expr(self, e: A.Expr, parent_prec: int = 0) -> str:
        text = self._expr(e)
        return f"({text})" if _prec(e) < parent_prec else text

    def operand(self, e: A.Expr, parent_prec: int) -> str:
        """An operand of arithmetic; a negative value put in for a name is bracketed, as on paper: 10 + (-0.5),
        not 10 + -0.5 (the sign of a number is ASCII ``-``, the operator of subtraction ``−``)."""
        text = self.expr(e, parent_prec)
        return bracketed(text) if self.lookup is not None and isinstance(e, A.Path) else text

    def _expr(self, e) -> str:
        k = self.kw
        if isinstance(e, A.Number):
            return e.text
        if isinstance(e, A.String):
            return quote(e.value)
        if isinstance(e, A.Boolean):
            return k("KW_TRUE") if e.value else k("KW_FALSE")
        if isinstance(e, A.Path):
            if self.lookup is not None:
                shown = self.lookup(e)
                if shown is not None:
                    return shown
            return e.dotted
        if isinstance(e, A.Call):
            name = e.function  # as written: both spellings of a function work in either language
            return f"{name}({', '.join(self.expr(a) for a in e.args)})"
        if isinstance(e, A.Binary):
            ops = _OPS if self.lang == "zh" else _OPS_EN
            p = _prec(e)
            return f"{self.operand(e.left, p)} {ops[e.op]} {self.operand(e.right, p + 1)}"
        if isinstance(e, A.Negate):
            return f"-{self.operand(e.operand, 8)}"
        if isinstance(e, A.Compare):
            ops = _CMP if self.lang == "zh" else _CMP_EN
            return f"{self.expr(e.left, 5)} {ops[e.op]} {self.expr(e.right, 5)}"
        if isinstance(e, A.InInterval):
            return f"{self.expr(e.value, 5)} ∈ {self.interval(e.interval)}"
        if isinstance(e, A.Logical):
            p = _prec(e)
            word = k("KW_AND") if e.op == "and" else k("KW_OR")
            return f"{self.expr(e.left, p)} {word} {self.expr(e.right, p + 1)}"
        if isinstance(e, A.Not):
            return f"{k('KW_NOT')} {self.expr(e.operand, 3)}"
        if isinstance(e, A.Conditional) and self.branch is not None:
            taken = self.branch(e)
            if taken is not None:
                chosen = e.then if taken else e.otherwise
                mark = "成立" if taken else "不成立"
                return f"〔{self.expr(e.condition, 1)} {mark}〕{self.expr(chosen, 0)}"
        if isinstance(e, A.Band) and self.lookup is not None:
            return f"{k('KW_BAND')} {self.expr(e.subject, 1)} {{…}}"
        if isinstance(e, A.Match) and self.lookup is not None:
            return f"{k('KW_MATCH')} {self.expr(e.subject, 1)} {{…}}"
        if isinstance(e, A.Conditional):
            return (f"{k('KW_IF')} {self.expr(e.condition, 1)} {k('KW_THEN')} {self.expr(e.then, 1)} "
                    f"{k('KW_ELSE')} {self.expr(e.otherwise, 0)}")
        if isinstance(e, A.Band):
            arms = "; ".join(f"{self.interval(a.interval)} → {self.expr(a.result)}" for a in e.arms)
            return f"{k('KW_BAND')} {self.expr(e.subject, 1)} {{ {arms} }}"
        if isinstance(e, A.Match):
            cases = "; ".join(f"{literal(c.key)} → {self.expr(c.result)}" for c in e.cases)
            return f"{k('KW_MATCH')} {self.expr(e.subject, 1)} {{ {cases} }}"
        if isinstance(e, A.DateLit):  # rare: last, so the common nodes take fewer isinstance tests
            return dates.chinese(e.value)
        if isinstance(e, A.Template):
            return quote("".join(template.escape(p) if isinstance(p, str) else "{" + p.dotted + "}"
                                 for p in e.parts))
        raise AssertionError(type(e))  # pragma: no cover

    def interval(self, iv: A.Interval) -> str:
        return interval_text(iv, self)


def interval_text(iv: A.Interval, printer: Optional[Printer] = None) -> str:
    p = printer or Printer()
    lo = p.expr(iv.low, 5) if iv.low is not None else None
    hi = p.expr(iv.high, 5) if iv.high is not None else None
    if lo is not None and hi is not None and iv.low == iv.high and iv.low_closed and iv.high_closed:
        return f"= {lo}"
    if hi is None and lo is not None:
        return f"{'≥' if iv.low_closed else '>'} {lo}" if p.lang == "zh" else f"{'>=' if iv.low_closed else '>'} {lo}"
    if lo is None and hi is not None:
        return f"{'≤' if iv.high_closed else '<'} {hi}" if p.lang == "zh" else f"{'<=' if iv.high_closed else '<'} {hi}"
    left = "[" if iv.low_closed else "("
    right = "]" if iv.high_closed else ")"
    return f"{left}{lo if lo is not None else '-∞'}, {hi if hi is not None else '∞'}{right}"


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def literal(key: str | Decimal) -> str:
    if isinstance(key, str):
        return key if _is_name(key) else quote(key)
    return plain(key)


def _is_name(s: str) -> bool:
    from perfdsl.syntax.keywords import SPELLINGS
    return bool(re.fullmatch(r"(?![0-9])[\w“”、·‘’《》]+", s)) and s not in SPELLINGS


_TEXT_CACHE: dict[int, tuple] = {}


def expr_text(e: A.Expr, lang: str = "zh") -> str:
    """A formula's text; traces ask for the same formulas over and over, so it is remembered.

    The cache holds the node itself, so a recycled id() can never return another node's text.
    """
    if lang != "zh":
        return Printer(lang).expr(e)
    hit = _TEXT_CACHE.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    text = Printer(lang).expr(e)
    if len(_TEXT_CACHE) > 50_000:
        _TEXT_CACHE.clear()
    _TEXT_CACHE[id(e)] = (e, text)
    return text


def substitute(e: A.Expr, lookup: Lookup, branch: Optional[Branch] = None) -> str:
    """The formula with values in place of its names (``lookup``: a path's value as text, None to keep its name)
    and the branches its conditionals took (``branch``); filled from the formula's ``Substitution``."""
    return substitution(e).fill(lookup, branch or _no_branch)


def _no_branch(c: A.Conditional) -> None:
    return None


class Choice:
    """A conditional in a ``Substitution``: its text when the condition held, when it did not, and when unknown."""

    __slots__ = ("node", "held", "failed", "unknown")

    def __init__(self, node: A.Conditional, held: "Substitution", failed: "Substitution", unknown: "Substitution"):
        self.node, self.held, self.failed, self.unknown = node, held, failed, unknown


class Operand:
    """A path as an operand of arithmetic in a ``Substitution``: its value bracketed when negative, as
    ``Printer.operand`` brackets it."""

    __slots__ = ("path",)

    def __init__(self, path: A.Path) -> None:
        self.path = path


class Substitution:
    """A formula printed once for ``substitute``: literal text, and holes where values go (an ``A.Path``: its
    value, or its name; a ``Choice``: a conditional, printed the way it went).  Traces describe the same formulas
    for every fact set: filling is a join where printing walked the tree each time."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple) -> None:
        self.parts = parts

    def fill(self, lookup: Lookup, branch: Branch) -> str:
        out = []
        for part in self.parts:
            if type(part) is str:
                out.append(part)
            elif type(part) is Choice:
                taken = branch(part.node)  # as Printer reads it: None unknown, else by its truth
                way = part.unknown if taken is None else part.held if taken else part.failed
                out.append(way.fill(lookup, branch))
            elif type(part) is Operand:
                shown = lookup(part.path)
                out.append(bracketed(part.path.dotted if shown is None else shown))
            else:
                shown = lookup(part)
                out.append(part.dotted if shown is None else shown)
        return "".join(out)


_HOLE = "\ue000"  # marks a hole while a formula is printed (a private-use character, rare in rules)
_holes = lazy(_HOLE + r"([0-9]+)" + _HOLE)
_SUBSTITUTIONS: dict[int, tuple] = {}


def substitution(e: A.Expr) -> Substitution:
    """``e``'s ``Substitution``, made once and remembered as ``expr_text`` remembers texts."""
    hit = _SUBSTITUTIONS.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    made = _Marking(_mark_for(expr_text(e))).made(e)
    if len(_SUBSTITUTIONS) > 50_000:
        _SUBSTITUTIONS.clear()
    _SUBSTITUTIONS[id(e)] = (e, made)
    return made


def _mark_for(text: str) -> str:
    """A hole's mark that no text of the formula can be mistaken for: ``_HOLE`` repeated once more than the longest
    run of it in the formula's own text (only a quoted text can hold one, so runs never join across parts)."""
    if _HOLE not in text:
        return _HOLE
    longest = max(len(run) for run in re.findall(_HOLE + "+", text))
    return _HOLE * (longest + 1)


class _Marking(Printer):
    """Prints a formula as ``substitute`` would, with a mark for each path's value and each conditional's way."""

    def __init__(self, mark: str = _HOLE) -> None:
        super().__init__("zh", self._path, self._forced)
        self.mark = mark
        self.split = _holes().split if mark == _HOLE else re.compile(f"{mark}([0-9]+){mark}").split
        self.holes: list = []
        self.force: dict[int, Optional[bool]] = {}
        self.choices: dict[int, Choice] = {}  # each conditional printed its three ways once, however deep it sits

    def made(self, e: A.Expr) -> Substitution:
        return self._parts(self.expr(e))

    def _mark(self, hole) -> str:
        self.holes.append(hole)
        return f"{self.mark}{len(self.holes) - 1}{self.mark}"

    def _path(self, p: A.Path) -> str:
        return self._mark(p)

    def _forced(self, c: A.Conditional) -> Optional[bool]:
        return self.force.get(id(c))

    def operand(self, e: A.Expr, parent_prec: int) -> str:
        return self._mark(Operand(e)) if isinstance(e, A.Path) else super().operand(e, parent_prec)

    def _expr(self, e) -> str:
        if isinstance(e, A.Conditional) and id(e) not in self.force:
            choice = self.choices.get(id(e))
            if choice is None:
                forms = []
                for taken in (True, False, None):
                    self.force[id(e)] = taken
                    forms.append(self._parts(super()._expr(e)))
                    del self.force[id(e)]
                choice = self.choices[id(e)] = Choice(e, *forms)
            return self._mark(choice)
        return super()._expr(e)

    def _parts(self, text: str) -> Substitution:
        pieces = self.split(text)
        parts: list = []
        for i, piece in enumerate(pieces):
            if i % 2:
                parts.append(self.holes[int(piece)])
            elif piece:
                parts.append(piece)
        return Substitution(tuple(parts))
