"""Compact traces: traced documents whose steps are arrays, and the way back to full steps.

A traced batch line with step objects is some 55 KB: 200 steps per fact set, each a Chinese
sentence with the same facts again in fields, and encoding them costs twice the hand-written
scorer's whole run.  ``CompactTracer`` writes the document with the steps the compiled tracer
(``trace_compiler``) records, ``[site, parent, value…]``; ``expand_document`` turns each back
into the step object the interpreter writes, through the same ``sentences`` functions.  Tests,
the benchmark and the fuzz run hold the two byte for byte equal.
"""

from __future__ import annotations

import decimal
import functools
import json
import re
from decimal import Decimal
from typing import Callable, Optional

from perfdsl.interp.builtins import BuiltinError
from perfdsl.codegen.generator import _leaf_text, _Source
from perfdsl.explain.document import node_json
from perfdsl.interp.numbers import CONTEXT, ZERO, fixed, percent, plain
from perfdsl.interp.scoring import Node, _weight_of, aggregate
from perfdsl.interp.tracer import Step
from perfdsl.codegen.traced import TraceCompiler
from perfdsl.ruleset.types import Ty

_js = functools.partial(json.dumps, ensure_ascii=False)


class _Placeholder:
    """Stands for a leaf's compact steps while the rest of the document is encoded by json.dumps.

    It encodes as ``[{"\\u0000": n}]``, which no JSON string can contain unescaped (its quotes
    would be escaped), so the text put in its place can only land where it belongs.
    """

    def __init__(self, n: int):
        self.n = n

    def to_json(self) -> dict:
        return {"\x00": self.n}


_PLACEHOLDER = re.compile(r'\[\{"\\u0000": (\d+)\}\]')


