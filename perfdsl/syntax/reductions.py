"""The builder's methods called as Lark's LALR parser reduces, with no parse tree in between.

Building Lark's tree and transforming it afterwards costs a ``Tree`` and a ``Meta`` per
reduction, positions worked out twice per reduction, and a second walk; for 12,000 band
arms that was four fifths of ``perfdsl check``.  Here each grammar rule gets one callback
that does what Lark's ``ParseTreeBuilder`` would have done for it — drop the filtered
tokens, splice ``_rules``, put ``None`` where an ``[optional]`` part is absent, pass the
one child of a ``?rule`` through, and place the node from the start of its first child to
the end of its last (a child in brackets counts with its brackets) — and then calls the
builder method of that name with ``(place, children)``.  The tree path stays the
reference: ``tests/test_fast_front.py`` holds both ASTs equal, spans included.

On the parser's stack a reduced value is ``(value, place)``, a spliced ``_rule`` is
``(children, place)`` and a terminal is its ``Token``; a place is
``(line, column, end_line, end_column)``, or None for a rule that matched nothing.
"""

from __future__ import annotations

from decimal import Decimal
from operator import itemgetter
from typing import Any, Callable, Optional

from lark import Token, Tree

from perfdsl.syntax.ast import Number, Span
from perfdsl.syntax.lexemes import MAX_LITERAL_DIGITS
from perfdsl.syntax.tokens import FusedArm

Place = Optional[tuple[int, int, int, int]]
_TOKEN, _NODE, _SPLICE = 0, 1, 2
_first = itemgetter(0)


def callbacks(rules: list, builder: Any) -> dict:
    """One callback per rule of Lark's grammar, calling ``builder``'s method named after the rule;
    under ``FusedArm``, the callback of a whole arm scanned in one match (``fused_arm``)."""
    out: dict = {rule: _callback(rule, builder) for rule in rules}
    out[FusedArm] = fused_arm(builder)
    return out


_INTERVALS = {("_LSQB", "_RSQB"): "closed_closed", ("_LSQB", "_RPAR"): "closed_open",
              ("_LPAR", "_RSQB"): "open_closed", ("_LPAR", "_RPAR"): "open_open"}


def fused_arm(builder: Any) -> Callable[[FusedArm], tuple]:
    """What the callbacks of ``number``, the interval and ``arm`` give, one after the other, for the seven
    tokens a ``FusedArm`` stands for: the same builder methods, with the same children and places.  A number
    of digits alone is made as ``builder.number`` makes it, without its token; the arrow, which ``arm``
    ignores, is passed as None."""
    number, arm, file = _required(builder, "number"), _required(builder, "arm"), builder.filename
    intervals = {kinds: _required(builder, name) for kinds, name in _INTERVALS.items()}

    def reduce_arm(t: FusedArm) -> tuple:
        m, line, base = t.match, t.line, 1 - t.line_start
        numbers = []
        for group in (2, 4, 7):
            value = m[group]
            start, end = m.span(group)
            place = (line, start + base, line, end + base)
            if value.isdigit() and len(value) <= MAX_LITERAL_DIGITS:  # ``builder.number``'s first case
                numbers.append(Number(Decimal(value), value, Span(file, *place)))
            else:
                numbers.append(number(place, [t.token(group)]))
        start = m.start(1) + base
        interval = intervals[t.type, "_RPAR" if m[5] in ")）" else "_RSQB"](
            (line, start, line, m.end(5) + base), numbers[:2])
        place = (line, start, line, m.end(7) + base)
        return arm(place, [interval, None, numbers[2]]), place
    return reduce_arm


def _plan(rule) -> tuple[list[tuple[int, int, int]], int]:
    """Which raw children a rule keeps, how, and how many ``None`` go before each (Lark's child filter)."""
    expansion, options = rule.expansion, rule.options
    if options.empty_indices:
        runs = "".join(str(int(b)) for b in options.empty_indices).split("0")
        empty = [len(ones) for ones in runs]
    else:
        empty = [0] * (len(expansion) + 1)
    keep, nones = [], 0
    for i, sym in enumerate(expansion):
        nones += empty[i]
        if options.keep_all_tokens or not (sym.is_term and sym.filter_out):
            kind = _TOKEN if sym.is_term else _SPLICE if sym.name.startswith("_") else _NODE
            keep.append((i, kind, nones))
            nones = 0
    return keep, nones + empty[len(expansion)]


def passes_through(rule) -> bool:
    """Whether the rule is a ``?rule`` of one rule whose value is its child's, place and all."""
    keep, trailing = _plan(rule)
    single = len(rule.expansion) == 1 and not trailing and len(keep) == 1 and keep[0][2] == 0
    return bool(rule.options.expand1 and not rule.alias and single and keep[0][1] == _NODE)


