"""The fast path: a checked rule set compiled once into Python source, as Jinja compiles templates.

The tracing interpreter (``evaluator`` + ``scoring``) is the reference;
this gives the same scores for runs without traces at close to the speed
of hand-written code.  It never reports errors itself: anything unusual —
a missing fact, division by zero, a value no band covers, a broken 要求 —
raises, and the engine re-scores that fact set with the interpreter,
which explains what is wrong.

Safety: the source is generated only from the *checked* AST.  No name from
a rule file becomes a Python identifier (values are ``L0``, ``L1``…); every
string and fact key enters the source through ``repr()``, and every number
as a ``Decimal`` constant held in the namespace, not as text.
"""

from __future__ import annotations

import decimal
import functools
import json
from decimal import Decimal
from typing import Callable, Optional

from perfdsl.syntax import ast as A
from perfdsl.interp.builtins import BY_NAME, EXISTS_NAMES
from perfdsl.interp.evaluator import Judged
from perfdsl.explain.document import node_json
from perfdsl.interp.numbers import CONTEXT, ROUNDING_MODES, ZERO, fixed, percent, plain
from perfdsl.interp.scoring import Node, Result, _weight_of, aggregate
from perfdsl.ruleset.types import Ty


_js = functools.partial(json.dumps, ensure_ascii=False)


def _leaf_text(head: str, after: str, score, raw, status: str, places: int) -> str:
    """A leaf's JSON text in the rarer cases: not ok (e.g. 不适用), or rounding changed the score."""
    text = head + (str(score) if status == "ok" else fixed(score, places)) + after + _js(status)
    if raw is not None and raw != score:
        text += f', "unrounded": "{raw}"'
    return text + "}"


class Fallback(Exception):
    """Let the interpreter score this fact set (and explain what is wrong)."""


def _nomatch():
    raise Fallback


def _num(v):
    """A judged value read as a number is its score or deduction."""
    return v.value if type(v) is Judged else v


def _values(v):
    return list(v.values()) if type(v) is dict else v


def _exists(thunk) -> bool:
    try:
        thunk()
        return True
    except (KeyError, TypeError, Fallback):
        return False


def _bool(v):
    if v is True or v is False:
        return v
    raise Fallback


def _fast_proportional(rate, points, floor):
    return points if rate >= 1 else (rate * points if rate >= floor else ZERO)


def _fast_sample(record, points):
    n = record["抽查数"]
    return points if n == 0 else points * (1 - record["问题数"] / n)


def _fast_ratio(a, b, if_zero):
    return if_zero if b == 0 else a / b


# Lean versions of the builtins for values the validator has already checked; each computes
# exactly what its counterpart in builtins.py computes, with no type checks.
_FAST = {
    "min": min,
    "max": max,
    "abs": abs,
    "count": lambda xs: Decimal(len(xs)),
    "sum": lambda xs: sum(xs, ZERO),
    "proportional": _fast_proportional,
    "sample_score": _fast_sample,
    "ratio": _fast_ratio,
}

_OPS = {"+": "+", "-": "-", "*": "*", "/": "/"}
_CMP = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "=": "==", "!=": "!="}


class _Source:
    """Python source being written, with constants kept out of the text."""

    def __init__(self):
        self.lines: list[str] = []
        self.consts: dict = {}
        self._const_ids: dict = {}
        self._temp = 0

    def const(self, value) -> str:
        key = (type(value).__name__, str(value))
        name = self._const_ids.get(key)
        if name is None:
            name = f"K{len(self._const_ids)}"
            self._const_ids[key] = name
            self.consts[name] = value
        return name

    def temp(self) -> str:
        self._temp += 1
        return f"t{self._temp}"

    def run(self, filename: str, helpers: dict, source: Optional[str] = None) -> dict:
        """The one place generated source is executed: with ``helpers`` and the constants, nothing else.

        Every caller builds its source from the checked AST or the declared types only: no rule text
        becomes a Python name, strings enter through ``repr()`` and values as constants.
        """
        namespace = dict(helpers)
        namespace.update(self.consts)
        code = compile(source if source is not None else "\n".join(self.lines), f"<perfdsl: {filename}>", "exec")
        exec(code, namespace)  # noqa: S102 — see the docstring
        return namespace

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


