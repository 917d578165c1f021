"""The intermediate form a ruleset is compiled to once, shared by both engines.

A rule's condition becomes a tree of ``Leaf`` (a number derived from the facts compared with a
threshold), ``Chain`` (another rule's verdict), and Kleene connectives. Both engines decide the
same three-valued outcome for each rule from the same leaves; the report is built from those
outcomes by one shared piece of code, so the engines can only differ in what they decide.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal
from functools import cached_property, partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from .language import Clause, Document, NotEncoded, Parameter, ParamRef, RulesetFile

# Kleene truth values, ordered so that AND is min and OR is max.
FALSE, UNKNOWN, TRUE = 0, 1, 2
Truth = int


@dataclass(frozen=True, slots=True)
class Leaf:
    """``value(facts) <op> threshold(as_of)``; unknown when the value cannot be derived."""

    index: int
    spec: BaseModel
    op: Literal["ge", "lt"]
    threshold: Callable[[date], int]
    # Events dated before this day are not counted (no retroactive effect, CONTRACT §4); None: all.
    since: date | None = None


@dataclass(frozen=True, slots=True)
class Chain:
    rule: str


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class AtLeast:
    n: int
    children: tuple[Node, ...]


Node = Leaf | Chain | And | Or | Not | AtLeast


def walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, And | Or | AtLeast):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


def threshold_fn(value: Any, params: dict[str, Parameter], scale: int = 1) -> Callable[[date], int]:
    """A threshold as a function of the evaluation day: a constant, or a dated parameter's value.

    ``scale`` turns yuan into fen (100). A threshold is rounded up to a whole unit so that
    "≥ threshold" over floored integer amounts keeps the exact meaning of 以上.

    >>> threshold_fn(3, {})(date(2024, 6, 30))
    3
    """
    if isinstance(value, ParamRef):
        return partial(_dated, params[value.param], scale)
    return partial(_const, _scaled(Decimal(str(value)), scale))


def _dated(param: Parameter, scale: int, day: date) -> int:
    chosen = param.values[0]
    for value in param.values:
        if value.from_ <= day:
            chosen = value
    return _scaled(chosen.decimal, scale)


def _scaled(value: Decimal, scale: int) -> int:
    return int((value * scale).to_integral_value(rounding=ROUND_CEILING))


def _const(value: int, _day: date) -> int:
    return value


@dataclass(frozen=True, slots=True)
class RuleIR:
    id: str
    kind: str
    label: str
    clause: str
    formula: Node  # what the engines decide: applicability (roles) and the rule's own condition
    condition: Node  # the rule's own condition (``when``): what its evidence is drawn from
    interpretation: str | None = None
    grade: str | None = None


@dataclass(frozen=True, slots=True)
class RatingIR:
    id: str
    label: str
    grades: tuple[RuleIR, ...]


@dataclass(frozen=True, slots=True)
class DeadlineIR:
    id: str
    label: str
    clause: str
    trigger: str
    working_days: Callable[[date], int]
    interpretation: str | None = None


@dataclass(eq=False, repr=False)
class CompiledRuleset:
    """A validated ruleset in the form the engines run. Immutable once built, safe to share."""

    id: str
    version: str
    digest: str
    path: Path
    model: RulesetFile
    leaves: tuple[Leaf, ...]
    rules: tuple[RuleIR, ...]  # chained rules come after what they rest on
    rating: RatingIR | None
    deadlines: tuple[DeadlineIR, ...]
    # Engines keep their compiled artefacts here, built on first use.
    _engine_cache: dict[str, object] = field(default_factory=dict, repr=False)
    # Re-entrant: building one artefact may ask for another (the report's cited rules need citations).
    _engine_lock: Any = field(default_factory=threading.RLock, repr=False)

    @property
    def document(self) -> Document:
        return self.model.document

    @property
    def clauses(self) -> dict[str, Clause]:
        return self.model.clauses

    @property
    def parameters(self) -> dict[str, Parameter]:
        return self.model.parameters

    @property
    def not_encoded(self) -> list[NotEncoded]:
        return self.model.not_encoded

    @property
    def title(self) -> str:
        return self.model.document.title

    def __repr__(self) -> str:
        # The generated repr printed the whole model (tens of thousands of characters) in every log line.
        algorithm, _, hexdigest = self.digest.partition(":")
        return f"<CompiledRuleset {self.id} {self.version} {algorithm}:{hexdigest[:8]}… {len(self.all_rules())} rules>"

    def all_rules(self) -> tuple[RuleIR, ...]:
        """Plain rules, then the rating's grades: everything an engine decides true/false/unknown."""
        return self.rules + (self.rating.grades if self.rating else ())

    @cached_property
    def rules_by_id(self) -> dict[str, RuleIR]:
        """Every rule and grade by id, built once (reports look chained rules up by id)."""
        return {rule.id: rule for rule in self.all_rules()}

    def in_force(self, day: date) -> bool:
        period = self.model.document.in_force
        return period.from_ <= day and (period.until is None or day <= period.until)

    def engine_artefact(self, name: str, build: Callable[[], object]) -> object:
        """Build an engine's compiled form of this ruleset once, even when threads race for it."""
        found = self._engine_cache.get(name)
        if found is None:
            with self._engine_lock:
                found = self._engine_cache.get(name)
                if found is None:
                    found = build()
                    self._engine_cache[name] = found
        return found

    def close(self) -> None:
        """Free what engines hold for this ruleset (the durable engine's registered rulesets)."""
        with self._engine_lock:
            for artefact in self._engine_cache.values():
                closer = getattr(artefact, "close", None)
                if closer is not None:
                    closer()
            self._engine_cache.clear()
