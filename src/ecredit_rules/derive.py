"""Derivation: from validated facts and an evaluation date to the numbers the rules compare.

Each leaf of the compiled ruleset gets a value (an integer, or ``None`` when the facts do not
say; its condition kind says how, ``conditions/``) and the threshold in force on ``as_of``.
Amounts become integer fen; dates never enter the engines. What made a value (the evidence)
and which absent facts left it unknown are only needed for the verdicts a report shows, so
``Derived`` works them out when asked.

Every leaf is turned into small functions once per ruleset, and everything that depends only
on the rule file and the day (thresholds, window starts) is worked out once per day, so a
subject costs only the work its own facts need.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import add_working_days, window_start
from .ir import ArtefactKey, CompiledRuleset, DeadlineIR
from .logic import FALSE, TRUE, UNKNOWN
from .subject import EVENT_ORDER, EventData, Explanation, Subject

__all__ = ["EVENT_ORDER", "DeadlineCase", "Derivation", "Derived", "EventData", "Explanation", "Subject", "derive"]


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


@dataclass(frozen=True, slots=True)
class _Day:
    """What depends only on the ruleset and the evaluation day."""

    thresholds: tuple[int, ...]
    starts: tuple[date | None, ...]  # first day each leaf counts events from (None: no limit)
    deadline_days: tuple[int, ...]


class Derivation:
    """The leaf functions of one ruleset, built once, and its per-day constants."""

    _DAYS_KEPT = 256  # evaluation days remembered; a service mostly asks about today

    def __init__(self, rs: CompiledRuleset) -> None:
        self.rs = rs
        # Each kind builds its leaves' functions (conditions/): every leaf of a loaded ruleset has one.
        compiled = [leaf.kind.derive(leaf.spec, rs.parameters) for leaf in rs.leaves]
        self.values = tuple(value for value, _ in compiled)
        self.explains = tuple(explain for _, explain in compiled)
        self.ge = tuple(leaf.op == "ge" for leaf in rs.leaves)  # else "lt"
        self._windows = tuple(leaf.window for leaf in rs.leaves)
        self._days: dict[date, _Day] = {}
        self._lock = threading.Lock()

    def day(self, as_of: date) -> _Day:
        found = self._days.get(as_of)
        if found is None:
            found = _Day(
                tuple(leaf.threshold(as_of) for leaf in self.rs.leaves),
                tuple(
                    _first_counted(None if months is None else window_start(as_of, months(as_of)), leaf.since)
                    for months, leaf in zip(self._windows, self.rs.leaves, strict=True)
                ),
                tuple(rule.working_days(as_of) for rule in self.rs.deadlines),
            )
            with self._lock:
                if len(self._days) >= self._DAYS_KEPT:
                    self._days.clear()
                self._days[as_of] = found
        return found


DERIVATION = ArtefactKey("derive", Derivation)


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
        self.values: tuple[int | None, ...] = values if values is not None else tuple(
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
