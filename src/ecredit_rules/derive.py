"""Derivation: from validated facts and an evaluation date to the numbers the rules compare.

Each leaf of the compiled ruleset gets a value (an integer, or ``None`` when the facts do not
say; its condition kind says how, ``conditions/``) and the threshold in force on ``as_of``.
Amounts become integer fen; dates never enter the engines. What made a value (the evidence)
and which absent facts left it unknown are only needed for the verdicts a report shows, so
``Derived`` works them out when asked.

Every leaf is turned into small functions once per ruleset, and everything that depends only
on the rule file and the day (thresholds, window starts) is worked out once per day, so a
subject costs only the work its own facts need. Most leaves are data rather than functions
(``subject.FactValue``, ``subject.EventCount``): the fact leaves of a subject are read in one
loop, and its ``events`` leaves are all counted in one pass over its events (``CountingPlan``)
instead of each gathering them again; only the other leaves (amounts, ``follows``) call their
own function.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import add_working_days, window_start
from .ir import ArtefactKey, CompiledRuleset, DayKey, DeadlineIR
from .logic import FALSE, TRUE, UNKNOWN
from .subject import EVENT_ORDER, EventCount, EventData, Explanation, FactValue, Subject

__all__ = [
    "EVENT_ORDER", "CountingPlan", "DeadlineCase", "Derivation", "Derived", "EventData", "Explanation", "Subject",
    "derive",
]


@dataclass(frozen=True, slots=True)
class DeadlineCase:
    rule: DeadlineIR
    trigger: EventData
    working_days: int  # the rule's period on as_of
    due: date
    answer: EventData | None  # the earliest response to the trigger dated on or before as_of


def _first_counted(window: date | None, since: date | None) -> date | None:
    """The first day a leaf counts events from: its window's start or the period of force's, the later."""
    if window is None or since is None:
        return window or since
    return max(window, since)


# One count over an index bucket, shared by the counters that count from the same day with the same
# grades: (start, grades, counters the bucket's events surely match the act of, counters whose act
# they lack).
_Group = tuple[date | None, frozenset[str] | None, tuple[int, ...], tuple[int, ...]]


class CountingPlan:
    """Where each event of a subject counts, for every ``events`` leaf of a ruleset on one day.

    Leaves with the same filter and the same first counted day share one counter (they differ
    only by threshold). A subject's events are indexed by (type, act) (``Subject.events``); the
    plan maps each such bucket to the groups of counters it counts for, so one pass over the
    buckets counts every leaf: each group counts the bucket once (from its start, by its grades)
    and adds that to its counters. An event lacking the act a leaf filters on (the bucket of act
    None) only possibly counts for it (CONTRACT §3), so it raises that counter's upper count
    alone; a bucket whose act no leaf names counts only for the leaves of any act (``any_act``).
    """

    __slots__ = ("any_act", "by_act", "counters", "leaves")

    def __init__(self, counts: dict[int, EventCount], starts: tuple[date | None, ...]) -> None:
        # A counter per distinct (types, acts, grades, start).
        counters: dict[tuple[Any, ...], int] = {}
        leaves: list[tuple[int, int]] = []
        # (type, act) → {(start, grades): (counters sure of the act, counters unsure of it)}; a filter
        # repeating a type or an act is listed (and counts the bucket) once per repetition.
        specific: dict[tuple[str, str | None], dict[Any, tuple[list[int], list[int]]]] = {}
        any_act: dict[str, dict[Any, tuple[list[int], list[int]]]] = {}
        for index, count in counts.items():
            start = starts[index]
            same = (count.types, count.acts, count.grades, start)
            counter = counters.get(same)
            if counter is not None:
                leaves.append((index, counter))
                continue
            counter = counters[same] = len(counters)
            leaves.append((index, counter))
            key = (start, count.grades)
            for t in count.types:
                if count.acts is None:
                    any_act.setdefault(t, {}).setdefault(key, ([], []))[0].append(counter)
                    continue
                for act in count.acts:
                    specific.setdefault((t, act), {}).setdefault(key, ([], []))[0].append(counter)
                specific.setdefault((t, None), {}).setdefault(key, ([], []))[1].append(counter)
        # A bucket some leaf names by its act also counts for that type's leaves of any act.
        for (t, _), groups in specific.items():
            for key, (known, unknown) in any_act.get(t, {}).items():
                merged = groups.setdefault(key, ([], []))
                merged[0].extend(known)
                merged[1].extend(unknown)

        def frozen(groups: dict[Any, tuple[list[int], list[int]]]) -> tuple[_Group, ...]:
            return tuple((start, grades, tuple(k), tuple(u)) for (start, grades), (k, u) in groups.items())

        self.by_act: dict[tuple[str, str | None], tuple[_Group, ...]] = {k: frozen(g) for k, g in specific.items()}
        self.any_act: dict[str, tuple[_Group, ...]] = {t: frozen(g) for t, g in any_act.items()}
        self.counters = len(counters)
        self.leaves = tuple(leaves)  # (leaf index, its counter), in leaf order

    def count(self, s: Subject) -> tuple[list[int], list[int]] | None:
        """Each counter's sure and upper counts, or None when the facts say nothing about events."""
        index = s.events
        if index is None:
            return None
        low = [0] * self.counters
        high = [0] * self.counters
        by_act = self.by_act
        for t, buckets in index.items():
            others = self.any_act.get(t)
            for act, bucket in buckets.items():
                groups = by_act.get((t, act), others)
                if groups is None:
                    continue
                for start, grades, known, unknown in groups:
                    # subject.count_bucket, inline: a bucket mostly holds one event, a call would cost more
                    sure = maybe = 0
                    for e in bucket:
                        if start is not None and e["date"] < start:
                            continue
                        if grades is None:
                            sure += 1
                        else:
                            grade = e.get("grade")
                            if grade is None:
                                maybe += 1
                            elif grade in grades:
                                sure += 1
                    if sure or maybe:
                        for i in known:
                            low[i] += sure
                            high[i] += sure + maybe
                        for i in unknown:
                            high[i] += sure + maybe
        return low, high


