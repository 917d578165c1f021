"""Derivation: from validated facts and an evaluation date to the numbers the rules compare.

Each leaf of the compiled ruleset gets a value (an integer, or ``None`` when the facts do not
say) and the threshold in force on ``as_of``. Amounts become integer fen; dates never enter the
engines. What made a value (the evidence) and which absent facts left it unknown are only
needed for the verdicts a report shows, so ``Derived`` works them out when asked.

Every leaf is turned into small functions once per ruleset, and everything that depends only
on the rule file and the day (thresholds, window starts) is worked out once per day, so a
subject costs only the work its own facts need.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from operator import eq, is_, itemgetter, methodcaller
from typing import Any

from . import language as L
from .dates import add_working_days, window_start
from .ir import FALSE, TRUE, UNKNOWN, CompiledRuleset, DeadlineIR, Leaf, threshold_fn

Evidence = tuple[str, ...]
EventData = dict[str, Any]  # one event of ``facts.facts_data``: absent keys are unknown


@dataclass(frozen=True, slots=True)
class DeadlineCase:
    rule: DeadlineIR
    trigger: EventData
    working_days: int  # the rule's period on as_of
    due: date
    answer: EventData | None  # the earliest response to the trigger dated on or before as_of


class Subject:
    """One subject's facts as the leaf functions read them, indexed once."""

    __slots__ = ("_positions", "as_of", "events", "facts", "subject")

    def __init__(self, facts: dict[str, Any], as_of: date) -> None:
        self.facts = facts
        self._positions: dict[str, int] | None = None
        self.subject: dict[str, Any] = facts["subject"]
        self.as_of = as_of
        # Events dated on or before as_of (later ones are ignored everywhere, CONTRACT §4) by
        # type, then act; None when the facts say nothing about events.
        self.events: dict[str, dict[str | None, list[EventData]]] | None = None
        events = facts.get("events")
        if events is not None:
            index: dict[str, dict[str | None, list[EventData]]] = {}
            for e in events:
                if e["date"] <= as_of:
                    act = e.get("act")
                    by_act = index.get(e["type"])
                    if by_act is None:
                        index[e["type"]] = {act: [e]}
                    elif act in by_act:
                        by_act[act].append(e)
                    else:
                        by_act[act] = [e]
            self.events = index

    def of_type(self, event_type: str) -> list[EventData]:
        """The events of one type, in date order (then id)."""
        by_act = (self.events or {}).get(event_type, {})
        return sorted((e for bucket in by_act.values() for e in bucket), key=EVENT_ORDER)

    def position(self, event_id: str) -> int:
        """Where an event stands in the facts' ``events`` list, to name it by its path."""
        # Indexed on first use (only reports of unknown amounts ask): scanning the list for each
        # unknown event would make a report quadratic in events.
        if self._positions is None:
            self._positions = {e["id"]: i for i, e in enumerate(self.facts["events"])}
        return self._positions[event_id]


EVENT_ORDER = itemgetter("date", "id")  # the order events are listed in: by date, then id

# What a leaf's functions return. A value function gives the number (None: unknown); an
# explanation function gives the evidence (events, or fact paths) and the fact paths whose
# absence left the value unknown.
Explanation = tuple[tuple[EventData, ...], Evidence, Evidence]
ValueFn = Callable[[Subject, int, date | None], int | None]
ExplainFn = Callable[[Subject, int, date | None], Explanation]


def _fen(amount: Decimal) -> int:
    # Floor keeps "amount ≥ threshold" exact against a threshold rounded up to whole fen; amounts
    # are never negative, so int()'s truncation is the floor.
    return int(amount * 100)


# ----------------------------------------------------------------------------------- facts
def _known(path: str, read: Callable[[Subject], Any], test: Callable[[Any], Any]) -> tuple[ValueFn, ExplainFn]:
    """A leaf over one fact: unknown when ``read`` gives None, else ``test`` of what it read.

    ``test`` is best a builtin (a bound ``__contains__``, ``partial(operator.eq, …)``): a leaf
    is derived for every subject, and a builtin costs no Python frame.
    """
    paths: Evidence = (path,)

    def value(s: Subject, _threshold: int, _start: date | None) -> int | None:
        found = read(s)
        return None if found is None else int(test(found))

    def explain(s: Subject, _threshold: int, _start: date | None) -> Explanation:
        return ((), (), paths) if read(s) is None else ((), paths, ())

    return value, explain


def _part(name: str, key: str) -> Callable[[Subject], Any]:
    """Reader of ``facts[name][key]`` (None when either is absent)."""

    def read(s: Subject) -> Any:
        part = s.facts.get(name)
        return None if part is None else part.get(key)

    return read


def _subject_field(name: str) -> Callable[[Subject], Any]:
    return lambda s: s.subject.get(name)


def _holds(item: Any) -> Callable[[Any], bool]:
    """``collection -> item in collection``, as a builtin."""
    return methodcaller("__contains__", item)


# ---------------------------------------------------------------------------------- events
_EVENTS: Evidence = ("events",)