# ---------------------------------------------------------------- scoring and reading back
class CompactTracer:
    """Traced documents as JSON lines with compact steps, and the way back to full steps."""

    def __init__(self, rules, facts_ty: Ty, percent_paths: frozenset, title: Callable[[dict], str]):
        self.rules = rules
        self.title = title
        compiler = TraceCompiler(rules, facts_ty, percent_paths)
        namespace, names = compiler.module()
        self.sites = compiler.sites
        self._grade = namespace["grade"]
        self._places = rules.rounding.places
        self._weight = sum((_weight_of(ind) for ind in rules.roots if not ind.outside), ZERO)
        renormalise = rules.system is not None and rules.system.not_applicable_policy == "renormalise"
        # Under 重新归一 which indicators drop out is known per fact set: nodes and scoring.aggregate
        self._tree = None if renormalise else self._tree_function(namespace, names)
        self._plan = [self._plan_node(ind, 1, namespace, names) for ind in rules.roots]

    def _plan_node(self, ind, level, namespace, names):
        if ind.children:
            return ind, level, _weight_of(ind), None, [self._plan_node(c, level + 1, namespace, names)
                                                       for c in ind.children]
        return ind, level, _weight_of(ind), namespace[names[id(ind)]], None

    def _nodes(self, plan, facts, G, traces: list) -> Node:
        ind, level, weight, leaf, subs = plan
        if leaf is None:
            return Node(ind, ind.name, level, weight, None, [self._nodes(p, facts, G, traces) for p in subs])
        score, raw, status, steps = leaf(facts, G)
        node = Node(ind, ind.name, level, weight, score, status=status, steps=[_Placeholder(len(traces))])
        node.unrounded = raw
        traces.append(steps)
        return node

    def _document_from_nodes(self, facts: dict, head: str) -> tuple[str, Optional[str]]:
        """The same document built as nodes, so the interpreter's own aggregation re-normalises."""
        traces: list = []
        root = Node(None, self.title(facts), 0, self._weight, None, [self._nodes(p, facts, {}, traces) for p in self._plan])
        aggregate(root, self.rules.rounding)
        grade, steps = self._grade(facts, root.score) if root.score is not None else (None, None)
        doc = node_json(root, self._places, trace=True, texts=False)
        del doc["status"]
        doc["grade"] = grade
        if steps:
            doc["grade_trace"] = [_Placeholder(len(traces)).to_json()]
            traces.append(steps)
        text = head + json.dumps(doc, ensure_ascii=False)[1:]
        return _PLACEHOLDER.sub(lambda m: "[" + ",".join(traces[int(m.group(1))]) + "]", text), grade

    def _tree_function(self, namespace, names) -> Callable:
        """The document's tree as one generated function: scores first, then the text in one join.

        As in the untraced ``CompiledScorer._document_source``, everything no fact set changes is
        encoded once; the pieces of a line are joined once, not concatenated level by level.
        """
        src = _Source()
        places = src.const(self._places)
        src.emit(0, "def tree(F, G):")

        def scores(ind) -> tuple:
            """Emit the code computing this indicator's score; return what writing it needs."""
            score = src.temp()
            if not ind.children:
                raw, status, steps, text = src.temp(), src.temp(), src.temp(), src.temp()
                src.emit(1, f"{score}, {raw}, {status}, {steps} = {src.const(namespace[names[id(ind)]])}(F, G)")
                return ind, score, (raw, status, steps, text), None
            kids = [scores(c) for c in ind.children]
            src.emit(1, f"{score} = ZERO + {' + '.join(k[1] for k in kids)}")
            return ind, score, None, kids

        def pieces(item, level) -> list:
            ind, score, leaf, kids = item
            weight = _weight_of(ind)
            head = src.const(f'{{"name": {_js(ind.name)}, "weight": {_js(plain(weight))}, "score": "')
            after = f'", "level": {level}, "at": {_js(f"{ind.span.file}:{ind.span.line}")}, '
            if ind.kind != "normal":
                after += f'{_js(ind.kind)}: true, '
            if leaf is not None:
                raw, status, steps, text = leaf
                ok_tail = src.const(after + '"status": "ok", "trace": [')
                status_key = src.const(after + '"status": ')
                src.emit(1, f"if {status} == 'ok' and ({raw} is None or {raw} == {score}):")
                src.emit(2, f"{text} = {head} + str({score}) + {ok_tail}")
                src.emit(1, "else:")
                src.emit(2, f"{text} = _leaf_text({head}, {status_key}, {score}, {raw}, {status}, {places})[:-1] + TRACE")
                return [text, f"','.join({steps})", "CLOSE"]
            out = [head, f"fixed({score}, {places})", src.const(after + '"status": "ok", "rate": "'),
                   f"_rate({score}, {src.const(weight)})", src.const('", "children": [')]
            for n, kid in enumerate(kids):
                if n:
                    out.append("COMMA")
                out += pieces(kid, level + 1)
            return out + ["CLOSE"]

        roots = [scores(ind) for ind in self.rules.roots]
        src.emit(1, f"total = ZERO + {' + '.join(r[1] for r in roots)}" if roots else "total = ZERO")
        text: list = []
        for n, item in enumerate(roots):
            if n:
                text.append("COMMA")
            text += pieces(item, 1)
        src.emit(1, f"return total, ''.join(({', '.join(text)}{',' if text else ''}))")
        helpers = {"ZERO": ZERO, "COMMA": ", ", "CLOSE": "]}", "TRACE": ', "trace": [',
                   "fixed": fixed, "_leaf_text": _leaf_text, "_rate": percent}
        return src.run("compiled traced document", helpers)["tree"]

    def document_json(self, facts: dict, head: str) -> tuple[str, Optional[str]]:
        """(JSON text, grade): the traced document with compact steps.  Raises for anything unusual."""
        with decimal.localcontext(CONTEXT):
            if self._tree is None:
                return self._document_from_nodes(facts, head)
            total, tree = self._tree(facts, {})
            grade, steps = self._grade(facts, total)
            text = (f'{head}"name": {_js(self.title(facts))}, "weight": "{plain(self._weight)}", '
                    f'"score": "{fixed(total, self._places)}", "rate": "{percent(total, self._weight)}", '
                    f'"children": [{tree}], "grade": {_js(grade)}')
            if steps:
                text += ', "grade_trace": [' + ",".join(steps) + "]"
        return text + "}", grade

    # ------------------------------------------------------------ reading back
    def expand_steps(self, steps: list) -> list:
        """Compact steps → the interpreter's step objects (step objects pass through)."""
        out = []
        for n, step in enumerate(steps, 1):
            if isinstance(step, dict):
                out.append(step)
                continue
            try:
                out.append(self._step(n, step))
            except (IndexError, TypeError, ValueError, ArithmeticError, AttributeError, KeyError, BuiltinError) as exc:
                raise Damaged(f"step {n}: {exc}") from None
        return out

    def _step(self, n: int, step) -> dict:
        number, parent = _whole(step[0]), _whole(step[1])
        if not 1 <= number <= len(self.sites) or not 0 <= parent < n:
            raise ValueError(f"no site {number} or parent {parent}")
        site = self.sites[number - 1]
        rendered = site.render(*[_decoded(v) for v in step[2:]])
        kind, (text, data) = (rendered[0], rendered[1:]) if site.kind is None else (site.kind, rendered)
        return Step(n, parent or None, kind, text, site.span, data).to_json()


