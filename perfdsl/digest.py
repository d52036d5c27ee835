"""SHA-256 of what a single ``eval`` or ``check`` hashes, without loading OpenSSL for it.

Importing ``hashlib`` imports ``_hashlib``, which loads OpenSSL's libcrypto: ~11 M instructions, 2% of a warm
``eval``, to hash some 50 KB (the rule files, the grammar, the facts, perfdsl's list of files).  CPython's own
SHA-256 (the module ``_sha256``; ``_sha2`` from 3.12) costs nothing to import and is about five times slower per
byte, so it hashes what is small; anything over ``LARGE`` bytes, every process that has loaded OpenSSL already (a
batch hashes each line with ``hashlib``) and every Python without that module go through ``hashlib``.  The standard
library's ``random`` takes its SHA-512 the same way.  These modules are CPython's private ones:
``tests/test_digest.py`` holds the digests equal to ``hashlib``'s and the fallback working.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing is for the type checker (``perfdsl --help`` imports no typing)
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

LARGE = 1 << 20  # bytes: above this, OpenSSL's speed pays for loading it (~3 ms of CPU)


def _builtin() -> Optional[Callable[..., Any]]:
    for name in ("_sha256", "_sha2"):  # CPython 3.11, 3.12 and later
        try:
            return __import__(name).sha256
        except (ImportError, AttributeError):
            continue
    return None


BUILTIN = _builtin()


def sha256(data: bytes = b"") -> Any:
    """A SHA-256 hash object of ``data`` (``update``, ``digest``, ``hexdigest``), as ``hashlib.sha256(data)``."""
    if BUILTIN is None or len(data) > LARGE or "_hashlib" in sys.modules:
        import hashlib
        return hashlib.sha256(data)
    return BUILTIN(data)
