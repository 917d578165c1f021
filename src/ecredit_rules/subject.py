"""One subject's facts as condition kinds read them, and the readers kinds share.

A leaf of the compiled ruleset is derived by two functions its condition kind builds once per
ruleset (``conditions/``): a value function giving the number the leaf compares (``None``:
unknown) and an explanation function giving its evidence and the facts whose absence left it
unknown. Both read a ``Subject``. The readers below are what most kinds are made of.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
def known_fact(path: str, read: Callable[[Subject], Any], test: Callable[[Any], Any]) -> tuple[ValueFn, ExplainFn]:
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


def part_key(name: str, key: str) -> Callable[[Subject], Any]:
    """Reader of ``facts[name][key]`` (None when either is absent)."""

    def read(s: Subject) -> Any:
        part = s.facts.get(name)
        return None if part is None else part.get(key)

    return read


def subject_field(name: str) -> Callable[[Subject], Any]:
    return lambda s: s.subject.get(name)


def holds(item: Any) -> Callable[[Any], bool]:
    """``collection -> item in collection``, as a builtin."""
    return methodcaller("__contains__", item)


# ---------------------------------------------------------------------------------- events
EVENTS: Evidence = ("events",)


def gather_events(
    types: Sequence[str], acts: Sequence[str | None] | None
) -> Callable[[Subject], list[EventData] | None]:
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
                    found = by_act.get(act)
                    if found is not None:
                        chosen += found
        return chosen

    return gather


# An event attribute a condition filters on (act, grade) is unknown when absent (CONTRACT §3): such
# an event may or may not count. A selection keeps the events that surely count apart from those
# that possibly count, with the attributes they lack; a leaf is then unknown exactly when the
# possible events could still change its outcome.
Filters = tuple[tuple[str, frozenset[str]], ...]
Possible = list[tuple[EventData, tuple[str, ...]]]  # an event and the filtered attributes it lacks
Selection = tuple[list[EventData], Possible]  # (surely counted, possibly counted)


def filters_of(acts: Sequence[str] | None, grades: Sequence[str] | None) -> Filters:
    found: list[tuple[str, frozenset[str]]] = []
    if acts is not None:
        found.append(("act", frozenset(acts)))
    if grades is not None:
        found.append(("grade", frozenset(grades)))
    return tuple(found)


def lacking_of(e: EventData, filters: Filters) -> tuple[str, ...] | None:
    """The filtered attributes ``e`` lacks (empty: it surely counts), or None when one rules it out."""
    lacking: tuple[str, ...] = ()
    for name, allowed in filters:
        value = e.get(name)
        if value is None:
            lacking += (name,)
        elif value not in allowed:
            return None
    return lacking


def selector(
    types: Sequence[str], acts: Sequence[str] | None, grades: Sequence[str] | None = None
) -> Callable[[Subject, date | None], Selection | None]:
    """The subject's events of these types dated from ``start``, sure and possible (None: events unknown)."""
    # Events without an act may be of any act: the index keeps them under None, gathered with the rest.
    gather = gather_events(types, None if acts is None else [*acts, None])
    filters = filters_of(acts, grades)

    def select(s: Subject, start: date | None) -> Selection | None:
        chosen = gather(s)
        if chosen is None:
            return None
        if not filters:
            return (chosen if start is None else [e for e in chosen if e["date"] >= start]), []
        sure: list[EventData] = []
        possible: Possible = []
        for e in chosen:
            if start is None or e["date"] >= start:
                lacking = lacking_of(e, filters)
                if lacking == ():
                    sure.append(e)
                elif lacking is not None:
                    possible.append((e, lacking))
        return sure, possible

    return select


def counter(
    types: Sequence[str], acts: Sequence[str] | None, grades: Sequence[str] | None
) -> Callable[[Subject, date | None], tuple[int, int] | None]:
    """How many events surely count and how many at most, without building lists (runs for every subject)."""
    gather = gather_events(types, None if acts is None else [*acts, None])
    wanted_grades = frozenset(grades) if grades is not None else None
    act_filtered = acts is not None

    def count(s: Subject, start: date | None) -> tuple[int, int] | None:
        chosen = gather(s)
        if chosen is None:
            return None
        if start is None and wanted_grades is None and not act_filtered:
            return len(chosen), len(chosen)
        low = high = 0
        for e in chosen:
            if start is not None and e["date"] < start:
                continue
            unknown = act_filtered and e.get("act") is None  # gathered acts are the listed ones or None
            if wanted_grades is not None:
                grade = e.get("grade")
                if grade is None:
                    unknown = True
                elif grade not in wanted_grades:
                    continue
            high += 1
            if not unknown:
                low += 1
        return low, high

    return count


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
