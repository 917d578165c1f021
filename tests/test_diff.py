"""``ecredit diff``: what an edit to a rule file changes, and whose verdicts it changes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ecredit_rules as ec
from ecredit_rules import cli as cli_module
from ecredit_rules.bundled import rules_dir
from ecredit_rules.diff import (
    FieldChange,
    ItemChange,
    ValueChange,
    diff_rulesets,
    diff_table,
    inline_diff,
    load_for_diff,
    read_facts_dir,
)
from tests.conftest import event, subject

ORIGINAL = (rules_dir() / "tuquan.yaml").read_text(encoding="utf-8")

# 第十一条 amended: two penalties suffice from 2025-07-01 on.
THRESHOLD_OLD = "      - {from: 2016-01-01, value: 3}\n"
THRESHOLD_NEW = THRESHOLD_OLD + "      - {from: 2025-07-01, value: 2}\n"
CLAUSE_OLD = "12个月以内被工商行政管理法律部门行政处罚3次以上的;"
CLAUSE_NEW = "12个月以内被市场监督管理部门行政处罚3次以上的;"
# 第十四条第（四）项's rule removed: the clause says instead why it is not encoded.
REMOVED_RULE = """\
    rules:
      - id: tuquan.art14.item4
        kind: sanction
        label: 可要求限期提交企业自评报告
        when:
          any:
            - fired: [tuquan.art12]
            - on_list: black
        interpretation: 原文“依据情况……可要求”，属裁量措施：认定表示办公室可以提出该要求，是否提出由其决定。
