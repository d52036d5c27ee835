import copy
from decimal import Decimal
from pathlib import Path

import pytest

from perfdsl.engine import Engine
from perfdsl.ruleset.facts import parse_json

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SEED_FACTS = ROOT / "examples" / "heping-2024" / "facts.json"


class CompiledEngine(Engine):
    """The fast path under test: scores without traces whenever it can.

    Fact sets it cannot score (bad input) fall back to the interpreter, exactly as in `perfdsl eval`.
    """

    def __init__(self, checked):
        super().__init__(checked)
        self.validator()  # generated now: ``Engine.score`` would interpret the first fact set (it is faster for one)

    def score(self, facts, trace=True, hits=None):
        return super().score(facts, trace=False, hits=hits)


@pytest.fixture(scope="session", params=["interpreter", "compiled"])
def engine(request):
    """One conformance suite, two engines: every test using this fixture runs on both."""
    if request.param == "compiled":
        from perfdsl.ruleset.check import check
        from perfdsl.ruleset.loader import load
        return CompiledEngine(check(load(RULES)))
    return Engine.from_path(RULES, fast=False)


@pytest.fixture(scope="session")
def tracing_engine():
    return Engine.from_path(RULES, fast=False)


@pytest.fixture
def seed():
    """The seed department's facts, numbers as Decimal, safe to modify."""
    return parse_json(SEED_FACTS.read_text(encoding="utf-8"), "seed")


def D(x) -> Decimal:
    return Decimal(str(x))


def put(facts: dict, path: str, value):
    """facts with one dotted path replaced (numbers given as str/int become Decimal)."""
    out = copy.deepcopy(facts)
    *head, last = path.split(".")
    cur = out
    for seg in head:
        cur = cur[seg]
    cur[last] = _dec(value)
    return out


def _dec(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    if isinstance(v, dict):
        return {k: _dec(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_dec(x) for x in v]
    return v


def leaf(result, name: str) -> Decimal:
    for node in result.root.leaves():
        if node.name == name:
            assert node.errors == [], node.errors
            return node.score
    raise KeyError(name)


def two_engines(tmp_path, rules_text: str) -> tuple[Engine, Engine]:
    """(generated, interpreter) for one rule file: the two roads a new construct must agree on."""
    d = tmp_path / "r"
    d.mkdir()
    (d / "main.perf").write_text(rules_text, encoding="utf-8")
    return Engine.from_path(d, cache=False), Engine.from_path(d, fast=False, cache=False)


def assert_roads_agree(fast: Engine, reference: Engine, facts: str, untraced: bool = True) -> None:
    """The generated compact line, expanded, is the interpreter's traced document byte for byte; and (``untraced``)
    the generated untraced line is its untraced document."""
    import json

    from perfdsl.explain.compact import expanded_json, read_document
    from perfdsl.explain.document import explain
    compact = fast.compact_json(facts, "x", "f.json", "h")
    assert compact is not None  # the generated scorer wrote it
    assert fast.compact_json(facts, "x", "f.json", "h", encoded=True) == (compact[0].encode(), compact[1])
    traced = explain(reference.score_text(facts, trace=True), trace=True, facts_source="f.json", facts_sha256="h",
                     texts=False)
    assert expanded_json(read_document(compact[0]), fast.plan) == json.dumps(traced, ensure_ascii=False)
    if untraced:
        line = fast.fast_json(facts, "x", "f.json", "h")
        assert line is not None
        assert fast.fast_json(facts, "x", "f.json", "h", encoded=True) == (line[0].encode(), line[1])
        want = explain(reference.score_text(facts, trace=False), trace=False, facts_source="f.json", facts_sha256="h")
        assert line[0] == json.dumps(want, ensure_ascii=False)


@pytest.fixture(scope="module")
def constructs(tmp_path_factory):
    """test_compact_trace's CONSTRUCTS rules (every construct the compact trace covers) in a directory."""
    from .test_compact_trace import CONSTRUCTS
    d = tmp_path_factory.mktemp("constructs")
    (d / "main.perf").write_text(CONSTRUCTS, encoding="utf-8")
    return d


def rules_beside_facts(where: Path, rules_text: str, facts: dict) -> Path:
    """``where`` holding ``rules/a.perf`` and ``facts.json``: a small project a test runs commands on."""
    import json
    (where / "rules").mkdir()
    (where / "rules" / "a.perf").write_text(rules_text, encoding="utf-8")
    (where / "facts.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return where


def run_on(where: Path, capsys, command: str, *options: str) -> str:
    """``perfdsl COMMAND rules facts.json OPTIONS`` in ``where`` (``rules_beside_facts``): what it printed; it must
    succeed."""
    from perfdsl.cli import main
    capsys.readouterr()
    assert main([command, str(where / "rules"), str(where / "facts.json"), *options]) == 0
    return capsys.readouterr().out
