"""Facts validation at the boundary (CONTRACT §3): every bad field is named by its path, at once."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pydantic
import pytest

import ecredit_rules as ec
from ecredit_rules.facts import load_facts
from tests.conftest import event, subject

SUBJECT = {"id": "91152224MA0XXXXXXX"}


def problems(facts: Any) -> dict[str, str]:
    """``{path: message}`` of every problem ``load_facts`` reports, in English."""
    with pytest.raises(ec.FactsError) as caught:
        load_facts(facts, lang="en")
    return {p.where: p.message for p in caught.value.problems}


def with_events(*events: dict[str, Any]) -> dict[str, Any]:
    return {"subject": SUBJECT, "events": list(events)}


def penalty(eid: str = "P1", day: Any = "2024-01-15", **extra: Any) -> dict[str, Any]:
    return {"id": eid, "type": "penalty", "date": day, "act": "contract_fraud", **extra}


def test_minimal_facts_are_valid_and_everything_else_unknown() -> None:
    facts = load_facts({"subject": SUBJECT})
    assert facts.subject.id == SUBJECT["id"]
    assert facts.events is None and facts.compliance is None and facts.subject.roles is None


def test_complete_example_of_the_contract_is_valid() -> None:
    facts = load_facts(
        {
            "subject": subject(region="突泉县"),
            "events": [penalty(authority="突泉县市场监督管理局", reference="突市监处罚〔2024〕1号",
                               sales_amount="52000.00", illegal_gain="0")],
            "compliance": {"license_display": True, "seven_day_returns": False},
            "retention_days": {"receipts": 800},
            "platform_systems": ["user_registration", "trading_rules"],
            "assessment": {"management": "standardized", "commitment": "strong", "economic_strength": "strong",
                           "reputation": "excellent", "stable_staff": True},
        }
    )
    assert facts.events is not None and facts.events[0].date == date(2024, 1, 15)


def test_subject_id_is_required() -> None:
    assert problems({"subject": {"name": "某公司"}}) == {"subject.id": "required"}


def test_unknown_top_level_key_is_named() -> None:
    assert problems({"subject": SUBJECT, "evnts": []}) == {"evnts": "unknown key"}


def test_unknown_key_in_subject_is_named() -> None:
    assert problems({"subject": {**SUBJECT, "nmae": "某公司"}}) == {"subject.nmae": "unknown key"}


def test_unknown_role_is_named_with_a_suggestion() -> None:
    found = problems({"subject": {**SUBJECT, "roles": ["goods_operator", "goods_operater"]}})
    assert list(found) == ["subject.roles[1]"]
    assert "goods_operater" in found["subject.roles[1]"] and '"goods_operator"' in found["subject.roles[1]"]


def test_unknown_act_is_named_with_a_suggestion() -> None:
    found = problems(with_events(penalty(act="contract_frud")))
    assert list(found) == ["events[0].act"]
    assert "contract_frud" in found["events[0].act"] and '"contract_fraud"' in found["events[0].act"]


def test_unknown_compliance_code_is_named_by_its_own_path() -> None:
    found = problems({"subject": SUBJECT, "compliance": {"license_display": True, "seven_day_return": False}})
    assert list(found) == ["compliance.seven_day_return"]
    assert '"seven_day_returns"' in found["compliance.seven_day_return"]


def test_unknown_retention_record_is_named_by_its_own_path() -> None:
    found = problems({"subject": SUBJECT, "retention_days": {"receipt": 800}})
    assert list(found) == ["retention_days.receipt"]
    assert "unknown" in found["retention_days.receipt"]


def test_unknown_platform_system_is_named_by_its_position() -> None:
    found = problems({"subject": SUBJECT, "platform_systems": ["user_registration", "user_reg"]})
    assert list(found) == ["platform_systems[1]"]
    assert "user_reg" in found["platform_systems[1]"]


def test_unknown_event_type_is_named() -> None:
    found = problems(with_events({"id": "X1", "type": "penalti", "date": "2024-01-15"}))
    assert list(found) == ["events[0].type"] and '"penalty"' in found["events[0].type"]


@pytest.mark.parametrize("day", ["2024-13-01", "2024-02-30", "2024-1-5", "2024/01/05", 20240105, None])
def test_malformed_date_is_refused(day: Any) -> None:
    found = problems(with_events(penalty(day=day)))
    assert list(found) == ["events[0].date"]
    assert "YYYY-MM-DD" in found["events[0].date"]


@pytest.mark.parametrize("amount", ["-1", -1, "-0.01"])
def test_negative_amount_is_refused(amount: Any) -> None:
    found = problems(with_events(penalty(sales_amount=amount)))
    assert list(found) == ["events[0].sales_amount"] and "negative" in found["events[0].sales_amount"]


@pytest.mark.parametrize("amount", [True, "abc", "NaN", [1]])
def test_amount_that_is_not_a_number_is_refused(amount: Any) -> None:
    assert list(problems(with_events(penalty(illegal_gain=amount)))) == ["events[0].illegal_gain"]


@pytest.mark.parametrize("amount", ["49999.99", 49999.99, Decimal("49999.99")])
def test_amount_given_in_a_dict_is_kept_exact_as_decimal(amount: Any) -> None:
    facts = load_facts(with_events(penalty(sales_amount=amount)))
    assert facts.events is not None
    kept = facts.events[0].sales_amount
    assert isinstance(kept, Decimal) and kept == Decimal("49999.99")


@pytest.mark.parametrize("written", ['"49999.99"', "49999.99"])
def test_amount_given_in_json_text_is_kept_exact_as_decimal(written: str) -> None:
    text = '{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", '
    text += f'"sales_amount": {written}}}]}}'
    facts = load_facts(text)
    assert facts.events is not None
    kept = facts.events[0].sales_amount
    assert isinstance(kept, Decimal) and kept == Decimal("49999.99") and str(kept) == "49999.99"


def test_negative_retention_days_are_refused() -> None:
    assert list(problems({"subject": SUBJECT, "retention_days": {"receipts": -1}})) == ["retention_days.receipts"]


def test_duplicate_event_ids_name_the_repeat() -> None:
    found = problems(with_events(penalty("P1"), penalty("P2"), penalty("P1", "2024-02-01")))
    assert list(found) == ["events[2].id"]
    assert "'P1'" in found["events[2].id"] and "events[0]" in found["events[2].id"]


def test_response_must_answer_an_existing_event() -> None:
    found = problems(with_events(event("R0", "review_request", "2024-03-01"),
                                 event("A1", "response", "2024-03-05", answers="R9")))
    assert list(found) == ["events[1].answers"] and "'R9'" in found["events[1].answers"]


def test_response_must_name_what_it_answers() -> None:
    assert list(problems(with_events(event("A1", "response", "2024-03-05")))) == ["events[0].answers"]


def test_duplicated_key_in_json_text_is_named_by_its_path() -> None:
    text = '{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", ' \
           '"date": "2024-01-16"}]}'
    found = problems(text)
    assert list(found) == ["events[0].date"] and "twice" in found["events[0].date"]


def test_malformed_json_text_is_a_facts_error() -> None:
    assert list(problems('{"subject": ')) == ["(json)"]


def test_facts_that_are_not_an_object_are_refused() -> None:
    assert list(problems("[]")) == ["(facts)"]


def test_every_problem_is_listed_at_once_by_path() -> None:
    facts = {
        "subject": {**SUBJECT, "roles": ["seller"], "licensed": "yes"},
        "events": [penalty("P1"), penalty("P2"), penalty("P3", "2024-13-01", sales_amount="-5"), penalty("P1")],
        "compliance": {"no_such_duty": True},
        "colour": "red",
    }
    found = problems(facts)
    assert list(found) == [
        "colour",
        "compliance.no_such_duty",
        "events[2].date",
        "events[2].sales_amount",
        "events[3].id",
        "subject.licensed",
        "subject.roles[0]",
    ]


def test_problems_are_ordered_by_event_number_not_as_text() -> None:
    events = [penalty(f"P{i}") for i in range(11)]
    events[2]["date"] = events[10]["date"] = "2024-13-01"
    assert list(problems(with_events(*events))) == ["events[2].date", "events[10].date"]


def test_facts_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"evnts: 不认识的键"):
        load_facts({"subject": SUBJECT, "evnts": []})


def test_evaluate_raises_facts_error_for_bad_facts() -> None:
    with pytest.raises(ec.FactsError):
        ec.evaluate("tuquan", with_events(penalty(day="2024-1-5")), as_of=date(2024, 6, 30))


def test_facts_are_immutable() -> None:
    facts = load_facts(with_events(penalty()))
    with pytest.raises(pydantic.ValidationError):
        facts.subject.id = "other"  # type: ignore[misc]
    with pytest.raises(pydantic.ValidationError):
        facts.events = ()  # type: ignore[misc]
    assert facts.events is not None
    with pytest.raises(pydantic.ValidationError):
        facts.events[0].date = date(2020, 1, 1)  # type: ignore[misc]


def test_facts_model_validate_is_the_public_entry() -> None:
    assert ec.Facts.model_validate({"subject": SUBJECT}).subject.id == SUBJECT["id"]


def test_evaluate_never_mutates_the_input_dict() -> None:
    facts = {
        "subject": subject(),
        "events": [penalty("P1", "2024-01-15"), penalty("P2", "2024-03-01", sales_amount=49999.99),
                   penalty("P3", "2024-05-01"), event("R1", "review_request", "2024-05-06"),
                   event("A1", "response", "2024-05-10", answers="R1")],
        "compliance": {"license_display": True},
        "assessment": {"management": "standardized"},
    }
    before = copy.deepcopy(facts)
    report = ec.evaluate("tuquan", facts, as_of=date(2024, 6, 30))
    assert "tuquan.art11.item4" in {v.rule for v in report.verdicts}
    assert facts == before
    assert json.dumps(facts, default=str) == json.dumps(before, default=str)


def test_a_response_answering_nothing_is_refused_when_events_are_a_tuple() -> None:
    facts = {"subject": SUBJECT, "events": (penalty(), {"id": "R1", "type": "response", "date": "2024-02-01",
                                                        "answers": "P9"})}
    assert problems(facts) == {"events[1].answers": "no event with id 'P9'"}


@pytest.mark.parametrize("field, value", [("id", {}), ("id", ["P1"]), ("answers", []), ("answers", {"id": "P1"})])
def test_an_event_id_or_answers_that_is_not_text_is_a_facts_error_not_a_crash(field: str, value: Any) -> None:
    # Found by the HTTP service's fuzz run: an unhashable id once raised TypeError (a 500).
    response = {"id": "R1", "type": "response", "date": "2024-02-01", "answers": "P1"}
    facts = {"subject": SUBJECT, "events": [penalty(), {**response, field: value}]}
    with pytest.raises(ec.FactsError) as err:
        ec.evaluate("tuquan", facts, as_of=date(2024, 6, 30), engine="compiled")
    assert [p.where for p in err.value.problems] == [f"events[1].{field}"]
