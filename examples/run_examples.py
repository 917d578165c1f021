"""Evaluate every bundled example and print the verdicts, then one subject under every city.

``make run`` calls this. ``examples/<ruleset>/*.json`` are judged under the ruleset the folder
is named for; ``examples/compare/*.json`` under all bundled rulesets side by side. Each file is
valid facts as it stands (CONTRACT §3), so ``ecredit evaluate`` reads it as written; its day of
evaluation is in ``examples/as_of.toml`` (the default, or the file's own day and why it was chosen).
"""

from __future__ import annotations

import json
import sys
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import ecredit_rules as ec
from ecredit_rules.table import comparison_table, report_table

HERE = Path(__file__).resolve().parent
AS_OF_FILE = HERE / "as_of.toml"


def as_of_days() -> dict[str, date]:
    """The day of evaluation of every example file, by its path under ``examples/`` (``tuquan/x.json``)."""
    manifest = tomllib.loads(AS_OF_FILE.read_text(encoding="utf-8"))
    default: date = manifest["default"]
    days = {path.relative_to(HERE).as_posix(): default for path in sorted(HERE.glob("*/*.json"))}
    for name, entry in manifest["files"].items():
        if name not in days:  # a renamed example would otherwise lose its day silently
            raise SystemExit(f"{AS_OF_FILE}: there is no example {name}")
        days[name] = entry["as_of"]
    return days


def _example(path: Path, days: dict[str, date]) -> tuple[dict[str, Any], date]:
    return json.loads(path.read_text(encoding="utf-8")), days[path.relative_to(HERE).as_posix()]


def main() -> int:
    days = as_of_days()
    bundled = ec.available_rulesets()
    for folder in sorted(p for p in HERE.iterdir() if p.is_dir() and p.name in bundled):
        rs = ec.load_ruleset(folder.name)
        for path in sorted(folder.glob("*.json")):
            facts, as_of = _example(path, days)
            print(f"### {folder.name}/{path.name}")
            print(report_table(ec.evaluate(rs, facts, as_of=as_of), rs, facts["subject"].get("name")))
            print()
    for path in sorted((HERE / "compare").glob("*.json")):
        facts, as_of = _example(path, days)
        print(f"### compare/{path.name}: 同一主体在各地规则下的认定")
        print(comparison_table(ec.compare(facts, as_of=as_of), facts["subject"].get("name")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
