"""指标分析结果 as an evaluator writes it, from one indicator's trace in the explanation document.

The trace records every step for a machine and an auditor who wants all of it; this module writes
the paragraph that goes into the 评分表's analysis column and that ``perfdsl explain`` prints by
default: facts by their label (the declared 显示为, else the last segment of the fact's path) with their
unit when the rules declare one (``单位 "万元"``: the document's ``ruleset.display``),
formulas with their values as a person writes them (``2 × (1 − 3/17) = 1.65``), rates as
percentages, bands as 「偏离度 100%，落在 70% 以上一档，得 0 分」, deductions with their findings,
caps and floors in the words of the 评分标准 (「最高不超过分值」「扣完为止」), judgement reasons and
the score.  Numbers are rounded for reading only (``PLACES`` decimals); the exact values stay in
the document.  No dotted path, function call, ``{…}`` or long decimal reaches the text.

It reads only the document's step objects (their ``kind`` and fields, and a step's own ``text``
where that is already a sentence), as every renderer does.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Optional

from perfdsl.explain.words import _DOTTED, _LONG, COMPARED, interval_words, label, number, tidy
from perfdsl.interp import step_kinds as S
from perfdsl.render.choice_words import CHOICES, taken
from perfdsl.render.fact_words import DAYS, _is_number, _is_percent_text, days_clause, fact_clause, fact_value
from perfdsl.ruleset.evidence import concerns, said
from perfdsl.ruleset.evidence import note as source_note

_CALL_OR_BRACE = re.compile(r"[^\W\d]\w*\(|[{}]|区间|查表")
_MARK = re.compile(r"〔[^〕]*〕")


# ---------------------------------------------------------------- numbers
# ---------------------------------------------------------------- formulas
def human_formula(substituted: str) -> Optional[str]:
    """A substituted formula as a person writes it, or None when it is not plain arithmetic."""
    text = _MARK.sub("", substituted).strip().replace("≈", "")  # the score's sentence says values are rounded
    text = re.sub(r"(?:abs|绝对值)\(([^()]*(?:\([^()]*\)[^()]*)*)\)", r"|\1|", text)
    if _CALL_OR_BRACE.search(text) or "若" in text or "“" in text:
        return None
    if _DOTTED.search(text):
        return None
    if not re.search(r"[−+×÷/|]", text):
        return None  # a lone value: nothing to show but the value
    return _LONG.sub(lambda m: number(m.group(1)) + m.group(2), text)


# ---------------------------------------------------------------- the steps
class _Tree:
    def __init__(self, steps: list[dict], evidence: Optional[dict] = None, display: Optional[dict] = None):
        self.steps = steps
        self.display: dict = display or {}  # fact path -> its declared unit and label (the header's display)
        self.evidence: dict = evidence or {}
        self.said: set[str] = set()  # evidence already given beside a clause
        self.children: dict[Optional[int], list[dict]] = {}
        for s in steps:
            self.children.setdefault(s.get("parent"), []).append(s)
        self.percent_names = {s["subject"] for s in steps if s["kind"] == S.BAND
                              and "%" in s.get("text", "").split("→", 1)[0]}
        for s in steps:
            if s["kind"] == S.VALUE and (s["name"].endswith(("率", "占比", "偏离度"))
                                         or _is_percent_text(s.get("substituted", ""))
                                         or _is_percent_text(s.get("text", ""))):  # 查表 … = 60%
                self.percent_names.add(s["name"])

    def name(self, path: str) -> str:
        """A fact's label: its declared 显示为, else the last segment of its path."""
        return self._shown(path).get("label") or label(path)

    def unit(self, path: str) -> str:
        """「 万元」 after a fact's value when its declaration says 单位 "万元"; "" when it says none."""
        unit = self._shown(path).get("unit")
        return f" {unit}" if unit else ""

    def _shown(self, path: str) -> dict:
        return self.display.get(re.sub(r"\[\d+\]", "[*]", path), {}) if self.display else {}

    def kids(self, step: Optional[dict]) -> list[dict]:
        return self.children.get(step["id"] if step else None, [])

    def sources(self, path: Optional[str]) -> list[tuple[str, str]]:
        """The evidence about a fact read at ``path`` (``ruleset.evidence.concerns``) not yet given."""
        if not self.evidence or not path:
            return []
        out = []
        for where, text in self.evidence.items():
            if where not in self.said and concerns(where, path):
                self.said.add(where)
                out.append((where, text))
        return out

    def note(self, path: Optional[str]) -> str:
        """「（来源：…）」 after the clause that says the fact at ``path``; "" when there is no evidence."""
        return source_note(self.sources(path), path or "")

    def rest(self) -> str:
        """The evidence of the facts this indicator read that no clause has given yet, as one sentence."""
        found: list[tuple[str, str]] = []
        for s in self.steps:
            if s["kind"] in (S.FACT, S.JUDGEMENT):
                found += self.sources(s.get("path"))
        if not found:
            return ""
        return "来源：" + said(found) + "。"


