"""The report's auditor fields (CONTRACT §5): interpretation, details.parameters, facts_digest, generator."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.digest import _canonical_checked, canonical_facts, facts_digest
from ecredit_rules.facts import load_facts

AS_OF = date(2024, 6, 30)


def offender() -> dict[str, Any]:
    return {
        "subject": {"id": "S1", "name": "某网店", "roles": ["goods_operator"], "lists": []},
        "events": [
            {"id": f"P{i}", "type": "penalty", "date": day, "act": "contract_fraud",
             "authority": "突泉县市场监督管理局", "sales_amount": "52000.00"}
            for i, day in enumerate(["2023-09-12", "2024-01-15", "2024-05-20"], start=1)
        ],
    }


def report_of(facts: Any, engine: str = "durable") -> dict[str, Any]:
    return json.loads(ec.evaluate("tuquan", facts, as_of=AS_OF, engine=engine).to_json())


def test_every_verdict_carries_its_rules_interpretation_or_null() -> None:
    verdicts = {v["rule"]: v for v in report_of(offender())["verdicts"]}
    rs = ec.load_ruleset("tuquan")
    for rule_id, verdict in verdicts.items():
        assert verdict["interpretation"] == rs.rules_by_id[rule_id].interpretation
    assert verdicts["tuquan.art11.item4"]["interpretation"] is None
    assert verdicts["tuquan.art12"]["interpretation"]


def test_parameters_name_the_value_applied_and_the_day_it_took_effect() -> None:
    verdict = next(v for v in report_of(offender())["verdicts"] if v["rule"] == "tuquan.art11.item4")
    assert verdict["details"]["parameters"]["repeat_penalties"] == {"value": 3, "from": "2016-01-01"}
    assert verdict["details"]["parameters"]["window_months"] == {"value": 12, "from": "2016-01-01"}


def test_parameters_follow_a_dated_amendment(tmp_path) -> None:
    text = ec.load_ruleset("tuquan").path.read_text(encoding="utf-8")
    amended = text.replace("      - {from: 2016-01-01, value: 3}", "      - {from: 2016-01-01, value: 3}\n"
                                                                    "      - {from: 2024-01-01, value: 2}", 1)
    assert amended != text, "the rule file's repeat_penalties entry moved; update this test"
    path = tmp_path / "tuquan.yaml"
    path.write_text(amended, encoding="utf-8")
    report = json.loads(ec.evaluate(ec.load_ruleset(path), offender(), as_of=AS_OF).to_json())
    verdict = next(v for v in report["verdicts"] if v["rule"] == "tuquan.art11.item4")
    assert verdict["details"]["parameters"]["repeat_penalties"] == {"value": 2, "from": "2024-01-01"}


def test_rules_without_parameters_keep_their_details_unchanged() -> None:
    verdict = next(v for v in report_of(offender())["verdicts"] if v["rule"] == "tuquan.art12")
    assert verdict["details"] == {}


def test_deadline_details_keep_their_keys_and_add_parameters() -> None:
    facts = {"subject": {"id": "S1", "roles": ["goods_operator"]},
             "events": [{"id": "R1", "type": "review_request", "date": "2024-05-02"}]}
    deadline = next(v for v in report_of(facts)["verdicts"] if v["kind"] == "deadline")
    assert {"trigger", "trigger_date", "working_days", "due", "status"} <= set(deadline["details"])
    assert deadline["details"]["parameters"]["review_working_days"]["value"] == deadline["details"]["working_days"]


def test_generator_names_the_package_and_its_version() -> None:
    assert report_of(offender())["generator"] == {"package": "ecredit-rules", "version": ec.__version__}


def test_facts_digest_is_the_same_for_json_text_dict_and_model() -> None:
    facts = offender()
    digests = {
        report_of(json.dumps(facts, ensure_ascii=False))["facts_digest"],
        report_of(facts)["facts_digest"],
        report_of(load_facts(facts))["facts_digest"],
    }
    assert len(digests) == 1
    assert next(iter(digests)).startswith("sha256:")


def test_facts_digest_ignores_key_order_spacing_nulls_and_trailing_zeros() -> None:
    facts = offender()
    same = json.loads(json.dumps(facts))
    same["subject"]["region"] = None
    same["events"][0]["sales_amount"] = 52000
    text = json.dumps(dict(reversed(list(same.items()))), indent=4)
    assert facts_digest(text) == facts_digest(facts)


def test_facts_digest_changes_when_a_fact_changes() -> None:
    changed = offender()
    changed["events"][2]["date"] = "2024-05-21"
    assert facts_digest(changed) != facts_digest(offender())


def test_an_empty_list_is_not_the_same_facts_as_an_absent_one() -> None:
    without = offender()
    del without["subject"]["lists"]
    assert facts_digest(without) != facts_digest(offender())


def test_canonical_form_is_rfc8785_with_sorted_keys_and_text_amounts() -> None:
    text = canonical_facts({"subject": {"name": "甲", "id": "S1"},
                            "events": ({"id": "P1", "date": date(2024, 1, 5), "sales_amount": Decimal("10.50")},)})
    assert text == ('{"events":[{"date":"2024-01-05","id":"P1","sales_amount":"10.5"}],'
                    '"subject":{"id":"S1","name":"甲"}}').encode()


@pytest.mark.parametrize("engine", ["durable", "compiled"])
def test_both_engines_carry_the_same_auditor_fields(engine: str) -> None:
    durable, other = report_of(offender()), report_of(offender(), engine)
    for key in ("facts_digest", "generator"):
        assert other[key] == durable[key]
    assert [v["details"] for v in other["verdicts"]] == [v["details"] for v in durable["verdicts"]]


def test_a_report_out_of_force_carries_the_digest_and_the_periods_interpretation() -> None:
    report = json.loads(ec.evaluate("tuquan", offender(), as_of=date(2015, 6, 30)).to_json())
    assert report["in_force"] is False
    assert report["facts_digest"] == facts_digest(offender())
    assert "interpretation" in report["verdicts"][0]


def test_compare_carries_the_facts_digest_and_generator() -> None:
    comparison = json.loads(ec.compare(offender(), as_of=AS_OF).to_json())
    assert comparison["facts_digest"] == facts_digest(offender())
    assert comparison["generator"]["version"] == ec.__version__


@pytest.mark.parametrize("rid", ec.available_rulesets())
def test_ruleset_digest_is_what_sha256sum_prints_for_the_rule_file(rid: str) -> None:
    # docs/auditor-guide.md tells auditors to check the digest this way.
    import hashlib

    rs = ec.load_ruleset(rid)
    assert rs.digest == "sha256:" + hashlib.sha256(rs.path.read_bytes()).hexdigest()


def test_canonical_form_equals_the_rfc8785_package_on_generated_subjects() -> None:
    from bench.generate import subjects_json

    from ecredit_rules.digest import canonical_facts_reference
    from ecredit_rules.facts import facts_data

    for text in subjects_json(200):
        checked = facts_data(text)
        assert canonical_facts(checked) == canonical_facts_reference(checked)
        assert _canonical_checked(checked) == canonical_facts_reference(checked)


def _key_orders(part: object) -> list[bool]:
    """Whether each object's keys are in alphabetical order; the code dicts keep the caller's order
    (the digest sorts those)."""
    if isinstance(part, dict):
        inner = (ok for k, v in part.items() if k not in ("compliance", "retention_days") for ok in _key_orders(v))
        return [list(part) == sorted(part), *inner]
    if isinstance(part, tuple | list):
        return [ok for v in part for ok in _key_orders(v)]
    return []


@pytest.mark.parametrize("form", ["text", "dict", "model"])
def test_facts_data_keys_are_alphabetical_whatever_the_input_form(form: str) -> None:
    # The digest serializes facts_data's dicts as they are: RFC 8785 needs their keys sorted.
    from bench.generate import subjects_json

    from ecredit_rules.facts import facts_data, load_facts

    for text in subjects_json(50):
        facts = {"text": text, "dict": json.loads(text), "model": load_facts(text)}[form]
        orders = _key_orders(facts_data(facts))
        assert orders and all(orders)


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=150, deadline=None)
@given(name=_TEXT, authority=_TEXT, reference=st.one_of(st.none(), _TEXT),
       amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
       flags=st.dictionaries(st.sampled_from(["seven_day_returns", "license_display"]), st.booleans()))
def test_canonical_form_equals_the_rfc8785_package_on_any_text(
    name: str, authority: str, reference: str | None, amount: Decimal, flags: dict[str, bool]
) -> None:
    from ecredit_rules.digest import canonical_facts_reference
    from ecredit_rules.facts import facts_data

    facts = {"subject": {"id": "S1", "name": name}, "compliance": flags,
             "events": [{"id": "P1", "type": "penalty", "date": "2024-01-05", "authority": authority,
                         "reference": reference, "sales_amount": amount}]}
    try:
        checked = facts_data(facts)
    except ec.FactsError:  # text the facts refuse (bounds, control characters) has no digest
        assume(False)
        return
    assert canonical_facts(checked) == canonical_facts_reference(checked)
    assert _canonical_checked(checked) == canonical_facts_reference(checked)


@pytest.mark.parametrize("days", [0, 2**53 - 1, 2**53, 10**30])
def test_canonical_form_equals_the_rfc8785_package_for_any_retention_day_count(days: int) -> None:
    from ecredit_rules.digest import canonical_facts_reference
    from ecredit_rules.facts import facts_data

    checked = facts_data({"subject": {"id": "S1"}, "retention_days": {"receipts": days},
                          "assessment": {"stable_staff": True, "management": None}})
    assert canonical_facts(checked) == canonical_facts_reference(checked)
    assert _canonical_checked(checked) == canonical_facts_reference(checked)


def test_orjson_escapes_every_code_point_as_rfc8785_does() -> None:
    # The digest's orjson path relies on it for every string in the facts.
    import orjson
    import rfc8785

    differ = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and orjson.dumps(chr(c)) != rfc8785.dumps(chr(c))]
    assert differ == []


@pytest.mark.parametrize(
    "checked",
    [
        {"subject": {"id": "S1"}, "compliance": {"\U0001f600": True, "\uff01": False, "a": True}},
        {"subject": {"id": "S1", "name": None}, "events": ({"id": "P1", "answers": None},)},
        {"subject": {"id": "S1", "name": "\ud800"}},
        {"subject": {"id": "S1"}, "retention_days": {"receipts": 2**53}},
        {"subject": {"id": "S1"}, 1: 2},
    ],
    ids=["keys sorting apart in utf-16", "nulls", "lone surrogate", "past 2**53", "a key that is not text"],
)
def test_what_orjson_would_write_otherwise_is_written_by_the_reference(checked: dict[Any, Any]) -> None:
    from ecredit_rules.digest import canonical_facts_reference

    try:
        expected = canonical_facts_reference(checked)
    except (TypeError, ValueError) as refused:  # the reference refuses it: so must the fast path, the same way
        with pytest.raises(type(refused)):
            _canonical_checked(checked)
        return
    assert _canonical_checked(checked) == expected


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_canonical_form_equals_the_rfc8785_package_on_random_generated_subjects(seed: int) -> None:
    import random

    from bench.generate import subject

    from ecredit_rules.digest import canonical_facts_reference
    from ecredit_rules.facts import facts_data

    facts = subject(random.Random(seed), seed)
    for form in (facts, json.dumps(facts, ensure_ascii=False)):
        checked = facts_data(form)
        assert _canonical_checked(checked) == canonical_facts_reference(checked)


@pytest.mark.parametrize("amount", [Decimal("-0.00"), Decimal("-0"), "-0", "-0.00"])
def test_minus_zero_never_reaches_the_digest_whose_amount_texts_take_it_for_zero(amount: object) -> None:
    # The digest's memo of amount texts answers -0 as 0 (equal keys): validation must refuse it.
    from ecredit_rules.facts import facts_data

    with pytest.raises(ec.FactsError):
        facts_data({"subject": {"id": "S1"}, "events": [
            {"id": "P1", "type": "penalty", "date": "2024-01-15", "sales_amount": amount}]})


def test_equal_amounts_are_written_alike_by_the_digest() -> None:
    from ecredit_rules.digest import _orjson_default

    assert _orjson_default(Decimal("50000.00")) == _orjson_default(Decimal("50000")) == "50000"
    assert _orjson_default(Decimal("0.50")) == "0.5"
