"""The Parquet layout of a batch and ``ecredit convert`` (docs/batch.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from bench.generate import subjects_json
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit_rules.batch import io_parquet
from ecredit_rules.batch.convert import convert

EDGES = [
    '{"subject": {"id": "S1"}}',
    '{"subject": {"id": "S2"}, "events": []}',
    '{"subject": {"id": "S3", "roles": [], "lists": []}, "compliance": {}, "retention_days": {}, '
    '"platform_systems": [], "assessment": {}}',
    '{"subject": {"id": "S4"}, "compliance": {"no_spam": false}, "assessment": {"stable_staff": false}}',
    '{"subject": {"id": "S5"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", '
    '"sales_amount": "52000.10", "illegal_gain": "0"}]}',
]
# Records the columns cannot hold exactly: kept whole as JSON text.
KEPT_WHOLE = [
    '{"subject": {"id": "S6", "colour": "red"}}',
    '{"subject": {"id": "S7", "id": "S8"}}',
    '{"subject": {"id": "S9", "name": null}}',
    '{"subject": {"id": "S10", "licensed": "yes"}}',
    '{"subject": {"id": "S11"}, "retention_days": {"receipts": 1e99}}',
    '["not", "an", "object"]',
    '{broken',
    "",
    # A lone surrogate, escaped in the text: no UTF-8 column can hold it (convert once failed on it).
    '{"subject": {"id": "S-\\ud800"}}',
    '{"subject": {"id": "S12"}, "events": [{"id": "E-\\udc00", "type": "penalty", "date": "2024-01-15"}]}',
]


# An output line as batch writes it for a refused record.
REFUSED = b'{"index": 0, "subject": null, "error": {"problems": []}}\n'

def roundtrip(tmp_path: Path, lines: list[str]) -> str:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    assert convert(source, tmp_path / "pq") == len(lines)
    assert convert(tmp_path / "pq", tmp_path / "back.jsonl") == len(lines)
    return (tmp_path / "back.jsonl").read_text(encoding="utf-8")


def test_generated_subjects_come_back_byte_for_byte(tmp_path: Path) -> None:
    lines = subjects_json(300, seed=3)
    assert roundtrip(tmp_path, lines) == "".join(line + "\n" for line in lines)


def test_a_range_of_records_reads_as_that_slice_of_the_whole(tmp_path: Path) -> None:
    # 300 subjects' ~9,000 events span several read batches, so records' events are split between batches.
    roundtrip(tmp_path, subjects_json(300, seed=3))
    whole = list(io_parquet.read_records(tmp_path / "pq"))
    for start, stop in [(0, 1), (61, 63), (100, 250), (299, None), (0, None)]:
        assert list(io_parquet.read_records(tmp_path / "pq", start, stop)) == whole[start:stop]


def test_absent_and_empty_stay_apart(tmp_path: Path) -> None:
    assert roundtrip(tmp_path, EDGES).splitlines() == EDGES


def test_an_emoji_escaped_as_a_surrogate_pair_stays_in_the_columns(tmp_path: Path) -> None:
    # A pair is one whole character (JSON reads "\\ud83d\\ude00" as 😀): only a lone half is kept whole.
    line = '{"subject": {"id": "S-\\ud83d\\ude00"}}'
    assert roundtrip(tmp_path, [line]) == '{"subject": {"id": "S-\U0001F600"}}\n'
    assert pq.read_table(tmp_path / "pq" / io_parquet.SUBJECTS).column("json").to_pylist() == [None]


def test_records_the_columns_cannot_hold_are_kept_whole(tmp_path: Path) -> None:
    assert roundtrip(tmp_path, KEPT_WHOLE).splitlines() == KEPT_WHOLE
    table = pq.read_table(tmp_path / "pq" / io_parquet.SUBJECTS)
    assert table.column("json").to_pylist() == KEPT_WHOLE


def test_keys_come_back_in_the_contracts_order(tmp_path: Path) -> None:
    line = '{"assessment": {"stable_staff": true}, "subject": {"name": "某", "id": "S1"}}'
    ordered = '{"subject": {"id": "S1", "name": "某"}, "assessment": {"stable_staff": true}}'
    assert roundtrip(tmp_path, [line]) == ordered + "\n"


def test_amounts_given_as_numbers_come_back_as_decimal_text(tmp_path: Path) -> None:
    line = ('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15", '
            '"sales_amount": 49999.99, "illegal_gain": 0}]}')
    back = json.loads(roundtrip(tmp_path, [line]))
    assert back["events"][0]["sales_amount"] == "49999.99"
    assert back["events"][0]["illegal_gain"] == "0"


def _batch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ecredit_rules", "batch", "-r", "tuquan", "--as-of", "2024-06-30",
                           "--engine", "compiled", *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=120, check=False)


def test_batch_on_parquet_writes_the_bytes_of_batch_on_json_lines(tmp_path: Path) -> None:
    bad_date = '{"subject": {"id": "S-bad"}, "events": [{"id": "E1", "type": "penalty", "date": "2024/6/1"}]}'
    lines = subjects_json(50, seed=3) + EDGES + KEPT_WHOLE + [bad_date]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    convert(source, tmp_path / "pq")
    from_json = _batch(str(source), "-o", str(tmp_path / "a.jsonl"))
    from_parquet = _batch(str(tmp_path / "pq"), "-o", str(tmp_path / "b.jsonl"))
    assert (from_json.returncode, from_parquet.returncode) == (1, 1), from_parquet.stderr
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert len((tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines()) == len(lines)


def _write_dataset(folder: Path, subjects: list[dict[str, object]], events: list[dict[str, object]]) -> Path:
    """A dataset as another system (Spark, a database export) might write it."""
    subjects_schema, events_schema = io_parquet.schemas()
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(subjects, schema=subjects_schema), folder / io_parquet.SUBJECTS)
    pq.write_table(pa.Table.from_pylist(events, schema=events_schema), folder / io_parquet.EVENTS)
    return folder


def test_a_bad_row_becomes_that_records_error_record(tmp_path: Path) -> None:
    folder = _write_dataset(
        tmp_path / "pq",
        [{"record": 0, "id": "S1", "events": 1}, {"record": 1, "id": "S2", "events": 1},
         {"record": 2, "id": "S3", "events": 2}],
        [{"record": 0, "id": "E1", "type": "penalty", "date": "2024/6/1"},
         {"record": 1, "id": "E1", "type": "penalty", "date": "2024-06-01", "act": "contract_fraud"},
         {"record": 2, "id": "E1", "type": "penalty", "date": "2024-06-01"}],
    )
    done = _batch("--lang", "en", str(folder), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 1, done.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert out[0]["index"] == 0 and out[0]["subject"] == "S1"
    assert [p["path"] for p in out[0]["error"]["problems"]] == ["events[0].date"]
    assert out[1]["subject"] == "S2" and "verdicts" in out[1]
    assert out[2]["error"]["problems"][0]["path"] == "events"
    assert "2 events" in out[2]["error"]["problems"][0]["message"]


def test_records_numbered_out_of_order_are_an_unreadable_input(tmp_path: Path) -> None:
    folder = _write_dataset(tmp_path / "pq", [{"record": 1, "id": "S1"}], [])
    done = _batch(str(folder), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 2
    assert "numbered 0, 1, 2" in done.stderr


def test_a_folder_without_the_events_table_is_an_unreadable_input(tmp_path: Path) -> None:
    folder = _write_dataset(tmp_path / "pq", [{"record": 0, "id": "S1"}], [])
    (folder / io_parquet.EVENTS).unlink()
    done = _batch(str(tmp_path / "pq"), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 2
    assert "events.parquet" in done.stderr


def test_convert_exits_2_for_an_input_that_does_not_exist(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "ecredit_rules", "convert", str(tmp_path / "absent.jsonl"),
                           str(tmp_path / "pq")], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "absent.jsonl" in done.stderr and "Traceback" not in done.stderr


def test_events_not_sorted_by_record_are_an_unreadable_input(tmp_path: Path) -> None:
    folder = _write_dataset(
        tmp_path / "pq", [{"record": 0, "id": "S1", "events": 1}, {"record": 1, "id": "S2", "events": 1}],
        [{"record": 1, "id": "E1", "type": "warning", "date": "2024-06-01"},
         {"record": 0, "id": "E1", "type": "warning", "date": "2024-06-01"}],
    )
    done = _batch(str(folder), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 2
    assert "sorted by record" in done.stderr


def test_events_of_a_record_that_is_not_there_are_an_unreadable_input(tmp_path: Path) -> None:
    folder = _write_dataset(tmp_path / "pq", [{"record": 0, "id": "S1", "events": 0}],
                            [{"record": 7, "id": "E1", "type": "warning", "date": "2024-06-01"}])
    done = _batch(str(folder), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 2
    assert "record 7" in done.stderr


def test_resume_of_an_output_longer_than_the_parquet_input_is_refused(tmp_path: Path) -> None:
    # It used to say "done, 3 of 2 records" and exit 0.
    source = tmp_path / "in.jsonl"
    source.write_text("".join(line + "\n" for line in subjects_json(2, seed=3)), encoding="utf-8")
    convert(source, tmp_path / "pq")
    out = tmp_path / "out.jsonl"
    out.write_bytes(REFUSED * 3)
    done = _batch("--resume", str(tmp_path / "pq"), "-o", str(out))
    assert done.returncode == 2
    assert "only 2 records, fewer than the 3 already written" in done.stderr
    assert out.read_bytes() == REFUSED * 3


def test_a_dask_run_cuts_no_parquet_input_shorter_than_the_records_already_written(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from ecredit_rules.batch.dask_runner import _ranges
    from ecredit_rules.batch.job import Input

    source = tmp_path / "in.jsonl"
    source.write_text("".join(line + "\n" for line in subjects_json(2, seed=3)), encoding="utf-8")
    convert(source, tmp_path / "pq")
    assert [(r.start, r.size) for r in _ranges(Input.open(str(tmp_path / "pq")), 1, 40)] == [(1, 1)]
    with pytest.raises(ValueError, match="only 2 records, fewer than the 3"):
        _ranges(Input.open(str(tmp_path / "pq")), 3, 40)


@pytest.mark.parametrize("table", [io_parquet.SUBJECTS, io_parquet.EVENTS])
def test_neither_batch_nor_convert_writes_over_a_table_of_its_parquet_input(tmp_path: Path, table: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(line + "\n" for line in subjects_json(2, seed=3)), encoding="utf-8")
    convert(source, tmp_path / "pq")
    before = (tmp_path / "pq" / table).read_bytes()
    with pytest.raises(ValueError, match="is the input itself"):
        convert(tmp_path / "pq", tmp_path / "pq" / table)
    done = _batch(str(tmp_path / "pq"), "-o", str(tmp_path / "pq" / table))
    assert done.returncode == 2 and "is the input itself" in done.stderr
    assert (tmp_path / "pq" / table).read_bytes() == before



def _grouped(tmp_path: Path, lines: list[str], per_group: int, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``lines`` converted to Parquet with row groups of ``per_group`` records."""
    source = tmp_path / "in.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    with monkeypatch.context() as patched:
        patched.setattr(io_parquet, "_ROWS_PER_GROUP", per_group)
        convert(source, tmp_path / "pq")
    return tmp_path / "pq"


