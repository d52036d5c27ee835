"""The explanation: a result as a plain, versioned JSON-able document.

Renderers read only this document.  Scores are exact decimal strings;
the document is deterministic for the same rules and facts.
"""

from __future__ import annotations

import json
from typing import Optional

from perfdsl import __version__
from perfdsl.codegen.writer import document_head, source_json
from perfdsl.interp.numbers import fixed, percent, plain
from perfdsl.interp.scoring import Node, Result
from perfdsl.ruleset.types import display

SCHEMA_VERSION = 1


def _identity(name: str, weight) -> dict:
    """A node's fields before its score: the layout both document writers follow."""
    return {"name": name, "weight": plain(weight)}


def _place(ind, level: int) -> dict:
    """An indicator's fields after its score: level, rule location, 加分项/减分项, warnings accepted by 允许."""
    out: dict = {"level": level, "at": f"{ind.span.file}:{ind.span.line}"}
    if ind.outside:
        out[ind.kind] = True
    if ind.accepted:
        out["accepted"] = [{"code": a.code, "reason": a.reason} for a in ind.accepted]
    return out


def leaf_layout(ind, weight, level: int) -> tuple[str, str]:
    """The JSON text of an indicator's node around its score, for the generated writer.

    (text up to the score's opening quote, text from its closing quote up to ``"status"``):
    exactly what ``node_json`` gives, encoded once per rule set.
    """
    head = json.dumps(_identity(ind.name, weight), ensure_ascii=False)[:-1] + ', "score": "'
    return head, '", ' + json.dumps(_place(ind, level), ensure_ascii=False)[1:-1] + ", "


def node_json(node: Node, places: int, trace: bool, texts: bool = True) -> dict:
    out = _identity(node.name, node.weight)
    out["score"] = fixed(node.score, places) if node.score is not None else None
    if node.indicator is not None:
        out.update(_place(node.indicator, node.level))
    out["status"] = node.status
    if node.children:
        if node.score is not None:
            out["rate"] = percent(node.score, node.weight)
        out["children"] = [node_json(c, places, trace, texts) for c in node.children]
        if trace and node.steps:
            out["trace"] = [s.to_json() for s in node.steps]
    else:
        ind = node.indicator
        if ind is not None and trace and texts:  # the rule texts travel with a single traced document
            if ind.explanation:
                out["explanation"] = ind.explanation
            if ind.criteria:
                out["criteria"] = ind.criteria
        if node.unrounded is not None and node.score is not None and node.unrounded != node.score:
            out["unrounded"] = str(node.unrounded)
        if trace and node.steps is not None:
            out["trace"] = [s.to_json() for s in node.steps]
    if node.errors:
        out["errors"] = [d.to_json() for d in node.errors]
    return out


def explain(result: Result, trace: bool = True, facts_source: Optional[str] = None,
            facts_sha256: Optional[str] = None, texts: bool = True) -> dict:
    """``texts``: include each indicator's 指标解释 and 评分标准 (left out of batch lines: the rules hold them)."""
    root = node_json(result.root, result.rules.rounding.places, trace, texts)
    doc = assemble(result.rules, root, result.grade, result.ok, facts_source, facts_sha256, result.evidence)
    if trace and result.grade_steps:
        doc["grade_trace"] = [s.to_json() for s in result.grade_steps]
    if result.errors:
        doc["errors"] = [d.to_json() for d in result.errors]
    if result.warnings:
        doc["warnings"] = [d.to_json() for d in result.warnings]
    return doc


def assemble(rules, root: dict, grade: Optional[str], ok: bool = True, facts_source: Optional[str] = None,
             facts_sha256: Optional[str] = None, evidence: Optional[dict[str, str]] = None) -> dict:
    """The document around a result tree: version, provenance (the facts' evidence only when there is some),
    status, the tree, the grade."""
    doc: dict = {"perfdsl": {"version": __version__, "schema": SCHEMA_VERSION}, "ruleset": ruleset_header(rules)}
    if facts_source is not None or facts_sha256 is not None:
        doc["facts"] = {"source": facts_source, "sha256": facts_sha256}
    if evidence:
        doc["evidence"] = dict(evidence)
    doc["status"] = "ok" if ok else "partial"
    root.pop("status", None)
    doc.update(root)
    doc["grade"] = grade
    return doc


