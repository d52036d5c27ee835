"""The warm road of ``perfdsl eval RULES FACTS.json`` (``perfdsl.warm``) answers exactly what the full road answers.

Every comparison runs the command twice in this process: once with the warm road shut (``warm.load`` finding no
bundle and keeping none: the full road, as before the warm road existed), once with the rule set's bundle in the
cache.  stdout, stderr, the exit status and any file written must be the same bytes, and the warm road must have
been taken wherever the test says it answers.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from benchmarks.generate import fact_set
from perfdsl import warm
from perfdsl.cli import main
from perfdsl.cli.commands import eval as eval_command

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
RURAL = ROOT / "examples" / "rural-road-self-assessment"
PROJECT = ROOT / "examples" / "project-expenditure"
SEED_FACTS = ROOT / "examples" / "heping-2024" / "facts.json"


def _json(v) -> str:
    """Facts as JSON text with exact decimals written as numbers (YAML cases hold Decimals)."""
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {_json(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_json(x) for x in v) + "]"
    return json.dumps(v, ensure_ascii=False)


class Roads:
    """Runs ``perfdsl eval`` on the full road and on the warm road, recording which road answered."""

    def __init__(self, monkeypatch, capsys, cache: Path):
        self.monkeypatch, self.capsys = monkeypatch, capsys
        monkeypatch.setenv("PERFDSL_CACHE_DIR", str(cache))
        monkeypatch.delenv("PERFDSL_NO_CACHE", raising=False)
        monkeypatch.setenv("COLUMNS", "100")
        self.answered: list[bool] = []
        real = eval_command._warm

        def spy(args):
            got = real(args)
            self.answered.append(got[0])
            return got
        monkeypatch.setattr(eval_command, "_warm", spy)

    def run(self, argv: list[str], full: bool) -> tuple[int, str, str]:
        with self.monkeypatch.context() as m:
            if full:
                m.setattr(warm, "load", lambda rules: (None, None))  # no bundle found, none kept: the full road
            self.capsys.readouterr()
            code = main(["eval", *argv])
            out, err = self.capsys.readouterr()
        return code, out, err

    def same(self, argv: list[str]) -> bool:
        """Both roads give the same answer; returns whether the warm road gave it."""
        full = self.run(argv, full=True)
        self.answered.clear()
        got = self.run(argv, full=False)
        assert got == full, argv
        return self.answered == [True]


@pytest.fixture
def roads(monkeypatch, capsys, tmp_path):
    return Roads(monkeypatch, capsys, tmp_path / "cache")


def _bundled(roads: Roads, rules: Path, facts: Path) -> None:
    """The first evaluation of a rule set takes the full road and leaves its bundle."""
    roads.answered.clear()
    assert roads.run([str(rules), str(facts)], full=False)[0] == 0
    assert roads.answered == [False]
    assert warm.load(str(rules))[1] is not None


def _case_facts(cases: Path) -> list[dict]:
    from perfdsl.rule_tests import load_cases
    return [c.facts for c in load_cases(cases) if isinstance(c.facts, dict)]


def test_the_seed_takes_the_warm_road_from_its_second_evaluation_with_the_same_text(roads):
    argv = [str(RULES), str(SEED_FACTS)]
    first = roads.run(argv, full=False)
    assert roads.answered == [False] and first[0] == 0
    assert "总分 96.67 / 100  等级 优" in first[1]  # the published total, worked out in docs/seed-decisions.md
    roads.answered.clear()
    assert roads.run(argv, full=False) == first and roads.answered == [True]
    for options in (["--full"], ["--only", "扣分"], ["--only", "事实"], ["--only", "区间"], ["--format", "文本"]):
        assert roads.same(argv + options), options


def test_generated_fact_sets_and_every_yaml_case_get_the_same_text_on_both_roads(roads, tmp_path):
    rng = random.Random(10)
    sets = [(RULES, fact_set(rng, i)) for i in range(40)]
    sets += [(RULES, f) for f in _case_facts(ROOT / "tests" / "cases")]
    sets += [(RURAL / "rules", f) for f in _case_facts(RURAL / "cases")]
    _bundled(roads, RULES, SEED_FACTS)
    _bundled(roads, RURAL / "rules", RURAL / "facts-2024.json")
    facts = tmp_path / "facts.json"
    warm_answers = 0
    for n, (rules, one) in enumerate(sets):
        facts.write_text(_json(one), encoding="utf-8")
        warm_answers += roads.same([str(rules), str(facts)] + (["--full"] if n % 5 == 0 else []))
    # most are ordinary fact sets; the rest (a value no band covers, facts with errors) went the full road
    assert warm_answers > len(sets) * 0.6, (warm_answers, len(sets))


def test_a_rule_set_the_warm_road_cannot_take_is_answered_by_the_full_road_every_time(roads):
    """The project example re-normalises (不适用时 重新归一): its bundle says so, and is not built again."""
    argv = [str(PROJECT / "rules"), str(PROJECT / "facts-2024.json")]
    roads.run(argv, full=False)
    bundle = warm.load(argv[0])[1]
    assert bundle is not None and bundle.writer is None
    assert not roads.same(argv)
    assert warm.load(argv[0])[1].writer is None


@pytest.mark.parametrize("text,why", [
    ('{"被评价单位": "甲"}', "facts with errors"),
    ("", "an empty file"),
    ("{not json", "not JSON"),
    ("[1, 2]", "not an object"),
])
def test_facts_with_problems_get_the_full_roads_messages(roads, tmp_path, text, why):
    _bundled(roads, RULES, SEED_FACTS)
    facts = tmp_path / "facts.json"
    facts.write_text(text, encoding="utf-8")
    assert not roads.same([str(RULES), str(facts)]), why
    assert roads.run([str(RULES), str(facts)], full=False)[0] != 0


def _seed_text() -> str:
    return SEED_FACTS.read_text(encoding="utf-8")


@pytest.mark.parametrize("change,why", [
    (lambda t: t.replace('"评价年度"', '"未声明的键": 1, "评价年度"', 1), "an unknown key: warning F020"),
    (lambda t: t.replace('"评价年度": 2024', '"评价年度": {"值": 2024, "来源": "决算报表第3页"}', 1), "evidence"),
    (lambda t: t.replace('"评价年度": 2024', '"评价年度": 2023, "评价年度": 2024', 1), "a duplicate key"),
    (lambda t: "\ufeff" + t, "a BOM"),
])
def test_facts_the_generated_check_does_not_vouch_for_get_the_full_roads_answer(roads, tmp_path, change, why):
    _bundled(roads, RULES, SEED_FACTS)
    facts = tmp_path / "facts.json"
    text = change(_seed_text())
    assert text != _seed_text()
    facts.write_text(text, encoding="utf-8")
    roads.same([str(RULES), str(facts)])  # the same answer, whichever road gives it (a BOM: the warm road)


def test_facts_written_in_gbk_get_the_same_answer(roads, tmp_path):
    _bundled(roads, RULES, SEED_FACTS)
    facts = tmp_path / "facts.json"
    facts.write_bytes(_seed_text().encode("gb18030"))
    roads.same([str(RULES), str(facts)])


def test_output_to_a_file_is_the_same_file(roads, tmp_path):
    _bundled(roads, RULES, SEED_FACTS)
    full, warmed = tmp_path / "full.txt", tmp_path / "warm.txt"
    assert roads.run([str(RULES), str(SEED_FACTS), "-o", str(full)], full=True)[0] == 0
    roads.answered.clear()
    assert roads.run([str(RULES), str(SEED_FACTS), "-o", str(warmed)], full=False)[0] == 0
    assert roads.answered == [True]
    assert warmed.read_bytes() == full.read_bytes()
    assert "等级 优" in warmed.read_text(encoding="utf-8")


def test_an_edited_rule_file_misses_the_bundle_and_its_new_score_is_shown(roads, tmp_path):
    import shutil
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    _bundled(roads, rules, SEED_FACTS)
    edited = rules / "40-履职效益.perf"
    text = edited.read_text(encoding="utf-8")
    assert text.count("≥ 90%      → 3") == 1  # 服务对象满意度: the seed's 满意率 is at least 90%, 3 points
    edited.write_text(text.replace("≥ 90%      → 3", "≥ 90%      → 2"), encoding="utf-8")
    roads.answered.clear()
    code, out, _ = roads.run([str(rules), str(SEED_FACTS)], full=False)
    assert roads.answered == [False]  # a new key: no bundle for the edited rules yet
    assert out == roads.run([str(rules), str(SEED_FACTS)], full=True)[1]
    assert "95.67 / 100" in out.splitlines()[0]  # one point less than the published 96.67


def test_a_damaged_or_foreign_bundle_is_not_used(roads):
    _bundled(roads, RULES, SEED_FACTS)
    name, _ = warm.load(str(RULES))
    entry = warm._entry(name)
    entry.write_bytes(b"not a pickle")
    assert warm.load(str(RULES)) == (name, None)
    import pickle
    entry.write_bytes(pickle.dumps({"这不是": "bundle"}))
    assert warm.load(str(RULES)) == (name, None)
    assert not roads.same([str(RULES), str(SEED_FACTS)])  # the full road answers, and keeps a new bundle
    assert warm.load(str(RULES))[1] is not None


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX owners")
def test_a_bundle_others_could_have_written_is_not_read(roads):
    _bundled(roads, RULES, SEED_FACTS)
    name, _ = warm.load(str(RULES))
    entry = warm._entry(name)
    entry.parent.chmod(0o777)
    try:
        assert warm.load(str(RULES)) == (name, None)
    finally:
        entry.parent.chmod(0o700)
    entry.chmod(0o666)
    assert warm.load(str(RULES)) == (name, None)


def test_no_cache_means_no_bundle(roads, monkeypatch, tmp_path):
    monkeypatch.setenv("PERFDSL_NO_CACHE", "1")
    roads.run([str(RULES), str(SEED_FACTS)], full=False)
    assert warm.load(str(RULES)) == (None, None)
    assert not (tmp_path / "cache" / "warm").exists()


def test_the_key_covers_each_rule_file_s_name_and_bytes_and_perfdsl_s_code(tmp_path, monkeypatch):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.perf").write_text("事实 { x: 数值 }\n", encoding="utf-8")
    first = warm.key(str(tmp_path / "r"))
    (tmp_path / "r" / "a.perf").write_text("事实 { x: 数值 }\n\n", encoding="utf-8")
    second = warm.key(str(tmp_path / "r"))
    (tmp_path / "r" / "a.perf").rename(tmp_path / "r" / "b.perf")
    third = warm.key(str(tmp_path / "r"))
    monkeypatch.setattr(warm, "code_hash", lambda: "another build")
    fourth = warm.key(str(tmp_path / "r"))
    assert len({first, second, third, fourth}) == 4 and None not in {first, second, third, fourth}
    assert warm.key(str(tmp_path / "nowhere")) is None


def test_a_warm_evaluation_imports_neither_the_syntax_tree_attrs_nor_rich(tmp_path):
    """What makes it fast (docs/performance.md, "The warm road"): counted in a fresh process, not timed."""
    env = {**os.environ, "PERFDSL_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("PERFDSL_NO_CACHE", None)
    code = ("import runpy, sys\nsys.argv = ['perfdsl', 'eval', 'rules/', 'examples/heping-2024/facts.json']\n"
            "try:\n    runpy.run_module('perfdsl', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(sys.modules), file=sys.stderr)\n")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                           check=True) for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout and "等级 优" in runs[1].stdout
    cold, warmed = (set(eval(r.stderr.splitlines()[-1], {})) for r in runs)  # noqa: S307 — our own list's repr
    assert "attrs" in cold and "perfdsl.warm" in warmed
    assert [m for m in warmed if m.split(".")[0] in ("attr", "attrs", "rich", "lark")
            or m in ("perfdsl.syntax.ast", "perfdsl.diagnostics", "perfdsl.engine", "perfdsl.plan")] == []


def test_generated_functions_pickle_as_their_program_and_name():
    """``codegen/program.py``: a generated function held as another program's constant comes back from its own
    program, and the program runs again from its marshalled code."""
    import pickle

    from perfdsl.codegen.generator import Source
    from perfdsl.codegen.program import dumps
    inner = Source()
    inner.emit(0, "def double(x):")
    inner.emit(1, "return x * K0")
    inner.const(Decimal("2"))
    double = inner.run("inner")["double"]
    outer = Source()
    outer.emit(0, "def twice_then_one(x):")
    outer.emit(1, f"return {outer.const(double)}(x) + 1")
    program = outer.run("outer")["__program__"]
    again = pickle.loads(dumps(program))
    assert again.namespace()["twice_then_one"](Decimal("1.5")) == Decimal("4.0")
    assert again.consts["K0"].__globals__["__program__"].filename == "inner"
    with pytest.raises((pickle.PicklingError, AttributeError)):
        dumps(lambda x: x)  # nothing generated: pickled as pickle would, which refuses a lambda


def test_facts_from_a_pipe_are_read_once_by_the_full_road(tmp_path):
    """A pipe read by the warm road would be empty for the full road: only a regular file is read there."""
    env = {**os.environ, "PERFDSL_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("PERFDSL_NO_CACHE", None)
    unknown = _seed_text().replace('"评价年度"', '"未声明的键": 1, "评价年度"', 1)  # declined by the warm road

    def run(extra: dict) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "perfdsl", "eval", "rules", "/dev/stdin"], cwd=ROOT,
                              env={**env, **extra}, input=unknown, capture_output=True, text=True)
    subprocess.run([sys.executable, "-m", "perfdsl", "eval", "rules", str(SEED_FACTS)], cwd=ROOT, env=env,
                   capture_output=True, check=True)
    assert warm.key("rules") is not None
    piped, reference = run({}), run({"PERFDSL_NO_CACHE": "1"})
    assert (piped.returncode, piped.stdout, piped.stderr) == (reference.returncode, reference.stdout,
                                                              reference.stderr)
    assert piped.returncode == 0 and "总分" in piped.stdout and "F020" in piped.stdout  # the warning ends the text


def test_the_key_covers_the_grammar(monkeypatch):
    before = warm.key(str(RULES))
    monkeypatch.setattr("perfdsl.syntax.grammar_file.grammar_text", lambda: "another grammar")
    assert warm.key(str(RULES)) not in (before, None)


def test_a_bundle_is_kept_under_the_rules_its_engine_read(roads, tmp_path):
    """A rule file saved while the rules were loading: the bundle keys what was read, never the newer text."""
    import shutil

    from perfdsl.engine import Engine
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    engine = Engine.from_path(rules)
    edited = rules / "40-履职效益.perf"
    edited.write_text(edited.read_text(encoding="utf-8").replace("≥ 90%      → 3", "≥ 90%      → 2"),
                      encoding="utf-8")
    warm.store(engine)
    assert warm.loaded_key(engine) != warm.key(str(rules))
    assert warm.load(str(rules)) == (warm.key(str(rules)), None)  # nothing for the saved text
    assert (tmp_path / "cache" / "warm" / f"{warm.loaded_key(engine)}.bundle").is_file()


def test_an_interrupt_while_the_bundle_is_written_leaves_no_file_and_keeps_the_answer(roads, monkeypatch, tmp_path):
    from perfdsl.engine import Engine
    engine = Engine.from_path(RULES)
    warm.build(engine, "")  # its traced scorer generated (the code cache's own writes are not what is tested)

    def interrupted(src, dst):
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(os, "replace", interrupted)
        with pytest.raises(KeyboardInterrupt):
            warm.store(engine)
        assert list((tmp_path / "cache" / "warm").iterdir()) == []  # the temporary file removed
        eval_command._keep_bundle(engine)  # after the answer: the interrupt costs only the bundle
    assert warm.load(str(RULES))[1] is None


def test_a_bundle_found_under_another_rule_set_s_key_is_not_used(roads):
    _bundled(roads, RULES, SEED_FACTS)
    _bundled(roads, RURAL / "rules", RURAL / "facts-2024.json")
    seed_key, rural_key = warm.key(str(RULES)), warm.key(str(RURAL / "rules"))
    warm._entry(seed_key).write_bytes(warm._entry(rural_key).read_bytes())
    assert warm.load(str(RULES)) == (seed_key, None)
