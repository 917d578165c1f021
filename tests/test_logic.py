"""The one Kleene evaluator (``logic.py``) and the durable engine's translation of it agree."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit_rules.conditions import KINDS
from ecredit_rules.conditions.subject_facts import RoleIs
from ecredit_rules.engines.durable_network import Term, dnf
from ecredit_rules.ir import And, AtLeast, Chain, Leaf, Node, Not, Or, threshold_fn
from ecredit_rules.logic import FALSE, TRUE, UNKNOWN, Closures, closure

LEAVES = tuple(
    Leaf(i, RoleIs(role="goods_operator"), KINDS["role"], "ge", threshold_fn(1, {}))  # type: ignore[arg-type]
    for i in range(3)
)
RULES = ("r.a", "r.b")
TRUTHS = st.sampled_from((FALSE, UNKNOWN, TRUE))


def _nodes() -> st.SearchStrategy[Node]:
    base = st.sampled_from(LEAVES) | st.sampled_from([Chain(r) for r in RULES])

    def extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
        many = st.lists(children, min_size=1, max_size=4).map(tuple)
        return (
            many.map(And)
            | many.map(Or)
            | children.map(Not)
            | many.flatmap(lambda kids: st.integers(1, len(kids) + 1).map(lambda n: AtLeast(n, kids)))
        )

    return st.recursive(base, extend, max_leaves=8)


def _holds(term: Term, leaves: list[int], outcomes: dict[str, int]) -> bool:
    chains, lits = term
    want = {True: TRUE, False: FALSE}
    return all(outcomes[r] == want[w] for r, w in chains) and all(leaves[i] == want[w] for i, w in lits)


@settings(max_examples=400, deadline=None)
@given(node=_nodes(), leaves=st.lists(TRUTHS, min_size=3, max_size=3), a=TRUTHS, b=TRUTHS)
def test_durable_translation_is_definitely_true_or_false_exactly_when_the_evaluator_says(
    node: Node, leaves: list[int], a: int, b: int
) -> None:
    outcomes = {"r.a": a, "r.b": b}
    value = closure(node)(leaves, outcomes)
    assert any(_holds(t, leaves, outcomes) for t in dnf(node, True)) == (value == TRUE)
    assert any(_holds(t, leaves, outcomes) for t in dnf(node, False)) == (value == FALSE)


def test_and_is_the_lowest_child_and_or_the_highest() -> None:
    for x, y in itertools.product((FALSE, UNKNOWN, TRUE), repeat=2):
        leaves = [x, y]
        assert closure(And(LEAVES[:2]))(leaves, {}) == min(x, y)
        assert closure(Or(LEAVES[:2]))(leaves, {}) == max(x, y)


def test_not_keeps_unknown_unknown() -> None:
    assert closure(Not(LEAVES[0]))([UNKNOWN], {}) == UNKNOWN
    assert closure(Not(LEAVES[0]))([TRUE], {}) == FALSE


def test_at_least_is_unknown_while_the_unknown_children_could_still_reach_n() -> None:
    node = AtLeast(2, LEAVES)
    assert closure(node)([TRUE, UNKNOWN, FALSE], {}) == UNKNOWN
    assert closure(node)([TRUE, TRUE, UNKNOWN], {}) == TRUE
    assert closure(node)([TRUE, FALSE, FALSE], {}) == FALSE


def test_closures_of_an_inner_node_are_built_once() -> None:
    node = Or((LEAVES[0], Not(Chain("r.a"))))
    closures = Closures()
    assert closures.truth(node, [FALSE], {"r.a": FALSE}) == TRUE
    assert closures.truth(node, [FALSE], {"r.a": TRUE}) == FALSE
    assert len(closures._by_node) == 1