def _builtin_clause(step: dict, siblings: list[dict], name: Optional[str], note: str = "", said: str = "",
                    call: str = "") -> str:
    """``note``: the evidence of what it read, after the figures it came with; ``said``: the clause before;
    ``call``: the formula it was called in, with its values."""
    if note and step.get("function") != "sample_score":
        return _builtin_clause(step, siblings, name, said=said, call=call) + note
    text = step.get("text", "")
    fn = step.get("function")
    result = step.get("result")
    if fn == "sample_score":
        m = re.match(r"抽查 (\S+) 项，存在问题 (\S+) 项：(.*) = (\S+)$", text)
        evidence = ""
        for f in siblings:
            if f["kind"] == S.FACT and isinstance(f.get("value"), dict) and f["value"].get("问题项目"):
                evidence = "（" + "、".join(str(x) for x in f["value"]["问题项目"]) + "）"
        if m:
            n, k, formula, _ = m.groups()
            return f"抽查 {n} 项，存在问题 {k} 项{evidence}{note}，{formula} = {number(result)}"
        return tidy(text.replace("→", "，")) + note
    if fn == "proportional":
        body = text.split("：", 1)[-1]
        if "满分" in body:
            cond, full = body.split("→")
            return f"{_compared(cond.strip(), True, said)}，得满分 {full.replace('满分', '').strip()} 分"
        cond, rest = body.split("→")
        if rest.strip() == "0":
            return f"{_compared(cond.strip(), True, said)}，得 0 分"
        between = re.fullmatch(r"(\S+) ≤ (\S+) < 100%", cond.strip())
        if between:  # 60% ≤ 95% < 100%: the rate said, then where it lies
            low, rate = between.groups()
            arg = re.fullmatch(r"(?:按比例|proportional)\(([^,()]+ [÷/] [^,()]+), .*\)", call.strip())
            where = f"在 {low} 至 100%（不含）之间"
            if _ends_with(said, rate):  # 依申请公开回复率 90%，在 60% 至 …: not twice
                cond = where
            else:  # 19 ÷ 20 = 95%，在 60% 至 …
                cond = f"{arg.group(1) + ' = ' if arg else ''}{rate}，{where}"
        formula = rest.rsplit("=", 1)[0].strip()
        return f"{cond.strip()}，按比例计 {formula} = {number(result)}"
    if fn == "growth":
        body = text.split("=", 1)[-1].strip() if "=" in text else tidy(text.split("：", 1)[-1])
        if "=" in text:
            formula = body.rsplit("=", 1)[0].strip()
            return f"{name or '增长率'} = {formula} = {number(result, True)}"
        return f"{name or '增长率'}：{body.replace('→', '，')}"
    if fn == "percentage_points":  # 百分点(…): the distance between two rates, counted in points
        return f"相差 {number(result)} 个百分点"
    if fn == "ratio":
        if "分母为 0" in text:
            return f"{name + '：' if name else ''}分母为 0，按规则取 {number(result)}"
        formula = text.split("=", 1)[-1].rsplit("=", 1)[0].strip().replace(" / ", "/")
        pct = name is None or name.endswith(("率", "占比", "度")) or True
        return f"{name + ' = ' if name else ''}{formula} = {number(result, pct)}"
    return tidy(text.replace("→", "，"))


