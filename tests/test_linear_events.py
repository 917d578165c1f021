"""Evaluation stays linear in one subject's events, in time and in report size (issue 9).

The shape is the hostile one: a 突泉 subject whose trademark and other-violation findings carry
no amount, so every event is a missing fact and the rules resting on them are undetermined too.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from bench.bench_events import unknown_amount_subject

import ecredit_rules as ec
from ecredit_rules.limits import MAX_INHERITED_MISSING

AS_OF = date(2024, 6, 30)


def test_eight_thousand_unknown_amounts_evaluate_within_seconds_on_both_engines() -> None:
    script = """
        import time
        from datetime import date
        import ecredit_rules as ec
        from bench.bench_events import unknown_amount_subject
        rs = ec.load_ruleset("tuquan")
        ec.evaluate(rs, unknown_amount_subject(10), as_of=date(2024, 6, 30))  # warm up outside the clock
        text = unknown_amount_subject(8000)
        for engine in ("durable", "compiled"):
            start = time.perf_counter()
            ec.evaluate(rs, text, as_of=date(2024, 6, 30), engine=engine)
            took = time.perf_counter() - start
            assert took < 2.0, f"{engine}: {took:.2f} s"
    """
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          timeout=60, check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr


def report(events: int, engine: str = "compiled") -> ec.Report:
    return ec.evaluate("tuquan", unknown_amount_subject(events), as_of=AS_OF, engine=engine)


def test_report_size_grows_linearly_with_events() -> None:
    small, large = len(report(1000).to_json()), len(report(8000).to_json())
    assert large < 8 * small * 1.2


@pytest.mark.parametrize("engine", ["durable", "compiled"])
def test_a_chained_rule_names_a_rule_with_many_missing_facts_instead_of_repeating_them(engine: str) -> None:
    undetermined = {u.rule: u.missing for u in report(1000, engine).undetermined}
    own = undetermined["tuquan.art11.item6"]
    assert len(own) > MAX_INHERITED_MISSING and all(path.startswith("events[") for path in own)
    assert "tuquan.art11.item6" in undetermined["tuquan.art12"]
    assert all(len(missing) <= len(own) // 2 for rule, missing in undetermined.items() if rule != "tuquan.art11.item6")


def test_every_rule_named_among_missing_facts_has_its_own_entry() -> None:
    undetermined = {u.rule: u.missing for u in report(1000).undetermined}
    paths = ("events", "subject")
    named = {item for missing in undetermined.values() for item in missing if not item.startswith(paths)}
    assert named and named <= set(undetermined)


def test_a_chained_rule_with_few_missing_facts_still_lists_them_by_path() -> None:
    undetermined = {u.rule: u.missing for u in report(10).undetermined}
    assert set(undetermined["tuquan.art11.item6"]) <= set(undetermined["tuquan.art12"])


def test_missing_amounts_are_named_by_their_own_position_in_the_events() -> None:
    facts = json.loads(unknown_amount_subject(3))
    facts["events"].reverse()
    undetermined = {u.rule: u.missing for u in ec.evaluate("tuquan", facts, as_of=AS_OF).undetermined}
    trademark = [i for i, e in enumerate(facts["events"]) if e["act"] == "trademark_infringing_goods"]
    assert undetermined["tuquan.art11.item6"] == sorted(
        f"events[{i}].{field}" for i in trademark for field in ("illegal_gain", "sales_amount"))
