"""本溪 (benxi): each encoded heading fires, and does not fire at its boundary."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import event, facts, fired, subject, undetermined, verdict

AS_OF = date(2024, 6, 30)

COUNTERFEIT = ["counterfeit_goods", "adulterated_goods", "trademark_infringing_goods", "unsafe_agricultural_products"]
OTHER = [
    "competitor_defamation", "trademark_misuse", "web_design_imitation", "forged_official_marks", "false_publicity",
    "unfair_standard_terms", "impersonation", "forced_ads", "pyramid_selling", "malicious_program", "other_violation",
    "false_identity", "unlicensed_operation", "contract_fraud", "prohibited_goods", "false_advertising",
    "other_serious_violation", "consumer_fraud", "refuse_to_correct",
]
RECORDED = [
    ("benxi.s3.2.1.malicious_reviews", "malicious_reviews"),
    ("benxi.s3.2.1.fake_reviews", "fake_reviews"),
    ("benxi.s3.2.1.fake_traffic", "fake_traffic"),
    ("benxi.s3.2.1.goods_not_as_pictured", "goods_not_as_pictured"),
    *[("benxi.s3.2.1.counterfeit", act) for act in COUNTERFEIT],
    ("benxi.s3.2.1.price_fraud", "price_fraud"),
    *[("benxi.s3.2.1.other", act) for act in OTHER],
]
RECORD_RULES = {rule for rule, _ in RECORDED}

WARNINGS = [
    *[("benxi.s3.3.4.counterfeit", act) for act in COUNTERFEIT],
    ("benxi.s3.3.4.fake_reviews", "fake_reviews"),
    ("benxi.s3.3.4.refuse_to_correct", "refuse_to_correct"),
]
WARNING_RULES = {rule for rule, _ in WARNINGS}

INCENTIVES = ["promotion", "convenience", "platform", "finance"]
SHOP_SANCTIONS = ["membership", "downgrade", "shop_block", "shop_seal", "exposure"]
ENTERPRISE_SANCTIONS = ["supervision", "office_ban", "business_restriction", "credit_restriction"]


# --- 三（二）一是: dishonest behaviours recorded in credit files -------------------------------------------


@pytest.mark.parametrize(("rule", "act"), RECORDED)
@pytest.mark.parametrize("etype", ["penalty", "finding"])
def test_recorded_behaviour_is_dishonest(judge, rule: str, act: str, etype: str) -> None:
    report = judge("benxi", facts(event("E1", etype, "2023-05-01", act)), AS_OF)
    v = verdict(report, rule)
    assert v.kind == "dishonest"
    assert v.evidence == ["E1"]


@pytest.mark.parametrize(("rule", "act"), RECORDED)
def test_each_act_falls_under_exactly_one_recorded_behaviour(judge, rule: str, act: str) -> None:
    report = judge("benxi", facts(event("E1", "finding", "2023-05-01", act)), AS_OF)
    assert fired(report) & RECORD_RULES == {rule}


@pytest.mark.parametrize(("rule", "act"), RECORDED)
def test_recorded_behaviour_after_as_of_is_ignored(judge, rule: str, act: str) -> None:
    report = judge("benxi", facts(event("E1", "finding", "2024-07-01", act)), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize(("rule", "act"), RECORDED)
def test_a_warning_is_not_a_recorded_behaviour(judge, rule: str, act: str) -> None:
    report = judge("benxi", facts(event("W1", "warning", "2024-01-01", act)), AS_OF)
    assert rule not in fired(report)


def test_recorded_behaviour_of_a_platform_operator_is_not_judged(judge) -> None:
    report = judge("benxi", facts(event("E1", "finding", "2024-01-01", "fake_traffic"),
                                  subject={"roles": ["platform_operator"]}), AS_OF)
    assert not fired(report) & RECORD_RULES


def test_absent_events_leave_recorded_behaviours_undetermined(judge) -> None:
    report = judge("benxi", {"subject": subject()}, AS_OF)
    assert undetermined(report, "benxi.s3.2.1.price_fraud") == ["events"]


def test_citation_is_the_heading_path_without_article_numbers(judge) -> None:
    report = judge("benxi", facts(event("E1", "finding", "2024-01-01", "price_fraud")), AS_OF)
    citation = verdict(report, "benxi.s3.2.1.price_fraud").citation
    assert citation.article is None and citation.item is None
    assert citation.label.startswith("三、（二）、一是")
    assert "恶意评价、恶意刷单、虚假流量、图物不符、假冒伪劣、价格欺诈" in citation.text


# --- 三（二）二是: credit commitments recorded ------------------------------------------------------------


def test_credit_commitment_is_recorded(judge) -> None:
    report = judge("benxi", facts(event("K1", "commitment", "2023-03-15")), AS_OF)
    v = verdict(report, "benxi.s3.2.2.commitment")
    assert v.kind == "trustworthy"
    assert v.evidence == ["K1"]


def test_no_commitment_means_no_commitment_record(judge) -> None:
    report = judge("benxi", facts(event("S1", "submission", "2023-03-15")), AS_OF)
    assert "benxi.s3.2.2.commitment" not in fired(report)


def test_commitment_after_as_of_is_not_yet_recorded(judge) -> None:
    report = judge("benxi", facts(event("K1", "commitment", "2024-07-01")), AS_OF)
    assert "benxi.s3.2.2.commitment" not in fired(report)


def test_commitment_applies_to_platform_operators_too(judge) -> None:
    report = judge("benxi", facts(event("K1", "commitment", "2023-03-15"), subject={"roles": ["platform_operator"]}),
                   AS_OF)
    assert "benxi.s3.2.2.commitment" in fired(report)


# --- 三（三）四是: risk warnings ------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "act"), WARNINGS)
def test_serious_dishonesty_calls_for_a_risk_warning(judge, rule: str, act: str) -> None:
    report = judge("benxi", facts(event("E1", "penalty", "2024-02-01", act)), AS_OF)
    v = verdict(report, rule)
    assert v.kind == "risk_warning"
    assert fired(report) & WARNING_RULES == {rule}


@pytest.mark.parametrize(("rule", "act"), WARNINGS)
def test_serious_dishonesty_after_as_of_calls_for_no_warning(judge, rule: str, act: str) -> None:
    report = judge("benxi", facts(event("E1", "penalty", "2024-07-01", act)), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize("act", ["fake_traffic", "price_fraud", "malicious_reviews"])
def test_other_dishonesty_calls_for_no_risk_warning(judge, act: str) -> None:
    report = judge("benxi", facts(event("E1", "finding", "2024-02-01", act)), AS_OF)
    assert not fired(report) & WARNING_RULES


def test_risk_warning_is_for_merchants_only(judge) -> None:
    report = judge("benxi", facts(event("E1", "finding", "2024-02-01", "refuse_to_correct"),
                                  subject={"roles": ["infrastructure_provider"]}), AS_OF)
    assert "benxi.s3.3.4.refuse_to_correct" not in fired(report)


# --- 三（四）二是: incentives for the red list ------------------------------------------------------------------


@pytest.mark.parametrize("measure", INCENTIVES)
def test_red_listed_merchant_gets_each_incentive(judge, measure: str) -> None:
    report = judge("benxi", facts(subject={"lists": ["red"]}), AS_OF)
    v = verdict(report, f"benxi.s3.4.2.{measure}")
    assert v.kind == "incentive"
    assert v.citation.label.startswith("三、（四）、二是（")


@pytest.mark.parametrize("measure", INCENTIVES)
def test_subject_not_on_the_red_list_gets_no_incentive(judge, measure: str) -> None:
    report = judge("benxi", facts(subject={"lists": ["black"]}), AS_OF)
    assert f"benxi.s3.4.2.{measure}" not in fired(report)


@pytest.mark.parametrize("measure", INCENTIVES)
def test_unknown_list_membership_leaves_incentives_undetermined(judge, measure: str) -> None:
    report = judge("benxi", facts(subject={"lists": None}), AS_OF)
    assert undetermined(report, f"benxi.s3.4.2.{measure}") == ["subject.lists"]


def test_platform_search_preference_is_not_for_a_platform_operator(judge) -> None:
    report = judge("benxi", facts(subject={"lists": ["red"], "roles": ["platform_operator"]}), AS_OF)
    assert "benxi.s3.4.2.platform" not in fired(report)
    assert "benxi.s3.4.2.finance" in fired(report)


# --- 三（四）三是: sanctions for the black list ------------------------------------------------------------------


@pytest.mark.parametrize("measure", SHOP_SANCTIONS)
def test_black_listed_merchant_gets_each_platform_sanction(judge, measure: str) -> None:
    report = judge("benxi", facts(subject={"lists": ["black"]}), AS_OF)
    v = verdict(report, f"benxi.s3.4.3.{measure}")
    assert v.kind == "sanction"
    assert v.evidence == ["subject.lists"]


@pytest.mark.parametrize("measure", SHOP_SANCTIONS)
def test_black_listed_platform_gets_no_shop_sanction(judge, measure: str) -> None:
    report = judge("benxi", facts(subject={"lists": ["black"], "roles": ["platform_operator"]}), AS_OF)
    assert f"benxi.s3.4.3.{measure}" not in fired(report)


@pytest.mark.parametrize("role", ["platform_operator", "infrastructure_provider"])
@pytest.mark.parametrize("measure", ENTERPRISE_SANCTIONS)
def test_black_listed_platform_or_service_enterprise_gets_each_sanction(judge, measure: str, role: str) -> None:
    report = judge("benxi", facts(subject={"lists": ["black"], "roles": [role]}), AS_OF)
    assert verdict(report, f"benxi.s3.4.3.{measure}").kind == "sanction"


@pytest.mark.parametrize("measure", ENTERPRISE_SANCTIONS)
def test_enterprise_sanctions_do_not_reach_a_merchant(judge, measure: str) -> None:
    report = judge("benxi", facts(subject={"lists": ["black"]}), AS_OF)
    assert f"benxi.s3.4.3.{measure}" not in fired(report)


@pytest.mark.parametrize("measure", SHOP_SANCTIONS + ENTERPRISE_SANCTIONS)
def test_subject_not_on_the_black_list_gets_no_sanction(judge, measure: str) -> None:
    roles = ["goods_operator", "platform_operator", "infrastructure_provider"]
    report = judge("benxi", facts(subject={"lists": ["red"], "roles": roles}), AS_OF)
    assert f"benxi.s3.4.3.{measure}" not in fired(report)


def test_dishonest_acts_alone_do_not_put_a_subject_on_the_black_list(judge) -> None:
    report = judge("benxi", facts(event("E1", "penalty", "2024-01-01", "counterfeit_goods")), AS_OF)
    assert not {v.kind for v in report.verdicts} & {"sanction", "blacklist"}


# --- period of force -----------------------------------------------------------------------------------------


def test_notice_date_is_in_force(judge) -> None:
    report = judge("benxi", facts(subject={"lists": ["black"]}), date(2017, 1, 15))
    assert report.in_force is True
    assert "benxi.s3.4.3.shop_block" in fired(report)


def test_day_before_the_notice_date_gives_only_a_notice(judge) -> None:
    report = judge("benxi", facts(subject={"lists": ["black"]}), date(2017, 1, 14))
    assert report.in_force is False
    assert [v.kind for v in report.verdicts] == ["notice"]
    assert "2017年1月15日" in report.verdicts[0].citation.text


def test_no_end_date_still_in_force_decades_later(judge) -> None:
    assert judge("benxi", facts(), date(2040, 1, 1)).in_force is True


def test_report_has_no_document_number(judge) -> None:
    assert judge("benxi", facts(), AS_OF).ruleset.number is None
