"""Exact decimal arithmetic: the one context, rounding, and how numbers are shown."""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal

# 50 significant digits: divisions such as 3/17 are carried far beyond any
# 2-decimal rounding; the traps turn silent NaN/∞ into errors we report.
CONTEXT = decimal.Context(
    prec=50,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.DivisionByZero, decimal.InvalidOperation, decimal.Overflow],
    Emax=10**6,
    Emin=-(10**6),
)

ROUNDING_MODES = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
}
ROUNDING_NAMES = {"half_up": "四舍五入", "half_even": "银行家舍入", "down": "截尾"}

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


# 1, 0.1, 0.01 …: the quantum of each number of places, made once (scaleb is dear in a batch)
_QUANTA = tuple(Decimal(1).scaleb(-places) for places in range(29))


def round_to(value: Decimal, places: int, mode: str = "half_up") -> Decimal:
    """``value`` to ``places`` decimals; exact for any finite value, however many digits it has."""
    quantum = _QUANTA[places] if 0 <= places < len(_QUANTA) else Decimal(1).scaleb(-places)
    ctx = CONTEXT
    if value.is_finite() and value.adjusted() + places + 2 > CONTEXT.prec:
        ctx = _wide(value.adjusted() + places + 2)  # CONTEXT would refuse (InvalidOperation): a result this long
    return value.quantize(quantum, rounding=ROUNDING_MODES[mode], context=ctx)


def _wide(prec: int) -> decimal.Context:
    """CONTEXT with room for ``prec`` digits: formatting is exact for every value the arithmetic can hold."""
    return CONTEXT.copy() if prec <= CONTEXT.prec else decimal.Context(
        prec=prec, rounding=CONTEXT.rounding, traps=[decimal.DivisionByZero, decimal.InvalidOperation,
                                                     decimal.Overflow],
        Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 3, 2.07, 0.25."""
    return _plain(value, value.is_signed())


@functools.lru_cache(maxsize=4096)
def _plain(value: Decimal, negative: bool) -> str:
    # ``negative`` is part of the key: -0 == 0 (and hashes alike), and -0 would print as "-0", which no report
    # writes: a zero is shown without a sign (-0.0 comes of -(x) × 0)
    if negative and value.is_zero():
        return "0"
    if value.is_infinite():
        return "∞" if value > 0 else "-∞"
    # Exact for any value (CONTEXT's 50 digits once made 1e52 an InvalidOperation): the context is as wide as
    # the number itself, so nothing is rounded; for up to 50 digits this is what CONTEXT gave.
    _sign, digits, exponent = value.as_tuple()
    width = len(digits) + max(int(exponent), 0)
    ctx = CONTEXT if width <= CONTEXT.prec else _wide(width)
    if value == value.to_integral_value():
        return f"{value.quantize(ONE, context=ctx):f}"
    return f"{value.normalize(ctx):f}"


def show(value: Decimal, percent: bool = False) -> str:
    """For traces: exact when short, else ≈ to 4 places (the exact value stays in the JSON).

    Remembered: a batch's traces show the same scores, weights and rates again and again.
    """
    return _show(value, value.is_signed(), percent)


@functools.lru_cache(maxsize=8192)
def _show(value: Decimal, negative: bool, percent: bool) -> str:
    if value.is_infinite():
        return plain(value)
    if percent:
        pct = value * HUNDRED
        text = plain(pct)
        if len(text.partition(".")[2]) > 2:
            return "≈" + plain(round_to(pct, 2)) + "%"
        return text + "%"
    text = plain(value)
    if len(text.partition(".")[2]) > 6:
        return "≈" + plain(round_to(value, 4))
    return text


def bracketed(text: str) -> str:
    """A number shown after an operator: a negative one in brackets, 5 − (-10), as on paper."""
    return f"({text})" if text.lstrip("≈").startswith("-") else text


def fixed(value: Decimal, places: int) -> str:
    """Scores as published: a fixed number of decimals."""
    text = str(value)
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 == places and "E" not in text:
        return text  # already rounded (every score and every sum of scores is): no second quantize
    return f"{round_to(value, places):f}"


def percent(numerator: Decimal, denominator: Decimal, places: int = 2) -> str:
    if denominator == 0:
        return "—"
    return f"{round_to(numerator / denominator * HUNDRED, places):f}%"