def test_record_ranges_never_cross_a_row_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _grouped(tmp_path, subjects_json(8, seed=3), 3, monkeypatch)  # groups: 0–2, 3–5, 6–7
    assert io_parquet.record_ranges(folder, 1, 2) == [(1, 2), (3, 2), (5, 1), (6, 2)]
    assert io_parquet.record_ranges(folder, 8, 2) == []
    with pytest.raises(ValueError, match="only 8 records, fewer than the 9 already written"):
        io_parquet.record_ranges(folder, 9, 2)


def test_batch_on_parquet_with_two_workers_writes_the_bytes_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each worker reads its own records: small row groups make several tasks, read out of order.
    bad_date = '{"subject": {"id": "S-bad"}, "events": [{"id": "E1", "type": "penalty", "date": "2024/6/1"}]}'
    folder = _grouped(tmp_path, subjects_json(60, seed=3) + EDGES + KEPT_WHOLE + [bad_date], 16, monkeypatch)
    one = _batch(str(folder), "-o", str(tmp_path / "one.jsonl"))
    two = _batch(str(folder), "--workers", "2", "-o", str(tmp_path / "two.jsonl"))
    assert (one.returncode, two.returncode) == (1, 1), two.stderr
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_resume_on_parquet_with_two_workers_writes_the_bytes_of_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _grouped(tmp_path, subjects_json(40, seed=3), 16, monkeypatch)
    whole = _batch(str(folder), "-o", str(tmp_path / "whole.jsonl"))
    out = tmp_path / "out.jsonl"
    lines = (tmp_path / "whole.jsonl").read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:21]) + lines[21][:50])  # a run killed mid-record, inside the second group
    resumed = _batch(str(folder), "--workers", "2", "--resume", "-o", str(out))
    assert (whole.returncode, resumed.returncode) == (0, 0), resumed.stderr
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


