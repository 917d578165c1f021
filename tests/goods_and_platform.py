"""The clauses 南安 (nanan) and 西宁 (xining) share, tested once for both cities.

The two regulations are nearly the same text under different article numbers:

    =====================================  ========  ========
    clauses                                南安       西宁
    =====================================  ========  ========
    licence display                        第八条     第九条
    natural persons (and registration)     第九条     第十条
    goods operators' duties                第十条     第十一条
    the eight platform systems             第十一条   第十二条
    platform operators' duties             第十二条   第十三条
    infrastructure providers' duties       第十三条   第十四条
    prohibited acts                        第十四条   第十五条
    =====================================  ========  ========

A city's test module declares its :class:`City` (ruleset id, article numbers, the few literals
that differ, and its own extra cases) and binds the shared tests to it with::

    class TestSharedWithXining(GoodsAndPlatformTests):
        city = NANAN

Its own clauses (period of force, …) stay as plain tests in that module. Test ids name the rule:
table-driven tests are parametrized by rule id, and a test about one rule gets it as its ``rule``
parameter (see :func:`about`), e.g. ``test_licence_displayed_gives_no_verdict[nanan.art8]``.

Not a test module itself (pytest collects ``test_*.py`` only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.vocabulary import vocabulary
from tests.conftest import event, facts, fired, subject, undetermined, verdict

AS_OF = date(2024, 6, 30)

GOODS = ["goods_operator"]
PLATFORM = ["platform_operator"]
INFRA = ["infrastructure_provider"]
OTHER_ROLE = {"goods_operator": ["infrastructure_provider"], "platform_operator": ["goods_operator"],
              "infrastructure_provider": ["platform_operator"]}

ALL_SYSTEMS = sorted(vocabulary().platform_systems)
ALL_MET = {code: True for code in vocabulary().compliance}

COMPLIANT_PLATFORM: dict[str, Any] = {
    "compliance": ALL_MET,
    "platform_systems": ALL_SYSTEMS,
    "retention_days": {"receipts": 730, "seller_identity_records": 730, "transaction_records": 730},
}

NEAR_TWO_YEARS = st.one_of(st.integers(min_value=700, max_value=760), st.integers(min_value=0, max_value=5000))

# The property tests are methods inherited by each city's class, so Hypothesis sees one test called on
# instances of two classes ("differing executors"). They keep no state on ``self`` (the city is a class
# constant and also their ``rule`` parameter), so that is harmless here.
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.differing_executors])


@dataclass(frozen=True)
class City:
    """What tells one city's text from the other's."""

    rs: str  # the ruleset id
    # article numbers (see the table in the module docstring)
    licence: int
    identity: int
    goods: int
    systems: int
    platform: int
    infra: int
    prohibited: int
    # literals that differ between the texts
    licence_label: str  # citation label of the licence display duty
    self_platform_label: str  # citation label of the own-platform seller's clause
    stale_reference_reading: str  # how that clause's stale cross-reference is read
    # (rule, compliance code, role) duties only this city has
    extra_compliance: tuple[tuple[str, str, str], ...] = ()

    def rule(self, article: int, part: int | str | None = None) -> str:
        """``rule(10, 6)`` → ``nanan.art10.item6``; ``rule(9, "registration")`` → ``nanan.art9.registration``."""
        rid = f"{self.rs}.art{article}"
        if isinstance(part, int):
            return f"{rid}.item{part}"
        return rid if part is None else f"{rid}.{part}"

    @property
    def compliance(self) -> list[tuple[str, str, str]]:
        """(rule, compliance code, role) of every yes/no duty."""
        goods, platform, infra = self.goods, self.platform, self.infra
        return [
            (self.rule(goods, 1), "lawful_goods", "goods_operator"),
            (self.rule(goods, 2), "quality_assurance", "goods_operator"),
            (self.rule(goods, 3), "information_disclosure", "goods_operator"),
            (self.rule(goods, 4), "seven_day_returns", "goods_operator"),
            (self.rule(goods, 5), "fair_standard_terms", "goods_operator"),
            (self.rule(goods, 7), "consumer_data_protection", "goods_operator"),
            (self.rule(goods, 7), "no_disclosure_of_user_data", "goods_operator"),
            (self.rule(goods, 8), "truthful_information", "goods_operator"),
            (self.rule(platform, 1), "verify_sellers", "platform_operator"),
            (self.rule(platform, 4), "consumer_consent", "platform_operator"),
            (self.rule(platform, 5), "no_disclosure_of_user_data", "platform_operator"),
            (self.rule(platform, 6), "no_spam", "platform_operator"),
            (self.rule(platform, 7), "ip_protection", "platform_operator"),
            (self.rule(infra, 1), "verify_users", "infrastructure_provider"),
            (self.rule(infra, 4), "no_disclosure_of_user_data", "infrastructure_provider"),
            *self.extra_compliance,
        ]

    @property
    def retention(self) -> list[tuple[str, str, str, int]]:
        """(rule, record, role, minimum days kept)."""
        return [
            (self.rule(self.goods, 6), "receipts", "goods_operator", 730),
            (self.rule(self.platform, 2), "seller_identity_records", "platform_operator", 730),
            (self.rule(self.platform, 2), "transaction_records", "platform_operator", 730),
            (self.rule(self.infra, 2), "user_access_logs", "infrastructure_provider", 60),
        ]

    def records_of(self, rule: str) -> list[str]:
        return [record for r, record, _, _ in self.retention if r == rule]

    @property
    def platform_systems(self) -> list[tuple[str, str]]:
        """(rule, platform system code), one item each."""
        codes = ["user_registration", "seller_qualification_review", "trading_rules", "information_disclosure_review",
                 "consumer_protection", "publicity_and_warning", "transaction_security_and_backup",
                 "other_required_systems"]
        return [(self.rule(self.systems, n), code) for n, code in enumerate(codes, start=1)]

    @property
    def prohibited_acts(self) -> dict[str, list[str]]:
        """Prohibited-acts rule → the act codes it covers."""
        art = self.prohibited
        return {
            self.rule(art, 1): ["competitor_defamation", "malicious_reviews"],
            self.rule(art, 2): ["trademark_misuse"],
            self.rule(art, 3): ["web_design_imitation"],
            self.rule(art, 4): ["forged_official_marks"],
            self.rule(art, 5): ["false_publicity", "false_advertising", "goods_not_as_pictured"],
            self.rule(art, 6): ["unfair_standard_terms"],
            self.rule(art, 7): ["impersonation"],
            self.rule(art, 8): ["forced_ads"],
            self.rule(art, 9): ["counterfeit_goods", "trademark_infringing_goods", "adulterated_goods",
                                "unsafe_agricultural_products"],
            self.rule(art, 10): ["pyramid_selling"],
            self.rule(art, 11): ["malicious_program"],
            self.rule(art, 12): ["other_violation", "false_identity", "unlicensed_operation", "contract_fraud",
                                 "prohibited_goods", "fake_reviews", "other_serious_violation", "fake_traffic",
                                 "price_fraud", "consumer_fraud", "refuse_to_correct"],
        }

    @property
    def acts(self) -> list[tuple[str, str]]:
        """(rule, act code) for every prohibited act."""
        return [(rule, act) for rule, acts in self.prohibited_acts.items() for act in acts]


# --- binding a shared test to a city's cases --------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def cases(argnames: str, table: Callable[[City], list[Any]]) -> Callable[[F], F]:
    """Parametrize a shared test over ``table(city)``, the bound city's case table."""

    def mark(test: F) -> F:
        test.city_cases = (argnames, table)  # type: ignore[attr-defined]
        return test

    return mark


