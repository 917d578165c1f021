"""Fuzzing the facts: random valid facts and mutated ones, against every bundled ruleset.

Valid facts (CONTRACT §3, built from the shared vocabulary) must always give a report; mutated
facts give a report or a ``FactsError`` and nothing else. On every accepted input both engines
agree, and the same facts as JSON text, a dict and ``ec.Facts`` give the same report.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.limits import MAX_DATE, MIN_DATE
from ecredit_rules.vocabulary import vocabulary

from .fuzzing import fuzz_settings, run_bounded

VOCAB = vocabulary()
ENGINES = ("durable", "compiled")


@pytest.fixture(scope="module")
def bundled() -> dict[str, ec.Ruleset]:
    return {name: ec.load_ruleset(name) for name in ec.available_rulesets()}


# --- valid facts ---------------------------------------------------------------------------------

# Mostly near the bundled rulesets' periods of force, where rules fire; sometimes the extremes.
days = st.one_of(
    st.dates(min_value=date(2014, 1, 1), max_value=date(2026, 12, 31)),
    st.dates(min_value=MIN_DATE, max_value=MAX_DATE),
    st.sampled_from([MIN_DATE, MAX_DATE, date(2999, 12, 1), date(2024, 2, 29)]),
)
texts = st.text(max_size=30)
amounts = st.one_of(
    st.decimals(min_value=0, max_value=Decimal("999999999999999.99"), places=2).map(str),
    st.integers(min_value=0, max_value=10**15 - 1),
    st.sampled_from(["0", "49999.99", "50000", "50000.00", "100000", "999999999999999.99"]),
)


def _subset(codes: dict[str, Any]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(sorted(codes)), unique=True)


def _some_of(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict with any subset of ``fields``: absent means unknown."""
    return st.fixed_dictionaries({}, optional=fields)


@st.composite
def events(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(min_value=0, max_value=8))
    ids = [f"E{i}" for i in range(count)]
    out = []
    for eid in ids:
        event = {"id": eid, "type": draw(st.sampled_from(sorted(VOCAB.event_types))), "date": draw(days).isoformat()}
        if event["type"] == "response":  # an answer names the event it answers (CONTRACT §3)
            event["answers"] = draw(st.sampled_from(ids))
        event.update(draw(_some_of({
            "act": st.sampled_from(sorted(VOCAB.acts)),
            "authority": texts,
            "reference": texts,
            "sales_amount": amounts,
            "illegal_gain": amounts,
            "grade": st.sampled_from(["A", "B", "C", "D", "AAA"]),
        } | ({} if event["type"] == "response" else {"answers": st.sampled_from([*ids, "nowhere"])}))))
        out.append(event)
    return out


def _assessment() -> st.SearchStrategy[dict[str, Any]]:
    return _some_of({field: st.sampled_from(sorted(values, key=str)) for field, values in VOCAB.assessment.items()})


valid_facts = st.fixed_dictionaries(
    {
        "subject": st.fixed_dictionaries(
            {"id": st.text(min_size=1, max_size=20)},
            optional={
                "name": texts,
                "roles": _subset(VOCAB.roles),
                "legal_form": st.sampled_from(sorted(VOCAB.legal_forms)),
                "region": texts,
                "licensed": st.booleans(),
                "lists": _subset(VOCAB.lists),
            },
        )
    },
    optional={
        "events": events(),
        "compliance": st.dictionaries(st.sampled_from(sorted(VOCAB.compliance)), st.booleans()),
        "retention_days": st.dictionaries(
            st.sampled_from(sorted(VOCAB.retention_days)), st.integers(min_value=0, max_value=10_000)
        ),
        "platform_systems": _subset(VOCAB.platform_systems),
        "assessment": _assessment(),
    },
)
as_of_days = st.one_of(st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 31)), days)


# --- mutations -----------------------------------------------------------------------------------

