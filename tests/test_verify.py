"""ecredit verify: a report is reproduced from its facts, and a tampered one is caught by name."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

import ecredit_rules as ec
from ecredit_rules import cli as cli_module

AS_OF = date(2024, 6, 30)
FACTS: dict[str, Any] = {
    "subject": {"id": "S1", "roles": ["goods_operator"]},
    "events": [
        {"id": f"P{i}", "type": "penalty", "date": day, "act": "contract_fraud"}
        for i, day in enumerate(["2023-09-12", "2024-01-15", "2024-05-20"], start=1)
    ],
}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli_module.cli, list(args))


def files(tmp_path: Path, report: dict[str, Any] | None = None, facts: Any = None) -> tuple[str, str]:
    if report is None:
        report = json.loads(ec.evaluate("tuquan", FACTS, as_of=AS_OF, engine="compiled").to_json())
    report_path, facts_path = tmp_path / "report.json", tmp_path / "facts.json"
    report_path.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    facts_path.write_text(json.dumps(FACTS if facts is None else facts, ensure_ascii=False), encoding="utf-8")
    return str(report_path), str(facts_path)


def original() -> dict[str, Any]:
    return json.loads(ec.evaluate("tuquan", FACTS, as_of=AS_OF).to_json())


def test_an_untouched_report_is_reproduced(tmp_path: Path) -> None:
    result = run("verify", *files(tmp_path))
    assert result.exit_code == 0, result.output
    assert "已重现" in result.output


def test_tampered_evidence_differs_naming_the_verdict_and_field(tmp_path: Path) -> None:
    report = original()
    report["verdicts"][0]["evidence"] = ["P1", "P2"]
    result = run("verify", "--lang", "en", *files(tmp_path, report))
    assert result.exit_code == 1
    assert "verdict tuquan.art11.item4: evidence differs" in result.output


def test_a_removed_verdict_is_named(tmp_path: Path) -> None:
    report = original()
    removed = report["verdicts"].pop()
    result = run("verify", "--lang", "en", *files(tmp_path, report))
    assert result.exit_code == 1
    assert f"recomputed but not in the report: verdict {removed['rule']}" in result.output


def test_a_changed_grade_is_named(tmp_path: Path) -> None:
    report = original()
    assert report["rating"] is not None
    report["rating"]["grade"] = "A"
    result = run("verify", "--lang", "en", *files(tmp_path, report))
    assert result.exit_code == 1
    assert "rating: grade differs" in result.output


def test_an_invented_undetermined_rule_is_named(tmp_path: Path) -> None:
    report = original()
    report["undetermined"].append({"rule": "tuquan.art99", "missing": ["events"]})
    result = run("verify", "--lang", "en", *files(tmp_path, report))
    assert result.exit_code == 1
    assert "in the report but not recomputed: undetermined tuquan.art99" in result.output


def test_other_facts_cannot_be_checked_and_the_facts_digest_is_named(tmp_path: Path) -> None:
    other = json.loads(json.dumps(FACTS))
    other["events"][2]["date"] = "2024-05-21"
    result = run("verify", "--lang", "en", *files(tmp_path, facts=other))
    assert result.exit_code == 2
    assert "facts digest does not match" in result.output


def test_an_edited_rule_file_cannot_be_checked_and_the_ruleset_digest_is_named(tmp_path: Path) -> None:
    edited = tmp_path / "tuquan.yaml"
    edited.write_text(ec.load_ruleset("tuquan").path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    result = run("verify", "--lang", "en", "-r", str(edited), *files(tmp_path))
    assert result.exit_code == 2
    assert "ruleset digest does not match" in result.output


def test_the_same_rule_file_given_with_r_reproduces(tmp_path: Path) -> None:
    result = run("verify", "-r", str(ec.load_ruleset("tuquan").path), *files(tmp_path))
    assert result.exit_code == 0, result.output


def test_a_file_that_is_not_a_report_is_bad_input(tmp_path: Path) -> None:
    result = run("verify", "--lang", "en", *files(tmp_path, {"verdicts": []}))
    assert result.exit_code == 2
    assert "not a report" in result.output


def test_the_reports_engine_and_day_are_used(tmp_path: Path) -> None:
    report = json.loads(ec.evaluate("tuquan", FACTS, as_of=date(2025, 6, 30), engine="compiled").to_json())
    result = run("verify", *files(tmp_path, report))
    assert result.exit_code == 0, result.output
