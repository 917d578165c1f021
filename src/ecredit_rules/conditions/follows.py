"""follows: later events dated within N months on or after an earlier event (突泉 第十四条第（五）项).

The one kind relating two events' dates: "受到告诫后12个月内再次被处罚" counts the later events
(``event``) that follow some earlier one (``after``) within ``within_months`` months of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ..dates import months_after
from ..ir import Node, threshold_fn
from ..language_base import Count, EventType, Model, ParamRef
from ..subject import (
    EVENTS,
    EventData,
    ExplainFn,
    Explanation,
    Possible,
    Subject,
    ValueFn,
    decided,
    missing_paths,
    selector,
)
from .base import CheckContext, CompileContext, LeafKind, LintAtom, independent_atom, param_refs_in
from .events import check_acts, enumerate_acts

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey


class EventFilter(Model):
    types: list[EventType] = Field(min_length=1, description="事件类型 / event types")
    acts: list[str] | None = Field(default=None, description="违法行为代码，省略则不限 / act codes; omitted: any act")
    grades: list[str] | None = Field(default=None, description="仅这些等级的 rating 事件 / rating grades")


class FollowsBody(Model):
    event: EventFilter = Field(description="计数的后发事件 / the later events counted")
    after: EventFilter = Field(description="先发生的事件 / the earlier event they must follow")
    within_months: Count = Field(
        description="后发事件须在先发事件当日至其后 N 个月以内（含两端）/ "
        "the later event is dated in the closed window [earlier date, earlier date + N months]"
    )
    at_least: Count = Field(default=1, description="这样的后发事件达到该次数即成立 / holds at this count or more")


class Follows(Model):
    follows: FollowsBody


class FollowsKind(LeafKind[Follows]):
    key = "follows"
    model = Follows
    description = (
        "在某一先发事件当日或之后 N 个月以内发生的后发事件达到 at_least 次即成立 / "
        "holds when at least at_least events each follow an earlier event within N months of it"
    )

    def check(self, cond: Follows, ctx: CheckContext, where: PathKey, owner: str) -> None:
        body, at = cond.follows, (*where, "follows")
        check_acts(body.event.acts, ctx, (*at, "event"))
        check_acts(body.after.acts, ctx, (*at, "after"))
        ctx.threshold(body.within_months, (*at, "within_months"), {"months"})
        ctx.threshold(body.at_least, (*at, "at_least"), {"times"})

    def compile(self, cond: Follows, ctx: CompileContext, owner: str) -> Node:
        # within_months is the reach of each earlier event, not a window ending on as_of: no ``window``.
        return ctx.leaf(cond, self, "ge", threshold_fn(cond.follows.at_least, ctx.parameters), since=ctx.since)

    def derive(self, cond: Follows, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        """Later events (``event``) dated within N months on or after an earlier one (``after``).

        A later event counts surely when it surely counts and some surely counted earlier event lies
        within reach; possibly when a possible pair does. Evidence is both events of each pair.
        """
        body = cond.follows
        later = selector(body.event.types, body.event.acts, body.event.grades)
        earlier = selector(body.after.types, body.after.acts, body.after.grades)
        months = threshold_fn(body.within_months, parameters)

        def pairs(s: Subject, start: date | None) -> tuple[list[list[EventData]], int, Possible] | None:
            """The sure pairs (a later event, then its earlier ones), how many later events are only
            possible, and the possible events (of either side) whose lacking attributes leave them so."""
            found_earlier = earlier(s, start)
            if found_earlier is None:
                return None
            sure_earlier, maybe_earlier = found_earlier
            if not sure_earlier and not maybe_earlier:
                return [], 0, []  # nothing to follow (the usual case): the later events need not be read
            found_later = later(s, start)
            if found_later is None:
                return None
            span = months(s.as_of)
            sure: list[list[EventData]] = []
            undecided = 0
            lacking_events: Possible = []
            # Each earlier event reaches to the same day N months on (its month's last day where it has none).
            sure_reach = [(y, y["date"], months_after(y["date"], span)) for y in sure_earlier]
            maybe_reach = [(y, lack, y["date"], months_after(y["date"], span)) for y, lack in maybe_earlier]
            for e, lacking in [(e, ()) for e in found_later[0]] + found_later[1]:
                day = e["date"]
                reach = [y for y, first, last in sure_reach if first <= day <= last]
                if reach:
                    if lacking:
                        undecided += 1
                        lacking_events.append((e, lacking))
                    else:
                        sure.append([e, *reach])
                    continue
                # Only possible earlier events may reach it (most subjects have none to look at).
                maybe = [(y, lack) for y, lack, first, last in maybe_reach if first <= day <= last]
                if maybe:
                    undecided += 1
                    if lacking:
                        lacking_events.append((e, lacking))
                    lacking_events += maybe
            return sure, undecided, lacking_events

        def value(s: Subject, threshold: int, start: date | None) -> int | None:
            # Counted without building the pairs: this runs for every subject.
            found_earlier = earlier(s, start)
            if found_earlier is None:
                return None
            if not found_earlier[0] and not found_earlier[1]:
                return 0
            found_later = later(s, start)
            if found_later is None:
                return None
            span = months(s.as_of)
            sure_spans = [(y["date"], months_after(y["date"], span)) for y in found_earlier[0]]
            maybe_spans = [(y["date"], months_after(y["date"], span)) for y, _ in found_earlier[1]]
            low = high = 0
            # A later event surely counts when it surely does and a sure earlier one reaches it; it
            # possibly counts when a sure or possible earlier one does.
            for e, known in [*((e, True) for e in found_later[0]), *((e, False) for e, _ in found_later[1])]:
                day = e["date"]
                for first, last in sure_spans:
                    if first <= day <= last:
                        high += 1
                        low += known
                        break
                else:
                    for first, last in maybe_spans:
                        if first <= day <= last:
                            high += 1
                            break
            return decided(low, high, threshold)

        def explain(s: Subject, threshold: int, start: date | None) -> Explanation:
            found = pairs(s, start)
            if found is None:
                return (), (), EVENTS
            sure, undecided, lacking_events = found
            if decided(len(sure), len(sure) + undecided, threshold) is None:
                return (), (), tuple(dict.fromkeys(missing_paths(s, lacking_events)))
            return tuple({e["id"]: e for pair in sure for e in pair}.values()), (), ()

        return value, explain

    def lint_atom(self, cond: Follows, vocab: Vocabulary) -> LintAtom:
        return independent_atom(cond)

    def codes(self, cond: Follows) -> Iterator[tuple[str, Any]]:
        for act in [*(cond.follows.event.acts or ()), *(cond.follows.after.acts or ())]:
            yield "acts", act

    def param_refs(self, cond: Follows) -> Iterator[ParamRef]:
        return param_refs_in(cond.follows.within_months, cond.follows.at_least)

    def restrict_schema(self, defs: dict[str, Any], vocab: Vocabulary) -> None:
        enumerate_acts(defs["EventFilter"], vocab)
