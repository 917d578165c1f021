"""The durable engine's network, worked out in pure Python: the translation and its limits.

The loader checks a ruleset against durable-rules' limits before accepting it; that needs the
network the ruleset would become, but not the C extension, so the translation lives here and
``durable.py`` (which drives the extension) registers what this builds. ``durable.py``'s docstring
says how a ruleset maps onto durable-rules; the limits below were measured (see the notes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..ir import And, AtLeast, Chain, CompiledRuleset, Leaf, Node, Not, Or, RuleIR

# Limits measured on durable-rules 2.0.28 (see the notes); we stay strictly inside them.
MAX_RULES = 4096
MAX_FACT_PROPERTIES = 252
MAX_CONDITIONS_PER_FACT = 64
MAX_IDENTICAL_CONDITIONS = 255
MAX_DNF_TERMS = 512  # per rule and polarity: beyond this a condition is better split by its author

SENTINEL = "seen"  # the engine rule every session fires at least once (see build_network)

# A literal over the ``m`` fact: (leaf index, want_true); over an outcome: (rule id, want_true).
MLit = tuple[int, bool]
ChainLit = tuple[str, bool]
Term = tuple[frozenset[ChainLit], frozenset[MLit]]

MAX_PATTERN_EXPRESSIONS = 28  # durable-rules allows 32 expressions in one pattern (rete.h)
MAX_JOIN = 8  # outcome facts joined by one engine rule; wider conjunctions go through helper rules


class LimitExceeded(ValueError):
    pass


def _merge(terms: Iterable[Term]) -> list[Term]:
    """Deduplicate, drop contradictory and absorbed alternatives (A or A·B is A)."""
    unique: list[Term] = []
    seen: set[Term] = set()
    for chains, lits in terms:
        if any((r, not w) in chains for r, w in chains) or any((i, not w) in lits for i, w in lits):
            continue
        if (chains, lits) not in seen:
            seen.add((chains, lits))
            unique.append((chains, lits))
    kept = [t for t in unique if not any(o != t and o[0] <= t[0] and o[1] <= t[1] for o in unique)]
    if len(kept) > MAX_DNF_TERMS:
        raise LimitExceeded(f"a condition expands to {len(kept)} alternatives (at most {MAX_DNF_TERMS})")
    return kept


def dnf(node: Node, want: bool) -> list[Term]:
    """When ``node`` is definitely ``want`` (true or false): alternatives, each a set of literals."""
    if isinstance(node, Leaf):
        return [(frozenset(), frozenset({(node.index, want)}))]
    if isinstance(node, Chain):
        return [(frozenset({(node.rule, want)}), frozenset())]
    if isinstance(node, Not):
        return dnf(node.child, not want)
    if isinstance(node, AtLeast):
        k = len(node.children)
        # at least n true  ⇔  some n children all true;  definitely not  ⇔  some k-n+1 children all false.
        size = node.n if want else k - node.n + 1
        if size > k:
            return []  # more children than there are: never
        if size <= 0:
            return [(frozenset(), frozenset())]  # no child needed: always (at_least n of fewer than n is false)
        # Each alternative needs every child of one combination true (or, for "definitely not", false).
        group = And if want else Or  # Or is definitely false exactly when every child is
        alternatives = [group(combo) for combo in itertools.combinations(node.children, size)]
        return _merge(t for alt in alternatives for t in dnf(alt, want))
    conjunctive = isinstance(node, And) == want  # true-And and false-Or need every child
    parts = [dnf(child, want) for child in node.children]
    if not conjunctive:
        return _merge(t for p in parts for t in p)
    result: list[Term] = [(frozenset(), frozenset())]
    for p in parts:
        result = _merge((c1 | c2, l1 | l2) for c1, l1 in result for c2, l2 in p)
    return result


def _literal(lit: MLit, ops: Sequence[str]) -> dict[str, Any]:
    # Compared with a constant, not with another property ({"$m": …}): durable-rules defers
    # property-to-property tests to its join stage and overflows its 64-entry match stack.
    index, want = lit
    comparison = "$gte" if (ops[index] == "ge") == want else "$lt"
    return {comparison: {f"v{index}": 0}}


def _patterns(alternatives: list[frozenset[MLit]], ops: Sequence[str]) -> list[dict[str, Any]]:
    """m-fact patterns covering the alternatives, each within durable-rules' expression limit."""
    out: list[dict[str, Any]] = []
    group: list[dict[str, Any]] = []
    size = 0
    for lits in alternatives:
        if not lits:
            return [{"t": "m"}]  # an alternative needing nothing of m: the tag alone
        conj = [_literal(lit, ops) for lit in sorted(lits)]
        cost = len(conj) + 1
        if group and size + cost > MAX_PATTERN_EXPRESSIONS:
            out.append(_or_pattern(group))
            group, size = [], 0
        group.append(conj[0] if len(conj) == 1 else {"$and": conj})
        size += cost
    if group:
        out.append(_or_pattern(group))
    return out


