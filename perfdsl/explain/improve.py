"""下一档 / 提升空间: what would raise each indicator that lost points, checked by scoring again.

A department reads an evaluation to learn what to fix (整改).  For every third-level indicator
below full marks this module reads the plan's statements with the values the facts give them —
the band arm taken and the better arms beside it, the condition a 若 took, the 按比例 rate below
100%, the problems of an 抽查, each finding a 逐项扣 deducted, the deduction a 扣 applied —
and proposes **levers**: a change to the facts (the nearest value that reaches the better band,
solved exactly from the 令 formula, e.g. 执行数 = 90% × 全年预算数), with the words for it.
It does not score anything itself: each lever's facts go through the engine again, and a lever
is kept with a figure only when that score is higher.  A judgement (酌情) has no fact to change:
it is named with its reason and no figure.

``annotate`` adds the result to the explanation document as each indicator's ``improve`` list
(``docs/explanation.md``); the narrative and the reports read it from there.
"""

from __future__ import annotations

import copy
import decimal
from decimal import Decimal
from typing import Iterator, Optional

import attrs

from perfdsl.diagnostics import PerfdslError
from perfdsl.explain.solve import Solver, Target
from perfdsl.explain.words import interval_words, label, number
from perfdsl.interp.evaluator import Env, EvalError, Evaluator, Judged
from perfdsl.interp.numbers import CONTEXT, ZERO, fixed
from perfdsl.plan import LeafPlan
from perfdsl.ruleset.evidence import split as split_evidence
from perfdsl.ruleset.facts import FactValidator
from perfdsl.syntax import ast as A
from perfdsl.syntax.printer import interval_text

MAX_FINDINGS = 5  # findings of one 逐项扣 offered one by one; the rest are said together


@attrs.frozen
class Lever:
    """A change to the facts that may raise an indicator, and the words for what cost the points."""

    kind: str  # band | condition | proportional | sample | finding | deduction | choice | judgement
    cause: str  # what cost the points, as the 评分标准 says it
    need: str = ""  # what the facts would need to be; empty for a judgement
    changes: tuple = ()  # ((path segments, new value), …)


def annotate(engine, facts: dict, doc: dict) -> None:
    """Add ``improve`` to every indicator of ``doc`` that scored below its 分值 (``facts``: parsed, unvalidated;
    their 佐证材料/来源 are taken off first, as scoring does: a fact given with its source is its value)."""
    nodes = _leaf_nodes(doc)
    plan = engine.plan
    if len(nodes) != len(plan.leaves):
        return
    facts, _evidence, _problems = split_evidence(facts, engine.checked.facts_type)
    validator = FactValidator(engine.checked.facts_type)
    data = validator.validate(copy.deepcopy(facts))
    if validator.errors:
        return
    places = plan.rounding.places
    for leaf, node in zip(plan.leaves, nodes, strict=True):
        if node.get("status") != "ok" or node.get("score") is None or leaf.indicator.outside:
            continue
        score, weight = Decimal(node["score"]), Decimal(node["weight"])
        if score >= weight:
            continue
        entries = []
        unconfirmed: list[dict] = []
        for lever in Finder(plan, leaf, data, facts).levers():
            entry: dict = {"kind": lever.kind, "cause": lever.cause}
            if lever.changes:
                after = _rescore(engine, facts, lever.changes, leaf.index)
                if after is None or after <= score:
                    unconfirmed.append(entry)  # scoring again does not confirm it: its cause only, no figure
                    continue
                entry["need"] = lever.need
                entry["facts"] = {".".join(p): _json_value(v) for p, v in lever.changes}
                entry["gain"] = fixed(after - score, places)
                entry["score"] = fixed(after, places)
            if entry not in entries:
                entries.append(entry)
        said = {e["cause"] for e in entries}
        for entry in unconfirmed:
            if entry["cause"] not in said:
                said.add(entry["cause"])
                entries.append(entry)
        if not entries:
            entries.append({"kind": "unexplained", "cause": f"本项得 {number(score)} 分，低于分值 {number(weight)} 分"})
        node["improve"] = entries


