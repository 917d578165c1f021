"""The columnar engine's reports are byte-identical (``engine`` aside) to the per-subject compiled engine's."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from itertools import product
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")

from bench.generate import subjects_json  # noqa: E402

from ecredit_rules.batch.columnar import (  # noqa: E402
    EVENT_SCHEMA,
    ColumnarEngine,
    all_counts,
    events_counts,
    events_table,
    node_expr,
)
from ecredit_rules.batch.records import judge  # noqa: E402
from ecredit_rules.ir import And, AtLeast, Chain, Not, Or  # noqa: E402
from ecredit_rules.loader import load_ruleset  # noqa: E402
from ecredit_rules.logic import FALSE, TRUE, UNKNOWN, closure  # noqa: E402

RULESETS = ("tuquan", "benxi", "lingyuan", "nanan", "xining")
DAYS = (date(2024, 6, 30), date(2023, 1, 15), date(2025, 3, 3))
SUBJECTS = subjects_json(240, seed=1414)
# A few records the engine must refuse exactly as today, and one without events (unknown counts).
EXTRA = ['{"subject": {}}', "", '{"subject": {"id": "NOEV", "roles": ["goods_operator"]}}',
         '{"subject": {"id": "BAD"}, "events": [{"id": "e1", "type": "penalty", "date": "2024/6/1"}]}']


def _lines(results: list) -> list[str]:
    """The JSON Lines output, byte for byte, with the ``engine`` field's value blanked."""
    return [re.sub(r'"engine": ?"(columnar|compiled)"', '"engine":""', r.to_json(), count=1) for r in results]


@pytest.mark.parametrize("ruleset", RULESETS)
@pytest.mark.parametrize("day", DAYS, ids=str)
def test_columnar_reports_equal_compiled_reports(ruleset: str, day: date) -> None:
    rs = load_ruleset(ruleset)
    raws = [*SUBJECTS, *EXTRA]
    expected = [judge(rs, i, raw, day, "compiled") for i, raw in enumerate(raws)]
    got = ColumnarEngine().judge_partition(rs, 0, raws, day, "zh")
    assert _lines(got) == _lines(expected)


@pytest.mark.parametrize("day", (date(2024, 6, 30), date(2000, 1, 1)), ids=str)
def test_columnar_lines_are_its_reports_json(day: date) -> None:
    rs = load_ruleset("nanan")
    raws = [*SUBJECTS[:60], *EXTRA]
    engine = ColumnarEngine()
    written = engine.judge_partition_json(rs, 0, raws, day, "zh")
    assert [r.decode() if isinstance(r, bytes) else r.to_json() for r in written] == [
        r.to_json() for r in engine.judge_partition(rs, 0, raws, day, "zh")]


def test_columnar_reports_name_their_engine() -> None:
    rs = load_ruleset("tuquan")
    (report,) = ColumnarEngine().judge_partition(rs, 0, SUBJECTS[:1], date(2024, 6, 30), "zh")
    assert json.loads(report.to_json())["engine"] == "columnar"


def test_the_corpus_has_undetermined_rules_deadlines_and_ratings() -> None:
    # What the equality tests above must cover to mean anything.
    rs = load_ruleset("tuquan")
    reports = [json.loads(r.to_json()) for r in ColumnarEngine().judge_partition(rs, 0, SUBJECTS, date(2024, 6, 30))]
    kinds = {v["kind"] for r in reports for v in r["verdicts"]}
    assert any(r["undetermined"] for r in reports)
    assert "deadline" in kinds
    assert any(r["rating"] for r in reports)


def test_batch_refuses_the_columnar_engine_with_a_plain_message(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(SUBJECTS[0] + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ecredit_rules", "batch", "-r", "tuquan", "--engine", "columnar", "--lang", "en",
         "-o", str(tmp_path / "out.jsonl"), str(source)],
        capture_output=True, text=True, encoding="utf-8", timeout=120, check=False,
    )
    assert done.returncode == 2
    assert "columnar engine is not offered yet" in done.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_the_decision_on_columns_is_the_one_evaluators_on_every_combination() -> None:
    rules = ("a", "b", "c")
    nodes = [And(tuple(Chain(r) for r in rules)), Or(tuple(Chain(r) for r in rules)), Not(Chain("a")),
             *(AtLeast(n, tuple(Chain(r) for r in rules)) for n in (1, 2, 3))]
    combos = list(product((FALSE, UNKNOWN, TRUE), repeat=3))
    frame = pl.DataFrame({f"r:{r}": [c[i] for c in combos] for i, r in enumerate(rules)}, schema_overrides={
        f"r:{r}": pl.Int8 for r in rules})
    for node in nodes:
        got = frame.select(node_expr(node).alias("x"))["x"].to_list()
        assert got == [closure(node)([], dict(zip(rules, c, strict=True))) for c in combos], node


def test_an_event_without_the_act_a_condition_names_counts_as_possible_not_sure() -> None:
    table = pl.DataFrame({"row": [0, 0, 1], "type": ["penalty"] * 3, "act": ["price_fraud", None, "fake_reviews"],
                          "grade": [None] * 3, "date": [date(2024, 1, 1)] * 3}, schema=EVENT_SCHEMA)
    counts = events_counts(table, ["penalty"], ["price_fraud"], None, None).sort("row")
    assert counts.rows(named=True) == [{"row": 0, "high": 2, "low": 1}]


def test_one_group_by_for_several_filters_counts_as_one_group_by_per_filter() -> None:
    table = pl.DataFrame({"row": [0, 0, 0, 2], "type": ["penalty", "penalty", "warning", "penalty"],
                          "act": ["price_fraud", None, None, "fake_reviews"], "grade": [None] * 4,
                          "date": [date(2023, 1, 1), date(2024, 1, 1), date(2024, 1, 1), date(2024, 1, 1)]},
                         schema=EVENT_SCHEMA)
    filters = {"a": ((["penalty"], ["price_fraud"], None), None), "b": ((["penalty", "warning"], None, None),
                                                                         date(2023, 6, 1))}
    rows = pl.DataFrame({"row": [0, 1, 2]}, schema={"row": pl.Int64})
    got = all_counts(table, rows, filters).collect()
    for name, ((types, acts, grades), start) in filters.items():
        alone = {r["row"]: (r["high"], r["low"]) for r in events_counts(table, types, acts, grades, start).rows(
            named=True)}
        assert [(h, lo) for h, lo in got.select(f"{name}:high", f"{name}:low").rows()] == [
            alone.get(row, (0, 0)) for row in range(3)], name


def test_the_events_table_leaves_out_events_after_the_day_of_evaluation() -> None:
    checked = [{"subject": {"id": "A"}, "events": [
        {"id": "e1", "type": "penalty", "date": date(2024, 1, 1)},
        {"id": "e2", "type": "penalty", "date": date(2024, 7, 1), "act": "price_fraud"}]},
        {"subject": {"id": "B"}}, {"subject": {"id": "C"}, "events": [
            {"id": "e3", "type": "warning", "date": date(2024, 6, 30), "grade": "serious"}]}]
    assert events_table(checked, date(2024, 6, 30)).rows() == [
        (0, "penalty", None, None, date(2024, 1, 1)), (2, "warning", None, "serious", date(2024, 6, 30))]
