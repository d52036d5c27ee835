"""The kind tables agree with what produces and documents kinds: coverage points and trace steps."""

import json
from pathlib import Path

from perfdsl.engine import Engine
from perfdsl.interp.step_kinds import STEP_KINDS
from perfdsl.rule_tests import coverage_points, load_cases, run_case
from perfdsl.ruleset import coverage_kinds as K
from perfdsl.ruleset.coverage_kinds import COVERAGE_KINDS, kind_of

from .conftest import ROOT, RULES

SCHEMA = ROOT / "docs" / "explanation.schema.json"
PROJECT = ROOT / "examples" / "project-expenditure"


def test_step_kinds_are_the_schemas_enum():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    enum = schema["$defs"]["step"]["properties"]["kind"]["enum"]
    assert sorted(STEP_KINDS) == sorted(enum) and len(enum) == len(set(enum))
    assert all(label.strip() for label in STEP_KINDS.values())


def _points_and_hits(rules: Path, cases: Path):
    engine = Engine.from_path(rules, fast=False)
    hits: set = set()
    for case in load_cases(cases):
        run_case(engine, case, hits)
    return coverage_points(engine), hits


def test_every_coverage_kind_is_registered_on_both_sides():
    """The points rule_tests lists and the hits the interpreter records use the same kinds."""
    third = ROOT / "examples" / "rural-road-self-assessment"
    for rules, cases in ((RULES, ROOT / "tests" / "cases"), (PROJECT / "rules", PROJECT / "cases"),
                         (third / "rules", third / "cases")):
        points, hits = _points_and_hits(rules, cases)
        listed = {kind_of(p.key) for p in points}
        recorded = {kind_of(h) for h in hits}
        assert listed <= set(COVERAGE_KINDS)
        assert recorded <= set(COVERAGE_KINDS)
        assert hits <= {p.key for p in points}


def test_every_coverage_kind_is_listed_by_rule_tests():
    """No kind in the table that coverage_points never lists (total_cap is in no example rule set).

    The points of a statement whose meaning lives in ``perfdsl/constructs`` are listed there.
    """
    files = [ROOT / "perfdsl" / "rule_tests.py", *sorted((ROOT / "perfdsl" / "constructs").glob("*.py"))]
    source = "\n".join(f.read_text(encoding="utf-8") for f in files)
    constants = {value: name for name, value in vars(K).items() if name.isupper() and isinstance(value, str)}
    assert set(constants) == set(COVERAGE_KINDS)
    for kind, name in constants.items():
        assert f"K.{name}" in source or (kind == K.BUILTIN and "K.builtin_kind(" in source), kind


def test_every_keyword_says_what_it_is_for():
    """The language reference's keyword table comes from keywords.py alone: no keyword without its use."""
    from perfdsl.syntax.keywords import KEYWORDS, USES
    assert set(USES) == set(KEYWORDS)
