"""The ``ecredit`` command: output, exit status and error lines (CONTRACT §6).

Only tuquan and rule files written under tmp_path are relied on, so these tests do not depend on
rulesets that are still being written.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ecredit_rules as ec
from ecredit_rules import cli as cli_module
from tests.conftest import event, subject

AS_OF = "2024-06-30"
LOCATED = re.compile(r"^.+:\d+:\d+: .+$")


def offender(subject_id: str = "91150000TEST00001X") -> dict[str, Any]:
    """Three contract-fraud penalties in twelve months: 第十一条第（四）项 fires in tuquan."""
    return {
        "subject": subject(id=subject_id, name="测试电商有限公司"),
        "events": [
            event("P1", "penalty", "2023-09-12", "contract_fraud"),
            event("P2", "penalty", "2024-01-15", "contract_fraud"),
            event("P3", "penalty", "2024-05-20", "contract_fraud"),
        ],
    }


def write_json(tmp_path: Path, data: Any, name: str = "facts.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli_module.cli, list(args), input=stdin)


def evaluate_json(facts: Any) -> dict[str, Any]:
    report = ec.evaluate(ec.load_ruleset("tuquan"), facts, as_of=date.fromisoformat(AS_OF))
    return json.loads(report.to_json())


BROKEN_RULESET = """\
ruleset: broken
version: "1"
document:
  title: 坏的规则集
  issuer: 某局
  published: 2020-01-01
  source: broken.txt
  in_force: {from: 2020-01-01}
clauses:
  art1: {article: 1, label: 第一条, text: 条文。}
rules:
  - id: broken.art1
    cites: art1
    kind: dishonest
    label: 示例
    colour: red
    when: {events: {types: [penalty], at_least: "3"}}
