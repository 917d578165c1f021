"""The ``durable`` engine: the ruleset as a durable-rules (Rete) network.

How a ruleset maps onto durable-rules (see ../shared/notes/durable-rules.md for the traps):

* One fact ``m`` per evaluation carries every known leaf ``i`` as the integer ``v<i>`` = value −
  threshold in force on ``as_of`` (absent when unknown); the network tests ``v<i> >= 0`` or
  ``v<i> < 0``, so dated thresholds need no re-registration.
* Each rule's condition is compiled twice, to "definitely true" and "definitely false" (Kleene
  logic: unknown is neither), each in disjunctive normal form over other rules' outcomes. Each
  disjunct is one durable rule joining ``m`` with the outcome facts it needs; its action records
  the outcome and, when a later rule rests on it, asserts an outcome fact ``o`` — so chaining
  (失信 → 黑名单 → 惩戒) is done by the Rete network itself.
* Deadline cases are facts ``d`` (day differences) matched by four status rules.

The wrapper follows the measured rules: the C engine is driven directly (no host, so no timer
threads and no action whose exception is swallowed: our handling of each firing runs inline and
raises to the caller), a fresh session per evaluation that is always deleted, engine limits
checked before anything is registered, and only integers inside the engine.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import durable_rules_engine

from ..derive import Derived
from ..ir import FALSE, TRUE, UNKNOWN, And, AtLeast, Chain, CompiledRuleset, Leaf, Node, Not, RuleIR
from . import Outcomes

# Limits measured on durable-rules 2.0.28 (see the notes); we stay strictly inside them.
MAX_RULES = 4096
MAX_FACT_PROPERTIES = 252
MAX_CONDITIONS_PER_FACT = 64
MAX_IDENTICAL_CONDITIONS = 255
MAX_DNF_TERMS = 512  # per rule and polarity: beyond this a condition is better split by its author

_EPOCH = date(1970, 1, 1)
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
            return [] if want else [(frozenset(), frozenset())]
        if size <= 0:  # more required than there are children: definitely not, always
            return [(frozenset(), frozenset())]
        alternatives = [And(combo) for combo in itertools.combinations(node.children, size)]
        return _merge(t for alt in alternatives for t in dnf(alt, want))
    conjunctive = isinstance(node, And) == want  # true-And and false-Or need every child
    parts = [dnf(child, want) for child in node.children]
    if not conjunctive:
        return _merge(t for p in parts for t in p)
    result: list[Term] = [(frozenset(), frozenset())]
    for p in parts:
        result = _merge((c1 | c2, l1 | l2) for c1, l1 in result for c2, l2 in p)
    return result


def _literal(lit: MLit, ops: list[str]) -> dict[str, Any]:
    # Compared with a constant, not with another property ({"$m": …}): durable-rules defers
    # property-to-property tests to its join stage and overflows its 64-entry match stack.
    index, want = lit
    comparison = "$gte" if (ops[index] == "ge") == want else "$lt"
    return {comparison: {f"v{index}": 0}}


def _patterns(alternatives: list[frozenset[MLit]], ops: list[str]) -> list[dict[str, Any]]:
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
class _Network:
    """The durable-rules definition of one compiled ruleset, before registration."""

    definition: dict[str, dict[str, Any]] = field(default_factory=dict)
    rule_index: dict[str, int] = field(default_factory=dict)
    needed: set[ChainLit] = field(default_factory=set)  # outcomes some rule rests on
    m_conditions: int = 0


def build_network(rs: CompiledRuleset) -> _Network:
    """The engine rules for ``rs``; each rule's ``run`` names what its firing means."""
    net = _Network()
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
        return _limit_problems(rs, build_network(rs))
    except LimitExceeded as exc:
        return [str(exc)]


def _limit_problems(rs: CompiledRuleset, net: _Network) -> list[str]:
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


_names = itertools.count()

# The engine rules that decide a deadline case, and the status each gives.
_DEADLINE_STATUS = {"d_met": "met", "d_overdue": "overdue", "d_late": "overdue", "d_pending": "pending"}

# Codes of durable_rules_engine.assert_fact results (see durable/engine.py ``_handle_result``).
_NOT_HANDLED, _OBSERVED, _QUEUED = 1, 2, 3


