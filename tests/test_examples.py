"""examples/ has one folder per bundled ruleset (``make run`` evaluates them), and nothing stale."""

from __future__ import annotations

from pathlib import Path

import ecredit_rules as ec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOT_A_RULESET = {"compare"}  # subjects compared across every ruleset


def test_every_bundled_ruleset_has_examples() -> None:
    assert [rid for rid in ec.available_rulesets() if not list((EXAMPLES / rid).glob("*.json"))] == []


def test_every_example_folder_names_a_bundled_ruleset() -> None:
    folders = {p.name for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert sorted(folders - NOT_A_RULESET - set(ec.available_rulesets())) == []
