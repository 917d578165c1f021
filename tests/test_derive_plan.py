"""derive's one pass (``CountingPlan``, the fact loop) gives every leaf the value its own function gives."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from bench.generate import subjects_json

import ecredit_rules as ec
from ecredit_rules.derive import DERIVATION, CountingPlan, derive
from ecredit_rules.facts import facts_data
from ecredit_rules.ir import _DAYS_KEPT, DayKey
from ecredit_rules.subject import EventCount, FactValue, Subject, known_fact

AS_OF = date(2024, 6, 30)


def _event(eid: str, etype: str, day: str, act: str | None = None, grade: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"id": eid, "type": etype, "date": date.fromisoformat(day)}
    if act is not None:
        found["act"] = act
    if grade is not None:
        found["grade"] = grade
    return found


def _subject(*events: dict[str, Any], **parts: Any) -> Subject:
    return Subject({"subject": {"id": "S1"}, "events": list(events), **parts}, AS_OF)


def _planned(counts: list[EventCount], starts: list[date | None], s: Subject, thresholds: list[int]) -> list[Any]:
    """Each leaf's value as derive works it out from the plan's counters."""
    plan = CountingPlan(dict(enumerate(counts)), tuple(starts))
    counted = plan.count(s)
    if counted is None:
        return [None] * len(counts)
    low, high = counted
    return [low[c] if low[c] >= thresholds[i] or high[c] < thresholds[i] else None for i, c in plan.leaves]


def _own(counts: list[EventCount], starts: list[date | None], s: Subject, thresholds: list[int]) -> list[Any]:
    return [count(s, t, start) for count, start, t in zip(counts, starts, thresholds, strict=True)]


EVENTS = (
    _event("E1", "penalty", "2024-01-05", "fake_reviews"),
    _event("E2", "penalty", "2023-02-01", "price_fraud"),
    _event("E3", "penalty", "2024-03-01"),  # no act: possibly of any act
    _event("E4", "warning", "2024-04-01", "fake_reviews"),
    _event("E5", "rating", "2024-05-01", grade="D"),
    _event("E6", "rating", "2024-05-02"),  # no grade: possibly of any grade
    _event("E7", "penalty", "2024-06-01", "contract_fraud"),
)
FILTERS = [
    EventCount(("penalty",), ("fake_reviews", "price_fraud"), None),
    EventCount(("penalty",), None, None),
    EventCount(("penalty", "warning"), ("fake_reviews",), None),
    EventCount(("rating",), None, frozenset({"D"})),
    EventCount(("rating",), None, frozenset({"A"})),
    EventCount(("penalty", "penalty"), ("fake_reviews", "fake_reviews"), None),  # repeated: counted twice
    EventCount(("finding",), ("fake_reviews",), None),
]


@pytest.mark.parametrize("start", [None, date(2024, 1, 1), date(2024, 6, 30)])
@pytest.mark.parametrize("threshold", [1, 2, 3])
def test_the_plan_counts_every_filter_as_its_own_function_does(start: date | None, threshold: int) -> None:
    s = _subject(*EVENTS)
    starts = [start] * len(FILTERS)
    thresholds = [threshold] * len(FILTERS)
    assert _planned(FILTERS, starts, s, thresholds) == _own(FILTERS, starts, s, thresholds)


def test_leaves_differing_only_by_threshold_share_one_counter() -> None:
    count = EventCount(("penalty",), ("fake_reviews",), None)
    plan = CountingPlan({0: count, 1: count, 2: EventCount(("penalty",), ("fake_reviews",), None)}, (None,) * 3)
    assert plan.counters == 1
    assert [c for _, c in plan.leaves] == [0, 0, 0]


def test_the_same_filter_from_another_day_has_its_own_counter() -> None:
    count = EventCount(("penalty",), ("fake_reviews",), None)
    plan = CountingPlan({0: count, 1: count}, (None, date(2024, 1, 1)))
    assert plan.counters == 2


def test_an_event_without_the_filtered_act_only_possibly_counts() -> None:
    s = _subject(_event("E1", "penalty", "2024-01-05"))
    counts = [EventCount(("penalty",), ("fake_reviews",), None), EventCount(("penalty",), None, None)]
    plan = CountingPlan(dict(enumerate(counts)), (None, None))
    assert plan.count(s) == ([0, 1], [1, 1])


def test_the_plan_leaves_events_leaves_unknown_when_the_facts_say_nothing_about_events() -> None:
    s = Subject({"subject": {"id": "S1"}}, AS_OF)
    assert CountingPlan({0: FILTERS[0]}, (None,)).count(s) is None


def test_an_event_filter_lists_the_attributes_an_undecided_count_lacks() -> None:
    s = _subject(*EVENTS)
    _, _, missing = FILTERS[3].explain(s, 2, None)
    assert missing == ("events[5].grade",)


def test_a_settled_count_has_its_events_as_evidence() -> None:
    s = _subject(*EVENTS)
    events, _, missing = FILTERS[0].explain(s, 1, None)
    assert sorted(e["id"] for e in events) == ["E1", "E2"] and missing == ()


def test_a_fact_leaf_reads_its_part_and_key() -> None:
    value, explain = known_fact("compliance", "no_spam", bool)
    s = _subject(compliance={"no_spam": True})
    assert value(s, 1, None) == 1
    assert explain(s, 1, None) == ((), ("compliance.no_spam",), ())


def test_a_fact_leaf_is_unknown_without_its_part() -> None:
    fact = FactValue("compliance", "no_spam", bool)
    s = _subject()
    assert fact(s, 1, None) is None
    assert fact.explain(s, 1, None) == ((), (), ("compliance.no_spam",))


def test_a_fact_leaf_without_a_key_reads_the_whole_part() -> None:
    fact = FactValue("platform_systems", None, lambda systems: "trading_rules" not in systems)
    assert fact(_subject(platform_systems=["user_registration"]), 1, None) == 1
    assert fact.path == "platform_systems"


@pytest.mark.parametrize("rid", ec.available_rulesets())
@pytest.mark.parametrize("as_of", [date(2022, 3, 1), date(2024, 6, 30)])
def test_derive_gives_every_bundled_leaf_the_value_of_its_own_function(rid: str, as_of: date) -> None:
    rs = ec.load_ruleset(rid)
    for text in subjects_json(150):
        derived = derive(rs, facts_data(text), as_of)
        program, day = derived._program, derived._day
        own = tuple(
            fn(derived.subject, threshold, start)
            for fn, threshold, start in zip(program.values, day.thresholds, day.starts, strict=True)
        )
        assert derived.values == own


def test_a_days_constants_are_worked_out_once_and_shared() -> None:
    program = ec.load_ruleset("tuquan").artefact(DERIVATION)
    assert program.day(AS_OF) is program.day(date(2024, 6, 30))
    assert program.day(AS_OF) is not program.day(date(2024, 7, 1))


def test_the_days_kept_per_ruleset_are_bounded() -> None:
    rs = ec.load_ruleset("tuquan")
    built: list[date] = []
    key = DayKey("test_days", lambda _rs, day: built.append(day) or day.toordinal())
    days = [date(2020, 1, 1) + timedelta(days=n) for n in range(_DAYS_KEPT + 10)]
    assert [rs.on_day(key, day) for day in days] == [day.toordinal() for day in days]
    assert rs.on_day(key, days[-1]) == days[-1].toordinal() and len(built) == len(days)  # the last one was kept
    assert len(rs.artefact(key.days)) <= _DAYS_KEPT