class Damaged(ValueError):
    """A compact step that cannot be what perfdsl wrote: ``perfdsl expand`` reports the line (X003)."""


def _whole(v) -> int:
    if not isinstance(v, Decimal) or not v.is_finite() or v.adjusted() > 9 or v != v.to_integral_value():
        raise ValueError(f"not a step number: {v!r}")
    return int(v)


def _decoded(v):
    if isinstance(v, dict):
        if len(v) == 1 and "$decimal" in v:
            return Decimal(v["$decimal"])
        return {k: _decoded(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_decoded(x) for x in v]
    return v


def read_document(text: str):
    """A JSON line parsed so that compact steps keep exact decimals (-0 and 1.50 included).

    Numbers are read as decimals; in a perfdsl document, outside compact steps (levels, line
    numbers, step ids of step objects), they are whole numbers and go back to ints.  Raises
    ValueError for text that is not JSON, ``Damaged`` for a document no perfdsl wrote so.
    """
    try:
        doc = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except (ArithmeticError, RecursionError) as exc:  # a number no decimal holds, or nesting beyond reason
        raise ValueError(f"无法读取（{type(exc).__name__}）") from None
    if isinstance(doc, dict) and isinstance(doc.get("perfdsl"), dict):
        try:
            return _ints(doc)
        except ValueError as exc:
            raise Damaged(str(exc)) from None
    return doc


def _ints(v):
    if isinstance(v, Decimal):
        return _whole(v)
    if isinstance(v, dict):
        for k, x in v.items():
            if k in ("trace", "grade_trace") and isinstance(x, list):
                v[k] = [_ints(s) if isinstance(s, dict) else s for s in x]
            else:
                v[k] = _ints(x)
        return v
    if isinstance(v, list):
        return [_ints(x) for x in v]
    return v


def is_compact(doc: dict) -> bool:
    header = doc.get("perfdsl")
    return isinstance(header, dict) and header.get("trace") == "compact"


def expand_document(doc: dict, tracer: CompactTracer) -> dict:
    """A compact traced document (from ``read_document``) → the full document the interpreter writes."""
    header = doc.get("perfdsl")
    if isinstance(header, dict):
        header.pop("trace", None)

    def walk(node):
        if isinstance(node.get("trace"), list):
            node["trace"] = tracer.expand_steps(node["trace"])
        for child in node.get("children", ()):
            walk(child)
    walk(doc)
    if isinstance(doc.get("grade_trace"), list):
        doc["grade_trace"] = tracer.expand_steps(doc["grade_trace"])
    return doc


def expanded_json(doc: dict, tracer: CompactTracer) -> str:
    """``expand_document`` as the line ``perfdsl eval`` writes without ``--compact-trace``.

    Raises ``Damaged`` when the document cannot be what perfdsl wrote, for example when a
    value that belongs in a sentence as text arrived as a number.
    """
    try:
        return json.dumps(expand_document(doc, tracer), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise Damaged(str(exc)) from None
