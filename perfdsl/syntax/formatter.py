"""``perfdsl fmt``: one canonical layout, comments kept, either keyword language.

The layout is printed from the AST, so ``parse(fmt(x)) == parse(x)``.
Comments are found by a scan of the source that skips strings. Each comment
is put back before the first node that starts below it; a comment on the
same line as a one-line statement stays at the end of that line.
"""

from __future__ import annotations

import re
from typing import Optional

from rich.cells import cell_len

from perfdsl.constructs import deduction
from perfdsl.interp.numbers import plain
from perfdsl.syntax import ast as A
from perfdsl.syntax.builder import build
from perfdsl.syntax.keywords import SPELLINGS, canonical, level_keyword
from perfdsl.syntax.printer import Printer, interval_text, literal, quote
from perfdsl.syntax.quotes import text_quotes

WIDTH = 100
INDENT = "  "
_NAME = re.compile(r"(?![0-9])[\w“”、·‘’《》]+")


def comments_of(text: str) -> list[tuple[int, str]]:
    """(line, text) of every ``#`` comment outside strings."""
    out = []
    line = 1
    i = 0
    n = len(text)
    in_string = False
    while i < n:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
            elif c == "\n":
                line += 1
        elif c == '"':
            in_string = True
        elif c == "#":
            end = text.find("\n", i)
            end = n if end == -1 else end
            out.append((line, text[i:end].rstrip()))
            i = end
            continue
        elif c == "\n":
            line += 1
        i += 1
    return out


def format_text(text: str, filename: str = "<fmt>", keywords: Optional[str] = None) -> str:
    rule_file = build(text, filename)
    lang = keywords or _dominant_language(text)
    return Formatter(lang, comments_of(text_quotes(text))).file(rule_file)


def _dominant_language(text: str) -> str:
    zh = en = 0
    from perfdsl.syntax.keywords import language_of
    for word in re.findall(r"[\w]+", text):
        lang = language_of(word)
        if lang == "zh":
            zh += 1
        elif lang == "en":
            en += 1
    return "en" if en > zh else "zh"


def label(name: str) -> str:
    return name if _NAME.fullmatch(name) and name not in SPELLINGS else quote(name)


