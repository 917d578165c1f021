"""The pipeline for one subject: validate facts → derive → decide (engine) → report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .dates import date_in_range
from .derive import derive
from .digest import digest_of_checked
from .engines import get_engine
from .errors import FactsError, Problem
from .facts import Facts, facts_data
from .ir import CompiledRuleset
from .limits import MAX_DATE, MIN_DATE
from .loader import load_ruleset
from .messages import Lang, Msg
from .report import Report, Writer, Written, build_report, report_json


def evaluate(
    ruleset: CompiledRuleset | str | Path,
    facts: Facts | Mapping[str, Any] | str | bytes,
    as_of: date | None = None,
    engine: str = "durable",
    *,
    lang: Lang = "zh",
) -> Report:
    """Judge one subject under one ruleset on ``as_of`` (default: today).

    Bad facts, or an ``as_of`` outside ``limits.MIN_DATE``..``MAX_DATE``, raise ``FactsError``
    worded in ``lang`` (Chinese by default, ``"en"`` for English). Never mutates its inputs; safe
    to call from several threads at once.

    >>> import ecredit_rules as ec
    >>> report = ec.evaluate(ec.load_ruleset("tuquan"), {"subject": {"id": "S1"}, "events": []},
    ...                      as_of=date(2024, 6, 30), engine="compiled")
    >>> report.in_force, [v.rule for v in report.verdicts]
    (True, [])
    """
    return evaluate_written(ruleset, facts, as_of, engine, lang, build_report)


def evaluate_json(
    ruleset: CompiledRuleset | str | Path,
    facts: Facts | Mapping[str, Any] | str | bytes,
    as_of: date | None = None,
    engine: str = "durable",
    *,
    lang: Lang = "zh",
) -> bytes:
    """``evaluate(...).to_json()`` in UTF-8, the same bytes, written without building the report's
    models (``report.report_json``): for callers that only pass the JSON on, such as ``ecredit batch``.

    >>> import ecredit_rules as ec
    >>> facts = {"subject": {"id": "S1"}, "events": []}
    >>> evaluate_json("tuquan", facts, date(2024, 6, 30), "compiled") == ec.evaluate(
    ...     "tuquan", facts, date(2024, 6, 30), "compiled").to_json().encode()
    True
    """
    return evaluate_written(ruleset, facts, as_of, engine, lang, report_json)


def evaluate_written(
    ruleset: CompiledRuleset | str | Path,
    facts: Facts | Mapping[str, Any] | str | bytes,
    as_of: date | None,
    engine: str,
    lang: Lang,
    write: Writer[Written],
) -> Written:
    """``evaluate`` with the report written by ``write`` (``report.build_report`` or ``report.report_json``)."""
    rs = ruleset if isinstance(ruleset, CompiledRuleset) else load_ruleset(ruleset)
    name = get_engine(engine).name
    day = as_of if as_of is not None else date.today()
    check_as_of(day, lang)
    checked = facts_data(facts, lang=lang)
    return _judged(rs, checked, digest_of_checked(checked), day, name, write)


def evaluate_checked(rs: CompiledRuleset, checked: dict[str, Any], digest: str, day: date, engine: str) -> Report:
    """``evaluate`` of facts already validated (``facts_data``) with their digest, on a checked ``day``:
    ``compare`` validates and digests a subject once for all its rulesets."""
    return _judged(rs, checked, digest, day, engine, build_report)


def _judged(rs: CompiledRuleset, checked: dict[str, Any], digest: str, day: date, engine: str,
            write: Writer[Written]) -> Written:
    machine = get_engine(engine)
    subject_id = checked["subject"]["id"]
    if not rs.in_force(day):
        return write(rs, subject_id, None, None, machine.name, day, digest)
    derived = derive(rs, checked, day)
    return write(rs, subject_id, derived, machine.decide(rs, derived), machine.name, day, digest)


def check_as_of(day: date, lang: Lang = "zh") -> None:
    """Raise ``FactsError`` (path ``as_of``) for a day of evaluation outside the accepted dates."""
    if not date_in_range(day):
        message = Msg("as_of_range", value=day.isoformat(), first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat())
        raise FactsError([Problem("as_of", message.render(lang))])
