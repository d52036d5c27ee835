"""Texts that are shown as written: a ``{路径}`` in them would print its braces, so ``check`` says so.

Templates are filled where a value can be read when the text is shown: 描述, 令, 标题, the 理由 of 扣 and
the per-item 理由 of 逐项扣.  The other fixed texts — 不适用/不评价 reasons, 逐级扣's 理由, 一票否决's 理由,
要求's message — are the rule's own words, written once; W227 points at a hole in one of them.
"""

from __future__ import annotations

from perfdsl.diagnostics import Diagnostic, error, warning
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text
from perfdsl.syntax.template import has_holes


def fixed_texts(rules) -> list[Diagnostic]:
    found: list[tuple[str, A.Span, str]] = []
    stack = list(rules.roots)
    while stack:
        ind = stack.pop()
        stack.extend(ind.children)
        for s in ind.statements:
            if isinstance(s, A.NotApplicable):
                found.append((s.reason, s.span, "不适用 的理由"))
            elif isinstance(s, A.Require):
                found.append((s.message, s.span, "要求 的说明"))
            elif isinstance(s, A.Part) and s.not_applicable is not None:
                found.append((s.not_applicable.reason, s.not_applicable.span, "子项不适用 的理由"))
            elif isinstance(s, A.StepDeduct) and s.reason:
                found.append((s.reason, s.span, "逐级扣 的理由"))
            elif isinstance(s, A.EachDeduct):
                for clause, what in ((s.skip, "不评价 的理由"), (s.not_applicable, "不适用 的理由")):
                    if clause is not None:
                        found.append((clause.reason, clause.span, what))
    if rules.system is not None:
        found += [(v.reason, v.span, "一票否决 的理由") for v in rules.system.vetoes]
    return [warning("W227", f"{what}“{text}”中的 {{…}} 不会换成值，会原样显示",
                    span, suggestions=["要写出值，把它写进 扣 的理由、描述 或 逐项扣 的 理由；"
                                       "要显示花括号本身，写 {{ 与 }}"])
            for text, span, what in found if has_holes(text)]


def joins_text(checker, scope, e: A.Binary) -> bool:
    """`类别 + "：" + 说明`: texts are joined with a template, which says where each value goes."""
    operands: list[A.Expr] = []
    x: A.Expr = e
    while isinstance(x, A.Binary) and x.op == "+":
        operands.append(x.right)
        x = x.left
    operands.append(x)
    if not any(_is_text(checker, scope, x) for x in operands):
        return False
    for x in operands:
        checker.expr(scope, x)
    checker.diagnostics.append(error(
        "E202", f"文本不能用 + 连接：`{expr_text(e)}`", e.span,
        suggestions=["用文本模板写出整段文字，值写在 {} 中，如 描述 \"{类别}：{说明}\""]))
    return True


def _is_text(checker, scope, x: A.Expr) -> bool:
    """A text literal, or a fact or item field declared 文本 or 枚举 (read quietly: no diagnostics, no 令)."""
    if isinstance(x, (A.String, A.Template)):
        return True
    if not isinstance(x, A.Path) or x.star is not None:
        return False
    first = x.segments[0]
    if scope.item is not None and first in scope.item.fields:
        base = scope.item
    elif first in scope.lets or first in checker.rules.globals:
        return False
    else:
        base = checker.facts
    seen = len(checker.diagnostics)
    kind = checker._walk(base, x, 0, "").kind
    del checker.diagnostics[seen:]
    return kind in ("text", "enum")