def _or_pattern(group: list[dict[str, Any]]) -> dict[str, Any]:
    body = group[0] if len(group) == 1 else {"$or": group}
    return {"$and": [{"t": "m"}, body]}


@dataclass
class Network:
    """The durable-rules definition of one compiled ruleset, before registration."""

    definition: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_index: dict[str, int] = field(default_factory=dict)
    needed: set[ChainLit] = field(default_factory=set)  # outcomes some rule rests on
    m_conditions: int = 0


def build_network(rs: CompiledRuleset) -> Network:
    """The engine rules for ``rs``; each rule's ``run`` names what its firing means."""
    net = Network()
    ops = [leaf.op for leaf in rs.leaves]
    rules: list[RuleIR] = list(rs.all_rules())
    net.rule_index = {r.id: i for i, r in enumerate(rules)}
    helpers: dict[frozenset[ChainLit], int] = {}

    def chain_patterns(chains: frozenset[ChainLit]) -> list[dict[str, Any]]:
        """Join patterns for the outcomes an alternative needs, folding wide joins into helper facts."""
        lits = sorted(chains)
        if len(lits) <= MAX_JOIN:
            net.needed |= chains
            return [
                {"$and": [{"t": "o"}, {"r": net.rule_index[r]}, {"v": int(w)}]} for r, w in lits
            ]
        parts = [frozenset(lits[k:k + MAX_JOIN]) for k in range(0, len(lits), MAX_JOIN)]
        out = []
        for part in parts:
            if part not in helpers:
                helpers[part] = len(helpers)
                h = helpers[part]
                body = chain_patterns(part)
                net.definition[f"h{h}"] = {"all": [{f"c{k}": p} for k, p in enumerate(body)], "run": f"h{h}"}
            out.append({"$and": [{"t": "h"}, {"h": helpers[part]}]})
        return out

    for i, rule in enumerate(rules):
        for want in (True, False):
            action = f"r{i}{'T' if want else 'F'}"
            by_chains: dict[frozenset[ChainLit], list[frozenset[MLit]]] = {}
            for chains, lits in dnf(rule.formula, want):
                by_chains.setdefault(chains, []).append(lits)
            n = 0
            for chains, alternatives in by_chains.items():
                joined = chain_patterns(chains)
                for m_pattern in _patterns(alternatives, ops):
                    net.m_conditions += 1
                    patterns = [{"m": m_pattern}] + [{f"c{k}": p} for k, p in enumerate(joined)]
                    net.definition[f"{action}_{n}"] = {"all": patterns, "run": action}
                    n += 1
    # A deadline case carries, in days, answered − due ("ad", when answered: "ans" = 1) and
    # as_of − due ("od"). Every property is always present and compared with a constant:
    # "$nex" and property-to-property ("$m") tests crash durable-rules 2.0.28 when a fact of
    # another type (our "m") lacks the property (measured: free(): invalid pointer on delete_state).
    deadline_rules = {
        "met": [{"ans": 1}, {"$lte": {"ad": 0}}],
        "overdue": [{"ans": 1}, {"$gt": {"ad": 0}}],
        "late": [{"ans": 0}, {"$gt": {"od": 0}}],
        "pending": [{"ans": 0}, {"$lte": {"od": 0}}],
    }
    # durable-rules 2.0.28 leaves a session's action context uninitialised until an action runs,
    # and delete_state then frees garbage (measured: free(): invalid pointer / segfault for a
    # subject whose facts fire nothing). This rule fires once in every session on the m fact.
    net.definition[SENTINEL] = {"all": [{"m": {"t": "m"}}], "run": SENTINEL}
    if rs.deadlines:
        for status, conditions in deadline_rules.items():
            net.definition[f"d_{status}"] = {"all": [{"m": {"$and": [{"t": "d"}, *conditions]}}], "run": f"d_{status}"}
    return net


