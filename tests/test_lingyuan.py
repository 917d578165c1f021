"""凌源 (lingyuan): each encoded clause fires, and does not fire at its boundary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.conftest import event, facts, fired, subject, undetermined, verdict

AS_OF = date(2024, 6, 30)

DUTIES = [
    ("lingyuan.art6.item1", "lawful_goods"),
    ("lingyuan.art6.item2", "quality_assurance"),
    ("lingyuan.art6.item3", "information_disclosure"),
    ("lingyuan.art6.item4", "seven_day_returns"),
    ("lingyuan.art6.item5", "fair_standard_terms"),
    ("lingyuan.art6.item7", "consumer_data_protection"),
    ("lingyuan.art6.item7", "no_disclosure_of_user_data"),
    ("lingyuan.art6.item8", "truthful_information"),
]
ALL_MET = {code: True for _, code in DUTIES}

DISHONEST = [
    ("lingyuan.art8.item1", "competitor_defamation"),
    ("lingyuan.art8.item1", "malicious_reviews"),
    ("lingyuan.art8.item2", "trademark_misuse"),
    ("lingyuan.art8.item3", "web_design_imitation"),
    ("lingyuan.art8.item4", "forged_official_marks"),
    ("lingyuan.art8.item5", "false_publicity"),
    ("lingyuan.art8.item5", "false_advertising"),
    ("lingyuan.art8.item5", "goods_not_as_pictured"),
    ("lingyuan.art8.item6", "unfair_standard_terms"),
    ("lingyuan.art8.item7", "impersonation"),
    ("lingyuan.art8.item8", "forced_ads"),
    ("lingyuan.art8.item9", "counterfeit_goods"),
    ("lingyuan.art8.item9", "trademark_infringing_goods"),
    ("lingyuan.art8.item9", "adulterated_goods"),
    ("lingyuan.art8.item9", "unsafe_agricultural_products"),
    ("lingyuan.art8.item10", "pyramid_selling"),
    ("lingyuan.art8.item11", "malicious_program"),
    ("lingyuan.art8.item12", "other_violation"),
    ("lingyuan.art8.item12", "false_identity"),
    ("lingyuan.art8.item12", "unlicensed_operation"),
    ("lingyuan.art8.item12", "contract_fraud"),
    ("lingyuan.art8.item12", "prohibited_goods"),
    ("lingyuan.art8.item12", "fake_reviews"),
    ("lingyuan.art8.item12", "other_serious_violation"),
    ("lingyuan.art8.item12", "fake_traffic"),
    ("lingyuan.art8.item12", "price_fraud"),
    ("lingyuan.art8.item12", "consumer_fraud"),
    ("lingyuan.art8.item12", "refuse_to_correct"),
]
ART8_RULES = {f"lingyuan.art8.item{n}" for n in range(1, 13)}


# --- 第六条: duties (obligation_breach) -------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "code"), DUTIES)
def test_breached_duty_is_an_obligation_breach(judge, rule: str, code: str) -> None:
    report = judge("lingyuan", facts(compliance={**ALL_MET, code: False}), AS_OF)
    v = verdict(report, rule)
    assert v.kind == "obligation_breach"
    assert v.evidence == [f"compliance.{code}"]


@pytest.mark.parametrize(("rule", "code"), DUTIES)
def test_duty_known_met_is_no_breach(judge, rule: str, code: str) -> None:
    report = judge("lingyuan", facts(compliance=ALL_MET), AS_OF)
    assert rule not in fired(report)
    assert rule not in {u.rule for u in report.undetermined}


@pytest.mark.parametrize(("rule", "code"), DUTIES)
def test_unknown_duty_is_undetermined_with_its_path(judge, rule: str, code: str) -> None:
    known = {c: True for c in ALL_MET if c != code}
    report = judge("lingyuan", facts(compliance=known), AS_OF)
    assert rule not in fired(report)
    assert undetermined(report, rule) == [f"compliance.{code}"]


@pytest.mark.parametrize(("rule", "code"), DUTIES)
def test_breach_by_a_platform_operator_is_not_judged_under_lingyuan(judge, rule: str, code: str) -> None:
    report = judge("lingyuan", facts(compliance={code: False}, subject={"roles": ["platform_operator"]}), AS_OF)
    assert rule not in fired(report)


def test_unknown_roles_leave_a_breach_undetermined(judge) -> None:
    report = judge("lingyuan", facts(compliance={"lawful_goods": False}, subject={"roles": None}), AS_OF)
    assert "lingyuan.art6.item1" not in fired(report)
    assert undetermined(report, "lingyuan.art6.item1") == ["subject.roles"]


def test_item7_citation_keeps_the_printed_number_seven(judge) -> None:
    report = judge("lingyuan", facts(compliance={"consumer_data_protection": False}), AS_OF)
    citation = verdict(report, "lingyuan.art6.item7").citation
    assert (citation.article, citation.item, citation.label) == (6, 7, "第六条第7项")


# --- 第六条: 守信 -----------------------------------------------------------------------------------------


def test_every_duty_met_and_no_dishonest_act_is_trustworthy(judge) -> None:
    report = judge("lingyuan", facts(compliance=ALL_MET), AS_OF)
    v = verdict(report, "lingyuan.art6")
    assert v.kind == "trustworthy"
    assert v.evidence == sorted(f"compliance.{c}" for c in ALL_MET)


def test_a_dishonest_finding_rules_out_trustworthy(judge) -> None:
    report = judge("lingyuan", facts(event("F1", "finding", "2022-01-10", "forced_ads"), compliance=ALL_MET), AS_OF)
    assert "lingyuan.art6" not in fired(report)


def test_a_dishonest_finding_after_as_of_does_not_rule_out_trustworthy(judge) -> None:
    report = judge("lingyuan", facts(event("F1", "finding", "2024-07-01", "forced_ads"), compliance=ALL_MET), AS_OF)
    assert "lingyuan.art6" in fired(report)


def test_a_warning_does_not_rule_out_trustworthy(judge) -> None:
    warning = event("W1", "warning", "2024-01-10", "false_publicity")
    report = judge("lingyuan", facts(warning, compliance=ALL_MET), AS_OF)
    assert "lingyuan.art6" in fired(report)


def test_one_breached_duty_rules_out_trustworthy(judge) -> None:
    report = judge("lingyuan", facts(compliance={**ALL_MET, "seven_day_returns": False}), AS_OF)
    assert "lingyuan.art6" not in fired(report)
    assert "lingyuan.art6" not in {u.rule for u in report.undetermined}


def test_one_unknown_duty_leaves_trustworthy_undetermined(judge) -> None:
    known = {c: True for c in ALL_MET if c != "truthful_information"}
    report = judge("lingyuan", facts(compliance=known), AS_OF)
    assert "lingyuan.art6" not in fired(report)
    assert undetermined(report, "lingyuan.art6") == ["compliance.truthful_information"]


def test_unknown_events_leave_trustworthy_undetermined(judge) -> None:
    report = judge("lingyuan", {"subject": subject(), "compliance": ALL_MET}, AS_OF)
    assert "lingyuan.art6" not in fired(report)
    assert undetermined(report, "lingyuan.art6") == ["events"]


def test_platform_operator_is_not_judged_trustworthy(judge) -> None:
    report = judge("lingyuan", facts(compliance=ALL_MET, subject={"roles": ["platform_operator"]}), AS_OF)
    assert "lingyuan.art6" not in fired(report)


# --- 第八条: 失信行为 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rule", "act"), DISHONEST)
@pytest.mark.parametrize("etype", ["penalty", "finding"])
def test_one_established_act_is_dishonest(judge, rule: str, act: str, etype: str) -> None:
    report = judge("lingyuan", facts(event("E1", etype, "2021-06-01", act)), AS_OF)
    v = verdict(report, rule)
    assert v.kind == "dishonest"
    assert v.evidence == ["E1"]


@pytest.mark.parametrize(("rule", "act"), DISHONEST)
def test_act_dated_after_as_of_is_ignored(judge, rule: str, act: str) -> None:
    report = judge("lingyuan", facts(event("E1", "finding", "2024-07-01", act)), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize(("rule", "act"), DISHONEST)
def test_a_warning_is_not_an_established_act(judge, rule: str, act: str) -> None:
    report = judge("lingyuan", facts(event("W1", "warning", "2024-01-01", act)), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize(("rule", "act"), DISHONEST)
def test_each_act_falls_under_exactly_one_item_of_article_8(judge, rule: str, act: str) -> None:
    report = judge("lingyuan", facts(event("E1", "penalty", "2024-01-01", act)), AS_OF)
    assert fired(report) & ART8_RULES == {rule}


CONTRACT_ACTS = {
    "competitor_defamation", "trademark_misuse", "web_design_imitation", "forged_official_marks", "false_publicity",
    "unfair_standard_terms", "impersonation", "forced_ads", "counterfeit_goods", "pyramid_selling",
    "malicious_program", "other_violation", "false_identity", "unlicensed_operation", "contract_fraud",
    "prohibited_goods", "trademark_infringing_goods", "adulterated_goods", "false_advertising", "fake_reviews",
    "malicious_reviews", "other_serious_violation", "fake_traffic", "goods_not_as_pictured", "price_fraud",
    "consumer_fraud", "unsafe_agricultural_products", "refuse_to_correct",
}


def test_every_contract_act_falls_under_article_8() -> None:
    # 第八条第12项 is the catch-all: no established unlawful act escapes article 8.
    assert {act for _, act in DISHONEST} == CONTRACT_ACTS


def test_dishonest_act_of_a_platform_operator_is_not_judged_under_lingyuan(judge) -> None:
    report = judge("lingyuan", facts(event("F1", "finding", "2024-01-01", "counterfeit_goods"),
                                     subject={"roles": ["platform_operator"]}), AS_OF)
    assert not fired(report) & ART8_RULES


def test_absent_events_leave_article_8_undetermined(judge) -> None:
    report = judge("lingyuan", {"subject": subject()}, AS_OF)
    assert undetermined(report, "lingyuan.art8.item9") == ["events"]
    assert not fired(report) & ART8_RULES


# --- 第十一条: review within five working days, notice on the day ------------------------------------------


def submission(day: str, answered: str | None = None, trigger: str = "submission") -> list[dict[str, Any]]:
    out = [event("C1", trigger, day)]
    if answered:
        out.append({"id": "A1", "type": "response", "date": answered, "answers": "C1"})
    return out


def details(report: Any, rule: str) -> dict[str, Any]:
    return verdict(report, rule).details


def test_review_due_date_skips_national_day(judge) -> None:
    # Friday 2024-09-27: 9-29 (make-up Sunday) and 9-30 work, 10-01..10-07 off, then 10-08, 10-09, 10-10.
    report = judge("lingyuan", facts(*submission("2024-09-27")), date(2024, 9, 27))
    assert details(report, "lingyuan.art11")["due"] == "2024-10-10"


def test_review_due_date_can_be_a_make_up_saturday(judge) -> None:
    # Monday 2024-09-30 + 5 working days: 10-08, 10-09, 10-10, 10-11 and Saturday 10-12 (调休).
    report = judge("lingyuan", facts(*submission("2024-09-30")), date(2024, 9, 30))
    assert details(report, "lingyuan.art11")["due"] == "2024-10-12"


def test_review_answered_on_the_due_day_is_met(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", "2024-10-10")), date(2024, 12, 1))
    assert details(report, "lingyuan.art11")["status"] == "met"


def test_review_answered_the_day_after_due_is_overdue(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", "2024-10-11")), date(2024, 12, 1))
    assert details(report, "lingyuan.art11")["status"] == "overdue"


def test_unanswered_review_on_its_due_day_is_pending(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27")), date(2024, 10, 10))
    assert details(report, "lingyuan.art11")["status"] == "pending"


def test_unanswered_review_after_its_due_day_is_overdue(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27")), date(2024, 10, 11))
    assert details(report, "lingyuan.art11")["status"] == "overdue"


def test_response_after_as_of_does_not_yet_answer_the_review(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", "2024-10-09")), date(2024, 10, 8))
    assert details(report, "lingyuan.art11")["status"] == "pending"


def test_notice_clause_gives_no_same_day_deadline(judge) -> None:
    # 第十一条第3项: 提报 is the office's own step and the facts do not say which cards carry 失信信息.
    report = judge("lingyuan", facts(*submission("2024-09-27", "2024-09-30")), date(2024, 12, 1))
    assert "lingyuan.art11.item3" not in fired(report)
    assert details(report, "lingyuan.art11")["status"] == "met"


def test_no_submission_means_no_review_deadline(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", trigger="objection")), date(2024, 9, 27))
    assert "lingyuan.art11" not in fired(report)


def test_absent_events_leave_deadlines_undetermined(judge) -> None:
    report = judge("lingyuan", {"subject": subject()}, AS_OF)
    assert undetermined(report, "lingyuan.art11") == ["events"]


# --- 第十三条: answer to an objection within five working days ----------------------------------------------


def test_objection_due_date_skips_national_day(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", trigger="objection")), date(2024, 9, 27))
    v = verdict(report, "lingyuan.art13")
    assert v.details["due"] == "2024-10-10"
    assert (v.citation.article, v.citation.label) == (13, "第十三条")


def test_objection_answered_on_the_due_day_is_met(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", "2024-10-10", trigger="objection")), date(2024, 12, 1))
    assert details(report, "lingyuan.art13")["status"] == "met"


def test_objection_answered_after_due_is_overdue(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", "2024-10-11", trigger="objection")), date(2024, 12, 1))
    assert details(report, "lingyuan.art13")["status"] == "overdue"


def test_unanswered_objection_before_due_is_pending(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", trigger="objection")), date(2024, 10, 8))
    assert details(report, "lingyuan.art13")["status"] == "pending"


def test_unanswered_objection_after_due_is_overdue(judge) -> None:
    report = judge("lingyuan", facts(*submission("2024-09-27", trigger="objection")), date(2024, 10, 11))
    assert details(report, "lingyuan.art13")["status"] == "overdue"


# --- 第十四条: period of force ------------------------------------------------------------------------------


def test_publication_day_is_in_force(judge) -> None:
    report = judge("lingyuan", facts(event("F1", "finding", "2021-04-22", "pyramid_selling")), date(2021, 4, 22))
    assert report.in_force is True
    assert "lingyuan.art8.item10" in fired(report)


def test_day_before_publication_gives_only_a_notice_citing_article_14(judge) -> None:
    report = judge("lingyuan", facts(event("F1", "finding", "2021-04-01", "pyramid_selling")), date(2021, 4, 21))
    assert report.in_force is False
    assert [v.kind for v in report.verdicts] == ["notice"]
    assert report.verdicts[0].citation.text == "本办法自公布之日起施行。"
    assert report.undetermined == []


def test_report_names_the_document_number(judge) -> None:
    report = judge("lingyuan", facts(), AS_OF)
    assert report.ruleset.number == "凌信办发〔2021〕6号"
