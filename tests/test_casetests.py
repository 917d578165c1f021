"""The runner of test cases written as data (``rules/tests/<ruleset>/*.yaml``) and ``ecredit test``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ecredit_rules import cli as cli_module
from ecredit_rules.bundled import rules_dir
from ecredit_rules.casetests import CaseFileError, load_case_file, render_result, run_case, run_paths, summary_line

SUBJECT = """\
ruleset: tuquan
subject: {id: T1, name: 测试网店, roles: [goods_operator], legal_form: enterprise, licensed: true, lists: []}
"""
THREE_FRAUDS = """\
    facts:
      events:
        - {id: P1, type: penalty, date: 2023-09-12, act: contract_fraud}
        - {id: P2, type: penalty, date: 2024-01-15, act: contract_fraud}
        - {id: P3, type: penalty, date: 2024-05-20, act: contract_fraud}
"""
PASSING = SUBJECT + "cases:\n  - name: 三次合同欺诈\n    as_of: 2024-06-30\n" + THREE_FRAUDS + """\
    expect: [tuquan.art11.item4, tuquan.art12]
    expect_not: [tuquan.art11.item12]
"""
FAILING = SUBJECT + "cases:\n  - name: 写错了期望\n    as_of: 2024-06-30\n" + THREE_FRAUDS + """\
      assessment: {management: standardized, commitment: strong, economic_strength: strong, reputation: excellent,
                   stable_staff: true}
    expect: [tuquan.art11.item5]
    expect_not: [tuquan.art12]
    rating: A
"""
SUMMARY = re.compile(r"^\d+ passed, \d+ failed$")


def write(folder: Path, text: str, name: str = "cases.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(CaseFileError) as info:
        load_case_file(path)
    return [str(p) for p in info.value.problems]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli_module.cli, list(args))


# --- running a case -----------------------------------------------------------------------------


def test_passing_case_passes_and_says_so(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, PASSING))
    result = run_case(case)
    assert result.passed
    assert render_result(result) == f"通过    {tmp_path / 'cases.yaml'}:4  三次合同欺诈"


def test_failing_case_lists_the_missing_verdict_with_its_labels(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, FAILING))
    text = render_result(run_case(case))
    assert text.splitlines()[0] == f"未通过  {tmp_path / 'cases.yaml'}:4  写错了期望"
    label = "销售明令禁止的商品或服务，12个月内被行政处罚3次以上"
    assert f"- 应有而没有：tuquan.art11.item5 {label}（第十一条第（五）项）" in text


def test_failing_case_lists_the_unwanted_verdict_with_what_it_rests_on(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, FAILING))
    lines = render_result(run_case(case)).splitlines()
    at = lines.index("    + 不应有而有：tuquan.art12 列入县电子交易失信黑名单（第十二条）")
    assert lines[at + 1] == "        依据：tuquan.art11.item4"


def test_unwanted_verdict_shows_its_evidence(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, PASSING.replace("expect_not: [tuquan.art11.item12]",
                                                            "expect_not: [tuquan.art11.item4]")))
    lines = render_result(run_case(case)).splitlines()
    label = "利用合同欺诈等，12个月内被行政处罚3次以上"
    at = lines.index(f"    + 不应有而有：tuquan.art11.item4 {label}（第十一条第（四）项）")
    assert lines[at + 1] == "        证据：P1, P2, P3"


def test_failing_case_shows_rating_expected_and_got(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, FAILING))
    text = render_result(run_case(case))
    assert "≠ 信用等级：应为 A，实际为 C（tuquan.art4.C 第四条（C等））" in text


def test_failing_case_shows_the_verdicts_actually_given(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, FAILING))
    last = render_result(run_case(case)).splitlines()[-1]
    assert last.startswith("    实际认定：tuquan.art11.item4, tuquan.art12, ")


def test_failure_diff_in_english(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, FAILING))
    text = render_result(run_case(case), "en")
    assert text.startswith("FAIL    ")
    assert "rating: expected A, got C (tuquan.art4.C 第四条（C等）)" in text


def test_expected_verdict_left_undetermined_names_the_missing_facts(tmp_path: Path) -> None:
    text = SUBJECT + """\
cases:
  - name: 没有写处罚记录
    as_of: 2024-06-30
    facts: {}
    expect: [tuquan.art11.item4]
"""
    [case] = load_case_file(write(tmp_path, text))
    # What is rendered does not depend on the engine; the compiled one keeps this test about rendering.
    assert "    该规则无法判断，缺少事实：events" in render_result(run_case(case, "compiled"))


def test_null_rating_expects_no_grade(tmp_path: Path) -> None:
    text = SUBJECT + "cases:\n  - name: 无评议\n    as_of: 2024-06-30\n    facts: {events: []}\n    rating: null\n"
    [case] = load_case_file(write(tmp_path, text))
    assert run_case(case).passed


def test_wrong_deadline_due_day_is_a_failure_naming_both_days(tmp_path: Path) -> None:
    text = SUBJECT + """\
