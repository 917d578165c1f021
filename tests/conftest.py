"""Shared fixtures: every evaluation in the tests runs on both engines and must agree."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

import ecredit_rules as ec
from ecredit_rules.bundled import rules_dir


@pytest.fixture(scope="session")
def rulesets() -> dict[str, ec.Ruleset]:
    return {}


def _load(cache: dict[str, ec.Ruleset], name: str) -> ec.Ruleset:
    if name not in cache:
        cache[name] = ec.load_ruleset(name)
    return cache[name]


def evaluate_both(rs: ec.Ruleset, facts: Any, as_of: date) -> ec.Report:
    """Evaluate with both engines, assert the reports are identical but for the engine name."""
    durable = ec.evaluate(rs, facts, as_of=as_of, engine="durable")
    compiled = ec.evaluate(rs, facts, as_of=as_of, engine="compiled")
    assert durable.model_dump(exclude={"engine"}) == compiled.model_dump(exclude={"engine"})
    return durable


@pytest.fixture(scope="session")
def judge(rulesets: dict[str, ec.Ruleset]):
    """``judge("tuquan", facts, date)`` → the report, checked on both engines."""

    def run(name: str, facts: Any, as_of: date) -> ec.Report:
        return evaluate_both(_load(rulesets, name), facts, as_of)

    return run


def fired(report: ec.Report) -> set[str]:
    return {v.rule for v in report.verdicts}


def subject(**extra: Any) -> dict[str, Any]:
    """A minimal fully-known subject; override fields with keyword arguments."""
    base: dict[str, Any] = {
        "id": "91150000TEST00001X",
        "name": "测试电商有限公司",
        "roles": ["goods_operator"],
        "legal_form": "enterprise",
        "licensed": True,
        "lists": [],
    }
    base.update(extra)
    return base


def event(eid: str, etype: str, day: str, act: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": eid, "type": etype, "date": day}
    if act is not None:
        out["act"] = act
    out.update(extra)
    return out


def facts(*events: dict[str, Any], roles: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """Facts of a :func:`subject` (``subject={...}`` overrides its fields, ``roles=`` its roles) with ``events``;
    other keyword arguments are further top-level facts (``compliance=``, ``retention_days=``, …)."""
    subj = extra.pop("subject", {})
    if roles is not None:
        subj = {**subj, "roles": roles}
    out: dict[str, Any] = {"subject": subject(**subj), "events": list(events)}
    out.update(extra)
    return out


def verdict(report: ec.Report, rule: str) -> ec.Verdict:
    """The verdict of ``rule``, which must be there."""
    return next(v for v in report.verdicts if v.rule == rule)


def undetermined(report: ec.Report, rule: str) -> list[str] | None:
    """The facts ``rule`` is missing, or None if it is not undetermined."""
    return next((u.missing for u in report.undetermined if u.rule == rule), None)


# --- editing a copy of rules/tuquan.yaml (test_lint, test_loader_errors) -------------------------------------

TUQUAN_YAML = (rules_dir() / "tuquan.yaml").read_text(encoding="utf-8")

# The rule of 第十一条第（四）项, written on one line, which several tests edit.
TUQUAN_ITEM4 = (
    "events: {types: [penalty], acts: [contract_fraud], within_months: {param: window_months}, "
    "at_least: {param: repeat_penalties}}"
)


def edit(text: str, old: str, new: str) -> str:
    """Replace the first occurrence of ``old``, which must be there.

    A fragment of a rule may be written at a rule's own depth (keys at four spaces); when it is not
    found there it is looked for four spaces deeper, where rules stand under their clause, and
    ``new`` is indented alike.
    """
    if old not in text and _deeper(old) in text:
        old, new = _deeper(old), _deeper(new)
    assert old in text, f"the example file no longer contains {old!r}"
    return text.replace(old, new, 1)


def _deeper(fragment: str) -> str:
    return "".join("    " + line if line.startswith("  ") else line for line in fragment.splitlines(keepends=True))


def write(tmp_path: Path, text: str, name: str = "tuquan.yaml") -> Path:
    """Write ``text`` to ``tmp_path/name``; a copy of tuquan must keep the name (the loader requires it)."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str, after: int = 0) -> int:
    """1-based number of the first line after line ``after`` that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")
