"""The columnar engine (issue 14 item 3), EXPERIMENTAL: a whole partition decided on polars columns.

Not offered by ``ecredit batch`` yet (``cli.py`` refuses ``--engine columnar`` with a plain
message): its output agrees byte for byte with the per-subject engines (``tests/test_columnar.py``;
``bench/bench_columnar.py`` at scale), but it runs 0.8–1.0× the compiled loop per core, not faster
(docs/batch.md gives the measured ratios and where the time goes).

How a partition is judged (the garbage collector paused meanwhile):

1. every record goes through the same validation as today (``facts_data``); a refused record is
   judged by ``records.judge`` so its error record is the one the other engines give;
2. the valid records' events become one polars table (a row per event dated on or before as_of);
3. every leaf whose kind opts in (``columnar_leaf.ColumnarLeaf``: ``columnar_counts(spec)``) is
   counted by one group-by over that table (``all_counts``); other leaves use their kind's
   per-subject value function (``leaf_values``);
4. the leaf truths and the Kleene decision are polars expressions in the same lazy plan, one column
   per rule (AND = min, OR = max, NOT = 2 − x, at_least by counting TRUE and non-FALSE children);
5. reports are assembled at the end by ``report.build_report``, the builder every engine uses (for
   JSON Lines ``report.report_json``: ``judge_partition_json``), from the decided outcomes — so
   evidence, undetermined paths and ratings are worded by the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import polars as pl

from ..dates import date_in_range
from ..derive import DERIVATION, Derivation, Derived
from ..digest import digest_of_checked
from ..engines import Outcomes
from ..engines.compiled import deadline_status
from ..facts import facts_data
from ..ir import And, AtLeast, Chain, CompiledRuleset, Leaf, Node, Not, Or
from ..logic import FALSE, TRUE, UNKNOWN
from ..messages import Lang
from ..report import Writer, Written, build_report, report_json
from ..subject import Subject
from .columnar_leaf import ColumnarLeaf, EventFilter
from .records import Raw, RecordError, Unreadable, judge_written

if TYPE_CHECKING:
    from ..report import Report

NAME = "columnar"


EVENT_SCHEMA = {"row": pl.Int64, "type": pl.Utf8, "act": pl.Utf8, "grade": pl.Utf8, "date": pl.Date}


def events_table(checked: Sequence[dict[str, Any]], as_of: date) -> pl.DataFrame:
    """One row per event dated on or before as_of (later ones are ignored, CONTRACT §4), of every record.

    polars reads the event dicts itself (``from_dicts``): faster than a Python comprehension per column.
    """
    rows = [i for i, c in enumerate(checked) if c.get("events") for _ in c["events"]]
    events = [e for c in checked if c.get("events") for e in c["events"]]
    fields = {k: v for k, v in EVENT_SCHEMA.items() if k != "row"}
    table = pl.from_dicts(events, schema=fields) if events else pl.DataFrame(schema=fields)
    return (table.with_columns(pl.Series("row", rows, dtype=pl.Int64)).select(list(EVENT_SCHEMA))
            .filter(pl.col("date") <= as_of))


def _event_filter(types: list[str], acts: list[str] | None, grades: list[str] | None,
                  start: date | None) -> tuple[pl.Expr, pl.Expr]:
    """The events a leaf possibly counts, and those of them it counts only possibly (an absent act or grade)."""
    keep = pl.col("type").is_in(types)
    if start is not None:
        keep &= pl.col("date") >= start
    unknown = pl.lit(False)
    if acts is not None:
        keep &= pl.col("act").is_in(acts) | pl.col("act").is_null()
        unknown |= pl.col("act").is_null()
    if grades is not None:
        keep &= pl.col("grade").is_in(grades) | pl.col("grade").is_null()
        unknown |= pl.col("grade").is_null()
    return keep, unknown


def events_counts(table: pl.DataFrame, types: list[str], acts: list[str] | None, grades: list[str] | None,
                  start: date | None) -> pl.DataFrame:
    """Per subject row: events surely counted (``low``) and possibly counted (``high``), as ``subject.EventCount``."""
    keep, unknown = _event_filter(types, acts, grades, start)
    # ``keep & ~unknown``, not ``~unknown`` after filtering: without acts and grades ``unknown`` is a
    # literal, and a literal's sum in a group is 1 however many rows the group has.
    return (table.group_by("row")
            .agg(keep.sum().alias("high"), (keep & ~unknown).sum().alias("low"))
            .filter(pl.col("high") > 0))


def all_counts(table: pl.DataFrame, rows: pl.DataFrame, filters: dict[str, tuple[EventFilter, date | None]]
               ) -> pl.LazyFrame:
    """``rows`` (column ``row``: 0..n-1) with, per named filter, columns ``<name>:high`` and ``<name>:low``.

    One group-by over the events table for every filter at once (a group-by per leaf costs the
    hashing of the rows once per leaf), lazily, so the filters' shared parts are computed once.
    A row without events of a filter counts 0.
    """
    aggs: list[pl.Expr] = []
    for name, ((types, acts, grades), start) in filters.items():
        keep, unknown = _event_filter(types, acts, grades, start)
        aggs += [keep.sum().alias(f"{name}:high"), (keep & ~unknown).sum().alias(f"{name}:low")]
    if not aggs:
        return rows.lazy()
    counts = table.lazy().group_by("row").agg(aggs)
    return rows.lazy().join(counts, on="row", how="left", maintain_order="left").fill_null(0)


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def decide_columns(rs: CompiledRuleset, truths: Frame) -> Frame:
    """Each rule's Kleene outcome as a column named by rule id, from leaf truth columns ``l<i>``."""
    frame = truths
    for rule in rs.all_rules():  # rules come after those they rest on
        frame = frame.with_columns(node_expr(rule.formula).cast(pl.Int8).alias(f"r:{rule.id}"))
    return frame