# --- datasets written by other systems ------------------------------------------------------------

def _foreign(folder: Path, subjects: pa.Table, events: pa.Table) -> Path:
    folder.mkdir()
    pq.write_table(subjects, folder / io_parquet.SUBJECTS)
    pq.write_table(events, folder / io_parquet.EVENTS)
    return folder


def test_a_dataset_with_columns_left_out_or_in_another_order_reads_as_absent_facts(tmp_path: Path) -> None:
    # Another writer may leave out the columns it never fills (json, name, …) and put record anywhere:
    # reading once failed with KeyError 'json', and a first column other than record with a TypeError.
    folder = _foreign(
        tmp_path / "pq",
        pa.table({"id": ["S1", "S2"], "record": [0, 1], "events": pa.array([0, 1], pa.int32())}),
        pa.table({"type": pa.array(["penalty"], pa.large_string()), "id": ["E1"], "date": ["2024-01-15"],
                  "record": [1]}),
    )
    io_parquet.check_layout(folder)
    assert list(io_parquet.read_records(folder)) == [
        {"subject": {"id": "S1"}, "events": []},
        {"subject": {"id": "S2"}, "events": [{"id": "E1", "type": "penalty", "date": "2024-01-15"}]}]
    assert [r["subject"] for r in io_parquet.read_records(folder, 1, 2)] == [{"id": "S2"}]


