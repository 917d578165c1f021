"""Evaluate every bundled example and print the verdicts, then one subject under every city.

``make run`` calls this. ``examples/<ruleset>/*.json`` are judged under the ruleset the folder
is named for; ``examples/compare/*.json`` under all bundled rulesets side by side. A file may
carry a top-level ``as_of`` (the evaluation date); otherwise 2024-06-30 is used.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import ecredit_rules as ec
from ecredit_rules.table import comparison_table, report_table

HERE = Path(__file__).resolve().parent
DEFAULT_AS_OF = date(2024, 6, 30)


def _example(path: Path) -> tuple[dict[str, Any], date]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    as_of = date.fromisoformat(raw.pop("as_of")) if "as_of" in raw else DEFAULT_AS_OF
    return raw, as_of


def main() -> int:
    bundled = ec.available_rulesets()
    for folder in sorted(p for p in HERE.iterdir() if p.is_dir() and p.name in bundled):
        rs = ec.load_ruleset(folder.name)
        for path in sorted(folder.glob("*.json")):
            facts, as_of = _example(path)
            print(f"### {folder.name}/{path.name}")
            print(report_table(ec.evaluate(rs, facts, as_of=as_of), rs, facts["subject"].get("name")))
            print()
    for path in sorted((HERE / "compare").glob("*.json")):
        facts, as_of = _example(path)
        print(f"### compare/{path.name}: 同一主体在各地规则下的认定")
        print(comparison_table(ec.compare(facts, as_of=as_of), facts["subject"].get("name")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