def _gather(types: list[str], acts: list[str] | None) -> Callable[[Subject], list[EventData] | None]:
    """The subject's events of these types and acts (any act when ``acts`` is None), up to as_of."""
    wanted_types = tuple(types)
    wanted_acts = tuple(acts) if acts is not None else None

    def gather(s: Subject) -> list[EventData] | None:
        index = s.events
        if index is None:
            return None
        chosen: list[EventData] = []
        for t in wanted_types:
            by_act = index.get(t)
            if by_act is None:
                continue
            if wanted_acts is None:
                for bucket in by_act.values():
                    chosen += bucket
            else:
                for act in wanted_acts:
                    bucket = by_act.get(act)
                    if bucket is not None:
                        chosen += bucket
        return chosen

    return gather


def _selector(
    types: list[str], acts: list[str] | None, grades: list[str] | None = None
) -> Callable[[Subject, date | None], list[EventData] | None]:
    """The subject's events of these types and acts dated from ``start`` (None: events unknown)."""
    gather = _gather(types, acts)
    wanted_grades = frozenset(grades) if grades is not None else None

    def select(s: Subject, start: date | None) -> list[EventData] | None:
        chosen = gather(s)
        if chosen is None:
            return None
        return [
            e
            for e in chosen
            if (start is None or e["date"] >= start) and (wanted_grades is None or e.get("grade") in wanted_grades)
        ]

    return select


def _events_leaf(spec: L.Events) -> tuple[ValueFn, ExplainFn]:
    body = spec.events
    gather = _gather(body.types, body.acts)
    select = _selector(body.types, body.acts, body.grades)
    grades = frozenset(body.grades) if body.grades is not None else None

    def value(s: Subject, _threshold: int, start: date | None) -> int | None:
        # Counted in a loop rather than through ``select``: this runs for every subject.
        chosen = gather(s)
        if chosen is None:
            return None
        if start is None and grades is None:
            return len(chosen)
        count = 0
        for e in chosen:
            if (start is None or e["date"] >= start) and (grades is None or e.get("grade") in grades):
                count += 1
        return count

    def explain(s: Subject, _threshold: int, start: date | None) -> Explanation:
        chosen = select(s, start)
        return ((), (), _EVENTS) if chosen is None else (tuple(chosen), (), ())

    return value, explain


def _amount_leaf(spec: L.Amount) -> tuple[ValueFn, ExplainFn]:
    body = spec.amount
    select = _selector(body.types, body.acts)
    field = body.field
    single = body.aggregate == "single"

    def amounts(s: Subject, start: date | None) -> tuple[list[tuple[EventData, int]], list[EventData]] | None:
        chosen = select(s, start)
        if chosen is None:
            return None
        known = [(e, _fen(e[field])) for e in chosen if e.get(field) is not None]
        unknown = [e for e in chosen if e.get(field) is None]
        return known, unknown

    def value(s: Subject, threshold: int, start: date | None) -> int | None:
        found = amounts(s, start)
        if found is None:
            return None
        known, unknown = found
        if single:
            best = max((fen for _, fen in known), default=0)
            # An unknown amount could still reach the threshold.
            return None if unknown and best < threshold else best
        total = sum(fen for _, fen in known)
        return None if unknown and total < threshold else total

    def explain(s: Subject, threshold: int, start: date | None) -> Explanation:
        found = amounts(s, start)
        if found is None:
            return (), (), _EVENTS
        known, unknown = found
        if single:
            evidence = tuple(e for e, fen in known if fen >= threshold)
            reached = bool(evidence)
        else:
            evidence = tuple(e for e, _ in known)
            reached = sum(fen for _, fen in known) >= threshold
        if unknown and not reached:
            return (), (), tuple(f"events[{s.position(e['id'])}].{field}" for e in unknown)
        return evidence, (), ()

    return value, explain


def compile_leaf(leaf: Leaf) -> tuple[ValueFn, ExplainFn]:
    """The functions that derive ``leaf`` for a subject: its value, and its evidence or missing facts."""
    spec = leaf.spec
    if isinstance(spec, L.RoleIs):
        return _known("subject.roles", _subject_field("roles"), _holds(spec.role))
    if isinstance(spec, L.LegalFormIn):
        return _known("subject.legal_form", _subject_field("legal_form"), frozenset(spec.legal_form).__contains__)
    if isinstance(spec, L.LicensedIs):
        return _known("subject.licensed", _subject_field("licensed"), partial(eq, spec.licensed))
    if isinstance(spec, L.OnList):
        return _known("subject.lists", _subject_field("lists"), _holds(spec.on_list))
    if isinstance(spec, L.Met | L.Breached):
        met = isinstance(spec, L.Met)
        code = spec.met if isinstance(spec, L.Met) else spec.breached
        return _known(f"compliance.{code}", _part("compliance", code), partial(is_, met))
    if isinstance(spec, L.Retention):
        record = spec.retention.record
        return _known(f"retention_days.{record}", _part("retention_days", record), int)
    if isinstance(spec, L.HasSystem | L.LacksSystem):
        read_systems: Callable[[Subject], Any] = lambda s: s.facts.get("platform_systems")  # noqa: E731
        if isinstance(spec, L.HasSystem):
            return _known("platform_systems", read_systems, _holds(spec.has_system))
        lacking = spec.lacks_system
        return _known("platform_systems", read_systems, lambda systems: lacking not in systems)
    if isinstance(spec, L.AssessmentIn):
        name = spec.assessment.field
        return _known(f"assessment.{name}", _part("assessment", name), tuple(spec.assessment.in_).__contains__)
    if isinstance(spec, L.Events):
        return _events_leaf(spec)
    if isinstance(spec, L.Amount):
        return _amount_leaf(spec)
    raise TypeError(f"no derivation for condition {type(spec).__name__}")


