"""``perfdsl test``: case files for a rule set, domain coverage, and band edges.

A case file is YAML that a policy officer can write::

    base: ../../examples/heping-2024/facts.json     # relative to the case file
    cases:
      - name: 制度瑕疵每类最多扣 0.5 分
        # 预算业务 0.5 + 0.25 → 每类最多 0.5；3 − 0.5 = 2.5
        set:
          制度.瑕疵: [{类别: 预算业务管理制度, 扣分: 0.5, 说明: 甲}, {类别: 预算业务管理制度, 扣分: 0.25, 说明: 乙}]
        expect:
          决策和管理制度规范性: 2.5
          总分: 96.17
          等级: 优
      - name: 问题数大于抽查数是错误输入
        set: {绩效自评.问题数: 99}
        expect_error: {code: F015, fact: 绩效自评}
      - name: 执行数大于预算数
        set: {预算执行.预算执行数: 1500}
        expect: {错误: E350}          # or a part of the message: {错误: 预算执行数不能大于全年预算数}

Numbers in YAML are read as exact decimals.  ``facts`` gives a whole fact
set inline and ``facts_file`` a file, instead of ``base``.

Coverage is counted in the language's own terms: every band arm, lookup
case, 若/否则 branch, deduction, per-finding deduction, skip, cap, floor,
not-applicable condition, requirement and grade band.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Optional

import attrs
import yaml

from perfdsl.codes import CODES
from perfdsl.constructs import deduction
from perfdsl.diagnostics import PerfdslError, closest, error, os_reason
from perfdsl.engine import Engine
from perfdsl.interp.builtins import BY_NAME
from perfdsl.interp.tracer import point
from perfdsl.ruleset import coverage_kinds as K
from perfdsl.ruleset.facts import FactsSyntaxError, _parse_number, parse_json
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import expr_text, interval_text

TOTAL_KEYS = ("总分", "total")
GRADE_KEYS = ("等级", "grade")


# ---------------------------------------------------------------- loading cases

class _DecimalLoader(yaml.SafeLoader):
    """YAML with exact numbers: 0.1 stays Decimal('0.1'), never a float.

    Aliases (``*name``) are refused: a few lines of them expand to gigabytes (billion laughs), and a
    test case has no need of them. Numbers are read as the facts JSON reads them, with its limits
    (F003): YAML's other number forms (``20:24``, ``0x10``, ``.inf``, ``1.0e+999999``) are refused.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "测试用例文件不能使用 YAML 别名（*…）：请把内容直接写出来",
                                              event.start_mark)
        return super().compose_node(parent, index)


_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def _decimal(loader, node):
    text = loader.construct_scalar(node)
    if not _JSON_NUMBER.fullmatch(text):
        raise yaml.constructor.ConstructorError(
            None, None, f"数字 {text[:20]} 不是 JSON 的写法：请写成 20.24、16 这样的十进制数，或加引号作为文本",
            node.start_mark)
    try:
        return _parse_number(text)
    except ValueError as exc:
        raise yaml.constructor.ConstructorError(None, None, str(exc), node.start_mark) from None


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_DecimalLoader.add_constructor("tag:yaml.org,2002:int", _decimal)
# an unquoted 2024-06-30 is the text a facts JSON would hold, read as a 日期 fact reads it (never a datetime)
def _timestamp_text(loader, node):
    return loader.construct_scalar(node)


_DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_text)


@attrs.frozen
class Case:
    name: str
    file: str
    line: int
    facts: object  # parsed facts, or a Diagnostic explaining why they could not be built
    expect: dict
    expect_error: Optional[dict]
    written: tuple[str, ...] = ()  # the paths its set: wrote, so that one the rules do not declare fails it


def _case_error(file: str, line: int, message: str):
    return error("T001", message, A.Span(file, line, 1, line, 1))


def load_cases(path: Path, checked=None) -> list[Case]:
    """``checked``: the rules, to read a 基础数据表 (.xlsx) named as ``base`` or ``facts_file``."""
    files = sorted(path.rglob("*.yaml")) + sorted(path.rglob("*.yml")) if path.is_dir() else [path]
    out: list[Case] = []
    for f in files:
        out.extend(_load_file(f, checked))
    return out


