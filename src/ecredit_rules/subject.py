"""One subject's facts as condition kinds read them, and the readers kinds share.

A leaf of the compiled ruleset is derived by two functions its condition kind builds once per
ruleset (``conditions/``): a value function giving the number the leaf compares (``None``:
unknown) and an explanation function giving its evidence and the facts whose absence left it
unknown. Both read a ``Subject``. The readers below are what most kinds are made of.

The two commonest leaves are data rather than closures: ``FactValue`` (one fact tested) and
``EventCount`` (events of some types, acts and grades counted). Called, each is its leaf's value
function, and ``derive.Derivation`` reads them to derive all such leaves of a subject in bulk: the
fact leaves in one loop, the counts in one pass over the subject's events (``derive.CountingPlan``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter, methodcaller
from typing import Any

Evidence = tuple[str, ...]
EventData = dict[str, Any]  # one event of ``facts.facts_data``: absent keys are unknown


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


def fen(amount: Decimal) -> int:
    # Floor keeps "amount ≥ threshold" exact against a threshold rounded up to whole fen; amounts
    # are never negative, so int()'s truncation is the floor.
    return int(amount * 100)


# ----------------------------------------------------------------------------------- facts
@dataclass(frozen=True, slots=True)
class FactValue:
    """A leaf over one fact, ``facts[part][key]`` (``facts[part]`` when ``key`` is None): unknown
    when absent, else ``int(test(fact))``.

    Data rather than a closure, so that ``derive.Derivation`` reads every fact leaf of a subject in
    one loop; called, it is the leaf's value function.
    """

    part: str
    key: str | None
    test: Callable[[Any], Any]
    paths: Evidence = field(init=False, repr=False, compare=False)  # the fact's path, as evidence or missing

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", (self.part if self.key is None else f"{self.part}.{self.key}",))

    @property
    def path(self) -> str:
        """The fact's path (``compliance.no_spam``; ``platform_systems`` for a whole part)."""
        return self.paths[0]

    def read(self, s: Subject) -> Any:
        found = s.facts.get(self.part)
        return found if found is None or self.key is None else found.get(self.key)

    def __call__(self, s: Subject, _threshold: int, _start: date | None) -> int | None:
        found = self.read(s)
        return None if found is None else int(self.test(found))

    def explain(self, s: Subject, _threshold: int, _start: date | None) -> Explanation:
        """No events; the fact's path as evidence, or as missing when the facts lack it."""
        return ((), (), self.paths) if self.read(s) is None else ((), self.paths, ())


def known_fact(part: str, key: str | None, test: Callable[[Any], Any]) -> tuple[ValueFn, ExplainFn]:
    """A leaf over the fact ``facts[part][key]`` (``FactValue``).

    ``test`` is best a builtin (a bound ``__contains__``, ``partial(operator.eq, …)``): a leaf
    is derived for every subject, and a builtin costs no Python frame.
    """
    fact = FactValue(part, key, test)
    return fact, fact.explain


def holds(item: Any) -> Callable[[Any], bool]:
    """``collection -> item in collection``, as a builtin."""
    return methodcaller("__contains__", item)


# ---------------------------------------------------------------------------------- events
EVENTS: Evidence = ("events",)


# An event attribute a condition filters on (act, grade) is unknown when absent (CONTRACT §3): such
# an event may or may not count. A selection keeps the events that surely count apart from those
# that possibly count, with the attributes they lack; a leaf is then unknown exactly when the
# possible events could still change its outcome.
Possible = list[tuple[EventData, tuple[str, ...]]]  # an event and the filtered attributes it lacks
Selection = tuple[list[EventData], Possible]  # (surely counted, possibly counted)


def selector(
    types: Sequence[str], acts: Sequence[str] | None, grades: Sequence[str] | None = None
) -> Callable[[Subject, date | None], Selection | None]:
    """The subject's events of these types dated from ``start``, sure and possible (None: events unknown)."""
    return EventCount(
        tuple(types), None if acts is None else tuple(acts), None if grades is None else frozenset(grades)
    ).select


def count_bucket(bucket: list[EventData], start: date | None, grades: frozenset[str] | None) -> tuple[int, int]:
    """How many events of one index bucket, dated from ``start``, surely and possibly have one of ``grades``
    (None: any grade); an event lacking a grade possibly has it."""
    if grades is None:
        if start is None:
            return len(bucket), 0
        dated = 0
        for e in bucket:
            if e["date"] >= start:
                dated += 1
        return dated, 0
    sure = maybe = 0
    for e in bucket:
        if start is not None and e["date"] < start:
            continue
        grade = e.get("grade")
        if grade is None:
            maybe += 1
        elif grade in grades:
            sure += 1
    return sure, maybe