hostile_amounts = st.sampled_from([
    "1e999999999", "1e500000", "1e5000", 1e300, "-1", "-0.01", "0.001", "1234567890123456", "NaN", "Infinity",
    "-Infinity", " 1", "1 ", "１２３", "1_000", "0x10", "", "五万", 10**100, -(10**100), 0.1, True, None, [], {},
])
hostile_dates = st.sampled_from([
    "9999-12-31", "9998-12-31", "0001-01-01", "1899-12-31", "3000-01-01", "2024-02-30", "2024-6-1", "2024-06-01T00:00",
    "２０２４-０１-０１", "", 20240101, 1.5, None, True, "2024-13-01", "-2024-01-01",
])
hostile_texts = st.one_of(
    st.text(),
    st.sampled_from(["", "\x00", "\ud800", "　", "x" * 5000, "\u202e", "𠀀" * 10, "null", "{}"]),
)
hostile_values = st.one_of(
    hostile_amounts,
    hostile_dates,
    hostile_texts,
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.recursive(st.none() | st.integers() | st.text(max_size=3), lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8),
    st.integers(min_value=1, max_value=400).map(lambda depth: json.loads("[" * depth + "]" * depth)),
)


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place inside ``obj`` (a key of a dict, an index of a list), parents before children."""
    out = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            out.append((*prefix, index))
            out.extend(_paths(value, (*prefix, index)))
    return out


def _parent(obj: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        obj = obj[step]
    return obj


# Values that CONTRACT §3 refuses in an amount or in an event's date, whatever else the facts hold.
refused_amounts = st.sampled_from([
    "1e999999999", "1e500000", "1e5000", "1E+3", 1e300, "-1", "-0.01", "0.001", "1234567890123456", "NaN",
    "Infinity", "五万", "0x10", 10**100, -(10**100), 10**15, True, [], {},
])
refused_dates = st.sampled_from([
    "9999-12-31", "9998-12-31", "0001-01-01", "1899-12-31", "3000-01-01", "2024-02-30", "2024-6-1", "2024-13-01",
    "2024-06-01T00:00", 20240101, True, None,
])


def _hostile_field(draw: st.DrawFn, facts: dict[str, Any]) -> None:
    """Put a hostile amount, date or as-of-like value where the contract bounds it (an event's field)."""
    events = facts.setdefault("events", [])
    if not isinstance(events, list) or not events:
        facts["events"] = events = [{"id": "H", "type": "penalty", "date": "2024-01-01"}]
    event = draw(st.sampled_from(events))
    if isinstance(event, dict):
        field = draw(st.sampled_from(["sales_amount", "illegal_gain", "date"]))
        event[field] = draw(hostile_dates if field == "date" else hostile_amounts)


@st.composite
def mutated_facts(draw: st.DrawFn) -> dict[str, Any]:
    """Valid facts with a few places dropped, replaced, duplicated, renamed or given hostile values."""
    facts = draw(valid_facts)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(facts)
        if not paths:
            facts = draw(hostile_values)
            break
        path = draw(st.sampled_from(paths))
        parent, last = _parent(facts, path), path[-1]
        action = draw(st.sampled_from(["drop", "replace", "duplicate", "rename", "add_key", "hostile_field"]))
        if action == "hostile_field":
            _hostile_field(draw, facts)
        elif action == "drop":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(hostile_values)
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(json.loads(json.dumps(parent[last])))
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(hostile_texts)] = parent.pop(last)
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["unknown", "Subject", "events ", "id", "type"]))] = draw(hostile_values)
    return facts


# --- the properties ------------------------------------------------------------------------------


def _outcome(rs: ec.Ruleset, facts: Any, day: date, engine: str) -> dict[str, Any] | ec.FactsError:
    """The report (without the engine's name) or the FactsError; anything else propagates and fails."""
    try:
        return ec.evaluate(rs, facts, as_of=day, engine=engine).model_dump(mode="json", exclude={"engine"})
    except ec.FactsError as err:
        assert err.problems, "a FactsError names at least one problem"
        assert all(p.where and p.message for p in err.problems), err.problems
        return err


def _json_text(facts: Any) -> str | None:
    """The facts as JSON text, or None where JSON cannot carry them (a lone surrogate, NaN)."""
    try:
        text = json.dumps(facts, ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError):
        return None
    return text


def _check_one(bundled: dict[str, ec.Ruleset], facts: Any, day: date, *, must_accept: bool) -> None:
    """For every ruleset: both engines agree; JSON text, dict and ec.Facts agree; valid facts are accepted."""
    text = _json_text(facts)
    for name, rs in bundled.items():
        durable, compiled = (_outcome(rs, facts, day, engine) for engine in ENGINES)
        if must_accept:
            assert not isinstance(durable, ec.FactsError), f"{name}: valid facts refused: {durable}"
        if isinstance(durable, ec.FactsError) or isinstance(compiled, ec.FactsError):
            assert isinstance(durable, ec.FactsError) and isinstance(compiled, ec.FactsError), name
            assert durable.problems == compiled.problems, name
            continue
        assert durable == compiled, f"{name}: the engines disagree"
        if text is not None:
            assert _outcome(rs, text, day, "compiled") == durable, f"{name}: JSON text and dict disagree"
        model = ec.Facts.model_validate(facts)
        assert _outcome(rs, model, day, "compiled") == durable, f"{name}: ec.Facts and dict disagree"


