"""One input record in, one output record out: a report, or the record's error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import FactsError, Problem
from ..evaluate import evaluate_written
from ..ir import CompiledRuleset
from ..messages import Lang, Msg
from ..report import Report, Writer, Written, build_report, report_json
from ..surrogates import json_escaped


@dataclass(frozen=True)
class RecordError:
    """A record ``evaluate_many`` or ``ecredit batch`` refused: its position, subject id (if readable) and problems.

    >>> RecordError(4, "S1", (Problem("events[0].date", "bad"),)).to_json()
    '{"index": 4, "subject": "S1", "error": {"problems": [{"path": "events[0].date", "message": "bad"}]}}'
    """

    index: int
    subject: str | None
    problems: tuple[Problem, ...]

    def to_json(self) -> str:
        """The error record of CONTRACT §6, on one line."""
        problems = [{"path": p.where, "message": p.message} for p in self.problems]
        text = json.dumps(
            {"index": self.index, "subject": self.subject, "error": {"problems": problems}}, ensure_ascii=False
        )
        # JSON text may name a lone surrogate ("\ud800"), which Python reads but UTF-8 cannot hold: such
        # a subject id, echoed here, is escaped again as JSON allows, or the output could not be written.
        return json_escaped(text)


# A record as it arrives: JSON text (a JSON Lines line), a facts dict (built from Parquet columns or
# given by a caller), an ``ec.Facts``, or a problem found before it could be read at all.
Raw = Any


class Unreadable:
    """A record that could not even be read (a line too long, events that do not add up): its problems.

    Each problem is a fact path and a ``Msg``, worded in the run's language when the record is judged.
    """

    __slots__ = ("problems", "subject")

    def __init__(self, problems: list[tuple[str, Msg]], subject: str | None = None) -> None:
        self.problems = problems
        self.subject = subject

    def worded(self, lang: Lang) -> tuple[Problem, ...]:
        return tuple(Problem(where, msg.render(lang)) for where, msg in self.problems)


def judge(
    rs: CompiledRuleset, index: int, raw: Raw, as_of: date, engine: str, lang: Lang = "zh"
) -> Report | RecordError:
    """The report for one record, or its ``RecordError``; never raises for bad input."""
    return judge_written(rs, index, raw, as_of, engine, lang, build_report)


def judge_json(
    rs: CompiledRuleset, index: int, raw: Raw, as_of: date, engine: str, lang: Lang = "zh"
) -> bytes | RecordError:
    """``judge``, with the report as its JSON in UTF-8 (``report.report_json``: no models built)."""
    return judge_written(rs, index, raw, as_of, engine, lang, report_json)


def judge_written(
    rs: CompiledRuleset, index: int, raw: Raw, as_of: date, engine: str, lang: Lang, write: Writer[Written]
) -> Written | RecordError:
    """``judge`` with the report written by ``write`` (``report.build_report`` or ``report.report_json``)."""
    if isinstance(raw, Unreadable):
        return RecordError(index, raw.subject, raw.worded(lang))
    if isinstance(raw, str | bytes) and not raw.strip():
        return RecordError(index, None, (Problem("(json)", Msg("batch_empty_line").render(lang)),))
    try:
        return evaluate_written(rs, raw, as_of, engine, lang, write)
    except FactsError as err:
        return RecordError(index, subject_id(raw), err.problems)
    except Exception as exc:  # a bug must not cost the night's other records: this record says so instead
        detail = f"{type(exc).__name__}: {exc}"
        return RecordError(index, subject_id(raw), (Problem("(facts)", Msg("batch_internal_error", detail=detail)
                                                                       .render(lang)),))


def subject_id(raw: Raw) -> str | None:
    """``subject.id`` of a record when it is readable text, else None (only computed for refused records)."""
    obj = raw
    if isinstance(raw, str | bytes):
        try:
            obj = json.loads(raw)
        except (ValueError, RecursionError):
            return None
    if hasattr(obj, "subject") and not isinstance(obj, dict):  # an ec.Facts
        return str(obj.subject.id)
    subject = obj.get("subject") if isinstance(obj, dict) else None
    sid = subject.get("id") if isinstance(subject, dict) else None
    return sid if isinstance(sid, str) else None


def output_line(result: Report | RecordError) -> str:
    """The JSON Lines line of one result (without its newline)."""
    return result.to_json()
