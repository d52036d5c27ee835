"""Sites as plain data (docs/performance.md, "The road to 100 ms", piece 1): every rule set's sites pickle without
the syntax tree, attrs or the plan, and read back they expand compact steps to the same step objects as the live
sites.  That the live sites write the interpreter's bytes is held by tests/test_compact_trace.py and the goldens."""

from __future__ import annotations

import functools
import json
import pickle
import pickletools
import random
import subprocess
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfdsl.engine import FAST_PATH_MISSES, Engine
from perfdsl.explain.compact import _decoded, expand_document, read_document
from perfdsl.explain.document import head_json
from perfdsl.interp import sentences, wording
from perfdsl.interp.slots import FormulaText, Hole, Way
from perfdsl.interp.steps import Site
from perfdsl.plan import formula_text, slot_nodes
from perfdsl.syntax import ast as A

from . import test_dates, test_item_outcomes, test_percent, test_step_deduct, test_traced_shortcuts
from .conftest import ROOT, RULES, SEED_FACTS
from .test_batch import BATCH, _case_fact_sets, project_variations
from .test_check_fmt import _exprs
from .test_compact_trace import CONSTRUCTS, _constructs_facts

PROJECT = ROOT / "examples" / "project-expenditure" / "rules"
RURAL = ROOT / "examples" / "rural-road-self-assessment" / "rules"
FORBIDDEN = ("perfdsl.syntax", "perfdsl.plan", "attr", "attrs")


def _globals(data: bytes) -> set:
    """The (module, name) of every global a pickle loads: GLOBAL's argument, and for STACK_GLOBAL the two strings
    pushed before it (memoised strings fetched back with BINGET and the like count too)."""
    found, strings, memo = set(), [], {}
    for op, arg, _pos in pickletools.genops(data):
        if op.name == "GLOBAL":
            module, _, name = arg.partition(" ")
            found.add((module, name))
        elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            strings.append(arg)
        elif op.name == "MEMOIZE":
            memo[len(memo)] = strings[-1] if strings else None
        elif op.name in ("BINGET", "LONG_BINGET", "GET") and isinstance(memo.get(arg), str):
            strings.append(memo[arg])
        elif op.name == "STACK_GLOBAL":
            found.add((strings[-2], strings[-1]))
    return found


def _forbidden(found: set) -> list:
    return sorted(f"{m}.{n}" for m, n in found if any(m == x or m.startswith(x + ".") for x in FORBIDDEN))


def _rule_sets(tmp_path_factory) -> list:
    """(rules directory, JSON lines of facts) for every rule set that builds a plan here."""
    def written(name: str, text: str):
        d = tmp_path_factory.mktemp(name)
        (d / "main.perf").write_text(text, encoding="utf-8")
        return d

    cases: dict = {}
    for rules, facts in _case_fact_sets():  # parsed already: exact decimals, dates
        cases.setdefault(rules, []).append(facts)
    rng = random.Random(5)
    return [
        (RULES, [SEED_FACTS.read_text(encoding="utf-8"), *BATCH[:40], *cases[RULES]]),
        (PROJECT, [*project_variations(30, 3), *cases[PROJECT]]),
        (RURAL, cases[RURAL]),
        (written("constructs", CONSTRUCTS), _constructs_facts(40)),
        (written("shortcuts", test_traced_shortcuts.SHORTCUTS),
         [test_traced_shortcuts._facts(rng) for _ in range(30)]),
        (written("steps", test_step_deduct.RULES), [c[0] for c in test_step_deduct.CASES]),
        (written("dates", test_dates.RULES), [c[0] for c in test_dates.CASES]),
        (written("percent", test_percent.RULES), [c[0] for c in test_percent.CASES]),
        (written("items", test_item_outcomes.RULES),
         [test_item_outcomes.facts_text(f) for f in (test_item_outcomes.FACTS, test_item_outcomes.PASSING)]),
    ]


@pytest.fixture(scope="module")
def rule_sets(tmp_path_factory):
    return _rule_sets(tmp_path_factory)


def _compact(engine, facts, n: int):
    """The compact line of a fact set (JSON text, or facts parsed already), None when the generated scorer
    declines it."""
    if isinstance(facts, str):
        got = engine.compact_json(facts, "x", "f.json", "h", line=n)
        return None if got is None else got[0]
    try:
        return engine.compact_tracer().document_json(engine.validator()(facts),
                                                     head_json(engine.rules, "f.json", "h", n, compact=True))[0]
    except FAST_PATH_MISSES:
        return None


class _Sites:
    """Something with ``expand_steps`` over a list of sites, as ``expand_document`` takes the plan."""

    def __init__(self, sites: list) -> None:
        self.sites = sites

    def expand_steps(self, steps: list) -> list:
        from perfdsl.explain.compact import expand_steps
        return expand_steps(self.sites, steps)


