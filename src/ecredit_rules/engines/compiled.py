"""The ``compiled`` engine: each rule's condition as nested Python closures, built once per ruleset."""

from __future__ import annotations

from datetime import date

from ..derive import DeadlineCase, Derived
from ..ir import ArtefactKey, CompiledRuleset
from ..logic import Check, closure
from . import DeadlineStatus, Outcomes


def deadline_status(due: date, answered: date | None, as_of: date) -> DeadlineStatus:
    if answered is not None:
        return "met" if answered <= due else "overdue"
    return "overdue" if due < as_of else "pending"


class _Program:
    def __init__(self, rs: CompiledRuleset) -> None:
        # Rules come after the rules they rest on, so a chained outcome is decided before it is read.
        self.rules: tuple[tuple[str, Check], ...] = tuple((rule.id, closure(rule.formula)) for rule in rs.all_rules())


PROGRAM = ArtefactKey("compiled", _Program)


class CompiledEngine:
    name = "compiled"

    def decide(self, rs: CompiledRuleset, derived: Derived) -> Outcomes:
        program = rs.artefact(PROGRAM)
        leaves = derived.truths()
        outcomes: dict[str, int] = {}
        for rule_id, check in program.rules:
            outcomes[rule_id] = check(leaves, outcomes)
        cases: tuple[DeadlineCase, ...] = derived.deadlines or ()
        statuses = tuple(
            deadline_status(c.due, c.answer["date"] if c.answer else None, derived.as_of) for c in cases
        )
        return Outcomes(outcomes, statuses)
