"""Which files a rule set is, and the names its messages and documents give them.

Apart from ``loader`` so that the warm road (``perfdsl.warm``) keys a rule set's bundle by
exactly the files ``load`` reads, without importing the parser or attrs.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # typing is for the type checker
if TYPE_CHECKING:
    from perfdsl.diagnostics import PerfdslError

RULE_SUFFIX = ".perf"


def rule_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise _failed("E100", f"找不到规则文件或目录：{root}")
    base = root.resolve()
    # a rule set is exactly the files inside its directory: a link that leads outside is not followed
    files = sorted(p for p in root.rglob(f"*{RULE_SUFFIX}") if p.is_file() and p.resolve().is_relative_to(base))
    if not files:
        raise _failed("E101", f"目录 {root} 中没有 {RULE_SUFFIX} 规则文件")
    return files


def display_path(p: Path) -> str:
    try:
        rel = os.path.relpath(p)
    except ValueError:  # pragma: no cover — another drive on Windows
        return str(p)
    return str(p) if rel.startswith("..") else rel


def _failed(code: str, message: str) -> PerfdslError:
    from perfdsl.diagnostics import PerfdslError, error
    return PerfdslError([error(code, message)])