def test_every_rule_set_s_sites_pickle_without_the_tree_and_expand_alike(rule_sets):
    for rules, lines in rule_sets:
        expanded = 0
        engine = Engine.from_path(rules, cache=False)
        sites = engine.plan.sites
        data = pickle.dumps(sites)
        found = _globals(data)
        assert _forbidden(found) == [], rules
        assert ("perfdsl.interp.steps", "Site") in found  # the walk saw the globals it must
        read = pickle.loads(data)
        assert [(s.kind, s.span) for s in read] == [(s.kind, s.span) for s in sites]
        for n, facts in enumerate(lines, 1):
            got = _compact(engine, facts, n)
            if got is None:
                continue  # facts the generated scorer declines: the interpreter writes that line, no compact steps
            live = json.dumps(expand_document(read_document(got), _Sites(sites)), ensure_ascii=False)
            again = json.dumps(expand_document(read_document(got), _Sites(read)), ensure_ascii=False)
            assert again == live
            expanded += 1
        assert expanded >= min(len(lines), 3), rules  # most of each set's lines went through compact steps


def test_the_pickle_walk_sees_globals_by_either_opcode():
    """The check above could not fail if the walk missed globals: it finds attrs and the AST when they are there."""
    from perfdsl.syntax import ast as A
    span = A.Span("r.perf", 3, 1, 3, 9)
    for protocol in (0, 2, 4, 5):
        found = _globals(pickle.dumps([span, A.Path(("甲",), None, span)], protocol=protocol))
        assert ("perfdsl.syntax.ast", "Span") in found and ("perfdsl.syntax.ast", "Path") in found, protocol
        assert _forbidden(found)


def test_sites_read_back_in_a_process_that_imports_neither_the_tree_nor_attrs(rule_sets, tmp_path):
    """The constructs' sites, unpickled and expanded where perfdsl.syntax, attrs and the plan were never imported
    (the warm road of later pieces).  The builtins' words still live beside attrs: their steps are left out."""
    rules, lines = rule_sets[3]
    engine = Engine.from_path(rules, cache=False)
    # the builtins' words are module-level functions of ``interp/builtins.py``, which imports attrs (piece 3)
    lean = [None if s.render.func is wording.builtin else s for s in map(_bound, engine.plan.sites)]
    (tmp_path / "sites.pickle").write_bytes(pickle.dumps(lean))
    doc = read_document(next(got for got in (_compact(engine, f, 1) for f in lines) if got is not None))
    steps = [(int(s[0]), [_decoded(v) for v in s[2:]])
             for node in _nodes(doc) for s in node.get("trace", ()) if not _calls_a_builtin(engine, s)]
    (tmp_path / "steps.pickle").write_bytes(pickle.dumps(steps))
    code = f"""
import json, pickle, sys
sites = pickle.loads(open({str(tmp_path / 'sites.pickle')!r}, 'rb').read())
out = []
for number, values in pickle.loads(open({str(tmp_path / 'steps.pickle')!r}, 'rb').read()):
    site = sites[number - 1]
    words = site.render(*values)
    out.append(words[1] if site.kind is None else words[0])
heavy = [m for m in sys.modules if m.startswith(('perfdsl.syntax', 'perfdsl.plan', 'attr', 'lark'))]
print(json.dumps([heavy, out], ensure_ascii=False))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    heavy, texts = json.loads(done.stdout)
    assert heavy == []
    assert len(texts) > 10 and any("扣" in t for t in texts)


def _nodes(doc: dict):
    yield doc
    for child in doc.get("children", ()):
        yield from _nodes(child)


def _bound(site):
    """A site whose render is a bare function, as a partial of it (so ``.func`` reads alike)."""
    if isinstance(site.render, functools.partial):
        return site
    return Site(site.kind, site.span, functools.partial(site.render))


def _calls_a_builtin(engine, step) -> bool:
    if isinstance(step, dict) or len(step) < 2:
        return True
    return _bound(engine.plan.sites[int(step[0]) - 1]).render.func is wording.builtin


def test_a_formula_text_fills_as_worked_by_hand():
    """得分 = 若 率 ≥ 60% 则 3 × 率 否则 基数 (率 a rate): each way, a value unseen, a record named by its path."""
    held = ("3 × ", Hole(1, True, "率"))
    text = FormulaText(("〔", Hole(2, True, "率"), " ≥ 60% 成立〕", *held, ))
    way = FormulaText((Way(0, ("〔", Hole(2, True, "率"), " ≥ 60% 成立〕", *held),
                           ("〔", Hole(2, True, "率"), " ≥ 60% 不成立〕", Hole(3, False, "基数")),
                           ("若 ", Hole(2, True, "率"), " ≥ 60% 则 ", *held, " 否则 ", Hole(3, False, "基数"))),))
    assert text([True, Decimal("0.75"), Decimal("0.75")]) == "〔75% ≥ 60% 成立〕3 × 75%"
    assert way([True, Decimal("0.75"), Decimal("0.75"), None]) == "〔75% ≥ 60% 成立〕3 × 75%"
    assert way([False, None, Decimal("0.5"), Decimal("2")]) == "〔50% ≥ 60% 不成立〕2"
    assert way([None, None, None, None]) == "若 率 ≥ 60% 则 3 × 率 否则 基数"
    assert way([]) == "若 率 ≥ 60% 则 3 × 率 否则 基数"  # a short list: the rest unseen
    assert way([False, None, None, {"样本数": Decimal(3)}]) == "〔率 ≥ 60% 不成立〕基数"  # a record: its name
    assert way([False, None, None, "在建"]) == "〔率 ≥ 60% 不成立〕“在建”"
    with pytest.raises(TypeError):
        way(Decimal(3))  # a damaged step's values: an error expand reports, never a text


def test_a_node_twice_in_a_formula_is_one_slot(tmp_path):
    """目标 is both ends of ``= 目标``: one slot, as the traced generator keeps one variable for it, so the expanded
    formula shows 目标's own value (3) where it showed x's (2) when the slots were counted twice."""
    from tests.conftest import assert_roads_agree, two_engines
    rules = """体系 测试 { 舍入 2 位 四舍五入 等级 { ≥ 0 → 优; < 0 → 差 } }
