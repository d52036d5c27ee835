"""Compiled generated code, kept on disk: ``compile()`` is most of what generating a scorer costs.

Generating the source is cheap (a walk over the plan); compiling it is not (the seed's traced
scorer: about 110 of 150 ms; 10,000 indicators: seconds).  The code object ``compile`` makes is
a pure function of the source text, its file name and the Python that compiles it, so those are
the key, and the source is still generated every time (its constants live in the namespace,
never in the cache).  Entries are ``marshal`` data in ``$PERFDSL_CACHE_DIR/code``, read only when
they and their directory belong to this user and no one else can write them, exactly as the
compiled-rule cache (``ruleset/cache.py``); ``PERFDSL_NO_CACHE=1`` bypasses both.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path
from types import CodeType

MAX_ENTRIES = 256  # compiled sources kept (each scorer is a few: rules, document, facts check, 要求)
SMALL = 2000  # shorter sources compile faster than a file is read: not cached


def compiled(source: str, filename: str) -> CodeType:
    """``compile(source, filename, "exec")``, from the cache when this exact source was compiled before."""
    if len(source) < SMALL or os.environ.get("PERFDSL_NO_CACHE"):
        return compile(source, filename, "exec")
    from perfdsl.ruleset.store import _owned, _private, cache_dir, python_tag
    key = hashlib.sha256(f"{python_tag()}\0{filename}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()
    directory = cache_dir() / "code"
    entry = directory / f"{key}.marshal"
    try:
        if _private(entry):
            code = marshal.loads(entry.read_bytes())
            if isinstance(code, CodeType):
                os.utime(entry)  # recently used: kept by the eviction
                return code
    except (OSError, ValueError, EOFError, TypeError):  # damaged or unreadable: compile again
        pass
    code = compile(source, filename, "exec")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if _owned(directory):
            _store(directory, entry, marshal.dumps(code))
    except OSError:  # a read-only home or a full disk only costs speed
        pass
    return code


def _store(directory: Path, entry: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, entry)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return
    from perfdsl.ruleset.cache import evict
    evict(directory, MAX_ENTRIES, "*.marshal")