def _window(leaf: Leaf) -> Any:
    spec = leaf.spec
    body = spec.events if isinstance(spec, L.Events) else spec.amount if isinstance(spec, L.Amount) else None
    return None if body is None else body.within_months


@dataclass(frozen=True, slots=True)
class _Day:
    """What depends only on the ruleset and the evaluation day."""

    thresholds: tuple[int, ...]
    starts: tuple[date | None, ...]  # first day of each leaf's window (None: no window)
    deadline_days: tuple[int, ...]


class Derivation:
    """The leaf functions of one ruleset, built once, and its per-day constants."""

    _DAYS_KEPT = 256  # evaluation days remembered; a service mostly asks about today

    def __init__(self, rs: CompiledRuleset) -> None:
        self.rs = rs
        compiled = [compile_leaf(leaf) for leaf in rs.leaves]
        self.values = tuple(value for value, _ in compiled)
        self.explains = tuple(explain for _, explain in compiled)
        self.ge = tuple(leaf.op == "ge" for leaf in rs.leaves)  # else "lt"
        self._windows = tuple(
            None if (months := _window(leaf)) is None else threshold_fn(months, rs.parameters) for leaf in rs.leaves
        )
        self._days: dict[date, _Day] = {}
        self._lock = threading.Lock()

    def day(self, as_of: date) -> _Day:
        found = self._days.get(as_of)
        if found is None:
            found = _Day(
                tuple(leaf.threshold(as_of) for leaf in self.rs.leaves),
                tuple(None if months is None else window_start(as_of, months(as_of)) for months in self._windows),
                tuple(rule.working_days(as_of) for rule in self.rs.deadlines),
            )
            with self._lock:
                if len(self._days) >= self._DAYS_KEPT:
                    self._days.clear()
                self._days[as_of] = found
        return found


class Derived:
    """The derived values of one subject on one day; evidence and missing facts on demand."""

    __slots__ = ("_day", "_program", "_truths", "as_of", "deadlines", "subject", "values")

    def __init__(self, program: Derivation, subject: Subject, as_of: date) -> None:
        self._program = program
        self.subject = subject
        self.as_of = as_of
        self._day = day = program.day(as_of)
        self.values: tuple[int | None, ...] = tuple(
            fn(subject, threshold, start)
            for fn, threshold, start in zip(program.values, day.thresholds, day.starts, strict=True)
        )
        self.deadlines: tuple[DeadlineCase, ...] | None = _deadline_cases(program.rs, subject, day)
        self._truths: list[int] | None = None

    @property
    def thresholds(self) -> tuple[int, ...]:
        return self._day.thresholds

    def truths(self) -> list[int]:
        """Each leaf's Kleene truth: its value against its threshold, unknown without a value."""
        if self._truths is None:
            self._truths = [
                UNKNOWN if v is None else (TRUE if (v >= t if ge else v < t) else FALSE)
                for v, t, ge in zip(self.values, self._day.thresholds, self._program.ge, strict=True)
            ]
        return self._truths

    def explain(self, index: int) -> Explanation:
        """Leaf ``index``'s evidence (events, or fact paths) and the fact paths it lacks."""
        return self._program.explains[index](self.subject, self._day.thresholds[index], self._day.starts[index])


def _deadline_cases(rs: CompiledRuleset, s: Subject, day: _Day) -> tuple[DeadlineCase, ...] | None:
    if not rs.deadlines:
        return ()
    if s.events is None:
        return None  # the ruleset has deadlines but the facts say nothing about events
    triggered = [(rule, days, trigger) for rule, days in zip(rs.deadlines, day.deadline_days, strict=True)
                 for trigger in s.of_type(rule.trigger)]
    if not triggered:
        return ()
    responses: dict[str, EventData] = {}
    for e in s.of_type("response"):  # in date order: the earliest answer counts
        if e.get("answers") is not None:
            responses.setdefault(e["answers"], e)
    return tuple(
        DeadlineCase(rule, trigger, days, add_working_days(trigger["date"], days), responses.get(trigger["id"]))
        for rule, days, trigger in triggered
    )


def derive(rs: CompiledRuleset, facts: dict[str, Any], as_of: date) -> Derived:
    """Everything the engines compare, for one subject (``facts.facts_data``) on one day."""
    program = rs.engine_artefact("derive", lambda: Derivation(rs))
    assert isinstance(program, Derivation)
    return Derived(program, Subject(facts, as_of), as_of)