@dataclass(frozen=True, slots=True)
class EventCount:
    """An ``events`` leaf: the subject's events of ``types``, of ``acts`` (None: any act) and ``grades``
    (None: any grade), counted from the leaf's start; called, it is the leaf's value function.

    ``types`` and ``acts`` keep the order and any repetition written in the rule (a repeated type
    counts its events twice, as it always has). Data rather than a closure, so that
    ``derive.Derivation`` counts every ``events`` leaf of a subject in one pass over its events.
    """

    types: tuple[str, ...]
    acts: tuple[str, ...] | None
    grades: frozenset[str] | None
    # The acts as a set when none repeats: a subject's few acts are then looked up in it rather than
    # each of a long list in the subject's index.
    distinct_acts: frozenset[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        distinct = None if self.acts is None else frozenset(self.acts)
        repeated = distinct is None or len(distinct) != len(self.acts or ())
        object.__setattr__(self, "distinct_acts", None if repeated else distinct)

    def buckets(self, s: Subject) -> list[tuple[list[EventData], bool]] | None:
        """The subject's index buckets this leaf counts, each with whether its events lack the act the
        leaf filters on (possibly counted); None when the facts say nothing about events."""
        index = s.events
        if index is None:
            return None
        found: list[tuple[list[EventData], bool]] = []
        for t in self.types:
            by_act = index.get(t)
            if by_act is None:
                continue
            if self.acts is None:
                found += [(bucket, False) for bucket in by_act.values()]
                continue
            if self.distinct_acts is not None and len(by_act) < len(self.distinct_acts):
                for act, listed in by_act.items():
                    if act is None:  # events without an act may be of any act
                        found.append((listed, True))
                    elif act in self.distinct_acts:
                        found.append((listed, False))
                continue
            for act in self.acts:
                bucket = by_act.get(act)
                if bucket is not None:
                    found.append((bucket, False))
            unknown_act = by_act.get(None)  # events without an act may be of any act
            if unknown_act is not None:
                found.append((unknown_act, True))
        return found

    def counts(self, s: Subject, start: date | None) -> tuple[int, int] | None:
        """How many events surely count and how many at most (None: events unknown)."""
        found = self.buckets(s)
        if found is None:
            return None
        low = high = 0
        for bucket, act_unknown in found:
            sure, maybe = count_bucket(bucket, start, self.grades)
            high += sure + maybe
            if not act_unknown:
                low += sure
        return low, high

    def __call__(self, s: Subject, threshold: int, start: date | None) -> int | None:
        found = self.counts(s, start)
        return None if found is None else decided(found[0], found[1], threshold)

    def select(self, s: Subject, start: date | None) -> Selection | None:
        """The events that surely count and those that possibly do, with the attributes they lack."""
        found = self.buckets(s)
        if found is None:
            return None
        grades = self.grades
        sure: list[EventData] = []
        possible: Possible = []
        for bucket, act_unknown in found:
            if grades is None:  # the usual case, in list comprehensions
                dated = bucket if start is None else [e for e in bucket if e["date"] >= start]
                if act_unknown:
                    possible += [(e, ("act",)) for e in dated]
                else:
                    sure += dated
                continue
            for e in bucket:
                if start is not None and e["date"] < start:
                    continue
                lacking: tuple[str, ...] = ("act",) if act_unknown else ()
                grade = e.get("grade")
                if grade is None:
                    lacking += ("grade",)
                elif grade not in grades:
                    continue
                if lacking:
                    possible.append((e, lacking))
                else:
                    sure.append(e)
        return sure, possible

    def explain(self, s: Subject, threshold: int, start: date | None) -> Explanation:
        """The counted events when the outcome is settled, else the absent attributes that leave it open."""
        found = self.select(s, start)
        if found is None:
            return (), (), EVENTS
        sure, possible = found
        if decided(len(sure), len(sure) + len(possible), threshold) is None:
            return (), (), missing_paths(s, possible)
        return tuple(sure), (), ()


def missing_paths(s: Subject, possible: Possible, extra: str | None = None) -> Evidence:
    """``events[i].act`` and the like: the absent attributes that leave a leaf unknown."""
    out: list[str] = []
    for e, lacking in possible:
        position = s.position(e["id"])
        out += [f"events[{position}].{name}" for name in lacking]
        if extra is not None and e.get(extra) is None:
            out.append(f"events[{position}].{extra}")
    return tuple(out)


def decided(low: int, high: float, threshold: int) -> int | None:
    """``low`` when the outcome of ``≥ threshold`` is settled whatever the unknowns are, else None."""
    return low if low >= threshold or high < threshold else None