def _callback(rule, builder: Any) -> Callable[[list], Any]:
    if passes_through(rule):
        return _first  # the child, its place unchanged (``driver`` passes these reductions without a call)
    name = rule.alias or rule.options.template_source or rule.origin.name
    keep, trailing = _plan(rule)
    children_of = _children(keep, trailing)
    place_of = _placer(rule.expansion)
    if name.startswith("_"):  # spliced into the parent
        return lambda s: (children_of(s), place_of(s))
    if rule.options.expand1 and not rule.alias:
        def inline(s: list) -> tuple:
            children = children_of(s)
            if len(children) == 1:  # the one child, placed where its rule was (its brackets included)
                child = children[0]
                if child is None or isinstance(child, Token):  # Lark places only trees by their brackets
                    return child, (None if child is None else _place_of([child]))
                return child, place_of(s)
            return _made(name, builder, children, place_of(s))
        return inline
    method = _method(builder, name)
    if method is None:
        return lambda s: (Tree(name, children_of(s)), place_of(s))

    if keep == [(0, _TOKEN, 0)] and not trailing and len(rule.expansion) == 1:
        def reduce_token(s: list) -> tuple:  # one token, kept (a number, a name …): ``s`` is its children
            t = s[0]
            place = (t.line, t.column, t.end_line, t.end_column)
            return method(place, s), place
        return reduce_token

    def reduce(s: list) -> tuple:
        place = place_of(s)
        return method(place, children_of(s)), place
    return reduce


def _made(name: str, builder: Any, children: list, place: Place) -> tuple:
    method = _method(builder, name)
    return (method(place, children) if method is not None else Tree(name, children)), place


def _required(builder: Any, name: str) -> Callable:
    method = _method(builder, name)
    assert method is not None, name  # the builder has a method for every rule a fused arm stands for
    return method


def _method(builder: Any, name: str) -> Optional[Callable]:
    """The builder's method, unwrapped from Lark's ``v_args`` (whose ``__get__`` costs a wrapper per call)."""
    attr = getattr(type(builder), name, None)
    if attr is None:
        return None
    func = getattr(attr, "base_func", attr)
    return func.__get__(builder, type(builder))


def _children(keep: list[tuple[int, int, int]], trailing: int) -> Callable[[list], list]:
    if not trailing and all(nones == 0 and kind != _SPLICE for _, kind, nones in keep):
        picks = [(i, kind == _TOKEN) for i, kind, _ in keep]
        if len(picks) == 1:
            (i, is_token), = picks
            return (lambda s: [s[i]]) if is_token else (lambda s: [s[i][0]])
        return lambda s: [s[i] if is_token else s[i][0] for i, is_token in picks]

    def children(s: list) -> list:
        out: list = []
        for i, kind, nones in keep:
            if nones:
                out += [None] * nones
            c = s[i]
            if kind == _TOKEN:
                out.append(c)
            elif kind == _NODE:
                out.append(c[0])
            elif out:
                out += c[0]
            else:  # a left-recursive repetition: keep extending the same list (Lark does the same)
                out = c[0]
        if trailing:
            out += [None] * trailing
        return out
    return children


def _placer(expansion) -> Callable[[list], Place]:
    """``_place_of`` for a rule's raw children, reading straight from the ends when an end is a terminal
    (always a token) or a rule that gave a place; anything else (a rule that matched nothing) goes the long way."""
    if not expansion:
        return _place_of
    first, last = expansion[0].is_term, expansion[-1].is_term
    if first and last:
        return lambda s: (s[0].line, s[0].column, s[-1].end_line, s[-1].end_column)
    if first:
        def token_first(s: list) -> Place:
            end = s[-1][1]
            return _place_of(s) if end is None else (s[0].line, s[0].column, end[2], end[3])
        return token_first
    if last:
        def token_last(s: list) -> Place:
            start = s[0][1]
            return _place_of(s) if start is None else (start[0], start[1], s[-1].end_line, s[-1].end_column)
        return token_last

    def rules_both(s: list) -> Place:
        start, end = s[0][1], s[-1][1]
        return _place_of(s) if start is None or end is None else (start[0], start[1], end[2], end[3])
    return rules_both


def _place_of(s: list) -> Place:
    """From the start of the first child that has a place to the end of the last one."""
    start = end = None
    for c in s:
        if isinstance(c, Token):
            start = (c.line, c.column)
            break
        if c[1] is not None:
            start = c[1][:2]
            break
    if start is None:
        return None
    for c in reversed(s):
        if isinstance(c, Token):
            end = (c.end_line, c.end_column)
            break
        if c[1] is not None:
            end = c[1][2:]
            break
    return (*start, *end)  # type: ignore[misc]
