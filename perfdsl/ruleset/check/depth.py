"""How deep a formula may nest: the limits both engines are built for, checked before any other pass.

Two measures, both documented in docs/language.md and docs/robustness.md:

* ``MAX_DEPTH`` (1,000): the depth of the expression tree, every node counted — a 1,000-term sum is
  1,000 deep.  Every pass over the rules (names, types, printing, traces) handles this depth: perfdsl
  raises Python's recursion limit to ``perfdsl.RECURSION_LIMIT`` on import, which leaves room for some
  twenty frames per level.
* ``MAX_NESTING`` (50): nesting that the generated scorer cannot write flat — a left-nested chain of
  one precedence (a + b − c, a × b ÷ c), of one logical operator (且, 或) and a chain of 否则 若 count as
  one level, as do all the arms of a 区间 or 查表; a bracket, a call, a 若 in a 则 or in a condition each
  add one.  Python's parser allows 200 nested brackets, and a level of nesting in generated code
  opens at most three.

A rule set beyond either limit is refused with E107 naming the place, not crashed on.  The walk here
is iterative, so it measures any depth the parser gave it.
"""

from __future__ import annotations

from typing import Iterator

import attrs

from perfdsl.diagnostics import Diagnostic, error
from perfdsl.syntax import ast as A

MAX_DEPTH = 1_000
MAX_NESTING = 50

_EXPR = (A.Number, A.String, A.Boolean, A.Path, A.Call, A.Binary, A.Negate, A.Compare, A.Logical, A.Not,
         A.Conditional, A.InInterval, A.Band, A.Match, A.Template)
_GROUP = {"+": 0, "-": 0, "*": 1, "/": 1}


def roots(obj) -> Iterator:
    """Every outermost expression in a rule file, indicator or statement (a walk over the AST's fields)."""
    stack = [obj]
    while stack:
        x = stack.pop()
        if isinstance(x, _EXPR):
            yield x
        elif isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        elif attrs.has(type(x)) and not isinstance(x, A.Span):
            stack.extend(reversed([getattr(x, f.name) for f in attrs.fields(type(x))]))


def flat_children(e) -> list:
    """The operands the generated code writes without nesting them: a chain's terms, a 否则 若 chain's parts."""
    if isinstance(e, A.Binary):
        rights: list[tuple[str, A.Expr]] = []
        while isinstance(e, A.Binary) and _GROUP[e.op] == _GROUP[rights[-1][0] if rights else e.op]:
            rights.append((e.op, e.right))
            e = e.left
        return [e, *(r for _, r in reversed(rights))]
    if isinstance(e, A.Logical):
        op = e.op
        rights2: list[A.Expr] = []
        while isinstance(e, A.Logical) and e.op == op:
            rights2.append(e.right)
            e = e.left
        return [e, *reversed(rights2)]
    if isinstance(e, A.Conditional):
        parts = []
        while isinstance(e, A.Conditional):
            parts += [e.condition, e.then]
            e = e.otherwise
        return [*parts, e]
    return A.subexpressions(e)


def _deeper_than(e, limit: int, children) -> bool:
    """Whether ``e`` has a node more than ``limit`` levels down: one level at a time, no tuple per node."""
    level, depth, leaves = [e], 1, A.LEAVES
    while level:
        if depth > limit:
            return True
        level = [c for x in level if type(x) not in leaves for c in children(x)]
        depth += 1
    return False


def too_deep(e) -> list[Diagnostic]:
    """E107 for the first place in ``e`` beyond MAX_DEPTH or MAX_NESTING; [] if none.

    Almost every expression is within both limits, which a walk level by level shows at half the cost
    of the depth-first walks below; those run only to name the place when one is exceeded.
    """
    if not _deeper_than(e, MAX_DEPTH, A.subexpressions) and not _deeper_than(e, MAX_NESTING, flat_children):
        return []
    stack = [(e, 1)]
    while stack:
        x, depth = stack.pop()
        if depth > MAX_DEPTH:
            return [error("E107", f"表达式嵌套过深：超过 {MAX_DEPTH:,} 层（很长的连加、连乘也逐项计层）；"
                                  "把一部分写成单独的 令 值，再在这里引用", x.span)]
        stack.extend((c, depth + 1) for c in A.subexpressions(x))
    stack = [(e, 1)]
    while stack:
        x, level = stack.pop()
        if level > MAX_NESTING:
            return [error("E107", f"表达式嵌套过深：括号、函数调用与 若 的嵌套超过 {MAX_NESTING} 层；"
                                  "把里层的部分写成单独的 令 值，再在这里引用", x.span)]
        stack.extend((c, level + 1) for c in flat_children(x))
    return []


def check_depth(rules) -> list[Diagnostic]:
    """E107 for every outermost expression of the rule set that nests beyond the limits."""
    out: list[Diagnostic] = []
    for obj in (rules.system, rules.facts, list(rules.records.values()), list(rules.globals.values()), rules.roots):
        for e in roots(obj):
            out += too_deep(e)
    return out
