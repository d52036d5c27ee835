"""One process scoring N generated fact sets through the batch path, for counting instructions.

    valgrind --tool=callgrind python -m benchmarks.per_line 200 compact   # and 0; and fast
    # instructions per fact set = (count for 200 − count for 0) / 200

On a shared machine the wall clock (and even CPU time) of a run moves with the neighbours; the
instructions callgrind counts do not, so two trees can be compared exactly.  ``fast``: untraced
lines (``Engine.fast_json``); ``compact``: compact-trace lines (``Engine.compact_json``); a third
word ``encoded``: the lines as the UTF-8 bytes a batch writes to a file (``encoded=True``).  The
rules come from the compiled-rule cache, and one line is scored before the counted ones (for any
n, 0 too), so that what is made on first use is made outside the difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.generate import lines
from perfdsl.engine import load

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n, what = int(args[0]), args[1]
    every = list(lines(max(n, 200)))  # the same work before the first line for any n up to 200
    batch = every[:n]
    engine = load(ROOT / "rules")
    engine.validator()
    if what == "compact":
        engine.compact_tracer()
        write = engine.compact_json
    else:
        engine.compiled()
        if hasattr(engine, "owned_validator"):  # not in trees before it (to count those too)
            engine.owned_validator()
        write = engine.fast_json
    extra = {"encoded": True} if args[2:] == ["encoded"] else {}
    assert write(every[-1], "batch.jsonl", "batch.jsonl", "h", 0, **extra) is not None  # made on first use
    for i, text in enumerate(batch, 1):
        assert write(text, "batch.jsonl", "batch.jsonl", "h", i, **extra) is not None
    return 0


if __name__ == "__main__":
    sys.exit(main())
