"""What the workbench works on: the rule files of one directory and one fact set, through the library API.

Rule texts come from the page (unsaved edits included): they are parsed and checked in memory exactly as
``perfdsl check`` would check the files, and scored with the same ``Engine``.  Nothing here reads or writes a
path outside the rule directory and the facts file given on the command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any, Optional

from perfdsl.diagnostics import Diagnostic, PerfdslError, error
from perfdsl.ruleset.conventions import Conventions
from perfdsl.ruleset.loader import MAX_RULE_BYTES, RULE_SUFFIX, SourceFile, read_rule_file, read_source, rule_files

MAX_FILES = 200


def diagnostic_json(d: Diagnostic) -> dict:
    """``Diagnostic.to_json`` with the end of the span, for the editor's squiggle."""
    out = d.to_json()
    if d.span is not None:
        out["end_line"] = d.span.end_line
        out["end_column"] = d.span.end_column
    return out


class Workspace:
    """A rule directory (or one rule file) and, optionally, a facts file (.json or a filled .xlsx)."""

    def __init__(self, rules: str | os.PathLike, facts: Optional[str | os.PathLike] = None):
        path = Path(rules)
        if not path.exists():
            raise PerfdslError([error("E100", f"找不到规则文件或目录：{path}")])
        self.single = path.resolve().name if path.is_file() else None
        self.root = (path.parent if path.is_file() else path).resolve()
        self.facts_path = Path(facts).resolve() if facts is not None else None
        if self.facts_path is not None and not self.facts_path.is_file():
            raise PerfdslError([error("F000", f"找不到事实文件：{facts}")])
        self._lock = threading.Lock()
        self._engine: tuple[str, Any] | None = None  # (hash of the rule texts, Engine): the last one built

    # ------------------------------------------------------------------ reading

    def rule_texts(self) -> dict[str, str]:
        """Each rule file's text, by its path relative to the rule directory (``10-部门决策.perf``)."""
        files = [self.root / self.single] if self.single else rule_files(self.root)
        out: dict[str, str] = {}
        for f in files[:MAX_FILES]:
            out[f.relative_to(self.root).as_posix()] = read_source(f).text
        return out

    def facts_text(self) -> str:
        """The facts as JSON text: the file given, a filled workbook read with the rules on disk, or ``{}``."""
        if self.facts_path is None:
            return "{}"
        if self.facts_path.suffix.lower() == ".xlsx":
            from perfdsl.workbook.read import read_workbook
            checked, problems = self.checked(self.rule_texts())
            if checked is None or checked.errors:
                raise PerfdslError(problems)
            wb = read_workbook(checked, self.facts_path)
            if wb.errors:
                raise PerfdslError(wb.errors)
            return wb.text
        data = self.facts_path.read_bytes()
        from perfdsl.cli.inputs import max_line_bytes
        if len(data) > max_line_bytes():
            raise PerfdslError([error("F000", f"事实文件过大（{len(data)} 字节）")])
        for codec in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
        raise PerfdslError([error("F000", "事实文件不是 UTF-8 或 GB18030 编码")])  # pragma: no cover

    # ------------------------------------------------------------------ checking and scoring

    def checked(self, texts: dict[str, str]):
        """(Checked or None, diagnostics): the rule texts parsed, merged and checked, as ``perfdsl check`` does."""
        from perfdsl.ruleset.check import check
        from perfdsl.ruleset.loader import merge
        from perfdsl.syntax.builder import build
        sources: dict[str, SourceFile] = {}
        parsed = []
        problems: list[Diagnostic] = []
        for name in sorted(texts):
            text = texts[name]
            sources[name] = SourceFile(name, text, hashlib.sha256(text.encode("utf-8")).hexdigest())
            try:
                parsed.append(build(text, name))
            except PerfdslError as exc:
                problems.extend(exc.diagnostics)
            except RecursionError:
                problems.append(error("E106", "规则嵌套过深，无法解析", _file_start(name)))
        if problems:
            return None, problems
        try:
            rules = merge(parsed, sources, self.root.name)
        except PerfdslError as exc:
            return None, list(exc.diagnostics)
        checked = check(rules)
        return checked, list(checked.diagnostics)

    def check(self, texts: dict[str, str]) -> list[dict]:
        return [diagnostic_json(d) for d in self.checked(texts)[1]]

    def engine(self, texts: dict[str, str]):
        """(Engine or None, diagnostics); the engine of the last rule texts is kept, so typing facts is fast."""
        from perfdsl.engine import Engine
        key = hashlib.sha256(json.dumps(texts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
        with self._lock:
            if self._engine is not None and self._engine[0] == key:
                eng = self._engine[1]
                return eng, list(eng.checked.diagnostics)
        checked, problems = self.checked(texts)
        if checked is None or checked.errors:
            return None, problems
        eng = Engine(checked, fast=False)  # the interpreter: traces need it, and it is built in milliseconds
        with self._lock:
            self._engine = (key, eng)
        return eng, problems

    def score(self, texts: dict[str, str], facts_text: str) -> dict:
        """``{"document": …}`` or ``{"errors": […], "stage": "rules"|"facts"}``, never an exception for bad input."""
        eng, problems = self.engine(texts)
        if eng is None:
            return {"stage": "rules", "errors": [diagnostic_json(d) for d in problems if d.is_error],
                    "diagnostics": [diagnostic_json(d) for d in problems]}
        try:
            doc = self.document(texts, facts_text)
        except PerfdslError as exc:
            return {"stage": "facts", "errors": [diagnostic_json(d) for d in exc.diagnostics],
                    "diagnostics": [diagnostic_json(d) for d in problems]}
        return {"document": doc, "analyses": analyses(doc), "notes": evidence_notes(doc),
                "diagnostics": [diagnostic_json(d) for d in problems]}

    def document(self, texts: dict[str, str], facts_text: str) -> dict:
        """The traced explanation document, or ``PerfdslError`` with the rules' or the facts' errors."""
        eng, problems = self.engine(texts)
        if eng is None:
            raise PerfdslError([d for d in problems if d.is_error])
        sha = hashlib.sha256(facts_text.encode("utf-8")).hexdigest()
        source = self.facts_path.name if self.facts_path is not None else "（表单）"
        doc, _errors, _result = eng.document_text(facts_text, source, source, sha, trace=True)
        return doc

    @property
    def facts_dir(self) -> Optional[Path]:
        """Where batches may be opened from: the directory of the facts file given at launch."""
        return self.facts_path.parent if self.facts_path is not None else None

    # ------------------------------------------------------------------ writing

    def save(self, name: str, text: str, fmt: bool = False, base: Optional[str] = None) -> dict:
        """Write one rule file back, keeping the old one as ``NAME.bak``; only ``.perf`` files in the rule directory.
        ``base`` is the text the page read: if the file no longer holds it (saved from another tab, or edited
        elsewhere), nothing is written, so neither edit is lost."""
        target = self.rule_path(name)
        conventions = Conventions()  # a new file: UTF-8 without a BOM, LF
        if target.is_file():
            try:
                on_disk, data = read_rule_file(target)
            except PerfdslError:
                if base is not None:  # the page cannot have read it: said as the error it is
                    raise
            else:
                if base is not None and on_disk.text != base:
                    from perfdsl.serve.exchange import Refused
                    raise Refused(f"{name} 在本页打开之后已被修改（在另一个标签页保存，或用其他编辑器改过），"
                                  "保存会覆盖那些修改，所以没有保存。"
                                  "请先复制本页的修改，刷新页面读取文件现在的内容，把修改合并进去后再保存", 409)
                conventions = Conventions.of(data, on_disk.text)  # written back as Notepad saved it: CRLF, BOM
        if len(text.encode("utf-8")) > MAX_RULE_BYTES:
            raise PerfdslError([error("E103", f"规则文件 {name} 过大")])
        if fmt:
            from perfdsl.syntax.formatter import format_text
            text = format_text(text, name)  # a syntax error is raised as a diagnostic and nothing is written
        backup = None
        if target.exists():
            backup = target.with_name(target.name + ".bak")
            backup.write_bytes(target.read_bytes())
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(conventions.encode(text))
        os.replace(tmp, target)
        with self._lock:
            self._engine = None
        # the text on disk, as the page reads files (BOM dropped): the ``base`` of its next save
        return {"file": name, "text": conventions.text(text), "backup": backup.name if backup is not None else None}

    def rule_path(self, name: str) -> Path:
        """The file ``name`` inside the rule directory, or a refusal: no other directory, no other kind of file."""
        refuse = PerfdslError([error("E100", f"拒绝写入 {name!r}：只能保存规则目录中的 {RULE_SUFFIX} 文件")])
        if not isinstance(name, str) or not name or "\\" in name or "\x00" in name or name.startswith("/"):
            raise refuse
        parts = name.split("/")
        if any(p in ("", ".", "..") or p.startswith(".") for p in parts) or not name.endswith(RULE_SUFFIX):
            raise refuse
        if self.single is not None and name != self.single:
            raise refuse
        target = self.root.joinpath(*parts)
        try:
            resolved = target.resolve()
        except OSError:
            raise refuse from None
        if not resolved.is_relative_to(self.root) or (target.exists() and not target.is_file()):
            raise refuse
        if target.is_symlink() or not target.parent.is_dir():
            raise refuse
        return target


def analyses(doc: dict) -> dict[str, str]:
    """Each scored leaf's 指标分析结果 (the report's prose), by its ``at`` (file:line), for the trace panel."""
    from perfdsl.render.report import analysis
    out: dict[str, str] = {}
    display = (doc.get("ruleset") or {}).get("display")
    stack = [doc]
    while stack:
        node = stack.pop()
        kids = node.get("children")
        if kids:
            stack.extend(kids)
        elif node is not doc and node.get("at") and node.get("trace") is not None:
            out[node["at"]] = analysis(node, display=display)
    return out


def _file_start(name: str):
    from perfdsl.syntax.ast import Span
    return Span(name, 1, 1, 1, 1)


def evidence_notes(doc: dict) -> dict[str, dict[str, str]]:
    """The 来源 of the facts each leaf's steps read, as the reports write it after the step (「（来源：…）」):
    by the leaf's ``at``, then by the step's index.  Empty when the facts carry no evidence."""
    from perfdsl.ruleset.evidence import step_note
    evidence = doc.get("evidence")
    out: dict[str, dict[str, str]] = {}
    if not evidence:
        return out

    def walk(node: dict) -> None:
        for child in node.get("children") or ():
            walk(child)
        notes = {str(i): n for i, step in enumerate(node.get("trace") or ()) if (n := step_note(step, evidence))}
        if notes and node.get("at"):
            out[node["at"]] = notes
    walk(doc)
    return out
