"""Derivation: from validated facts and an evaluation date to the numbers the rules compare.

Each leaf of the compiled ruleset gets a value (an integer, or ``None`` when the facts do not
say), the threshold in force on ``as_of``, the evidence that produced the value, and the fact
paths whose absence left it unknown. Amounts become integer fen; dates never enter the engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from . import language as L
from .dates import add_working_days, window_start
from .facts import Event, Facts
from .ir import CompiledRuleset, DeadlineIR, Leaf


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
    evidence: tuple[tuple[str, ...], ...]
    missing: tuple[tuple[str, ...], ...]
    # None where the ruleset has deadlines but the facts say nothing about events.
    deadlines: tuple[DeadlineCase, ...] | None
    event_rank: dict[str, int]  # event id → position in date order, to list evidence chronologically


def _fen(amount: Decimal) -> int:
    # Floor keeps "amount ≥ threshold" exact against a threshold rounded up to whole fen.
    return int((amount * 100).to_integral_value(rounding=ROUND_FLOOR))


def _events(facts: Facts, as_of: date) -> list[tuple[int, Event]] | None:
    if facts.events is None:
        return None
    # Events after as_of are ignored everywhere (CONTRACT §4).
    return [(i, e) for i, e in enumerate(facts.events) if e.date <= as_of]


def _selected(
    events: dict[str, list[tuple[int, Event]]], types: list[str], acts: list[str] | None, months: int | None,
    as_of: date,
) -> list[tuple[int, Event]]:
    start = window_start(as_of, months) if months is not None else None
    return [
        (i, e)
        for t in types
        for i, e in events.get(t, ())
        if (acts is None or e.act in acts) and (start is None or e.date >= start)
    ]


def _months(value: object, params: dict[str, L.Parameter], as_of: date) -> int | None:
    if value is None:
        return None
    if isinstance(value, L.ParamRef):
        chosen = params[value.param].values[0]
        for v in params[value.param].values:
            if v.from_ <= as_of:
                chosen = v
        return int(chosen.value)
    return int(value)  # type: ignore[call-overload]


def _order(events: list[tuple[int, Event]]) -> tuple[str, ...]:
    return tuple(e.id for _, e in sorted(events, key=lambda ie: (ie[1].date, ie[1].id)))


def derive_leaf(
    leaf: Leaf,
    facts: Facts,
    events: dict[str, list[tuple[int, Event]]] | None,
    threshold: int,
    rs: CompiledRuleset,
    as_of: date,
) -> tuple[int | None, tuple[str, ...], tuple[str, ...]]:
    """(value, evidence, missing paths) of one leaf."""
    spec = leaf.spec
    subject = facts.subject
    if isinstance(spec, L.RoleIs):
        if subject.roles is None:
            return None, (), ("subject.roles",)
        return int(spec.role in subject.roles), ("subject.roles",), ()
    if isinstance(spec, L.LegalFormIn):
        if subject.legal_form is None:
            return None, (), ("subject.legal_form",)
        return int(subject.legal_form in spec.legal_form), ("subject.legal_form",), ()
    if isinstance(spec, L.LicensedIs):
        if subject.licensed is None:
            return None, (), ("subject.licensed",)
        return int(subject.licensed == spec.licensed), ("subject.licensed",), ()
    if isinstance(spec, L.OnList):
        if subject.lists is None:
            return None, (), ("subject.lists",)
        return int(spec.on_list in subject.lists), ("subject.lists",), ()
    if isinstance(spec, L.Met | L.Breached):
        code = spec.met if isinstance(spec, L.Met) else spec.breached
        path = f"compliance.{code}"
        known = facts.compliance.get(code) if facts.compliance is not None else None
        if known is None:
            return None, (), (path,)
        return int(known is isinstance(spec, L.Met)), (path,), ()
    if isinstance(spec, L.Retention):
        path = f"retention_days.{spec.retention.record}"
        days = facts.retention_days.get(spec.retention.record) if facts.retention_days is not None else None
        if days is None:
            return None, (), (path,)
        return days, (path,), ()
    if isinstance(spec, L.LacksSystem | L.HasSystem):
        if facts.platform_systems is None:
            return None, (), ("platform_systems",)
        code = spec.lacks_system if isinstance(spec, L.LacksSystem) else spec.has_system
        present = code in facts.platform_systems
        return int(present is isinstance(spec, L.HasSystem)), ("platform_systems",), ()
    if isinstance(spec, L.AssessmentIn):
        path = f"assessment.{spec.assessment.field}"
        value = getattr(facts.assessment, spec.assessment.field) if facts.assessment is not None else None
        if value is None:
            return None, (), (path,)
        return int(value in spec.assessment.in_), (path,), ()
    if events is None:
        return None, (), ("events",)
    if isinstance(spec, L.Events):
        body = spec.events
        chosen = _selected(events, body.types, body.acts, _months(body.within_months, rs.parameters, as_of), as_of)
        if body.grades is not None:
            chosen = [(i, e) for i, e in chosen if e.grade in body.grades]
        return len(chosen), _order(chosen), ()
    assert isinstance(spec, L.Amount)
    body = spec.amount
    chosen = _selected(events, body.types, body.acts, _months(body.within_months, rs.parameters, as_of), as_of)
    known = [(i, e, getattr(e, body.field)) for i, e in chosen if getattr(e, body.field) is not None]
    unknown = tuple(f"events[{i}].{body.field}" for i, e in chosen if getattr(e, body.field) is None)
    if body.aggregate == "single":
        hits = [(i, e) for i, e, amount in known if _fen(amount) >= threshold]
        if hits:
            return max(_fen(a) for _, _, a in known), _order(hits), ()
        if unknown:
            return None, (), unknown
        return max((_fen(a) for _, _, a in known), default=0), (), ()
    total = _fen(sum((a for _, _, a in known), Decimal(0)))
    if unknown and total < threshold:
        return None, (), unknown
    return total, _order([(i, e) for i, e, _ in known]), ()


def _deadline_cases(rs: CompiledRuleset, events: list[tuple[int, Event]], as_of: date) -> tuple[DeadlineCase, ...]:
    responses: dict[str, Event] = {}
    for _, e in sorted(events, key=lambda ie: (ie[1].date, ie[1].id)):
        if e.type == "response" and e.answers is not None:
            responses.setdefault(e.answers, e)
    cases = []
    for rule in rs.deadlines:
        days = rule.working_days(as_of)
        for _, trigger in sorted(events, key=lambda ie: (ie[1].date, ie[1].id)):
            if trigger.type == rule.trigger:
                due = add_working_days(trigger.date, days)
                cases.append(DeadlineCase(rule, trigger, due, responses.get(trigger.id)))
    return tuple(cases)


def derive(rs: CompiledRuleset, facts: Facts, as_of: date) -> Derived:
    """Everything the engines compare, for one subject on one day."""
    events = _events(facts, as_of)
    by_type: dict[str, list[tuple[int, Event]]] | None = None
    if events is not None:
        by_type = {}
        for pair in events:
            by_type.setdefault(pair[1].type, []).append(pair)
    values: list[int | None] = []
    thresholds: list[int] = []
    evidence: list[tuple[str, ...]] = []
    missing: list[tuple[str, ...]] = []
    for leaf in rs.leaves:
        threshold = leaf.threshold(as_of)
        value, ev, miss = derive_leaf(leaf, facts, by_type, threshold, rs, as_of)
        values.append(value)
        thresholds.append(threshold)
        evidence.append(ev)
        missing.append(miss)
    if not rs.deadlines:
        cases: tuple[DeadlineCase, ...] | None = ()
    elif events is None:
        cases = None
    else:
        cases = _deadline_cases(rs, events, as_of)
    rank = {e.id: n for n, (_, e) in enumerate(sorted(events or (), key=lambda ie: (ie[1].date, ie[1].id)))}
    return Derived(as_of, tuple(values), tuple(thresholds), tuple(evidence), tuple(missing), cases, rank)
