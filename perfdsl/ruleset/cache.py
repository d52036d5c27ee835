"""The compiled-rule cache: a checked rule set, keyed by the content of its files.

Parsing and checking happen once per version of the rules; the next start
loads the checked rule set from ``$PERFDSL_CACHE_DIR`` (default
``~/.cache/perfdsl``).  The key covers perfdsl's version, a hash of perfdsl's
own source files (so a changed checker, even under the same version string,
misses the cache; computed once per process), the grammar, and every rule
file's path and sha256, so any edit misses the cache.  The directory keeps
the ``MAX_ENTRIES`` most recently used entries (reading one marks it used);
older ones are deleted when a new one is stored.  Set
``PERFDSL_NO_CACHE=1`` to bypass it.  A damaged entry is ignored and
rebuilt.  Only rule sets without errors are stored.

Entries are pickles, and unpickling can run code: an entry is read only if
it and its directory belong to the current user and no one else can write
them.  A shared or world-writable cache directory is simply not used.

On Windows ``os.stat`` tells neither the owner nor who may write (its ACL),
so the cache is used only inside the user's own ``%LOCALAPPDATA%`` (the
default there: ``%LOCALAPPDATA%\\perfdsl\\cache``), which Windows makes
private to the user.  A ``PERFDSL_CACHE_DIR`` elsewhere cannot be checked and
is not used: rules are then checked on every run, which costs only time.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Optional

from perfdsl import __version__
from perfdsl.digest import sha256
from perfdsl.ruleset.check import Checked, check
from perfdsl.ruleset.gcpause import paused
from perfdsl.ruleset.loader import display_path, load, rule_files
from perfdsl.ruleset.store import _fingerprints as _fingerprints
from perfdsl.ruleset.store import _owned, _private, cache_dir, code_hash

FORMAT = 3  # 3: 允许 and 总分 in the AST
MAX_ENTRIES = 64  # checked rule sets kept; the least recently used beyond this are deleted


def cache_key(path: Path) -> str:
    from perfdsl.syntax.grammar_file import grammar_text
    h = sha256()
    h.update(f"perfdsl {__version__} cache {FORMAT} code {code_hash()}\n".encode())
    h.update(sha256(grammar_text().encode("utf-8")).digest())
    for f in rule_files(path):
        h.update(display_path(f).encode("utf-8") + b"\0")
        h.update(sha256(f.read_bytes()).digest())
    return h.hexdigest()


def load_checked(path: str | os.PathLike, use_cache: bool = True, store: bool = True) -> Checked:
    """The checked rule set, from the cache when it holds this version of the rules.

    ``store=False`` reads the cache but does not fill it: ``perfdsl check`` runs on rules just edited, and
    pickling a large rule set costs about half its parse (12,000 band arms: ~0.6 s); ``eval`` fills it.
    """
    with paused():
        return _load_checked(Path(path), use_cache, store)


def _load_checked(root: Path, use_cache: bool, store: bool = True) -> Checked:
    if not use_cache or os.environ.get("PERFDSL_NO_CACHE"):
        return check(load(root))
    try:
        key = cache_key(root)
    except OSError:
        return check(load(root))
    entry = cache_dir() / f"{key}.pickle"
    if entry.exists() and _private(entry):
        try:
            with open(entry, "rb") as fh:
                checked = pickle.load(fh)
            if isinstance(checked, Checked):
                _touch(entry)
                return checked
        except Exception:  # noqa: BLE001 — damaged or from an incompatible build: rebuild
            pass
    checked = check(load(root))
    if store and not checked.errors:
        _store(entry, checked)
    return checked


def _store(entry: Path, checked: Checked) -> None:
    import tempfile  # with shutil and random behind it: only a miss writes an entry
    try:
        entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _owned(entry.parent):
            return  # nothing we would read back
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=entry.parent)
    except OSError:
        return  # a read-only home or a full disk only costs speed
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(checked, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
    except OSError:
        try:
            os.unlink(tmp)  # a full disk leaves no temp file behind
        except OSError:
            pass
        return
    evict(entry.parent)


def _touch(entry: Path) -> None:
    try:
        os.utime(entry)
    except OSError:
        pass


def evict(directory: Path, keep: Optional[int] = None, pattern: str = "*.pickle") -> None:
    """Delete all but the ``keep`` (default ``MAX_ENTRIES``) most recently used entries (by modification time);
    ``pattern`` names the entries (the code cache keeps ``*.marshal`` files the same way)."""
    keep = MAX_ENTRIES if keep is None else keep
    try:
        entries = []
        for p in directory.glob(pattern):
            try:
                entries.append((p.stat().st_mtime, p.name, p))
            except OSError:
                continue
        entries.sort(reverse=True)
        for _, _, p in entries[keep:]:
            try:
                p.unlink()
            except OSError:
                pass
    except OSError:
        pass
