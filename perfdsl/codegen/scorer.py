"""The generated scorer and its one document writer, traced (compact steps) or not.

``GeneratedScorer`` runs the functions ``generator`` wrote for a plan and writes the JSON
document straight from the scores: everything no fact set changes (names, weights, levels,
rule locations, the JSON punctuation) is encoded once, by ``explain.document``'s own layout,
into constants of one generated function; per fact set only scores, rates, statuses — and,
traced, each leaf's steps — are joined between them.  Under 重新归一, where which indicators
drop out is known only per fact set, the scores become nodes and the interpreter's own
``aggregate`` and ``node_json`` write the document.  Tests hold every document byte for byte
equal to the interpreter's (the compact one after ``expand``).
"""

from __future__ import annotations

import decimal
import json
import re
from typing import Callable, Optional

from perfdsl.codegen.generator import Generator, Source
from perfdsl.codegen.recording import TracedGenerator
from perfdsl.codegen.runtime import EXPORTED
from perfdsl.codegen.writer import DocumentWriter
from perfdsl.explain.document import leaf_layout, node_json
from perfdsl.interp.numbers import CONTEXT, fixed, percent, plain
from perfdsl.interp.scoring import Node, Result, aggregate
from perfdsl.plan import Plan, PlanNode

# json.dumps(v, ensure_ascii=False) builds an encoder per call; this one is made once and writes the same text
_js = json.JSONEncoder(ensure_ascii=False).encode


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


