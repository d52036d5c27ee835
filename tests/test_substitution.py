"""A formula with its values (``printer.substitute``) filled from a template made once: the same text as
printing the formula again with the values, for any formula, any values seen and any way its conditionals went."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import Printer, substitute, substitution
from tests.test_check_fmt import _exprs

SEEN = st.one_of(st.just("unseen"), st.just("kept"), st.decimals(allow_nan=False, places=3).map(str),
                 st.sampled_from(["-1", "≈-0.3333", "-0.5"]),
                 st.sampled_from(["真", "假", "“在建”"]))
WAYS = st.sampled_from([None, True, False, 1, 0, "yes", ""])  # the printer reads a way by its truth


def _holes(e) -> list:
    found, stack = [], [e]
    while stack:
        x = stack.pop()
        if isinstance(x, (A.Path, A.Conditional)):
            found.append(x)
        stack.extend(A.subexpressions(x))
    return found


def _printed_again(e, lookup, branch) -> str:
    return Printer("zh", lookup, branch).expr(e)


@settings(max_examples=300, deadline=None)
@given(st.data(), _exprs())
def test_filled_as_printed(data, expr):
    holes = _holes(expr)
    values = {id(h): data.draw(WAYS if isinstance(h, A.Conditional) else SEEN) for h in holes}

    def lookup(p):
        v = values[id(p)]
        return None if v == "unseen" else p.dotted if v == "kept" else v  # a negative value is bracketed

    def branch(c):
        return values[id(c)]
    assert substitute(expr, lookup, branch) == _printed_again(expr, lookup, branch)
    assert substitute(expr, lookup) == _printed_again(expr, lookup, None)


def test_a_conditional_inside_a_conditional_goes_its_own_way():
    n = A.NO_SPAN
    x, y = A.Path(("甲",), None, n), A.Path(("乙",), None, n)
    inner = A.Conditional(A.Compare(">", y, A.Number(Decimal(1), "1", n), n), y, A.Number(Decimal(0), "0", n), n)
    outer = A.Conditional(A.Compare(">", x, A.Number(Decimal(0), "0", n), n), inner, x, n)
    values = {id(x): "5", id(y): "0.5"}
    ways = {id(outer): True, id(inner): False}
    text = substitute(outer, lambda p: values.get(id(p)), lambda c: ways.get(id(c)))
    assert text == "〔5 > 0 成立〕〔0.5 > 1 不成立〕0"
    ways = {id(outer): False}
    assert substitute(outer, lambda p: values.get(id(p)), lambda c: ways.get(id(c))) == "〔5 > 0 不成立〕5"
    assert substitute(outer, lambda p: None, lambda c: None) == "若 甲 > 0 则 (若 乙 > 1 则 乙 否则 0) 否则 甲"


def test_text_holding_the_hole_mark_is_templated_with_a_longer_mark():
    """A rule's text with the private-use character that marks holes, even in runs and next to a hole: the mark is
    made longer than any run of it, and the words are those printed again."""
    n = A.NO_SPAN
    p = A.Path(("甲",), None, n)
    for text in ("a\ue0001\ue000b", "\ue000\ue000", "\ue000\ue0000\ue000\ue000x", "\ue000"):
        e = A.Compare("=", p, A.String(text, n), n)
        made = substitution(e)
        assert [x for x in made.parts if not isinstance(x, str)] == [p]  # one hole: the path, none from the text
        assert substitute(e, lambda q: "3", None) == f'3 = "{text}"'
        assert substitute(e, lambda q: None, None) == f'甲 = "{text}"'
    inner = A.Compare("=", A.String("\ue000", n), p, n)  # the mark's character right before a hole
    assert substitute(inner, lambda q: "\ue0007", None) == '"\ue000" = \ue0007'


def test_a_formula_is_templated_once():
    n = A.NO_SPAN
    e = A.Binary("+", A.Path(("甲",), None, n), A.Number(Decimal(1), "1", n), n)
    assert substitution(e) is substitution(e)
    assert substitute(e, lambda p: "2") == "2 + 1"


def test_a_chain_of_conditionals_is_templated_in_linear_time():
    """Each conditional prints its three ways once: a chain 40 deep (3^40 ways to print) is made at once."""
    n = A.NO_SPAN
    x = A.Path(("甲",), None, n)
    e: A.Expr = A.Number(Decimal(0), "0", n)
    conditionals = []
    for k in range(40):
        e = A.Conditional(A.Compare(">", x, A.Number(Decimal(k), str(k), n), n), A.Number(Decimal(k), str(k), n), e, n)
        conditionals.append(e)
    made = substitution(e)
    assert made is not None
    ways = {id(c): False for c in conditionals}
    text = substitute(e, lambda p: "−1", lambda c: ways.get(id(c)))
    assert text.count("不成立") == 40 and text.endswith("〕0")


def test_a_negative_value_after_an_operator_is_bracketed_in_the_template_too():
    n = A.NO_SPAN
    x = A.Path(("甲",), None, n)
    e = A.Binary("+", A.Number(Decimal(10), "10", n), x, n)
    assert substitute(e, lambda p: "-0.5") == "10 + (-0.5)"
    assert substitute(e, lambda p: "0.5") == "10 + 0.5"
    assert substitute(A.Negate(x, n), lambda p: "-2") == "-(-2)"
