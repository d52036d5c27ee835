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
    """Small data loads no OpenSSL (unless the interpreter's own start-up did: a site's .pth file may), large does."""
    code = ("import sys\nprint('_hashlib' in sys.modules)\nfrom perfdsl import digest\n"
            "h = digest.sha256(b'abc').hexdigest()\nprint(h, '_hashlib' in sys.modules)\n"
            "big = digest.sha256(b'x' * (digest.LARGE + 1)).hexdigest()\nprint(big, '_hashlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         capture_output=True, text=True, check=True).stdout.split()
    at_start = out[0]
    assert out[1:] == [hashlib.sha256(b"abc").hexdigest(), at_start,
                       hashlib.sha256(b"x" * (digest.LARGE + 1)).hexdigest(), "True"]


def _walked(package: str) -> list[str]:
    """``cache.code_hash``'s lines as they were made with ``os.walk`` (the reference ``_fingerprints`` replaced)."""
    seen = []
    for top, dirs, files in os.walk(package):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        under = top[len(package) + 1:]
        for name in files:
            if name.endswith((".py", ".lark")):
                try:
                    st = os.stat(os.path.join(top, name))
                except OSError:
                    continue
                seen.append(f"{os.path.join(under, name)}\0{st.st_size}\0{st.st_mtime_ns}\n")
    return sorted(seen)


def test_the_code_fingerprint_lists_what_os_walk_found(tmp_path):
    """perfdsl's own files, and a tree with what a checkout may hold: bytecode, links to files and directories, a
    dangling link, files that are not source, an unreadable directory."""
    from perfdsl.ruleset import cache
    package = str(ROOT / "perfdsl")
    seen: list[str] = []
    cache._fingerprints(package, "", seen)
    assert sorted(seen) == _walked(package) and len(seen) > 100
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "__pycache__").mkdir()
    for name in ("x.py", "a/y.lark", "a/b/z.py", "a/b/z.pyc", "__pycache__/w.py", "a/notes.txt"):
        (tmp_path / name).write_text(name)
    (tmp_path / "link.py").symlink_to(tmp_path / "x.py")
    (tmp_path / "gone.py").symlink_to(tmp_path / "nowhere.py")
    (tmp_path / "c").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "closed").mkdir()
    (tmp_path / "closed" / "v.py").write_text("")
    (tmp_path / "closed").chmod(0)
    try:
        seen = []
        cache._fingerprints(str(tmp_path), "", seen)
        assert sorted(seen) == _walked(str(tmp_path))
        readable = ["closed/v.py"] if os.access(tmp_path / "closed", os.R_OK) else []  # root reads it all the same
        assert sorted(line.split("\0")[0] for line in seen) == sorted(["a/b/z.py", "a/y.lark", "link.py", "x.py",
                                                                         *readable])
    finally:
        (tmp_path / "closed").chmod(0o700)
