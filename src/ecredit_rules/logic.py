"""The one three-valued (Kleene) evaluator of the intermediate form.

A node's truth is FALSE, UNKNOWN or TRUE, ordered so that AND is the lowest child and OR the
highest; NOT swaps TRUE and FALSE; ``at_least n`` is TRUE when n children are, FALSE when fewer
than n can still be. Every node is evaluated from two things: the truths of the leaves (a
sequence by leaf index) and the outcomes of other rules (a mapping by rule id, for chains).

The compiled engine decides rules with these closures, the report explains its verdicts with
them, and lint searches for contradictions with them; the durable engine's translation into
disjunctive normal form is tested against them (``tests/test_logic.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from .ir import And, AtLeast, Chain, Leaf, Node, Not, Or

# Kleene truth values, ordered so that AND is min and OR is max.
FALSE, UNKNOWN, TRUE = 0, 1, 2

Check = Callable[[Sequence[int], Mapping[str, int]], int]
"""A node as a function of the leaves' truths and the outcomes of the rules it rests on."""


def closure(node: Node) -> Check:
    """``node`` as a function of the leaves' truths and the outcomes decided so far.

    >>> closure(Or((Chain("a"), Not(Chain("b")))))([], {"a": UNKNOWN, "b": FALSE}) == TRUE
    True
    """
    if isinstance(node, Leaf):
        index = node.index
        return lambda leaves, _outcomes: leaves[index]
    if isinstance(node, Chain):
        rule = node.rule
        return lambda _leaves, outcomes: outcomes[rule]
    if isinstance(node, Not):
        inner = closure(node.child)
        return lambda leaves, outcomes: TRUE - inner(leaves, outcomes)
    if isinstance(node, And | Or):
        return _connective(node)
    return _at_least(node)


def _at_least(node: AtLeast) -> Check:
    parts = tuple(closure(c) for c in node.children)
    n = node.n

    def at_least(leaves: Sequence[int], outcomes: Mapping[str, int]) -> int:
        values = [p(leaves, outcomes) for p in parts]
        if values.count(TRUE) >= n:
            return TRUE
        return FALSE if len(values) - values.count(FALSE) < n else UNKNOWN

    return at_least


def _connective(node: And | Or) -> Check:
    """Kleene AND (the lowest child: a FALSE settles it) or OR (the highest: a TRUE settles it).

    Leaf and chained-rule children are read in place rather than through a closure each: the
    connectives are where a ruleset spends its evaluation.
    """
    leaf_indexes = tuple(c.index for c in node.children if isinstance(c, Leaf))
    chained = tuple(c.rule for c in node.children if isinstance(c, Chain))
    others = tuple(closure(c) for c in node.children if not isinstance(c, Leaf | Chain))
    # With the settling value taken out, a child is either UNKNOWN or the neutral value (TRUE for
    # AND, FALSE for OR), so the result is UNKNOWN as soon as one child is.
    settled, neutral = (FALSE, TRUE) if isinstance(node, And) else (TRUE, FALSE)

    # Three loops of one shape: chaining the children into one iterator costs three times the
    # decision (measured with callgrind on 突泉), and the closure runs for every rule of every subject.
    def connective(leaves: Sequence[int], outcomes: Mapping[str, int]) -> int:
        result = neutral
        for i in leaf_indexes:
            v = leaves[i]
            if v == settled:
                return settled
            if v == UNKNOWN:
                result = UNKNOWN
        for rule in chained:
            v = outcomes[rule]
            if v == settled:
                return settled
            if v == UNKNOWN:
                result = UNKNOWN
        for part in others:
            v = part(leaves, outcomes)
            if v == settled:
                return settled
            if v == UNKNOWN:
                result = UNKNOWN
        return result

    return connective


class Closures:
    """The closure of every node asked about, built on first use (nodes of one ruleset are shared)."""

    __slots__ = ("_by_node",)

    def __init__(self) -> None:
        # By identity: the tree is immutable and kept alive by its ruleset (the node is kept too).
        self._by_node: dict[int, tuple[Node, Check]] = {}

    def truth(self, node: Node, leaves: Sequence[int], outcomes: Mapping[str, int]) -> int:
        """The truth of ``node``."""
        found = self._by_node.get(id(node))
        if found is None:
            found = self._by_node.setdefault(id(node), (node, closure(node)))
        return found[1](leaves, outcomes)