class GeneratedScorer:
    """The plan's generated functions, and the documents written from what they return."""

    def __init__(self, plan: Plan, title: Callable[[dict], str], traced: bool = False):
        self.plan = plan
        self.rules = plan.rules
        self.title = title
        self.traced = traced
        generator = (TracedGenerator if traced else Generator)(plan)
        namespace = generator.module()
        # no record's key order reaches a step (``codegen.record_order``): the facts may be checked in place
        self.order_free = generator.order_free
        self.program = namespace["__program__"]
        self._leaves = [namespace[f"leaf{leaf.index}"] for leaf in plan.leaves]
        self._places = plan.rounding.places
        # what runs the generated functions and writes the document (its tree generated on first use); the
        # tree as UTF-8 bytes likewise (a batch to a file needs only the bytes); no tree under 重新归一, where
        # the interpreter's aggregation writes the document
        self.writer = DocumentWriter(None, namespace["grade"], None if traced else namespace["shared"], traced,
                                     title, plan.weight, plain(plan.weight), self._places)
        self._tree_bytes: Optional[Callable] = None

    def _globals(self, facts: dict):
        return self.writer.globals(facts)

    def _grade_of(self, facts: dict, G, total):
        return self.writer.grade_of(facts, G, total)

    # ------------------------------------------------------------ scores
    def score(self, facts: dict) -> Result:
        """The untraced Result, for library callers (the same shape as the interpreter's)."""
        with decimal.localcontext(CONTEXT):
            G = self._globals(facts)
            root = Node(None, self.title(facts), 0, self.plan.weight, None,
                        [self._node(n, facts, G, None) for n in self.plan.roots])
            aggregate(root, self.rules.rounding)  # group sums and 重新归一, exactly as the interpreter does them
            grade = self._grade_of(facts, G, root.score)[0] if root.score is not None else None
        return Result(self.rules, root, grade, None, [], [])

    def _node(self, pn: PlanNode, facts: dict, G, traces: Optional[list]) -> Node:
        ind = pn.indicator
        if pn.leaf is None:
            children = [self._node(c, facts, G, traces) for c in pn.children]
            return Node(ind, ind.name, pn.level, pn.weight, None, children)
        out = self._leaves[pn.leaf.index](facts, G)
        node = Node(ind, ind.name, pn.level, pn.weight, out[0], status=out[2])
        node.unrounded = out[1]
        if traces is not None:
            node.steps = [_Placeholder(len(traces))]  # type: ignore[list-item]  # json.dumps writes it as a marker
            traces.append(out[3])
        return node

    # ------------------------------------------------------------ documents
    def document_json(self, facts: dict, head: str) -> tuple[str, Optional[str]]:
        """(JSON text, grade): the explanation document, traced with compact steps or untraced.

        Byte for byte what ``json.dumps(explain(...), ensure_ascii=False)`` gives for the
        interpreter's Result (untraced; traced, after ``expand``).  ``head`` is the document's
        text up to the tree (version, provenance).  Raises for anything unusual.
        """
        if self.plan.renormalise:
            with decimal.localcontext(CONTEXT):
                return self._document_from_nodes(facts, head)
        return self.document_writer().text(facts, head)

    def document_writer(self) -> DocumentWriter:
        """The writer with its document tree generated: what ``document_json`` runs, and the warm bundle keeps."""
        if self.writer.tree is None:
            self.writer.tree = self._tree_function()
        return self.writer

    def document_bytes(self, facts: dict, head: bytes) -> tuple[bytes, Optional[str]]:
        """``document_json``'s text encoded as UTF-8, written as bytes: what a batch writes to its output file.

        Made from pieces encoded once (every name, place and JSON punctuation) and the line's own pieces, which
        are mostly ASCII, so no character of the line is widened into a string of Chinese text and encoded
        again (``document_json`` and the output stream's encoder did that for every line).  Raises
        ``UnicodeEncodeError`` for a text holding a lone surrogate (the text way writes it replaced).
        """
        with decimal.localcontext(CONTEXT):
            if self.plan.renormalise:
                text, grade = self._document_from_nodes(facts, head.decode())
                return text.encode(), grade
            if self._tree_bytes is None:
                self._tree_bytes = self._tree_function(encoded=True)
            G = self._globals(facts)
            total, tree = self._tree_bytes(facts, G)
            grade, steps = self._grade_of(facts, G, total)
            parts = [head, b'"name": ', _js(self.title(facts)).encode(),
                     f', "weight": "{self.writer.weight_text}", "score": "{fixed(total, self._places)}", '
                     f'"rate": "{percent(total, self.plan.weight)}", "children": ['.encode(),
                     tree, b'], "grade": ', _js(grade).encode()]
            if steps:
                parts += (b', "grade_trace": [', ",".join(steps).encode(), b"]")
        parts.append(b"}")
        return b"".join(parts), grade

    def _document_from_nodes(self, facts: dict, head: str) -> tuple[str, Optional[str]]:
        """The same document built as nodes, so the interpreter's own aggregation re-normalises."""
        traces: Optional[list] = [] if self.traced else None
        G = self._globals(facts)
        root = Node(None, self.title(facts), 0, self.plan.weight, None,
                    [self._node(n, facts, G, traces) for n in self.plan.roots])
        aggregate(root, self.rules.rounding)
        grade, steps = self._grade_of(facts, G, root.score) if root.score is not None else (None, None)
        doc = node_json(root, self._places, trace=self.traced, texts=False)
        del doc["status"]
        doc["grade"] = grade
        if traces is not None and steps:
            doc["grade_trace"] = [_Placeholder(len(traces)).to_json()]
            traces.append(steps)
        text = head + json.dumps(doc, ensure_ascii=False)[1:]
        if traces is not None:
            text = _PLACEHOLDER.sub(lambda m: "[" + ",".join(traces[int(m.group(1))]) + "]", text)
        return text, grade

    def _tree_function(self, encoded: bool = False) -> Callable:
        """The document's tree as one generated function: scores first, then the text in one join.

        ``encoded``: the text as UTF-8 bytes, its constant pieces encoded here and the line's own pieces (scores,
        rates, steps) encoded as they are made.
        """
        src = Source()
        places = src.const(self._places)
        traced = self.traced

        def text(value: str) -> str:
            """A constant piece of the text, as the join takes it."""
            return src.const(value.encode() if encoded else value)

        def made(code: str) -> str:
            """A piece made per line (``code`` gives a str), as the join takes it."""
            return f"{code}.encode()" if encoded else code

        mark = {m: text(str(EXPORTED[m])) if encoded else m for m in ("TRACE", "CLOSE", "COMMA", "END")}
        empty = "b''" if encoded else "''"
        src.emit(0, "def tree(F, G):")

        def scores(pn: PlanNode) -> tuple:
            """Emit the code computing this indicator's score; return what writing it needs."""
            score = src.temp()
            if pn.leaf is not None:
                raw, status, steps, text = src.temp(), src.temp(), src.temp(), src.temp()
                shown = src.temp() if traced and not pn.indicator.penalty else None  # the text the leaf made
                outs = f"{score}, {raw}, {status}" + (f", {steps}, {shown or '_'}" if traced else "")
                src.emit(1, f"{outs} = {src.const(self._leaves[pn.leaf.index])}(F, G)")
                if traced:  # its steps as text at once: no list per leaf kept to the end for the collector to scan
                    src.emit(1, f"{steps} = " + made(f"','.join({steps})"))
                return pn, score, (raw, status, steps, text, shown), None
            kids = [scores(c) for c in pn.children]
            src.emit(1, f"{score} = ZERO + {' + '.join(k[1] for k in kids)}")
            return pn, score, None, kids

        def pieces(item) -> list:
            pn, score, leaf, kids = item
            head, after = leaf_layout(pn.indicator, pn.weight, pn.level)
            head_c = text(head)
            if leaf is not None:
                raw, status, steps, tail, made_text = leaf
                shown = src.temp()  # the score's text, and ``tail`` what follows it: both go into the one join
                ok_tail, status_key = text(after + '"status": "ok"'), src.const(after + '"status": ')
                unrounded = (f"{ok_tail} + b', \"unrounded\": \"' + {_text_of(raw)}.encode() + b'\"'" if encoded
                             else f"f'{{{ok_tail}}}, \"unrounded\": \"{{str({raw})}}\"'")
                src.emit(1, f"if {status} == 'ok':")  # as ``leaf_text``, without the call: most leaves
                src.emit(2, f"{shown} = {made(made_text or _text_of(score))}")
                src.emit(2, f"{tail} = {ok_tail} if {raw} is None or {raw} == {score} else {unrounded}")
                src.emit(1, "else:")
                src.emit(2, f"{shown} = {empty}")
                src.emit(2, f"{tail} = " + made(f"_leaf_text('', {status_key}, {score}, {raw}, {status}, {places})"))
                out = [head_c, shown, tail]
                return out + [mark["TRACE"], steps, mark["CLOSE"]] if traced else out + [mark["END"]]
            rate, rate_tail = _rate_code(src, score, pn.weight)
            out = [head_c, made(_fixed_code(src, score, self._places, places)),
                   text(after + '"status": "ok", "rate": "'),
                   made(rate), text(rate_tail + '", "children": [')]
            for n, kid in enumerate(kids):
                if n:
                    out.append(mark["COMMA"])
                out += pieces(kid)
            return out + [mark["CLOSE"]]

        roots = [scores(pn) for pn in self.plan.roots]
        src.emit(1, f"total = ZERO + {' + '.join(r[1] for r in roots)}" if roots else "total = ZERO")
        joined: list = []
        for n, item in enumerate(roots):
            if n:
                joined.append(mark["COMMA"])
            joined += pieces(item)
        joined = _merged(src, joined)
        src.emit(1, f"return total, {empty}.join(({', '.join(joined)}{',' if joined else ''}))")
        name = ("traced document" if traced else "compiled document") + (" as UTF-8" if encoded else "")
        return src.run(name)["tree"]

    # ------------------------------------------------------------ reading compact steps back
    def expand_steps(self, steps: list) -> list:
        from perfdsl.explain.compact import expand_steps
        return expand_steps(self.plan.sites, steps)


