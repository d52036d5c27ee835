"""``perfdsl.digest``: CPython's own SHA-256 for what is small, hashlib's otherwise; the same digests either way.

The builtin module is CPython's private one (``_sha256``, ``_sha2`` from 3.12): these tests pin that it is found
on the Python perfdsl runs on, gives hashlib's digests, and that without it everything goes through hashlib.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

from perfdsl import digest

ROOT = Path(__file__).resolve().parent.parent


def test_the_builtin_is_found_on_cpython():
    if sys.implementation.name == "cpython":
        assert digest.BUILTIN is not None


def test_the_digests_are_hashlib_s():
    rng = random.Random(19)
    texts = [b"", b"a", "评分规则".encode(), b"\x00" * 64, bytes(range(256)) * 3]
    texts += [rng.randbytes(n) for n in (55, 56, 63, 64, 65, 1000, 4096, 100_000)]
    texts += [rng.randbytes(digest.LARGE), rng.randbytes(digest.LARGE + 1)]
    for data in texts:
        assert digest.sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
        assert digest.sha256(data).digest() == hashlib.sha256(data).digest()
        if digest.BUILTIN is not None:
            assert digest.BUILTIN(data).hexdigest() == hashlib.sha256(data).hexdigest()


def test_updates_give_the_digest_of_the_whole():
    h, whole = digest.sha256(), hashlib.sha256()
    for piece in (b"perfdsl 0.1.0 cache 3\n", "规则/评分.perf".encode() + b"\0", os.urandom(300)):
        h.update(piece)
        whole.update(piece)
    assert h.hexdigest() == whole.hexdigest()


def test_without_the_builtin_hashlib_hashes(monkeypatch):
    monkeypatch.setattr(digest, "BUILTIN", None)
    assert digest.sha256(b"abc").hexdigest() == hashlib.sha256(b"abc").hexdigest()
    assert type(digest.sha256(b"abc")) is type(hashlib.sha256(b"abc"))


def test_a_process_without_openssl_hashes_small_data_with_the_builtin():
    code = ("import sys\nfrom perfdsl import digest\nh = digest.sha256(b'abc').hexdigest()\n"
            "print(h, '_hashlib' in sys.modules)\n"
            "big = digest.sha256(b'x' * (digest.LARGE + 1)).hexdigest()\nprint(big, '_hashlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == [hashlib.sha256(b"abc").hexdigest(), "False",
                   hashlib.sha256(b"x" * (digest.LARGE + 1)).hexdigest(), "True"]
