"""Hostile and careless facts (issue 9): each is a clear ``FactsError`` naming its path, decided at once.

Anything that once hung or took seconds runs in a child process with a timeout, so a regression
fails its test instead of stalling the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ecredit_rules as ec
from ecredit_rules import cli as cli_module
from ecredit_rules.dates import add_working_days, date_in_range
from ecredit_rules.facts import facts_data, load_facts
from ecredit_rules.limits import MAX_DATE, MAX_EVENTS, MAX_LIST_ITEMS, MAX_TEXT_LENGTH, MAX_WORKING_DAYS, MIN_DATE

AS_OF = date(2024, 6, 30)
ENGINES = ["durable", "compiled"]


def amount_text(amount_json: str) -> str:
    """One 突泉 trademark penalty whose sales amount is written ``amount_json`` in the JSON text."""
    return ('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", '
            f'"act": "trademark_infringing_goods", "sales_amount": {amount_json}}}]}}')


def problems(facts: Any, lang: str = "en") -> dict[str, str]:
    with pytest.raises(ec.FactsError) as caught:
        load_facts(facts, lang=lang)  # type: ignore[arg-type]
    return {p.where: p.message for p in caught.value.problems}


def run_child(script: str, timeout: float) -> str:
    """Run ``script`` in a fresh interpreter; a hang fails the test at ``timeout`` seconds."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=timeout, check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    return done.stdout


# --- amounts ------------------------------------------------------------------------------------