@pytest.mark.parametrize(("subjects", "said"), [
    ({"record": [0], "id": ["S1"], "colour": ["red"]}, "column colour is not in the layout"),
    ({"record": [0], "id": ["S1"], "licensed": ["yes"]}, "column licensed holds string; the layout has bool"),
    ({"record": [0], "id": ["S1"], "compliance": [["no_spam"]]},
     "column compliance holds list<element: string>; the layout has map<string, bool>"),
    ({"id": ["S1"]}, "no column record"),
    ({"record": ["0"], "id": ["S1"]}, "column record holds string; the layout has int64"),
], ids=["unknown", "bool-as-text", "list-for-map", "no-record", "record-as-text"])
def test_a_dataset_whose_columns_are_not_the_layouts_is_refused_naming_them(
    tmp_path: Path, subjects: dict[str, list[object]], said: str
) -> None:
    folder = _foreign(tmp_path / "pq", pa.table(subjects), pa.table({"record": pa.array([], pa.int64())}))
    done = _batch(str(folder), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 2
    assert said in done.stderr and "subjects.parquet" in done.stderr and "Traceback" not in done.stderr
    converted = subprocess.run([sys.executable, "-m", "ecredit_rules", "convert", str(folder),
                                str(tmp_path / "back.jsonl")], capture_output=True, text=True, timeout=60, check=False)
    assert converted.returncode == 2 and said in converted.stderr


def test_an_events_date_written_as_a_date_type_is_refused_naming_the_column(tmp_path: Path) -> None:
    from datetime import date

    folder = _foreign(tmp_path / "pq", pa.table({"record": [0], "id": ["S1"], "events": pa.array([1], pa.int32())}),
                      pa.table({"record": [0], "id": ["E1"], "date": [date(2024, 1, 15)]}))
    with pytest.raises(ValueError, match=r"events.parquet: column date holds date32\[day\]; the layout has string"):
        io_parquet.check_layout(folder)


# --- reading by ranges (local workers, Dask tasks) takes what reading from record 0 takes ------------

def _numbered(folder: Path, subjects: list[int | None], events: list[int | None], counts: list[int | None],
              group: int) -> Path:
    folder.mkdir()
    pq.write_table(pa.table({"record": pa.array(subjects, pa.int64()), "id": [f"S{i}" for i in range(len(subjects))],
                             "events": pa.array(counts, pa.int32())}), folder / io_parquet.SUBJECTS,
                   row_group_size=group)
    pq.write_table(pa.table({"record": pa.array(events, pa.int64()), "id": [f"E{i}" for i in range(len(events))],
                             "type": ["penalty"] * len(events), "date": ["2024-01-15"] * len(events)}),
                   folder / io_parquet.EVENTS, row_group_size=group)
    return folder


def _read(folder: Path, start: int = 0, stop: int | None = None) -> list[object]:
    return [r if isinstance(r, dict) else ("refused", tuple(map(str, r.worded("en"))))  # type: ignore[attr-defined]
            for r in io_parquet.read_records(folder, start, stop)]


def _by_ranges(folder: Path, size: int) -> list[object]:
    io_parquet.check_layout(folder)
    ranges = io_parquet.record_ranges(folder, 0, size)
    return [r for start, count in ranges for r in _read(folder, start, start + count)]


_RECORD = st.one_of(st.integers(-1, 7), st.none())


@given(n=st.integers(1, 6), events=st.lists(st.integers(0, 5), max_size=10), group=st.integers(1, 4),
       size=st.integers(1, 3), swap=st.lists(st.tuples(st.booleans(), st.integers(0, 15), _RECORD), max_size=2),
       counts=st.booleans())
@settings(max_examples=150, deadline=None, derandomize=True, database=None)
def test_reading_by_ranges_takes_or_refuses_what_reading_from_record_0_does(
    n: int, events: list[int], group: int, size: int, swap: list[tuple[bool, int, int | None]], counts: bool
) -> None:
    # Rows out of order, numbered below 0 or past the last record, or without a number: a range once
    # skipped such rows (a batch judged without an event the whole read refused), or read nothing.
    subjects: list[int | None] = list(range(n))
    numbers: list[int | None] = sorted(e for e in events if e < n)
    for in_subjects, at, record in swap:
        rows = subjects if in_subjects else numbers
        if rows:
            rows[at % len(rows)] = record
    said = [sum(1 for e in numbers if e == r) for r in range(n)] if counts else [None] * n
    with tempfile.TemporaryDirectory() as tmp:
        folder = _numbered(Path(tmp) / "pq", subjects, numbers, said, group)
        try:
            io_parquet.check_layout(folder)
            whole = _read(folder)
        except ValueError:
            with pytest.raises(ValueError):
                _by_ranges(folder, size)
            return
        assert _by_ranges(folder, size) == whole
