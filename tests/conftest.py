"""Shared fixtures: every evaluation in the tests runs on both engines and must agree."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import ecredit_rules as ec


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
