"""The columnar engine's reports are byte-identical (``engine`` aside) to the per-subject compiled engine's."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

pl = pytest.importorskip("polars")

from bench.generate import subjects_json  # noqa: E402

from ecredit_rules.batch.columnar import ColumnarEngine  # noqa: E402
from ecredit_rules.batch.records import judge  # noqa: E402
from ecredit_rules.loader import load_ruleset  # noqa: E402

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
