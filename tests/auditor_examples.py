"""The bundled examples as the auditor's tests read them: the facts, and the day each is judged on."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import ecredit_rules as ec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def example_files() -> list[Path]:
    """examples/<bundled id>/*.json: each judged under the ruleset its folder is named for."""
    bundled = set(ec.available_rulesets())
    return sorted(p for p in EXAMPLES.glob("*/*.json") if p.parent.name in bundled)


@cache
def _days() -> tuple[date, dict[str, date]]:
    # examples/as_of.toml, as examples/run_examples.py reads it.
    manifest = tomllib.loads((EXAMPLES / "as_of.toml").read_text(encoding="utf-8"))
    return manifest["default"], {name: entry["as_of"] for name, entry in manifest.get("files", {}).items()}


def read_example(path: Path) -> tuple[dict[str, Any], date]:
    """The facts of an example and its day of evaluation (examples/as_of.toml)."""
    default, days = _days()
    return json.loads(path.read_text(encoding="utf-8")), days.get(path.relative_to(EXAMPLES).as_posix(), default)
