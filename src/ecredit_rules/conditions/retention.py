"""retention: records kept fewer days than a threshold (``retention_days.<record>``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ..ir import Node, threshold_fn
from ..language_base import Count, Model, ParamRef
from ..subject import ExplainFn, ValueFn, known_fact
from .base import CheckContext, CompileContext, LeafKind, LintAtom, independent_atom, param_refs_in

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey


class RetentionBody(Model):
    record: str = Field(description="保存的记录种类（retention_days 代码）/ which records")
    less_than_days: Count = Field(description="保存天数少于该值即成立 / holds when kept fewer days than this")


class Retention(Model):
    retention: RetentionBody


class RetentionKind(LeafKind[Retention]):
    key = "retention"
    model = Retention
    description = "记录保存天数少于门槛时成立 / holds when records are kept fewer days than the threshold"

    def check(self, cond: Retention, ctx: CheckContext, where: PathKey, owner: str) -> None:
        body = cond.retention
        ctx.code(body.record, ctx.vocab.retention_days, "记录保存", (*where, "retention", "record"))
        ctx.threshold(body.less_than_days, (*where, "retention", "less_than_days"), {"days"})

    def compile(self, cond: Retention, ctx: CompileContext, owner: str) -> Node:
        # The value is the days kept; the threshold is the minimum a rule requires.
        return ctx.leaf(cond, self, "lt", threshold_fn(cond.retention.less_than_days, ctx.parameters))

    def derive(self, cond: Retention, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        record = cond.retention.record
        return known_fact("retention_days", record, int)

    def lint_atom(self, cond: Retention, vocab: Vocabulary) -> LintAtom:
        return independent_atom(cond)

    def codes(self, cond: Retention) -> Iterator[tuple[str, Any]]:
        yield "retention_days", cond.retention.record

    def param_refs(self, cond: Retention) -> Iterator[ParamRef]:
        return param_refs_in(cond.retention.less_than_days)

    def restrict_schema(self, defs: dict[str, Any], vocab: Vocabulary) -> None:
        defs["RetentionBody"]["properties"]["record"]["enum"] = list(vocab.retention_days)