def _value_clause(tree: _Tree, step: dict) -> list[str]:
    """A 令 value: the facts it read, then ``name = formula = value``."""
    kids = tree.kids(step)
    out = _detail_clauses(tree, kids, step["name"])
    if any(k["kind"] == S.BUILTIN for k in kids) and _names_value(out, step["name"]):
        return out
    pct = step["name"] in tree.percent_names
    shown = number(step["value"], pct) if _is_number(str(step.get("value"))) else fact_value(step) or ""
    substituted, chose = taken(step.get("substituted", ""), kids)  # min/max: the value it took, and why
    out += chose
    formula = human_formula(substituted)
    if formula:
        out.append(f"{step['name']} = {formula} = {shown}")
    elif out and out[-1].endswith(f"，对应 {shown}"):  # a lookup gave it: 合理性档次为“基本合理”，档次下限 60%
        out[-1] = out[-1][: -len(f"对应 {shown}")] + f"{step['name']} {shown}"
    elif not (len(kids) == 1 and kids[0]["kind"] == S.FACT and fact_value(kids[0]) == shown):
        out.append(f"{step['name']} {shown}")
    return out


def _names_value(clauses: list[str], name: str) -> bool:
    return any(c.startswith(name) for c in clauses)


def _detail_clauses(tree: _Tree, kids: list[dict], name: Optional[str] = None, call: str = "") -> list[str]:
    """What a step's children say: facts, values, builtins, bands, lookups, judgements.  ``call``: the step's
    formula with its values (按比例(19 ÷ 20, 10, 60%)), where a builtin's first argument is read."""
    out: list[str] = []
    judged = {k["path"] for k in kids if k["kind"] == S.JUDGEMENT}
    for k in kids:
        kind = k["kind"]
        if kind == S.FACT:
            if k["path"] in judged:
                continue
            clause = fact_clause(k, tree)
            if clause:
                out.append(clause + tree.note(k["path"]))
        elif kind == S.VALUE:
            out += _value_clause(tree, k)
        elif kind == S.BUILTIN and k.get("function") in CHOICES:
            pass  # the formula it was called in says which value it took (``choice_words``)
        elif kind == S.BUILTIN:  # a record it read (抽查) has no clause of its own: its evidence goes here
            out.append(_builtin_clause(k, kids, name,
                                       "".join(tree.note(f["path"]) for f in kids if f["kind"] == S.FACT),
                                       out[-1] if out else "", call))
        elif kind == S.BAND:
            pct = k["subject"] in tree.percent_names or "%" in k.get("interval", "")
            shown = number(k['value'], pct) + ("" if pct else tree.unit(k["subject"]))
            subject = f"{tree.name(k['subject'])} {shown}"
            said = out[-1].split("（来源：", 1)[0] if out else ""
            if said.startswith(tree.name(k["subject"])) and said.endswith(shown):
                subject = out.pop()  # the value just said: not twice
            words = interval_words(k["interval"])
            out.append(f"{subject}，落在 {words}{'' if words.endswith(('上', '下', '）')) else ' '}一档，"
                       f"得 {number(k['result'])} 分")
        elif kind == S.MATCH:
            said = f"{tree.name(k['subject'])}为“{k['key']}”"
            if out and out[-1] == said:
                out.pop()  # the fact just read: not twice
            out.append(f"{said}，对应 {number(k['result'], name in tree.percent_names)}")
        elif kind == S.JUDGEMENT:
            how = "酌情扣" if "酌情扣分" in k.get("text", "") else "酌情得"
            name = tree.name(k["path"])
            out.append(f"{name}：{how} {number(k['value'])} 分，理由：{k['reason']}{tree.note(k['path'])}")
        else:
            out.append(tidy(k.get("text", "")))
    return out


def _scored(clauses: list[str], value: str) -> list[str]:
    """Clauses ending with 「得 X 分」, unless the last already says so."""
    if clauses and clauses[-1].endswith(f" {value} 分") and "得" in clauses[-1].rsplit("，", 1)[-1]:
        return clauses
    return clauses + [f"得 {value} 分"]


