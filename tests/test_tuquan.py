"""突泉 (tuquan): each encoded clause fires, and does not fire at its boundary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import event, fired, subject

AS_OF = date(2024, 6, 30)


def facts(*events: dict[str, Any], **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"subject": subject(**extra.pop("subject", {})), "events": list(events)}
    out.update(extra)
    return out


def penalties(act: str, days: list[str], etype: str = "penalty") -> list[dict[str, Any]]:
    return [event(f"P{i}", etype, day, act) for i, day in enumerate(days)]


# --- 第十一条: acts established once -------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "act"),
    [
        ("tuquan.art11.item1", "false_identity"),
        ("tuquan.art11.item2", "unlicensed_operation"),
        ("tuquan.art11.item3", "pyramid_selling"),
    ],
)
def test_single_established_act_is_dishonest(judge, rule: str, act: str) -> None:
    report = judge("tuquan", facts(event("F1", "finding", "2023-06-30", act)), AS_OF)
    assert rule in fired(report)
    verdict = next(v for v in report.verdicts if v.rule == rule)
    assert verdict.evidence == ["F1"]
    assert verdict.kind == "dishonest"


@pytest.mark.parametrize("act", ["false_identity", "unlicensed_operation", "pyramid_selling"])
def test_act_before_the_assessment_period_is_not_counted(judge, act: str) -> None:
    # 第三条、第九条: one assessment (and its 奖惩) a year; a 2017 finding no longer blacklists in 2024.
    report = judge("tuquan", facts(event("F1", "finding", "2023-06-29", act)), AS_OF)
    assert not fired(report) & {"tuquan.art11.item1", "tuquan.art11.item2", "tuquan.art11.item3", "tuquan.art12"}


def test_unlicensed_hosting_provider_is_not_operating_a_website(judge) -> None:
    # 第十一条第（二）项: 开设电子商务网站从事网络经营 — not a server-hosting business.
    hosting = facts(subject={"licensed": False, "roles": ["infrastructure_provider"]})
    assert "tuquan.art11.item2" not in fired(judge("tuquan", hosting, AS_OF))
    shop = facts(subject={"licensed": False, "roles": ["goods_operator"]})
    assert "tuquan.art11.item2" in fired(judge("tuquan", shop, AS_OF))


@pytest.mark.parametrize("act", ["price_fraud", "fake_traffic"])
def test_price_fraud_and_fake_traffic_belong_to_item11(judge, act: str) -> None:
    penalties = [event(f"P{i}", "penalty", f"2024-0{i}-01", act) for i in (1, 2, 3)]
    assert "tuquan.art11.item11" in fired(judge("tuquan", facts(*penalties), AS_OF))
    assert "tuquan.art11.item11" not in fired(judge("tuquan", facts(*penalties[:2]), AS_OF))


def test_penalty_without_act_leaves_repeat_item_undetermined(judge) -> None:
    penalties = [event("P1", "penalty", "2024-01-01", "contract_fraud"),
                 event("P2", "penalty", "2024-02-01", "contract_fraud"), event("P3", "penalty", "2024-03-01")]
    report = judge("tuquan", facts(*penalties), AS_OF)
    assert "tuquan.art11.item4" not in fired(report)
    missing = next(u.missing for u in report.undetermined if u.rule == "tuquan.art11.item4")
    assert missing == ["events[2].act"]


def test_penalty_without_act_cannot_reach_three_with_one_known(judge) -> None:
    penalties = [event("P1", "penalty", "2024-01-01", "contract_fraud"), event("P3", "penalty", "2024-03-01")]
    report = judge("tuquan", facts(*penalties), AS_OF)
    assert "tuquan.art11.item4" not in {u.rule for u in report.undetermined}


@pytest.mark.parametrize("act", ["false_identity", "unlicensed_operation", "pyramid_selling"])
def test_single_act_dated_after_as_of_is_ignored(judge, act: str) -> None:
    report = judge("tuquan", facts(event("F1", "finding", "2024-07-01", act)), AS_OF)
    assert not fired(report) & {"tuquan.art11.item1", "tuquan.art11.item2", "tuquan.art11.item3"}


def test_enterprise_without_licence_is_unlicensed_operation(judge) -> None:
    report = judge("tuquan", facts(subject={"licensed": False}), AS_OF)
    assert "tuquan.art11.item2" in fired(report)


def test_natural_person_without_licence_is_not_unlicensed_operation(judge) -> None:
    report = judge("tuquan", facts(subject={"licensed": False, "legal_form": "natural_person"}), AS_OF)
    assert "tuquan.art11.item2" not in fired(report)


# --- 第十一条: three penalties within twelve months -------------------------------------------------

REPEAT_ITEMS = [
    ("tuquan.art11.item4", "contract_fraud"),
    ("tuquan.art11.item5", "prohibited_goods"),
    ("tuquan.art11.item6", "trademark_infringing_goods"),
    ("tuquan.art11.item7", "adulterated_goods"),
    ("tuquan.art11.item7", "counterfeit_goods"),
    ("tuquan.art11.item8", "false_advertising"),
    ("tuquan.art11.item9", "fake_reviews"),
    ("tuquan.art11.item10", "malicious_reviews"),
    ("tuquan.art11.item10", "competitor_defamation"),
    ("tuquan.art11.item11", "other_serious_violation"),
    ("tuquan.art11.item11", "consumer_fraud"),
]


@pytest.mark.parametrize(("rule", "act"), REPEAT_ITEMS)
def test_three_penalties_within_window_fire(judge, rule: str, act: str) -> None:
    # The window's first day, 2023-06-30, is inside "12个月以内".
    report = judge("tuquan", facts(*penalties(act, ["2023-06-30", "2024-01-10", "2024-06-30"])), AS_OF)
    assert rule in fired(report)
    assert next(v for v in report.verdicts if v.rule == rule).evidence == ["P0", "P1", "P2"]


@pytest.mark.parametrize(("rule", "act"), REPEAT_ITEMS)
def test_penalty_the_day_before_the_window_does_not_count(judge, rule: str, act: str) -> None:
    report = judge("tuquan", facts(*penalties(act, ["2023-06-29", "2024-01-10", "2024-06-30"])), AS_OF)
    assert rule not in fired(report)


@pytest.mark.parametrize(("rule", "act"), REPEAT_ITEMS)
def test_two_penalties_do_not_fire(judge, rule: str, act: str) -> None:
    report = judge("tuquan", facts(*penalties(act, ["2024-01-10", "2024-06-30"])), AS_OF)
    assert rule not in fired(report)


def test_penalty_after_as_of_is_ignored(judge) -> None:
    report = judge("tuquan", facts(*penalties("contract_fraud", ["2024-01-10", "2024-03-10", "2024-07-01"])), AS_OF)
    assert "tuquan.art11.item4" not in fired(report)


def test_window_ending_on_leap_day_starts_on_feb_28_of_previous_year(judge) -> None:
    days = ["2023-02-28", "2023-10-01", "2024-02-29"]
    report = judge("tuquan", facts(*penalties("contract_fraud", days)), date(2024, 2, 29))
    assert "tuquan.art11.item4" in fired(report)


def test_window_ending_on_leap_day_excludes_feb_27(judge) -> None:
    days = ["2023-02-27", "2023-10-01", "2024-02-29"]
    report = judge("tuquan", facts(*penalties("contract_fraud", days)), date(2024, 2, 29))
    assert "tuquan.art11.item4" not in fired(report)


def test_item8_counts_warnings_and_penalties_together(judge) -> None:
    events = [
        event("W1", "warning", "2024-01-01", "false_advertising"),
        event("W2", "warning", "2024-02-01", "false_advertising"),
        event("P1", "penalty", "2024-03-01", "false_advertising"),
    ]
    assert "tuquan.art11.item8" in fired(judge("tuquan", facts(*events), AS_OF))


def test_item9_does_not_count_warnings(judge) -> None:
    events = penalties("fake_reviews", ["2024-01-01", "2024-02-01", "2024-03-01"], etype="warning")
    assert "tuquan.art11.item9" not in fired(judge("tuquan", facts(*events), AS_OF))


# --- 第十一条(六)(七): money thresholds ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["sales_amount", "illegal_gain"])
def test_trademark_case_of_fifty_thousand_fires(judge, field: str) -> None:
    e = event("P1", "penalty", "2024-01-01", "trademark_infringing_goods", **{field: "50000"})
    assert "tuquan.art11.item6" in fired(judge("tuquan", facts(e), AS_OF))


@pytest.mark.parametrize("field", ["sales_amount", "illegal_gain"])
def test_trademark_case_just_under_fifty_thousand_does_not_fire(judge, field: str) -> None:
    e = event("P1", "penalty", "2024-01-01", "trademark_infringing_goods", **{field: "49999.99"})
    assert "tuquan.art11.item6" not in fired(judge("tuquan", facts(e), AS_OF))


def test_trademark_amounts_of_separate_cases_are_not_added(judge) -> None:
    events = [
        event("P1", "penalty", "2024-01-01", "trademark_infringing_goods", sales_amount="30000"),
        event("F1", "finding", "2024-02-01", "trademark_infringing_goods", sales_amount="30000"),
    ]
    assert "tuquan.art11.item6" not in fired(judge("tuquan", facts(*events), AS_OF))


def test_adulterated_goods_of_thirty_thousand_fire(judge) -> None:
    e = event("F1", "finding", "2024-01-01", "adulterated_goods", sales_amount=30000)
    assert "tuquan.art11.item7" in fired(judge("tuquan", facts(e), AS_OF))


def test_adulterated_goods_just_under_thirty_thousand_do_not_fire(judge) -> None:
    e = event("F1", "finding", "2024-01-01", "adulterated_goods", sales_amount="29999.99")
    assert "tuquan.art11.item7" not in fired(judge("tuquan", facts(e), AS_OF))


def test_unknown_amount_leaves_the_money_item_undetermined(judge) -> None:
    e = event("P1", "penalty", "2024-01-01", "trademark_infringing_goods")
    report = judge("tuquan", facts(e), AS_OF)
    entry = next(u for u in report.undetermined if u.rule == "tuquan.art11.item6")
    assert entry.missing == ["events[0].illegal_gain", "events[0].sales_amount"]


@settings(max_examples=60, deadline=None)
@given(fen=st.integers(min_value=0, max_value=10_000_000))
def test_trademark_amount_fires_exactly_from_fifty_thousand(judge, fen: int) -> None:
    amount = f"{fen // 100}.{fen % 100:02d}"
    e = event("P1", "penalty", "2024-01-01", "trademark_infringing_goods", sales_amount=amount, illegal_gain="0")
    assert ("tuquan.art11.item6" in fired(judge("tuquan", facts(e), AS_OF))) == (fen >= 5_000_000)


@settings(max_examples=40, deadline=None)
@given(count=st.integers(min_value=0, max_value=6))
def test_contract_fraud_fires_exactly_from_three_penalties(judge, count: int) -> None:
    days = [f"2024-0{m}-01" for m in range(1, count + 1)]
    report = judge("tuquan", facts(*penalties("contract_fraud", days)), AS_OF)
    assert ("tuquan.art11.item4" in fired(report)) == (count >= 3)


# --- 第十一条(十二): several kinds together ----------------------------------------------------------


def test_three_penalties_of_two_kinds_fire_item12(judge) -> None:
    events = [
        event("P1", "penalty", "2024-01-01", "contract_fraud"),
        event("P2", "penalty", "2024-02-01", "contract_fraud"),
        event("P3", "penalty", "2024-03-01", "fake_reviews"),
    ]
    report = judge("tuquan", facts(*events), AS_OF)
    assert "tuquan.art11.item12" in fired(report)
    assert not fired(report) & {"tuquan.art11.item4", "tuquan.art11.item9"}


def test_three_penalties_of_one_kind_do_not_fire_item12(judge) -> None:
    report = judge("tuquan", facts(*penalties("contract_fraud", ["2024-01-01", "2024-02-01", "2024-03-01"])), AS_OF)
    assert "tuquan.art11.item12" not in fired(report)


def test_two_penalties_of_two_kinds_do_not_fire_item12(judge) -> None:
    events = [
        event("P1", "penalty", "2024-01-01", "contract_fraud"),
        event("P2", "penalty", "2024-02-01", "fake_reviews"),
    ]
    assert "tuquan.art11.item12" not in fired(judge("tuquan", facts(*events), AS_OF))


# --- 第十二条 and 第十四条: chained verdicts -------------------------------------------------------------


def test_blacklist_rests_on_the_dishonest_verdict(judge) -> None:
    report = judge("tuquan", facts(event("F1", "finding", "2024-01-01", "pyramid_selling")), AS_OF)
    blacklist = next(v for v in report.verdicts if v.rule == "tuquan.art12")
    assert blacklist.kind == "blacklist"
    assert blacklist.derived_from == ["tuquan.art11.item3"]


def test_no_dishonest_act_means_no_blacklist(judge) -> None:
    report = judge("tuquan", facts(event("W1", "warning", "2024-01-01", "false_advertising")), AS_OF)
    assert "tuquan.art12" not in fired(report)


@pytest.mark.parametrize("item", [1, 2, 3, 4])
def test_blacklisted_goods_operator_gets_each_sanction(judge, item: int) -> None:
    report = judge("tuquan", facts(event("F1", "finding", "2024-01-01", "pyramid_selling")), AS_OF)
    sanction = next(v for v in report.verdicts if v.rule == f"tuquan.art14.item{item}")
    assert sanction.kind == "sanction"
    assert sanction.derived_from == ["tuquan.art12"]


@pytest.mark.parametrize("item", [1, 2, 3, 4])
def test_subject_not_blacklisted_gets_no_sanction(judge, item: int) -> None:
    assert f"tuquan.art14.item{item}" not in fired(judge("tuquan", facts(), AS_OF))


def test_authority_black_list_membership_brings_sanctions(judge) -> None:
    report = judge("tuquan", facts(subject={"lists": ["black"]}), AS_OF)
    assert {"tuquan.art14.item2", "tuquan.art14.item3"} <= fired(report)
    assert "tuquan.art12" not in fired(report)


def test_shop_sanction_does_not_apply_to_a_platform_operator(judge) -> None:
    report = judge("tuquan", facts(subject={"roles": ["platform_operator"], "lists": ["black"]}), AS_OF)
    assert "tuquan.art14.item1" not in fired(report)
    assert "tuquan.art14.item3" in fired(report)


def test_grade_awarded_within_a_year_is_revoked_after_a_dishonest_act(judge) -> None:
    events = [event("G1", "rating", "2023-09-01", grade="A"), event("F1", "finding", "2024-03-01", "false_identity")]
    report = judge("tuquan", facts(*events), AS_OF)
    revoke = next(v for v in report.verdicts if v.rule == "tuquan.art14.item5")
    assert revoke.evidence == ["G1", "F1"]
    assert revoke.derived_from == ["tuquan.art11.item1"]


def test_act_more_than_a_year_after_the_grade_does_not_revoke_it(judge) -> None:
    events = [event("G1", "rating", "2023-02-28", grade="A"), event("F1", "finding", "2024-03-01", "false_identity")]
    assert "tuquan.art14.item5" not in fired(judge("tuquan", facts(*events), AS_OF))


def test_act_before_the_grade_does_not_revoke_it(judge) -> None:
    events = [event("F1", "finding", "2023-08-01", "false_identity"), event("G1", "rating", "2023-09-01", grade="A")]
    report = judge("tuquan", facts(*events), AS_OF)
    assert "tuquan.art11.item1" in fired(report)
    assert "tuquan.art14.item5" not in fired(report)


def test_rating_without_grade_leaves_revocation_undetermined(judge) -> None:
    events = [event("G1", "rating", "2023-09-01"), event("F1", "finding", "2024-03-01", "false_identity")]
    report = judge("tuquan", facts(*events), AS_OF)
    missing = next(u.missing for u in report.undetermined if u.rule == "tuquan.art14.item5")
    assert missing == ["events[0].grade"]


def test_grade_d_is_not_revoked(judge) -> None:
    events = [event("G1", "rating", "2023-09-01", grade="D"), event("F1", "finding", "2024-03-01", "false_identity")]
    assert "tuquan.art14.item5" not in fired(judge("tuquan", facts(*events), AS_OF))


# --- 第四条: the rating ------------------------------------------------------------------------------

STRONG = {"management": "standardized", "commitment": "strong", "economic_strength": "strong",
          "reputation": "excellent", "stable_staff": True}
AVERAGE = {**STRONG, "commitment": "average", "reputation": "average"}


def test_clean_strong_shop_is_rated_a(judge) -> None:
    report = judge("tuquan", facts(assessment=STRONG), AS_OF)
    assert report.rating is not None and report.rating.grade == "A"
    assert report.rating.citation.label == "第四条（A等）"


def test_one_warning_in_the_year_drops_a_to_b(judge) -> None:
    report = judge("tuquan", facts(event("W1", "warning", "2024-01-01", "false_advertising"), assessment=STRONG), AS_OF)
    assert report.rating is not None and report.rating.grade == "B"


def test_average_shop_is_rated_b(judge) -> None:
    report = judge("tuquan", facts(assessment=AVERAGE), AS_OF)
    assert report.rating is not None and report.rating.grade == "B"


def test_penalty_in_the_year_rates_c(judge) -> None:
    report = judge("tuquan", facts(event("P1", "penalty", "2024-01-01", "false_advertising"), assessment=STRONG), AS_OF)
    assert report.rating is not None and report.rating.grade == "C"


def test_unstable_staff_rates_c(judge) -> None:
    report = judge("tuquan", facts(assessment={**STRONG, "stable_staff": False}), AS_OF)
    assert report.rating is not None and report.rating.grade == "C"


def test_counterfeit_and_consumer_fraud_together_rate_d(judge) -> None:
    events = [
        event("F1", "finding", "2024-01-01", "counterfeit_goods"),
        event("F2", "finding", "2024-02-01", "consumer_fraud"),
    ]
    report = judge("tuquan", facts(*events, assessment={**STRONG, "management": "poor"}), AS_OF)
    assert report.rating is not None and report.rating.grade == "D"
    assert report.rating.evidence == ["F1", "F2", "assessment.management"]


def test_counterfeit_and_consumer_fraud_without_poor_management_are_not_d(judge) -> None:
    # 第四条 D等 also requires 企业经营管理不善 (management: poor).
    events = [
        event("F1", "finding", "2024-01-01", "counterfeit_goods"),
        event("F2", "finding", "2024-02-01", "consumer_fraud"),
    ]
    report = judge("tuquan", facts(*events, assessment=STRONG), AS_OF)
    assert report.rating is not None and report.rating.grade == "C"


def test_counterfeit_without_consumer_fraud_is_not_d(judge) -> None:
    e = event("F1", "finding", "2024-01-01", "counterfeit_goods", sales_amount="100")
    report = judge("tuquan", facts(e, assessment=STRONG), AS_OF)
    assert report.rating is not None and report.rating.grade == "C"


def test_unknown_assessment_leaves_the_rating_undetermined(judge) -> None:
    report = judge("tuquan", facts(), AS_OF)
    assert report.rating is None
    entry = next(u for u in report.undetermined if u.rule == "tuquan.art4")
    assert "assessment.management" in entry.missing


# --- 第六条: re-rating deadline -------------------------------------------------------------------------


def review(day: str, answered: str | None = None) -> list[dict[str, Any]]:
    out = [event("R1", "review_request", day)]
    if answered:
        out.append({"id": "A1", "type": "response", "date": answered, "answers": "R1"})
    return out


def deadline(report: Any) -> Any:
    return next(v for v in report.verdicts if v.rule == "tuquan.art6")


def test_rereview_due_date_skips_national_day_and_counts_make_up_days(judge) -> None:
    # 2024-09-29 (Sunday) is a make-up working day; 10-01..10-07 are off; 10-12 (Saturday) works.
    report = judge("tuquan", facts(*review("2024-09-27")), date(2024, 9, 28))
    assert deadline(report).details["due"] == "2024-11-13"


def test_rereview_answered_on_the_due_day_is_met(judge) -> None:
    report = judge("tuquan", facts(*review("2024-09-27", "2024-11-13")), date(2024, 12, 1))
    assert deadline(report).details["status"] == "met"


def test_rereview_answered_the_day_after_due_is_overdue(judge) -> None:
    report = judge("tuquan", facts(*review("2024-09-27", "2024-11-14")), date(2024, 12, 1))
    assert deadline(report).details["status"] == "overdue"


def test_unanswered_rereview_on_its_due_day_is_pending(judge) -> None:
    report = judge("tuquan", facts(*review("2024-09-27")), date(2024, 11, 13))
    assert deadline(report).details["status"] == "pending"


def test_unanswered_rereview_after_its_due_day_is_overdue(judge) -> None:
    report = judge("tuquan", facts(*review("2024-09-27")), date(2024, 11, 14))
    assert deadline(report).details["status"] == "overdue"


def test_rereview_requested_before_the_period_of_force_starts_no_deadline(judge) -> None:
    report = judge("tuquan", facts(*review("2015-12-31")), date(2016, 3, 1))
    assert "tuquan.art6" not in fired(report)


def test_rereview_requested_on_the_first_day_in_force_starts_the_deadline(judge) -> None:
    report = judge("tuquan", facts(*review("2016-01-01")), date(2016, 3, 1))
    assert deadline(report).details["trigger"] == "R1"


def test_response_after_as_of_is_not_yet_an_answer(judge) -> None:
    report = judge("tuquan", facts(*review("2024-09-27", "2024-10-20")), date(2024, 10, 15))
    assert deadline(report).details["status"] == "pending"


# --- period of force, unknown facts, reports -------------------------------------------------------------


def test_before_the_period_of_force_only_a_notice_is_given(judge) -> None:
    report = judge("tuquan", facts(event("F1", "finding", "2015-12-01", "pyramid_selling")), date(2015, 12, 31))
    assert report.in_force is False
    assert [v.kind for v in report.verdicts] == ["notice"]


def test_first_day_of_the_period_of_force_is_in_force(judge) -> None:
    assert judge("tuquan", facts(), date(2016, 1, 1)).in_force is True


def test_absent_events_leave_event_rules_undetermined(judge) -> None:
    report = judge("tuquan", {"subject": subject()}, AS_OF)
    entry = next(u for u in report.undetermined if u.rule == "tuquan.art11.item4")
    assert entry.missing == ["events"]
    assert "tuquan.art11.item4" not in fired(report)


def test_report_json_carries_the_verbatim_clause_and_digest(judge) -> None:
    report = judge("tuquan", facts(*penalties("contract_fraud", ["2024-01-01", "2024-02-01", "2024-03-01"])), AS_OF)
    text = report.to_json()
    assert "利用合同实施欺诈、胁迫、恶意串通等行为" in text
    assert report.ruleset.digest.startswith("sha256:")
    assert report.ruleset.number == "突市监发〔2016〕91号"


def test_case_amount_without_act_leaves_the_money_item_undetermined(judge) -> None:
    # The penalty may be for trademark-infringing goods: its act is unknown, its amount reaches 五万元.
    report = judge("tuquan", facts(event("P1", "penalty", "2024-01-01", sales_amount="50000")), AS_OF)
    assert "tuquan.art11.item6" not in fired(report)
    missing = next(u.missing for u in report.undetermined if u.rule == "tuquan.art11.item6")
    assert missing == ["events[0].act", "events[0].illegal_gain"]


def test_case_amount_without_act_below_the_threshold_cannot_matter(judge) -> None:
    report = judge("tuquan", facts(event("P1", "penalty", "2024-01-01", sales_amount="100", illegal_gain="0")), AS_OF)
    assert "tuquan.art11.item6" not in {u.rule for u in report.undetermined}


def test_retroactive_rule_counts_events_before_the_period_of_force(tmp_path) -> None:
    import ecredit_rules as ec
    from tests.conftest import TUQUAN_YAML, edit, evaluate_both, write

    item3 = ("      events: {types: [penalty, finding], acts: [pyramid_selling],"
             " within_months: {param: rating_months}}\n")
    early = facts(event("F1", "finding", "2015-12-31", "pyramid_selling"))
    plain = ec.load_ruleset(write(tmp_path, TUQUAN_YAML))
    assert "tuquan.art11.item3" not in fired(evaluate_both(plain, early, date(2016, 1, 1)))
    text = edit(TUQUAN_YAML, item3, item3 + "    retroactive: true\n")
    (tmp_path / "tuquan.yaml").unlink()
    retro = ec.load_ruleset(write(tmp_path, text))
    assert "tuquan.art11.item3" in fired(evaluate_both(retro, early, date(2016, 1, 1)))


def test_act_on_the_grade_anniversary_still_revokes_it(judge) -> None:
    # "一年里" is the closed window [award day, the same day a year on].
    events = [event("G1", "rating", "2023-03-01", grade="B"), event("F1", "finding", "2024-03-01", "false_identity")]
    assert "tuquan.art14.item5" in fired(judge("tuquan", facts(*events), AS_OF))
    later = [event("G1", "rating", "2023-03-01", grade="B"), event("F1", "finding", "2024-03-02", "false_identity")]
    assert "tuquan.art14.item5" not in fired(judge("tuquan", facts(*later), AS_OF))