def _leaf_nodes(doc: dict) -> list[dict]:
    out: list[dict] = []
    stack = [doc]
    while stack:
        n = stack.pop()
        if "children" in n:
            stack.extend(reversed(n["children"]))
        elif "level" in n:
            out.append(n)
    return out


def _json_value(v) -> object:
    """A changed fact as the document writes values: decimals as exact strings, lists and records within."""
    if isinstance(v, Decimal):
        text = format(v, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    return v


def changed(facts: dict, changes) -> dict:
    """A deep copy of the facts with the lever's changes made."""
    out = copy.deepcopy(facts)
    for path, value in changes:
        cur = out
        for seg in path[:-1]:
            cur = cur[seg]
        cur[path[-1]] = value
    return out


def _rescore(engine, facts: dict, changes, index: int) -> Optional[Decimal]:
    """The indicator's score with the changed facts, scored again by the engine; None if it cannot be scored."""
    try:
        result = engine.score(changed(facts, changes), trace=False)
    except PerfdslError:
        return None
    leaves = result.root.leaves()
    node = leaves[index] if index < len(leaves) else None
    if node is None or node.status != "ok" or node.score is None:
        return None
    return node.score


class Finder:
    """The levers of one indicator: its statements read with the values the facts give them."""

    def __init__(self, plan, leaf: LeafPlan, data: dict, raw: dict):
        self.plan = plan
        self.leaf = leaf
        self.env = Env({s.name: s for s in leaf.lets})
        self.ev = Evaluator(plan.rules.globals, data, None, plan.percent_paths)
        self.solver = Solver(plan, self.ev, self.env, data, raw)

    def levers(self) -> list[Lever]:
        out: list[Lever] = []
        with decimal.localcontext(CONTEXT):
            lp = self.leaf
            if lp.formula is not None:
                value = self._safe_number(lp.formula.expr)
                if value is not None and value < lp.weight:
                    out += self._with_fallback(lp.formula.expr, "", value, lp.weight)
            for part in lp.parts:
                if part.not_applicable is not None and self._safe_bool(part.not_applicable.condition):
                    continue
                value = self._safe_number(part.expr)
                if value is not None and value < part.points:
                    out += self._with_fallback(part.expr, f"{part.name}：", value, part.points)
            for d in lp.deductions:
                out += self._deduction(d)
        return out

    # ------------------------------------------------------------ evaluation with the current facts
    def _safe_number(self, e) -> Optional[Decimal]:
        try:
            v = self.ev.value(e, self.env)
        except (EvalError, ArithmeticError):
            return None
        if isinstance(v, Judged):
            return v.value
        return v if isinstance(v, Decimal) else None

    def _safe_bool(self, e) -> Optional[bool]:
        try:
            return self.ev.boolean(e, self.env)
        except (EvalError, ArithmeticError):
            return None

    def _with_fallback(self, e, where: str, value: Decimal, points: Decimal) -> list[Lever]:
        """The expression's own levers; if none changes a fact, the formula solved for its full points."""
        found = list(self._score_expr(e, where))
        if any(lv.changes or lv.kind == "judgement" for lv in found):
            return found
        cause = f"{where}得 {number(value)} 分，满分 {number(points)} 分"
        reach = self.solver.reach(e, Target(points, True, None, False))
        if reach is not None:
            found.append(Lever("formula", cause, f"{reach.words}，可得满分", reach.changes))
        elif not found:
            found.append(Lever("formula", cause))
        return found

    # ------------------------------------------------------------ score-valued expressions
    def _score_expr(self, e, where: str) -> Iterator[Lever]:
        """Levers inside an expression whose value is points: bands, 若, 按比例, 抽查得分, facts chosen from a set."""
        if isinstance(e, A.Path):
            let = self.solver.let(e)
            if let is not None:
                yield from self._score_expr(let.expr, where)
            else:
                yield from self._fact_in_score(e, where)
        elif isinstance(e, A.Band):
            yield from self._band(e, where)
        elif isinstance(e, A.Conditional):
            yield from self._conditional(e, where)
        elif isinstance(e, A.Call) and e.function in ("proportional", "按比例"):
            yield from self._proportional(e, where)
        elif isinstance(e, A.Call) and e.function in ("sample_score", "抽查得分"):
            yield from self._sample(e, where)
        elif isinstance(e, (A.Binary, A.Negate, A.Call)):
            for sub in A.subexpressions(e):
                yield from self._score_expr(sub, where)

    def _fact_in_score(self, p: A.Path, where: str) -> Iterator[Lever]:
        ty = self.plan.fact_type(p.segments) if p.star is None else None
        if ty is None:
            return
        value = self.solver.fact(p.segments)
        if ty.kind == "judged" and isinstance(value, Judged):
            how = "酌情扣" if value.field == "扣分" else "酌情得"
            yield Lever("judgement", f"{where}{label(p.dotted)}：{how} {number(value.value)} 分，理由：{value.reason}")
        elif ty.numeric and ty.decl is not None and ty.decl.one_of and isinstance(value, Decimal):
            for option in ty.decl.one_of:
                if isinstance(option, Decimal) and option != value:
                    yield Lever("choice", f"{where}{label(p.dotted)}为 {number(value)}",
                                f"{label(p.dotted)}为 {number(option)}", ((p.segments, option),))

    def _band(self, band: A.Band, where: str) -> Iterator[Lever]:
        subject = self._safe_number(band.subject)
        if subject is None:
            return
        taken = next((a for a in band.arms if self._contains(a.interval, subject)), None)
        if taken is None:
            return
        got = self._safe_number(taken.result)
        name = self.solver.name(band.subject)
        pct = self.solver.is_percent(band.subject)
        cause = (f"{where}{name} {number(subject, pct)}，落在 {_band_words(taken.interval)}一档，"
                 f"得 {number(got)} 分")
        better = []
        for arm in band.arms:
            result = self._safe_number(arm.result)
            if arm is taken or result is None or got is None or result <= got:
                continue
            target = self._target(arm.interval)
            if target is None:
                continue
            reach = self.solver.reach(band.subject, target)
            better.append((arm, result, reach))
        if not better:
            yield Lever("band", cause)
            return
        better.sort(key=lambda b: self._moved(b[2]))  # the nearest better band first
        for arm, result, reach in better:
            band_words = f"{_band_words(arm.interval)}一档（得 {number(result)} 分）"
            if reach is None:
                yield Lever("band", cause)
            else:
                yield Lever("band", cause, _joined(f"{name}需在 {band_words}", reach, band_words), reach.changes)

    def _moved(self, reach) -> tuple:
        """How far a lever moves its facts: the nearest band first, unreachable ones last."""
        if reach is None:
            return (1, ZERO)
        moved = ZERO
        for path, v in reach.changes:
            now = self.solver.fact(path)
            if isinstance(v, Decimal) and isinstance(now, Decimal):
                moved += abs(v - now)
        return (0, moved)

    def _contains(self, iv: A.Interval, v: Decimal) -> bool:
        try:
            return self.ev.contains(iv, v, self.env)
        except (EvalError, ArithmeticError):
            return False

    def _target(self, iv: A.Interval) -> Optional[Target]:
        low = self._safe_number(iv.low) if iv.low is not None else None
        high = self._safe_number(iv.high) if iv.high is not None else None
        if (iv.low is not None and low is None) or (iv.high is not None and high is None):
            return None
        return Target(low, iv.low_closed, high, iv.high_closed)

    def _conditional(self, c: A.Conditional, where: str) -> Iterator[Lever]:
        cond = self._safe_bool(c.condition)
        if cond is None:
            return
        taken, other = (c.then, c.otherwise) if cond else (c.otherwise, c.then)
        got, could = self._safe_number(taken), self._safe_number(other)
        if got is not None and could is not None and could > got:
            cause = f"{where}{self.solver.condition_words(c.condition, cond)}，得 {number(got)} 分"
            flip = self.solver.make(c.condition, not cond)
            if flip is None:
                yield Lever("condition", cause)
            else:
                yield Lever("condition", cause, flip.words, flip.changes)
        yield from self._score_expr(taken, where)

    def _proportional(self, call: A.Call, where: str) -> Iterator[Lever]:
        rate_expr, points_expr, floor_expr = call.args
        rate, points, floor = (self._safe_number(a) for a in call.args)
        if rate is None or points is None or floor is None or rate >= 1:
            return
        name = self.solver.name(rate_expr)
        if rate < floor:
            cause = f"{where}{name} {number(rate, True)}，低于 {number(floor, True)}，得 0 分"
            reach = self.solver.reach(rate_expr, Target(floor, True, None, False))
            if reach is not None:
                yield Lever("proportional", cause, _joined(f"{name}需达到 {number(floor, True)}", reach),
                            reach.changes)
        else:
            cause = f"{where}{name} {number(rate, True)}，未达 100%，按比例得 {number(rate * points)} 分"
        reach = self.solver.reach(rate_expr, Target(Decimal(1), True, None, False))
        if reach is None:
            yield Lever("proportional", cause)
        else:
            yield Lever("proportional", cause, _joined(f"{name}需达到 100%", reach), reach.changes)

    def _sample(self, call: A.Call, where: str) -> Iterator[Lever]:
        record = call.args[0]
        if not isinstance(record, A.Path) or self.solver.let(record) is not None or record.star is not None:
            return
        value = self.solver.fact(record.segments)
        if not isinstance(value, dict):
            return
        sampled, problems = value.get("抽查数"), value.get("问题数")
        if not isinstance(problems, Decimal) or problems <= 0:
            return
        items = value.get("问题项目") or []
        shown = f"（{'、'.join(str(x) for x in items)}）" if items else ""
        cause = f"{where}抽查 {number(sampled)} 项，存在问题 {number(problems)} 项{shown}"
        path = record.segments + ("问题数",)
        if problems > 1:
            yield Lever("sample", cause, f"存在问题的项目减少 1 项（问题数 {number(problems - 1)}）",
                        ((path, problems - 1),))
        yield Lever("sample", cause, "存在问题的项目全部整改（问题数 0）", ((path, ZERO),))

    # ------------------------------------------------------------ deductions
    def _deduction(self, d) -> Iterator[Lever]:
        if isinstance(d, A.EachDeduct):
            yield from self._findings(d)
        elif isinstance(d, A.Deduct):
            yield from self._deduct(d)
        elif isinstance(d, A.StepDeduct):
            yield from self._step(d)

    def _findings(self, d: A.EachDeduct) -> Iterator[Lever]:
        items = self.solver.fact(d.items.segments) if d.items.star is None else None
        if not isinstance(items, list) or not items:
            return
        raw = self.solver.raw(d.items.segments)
        if not isinstance(raw, list):
            return
        name = label(d.items.dotted)
        found = [i for i, item in enumerate(items) if self._deducts(d, item, i)]
        for i in found[:MAX_FINDINGS]:
            rest = raw[:i] + raw[i + 1:]
            yield Lever("finding", f"{name}：{_finding_words(items[i], i)}", "整改该项", ((d.items.segments, rest),))
        if len(found) > 1:
            gone = set(found)
            kept = [x for j, x in enumerate(raw) if j not in gone]
            yield Lever("finding", f"{name}共 {len(found)} 项", f"{name}全部整改", ((d.items.segments, kept),))

    def _deducts(self, d: A.EachDeduct, item, n: int) -> bool:
        """Whether this finding cost points (not skipped, not 不适用, its amount above 0): a finding that cost
        nothing is no cause, and a long list's deducted ones must not be crowded out by the ones that passed."""
        ienv = self.env.for_item(item, tuple(item) if isinstance(item, dict) else (), f"{d.items.dotted}[{n}]")
        try:
            for clause in (d.skip, d.not_applicable):
                if clause is not None and self.ev.boolean(clause.condition, ienv):
                    return False
            return self.ev.number(d.per_item, ienv) > 0
        except (EvalError, ArithmeticError):
            return True  # not known here: offered, and scoring again decides

    def _deduct(self, d: A.Deduct) -> Iterator[Lever]:
        if d.condition is not None and not self._safe_bool(d.condition):
            return
        amount = self._safe_number(d.amount)
        if amount is None or amount <= 0:
            return
        why = d.reason or (self.solver.condition_words(d.condition, True) if d.condition is not None else "")
        cause = f"扣 {number(amount)} 分：{why}" if why else f"扣 {number(amount)} 分"
        if isinstance(d.amount, A.Match):
            yield from self._match(d.amount, amount, cause)
        if d.condition is not None:
            flip = self.solver.make(d.condition, False)
            if flip is not None:
                yield Lever("deduction", cause, flip.words, flip.changes)
                return
        if not isinstance(d.amount, A.Match):
            yield Lever("deduction", cause)

    def _match(self, m: A.Match, amount: Decimal, cause: str) -> Iterator[Lever]:
        subject = m.subject
        if not isinstance(subject, A.Path) or self.solver.let(subject) is not None:
            yield Lever("deduction", cause)
            return
        results = [(r, c) for c in m.cases if (r := self._safe_number(c.result)) is not None]
        best = min(results, key=lambda rc: rc[0], default=None)
        if best is None or best[0] >= amount:
            yield Lever("deduction", cause)
            return
        key = best[1].key
        yield Lever("deduction", cause, f"{label(subject.dotted)}为“{key}”" if isinstance(key, str)
                    else f"{label(subject.dotted)}为 {number(key)}", ((subject.segments, key),))

    def _step(self, d: A.StepDeduct) -> Iterator[Lever]:
        value, limit = self._safe_number(d.value), self._safe_number(d.limit)
        if value is None or limit is None:
            return
        name = self.solver.name(d.value)
        pct = self.solver.is_percent(d.value)
        if d.below and value < limit:
            cause = f"{name} {number(value, pct)}，低于 {number(limit, pct)}"
            target = Target(limit, True, None, False)
        elif not d.below and value > limit:
            cause = f"{name} {number(value, pct)}，高于 {number(limit, pct)}"
            target = Target(None, False, limit, True)
        else:
            return
        reach = self.solver.reach(d.value, target)
        if reach is None:
            yield Lever("deduction", cause)
        else:
            yield Lever("deduction", cause, reach.words, reach.changes)


def _joined(wanted: str, reach, band: str = "") -> str:
    """「执行率需在 90%（不含）至 100% 一档，即执行数不低于 …」; the fact's own words when the value is the fact."""
    if reach.direct:
        return f"{reach.words}，落在 {band}" if band else reach.words
    return f"{wanted}，即{reach.words}"


def _band_words(iv: A.Interval) -> str:
    """An arm's range as the narrative says it: 「70% 以上」「30%（不含）至 70% 」, ready for 一档."""
    words = interval_words(interval_text(iv))
    return words if words.endswith(("上", "下", "）")) else words + " "


def _finding_words(item, i: int) -> str:
    """A finding as the evaluator wrote it: its first text field (说明), else its place in the list."""
    if isinstance(item, dict):
        for v in item.values():
            if isinstance(v, str) and v:
                return v
    if isinstance(item, str) and item:
        return item
    return f"第 {i + 1} 项"
