"""The Parquet layout of a batch (docs/batch.md): a folder with ``subjects.parquet`` and ``events.parquet``.

One subjects row per record, in input order (``record`` = 0, 1, 2, …); one events row per event,
sorted by ``record`` and in the record's own order. A column's null means the key is absent
(unknown); an empty list or map is given as empty. A record the columns cannot hold exactly (not
an object, unknown keys, a wrong type, an explicit null, a lone surrogate) is kept whole as its JSON
text in the ``json`` column, so conversion never loses or alters a record and ``batch`` refuses it
with the same problems as from JSON Lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from itertools import groupby, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..facts import parse_json
from ..messages import Msg
from ..surrogates import LONE_SURROGATE
from .io_jsonl import shorter_than_written
from .records import Raw, Unreadable

SUBJECTS = "subjects.parquet"
EVENTS = "events.parquet"

SUBJECT_TEXT = ("id", "name", "legal_form", "region")
SUBJECT_FIELDS = ("id", "name", "roles", "legal_form", "region", "licensed", "lists")
EVENT_FIELDS = ("id", "type", "date", "act", "authority", "reference", "sales_amount", "illegal_gain", "grade",
                "answers")
AMOUNTS = ("sales_amount", "illegal_gain")
ASSESSMENT_TEXT = ("management", "commitment", "economic_strength", "reputation")
FACTS_KEYS = ("subject", "events", "compliance", "retention_days", "platform_systems", "assessment")
_INT64 = 2**63 - 1
_ROWS_PER_GROUP = 10_000
_READ_BATCH = 2_048


def _pa() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ValueError("Parquet needs pyarrow: pip install 'ecredit-rules[batch]'") from None
    return pyarrow


def schemas() -> tuple[Any, Any]:
    """The two tables' Arrow schemas."""
    pa = _pa()
    text, texts = pa.string(), pa.list_(pa.string())
    assessment = pa.struct([*(pa.field(n, text) for n in ASSESSMENT_TEXT), pa.field("stable_staff", pa.bool_())])
    subjects = pa.schema([
        pa.field("record", pa.int64(), nullable=False),
        pa.field("json", text),
        *(pa.field(n, texts if n in ("roles", "lists") else pa.bool_() if n == "licensed" else text)
          for n in SUBJECT_FIELDS),
        pa.field("events", pa.int32()),
        pa.field("compliance", pa.map_(text, pa.bool_())),
        pa.field("retention_days", pa.map_(text, pa.int64())),
        pa.field("platform_systems", texts),
        pa.field("assessment", assessment),
    ])
    events = pa.schema([pa.field("record", pa.int64(), nullable=False), *(pa.field(n, text) for n in EVENT_FIELDS)])
    return subjects, events


# --- facts → rows -------------------------------------------------------------------------------


class _NotColumnar(Exception):
    """The record cannot be held exactly by the columns; it is kept as JSON text."""


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise _NotColumnar
    return value


