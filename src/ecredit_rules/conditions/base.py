"""What a condition kind is: every part the package needs of it, as abstract methods.

A condition kind is the meaning of one key a rule's ``when`` may use (``events``, ``role``, …).
Each kind lives in one module of this package and holds everything about itself:

- ``model``: the pydantic model of the condition as written (the rule language, ``language.py``
  assembles the ``Condition`` union from the table in ``conditions/__init__.py``);
- ``check``: load-time checks the schema cannot make (codes against the vocabulary, the unit of a
  referenced parameter, ranges), reported through a ``CheckContext``;
- ``compile``: the condition in the intermediate form (``ir.py``) — a ``Leaf`` (operator,
  threshold, window), a ``Chain`` to other rules, or a connective over its sub-conditions;
- ``derive`` (leaf kinds): the value and explanation functions of its leaf (``subject.py``);
- ``lint_atom`` (leaf kinds): what lint's satisfiability search knows about it;
- ``codes`` and ``param_refs``: the vocabulary codes and parameters it names (lint, compare);
- ``description`` or the model field's own: its text in the editor schema, and
  ``restrict_schema``: the vocabulary codes its keys take there (``schema.py``).

Kinds come in three sorts, each an abstract base below; a kind that lacks a part cannot be
instantiated, and the table instantiates every kind when the package is imported, so a missing
part fails at import, never at the first evaluation.

The engines. The durable engine sees only leaf values (``v<i>`` = value − threshold) and the
intermediate form's connectives and chains, so a kind needs nothing for it beyond ``compile``
and ``derive``. The compiled engine likewise. A future backend that needs per-kind code (the
columnar batch engine: one expression per leaf over a table of subjects) defines its interface
as a ``typing.Protocol`` in its own module (e.g. ``ColumnarLeaf`` with
``columnar(spec) -> Expr``); each leaf kind opts in by implementing that method in its module,
and ``tests/test_conditions.py`` walks the table asserting every ``LeafKind`` satisfies the
protocol — a kind that forgot fails that test, not an evaluation.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar

from .. import limits
from ..ir import threshold_fn
from ..language_base import Model, ParamRef
from ..subject import ExplainFn, ValueFn

if TYPE_CHECKING:
    from ..ir import Node
    from ..language import Parameter
    from ..messages import Msg
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey

M = TypeVar("M", bound=Model)  # the model of a kind's condition
Units = frozenset[str]
COUNT_UNITS: Units = frozenset({"times", "months", "days", "working_days"})

# The range of a value in each unit, checked where it is written (``CheckContext.threshold``) and
# at every dated value of a parameter. Each unit has one use (times: events.at_least, months:
# within_months, days: less_than_days, working_days: deadlines, yuan: amount.at_least), so the
# ranges are per unit.
UNIT_RANGES: dict[str, tuple[int, int]] = {
    "times": (1, limits.MAX_COUNT),
    "months": (1, limits.MAX_WINDOW_MONTHS),
    "days": (1, limits.MAX_WINDOW_DAYS),
    "working_days": (0, limits.MAX_WORKING_DAYS),
    "yuan": (0, 10**limits.AMOUNT_INTEGER_DIGITS - 1),
}


class CheckContext(Protocol):
    """What a kind's load-time check may report against (the loader's checker implements it)."""

    vocab: Vocabulary
    rule_kinds: dict[str, str]  # plain rule id → its verdict kind

    def add(self, path: PathKey, msg: Msg) -> None:
        """Report a problem at ``path`` of the rule file."""

    def code(self, code: Any, known: Any, category: str, path: PathKey) -> None:
        """Report ``code`` unless it is one of ``known`` (``category``: the word the message uses)."""

    def threshold(self, value: Any, path: PathKey, units: set[str], *, integer: bool = False) -> None:
        """Report a referenced parameter that is missing or has none of ``units``, or a written
        number outside its unit's range (``UNIT_RANGES``)."""


class CompileContext(Protocol):
    """What a kind's compilation may use (the loader's compiler implements it)."""

    parameters: dict[str, Parameter]
    rule_kinds: dict[str, str]  # plain rule id → its verdict kind
    # Events dated before this day are not counted by the rule being compiled (no retroactive
    # effect, CONTRACT §4: the first day in force, unless the rule is ``retroactive``); None: all.
    since: date | None

    def node(self, cond: Model, owner: str) -> Node:
        """A sub-condition in the intermediate form."""

    def leaf(
        self,
        spec: Model,
        kind: LeafKind[Any],
        op: Literal["ge", "lt"],
        threshold: Callable[[date], int],
        window: Callable[[date], int] | None = None,
        since: date | None = None,
    ) -> Node:
        """The (shared) leaf for ``spec``: ``value op threshold``, events counted from the later of the
        window's start and ``since`` (a kind that counts events passes ``since=ctx.since``)."""