class Compiler:
    def __init__(self, rules, facts_ty: Ty):
        self.rules = rules
        self.facts_ty = facts_ty
        self.src = _Source()

    # ------------------------------------------------------------ paths
    def _fact_type(self, segments) -> Optional[Ty]:
        ty = self.facts_ty
        for seg in segments:
            if ty is None or ty.kind != "record" or seg not in ty.fields:
                return None
            ty = ty.fields[seg]
        return ty

    def path(self, p: A.Path, scope) -> str:
        lets, item = scope
        segs = p.segments
        first = segs[0]
        if item is not None and first in item[1]:
            base, rest = item[0], segs
            return self._access(base, rest, p.star, item[2])
        if len(segs) == 1 and p.star is None:
            if first in lets:
                return lets[first]
            if first in self.globals:
                return self.globals[first]
        return self._access("F", segs, p.star, self.facts_ty)

    def _access(self, base: str, segs, star, root_ty: Optional[Ty]) -> str:
        code = base
        ty = root_ty
        stop = star if star is not None else len(segs)
        for seg in segs[:stop]:
            code = f"{code}[{seg!r}]"  # validated facts hold no None; a missing key falls back
            ty = ty.fields.get(seg) if ty is not None and ty.kind == "record" else None
        if star is None:
            return f"_num({code})" if ty is None or ty.kind == "judged" else code
        inner = "x"
        for seg in segs[star:]:
            inner = f"{inner}[{seg!r}]"
        return f"[_num({inner}) for x in _values({code})]"

    # ------------------------------------------------------------ expressions
    def expr(self, e, scope) -> str:
        c = self.expr
        if isinstance(e, A.Number):
            return self.src.const(e.value)
        if isinstance(e, A.String):
            return repr(e.value)
        if isinstance(e, A.Boolean):
            return "True" if e.value else "False"
        if isinstance(e, A.Path):
            return self.path(e, scope)
        if isinstance(e, A.Binary):
            return f"({c(e.left, scope)} {_OPS[e.op]} {c(e.right, scope)})"
        if isinstance(e, A.Negate):
            return f"(-{c(e.operand, scope)})"
        if isinstance(e, A.Compare):
            return f"({c(e.left, scope)} {_CMP[e.op]} {c(e.right, scope)})"
        # Conditions are booleans: the checker proved it (E202) and the validator checked the facts.
        if isinstance(e, A.Logical):
            return f"({c(e.left, scope)} {e.op} {c(e.right, scope)})"
        if isinstance(e, A.Not):
            return f"(not {c(e.operand, scope)})"
        if isinstance(e, A.Conditional):
            return f"({c(e.then, scope)} if {c(e.condition, scope)} else {c(e.otherwise, scope)})"
        if isinstance(e, A.InInterval):
            t = self.src.temp()
            return f"(({t} := {c(e.value, scope)}) is not None and {self.test(t, e.interval, scope)})"
        if isinstance(e, A.Band):
            t = self.src.temp()
            code = "_nomatch()"
            for i, arm in reversed(list(enumerate(e.arms))):
                test = self.test(t, arm.interval, scope)
                if i == 0:
                    test = f"(({t} := {c(e.subject, scope)}) is not None and {test})"
                code = f"({self.chosen(e, arm, t, c(arm.result, scope), scope)} if {test} else {code})"
            return code
        if isinstance(e, A.Match):
            t = self.src.temp()
            code = "_nomatch()"
            for i, case in reversed(list(enumerate(e.cases))):
                key = repr(case.key) if isinstance(case.key, str) else self.src.const(case.key)
                test = f"({t} := {c(e.subject, scope)}) == {key}" if i == 0 else f"{t} == {key}"
                code = f"({self.chosen(e, case, t, c(case.result, scope), scope)} if {test} else {code})"
            return code
        if isinstance(e, A.Call):
            if e.function in EXISTS_NAMES:
                return f"_exists(lambda: {c(e.args[0], scope)})"
            impl = self._fn(BY_NAME[e.function])
            return f"{impl}({', '.join(c(a, scope) for a in e.args)})"
        raise AssertionError(type(e))  # pragma: no cover

    def chosen(self, e, arm, subject: str, result: str, scope) -> str:
        """The code for the result of a band arm or 查表 case once it matched (the tracer records it)."""
        return result

    def _fn(self, fn) -> str:
        name = f"B_{fn.name}"
        self.src.consts[name] = _FAST.get(fn.name, fn.impl)
        return name

    def test(self, t: str, iv: A.Interval, scope) -> str:
        parts = []
        if iv.low is not None:
            parts.append(f"{t} {'>=' if iv.low_closed else '>'} {self.expr(iv.low, scope)}")
        if iv.high is not None:
            parts.append(f"{t} {'<=' if iv.high_closed else '<'} {self.expr(iv.high, scope)}")
        return "(" + " and ".join(parts or ["True"]) + ")"

    # ------------------------------------------------------------ lets
    def lets(self, lets: list[A.Let], scope_lets: dict, indent: int, prefix: str) -> None:
        """令 values, computed eagerly in dependency order (the checker rejected cycles).

        Where the interpreter would never compute a value that fails here, the failure
        sends the fact set to the interpreter: eager never changes a score.
        """
        by_name = {let.name: let for let in lets}
        done: set = set()

        def visit(let: A.Let) -> None:
            if let.name in done:
                return
            done.add(let.name)
            for dep in _names_in(let.expr):
                if dep in by_name:
                    visit(by_name[dep])
            var = f"{prefix}{len(scope_lets)}"
            self.src.emit(indent, f"{var} = {self.expr(let.expr, (scope_lets, None))}")
            scope_lets[let.name] = var
        for let in lets:
            visit(let)

    # ------------------------------------------------------------ indicators
    def leaf_constants(self, ind: A.Indicator) -> tuple:
        """(weight, and the names of the constants holding it, the rounding quantum and the rounding mode)."""
        weight = _weight_of(ind)
        r = self.rules.rounding
        return (weight, self.src.const(weight), self.src.const(Decimal(1).scaleb(-r.places)),
                self.src.const(ROUNDING_MODES[r.mode]))

    def leaf(self, ind: A.Indicator, fname: str) -> None:
        src = self.src
        weight, W, Q, R = self.leaf_constants(ind)
        src.emit(0, f"def {fname}(F, S):")
        lets: dict = {}
        scope = (lets, None)
        # 不适用 and 要求 conditions may use 令 values: compute those first
        self.lets([s for s in ind.statements if isinstance(s, A.Let)], lets, 1, "L")
        for s in ind.statements:
            if isinstance(s, A.NotApplicable):
                src.emit(1, f"if _bool({self.expr(s.condition, scope)}):")
                if ind.outside:
                    src.emit(2, f"return {src.const(ZERO)}, None, 'not_applicable'")
                elif self.rules.system is not None and self.rules.system.not_applicable_policy == "renormalise":
                    src.emit(2, "return None, None, 'not_applicable'  # left out; scoring.aggregate re-normalises")
                else:
                    src.emit(2, f"return {W}.quantize({Q}, rounding={R}), None, 'not_applicable'")
        for s in ind.statements:
            if isinstance(s, A.Require):
                src.emit(1, f"if not _bool({self.expr(s.condition, scope)}):")
                src.emit(2, "_nomatch()")
        formula = next((s for s in ind.statements if isinstance(s, A.Formula)), None)
        parts = [s for s in ind.statements if isinstance(s, A.Part)]
        if formula is not None:
            src.emit(1, f"base = {self.expr(formula.expr, scope)}")
        elif parts:
            src.emit(1, f"base = {src.const(ZERO)}")
            for p in parts:
                P = src.const(p.points)
                body = 2
                if p.not_applicable is not None:
                    src.emit(1, f"if _bool({self.expr(p.not_applicable.condition, scope)}):")
                    src.emit(2, f"base += {P}")
                    src.emit(1, "else:")
                else:
                    body = 1
                src.emit(body, f"x = {self.expr(p.expr, scope)}")
                src.emit(body, f"base += {P} if x > {P} else ({src.const(ZERO)} if x < 0 else x)")
        else:
            src.emit(1, f"base = {W}")
        # the interpreter's order of operations, so even the unrounded value is the same digit for digit
        src.emit(1, f"ded = {src.const(ZERO)}")
        for s in ind.statements:
            if isinstance(s, A.Deduct):
                amount = self.expr(s.amount, scope)
                if s.condition is not None:
                    src.emit(1, f"if _bool({self.expr(s.condition, scope)}):")
                    src.emit(2, f"ded += {amount}")
                else:
                    src.emit(1, f"ded += {amount}")
            elif isinstance(s, A.EachDeduct):
                self.each(s, scope)
        src.emit(1, "raw = base - ded")
        src.emit(1, f"if raw < 0: raw = {src.const(ZERO)}")
        src.emit(1, f"if raw > {W}: raw = {W}")
        if ind.penalty:  # 减分项: the points the item loses are taken off the total
            src.emit(1, f"return raw.quantize({Q}, rounding={R}) - {W}, raw - {W}, 'ok'")
        else:
            src.emit(1, f"return raw.quantize({Q}, rounding={R}), raw, 'ok'")
        src.emit(0, "")

    def each(self, s: A.EachDeduct, scope) -> None:
        src = self.src
        lets = scope[0]
        ty = self._fact_type(s.items.segments)
        element = ty.element if ty is not None and ty.kind == "list" else None
        fields = frozenset(element.fields) if element is not None and element.kind == "record" else frozenset()
        item_scope = (lets, ("it", fields, element))
        src.emit(1, "groups = {}")
        src.emit(1, f"for it in {self.expr(s.items, scope)}:")
        if s.skip is not None:
            src.emit(2, f"if _bool({self.expr(s.skip.condition, item_scope)}): continue")
        key = f"it[{s.group_by!r}]" if s.group_by is not None else "None"
        src.emit(2, f"k = {key}")
        src.emit(2, f"groups[k] = groups.get(k, {src.const(ZERO)}) + {self.expr(s.per_item, item_scope)}")
        src.emit(1, f"total = {src.const(ZERO)}")
        if s.group_cap is not None:
            src.emit(1, f"cap = {self.expr(s.group_cap, scope)}")
            src.emit(1, "for v in groups.values(): total += cap if v > cap else v")
        else:
            src.emit(1, "for v in groups.values(): total += v")
        if s.total_cap is not None:
            src.emit(1, f"limit = {self.expr(s.total_cap, scope)}")
            src.emit(1, "if total > limit: total = limit")
        src.emit(1, "ded += total")

    def source(self) -> str:
        return "\n".join(self.src.lines)

    def module(self):
        """(namespace with leaf functions, shared() and grade(), leaf function names by indicator id)."""
        src = self.src
        self.globals: dict = {}
        src.emit(0, "def shared(F):")
        local: dict = {}
        self.lets(list(self.rules.globals.values()), local, 1, "G")
        src.emit(1, f"return ({''.join(v + ', ' for v in local.values())})")
        src.emit(0, "")
        self.globals = {name: f"S[{i}]" for i, name in enumerate(local)}
        names = self.leaves()
        self._grade()
        helpers = {"_num": _num, "_values": _values, "_exists": _exists, "_bool": _bool, "_nomatch": _nomatch,
                   "Judged": Judged}
        return src.run("compiled rules", helpers), names

    def leaves(self) -> dict:
        """Write a function per third-level indicator, in order; their names by indicator id."""
        names: dict = {}

        def visit(ind):
            if ind.children:
                for c in ind.children:
                    visit(c)
                return
            names[id(ind)] = f"leaf{len(names)}"
            self.leaf(ind, names[id(ind)])
        for root in self.rules.roots:
            visit(root)
        return names

    def _grade(self) -> None:
        src = self.src
        system = self.rules.system
        src.emit(0, "def grade(F, S, total):")
        scope = (dict(self.globals), None)
        if system is not None:
            for v in system.vetoes:
                src.emit(1, f"if _bool({self.expr(v.condition, scope)}): return {v.grade!r}")
            for arm in system.grades:
                result = arm.result.value if isinstance(arm.result, A.String) else None
                src.emit(1, f"if {self.test('total', arm.interval, scope)}: return {result!r}")
            if system.grades:
                src.emit(1, "_nomatch()")
        src.emit(1, "return None")


