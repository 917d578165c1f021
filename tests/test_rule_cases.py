"""Every case that policy staff wrote in ``rules/tests/**`` is one pytest test, run on both engines.

The ids are ``<ruleset folder>/<file>:<case name>``, so a failure in CI names the case as the
officer wrote it; the assertion message is the same diff ``ecredit test`` prints.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ecredit_rules import available_rulesets
from ecredit_rules.casetests import (
    CaseFileError,
    LoadedCase,
    RulesetCache,
    default_paths,
    discover,
    load_case_file,
    render_result,
    run_case,
)

_CACHE = RulesetCache()


def _collect() -> tuple[list[LoadedCase], dict[Path, str]]:
    cases: list[LoadedCase] = []
    broken: dict[Path, str] = {}
    for file in discover(default_paths()):
        try:
            cases += load_case_file(file, cache=_CACHE)
        except CaseFileError as err:
            broken[file] = str(err)
    return cases, broken


CASES, BROKEN = _collect()


@pytest.mark.parametrize("loaded", CASES, ids=[c.test_id for c in CASES])
def test_case(loaded: LoadedCase) -> None:
    durable = run_case(loaded, "durable")
    assert durable.passed, render_result(durable)
    compiled = run_case(loaded, "compiled")
    assert compiled.passed, render_result(compiled)


def test_every_case_file_is_well_formed() -> None:
    assert not BROKEN, "\n".join(BROKEN.values())


def test_every_bundled_ruleset_has_cases() -> None:
    assert {c.ruleset.id for c in CASES} == set(available_rulesets())
