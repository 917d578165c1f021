"""The two engines agree, and the durable wrapper is safe under threads."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from bench.generate import subject as generated_subject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.ir import ArtefactKey
from tests.conftest import evaluate_both

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
DAYS = st.dates(min_value=date(2016, 1, 1), max_value=date(2026, 12, 31))


@pytest.fixture(scope="module")
def tuquan() -> ec.Ruleset:
    return ec.load_ruleset("tuquan")


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=SEEDS, as_of=DAYS)
def test_engines_give_identical_tuquan_reports_for_generated_subjects(
    tuquan: ec.Ruleset, seed: int, as_of: date
) -> None:
    facts = generated_subject(random.Random(seed), seed % 1000, as_of)
    evaluate_both(tuquan, facts, as_of)


# tuquan is compared on a thousand subjects by the hypothesis test above.
@pytest.mark.parametrize("name", [n for n in ec.available_rulesets() if n != "tuquan"])
def test_engines_give_identical_reports_for_every_bundled_ruleset(name: str) -> None:
    rs = ec.load_ruleset(name)
    rng = random.Random(name)
    for n in range(150):
        as_of = date(2017, 1, 1) + (date(2026, 6, 30) - date(2017, 1, 1)) * rng.random()
        evaluate_both(rs, generated_subject(rng, n, as_of), as_of)


def test_report_names_the_engine_used(tuquan: ec.Ruleset) -> None:
    facts = {"subject": {"id": "S1"}}
    assert ec.evaluate(tuquan, facts, as_of=date(2024, 6, 30)).engine == "durable"
    assert ec.evaluate(tuquan, facts, as_of=date(2024, 6, 30), engine="compiled").engine == "compiled"


def test_unknown_engine_is_refused(tuquan: ec.Ruleset) -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        ec.evaluate(tuquan, {"subject": {"id": "S1"}}, as_of=date(2024, 6, 30), engine="rete")


def test_evaluate_does_not_mutate_its_input(tuquan: ec.Ruleset) -> None:
    facts = generated_subject(random.Random(7), 7)
    before = copy.deepcopy(facts)
    ec.evaluate(tuquan, facts, as_of=date(2024, 6, 30))
    assert facts == before


def test_eight_threads_get_the_serial_answers(tuquan: ec.Ruleset) -> None:
    rng = random.Random(99)
    subjects = [json.dumps(generated_subject(rng, n)) for n in range(200)]
    serial = [ec.evaluate(tuquan, s, as_of=date(2024, 6, 30)).to_json() for s in subjects]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda s: ec.evaluate(tuquan, s, as_of=date(2024, 6, 30)).to_json(), subjects * 4))
    assert parallel == serial * 4


def test_an_artefact_may_be_built_while_another_is_being_built() -> None:
    rs = ec.load_ruleset("tuquan")
    result: list[object] = []
    inner: ArtefactKey[dict[str, int]] = ArtefactKey("inner", lambda _rs: {})
    outer = ArtefactKey("outer", lambda built: built.artefact(inner))

    def build() -> None:
        result.append(rs.artefact(outer))

    worker = threading.Thread(target=build, daemon=True)
    worker.start()
    worker.join(timeout=10)
    assert result == [{}], "building one artefact from inside another deadlocked"


def test_closing_a_ruleset_frees_the_durable_network_and_it_can_be_rebuilt() -> None:
    rs = ec.load_ruleset("tuquan")
    facts = {"subject": {"id": "S1"}, "events": []}
    first = ec.evaluate(rs, facts, as_of=date(2024, 6, 30)).to_json()
    rs.close()
    assert ec.evaluate(rs, facts, as_of=date(2024, 6, 30)).to_json() == first


def test_dated_parameter_uses_the_value_in_force_on_as_of(tmp_path) -> None:
    text = (ec.load_ruleset("tuquan").path).read_text(encoding="utf-8")
    edited = text.replace(
        "      - {from: 2016-01-01, value: 3}\n",
        "      - {from: 2016-01-01, value: 3}\n      - {from: 2025-01-01, value: 2}\n",
        1,
    )
    path = tmp_path / "tuquan.yaml"
    path.write_text(edited, encoding="utf-8")
    rs = ec.load_ruleset(path)
    events = [{"id": f"P{i}", "type": "penalty", "date": d, "act": "contract_fraud"} for i, d in
              enumerate(["2024-11-01", "2024-12-01"])]
    facts = {"subject": {"id": "S1"}, "events": events}
    before = evaluate_both(rs, facts, date(2024, 12, 31))
    after = evaluate_both(rs, facts, date(2025, 1, 1))
    assert "tuquan.art11.item4" not in {v.rule for v in before.verdicts}
    assert "tuquan.art11.item4" in {v.rule for v in after.verdicts}


@pytest.mark.parametrize("name", ec.available_rulesets())
def test_durable_evaluates_a_subject_whose_facts_fire_nothing(name: str) -> None:
    # A session in which no engine action ran crashed durable-rules on delete (free of an
    # uninitialised pointer), depending on heap layout: run it in a fresh interpreter, after the
    # imports that made it crash, so a regression kills the child and not the test run.
    script = (
        "import yaml, holidays\n"
        "from datetime import date\n"
        "import ecredit_rules as ec\n"
        f"rs = ec.load_ruleset({name!r})\n"
        "for n in range(50):\n"
        "    r = ec.evaluate(rs, {'subject': {'id': f'S{n}'}}, as_of=date(2024, 6, 30))\n"
        "print(len(r.undetermined) > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"


@pytest.mark.parametrize("days", [2**64, 57126718468503764992, 10**40])
def test_durable_judges_a_retention_period_beyond_64_bits_as_compiled_does(days: int) -> None:
    # The facts accept any whole number of days; its margin over the threshold leaves the 64-bit
    # range that the fast serialiser writes, and the engine must still get the fact.
    facts = {"subject": {"id": "S1", "roles": ["goods_operator"]},
             "retention_days": {"receipts": days, "user_access_logs": days}}
    report = evaluate_both(ec.load_ruleset("nanan"), facts, date(2024, 6, 30))
    assert "nanan.art10.item6" not in {v.rule for v in report.verdicts}
    assert "nanan.art10.item6" not in {u.rule for u in report.undetermined}
