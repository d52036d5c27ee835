"""Facts JSON as the fast paths read it: exact decimals within the limits, plain dicts, duplicate keys proved absent.

Apart from ``facts`` (the full validator and its messages) so that the warm road (``perfdsl.warm``) reads facts
without importing the syntax tree or attrs; ``facts`` re-exports all of it.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal

from perfdsl.patterns import lazy

MAX_DIGITS = 60
MAX_EXPONENT = 30

# What a fact's number may be: at most 60 significant digits, magnitude between 1e-30 and 1e31
# (or zero).  ``create_decimal`` under this context is exact or raises — one C call per number,
# used as the JSON parser's number hook on the fast path.
NUMBER_LIMITS = decimal.Context(prec=MAX_DIGITS, Emax=MAX_EXPONENT, Emin=-MAX_EXPONENT,
                                traps=[decimal.Rounded, decimal.Inexact, decimal.Overflow, decimal.Underflow,
                                       decimal.Subnormal, decimal.Clamped, decimal.InvalidOperation])
_exact_number = NUMBER_LIMITS.create_decimal


def _reject_constant(name: str):
    raise ValueError(f"不允许 {name}：事实中的数字必须是有限的十进制数")


class _ShortNumbers(dict):
    """Short number texts already made into decimals: ``0``, ``12``, ``0.5``, ``2024`` recur on every line.

    A hit is one dict lookup in C instead of a call of ``create_decimal``; a miss makes the decimal as
    before (raising as before) and keeps it while the table is small.  Decimals are immutable, so fact
    sets may share them.
    """

    def __missing__(self, text: str) -> Decimal:
        value = _exact_number(text)
        if len(text) <= 4 and len(self) < 4096:
            self[text] = value
        return value


# The fast path's first try: the C decoder building plain dicts (a duplicate key keeps its last value),
# with no Python call per object; ``no_duplicate_keys`` then proves there was none.
_SHORT = _ShortNumbers()
_PLAIN = json.JSONDecoder(parse_float=_SHORT.__getitem__, parse_int=_SHORT.__getitem__,
                          parse_constant=_reject_constant)
plain_json = _PLAIN.decode


_key_token = lazy(r'"\s*:')  # a key's closing quote and its colon (``no_duplicate_keys``)


def no_duplicate_keys(text: str, entries: int) -> bool:
    r"""Whether ``text``, parsed into plain dicts holding ``entries`` entries in all, had no duplicate key.

    ``entries`` may be fewer than the parsed dicts hold (dicts left unwalked), never more.  Let K
    be the number of key tokens in the text (the names of the members of all objects, at every
    depth: nested objects and objects that are list items included).  Each object becomes its own
    dict, and each key token either adds an entry to it or, being a duplicate of an earlier key
    of the same object, replaces that entry's value: the dicts hold K entries less one per
    duplicate token.  So ``entries`` <= K, equal only if no object had a duplicate key — provided
    K is counted exactly, and an upper bound U >= K serves as well: ``entries == U`` forces
    ``entries == K``.  Two upper bounds, the cheap one first, both over the whole text (the decoder
    accepted it as one JSON value, nothing after it):

    - the number of ``:`` characters: every member of every object is written with its own colon
      between key and value, outside any string; colons inside strings only add to the count.
    - the number of matches of ``"\s*:`` (found left to right, not overlapping): a key token ends
      with its closing quote, which is followed by JSON whitespace (space, tab, LF, CR — all
      ``\s``) and the member's colon, so a match can start at it.  No earlier match can cover it:
      a match is a quote followed only by whitespace up to its colon, and a quote is neither.
      So each key token's closing quote starts a match of its own.  A key holding an escaped
      quote (``"a\":b"``) or a string value holding ``":`` makes extra matches, never fewer.

    When neither equals ``entries`` the caller parses again with the duplicate-key hook, which
    names the duplicate (or finds none: a colon or ``":`` in a string value).
    """
    return entries == text.count(":") or entries == len(_key_token().findall(text))


class Invalid(Exception):
    """The fast validator found a problem; the full validator will say what it is."""
