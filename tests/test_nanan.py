"""南安 (nanan): each encoded clause fires, and does not fire at its boundary.

The clauses 南安 shares with 西宁 are tested in :mod:`tests.goods_and_platform`, bound here to 南安's
article numbers; this module keeps what is 南安's own (第十条(二), spot checks, period of force).
"""

from __future__ import annotations

from datetime import date

import pytest

import ecredit_rules as ec
from tests.conftest import event, facts, fired, verdict
from tests.goods_and_platform import AS_OF, GOODS, City, GoodsAndPlatformTests

RS = "nanan"

# 南安's article numbers, and its wording where it differs from 西宁's.
NANAN = City(RS, licence=8, identity=9, goods=10, systems=11, platform=12, infra=13, prohibited=14,
             licence_label="第八条", self_platform_label="第十条第（九）项后句",
             stale_reference_reading="第十一条、第十二条")


class TestSharedWithXining(GoodsAndPlatformTests):
    city = NANAN


# --- 第十条(二): quality, incidents reported to 南安市商务局 --------------------------------------------


def test_quality_item_covers_reporting_to_the_commerce_bureau(judge) -> None:
    report = judge(RS, facts(roles=GOODS, compliance={"quality_assurance": False}), AS_OF)
    v = verdict(report, "nanan.art10.item2")
    assert "并向南安市商务局汇报" in v.citation.text
    rule = next(r for r in ec.load_ruleset(RS).model.rules if r.id == "nanan.art10.item2")
    assert rule.interpretation is not None and "汇报" in rule.interpretation


def test_spot_check_powers_are_not_encoded_with_a_reason() -> None:
    entry = next(e for e in ec.load_ruleset(RS).not_encoded if e.clause == "art16.item1")
    assert "抽查" in entry.reason


# --- period of force, citations ----------------------------------------------------------------------

COUNTERFEIT = event("F1", "finding", "2023-03-31", "counterfeit_goods")


@pytest.mark.parametrize("day", [date(2023, 3, 31), date(2025, 3, 30)])
def test_first_and_last_day_of_force_are_in_force(judge, day: date) -> None:
    report = judge(RS, facts(COUNTERFEIT), day)
    assert report.in_force is True
    assert "nanan.art14.item9" in fired(report)


def test_act_before_force_is_not_judged(judge) -> None:
    # 不溯及既往 (CONTRACT §4): a 2022 act is not judged under 第十四条 once the rules are in force.
    report = judge(RS, facts(event("F1", "finding", "2023-03-30", "counterfeit_goods")), date(2024, 6, 30))
    assert "nanan.art14.item9" not in fired(report)


@pytest.mark.parametrize("day", [date(2023, 3, 30), date(2025, 3, 31), date(2026, 1, 1)])
def test_outside_force_gives_only_a_notice_citing_art25(judge, day: date) -> None:
    report = judge(RS, facts(COUNTERFEIT, compliance={"lawful_goods": False}), day)
    assert report.in_force is False
    assert [v.kind for v in report.verdicts] == ["notice"]
    assert report.verdicts[0].citation.label == "第二十五条"
    assert report.verdicts[0].citation.article == 25
    assert report.undetermined == []


def test_stale_cross_reference_is_kept_verbatim_in_its_own_clause() -> None:
    rs = ec.load_ruleset(RS)
    assert rs.clauses["art10.self_platform"].text.endswith("第十五条、第十六条规定的义务。")
    assert rs.clauses["art10.item9"].text == "（九）法律、法规、规章规定的其他义务。"
    assert rs.document.number is None