class DurableProgram:
    """One compiled ruleset registered in the durable-rules C engine.

    We drive ``durable_rules_engine`` directly rather than through ``durable.engine.Host``: the
    host starts timer threads that race with our sessions, swallows exceptions raised in actions,
    and wraps every action in closures and JSON round trips that cost two thirds of the time
    (see the notes). The protocol is the host's own: assert, then take actions one at a time
    (``start_action_for_state`` / ``complete_and_start_action``), asserting their consequences
    before completing each.
    """

    def __init__(self, rs: CompiledRuleset) -> None:
        net = build_network(rs)
        problems = _limit_problems(rs, net)
        if problems:
            raise LimitExceeded("; ".join(problems))
        self.rules = list(rs.all_rules())
        self.lock = threading.Lock()
        self.sids = itertools.count()
        self.needed = {(net.rule_index[r], want) for r, want in net.needed}
        # What each engine rule means when it fires: an outcome, a helper fact, or a deadline status.
        self.meaning: dict[str, tuple[str, int, bool]] = {}
        for rule_name, rule in net.definition.items():
            action = rule.pop("run")
            if action.startswith("r"):
                self.meaning[rule_name] = ("outcome", int(action[1:-1]), action.endswith("T"))
            elif action == SENTINEL:
                self.meaning[rule_name] = ("sentinel", 0, True)
            elif action.startswith("h"):
                self.meaning[rule_name] = ("helper", int(action[1:]), True)
            else:
                self.meaning[rule_name] = ("deadline", 0, True)
        self.name = f"ecredit_{rs.id}_{next(_names)}"
        self.handle = durable_rules_engine.create_ruleset(self.name, json.dumps(net.definition, ensure_ascii=False))
        self.closed = False

    def _assert(self, fact: dict[str, Any]) -> int | None:
        """Assert one fact; the state handle to run actions on, or None when no rule looks at it."""
        code, state = durable_rules_engine.assert_fact(self.handle, json.dumps(fact))
        if code == _NOT_HANDLED:
            return None
        if code == _OBSERVED:
            raise RuntimeError(f"durable-rules saw the same fact twice: {fact}")
        return None if code == _QUEUED else state

    def _act(self, sid: str, state: int, outcomes: dict[int, bool], deadlines: dict[int, str]) -> None:
        """Run every action the network has agenda'd for this session, in the engine's order."""
        result = durable_rules_engine.start_action_for_state(self.handle, state)
        if not result:
            return
        message: str | None = result[1]
        while message:
            # The message is {"<engine rule name>": {...matched facts...}}; the name says what it means.
            rule_name = message[2:message.index('"', 2)]
            what, number, want = self.meaning[rule_name]
            if what == "outcome":
                if number not in outcomes:  # several alternatives of one condition may all match
                    outcomes[number] = want
                    if (number, want) in self.needed:
                        self._assert({"t": "o", "id": f"o{number}", "r": number, "v": int(want), "sid": sid})
            elif what == "helper":
                self._assert({"t": "h", "id": f"h{number}", "h": number, "sid": sid})
            elif what == "deadline":
                fact = json.loads(message)[rule_name]["m"]
                deadlines[int(fact["n"])] = _DEADLINE_STATUS[rule_name]
            message = durable_rules_engine.complete_and_start_action(self.handle, state)

    def run(self, derived: Derived) -> Outcomes:
        # Each known leaf enters as its margin over the threshold in force on as_of, so the
        # network compares with 0 and dated thresholds need no re-registration.
        m_fact: dict[str, Any] = {"t": "m", "id": "m"}
        for i, (value, threshold) in enumerate(zip(derived.values, derived.thresholds, strict=True)):
            if value is not None:
                m_fact[f"v{i}"] = value - threshold
        asof = (derived.as_of - _EPOCH).days
        d_facts = []
        for n, case in enumerate(derived.deadlines or ()):
            due = (case.due - _EPOCH).days
            answered = (case.answer["date"] - _EPOCH).days if case.answer is not None else due
            d_facts.append({"t": "d", "id": f"d{n}", "n": n, "ans": int(case.answer is not None),
                            "ad": answered - due, "od": asof - due})
        outcomes: dict[int, bool] = {}
        deadlines: dict[int, str] = {}
        # The C engine never releases the GIL, so serialising costs nothing and keeps sessions apart.
        with self.lock:
            if self.closed:
                raise RuntimeError("this ruleset's durable network was closed")
            sid = str(next(self.sids))
            try:
                for fact in (m_fact, *d_facts):
                    fact["sid"] = sid
                    state = self._assert(fact)
                    if state is not None:
                        self._act(sid, state, outcomes, deadlines)
            finally:
                durable_rules_engine.delete_state(self.handle, sid)
        result = {
            rule.id: (TRUE if outcomes[i] else FALSE) if i in outcomes else UNKNOWN
            for i, rule in enumerate(self.rules)
        }
        missing = [n for n in range(len(d_facts)) if n not in deadlines]
        if missing:
            raise RuntimeError(f"durable-rules gave no status for deadline case(s) {missing}")
        return Outcomes(result, tuple(deadlines[n] for n in range(len(d_facts))))  # type: ignore[arg-type]

    def close(self) -> None:
        """Free the registered ruleset; without this, memory grows with every reload."""
        with self.lock:
            if not self.closed:
                self.closed = True
                durable_rules_engine.delete_ruleset(self.handle)


class DurableEngine:
    name = "durable"

    def decide(self, rs: CompiledRuleset, derived: Derived) -> Outcomes:
        program = rs.engine_artefact("durable", lambda: DurableProgram(rs))
        assert isinstance(program, DurableProgram)
        return program.run(derived)
