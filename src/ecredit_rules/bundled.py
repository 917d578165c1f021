"""Where the bundled files are: inside the installed package, or at the repository root.

Two folders ship with the package: the rule files (``rules/``) and the regulation texts they encode
(``regulations/``, the only legal authority; a rule file's ``document.source`` names its text there).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

VOCABULARY_FILE = "vocabulary.yaml"


def _bundled_dir(name: str, marker: str | None = None) -> Path:
    """``ecredit_rules/<name>`` in a wheel, else ``<name>/`` of the checkout holding this file.

    An editable install of a checkout reads the repository's folder directly, so an edit there
    takes effect without reinstalling. ``marker``, if given, is a file the checkout's folder must hold.
    """
    packaged = Path(__file__).resolve().parent / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / name
    found = checkout.is_dir() if marker is None else (checkout / marker).is_file()
    if found:
        return checkout
    raise FileNotFoundError(f"bundled {name} not found in {packaged} or {checkout}")


@cache
def rules_dir() -> Path:
    """The folder holding ``<id>.yaml`` and ``vocabulary.yaml``."""
    return _bundled_dir("rules", VOCABULARY_FILE)


@cache
def regulations_dir() -> Path:
    """The folder holding the regulation texts, one ``<id>.txt`` per bundled ruleset."""
    return _bundled_dir("regulations")


def regulation_path(source: str) -> Path:
    """The text a rule file's ``document.source`` names, e.g. ``tuquan.txt``.

    >>> regulation_path("tuquan.txt").read_text(encoding="utf-8").startswith("突泉县")
    True
    """
    return regulations_dir() / source


def available_rulesets() -> list[str]:
    """Ids of the bundled rulesets, sorted.

    >>> available_rulesets()
    ['benxi', 'lingyuan', 'nanan', 'tuquan', 'xining']
    """
    # os.listdir, not Path.glob: ``compare`` lists them on every call, and glob's pathlib objects cost 5×.
    return sorted(name[:-5] for name in os.listdir(rules_dir()) if name.endswith(".yaml") and name != VOCABULARY_FILE)