@dataclass(frozen=True, slots=True)
class _Day:
    """What depends only on the ruleset and the evaluation day."""

    thresholds: tuple[int, ...]
    starts: tuple[date | None, ...]  # first day each leaf counts events from (None: no limit)
    deadline_days: tuple[int, ...]
    plan: CountingPlan


class Derivation:
    """The leaf functions of one ruleset, built once, and its per-day constants."""

    def __init__(self, rs: CompiledRuleset) -> None:
        self.rs = rs
        # Each kind builds its leaves' functions (conditions/): every leaf of a loaded ruleset has one.
        compiled = [leaf.kind.derive(leaf.spec, rs.parameters) for leaf in rs.leaves]
        self.values = tuple(value for value, _ in compiled)
        self.explains = tuple(explain for _, explain in compiled)
        # What Derived reads in bulk: fact leaves as (leaf, part, key, test), events leaves by the
        # day's plan; the rest call their own function.
        self.facts = tuple(
            (i, fn.part, fn.key, fn.test) for i, fn in enumerate(self.values) if isinstance(fn, FactValue)
        )
        self.counts = {i: fn for i, fn in enumerate(self.values) if isinstance(fn, EventCount)}
        self.others = tuple(
            (i, fn) for i, fn in enumerate(self.values) if not isinstance(fn, FactValue | EventCount)
        )
        self.ge = tuple(leaf.op == "ge" for leaf in rs.leaves)  # else "lt"
        self._windows = tuple(leaf.window for leaf in rs.leaves)

    def day(self, as_of: date) -> _Day:
        """The thresholds, window starts, deadline periods and counting plan on ``as_of``, worked out
        once per day (``CompiledRuleset.on_day``: a bounded cache of days)."""
        return self.rs.on_day(_DAYS, as_of)

    def _worked_out(self, as_of: date) -> _Day:
        starts = tuple(
            _first_counted(None if months is None else window_start(as_of, months(as_of)), leaf.since)
            for months, leaf in zip(self._windows, self.rs.leaves, strict=True)
        )
        return _Day(
            tuple(leaf.threshold(as_of) for leaf in self.rs.leaves),
            starts,
            tuple(rule.working_days(as_of) for rule in self.rs.deadlines),
            CountingPlan(self.counts, starts),
        )


DERIVATION = ArtefactKey("derive", Derivation)
_DAYS = DayKey("derive_days", lambda rs, as_of: rs.artefact(DERIVATION)._worked_out(as_of))


class Derived:
    """The derived values of one subject on one day; evidence and missing facts on demand."""

    __slots__ = ("_day", "_program", "_truths", "as_of", "deadlines", "subject", "values")

    def __init__(
        self, program: Derivation, subject: Subject, as_of: date, values: tuple[int | None, ...] | None = None
    ) -> None:
        """``values``: the leaves' values when another backend computed them (the columnar engine)."""
        self._program = program
        self.subject = subject
        self.as_of = as_of
        self._day = day = program.day(as_of)
        self.values: tuple[int | None, ...] = values if values is not None else _values(program, subject, day)
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


def _values(program: Derivation, subject: Subject, day: _Day) -> tuple[int | None, ...]:
    """Every leaf's value: fact leaves in one loop, ``events`` leaves in one pass, the rest one by one."""
    thresholds = day.thresholds
    values: list[int | None] = [None] * len(thresholds)
    facts = subject.facts
    for i, part, key, test in program.facts:
        found = facts.get(part)
        if found is not None and key is not None:
            found = found.get(key)
        if found is not None:
            values[i] = int(test(found))
    counted = day.plan.count(subject) if day.plan.leaves else None
    if counted is not None:  # else the events leaves stay unknown
        low, high = counted
        for i, counter in day.plan.leaves:
            # subject.decided, inline: settled when the sure count reaches the threshold or the upper one cannot
            threshold = thresholds[i]
            if low[counter] >= threshold or high[counter] < threshold:
                values[i] = low[counter]
    starts = day.starts
    for i, fn in program.others:
        values[i] = fn(subject, thresholds[i], starts[i])
    return tuple(values)


def _deadline_cases(rs: CompiledRuleset, s: Subject, day: _Day) -> tuple[DeadlineCase, ...] | None:
    if not rs.deadlines:
        return ()
    if s.events is None:
        return None  # the ruleset has deadlines but the facts say nothing about events
    # No retroactive effect (CONTRACT §4): a request made before the ruleset was in force started no
    # clock under it.
    first_day = rs.document.in_force.from_
    triggered = [(rule, days, trigger) for rule, days in zip(rs.deadlines, day.deadline_days, strict=True)
                 for trigger in s.of_type(rule.trigger) if trigger["date"] >= first_day]
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
    return Derived(rs.artefact(DERIVATION), Subject(facts, as_of), as_of)
