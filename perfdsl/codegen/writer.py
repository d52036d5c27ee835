"""The generated document writer at run time: plain data around a rule set's generated functions.

``GeneratedScorer`` (``codegen/scorer.py``) generates the functions; a ``DocumentWriter`` is
what runs them and writes the document's text, and it imports neither the code generator nor
the plan.  The warm road (``perfdsl.warm``) pickles the traced one into a rule set's bundle
(its functions as their programs, ``codegen/program.py``) and writes a fact set's document in a
process that imports no syntax tree, attrs or rich.
"""

from __future__ import annotations

import decimal
import functools
import json
from decimal import Decimal

from perfdsl.interp.numbers import CONTEXT, fixed, percent

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from typing import Callable, Optional

# json.dumps(v, ensure_ascii=False) builds an encoder per call; this one is made once and writes the same text
_js = json.JSONEncoder(ensure_ascii=False).encode
source_json = functools.lru_cache(maxsize=64)(_js)  # a batch names the same facts file on every line


def document_head(ruleset_head: str, facts_source: Optional[str], facts_sha256: Optional[str],
                  line: Optional[int] = None, evidence: Optional[dict[str, str]] = None) -> str:
    """The JSON text of an ok document up to its tree, as ``explain.document.assemble`` orders it and json.dumps
    writes it; ``ruleset_head``: the rule set's part (``perfdsl`` and ``ruleset``, each with its comma)."""
    text = "{" if line is None else f'{{"line": {line}, '
    text += ruleset_head
    if facts_source is not None or facts_sha256 is not None:
        text += f'"facts": {{"source": {source_json(facts_source)}, "sha256": {_js(facts_sha256)}}}, '
    if evidence:
        text += f'"evidence": {json.dumps(evidence, ensure_ascii=False)}, '
    return text + '"status": "ok", '


class DocumentWriter:
    """The document of a rule set without 重新归一, traced (compact steps) or not, from its generated functions.

    ``tree(F, G)`` is the generated document tree (``GeneratedScorer._tree_function``, set when first needed),
    ``grade(F, G, total)`` the generated grade, ``shared(F)`` the untraced shared 令 values (None traced).
    """

    __slots__ = ("tree", "grade", "shared", "traced", "title", "weight", "weight_text", "places")

    def __init__(self, tree: Optional[Callable], grade: Callable, shared: Optional[Callable], traced: bool,
                 title: Callable[[dict], str], weight: Decimal, weight_text: str, places: int):
        self.tree, self.grade, self.shared, self.traced = tree, grade, shared, traced
        self.title, self.weight, self.weight_text, self.places = title, weight, weight_text, places

    def globals(self, facts: dict):
        """What the leaves read shared 令 from: all computed now, or (traced) a cache filled on first use."""
        return {} if self.shared is None else self.shared(facts)

    def grade_of(self, facts: dict, G, total):
        """(grade, steps); traced, the grade is worked out afresh, as the interpreter's fresh evaluator does."""
        if self.traced:
            return self.grade(facts, {}, total)
        return self.grade(facts, G, total), None

    def text(self, facts: dict, head: str) -> tuple[str, Optional[str]]:
        """(JSON text, grade): ``head`` is the document's text up to the tree (version, provenance)."""
        assert self.tree is not None  # set by its scorer before the first document (the bundle holds it set)
        with decimal.localcontext(CONTEXT):
            G = self.globals(facts)
            total, tree = self.tree(facts, G)
            grade, steps = self.grade_of(facts, G, total)
            text = (f'{head}"name": {_js(self.title(facts))}, "weight": "{self.weight_text}", '
                    f'"score": "{fixed(total, self.places)}", "rate": "{percent(total, self.weight)}", '
                    f'"children": [{tree}], "grade": {_js(grade)}')
            if steps:
                text += ', "grade_trace": [' + ",".join(steps) + "]"
        return text + "}", grade

    def __reduce__(self):
        return DocumentWriter, (self.tree, self.grade, self.shared, self.traced, self.title, self.weight,
                                self.weight_text, self.places)