def about(article: str, part: int | str | None = None) -> Callable[[F], F]:
    """A test about one rule: its ``rule`` parameter is ``city.rule(city.<article>, part)``."""
    return cases("rule", lambda city: [city.rule(getattr(city, article), part)])


class GoodsAndPlatformTests:
    """The shared tests; a subclass named ``Test…`` in a city's module sets ``city`` and runs them."""

    city: ClassVar[City]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        bound = getattr(metafunc.function, "city_cases", None)
        if bound is not None:
            argnames, table = bound
            metafunc.parametrize(argnames, table(self.city))

    def judged(self, judge: Any, f: Any, as_of: date = AS_OF) -> ec.Report:
        return judge(self.city.rs, f, as_of)

    # --- compliance duties: goods operators', platform operators', infrastructure providers' -----------------

    @cases("rule,code,role", lambda city: city.compliance)
    def test_breached_duty_fires(self, judge, rule: str, code: str, role: str) -> None:
        report = self.judged(judge, facts(roles=[role], compliance={code: False}))
        v = verdict(report, rule)
        assert v.kind == "obligation_breach"
        assert f"compliance.{code}" in v.evidence

    @cases("rule,code,role", lambda city: city.compliance)
    def test_met_duty_gives_no_verdict(self, judge, rule: str, code: str, role: str) -> None:
        report = self.judged(judge, facts(roles=[role], compliance=ALL_MET))
        assert rule not in fired(report)
        assert undetermined(report, rule) is None

    @cases("rule,code,role", lambda city: city.compliance)
    def test_breached_duty_of_a_role_not_addressed_gives_no_verdict(
        self, judge, rule: str, code: str, role: str
    ) -> None:
        report = self.judged(judge, facts(roles=OTHER_ROLE[role], compliance={code: False}))
        assert rule not in fired(report)
        assert undetermined(report, rule) is None

    @cases("rule,code,role", lambda city: city.compliance)
    def test_unknown_duty_is_undetermined(self, judge, rule: str, code: str, role: str) -> None:
        report = self.judged(judge, facts(roles=[role], compliance={}))
        assert rule not in fired(report)
        missing = undetermined(report, rule)
        assert missing is not None and f"compliance.{code}" in missing

    @about("goods", 7)
    def test_item7_needs_both_data_duties_known_to_be_met(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(roles=GOODS, compliance={"consumer_data_protection": True}))
        assert undetermined(report, rule) == ["compliance.no_disclosure_of_user_data"]

    @about("goods", 1)
    def test_unknown_roles_leave_duties_undetermined(self, judge, rule: str) -> None:
        f = facts(compliance={"lawful_goods": False})
        del f["subject"]["roles"]
        report = self.judged(judge, f)
        assert rule not in fired(report)
        assert undetermined(report, rule) == ["subject.roles"]

    # --- licence display (南安 第八条, 西宁 第九条) --------------------------------------------------------------

    @about("licence")
    @pytest.mark.parametrize("form", ["enterprise", "individual_business", "other_organization"])
    def test_licensed_operator_hiding_its_licence_breaches_the_display_duty(self, judge, rule: str, form: str) -> None:
        report = self.judged(judge, facts(subject={"legal_form": form}, compliance={"license_display": False}))
        assert verdict(report, rule).citation.label == self.city.licence_label

    @about("licence")
    def test_licence_displayed_gives_no_verdict(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(compliance={"license_display": True}))
        assert rule not in fired(report)
        assert undetermined(report, rule) is None

    @about("licence")
    def test_unlicensed_operator_is_not_addressed_by_the_display_duty(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(subject={"licensed": False}, compliance={"license_display": False}))
        assert rule not in fired(report)
        assert undetermined(report, rule) is None

    @about("licence")
    def test_natural_person_is_not_addressed_by_the_display_duty(self, judge, rule: str) -> None:
        f = facts(subject={"legal_form": "natural_person"}, compliance={"license_display": False})
        assert rule not in fired(self.judged(judge, f))

    @about("licence")
    def test_platform_only_is_not_addressed_by_the_display_duty(self, judge, rule: str) -> None:
        assert rule not in fired(self.judged(judge, facts(roles=PLATFORM, compliance={"license_display": False})))

    @about("licence")
    def test_unknown_licence_display_is_undetermined(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(compliance={}))
        assert undetermined(report, rule) == ["compliance.license_display"]

    @about("licence")
    def test_unknown_licence_status_is_undetermined(self, judge, rule: str) -> None:
        f = facts(compliance={"license_display": False})
        del f["subject"]["licensed"]
        assert undetermined(self.judged(judge, f), rule) == ["subject.licensed"]

    # --- natural persons (南安 第九条, 西宁 第十条) ---------------------------------------------------------------

    @about("identity")
    def test_natural_person_without_real_identity_breaches_the_identity_duty(self, judge, rule: str) -> None:
        f = facts(subject={"legal_form": "natural_person", "licensed": False},
                  compliance={"real_identity_submitted": False})
        assert verdict(self.judged(judge, f), rule).citation.article == self.city.identity

    @about("identity")
    def test_natural_person_with_real_identity_gives_no_verdict(self, judge, rule: str) -> None:
        f = facts(subject={"legal_form": "natural_person"}, compliance={"real_identity_submitted": True})
        assert rule not in fired(self.judged(judge, f))

    @about("identity")
    def test_enterprise_is_not_addressed_by_the_identity_duty(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(compliance={"real_identity_submitted": False}))
        assert rule not in fired(report)
        assert undetermined(report, rule) is None

    @about("identity")
    def test_unknown_identity_submission_is_undetermined(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(subject={"legal_form": "natural_person"}))
        assert undetermined(report, rule) == ["compliance.real_identity_submitted"]

    @about("identity", "registration")
    @pytest.mark.parametrize("etype", ["penalty", "finding"])
    def test_established_unlicensed_operation_requires_registration(self, judge, rule: str, etype: str) -> None:
        f = facts(event("F1", etype, "2024-01-10", "unlicensed_operation"), subject={"legal_form": "natural_person"})
        assert "F1" in verdict(self.judged(judge, f), rule).evidence

    @about("identity", "registration")
    def test_unlicensed_operation_after_as_of_is_ignored(self, judge, rule: str) -> None:
        f = facts(event("F1", "finding", "2024-07-01", "unlicensed_operation"),
                  subject={"legal_form": "natural_person"})
        assert rule not in fired(self.judged(judge, f))

    @about("identity", "registration")
    @pytest.mark.parametrize("form", ["enterprise", "individual_business"])
    def test_trading_as_business_without_licence_requires_registration(self, judge, rule: str, form: str) -> None:
        f = facts(subject={"legal_form": form, "licensed": False})
        assert rule in fired(self.judged(judge, f))

    @about("identity", "registration")
    def test_natural_person_trading_in_own_name_without_licence_need_not_register(self, judge, rule: str) -> None:
        f = facts(subject={"legal_form": "natural_person", "licensed": False})
        report = self.judged(judge, f)
        assert rule not in fired(report)
        assert undetermined(report, rule) is None

    @about("identity", "registration")
    def test_licensed_enterprise_need_not_register(self, judge, rule: str) -> None:
        assert rule not in fired(self.judged(judge, facts()))

    # --- retention: goods operators' (六), platform operators' (二), infrastructure providers' (二) --------------

    def kept(self, rule: str, record: str, days: int, others: int) -> dict[str, int]:
        return {r: (days if r == record else others) for r in self.city.records_of(rule)}

    @cases("rule,record,role,limit", lambda city: city.retention)
    def test_retention_one_day_short_fires(self, judge, rule: str, record: str, role: str, limit: int) -> None:
        report = self.judged(judge, facts(roles=[role], retention_days=self.kept(rule, record, limit - 1, limit)))
        assert f"retention_days.{record}" in verdict(report, rule).evidence

    @cases("rule,record,role,limit", lambda city: city.retention)
    def test_retention_of_exactly_the_minimum_does_not_fire(
        self, judge, rule: str, record: str, role: str, limit: int
    ) -> None:
        report = self.judged(judge, facts(roles=[role], retention_days=self.kept(rule, record, limit, limit)))
        assert rule not in fired(report)
        assert undetermined(report, rule) is None

    @cases("rule,record,role,limit", lambda city: city.retention)
    def test_retention_short_for_a_role_not_addressed_gives_no_verdict(
        self, judge, rule: str, record: str, role: str, limit: int
    ) -> None:
        report = self.judged(judge, facts(roles=OTHER_ROLE[role], retention_days=self.kept(rule, record, 1, 1)))
        assert rule not in fired(report)

    @cases("rule,record,role,limit", lambda city: city.retention)
    def test_unknown_retention_is_undetermined(self, judge, rule: str, record: str, role: str, limit: int) -> None:
        report = self.judged(judge, facts(roles=[role], retention_days={}))
        missing = undetermined(report, rule)
        assert missing is not None and f"retention_days.{record}" in missing

    @about("goods", 6)
    @PROPERTY_SETTINGS
    @given(days=NEAR_TWO_YEARS)
    @example(days=729)
    @example(days=730)
    def test_receipts_retention_fires_iff_under_two_years(self, judge, rule: str, days: int) -> None:
        report = self.judged(judge, facts(roles=GOODS, retention_days={"receipts": days}))
        assert (rule in fired(report)) == (days < 730)

    @about("platform", 2)
    @PROPERTY_SETTINGS
    @given(identity=NEAR_TWO_YEARS, trades=NEAR_TWO_YEARS)
    @example(identity=730, trades=729)
    @example(identity=730, trades=730)
    def test_platform_retention_fires_iff_either_record_under_two_years(
        self, judge, rule: str, identity: int, trades: int
    ) -> None:
        kept_days = {"seller_identity_records": identity, "transaction_records": trades}
        report = self.judged(judge, facts(roles=PLATFORM, retention_days=kept_days))
        assert (rule in fired(report)) == (identity < 730 or trades < 730)

    # --- the eight platform systems (南安 第十一条, 西宁 第十二条) -----------------------------------------------

    @property
    def system_rules(self) -> set[str]:
        return {rule for rule, _ in self.city.platform_systems}

    @cases("rule,code", lambda city: city.platform_systems)
    def test_each_missing_system_is_its_own_verdict(self, judge, rule: str, code: str) -> None:
        systems = [s for s in ALL_SYSTEMS if s != code]
        report = self.judged(judge, facts(roles=PLATFORM, platform_systems=systems))
        assert fired(report) & self.system_rules == {rule}
        assert verdict(report, rule).kind == "obligation_breach"

    def test_platform_with_no_systems_gets_eight_verdicts(self, judge) -> None:
        report = self.judged(judge, facts(roles=PLATFORM, platform_systems=[]))
        assert fired(report) & self.system_rules == self.system_rules

    def test_platform_with_all_systems_gets_no_system_verdict(self, judge) -> None:
        report = self.judged(judge, facts(roles=PLATFORM, platform_systems=ALL_SYSTEMS))
        assert not fired(report) & self.system_rules
        assert not {u.rule for u in report.undetermined} & self.system_rules

    @cases("rule,code", lambda city: city.platform_systems)
    def test_goods_operator_without_platform_is_not_asked_for_systems(self, judge, rule: str, code: str) -> None:
        report = self.judged(judge, facts(roles=GOODS, platform_systems=[]))
        assert rule not in fired(report)

    @cases("rule,code", lambda city: city.platform_systems)
    def test_unknown_systems_are_undetermined(self, judge, rule: str, code: str) -> None:
        assert undetermined(self.judged(judge, facts(roles=PLATFORM)), rule) == ["platform_systems"]

    # --- a seller on its own platform (南安 第十条第（九）项后句, 西宁 第十一条末段) --------------------------------

    @about("goods", "self_platform")
    def test_own_platform_seller_missing_a_system_breaches_the_last_paragraph(self, judge, rule: str) -> None:
        systems = [s for s in ALL_SYSTEMS if s != "consumer_protection"]
        f = facts(roles=GOODS + PLATFORM, **{**COMPLIANT_PLATFORM, "platform_systems": systems})
        report = self.judged(judge, f)
        consumer_protection = self.city.rule(self.city.systems, 5)
        v = verdict(report, rule)
        assert v.citation.label == self.city.self_platform_label
        assert v.derived_from == [consumer_protection]
        assert consumer_protection in fired(report)

    @about("goods", "self_platform")
    def test_own_platform_seller_breaching_a_platform_duty_breaches_the_last_paragraph(self, judge, rule: str) -> None:
        f = facts(roles=GOODS + PLATFORM, **{**COMPLIANT_PLATFORM, "compliance": {**ALL_MET, "verify_sellers": False}})
        assert verdict(self.judged(judge, f), rule).derived_from == [self.city.rule(self.city.platform, 1)]

    @about("goods", "self_platform")
    def test_compliant_own_platform_seller_gets_no_verdict(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(roles=GOODS + PLATFORM, **COMPLIANT_PLATFORM))
        assert report.verdicts == []
        assert report.undetermined == []

    @about("goods", "self_platform")
    def test_platform_that_does_not_sell_is_not_addressed_by_the_last_paragraph(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(roles=PLATFORM, **{**COMPLIANT_PLATFORM, "platform_systems": []}))
        assert self.city.rule(self.city.systems, 1) in fired(report)
        assert rule not in fired(report)

    @about("goods", "self_platform")
    def test_last_paragraph_reads_the_stale_reference_as_the_systems_and_platform_articles(self, rule: str) -> None:
        found = next(r for r in ec.load_ruleset(self.city.rs).model.rules if r.id == rule)
        assert found.interpretation is not None and self.city.stale_reference_reading in found.interpretation

    # --- prohibited acts (南安 第十四条, 西宁 第十五条) ---------------------------------------------------------

    def test_every_act_code_belongs_to_exactly_one_item(self) -> None:
        listed = [act for _, act in self.city.acts]
        assert sorted(listed) == sorted(vocabulary().acts)

    @cases("rule,act", lambda city: city.acts)
    @pytest.mark.parametrize("etype", ["penalty", "finding"])
    def test_established_prohibited_act_fires_its_item(self, judge, rule: str, act: str, etype: str) -> None:
        report = self.judged(judge, facts(event("E1", etype, "2023-04-01", act)))
        assert fired(report) & set(self.city.prohibited_acts) == {rule}
        v = verdict(report, rule)
        assert v.kind == "prohibited"
        assert v.evidence == ["E1"]

    @cases("rule,act", lambda city: city.acts)
    def test_warning_is_not_an_established_act(self, judge, rule: str, act: str) -> None:
        report = self.judged(judge, facts(event("W1", "warning", "2024-03-01", act)))
        assert rule not in fired(report)

    @cases("rule,act", lambda city: city.acts)
    def test_prohibited_act_after_as_of_is_ignored(self, judge, rule: str, act: str) -> None:
        report = self.judged(judge, facts(event("F1", "finding", "2024-07-01", act)))
        assert rule not in fired(report)

    @about("prohibited", 10)
    @pytest.mark.parametrize("roles", [GOODS, PLATFORM, INFRA])
    def test_prohibited_acts_apply_to_every_kind_of_subject(self, judge, rule: str, roles: list[str]) -> None:
        report = self.judged(judge, facts(event("F1", "finding", "2024-01-01", "pyramid_selling"), roles=roles))
        assert rule in fired(report)

    @about("prohibited", 9)
    def test_absent_events_leave_prohibited_acts_undetermined(self, judge, rule: str) -> None:
        report = self.judged(judge, {"subject": subject()})
        assert undetermined(report, rule) == ["events"]

    def test_no_events_gives_no_prohibited_verdict(self, judge) -> None:
        prohibited = set(self.city.prohibited_acts)
        report = self.judged(judge, facts())
        assert not fired(report) & prohibited
        assert not {u.rule for u in report.undetermined} & prohibited

    # --- citations ----------------------------------------------------------------------------------------------

    @about("goods", 6)
    def test_citation_carries_the_verbatim_clause(self, judge, rule: str) -> None:
        report = self.judged(judge, facts(roles=GOODS, retention_days={"receipts": 100}))
        citation = verdict(report, rule).citation
        assert citation.article == self.city.goods and citation.item == 6
        assert citation.text.endswith("且保存时间不得少于2年。")
