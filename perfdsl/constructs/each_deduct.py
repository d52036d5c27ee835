"""逐项扣 — a deduction per finding of a list, capped per category and in total.

``逐项扣 问题 每项 0.5  按 类别 每类最多 1  最多 3  描述 说明  不评价 若 … 理由 "…"``

Each item gets its own outcome in the trace: 扣分 (amount > 0), 合格 (amount 0), 不适用 (``不适用 若 … 理由 "…"``)
or 不评价 (``不评价 若 … 理由 "…"``: not evaluated at all); ``理由 "{名称}：…"``, a template over the item's
fields, says why in each item's own words.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Optional

from perfdsl.constructs import each_deduct_words as words
from perfdsl.constructs.base import Deduction
from perfdsl.constructs.each_deduct_words import described, finding_text
from perfdsl.interp.numbers import ZERO
from perfdsl.ruleset import coverage_kinds as K
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text


# ---------------------------------------------------------------- words (``each_deduct_words``, from the node)
def no_findings(d: A.EachDeduct) -> tuple[str, dict]:
    return words.no_findings(d.items.dotted)


def finding_skipped(d: A.EachDeduct, text: str, n: int) -> tuple[str, dict]:
    assert d.skip is not None
    return words.finding_skipped(d.skip.reason, text, n)


def finding_not_applicable(d: A.EachDeduct, text: str, n: int) -> tuple[str, dict]:
    assert d.not_applicable is not None
    return words.finding_not_applicable(d.not_applicable.reason, text, n)


def finding(d: A.EachDeduct, amount: Decimal, text: str, n: int, key, reason: Optional[str] = None
            ) -> tuple[str, dict]:
    return words.finding(bool(d.group_by), amount, text, n, key, reason)


class EachDeduct(Deduction):
    node = A.EachDeduct

    def format(self, f, s: A.EachDeduct, indent: str) -> str:
        """On one line when it fits (as 扣 … 理由 is); else one clause a line, each 理由 under its condition."""
        from perfdsl.syntax.formatter import INDENT, WIDTH, cell_len, quote
        k = f.kw
        text = f"{k('KW_EACH')} {s.items.dotted} {k('KW_PER')} {f.expr(s.per_item, '')}"
        opts = []  # each clause as (head, 理由 of a condition clause or "")
        if s.group_by is not None:
            assert s.group_cap is not None  # 按 … 每类最多 … is one clause in the grammar
            opts.append((f"{k('KW_GROUP')} {s.group_by} {k('KW_CAP')} {f.expr(s.group_cap, '')}", ""))
        if s.total_cap is not None:
            opts.append((f"{k('KW_TOTAL_CAP')} {f.expr(s.total_cap, '')}", ""))
        if s.describe is not None:
            opts.append((f"{k('KW_DESCRIBE')} {f.expr(s.describe, '')}", ""))
        for clause, word in ((s.skip, "KW_SKIP"), (s.not_applicable, "KW_NA")):
            if clause is not None:
                opts.append((f"{k(word)} {k('KW_IF')} {f.expr(clause.condition, '')}",
                             f"{k('KW_REASON')} {quote(clause.reason)}"))
        if s.reason is not None:
            opts.append((f"{k('KW_REASON')} {f.expr(s.reason, '')}", ""))
        one = " ".join([text] + [f"{head} {why}" if why else head for head, why in opts])
        if "\n" not in one and cell_len(indent + one) <= WIDTH:
            return one
        return text + "".join(f"\n{INDENT}{head}" + (f"\n{INDENT * 2}{why}" if why else "") for head, why in opts)

    def check(self, c, scope, s: A.EachDeduct) -> None:
        from perfdsl.diagnostics import error
        from perfdsl.ruleset.check.names import Scope
        from perfdsl.ruleset.types import ANY
        ty = c.expr(scope, s.items)
        if ty.kind not in ("list", "any"):
            c.diagnostics.append(error("E201", f"逐项扣 需要一个列表，`{s.items.dotted}` 是{ty.describe()}",
                                       s.items.span))
            return
        element = ty.element or ANY
        inner = Scope(c, scope.lets, element if element.kind == "record" else None, scope.label)
        inner.types = scope.types
        c.expect(inner, s.per_item, "number")
        if s.describe is not None:
            c.expr(inner, s.describe)
        if s.skip is not None:
            c.expect(inner, s.skip.condition, "bool")
        if s.not_applicable is not None:
            c.expect(inner, s.not_applicable.condition, "bool")
        if s.reason is not None:
            c.expr(inner, s.reason)
        if s.group_by is not None:
            if element.kind == "record" and s.group_by not in element.fields:
                c._unknown_field(s.group_by, element, s.span, s.items.dotted)
        if s.group_cap is not None:
            c.expect(scope, s.group_cap, "number")
        if s.total_cap is not None:
            c.expect(scope, s.total_cap, "number")

    def expressions(self, s: A.EachDeduct) -> list:
        return [s.per_item]

    def coverage(self, s: A.EachDeduct, owner: str, add, expr) -> None:
        label = K.COVERAGE_KINDS
        add(K.EACH, s.span, f"{owner}：{label[K.EACH].label} {s.items.dotted}")
        if s.skip is not None:
            add(K.SKIP, s.skip.span, f"{owner}：{label[K.SKIP].label}（{s.skip.reason}）")
        if s.not_applicable is not None:
            na = s.not_applicable
            add(K.NOT_APPLICABLE, na.span, f"{owner}：{label[K.NOT_APPLICABLE].label}（{na.reason}）")
        if s.group_cap is not None:
            add(K.GROUP_CAP, s.group_cap.span,
                f"{owner}：按 {s.group_by} {label[K.GROUP_CAP].label} {expr_text(s.group_cap)}")
        if s.total_cap is not None:
            add(K.TOTAL_CAP, s.total_cap.span, f"{owner}：{label[K.TOTAL_CAP].label} {expr_text(s.total_cap)}")
        # the points inside what is evaluated (a 若 in 每项 has both sides), as the tracer records them
        for e in (s.per_item, s.skip and s.skip.condition, s.not_applicable and s.not_applicable.condition,
                  s.group_cap, s.total_cap):
            if e is not None:
                expr(e, owner)

    def sites(self, walk, s: A.EachDeduct) -> None:
        element = walk.plan.element_type(s.items)
        fields = frozenset(element.fields) if element is not None and element.kind == "record" else frozenset()
        walk.expr(s.items)
        walk.add(s, "empty", "check", s.span, functools.partial(words.no_findings, s.items.dotted))
        outer, walk.item = walk.item, (s.items.dotted, fields, element)
        if s.describe is not None:
            walk.expr(s.describe)
        if s.reason is not None:
            walk.expr(s.reason)
        if s.skip is not None:
            walk.add(s, "skip", "not_applicable", s.skip.span,
                     functools.partial(words.finding_skipped, s.skip.reason))
            walk.expr(s.skip.condition)
        if s.not_applicable is not None:
            walk.add(s, "na", "not_applicable", s.not_applicable.span,
                     functools.partial(words.finding_not_applicable, s.not_applicable.reason))
            walk.expr(s.not_applicable.condition)
        walk.expr(s.per_item)
        if s.group_by is not None:
            walk.add(s, "finding", None, s.span, words.judged_in_group)
        else:
            walk.add(s, "finding", None, s.span, words.judged)
        walk.item = outer
        if s.group_cap is not None:
            walk.add(s, "group_cap", "cap", s.group_cap.span, words.group_cap)
            walk.expr(s.group_cap)
        if s.total_cap is not None:
            walk.add(s, "total_cap", "cap", s.total_cap.span, words.total_cap)
            walk.expr(s.total_cap)

    def interpret(self, ev, env, tr, s: A.EachDeduct) -> Decimal:
        from perfdsl.diagnostics import error
        from perfdsl.interp.evaluator import EvalError
        items = ev.value(s.items, env)
        if not isinstance(items, list):
            raise EvalError(error("E360", f"逐项扣 需要列表：{s.items.dotted}", s.items.span, fact_path=s.items.dotted))
        if not items:
            tr.step("check", s.span, no_findings, s)
        groups: dict[object, Decimal] = {}
        order: list[object] = []
        for n, item in enumerate(items):
            fields = tuple(item) if isinstance(item, dict) else ()
            ienv = env.for_item(item, fields, f"{s.items.dotted}[{n}]")
            text = finding_text(item, functools.partial(ev.value, s.describe, ienv) if s.describe is not None else None)
            why = () if s.reason is None else (described(ev.value(s.reason, ienv)),)
            if s.skip is not None and ev.boolean(s.skip.condition, ienv):
                tr.hit(K.SKIP, s.skip.span)
                tr.step("not_applicable", s.skip.span, finding_skipped, s, text, n)
                continue
            if s.not_applicable is not None and ev.boolean(s.not_applicable.condition, ienv):
                tr.hit(K.NOT_APPLICABLE, s.not_applicable.span)
                tr.step("not_applicable", s.not_applicable.span, finding_not_applicable, s, text, n)
                continue
            amount = ev.number(s.per_item, ienv)
            key = ev.value(A.Path((s.group_by,), None, s.span), ienv) if s.group_by else None
            if key not in groups:
                groups[key] = ZERO
                order.append(key)
            groups[key] += amount
            if amount:
                tr.hit(K.EACH, s.span)
            tr.step("deduction" if amount else "check", s.span, finding, s, amount, text, n, key, *why)
        total = ZERO
        for key in order:
            amount = groups[key]
            if s.group_cap is not None:
                cap = ev.number(s.group_cap, env)
                if amount > cap:
                    tr.hit(K.GROUP_CAP, s.group_cap.span)
                    tr.step("cap", s.group_cap.span, words.group_cap, key, amount, cap)
                    amount = cap
            total += amount
        if s.total_cap is not None:
            cap = ev.number(s.total_cap, env)
            if total > cap:
                tr.hit(K.TOTAL_CAP, s.total_cap.span)
                tr.step("cap", s.total_cap.span, words.total_cap, total, cap)
                total = cap
        return total

    def generate(self, g, s: A.EachDeduct, sc) -> None:
        from perfdsl.codegen.generator import Scope
        src = g.src
        element = g.plan.element_type(s.items)
        if element is None or element.kind == "any":
            g.unsupported(f"逐项扣 {s.items.dotted} 的列表元素类型未知")
        fields = frozenset(element.fields) if element is not None and element.kind == "record" else frozenset()
        isc = Scope(sc.lets, "P", ("it", fields, element))
        g.findings = s.items.dotted
        src.emit(1, f"items = {g.expr(s.items, sc)}")
        src.emit(1, "if type(items) is not list: _nomatch()")
        src.emit(1, "if not items:")
        g.record(2, s, "empty")
        src.emit(2, "pass")
        src.emit(1, "groups = {}")
        src.emit(1, "for n, it in enumerate(items):")
        g.per_finding(s, isc, fields, element)
        n = "{(NUMBERS[n] if n < 65 else n)}"  # a finding's place, its text from a table (``runtime.NUMBERS``)
        if s.skip is not None:
            src.emit(2, f"if {g.condition(s.skip.condition, isc)}:")
            g.record(3, s, "skip", f",{{_string(text)}},{n}")  # a finding's words: always text
            src.emit(3, "continue")
        if s.not_applicable is not None:
            src.emit(2, f"if {g.condition(s.not_applicable.condition, isc)}:")
            g.record(3, s, "na", f",{{jt(text)}},{n}")
            src.emit(3, "continue")
        why = "" if s.reason is None else ",{jt(why)}"
        src.emit(2, f"a = {g.number(g.expr(s.per_item, isc), s.per_item)}")
        # a number written in the rules: its text made now (``str`` of the constant ``a`` is), not on every finding
        amount = str(s.per_item.value) if isinstance(s.per_item, A.Number) and s.per_item.value.is_finite() \
            else g.num('a')
        if s.group_by is not None:
            if s.group_by not in fields:
                g.unsupported(f"逐项扣 {s.items.dotted} 按 {s.group_by} 分类，而 {s.group_by} 不是问题记录的字段")
            src.emit(2, f"k = it[{s.group_by!r}]")
            key = g.field_text("k", element, s.group_by)
            g.record(2, s, "finding", f",{amount},{{_string(text)}},{n},{key}{why}")
        else:
            src.emit(2, "k = None")
            key = "{jt(k)}"
            g.record(2, s, "finding", f",{amount},{{_string(text)}},{n}{why}")
        src.emit(2, "groups[k] = groups.get(k, ZERO) + a")
        src.emit(1, "total = ZERO")
        src.emit(1, "for k, a in groups.items():")
        if s.group_cap is not None:  # computed per group, as the interpreter does
            src.emit(2, f"cap = {g.number(g.expr(s.group_cap, sc), s.group_cap)}")
            src.emit(2, "if a > cap:")
            g.record(3, s, "group_cap", f",{key},{g.num('a')},{g.num('cap')}")
            src.emit(3, "a = cap")
        src.emit(2, "total += a")
        if s.total_cap is not None:
            src.emit(1, f"cap = {g.number(g.expr(s.total_cap, sc), s.total_cap)}")
            src.emit(1, "if total > cap:")
            g.record(2, s, "total_cap", f",{g.num('total')},{g.num('cap')}")
            src.emit(2, "total = cap")
        src.emit(1, "ded += total")


EACH_DEDUCT = EachDeduct()