def _part_clause(tree: _Tree, step: dict) -> str:
    kids = tree.kids(step)
    substituted, chose = taken(step.get("substituted", ""), kids)
    body = _detail_clauses(tree, kids, call=step.get("substituted", ""))
    formula = human_formula(substituted)
    value = number(step["value"])
    unsaid = formula and not any(formula in c for c in body)
    body += chose  # which value a min/max took: before the arithmetic that uses it
    if unsaid:
        body.append(f"{formula} = {value}")
    rates = {number(k["value"]): number(k["value"], True) for k in kids
              if k["kind"] == S.VALUE and k["name"] in tree.percent_names and _is_number(str(k.get("value")))}
    if not any("一档，得" in c for c in body):  # a band that decided it already says why
        body += _condition(step.get("substituted", ""), rates, body[-1] if body else "")
    if Decimal(step["value"]) != Decimal(step.get("points", step["value"])) and "限于" in step.get("text", ""):
        body.append(f"限于 0 至 {number(step['points'])} 分")
    return f"{step['part']}（{number(step['points'])} 分）：" + "，".join(_scored(body, value))


def _condition(substituted: str, rates: Optional[dict] = None, said: str = "") -> list[str]:
    """The condition a 若 … 则 … 否则 took, when it is plain numbers: ``27 不低于 1``, ``-7.14% 低于 0``.

    ``said``: the clause before it; when that ends with the value compared (``… = -7.14%``), it is not said
    twice (``…，低于 0``).  A chain (``60% ≤ 95% < 100%``) is written as it is.
    """
    m = _MARK.match(substituted.strip())
    if not m:
        return []
    # ≈-7.14% is -7.14%, as the clause before shows the rate (2 places); an other ≈ number stays unsaid
    inner = re.sub(r"≈(-?\d+(?:\.\d{1,2})?%)", r"\1", m.group(0)[1:-1])
    cond, _, verdict = inner.rpartition(" ")
    if not re.fullmatch(r"[-\d.%\s≥≤<>=≠−()]+", cond) or not re.search(r"[≥≤<>=≠]", cond):
        return []
    for raw, pct in (rates or {}).items():  # a rate the clause before showed as a percentage
        cond = re.sub(rf"(?<![\d.]){re.escape(raw)}(?![\d.%])", pct, cond, count=1)
    if "%" in cond and re.search(r"(?<![\d.])(?:[1-9]\d*|0\.\d+)(?![\d.%])", cond):
        return []  # a rate recorded as a fraction beside a percentage would read wrongly (1 > 100%)
    return [_compared(tidy(cond), verdict == "成立", said)]


def _compared(cond: str, held: bool, said: str = "") -> str:
    """``A ≥ B`` that held or not, in words (``A 低于 B``), without ``A`` when the clause before ends with it;
    a chain (``60% ≤ 95% < 100%``) as it is."""
    one = re.fullmatch(r"(.+?) ([≥≤<>=≠]) (.+)", cond)
    if one is None or re.search(r"[≥≤<>=≠]", one.group(3)):
        return cond if held else f"不满足 {cond}"
    left, op, right = one.groups()
    words = f"{COMPARED[op, held]} {right}"
    return words if _ends_with(said, left) else f"{left} {words}"


def _ends_with(clause: str, value: str) -> bool:
    """Whether a clause ends by saying ``value`` (its 来源 note aside): the value is then not said again."""
    return clause.split("（来源：", 1)[0].endswith(value)


def _deduction_clause(step: dict) -> str:
    amount = number(step.get("amount", "0"))
    why = step.get("reason") or step.get("finding") or ""  # an item's own 理由 says more than its name
    group = step.get("group")  # 每类最多扣: which 类 it counts in, as the trace's ［类别］ says
    if group and group not in why:
        why = f"{group}，{why}" if why else group
    if "value" in step and "limit" in step:  # 逐级扣: the text says how far beyond the limit
        return "扣 " + amount + " 分：" + tidy(step["text"].split("：", 1)[-1])
    # the amount first: a cell that must be cut (Excel holds 32,767 characters) still says what was deducted;
    # the finding is the evaluator's words, as written
    return f"扣 {amount} 分：{why}" if why else f"扣 {amount} 分"


