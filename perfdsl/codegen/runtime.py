"""What generated code may call: one list, as Jinja's ``runtime.exported``.

Every helper here is reached from generated source by its name in ``EXPORTED`` and nothing
else enters the generated namespace but constants.  The untraced scorer uses the plain
helpers; the traced one adds the recording helpers, which append each step as the text of a
JSON array ``[site, parent, value…]`` (decimals as JSON numbers, so nothing is lost).
"""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal
from json.encoder import encode_basestring

from perfdsl.constructs.each_deduct_words import described, finding_text
from perfdsl.interp import dates, wording
from perfdsl.interp.builtins import BuiltinError
from perfdsl.interp.judged import Judged
from perfdsl.interp.numbers import ZERO, fixed, percent

_string = encode_basestring  # json.dumps of one string, without json.dumps' overhead


class Fallback(Exception):
    """Let the interpreter score this fact set (and explain what is wrong)."""


class Unsupported(Exception):
    """A construct the traced scorer does not cover; traced lines of this rule set use the interpreter.

    The message (Chinese: users see it) names the construct.
    """


UNSEEN = object()  # a formula's value not computed (a branch not taken)


def checked_date(invalid: type, text: str):
    """A date fact as the generated facts check reads it (``dates.parse``); ``invalid`` when it is not one."""
    try:
        return dates.parse(text)
    except dates.BadDate:
        raise invalid from None


def nomatch():
    raise Fallback


def num(v):
    """A judged value read as a number is its score or deduction."""
    return v.value if type(v) is Judged else v


def values(v):
    return list(v.values()) if type(v) is dict else v


def exists(thunk) -> bool:
    try:
        thunk()
        return True
    except (KeyError, TypeError, Fallback):
        return False


def boolean(v):
    if v is True or v is False:
        return v
    raise Fallback


def number(v):
    if type(v) is not Decimal:
        raise Fallback
    return v


def leaf_text(head: str, after: str, score, raw, status: str, places: int) -> str:
    """A leaf's JSON text up to its closing brace, when not ok (e.g. 不适用) or rounding changed the score."""
    text = head + (str(score) if status == "ok" else fixed(score, places)) + after + _string(status)
    if raw is not None and raw != score:
        text += f', "unrounded": "{raw}"'
    return text


def call(fn, args):
    """A builtin the fast path cannot vouch for: its own complaint sends the fact set to the interpreter."""
    try:
        return fn.impl(*args)
    except (BuiltinError, TypeError, ArithmeticError):
        raise Fallback from None


# ---------------------------------------------------------------- recording (the traced scorer)
def jt(v) -> str:
    """A value as typed JSON text: decimals as numbers, so reading them back loses nothing.

    JSON has no infinity: a growth from 0 (the only way to one) is written {"$decimal": "Infinity"}.
    """
    t = type(v)
    if t is Decimal:
        return str(v) if v.is_finite() else '{"$decimal":"%s"}' % v
    if t is str:
        return _string(v)
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is list:
        return "[" + ",".join([jt(x) for x in v]) + "]"
    if t is dict:
        return "{" + ",".join([_string(k) + ":" + jt(x) for k, x in v.items()]) + "}"
    if t is datetime.date:  # read back by explain.compact as the date
        return '{"$date":"%s"}' % v.isoformat()
    if t is Judged:
        return "{" + _string(v.field) + ":" + _string(str(v.value)) + ',"理由":' + _string(v.reason) + "}"
    if v is UNSEEN:
        return "null"
    raise Fallback


def bool_text(v) -> str:
    return "true" if v else "false"


# The recording helpers take a step's site as the text that opens it (``site``: "[24,") and its
# parent as text (``P``: "0", "3"), made once, so no step formats an integer.

def fact(T, FS, P, site, path, v, encode):
    """A fact read: recorded the first time this indicator reads it (``encode``: its type's JSON text)."""
    if path not in FS:
        FS.add(path)
        T.append(f"{site}{P},{encode(v)}]")
    return v


def fact_decimal(T, FS, P, site, path, v):
    """A fact read that is a decimal (finite, as every number in the facts): written as it is."""
    if path not in FS:
        FS.add(path)
        T.append(f"{site}{P},{v!s}]")  # !s: f"{v}" formats a Decimal through __format__, far slower
    return v


def judged(T, FS, P, site, jsite, path, v):
    """A 酌情 value: the fact (once), then the judgement with its reason, both under ``path``.

    A finding's 酌情 field is recorded, as the interpreter does, under the finding's place (问题[2].扣分).
    """
    if path not in FS:
        FS.add(path)
        T.append(f"{site}{P},{v.value!s},{_string(path)}]")
    T.append(f"{jsite}{P},{v.value!s},{_string(v.field)},{_string(v.reason)},{_string(path)}]")
    return v.value


