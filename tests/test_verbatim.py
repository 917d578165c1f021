"""Every clause's text is the source's own words (CONTRACT §5: ``citation.text``).

The sources are the repository's own copies in ``regulations/``; a missing one fails, never skips.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import ecredit_rules as ec
from ecredit_rules.bundled import regulation_path, regulations_dir

ROOT = Path(__file__).resolve().parents[1]
IN_REPO = ROOT / "regulations"
# The texts the copies were made from, where this machine has them: wherever ECREDIT_SHARED_REGULATIONS
# points, or beside the checkout (the usual layout).
ORIGINALS = [
    Path(p) for p in (os.environ.get("ECREDIT_SHARED_REGULATIONS"), ROOT.parent / "shared" / "regulations") if p
]
# 西宁 prints its 抄送 block and sign-off inside 第二十三条 (a page-layout artefact, noted in the
# rule file); the clause's text is the article without it.
LAYOUT_ARTEFACTS = {"xining.txt": re.compile(r"抄送：.*?印发", re.S)}


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _sources() -> list[str]:
    return sorted(ec.load_ruleset(name).document.source for name in ec.available_rulesets())


@pytest.mark.parametrize("name", ec.available_rulesets())
def test_every_clause_text_is_found_in_the_source(name: str) -> None:
    rs = ec.load_ruleset(name)
    source = regulation_path(rs.document.source).read_text(encoding="utf-8")
    artefact = LAYOUT_ARTEFACTS.get(rs.document.source)
    if artefact is not None:
        source = artefact.sub("", source)
    text = _normalised(source)
    assert [cid for cid, clause in rs.clauses.items() if _normalised(clause.text) not in text] == []


def test_the_package_serves_the_repository_copies() -> None:
    # A checkout reads regulations/ itself; a wheel carries the same bytes inside the package.
    assert regulations_dir().is_dir()
    assert [s for s in _sources() if regulation_path(s).read_bytes() != (IN_REPO / s).read_bytes()] == []


def test_the_repository_holds_exactly_the_texts_the_rule_files_name() -> None:
    assert sorted(p.name for p in IN_REPO.iterdir()) == _sources()


def test_the_copies_are_byte_identical_to_the_originals() -> None:
    originals = next((p for p in ORIGINALS if p.is_dir()), None)
    if originals is None:
        pytest.skip("no original regulation texts on this machine to compare the copies with")
    assert [s for s in _sources() if (IN_REPO / s).read_bytes() != (originals / s).read_bytes()] == []
