"""Hostile rule files (issue 9, items 4–8) are refused within a second with located, plain problems.

Anything that could hang or exhaust the stack runs in a child process with a timeout, so a
regression fails its test instead of stalling the suite. The child times only the loading, in CPU
seconds, so that other work on a busy machine does not make the bound flaky.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import ecredit_rules as ec
from ecredit_rules import limits
from ecredit_rules.engines.durable_network import dnf, dnf_bound
from ecredit_rules.ir import And, AtLeast, Leaf, Not, Or
from tests.conftest import TUQUAN_ITEM4, TUQUAN_YAML, edit, line_of, write

SECOND = 1.0  # issue 9: every class is decided within a second
CHILD_TIMEOUT = 60


def load_in_child(path: Path, lang: str = "zh") -> dict[str, Any]:
    """Load ``path`` in a fresh interpreter: {"seconds", "problems": [[where, message], ...]} or {"loaded": id}."""
    code = textwrap.dedent(
        f"""
        import json, sys, time
        import ecredit_rules as ec
        start = time.process_time()
        try:
            rs = ec.load_ruleset({str(path)!r}, lang={lang!r})
            out = {{"loaded": rs.id}}
        except ec.RulesetError as err:
            out = {{"problems": [[p.where, p.message] for p in err.problems]}}
        out["seconds"] = time.process_time() - start
        print(json.dumps(out, ensure_ascii=False))
        """
    )
    return json.loads(run_child(code))


def run_child(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=CHILD_TIMEOUT, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def one_problem(result: dict[str, Any]) -> tuple[str, str]:
    assert "problems" in result, result
    assert len(result["problems"]) == 1, result["problems"]
    assert result["seconds"] < SECOND, result["seconds"]
    where, message = result["problems"][0]
    return where, message


# --- 4. alias bombs ------------------------------------------------------------------------------

BILLION_LAUGHS = "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else ', '.join(['lol'] * 10)}]\n" for i in range(10)
)


def test_alias_bomb_is_refused_at_the_alias_that_crosses_the_bound(tmp_path: Path) -> None:
    path = write(tmp_path, BILLION_LAUGHS)
    assert len(BILLION_LAUGHS.encode()) < 1000
    where, message = one_problem(load_in_child(path))
    # l0..l1 use 10 aliases; l2's items each expand to 11; the bound of 100 is crossed on line 3.
    assert where.startswith(f"{path}:3:")
    assert "别名" in message


def test_alias_bomb_is_explained_in_english(tmp_path: Path) -> None:
    path = write(tmp_path, BILLION_LAUGHS)
    _, message = one_problem(load_in_child(path, "en"))
    assert "alias" in message


def test_alias_to_its_own_container_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "ruleset: &a [1, *a]\n")
    where, message = one_problem(load_in_child(path))
    assert where == f"{path}:1:17" and "*a" in message


def test_a_few_aliases_still_work(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "ruleset: tuquan", "ruleset: &id tuquan\nversion_note: *id")
    path = write(tmp_path, text)
    with pytest.raises(ec.RulesetError) as caught:  # the alias is read; only the unknown key is refused
        ec.load_ruleset(path)
    assert [p.where for p in caught.value.problems] == [f"{path}:{line_of(text, 'version_note')}:1"]


def test_file_over_the_size_bound_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, TUQUAN_YAML + "# " + "x" * limits.MAX_RULE_FILE_BYTES + "\n")
    with pytest.raises(ec.RulesetError) as caught:
        ec.load_ruleset(path, lang="en")
    assert [(p.where, p.message) for p in caught.value.problems] == [
        (f"{path}:1:1", f"the file is larger than {limits.MAX_RULE_FILE_BYTES // 1024} KB and is not read")
    ]


def test_a_file_just_under_the_size_bound_is_read_within_a_second(tmp_path: Path) -> None:
    lines = []
    size = 0
    while size < limits.MAX_RULE_FILE_BYTES - 100:
        lines.append(f"key{len(lines)}: {{text: 一段中文说明 {len(lines)}, n: [1, 2, 3]}}\n")
        size += len(lines[-1].encode())
    path = write(tmp_path, "".join(lines))
    where, message = one_problem(load_in_child(path))  # within a second
    assert where.startswith(f"{path}:") and f"{limits.MAX_YAML_VALUES}" in message


def test_a_file_of_many_small_values_is_refused_within_a_second(tmp_path: Path) -> None:
    path = write(tmp_path, "".join(f"- [{', '.join(['1'] * 50)}]\n" for _ in range(1_500)))
    assert path.stat().st_size < limits.MAX_RULE_FILE_BYTES
    where, message = one_problem(load_in_child(path, "en"))
    # Values: the outer list, then per line a list and 50 numbers. Before the refused (MAX + 1)th
    # come MAX - 1 values after the outer list: ``full`` whole lines and ``rest`` values of the next
    # line (its list and rest - 1 numbers), so it is number ``rest`` of that line, at 4 + 3 (rest - 1).
    full, rest = divmod(limits.MAX_YAML_VALUES - 1, 51)
    assert where == f"{path}:{full + 1}:{4 + 3 * (rest - 1)}"
    assert f"more than {limits.MAX_YAML_VALUES} values" in message


def test_a_file_of_long_texts_just_under_the_size_bound_is_read_within_a_second(tmp_path: Path) -> None:
    clause = "原文条款文字，" * 200
    lines = [f"c{i}: {clause}\n" for i in range(limits.MAX_RULE_FILE_BYTES // len(clause.encode()))]
    path = write(tmp_path, "".join(lines))
    assert limits.MAX_RULE_FILE_BYTES - 5000 < path.stat().st_size <= limits.MAX_RULE_FILE_BYTES
    result = load_in_child(path)
    assert result["problems"] and result["seconds"] < SECOND, result["seconds"]  # read, then refused as not a ruleset


# --- 5. deep nesting -----------------------------------------------------------------------------


def test_yaml_nested_20000_deep_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "ruleset: " + "[" * 20_000 + "]" * 20_000 + "\n")
    where, message = one_problem(load_in_child(path))
    assert where == f"{path}:1:{10 + limits.MAX_YAML_DEPTH - 1}"
    assert f"{limits.MAX_YAML_DEPTH} 层" in message


def nested_rule(text: str, wrap: str, depth: int) -> str:
    """tuquan with the condition of 第十一条第（四）项 wrapped ``depth`` times in ``wrap`` ("not" or "all")."""
    cond = "{" + TUQUAN_ITEM4 + "}"
    for _ in range(depth):
        cond = f"{{not: {cond}}}" if wrap == "not" else f"{{all: [{cond}]}}"
    return edit(text, TUQUAN_ITEM4, cond)


@pytest.mark.parametrize(("wrap", "depth"), [("not", 3000), ("all", 250)])
def test_deeply_nested_conditions_are_refused_by_the_yaml_depth(tmp_path: Path, wrap: str, depth: int) -> None:
    text = nested_rule(TUQUAN_YAML, wrap, depth)
    path = write(tmp_path, text)
    where, message = one_problem(load_in_child(path))
    assert where.startswith(f"{path}:{line_of(text, '{' + wrap + ':')}:")
    assert "嵌套" in message


def test_condition_nested_past_its_bound_is_located_at_the_first_level_too_deep(tmp_path: Path) -> None:
    depth = limits.MAX_CONDITION_DEPTH + 5  # within the YAML depth: only the condition bound refuses it
    text = nested_rule(TUQUAN_YAML, "not", depth)
    path = write(tmp_path, text)
    where, message = one_problem(load_in_child(path, "en"))
    row = line_of(text, "{not:")
    # The first condition too deep is the one at depth MAX_CONDITION_DEPTH + 1: its "{" is the one after
    # MAX_CONDITION_DEPTH "{not: " openings.
    column = text.splitlines()[row - 1].index("{not:") + 1 + len("{not: ") * limits.MAX_CONDITION_DEPTH
    assert where == f"{path}:{row}:{column}"
    assert f"more than {limits.MAX_CONDITION_DEPTH} levels" in message


def test_registry_serves_the_other_files_of_a_folder_with_hostile_files(tmp_path: Path) -> None:
    write(tmp_path, TUQUAN_YAML)
    write(tmp_path, "deep: " + "[" * 20_000 + "]" * 20_000 + "\n", name="deep.yaml")
    write(tmp_path, BILLION_LAUGHS, name="bomb.yaml")
    code = f"""