def numbers(values) -> str:
    """A list of finite decimals as JSON text (what ``jt`` gives for it, without its dispatch)."""
    return "[" + ",".join(map(str, values)) + "]"


def spread(T, FS, P, site, path, items, rest, encode=jt):
    if type(items) is dict:
        items = list(items.values())
    if type(items) is not list:
        raise Fallback
    out = []
    for item in items:
        v = item
        for seg in rest:
            if type(v) is Judged or type(v) is not dict or v.get(seg) is None:
                raise Fallback
            v = v[seg]
        out.append(v.value if type(v) is Judged else v)
    if path not in FS:
        FS.add(path)
        T.append(f"{site}{P},{encode(out)}]")
    return out


def arm(T, P, site, v, result):
    """The band arm or 查表 case that matched, after its result (whose own steps come first)."""
    T.append(f"{site}{P},{jt(v)},{jt(result)}]")
    return result


def arm_known(T, P, site, v, result, tail):
    """A band arm: its subject a finite decimal, its result a literal whose JSON text (``tail``) was made once."""
    T.append(f"{site}{P},{str(v) if type(v) is Decimal else jt(v)}{tail}")  # a date: its JSON form
    return result


def arm_number(T, P, site, v, result):
    """A band arm whose subject is a finite decimal."""
    T.append(f"{site}{P},{str(v) if type(v) is Decimal else jt(v)},{jt(result)}]")  # a date: its JSON form
    return result


def traced_call(T, P, site, fn, args, numbers=False):
    """A builtin; ``numbers``: all its values are finite decimals, written as they are."""
    result = call(fn, args)
    if site is not None:
        if numbers:
            T.append(f"{site}{P},[{','.join(map(str, args))}],{str(result)}]")
        else:
            T.append(f"{site}{P},{jt(args)},{jt(result)}]")
    return result


def finding(item) -> str:
    return finding_text(item, None)


# Decimal constants instead of the ints 0 and 1: the same exact values, without a Decimal made from an
# int at every comparison and subtraction.
_ONE = Decimal(1)


def _fast_proportional(rate, points, floor):
    return points if rate >= _ONE else (rate * points if rate >= floor else ZERO)


def _fast_sample(record, points):
    n = record["抽查数"]
    return points if n == ZERO else points * (_ONE - record["问题数"] / n)


def _fast_ratio(a, b, if_zero):
    return if_zero if b == ZERO else a / b


def _fast_count(xs):
    return Decimal(len(xs))


def _fast_sum(xs):
    return sum(xs, ZERO)


# Lean versions of the builtins for values the validator has already checked; each computes
# exactly what its counterpart in builtins.py computes, with no type checks.  Module-level functions, not
# lambdas: they are constants of generated programs, which the warm bundle pickles (``codegen/program.py``).
FAST_BUILTINS = {
    "min": min,
    "max": max,
    "abs": abs,
    "count": _fast_count,
    "sum": _fast_sum,
    "proportional": _fast_proportional,
    "sample_score": _fast_sample,
    "ratio": _fast_ratio,
}


# The texts of the first numbers, made once: a finding's place (from 0) and a parent step's (from 1).
NUMBERS = tuple(str(n) for n in range(65))
PARENTS = NUMBERS[1:]


EXPORTED = {
    "Decimal": Decimal, "Judged": Judged, "ZERO": ZERO, "UNSEEN": UNSEEN, "NULL": "null",
    "_text": wording.text_of,
    "_nomatch": nomatch, "_num": num, "_values": values, "_exists": exists, "_bool": boolean,
    "_number": number, "_call": call,
    "jt": jt, "_string": _string, "_boolean": bool_text, "_fact": fact, "_judged": judged, "_spread": spread,
    "_arm": arm, "_armk": arm_known, "_armn": arm_number, "_numbers": numbers,
    "_tcall": traced_call, "_factd": fact_decimal,
    "_finding": finding, "_described": described, "PARENTS": PARENTS, "NUMBERS": NUMBERS,
    # the document writer
    "COMMA": ", ", "CLOSE": "]}", "END": "}", "TRACE": ', "trace": [', "fixed": fixed, "_rate": percent,
    "_leaf_text": leaf_text, "HUNDRED": Decimal(100), "HALF_UP": decimal.ROUND_HALF_UP, "Q2": Decimal("0.01"),
}
