"""The warm road of ``perfdsl eval RULES FACTS.json``: one fact set on the screen without the syntax tree,
attrs or rich.

The first evaluation of a rule set on the screen (the full road) leaves a bundle beside the compiled-rule cache:
the traced document writer with its generated programs (``codegen/program.py``), the generated facts check, the
sites that word compact steps (``interp/steps.py``) and the rule set's part of the document's head.  The bundle is
keyed by perfdsl's version and code, the Python that marshalled the code and every rule file's name and bytes, so
an edit to either misses it.  The next evaluation reads the bundle, checks the facts with the generated check,
writes the document with compact steps, expands each step into the object the interpreter writes (the same
functions ``perfdsl expand`` uses) and draws the tree.

Anything out of the ordinary returns None and the full road does everything as before and says what is wrong:
no bundle, facts the generated check does not vouch for (errors, warnings, evidence), a value no band covers, a
failed 要求.  So the warm road only ever answers what the full road would have answered; tests hold the two to
the same bytes on every example, case and generated fact set.
"""

from __future__ import annotations

import os
import pickle

from perfdsl import __version__
from perfdsl.digest import sha256
from perfdsl.ruleset.store import _owned, _private, cache_dir, code_hash, python_tag

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Callable, Optional

    from perfdsl.cli.inputs import Record
    from perfdsl.codegen.writer import DocumentWriter
    from perfdsl.engine import Engine

FORMAT = 1  # the bundle's layout: a change misses every bundle written before it
MAX_BUNDLES = 64  # the least recently used beyond these are deleted, as the compiled-rule cache does


class Bundle:
    """What the warm road needs of one rule set, as plain data.

    ``writer``: the traced ``DocumentWriter``; ``check``: the generated facts check that also counts the entries
    of the dicts it checked (``codegen/validator.py``); ``sites``: the plan's sites; ``head``: the rule set's part
    of a compact document's head.  ``writer`` is None for rules the warm road cannot take (重新归一, or constructs
    compact steps do not cover): the full road then answers without trying again to build the bundle.
    """

    __slots__ = ("key", "writer", "check", "sites", "head")

    def __init__(self, key: str, writer: Optional[DocumentWriter], check: Optional[Callable], sites: list,
                 head: str):
        self.key, self.writer, self.check, self.sites, self.head = key, writer, check, sites, head

    def __reduce__(self):
        return Bundle, (self.key, self.writer, self.check, self.sites, self.head)

    def expand_steps(self, steps: list) -> list:
        """The compact steps as the interpreter's step objects (``explain.compact.expand_document``'s tracer)."""
        from perfdsl.explain.compact import expand_steps
        return expand_steps(self.sites, steps)

    def document(self, text: str, facts_source: str, facts_sha256: str) -> Optional[dict]:
        """The traced document of one fact set's text, as the interpreter would write it without the rule texts
        (指标解释, 评分标准; the screen does not show them); None for anything the full road must do."""
        from perfdsl.codegen.runtime import Fallback
        from perfdsl.ruleset.evidence import mentioned
        from perfdsl.ruleset.facts_json import Invalid, no_duplicate_keys, plain_json

        if self.writer is None or self.check is None or mentioned(text):
            return None
        from perfdsl.codegen.writer import document_head
        try:
            data = plain_json(text)
            facts, entries = self.check(data)
            if not no_duplicate_keys(text, entries):
                return None
            compact, _grade = self.writer.text(facts, document_head(self.head, facts_source, facts_sha256))
        except (Fallback, Invalid, KeyError, ArithmeticError, ValueError, RecursionError):
            return None  # what the engine's fast paths decline (``engine.FAST_PATH_MISSES``), and JSON errors
        from perfdsl.explain.compact import expand_document, read_document
        return expand_document(read_document(compact), self)