import json
import ecredit_rules as ec
reg = ec.RulesetRegistry({str(tmp_path)!r})
print(json.dumps({{"ids": reg.ids(), "errors": sorted(reg.errors)}}))
reg.close()
"""
    assert json.loads(run_child(code)) == {"ids": ["tuquan"], "errors": ["bomb", "deep"]}


def test_live_registry_reports_a_deep_edit_as_failed(tmp_path: Path) -> None:
    path = write(tmp_path, TUQUAN_YAML)
    code = f"""
import json, pathlib
import ecredit_rules as ec
called = []
reg = ec.RulesetRegistry({str(tmp_path)!r}, on_error=lambda rid, err: called.append(rid))
pathlib.Path({str(path)!r}).write_text({nested_rule(TUQUAN_YAML, "not", 3000)!r}, encoding="utf-8")
status = reg.reload()
print(json.dumps({{"status": status, "errors": sorted(reg.errors), "called": called, "ids": reg.ids()}}))
reg.close()
"""
    assert json.loads(run_child(code)) == {
        "status": {"tuquan": "failed"}, "errors": ["tuquan"], "called": ["tuquan"], "ids": ["tuquan"]
    }


def test_registry_turns_an_unexpected_loading_error_into_that_files_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, TUQUAN_YAML)
    write(tmp_path, "whatever: 1\n", name="broken.yaml")
    real = ec.registry.load_ruleset

    def load(path: Path, **kwargs: Any) -> ec.Ruleset:
        if path.stem == "broken":
            raise KeyError("surprise")
        return real(path, **kwargs)

    monkeypatch.setattr(ec.registry, "load_ruleset", load)
    with ec.RulesetRegistry(tmp_path) as reg:
        assert reg.ids() == ["tuquan"]
        problem = reg.errors["broken"].problems[0]
    assert problem.where == f"{tmp_path / 'broken.yaml'}:1:1" and "KeyError" in problem.message


# --- 6. combinatorial conditions -----------------------------------------------------------------


def leaves_condition(count: int) -> list[str]:
    return [f"{{retention: {{record: transaction_records, less_than_days: {k + 1}}}}}" for k in range(count)]


def test_at_least_12_of_28_is_refused_without_enumerating(tmp_path: Path) -> None:
    cond = f"{{at_least: {{n: 12, of: [{', '.join(leaves_condition(28))}]}}}}"
    path = write(tmp_path, edit(TUQUAN_YAML, TUQUAN_ITEM4, cond))
    _, message = one_problem(load_in_child(path))
    assert "规则引擎" in message and "512" in message


def test_all_of_two_any_of_100_is_refused_without_enumerating(tmp_path: Path) -> None:
    items = leaves_condition(200)
    cond = f"{{all: [{{any: [{', '.join(items[:100])}]}}, {{any: [{', '.join(items[100:])}]}}]}}"
    path = write(tmp_path, edit(TUQUAN_YAML, TUQUAN_ITEM4, cond))
    _, message = one_problem(load_in_child(path))
    assert "512" in message


def test_dnf_bound_is_never_below_the_real_size() -> None:
    a, b, c, d = (Leaf(i, None, None, "ge", None) for i in range(4))  # type: ignore[arg-type]
    for node in [And((Or((a, b)), Or((c, d)))), Not(And((a, Or((b, c))))), Or((And((a, b)), Not(Or((c, d)))))]:
        for want in (True, False):
            assert dnf_bound(node, want) >= len(dnf(node, want))


@pytest.mark.parametrize("n", [2, 3])
def test_dnf_of_at_least_more_than_its_children_is_never_true_and_always_definitely_false(n: int) -> None:
    a = Leaf(0, None, None, "ge", None)  # type: ignore[arg-type]
    assert dnf(AtLeast(n, (a,)), True) == []
    assert dnf(AtLeast(n, (a,)), False) == [(frozenset(), frozenset())]


def test_dnf_bound_of_a_product_is_exact() -> None:
    a, b, c, d = (Leaf(i, None, None, "ge", None) for i in range(4))  # type: ignore[arg-type]
    assert dnf_bound(And((Or((a, b)), Or((c, d)))), True) == 4


# --- 7. documents that are not a mapping ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        ("null\n", "空值 null", "null"),
        ("- a\n- b\n", "列表", "a list"),
        ("just text\n", "单个取值", "a single value"),
    ],
)
def test_a_document_that_is_not_a_mapping_is_one_problem_at_1_1(tmp_path: Path, text: str, zh: str, en: str) -> None:
    path = write(tmp_path, text)
    for lang, word in (("zh", zh), ("en", en)):
        with pytest.raises(ec.RulesetError) as caught:
            ec.load_ruleset(path, lang=lang)  # type: ignore[arg-type]
        assert [p.where for p in caught.value.problems] == [f"{path}:1:1"]
        assert word in caught.value.problems[0].message


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_an_empty_document_is_one_problem_at_1_1(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ec.RulesetError) as caught:
        ec.load_ruleset(path)
    assert [(p.where, p.message) for p in caught.value.problems] == [(f"{path}:1:1", "文件是空的")]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecredit_rules", *args], capture_output=True, text=True, timeout=CHILD_TIMEOUT,
        env=os.environ.copy(),
    )


def test_every_command_reports_a_null_document(tmp_path: Path) -> None:
    path = write(tmp_path, "null\n")
    facts = tmp_path / "facts.json"
    facts.write_text('{"subject": {"id": "S1"}, "events": []}', encoding="utf-8")
    for args, code in [
        (["validate", str(path)], 1),
        (["lint", str(path)], 2),
        (["evaluate", "-r", str(path), "--as-of", "2024-06-30", str(facts)], 2),
        (["diff", "tuquan", str(path)], 2),
    ]:
        done = cli(*args)
        assert done.returncode == code, (args, done.stderr)
        assert "Traceback" not in done.stderr + done.stdout
        assert f"{path}:1:1: 文件内容须是键值对" in done.stderr + done.stdout, args


HOSTILE = {
    "alias bomb": BILLION_LAUGHS,
    "deep yaml": "ruleset: " + "[" * 20_000 + "]" * 20_000 + "\n",
    "deep not": nested_rule(TUQUAN_YAML, "not", 3000),
    "deep all": nested_rule(TUQUAN_YAML, "all", 250),
    "at_least 12 of 28": edit(
        TUQUAN_YAML, TUQUAN_ITEM4, f"{{at_least: {{n: 12, of: [{', '.join(leaves_condition(28))}]}}}}"
    ),
    "null": "null\n",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_validate_and_lint_report_hostile_files_without_a_traceback(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, HOSTILE[name])
    for command, code in (("validate", 1), ("lint", 2)):
        done = cli(command, str(path))
        assert done.returncode == code, (command, done.stderr)
        assert "Traceback" not in done.stdout + done.stderr
        assert f"{path}:" in done.stdout + done.stderr


def test_a_number_too_long_to_convert_is_named_as_such(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "value: 12}", "value: " + "9" * 5000 + "}")
    path = write(tmp_path, text)
    problem = only(path, "en")
    row = line_of(text, '99999')
    assert problem.where == f"{path}:{row}:{text.splitlines()[row - 1].index('9999') + 1}"
    assert problem.message == "a number of 5000 digits is too long to read"


# --- 8. values out of range ----------------------------------------------------------------------


def only(path: Path, lang: str = "zh") -> ec.Problem:
    with pytest.raises(ec.RulesetError) as caught:
        ec.load_ruleset(path, lang=lang)  # type: ignore[arg-type]
    assert len(caught.value.problems) == 1, [str(p) for p in caught.value.problems]
    return caught.value.problems[0]


@pytest.mark.parametrize(
    ("written", "field", "value"),
    [
        ("within_months: 1000000", "within_months", "1000000"),
        ("within_months: -3", "within_months", "-3"),
        ("within_months: 0", "within_months", "0"),
        ("at_least: -5", "at_least", "-5"),
        ("at_least: 0", "at_least", "0"),
    ],
)
def test_a_count_or_window_out_of_range_is_refused_where_written(
    tmp_path: Path, written: str, field: str, value: str
) -> None:
    key = written.split(":")[0]
    old = "within_months: {param: window_months}" if key == "within_months" else "at_least: {param: repeat_penalties}"
    text = edit(TUQUAN_YAML, TUQUAN_ITEM4, TUQUAN_ITEM4.replace(old, written))
    path = write(tmp_path, text)
    problem = only(path)
    row = line_of(text, written)
    assert problem.where == f"{path}:{row}:{text.splitlines()[row - 1].index(written) + len(key) + 3}"
    assert f'"{field}" 的值 {value} 超出允许范围' in problem.message
    assert f'"{field}" value {value} is out of range' in only(path, "en").message


def test_a_negative_amount_is_refused(tmp_path: Path) -> None:
    text = TUQUAN_YAML.replace("value: 50000}", "value: -1}", 1)
    assert text != TUQUAN_YAML
    path = write(tmp_path, text)
    problem = only(path)
    row = line_of(text, "value: -1}")
    assert problem.where.startswith(f"{path}:{row}:") and "-1" in problem.message and "yuan" in problem.message


@pytest.mark.parametrize("bad", ["-5", "0", "200000"])
def test_a_count_parameter_out_of_range_at_any_dated_value_is_refused(tmp_path: Path, bad: str) -> None:
    first = "      - {from: 2016-01-01, value: 3}\n"
    text = TUQUAN_YAML.replace(first, f"{first}      - {{from: 2020-01-01, value: {bad}}}\n", 1)
    assert text != TUQUAN_YAML
    path = write(tmp_path, text)
    problem = only(path)
    row = line_of(text, f"value: {bad}}}")
    assert problem.where == f"{path}:{row}:{text.splitlines()[row - 1].index('value: ') + 8}"
    assert "repeat_penalties" in problem.message and "2020-01-01" in problem.message
    assert "out of range" in only(path, "en").message


def test_a_dated_value_outside_the_calendar_bounds_is_refused(tmp_path: Path) -> None:
    text = TUQUAN_YAML.replace("      - {from: 2016-01-01, value: 3}\n",
                               "      - {from: 2016-01-01, value: 3}\n      - {from: 9999-01-01, value: 4}\n", 1)
    path = write(tmp_path, text)
    problem = only(path, "en")
    assert problem.where == f"{path}:{line_of(text, '9999-01-01')}:16"
    assert "9999-01-01 is out of range" in problem.message


def test_at_least_n_past_the_count_bound_is_refused(tmp_path: Path) -> None:
    n = limits.MAX_COUNT + 1
    text = edit(TUQUAN_YAML, TUQUAN_ITEM4, f"{{at_least: {{n: {n}, of: [{{{TUQUAN_ITEM4}}}]}}}}")
    path = write(tmp_path, text)
    problem = only(path)
    row = line_of(text, "{at_least: {n:")
    assert problem.where == f"{path}:{row}:{text.splitlines()[row - 1].index('{n:') + 5}"
    assert f'"n" 的值 {n} 超出允许范围 1 至 {limits.MAX_COUNT}' in problem.message


def test_at_least_n_well_past_its_conditions_loads_for_lint_to_report(tmp_path: Path) -> None:
    # It can never hold (lint says so); loading it used to crash the engine-limits check.
    text = edit(TUQUAN_YAML, TUQUAN_ITEM4, f"{{at_least: {{n: 3, of: [{{{TUQUAN_ITEM4}}}]}}}}")
    assert ec.load_ruleset(write(tmp_path, text)).id == "tuquan"


def test_working_days_past_their_bound_are_refused(tmp_path: Path) -> None:
    text = TUQUAN_YAML
    assert "working_days: {param:" in text
    start = text.index("working_days: {param:")
    end = text.index("}", start) + 1
    text = text[:start] + f"working_days: {limits.MAX_WORKING_DAYS + 1}" + text[end:]
    path = write(tmp_path, text)
    problem = only(path, "en")
    assert f"value {limits.MAX_WORKING_DAYS + 1} is out of range" in problem.message


def test_the_rule_language_guide_states_the_ranges_the_loader_checks() -> None:
    from ecredit_rules.loader import UNIT_RANGES

    guide = (Path(__file__).resolve().parents[1] / "docs" / "rule-language.md").read_text(encoding="utf-8")
    for unit, (low, high) in UNIT_RANGES.items():
        if unit != "yuan":  # the guide says "not below 0" for amounts; the top is the facts' own bound
            assert f"{low} 至 {high}" in guide, unit
    assert f"{limits.MIN_DATE} 至 {limits.MAX_DATE}" in guide
    assert f"不超过 {limits.MAX_CONDITION_DEPTH} 层" in guide
