"""The condition kinds of the rule language, one module each, registered in ``KINDS``.

``KINDS`` maps each key a condition may use to its kind, in the order the schema and the
messages list them. Everything about a kind is in its module (see ``base.py``); the rest of the
package asks the table, so adding a kind is one module, one line here, its docs and its tests
(``docs/rule-language.md``, "Adding a condition kind").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .amount import AmountKind
from .assessment import AssessmentKind
from .base import ConditionKind, ConnectiveKind, LeafKind, LintAtom, ReferenceKind
from .compliance import BreachedKind, MetKind
from .connectives import AllKind, AnyKind, AtLeastKind, NotKind
from .events import EventsKind
from .follows import FollowsKind
from .references import FiredKindKind, FiredRefKind
from .retention import RetentionKind
from .subject_facts import LegalFormKind, LicensedKind, OnListKind, RoleKind
from .systems import HasSystemKind, LacksSystemKind

if TYPE_CHECKING:
    from ..language_base import Model
    from ..yaml_source import PathKey

__all__ = [
    "KINDS", "ConditionKind", "ConnectiveKind", "LeafKind", "LintAtom", "ReferenceKind", "kind_of", "walk_conditions",
]

# Instantiated here, at import: a kind missing an abstract part fails now, not at an evaluation.
KINDS: dict[str, ConditionKind[Any]] = {
    kind.key: kind
    for kind in (
        AllKind(),
        AnyKind(),
        NotKind(),
        AtLeastKind(),
        RoleKind(),
        LegalFormKind(),
        LicensedKind(),
        MetKind(),
        BreachedKind(),
        RetentionKind(),
        LacksSystemKind(),
        HasSystemKind(),
        OnListKind(),
        AssessmentKind(),
        EventsKind(),
        AmountKind(),
        FollowsKind(),
        FiredRefKind(),
        FiredKindKind(),
    )
}

_BY_MODEL: dict[type, ConditionKind[Any]] = {kind.model: kind for kind in KINDS.values()}


def kind_of(cond: Model) -> ConditionKind[Any]:
    """The kind of a validated condition."""
    return _BY_MODEL[type(cond)]


def walk_conditions(cond: Model, path: PathKey) -> Iterator[tuple[Model, PathKey]]:
    """Every condition node under ``cond`` (itself first) with its path in the file."""
    yield cond, path
    for child, step in kind_of(cond).children(cond):
        yield from walk_conditions(child, (*path, *step))