def _load_file(f: Path, checked=None) -> list[Case]:
    shown = str(f)
    try:
        loader = _DecimalLoader(f.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            doc = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except OSError as exc:
        raise PerfdslError([error("T002", f"无法读取测试用例文件 {shown}：{os_reason(exc)}")]) from None
    except UnicodeDecodeError:
        raise PerfdslError([error("T002", f"无法读取测试用例文件 {shown}：不是 UTF-8 编码；请另存为 UTF-8")]) from None
    except yaml.YAMLError as exc:
        from perfdsl.yaml_hints import yaml_problem
        mark = getattr(exc, "problem_mark", None)
        line, column, said = yaml_problem(f.read_text(encoding="utf-8"), str(getattr(exc, "problem", exc)),
                                          mark.line + 1 if mark else 1, mark.column + 1 if mark else 1)
        raise PerfdslError([error("T001", f"测试用例文件不是有效的 YAML：{said}",
                                  A.Span(shown, line, column, line, column + 1))]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
        raise PerfdslError([_case_error(shown, 1, "测试用例文件应有 cases: 列表")])
    lines = _case_lines(node)
    base = None
    if "base" in doc:
        base = _read_facts(f.parent / str(doc["base"]), shown, checked)
    out = []
    for i, raw in enumerate(doc["cases"]):
        line = lines[i] if i < len(lines) else 1
        if not isinstance(raw, dict) or "name" not in raw:
            raise PerfdslError([_case_error(shown, line, "每个用例需要 name")])
        facts = _case_facts(raw, base, f, shown, line, checked)
        expect = raw.get("expect") or {}
        if not isinstance(expect, dict):
            raise PerfdslError([_case_error(shown, line, f"用例 {raw['name']}：expect 应为 名称: 分数 的映射")])
        expect, expected_error = _error_expected(expect, raw.get("expect_error"), shown, line, str(raw["name"]))
        written = tuple(str(p) for p in raw.get("set") or {}) if isinstance(raw.get("set"), dict) else ()
        out.append(Case(str(raw["name"]), shown, line, facts, expect, expected_error, written))
    return out


ERROR_KEYS = ("错误", "error")
_CODE = re.compile(r"[A-Z][0-9]{2,5}")  # a code, or a mistyped one (never a message)


def _error_expected(expect: dict, spec, shown: str, line: int, name: str) -> tuple[dict, Optional[dict]]:
    """The error a case expects, as ``{code, fact, message}``: from ``expect_error: {…}``, from
    ``expect_error: E350`` or from ``expect: {错误: E350}`` / ``expect: {error: "实际支出不能大于到位资金"}``
    (a code, or a part of the message)."""
    said = [k for k in expect if str(k) in ERROR_KEYS]
    if said:
        if spec is not None or len(expect) > 1:
            raise PerfdslError([_case_error(shown, line, f"用例 {name}：期望出错时，expect 中只写 错误，"
                                                         "不再写分数，也不再写 expect_error")])
        spec, expect = expect[said[0]], {}
    if spec is None:
        return expect, None
    if not isinstance(spec, dict):
        text = str(spec).strip()
        spec = {"code": text.upper()} if _CODE.fullmatch(text.upper()) else {"message": text}
    unknown = sorted(str(k) for k in spec if str(k) not in ("code", "fact", "message"))
    if unknown or not spec:
        raise PerfdslError([_case_error(shown, line, f"用例 {name}：期望的错误写作 代码（如 E350）、消息中的一段文字，"
                                                     "或 {code: …, fact: …, message: …}")])
    code = str(spec.get("code", "")).upper()
    if code and code not in CODES:
        near = sorted(closest(code, CODES), key=lambda c: c not in code)  # E3500: E350 first
        more = f"；是否想写 {near[0]}？" if near else "；全部代码见 docs/errors.md"
        raise PerfdslError([_case_error(shown, line, f"用例 {name}：没有错误代码 {spec['code']}{more}")])
    return expect, {**spec, "code": code} if code else spec


def _case_lines(node) -> list[int]:
    for key, value in getattr(node, "value", []):
        if getattr(key, "value", None) == "cases" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _read_facts(path: Path, shown: str, checked=None):
    """A case's facts file: .json in any encoding eval reads, or (given the rules) a filled 基础数据表 (.xlsx)."""
    if not path.is_file():
        raise PerfdslError([error("T003", f"{shown}：找不到事实文件 {path}")])
    if checked is not None:
        from perfdsl.workbook.read import facts_file
        return facts_file(checked, path)
    from perfdsl.cli.inputs import is_workbook, read_text
    if is_workbook(path):
        raise PerfdslError([error("T003", f"{shown}：基础数据表 {path} 要按规则读取；"
                                          "请用 perfdsl test 规则 用例 运行")])
    try:
        return parse_json(read_text(path), str(path))
    except FactsSyntaxError as exc:
        raise PerfdslError([exc.diagnostic]) from None


def _case_facts(raw: dict, base, f: Path, shown: str, line: int, checked=None):
    if "facts" in raw:
        facts = _plain(raw["facts"])
    elif "facts_file" in raw:
        facts = _read_facts(f.parent / str(raw["facts_file"]), shown, checked)
    elif base is not None:
        facts = copy.deepcopy(base)
    else:
        raise PerfdslError([_case_error(shown, line, f"用例 {raw['name']}：需要 base、facts 或 facts_file")])
    for path, value in (raw.get("set") or {}).items():
        facts = _put(facts, _dotted(path), _plain(value), shown, line, raw["name"])
    for path in raw.get("remove") or []:
        facts = _remove(facts, _dotted(path), shown, line, raw["name"])
    return facts


def _dotted(path) -> str:
    """A fact path as typed with a Chinese input method: 服务．满意度 is 服务.满意度, as in the rules."""
    return str(path).replace("．", ".")


def _plain(v):
    """YAML values as the facts model has them: Decimal numbers, plain dicts and lists."""
    if isinstance(v, bool) or v is None or isinstance(v, (Decimal, str)):
        return v
    if isinstance(v, (int, float)):
        return Decimal(str(v))
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return str(v)


def _walk_to(facts, path: str, shown: str, line: int, name: str):
    *head, last = path.split(".")
    cur = facts
    for seg in head:
        if not isinstance(cur, dict) or seg not in cur:
            raise PerfdslError([_case_error(shown, line, f"用例 {name}：基础事实中没有 {path}")])
        cur = cur[seg]
    if not isinstance(cur, dict):
        raise PerfdslError([_case_error(shown, line, f"用例 {name}：{path} 的上一级不是对象")])
    return cur, last


def _put(facts, path: str, value, shown: str, line: int, name: str):
    facts = copy.deepcopy(facts)
    parent, last = _walk_to(facts, path, shown, line, name)
    parent[last] = value
    return facts


def _remove(facts, path: str, shown: str, line: int, name: str):
    facts = copy.deepcopy(facts)
    parent, last = _walk_to(facts, path, shown, line, name)
    if last not in parent:  # a misspelt path removed nothing, and the case passed testing nothing
        raise PerfdslError([_case_error(shown, line, f"用例 {name}：基础事实中没有 {path}，remove 无从删除")])
    parent.pop(last)
    return facts


# ---------------------------------------------------------------- running

@attrs.define
class Outcome:
    case: Case
    passed: bool
    diffs: list = attrs.Factory(list)  # (what, expected, got)
    trace: list = attrs.Factory(list)  # of the first differing indicator
    problem: Optional[str] = None

    def to_json(self) -> dict:
        out = {"name": self.case.name, "file": self.case.file, "line": self.case.line, "passed": self.passed}
        if self.diffs:
            out["differences"] = [{"what": w, "expected": e, "got": g} for w, e, g in self.diffs]
        if self.problem:
            out["problem"] = self.problem
        return out


def _nodes_by_name(result) -> dict:
    out: dict = {}

    def walk(node, path):
        here = path + [node.name] if node.indicator is not None else path
        if node.indicator is not None:
            for i in range(len(here)):  # 三级, 二级/三级, 一级/二级/三级 all name the node
                out.setdefault("/".join(here[i:]), []).append(node)
        for c in node.children:
            walk(c, here)
    walk(result.root, [])
    return out


def run_case(engine: Engine, case: Case, hits: set) -> Outcome:
    try:
        result = engine.score(case.facts, trace=True, hits=hits)
    except PerfdslError as exc:
        return _expect_failure(case, list(exc.diagnostics), hits)
    if result.errors:
        return _expect_failure(case, result.errors, hits)
    undeclared = [w for w in result.warnings if w.code == "F020" and w.fact_path in case.written]
    if undeclared:  # a misspelt set: path was ignored, and the case passed testing nothing
        return Outcome(case, False, problem=f"set 中的 {undeclared[0].message}")
    if case.expect_error is not None:
        return Outcome(case, False, [("错误", _error_text(case.expect_error), "评分成功，没有错误")])
    nodes = _nodes_by_name(result)
    diffs: list[tuple[str, str, str]] = []
    trace: list[str] = []
    places = engine.rules.rounding.places
    for key, want in case.expect.items():
        key = str(key)
        if key in TOTAL_KEYS:
            got = result.root.score
        elif key in GRADE_KEYS:
            if str(want) != str(result.grade):
                diffs.append(("等级", str(want), str(result.grade)))
            continue
        elif key in nodes:
            if len({id(n) for n in nodes[key]}) > 1 and len({n.score for n in nodes[key]}) > 1:
                return Outcome(case, False, problem=f"指标名称 “{key}” 不唯一，请写出路径，如 一级/二级/三级")
            got = nodes[key][0].score
        else:
            name, colon, value = key.partition("：")
            if colon and (name in nodes or name in TOTAL_KEYS + GRADE_KEYS):  # the IME's colon: one key, no value
                return Outcome(case, False, problem=f"“{key}” 中的冒号是全角的“：”，YAML 把整段读成了一个名称；"
                                                    f"请写成半角冒号加空格：{name}: {value.strip()}")
            near = closest(key, [*nodes, *TOTAL_KEYS[:1], *GRADE_KEYS[:1]], limit=1)
            more = f"；是否想写 “{near[0]}”？" if near else ""
            return Outcome(case, False, problem=f"没有名为 “{key}” 的指标（也不是 总分/等级）{more}")
        try:
            want_d = Decimal(str(want))
        except Exception:  # noqa: BLE001 — any non-number is the case author's slip
            digits = re.search(r"[0-9]+(?:\.[0-9]+)?", unicodedata.normalize("NFKC", str(want)))
            example = f"{key}: {digits.group()}" if digits else f"{key}: 2.5"
            return Outcome(case, False, problem=f"“{key}” 的期望值 “{want}” 不是数字；expect 中的得分只写数字"
                                                f"（不写“分”、单位或引号），如 {example}")
        if got is None or got != want_d:
            diffs.append((key, f"{want_d:.{places}f}", f"{got}" if got is not None else "无法评分"))
            if not trace and key in nodes and nodes[key][0].steps:
                trace = [s.text for s in nodes[key][0].steps]
    return Outcome(case, not diffs, diffs, trace)


def _error_text(spec: dict) -> str:
    return "，".join(f"{k}={v}" for k, v in spec.items())


def _expect_failure(case: Case, diags, hits: Optional[set] = None) -> Outcome:
    if hits is not None:  # a 要求 of the facts (事实/类型 blocks) that rejected the input is covered
        hits.update(point(K.REQUIRE, d.span) for d in diags if d.code == "F015" and d.span is not None)
    got = "；".join(f"{d.code} {d.fact_path or ''} {d.message}".strip() for d in diags[:3])
    spec = case.expect_error
    if spec is None:
        return Outcome(case, False, [("评分", "成功", f"出错：{got}")])
    for d in diags:
        if "code" in spec and str(spec["code"]) != d.code:
            continue
        if "fact" in spec and str(spec["fact"]) != (d.fact_path or ""):
            continue
        if "message" in spec and str(spec["message"]) not in d.message:
            continue
        return Outcome(case, True)
    return Outcome(case, False, [("错误", _error_text(spec), got)])


# ---------------------------------------------------------------- coverage

def _label(kind: str) -> str:
    return K.COVERAGE_KINDS[kind].label


@attrs.frozen
class Point:
    key: tuple
    what: str

    @property
    def where(self) -> str:
        return f"{self.key[1]}:{self.key[2]}"


def coverage_points(engine: Engine) -> list[Point]:
    """Every place of the rule set a case can exercise, in the language's terms."""
    out: list[Point] = []

    def add(kind: str, span: A.Span, what: str) -> None:
        out.append(Point(point(kind, span), what))

    def expr(e, owner: str) -> None:
        if isinstance(e, A.Band):
            expr(e.subject, owner)
            for arm in e.arms:
                add(K.BAND, arm.span,
                    f"{owner}：{_label(K.BAND)} {expr_text(e.subject)} 落在 {interval_text(arm.interval)}")
                expr(arm.result, owner)
            return
        if isinstance(e, A.Match):
            expr(e.subject, owner)
            for c in e.cases:
                add(K.MATCH, c.span, f"{owner}：{_label(K.MATCH)} {expr_text(e.subject)} = {c.key}")
                expr(c.result, owner)
            return
        if isinstance(e, A.Conditional):
            cond = expr_text(e.condition)
            add(K.THEN, e.span, f"{owner}：若 {cond} 成立")
            add(K.ELSE, e.span, f"{owner}：若 {cond} 不成立")
            for sub in (e.condition, e.then, e.otherwise):
                expr(sub, owner)
            return
        if isinstance(e, A.Call):
            fn = BY_NAME.get(e.function)
            for case in (fn.cases if fn is not None else ()):
                add(K.builtin_kind(case), e.span, f"{owner}：{expr_text(e)} {case}")
        for sub in A.subexpressions(e):
            expr(sub, owner)

    def indicator(ind: A.Indicator) -> None:
        name = ind.name
        deducts = False
        parts_total = Decimal(0)
        for s in ind.statements:
            if isinstance(s, A.Let):
                expr(s.expr, name)
            elif isinstance(s, A.Part):
                parts_total += s.points
                expr(s.expr, name)
                if s.not_applicable is not None:
                    add(K.NOT_APPLICABLE, s.not_applicable.span, f"{name}：子项 {s.name} {_label(K.NOT_APPLICABLE)}")
            elif isinstance(s, A.Formula):
                expr(s.expr, name)
            elif (construct := deduction(s)) is not None:
                deducts = True
                construct.coverage(s, name, add, expr)
            elif isinstance(s, A.Require):
                add(K.REQUIRE, s.span, f"{name}：{_label(K.REQUIRE)}（{s.message}）")
            elif isinstance(s, A.NotApplicable):
                add(K.NOT_APPLICABLE, s.span, f"{name}：{_label(K.NOT_APPLICABLE)}（{s.reason}）")
        if ind.is_leaf:
            if deducts:
                add(K.FLOOR, ind.span, f"{name}：{_label(K.FLOOR)}（得分保底为 0）")
            if ind.weight is not None and parts_total > ind.weight:
                add(K.CAP, ind.span, f"{name}：子项合计超过分值时封顶")
        for c in ind.children:
            indicator(c)

    def record(ty, where: str, seen: set) -> None:
        """The 要求 of the facts' records (事实 and 类型 blocks), each once however often its type is used."""
        if id(ty) in seen:
            return
        seen.add(id(ty))
        for req in ty.requires:
            add(K.REQUIRE, req.span, f"{where}：{_label(K.REQUIRE)}（{req.message}）")
        for name, sub in ty.fields.items():
            record(sub, f"{where}.{name}" if where != "事实" else name, seen)
        if ty.element is not None:
            record(ty.element, f"{where}[*]", seen)

    record(engine.checked.facts_type, "事实", set())
    for let in engine.rules.globals.values():
        expr(let.expr, let.name)
    for root in engine.rules.roots:
        indicator(root)
    system = engine.rules.system
    if system is not None:
        for arm in system.grades:
            label = arm.result.value if isinstance(arm.result, A.String) else expr_text(arm.result)
            add(K.GRADE, arm.span, f"{_label(K.GRADE)} {label}：总分 {interval_text(arm.interval)}")
        for v in system.vetoes:
            add(K.VETO, v.span, f"{_label(K.VETO)}：{v.reason}")
    seen, unique = set(), []
    for p in out:
        if p.key not in seen:
            seen.add(p.key)
            unique.append(p)
    return unique
