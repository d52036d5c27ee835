"""The collector settles once per batch process, and only there (``ruleset.gcpause``).

Each case runs in its own process: freezing is process-wide, and the test process is a library
caller, whose heap must never be frozen.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str, tmp_path: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PERFDSL_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


BATCH = """
    import gc, json
    from pathlib import Path
    from perfdsl.cli.inputs import Record
    from perfdsl.cli.scoring import score_records
    from perfdsl.engine import load
    from perfdsl.ruleset import gcpause
    {declare}
    engine = load("rules")
    facts = json.loads(Path("examples/heping-2024/facts.json").read_text(encoding="utf-8"))
    text = json.dumps(facts, ensure_ascii=False)
    def records():
        return (Record(text, "b.jsonl", n) for n in range(1, 61))
    frozen, lines = [], []
    for trace in (False, "compact"):  # batch lines (compact=True): untraced, then with compact traces
        for rec, doc, grade, diags, _ in score_records(engine, records(), trace, 1, True):
            frozen.append(gc.get_freeze_count())
            lines.append(doc)
    a, b = [], []
    a.append(b); b.append(a)  # a cycle made after settling is collected as always
    del a, b
    print(frozen[0], frozen[1], max(frozen[1:]), gc.collect() >= 2, sum(type(d) is str for d in lines))
"""


def test_a_batch_process_freezes_once_after_the_first_fact_set(tmp_path):
    first, settled, high, collected, generated = _run(BATCH.format(declare="gcpause.batch_process()"), tmp_path).split()
    assert first == "0"  # the first fact set builds the scorers; nothing is frozen before it
    # frozen once; no later fact set's objects join them (frozen objects still die by reference counting)
    assert int(settled) == int(high) > 0
    assert collected == "True"
    assert generated == "120"  # every line written by the generated scorers, untraced and compact


def test_a_library_caller_is_never_frozen(tmp_path):
    first, settled, high, collected, _ = _run(BATCH.format(declare=""), tmp_path).split()
    assert (first, settled, high, collected) == ("0", "0", "0", "True")
