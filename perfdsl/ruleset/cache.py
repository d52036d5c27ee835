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

import functools
import os
import pickle
import sys
from pathlib import Path
from typing import Optional

from perfdsl import __version__
from perfdsl.digest import sha256
from perfdsl.ruleset.check import Checked, check
from perfdsl.ruleset.gcpause import paused
from perfdsl.ruleset.loader import display_path, load, rule_files

FORMAT = 3  # 3: 允许 and 总分 in the AST
MAX_ENTRIES = 64  # checked rule sets kept; the least recently used beyond this are deleted


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """A fingerprint of perfdsl's own .py and .lark files: each one's path, size and modification time.

    Reading them all would cost ~30 ms per start, more than a cached start takes; their metadata
    costs ~1 ms and changes whenever a file is edited, checked out or installed.
    """
    seen: list[str] = []
    _fingerprints(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "", seen)
    return sha256("".join(sorted(seen)).encode("utf-8", "replace")).hexdigest()


def _fingerprints(top: str, under: str, seen: list[str]) -> None:
    """``code_hash``'s line for each file under ``top`` (``under``: its path inside the package), as ``os.walk``
    finds them (no ``__pycache__``, no directory reached through a link, a directory that cannot be read skipped),
    with one ``scandir`` a directory and no path joined twice: ~half of what ``os.walk`` costs a start."""
    try:
        with os.scandir(top) as found:
            entries = list(found)
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if entry.name != "__pycache__" and not entry.is_symlink():
                _fingerprints(entry.path, f"{under}{entry.name}/", seen)
        elif entry.name.endswith((".py", ".lark")):
            try:
                st = entry.stat()
            except OSError:
                continue
            seen.append(f"{under}{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\n")


def cache_dir() -> Path:
    configured = os.environ.get("PERFDSL_CACHE_DIR")
    if configured:
        return Path(configured)
    if not _posix_owners():
        local = _per_user_directory()
        if local is not None:
            return local / "perfdsl" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "perfdsl"


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


def _private(entry: Path) -> bool:
    """Whether only this user could have written the entry: it and its directory."""
    return _owned(entry.parent) and _owned(entry)


def _posix_owners() -> bool:
    """Whether ``os.stat`` says who owns a file and who may write it (not on Windows, where an ACL does)."""
    return hasattr(os, "getuid") and sys.platform != "win32"


def _per_user_directory() -> Optional[Path]:
    """Windows' per-user local application data (``%LOCALAPPDATA%``): only its user (and administrators) may write."""
    local = os.environ.get("LOCALAPPDATA")
    return Path(local) if local and os.path.isabs(local) else None


def _owned(path: Path) -> bool:
    """Ours, and not writable by group or others.

    Without POSIX owners (Windows): inside the user's ``%LOCALAPPDATA%``, or not trusted at all.
    """
    if not _posix_owners():
        local = _per_user_directory()
        if local is None:
            return False
        try:
            return Path(os.path.realpath(path)).is_relative_to(Path(os.path.realpath(local)))
        except (OSError, ValueError):
            return False
    try:
        st = path.stat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


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