事实 { x: 数值  目标: 数值  y: 数值 }
指标 一 分值 100 {
  得分 = 若 x 属于 = 目标 则 100 否则 (若 y > 0 则 目标 否则 5)
}
"""
    fast, reference = two_engines(tmp_path, rules)
    formula = fast.plan.leaves[0].formula.expr
    assert len(slot_nodes(formula)) == len({id(n) for n in slot_nodes(formula)}) == 6
    for facts in ('{"x": 3, "目标": 3, "y": 1}', '{"x": 2, "目标": 3, "y": 1}', '{"x": 2, "目标": 3, "y": 0}'):
        assert_roads_agree(fast, reference, facts)
    doc = explain_line(fast, '{"x": 2, "目标": 3, "y": 1}')
    assert doc["children"][0]["trace"][0]["substituted"] == "〔2 ∈ = 3 不成立〕〔1 > 0 成立〕3"


def explain_line(fast, facts: str) -> dict:
    got = fast.compact_json(facts, "x", "f.json", "h")
    return expand_document(read_document(got[0]), fast.plan)


VALUES = st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=3), st.booleans(),
                   st.sampled_from(["在建", "", "A"]), st.just({"样本数": Decimal(3)}), st.just([{"分": Decimal(1)}]),
                   st.lists(st.decimals(allow_nan=False, allow_infinity=False, places=1), max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.data(), _exprs())
def test_a_formula_text_says_what_describe_says_from_the_nodes(data, expr):
    """Any formula, any values seen or not, any rates (by path, or by the references' span): filled by slot, the
    text the interpreter's ``sentences.describe`` makes from the nodes and the map of values it saw."""
    nodes = slot_nodes(expr)
    names = sorted({n.dotted for n in nodes if isinstance(n, A.Path)})
    rates = frozenset(data.draw(st.sets(st.sampled_from(names))) if names else ())
    if data.draw(st.booleans()):
        rates |= {A.NO_SPAN}  # a rate the checker found by its span (every generated reference has this one)
    values, seen = [], {}
    for node in nodes:
        v = data.draw(st.sampled_from([None, True, False]) if isinstance(node, A.Conditional) else VALUES)
        values.append(v)
        if v is not None:
            seen[id(node)] = v
    assert formula_text(expr, nodes, rates)(values) == sentences.describe(expr, seen, rates)


def test_a_chain_of_conditionals_is_a_formula_text_in_linear_time():
    """Each conditional's three ways are made once and shared, as the printer's Substitution shares them: a chain
    200 deep (3^200 ways to spell out) is made and filled at once."""
    n = A.NO_SPAN
    x = A.Path(("甲",), None, n)
    e: A.Expr = A.Number(Decimal(0), "0", n)
    for k in range(200):
        e = A.Conditional(A.Compare(">", x, A.Number(Decimal(k), str(k), n), n), A.Number(Decimal(k), str(k), n), e, n)
    nodes = slot_nodes(e)
    assert len(nodes) == 201  # 200 conditionals and 甲, one node met 200 times
    text = formula_text(e, nodes, frozenset())
    values = [False if isinstance(node, A.Conditional) else Decimal(-1) for node in nodes]
    filled = text(values)
    assert filled.count("〔-1 > ") == 200 and filled.count("不成立〕") == 200 and filled.endswith("〔-1 > 0 不成立〕0")
    values[0] = True  # the outermost held: its 则 (199), nothing inside it said
    assert text(values) == "〔-1 > 199 成立〕199"
    assert len(pickle.dumps(text)) < 200_000  # shared in the pickle too