"""


# --- rulesets -----------------------------------------------------------------------------------


def test_rulesets_lists_tuquan_with_number_and_period() -> None:
    result = run("rulesets")
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("tuquan"))
    assert "突泉县电子商务市场信用评价制度" in line
    assert "突市监发〔2016〕91号" in line
    assert "2016-01-01 至 长期" in line


def test_rulesets_reports_a_ruleset_that_fails_to_load_and_lists_the_others(monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "available_rulesets", lambda: ["nosuch", "tuquan"])
    result = run("rulesets")
    assert result.exit_code == 2
    assert "tuquan" in result.stdout
    assert result.stderr.startswith('nosuch: 没有名为 "nosuch" 的规则集')


def test_rulesets_json_is_a_list_of_ids_titles_and_periods(monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "available_rulesets", lambda: ["tuquan"])
    result = run("rulesets", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {"id": "tuquan", "title": "突泉县电子商务市场信用评价制度", "number": "突市监发〔2016〕91号",
         "version": ec.load_ruleset("tuquan").version, "in_force": {"from": "2016-01-01", "until": None}}
    ]


# --- evaluate -----------------------------------------------------------------------------------


def test_evaluate_json_equals_the_library_report(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == evaluate_json(offender())


def test_evaluate_compiled_engine_is_named_in_the_report(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "--engine", "compiled", str(path))
    assert json.loads(result.stdout)["engine"] == "compiled"


def test_evaluate_list_input_gives_an_array_of_reports(tmp_path: Path) -> None:
    subjects = [offender("S1"), {"subject": {"id": "S2"}, "events": []}]
    path = write_json(tmp_path, subjects)
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == [evaluate_json(s) for s in subjects]


def test_evaluate_reads_facts_from_stdin() -> None:
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "-", stdin=json.dumps(offender()))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == evaluate_json(offender())


def test_evaluate_accepts_a_ruleset_path(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    ruleset = Path(ec.load_ruleset("tuquan").path)
    result = run("evaluate", "-r", str(ruleset), "--as-of", AS_OF, str(path))
    assert json.loads(result.stdout) == evaluate_json(offender())


def test_evaluate_table_shows_chinese_labels_and_clause_label(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "--format", "table", str(path))
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for label in ("规则集", "文号", "评价日", "主体", "施行状态", "施行中", "失信行为", "列入黑名单"):
        assert label in out
    assert "第十一条第（四）项" in out
    assert "P1、P2、P3" in out
    assert "测试电商有限公司" in out


def test_evaluate_table_shows_the_interpretation_a_verdict_relied_on(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "--format", "table", str(path))
    rules = ec.load_ruleset("tuquan").model.rules
    reading = next(r.interpretation for r in rules if r.id == "tuquan.art11.item12")  # a rule that did not fire
    assert "解释：具有第十一条任一项违法失信行为即列入" in result.stdout
    assert reading is not None and reading not in result.stdout


def test_evaluate_table_lists_undetermined_rules_with_missing_facts(tmp_path: Path) -> None:
    path = write_json(tmp_path, {"subject": {"id": "S1"}, "events": []})
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "--format", "table", str(path))
    assert "无法判断" in result.stdout
    assert "缺少事实：" in result.stdout
    assert "subject.licensed" in result.stdout


def test_evaluate_table_shows_deadline_status_in_chinese(tmp_path: Path) -> None:
    facts = {"subject": subject(), "events": [event("R1", "review_request", "2024-01-02")]}
    path = write_json(tmp_path, facts)
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "--format", "table", str(path))
    assert "办理时限" in result.stdout
    assert "已逾期" in result.stdout


def test_evaluate_table_aligns_header_by_display_width(tmp_path: Path) -> None:
    from ecredit_rules.table import display_width

    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "--format", "table", str(path))
    header = result.stdout.splitlines()[:5]
    # The value column starts at the same terminal cell on every header line.
    starts = {display_width(line[: len(line) - len(line.split("  ")[-1].lstrip())]) for line in header}
    assert len(starts) == 1


def test_evaluate_bad_facts_exit_2_naming_the_field(tmp_path: Path) -> None:
    facts = {"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-13-01"}]}
    path = write_json(tmp_path, facts)
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert any(line.startswith(f"{path}: events[0].date: ") for line in result.stderr.splitlines())
    assert "Traceback" not in result.stderr


def test_evaluate_bad_facts_in_a_list_are_named_by_subject_index(tmp_path: Path) -> None:
    bad = {"subject": {"id": "S2"}, "events": [{"id": "P1", "type": "penalty", "date": "yesterday"}]}
    path = write_json(tmp_path, [offender("S1"), bad])
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, str(path))
    assert result.exit_code == 2
    assert f"{path}: [1].events[0].date: " in result.stderr


def test_evaluate_invalid_json_exit_2_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"subject": {"id": "S1"},\n  "events": [}', encoding="utf-8")
    result = run("evaluate", "-r", "tuquan", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:2:")


def test_evaluate_missing_facts_file_exit_2(tmp_path: Path) -> None:
    result = run("evaluate", "-r", "tuquan", str(tmp_path / "absent.json"))
    assert result.exit_code == 2
    assert "absent.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("bad", ["2024-02-30", "2024-6-3", "tomorrow"])
def test_evaluate_bad_as_of_exit_2(tmp_path: Path, bad: str) -> None:
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "tuquan", "--as-of", bad, str(path))
    assert result.exit_code == 2
    assert "--as-of" in result.stderr


def test_evaluate_unknown_ruleset_exit_2_located_at_the_id_listing_available(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "atlantis", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith('atlantis: 没有名为 "atlantis" 的规则集（可用：benxi, ')
    assert "tuquan" in result.stderr


def test_evaluate_broken_ruleset_file_exit_2_with_located_lines(tmp_path: Path) -> None:
    rule_file = tmp_path / "broken.yaml"
    rule_file.write_text(BROKEN_RULESET, encoding="utf-8")
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", str(rule_file), str(path))
    assert result.exit_code == 2
    assert all(LOCATED.match(line) for line in result.stderr.splitlines())


def test_evaluate_out_of_force_gives_a_notice(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("evaluate", "-r", "tuquan", "--as-of", "2015-06-30", str(path))
    report = json.loads(result.stdout)
    assert report["in_force"] is False
    assert [v["kind"] for v in report["verdicts"]] == ["notice"]


# --- validate -----------------------------------------------------------------------------------


def test_validate_broken_file_exit_1_with_file_line_col(tmp_path: Path) -> None:
    rule_file = tmp_path / "broken.yaml"
    rule_file.write_text(BROKEN_RULESET, encoding="utf-8")
    result = run("validate", str(rule_file))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines
    assert all(line.startswith(f"{rule_file}:") and LOCATED.match(line) for line in lines)
    assert f"{rule_file}:16:" in result.stderr  # the unknown key "colour"


def test_validate_speaks_chinese_by_default(tmp_path: Path) -> None:
    rule_file = tmp_path / "broken.yaml"
    rule_file.write_text(BROKEN_RULESET, encoding="utf-8")
    result = run("validate", str(rule_file))
    assert "不认识的键" in result.stderr


def test_validate_lang_en_gives_english(tmp_path: Path) -> None:
    rule_file = tmp_path / "broken.yaml"
    rule_file.write_text(BROKEN_RULESET, encoding="utf-8")
    result = run("validate", "--lang", "en", str(rule_file))
    assert result.exit_code == 1
    assert "unknown key" in result.stderr
    assert "不认识的键" not in result.stderr


def test_validate_tuquan_file_passes() -> None:
    path = ec.load_ruleset("tuquan").path
    result = run("validate", str(path))
    assert result.exit_code == 0
    assert result.stderr == ""


def test_validate_without_files_checks_every_bundled_ruleset() -> None:
    loads = []
    for rid in ec.available_rulesets():
        try:
            ec.load_ruleset(rid)
            loads.append(True)
        except ec.RulesetError:
            loads.append(False)
    result = run("validate")
    # Other rulesets are being written while these tests run; the exit status must match their state.
    assert result.exit_code == (0 if all(loads) else 1)
    assert "tuquan.yaml" in result.stdout


def test_validate_missing_file_exit_2(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "absent.yaml"))
    assert result.exit_code == 2
    assert "absent.yaml" in result.stderr


def test_validate_broken_vocabulary_is_a_finding(tmp_path: Path) -> None:
    vocab = tmp_path / "vocabulary.yaml"
    vocab.write_text("roles: {}\n", encoding="utf-8")
    result = run("validate", str(vocab))
    assert result.exit_code == 1
    assert all(LOCATED.match(line) for line in result.stderr.splitlines())


# --- compare (the command; the comparison itself is in test_compare.py) --------------------------


def test_compare_json_has_one_column_per_ruleset(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("compare", "-r", "tuquan", "--as-of", AS_OF, str(path))
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["rulesets"]] == ["tuquan"]
    assert data["as_of"] == AS_OF


def test_compare_table_is_labelled_in_chinese(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("compare", "-r", "tuquan", "--as-of", AS_OF, "--format", "table", str(path))
    assert result.exit_code == 0, result.stderr
    assert "行为与事实落在哪一条" in result.stdout
    assert "第十一条第（四）项" in result.stdout


def test_compare_refuses_a_list_of_several_subjects(tmp_path: Path) -> None:
    path = write_json(tmp_path, [offender("S1"), offender("S2")])
    result = run("compare", "-r", "tuquan", str(path))
    assert result.exit_code == 2


def test_compare_unknown_ruleset_exit_2(tmp_path: Path) -> None:
    path = write_json(tmp_path, offender())
    result = run("compare", "-r", "atlantis", str(path))
    assert result.exit_code == 2
    assert "atlantis" in result.stderr


# --- the installed entry points ------------------------------------------------------------------


def test_installed_ecredit_script_evaluates(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "ecredit"
    path = write_json(tmp_path, offender())
    done = subprocess.run(
        [str(script), "evaluate", "-r", "tuquan", "--as-of", AS_OF, str(path)],
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == evaluate_json(offender())


def test_python_dash_m_reports_bad_input_with_exit_2(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecredit_rules", "evaluate", "-r", "tuquan", str(tmp_path / "absent.json")],
        capture_output=True, text=True, encoding="utf-8", timeout=60, check=False,
    )
    assert done.returncode == 2
    assert "absent.json" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "text", ['{"subject": {"id": "S1"}, "n": ' + "1" * 5000 + "}", "[" * 100_000 + "]" * 100_000],
    ids=["number-too-long", "nested-too-deep"],
)
def test_evaluate_json_python_cannot_read_exit_2_naming_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "facts.json"
    path.write_text(text, encoding="utf-8")
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, str(path))
    assert result.exit_code == 2, result.exception
    assert result.stderr.startswith(f"{path}: ")
