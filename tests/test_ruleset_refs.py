"""How a ruleset is named: an unknown id gets a did-you-mean, a folder is called a folder, and a
loaded ruleset prints as one short line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import ecredit_rules as ec
from ecredit_rules import cli as cli_module
from ecredit_rules.bundled import rules_dir

AVAILABLE = ", ".join(ec.available_rulesets())


def only_problem(ref: str | Path, lang: str = "zh") -> ec.Problem:
    with pytest.raises(ec.RulesetError) as caught:
        ec.load_ruleset(ref, lang=lang)  # type: ignore[arg-type]
    [problem] = caught.value.problems
    return problem


def test_unknown_id_suggests_the_closest_bundled_id_located_at_the_id() -> None:
    problem = only_problem("tuquna")
    assert problem.where == "tuquna"  # not rules/tuquna.yaml, a file that does not exist
    assert problem.message == f"没有名为 \"tuquna\" 的规则集，是否为 \"tuquan\"？（可用：{AVAILABLE}）"


def test_unknown_id_in_english() -> None:
    problem = only_problem("xinin", lang="en")
    assert problem.message == f"no ruleset named \"xinin\"; did you mean \"xining\"? (available: {AVAILABLE})"


def test_unknown_id_far_from_any_lists_the_available_without_a_guess() -> None:
    assert only_problem("atlantis").message == f"没有名为 \"atlantis\" 的规则集（可用：{AVAILABLE}）"


def test_folder_given_as_a_ruleset_is_called_a_folder(tmp_path: Path) -> None:
    problem = only_problem(tmp_path)
    assert problem.where == str(tmp_path)
    assert problem.message == "这是一个文件夹，不是规则文件；请写出文件夹中的 .yaml 文件"


def test_folder_given_as_a_ruleset_in_english(tmp_path: Path) -> None:
    message = only_problem(f"{tmp_path}/", lang="en").message
    assert message == "this is a folder, not a rule file; name a .yaml file inside it"


def test_folder_written_like_an_id_is_a_folder_not_an_unknown_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    monkeypatch.chdir(tmp_path)
    assert only_problem("rules").message.startswith("这是一个文件夹")


def test_missing_file_is_still_file_not_found_at_line_1(tmp_path: Path) -> None:
    missing = tmp_path / "nosuch.yaml"
    assert str(only_problem(missing)) == f"{missing}:1:1: 找不到文件"


@pytest.mark.parametrize("command", ["evaluate", "validate", "lint", "diff"])
def test_every_command_says_a_folder_is_a_folder(command: str, tmp_path: Path) -> None:
    args = {
        "evaluate": ["evaluate", "-r", str(tmp_path), "facts.json"],
        "validate": ["validate", str(tmp_path)],
        "lint": ["lint", str(tmp_path)],
        "diff": ["diff", str(tmp_path), str(rules_dir() / "tuquan.yaml")],
    }[command]
    result = CliRunner().invoke(cli_module.cli, args)
    assert result.exit_code == 2
    assert f"{tmp_path}: 这是一个文件夹，不是规则文件" in result.stderr


def test_evaluate_unknown_id_says_did_you_mean_in_english() -> None:
    result = CliRunner().invoke(cli_module.cli, ["evaluate", "--lang", "en", "-r", "tuquna", "facts.json"])
    assert result.exit_code == 2
    assert result.stderr.startswith('tuquna: no ruleset named "tuquna"; did you mean "tuquan"? (available: ')


def test_compiled_ruleset_repr_is_one_short_line() -> None:
    rs = ec.load_ruleset("tuquan")
    text = repr(rs)
    assert re.fullmatch(r"<CompiledRuleset tuquan \S+ sha256:[0-9a-f]{8}… \d+ rules>", text)
    assert text == f"<CompiledRuleset tuquan {rs.version} {rs.digest[:15]}… {len(rs.all_rules())} rules>"
    assert str(rs) == text