@dataclass(frozen=True, slots=True)
class LintAtom:
    """What lint's satisfiability search knows of a leaf: a variable that must take one of ``allowed``.

    ``var[0]`` is the fact path a finding names (None: an unknown lint does not reason about,
    such as a count of events); ``domain`` is every value the variable can take.
    """

    var: tuple[Any, ...]
    allowed: frozenset[Any]
    domain: frozenset[Any] = frozenset({True, False})


def independent_atom(cond: Model) -> LintAtom:
    """One unknown per distinct condition, for what lint does not reason about (counts, amounts).

    Treating related counts as independent can only make more things look possible, never fewer.
    """
    text = json.dumps(cond.model_dump(mode="json", by_alias=True))
    return LintAtom((None, type(cond).__name__, text), frozenset({True}))


class ConditionKind(ABC, Generic[M]):
    """One key of the rule language; see the module docstring for what each part is for."""

    key: ClassVar[str]
    model: type[M]
    #: The key's text in the editor schema when the model's field carries no description
    #: (the field's value is a nested body).
    description: ClassVar[str | None] = None

    def schema_description(self) -> str | None:
        """What the editor shows for this key."""
        return self.model.model_fields[self._field_name()].description or self.description

    def _field_name(self) -> str:
        return next(name for name, f in self.model.model_fields.items() if (f.alias or name) == self.key)

    def body(self, cond: M) -> Any:
        """The value written under the key (``cond.events`` for ``events: {...}``)."""
        return getattr(cond, self._field_name())

    def children(self, cond: M) -> Iterator[tuple[Model, PathKey]]:
        """Sub-conditions with their path relative to ``cond``; only connectives have any."""
        return iter(())

    @abstractmethod
    def check(self, cond: M, ctx: CheckContext, where: PathKey, owner: str) -> None:
        """Report what the schema cannot see (unknown codes, parameters of the wrong unit, ranges)."""

    @abstractmethod
    def compile(self, cond: M, ctx: CompileContext, owner: str) -> Node:
        """``cond`` in the intermediate form; ``owner`` is the rule it belongs to."""

    def codes(self, cond: M) -> Iterator[tuple[str, Any]]:
        """(vocabulary section, code) for every code ``cond`` names."""
        return iter(())

    def param_refs(self, cond: M) -> Iterator[ParamRef]:
        """Every parameter ``cond`` references."""
        return iter(())

    def restrict_schema(self, defs: dict[str, Any], vocab: Vocabulary) -> None:
        """Enumerate the vocabulary codes this kind's keys take in the editor schema's definitions."""


class ConnectiveKind(ConditionKind[M]):
    """A kind combining sub-conditions (all, any, not, at_least): no leaf of its own."""

    @abstractmethod
    def children(self, cond: M) -> Iterator[tuple[Model, PathKey]]: ...

    @abstractmethod
    def raw_children(self, body: Any) -> list[tuple[Any, PathKey]]:
        """Sub-conditions of the raw, not yet validated value under the key (``[]`` when malformed),
        for the depth check that must run before anything recurses over a condition."""

    def check(self, cond: M, ctx: CheckContext, where: PathKey, owner: str) -> None:
        """Nothing beyond the schema: the sub-conditions are checked on their own."""


class ReferenceKind(ConditionKind[M]):
    """A kind resting on other rules' verdicts (fired, fired_kind): compiles to chains."""

    @abstractmethod
    def rules(self, cond: M, rule_kinds: dict[str, str], owner: str) -> list[str]:
        """The rules ``cond`` rests on (its edges in the rule graph, for cycles and ordering)."""


class LeafKind(ConditionKind[M]):
    """A kind read from the facts: compiles to one ``Leaf`` and derives its value."""

    @abstractmethod
    def derive(self, cond: M, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        """The leaf's value function and explanation function, built once per ruleset.

        ``parameters`` are the ruleset's dated parameters, for a threshold read inside the leaf
        (``follows``' reach); the leaf's own threshold and window arrive as arguments of the functions.
        """

    @abstractmethod
    def lint_atom(self, cond: M, vocab: Vocabulary) -> LintAtom:
        """What lint's satisfiability search knows of this leaf."""

    def window(self, cond: M) -> Any:
        """The ``within_months`` this leaf counts events in (None: none), for lint's period check."""
        return None


def param_refs_in(*values: Any) -> Iterator[ParamRef]:
    """The parameter references among threshold values."""
    return (value for value in values if isinstance(value, ParamRef))


class FactKind(LeafKind[M]):
    """A leaf that holds or not by one fact (a role, a duty met, a system): its value is 0 or 1, tested ≥ 1."""

    def compile(self, cond: M, ctx: CompileContext, owner: str) -> Node:
        return ctx.leaf(cond, self, "ge", threshold_fn(1, {}))
