"""Every clause's text is the source's own words (CONTRACT §5: ``citation.text``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import ecredit_rules as ec

SOURCES = Path(__file__).resolve().parents[2] / "shared" / "regulations"
# 西宁 prints its 抄送 block and sign-off inside 第二十三条 (a page-layout artefact, noted in the
# rule file); the clause's text is the article without it.
LAYOUT_ARTEFACTS = {"xining.txt": re.compile(r"抄送：.*?印发", re.S)}


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not SOURCES.is_dir(), reason="../shared/regulations is not beside this checkout")
@pytest.mark.parametrize("name", ec.available_rulesets())
def test_every_clause_text_is_found_in_the_source(name: str) -> None:
    rs = ec.load_ruleset(name)
    source = (SOURCES / rs.document.source).read_text(encoding="utf-8")
    artefact = LAYOUT_ARTEFACTS.get(rs.document.source)
    if artefact is not None:
        source = artefact.sub("", source)
    text = _normalised(source)
    assert [cid for cid, clause in rs.clauses.items() if _normalised(clause.text) not in text] == []
