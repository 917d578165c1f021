"""Where the bundled rule files are: inside the installed package, or at the repository root."""

from __future__ import annotations

from functools import cache
from pathlib import Path

VOCABULARY_FILE = "vocabulary.yaml"


@cache
def rules_dir() -> Path:
    """The folder holding ``<id>.yaml`` and ``vocabulary.yaml``.

    A wheel carries the files as ``ecredit_rules/rules``; an editable install of a checkout
    reads the repository's ``rules/`` directly, so an edit there takes effect without reinstalling.
    """
    packaged = Path(__file__).resolve().parent / "rules"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if (checkout / VOCABULARY_FILE).is_file():
        return checkout
    raise FileNotFoundError(f"bundled rule files not found in {packaged} or {checkout}")


def available_rulesets() -> list[str]:
    """Ids of the bundled rulesets, sorted.

    >>> available_rulesets()
    ['benxi', 'lingyuan', 'nanan', 'tuquan', 'xining']
    """
    return sorted(p.stem for p in rules_dir().glob("*.yaml") if p.name != VOCABULARY_FILE)