"""
NOT_ENCODED = "    not_encoded: 裁量措施。\n"


def edited(tmp_path: Path, *replacements: tuple[str, str], name: str = "tuquan.yaml") -> Path:
    """A copy of the bundled tuquan rules with each (old, new) text replaced exactly once."""
    text = ORIGINAL
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder = tmp_path / "new"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def two_frauds(day1: str = "2025-03-10", day2: str = "2025-10-20") -> dict[str, Any]:
    return {
        "subject": subject(id="S2", name="两次处罚网店"),
        "events": [event("P1", "penalty", day1, "contract_fraud"), event("P2", "penalty", day2, "contract_fraud")],
    }


def facts_dir(tmp_path: Path, **files: Any) -> Path:
    folder = tmp_path / "subjects"
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


def run(*args: str) -> Result:
    return CliRunner().invoke(cli_module.cli, list(args))


@pytest.fixture(scope="module")
def old() -> ec.Ruleset:
    return ec.load_ruleset("tuquan")


# --- parameters and the verdicts they change ----------------------------------------------------


def test_dated_threshold_shows_as_a_value_added_on_its_day(tmp_path: Path, old: ec.Ruleset) -> None:
    result = diff_rulesets(old, load_for_diff(edited(tmp_path, (THRESHOLD_OLD, THRESHOLD_NEW))))
    [param] = result.parameters
    assert (param.name, param.change, param.unit) == ("repeat_penalties", "changed", "times")
    assert param.values == [ValueChange(from_=date(2025, 7, 1), change="added", new="2")]
    assert result.rules == [] and result.clauses == []


def test_changed_amount_keeps_its_cents(tmp_path: Path, old: ec.Ruleset) -> None:
    line = "      - {from: 2016-01-01, value: 50000}\n"
    new = load_for_diff(edited(tmp_path, (line, line.replace("50000", "49999.99"))))
    [param] = diff_rulesets(old, new).parameters
    assert param.values == [ValueChange(from_=date(2016, 1, 1), change="changed", old="50000", new="49999.99")]


def test_verdict_appears_for_the_affected_subject_after_the_new_day(tmp_path: Path, old: ec.Ruleset) -> None:
    new = load_for_diff(edited(tmp_path, (THRESHOLD_OLD, THRESHOLD_NEW)))
    subjects = read_facts_dir(facts_dir(tmp_path, two=two_frauds()))
    result = diff_rulesets(old, new, subjects, as_of=date(2025, 12, 31))
    appeared = {(v.subject, v.rule) for v in result.verdicts or [] if v.change == "appeared"}
    assert {("S2", "tuquan.art11.item4"), ("S2", "tuquan.art12")} <= appeared
    assert not [v for v in result.verdicts or [] if v.change == "disappeared"]


def test_no_verdict_changes_before_the_new_day(tmp_path: Path, old: ec.Ruleset) -> None:
    new = load_for_diff(edited(tmp_path, (THRESHOLD_OLD, THRESHOLD_NEW)))
    subjects = read_facts_dir(facts_dir(tmp_path, two=two_frauds("2024-09-10", "2025-03-20")))
    result = diff_rulesets(old, new, subjects, as_of=date(2025, 6, 30))
    assert result.verdicts == []
    assert "1 个主体的认定都没有变化。" in diff_table(result)


def test_unaffected_subject_is_not_listed(tmp_path: Path, old: ec.Ruleset) -> None:
    new = load_for_diff(edited(tmp_path, (THRESHOLD_OLD, THRESHOLD_NEW)))
    clean = {"subject": subject(id="CLEAN"), "events": []}
    subjects = read_facts_dir(facts_dir(tmp_path, two=two_frauds(), clean=clean))
    result = diff_rulesets(old, new, subjects, as_of=date(2025, 12, 31))
    assert {v.subject for v in result.verdicts or []} == {"S2"}
    assert result.subjects == 2


def test_facts_file_with_its_own_as_of_is_judged_on_that_day(tmp_path: Path, old: ec.Ruleset) -> None:
    new = load_for_diff(edited(tmp_path, (THRESHOLD_OLD, THRESHOLD_NEW)))
    subjects = read_facts_dir(facts_dir(tmp_path, two={"as_of": "2025-12-31", **two_frauds()}))
    result = diff_rulesets(old, new, subjects, as_of=date(2025, 6, 30))
    assert {v.as_of for v in result.verdicts or []} == {date(2025, 12, 31)}


def test_changed_working_days_show_as_a_changed_due_day(tmp_path: Path, old: ec.Ruleset) -> None:
    line = "      - {from: 2016-01-01, value: 30}\n"
    new = load_for_diff(edited(tmp_path, (line, line.replace("30", "20"))))
    review = {"subject": subject(id="R"), "events": [event("R1", "review_request", "2024-09-27")]}
    result = diff_rulesets(old, new, read_facts_dir(facts_dir(tmp_path, review=review)), as_of=date(2024, 9, 28))
    [change] = result.verdicts or []
    assert (change.rule, change.change) == ("tuquan.art6", "details")
    assert change.old is not None and change.new is not None
    assert (change.old["due"], change.new["due"]) == ("2024-11-13", "2024-10-30")


# --- clauses, rules, not_encoded, period of force ----------------------------------------------


def test_clause_text_edit_shows_old_and_new_text(tmp_path: Path, old: ec.Ruleset) -> None:
    result = diff_rulesets(old, load_for_diff(edited(tmp_path, (CLAUSE_OLD, CLAUSE_NEW))))
    [clause] = result.clauses
    assert (clause.id, clause.change, clause.label) == ("art11.item4", "changed", "第十一条第（四）项")
    [text] = clause.fields
    assert text.field == "text" and CLAUSE_OLD in text.old and CLAUSE_NEW in text.new
    assert result.rules == [] and result.parameters == []


def test_clause_text_edit_marks_the_changed_words_in_the_table(tmp_path: Path, old: ec.Ruleset) -> None:
    table = diff_table(diff_rulesets(old, load_for_diff(edited(tmp_path, (CLAUSE_OLD, CLAUSE_NEW)))))
    assert "12个月以内被[-工商行政-]{+市场监督+}管理[-法律-]部门行政处罚3次以上的;" in table


def test_removed_rule_is_listed_with_its_label(tmp_path: Path, old: ec.Ruleset) -> None:
    result = diff_rulesets(old, load_for_diff(edited(tmp_path, (REMOVED_RULE, NOT_ENCODED))))
    assert result.rules == [ItemChange(id="tuquan.art14.item4", change="removed", label="可要求限期提交企业自评报告")]
    assert result.not_encoded == [ItemChange(id="art14.item4", change="added", label="第十四条第（四）项")]


def test_removed_rule_disappears_from_the_blacklisted_subjects_verdicts(tmp_path: Path, old: ec.Ruleset) -> None:
    new = load_for_diff(edited(tmp_path, (REMOVED_RULE, NOT_ENCODED)))
    listed = {"subject": subject(id="B", lists=["black"]), "events": []}
    result = diff_rulesets(old, new, read_facts_dir(facts_dir(tmp_path, listed=listed)), as_of=date(2024, 6, 30))
    assert [(v.rule, v.change) for v in result.verdicts or []] == [("tuquan.art14.item4", "disappeared")]


def test_changed_condition_names_the_rule_and_the_field(tmp_path: Path, old: ec.Ruleset) -> None:
    before = "acts: [contract_fraud], within_months: {param: window_months}, at_least: {param: repeat_penalties}}"
    after = "acts: [contract_fraud], within_months: {param: window_months}, at_least: 2}"
    [rule] = diff_rulesets(old, load_for_diff(edited(tmp_path, (before, after)))).rules
    assert (rule.id, rule.change, [f.field for f in rule.fields]) == ("tuquan.art11.item4", "changed", ["when"])
    assert rule.fields[0].new["events"]["at_least"] == 2


def test_end_of_the_period_of_force_is_a_document_change(tmp_path: Path, old: ec.Ruleset) -> None:
    new = load_for_diff(edited(tmp_path, ("    from: 2016-01-01\n", "    from: 2016-01-01\n    until: 2030-12-31\n")))
    assert diff_rulesets(old, new).document == [
        FieldChange(field="document.in_force.until", old=None, new="2030-12-31")
    ]


def test_identical_files_have_no_changes(old: ec.Ruleset) -> None:
    result = diff_rulesets(old, ec.load_ruleset("tuquan"))
    assert result.changed is False
    assert not (result.document or result.clauses or result.parameters or result.rules or result.rating
                or result.deadlines or result.not_encoded)
    assert result.verdicts is None


def test_identical_files_say_so_in_the_table(old: ec.Ruleset) -> None:
    assert "两个文件的规则内容相同，没有变更。" in diff_table(diff_rulesets(old, ec.load_ruleset("tuquan")))


def test_inline_diff_keeps_a_parameter_reference_whole() -> None:
    assert inline_diff("{at_least: {param: n}}", "{at_least: 2}", by_words=True) == "{at_least: [-{param: n}-]{+2+}}"


# --- reading the inputs ------------------------------------------------------------------------


def test_copy_under_another_name_is_judged_under_the_name_it_declares(tmp_path: Path) -> None:
    path = edited(tmp_path, name="tuquan.old.yaml")
    loaded = load_for_diff(path)
    assert (loaded.id, loaded.path) == ("tuquan", path)


def test_problem_in_a_renamed_copy_is_reported_against_that_copy(tmp_path: Path) -> None:
    path = edited(tmp_path, ("    kind: blacklist\n", "    kind: blacklst\n"), name="tuquan.old.yaml")
    with pytest.raises(ec.RulesetError) as info:
        load_for_diff(path)
    assert all(p.where.startswith(f"{path}:") for p in info.value.problems)


# --- the command --------------------------------------------------------------------------------


def test_command_prints_json_for_systems(tmp_path: Path) -> None:
    new = edited(tmp_path, (THRESHOLD_OLD, THRESHOLD_NEW))
    result = run("diff", "--format", "json", str(rules_dir() / "tuquan.yaml"), str(new))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["parameters"][0]["values"] == [{"from": "2025-07-01", "change": "added", "old": None, "new": "2"}]
    assert data["changed"] is True and data["verdicts"] is None


def test_command_table_lists_subjects_whose_verdicts_change(tmp_path: Path) -> None:
    new = edited(tmp_path, (THRESHOLD_OLD, THRESHOLD_NEW))
    folder = facts_dir(tmp_path, two=two_frauds())
    result = run("diff", str(rules_dir() / "tuquan.yaml"), str(new), "--facts", str(folder), "--as-of", "2025-12-31")
    assert result.exit_code == 0, result.output
    assert "  two.json  两次处罚网店（S2）  2025-12-31" in result.stdout
    assert "      新出现  tuquan.art11.item4  利用合同欺诈等，12个月内被行政处罚3次以上" in result.stdout


def test_command_exits_0_for_identical_files() -> None:
    result = run("diff", "tuquan", str(rules_dir() / "tuquan.yaml"))
    assert result.exit_code == 0, result.output


def test_command_exits_2_with_located_lines_for_a_broken_file(tmp_path: Path) -> None:
    new = edited(tmp_path, ("    kind: blacklist\n", "    kind: blacklst\n"))
    result = run("diff", str(rules_dir() / "tuquan.yaml"), str(new))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{new}:")
    assert "是否为 \"blacklist\"？" in result.stderr


def test_command_exits_2_naming_a_bad_fact(tmp_path: Path) -> None:
    bad = {"subject": subject(id="X"), "events": [event("P1", "penalty", "2024-13-01", "contract_fraud")]}
    folder = facts_dir(tmp_path, bad=bad)
    result = run("diff", "tuquan", "tuquan", "--facts", str(folder))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{folder / 'bad.json'}: events[0].date: ")


def test_command_exits_2_for_a_missing_facts_folder(tmp_path: Path) -> None:
    result = run("diff", "tuquan", "tuquan", "--facts", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert str(tmp_path / "none") in result.stderr


def test_facts_folder_reports_a_key_given_twice(tmp_path: Path) -> None:
    folder = tmp_path / "subjects"
    folder.mkdir()
    (folder / "twice.json").write_text('{"subject": {"id": "S1", "id": "S2"}}', encoding="utf-8")
    with pytest.raises(ec.FactsError) as info:
        read_facts_dir(folder)
    assert [p.where for p in info.value.problems] == [f"{folder / 'twice.json'}: subject.id"]


def test_command_exits_2_for_facts_nested_too_deep(tmp_path: Path) -> None:
    folder = tmp_path / "subjects"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run("diff", "tuquan", "tuquan", "--facts", str(folder))
    assert result.exit_code == 2, result.exception
    assert str(folder / "deep.json") in result.stderr