class Formatter:
    def __init__(self, lang: str, comments: list[tuple[int, str]]):
        self.lang = lang
        # function names are kept as written (both spellings work in either language): that keeps
        # ``fmt --keywords en | fmt --keywords zh`` equal to ``fmt`` for a file that writes ``abs`` and ``按比例``
        self.p = Printer(lang)
        self.comments = list(comments)
        self.lines: list[str] = []
        self.prev_end: Optional[int] = None  # source line where the last printed node ended
        self.base = ""  # the indentation of the statement being printed, for widths

    def kw(self, term: str) -> str:
        return canonical(term, self.lang)

    # ------------------------------------------------------------ comments
    def leading(self, line: int, indent: str) -> None:
        last = None
        while self.comments and self.comments[0][0] < line:
            last, text = self.comments.pop(0)
            self.lines.append(indent + text)
        if last is not None and last < line - 1 and line < 10**9:
            self.lines.append("")  # the source had a blank line between the comment and what follows

    def on_line(self, line: int) -> str:
        """Comments on one source line, taken now so they stay beside that line's row."""
        found = [c for c in self.comments if c[0] == line]
        for c in found:
            self.comments.remove(c)
        return ("  " + " ".join(t for _, t in found)) if found else ""

    def trailing(self, first: int, last: int) -> str:
        found = []
        while self.comments and first <= self.comments[0][0] <= last:
            found.append(self.comments.pop(0)[1])
        return ("  " + " ".join(found)) if found else ""

    def blank_if_source_had_one(self, span: A.Span) -> None:
        last = self.lines[-1] if self.lines else ""
        if self.prev_end is not None and span.line > self.prev_end + 1 and last.strip() and not last.endswith("{"):
            if not (self.comments and self.comments[0][0] < span.line and self.comments[0][0] == self.prev_end + 1):
                self.lines.append("")

    def emit(self, indent: str, text: str, span: A.Span) -> None:
        """A statement: comments above it first; comments on its lines at its end."""
        self.blank_if_source_had_one(span)
        self.prev_end = span.end_line
        self.leading(span.line, indent)
        body = text.split("\n")
        tail = self.trailing(span.line, span.end_line)
        body[-1] += tail
        self.lines.extend(indent + b if b else b for b in body)

    def open(self, indent: str, head: str, span: A.Span) -> None:
        self.blank_if_source_had_one(span)
        self.prev_end = span.line
        self.leading(span.line, indent)
        self.lines.append(indent + head + " {" + self.trailing(span.line, span.line))

    def close(self, indent: str, span: A.Span) -> None:
        self.leading(span.end_line, indent + INDENT)
        self.lines.append(indent + "}" + self.trailing(span.end_line, span.end_line))
        self.prev_end = span.end_line

    # ------------------------------------------------------------ file
    def file(self, f: A.RuleFile) -> str:
        for i, item in enumerate(f.items):
            if i and self.lines and self.lines[-1] != "":
                self.lines.append("")
            self.item(item, "")
        self.leading(10**9, "")
        text = "\n".join(self.lines).rstrip("\n") + "\n"
        return re.sub(r"\n{3,}", "\n\n", text)

    def item(self, item: object, indent: str) -> None:
        if isinstance(item, A.System):
            self.system(item, indent)
        elif isinstance(item, A.RecordType) and item.name == "事实":
            self.record_block(self.kw("KW_FACTS"), item.fields, item.requires, item.span, indent)
        elif isinstance(item, A.RecordType):
            self.record_block(f"{self.kw('KW_TYPE')} {item.name}", item.fields, item.requires, item.span, indent)
        elif isinstance(item, A.EnumType):
            self.emit(indent, f"{self.kw('KW_ENUM')} {item.name} {self.enum_values(item.values, '')}", item.span)
        elif isinstance(item, A.Indicator):
            self.indicator(item, indent, 1)
        elif isinstance(item, A.Let):
            self.base = indent
            self.emit(indent, self.let(item, indent), item.span)

    def enum_values(self, values: tuple[str, ...], indent: str) -> str:
        one = "{ " + ", ".join(label(v) for v in values) + " }"
        if cell_len(indent + one) <= WIDTH:
            return one
        inner = indent + INDENT
        rows, row = [], ""
        for v in values:
            piece = label(v) + ","
            if row and cell_len(inner + row + piece) + 1 > WIDTH:
                rows.append(row)
                row = piece
            else:
                row = f"{row} {piece}" if row else piece
        rows.append(row.rstrip(","))
        return "{\n" + "\n".join(inner + r for r in rows) + "\n" + indent + "}"

    def system(self, s: A.System, indent: str) -> None:
        self.open(indent, f"{self.kw('KW_SYSTEM')} {label(s.name)}", s.span)
        inner = indent + INDENT
        if s.title is not None and s.title_span is not None:
            self.emit(inner, f"{self.kw('KW_TITLE')} {quote(s.title)}", s.title_span)
        elif s.title is not None:
            self.leading(s.span.line + 1, inner)
            self.lines.append(f"{inner}{self.kw('KW_TITLE')} {quote(s.title)}")
        if s.total is not None and s.total_span is not None:
            self.emit(inner, f"{self.kw('KW_TOTAL')} {plain(s.total)}", s.total_span)
        if s.rounding is not None:
            r = s.rounding
            mode = {"half_up": "KW_HALF_UP", "half_even": "KW_HALF_EVEN", "down": "KW_DOWN"}[r.mode]
            self.emit(inner, f"{self.kw('KW_ROUND')} {r.places} {self.kw('KW_PLACES')} {self.kw(mode)}", r.span)
        if s.not_applicable_policy is not None:
            mode = "KW_FULL_MARKS" if s.not_applicable_policy == "full_marks" else "KW_RENORMALISE"
            if s.policy_span is not None:
                self.emit(inner, f"{self.kw('KW_NA_POLICY')} {self.kw(mode)}", s.policy_span)
            else:
                self.lines.append(f"{inner}{self.kw('KW_NA_POLICY')} {self.kw(mode)}")
        if s.grades:
            self.leading(s.grades[0].span.line, inner)
            self.lines.append(f"{inner}{self.kw('KW_GRADE')} {{")
            self.arms(s.grades, inner + INDENT, grade=True)
            self.lines.append(f"{inner}}}")
            self.prev_end = s.grades[-1].span.end_line + 1  # the block's } (a blank line after it is the source's)
        for v in s.vetoes:
            self.emit(inner, f"{self.kw('KW_VETO')} {self.kw('KW_IF')} {self.expr(v.condition, '')} "
                             f"{self.kw('KW_THEN')} {label(v.grade)} {self.kw('KW_REASON')} {quote(v.reason)}", v.span)
        self.close(indent, s.span)

    def arms(self, arms: tuple[A.Arm, ...], indent: str, grade: bool = False) -> None:
        heads = [interval_text(a.interval, self.p) for a in arms]
        width = max(len(h) for h in heads)
        for head, arm in zip(heads, arms, strict=True):
            if grade and isinstance(arm.result, A.String):
                result = label(arm.result.value)
            else:
                result = self.expr(arm.result, "")
            self.emit(indent, f"{head.ljust(width)} → {result}", arm.span)

    def record_block(self, head: str, fields: tuple[A.FieldDecl, ...], requires: tuple[A.Require, ...],
                     span: A.Span, indent: str) -> None:
        self.open(indent, head, span)
        self.fields(fields, requires, indent + INDENT)
        self.close(indent, span)

    def fields(self, fields: tuple[A.FieldDecl, ...], requires: tuple[A.Require, ...], indent: str) -> None:
        items: list[A.FieldDecl | A.Require] = [*fields, *requires]
        for f in sorted(items, key=lambda x: (x.span.line, x.span.column)):
            if isinstance(f, A.Require):
                self.emit(indent, self.require(f, indent), f.span)
            elif f.type.kind == "record" and f.type.record_name is None and not f.type.optional:
                self.record_block(label(f.name), f.type.fields, f.type.requires, f.span, indent)
            else:
                self.emit(indent, self.field(f, indent), f.span)

    def field(self, f: A.FieldDecl, indent: str) -> str:
        out = f"{label(f.name)}: {self.type_expr(f.type, indent)}"
        if f.unit is not None:
            out += f" {self.kw('KW_UNIT')} {quote(f.unit)}"
        if f.label is not None:
            out += f" {self.kw('KW_LABEL')} {quote(f.label)}"
        return out

    def type_expr(self, t: A.TypeExpr, indent: str) -> str:
        k = self.kw
        base = {"text": "KW_TEXT", "bool": "KW_BOOL", "integer": "KW_INT", "number": "KW_NUMBER", "rate": "KW_RATE",
                "date": "KW_DATE"}
        out = k("KW_OPTIONAL") + " " if t.optional else ""
        if t.kind in base:
            out += k(base[t.kind])
        elif t.kind in ("list", "map"):
            assert t.element is not None  # the builder gives every list and map its element type
            out += k("KW_LIST" if t.kind == "list" else "KW_MAP") + " " + self.type_expr(t.element, indent)
        elif t.kind == "enum":
            out += k("KW_ENUM") + " " + (t.enum_name if t.enum_name else self.enum_values(t.enum_values, ""))
        elif t.kind in ("judged_score", "judged_deduction"):
            assert t.interval is not None  # the grammar requires a range after 酌情得分/酌情扣分
            out += k("KW_JUDGE_SCORE" if t.kind == "judged_score" else "KW_JUDGE_DEDUCT") + " " + \
                interval_text(t.interval, self.p)
            return out
        elif t.kind == "record":
            if t.record_name:
                out += t.record_name
            else:
                parts = [self.field(f, indent) for f in t.fields]
                parts += [self.require(r, indent) for r in t.requires]
                out += "{ " + "; ".join(parts) + " }"
        if t.interval is not None:
            out += " " + interval_text(t.interval, self.p)
        if t.one_of:
            out += " ∈ {" + ", ".join(literal(v) if isinstance(v, str) else plain(v) for v in t.one_of) + "}"
        return out

    # ------------------------------------------------------------ indicators
    def indicator(self, ind: A.Indicator, indent: str, level: int) -> None:
        if ind.declared_level is not None:
            word = level_keyword(ind.declared_level, self.lang)
        else:
            word = self.kw("KW_INDICATOR")
        head = f"{word} {label(ind.name)}"
        if ind.weight is not None:
            word = {"bonus": "KW_BONUS", "penalty": "KW_PENALTY"}.get(ind.kind, "KW_WEIGHT")
            head += f" {self.kw(word)} {plain(ind.weight)}"
        self.open(indent, head, ind.span)
        inner = indent + INDENT
        if ind.explanation is not None:
            self.lines.append(f"{inner}{self.kw('KW_EXPLAIN')} {quote(ind.explanation)}")
        if ind.criteria is not None:
            self.lines.append(f"{inner}{self.kw('KW_CRITERIA')} {quote(ind.criteria)}")
        if ind.explanation is not None or ind.criteria is not None:
            self.prev_end = None  # the texts have no spans: no blank line after them
        for a in ind.accepted:
            self.emit(inner, f"{self.kw('KW_ACCEPT')} {a.code} {quote(a.reason)}", a.span)
        for s in ind.statements:
            self.statement(s, inner)
        for c in ind.children:
            if self.lines and self.lines[-1].strip() not in ("", "{") and not self.lines[-1].endswith("{"):
                self.lines.append("")
            elif self.lines and self.lines[-1].endswith("{"):
                self.lines.append("")
            self.indicator(c, inner, level + 1)
        self.close(indent, ind.span)

    def statement(self, s: A.Statement, indent: str) -> None:
        k = self.kw
        self.base = indent
        if isinstance(s, A.Let):
            text = self.let(s, indent)
        elif isinstance(s, A.Part):
            text = self.headed(f"{k('KW_PART')} {label(s.name)} {k('KW_WEIGHT')} {plain(s.points)} =", s.expr, indent)
            if s.not_applicable is not None:
                na = s.not_applicable
                text += (f"\n{INDENT}{k('KW_NA')} {k('KW_IF')} {self.expr(na.condition, '')} "
                         f"{k('KW_REASON')} {quote(na.reason)}")
        elif isinstance(s, A.Formula):
            text = self.headed(f"{k('KW_SCORE')} =", s.expr, indent)
        elif (construct := deduction(s)) is not None:
            text = construct.format(self, s, indent)
        elif isinstance(s, A.Require):
            text = self.require(s, indent)
        elif isinstance(s, A.NotApplicable):
            text = f"{k('KW_NA')} {k('KW_IF')} {self.expr(s.condition, '')} {k('KW_REASON')} {quote(s.reason)}"
        else:  # pragma: no cover
            raise AssertionError(type(s))
        self.emit(indent, text, s.span)

    def let(self, s: A.Let, indent: str) -> str:
        declared = "" if s.declared is None else f": {self.kw('KW_RATE' if s.declared == 'rate' else 'KW_NUMBER')}"
        return self.headed(f"{self.kw('KW_LET')} {s.name}{declared} =", s.expr, indent)

    def require(self, s: A.Require, indent: str) -> str:
        text = f"{self.kw('KW_REQUIRE')} {self.expr(s.condition, '')}"
        tail = f"{self.kw('KW_ELSE')} {quote(s.message)}"
        if cell_len(indent + text + tail) >= WIDTH:
            return f"{text}\n{INDENT * 2}{tail}"
        return f"{text} {tail}"

    def headed(self, head: str, e: A.Expr, indent: str) -> str:
        one = self.p.expr(e)
        ladder = isinstance(e, A.Conditional) and isinstance(e.otherwise, A.Conditional)
        if "\n" not in one and cell_len(indent + head + one) < WIDTH and not _has_band(e) and not ladder:
            return f"{head} {one}"
        if isinstance(e, A.Band):
            return f"{head} {self.expr(e, '')}"
        return f"{head}\n{INDENT}{self.expr(e, INDENT)}"

    # ------------------------------------------------------------ expressions
    def expr(self, e: A.Expr, indent: str) -> str:
        """An expression; bands become blocks and long 若…否则 chains break at 否则."""
        if isinstance(e, A.Band):
            inner = indent + INDENT
            heads = [interval_text(a.interval, self.p) for a in e.arms]
            width = max(len(h) for h in heads)
            rows = [f"{inner}{h.ljust(width)} → {self.expr(a.result, inner)}{self.on_line(a.span.end_line)}"
                    for h, a in zip(heads, e.arms, strict=True)]
            return f"{self.kw('KW_BAND')} {self.p.expr(e.subject, 1)} {{\n" + "\n".join(rows) + f"\n{indent}}}"
        if isinstance(e, A.Match):
            one = self.p.expr(e)
            if cell_len(indent + one) <= WIDTH:
                return one
            inner = indent + INDENT
            rows = [f"{inner}{literal(c.key)} → {self.expr(c.result, inner)}{self.on_line(c.span.end_line)}"
                    for c in e.cases]
            return f"{self.kw('KW_MATCH')} {self.p.expr(e.subject, 1)} {{\n" + "\n".join(rows) + f"\n{indent}}}"
        if isinstance(e, A.Conditional):
            one = self.p.expr(e)
            ladder = isinstance(e.otherwise, A.Conditional)  # 若…否则 若…否则: three arms or more
            if self.fits(indent, one, WIDTH - 10) and not _has_band(e) and not ladder:
                return one
            # one arm per line, each 否则 under the 若, as the 评分标准 lists its cases
            k = self.kw
            rows = []
            arm: A.Expr = e
            while isinstance(arm, A.Conditional):
                condition = self.p.expr(arm.condition, 1)
                rows.append(f"{k('KW_IF')} {condition} {k('KW_THEN')} {self.expr(arm.then, indent)}")
                arm = arm.otherwise
            rows.append(self.expr(arm, indent))
            return f"\n{indent}{k('KW_ELSE')} ".join(rows)
        one = self.p.expr(e)
        if self.fits(indent, one) or _has_band(e):
            return one  # a band nested in arithmetic keeps its parentheses; print on one line
        terms = _terms(e)
        if len(terms) == 1:
            return one
        # a long sum breaks before each top-level + or −, one term a line, as it is written on paper
        ops = {"+": "+", "-": "−"} if self.lang == "zh" else {"+": "+", "-": "-"}
        first, *rest = terms
        lines = [self.p.expr(first[1], 5)] + [f"{ops[op]} {self.p.expr(t, 6)}" for op, t in rest]
        return f"\n{indent}".join(lines)

    def fits(self, indent: str, text: str, width: int = WIDTH) -> bool:
        """Whether ``text`` fits on its line: ``indent`` is relative to the statement being printed."""
        return "\n" not in text and cell_len(self.base + indent + text) <= width


def _terms(e: A.Expr) -> list[tuple[str, A.Expr]]:
    """The top-level terms of a sum, each with the operator before it (``""`` for the first)."""
    if isinstance(e, A.Binary) and e.op in "+-":
        return [*_terms(e.left), (e.op, e.right)]
    return [("", e)]


def _has_band(e) -> bool:
    if isinstance(e, A.Band):
        return True
    if isinstance(e, A.Conditional):
        return _has_band(e.then) or _has_band(e.otherwise)
    return False
