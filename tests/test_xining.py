"""西宁 (xining): each encoded clause fires, and does not fire at its boundary.

The clauses 西宁 shares with 南安 are tested in :mod:`tests.goods_and_platform`, bound here to 西宁's
article numbers (with 第十六条, security level protection, which 南安 lacks, as an extra duty);
this module keeps what is 西宁's own (period of force, page layout).
"""

from __future__ import annotations

from datetime import date

import ecredit_rules as ec
from tests.conftest import event, facts, fired
from tests.goods_and_platform import City, GoodsAndPlatformTests

RS = "xining"

# 西宁's article numbers, its wording where it differs from 南安's, and 第十六条 (security level protection),
# a platform operator's duty 南安 lacks.
XINING = City(RS, licence=9, identity=10, goods=11, systems=12, platform=13, infra=14, prohibited=15,
              licence_label="第九条第一款", self_platform_label="第十一条末段",
              stale_reference_reading="第十二条、第十三条",
              extra_compliance=(("xining.art16", "security_level_protection", "platform_operator"),))


class TestSharedWithNanan(GoodsAndPlatformTests):
    city = XINING


# --- period of force, citations ----------------------------------------------------------------------


def test_first_day_of_force_is_in_force(judge) -> None:
    report = judge(RS, facts(event("F1", "finding", "2019-02-01", "counterfeit_goods")), date(2019, 2, 1))
    assert report.in_force is True
    assert "xining.art15.item9" in fired(report)


def test_act_before_force_is_not_judged(judge) -> None:
    report = judge(RS, facts(event("F1", "finding", "2019-01-31", "counterfeit_goods")), date(2019, 2, 1))
    assert "xining.art15.item9" not in fired(report)


def test_finding_without_act_leaves_art15_undetermined(judge) -> None:
    report = judge(RS, facts(event("F1", "finding", "2024-01-31")), date(2024, 6, 30))
    missing = next(u.missing for u in report.undetermined if u.rule == "xining.art15.item9")
    assert missing == ["events[0].act"]


def test_day_before_force_gives_only_a_notice_citing_art28(judge) -> None:
    report = judge(RS, facts(event("F1", "finding", "2019-01-20", "counterfeit_goods")), date(2019, 1, 31))
    assert report.in_force is False
    assert [v.kind for v in report.verdicts] == ["notice"]
    assert report.verdicts[0].citation.label == "第二十八条"
    assert report.verdicts[0].citation.article == 28


def test_no_end_of_force(judge) -> None:
    assert judge(RS, facts(), date(2030, 1, 1)).in_force is True


def test_page_layout_artefacts_are_not_clause_text() -> None:
    rs = ec.load_ruleset(RS)
    assert all("抄送" not in c.text and "印发" not in c.text for c in rs.clauses.values())
    assert rs.clauses["art23"].text.endswith("等多种方式予以确认。")
    assert rs.document.number == "宁商字〔2019〕7号"