def _names_in(e) -> set:
    """Single-segment names an expression mentions (the 令 values it depends on)."""
    out: set = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Path) and len(x.segments) == 1 and x.star is None:
            out.add(x.segments[0])
        stack.extend(A.subexpressions(x))
    return out


class CompiledScorer:
    """Scores without traces; the same Result shape as the interpreter's Scorer."""

    def __init__(self, rules, facts_ty: Ty, title: Callable[[dict], str]):
        self.rules = rules
        self.title = title
        namespace, names = Compiler(rules, facts_ty).module()
        self._grade = namespace["grade"]
        self._shared = namespace["shared"]
        self._plan = [self._plan_node(ind, 1, namespace, names) for ind in rules.roots]
        self._weight = sum((_weight_of(ind) for ind in rules.roots if not ind.outside), ZERO)
        self._weight_text = plain(self._weight)
        self._places = rules.rounding.places
        renormalise = rules.system is not None and rules.system.not_applicable_policy == "renormalise"
        self._tree = None if renormalise else self._document_source()

    def _plan_node(self, ind, level, namespace, names):
        if ind.children:
            return (ind, level, _weight_of(ind), None, [self._plan_node(c, level + 1, namespace, names)
                                                        for c in ind.children])
        return (ind, level, _weight_of(ind), namespace[names[id(ind)]], None)

    def _document_source(self) -> Callable:
        """The untraced document's tree as one generated function: straight-line code, no recursion.

        Everything no fact set changes — names, weights, levels, rule locations, the JSON
        punctuation — is encoded once into string constants; per fact set only scores, rates and
        statuses are written between them.
        """
        src = _Source()
        places = src.const(self.rules.rounding.places)
        src.emit(0, "def tree(facts, shared):")

        def node(plan) -> tuple[str, str]:
            ind, level, weight, leaf, subs = plan
            head = src.const(f'{{"name": {_js(ind.name)}, "weight": {_js(plain(weight))}, "score": "')
            after = f'", "level": {level}, "at": {_js(f"{ind.span.file}:{ind.span.line}")}, '
            if ind.kind != "normal":
                after += f'{_js(ind.kind)}: true, '
            score, text = src.temp(), src.temp()
            if leaf is not None:
                raw, status = src.temp(), src.temp()
                ok_tail = src.const(after + '"status": "ok"}')
                status_key = src.const(after + '"status": ')
                src.emit(1, f"{score}, {raw}, {status} = {src.const(leaf)}(facts, shared)")
                src.emit(1, f"if {status} == 'ok' and ({raw} is None or {raw} == {score}):")
                src.emit(2, f"{text} = {head} + str({score}) + {ok_tail}")
                src.emit(1, "else:")
                src.emit(2, f"{text} = _leaf_text({head}, {status_key}, {score}, {raw}, {status}, {places})")
                return score, text
            kids = [node(p) for p in subs]
            rate_key = src.const(after + '"status": "ok", "rate": "')
            children_key = src.const('", "children": [')
            src.emit(1, f"{score} = ZERO + {' + '.join(k[0] for k in kids)}")
            src.emit(1, f"{text} = ({head} + fixed({score}, {places}) + {rate_key} + "
                        f"{self._rate_code(src, score, weight)} + {children_key} + "
                        f"{' + COMMA + '.join(k[1] for k in kids)} + CLOSE)")
            return score, text

        roots = [node(p) for p in self._plan]
        src.emit(1, f"total = ZERO + {' + '.join(r[0] for r in roots)}" if roots else "total = ZERO")
        src.emit(1, f"return total, {' + COMMA + '.join(r[1] for r in roots) or 'EMPTY'}")
        helpers = {"ZERO": ZERO, "COMMA": ", ", "CLOSE": "]}", "EMPTY": "", "HUNDRED": Decimal(100),
                   "HALF_UP": decimal.ROUND_HALF_UP, "Q2": Decimal("0.01"), "fixed": fixed, "_leaf_text": _leaf_text}
        return src.run("compiled document", helpers)["tree"]

    @staticmethod
    def _rate_code(src: _Source, score: str, weight: Decimal) -> str:
        """``numbers.percent`` written out for a weight known when compiling."""
        if weight == 0:
            return "'—'"
        return f"format(({score} / {src.const(weight)} * HUNDRED).quantize(Q2, rounding=HALF_UP), 'f') + '%'"

    def score(self, facts: dict) -> Result:
        with decimal.localcontext(CONTEXT):
            shared = self._shared(facts)
            root = Node(None, self.title(facts), 0, self._weight, None, [self._run(p, facts, shared) for p in self._plan])
            aggregate(root, self.rules.rounding)  # group sums and 重新归一, exactly as the interpreter does them
            grade = self._grade(facts, shared, root.score) if root.score is not None else None
        return Result(self.rules, root, grade, None, [], [])

    def document_json(self, facts: dict, head: str) -> tuple[str, Optional[str]]:
        """(JSON text, grade): the untraced explanation document, written straight from the scores.

        Byte for byte what ``json.dumps(explanation.explain(...), ensure_ascii=False)`` gives for
        the interpreter's Result (tests check it).  ``head`` is the document's text up to the tree
        (version, provenance).  Under 重新归一 the tree is built as nodes and encoded with the
        explanation's own ``node_json``: which indicators drop out is only known per fact set.
        """
        if self._tree is None:
            result = self.score(facts)
            root = node_json(result.root, self._places, trace=False)
            del root["status"]
            root["grade"] = result.grade
            return head + json.dumps(root, ensure_ascii=False)[1:], result.grade
        with decimal.localcontext(CONTEXT):
            shared = self._shared(facts)
            total, tree = self._tree(facts, shared)
            grade = self._grade(facts, shared, total)
            text = (f'{head}"name": {_js(self.title(facts))}, "weight": "{self._weight_text}", '
                    f'"score": "{fixed(total, self._places)}", "rate": "{percent(total, self._weight)}", '
                    f'"children": [{tree}], "grade": {_js(grade)}}}')
        return text, grade

    def _run(self, plan, facts, shared) -> Node:
        ind, level, weight, leaf, subs = plan
        if leaf is not None:
            score, raw, status = leaf(facts, shared)
            node = Node(ind, ind.name, level, weight, score, status=status)
            node.unrounded = raw
            return node
        return Node(ind, ind.name, level, weight, None, [self._run(p, facts, shared) for p in subs])