def _texts(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise _NotColumnar
    return [_text(v) for v in value]


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _NotColumnar
    return value


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -_INT64 <= value <= _INT64:
        raise _NotColumnar
    return value


def _amount(value: Any) -> str:
    # Amounts are held as decimal text: a JSON number becomes the same number written as text.
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _NotColumnar
    text = str(value)
    try:
        if "E" in text.upper() or Decimal(text) != value:
            raise _NotColumnar
    except InvalidOperation:
        raise _NotColumnar from None
    return text


def _mapping(value: Any, item: Any) -> list[tuple[str, Any]]:
    if not isinstance(value, dict):
        raise _NotColumnar
    return [(_text(k), item(v)) for k, v in value.items()]


def _struct(value: Any, fields: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict) or not set(value) <= set(fields) or None in value.values():
        raise _NotColumnar
    return {name: (item(value[name]) if name in value else None) for name, item in fields.items()}


_SUBJECT_ITEM = {"roles": _texts, "lists": _texts, "licensed": _flag} | {n: _text for n in SUBJECT_TEXT}
_EVENT_ITEM = {n: (_amount if n in AMOUNTS else _text) for n in EVENT_FIELDS}
_ASSESSMENT_ITEM = {n: _text for n in ASSESSMENT_TEXT} | {"stable_staff": _flag}


def to_rows(record: int, obj: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The subjects row and events rows of one record's parsed JSON."""
    if not isinstance(obj, dict) or not set(obj) <= set(FACTS_KEYS) or None in obj.values() or "subject" not in obj:
        raise _NotColumnar
    row: dict[str, Any] = {"record": record, "json": None}
    row |= _struct(obj["subject"], _SUBJECT_ITEM)
    events = obj.get("events")
    rows: list[dict[str, Any]] = []
    if events is not None:
        if not isinstance(events, list):
            raise _NotColumnar
        rows = [{"record": record} | _struct(e, _EVENT_ITEM) for e in events]
    row["events"] = None if events is None else len(rows)
    row["compliance"] = _mapping(obj["compliance"], _flag) if "compliance" in obj else None
    row["retention_days"] = _mapping(obj["retention_days"], _count) if "retention_days" in obj else None
    row["platform_systems"] = _texts(obj["platform_systems"]) if "platform_systems" in obj else None
    row["assessment"] = _struct(obj["assessment"], _ASSESSMENT_ITEM) if "assessment" in obj else None
    return row, rows


def _as_json_row(record: int, text: str) -> dict[str, Any]:
    return {"record": record, "json": text}


def jsonl_to_parquet(lines: Iterator[Raw], out: Path) -> int:
    """Write the records of JSON Lines into the Parquet layout at folder ``out``; return how many."""
    pa = _pa()
    import pyarrow.parquet as pq

    subjects_schema, events_schema = schemas()
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with pq.ParquetWriter(out / SUBJECTS, subjects_schema) as subjects_out, \
            pq.ParquetWriter(out / EVENTS, events_schema) as events_out:
        subject_rows: list[dict[str, Any]] = []
        event_rows: list[dict[str, Any]] = []
        for line in lines:
            if isinstance(line, Unreadable):
                raise ValueError(f"line {count + 1}: {'; '.join(map(str, line.worded('en')))}")
            try:
                text = line.decode("utf-8") if isinstance(line, bytes) else str(line)
            except UnicodeDecodeError:
                raise ValueError(f"line {count + 1}: not UTF-8 text; Parquet holds text as UTF-8") from None
            try:
                obj, repeated = parse_json(text)
                row, rows = to_rows(count, obj)
                written = _dumps(obj, amounts_as_text=True)
                # Columns cannot say "this key was given twice", nor hold what they would alter, nor
                # text with a lone surrogate (escaped in the line, "\ud800": no UTF-8 column holds it).
                if repeated or _dumps(from_rows(row, rows)) != written or (
                        ("\\ud" in text or "\\uD" in text) and LONE_SURROGATE.search(written)):
                    raise _NotColumnar
            except (_NotColumnar, ValueError, RecursionError):
                row, rows = _as_json_row(count, text), []
            subject_rows.append(row)
            event_rows += rows
            count += 1
            if len(subject_rows) >= _ROWS_PER_GROUP:
                _flush(pa, subjects_out, subjects_schema, subject_rows, events_out, events_schema, event_rows)
        _flush(pa, subjects_out, subjects_schema, subject_rows, events_out, events_schema, event_rows)
    return count


def _flush(pa: Any, s_out: Any, s_schema: Any, s_rows: list[Any], e_out: Any, e_schema: Any, e_rows: list[Any]) -> None:
    if s_rows:
        s_out.write_table(pa.Table.from_pylist(s_rows, schema=s_schema))
    if e_rows:
        e_out.write_table(pa.Table.from_pylist(e_rows, schema=e_schema))
    s_rows.clear()
    e_rows.clear()


def _dumps(obj: Any, amounts_as_text: bool = False) -> str:
    if amounts_as_text and isinstance(obj, dict) and isinstance(obj.get("events"), list):
        obj = obj | {"events": [
            {k: (_amount(v) if k in AMOUNTS else v) for k, v in e.items()} if isinstance(e, dict) else e
            for e in obj["events"]
        ]}
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, default=str)


# --- rows → facts -------------------------------------------------------------------------------


def from_rows(row: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The facts dict of one record, keys in the contract's order; nulls are absent keys."""
    return _facts(row, [{n: e[n] for n in EVENT_FIELDS if e.get(n) is not None} for e in events])


def _facts(row: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    """``from_rows`` of events already without nulls, their keys in ``EVENT_FIELDS`` order."""
    subject = {n: row[n] for n in SUBJECT_FIELDS if row.get(n) is not None}
    facts: dict[str, Any] = {"subject": subject}
    if row.get("events") is not None:
        facts["events"] = events
    for name in ("compliance", "retention_days"):
        if row.get(name) is not None:
            facts[name] = dict(row[name])
    if row.get("platform_systems") is not None:
        facts["platform_systems"] = row["platform_systems"]
    if row.get("assessment") is not None:
        facts["assessment"] = {k: v for k, v in row["assessment"].items() if v is not None}
    return facts


def check_layout(folder: Path) -> None:
    """``ValueError`` naming every column of the two tables that the layout does not have, or holds
    another kind of value than it says (a date as a timestamp, an amount as a float), and a table
    without ``record`` or that is no Parquet file. A column left out is null throughout: absent facts,
    as a missing key in JSON. Kinds, not exact types: another writer (Spark, polars, a database
    export) may use large strings or other integer widths for the same values.
    """
    pa = _pa()
    import pyarrow.parquet as pq

    problems: list[str] = []
    for name, expected in zip((SUBJECTS, EVENTS), schemas(), strict=True):
        try:
            with pq.ParquetFile(folder / name) as table:
                actual, meta = table.schema_arrow, table.metadata
        except (OSError, pa.ArrowException) as exc:
            problems.append(f"{folder / name}: not a readable Parquet file ({exc})")
            continue
        if "record" not in actual.names:
            problems.append(f"{folder / name}: no column record (each row's record number: 0, 1, 2, …)")
        elif pa.types.is_integer(actual.field("record").type):  # else named below
            problems += _groups_out_of_order(folder / name, meta, name == SUBJECTS)
        for field in actual:
            at = expected.get_field_index(field.name)
            if at < 0 or actual.get_all_field_indices(field.name) != [actual.get_field_index(field.name)]:
                problems.append(f"{folder / name}: column {field.name} is not in the layout (docs/batch.md), "
                                "or is there twice")
            elif not _same_kind(pa, field.type, expected.field(at).type):
                problems.append(f"{folder / name}: column {field.name} holds {field.type}; the layout has "
                                f"{expected.field(at).type}")
    if problems:
        raise ValueError("; ".join(problems))


def _groups_out_of_order(path: Path, meta: Any, distinct: bool) -> list[str]:
    """Row groups whose statistics show records below 0 or before the previous group's last record.

    Workers read ranges of records and each reads only the row groups its range may hold: rows out
    of order across groups, which a reader from record 0 would refuse, could escape every range.
    """
    leaf = _record_leaf(meta)
    last: int | None = None
    for g in range(meta.num_row_groups):
        stats = meta.row_group(g).column(leaf).statistics
        if stats is None or not stats.has_min_max:
            last = None
            continue
        if stats.min < 0 or (last is not None and (stats.min < last or (distinct and stats.min == last))):
            return [f"{path}: row group {g} holds record {stats.min}, before records of an earlier row "
                    "group or below 0 (rows must be sorted by record, from 0)"]
        last = stats.max
    return []


def _record_leaf(meta: Any) -> int:
    """Where ``record`` is among a file's leaf columns, whose statistics the metadata holds (a map or a
    struct is several leaves, so its place among Arrow's fields may differ)."""
    return next(i for i in range(meta.num_columns) if meta.schema.column(i).path == "record")


def _same_kind(pa: Any, actual: Any, expected: Any) -> bool:
    t = pa.types
    if t.is_null(actual):  # a column null throughout, as pandas writes one
        return True
    if t.is_string(expected):
        return bool(t.is_string(actual) or t.is_large_string(actual) or t.is_string_view(actual))
    if t.is_integer(expected):
        return bool(t.is_integer(actual))
    if t.is_list(expected):
        return bool((t.is_list(actual) or t.is_large_list(actual))
                    and _same_kind(pa, actual.value_type, expected.value_type))
    if t.is_map(expected):
        return bool(t.is_map(actual) and _same_kind(pa, actual.key_type, expected.key_type)
                    and _same_kind(pa, actual.item_type, expected.item_type))
    if t.is_struct(expected):
        return bool(t.is_struct(actual) and all(
            expected.get_field_index(f.name) >= 0 and _same_kind(pa, f.type, expected.field(f.name).type)
            for f in actual))
    return bool(actual.equals(expected))


def count_records(folder: Path) -> int:
    _pa()
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(folder / SUBJECTS).metadata.num_rows)


def record_ranges(folder: Path, skip: int, size: int) -> list[tuple[int, int]]:
    """``(first record, records)`` of consecutive runs of at most ``size`` records after ``skip``, cut
    where the subjects table's row groups begin, so that a process reading one run decodes no row
    group another run needs (``convert`` writes both tables in groups of 10,000 records); ``ValueError``
    when the folder has fewer than ``skip`` records, as ``--resume`` says it."""
    _pa()
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(folder / SUBJECTS).metadata
    total = int(meta.num_rows)
    if total < skip:
        raise shorter_than_written(total, skip)
    ranges: list[tuple[int, int]] = []
    group_start = 0
    for g in range(meta.num_row_groups):  # records are numbered in row order (``read_records`` checks it)
        group_end = group_start + meta.row_group(g).num_rows
        first = max(group_start, skip)
        while first < group_end:
            ranges.append((first, min(size, group_end - first)))
            first += ranges[-1][1]
        group_start = group_end
    return ranges


def read_records(folder: Path, start: int = 0, stop: int | None = None) -> Iterator[Raw]:
    """Each record from ``start`` (before ``stop``): its facts dict, or its JSON text when kept whole.

    Both tables are read once, side by side, in batches (a merge on ``record``, which both are
    sorted by), so memory does not depend on the size of the dataset. A record whose events do not
    add up (the ``events`` count differs from its rows) becomes an ``Unreadable`` saying so: that
    record's error, not the whole run's.
    """
    if stop is not None and stop >= count_records(folder):
        stop = None  # the last range reads to the end, where rows of records past the last are refused
    subjects = _rows(folder / SUBJECTS, start, stop)
    events = _events(folder / EVENTS, start, stop)
    pending = next(events, None)
    expected = start
    for row in subjects:
        if row["record"] != expected:
            raise ValueError(f"{folder / SUBJECTS}: record {expected} expected, found {row['record']} "
                             "(records must be numbered 0, 1, 2, … in order)")
        expected += 1
        own: list[dict[str, Any]] = []
        while pending is not None and pending[0] <= row["record"]:
            if pending[0] < row["record"]:
                raise ValueError(f"{folder / EVENTS}: an event of record {pending[0]} comes after record "
                                 f"{row['record'] - 1}'s (events must be sorted by record)")
            own += pending[1]
            pending = next(events, None)
        yield _record(row, own)
    if pending is not None and (stop is None or pending[0] < stop):
        raise ValueError(f"{folder / EVENTS}: events of record {pending[0]}, which is not in {SUBJECTS}")


def _rows(path: Path, start: int, stop: int | None) -> Iterator[dict[str, Any]]:
    """The rows of one table with ``start <= record < stop``, in file order, as dicts. Read from the
    first record, a row numbered below 0 is given too, for ``read_records`` to refuse: skipped, it
    would be a record lost."""
    begun = False
    for batch in _batches(path, start, stop):
        for row in batch.to_pylist():
            record = row["record"]
            if stop is not None and record >= stop:
                return
            if record >= start or start == 0:
                begun = True
                yield row
            elif begun:  # a row of an earlier record after this range's: no other range's reader meets it
                raise _out_of_order(path, record)


def _events(path: Path, start: int, stop: int | None) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """(record, its events) for each run of rows of one record with ``start <= record < stop``, in
    file order (a record's rows split across two batches come as two runs); each event without its
    null fields, keys in ``EVENT_FIELDS`` order (as ``from_rows`` makes them).

    Read column by column and grouped in C: rows as dicts, then filtered one by one, cost twice as
    much, and the events are most of a record's data. Columns null throughout a batch are skipped.
    Read from record 0, rows numbered below 0 are given too, for ``read_records`` to refuse.
    """
    begun = False
    for batch in _batches(path, start, stop):
        names = set(batch.schema.names)
        columns = [(n, batch.column(n)) for n in EVENT_FIELDS if n in names]
        columns = [(n, c) for n, c in columns if c.null_count < len(c)]
        keys = tuple(n for n, _ in columns)
        records = batch.column("record").to_pylist()
        rows = zip(*(c.to_pylist() for _, c in columns), strict=True) if columns else repeat((), len(records))
        for record, run in groupby(zip(records, rows, strict=True), key=itemgetter(0)):
            if stop is not None and record >= stop:
                return
            if record >= start or start == 0:
                begun = True
                yield record, [{k: v for k, v in zip(keys, values, strict=True) if v is not None} for _, values in run]
            elif begun:
                raise _out_of_order(path, record)


def _out_of_order(path: Path, record: int) -> ValueError:
    return ValueError(f"{path}: a row of record {record} comes after rows of later records "
                      "(rows must be sorted by record)")


def _batches(path: Path, start: int, stop: int | None) -> Iterator[Any]:
    """The record batches of one table that may hold ``start <= record < stop``, a small batch in memory at a time.

    Row groups wholly outside the range are skipped by their statistics. (pyarrow.dataset's scanner
    would read ahead far more than a batch: hundreds of MiB on a large events table.)
    """
    _pa()
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as table:
        meta = table.metadata
        # By name: ``convert`` writes ``record`` first, another writer (Spark, a database export) may not.
        leaf = _record_leaf(meta)
        at = table.schema_arrow.get_field_index("record")
        groups = [g for g in range(meta.num_row_groups) if _overlaps(meta.row_group(g).column(leaf), start, stop)]
        if not groups:
            return
        for batch in table.iter_batches(batch_size=_READ_BATCH, row_groups=groups, use_threads=False):
            # Batches of a group before ``start`` are decoded but not turned into Python objects, the
            # costly part: a range inside a row group costs little more than its own records.
            records = batch.column(at)
            if records.null_count:
                raise ValueError(f"{path}: a row without its record number (record is null)")
            # The batch's largest record, not its last: rows out of order must reach the readers that refuse them.
            if start and len(records) and pc.max(records).as_py() < start:
                continue
            yield batch


def _overlaps(column: Any, start: int, stop: int | None) -> bool:
    """Whether a row group's ``record`` column (its metadata) may hold a record of the range. From
    record 0 every group below ``stop`` is read: one numbered below 0 is refused, not skipped."""
    stats = column.statistics
    if stats is None or not stats.has_min_max:
        return True
    return bool((stats.max >= start or start == 0) and (stop is None or stats.min < stop))


def _record(row: dict[str, Any], events: list[dict[str, Any]]) -> Raw:
    if row.get("json") is not None:
        return row["json"]
    said = row.get("events")
    if (said or 0) != len(events):
        sid = row["id"] if isinstance(row.get("id"), str) else None
        msg = (Msg("batch_events_unknown", found=len(events)) if said is None
               else Msg("batch_events_count", said=said, found=len(events)))
        return Unreadable([("events", msg)], sid)
    return _facts(row, events)


def parquet_to_jsonl(folder: Path) -> Iterator[str]:
    """The JSON Lines lines (without newline) of a Parquet batch, records in order."""
    for index, raw in enumerate(read_records(folder)):
        if isinstance(raw, Unreadable):
            raise ValueError(f"{folder}: record {index}: {'; '.join(map(str, raw.worded('en')))}")
        yield raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