cases:
  - name: 复评时限
    as_of: 2024-09-28
    facts: {events: [{id: R1, type: review_request, date: 2024-09-27}]}
    deadlines: [{rule: tuquan.art6, due: 2024-11-12}]
"""
    [case] = load_case_file(write(tmp_path, text))
    assert "≠ 时限 tuquan.art6（R1）：due 应为 2024-11-12，实际为 2024-11-13" in render_result(run_case(case))


def test_in_force_expectation_is_checked(tmp_path: Path) -> None:
    text = SUBJECT + "cases:\n  - name: 施行前\n    as_of: 2015-12-31\n    facts: {events: []}\n    in_force: true\n"
    [case] = load_case_file(write(tmp_path, text))
    assert "≠ 是否在施行期内：应为 true，实际为 false" in render_result(run_case(case))


def test_compiled_engine_can_be_chosen(tmp_path: Path) -> None:
    [case] = load_case_file(write(tmp_path, PASSING))
    result = run_case(case, "compiled")
    assert result.passed and result.report is not None and result.report.engine == "compiled"


# --- which ruleset ------------------------------------------------------------------------------


def test_ruleset_defaults_to_the_folder_name(tmp_path: Path) -> None:
    path = write(tmp_path / "tuquan", PASSING.replace("ruleset: tuquan\n", ""))
    assert load_case_file(path)[0].ruleset.id == "tuquan"


def test_folder_that_names_no_ruleset_asks_for_one(tmp_path: Path) -> None:
    path = write(tmp_path / "misc", PASSING.replace("ruleset: tuquan\n", ""))
    [line] = problems(path)
    assert line.startswith(f"{path}:1:1: 没有写明用哪个规则集：请加上 ruleset: <规则集 id>")


def test_cases_under_a_rules_folder_test_its_own_rule_file(tmp_path: Path) -> None:
    # An officer's edited copy of the rules: 3 penalties now needed twice over, so the case must fail.
    rules = tmp_path / "rules"
    rules.mkdir()
    text = (rules_dir() / "tuquan.yaml").read_text(encoding="utf-8")
    edited = text.replace("      - {from: 2016-01-01, value: 3}", "      - {from: 2016-01-01, value: 3}\n"
                          "      - {from: 2024-01-01, value: 4}")
    assert edited != text
    (rules / "tuquan.yaml").write_text(edited, encoding="utf-8")
    [case] = load_case_file(write(rules / "tests" / "tuquan", PASSING))
    assert case.ruleset.path == rules / "tuquan.yaml"
    assert not run_case(case).passed


def test_ruleset_given_as_a_path_is_read_relative_to_the_case_file(tmp_path: Path) -> None:
    shutil.copy(rules_dir() / "tuquan.yaml", tmp_path / "tuquan.yaml")
    path = write(tmp_path / "cases", PASSING.replace("ruleset: tuquan", "ruleset: ../tuquan.yaml"))
    assert load_case_file(path)[0].ruleset.path == tmp_path / "cases" / "../tuquan.yaml"


def test_unknown_ruleset_is_located_at_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("ruleset: tuquan", "ruleset: tuqan"))
    [line] = problems(path)
    assert line.startswith(f"{path}:1:10: 没有名为 \"tuqan\" 的规则集，是否为 \"tuquan\"？（可用：")


def test_every_problem_of_a_case_file_is_reported_at_once(tmp_path: Path) -> None:
    # A structural mistake (an unknown top-level key, a case without as_of) used to hide the
    # misspelt rule id and the bad facts of the other cases until it was fixed.
    second = "  - name: 没有评价日\n    facts: {events: []}\n    expct: []\n"
    text = PASSING.replace("cases:", "extra: 1\ncases:").replace("tuquan.art11.item12", "tuquan.art11.itme12")
    text = text.replace("date: 2024-05-20", "date: 2024-05-32") + second
    path = write(tmp_path, text)
    found = problems(path)
    assert [line.split(": ", 1)[1] for line in found] == [
        "不认识的键 \"extra\"",
        "日期 \"2024-05-32\" 不存在，请写成 YYYY-MM-DD",
        "规则集 \"tuquan\" 中没有规则 \"tuquan.art11.itme12\"，是否为 \"tuquan.art11.item12\"？",
        "缺少必填项 \"as_of\"",
        "不认识的键 \"expct\"，是否为 \"expect\"？",
    ]


def test_malformed_shared_subject_reports_only_the_structure(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("subject: {id: T1,", "subject: [T1,").replace("lists: []}", "lists: []]"))
    assert [line.split(": ", 1)[1] for line in problems(path)] == ["\"subject\" 须是键值对（key: value）"]


# --- malformed case files -----------------------------------------------------------------------


def test_unknown_key_is_located_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("    expect:", "    expct:"))
    assert problems(path) == [f"{path}:11:5: 不认识的键 \"expct\"，是否为 \"expect\"？"]


def test_misspelt_rule_id_is_located_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("[tuquan.art11.item12]", "[tuquan.art11.itme12]"))
    assert problems(path) == [
        f"{path}:12:18: 规则集 \"tuquan\" 中没有规则 \"tuquan.art11.itme12\"，是否为 \"tuquan.art11.item12\"？"
    ]


def test_bad_fact_is_located_at_its_value(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("contract_fraud}\n        - {id: P2", "contract_frud}\n        - {id: P2"))
    [line] = problems(path)
    assert line.startswith(f"{path}:8:58: 事实 events[0].act 有误：未知的违法行为代码 'contract_frud'")


def test_ecredit_test_words_case_facts_in_its_lang(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("contract_fraud}\n        - {id: P2", "contract_frud}\n        - {id: P2"))
    english = run("test", "--lang", "en", str(path))
    assert english.exit_code != 0
    assert "facts events[0].act: unknown act code 'contract_frud'" in english.output
    assert "未知" not in english.output and "有误" not in english.output


def test_bad_fact_in_the_shared_subject_is_located_there(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("roles: [goods_operator]", "roles: [goods_operater]"))
    [line] = problems(path)
    assert line.startswith(f"{path}:2:39: 事实 subject.roles[0] 有误：")


def test_impossible_as_of_date_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING.replace("as_of: 2024-06-30", "as_of: 2024-06-31"))
    assert problems(path) == [f"{path}:5:12: 日期 \"2024-06-31\" 不存在，请写成 YYYY-MM-DD"]


def test_grade_the_ruleset_does_not_have_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING + "    rating: E\n")
    assert problems(path) == [f"{path}:13:13: 规则集 \"tuquan\" 没有等级 \"E\"（可用：D, A, B, C）"]


def test_repeated_case_name_is_refused(tmp_path: Path) -> None:
    second = "\n".join(PASSING.splitlines()[3:]) + "\n"
    path = write(tmp_path, PASSING + second)
    assert f"{path}:13:11: 用例名称 \"三次合同欺诈\" 重复（第 4 行已有）" in problems(path)


# --- the command --------------------------------------------------------------------------------


def test_summary_line_counts_passes_and_failures(tmp_path: Path) -> None:
    write(tmp_path, PASSING, "a.yaml")
    write(tmp_path, FAILING, "b.yaml")
    assert summary_line(run_paths([tmp_path]).results) == "1 passed, 1 failed"


def test_command_ends_with_the_summary_and_exits_0_when_all_pass(tmp_path: Path) -> None:
    write(tmp_path, PASSING)
    result = run("test", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_command_exits_1_when_a_case_fails(tmp_path: Path) -> None:
    write(tmp_path, PASSING, "a.yaml")
    write(tmp_path, FAILING, "b.yaml")
    result = run("test", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "1 passed, 1 failed"
    assert "- 应有而没有：tuquan.art11.item5" in result.stdout


def test_command_exits_2_on_a_malformed_file_and_still_runs_the_others(tmp_path: Path) -> None:
    write(tmp_path, PASSING, "a.yaml")
    bad = write(tmp_path, PASSING.replace("    expect:", "    expct:"), "b.yaml")
    result = run("test", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"{bad}:11:5: 不认识的键 \"expct\"，是否为 \"expect\"？"]
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed"


def test_command_exits_2_for_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = run("test", str(tmp_path / "nothing.yaml"))
    assert result.exit_code == 2
    assert str(tmp_path / "nothing.yaml") in result.stderr


def test_command_speaks_english_with_lang_en(tmp_path: Path) -> None:
    write(tmp_path, PASSING)
    result = run("test", "--lang", "en", str(tmp_path))
    assert result.stdout.startswith("ok      ")


def test_command_without_paths_runs_the_bundled_cases() -> None:
    result = run("test")
    assert result.exit_code == 0, result.output
    last = result.stdout.splitlines()[-1]
    assert SUMMARY.match(last) and not last.startswith("0 passed")


def test_unreadable_case_file_exits_2_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "tuquan", PASSING)

    def unreadable(p: Path) -> None:
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr("ecredit_rules.casetests.read_yaml", unreadable)
    result = run("test", str(path))
    assert result.exit_code == 2, result.exception
    assert "cases.yaml: cannot read: Permission denied" in result.stderr
