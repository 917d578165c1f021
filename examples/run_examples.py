"""Evaluate every bundled example (``examples/<ruleset>/*.json``) and print the verdicts.

``make run`` calls this. Each folder is named for the ruleset its subjects are judged under;
examples are evaluated on the date in their file name's companion ``as_of`` field if present,
else on 2024-06-30 (a day on which every bundled ruleset with a subject here is in force).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import ecredit_rules as ec

HERE = Path(__file__).resolve().parent
DEFAULT_AS_OF = date(2024, 6, 30)


def _line(verdict: ec.Verdict) -> str:
    extra = ""
    if verdict.kind == "deadline":
        extra = f"  期限 {verdict.details['due']} {verdict.details['status']}"
    rests = f"  ← {', '.join(verdict.derived_from)}" if verdict.derived_from else ""
    evidence = f"  证据 {', '.join(verdict.evidence)}" if verdict.evidence else ""
    return f"    [{verdict.kind}] {verdict.citation.label} {verdict.label}{evidence}{rests}{extra}"


def main() -> int:
    folders = sorted(p for p in HERE.iterdir() if p.is_dir() and p.name in ec.available_rulesets())
    for folder in folders:
        rs = ec.load_ruleset(folder.name)
        print(f"== {rs.title}（{rs.document.number or '无文号'}）")
        for path in sorted(folder.glob("*.json")):
            raw = json.loads(path.read_text(encoding="utf-8"))
            as_of = date.fromisoformat(raw.pop("as_of")) if "as_of" in raw else DEFAULT_AS_OF
            report = ec.evaluate(rs, raw, as_of=as_of)
            name = raw["subject"].get("name", raw["subject"]["id"])
            force = "" if report.in_force else "（不在施行期内）"
            print(f"  {path.stem}: {name} 评价日 {as_of}{force}")
            for verdict in report.verdicts:
                print(_line(verdict))
            if report.rating:
                print(f"    信用等级：{report.rating.grade}（{report.rating.citation.label}）")
            for entry in report.undetermined:
                print(f"    无法判断 {entry.rule}：缺少 {', '.join(entry.missing)}")
            if not report.verdicts and not report.undetermined:
                print("    （无认定）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
