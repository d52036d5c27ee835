"""The library entry point: load and check a rule set once, then score fact sets.

``perfdsl.load("rules/")`` returns an ``Engine``: picklable, so it can be shipped to worker
processes.  The engine lowers the rules to one ``Plan``; the generated scorers (untraced, and
traced with compact steps) and the interpreter all work from it.  The generated ones score
the ordinary fact set; the interpreter scores the rest and explains what is wrong with it.

Generating code costs more than scoring one fact set with the interpreter (the seed's facts check:
15 ms to generate, 0.2 ms to run either way; its scorer: 11 ms to generate, 0.6 ms to interpret),
so ``score`` interprets the first fact set an engine is given and generates from the second on, and
the code generator is imported only then.  The result is the same either way (both roads agree byte
for byte); ``fast_json`` and ``compact_json``, which serve batches, generate at once.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Optional

from perfdsl.codegen.runtime import Fallback, Unsupported
from perfdsl.diagnostics import PerfdslError
from perfdsl.digest import sha256
from perfdsl.explain.document import explain, head_bytes, head_json
from perfdsl.interp.scoring import Result, Scorer
from perfdsl.plan import Plan
from perfdsl.plan import rate_paths as rate_paths
from perfdsl.ruleset.check import Checked
from perfdsl.ruleset.evidence import mentioned
from perfdsl.ruleset.evidence import split as split_evidence
from perfdsl.ruleset.facts import FactsSyntaxError, FactValidator, Invalid, no_duplicate_keys, parse_json, plain_json
from perfdsl.ruleset.gcpause import paused
from perfdsl.ruleset.loader import RuleSet

if TYPE_CHECKING:
    from perfdsl.codegen.scorer import GeneratedScorer

# The named, expected cases that send a fact set from the fast path to the interpreter, which
# scores it again and says what is wrong: facts the fast check does not vouch for, text that
# is not plain JSON, anything the generated code declines (a value no band covers, a failed
# 要求…), a fact the rules need that is absent, and arithmetic that fails (division by zero).
# Anything else is a bug in perfdsl and is raised.
FAST_PATH_MISSES = (Fallback, Invalid, FactsSyntaxError, KeyError, ArithmeticError)


class Engine:
    """Scores with the generated scorers when it can, else with the interpreter.

    ``fast=False`` forces the interpreter everywhere (the reference engine).
    """

    def __init__(self, checked: Checked, fast: bool = True):
        self.checked = checked
        self.rules: RuleSet = checked.rules
        with paused():  # a large structure and few cycles (ruleset.gcpause): 10,000 indicators 0.9 s → 0.3 s
            self.plan = Plan(checked.rules, checked.facts_type, checked.percents)
        self.scorer = Scorer(self.plan)
        self.fast = fast
        self._validate = None
        self._validate_owned = None
        self._validate_counted: Any = None  # the in-place check that also counts dict entries (fast_json)
        self._validate_copied: Any = None  # the copying check that also counts them (compact_json)
        self._compiled: Optional[GeneratedScorer] = None
        self._tracer: GeneratedScorer | bool | None = None  # False: these rules cannot be traced compact
        self.compact_unsupported: Optional[str] = None  # why these rules' traces cannot be compact, if so
        self._interpreted_first = False  # ``score`` has had its first fact set (interpreted: see the docstring)

    def __getstate__(self):
        state = self.__dict__.copy()
        for generated in ("_validate", "_validate_owned", "_validate_counted", "_validate_copied", "_compiled",
                          "_tracer"):
            state[generated] = None  # generated code is rebuilt on arrival
        return state

    def validator(self):
        """The generated facts check (built on first use)."""
        if self._validate is None:
            from perfdsl.codegen.validator import compile_validator
            self._validate = compile_validator(self.checked.facts_type, Invalid)
        return self._validate

    def owned_validator(self):
        """The generated facts check converting the facts it is given in place: for facts no one else holds."""
        if self._validate_owned is None:
            from perfdsl.codegen.validator import compile_owned_validators
            self._validate_owned, self._validate_counted = compile_owned_validators(self.checked.facts_type, Invalid)
        return self._validate_owned

    def _owned_facts(self, text: str, source: str, copied: bool = False) -> tuple[Any, dict[str, str]]:
        """``_parsed`` and the in-place check, for the untraced batch: facts and evidence, or a fast-path miss.

        ``copied``: the copying check instead (records rebuilt in declared order), for compact traces whose steps
        could show a record's key order (``codegen.record_order``).

        A text that cannot hold evidence is parsed first by the C decoder into plain dicts, with no
        Python call per object; the check counts the entries of the dicts it walks, and
        ``no_duplicate_keys`` proves from that count and the text that there was no duplicate key.
        Anything else — no proof, a text the plain parse turns away, evidence — goes the way it
        always went: the strict parse (which names a duplicate key), then the check.
        """
        if not mentioned(text):
            if copied and self._validate_copied is None:
                from perfdsl.codegen.validator import compile_counted_validator
                self._validate_copied = compile_counted_validator(self.checked.facts_type, Invalid)
            elif self._validate_counted is None:
                self.owned_validator()
            try:
                data = plain_json(text)
            except (ValueError, ArithmeticError, RecursionError):
                pass  # the strict parse below says it as it always did
            else:
                facts, entries = (self._validate_copied if copied else self._validate_counted)(data)
                if no_duplicate_keys(text, entries):
                    return facts, {}
        data, evidence = self._parsed(text, source)
        return (self.validator() if copied else self.owned_validator())(data), evidence

    def compiled(self) -> GeneratedScorer:
        """The untraced generated scorer (built on first use)."""
        if self._compiled is None:
            from perfdsl.codegen.scorer import GeneratedScorer
            self._compiled = GeneratedScorer(self.plan, self.scorer._title)
        return self._compiled

    def compact_tracer(self) -> Optional[GeneratedScorer]:
        """The traced generated scorer (built on first use); None if some construct is not covered."""
        from perfdsl.codegen.scorer import GeneratedScorer
        if self._tracer is None:
            try:
                self._tracer = GeneratedScorer(self.plan, self.scorer._title, traced=True)
            except Unsupported as exc:
                self._tracer = False
                self.compact_unsupported = str(exc)
        return self._tracer if isinstance(self._tracer, GeneratedScorer) else None

    @classmethod
    def from_path(cls, path: str | os.PathLike, fast: bool = True, cache: bool = True) -> "Engine":
        """Parse and check once; with ``cache`` a rule set seen before loads from the compiled-rule cache."""
        from perfdsl.ruleset.cache import load_checked
        checked = load_checked(path, use_cache=cache)
        if checked.errors:
            raise PerfdslError(checked.errors, checked.rules.sources)
        return cls(checked, fast)

    def score(self, facts, trace: bool = True, hits: Optional[set] = None) -> Result:
        """Validate one fact set (parsed JSON: numbers as Decimal) and score it.

        Evidence written beside a fact (``{"值": …, "来源": "…"}``, ``ruleset.evidence``) is taken out first:
        the scorers never see it, and the Result carries it for the document.
        """
        return self._score_with_evidence(facts, trace, hits)

    def _score_with_evidence(self, facts, trace: bool, hits: Optional[set], may_hold: bool = True) -> Result:
        """``may_hold`` false: the facts' text never mentions 来源, so there is no evidence to take out."""
        evidence: dict[str, str] = {}
        if may_hold:
            facts, evidence, problems = split_evidence(facts, self.checked.facts_type)
            if problems:
                validator = FactValidator(self.checked.facts_type)
                validator.validate(facts)
                raise PerfdslError(problems + validator.errors)
        result = self._score(facts, trace, hits)
        result.evidence = evidence
        return result

    def _score(self, facts, trace: bool, hits: Optional[set]) -> Result:
        if self.fast and not self._interpreted_first and self._validate is None:
            self._interpreted_first = True  # one fact set: the interpreter is faster than generating code for it
        elif self.fast:
            try:
                data = self.validator()(facts)  # accepted here: no errors and no warnings to report
            except FAST_PATH_MISSES:
                pass
            else:
                if not trace and hits is None:
                    try:
                        return self.compiled().score(data)
                    except FAST_PATH_MISSES:
                        pass
                return self.scorer.score(data, trace=trace, hits=hits)
        validator = FactValidator(self.checked.facts_type)
        data = validator.validate(facts)
        if validator.errors:
            raise PerfdslError(validator.errors)
        return self.scorer.score(data, trace=trace, warnings=tuple(validator.warnings), hits=hits)

    def _parsed(self, text: str, source: str) -> tuple[object, dict[str, str]]:
        """The fast paths' facts and evidence; evidence that is itself wrong declines (the interpreter says why)."""
        data = parse_json(text, source, fast=True)
        if not mentioned(text):
            return data, {}
        data, evidence, problems = split_evidence(data, self.checked.facts_type)
        if problems:
            raise Invalid()
        return data, evidence

    def fast_json(self, text: str, source: str, facts_source: str, facts_sha256: str,
                  line: Optional[int] = None, encoded: bool = False) -> Optional[tuple[str | bytes, Optional[str]]]:
        """(untraced explanation document as JSON text, grade), or None when the fast path cannot score it.

        ``encoded``: the text as UTF-8 bytes, as a batch writes it (``GeneratedScorer.document_bytes``).
        """
        if not self.fast:
            return None
        try:
            facts, evidence = self._owned_facts(text, source)  # ours alone: checked in place (never written out)
            return _document(self.compiled(), facts, self.rules, facts_source, facts_sha256, line, False, evidence,
                             encoded)
        except FAST_PATH_MISSES:
            return None

    def compact_json(self, text: str, source: str, facts_source: str, facts_sha256: str,
                     line: Optional[int] = None, encoded: bool = False) -> Optional[tuple[str | bytes, Optional[str]]]:
        """(traced document with compact steps as JSON text, grade), or None: then the interpreter traces it.

        ``expand`` turns it into the interpreter's document byte for byte (tests check it).  ``encoded``: as
        for ``fast_json``.
        """
        tracer = self.compact_tracer() if self.fast else None
        if tracer is None:
            return None
        try:
            data, evidence = self._owned_facts(text, source, copied=not tracer.order_free)
            return _document(tracer, data, self.rules, facts_source, facts_sha256, line, True, evidence, encoded)
        except FAST_PATH_MISSES:
            return None

    def document_text(self, text: str, source: str, facts_source: str, facts_sha256: str, trace: bool,
                      texts: bool = True, try_fast: bool = True):
        """(explanation document, errors, Result or None) for one fact set's JSON text.

        ``try_fast=False``: the caller already knows ``fast_json`` cannot score it.
        """
        if not trace and try_fast:
            fast = self.fast_json(text, source, facts_source, facts_sha256)
            if fast is not None:
                return json.loads(fast[0]), [], None
        result = self.score_text(text, source, trace=trace)
        doc = explain(result, trace=trace, facts_source=facts_source, facts_sha256=facts_sha256, texts=texts)
        return doc, result.errors, result

    def score_text(self, text: str, source: str = "<facts>", trace: bool = True) -> Result:
        try:
            data = parse_json(text, source)
        except FactsSyntaxError as exc:
            raise PerfdslError([exc.diagnostic]) from None
        return self._score_with_evidence(data, trace, None, mentioned(text))  # a text without 来源: nothing to split


def _document(scorer: GeneratedScorer, facts, rules: RuleSet, facts_source: str, facts_sha256: str,
              line: Optional[int], compact: bool, evidence: dict[str, str],
              encoded: bool) -> tuple[str | bytes, Optional[str]]:
    """The generated writer's document, as text or (``encoded``) as UTF-8 bytes.

    A lone surrogate cannot be encoded strictly (a file name read with surrogateescape, a fact's ``\\ud800``):
    that document comes as text, which the output stream writes with its own error handler, as always.
    """
    if encoded:
        try:
            return scorer.document_bytes(facts, head_bytes(rules, facts_source, facts_sha256, line, compact=compact,
                                                           evidence=evidence))
        except UnicodeEncodeError:
            pass
    return scorer.document_json(facts, head_json(rules, facts_source, facts_sha256, line, compact=compact,
                                                 evidence=evidence))


def load(path: str | os.PathLike) -> Engine:
    return Engine.from_path(path)


def sha256_text(text: str) -> str:
    return sha256(text.encode("utf-8")).hexdigest()
