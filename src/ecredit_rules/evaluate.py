"""The pipeline for one subject: validate facts → derive → decide (engine) → report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .derive import derive
from .digest import digest_of_checked
from .engines import get_engine
from .facts import Facts, facts_data
from .ir import CompiledRuleset
from .loader import load_ruleset
from .report import Report, build_report


def evaluate(
    ruleset: CompiledRuleset | str | Path,
    facts: Facts | Mapping[str, Any] | str | bytes,
    as_of: date | None = None,
    engine: str = "durable",
) -> Report:
    """Judge one subject under one ruleset on ``as_of`` (default: today).

    Never mutates its inputs; safe to call from several threads at once.

    >>> import ecredit_rules as ec
    >>> report = ec.evaluate(ec.load_ruleset("tuquan"), {"subject": {"id": "S1"}, "events": []},
    ...                      as_of=date(2024, 6, 30), engine="compiled")
    >>> report.in_force, [v.rule for v in report.verdicts]
    (True, [])
    """
    rs = ruleset if isinstance(ruleset, CompiledRuleset) else load_ruleset(ruleset)
    machine = get_engine(engine)
    checked = facts_data(facts)
    subject_id = checked["subject"]["id"]
    day = as_of if as_of is not None else date.today()
    digest = digest_of_checked(checked)
    if not rs.in_force(day):
        return build_report(rs, subject_id, None, None, machine.name, day, digest)
    derived = derive(rs, checked, day)
    outcomes = machine.decide(rs, derived)
    return build_report(rs, subject_id, derived, outcomes, machine.name, day, digest)
