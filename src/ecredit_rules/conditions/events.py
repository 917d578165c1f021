"""events: at least so many matching events, optionally within a window of months (``events``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ..ir import Node, threshold_fn
from ..language_base import Count, EventType, Model, ParamRef
from ..subject import EventCount, ExplainFn, ValueFn
from .base import CheckContext, CompileContext, LeafKind, LintAtom, independent_atom, param_refs_in

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey


class EventsBody(Model):
    types: list[EventType] = Field(min_length=1, description="计入的事件类型 / event types counted")
    acts: list[str] | None = Field(
        default=None, description="计入的违法行为代码，省略则不限 / act codes counted; omitted: any act"
    )
    grades: list[str] | None = Field(default=None, description="仅计入这些等级的 rating 事件 / rating grades counted")
    within_months: Count | None = Field(
        default=None,
        description="只计入评价日前 N 个月以内（含当日）的事件；省略则计入评价日前的全部事件 / "
        "closed window of N calendar months ending on as_of; omitted: all events up to as_of",
    )
    at_least: Count = Field(default=1, description="次数达到该值即成立（以上含本数）/ holds at this count or more")


class Events(Model):
    events: EventsBody


def check_acts(acts: list[str] | None, ctx: CheckContext, where: PathKey) -> None:
    """Every act code of an ``events`` or ``amount`` condition is in the vocabulary."""
    for i, act in enumerate(acts or ()):
        ctx.code(act, ctx.vocab.acts, "违法行为", (*where, "acts", i))


def enumerate_acts(body: dict[str, Any], vocab: Vocabulary) -> None:
    """The schema's ``acts`` list (optional: null or a list) takes the vocabulary's act codes."""
    array = next(o for o in body["properties"]["acts"]["anyOf"] if o.get("type") == "array")
    array["items"] = {"type": "string", "enum": list(vocab.acts)}


def window_fn(within_months: Any, ctx: CompileContext) -> Any:
    """The window's length in months as a function of the day (None: no window)."""
    return None if within_months is None else threshold_fn(within_months, ctx.parameters)


class EventsKind(LeafKind[Events]):
    key = "events"
    model = Events
    description = "符合条件的事件达到 at_least 次即成立 / holds when at least at_least matching events are recorded"

    def check(self, cond: Events, ctx: CheckContext, where: PathKey, owner: str) -> None:
        body, at = cond.events, (*where, "events")
        check_acts(body.acts, ctx, at)
        ctx.threshold(body.within_months, (*at, "within_months"), {"months"})
        ctx.threshold(body.at_least, (*at, "at_least"), {"times"})

    def compile(self, cond: Events, ctx: CompileContext, owner: str) -> Node:
        body = cond.events
        threshold = threshold_fn(body.at_least, ctx.parameters)
        return ctx.leaf(cond, self, "ge", threshold, window_fn(body.within_months, ctx), since=ctx.since)

    def derive(self, cond: Events, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        body = cond.events
        count = EventCount(
            tuple(body.types),
            None if body.acts is None else tuple(body.acts),
            None if body.grades is None else frozenset(body.grades),
        )
        return count, count.explain

    def columnar_counts(self, cond: Events) -> tuple[list[str], list[str] | None, list[str] | None]:
        """The event filter of this leaf for the columnar engine (``batch/columnar.py``)."""
        body = cond.events
        return list(body.types), body.acts, body.grades

    def lint_atom(self, cond: Events, vocab: Vocabulary) -> LintAtom:
        return independent_atom(cond)

    def window(self, cond: Events) -> Any:
        return cond.events.within_months

    def codes(self, cond: Events) -> Iterator[tuple[str, Any]]:
        for act in cond.events.acts or ():
            yield "acts", act

    def param_refs(self, cond: Events) -> Iterator[ParamRef]:
        return param_refs_in(cond.events.within_months, cond.events.at_least)

    def restrict_schema(self, defs: dict[str, Any], vocab: Vocabulary) -> None:
        enumerate_acts(defs["EventsBody"], vocab)