HOSTILE_AMOUNTS = ['"1e999999999"', '"1e500000"', "1e5000", "1E5", "150e-2", '"Infinity"', '"NaN"',
                   '"1234567890123456"', "1234567890123456", '"52000.001"', "52000.001", '" 5"', '"5."', '".5"',
                   '"-5"', "-5"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("amount", HOSTILE_AMOUNTS)
def test_hostile_amount_is_a_facts_error_naming_its_path(amount: str, engine: str) -> None:
    with pytest.raises(ec.FactsError) as caught:
        ec.evaluate("tuquan", amount_text(amount), as_of=AS_OF, engine=engine)
    assert [p.where for p in caught.value.problems] == ["events[0].sales_amount"]


def test_hostile_amounts_are_refused_within_a_second_on_both_engines() -> None:
    run_child("""
        import time
        from datetime import date
        import ecredit_rules as ec
        from tests.test_hostile_facts import HOSTILE_AMOUNTS, amount_text
        rs = ec.load_ruleset("tuquan")
        ec.evaluate(rs, amount_text('"1"'), as_of=date(2024, 6, 30))  # warm up outside the clock
        for amount in HOSTILE_AMOUNTS:
            for engine in ("durable", "compiled"):
                start = time.perf_counter()
                try:
                    ec.evaluate(rs, amount_text(amount), as_of=date(2024, 6, 30), engine=engine)
                except ec.FactsError:
                    pass
                else:
                    raise SystemExit("accepted " + amount)
                assert time.perf_counter() - start < 0.5, amount
    """, timeout=60)


def test_exponent_notation_is_named_as_such() -> None:
    found = problems(amount_text('"1e999999999"'))
    assert "exponent" in found["events[0].sales_amount"]


def test_too_many_digits_before_the_point_names_the_bound() -> None:
    assert "15 digits before the point" in problems(amount_text('"1234567890123456"'))["events[0].sales_amount"]


def test_more_than_two_decimals_names_the_fen() -> None:
    assert "2 digits after the point" in problems(amount_text('"0.001"'))["events[0].sales_amount"]


def test_a_huge_integer_is_refused_without_being_written_out() -> None:
    found = problems({"subject": {"id": "S1"}, "events": [
        {"id": "P1", "type": "penalty", "date": "2024-01-15", "sales_amount": 10**4000}]})
    assert len(found["events[0].sales_amount"]) < 200


@pytest.mark.parametrize("amount", ['"52000.00"', '"0"', "52000", "52000.5", '"999999999999999.99"'])
def test_plain_amounts_within_the_bounds_are_kept_exact(amount: str) -> None:
    expected = Decimal(json.loads(amount) if amount.startswith('"') else amount)
    kept = facts_data(amount_text(amount))["events"][0]["sales_amount"]
    assert kept == expected and str(kept) == str(expected)


@pytest.mark.parametrize("amount", [Decimal("1E+5"), Decimal("Infinity"), Decimal("0.001"), 1e16, float("inf")])
def test_a_callers_decimal_or_float_meets_the_same_bounds(amount: Any) -> None:
    facts = {"subject": {"id": "S1"}, "events": [
        {"id": "P1", "type": "penalty", "date": "2024-01-15", "sales_amount": amount}]}
    assert list(problems(facts)) == ["events[0].sales_amount"]


# --- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "9998-01-01", "3000-01-01", "1899-12-31", "0001-01-01"])
def test_event_date_outside_the_calendar_bounds_is_refused(day: str) -> None:
    facts = {"subject": {"id": "S1"}, "events": [{"id": "R1", "type": "review_request", "date": day}]}
    for given in (facts, json.dumps(facts)):
        found = problems(given)
        assert list(found) == ["events[0].date"] and "2999-12-31" in found["events[0].date"]


def test_a_date_object_outside_the_bounds_is_refused_too() -> None:
    facts = {"subject": {"id": "S1"}, "events": [{"id": "R1", "type": "review_request", "date": date(9999, 1, 1)}]}
    assert list(problems(facts)) == ["events[0].date"]


@pytest.mark.parametrize("engine", ENGINES)
def test_review_request_on_the_last_accepted_day_evaluates(engine: str) -> None:
    facts = {"subject": {"id": "S1"}, "events": [{"id": "R1", "type": "review_request", "date": "2999-12-31"}]}
    report = ec.evaluate("tuquan", facts, as_of=MAX_DATE, engine=engine)
    [deadline] = [v for v in report.verdicts if v.kind == "deadline"]
    assert deadline.details["status"] == "pending" and deadline.details["due"].startswith("3000-")


def test_working_days_never_fail_within_the_bounds() -> None:
    for start in (MIN_DATE, MAX_DATE):
        for days in (1, 30, MAX_WORKING_DAYS):
            assert add_working_days(start, days) > start


@pytest.mark.parametrize("engine", ENGINES)
def test_as_of_outside_the_bounds_is_a_facts_error_at_as_of(engine: str) -> None:
    with pytest.raises(ec.FactsError) as caught:
        ec.evaluate("tuquan", {"subject": {"id": "S1"}}, as_of=date(9999, 12, 31), engine=engine, lang="en")
    [problem] = caught.value.problems
    assert problem.where == "as_of" and "2999-12-31" in problem.message


def test_the_date_bounds_are_the_limits() -> None:
    assert date_in_range(MIN_DATE) and date_in_range(MAX_DATE)
    assert not date_in_range(date(1899, 12, 31)) and not date_in_range(date(3000, 1, 1))


@pytest.mark.parametrize("command", ["evaluate", "compare"])
def test_cli_as_of_past_the_bounds_is_one_plain_line_with_exit_2(command: str, tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"subject": {"id": "S1"}}', encoding="utf-8")
    args = [command, *(["-r", "tuquan"] if command == "evaluate" else []), "--as-of", "9999-12-31", str(path)]
    done = subprocess.run([sys.executable, "-m", "ecredit_rules", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=60, check=False)
    assert done.returncode == 2 and done.stdout == ""
    expected = "--as-of 9999-12-31: 评价日 9999-12-31 超出可接受的范围（1900-01-01 至 2999-12-31）"
    assert done.stderr.splitlines() == [expected]


# --- sizes ----------------------------------------------------------------------------------------


def test_more_events_than_the_limit_are_refused_at_once() -> None:
    run_child(f"""
        import json, time
        import ecredit_rules as ec
        from ecredit_rules.facts import facts_data
        events = [{{"id": f"E{{k}}", "type": "penalty", "date": "2024-01-15"}} for k in range({MAX_EVENTS + 1})]
        text = json.dumps({{"subject": {{"id": "S1"}}, "events": events}})
        for given in (text, json.loads(text)):
            start = time.perf_counter()
            try:
                facts_data(given)
            except ec.FactsError as err:
                assert [p.where for p in err.problems] == ["events"], err
            else:
                raise SystemExit("accepted")
            assert time.perf_counter() - start < 1.0
    """, timeout=60)


@pytest.mark.parametrize("field", ["roles", "lists"])
def test_a_subject_list_longer_than_the_limit_is_refused(field: str) -> None:
    code = "goods_operator" if field == "roles" else "red"
    found = problems({"subject": {"id": "S1", field: [code] * (MAX_LIST_ITEMS + 1)}})
    assert list(found) == [f"subject.{field}"] and str(MAX_LIST_ITEMS) in found[f"subject.{field}"]


def test_platform_systems_longer_than_the_limit_are_refused() -> None:
    found = problems({"subject": {"id": "S1"}, "platform_systems": ["trading_rules"] * (MAX_LIST_ITEMS + 1)})
    assert list(found) == ["platform_systems"]


@pytest.mark.parametrize("path", ["subject.id", "subject.name", "subject.region", "events[0].id",
                                  "events[0].reference", "events[0].authority", "events[0].grade"])
def test_text_longer_than_the_limit_is_refused(path: str) -> None:
    facts: dict[str, Any] = {"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15"}]}
    part, field = path.split(".")
    target = facts["subject"] if part == "subject" else facts["events"][0]
    target[field] = "长" * (MAX_TEXT_LENGTH + 1)
    for given in (facts, json.dumps(facts, ensure_ascii=False)):
        found = problems(given)
        assert list(found) == [path] and str(MAX_TEXT_LENGTH) in found[path]


