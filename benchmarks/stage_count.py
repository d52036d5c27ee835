"""One stage's instructions, counted by callgrind alone: growth with the rule set without the machine's noise.

    valgrind --tool=callgrind --instr-atstart=no python -m benchmarks.stage_count 10000 fast 2
    # STAGE: fast | compact (K fact sets after ten warm-up sets) | fastcold (K sets from the second on,
    #        before CPython quickens the functions) | gen | gentraced (a scorer built, code from the cache) | plan

Counting starts and stops around the stage through callgrind's client requests, made by a five-line
C library built here with ``cc`` (it needs valgrind's ``callgrind.h``), so loading the rules is not
counted.  The rules come from ``benchmarks.run.generated_rules`` in ``$PERFDSL_CACHE_DIR``'s parent
directory (kept between runs, so the compiled-rule and compiled-code caches are warm from the
second run on: run each size once without valgrind first).  Set ``PYTHONHASHSEED=0`` to compare trees.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile
from pathlib import Path

_TOGGLES = """#include <valgrind/callgrind.h>
void cg_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void cg_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""


def toggles() -> ctypes.CDLL:
    lib = Path(tempfile.gettempdir()) / "perfdsl-callgrind-toggles.so"
    if not lib.exists():
        c = lib.with_suffix(".c")
        c.write_text(_TOGGLES)
        subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(lib), str(c)], check=True)
    return ctypes.CDLL(str(lib))


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n, stage = int(args[0]), args[1]
    k = int(args[2]) if len(args) > 2 else 1
    from benchmarks.run import generated_rules
    from benchmarks.scaling import facts_text
    from perfdsl.engine import load

    cg = toggles()
    base = Path(os.environ.get("PERFDSL_CACHE_DIR", tempfile.gettempdir())).parent / "perfdsl-stage-rules"
    rules = base / f"rules{n}"
    if not rules.exists():
        generated_rules(rules, n)
    engine = load(rules)
    if stage in ("fast", "compact", "fastcold", "compactcold"):
        warm = 1 if stage.endswith("cold") else 10  # CPython 3.11 quickens a function at its 8th call
        text = facts_text(n)
        if stage.startswith("compact"):
            engine.compact_tracer()
            write = engine.compact_json
        else:
            engine.compiled()
            engine.owned_validator()
            write = engine.fast_json
        for i in range(warm):
            assert write(text, "f", "f.json", "h", i + 1) is not None
        cg.cg_start()
        for i in range(k):
            write(text, "f", "f.json", "h", i + 1)
        cg.cg_stop()
    elif stage in ("gen", "gentraced"):
        from perfdsl.codegen.scorer import GeneratedScorer
        traced = stage == "gentraced"
        GeneratedScorer(engine.plan, engine.scorer._title, traced=traced)  # the compiled code in the cache
        cg.cg_start()
        GeneratedScorer(engine.plan, engine.scorer._title, traced=traced)
        cg.cg_stop()
    elif stage == "plan":
        from perfdsl.plan import Plan
        from perfdsl.ruleset.gcpause import paused
        checked = engine.checked
        cg.cg_start()
        with paused():
            Plan(checked.rules, checked.facts_type, checked.percents)
        cg.cg_stop()
    else:
        raise SystemExit(f"unknown stage {stage}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
