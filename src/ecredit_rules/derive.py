"""Derivation: from validated facts and an evaluation date to the numbers the rules compare.

Each leaf of the compiled ruleset gets a value (an integer, or ``None`` when the facts do not
say), the threshold in force on ``as_of``, the evidence that produced the value, and the fact
paths whose absence left it unknown. Amounts become integer fen; dates never enter the engines.

Every leaf is turned into a small function once per ruleset, so evaluating a subject does no
work that depends only on the rule file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from . import language as L
from .dates import add_working_days, window_start
from .facts import Event, Facts
from .ir import CompiledRuleset, DeadlineIR, Leaf, threshold_fn

Evidence = tuple[str, ...]
LeafResult = tuple[int | None, Evidence, Evidence]  # value, evidence, missing fact paths


@dataclass(frozen=True, slots=True)
class DeadlineCase:
    rule: DeadlineIR
    trigger: Event
    due: date
    answer: Event | None  # the earliest response to the trigger dated on or before as_of


@dataclass(frozen=True, slots=True)
class Derived:
    as_of: date
    values: tuple[int | None, ...]
    thresholds: tuple[int, ...]
    evidence: tuple[Evidence, ...]
    missing: tuple[Evidence, ...]
    # None where the ruleset has deadlines but the facts say nothing about events.
    deadlines: tuple[DeadlineCase, ...] | None
    event_rank: dict[str, int]  # event id → position in date order, to list evidence chronologically


class _Subject:
    """One subject's facts as the leaf functions read them, indexed once."""

    __slots__ = ("as_of", "by_type", "facts")

    def __init__(self, facts: Facts, as_of: date) -> None:
        self.facts = facts
        self.as_of = as_of
        self.by_type: dict[str, list[tuple[int, Event]]] | None = None
        if facts.events is not None:
            self.by_type = {}
            for i, e in enumerate(facts.events):
                if e.date <= as_of:  # events after as_of are ignored everywhere (CONTRACT §4)
                    self.by_type.setdefault(e.type, []).append((i, e))


LeafFn = Callable[[_Subject, int], LeafResult]


def _fen(amount: Decimal) -> int:
    # Floor keeps "amount ≥ threshold" exact against a threshold rounded up to whole fen.
    return int((amount * 100).to_integral_value(rounding=ROUND_FLOOR))


def _months_fn(value: Any, params: dict[str, L.Parameter]) -> Callable[[date], int] | None:
    """The window length in force on a day (None: no window, every event up to as_of)."""
    return None if value is None else threshold_fn(value, params)


def _selector(
    types: list[str], acts: list[str] | None, months: Callable[[date], int] | None, grades: list[str] | None = None
) -> Callable[[_Subject], list[tuple[int, Event]] | None]:
    """The subject's events of these types and acts inside the window (None when events are unknown)."""
    wanted_types = tuple(types)
    wanted_acts = frozenset(acts) if acts is not None else None
    wanted_grades = frozenset(grades) if grades is not None else None

    def select(s: _Subject) -> list[tuple[int, Event]] | None:
        if s.by_type is None:
            return None
        start = window_start(s.as_of, months(s.as_of)) if months is not None else None
        return [
            (i, e)
            for t in wanted_types
            for i, e in s.by_type.get(t, ())
            if (wanted_acts is None or e.act in wanted_acts)
            and (start is None or e.date >= start)
            and (wanted_grades is None or e.grade in wanted_grades)
        ]

    return select


_EVENTS: Evidence = ("events",)


def _known(path: str, read: Callable[[Facts], Any], test: Callable[[Any], int]) -> LeafFn:
    """A leaf over one fact: unknown when ``read`` gives None, else ``test`` of what it read."""
    paths: Evidence = (path,)

    def leaf(s: _Subject, _threshold: int) -> LeafResult:
        value = read(s.facts)
        if value is None:
            return None, (), paths
        return test(value), paths, ()

    return leaf


def _mapping_get(attr: str, key: str) -> Callable[[Facts], Any]:
    def read(facts: Facts) -> Any:
        mapping = getattr(facts, attr)
        return None if mapping is None else mapping.get(key)

    return read


def _events_leaf(spec: L.Events, params: dict[str, L.Parameter]) -> LeafFn:
    body = spec.events
    select = _selector(body.types, body.acts, _months_fn(body.within_months, params), body.grades)

    def leaf(s: _Subject, _threshold: int) -> LeafResult:
        chosen = select(s)
        if chosen is None:
            return None, (), _EVENTS
        return len(chosen), tuple(e.id for _, e in chosen), ()

    return leaf


