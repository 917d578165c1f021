"""``ecredit lint``: static checks on rulesets that load, for mistakes the loader cannot call errors.

A file that does not load is not linted: its validation errors are the problems to fix first,
and they already include the two "lint" findings the loader refuses outright —
a clause with neither rules nor a ``not_encoded`` reason (``uncovered_clause``, every one listed at once)
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

from .bundled import VOCABULARY_FILE, available_rulesets, rules_dir
from .conditions import LeafKind, LintAtom, kind_of, walk_conditions
from .dates import window_start
from .errors import Problem, RulesetError
from .ir import Chain, CompiledRuleset, Leaf, Node, walk
from .language import ParamRef, Rule, RulesetFile
from .language_base import Model
from .loader import LocatedProblems, load_ruleset, resolve_path
from .logic import FALSE, TRUE, UNKNOWN, closure
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
    _Linter(compiled, problems, vocabulary()).run()
    return _render(problems, lang)


def lint_vocabulary_usage(
    models: Iterable[RulesetFile], lang: Lang = "zh", vocab_path: Path | None = None
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


def lint_bundled_models(lang: Lang = "zh") -> list[RulesetFile]:
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
    linted: dict[Path, RulesetFile] = {}  # the vocabulary check reuses what was loaded to lint
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


def _condition_roots(model: RulesetFile) -> Iterator[tuple[PathKey, Any]]:
    """The ``when`` of every rule and grade, with its path in the file."""
    for at, rule in model.located_rules:
        yield (*at, "when"), rule.when
    if model.rating:
        for i, grade in enumerate(model.rating.grades):
            yield ("rating", "grades", i, "when"), grade.when


def _all_condition_nodes(model: RulesetFile) -> Iterator[Model]:
    for path, root in _condition_roots(model):
        for node, _ in walk_conditions(root, path):
            yield node


def _codes_of(node: Model) -> Iterator[tuple[str, Any]]:
    return kind_of(node).codes(node)


# --- satisfiability over the facts lint can reason about ----------------------------------------
#
# A rule's formula is its intermediate form (``ir.py``, roles included), read by the one Kleene
# evaluator (``logic.py``). Each leaf is a variable that must take one of some values (its kind's
# ``lint_atom``: a role held, a duty met, an independent unknown for a count of events); each
# chained rule is a yes/no variable. A rule fires only when its condition is TRUE; Kleene logic is
# monotone (settling an unknown never turns TRUE into FALSE), so a condition that can be TRUE at
# all can be TRUE with every fact known, and a two-valued search over the variables' domains
# decides it.

Var = tuple[Any, ...]
_YES_NO = frozenset({True, False})


class _GiveUp(Exception):
    """The search budget ran out; the rule is then assumed satisfiable (no finding)."""


def _rule_var(rule: str) -> Var:
    return ("rule", rule)


@dataclass
class _Sat:
    atoms: dict[int, LintAtom]  # leaf index → what lint knows of it
    domains: dict[Var, frozenset[Any]]  # beyond yes/no: legal forms, assessment values, rules that never fire

    def domain(self, var: Var) -> frozenset[Any]:
        return self.domains.get(var, _YES_NO)

    def satisfiable(self, formula: Node, leaf_count: int) -> bool:
        variables = list(dict.fromkeys(self.variables(formula)))
        tests = [(leaf.index, self.atoms[leaf.index]) for leaf in _leaves(formula)]
        rules = [node.rule for node in walk(formula) if isinstance(node, Chain)]
        check = closure(formula)
        assignment: dict[Var, Any] = {}
        budget = [SEARCH_BUDGET]

        def truth() -> int:
            leaves = [UNKNOWN] * leaf_count
            for index, atom in tests:
                leaves[index] = self._in(atom.var, atom.allowed, assignment)
            return check(leaves, {rule: self._in(_rule_var(rule), _TRUE_ONLY, assignment) for rule in rules})

        def search(i: int) -> bool:
            budget[0] -= 1
            if budget[0] < 0:
                raise _GiveUp
            value = truth()
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

    def _in(self, var: Var, allowed: frozenset[Any], assignment: dict[Var, Any]) -> int:
        if var in assignment:
            return TRUE if assignment[var] in allowed else FALSE
        domain = self.domain(var)
        if domain <= allowed:
            return TRUE
        return FALSE if not domain & allowed else UNKNOWN

    def variables(self, formula: Node) -> Iterator[Var]:
        """The formula's variables in the order it names them."""
        for node in walk(formula):
            if isinstance(node, Leaf):
                yield self.atoms[node.index].var
            elif isinstance(node, Chain):
                yield _rule_var(node.rule)


_TRUE_ONLY = frozenset({True})


def _leaves(formula: Node) -> Iterator[Leaf]:
    return (node for node in walk(formula) if isinstance(node, Leaf))


def _fact_paths(variables: Iterable[Var]) -> list[str]:
    """The facts a formula reasons about, named as fact paths, for the finding's message."""
    out: list[str] = []
    for var in variables:
        if var[0] is None:
            continue  # an unknown lint does not reason about (a count of events)
        name = f"fired: {var[1]}" if var[0] == "rule" else var[0]
        if name not in out:
            out.append(name)
    return out


