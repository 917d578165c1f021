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

    __slots__ = ("_positions", "as_of", "events", "facts", "selections", "subject")

    def __init__(self, facts: dict[str, Any], as_of: date) -> None:
        self.facts = facts
        self._positions: dict[str, int] | None = None
        # What ``EventCount.select`` found, by filter and start: an amount or follows leaf selects
        # when derived and again when explained.
        self.selections: dict[tuple[EventCount, date | None], Selection] = {}
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
                    else:
                        bucket = by_act.get(act)
                        if bucket is None:
                            by_act[act] = [e]
                        else:
                            bucket.append(e)
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
_ACT: tuple[str, ...] = ("act",)
_GRADE: tuple[str, ...] = ("grade",)
_ACT_GRADE: tuple[str, ...] = ("act", "grade")
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


@dataclass(frozen=True, slots=True, eq=False)  # hashed by identity: a cheap key of Subject.selections
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

    def gather(self, s: Subject) -> tuple[list[EventData], list[EventData]] | None:
        """The subject's events of these types with one of the acts (any act when ``acts`` is None), and
        those lacking an act the leaf filters on (possibly counted); None when the facts say nothing
        about events. Whole index buckets are added at a time: most hold a single event."""
        index = s.events
        if index is None:
            return None
        known: list[EventData] = []
        unknown: list[EventData] = []
        acts, distinct = self.acts, self.distinct_acts
        for t in self.types:
            by_act = index.get(t)
            if by_act is None:
                continue
            if acts is None:
                for bucket in by_act.values():
                    known += bucket
            elif distinct is not None and len(by_act) < len(distinct):
                for act, bucket in by_act.items():
                    if act is None:  # events without an act may be of any act
                        unknown += bucket
                    elif act in distinct:
                        known += bucket
            else:
                for act in acts:
                    listed = by_act.get(act)
                    if listed is not None:
                        known += listed
                without = by_act.get(None)  # events without an act may be of any act
                if without is not None:
                    unknown += without
        return known, unknown

    def counts(self, s: Subject, start: date | None) -> tuple[int, int] | None:
        """How many events surely count and how many at most (None: events unknown)."""
        found = self.gather(s)
        if found is None:
            return None
        sure, maybe = count_bucket(found[0], start, self.grades)
        act_sure, act_maybe = count_bucket(found[1], start, self.grades)
        return sure, sure + maybe + act_sure + act_maybe

    def __call__(self, s: Subject, threshold: int, start: date | None) -> int | None:
        found = self.counts(s, start)
        return None if found is None else decided(found[0], found[1], threshold)

    def select(self, s: Subject, start: date | None) -> Selection | None:
        """The events that surely count and those that possibly do, with the attributes they lack
        (None: events unknown). Worked out once per subject; callers must not change the lists."""
        if s.events is None:
            return None
        selected = s.selections.get((self, start))
        if selected is None:
            selected = s.selections[self, start] = self._select(s, start)
        return selected

    def _select(self, s: Subject, start: date | None) -> Selection:
        known, unknown = self.gather(s) or ([], [])
        if start is not None:
            known = [e for e in known if e["date"] >= start]
            unknown = [e for e in unknown if e["date"] >= start] if unknown else unknown
        grades = self.grades
        if grades is None:
            return known, [(e, _ACT) for e in unknown]
        sure: list[EventData] = []
        possible: Possible = []
        for e in known:
            grade = e.get("grade")
            if grade is None:
                possible.append((e, _GRADE))
            elif grade in grades:
                sure.append(e)
        for e in unknown:
            grade = e.get("grade")
            if grade is None:
                possible.append((e, _ACT_GRADE))
            elif grade in grades:
                possible.append((e, _ACT))
        return sure, possible

    def explain(self, s: Subject, threshold: int, start: date | None) -> Explanation:
        """The counted events when the outcome is settled, else the absent attributes that leave it open."""
        if s.events is None:
            return (), (), EVENTS
        # Not kept in Subject.selections: a report explains a leaf once, and the value never selected.
        sure, possible = self._select(s, start)
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
