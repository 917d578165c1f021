"""What a leaf kind offers the columnar engine (``batch/columnar.py``); importable without polars.

A leaf kind opts in by implementing ``ColumnarLeaf`` in its own module; a kind that does not is
named in ``PER_SUBJECT`` and keeps its per-subject value function under the columnar engine too.
``tests/test_conditions.py`` asserts every ``LeafKind`` is one or the other, so a new kind has to
choose rather than be silently slow or silently missing.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

EventFilter = tuple[list[str], list[str] | None, list[str] | None]  # types, acts (None: any), grades (None: any)


@runtime_checkable
class ColumnarLeaf(Protocol):
    """A leaf kind that counts events: its value is computed by a filter and a group-by over the events table.

    ``columnar_counts`` gives the leaf's event filter; ``columnar.events_counts`` compiles it to a
    polars filter and a ``group_by`` giving, per subject, the events that surely count and those
    that possibly count (an absent act or grade the filter names: CONTRACT §3), as
    ``subject.EventCount`` does per subject.
    """

    def columnar_counts(self, spec: Any) -> EventFilter: ...


# Leaf kinds read from the subject's own fields or needing event order/amounts: judged per subject
# under the columnar engine for now (the values are the same; only the speed differs).
PER_SUBJECT: frozenset[str] = frozenset({
    "role", "legal_form", "licensed", "met", "breached", "retention", "lacks_system", "has_system", "on_list",
    "assessment", "amount", "follows",
})
