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
checked before anything is registered, and only integers inside the engine. The translation
(``dnf``, the network, its limits) is pure Python in ``durable_network.py``, so the loader can
check limits without the C extension.
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import date
from typing import Any

import durable_rules_engine
import orjson

from ..derive import Derived
from ..ir import ArtefactKey, CompiledRuleset
from ..logic import FALSE, TRUE, UNKNOWN
from . import DeadlineStatus, Outcomes
from .durable_network import SENTINEL, LimitExceeded, build_network, limit_problems

_EPOCH = date(1970, 1, 1)

_names = itertools.count()

# The engine rules that decide a deadline case, and the status each gives.
_DEADLINE_STATUS: dict[str, DeadlineStatus] = {
    "d_met": "met", "d_overdue": "overdue", "d_late": "overdue", "d_pending": "pending"
}

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
        problems = limit_problems(rs, net)
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
        # orjson: a fact is a few integers and short ASCII strings, serialised 5x faster than json.dumps.
        # It refuses integers beyond 64 bits (a margin in fen on an absurd amount); json.dumps writes them
        # as the engine has always read them.
        try:
            text = orjson.dumps(fact).decode()
        except orjson.JSONEncodeError:
            text = json.dumps(fact)
        code, state = durable_rules_engine.assert_fact(self.handle, text)
        if code == _NOT_HANDLED:
            return None
        if code == _OBSERVED:
            raise RuntimeError(f"durable-rules saw the same fact twice: {fact}")
        return None if code == _QUEUED else state

    def _act(self, sid: str, state: int, outcomes: dict[int, bool], deadlines: dict[int, DeadlineStatus]) -> None:
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
        deadlines: dict[int, DeadlineStatus] = {}
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
        return Outcomes(result, tuple(deadlines[n] for n in range(len(d_facts))))

    def close(self) -> None:
        """Free the registered ruleset; without this, memory grows with every reload."""
        with self.lock:
            if not self.closed:
                self.closed = True
                durable_rules_engine.delete_ruleset(self.handle)


PROGRAM = ArtefactKey("durable", DurableProgram)


class DurableEngine:
    name = "durable"

    def decide(self, rs: CompiledRuleset, derived: Derived) -> Outcomes:
        return rs.artefact(PROGRAM).run(derived)
