"""Regenerate the parts of docs/ that come from the code, so they cannot drift:

    python -m perfdsl.docgen          # rewrite them
    python -m perfdsl.docgen --check  # exit 1 if any is stale (the test suite does this)

A generated part sits between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Optional

from perfdsl.codes import CODES, GROUPS, SEVERITY_NAMES, group_of
from perfdsl.interp.builtins import BUILTINS
from perfdsl.ruleset.coverage_kinds import COVERAGE_KINDS
from perfdsl.syntax.grammar_file import grammar_text
from perfdsl.syntax.keywords import KEYWORDS, USES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def keywords_table() -> str:
    rows = ["| 中文 | English | 用途 |", "|---|---|---|"]
    for term, (zh, en) in KEYWORDS.items():
        rows.append(f"| {' / '.join(zh)} | {' / '.join(en)} | {USES[term]} |")
    return "\n".join(rows)


def functions_table() -> str:
    rows = ["| 中文 | English | 参数个数 |", "|---|---|---|"]
    for b in BUILTINS:
        count = f"{b.min_args}" if b.min_args == b.max_args else f"{b.min_args} 个或更多"
        rows.append(f"| `{b.zh}` | `{b.name}` | {count} |")
    rows.append("| `存在` | `exists` | 1（一个事实路径） |")
    return "\n".join(rows)


def errors_table() -> str:
    """One table per group of codes, in the order of ``codes.GROUPS``, each code with its example."""
    from perfdsl.code_examples import EXAMPLES, Unreachable
    out: list[str] = []
    for _, heading in GROUPS:
        rows = [(code, info) for code, info in sorted(CODES.items()) if group_of(code) == heading]
        if not rows:
            continue
        if out:
            out.append("")
        out += [f"### {heading}", "", "| 代码 | 级别 | 含义 | 示例 | 如何修改 |", "|---|---|---|---|---|"]
        for code, info in rows:
            ex = EXAMPLES[code]
            if isinstance(ex, Unreachable):
                shown = f"（无法从外部触发：{ex.reason}）"
            else:  # the rule text in code type, what it is about after it: 得分 = ¥100（金额不带货币符号）
                m = re.fullmatch(r"(.*?)（([^（]*)）", ex.shows)
                shown = f"`{m.group(1)}`（{m.group(2)}）" if m else f"`{ex.shows}`"
            cells = (code, SEVERITY_NAMES[info.severity], info.title, shown, info.fix)
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out)


def coverage_table() -> str:
    rows = ["| kind | 中文名 | 何时算覆盖 |", "|---|---|---|"]
    rows += [f"| `{kind}` | {k.label} | {k.covered_when} |" for kind, k in COVERAGE_KINDS.items()]
    return "\n".join(rows)


def grammar() -> str:
    return "```lark\n" + grammar_text().rstrip() + "\n```"


def cli_reference() -> str:
    import os

    from perfdsl.cli import build_parser
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps help to the terminal's width: make it the same everywhere
    try:
        return _cli_reference(build_parser())
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def _cli_reference(parser) -> str:
    out = ["```text", parser.format_help().rstrip(), "```"]
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, p in sub.choices.items():
        out += ["", f"### perfdsl {name}", "", "```text", p.format_help().rstrip(), "```"]
    return "\n".join(out)


GENERATORS = {"keywords": keywords_table, "functions": functions_table, "grammar": grammar, "cli": cli_reference,
              "errors": errors_table, "coverage": coverage_table}


def regenerate(text: str) -> str:
    def fill(m):
        name = m.group(1)
        return f"<!-- BEGIN GENERATED: {name} -->\n{GENERATORS[name]()}\n<!-- END GENERATED: {name} -->"
    return re.sub(r"<!-- BEGIN GENERATED: (\w+) -->.*?<!-- END GENERATED: \1 -->", fill, text, flags=re.S)


def stale(docs: Path = DOCS) -> list[str]:
    out = []
    for path in sorted(docs.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if regenerate(text) != text:
            out.append(path.name)
    return out


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description="regenerate the generated parts of docs/")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    names = stale()
    if args.check:
        for n in names:
            print(f"stale: docs/{n} (run python -m perfdsl.docgen)")
        return 1 if names else 0
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        new = regenerate(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"regenerated docs/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
