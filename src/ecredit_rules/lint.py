"""``ecredit lint``: static checks on rulesets that load, for mistakes the loader cannot call errors.

A file that does not load is not linted: its validation errors are the problems to fix first,
and they already include the two "lint" findings the loader refuses outright —
a clause neither cited nor in ``not_encoded`` (``uncovered_clause``, every one listed at once)
and a parameter with no value on the first day in force (``param_not_in_force``; a parameter's
values run from their ``from`` until the next one, so that is the only day that can lack a value).
Likewise a ``fired_kind`` with no rule of that kind and a ``fired`` naming something that is not a
plain rule (a deadline, a grade) are refused by the loader.

What lint adds, each finding as ``file:line:col: message``:

- ``lint_never_fires``: a rule (or grade) whose condition, together with ``applies_to``, no subject
  can meet — ``all: [role: X, not: {role: X}]``, ``legal_form`` lists with nothing in common,
  ``met`` and ``breached`` of one duty, ``at_least`` n of fewer than n. A subject may hold several
  roles and be on both lists, so two different roles never contradict each other.
- ``lint_rests_on_never``: a chained rule whose every support (``fired``/``fired_kind``) never fires.
- ``lint_window_exceeds_period``: a ``within_months`` window longer than a bounded period of force.
- ``lint_param_after_period``: a dated parameter value that starts after the period ends (never used).
- ``lint_unused_param``: a parameter that nothing references.
- ``lint_same_condition``: two rules of the same kind with the same ``when`` and ``applies_to``
  citing different clauses — one finding made twice from the same facts, usually a rule copied
  and not finished. Rules of different kinds are not compared: a regulation may attach several
  consequences to the same facts (本溪 records 刷单 as 失信 in 三（二）一是 and makes it a 风险提示 in
  三（三）四是). Measures (``sanction``, ``incentive``) are exempt: a regulation lists several
  measures for one listing, each its own clause (突泉 第十四条第（二）至（四）项).
- ``lint_unused_code``: a vocabulary code (acts, compliance, records, platform systems) used by no
  bundled ruleset; checked only over the whole bundled set, located in ``vocabulary.yaml``.

The satisfiability check is conservative: it reasons about the subject's roles, legal form,
licence, list membership, compliance duties, platform systems, assessment values and chained
rules, and treats every event, amount or retention condition as an independent unknown. It only
reports what is certainly impossible.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from . import language as L
from .bundled import VOCABULARY_FILE, available_rulesets, rules_dir
from .dates import window_start
from .errors import Problem, RulesetError
from .ir import CompiledRuleset
from .loader import LocatedProblems, load_ruleset, resolve_path, walk_conditions
from .messages import Lang, Msg
from .vocabulary import Vocabulary, read_vocabulary, vocabulary
from .yaml_source import PathKey, read_yaml

# Kinds that are measures taken on a finding: several may legitimately share one condition.
MEASURE_KINDS = frozenset({"sanction", "incentive"})
# Upper bound on the satisfiability search per rule; beyond it the rule is assumed satisfiable.
SEARCH_BUDGET = 200_000


def lint_ruleset(ref: str | Path, lang: Lang = "zh") -> list[Problem]:
    """Lint findings for one ruleset (bundled id or path), sorted by position.

    Raises ``RulesetError`` (with the loader's problems) if the file does not load.

    >>> lint_ruleset("tuquan")
    []
    """
    return _lint_compiled(load_ruleset(ref, lang=lang), lang)


def _lint_compiled(compiled: CompiledRuleset, lang: Lang) -> list[Problem]:
    problems = LocatedProblems(read_yaml(compiled.path))  # the loader keeps no positions: read them again
    _Linter(compiled.model, problems, vocabulary()).run()
    return _render(problems, lang)


def lint_vocabulary_usage(
    models: Iterable[L.RulesetFile], lang: Lang = "zh", vocab_path: Path | None = None
) -> list[Problem]:
    """Codes in the vocabulary that none of ``models`` uses, located at their key in the vocabulary file.

    Meaningful only over every bundled ruleset: a single city legitimately leaves most codes unused.
    """
    path = vocab_path or rules_dir() / VOCABULARY_FILE
    doc = read_yaml(path)
    problems = LocatedProblems(doc)
    used: dict[str, set[Any]] = {category: set() for category in _CODE_CATEGORIES}
    for model in models:
        for node in _all_condition_nodes(model):
            for category, code in _codes_of(node):
                used[category].add(code)
    data = doc.data if isinstance(doc.data, dict) else {}
    for category, label in _CODE_CATEGORIES.items():
        for code in data.get(category) or {}:
            if code not in used[category]:
                problems.add((category, code), Msg("lint_unused_code", category=label, code=code), at_key=True)
    return _render(problems, lang)


def lint_bundled_models(lang: Lang = "zh") -> list[L.RulesetFile]:
    """The models of every bundled ruleset (raises ``RulesetError`` if one does not load)."""
    return [load_ruleset(rid, lang=lang).model for rid in available_rulesets()]


@dataclass
class LintRun:
    """What ``ecredit lint`` prints and its exit status: 0 clean, 1 findings, 2 a file did not load."""

    status: int = 0
    findings: list[str] = field(default_factory=list)  # file:line:col: message
    checked: list[str] = field(default_factory=list)  # files without findings

    def note(self, status: int) -> None:
        self.status = max(self.status, status)


def run_lint(targets: Sequence[str], lang: Lang = "zh") -> LintRun:
    """Lint ``targets`` (bundled ids or paths); none means every bundled ruleset and the vocabulary.

    ``vocabulary.yaml`` among the targets asks for the unused-code check over the bundled rulesets.
    """
    run = LintRun()
    wanted = list(targets) or [*available_rulesets(), str(rules_dir() / VOCABULARY_FILE)]
    linted: dict[Path, L.RulesetFile] = {}  # the vocabulary check reuses what was loaded to lint
    for target in wanted:
        path = resolve_path(target)
        try:
            if path.name == VOCABULARY_FILE:
                read_vocabulary(path)  # a malformed file gets its located problems, as validate gives them
                models = [
                    linted.get(resolve_path(rid)) or load_ruleset(rid, lang=lang).model for rid in available_rulesets()
                ]
                found = lint_vocabulary_usage(models, lang, path)
            else:
                compiled = load_ruleset(target, lang=lang)
                linted[compiled.path] = compiled.model
                found = _lint_compiled(compiled, lang)
        except RulesetError as err:
            run.note(2)
            # A bundled ruleset that does not load also stops the vocabulary check: say its lines once.
            run.findings += [line for line in map(str, err.problems) if line not in run.findings]
            continue
        except OSError as exc:
            run.note(2)
            run.findings.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        run.findings += [str(p) for p in found]
        if found:
            run.note(1)
        else:
            run.checked.append(str(path))
    return run


def _render(problems: LocatedProblems, lang: Lang) -> list[Problem]:
    return list(problems.error(lang).problems)


# --- walking conditions -------------------------------------------------------------------------

# Vocabulary sections whose codes rules name, with the category word the messages use.
_CODE_CATEGORIES = {
    "acts": "违法行为", "compliance": "合规义务", "retention_days": "记录保存", "platform_systems": "平台制度",
}


def _condition_roots(model: L.RulesetFile) -> Iterator[tuple[PathKey, Any]]:
    """The ``when`` of every rule and grade, with its path in the file."""
    for i, rule in enumerate(model.rules):
        yield ("rules", i, "when"), rule.when
    if model.rating:
        for i, grade in enumerate(model.rating.grades):
            yield ("rating", "grades", i, "when"), grade.when


def _all_condition_nodes(model: L.RulesetFile) -> Iterator[BaseModel]:
    for path, root in _condition_roots(model):
        for node, _ in walk_conditions(root, path):
            yield node


def _codes_of(node: BaseModel) -> Iterator[tuple[str, Any]]:
    if isinstance(node, L.Events | L.Amount):
        body = node.events if isinstance(node, L.Events) else node.amount
        for act in body.acts or ():
            yield "acts", act
    elif isinstance(node, L.Follows):
        for act in [*(node.follows.event.acts or ()), *(node.follows.after.acts or ())]:
            yield "acts", act
    elif isinstance(node, L.Met):
        yield "compliance", node.met
    elif isinstance(node, L.Breached):
        yield "compliance", node.breached
    elif isinstance(node, L.Retention):
        yield "retention_days", node.retention.record
    elif isinstance(node, L.LacksSystem):
        yield "platform_systems", node.lacks_system
    elif isinstance(node, L.HasSystem):
        yield "platform_systems", node.has_system


# --- satisfiability over the facts lint can reason about ----------------------------------------
#
# A formula is a tree of ("and", [...]), ("or", [...]), ("not", f), ("atleast", n, [...]) and
# ("in", var, allowed): the variable ``var`` takes one of ``allowed``. A rule fires only when its
# condition is TRUE; Kleene logic is monotone (settling an unknown never turns TRUE into FALSE),
# so a condition that can be TRUE at all can be TRUE with every fact known, and a two-valued
# search over the variables' domains decides it.

Formula = tuple[Any, ...]
Var = tuple[Any, ...]
FALSE, UNKNOWN, TRUE = 0, 1, 2


class _GiveUp(Exception):
    """The search budget ran out; the rule is then assumed satisfiable (no finding)."""


@dataclass
class _Sat:
    domains: dict[Var, frozenset[Any]]

    def domain(self, var: Var) -> frozenset[Any]:
        return self.domains.get(var, frozenset({True, False}))

    def satisfiable(self, formula: Formula) -> bool:
        variables = list(dict.fromkeys(_variables(formula)))
        assignment: dict[Var, Any] = {}
        budget = [SEARCH_BUDGET]

        def search(i: int) -> bool:
            budget[0] -= 1
            if budget[0] < 0:
                raise _GiveUp
            value = self.truth(formula, assignment)
            if value != UNKNOWN:
                return value == TRUE
            var = variables[i]
            for choice in sorted(self.domain(var), key=repr):
                assignment[var] = choice
                if search(i + 1):
                    return True
            del assignment[var]
            return False

        try:
            return search(0)
        except _GiveUp:
            return True

    def truth(self, f: Formula, assignment: dict[Var, Any]) -> int:
        op = f[0]
        if op == "in":
            _, var, allowed = f
            if var in assignment:
                return TRUE if assignment[var] in allowed else FALSE
            domain = self.domain(var)
            if domain <= allowed:
                return TRUE
            return FALSE if not domain & allowed else UNKNOWN
        if op == "and":
            return min((self.truth(c, assignment) for c in f[1]), default=TRUE)
        if op == "or":
            return max((self.truth(c, assignment) for c in f[1]), default=FALSE)
        if op == "not":
            return TRUE - self.truth(f[1], assignment)
        values = [self.truth(c, assignment) for c in f[2]]
        if sum(v == TRUE for v in values) >= f[1]:
            return TRUE
        return FALSE if sum(v != FALSE for v in values) < f[1] else UNKNOWN


def _variables(f: Formula) -> Iterator[Var]:
    if f[0] == "in":
        yield f[1]
    elif f[0] in {"and", "or"}:
        for c in f[1]:
            yield from _variables(c)
    elif f[0] == "not":
        yield from _variables(f[1])
    else:
        for c in f[2]:
            yield from _variables(c)


def _is(var: Var, *allowed: Any) -> Formula:
    return ("in", var, frozenset(allowed))


def _fact_paths(f: Formula) -> list[str]:
    """The facts a formula reasons about, named as fact paths, for the finding's message."""
    out: list[str] = []
    for var in _variables(f):
        kind = var[0]
        if kind == "atom":
            continue
        name = {
            "role": "subject.roles", "legal_form": "subject.legal_form", "licensed": "subject.licensed",
            "list": "subject.lists", "system": "platform_systems",
        }.get(kind)
        if name is None:
            name = {"compliance": "compliance.", "assessment": "assessment.", "rule": "fired: "}[kind] + str(var[1])
        if name not in out:
            out.append(name)
    return out


# --- the checks ---------------------------------------------------------------------------------


class _Linter:
    def __init__(self, model: L.RulesetFile, problems: LocatedProblems, vocab: Vocabulary) -> None:
        self.m = model
        self.p = problems
        self.kinds = {r.id: r.kind for r in model.rules}
        domains: dict[Var, frozenset[Any]] = {
            ("legal_form",): frozenset(vocab.legal_forms),
        }
        for name in vocab.assessment:
            domains[("assessment", name)] = frozenset(vocab.assessment_values(name))
        self.sat = _Sat(domains)

    def run(self) -> None:
        self._never_fires()
        self._windows()
        self._parameters()
        self._same_conditions()

    # rules that can never fire

    def _formula(self, cond: Any, owner: str) -> Formula:
        if isinstance(cond, L.AllOf):
            return ("and", [self._formula(c, owner) for c in cond.all])
        if isinstance(cond, L.AnyOf):
            return ("or", [self._formula(c, owner) for c in cond.any])
        if isinstance(cond, L.NotOf):
            return ("not", self._formula(cond.not_, owner))
        if isinstance(cond, L.AtLeastOf):
            return ("atleast", cond.at_least.n, [self._formula(c, owner) for c in cond.at_least.of])
        if isinstance(cond, L.RoleIs):
            return _is(("role", cond.role), True)
        if isinstance(cond, L.LegalFormIn):
            return ("in", ("legal_form",), frozenset(cond.legal_form))
        if isinstance(cond, L.LicensedIs):
            return _is(("licensed",), cond.licensed)
        if isinstance(cond, L.OnList):
            return _is(("list", cond.on_list), True)
        if isinstance(cond, L.Met):
            return _is(("compliance", cond.met), True)
        if isinstance(cond, L.Breached):
            return _is(("compliance", cond.breached), False)
        if isinstance(cond, L.HasSystem):
            return _is(("system", cond.has_system), True)
        if isinstance(cond, L.LacksSystem):
            return _is(("system", cond.lacks_system), False)
        if isinstance(cond, L.AssessmentIn):
            return ("in", ("assessment", cond.assessment.field), frozenset(cond.assessment.in_))
        if isinstance(cond, L.Fired):
            return ("or", [_is(("rule", r), True) for r in cond.fired])
        if isinstance(cond, L.FiredKind):
            producers = [r for r, k in self.kinds.items() if k == cond.fired_kind and r != owner]
            return ("or", [_is(("rule", r), True) for r in producers])
        # Events, amounts and retention: one independent unknown per distinct condition. Treating
        # related counts as independent can only make more things look possible, never fewer.
        return _is(("atom", type(cond).__name__, json.dumps(cond.model_dump(mode="json", by_alias=True))), True)

    def _with_roles(self, roles: list[str] | None, formula: Formula) -> Formula:
        if not roles:
            return formula
        return ("and", [("or", [_is(("role", r), True) for r in roles]), formula])

    def _never_fires(self) -> None:
        m = self.m
        targets: list[tuple[str, Formula, PathKey]] = [
            (r.id, self._with_roles(r.applies_to, self._formula(r.when, r.id)), ("rules", i, "when"))
            for i, r in enumerate(m.rules)
        ]
        order = {rid: n for n, rid in enumerate(self._topological())}
        targets.sort(key=lambda t: order.get(t[0], len(order)))
        if m.rating:
            for i, g in enumerate(m.rating.grades):
                formula = self._with_roles(m.rating.applies_to, self._formula(g.when, g.id))
                targets.append((g.id, formula, ("rating", "grades", i, "when")))
        dead: set[str] = set()
        for rid, formula, where in targets:
            if self.sat.satisfiable(formula):
                continue
            dead.add(rid)
            # Rules resting on this one are now known never to fire; the search sees that.
            self.sat.domains[("rule", rid)] = frozenset({False})
            rests_on = sorted({v[1] for v in _variables(formula) if v[0] == "rule" and v[1] in dead})
            free = _Sat({k: v for k, v in self.sat.domains.items() if k[0] != "rule"})
            if rests_on and free.satisfiable(formula):
                self.p.add(where, Msg("lint_rests_on_never", rule=rid, rests_on=", ".join(rests_on)), at_key=True)
            else:
                # With nothing but event conditions involved, the contradiction is in how they combine.
                facts = "、".join(_fact_paths(formula)) or "all/any/not/at_least"
                self.p.add(where, Msg("lint_never_fires", rule=rid, facts=facts), at_key=True)

    def _topological(self) -> list[str]:
        """Plain rules, each after the rules it rests on (the loader has refused cycles)."""
        deps = {r.id: [v[1] for v in _variables(self._formula(r.when, r.id)) if v[0] == "rule"] for r in self.m.rules}
        out: list[str] = []
        seen: set[str] = set()

        def visit(rid: str) -> None:
            if rid in seen:
                return
            seen.add(rid)
            for dep in deps.get(rid, ()):
                visit(dep)
            out.append(rid)

        for rid in deps:
            visit(rid)
        return out

    # windows longer than the period of force

    def _windows(self) -> None:
        period = self.m.document.in_force
        if period.until is None:
            return
        for owner_path, root in _condition_roots(self.m):
            for node, where in walk_conditions(root, owner_path):
                if not isinstance(node, L.Events | L.Amount):
                    continue
                key = "events" if isinstance(node, L.Events) else "amount"
                window = getattr(node, key).within_months
                if window is None:
                    continue
                months = max(self._values_in_period(window), default=0)
                if window_start(period.until, months) < period.from_:
                    msg = Msg("lint_window_exceeds_period", months=months, start=period.from_, end=period.until)
                    self.p.add((*where, key, "within_months"), msg)

    def _values_in_period(self, value: Any) -> list[int]:
        """The values a threshold takes on some day of the period of force."""
        if not isinstance(value, L.ParamRef):
            return [value]
        period = self.m.document.in_force
        values = self.m.parameters[value.param].values
        out = []
        for i, dated in enumerate(values):
            ends = values[i + 1].from_ if i + 1 < len(values) else date.max
            if dated.from_ <= (period.until or date.max) and ends > period.from_:
                out.append(int(dated.value))
        return out

    # parameters

    def _parameters(self) -> None:
        used: set[str] = set()
        for node in _all_condition_nodes(self.m):
            used |= {v.param for v in _param_refs(node)}
        used |= {d.working_days.param for d in self.m.deadlines if isinstance(d.working_days, L.ParamRef)}
        until = self.m.document.in_force.until
        for name, param in self.m.parameters.items():
            if name not in used:
                self.p.add(("parameters", name), Msg("lint_unused_param", name=name), at_key=True)
            for i, dated in enumerate(param.values):
                if until is not None and dated.from_ > until:
                    msg = Msg("lint_param_after_period", name=name, day=dated.from_, end=until)
                    self.p.add(("parameters", name, "values", i, "from"), msg)

    # same condition, different clauses

    def _same_conditions(self) -> None:
        first: dict[str, tuple[int, L.Rule]] = {}
        for i, rule in enumerate(self.m.rules):
            if rule.kind in MEASURE_KINDS:
                continue
            roles = sorted(rule.applies_to) if rule.applies_to else None
            key = json.dumps([rule.kind, _canonical(rule.when), roles], ensure_ascii=False)
            if key not in first:
                first[key] = (i, rule)
                continue
            j, other = first[key]
            if other.cites != rule.cites:
                line = self.p.doc.position_of(("rules", j, "when"), key=True).line
                msg = Msg(
                    "lint_same_condition", rule=rule.id, other=other.id, line=line,
                    cites=rule.cites, other_cites=other.cites,
                )
                self.p.add(("rules", i, "when"), msg, at_key=True)


def _param_refs(node: BaseModel) -> Iterator[L.ParamRef]:
    thresholds: tuple[Any, ...]
    if isinstance(node, L.Events):
        thresholds = (node.events.within_months, node.events.at_least)
    elif isinstance(node, L.Amount):
        thresholds = (node.amount.within_months, node.amount.at_least)
    elif isinstance(node, L.Retention):
        thresholds = (node.retention.less_than_days,)
    elif isinstance(node, L.Follows):
        thresholds = (node.follows.within_months, node.follows.at_least)
    else:
        return
    for value in thresholds:
        if isinstance(value, L.ParamRef):
            yield value


def _canonical(cond: Any) -> Any:
    """A condition as plain data with defaults filled in and list order ignored where it means nothing.

    ``{types: [warning, penalty]}`` and ``{types: [penalty, warning]}`` are the same condition; so are
    ``events`` with ``at_least: 1`` written or omitted.
    """
    data = cond.model_dump(mode="json", by_alias=True)

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in sorted(value.items())}
        if isinstance(value, list):
            items = [norm(v) for v in value]
            # Order matters nowhere in a condition: all/any/at_least.of are sets of conditions and
            # the code lists are sets of codes.
            return sorted(items, key=lambda x: json.dumps(x, sort_keys=True, ensure_ascii=False))
        return value

    return norm(data)