def key(rules: str) -> Optional[str]:
    """The bundle's key for the rule set at ``rules``, or None when its files cannot be listed or read."""
    from pathlib import Path

    from perfdsl.ruleset.files import display_path, rule_files
    try:
        return _key([(display_path(f), sha256(f.read_bytes()).hexdigest()) for f in rule_files(Path(rules))])
    except Exception:  # noqa: BLE001 — a rule set that cannot be read: the full road says why
        return None


def loaded_key(engine: Engine) -> str:
    """The key of the rule files as an engine read them: a file saved while it was loading keys what was read."""
    return _key([(f.path, f.sha256) for f in engine.rules.sources.values()])


def _key(files: list[tuple[str, str]]) -> str:
    """Over perfdsl's version and code, the grammar (outside the package in a source checkout), the Python that
    marshalled the code, and each rule file's name (as documents show it) and bytes."""
    from perfdsl.syntax.grammar_file import grammar_text
    h = sha256(f"perfdsl {__version__} warm {FORMAT} code {code_hash()} python {python_tag()}\n".encode())
    h.update(sha256(grammar_text().encode("utf-8")).digest())
    for path, digest in sorted(files):
        h.update(f"{path}\0{digest}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _entry(name: str) -> Path:
    return cache_dir() / "warm" / f"{name}.bundle"


def load(rules: str) -> tuple[Optional[str], Optional[Bundle]]:
    """(key, bundle): the bundle is None when there is none for these rules (or it cannot be trusted or read);
    the key is None when caching is off or the rules cannot be read."""
    if os.environ.get("PERFDSL_NO_CACHE"):
        return None, None
    name = key(rules)
    if name is None:
        return None, None
    entry = _entry(name)
    try:
        if not _private(entry):
            return name, None
        with open(entry, "rb") as fh:
            bundle = pickle.load(fh)
    except Exception:  # noqa: BLE001 — missing, damaged or from another build: built again
        return name, None
    if not isinstance(bundle, Bundle) or bundle.key != name:
        return name, None
    try:
        os.utime(entry)  # recently used: kept by the eviction
    except OSError:
        pass
    return name, bundle


def build(engine: Engine, name: str) -> Bundle:
    """The bundle of an engine's rule set, kept under ``name`` (generating its traced scorer and facts check if not
    done yet)."""
    from perfdsl.codegen.validator import compile_counted_validator, compile_owned_validators
    from perfdsl.explain.document import _compact_head_text
    from perfdsl.ruleset.facts import Invalid

    head = _compact_head_text(engine.rules)
    tracer = engine.compact_tracer() if not engine.plan.renormalise else None
    if tracer is None:
        return Bundle(name, None, None, [], head)
    types = engine.checked.facts_type
    check = compile_counted_validator(types, Invalid) if not tracer.order_free else \
        compile_owned_validators(types, Invalid)[1]
    return Bundle(name, tracer.document_writer(), check, engine.plan.sites, head)


def store(engine: Engine) -> None:
    """Build and keep the bundle of the rules as ``engine`` read them; a bundle that cannot be made or kept only
    costs the next evaluation its speed.  Interrupted, it leaves no file behind (and raises)."""
    from perfdsl.codegen.program import dumps
    from perfdsl.ruleset.cache import evict
    name = loaded_key(engine)
    try:
        data = dumps(build(engine, name))
    except Exception:  # noqa: BLE001 — something in the rules the bundle cannot hold: the full road stays
        return
    import tempfile
    entry = _entry(name)
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _owned(entry.parent):
            return
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=entry.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, entry)
    except BaseException as exc:  # a full disk, or Ctrl-C: no half-written bundle stays
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if not isinstance(exc, OSError):
            raise
        return
    evict(entry.parent, MAX_BUNDLES, "*.bundle")


def document(bundle: Bundle, rec: Record) -> Optional[dict]:
    """The document of a record read from a facts file, or None (see ``Bundle.document``)."""
    if rec.problem is not None or rec.workbook or rec.line is not None or not rec.text:
        return None
    try:
        digest = rec.sha256 or sha256(rec.text.encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        return None
    return bundle.document(rec.text, rec.source, digest)
