"""amount: an event's amount, or the sum of the amounts, reaches a threshold in yuan (``amount``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from ..ir import Node, threshold_fn
from ..language_base import AmountField, Count, EventType, Model, Money, ParamRef
from ..subject import (
    EVENTS,
    EventData,
    ExplainFn,
    Explanation,
    Possible,
    Subject,
    ValueFn,
    decided,
    fen,
    missing_paths,
    selector,
)
from .base import CheckContext, CompileContext, LeafKind, LintAtom, independent_atom, param_refs_in
from .events import check_acts, enumerate_acts, window_fn

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey

FEN_PER_YUAN = 100  # amounts are compared in whole fen


class AmountBody(Model):
    types: list[EventType] = Field(min_length=1, description="计入的事件类型 / event types whose amounts count")
    acts: list[str] | None = Field(default=None, description="计入的违法行为代码 / act codes")
    field: AmountField = Field(description="比较的金额字段 / which amount")
    at_least: Money = Field(description="金额达到该值即成立（以上含本数）/ holds at this amount or more")
    aggregate: Literal["single", "sum"] = Field(
        default="single", description="single：任一事件达到；sum：合计达到 / one event reaches it, or the sum does"
    )
    within_months: Count | None = Field(default=None, description="时间窗口（月）/ window in calendar months")


class Amount(Model):
    amount: AmountBody


class AmountKind(LeafKind[Amount]):
    key = "amount"
    model = Amount
    description = "事件记载的金额达到门槛即成立 / holds when an event's amount (or their sum) reaches the threshold"

    def check(self, cond: Amount, ctx: CheckContext, where: PathKey, owner: str) -> None:
        body, at = cond.amount, (*where, "amount")
        check_acts(body.acts, ctx, at)
        ctx.threshold(body.within_months, (*at, "within_months"), {"months"})
        ctx.threshold(body.at_least, (*at, "at_least"), {"yuan"})

    def compile(self, cond: Amount, ctx: CompileContext, owner: str) -> Node:
        body = cond.amount
        threshold = threshold_fn(body.at_least, ctx.parameters, scale=FEN_PER_YUAN)
        return ctx.leaf(cond, self, "ge", threshold, window_fn(body.within_months, ctx), since=ctx.since)

    def derive(self, cond: Amount, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        body = cond.amount
        select = selector(body.types, body.acts)
        field = body.field
        single = body.aggregate == "single"
        unbounded = float("inf")  # what an unknown amount could be

        def bounds(sure: list[EventData], possible: Possible) -> tuple[int, float]:
            # The amount reached for certain, and the most the unknowns (amounts, or whether an event
            # counts at all) could make it: an unknown amount has no upper bound.
            sure_fen = [fen(e[field]) if e.get(field) is not None else None for e in sure]
            maybe_fen = [fen(e[field]) if e.get(field) is not None else None for e, _ in possible]
            known = [amount for amount in sure_fen if amount is not None]
            low = max(known, default=0) if single else sum(known)
            if None in sure_fen or None in maybe_fen:
                return low, unbounded
            extra = [amount for amount in maybe_fen if amount is not None]
            return low, (max([low, *extra]) if single else low + sum(extra))

        def value(s: Subject, threshold: int, start: date | None) -> int | None:
            found = select(s, start)
            if found is None:
                return None
            if not found[0] and not found[1]:
                return 0  # no such events (most subjects): the amount is surely 0
            return decided(*bounds(*found), threshold)

        def explain(s: Subject, threshold: int, start: date | None) -> Explanation:
            found = select(s, start)
            if found is None:
                return (), (), EVENTS
            sure, possible = found
            if decided(*bounds(sure, possible), threshold) is None:
                unknown_amounts: Possible = [(e, ()) for e in sure if e.get(field) is None]
                if single:  # a possible event whose known amount falls short cannot matter
                    possible = [
                        (e, lack) for e, lack in possible if e.get(field) is None or fen(e[field]) >= threshold
                    ]
                return (), (), missing_paths(s, unknown_amounts + possible, field)
            known = [(e, fen(e[field])) for e in sure if e.get(field) is not None]
            if single:
                return tuple(e for e, amount in known if amount >= threshold), (), ()
            return tuple(e for e, _ in known), (), ()

        return value, explain

    def lint_atom(self, cond: Amount, vocab: Vocabulary) -> LintAtom:
        return independent_atom(cond)

    def window(self, cond: Amount) -> Any:
        return cond.amount.within_months

    def codes(self, cond: Amount) -> Iterator[tuple[str, Any]]:
        for act in cond.amount.acts or ():
            yield "acts", act

    def param_refs(self, cond: Amount) -> Iterator[ParamRef]:
        return param_refs_in(cond.amount.within_months, cond.amount.at_least)

    def restrict_schema(self, defs: dict[str, Any], vocab: Vocabulary) -> None:
        enumerate_acts(defs["AmountBody"], vocab)