def test_valid_random_facts_always_give_the_same_report_on_both_engines_and_all_input_forms(
    bundled: dict[str, ec.Ruleset],
) -> None:
    @fuzz_settings(max_examples=60)
    @given(facts=valid_facts, day=as_of_days)
    def prop(facts: dict[str, Any], day: date) -> None:
        _check_one(bundled, facts, day, must_accept=True)

    run_bounded(prop, timeout=90)


def test_mutated_facts_give_a_report_or_a_facts_error_and_both_engines_agree(bundled: dict[str, ec.Ruleset]) -> None:
    @fuzz_settings(max_examples=150)
    @given(facts=mutated_facts(), day=as_of_days)
    def prop(facts: Any, day: date) -> None:
        _check_one(bundled, facts, day, must_accept=False)

    run_bounded(prop, timeout=90)


def test_an_amount_or_event_date_outside_the_contract_is_refused_naming_its_path(
    bundled: dict[str, ec.Ruleset],
) -> None:
    @fuzz_settings(max_examples=40)
    @given(facts=valid_facts, field=st.sampled_from(["sales_amount", "illegal_gain", "date"]), data=st.data())
    def prop(facts: dict[str, Any], field: str, data: st.DataObject) -> None:
        events = facts.setdefault("events", [])
        if not events:
            events.append({"id": "H", "type": "penalty", "date": "2024-01-01"})
        index = data.draw(st.integers(min_value=0, max_value=len(events) - 1))
        events[index][field] = data.draw(refused_dates if field == "date" else refused_amounts)
        name = data.draw(st.sampled_from(sorted(bundled)))
        for engine in ENGINES:
            outcome = _outcome(bundled[name], facts, date(2024, 6, 30), engine)
            assert isinstance(outcome, ec.FactsError), f"{name}/{engine}: accepted {events[index][field]!r}"
            assert f"events[{index}].{field}" in [p.where for p in outcome.problems], outcome.problems

    run_bounded(prop, timeout=60)


@pytest.mark.parametrize("event", [
    {"id": [], "type": "penalty", "date": "2024-01-01"},
    {"id": {"a": 1}, "type": "penalty", "date": "2024-01-01"},
    {"id": "R", "type": "response", "date": "2024-01-01", "answers": ["P"]},
])
def test_an_event_id_or_answer_that_is_not_text_is_a_facts_error(event: dict[str, Any]) -> None:
    """Found by the mutated-facts fuzzing: an unhashable id or answer raised TypeError in validation."""
    facts = {"subject": {"id": "S"}, "events": [{"id": "P", "type": "penalty", "date": "2024-01-01"}, event]}
    for form in (facts, json.dumps(facts)):
        with pytest.raises(ec.FactsError) as refused:
            ec.evaluate(ec.load_ruleset("tuquan"), form, as_of=date(2024, 6, 30), engine="compiled")
        assert any(p.where.startswith("events[1].") for p in refused.value.problems), refused.value.problems


def test_damaged_json_text_is_refused_with_a_facts_error(bundled: dict[str, ec.Ruleset]) -> None:
    """Repeated keys, truncation and stray bytes exist only in text: a FactsError, never a crash."""
    rs = bundled["tuquan"]

    @fuzz_settings(max_examples=60)
    @given(facts=valid_facts, damage=st.sampled_from(["repeat", "truncate", "junk"]),
           at=st.integers(min_value=0, max_value=10**6), junk=st.binary(min_size=1, max_size=8))
    def prop(facts: dict[str, Any], damage: str, at: int, junk: bytes) -> None:
        raw = json.dumps(facts, ensure_ascii=False).encode("utf-8", "surrogatepass")
        if damage == "repeat":  # the subject key twice: JSON text can say it, the contract refuses it
            raw = raw[:-1] + b', "subject": {"id": "other"}}'
        elif damage == "truncate":  # no prefix of a JSON object is a JSON object
            raw = raw[: at % len(raw)]
        else:
            at %= len(raw) + 1
            raw = raw[:at] + junk + raw[at:]
        for engine in ENGINES:
            outcome = _outcome(rs, raw, date(2024, 6, 30), engine)
            if damage != "junk":  # junk may happen to leave valid JSON (a space, a digit in a string)
                assert isinstance(outcome, ec.FactsError), f"damaged JSON text ({damage}) was accepted"

    run_bounded(prop, timeout=60)