def node_expr(node: Node) -> pl.Expr:
    """``node``'s Kleene truth as a polars expression over columns ``l<leaf index>`` and ``r:<rule id>``."""
    if isinstance(node, Leaf):
        return pl.col(f"l{node.index}")
    if isinstance(node, Chain):
        return pl.col(f"r:{node.rule}")
    if isinstance(node, Not):
        return TRUE - node_expr(node.child)
    if isinstance(node, And):
        return pl.min_horizontal([node_expr(c) for c in node.children])
    if isinstance(node, Or):
        return pl.max_horizontal([node_expr(c) for c in node.children])
    assert isinstance(node, AtLeast)
    parts = [node_expr(c) for c in node.children]
    trues = pl.sum_horizontal([(p == TRUE).cast(pl.Int32) for p in parts])
    possible = pl.sum_horizontal([(p != FALSE).cast(pl.Int32) for p in parts])
    return (pl.when(trues >= node.n).then(TRUE)
            .when(possible < node.n).then(FALSE)
            .otherwise(UNKNOWN))


class ColumnarEngine:
    """Decides a whole partition at once (``runner.judge_partition`` hands it the partition)."""

    name = NAME

    def judge_partition(self, rs: CompiledRuleset, start: int, raws: Sequence[Raw], as_of: date,
                        lang: Lang = "zh") -> list[Report | RecordError]:
        """One result per record, in order; byte-identical (``engine`` aside) to the per-subject engines.

        ``runner.judge_partition`` calls it with the garbage collector paused, as for every engine."""
        return self._judged(rs, start, raws, as_of, lang, build_report)

    def judge_partition_json(self, rs: CompiledRuleset, start: int, raws: Sequence[Raw], as_of: date,
                             lang: Lang = "zh") -> list[bytes | RecordError]:
        """``judge_partition`` with each report as its JSON in UTF-8 (``report.report_json``), as
        ``runner.partition_lines`` writes a partition."""
        return self._judged(rs, start, raws, as_of, lang, report_json)

    def _judged(self, rs: CompiledRuleset, start: int, raws: Sequence[Raw], as_of: date, lang: Lang,
                write: Writer[Written]) -> list[Written | RecordError]:
        results: list[Written | RecordError | None] = [None] * len(raws)
        valid: list[tuple[int, dict[str, Any]]] = []
        for i, raw in enumerate(raws):
            checked = None
            if date_in_range(as_of) and not isinstance(raw, Unreadable):
                try:
                    checked = facts_data(raw, lang=lang)
                except Exception:
                    checked = None
            if checked is None:  # refused: the error record every engine gives
                results[i] = judge_written(rs, start + i, raw, as_of, "compiled", lang, write)
            else:
                valid.append((i, checked))
        if not rs.in_force(as_of):
            for i, checked in valid:
                results[i] = write(rs, checked["subject"]["id"], None, None, NAME, as_of, digest_of_checked(checked))
        elif valid:
            for (i, _), report in zip(valid, self._reports(rs, [c for _, c in valid], as_of, write), strict=True):
                results[i] = report
        return [r for r in results if r is not None]

    def _reports(self, rs: CompiledRuleset, checked: list[dict[str, Any]], as_of: date, write: Writer[Written]
                 ) -> list[Written]:
        program = rs.artefact(DERIVATION)
        day = program.day(as_of)
        n = len(checked)
        subjects = [Subject(c, as_of) for c in checked]
        # Leaves that count events share one group-by; identical filters (the same events over the
        # same window) are counted once.
        filters: dict[str, tuple[EventFilter, date | None]] = {}
        counted: dict[int, str] = {}
        seen: dict[tuple[Any, ...], str] = {}
        others: list[int] = []
        for index, leaf in enumerate(rs.leaves):
            if isinstance(leaf.kind, ColumnarLeaf):
                spec = leaf.kind.columnar_counts(leaf.spec)
                key = (tuple(spec[0]), _frozen(spec[1]), _frozen(spec[2]), day.starts[index])
                name = seen.setdefault(key, f"f{len(seen)}")
                filters[name] = (spec, day.starts[index])
                counted[index] = name
            else:
                others.append(index)
        per_subject = leaf_values(program, as_of, subjects, others)
        # Values of per-subject leaves stay Python ints (an amount in fen may exceed Int64): only
        # their truths enter the frame.
        known = pl.DataFrame([
            pl.Series("row", range(n), dtype=pl.Int64),
            pl.Series("events", [c.get("events") is not None for c in checked], dtype=pl.Boolean),
            *(pl.Series(f"l{index}", [
                UNKNOWN if v is None else (TRUE if (v >= day.thresholds[index] if program.ge[index]
                                                    else v < day.thresholds[index]) else FALSE)
                for v in got], dtype=pl.Int8) for index, got in per_subject.items()),
        ])
        values: list[pl.Expr] = []
        for index, name in counted.items():
            threshold = day.thresholds[index]
            high, low = pl.col(f"{name}:high"), pl.col(f"{name}:low")
            # subject.decided: the count when the possible events cannot change the outcome of ≥ threshold.
            value = pl.when(pl.col("events") & ((low >= threshold) | (high < threshold))).then(low)
            values.append(value.cast(pl.Int64).alias(f"v{index}"))
        frame = all_counts(events_table(checked, as_of), known, filters).with_columns(values).with_columns(
            pl.when(pl.col(f"v{i}").is_null()).then(UNKNOWN)
            .when(pl.col(f"v{i}") >= day.thresholds[i] if program.ge[i] else pl.col(f"v{i}") < day.thresholds[i])
            .then(TRUE).otherwise(FALSE)
            .cast(pl.Int8).alias(f"l{i}")
            for i in counted
        )
        rule_ids = [rule.id for rule in rs.all_rules()]
        out = decide_columns(rs, frame).select(
            [f"r:{r}" for r in rule_ids] + [f"v{i}" for i in counted]).collect()
        decided = out.select([f"r:{r}" for r in rule_ids]).rows() if rule_ids else [()] * n
        columns = [per_subject[i] if i not in counted else out[f"v{i}"].to_list() for i in range(len(rs.leaves))]
        values_of = list(zip(*columns, strict=True)) if columns else [()] * n
        reports = []
        for s, c, outcome, got in zip(subjects, checked, decided, values_of, strict=True):
            derived = Derived(program, s, as_of, got)
            cases = derived.deadlines or ()
            statuses = tuple(deadline_status(k.due, k.answer["date"] if k.answer else None, as_of) for k in cases)
            outcomes = Outcomes(dict(zip(rule_ids, outcome, strict=True)), statuses)
            reports.append(write(rs, c["subject"]["id"], derived, outcomes, NAME, as_of, digest_of_checked(c)))
        return reports


def leaf_values(program: Derivation, as_of: date, subjects: Sequence[Subject], leaves: list[int]
                ) -> dict[int, list[int | None]]:
    """The values of leaves without a columnar form, subject by subject, by their kinds' value functions."""
    day = program.day(as_of)
    found: dict[int, list[int | None]] = {}
    for index in leaves:
        fn, threshold, first = program.values[index], day.thresholds[index], day.starts[index]
        found[index] = [fn(s, threshold, first) for s in subjects]
    return found


def _frozen(items: list[str] | None) -> tuple[str, ...] | None:
    return None if items is None else tuple(items)
