"""Checker passes over a merged rule set, run before any facts are scored."""

from __future__ import annotations

import attrs

from perfdsl.diagnostics import Diagnostic, sort_key, warning
from perfdsl.ruleset.loader import RuleSet
from perfdsl.ruleset.types import Ty, TypeResolver
from perfdsl.syntax import ast as A

MAX_DIAGNOSTICS = 200


@attrs.frozen
class Checked:
    rules: RuleSet
    facts_type: Ty
    diagnostics: tuple[Diagnostic, ...]
    accepted: tuple[tuple[Diagnostic, A.Accept], ...] = ()  # warnings accepted by 允许, not in diagnostics
    percents: frozenset = frozenset()  # spans of the 令 and references that are rates (check/percents.py)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def check(rules: RuleSet) -> Checked:
    # the passes are imported here: a rule set loaded from the cache (a ``Checked``) needs none of them
    from perfdsl.ruleset.check.accepted import split_accepted, total_points
    from perfdsl.ruleset.check.bands import BandChecker
    from perfdsl.ruleset.check.depth import check_depth
    from perfdsl.ruleset.check.names import NameChecker
    from perfdsl.ruleset.check.texts import fixed_texts
    from perfdsl.ruleset.check.weights import check_tree
    resolver = TypeResolver(rules.records, rules.enums)
    facts_ty = resolver.record(rules.facts)
    too_deep = check_depth(rules)  # first: the other passes are built for the depth it allows
    if too_deep:
        return Checked(rules, facts_ty, tuple(sorted(too_deep, key=sort_key)[:MAX_DIAGNOSTICS]))
    out: list[Diagnostic] = list(resolver.diagnostics)
    for rec in rules.records.values():
        resolver.record(rec)
    out.extend(d for d in resolver.diagnostics if d not in out)
    names = NameChecker(rules, facts_ty)
    out.extend(names.run())
    out.extend(check_tree(rules.roots))
    out.extend(fixed_texts(rules))
    out.extend(total_points(rules))
    out.extend(BandChecker(rules, facts_ty).run())
    if rules.system is None:
        out.append(warning("W140", "没有 体系 声明：总分没有等级，舍入按默认的 2 位小数四舍五入"))
    elif rules.system.rounding is None:
        out.append(warning("W141", "体系 没有声明舍入规则（如 舍入 2 位 四舍五入）；按默认的 2 位小数四舍五入",
                           rules.system.span))
    if rules.system is not None and not rules.system.grades:
        out.append(warning("W143", f"体系 {rules.system.name} 没有 等级 区间：结果显示为「未定等级」；"
                                   "在 体系 中写 等级 { [90, 100] → 优; … }", rules.system.span))
    if not rules.roots:
        out.append(warning("W142", "规则中没有任何指标"))
    unique, accepted = split_accepted(list(dict.fromkeys(out)), rules.roots)
    unique.sort(key=sort_key)
    return Checked(rules, facts_ty, tuple(unique[:MAX_DIAGNOSTICS]), tuple(accepted), names.percents.spans())