_PER_RULES: dict[tuple, tuple] = {}
# what json.dumps(v, ensure_ascii=False) writes, without the encoder it builds per call (once per batch line here)
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _once_per_rules(what: str, rules, build):
    """The same for every fact set of a batch: built once per rule set (keyed with the object itself)."""
    key = (what, id(rules))
    hit = _PER_RULES.get(key)
    if hit is None or hit[0] is not rules:
        hit = (rules, build(rules))
        if len(_PER_RULES) > 8:
            _PER_RULES.clear()
        _PER_RULES[key] = hit
    return hit[1]


def ruleset_header(rules) -> dict:
    return _once_per_rules("header", rules, _header)


def head_json(rules, facts_source: Optional[str], facts_sha256: Optional[str], line: Optional[int] = None,
              compact: bool = False, evidence: Optional[dict[str, str]] = None) -> str:
    """The JSON text of an ok document up to its tree: what ``assemble`` puts first, encoded as json.dumps would.

    ``compact``: the header says the steps are compact (``perfdsl expand`` writes them out in full).
    """
    return document_head(_once_per_rules("compact head" if compact else "head", rules,
                                         _compact_head_text if compact else _head_text),
                         facts_source, facts_sha256, line, evidence)


def head_bytes(rules, facts_source: Optional[str], facts_sha256: Optional[str], line: Optional[int] = None,
               compact: bool = False, evidence: Optional[dict[str, str]] = None) -> bytes:
    """``head_json``'s text encoded as UTF-8, the rule set's part encoded once: for ``document_bytes``.

    Raises ``UnicodeEncodeError`` for a lone surrogate (a file name read with surrogateescape).
    """
    text = b"{" if line is None else b'{"line": %d, ' % line
    text += _once_per_rules("compact head bytes" if compact else "head bytes", rules,
                            lambda r: (_compact_head_text if compact else _head_text)(r).encode())
    if facts_source is not None or facts_sha256 is not None:
        text += b'"facts": {"source": %b, "sha256": %b}, ' % (source_json(facts_source).encode(),
                                                               _ENCODE(facts_sha256).encode())
    if evidence:
        text += f'"evidence": {json.dumps(evidence, ensure_ascii=False)}, '.encode()
    return text + b'"status": "ok", '


def _head_text(rules) -> str:
    header = {"perfdsl": {"version": __version__, "schema": SCHEMA_VERSION}, "ruleset": ruleset_header(rules)}
    return json.dumps(header, ensure_ascii=False)[1:-1] + ", "


def _compact_head_text(rules) -> str:
    header = {"perfdsl": {"version": __version__, "schema": SCHEMA_VERSION, "trace": "compact"},
              "ruleset": ruleset_header(rules)}
    return json.dumps(header, ensure_ascii=False)[1:-1] + ", "


def _header(rules) -> dict:
    out = {"name": rules.name,
           "files": [{"path": s.path, "sha256": s.sha256}
                     for s in sorted(rules.sources.values(), key=lambda s: s.path)]}
    shown = display(rules)
    if shown:  # the facts' declared 单位 and 显示为, for the renderers
        out["display"] = shown
    return out


def failure(diagnostics, facts_source: Optional[str] = None, line: Optional[int] = None) -> dict:
    doc: dict = {"perfdsl": {"version": __version__, "schema": SCHEMA_VERSION}, "status": "error"}
    if facts_source is not None:
        doc["facts"] = {"source": facts_source}
    if line is not None:
        doc["line"] = line
    doc["errors"] = [d.to_json() for d in diagnostics]
    return doc
