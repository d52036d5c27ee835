"""The one generator: failures in generated code are loud, and sites come from the plan alone."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from perfdsl.codegen import generator
from perfdsl.engine import Engine
from perfdsl.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FACTS = (ROOT / "examples" / "heping-2024" / "facts.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("traced", [False, True])
def test_a_bug_in_generated_code_is_raised_not_rescued_by_the_interpreter(monkeypatch, traced):
    """Only the named cases fall back; a generated function that is simply wrong fails loudly."""
    original = generator.Generator.leaf

    def broken(self, lp):
        start = len(self.src.lines)
        original(self, lp)
        if lp.index == 0:  # the first leaf fails as a bug would, right after its ``def`` line
            self.src.lines.insert(start + 1, "    raise TypeError('a bug in generated code')")
    monkeypatch.setattr(generator.Generator, "leaf", broken)
    engine = Engine.from_path(RULES, cache=False)
    write = engine.compact_json if traced else engine.fast_json
    with pytest.raises(TypeError, match="a bug in generated code"):
        write(FACTS, "x", "facts.json", "h")


def test_the_expected_cases_still_fall_back_to_the_interpreter():
    """A value the fast check does not vouch for goes to the interpreter, which explains it."""
    engine = Engine.from_path(RULES, cache=False)
    assert engine.fast_json('{"broken": ', "x", "facts.json", "h") is None
    assert engine.fast_json("{}", "x", "facts.json", "h") is None  # every fact missing


def test_sites_are_a_pure_function_of_the_rules():
    """Two plans of the same rules, and a plan rebuilt after pickling the engine, number sites alike."""
    engine = Engine.from_path(RULES, cache=False)
    again = Plan(engine.rules, engine.checked.facts_type, engine.checked.percents)
    shipped = pickle.loads(pickle.dumps(engine)).plan
    for plan in (again, shipped):
        assert [(s.kind, s.span) for s in plan.sites] == [(s.kind, s.span) for s in engine.plan.sites]
    assert len(engine.plan.sites) > 100


def test_compact_steps_expand_from_the_plan_without_building_a_scorer():
    engine = Engine.from_path(RULES, cache=False)
    line, _ = engine.compact_json(FACTS, "x", "facts.json", "h")
    from perfdsl.explain.compact import expanded_json, read_document
    by_plan = expanded_json(read_document(line), Plan(engine.rules, engine.checked.facts_type, engine.checked.percents))
    by_scorer = expanded_json(read_document(line), engine.compact_tracer())
    assert by_plan == by_scorer and '"kind": "band"' in by_plan
