"""``ecredit lint``: each check finds its mistake at the right line, and the bundled rulesets are clean.

Each test copies ``rules/tuquan.yaml`` into tmp_path (keeping the name ``tuquan.yaml``, which the
loader requires), makes one edit a policy officer could make, and checks the finding.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from ecredit_rules import cli as cli_module
from ecredit_rules.bundled import rules_dir
from ecredit_rules.errors import Problem
from ecredit_rules.lint import lint_bundled_models, lint_ruleset, lint_vocabulary_usage
from tests.conftest import TUQUAN_ITEM4, TUQUAN_YAML, edit, line_of, write

VOCABULARY = (rules_dir() / "vocabulary.yaml").read_text(encoding="utf-8")

ITEM3_WHEN = """    when:
      events: {types: [penalty, finding], acts: [pyramid_selling], within_months: {param: rating_months}}
"""


def when_line(text: str, rule_id: str) -> int:
    """The line of the ``when:`` key of rule ``rule_id``."""
    start = next(n for n, ln in enumerate(text.splitlines(), start=1) if ln.strip(" -") == f"id: {rule_id}")
    return line_of(text, "when:", after=start)


def located(problem: Problem) -> tuple[int, int]:
    _, line, column = problem.where.rsplit(":", 2)
    return int(line), int(column)


def lint_text(tmp_path: Path, text: str, lang: str = "zh") -> list[Problem]:
    return lint_ruleset(write(tmp_path, text), lang)  # type: ignore[arg-type]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli_module.cli, ["lint", *args])


def with_item3_when(condition: str) -> str:
    """tuquan with the condition of 第十一条第（三）项 replaced by ``condition`` (indented YAML)."""
    return edit(TUQUAN_YAML, ITEM3_WHEN, "    when:\n" + condition)


def with_end_of_force(day: str) -> str:
    """tuquan (in force from 2016-01-01, with no end) in force until ``day``."""
    return edit(TUQUAN_YAML, "    from: 2016-01-01\n    clause: header\n",
                f"    from: 2016-01-01\n    until: {day}\n    clause: header\n")


def refused_by_the_loader(tmp_path: Path, text: str) -> str:
    """Lint ``text`` as tuquan.yaml, which the loader refuses: exit 2; its problems, one a line."""
    result = run(str(write(tmp_path, text)))
    assert result.exit_code == 2
    return result.stderr


# --- rules that can never fire ------------------------------------------------------------------


def test_role_and_its_negation_can_never_fire(tmp_path: Path) -> None:
    text = with_item3_when("      all:\n        - role: goods_operator\n        - not: {role: goods_operator}\n")
    [finding] = lint_text(tmp_path, text)
    assert located(finding) == (when_line(text, "tuquan.art11.item3"), 5)
    assert "tuquan.art11.item3" in finding.message and "不可能成立" in finding.message
    assert "subject.roles" in finding.message


def test_applies_to_excluded_by_the_condition_can_never_fire(tmp_path: Path) -> None:
    text = edit(
        TUQUAN_YAML, ITEM3_WHEN,
        "    applies_to: [platform_operator]\n    when:\n      not: {role: platform_operator}\n",
    )
    [finding] = lint_text(tmp_path, text)
    assert located(finding)[0] == when_line(text, "tuquan.art11.item3")
    assert "applies_to" in finding.message


def test_legal_forms_with_nothing_in_common_can_never_fire(tmp_path: Path) -> None:
    text = edit(
        TUQUAN_YAML,
        "            - licensed: false\n",
        "            - legal_form: [natural_person]\n",
    )
    # Drop the other branch of the any, so only the contradictory all is left.
    text = edit(
        text,
        "        - events: {types: [penalty, finding], acts: [unlicensed_operation],"
        " within_months: {param: rating_months}}\n",
        "",
    )
    [finding] = lint_text(tmp_path, text)
    assert located(finding)[0] == when_line(text, "tuquan.art11.item2")
    assert "subject.legal_form" in finding.message


def test_met_and_breached_of_one_duty_can_never_fire(tmp_path: Path) -> None:
    text = with_item3_when("      all:\n        - met: license_display\n        - breached: license_display\n")
    [finding] = lint_text(tmp_path, text)
    assert located(finding)[0] == when_line(text, "tuquan.art11.item3")
    assert "compliance.license_display" in finding.message


def test_on_list_and_not_on_list_can_never_fire(tmp_path: Path) -> None:
    text = with_item3_when("      all:\n        - on_list: black\n        - not: {on_list: black}\n")
    [finding] = lint_text(tmp_path, text)
    assert "subject.lists" in finding.message


def test_at_least_more_than_its_candidates_can_never_fire(tmp_path: Path) -> None:
    text = with_item3_when("      at_least:\n        n: 2\n        of:\n          - on_list: black\n")
    [finding] = lint_text(tmp_path, text)
    assert located(finding)[0] == when_line(text, "tuquan.art11.item3")


def test_contradiction_among_event_conditions_only_names_the_combinators(tmp_path: Path) -> None:
    text = with_item3_when(
        "      all:\n"
        "        - events: {types: [penalty], acts: [pyramid_selling]}\n"
        "        - not: {events: {types: [penalty], acts: [pyramid_selling]}}\n"
    )
    [finding] = lint_text(tmp_path, text)
    assert located(finding)[0] == when_line(text, "tuquan.art11.item3")
    assert "all/any/not/at_least" in finding.message


def test_a_grade_that_can_never_be_awarded_is_reported(tmp_path: Path) -> None:
    text = edit(
        TUQUAN_YAML,
        "- assessment: {field: commitment, in: [strong]}\n",
        "- assessment: {field: management, in: [poor]}\n",
    )
    [finding] = lint_text(tmp_path, text)
    assert located(finding)[0] == line_of(text, "when:", after=line_of(text, "id: tuquan.art4.A"))
    assert "tuquan.art4.A" in finding.message and "assessment.management" in finding.message


def test_two_different_roles_together_are_possible(tmp_path: Path) -> None:
    # A subject may be both a goods operator and a platform operator (roles is a list).
    text = with_item3_when("      all:\n        - role: goods_operator\n        - role: platform_operator\n")
    assert lint_text(tmp_path, text) == []


def test_unknown_events_are_not_assumed_impossible(tmp_path: Path) -> None:
    # Two different event conditions, one negated: lint cannot prove they exclude each other.
    text = with_item3_when(
        "      all:\n"
        "        - events: {types: [penalty], acts: [pyramid_selling]}\n"
        "        - not: {events: {types: [penalty], acts: [pyramid_selling], at_least: 2}}\n"
    )
    assert lint_text(tmp_path, text) == []


def test_chained_rule_resting_only_on_rules_that_never_fire_is_reported(tmp_path: Path) -> None:
    text = with_item3_when("      all:\n        - role: goods_operator\n        - not: {role: goods_operator}\n")
    text = edit(
        text,
        "    when:\n      any:\n        - fired: [tuquan.art12]\n        - on_list: black\n"
        "    interpretation: 第十四条的惩戒对象",
        "    when:\n      fired: [tuquan.art11.item3]\n    interpretation: 第十四条的惩戒对象",
    )
    findings = lint_text(tmp_path, text)
    assert [located(f)[0] for f in findings] == [
        when_line(text, "tuquan.art11.item3"), when_line(text, "tuquan.art14.item1")
    ]
    assert "tuquan.art14.item1" in findings[1].message and "tuquan.art11.item3" in findings[1].message
    assert "依据的规则" in findings[1].message


def test_chained_rule_on_a_kind_no_rule_produces_is_refused_by_the_loader(tmp_path: Path) -> None:
    # The loader refuses fired_kind with no producer (and fired naming a deadline): lint exits 2 with it.
    text = edit(TUQUAN_YAML, "    when:\n      fired_kind: dishonest\n", "    when:\n      fired_kind: incentive\n")
    stderr = refused_by_the_loader(tmp_path, text)
    assert f":{line_of(text, 'fired_kind: incentive')}:" in stderr and "incentive" in stderr


# --- windows and parameters against the period of force ----------------------------------------


def test_window_longer_than_the_period_of_force_is_reported(tmp_path: Path) -> None:
    text = with_end_of_force("2016-06-30")
    findings = lint_text(tmp_path, text)
    line = line_of(text, TUQUAN_ITEM4)
    column = text.splitlines()[line - 1].index("{param: window_months}") + 1
    item4 = [f for f in findings if located(f) == (line, column)]
    assert len(item4) == 1
    assert "12 个月" in item4[0].message and "2016-06-30" in item4[0].message
    assert all("时间窗口" in f.message for f in findings)


def test_window_within_the_period_of_force_is_not_reported(tmp_path: Path) -> None:
    text = with_end_of_force("2017-01-01")
    assert lint_text(tmp_path, text) == []


def test_parameter_value_starting_after_the_period_is_reported(tmp_path: Path) -> None:
    text = with_end_of_force("2030-12-31")
    text = edit(text, "      - {from: 2016-01-01, value: 3}\n",
                "      - {from: 2016-01-01, value: 3}\n      - {from: 2031-01-01, value: 2}\n")
    [finding] = lint_text(tmp_path, text)
    assert located(finding) == (line_of(text, "{from: 2031-01-01, value: 2}"), 16)
    assert "repeat_penalties" in finding.message and "永远不会使用" in finding.message


def test_parameter_with_no_value_on_the_first_day_is_refused_by_the_loader(tmp_path: Path) -> None:
    # Values run on until the next one, so only the first day in force can lack a value; the loader refuses it.
    text = edit(TUQUAN_YAML, "      - {from: 2016-01-01, value: 3}\n", "      - {from: 2016-03-01, value: 3}\n")
    stderr = refused_by_the_loader(tmp_path, text)
    assert f":{line_of(text, '2016-03-01')}:" in stderr and "repeat_penalties" in stderr


def test_unused_parameter_is_reported_at_its_key(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "parameters:\n", "parameters:\n  spare_months:\n    description: 备用\n    unit: months\n"
                "    values:\n      - {from: 2016-01-01, value: 6}\n")
    [finding] = lint_text(tmp_path, text)
    assert located(finding) == (line_of(text, "  spare_months:"), 3)
    assert "spare_months" in finding.message and "没有被任何规则使用" in finding.message


# --- copies -------------------------------------------------------------------------------------


def test_same_condition_citing_another_clause_is_reported(tmp_path: Path) -> None:
    item5 = TUQUAN_ITEM4.replace("contract_fraud", "prohibited_goods")
    text = edit(TUQUAN_YAML, item5, TUQUAN_ITEM4)
    [finding] = lint_text(tmp_path, text)
    assert located(finding) == (when_line(text, "tuquan.art11.item5"), 5)
    message = finding.message
    assert "tuquan.art11.item5" in message and "tuquan.art11.item4" in message
    assert f"第 {when_line(text, 'tuquan.art11.item4')} 行" in message and "art11.item4" in message


def test_same_condition_written_in_another_order_is_still_the_same(tmp_path: Path) -> None:
    item5 = TUQUAN_ITEM4.replace("contract_fraud", "prohibited_goods")
    reordered = (
        "events: {at_least: {param: repeat_penalties}, within_months: {param: window_months}, "
        "acts: [contract_fraud], types: [penalty]}"
    )
    text = edit(TUQUAN_YAML, item5, reordered)
    [finding] = lint_text(tmp_path, text)
    assert located(finding)[0] == when_line(text, "tuquan.art11.item5")


def test_different_applies_to_is_a_different_condition(tmp_path: Path) -> None:
    item5 = TUQUAN_ITEM4.replace("contract_fraud", "prohibited_goods")
    text = edit(TUQUAN_YAML, item5, TUQUAN_ITEM4)
    text = edit(text, "    kind: dishonest\n    label: 销售明令禁止", "    kind: dishonest\n"
                "    applies_to: [platform_operator]\n    label: 销售明令禁止")
    assert lint_text(tmp_path, text) == []


# --- coverage and vocabulary --------------------------------------------------------------------


def test_uncovered_clause_is_reported_by_the_loader_with_its_line(tmp_path: Path) -> None:
    # The loader refuses a file with an uncovered clause and lists every one; lint exits 2 with that list.
    text = TUQUAN_YAML
    for clause in ("art10", "art13"):
        entry = next(e for e in TUQUAN_YAML.split("  - clause: ")[1:] if e.startswith(clause + "\n"))
        text = edit(text, "  - clause: " + entry, "")
    lines = refused_by_the_loader(tmp_path, text).splitlines()
    assert [ln.split(":")[-3] for ln in lines] == [str(line_of(text, "  art10:")), str(line_of(text, "  art13:"))]
    assert all("not_encoded" in ln for ln in lines)


def test_unused_vocabulary_code_is_reported_in_the_vocabulary(tmp_path: Path) -> None:
    vocab = write(tmp_path, edit(VOCABULARY, "acts:\n", "acts:\n  spare_act: 备用的违法行为\n"), "vocabulary.yaml")
    [finding] = lint_vocabulary_usage(lint_bundled_models(), "zh", vocab)
    assert finding.where == f"{vocab}:{line_of(vocab.read_text(encoding='utf-8'), 'spare_act')}:3"
    assert "spare_act" in finding.message and "违法行为" in finding.message


def test_vocabulary_is_not_checked_when_linting_one_ruleset() -> None:
    # tuquan alone leaves most codes unused; that is not a finding about tuquan.
    result = run("tuquan")
    assert result.exit_code == 0
    assert "vocabulary" not in result.output


# --- the command --------------------------------------------------------------------------------


def test_bundled_rulesets_are_lint_clean() -> None:
    result = run()
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "vocabulary.yaml: 通过" in result.stdout


def test_findings_exit_1_with_file_line_col(tmp_path: Path) -> None:
    text = with_item3_when("      all:\n        - on_list: black\n        - not: {on_list: black}\n")
    path = write(tmp_path, text)
    result = run(str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{path}:{when_line(text, 'tuquan.art11.item3')}:5: ")


def test_findings_in_english_with_lang_en(tmp_path: Path) -> None:
    text = with_item3_when("      all:\n        - on_list: black\n        - not: {on_list: black}\n")
    result = run("--lang", "en", str(write(tmp_path, text)))
    assert "can never fire" in result.stderr


def test_unknown_ruleset_exits_2() -> None:
    result = run("nosuch")
    assert result.exit_code == 2
    assert "nosuch" in result.stderr


def test_malformed_vocabulary_file_exits_2_with_its_located_problems(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.yaml"
    path.write_text("acts: 5\n", encoding="utf-8")
    result = run(str(path))
    assert result.exit_code == 2, result.exception
    assert result.stderr.startswith(f"{path}:1:")