def test_text_at_the_limit_is_accepted() -> None:
    facts = {"subject": {"id": "S1", "name": "长" * MAX_TEXT_LENGTH}}
    assert facts_data(facts)["subject"]["name"] == "长" * MAX_TEXT_LENGTH


# --- language -------------------------------------------------------------------------------------


def test_facts_errors_are_in_chinese_by_default() -> None:
    assert problems({"subject": {"id": "S1", "nmae": "x"}}, lang="zh") == {"subject.nmae": "不认识的键"}
    with pytest.raises(ec.FactsError, match="不认识的键"):
        load_facts({"subject": {"id": "S1", "nmae": "x"}})


def test_facts_errors_are_in_english_with_lang_en() -> None:
    assert problems({"subject": {"id": "S1", "nmae": "x"}}, lang="en") == {"subject.nmae": "unknown key"}


def test_evaluate_words_facts_errors_in_its_lang() -> None:
    with pytest.raises(ec.FactsError, match="缺少必填项"):
        ec.evaluate("tuquan", {"subject": {}}, as_of=AS_OF)
    with pytest.raises(ec.FactsError, match="required"):
        ec.evaluate("tuquan", {"subject": {}}, as_of=AS_OF, lang="en")


def test_fast_path_words_its_errors_in_the_language_asked() -> None:
    text = amount_text('"1e5"')
    with pytest.raises(ec.FactsError, match="科学计数法"):
        facts_data(text)
    with pytest.raises(ec.FactsError, match="exponent"):
        facts_data(text, lang="en")


def test_repeated_json_key_is_worded_in_the_language_asked() -> None:
    text = '{"subject": {"id": "S1", "id": "S2"}}'
    assert problems(text, lang="zh") == {"subject.id": "这个键在 JSON 文本中出现了两次"}
    assert problems(text, lang="en") == {"subject.id": "key appears twice in the JSON text"}


@pytest.mark.parametrize(("lang", "expected", "foreign"), [("zh", "不认识的键", "unknown key"),
                                                           ("en", "unknown key", "不认识的键")])
def test_cli_evaluate_facts_errors_follow_lang(lang: str, expected: str, foreign: str, tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"subject": {"id": "S1", "nmae": "x"}}', encoding="utf-8")
    result = CliRunner().invoke(cli_module.cli, ["evaluate", "-r", "tuquan", "--lang", lang, str(path)])
    assert result.exit_code == 2
    assert expected in result.output and foreign not in result.output


@pytest.mark.parametrize(("lang", "expected"), [("zh", "不是有效的 JSON"), ("en", "not valid JSON")])
def test_cli_malformed_facts_json_follows_lang(lang: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text('{"subject": ', encoding="utf-8")
    result = CliRunner().invoke(cli_module.cli, ["evaluate", "-r", "tuquan", "--lang", lang, str(path)])
    assert result.exit_code == 2 and expected in result.output


# --- the size of one facts document ---------------------------------------------------------------


def test_facts_text_over_the_size_limit_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecredit_rules import facts as facts_module

    monkeypatch.setattr(facts_module, "MAX_FACTS_BYTES", 64)
    text = json.dumps({"subject": {"id": "S1", "name": "某" * 40}}, ensure_ascii=False)
    for call in (load_facts, facts_data):
        with pytest.raises(ec.FactsError) as caught:
            call(text, lang="en")
        assert [p.where for p in caught.value.problems] == ["(json)"]
        assert "over the limit of 64" in caught.value.problems[0].message


def test_facts_text_at_the_size_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from ecredit_rules import facts as facts_module

    text = '{"subject": {"id": "S1"}}'
    monkeypatch.setattr(facts_module, "MAX_FACTS_BYTES", len(text))
    assert load_facts(text).subject.id == "S1"


def test_cli_refuses_a_facts_file_over_the_size_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(cli_module, "MAX_FACTS_BYTES", 64)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"subject": {"id": "S1", "name": "x" * 100}}), encoding="utf-8")
    result = CliRunner().invoke(cli_module.cli, ["evaluate", "-r", "tuquan", "--lang", "en", str(path)])
    assert result.exit_code == 2
    assert f"{path}: the facts document has {path.stat().st_size} bytes, over the limit of 64" in result.output
    assert "Traceback" not in result.output
