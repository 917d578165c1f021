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
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from .language_base import Model, ParamRef

if TYPE_CHECKING:
    from .conditions import LeafKind
    from .language import Clause, DatedValue, Document, NotEncoded, Parameter, RulesetFile


@dataclass(frozen=True, slots=True)
class Leaf:
    """``value(facts) <op> threshold(as_of)``; unknown when the value cannot be derived.

    ``kind`` derives the value from the facts (``kind.derive(spec, parameters)``); events are counted
    from the later of the start of the window ``window(as_of)`` months long and ``since``.
    """

    index: int
    spec: Model
    kind: LeafKind[Any]
    op: Literal["ge", "lt"]
    threshold: Callable[[date], int]
    window: Callable[[date], int] | None = None
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
    return _scaled(value_on(param, day).decimal, scale)


def value_on(param: Parameter, day: date) -> DatedValue:
    """The value of a dated parameter that applies on ``day`` (its first value before any took effect)."""
    chosen = param.values[0]
    for value in param.values:
        if value.from_ <= day:
            chosen = value
    return chosen


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


T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class ArtefactKey(Generic[T]):
    """Names something built once per ruleset (an engine's network, the report's citations) and how.

    The key carries the artefact's type, so ``rs.artefact(KEY)`` is typed without a cast.
    Compared by identity: define each key once, at module level.
    """

    name: str
    build: Callable[[CompiledRuleset], T]


_DAYS_KEPT = 512  # evaluation days kept per ruleset and key; a batch rarely uses more than a few


@dataclass(frozen=True, eq=False)
class DayKey(Generic[T]):
    """Names something worked out once per ruleset and evaluation day (the parameters applied on
    it, the minimums in force), and how: ``rs.on_day(KEY, day)``. Define each key once, at module level."""

    name: str
    build: Callable[[CompiledRuleset, date], T]
    days: ArtefactKey[dict[date, T]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", ArtefactKey(self.name, lambda rs: {}))


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
    # The bytes it was compiled from: worker processes compile these, never the file again, which
    # may have been edited or removed since (``loader.load_source``).
    source: bytes = field(default=b"", repr=False)
    # What engines and the report build from this ruleset, by key, built on first use.
    _artefacts: dict[ArtefactKey[Any], Any] = field(default_factory=dict, repr=False)
    # Re-entrant: building one artefact may ask for another (the report's cited rules need citations).
    _artefact_lock: Any = field(default_factory=threading.RLock, repr=False)

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
    def not_encoded(self) -> tuple[NotEncoded, ...]:
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

    @cached_property
    def rule_names(self) -> dict[str, tuple[str, str | None]]:
        """id → (label, cited clause id) of everything a report of this ruleset may name: rules, the
        rating scheme and its grades, deadlines, and ``<id>.in_force`` (the period of force), in that order."""
        model = self.model
        names: dict[str, tuple[str, str | None]] = {r.id: (r.label, r.cites) for r in model.rules}
        if model.rating:
            names[model.rating.id] = (model.rating.label, None)
            names.update({g.id: (g.label, g.cites) for g in model.rating.grades})
        names.update({d.id: (d.label, d.cites) for d in model.deadlines})
        names[f"{self.id}.in_force"] = ("施行期", model.document.in_force.clause)
        return names

    @cached_property
    def interpretations(self) -> dict[str, str]:
        """id → the ``interpretation`` written next to a rule, grade or deadline, where there is one."""
        found = {rule.id: rule.interpretation for rule in self.all_rules() if rule.interpretation}
        found.update({d.id: d.interpretation for d in self.deadlines if d.interpretation})
        return found

    def in_force(self, day: date) -> bool:
        period = self.model.document.in_force
        return period.from_ <= day and (period.until is None or day <= period.until)

    def artefact(self, key: ArtefactKey[T]) -> T:
        """What ``key`` builds from this ruleset, built once even when threads race for it."""
        found: T | None = self._artefacts.get(key)
        if found is None:
            with self._artefact_lock:
                found = self._artefacts.get(key)
                if found is None:
                    found = self._artefacts[key] = key.build(self)
        return found

    def on_day(self, key: DayKey[T], day: date) -> T:
        """What ``key`` works out from this ruleset for ``day``, once per day. At most ``_DAYS_KEPT``
        days are kept, then all forgotten at once, so memory stays bounded whatever days are asked;
        threads racing for a new day may each work it out, with the same result."""
        by_day = self.artefact(key.days)
        found = by_day.get(day)
        if found is None:
            if len(by_day) >= _DAYS_KEPT:
                by_day.clear()
            found = by_day[day] = key.build(self, day)
        return found

    def close(self) -> None:
        """Free what engines hold for this ruleset (the durable engine's registered rulesets)."""
        with self._artefact_lock:
            for artefact in self._artefacts.values():
                closer = getattr(artefact, "close", None)
                if closer is not None:
                    closer()
            self._artefacts.clear()
