"""The two engines that decide each rule's outcome from the derived leaves.

``durable`` (the default) runs the rules in durable-rules' Rete network; ``compiled`` runs plain
Python closures over the same intermediate form for throughput. Both return ``Outcomes``; the
report is built from outcomes by shared code, so a difference between engines can only be a
difference in what they decided, which the differential tests look for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from ..derive import Derived
from ..ir import CompiledRuleset

DeadlineStatus = Literal["met", "overdue", "pending"]
ENGINES: tuple[str, ...] = ("durable", "compiled")


@dataclass(frozen=True, slots=True)
class Outcomes:
    rules: dict[str, int]  # rule id → FALSE / UNKNOWN / TRUE, for every rule and grade
    deadlines: tuple[DeadlineStatus, ...]  # one per derived deadline case, in the same order


class Engine(Protocol):
    name: str

    def decide(self, rs: CompiledRuleset, derived: Derived) -> Outcomes: ...


def get_engine(name: str) -> Engine:
    if name == "durable":
        from .durable import DurableEngine

        return DurableEngine()
    if name == "compiled":
        from .compiled import CompiledEngine

        return CompiledEngine()
    raise ValueError(f"unknown engine {name!r}; choose one of: {', '.join(ENGINES)}")