def _check_clause(step: dict, prev: Optional[dict]) -> str:
    if "items" in step:
        return f"未发现{label(step['items'])}，不扣分"
    if "condition" in step:
        cond = step["condition"]
        if prev is not None and prev["kind"] == S.FACT and prev.get("path") == cond and prev.get("value") is False:
            return f"{label(cond)}：否，不扣分"
        return "不扣分：" + tidy(step.get("text", "").split("：", 1)[-1])
    if "reason" in step:
        return f"{step['reason']}：未发现问题，不扣分"
    return tidy(step.get("text", ""))


def sentences(node: dict, evidence: Optional[dict] = None, display: Optional[dict] = None) -> list[str]:
    """The analysis of one third-level indicator, as a list of sentences (each ends with 。).

    ``evidence``: the document's 佐证材料/来源 by fact path; each is said once, 「（来源：…）」 after the clause
    that gives the fact, or else in a sentence of its own before the score. ``display``: the document's
    ``ruleset.display`` (each fact's declared 单位 and 显示为).
    """
    steps = node.get("trace") or []
    tree = _Tree(steps, evidence, display)
    out: list[str] = []
    lines: list[str] = []
    prev: Optional[dict] = None
    base_only = False
    read: Optional[str] = None  # the fact a top-level step read: said by the deduction or check that follows
    dates: list[dict] = []
    # a judgement read by a 要求 too: said once, where it gives the score (with its reason), else the first time
    judged = {s["path"] for s in steps if s["kind"] == S.JUDGEMENT and s.get("parent") is not None}
    for s in tree.kids(None):
        kind = s["kind"]
        before = len(lines)
        if kind == S.JUDGEMENT and s["path"] in judged:
            continue
        if kind == S.JUDGEMENT:
            judged.add(s["path"])
        if kind == S.PART:
            lines.append(_part_clause(tree, s))
        elif kind == S.FORMULA:
            if "formula" not in s:
                base_only = True  # 基础分 = 分值: the deductions below say the rest
            else:
                substituted, chose = taken(s.get("substituted", ""), tree.kids(s))
                body = _detail_clauses(tree, tree.kids(s), call=s.get("substituted", ""))
                body += _condition(s.get("substituted", ""), said=body[-1] if body else "")
                formula = human_formula(substituted)
                unsaid = formula and not any(formula in c for c in body)
                body += chose
                if unsaid:
                    body.append(f"{formula} = {number(s['value'])}")
                lines.append("，".join(_scored(body, number(s["value"]))))
        elif kind == S.VALUE:
            lines.append("，".join(_value_clause(tree, s)))
        elif kind == S.FACT:
            pass  # said by the deduction or check that follows
        elif kind == S.BUILTIN and s.get("function") == "percentage_points":  # in a 扣's amount
            lines.append(_builtin_clause(s, [], None))
        elif kind == S.BUILTIN and s.get("function") in DAYS:  # in a 扣's amount: the dates by their facts
            lines.append(days_clause(s, dates, tree.name))
        elif kind == S.DEDUCTION:
            lines.append(_deduction_clause(s))
        elif kind == S.CHECK:
            if s.get("reason") and prev is not None and prev["kind"] == S.MATCH:
                lines.append(f"{s['reason']}：{tree.name(prev['subject'])}为“{prev['key']}”，不扣分")
            elif s.get("outcome") == "合格":  # an item of 逐项扣 judged and nothing deducted
                lines.append(f"{s.get('reason') or s['finding']}，合格，不扣分")
            else:
                lines.append(_check_clause(s, prev))
        elif kind == S.MATCH:
            pass  # its check or deduction says it
        elif kind == S.CAP:
            if "group" in s:
                lines.append(f"{s['group']}类共扣 {number(s['before'])} 分，每类最多扣 {number(s['after'])} 分")
            elif "weight" not in s and s.get("text", "").startswith(("逐项", "逐级")):
                lines.append(f"扣分合计 {number(s['before'])} 分，最多扣 {number(s['after'])} 分")
            else:
                lines.append(f"各项合计 {number(s['before'])} 分，最高不超过分值 {number(s['after'])} 分，"
                             f"按 {number(s['after'])} 分计")
        elif kind == S.FLOOR:
            lines.append("扣分超过分值，扣完为止，按 0 分计")
        elif kind == S.SUBTOTAL and node.get("penalty"):
            lines.append(f"合计扣 {number(s['deducted'])} 分")  # no 5 − 1 = 4: the total loses 1, said below
        elif kind == S.SUBTOTAL:
            lines.append(f"合计扣 {number(s['deducted'])} 分，{number(s['base'])} − {number(s['deducted'])} = "
                         f"{number(s['value'])}")
        elif kind == S.PENALTY:
            pass  # the score says it
        elif kind == S.NOT_APPLICABLE and "outcome" in s:  # an item of 逐项扣: 不适用, or 不评价 at all
            lines.append(f"{s['finding']}{s['outcome']}（{s.get('reason', '')}）")
        elif kind == S.NOT_APPLICABLE:
            lines.append(f"不适用：{s.get('reason', '')}")
        elif kind == S.ROUNDING:
            pass  # the score says it
        elif kind == S.SCORE:
            pass
        elif kind == S.ERROR:  # its text says 无法评分 already; prose has no ≈
            lines.append("无法评分：" + _unscored(s.get("text", "")))
        else:
            lines.append(tidy(s.get("text", "")))
        dates = dates + [s] if kind == S.FACT else []  # the facts read just before a builtin that counts days
        if kind == S.FACT:
            read = s.get("path")
        elif read is not None and len(lines) > before and lines[-1]:
            lines[-1] += tree.note(f"{read}[{s['item']}]" if kind == S.DEDUCTION and "item" in s else read)
            if kind != S.DEDUCTION:  # a list's items may have a deduction each
                read = None
        prev = s
    if base_only and not any(s["kind"] in (S.DEDUCTION, S.SUBTOTAL) for s in steps):
        lines.insert(0, f"分值 {number(node['weight'])} 分")
    out += [line + "。" for line in _said_once([line for line in lines if line])]
    rest = tree.rest()
    if rest:
        out.append(rest)
    for e in node.get("errors", []):
        said = f"无法评分：{_unscored(e['message'])}。"
        if said not in out:  # the error step above said it
            out.append(said)
    score = node.get("score")
    if score is not None and node.get("penalty"):
        lost = number(str(-Decimal(score)))
        out.append(f"本项为减分项，从总分中减 {lost} 分（最多减 {number(node['weight'])} 分）。")
    elif score is not None:
        how = ""
        for s in steps:
            m = re.match(r"舍入（(.+?)，(\d+) 位小数）", s.get("text", "")) if s["kind"] == S.ROUNDING else None
            if m:  # the parts above are shown to 2 places (1.65 + 1.38), the score is their exact sum rounded (3.02)
                how = f"（按精确值计算后{m.group(1)}保留 {m.group(2)} 位小数）"
        out.append(f"本项得 {number(score)} 分{how}，分值 {number(node['weight'])} 分。")
    elif node.get("status") == "not_applicable":
        out.append("本项不计分。")
    return out


def _said_once(lines: list[str]) -> list[str]:
    """Clauses in a row that begin with the same fact say it once: 「合理性档次为“基本合理”，档次下限 60%，
    档次上限 80%」, not the first half twice."""
    out: list[str] = []
    for line in lines:
        head, sep, rest = line.partition("，")
        if out and sep and rest and out[-1].startswith(head + "，"):
            out[-1] += "，" + rest
        else:
            out.append(line)
    return out


def _unscored(text: str) -> str:
    """Why an indicator could not be scored, once: without the 无法评分 its step begins with, ≈ as 约."""
    return tidy(text.removeprefix("无法评分：")).replace("≈", "约")


def narrative(node: dict, evidence: Optional[dict] = None, display: Optional[dict] = None) -> str:
    """The analysis of one third-level indicator as one paragraph."""
    return "".join(sentences(node, evidence, display))