# --- the checks ---------------------------------------------------------------------------------


class _Linter:
    def __init__(self, compiled: CompiledRuleset, problems: LocatedProblems, vocab: Vocabulary) -> None:
        self.compiled = compiled
        self.model = compiled.model
        self.problems = problems
        atoms: dict[int, LintAtom] = {}
        for leaf in compiled.leaves:
            atoms[leaf.index] = leaf.kind.lint_atom(leaf.spec, vocab)
        domains = {atom.var: atom.domain for atom in atoms.values() if atom.domain != _YES_NO}
        self.sat = _Sat(atoms, domains)

    def run(self) -> None:
        self._never_fires()
        self._windows()
        self._parameters()
        self._same_conditions()

    # rules that can never fire

    def _never_fires(self) -> None:
        model, by_id = self.model, self.compiled.rules_by_id
        # Each rule after those it rests on (the compiled order), so that a rule resting only on
        # rules that never fire is known not to fire either.
        order = {rule.id: n for n, rule in enumerate(self.compiled.rules)}
        targets: list[tuple[str, PathKey]] = sorted(
            ((r.id, (*at, "when")) for at, r in model.located_rules), key=lambda t: order[t[0]]
        )
        if model.rating:
            targets += [(g.id, ("rating", "grades", i, "when")) for i, g in enumerate(model.rating.grades)]
        dead: set[str] = set()
        leaf_count = len(self.compiled.leaves)
        for rid, where in targets:
            formula = by_id[rid].formula
            if self.sat.satisfiable(formula, leaf_count):
                continue
            dead.add(rid)
            # Rules resting on this one are now known never to fire; the search sees that.
            self.sat.domains[_rule_var(rid)] = frozenset({False})
            variables = list(self.sat.variables(formula))
            rests_on = sorted({v[1] for v in variables if v[0] == "rule" and v[1] in dead})
            free = _Sat(self.sat.atoms, {k: v for k, v in self.sat.domains.items() if k[0] != "rule"})
            if rests_on and free.satisfiable(formula, leaf_count):
                msg = Msg("lint_rests_on_never", rule=rid, rests_on=", ".join(rests_on))
                self.problems.add(where, msg, at_key=True)
            else:
                # With nothing but event conditions involved, the contradiction is in how they combine.
                facts = "、".join(_fact_paths(variables)) or "all/any/not/at_least"
                self.problems.add(where, Msg("lint_never_fires", rule=rid, facts=facts), at_key=True)

    # windows longer than the period of force

    def _windows(self) -> None:
        period = self.model.document.in_force
        if period.until is None:
            return
        for owner_path, root in _condition_roots(self.model):
            for node, where in walk_conditions(root, owner_path):
                kind = kind_of(node)
                window = kind.window(node) if isinstance(kind, LeafKind) else None
                if window is None:
                    continue
                months = max(self._values_in_period(window), default=0)
                if window_start(period.until, months) < period.from_:
                    msg = Msg("lint_window_exceeds_period", months=months, start=period.from_, end=period.until)
                    self.problems.add((*where, kind.key, "within_months"), msg)

    def _values_in_period(self, value: Any) -> list[int]:
        """The values a threshold takes on some day of the period of force."""
        if not isinstance(value, ParamRef):
            return [value]
        period = self.model.document.in_force
        values = self.model.parameters[value.param].values
        out = []
        for i, dated in enumerate(values):
            ends = values[i + 1].from_ if i + 1 < len(values) else date.max
            if dated.from_ <= (period.until or date.max) and ends > period.from_:
                out.append(int(dated.value))
        return out

    # parameters

    def _parameters(self) -> None:
        used: set[str] = set()
        for node in _all_condition_nodes(self.model):
            used |= {v.param for v in _param_refs(node)}
        used |= {d.working_days.param for d in self.model.deadlines if isinstance(d.working_days, ParamRef)}
        until = self.model.document.in_force.until
        for name, param in self.model.parameters.items():
            if name not in used:
                self.problems.add(("parameters", name), Msg("lint_unused_param", name=name), at_key=True)
            for i, dated in enumerate(param.values):
                if until is not None and dated.from_ > until:
                    msg = Msg("lint_param_after_period", name=name, day=dated.from_, end=until)
                    self.problems.add(("parameters", name, "values", i, "from"), msg)

    # same condition, different clauses

    def _same_conditions(self) -> None:
        first: dict[str, tuple[PathKey, Rule]] = {}
        for at, rule in self.model.located_rules:
            if rule.kind in MEASURE_KINDS:
                continue
            roles = sorted(rule.applies_to) if rule.applies_to else None
            key = json.dumps([rule.kind, _canonical(rule.when), roles], ensure_ascii=False)
            if key not in first:
                first[key] = (at, rule)
                continue
            other_at, other = first[key]
            if other.cites != rule.cites:
                line = self.problems.doc.position_of((*other_at, "when"), key=True).line
                msg = Msg(
                    "lint_same_condition", rule=rule.id, other=other.id, line=line,
                    cites=rule.cites, other_cites=other.cites,
                )
                self.problems.add((*at, "when"), msg, at_key=True)


def _param_refs(node: Model) -> Iterator[ParamRef]:
    return kind_of(node).param_refs(node)


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