def _amount_leaf(spec: L.Amount, params: dict[str, L.Parameter]) -> LeafFn:
    body = spec.amount
    select = _selector(body.types, body.acts, _months_fn(body.within_months, params))
    field = body.field
    single = body.aggregate == "single"

    def leaf(s: _Subject, threshold: int) -> LeafResult:
        chosen = select(s)
        if chosen is None:
            return None, (), _EVENTS
        known = [(e, _fen(getattr(e, field))) for _, e in chosen if getattr(e, field) is not None]
        unknown = tuple(f"events[{i}].{field}" for i, e in chosen if getattr(e, field) is None)
        if single:
            hits = tuple(e.id for e, fen in known if fen >= threshold)
            if hits:
                return max(fen for _, fen in known), hits, ()
            if unknown:  # an unknown amount could still reach the threshold
                return None, (), unknown
            return max((fen for _, fen in known), default=0), (), ()
        total = sum(fen for _, fen in known)
        if unknown and total < threshold:
            return None, (), unknown
        return total, tuple(e.id for e, _ in known), ()

    return leaf


def compile_leaf(leaf: Leaf, params: dict[str, L.Parameter]) -> LeafFn:
    """The function that derives ``leaf`` for a subject."""
    spec = leaf.spec
    if isinstance(spec, L.RoleIs):
        role = spec.role
        return _known("subject.roles", lambda f: f.subject.roles, lambda roles: int(role in roles))
    if isinstance(spec, L.LegalFormIn):
        forms = frozenset(spec.legal_form)
        return _known("subject.legal_form", lambda f: f.subject.legal_form, lambda form: int(form in forms))
    if isinstance(spec, L.LicensedIs):
        expected = spec.licensed
        return _known("subject.licensed", lambda f: f.subject.licensed, lambda licensed: int(licensed == expected))
    if isinstance(spec, L.OnList):
        name = spec.on_list
        return _known("subject.lists", lambda f: f.subject.lists, lambda lists: int(name in lists))
    if isinstance(spec, L.Met | L.Breached):
        met = isinstance(spec, L.Met)
        code = spec.met if isinstance(spec, L.Met) else spec.breached
        return _known(f"compliance.{code}", _mapping_get("compliance", code), lambda known: int(known is met))
    if isinstance(spec, L.Retention):
        record = spec.retention.record
        return _known(f"retention_days.{record}", _mapping_get("retention_days", record), lambda days: days)
    if isinstance(spec, L.LacksSystem | L.HasSystem):
        has = isinstance(spec, L.HasSystem)
        code = spec.has_system if isinstance(spec, L.HasSystem) else spec.lacks_system
        return _known("platform_systems", lambda f: f.platform_systems, lambda systems: int((code in systems) is has))
    if isinstance(spec, L.AssessmentIn):
        name = spec.assessment.field
        allowed = tuple(spec.assessment.in_)

        def read(f: Facts) -> Any:
            return None if f.assessment is None else getattr(f.assessment, name)

        return _known(f"assessment.{name}", read, lambda value: int(value in allowed))
    if isinstance(spec, L.Events):
        return _events_leaf(spec, params)
    if isinstance(spec, L.Amount):
        return _amount_leaf(spec, params)
    raise TypeError(f"no derivation for condition {type(spec).__name__}")


class _Derivation:
    """The leaf functions of one ruleset, built once."""

    def __init__(self, rs: CompiledRuleset) -> None:
        self.leaves = tuple((compile_leaf(leaf, rs.parameters), leaf.threshold) for leaf in rs.leaves)


def _deadline_cases(rs: CompiledRuleset, s: _Subject) -> tuple[DeadlineCase, ...]:
    assert s.by_type is not None
    responses: dict[str, Event] = {}
    for _, e in sorted(s.by_type.get("response", ()), key=lambda ie: (ie[1].date, ie[1].id)):
        if e.answers is not None:
            responses.setdefault(e.answers, e)
    cases = []
    for rule in rs.deadlines:
        days = rule.working_days(s.as_of)
        for _, trigger in sorted(s.by_type.get(rule.trigger, ()), key=lambda ie: (ie[1].date, ie[1].id)):
            cases.append(DeadlineCase(rule, trigger, add_working_days(trigger.date, days), responses.get(trigger.id)))
    return tuple(cases)


def derive(rs: CompiledRuleset, facts: Facts, as_of: date) -> Derived:
    """Everything the engines compare, for one subject on one day."""
    program = rs.engine_artefact("derive", lambda: _Derivation(rs))
    assert isinstance(program, _Derivation)
    s = _Subject(facts, as_of)
    values: list[int | None] = []
    thresholds: list[int] = []
    evidence: list[Evidence] = []
    missing: list[Evidence] = []
    for fn, threshold_of in program.leaves:
        threshold = threshold_of(as_of)
        value, ev, miss = fn(s, threshold)
        values.append(value)
        thresholds.append(threshold)
        evidence.append(ev)
        missing.append(miss)
    cases: tuple[DeadlineCase, ...] | None
    if not rs.deadlines:
        cases = ()
    elif s.by_type is None:
        cases = None
    else:
        cases = _deadline_cases(rs, s)
    ordered = sorted((e for pairs in (s.by_type or {}).values() for _, e in pairs), key=lambda e: (e.date, e.id))
    rank = {e.id: n for n, e in enumerate(ordered)}
    return Derived(as_of, tuple(values), tuple(thresholds), tuple(evidence), tuple(missing), cases, rank)
