"""The fast path of facts validation accepts exactly what ``load_facts`` accepts, with the same values.

``facts_data`` (what ``evaluate`` reads) validates straight to dicts in pydantic-core and falls
back to the models when that fails; these tests hold the two paths to one answer, including on
the inputs where pydantic-core alone would be more lenient than the models.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from bench.generate import subjects_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.facts import _fast, _model_data, facts_data, load_facts
from ecredit_rules.limits import MAX_EVENTS, MAX_LIST_ITEMS, MAX_TEXT_LENGTH

SUBJECT = {"id": "S1"}


def known(data: Any) -> Any:
    """Absent and null both mean unknown: compare the facts a path kept, without the Nones."""
    if isinstance(data, dict):
        return {k: known(v) for k, v in data.items() if v is not None}
    if isinstance(data, tuple | list):
        return tuple(known(v) for v in data)
    return data


def slow(facts: Any) -> Any:
    return known(_model_data(load_facts(facts)))


def same_answer(facts: Any) -> None:
    """Both paths accept with equal facts, or both refuse with the same problems."""
    try:
        expected = slow(facts)
    except ec.FactsError as slow_error:
        with pytest.raises(ec.FactsError) as fast_error:
            facts_data(facts)
        assert fast_error.value.problems == slow_error.problems
        assert _fast(facts) is None
        return
    assert known(facts_data(facts)) == expected
    fast = _fast(facts)
    assert fast is None or known(fast) == expected


def with_event(**event: Any) -> dict[str, Any]:
    return {"subject": SUBJECT, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", **event}]}


def test_generated_subjects_take_the_fast_path_with_the_models_values() -> None:
    for text in subjects_json(50):
        assert _fast(text) is not None
        same_answer(text)


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "dict"])
@pytest.mark.parametrize(
    "date_value",
    ["2024-02-29", "2023-02-29", "2024-1-5", "20240105", "1704412800", "2024-01-05T00:00:00", "２０２４-01-05",
     1704412800, "1900-01-01", "2999-12-31", "1899-12-31", "3000-01-01", "9999-12-31", "0001-01-01"],
)
def test_dates_only_as_existing_days_written_yyyy_mm_dd(date_value: Any, as_json: bool) -> None:
    facts = with_event(date=date_value)
    same_answer(json.dumps(facts) if as_json else facts)


@pytest.mark.parametrize("day", [date(1899, 12, 31), date(3000, 1, 1), date(9999, 12, 31)])
def test_a_date_object_out_of_range_is_refused_by_both_paths(day: date) -> None:
    with pytest.raises(ec.FactsError):
        facts_data(with_event(date=day))
    same_answer(with_event(date=day))


def test_a_date_object_in_a_dict_is_a_date() -> None:
    facts = with_event(date=date(2024, 1, 15))
    same_answer(facts)
    assert facts_data(facts)["events"][0]["date"] == date(2024, 1, 15)


@pytest.mark.parametrize(
    "amount",
    ['"49999.99"', "49999.99", "50000", '"1_000"', '" 2 "', '"1e3"', "-1", '"-0.01"', "true", '"NaN"', "1e400",
     '"1e999999999"', "1e5000", "1E5", "150e-2", '"Infinity"', "Infinity", "NaN", '"999999999999999.99"',
     '"1000000000000000"', "1000000000000000", "999999999999999", '"0.001"', "0.001", '"52000.00"', '"0"', "0",
     '"5."', '".5"', '"+5"', '"-0"', "-0", "1" + "0" * 400],
)
def test_amounts_in_json_text(amount: str) -> None:
    same_answer(f'{{"subject": {{"id": "S1"}}, "events": [{{"id": "P1", "type": "penalty", '
                f'"date": "2024-01-15", "sales_amount": {amount}}}]}}')


@pytest.mark.parametrize(
    "amount",
    [Decimal("49999.99"), 49999.99, 50000, "50000.00", True, float("nan"), -1, Decimal("1E+5"), Decimal("sNaN"),
     Decimal("-0"), Decimal("0.001"), Decimal("999999999999999.99"), 10**15, 10**400, 1e16, 0.1 + 0.2, "1e999999999"],
)
def test_amounts_in_a_dict(amount: Any) -> None:
    same_answer(with_event(sales_amount=amount))


def test_a_json_number_with_more_digits_than_a_float_holds_is_refused_not_rounded() -> None:
    text = ('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", '
            '"act": "trademark_infringing_goods", "sales_amount": 49999.9999999999999999}]}')
    with pytest.raises(ec.FactsError) as caught:
        facts_data(text)
    assert [p.where for p in caught.value.problems] == ["events[0].sales_amount"]


def test_a_repeated_key_in_json_text_is_named() -> None:
    with pytest.raises(ec.FactsError) as caught:
        facts_data('{"subject": {"id": "S1", "id": "S2"}}')
    assert [p.where for p in caught.value.problems] == ["subject.id"]


def test_a_colon_inside_a_string_is_not_taken_for_a_repeated_key() -> None:
    text = '{"subject": {"id": "S1", "name": "某店: 旗舰店"}, "events": []}'
    assert facts_data(text)["subject"]["name"] == "某店: 旗舰店"


@pytest.mark.parametrize(
    "facts",
    [
        {"subject": SUBJECT, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15"}] * 2},
        {"subject": SUBJECT, "events": [{"id": "R1", "type": "response", "date": "2024-01-15"}]},
        {"subject": SUBJECT, "events": [{"id": "R1", "type": "response", "date": "2024-01-15", "answers": "X"}]},
        {"subject": SUBJECT, "compliance": {"no_such_code": True}},
        {"subject": SUBJECT, "retention_days": {"receipts": 730.0}},
        {"subject": SUBJECT, "retention_days": {"receipts": -1}},
        {"subject": {"id": ""}},
        {"subject": SUBJECT, "surprise": 1},
        {"subject": SUBJECT, "assessment": {"management": "good"}},
        [],
        {"subject": {"id": "S" * (MAX_TEXT_LENGTH + 1)}},
        {"subject": {"id": "S" * MAX_TEXT_LENGTH, "name": "名" * MAX_TEXT_LENGTH}},
        {"subject": {"id": "S1", "region": "区" * (MAX_TEXT_LENGTH + 1)}},
        {"subject": {"id": "S1", "roles": ["goods_operator"] * (MAX_LIST_ITEMS + 1)}},
        {"subject": {"id": "S1", "roles": ["goods_operator"] * MAX_LIST_ITEMS}},
        {"subject": SUBJECT, "platform_systems": ["trading_rules"] * (MAX_LIST_ITEMS + 1)},
        {"subject": SUBJECT, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15",
                                         "reference": "号" * (MAX_TEXT_LENGTH + 1)}]},
        {"subject": SUBJECT, "events": [{"id": f"E{k}", "type": "penalty", "date": "2024-01-15"}
                                        for k in range(MAX_EVENTS + 1)]},
    ],
    ids=["repeated id", "unanswered response", "answer to nothing", "unknown code", "float days", "negative days",
         "empty id", "unknown key", "unknown value", "not an object", "long id", "text at the limit", "long region",
         "many roles", "roles at the limit", "many systems", "long reference", "too many events"],
)
def test_bad_facts_are_refused_by_both_paths_alike(facts: Any) -> None:
    same_answer(facts)
    same_answer(json.dumps(facts))


def test_a_facts_model_is_read_as_it_is() -> None:
    model = load_facts(with_event(sales_amount="52000.00"))
    assert known(facts_data(model)) == slow(model)


# Documents built from valid and invalid pieces, so that each path meets both.
_DATES = st.sampled_from(["2024-01-15", "2024-02-29", "2023-02-29", "2024-13-01", "1704412800", "2024-1-5",
                          "1899-12-31", "2999-12-31", "9999-12-31"])
_AMOUNTS = st.one_of(
    st.none(), st.sampled_from(["0", "49999.99", "50000", "-5", "1e3", " 7 ", "x", "1e999999999", "0.001"]),
    st.integers(-2, 10**20), st.decimals(allow_nan=True, places=2), st.decimals(allow_nan=True),
    st.floats(allow_nan=True), st.booleans(),
)
_CODES = st.sampled_from(["contract_fraud", "fake_reviews", "contract-fraud", None])
_EVENTS = st.lists(
    st.fixed_dictionaries(
        {"id": st.sampled_from(["P1", "P2", "P3", ""]), "type": st.sampled_from(["penalty", "warning", "response"]),
         "date": _DATES},
        optional={"act": _CODES, "sales_amount": _AMOUNTS, "illegal_gain": _AMOUNTS,
                  "answers": st.sampled_from(["P1", "P9"]), "grade": st.sampled_from(["A", None]),
                  "reference": st.sampled_from(["突市监处罚〔2024〕1号", "ref: 1"])},
    ),
    max_size=4,
)
_DOCUMENTS = st.fixed_dictionaries(
    {"subject": st.fixed_dictionaries({"id": st.sampled_from(["S1", ""])},
                                      optional={"roles": st.lists(st.sampled_from(["goods_operator", "seller"])),
                                                "licensed": st.sampled_from([True, False, None, 1])})},
    optional={"events": st.one_of(st.none(), _EVENTS),
              "compliance": st.dictionaries(st.sampled_from(["license_display", "nope"]), st.sampled_from([True, 0])),
              "retention_days": st.dictionaries(st.sampled_from(["receipts"]), st.sampled_from([730, -1, 730.5]))},
)


def _json_text(document: dict[str, Any]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return float(value) if value.is_finite() else str(value)
        raise TypeError(value)

    return json.dumps(document, default=default, ensure_ascii=False)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_DOCUMENTS, as_json=st.booleans())
def test_both_paths_give_one_answer_on_generated_documents(document: dict[str, Any], as_json: bool) -> None:
    same_answer(_json_text(document) if as_json else document)


@pytest.mark.parametrize(
    "facts",
    [
        {"subject": {"id": "S1", "nickname": "x"}},
        {"subject": SUBJECT, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", "amount": "1"}]},
        {"subject": SUBJECT, "assessment": {"stable_staff": True, "mood": {"a": 1, "b": 2}}},
        {"subject": SUBJECT, "extra": None},
    ],
    ids=["in the subject", "in an event", "holding an object", "null"],
)
def test_an_unknown_key_in_json_text_is_refused_as_the_models_refuse_it(facts: dict[str, Any]) -> None:
    # The JSON fast path drops unknown keys; the count of colons must send them to the models.
    assert _fast(json.dumps(facts)) is None
    same_answer(json.dumps(facts))


@pytest.mark.parametrize(
    "events",
    [
        [{"id": "R1", "type": "response", "date": "2024-01-15", "answers": None}],
        [{"id": "P1", "type": "penalty", "date": "2024-01-15", "answers": "P9"}],
        [{"id": "P1", "type": "penalty", "date": "2024-01-15"},
         {"id": "R1", "type": "response", "date": "2024-02-15", "answers": "P1"}],
    ],
    ids=["null answer", "a penalty answering nothing", "a response answering"],
)
def test_answers_are_judged_alike_by_both_paths(events: list[dict[str, Any]]) -> None:
    facts = {"subject": SUBJECT, "events": events}
    same_answer(facts)
    same_answer(json.dumps(facts))


def test_the_memo_of_values_keeps_at_most_its_bound_and_still_converts_past_it() -> None:
    from ecredit_rules.facts import _Memo

    memo = _Memo(Decimal, 2)
    values = [memo[text] for text in ("1.00", "2", "3.5", "1.00")]
    assert values == [Decimal("1.00"), Decimal("2"), Decimal("3.5"), Decimal("1.00")]
    assert str(values[0]) == "1.00" and len(memo) == 2


def test_a_day_is_refused_by_the_fast_path_as_the_models_refuse_it() -> None:
    from ecredit_rules.facts import _DAYS

    assert _DAYS["2024-02-29"] == date(2024, 2, 29)
    for text in ("1704412800", "2023-02-29", "3000-01-01", "2024-1-5"):
        with pytest.raises(ValueError, match="not a day"):
            _DAYS[text]
        assert text not in _DAYS


def test_an_amount_text_is_refused_by_the_fast_path_as_the_models_refuse_it() -> None:
    from ecredit_rules.facts import _AMOUNTS

    assert str(_AMOUNTS["49999.99"]) == "49999.99"
    for text in ("1\n", " 7 ", "1e3", "-5", "0.001", "1" * 16, "１", "5.", ".5"):
        with pytest.raises(ValueError, match="not an amount"):
            _AMOUNTS[text]
        assert text not in _AMOUNTS
        same_answer(with_event(sales_amount=text))