def _merged(src: Source, parts: list) -> list:
    """The join's parts with each run of constant texts made one constant: fewer pieces to join per line."""
    out: list = []
    run: list = []  # str or bytes, as the join
    for part in parts:
        value = src.consts.get(part, EXPORTED.get(part))
        if isinstance(value, (str, bytes)) and part.isidentifier():  # a constant's name, not an expression
            run.append(value)
            continue
        if run:
            out.append(src.const(type(run[0])().join(run)))
            run = []
        out.append(part)
    if run:
        out.append(src.const(type(run[0])().join(run)))
    return out


def _text_of(code: str) -> str:
    """``str(code)`` written as an f-string's ``!s``: the same text, without calling the builtin ``str``."""
    return f"f'{{{code}!s}}'"


def _fixed_code(src: Source, score: str, places: int, places_const: str) -> str:
    """``numbers.fixed`` of a group's score, its common case without the call: a variable holding the text.

    For 1 or 2 places, ``fixed`` returns ``str`` as it is exactly when its text has a ``.`` that many
    characters from the end: a text in exponent notation ends ``E``, a sign and digits, never ``.`` there.
    """
    if places not in (1, 2):
        return f"fixed({score}, {places_const})"
    text = src.temp()
    src.emit(1, f"{text} = {_text_of(score)}")
    src.emit(1, f"if {text}[{-places - 1}:{-places}] != '.': {text} = fixed({score}, {places_const})")
    return text


def _rate_code(src: Source, score: str, weight) -> tuple[str, str]:
    """``numbers.percent`` written out for a weight known when generating: (code, constant text after it).

    ``str`` of the quantized rate is its ``format(…, 'f')``: quantized to 0.01 its exponent is -2, and
    ``str`` writes a finite decimal with an exponent of at most 0 and an adjusted exponent of at least -6
    plainly, digit for digit.  The ``%`` joins the constant after it.
    """
    if weight == 0:
        return "'—'", ""
    return _text_of(f"({score} / {src.const(weight)} * HUNDRED).quantize(Q2, HALF_UP)"), "%"