def dnf_bound(node: Node, want: bool) -> int:
    """An upper bound on ``len(dnf(node, want))``, worked out without building any alternative.

    Counts before deduplication and absorption, so never below the real size; past
    ``MAX_DNF_TERMS`` it stops growing (the caller only needs to know it is too many), which
    keeps the numbers small however wide the condition.
    """
    cap = MAX_DNF_TERMS + 1
    if isinstance(node, Leaf | Chain):
        return 1
    if isinstance(node, Not):
        return dnf_bound(node.child, not want)
    bounds = [dnf_bound(child, want) for child in node.children]
    if isinstance(node, AtLeast):
        k = len(bounds)
        size = node.n if want else k - node.n + 1
        if size > k:
            return 0 if want else 1
        if size <= 0:  # more required than there are children: definitely not, always
            return 1
        # C(k, size) combinations, each a conjunction of ``size`` children: at most the largest ones'.
        largest = sorted(bounds, reverse=True)[:size]
        return min(cap, math.comb(k, size) * _capped_product(largest, cap))
    if isinstance(node, And) == want:  # true-And and false-Or need every child: products
        return _capped_product(bounds, cap)
    return min(cap, sum(bounds))


def _capped_product(factors: list[int], cap: int) -> int:
    out = 1
    for f in factors:
        out = min(cap, out * f)
    return 0 if 0 in factors else out


def check_limits(rs: CompiledRuleset) -> list[str]:
    """Why durable-rules could not safely run this ruleset (empty when it can).

    The size of each condition's normal form is bounded arithmetically first, so a combinatorial
    condition (``at_least: 12 of 28``) is refused at once instead of after enumerating millions
    of combinations.
    """
    for rule in rs.all_rules():
        for want in (True, False):
            if dnf_bound(rule.formula, want) > MAX_DNF_TERMS:
                return [f"the condition of {rule.id} may expand to more than {MAX_DNF_TERMS} alternatives"]
    try:
        return limit_problems(rs, build_network(rs))
    except LimitExceeded as exc:
        return [str(exc)]


def limit_problems(rs: CompiledRuleset, net: Network) -> list[str]:
    problems = []
    if len(net.definition) > MAX_RULES:
        problems.append(f"{len(net.definition)} engine rules (at most {MAX_RULES})")
    properties = 3 + len(rs.leaves)
    if properties > MAX_FACT_PROPERTIES:
        problems.append(
            f"{len(rs.leaves)} derived values need {properties} fact properties (at most {MAX_FACT_PROPERTIES})"
        )
    # A true and a false alternative of one rule never match together, so at most half the
    # m-conditions can match one fact at once.
    if (net.m_conditions + 1) // 2 > MAX_CONDITIONS_PER_FACT:
        problems.append(
            f"about {net.m_conditions // 2} conditions may match one fact (at most {MAX_CONDITIONS_PER_FACT})"
        )
    shapes: dict[str, int] = {}
    for rule in net.definition.values():
        key = repr(rule["all"])
        shapes[key] = shapes.get(key, 0) + 1
    if shapes and max(shapes.values()) > MAX_IDENTICAL_CONDITIONS:
        problems.append(
            f"{max(shapes.values())} engine rules share one condition (at most {MAX_IDENTICAL_CONDITIONS})"
        )
    return problems
