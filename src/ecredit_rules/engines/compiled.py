"""The ``compiled`` engine: each rule's condition as nested Python closures, built once per ruleset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from ..derive import DeadlineCase, Derived
from ..ir import FALSE, TRUE, UNKNOWN, And, Chain, CompiledRuleset, Leaf, Node, Not, Or
from . import DeadlineStatus, Outcomes

Check = Callable[[list[int], dict[str, int]], int]


def _closure(node: Node) -> Check:
    if isinstance(node, Leaf):
        index = node.index
        return lambda leaves, _outcomes: leaves[index]
    if isinstance(node, Chain):
        rule = node.rule
        return lambda _leaves, outcomes: outcomes.get(rule, UNKNOWN)
    if isinstance(node, And):
        parts = tuple(_closure(c) for c in node.children)
        return lambda leaves, outcomes: min(p(leaves, outcomes) for p in parts)
    if isinstance(node, Or):
        parts = tuple(_closure(c) for c in node.children)
        return lambda leaves, outcomes: max(p(leaves, outcomes) for p in parts)
    if isinstance(node, Not):
        inner = _closure(node.child)
        return lambda leaves, outcomes: TRUE - inner(leaves, outcomes)
    parts = tuple(_closure(c) for c in node.children)
    n = node.n

    def at_least(leaves: list[int], outcomes: dict[str, int]) -> int:
        values = [p(leaves, outcomes) for p in parts]
        if values.count(TRUE) >= n:
            return TRUE
        return FALSE if len(values) - values.count(FALSE) < n else UNKNOWN

    return at_least


def deadline_status(due: date, answered: date | None, as_of: date) -> DeadlineStatus:
    if answered is not None:
        return "met" if answered <= due else "overdue"
    return "overdue" if due < as_of else "pending"


class _Program:
    def __init__(self, rs: CompiledRuleset) -> None:
        self.ops = tuple((leaf.op == "ge") for leaf in rs.leaves)
        self.rules = tuple((rule.id, _closure(rule.formula)) for rule in rs.all_rules())


class CompiledEngine:
    name = "compiled"

    def decide(self, rs: CompiledRuleset, derived: Derived) -> Outcomes:
        program = rs.engine_artefact("compiled", lambda: _Program(rs))
        assert isinstance(program, _Program)
        leaves = [
            UNKNOWN if v is None else (TRUE if (v >= t if ge else v < t) else FALSE)
            for v, t, ge in zip(derived.values, derived.thresholds, program.ops, strict=True)
        ]
        outcomes: dict[str, int] = {}
        for rule_id, check in program.rules:
            outcomes[rule_id] = check(leaves, outcomes)
        cases: tuple[DeadlineCase, ...] = derived.deadlines or ()
        statuses = tuple(
            deadline_status(c.due, c.answer.date if c.answer else None, derived.as_of) for c in cases
        )
        return Outcomes(outcomes, statuses)
