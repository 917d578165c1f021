"""One subject under every bundled ruleset, side by side: what each city decides, which clause of
which city each of the subject's acts and facts falls under, and where the cities differ.

Everything here is read off the reports and the rulesets themselves; no city's thresholds are
written into this module, so a new or amended ruleset shows up in the comparison unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field

from .bundled import available_rulesets, rules_dir
from .conditions import kind_of, walk_conditions
from .digest import digest_of_checked
from .engines import get_engine
from .errors import RulesetError
from .evaluate import check_as_of, evaluate_checked
from .facts import Facts, facts_data
from .ir import ArtefactKey, CompiledRuleset, DayKey, Leaf
from .language_base import Frozen, built
from .loader import load_ruleset, resolve_path
from .registry import RulesetRegistry
from .report import Generator, Report, Undetermined, Verdict, generator
from .vocabulary import vocabulary


class VerdictRef(Frozen):
    """A verdict reduced to what a side-by-side view needs."""

    rule: str
    kind: str
    label: str
    clause: str
    evidence: list[str] = Field(default_factory=list)


class ClauseRef(Frozen):
    rule: str
    kind: str
    clause: str


class RulesetColumn(Frozen):
    id: str
    title: str
    number: str | None
    in_force: bool
    in_force_from: date
    in_force_until: date | None
    notice: Verdict | None = None
    rating: str | None = None
    verdicts: list[VerdictRef] = Field(default_factory=list)
    undetermined: list[Undetermined] = Field(default_factory=list)


class FactRow(Frozen):
    """One act code or fact of the subject, and the clauses it falls under in each compared ruleset."""

    fact: str  # "act:contract_fraud", "compliance.seven_day_returns", "retention_days.receipts", …
    name: str
    events: list[str] = Field(default_factory=list)  # for acts: the events that carry the code
    value: bool | int | None = None  # for other facts: the value given
    clauses: dict[str, list[ClauseRef]]


class KindDifference(Frozen):
    kind: str
    fired_in: dict[str, list[str]]  # ruleset id → rules of that kind that fired
    not_fired: list[str]  # rulesets that have rules of this kind, none of which fired
    no_rule: list[str]  # rulesets with no rule of this kind at all (e.g. no rating scheme)


class RetentionDifference(Frozen):
    record: str
    name: str
    subject_days: int | None
    required_days: dict[str, int | None]  # ruleset id → minimum days (None: the ruleset sets none)


class Differences(Frozen):
    kinds: list[KindDifference] = Field(default_factory=list)
    retention: list[RetentionDifference] = Field(default_factory=list)


class Comparison(Frozen):
    subject: str
    as_of: date
    engine: str
    rulesets: list[RulesetColumn]
    facts: list[FactRow]
    differences: Differences
    facts_digest: str
    generator: Generator

    @property
    def compared(self) -> list[str]:
        """Ids of the rulesets in force on ``as_of``, the ones actually compared."""
        return [c.id for c in self.rulesets if c.in_force]

    def to_json(self, *, indent: int | None = None) -> str:
        """The comparison as JSON (UTF-8 text, Chinese kept as is)."""
        return self.model_dump_json(indent=indent)


def compare(
    facts: Facts | Mapping[str, Any] | str | bytes,
    as_of: date | None = None,
    engine: str = "durable",
    rulesets: Sequence[CompiledRuleset | str | Path] | None = None,
) -> Comparison:
    """Judge one subject under every bundled ruleset (or the given ones) and set the results side by side.

    Rulesets not in force on ``as_of`` are listed with ``in_force`` false and their notice, but not compared.
    Raises ``FactsError`` for bad facts and ``RulesetError`` if a ruleset does not load.
    """
    return compare_with_reports(facts, as_of, engine, rulesets)[0]


def compare_with_reports(
    facts: Facts | Mapping[str, Any] | str | bytes,
    as_of: date | None = None,
    engine: str = "durable",
    rulesets: Sequence[CompiledRuleset | str | Path] | None = None,
) -> tuple[Comparison, list[tuple[CompiledRuleset, Report]]]:
    """``compare``, and each ruleset with its full report (the auditor's document prints them all)."""
    # Validated once, on the fast path (it words every problem as ``load_facts`` would), for every ruleset.
    data = facts_data(facts)
    day = as_of if as_of is not None else date.today()
    refs = list(rulesets) if rulesets is not None else list(available_rulesets())
    fresh = cache(_fresh_bundled)  # check the bundled files at most once per comparison, and only if used
    with ExitStack() as held:
        loaded = [_ruleset(ref, held, fresh) for ref in refs]
        if loaded:  # what evaluate checks first, in its order
            get_engine(engine)
            check_as_of(day)
        digest = digest_of_checked(data)
        pairs = [(rs, evaluate_checked(rs, data, digest, day, engine)) for rs in loaded]
    active = [(rs, report) for rs, report in pairs if report.in_force]
    comparison = Comparison(
        subject=data["subject"]["id"],
        as_of=day,
        engine=engine,
        rulesets=[_column(rs, report) for rs, report in pairs],
        facts=_fact_rows(data, active),
        differences=Differences(
            kinds=_kind_differences(active), retention=_retention_differences(data, active, day)
        ),
        facts_digest=digest,
        generator=generator(),
    )
    return comparison, pairs


@cache
def _bundled() -> RulesetRegistry:
    """The bundled rule files, compiled once and kept current (an edit of a checkout's ``rules/``
    is picked up, the version it replaces freed once no comparison uses it)."""
    return RulesetRegistry()


def _fresh_bundled() -> tuple[RulesetRegistry, dict[str, RulesetError]]:
    registry = _bundled()
    registry.reload()
    return registry, registry.errors


def _ruleset(
    ref: CompiledRuleset | str | Path,
    held: ExitStack,
    bundled: Callable[[], tuple[RulesetRegistry, dict[str, RulesetError]]],
) -> CompiledRuleset:
    """The compiled ruleset ``ref`` names, kept usable until ``held`` closes.

    Given rulesets are the caller's; bundled ones come from the shared registry; other files are
    loaded for this call only and freed with ``held`` (the durable engine holds native memory).
    """
    if isinstance(ref, CompiledRuleset):
        return ref
    bundled_id = _bundled_id(ref)
    if bundled_id is not None:
        registry, errors = bundled()
        # A broken edit must stop the comparison, not quietly compare the previous version:
        # a city judged on yesterday's rules would show differences that are not there.
        error = errors.get(bundled_id)
        if error is not None:
            raise error
        return held.enter_context(registry.use(bundled_id))
    rs = load_ruleset(ref)
    held.callback(rs.close)
    return rs


def _bundled_id(ref: str | Path) -> str | None:
    """The id of the bundled rule file ``ref`` names (an id, or a path to a file of the bundled
    folder), else None."""
    direct = _in_bundled_folder(ref)
    if direct is not None:
        file, ruleset_id = direct
    else:  # only other paths need resolving (symlinks, ``..``), which costs a realpath per ruleset
        path = resolve_path(ref)
        if path.parent.resolve() != _bundled_folder():
            return None
        file, ruleset_id = str(path), path.stem
    return ruleset_id if os.path.isfile(file) else None


@lru_cache(maxsize=1024)
def _in_bundled_folder(ref: str | Path) -> tuple[str, str] | None:
    """(file, id) when ``ref`` names a file of ``rules_dir()`` itself, as a bundled id does; worked
    out from the name alone, so once per ``ref`` (the pathlib work cost more than the comparison)."""
    path = resolve_path(ref)
    return (str(path), path.stem) if path.parent == rules_dir() else None


@cache
def _bundled_folder() -> Path:
    return rules_dir().resolve()


def _column(rs: CompiledRuleset, report: Report) -> RulesetColumn:
    period = rs.document.in_force
    base: dict[str, Any] = {
        "id": rs.id, "title": rs.title, "number": rs.document.number, "in_force": report.in_force,
        "in_force_from": period.from_, "in_force_until": period.until,
    }
    if not report.in_force:
        return built(RulesetColumn, **base, notice=report.verdicts[0] if report.verdicts else None, rating=None,
                                   verdicts=[], undetermined=[])
    verdicts = [
        built(VerdictRef, rule=v.rule, kind=v.kind, label=v.label, clause=v.citation.label, evidence=v.evidence)
        for v in report.verdicts
    ]
    grade = report.rating.grade if report.rating else None
    return built(RulesetColumn, **base, notice=None, rating=grade, verdicts=verdicts,
                               undetermined=list(report.undetermined))


# --- the acts view ------------------------------------------------------------------------------


def _rule_conditions(rs: CompiledRuleset) -> dict[str, Any]:
    """rule id → its ``when`` condition, for plain rules and rating grades."""
    out: dict[str, Any] = {r.id: r.when for r in rs.model.rules}
    if rs.model.rating is not None:
        out.update({g.id: g.when for g in rs.model.rating.grades})
    return out


def _systems_named(cond: Any) -> set[str]:
    return {code for node, _ in walk_conditions(cond, ()) for section, code in kind_of(node).codes(node)
            if section == "platform_systems"}


# rule id → the platform systems its condition names; depends on the ruleset only, so built once.
_SYSTEMS_NAMED: ArtefactKey[dict[str, set[str]]] = ArtefactKey(
    "systems_named", lambda rs: {rid: _systems_named(when) for rid, when in _rule_conditions(rs).items()}
)


# (rule, kind, clause label) → its reference: the same for every subject, so built once per ruleset
# (the models are immutable, so comparisons may share them).
_CLAUSE_REFS: ArtefactKey[dict[tuple[str, str, str], ClauseRef]] = ArtefactKey("clause_refs", lambda rs: {})


class _Cited:
    """One report's verdicts as clause references, with what each names as evidence."""

    def __init__(self, rs: CompiledRuleset, report: Report) -> None:
        known = rs.artefact(_CLAUSE_REFS)
        self.refs: list[ClauseRef] = []
        for v in report.verdicts:
            key = (v.rule, v.kind, v.citation.label)
            ref = known.get(key)
            if ref is None:
                ref = known[key] = built(ClauseRef, rule=v.rule, kind=v.kind, clause=v.citation.label)
            self.refs.append(ref)
        self.evidence = [v.evidence for v in report.verdicts]
        self.rules = [v.rule for v in report.verdicts]
        self.on_systems = [p for p, items in enumerate(self.evidence) if "platform_systems" in items]


def _system_refs(code: str, cited: _Cited, named: dict[str, set[str]]) -> list[ClauseRef]:
    # Evidence says only "platform_systems"; the rule's own condition (``named``) tells which system.
    return [cited.refs[p] for p in cited.on_systems if code in named.get(cited.rules[p], ())]


def _fact_rows(data: Mapping[str, Any], active: list[tuple[CompiledRuleset, Report]]) -> list[FactRow]:
    vocab = vocabulary()
    # Each row as (fact, name, events, value), and which rows each evidence item stands for: an act's
    # row for each of its events, another fact's row for its path.
    facts: list[tuple[str, str, list[str], bool | int | None]] = []
    rows_of: dict[str, list[int]] = {}
    by_act: dict[str, list[str]] = {}
    for event in data.get("events") or ():
        act = event.get("act")
        if act is not None:
            by_act.setdefault(act, []).append(event["id"])
    for act in sorted(by_act):
        for event_id in by_act[act]:
            rows_of.setdefault(event_id, []).append(len(facts))
        facts.append((f"act:{act}", vocab.acts.get(act, act), by_act[act], None))
    for section, names in (("compliance", vocab.compliance), ("retention_days", vocab.retention_days)):
        for code, value in sorted((data.get(section) or {}).items()):
            path = f"{section}.{code}"
            rows_of.setdefault(path, []).append(len(facts))
            facts.append((path, names.get(code, code), [], value))
    cited = [(rs.id, _Cited(rs, report)) for rs, report in active]
    # A verdict is listed under a row once, in its report's order, however many of the row's items it names.
    clauses: list[dict[str, list[ClauseRef]]] = [{rid: [] for rid, _ in cited} for _ in facts]
    for rid, verdicts in cited:
        for ref, evidence in zip(verdicts.refs, verdicts.evidence, strict=True):
            listed: set[int] = set()
            for item in evidence:
                for row in rows_of.get(item, ()):
                    if row not in listed:
                        listed.add(row)
                        clauses[row][rid].append(ref)
    rows = [built(FactRow, fact=fact, name=name, events=events, value=value, clauses=refs)
            for (fact, name, events, value), refs in zip(facts, clauses, strict=True)]
    if data.get("platform_systems") is not None:  # absent: not known (the fast path omits it, a model has None)
        rows += _system_rows(data["platform_systems"], active, cited)
    return rows


def _system_rows(
    present: Sequence[str], active: list[tuple[CompiledRuleset, Report]], cited: list[tuple[str, _Cited]]
) -> list[FactRow]:
    vocab = vocabulary()
    rows = []
    named = {rs.id: rs.artefact(_SYSTEMS_NAMED) for rs, _ in active}
    # Every system is a known fact once the list is given (absent from it = not established), but a
    # row is worth showing only for systems the subject has or some city's verdict turns on.
    for code in vocab.platform_systems:
        clauses = {rid: _system_refs(code, refs, named[rid]) for rid, refs in cited}
        if code in present or any(clauses.values()):
            rows.append(
                built(FactRow, fact=f"platform_systems.{code}", name=vocab.platform_systems[code], events=[],
                              value=code in present, clauses=clauses)
            )
    return rows


# --- differences --------------------------------------------------------------------------------


def _kind_differences(active: list[tuple[CompiledRuleset, Report]]) -> list[KindDifference]:
    fired: dict[str, dict[str, list[str]]] = {}
    for rs, report in active:
        for v in report.verdicts:
            fired.setdefault(v.kind, {}).setdefault(rs.id, []).append(v.rule)
    defined = {rs.id: kinds_defined(rs) for rs, _ in active}
    out = []
    for kind in sorted(fired):
        silent = [rid for rid in defined if rid not in fired[kind]]
        if silent:
            out.append(
                built(
                    KindDifference,
                    kind=kind, fired_in=fired[kind],
                    not_fired=[rid for rid in silent if kind in defined[rid]],
                    no_rule=[rid for rid in silent if kind not in defined[rid]],
                )
            )
    return out


def kinds_defined(rs: CompiledRuleset) -> frozenset[str]:
    """The verdict kinds ``rs`` can produce at all (worked out once per ruleset)."""
    return rs.artefact(_KINDS_DEFINED)


def _kinds_defined(rs: CompiledRuleset) -> frozenset[str]:
    kinds: set[str] = {r.kind for r in rs.model.rules}
    if rs.rating is not None:
        kinds.add("rating")
    if rs.deadlines:
        kinds.add("deadline")
    return frozenset(kinds)


_KINDS_DEFINED = ArtefactKey("kinds_defined", _kinds_defined)


def retention_minimums(rs: CompiledRuleset, day: date) -> dict[str, int]:
    """record code → the longest minimum retention (days) any rule of ``rs`` requires on ``day``.

    A rule fires when records are kept *fewer* days than its threshold, so the threshold is the minimum.
    """
    return dict(_minimums_on(rs, day))


def _minimums_on(rs: CompiledRuleset, day: date) -> dict[str, int]:
    """``retention_minimums``, worked out once per ruleset and day (not to be changed by the caller)."""
    return rs.on_day(_MINIMUMS_BY_DAY, day)


def _minimums(rs: CompiledRuleset, day: date) -> dict[str, int]:
    found: dict[str, int] = {}
    for record, leaf in rs.artefact(_RETENTION_LEAVES):
        found[record] = max(found.get(record, 0), leaf.threshold(day))
    return found


_MINIMUMS_BY_DAY = DayKey("retention_minimums", _minimums)


def _retention_leaves(rs: CompiledRuleset) -> tuple[tuple[str, Leaf], ...]:
    # Every retention condition of a rule or grade is a compiled leaf, its dated threshold resolved.
    return tuple((record, leaf) for leaf in rs.leaves for section, record in leaf.kind.codes(leaf.spec)
                 if section == "retention_days")


_RETENTION_LEAVES = ArtefactKey("retention_leaves", _retention_leaves)


def _retention_differences(
    data: Mapping[str, Any], active: list[tuple[CompiledRuleset, Report]], day: date
) -> list[RetentionDifference]:
    minimums = {rs.id: _minimums_on(rs, day) for rs, _ in active}
    records = sorted({record for per in minimums.values() for record in per})
    names = vocabulary().retention_days
    kept = data.get("retention_days") or {}
    out = []
    for record in records:
        required = {rid: per.get(record) for rid, per in minimums.items()}
        if len(set(required.values())) > 1:
            out.append(
                built(
                    RetentionDifference,
                    record=record, name=names.get(record, record), subject_days=kept.get(record),
                    required_days=required,
                )
            )
    return out
