"""Evidence (佐证材料/来源) beside the facts, never among them.

A fact's value may be written with where it came from, in place of the bare value:

    "决算收入种类数": {"值": 5, "来源": "2024年决算报表第3页，张三核"}

for any fact (a scalar, a list item or a field of one, a judgement, a whole list), except where the
declared type is itself a map, or a record declaring a field 值 or 来源 (there the object is the
value).  A judgement may also carry it as a key of its own: ``{"得分": 3, "理由": "…", "来源": "…"}``.
The facts file has no English keyword mode (judgements are 得分/理由 only), so neither has this.

``split`` takes the evidence out before anything validates or scores: the scorers see exactly the
facts they would see without it, so scores are byte-identical with and without evidence.  The
evidence goes to the document as a map from fact path (the paths the trace and the validator use:
``问题清单[0].类别``) to its text, in the order the rules declare the facts.
"""

from __future__ import annotations

import re

from perfdsl.patterns import lazy

TYPE_CHECKING = False  # typing is for the type checker: the warm road imports none of it
if TYPE_CHECKING:  # renderers and the warm road import the words below: no rule-set machinery for them
    from typing import Any

    from perfdsl.diagnostics import Diagnostic
    from perfdsl.ruleset.types import Ty

VALUE = "值"
SOURCE = "来源"
_WRAPPER = frozenset((VALUE, SOURCE))


# the key as written, or as \u escapes (facts exported with ensure_ascii): a text without it holds no evidence
_mentioned = lazy(r"来源|\\u6765\\u6e90", re.IGNORECASE)


def mentioned(text: str) -> bool:
    """Whether a facts text can hold evidence at all (batches without it pay almost nothing more).

    ``_mentioned()`` can match only where the text holds 源 (CJK has no case to fold) or a backslash
    and a ``u`` or ``U``: one-character searches first (a ``str`` search for one character is a
    memchr; the case-blind regex over a 3 KB line of CJK costs ten times more), the regex only then.
    """
    if "源" in text or ("\\" in text and ("\\u" in text or "\\U" in text)):
        return _mentioned().search(text) is not None
    return False


def _wraps(v: Any, ty: Ty) -> bool:
    if not isinstance(v, dict) or len(v) != 2 or v.keys() != _WRAPPER:
        return False
    if ty.kind == "map":
        return False
    return not (ty.kind == "record" and (VALUE in ty.fields or SOURCE in ty.fields))


class _Split:
    def __init__(self) -> None:
        self.evidence: dict[str, str] = {}
        self.errors: list[Diagnostic] = []

    def source(self, raw: Any, path: str, ty: Ty) -> None:
        if isinstance(raw, str):
            if raw.strip():
                self.evidence[path] = raw.strip()
            return
        from perfdsl.diagnostics import error
        span = ty.decl.span if ty.decl is not None else None
        shown = "null" if raw is None else type(raw).__name__
        self.errors.append(error("F011", f"{path}.{SOURCE}：佐证材料/来源应为文字（如 \"2024年决算报表第3页，"
                                         f"张三核\"），实际为 {shown}；请把它写成带引号的文字", span,
                                 fact_path=f"{path}.{SOURCE}"))

    def value(self, v: Any, ty: Ty, path: str) -> Any:
        if path and _wraps(v, ty):
            self.source(v[SOURCE], path, ty)
            v = v[VALUE]
        kind = ty.kind
        if kind == "judged" and isinstance(v, dict) and SOURCE in v:
            self.source(v[SOURCE], path, ty)
            return {k: x for k, x in v.items() if k != SOURCE}
        if kind == "record" and isinstance(v, dict):
            out = None
            for name, fty in ty.fields.items():
                if name in v:
                    x = v[name]
                    y = self.value(x, fty, f"{path}.{name}" if path else name)
                    if y is not x:
                        out = dict(v) if out is None else out
                        out[name] = y
            return v if out is None else out
        if kind == "list" and isinstance(v, list) and ty.element is not None:
            items = [self.value(x, ty.element, f"{path}[{i}]") for i, x in enumerate(v)]
            return v if all(a is b for a, b in zip(items, v, strict=True)) else items
        if kind == "map" and isinstance(v, dict) and ty.element is not None:
            keyed = {k: self.value(x, ty.element, f"{path}.{k}" if path else k) for k, x in v.items()}
            return v if all(keyed[k] is v[k] for k in v) else keyed
        return v


def split(data: Any, root: Ty) -> tuple[Any, dict[str, str], list[Diagnostic]]:
    """(the facts without evidence, evidence by fact path, problems with the evidence itself).

    The facts given are not changed: what holds evidence is copied, everything else is shared.
    """
    walk = _Split()
    plain = walk.value(data, root, "")
    return plain, walk.evidence, walk.errors


_index = lazy(r"\[(\d+)\]")  # an item's index in an evidence path, [0]
_token = lazy(r"\[[^\]]*\]|[^.\[]+")  # a step of an evidence path or a path read: [*], [0] or a name


def concerns(where: str, path: str) -> bool:
    """Evidence at ``where`` (``问题[0].说明``, ``满意度.个人``) is about a fact read at ``path`` (``问题``,
    ``问题[*].说明``, ``满意度[*].样本数``): the same fact, something inside it, or the item or record holding
    it.  ``[*]`` in a path read stands for any item of a list or any key of a map."""
    w, p = _token().findall(where), _token().findall(path)
    return bool(p) and all(a == "[*]" or a == b for a, b in zip(p, w, strict=False))  # the shorter is a prefix


def about(evidence: dict[str, str], path: str) -> list[tuple[str, str]]:
    """The evidence of a fact read at ``path``: its own, its items' and fields', its record's."""
    return [(where, text) for where, text in evidence.items() if concerns(where, path)]


def place(where: str) -> str:
    """An evidence path in words: ``资金使用.问题[0].说明`` → ``问题第 1 项的说明``."""
    head, _, tail = where.partition("[")
    words = head.rsplit(".", 1)[-1]
    m = re.match(r"(\d+)\](.*)", tail)
    if m:
        words += f"第 {int(m.group(1)) + 1} 项"
        rest = m.group(2).lstrip(".")
        if rest:
            words += "的" + _index().sub(lambda x: f"第 {int(x.group(1)) + 1} 项", rest).replace(".", "的")
    return words


def note(found: list[tuple[str, str]], path: str) -> str:
    """「（来源：…）」 after what says the fact at ``path``; each other place named (``问题第 1 项：…``)."""
    if not found:
        return ""
    return "（来源：" + said(found, path) + "）"


def said(found: list[tuple[str, str]], path: str = "") -> str:
    """Evidence as words: each text once, after the places it is about unless that is ``path`` itself
    (``抽查数、问题数：…``: a record's evidence read back from the rows of its facts)."""
    places: dict[str, list[str]] = {}
    for where, text in found:
        places.setdefault(text, [])
        if where != path:
            places[text].append(place(where))
    return "；".join(f"{'、'.join(p)}：{text}" if p else text for text, p in places.items())


def step_note(step: dict, evidence: dict[str, str] | None) -> str:
    """A trace step's evidence, for a renderer to show after the step's text: a fact or judgement step's fact."""
    if not evidence or step.get("kind") not in ("fact", "judgement") or not step.get("path"):
        return ""
    return note(about(evidence, step["path"]), step["path"])
