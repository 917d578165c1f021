"""西宁 (xining): each encoded clause fires, and does not fire at its boundary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.vocabulary import vocabulary
from tests.conftest import event, fired, subject

RS = "xining"
AS_OF = date(2024, 6, 30)

GOODS = ["goods_operator"]
PLATFORM = ["platform_operator"]
INFRA = ["infrastructure_provider"]
OTHER_ROLE = {"goods_operator": ["infrastructure_provider"], "platform_operator": ["goods_operator"],
              "infrastructure_provider": ["platform_operator"]}


def facts(*events: dict[str, Any], roles: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    subj = extra.pop("subject", {})
    if roles is not None:
        subj = {**subj, "roles": roles}
    out: dict[str, Any] = {"subject": subject(**subj), "events": list(events)}
    out.update(extra)
    return out


def verdict(report: ec.Report, rule: str) -> ec.Verdict:
    return next(v for v in report.verdicts if v.rule == rule)


def undetermined(report: ec.Report, rule: str) -> list[str] | None:
    return next((u.missing for u in report.undetermined if u.rule == rule), None)


ALL_SYSTEMS = sorted(vocabulary().platform_systems)
ALL_MET = {code: True for code in vocabulary().compliance}


# --- compliance duties: 第十一条、第十三条、第十四条、第十六条 -----------------------------------------

COMPLIANCE = [
    ("xining.art11.item1", "lawful_goods", "goods_operator"),
    ("xining.art11.item2", "quality_assurance", "goods_operator"),
    ("xining.art11.item3", "information_disclosure", "goods_operator"),
    ("xining.art11.item4", "seven_day_returns", "goods_operator"),
    ("xining.art11.item5", "fair_standard_terms", "goods_operator"),
    ("xining.art11.item7", "consumer_data_protection", "goods_operator"),
    ("xining.art11.item7", "no_disclosure_of_user_data", "goods_operator"),
    ("xining.art11.item8", "truthful_information", "goods_operator"),
    ("xining.art13.item1", "verify_sellers", "platform_operator"),
    ("xining.art13.item4", "consumer_consent", "platform_operator"),
    ("xining.art13.item5", "no_disclosure_of_user_data", "platform_operator"),
    ("xining.art13.item6", "no_spam", "platform_operator"),
    ("xining.art13.item7", "ip_protection", "platform_operator"),
    ("xining.art14.item1", "verify_users", "infrastructure_provider"),
    ("xining.art14.item4", "no_disclosure_of_user_data", "infrastructure_provider"),
    ("xining.art16", "security_level_protection", "platform_operator"),
]


@pytest.mark.parametrize(("rule", "code", "role"), COMPLIANCE)
def test_breached_duty_fires(judge, rule: str, code: str, role: str) -> None:
    report = judge(RS, facts(roles=[role], compliance={code: False}), AS_OF)
    v = verdict(report, rule)
    assert v.kind == "obligation_breach"
    assert f"compliance.{code}" in v.evidence


@pytest.mark.parametrize(("rule", "code", "role"), COMPLIANCE)
def test_met_duty_gives_no_verdict(judge, rule: str, code: str, role: str) -> None:
    report = judge(RS, facts(roles=[role], compliance=ALL_MET), AS_OF)
    assert rule not in fired(report)
    assert undetermined(report, rule) is None


@pytest.mark.parametrize(("rule", "code", "role"), COMPLIANCE)
def test_breached_duty_of_a_role_not_addressed_gives_no_verdict(judge, rule: str, code: str, role: str) -> None:
    report = judge(RS, facts(roles=OTHER_ROLE[role], compliance={code: False}), AS_OF)
    assert rule not in fired(report)
    assert undetermined(report, rule) is None


@pytest.mark.parametrize(("rule", "code", "role"), COMPLIANCE)
def test_unknown_duty_is_undetermined(judge, rule: str, code: str, role: str) -> None:
    report = judge(RS, facts(roles=[role], compliance={}), AS_OF)
    assert rule not in fired(report)
    missing = undetermined(report, rule)
    assert missing is not None and f"compliance.{code}" in missing


def test_item7_needs_both_data_duties_known_to_be_met(judge) -> None:
    report = judge(RS, facts(roles=GOODS, compliance={"consumer_data_protection": True}), AS_OF)
    assert undetermined(report, "xining.art11.item7") == ["compliance.no_disclosure_of_user_data"]


def test_unknown_roles_leave_duties_undetermined(judge) -> None:
    f = facts(compliance={"lawful_goods": False})
    del f["subject"]["roles"]
    report = judge(RS, f, AS_OF)
    assert "xining.art11.item1" not in fired(report)
    assert undetermined(report, "xining.art11.item1") == ["subject.roles"]


# --- 第九条: licence display ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["enterprise", "individual_business", "other_organization"])
def test_licensed_operator_hiding_its_licence_breaches_art9(judge, form: str) -> None:
    report = judge(RS, facts(subject={"legal_form": form}, compliance={"license_display": False}), AS_OF)
    assert verdict(report, "xining.art9").citation.label == "第九条第一款"


def test_licence_displayed_gives_no_art9_verdict(judge) -> None:
    report = judge(RS, facts(compliance={"license_display": True}), AS_OF)
    assert "xining.art9" not in fired(report)
    assert undetermined(report, "xining.art9") is None


def test_unlicensed_operator_is_not_addressed_by_art9(judge) -> None:
    report = judge(RS, facts(subject={"licensed": False}, compliance={"license_display": False}), AS_OF)
    assert "xining.art9" not in fired(report)
    assert undetermined(report, "xining.art9") is None


def test_natural_person_is_not_addressed_by_art9(judge) -> None:
    f = facts(subject={"legal_form": "natural_person"}, compliance={"license_display": False})
    assert "xining.art9" not in fired(judge(RS, f, AS_OF))


def test_platform_only_is_not_addressed_by_art9(judge) -> None:
    assert "xining.art9" not in fired(judge(RS, facts(roles=PLATFORM, compliance={"license_display": False}), AS_OF))


def test_unknown_licence_display_is_undetermined(judge) -> None:
    report = judge(RS, facts(compliance={}), AS_OF)
    assert undetermined(report, "xining.art9") == ["compliance.license_display"]


def test_unknown_licence_status_is_undetermined(judge) -> None:
    f = facts(compliance={"license_display": False})
    del f["subject"]["licensed"]
    assert undetermined(judge(RS, f, AS_OF), "xining.art9") == ["subject.licensed"]


# --- 第十条: natural persons ---------------------------------------------------------------------------


def test_natural_person_without_real_identity_breaches_art10(judge) -> None:
    f = facts(subject={"legal_form": "natural_person", "licensed": False},
              compliance={"real_identity_submitted": False})
    assert verdict(judge(RS, f, AS_OF), "xining.art10").citation.article == 10


def test_natural_person_with_real_identity_gives_no_verdict(judge) -> None:
    f = facts(subject={"legal_form": "natural_person"}, compliance={"real_identity_submitted": True})
    assert "xining.art10" not in fired(judge(RS, f, AS_OF))


def test_enterprise_is_not_addressed_by_the_identity_duty(judge) -> None:
    report = judge(RS, facts(compliance={"real_identity_submitted": False}), AS_OF)
    assert "xining.art10" not in fired(report)
    assert undetermined(report, "xining.art10") is None


def test_unknown_identity_submission_is_undetermined(judge) -> None:
    report = judge(RS, facts(subject={"legal_form": "natural_person"}), AS_OF)
    assert undetermined(report, "xining.art10") == ["compliance.real_identity_submitted"]


@pytest.mark.parametrize("etype", ["penalty", "finding"])
def test_established_unlicensed_operation_requires_registration(judge, etype: str) -> None:
    f = facts(event("F1", etype, "2024-01-10", "unlicensed_operation"), subject={"legal_form": "natural_person"})
    assert "F1" in verdict(judge(RS, f, AS_OF), "xining.art10.registration").evidence


def test_unlicensed_operation_after_as_of_is_ignored(judge) -> None:
    f = facts(event("F1", "finding", "2024-07-01", "unlicensed_operation"), subject={"legal_form": "natural_person"})
    assert "xining.art10.registration" not in fired(judge(RS, f, AS_OF))


@pytest.mark.parametrize("form", ["enterprise", "individual_business"])
def test_trading_as_business_without_licence_requires_registration(judge, form: str) -> None:
    f = facts(subject={"legal_form": form, "licensed": False})
    assert "xining.art10.registration" in fired(judge(RS, f, AS_OF))


def test_natural_person_trading_in_own_name_without_licence_need_not_register(judge) -> None:
    f = facts(subject={"legal_form": "natural_person", "licensed": False})
    report = judge(RS, f, AS_OF)
    assert "xining.art10.registration" not in fired(report)
    assert undetermined(report, "xining.art10.registration") is None


def test_licensed_enterprise_need_not_register(judge) -> None:
    assert "xining.art10.registration" not in fired(judge(RS, facts(), AS_OF))


# --- retention: 第十一条(六)、第十三条(二)、第十四条(二) -------------------------------------------------

RETENTION = [
    ("xining.art11.item6", "receipts", "goods_operator", 730),
    ("xining.art13.item2", "seller_identity_records", "platform_operator", 730),
    ("xining.art13.item2", "transaction_records", "platform_operator", 730),
    ("xining.art14.item2", "user_access_logs", "infrastructure_provider", 60),
]
RECORDS_OF = {
    "xining.art11.item6": ["receipts"],
    "xining.art13.item2": ["seller_identity_records", "transaction_records"],
    "xining.art14.item2": ["user_access_logs"],
}


def kept(rule: str, record: str, days: int, others: int) -> dict[str, int]:
    return {r: (days if r == record else others) for r in RECORDS_OF[rule]}


@pytest.mark.parametrize(("rule", "record", "role", "limit"), RETENTION)
def test_retention_one_day_short_fires(judge, rule: str, record: str, role: str, limit: int) -> None:
    report = judge(RS, facts(roles=[role], retention_days=kept(rule, record, limit - 1, limit)), AS_OF)
    assert f"retention_days.{record}" in verdict(report, rule).evidence


@pytest.mark.parametrize(("rule", "record", "role", "limit"), RETENTION)
def test_retention_of_exactly_the_minimum_does_not_fire(judge, rule: str, record: str, role: str, limit: int) -> None:
    report = judge(RS, facts(roles=[role], retention_days=kept(rule, record, limit, limit)), AS_OF)
    assert rule not in fired(report)
    assert undetermined(report, rule) is None


@pytest.mark.parametrize(("rule", "record", "role", "limit"), RETENTION)
def test_retention_short_for_a_role_not_addressed_gives_no_verdict(
    judge, rule: str, record: str, role: str, limit: int
) -> None:
    report = judge(RS, facts(roles=OTHER_ROLE[role], retention_days=kept(rule, record, 1, 1)), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize(("rule", "record", "role", "limit"), RETENTION)
def test_unknown_retention_is_undetermined(judge, rule: str, record: str, role: str, limit: int) -> None:
    report = judge(RS, facts(roles=[role], retention_days={}), AS_OF)
    missing = undetermined(report, rule)
    assert missing is not None and f"retention_days.{record}" in missing


NEAR_TWO_YEARS = st.one_of(st.integers(min_value=700, max_value=760), st.integers(min_value=0, max_value=5000))


@settings(max_examples=60, deadline=None)
@given(days=NEAR_TWO_YEARS)
@example(days=729)
@example(days=730)
def test_receipts_retention_fires_iff_under_two_years(judge, days: int) -> None:
    report = judge(RS, facts(roles=GOODS, retention_days={"receipts": days}), AS_OF)
    assert ("xining.art11.item6" in fired(report)) == (days < 730)


@settings(max_examples=60, deadline=None)
@given(identity=NEAR_TWO_YEARS, trades=NEAR_TWO_YEARS)
@example(identity=730, trades=729)
@example(identity=730, trades=730)
def test_platform_retention_fires_iff_either_record_under_two_years(judge, identity: int, trades: int) -> None:
    kept_days = {"seller_identity_records": identity, "transaction_records": trades}
    report = judge(RS, facts(roles=PLATFORM, retention_days=kept_days), AS_OF)
    assert ("xining.art13.item2" in fired(report)) == (identity < 730 or trades < 730)


# --- 第十二条: the eight platform systems --------------------------------------------------------------

SYSTEMS = [
    ("xining.art12.item1", "user_registration"),
    ("xining.art12.item2", "seller_qualification_review"),
    ("xining.art12.item3", "trading_rules"),
    ("xining.art12.item4", "information_disclosure_review"),
    ("xining.art12.item5", "consumer_protection"),
    ("xining.art12.item6", "publicity_and_warning"),
    ("xining.art12.item7", "transaction_security_and_backup"),
    ("xining.art12.item8", "other_required_systems"),
]
SYSTEM_RULES = {rule for rule, _ in SYSTEMS}


@pytest.mark.parametrize(("rule", "code"), SYSTEMS)
def test_each_missing_system_is_its_own_verdict(judge, rule: str, code: str) -> None:
    systems = [s for s in ALL_SYSTEMS if s != code]
    report = judge(RS, facts(roles=PLATFORM, platform_systems=systems), AS_OF)
    assert fired(report) & SYSTEM_RULES == {rule}
    assert verdict(report, rule).kind == "obligation_breach"


def test_platform_with_no_systems_gets_eight_verdicts(judge) -> None:
    report = judge(RS, facts(roles=PLATFORM, platform_systems=[]), AS_OF)
    assert fired(report) & SYSTEM_RULES == SYSTEM_RULES


def test_platform_with_all_systems_gets_no_system_verdict(judge) -> None:
    report = judge(RS, facts(roles=PLATFORM, platform_systems=ALL_SYSTEMS), AS_OF)
    assert not fired(report) & SYSTEM_RULES
    assert not {u.rule for u in report.undetermined} & SYSTEM_RULES


@pytest.mark.parametrize(("rule", "code"), SYSTEMS)
def test_goods_operator_without_platform_is_not_asked_for_systems(judge, rule: str, code: str) -> None:
    report = judge(RS, facts(roles=GOODS, platform_systems=[]), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize(("rule", "code"), SYSTEMS)
def test_unknown_systems_are_undetermined(judge, rule: str, code: str) -> None:
    assert undetermined(judge(RS, facts(roles=PLATFORM), AS_OF), rule) == ["platform_systems"]


# --- 第十一条末段: a seller on its own platform --------------------------------------------------------

COMPLIANT_PLATFORM: dict[str, Any] = {
    "compliance": ALL_MET,
    "platform_systems": ALL_SYSTEMS,
    "retention_days": {"receipts": 730, "seller_identity_records": 730, "transaction_records": 730},
}


def test_own_platform_seller_missing_a_system_breaches_the_last_paragraph(judge) -> None:
    systems = [s for s in ALL_SYSTEMS if s != "consumer_protection"]
    report = judge(RS, facts(roles=GOODS + PLATFORM, **{**COMPLIANT_PLATFORM, "platform_systems": systems}), AS_OF)
    v = verdict(report, "xining.art11.self_platform")
    assert v.citation.label == "第十一条末段"
    assert v.derived_from == ["xining.art12.item5"]
    assert "xining.art12.item5" in fired(report)


def test_own_platform_seller_breaching_a_platform_duty_breaches_the_last_paragraph(judge) -> None:
    f = facts(roles=GOODS + PLATFORM, **{**COMPLIANT_PLATFORM, "compliance": {**ALL_MET, "verify_sellers": False}})
    assert verdict(judge(RS, f, AS_OF), "xining.art11.self_platform").derived_from == ["xining.art13.item1"]


def test_compliant_own_platform_seller_gets_no_verdict(judge) -> None:
    report = judge(RS, facts(roles=GOODS + PLATFORM, **COMPLIANT_PLATFORM), AS_OF)
    assert report.verdicts == []
    assert report.undetermined == []


def test_platform_that_does_not_sell_is_not_addressed_by_the_last_paragraph(judge) -> None:
    report = judge(RS, facts(roles=PLATFORM, **{**COMPLIANT_PLATFORM, "platform_systems": []}), AS_OF)
    assert "xining.art12.item1" in fired(report)
    assert "xining.art11.self_platform" not in fired(report)


def test_last_paragraph_reads_the_stale_reference_as_articles_12_and_13() -> None:
    rule = next(r for r in ec.load_ruleset(RS).model.rules if r.id == "xining.art11.self_platform")
    assert rule.interpretation is not None and "第十二条、第十三条" in rule.interpretation


# --- 第十五条: prohibited acts ------------------------------------------------------------------------

PROHIBITED = {
    "xining.art15.item1": ["competitor_defamation", "malicious_reviews"],
    "xining.art15.item2": ["trademark_misuse"],
    "xining.art15.item3": ["web_design_imitation"],
    "xining.art15.item4": ["forged_official_marks"],
    "xining.art15.item5": ["false_publicity", "false_advertising", "goods_not_as_pictured"],
    "xining.art15.item6": ["unfair_standard_terms"],
    "xining.art15.item7": ["impersonation"],
    "xining.art15.item8": ["forced_ads"],
    "xining.art15.item9": ["counterfeit_goods", "trademark_infringing_goods", "adulterated_goods",
                           "unsafe_agricultural_products"],
    "xining.art15.item10": ["pyramid_selling"],
    "xining.art15.item11": ["malicious_program"],
    "xining.art15.item12": ["other_violation", "false_identity", "unlicensed_operation", "contract_fraud",
                            "prohibited_goods", "fake_reviews", "other_serious_violation", "fake_traffic",
                            "price_fraud", "consumer_fraud", "refuse_to_correct"],
}
ACTS = [(rule, act) for rule, acts in PROHIBITED.items() for act in acts]
ART15 = set(PROHIBITED)


def test_every_act_code_belongs_to_exactly_one_item() -> None:
    listed = [act for _, act in ACTS]
    assert sorted(listed) == sorted(vocabulary().acts)


@pytest.mark.parametrize(("rule", "act"), ACTS)
@pytest.mark.parametrize("etype", ["penalty", "finding"])
def test_established_prohibited_act_fires_its_item(judge, rule: str, act: str, etype: str) -> None:
    report = judge(RS, facts(event("E1", etype, "2020-03-01", act)), AS_OF)
    assert fired(report) & ART15 == {rule}
    v = verdict(report, rule)
    assert v.kind == "prohibited"
    assert v.evidence == ["E1"]


@pytest.mark.parametrize(("rule", "act"), ACTS)
def test_warning_is_not_an_established_act(judge, rule: str, act: str) -> None:
    report = judge(RS, facts(event("W1", "warning", "2024-03-01", act)), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize(("rule", "act"), ACTS)
def test_prohibited_act_after_as_of_is_ignored(judge, rule: str, act: str) -> None:
    report = judge(RS, facts(event("F1", "finding", "2024-07-01", act)), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize("roles", [GOODS, PLATFORM, INFRA])
def test_prohibited_acts_apply_to_every_kind_of_subject(judge, roles: list[str]) -> None:
    report = judge(RS, facts(event("F1", "finding", "2024-01-01", "pyramid_selling"), roles=roles), AS_OF)
    assert "xining.art15.item10" in fired(report)


def test_absent_events_leave_prohibited_acts_undetermined(judge) -> None:
    report = judge(RS, {"subject": subject()}, AS_OF)
    assert undetermined(report, "xining.art15.item9") == ["events"]


def test_no_events_gives_no_prohibited_verdict(judge) -> None:
    report = judge(RS, facts(), AS_OF)
    assert not fired(report) & ART15
    assert not {u.rule for u in report.undetermined} & ART15


# --- period of force, citations ----------------------------------------------------------------------


def test_first_day_of_force_is_in_force(judge) -> None:
    report = judge(RS, facts(event("F1", "finding", "2019-01-20", "counterfeit_goods")), date(2019, 2, 1))
    assert report.in_force is True
    assert "xining.art15.item9" in fired(report)


def test_day_before_force_gives_only_a_notice_citing_art28(judge) -> None:
    report = judge(RS, facts(event("F1", "finding", "2019-01-20", "counterfeit_goods")), date(2019, 1, 31))
    assert report.in_force is False
    assert [v.kind for v in report.verdicts] == ["notice"]
    assert report.verdicts[0].citation.label == "第二十八条"
    assert report.verdicts[0].citation.article == 28


def test_no_end_of_force(judge) -> None:
    assert judge(RS, facts(), date(2030, 1, 1)).in_force is True


def test_citation_carries_the_verbatim_clause(judge) -> None:
    report = judge(RS, facts(roles=GOODS, retention_days={"receipts": 100}), AS_OF)
    citation = verdict(report, "xining.art11.item6").citation
    assert citation.article == 11 and citation.item == 6
    assert citation.text.endswith("且保存时间不得少于2年。")


def test_page_layout_artefacts_are_not_clause_text() -> None:
    rs = ec.load_ruleset(RS)
    assert all("抄送" not in c.text and "印发" not in c.text for c in rs.clauses.values())
    assert rs.clauses["art23"].text.endswith("等多种方式予以确认。")
    assert rs.document.number == "宁商字〔2019〕7号"
