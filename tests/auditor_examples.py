"""The bundled examples as the auditor's tests read them: facts without the ``as_of`` key, and the day."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import ecredit_rules as ec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DEFAULT_AS_OF = date(2024, 6, 30)  # as examples/run_examples.py


def example_files() -> list[Path]:
    """examples/<bundled id>/*.json: each judged under the ruleset its folder is named for."""
    bundled = set(ec.available_rulesets())
    return sorted(p for p in EXAMPLES.glob("*/*.json") if p.parent.name in bundled)


def read_example(path: Path) -> tuple[dict[str, Any], date]:
    """The facts of an example (an ``as_of`` key, if a file still carries one, is the day, not a fact)."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    as_of = date.fromisoformat(raw.pop("as_of")) if "as_of" in raw else DEFAULT_AS_OF
    return raw, as_of