def compile_condition(expr, fields: frozenset, element: Optional[Ty]) -> Callable:
    """A record's 要求 as a function of the record, for the fast facts validator."""
    compiler = Compiler(None, Ty("record"))
    compiler.globals = {}
    body = compiler.expr(expr, ({}, ("it", fields, element)))
    compiler.src.emit(0, "def condition(it):")
    compiler.src.emit(1, f"return {body}")
    helpers = {"_num": _num, "_values": _values, "_exists": _exists, "_bool": _bool, "_nomatch": _nomatch}
    return compiler.src.run("compiled requirement", helpers)["condition"]


def compile_validator(root: Ty, invalid: type) -> Callable:
    """The facts check of the fast path, generated as straight-line code from the declared types.

    It accepts exactly what the full validator accepts without errors or warnings, converting
    the same way (judgements to ``Judged``); anything else raises ``invalid`` and the full
    validator reports it.
    """
    src = _Source()
    functions: list[list[str]] = []
    counter = [0]

    def new_function(ty: Ty) -> str:
        counter[0] += 1
        name = f"v{counter[0]}"
        body: list[str] = []
        functions.append(body)
        body.append(f"def {name}(x):")
        value_code(ty, "x", "r", body, 1)
        body.append("    return r")
        return name

    def range_checks(ty: Ty, var: str, body: list, indent: int) -> None:
        pad = "    " * indent
        decl = ty.decl
        if decl is None:
            return
        iv = decl.interval
        if iv is not None:
            if isinstance(iv.low, A.Number):
                body.append(f"{pad}if {var} {'<' if iv.low_closed else '<='} {src.const(iv.low.value)}: raise Invalid")
            if isinstance(iv.high, A.Number):
                body.append(f"{pad}if {var} {'>' if iv.high_closed else '>='} {src.const(iv.high.value)}: raise Invalid")
        if decl.one_of:
            allowed = src.const(frozenset(decl.one_of))
            body.append(f"{pad}if {var} not in {allowed}: raise Invalid")

    def value_code(ty: Ty, var: str, out: str, body: list, indent: int) -> None:
        pad = "    " * indent
        kind = ty.kind
        if kind in ("number", "rate", "integer"):
            body.append(f"{pad}if type({var}) is not Decimal: raise Invalid")
            if kind == "integer":
                body.append(f"{pad}if {var} != {var}.to_integral_value(): raise Invalid")
            range_checks(ty, var, body, indent)
            body.append(f"{pad}{out} = {var}")
        elif kind == "bool":
            body.append(f"{pad}if {var} is not True and {var} is not False: raise Invalid")
            body.append(f"{pad}{out} = {var}")
        elif kind == "text":
            body.append(f"{pad}if type({var}) is not str: raise Invalid")
            range_checks(ty, var, body, indent)
            body.append(f"{pad}{out} = {var}")
        elif kind == "enum":
            body.append(f"{pad}if type({var}) is not str or {var} not in {src.const(frozenset(ty.enum_values))}: raise Invalid")
            body.append(f"{pad}{out} = {var}")
        elif kind == "judged":
            field = ty.judged_field
            keys = src.const(frozenset({field, "理由"}))
            body.append(f"{pad}if type({var}) is not dict or not {var}.keys() <= {keys}: raise Invalid")
            body.append(f"{pad}j = {var}.get({field!r}); why = {var}.get('理由')")
            body.append(f"{pad}if type(j) is not Decimal or type(why) is not str or not why.strip(): raise Invalid")
            range_checks(ty, "j", body, indent)
            body.append(f"{pad}{out} = Judged({field!r}, j, why)")
        elif kind == "list":
            element = new_function(ty.element)
            body.append(f"{pad}if type({var}) is not list: raise Invalid")
            body.append(f"{pad}{out} = [{element}(e) for e in {var}]")
        elif kind == "map":
            element = new_function(ty.element)
            body.append(f"{pad}if type({var}) is not dict: raise Invalid")
            body.append(f"{pad}{out} = {{k: {element}(e) for k, e in {var}.items()}}")
        elif kind == "record":
            names = src.const(frozenset(ty.fields))
            rec = src.temp()
            body.append(f"{pad}if type({var}) is not dict or not {var}.keys() <= {names}: raise Invalid")
            body.append(f"{pad}{rec} = {{}}")
            for name, fty in ty.fields.items():
                item = src.temp()
                body.append(f"{pad}{item} = {var}.get({name!r})")
                if fty.optional:
                    body.append(f"{pad}if {item} is not None:")
                    value_code(fty, item, f"{rec}[{name!r}]", body, indent + 1)
                else:
                    body.append(f"{pad}if {item} is None: raise Invalid")
                    value_code(fty, item, f"{rec}[{name!r}]", body, indent)
            for req in ty.requires:
                condition = src.const(compile_condition(req.condition, frozenset(ty.fields), ty))
                body.append(f"{pad}if {condition}({rec}) is not True: raise Invalid")
            body.append(f"{pad}{out} = {rec}")
        else:  # "any": an unresolved type; the checker has reported it
            body.append(f"{pad}{out} = {var}")

    entry = new_function(root)
    source = "\n".join(line for body in functions for line in body)
    return src.run("compiled facts check", {"Decimal": Decimal, "Judged": Judged, "Invalid": invalid}, source)[entry]
