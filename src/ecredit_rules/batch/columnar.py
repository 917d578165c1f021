"""The columnar engine (issue 14 item 3), EXPERIMENTAL: a whole partition decided on polars columns.

Not offered by ``ecredit batch`` yet (``get_engine("columnar")`` refuses it with a plain message):
it is wired in only once its output agrees byte for byte with the per-subject engines on the
generated corpus at scale (``tests/test_columnar.py`` checks a few hundred subjects).

How a partition is judged:

1. every record goes through the same validation as today (``facts_data``); a refused record is
   judged by ``records.judge`` so its error record is the one the other engines give;
2. the valid records' events become one polars table (a row per event dated on or before as_of);
3. each leaf whose kind opts in (``columnar_leaf.ColumnarLeaf``: ``columnar_counts(spec)``) is a group-by over that
   table giving each subject's value; other leaves use their kind's per-subject value function;
4. the Kleene decision runs over the intermediate form as polars expressions, one column per rule
   (AND = min, OR = max, NOT = 2 − x, at_least by counting TRUE and non-FALSE children);
5. reports are assembled at the end by ``report.build_report``, the builder every engine uses, from
   the decided outcomes — so evidence, undetermined paths and ratings are worded by the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import polars as pl

from ..dates import date_in_range
from ..derive import DERIVATION, Derived
from ..digest import digest_of_checked
from ..engines import Outcomes
from ..engines.compiled import deadline_status
from ..facts import facts_data
from ..ir import And, AtLeast, Chain, CompiledRuleset, Leaf, Node, Not, Or
from ..logic import FALSE, TRUE, UNKNOWN
from ..messages import Lang
from ..report import build_report
from ..subject import Subject
from .columnar_leaf import ColumnarLeaf, EventFilter
from .records import Raw, RecordError, Unreadable, judge

if TYPE_CHECKING:
    from ..report import Report

NAME = "columnar"


EVENT_SCHEMA = {"row": pl.Int64, "type": pl.Utf8, "act": pl.Utf8, "grade": pl.Utf8, "date": pl.Date}


def events_table(subjects: Sequence[Subject]) -> pl.DataFrame:
    """One row per event dated on or before as_of, of every subject with events."""
    rows: list[int] = []
    types: list[str] = []
    acts: list[str | None] = []
    grades: list[str | None] = []
    dates: list[date] = []
    for i, s in enumerate(subjects):
        for by_act in (s.events or {}).values():
            for bucket in by_act.values():
                for e in bucket:
                    rows.append(i)
                    types.append(e["type"])
                    acts.append(e.get("act"))
                    grades.append(e.get("grade"))
                    dates.append(e["date"])
    return pl.DataFrame({"row": rows, "type": types, "act": acts, "grade": grades, "date": dates},
                        schema=EVENT_SCHEMA)


def events_counts(table: pl.DataFrame, types: list[str], acts: list[str] | None, grades: list[str] | None,
                  start: date | None) -> pl.DataFrame:
    """Per subject row: events surely counted (``low``) and possibly counted (``high``), as ``subject.counter``."""
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
    return (table.filter(keep)
            .group_by("row")
            .agg(pl.len().alias("high"), (~unknown).sum().alias("low")))


def decide_columns(rs: CompiledRuleset, truths: pl.DataFrame) -> pl.DataFrame:
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
        """One result per record, in order; byte-identical (``engine`` aside) to the per-subject engines."""
        results: list[Report | RecordError | None] = [None] * len(raws)
        valid: list[tuple[int, dict[str, Any]]] = []
        for i, raw in enumerate(raws):
            checked = None
            if date_in_range(as_of) and not isinstance(raw, Unreadable):
                try:
                    checked = facts_data(raw, lang=lang)
                except Exception:
                    checked = None
            if checked is None:  # refused: the error record every engine gives
                results[i] = judge(rs, start + i, raw, as_of, "compiled", lang)
            else:
                valid.append((i, checked))
        if not rs.in_force(as_of):
            for i, checked in valid:
                results[i] = build_report(rs, checked["subject"]["id"], None, None, NAME, as_of,
                                          digest_of_checked(checked))
        elif valid:
            for (i, _), report in zip(valid, self._reports(rs, [c for _, c in valid], as_of), strict=True):
                results[i] = report
        return [r for r in results if r is not None]

    def _reports(self, rs: CompiledRuleset, checked: list[dict[str, Any]], as_of: date) -> list[Report]:
        program = rs.artefact(DERIVATION)
        day = program.day(as_of)
        subjects = [Subject(c, as_of) for c in checked]
        table = events_table(subjects)
        n = len(subjects)
        columns: dict[str, list[int]] = {}
        values: list[list[int | None]] = []
        for index, leaf in enumerate(rs.leaves):
            threshold, first = day.thresholds[index], day.starts[index]
            got: list[int | None]
            if isinstance(leaf.kind, ColumnarLeaf):
                counts = leaf.kind.columnar_counts(leaf.spec)
                got = self._counted(table, subjects, counts, threshold, first)
            else:
                fn = program.values[index]
                got = [fn(s, threshold, first) for s in subjects]
            values.append(got)
            ge = program.ge[index]
            columns[f"l{index}"] = [
                UNKNOWN if v is None else (TRUE if (v >= threshold if ge else v < threshold) else FALSE) for v in got
            ]
        frame = decide_columns(rs, pl.DataFrame(columns, schema={k: pl.Int8 for k in columns}, height=n))
        rule_ids = [rule.id for rule in rs.all_rules()]
        decided = frame.select([f"r:{r}" for r in rule_ids]).rows() if rule_ids else [()] * n
        reports = []
        for row, (s, c) in enumerate(zip(subjects, checked, strict=True)):
            derived = Derived(program, s, as_of, tuple(v[row] for v in values))
            cases = derived.deadlines or ()
            statuses = tuple(deadline_status(k.due, k.answer["date"] if k.answer else None, as_of) for k in cases)
            outcomes = Outcomes(dict(zip(rule_ids, decided[row], strict=True)), statuses)
            reports.append(build_report(rs, c["subject"]["id"], derived, outcomes, NAME, as_of, digest_of_checked(c)))
        return reports

    @staticmethod
    def _counted(table: pl.DataFrame, subjects: list[Subject], counts: EventFilter, threshold: int,
                 first: date | None) -> list[int | None]:
        types, acts, grades = counts
        agg = events_counts(table, types, acts, grades, first)
        low = [0] * len(subjects)
        high = [0] * len(subjects)
        for row, hi, lo in agg.select("row", "high", "low").iter_rows():
            low[row], high[row] = lo, hi
        # decided(): the count when the unknown events cannot change the outcome of ≥ threshold.
        return [
            None if s.events is None else (low[i] if low[i] >= threshold or high[i] < threshold else None)
            for i, s in enumerate(subjects)
        ]
