"""Where perfdsl keeps what it has compiled, and whether an entry there can be trusted.

The compiled-rule cache (``ruleset/cache.py``), the compiled-code cache (``codegen/codecache.py``)
and the warm bundles (``perfdsl.warm``) share one directory and one rule: an entry is read only
if it and its directory belong to this user and no one else can write them (on Windows: inside
the user's ``%LOCALAPPDATA%``).  Apart from ``cache`` so that the warm road finds its bundle
without importing the parser, the checker or attrs.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from perfdsl.digest import sha256

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:
    from typing import Optional


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


def python_tag() -> str:
    """What a code object depends on besides its source: the bytecode format and the optimisation level.

    The exact release (``sys.hexversion``) stands for the bytecode's magic number, which changes only between
    releases: a little finer than needed (a new patch release compiles again), and ``importlib.util`` is not
    imported for it (~6 ms of the warm road)."""
    return f"{sys.implementation.cache_tag} {sys.hexversion:x} O{sys.flags.optimize}"
