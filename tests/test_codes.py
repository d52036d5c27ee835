"""The diagnostic code table (perfdsl/codes.py) and the code are the same set of codes."""

import ast
import re
from pathlib import Path

import pytest

from perfdsl.codes import CODES, GROUPS, SEVERITY_NAMES, group_of
from perfdsl.diagnostics import UnregisteredCode, error, warning

PACKAGE = Path(__file__).resolve().parent.parent / "perfdsl"
CODE = re.compile(r"[A-Z][0-9]{3}")
IN_TEXT = re.compile(r"\w+\[([A-Z][0-9]{3})\]")  # internal error[X000] printed without a Diagnostic


def codes_in_source() -> dict[str, set[str]]:
    """code -> files whose string literals name it (a whole literal "E304", or error[X000] in a text)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "codes.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named = [node.value] if CODE.fullmatch(node.value) else IN_TEXT.findall(node.value)
                for code in named:
                    found.setdefault(code, set()).add(str(path.relative_to(PACKAGE)))
    return found


def test_every_code_in_the_source_is_registered():
    unregistered = {c: sorted(files) for c, files in codes_in_source().items() if c not in CODES}
    assert unregistered == {}


def test_every_registered_code_is_used():
    assert sorted(set(CODES) - set(codes_in_source())) == []


def test_registry_entries_are_complete():
    for code, info in CODES.items():
        assert CODE.fullmatch(code), code
        assert info.severity in SEVERITY_NAMES, code
        assert info.title.strip() and info.fix.strip(), code
        assert (info.severity == "warning") == code.startswith("W") or code in ("F020", "F034"), code
        assert group_of(code) in {heading for _, heading in GROUPS}


def test_an_unregistered_code_is_a_bug():
    with pytest.raises(UnregisteredCode):
        error("E999", "no such code")
    with pytest.raises(UnregisteredCode):
        warning("E304", "registered as an error")
    assert error("E304", "缺少事实").severity == "error"
    assert warning("W130", "合计超过").severity == "warning"


def test_reference_page_lists_every_code():
    page = (PACKAGE.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    for code, info in CODES.items():
        assert f"| {code} |" in page, code
        assert info.fix in page, code
