"""Comparing scores in the workbench: one fact set before and after a change (what-if), and a batch of fact
sets under the saved rules and the edited ones (the ``perfdsl diff`` view).

Differences are exact: scores are the documents' decimal texts, subtracted as ``Decimal``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Optional

from perfdsl.serve.exchange import Refused

MAX_BATCH = 5000  # fact sets scored per request; a larger batch is for ``perfdsl eval``
BATCH_SUFFIXES = (".jsonl", ".json", ".xlsx")


def _delta(old: Optional[str], new: Optional[str]) -> Optional[str]:
    if old is None or new is None:
        return None
    d = Decimal(new) - Decimal(old)
    return f"{d:+f}" if d else "0"


def _nodes(doc: dict) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every indicator of a document with its path of names, in rule order."""
    stack: list[tuple[tuple[str, ...], dict]] = [((), doc)]
    while stack:
        path, node = stack.pop()
        kids = node.get("children") or []
        for kid in reversed(kids):
            stack.append((path + (kid["name"],), kid))
        if path:
            yield path, node


def what_if(before: dict, after: dict) -> dict:
    """Per indicator and in total: the score before → after and the difference, for those that moved."""
    old = {p: n for p, n in _nodes(before)}
    moved = []
    for path, node in _nodes(after):
        was = old.get(path)
        a, b = (was or {}).get("score"), node.get("score")
        if was is not None and a == b and was.get("status") == node.get("status"):
            continue
        if a is not None and b is not None and Decimal(a) == Decimal(b):
            continue
        moved.append({"path": list(path), "level": node.get("level"), "old": a, "new": b, "delta": _delta(a, b)})
    return {"total": {"old": before.get("score"), "new": after.get("score"),
                      "delta": _delta(before.get("score"), after.get("score"))},
            "grade": {"old": before.get("grade"), "new": after.get("grade")},
            "indicators": moved}


# ---------------------------------------------------------------------------- batches

def batch_sources(workspace) -> list[dict]:
    """What can be opened as a batch: ``.jsonl`` files and folders holding facts, in the facts directory."""
    root = workspace.facts_dir
    if root is None:
        return []
    out = []
    for p in sorted(root.iterdir()):
        if p.name.startswith((".", "~$")) or p.is_symlink():
            continue
        if p.is_file() and p.suffix.lower() == ".jsonl":
            out.append({"name": p.name, "kind": "jsonl"})
        elif p.is_dir() and any(q.suffix.lower() in BATCH_SUFFIXES and q.is_file() for q in p.iterdir()):
            out.append({"name": p.name + "/", "kind": "folder"})
    return out


def batch_path(workspace, name: str) -> Path:
    """``name`` inside the facts directory, or a refusal: no ``..``, no absolute path, no link leading out."""
    root = workspace.facts_dir
    if root is None:
        raise Refused("启动时没有给出事实文件，因此没有可打开批量的目录："
                      "请用 perfdsl serve 规则 事实目录/某个事实.json 启动")
    refuse = Refused(f"拒绝打开 {name!r}：只能打开事实目录 {root.name} 中的 .jsonl 文件或文件夹")
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name or name.startswith("/"):
        raise refuse
    parts = [p for p in name.rstrip("/").split("/")]
    if any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise refuse
    target = root.joinpath(*parts)
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        raise refuse from None
    if not resolved.is_relative_to(root) or target.is_symlink():
        raise refuse
    if not (resolved.is_dir() or (resolved.is_file() and resolved.suffix.lower() == ".jsonl")):
        raise refuse
    return resolved


def _records(workspace, name: str) -> list:
    from perfdsl.cli.inputs import iter_records
    path = batch_path(workspace, name)
    records = []
    for rec in iter_records([str(path)]):
        if path.is_dir() and Path(rec.source).is_symlink():
            continue
        records.append(rec)
        if len(records) > MAX_BATCH:
            raise Refused(f"{name} 中的事实超过 {MAX_BATCH} 套：请用 perfdsl eval 批量评分，"
                          "工作台只查看较小的批量", 413)
    return records


def _label(rec, root: Path) -> str:
    source = Path(rec.source)
    shown = source.relative_to(root).as_posix() if source.is_relative_to(root) else source.name
    return f"{shown}:{rec.line}" if rec.line is not None else shown


def _score_all(workspace, texts: dict[str, str], records: list) -> list[dict]:
    from perfdsl.cli.scoring import score_record
    from perfdsl.diagnostics import PerfdslError
    eng, problems = workspace.engine(texts)
    if eng is None:
        raise PerfdslError([d for d in problems if d.is_error])
    docs = []
    for rec in records:
        doc, _grade, _diags, _result = score_record(eng, rec, trace=False)
        docs.append(doc if isinstance(doc, dict) else json.loads(doc))  # never text unless compact; typed as either
    return docs


def _row(where: str, doc: dict, unit: Optional[str]) -> dict:
    """``unit``: what the row is about (``render/subject.py``), else the title (``name``)."""
    errors = [e.get("message", "") for e in doc.get("errors") or []]
    return {"where": where, "unit": unit or doc.get("name"), "name": doc.get("name"), "score": doc.get("score"),
            "grade": doc.get("grade"), "status": doc.get("status"), "errors": errors}


def batch(workspace, texts: dict[str, str], name: str, compare: bool = False) -> dict:
    """The table of fact sets × 总分/等级 under the rule texts; with ``compare``, what moved against the saved rules."""
    from perfdsl.explain.diff import compare_documents
    root = workspace.facts_dir
    records = _records(workspace, name)
    wheres = [_label(rec, root) for rec in records]
    docs = _score_all(workspace, texts, records)
    from perfdsl.render.subject import Subject
    subject = Subject(workspace.engine(texts)[0].rules)  # scored above: the engine is there
    out: dict = {"name": name, "rows": [_row(w, d, subject.names(rec.text))
                                        for w, d, rec in zip(wheres, docs, records, strict=True)]}
    if compare:
        saved = _score_all(workspace, workspace.rule_texts(), records)
        changes = list(compare_documents(iter(saved), iter(docs), "已保存的规则", "编辑中的规则"))
        summary = changes.pop()
        label = dict(zip((rec.where for rec in records), wheres, strict=True))  # the diff names a fact set by rec.where
        out["diff"] = {"summary": summary.to_json(),
                       "changes": [{**c.to_json(), "where": label.get(c.where, c.where)} for c in changes]}
    return out


def batch_facts(workspace, texts: dict[str, str], name: str, where: str) -> dict:
    """The facts of one fact set of a batch (``where`` as the table shows it), to open in the form."""
    from perfdsl.diagnostics import PerfdslError
    records = _records(workspace, name)
    root = workspace.facts_dir
    for rec in records:
        if _label(rec, root) != where:
            continue
        if rec.problem is not None:
            raise PerfdslError([rec.problem, *rec.more])
        if not rec.workbook:
            return {"facts": rec.text, "source": where}
        from perfdsl.workbook.read import read_workbook
        eng, problems = workspace.engine(texts)
        if eng is None:
            raise PerfdslError([d for d in problems if d.is_error])
        got = read_workbook(eng.checked, Path(rec.source))
        if got.errors:
            raise PerfdslError(got.errors)
        return {"facts": got.text, "source": where}
    raise Refused(f"{name} 中没有 {where}")
