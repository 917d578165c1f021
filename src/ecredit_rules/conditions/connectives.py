"""all, any, not, at_least: conditions made of other conditions, with Kleene (three-valued) meaning."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import Field, StrictInt

from .. import limits
from ..ir import And, AtLeast, Node, Not, Or
from ..language_base import Model
from ..messages import Msg
from .base import CheckContext, CompileContext, ConnectiveKind

if TYPE_CHECKING:
    from ..language import Condition
    from ..yaml_source import PathKey


class AllOf(Model):
    all: list[Condition] = Field(min_length=1, description="全部条件成立 / every condition holds")


class AnyOf(Model):
    any: list[Condition] = Field(min_length=1, description="任一条件成立 / at least one condition holds")


class NotOf(Model):
    not_: Condition = Field(alias="not", description="条件不成立 / the condition does not hold")


class AtLeastBody(Model):
    n: StrictInt = Field(ge=1, description="至少成立的条件个数 / how many must hold")
    of: list[Condition] = Field(min_length=1, description="候选条件 / the candidate conditions")


class AtLeastOf(Model):
    at_least: AtLeastBody = Field(description="至少 n 个条件成立 / at least n of the conditions hold")


# Models whose fields name ``Condition``: rebuilt by ``language`` once the union exists.
RECURSIVE_MODELS = (AllOf, AnyOf, NotOf, AtLeastBody)


class AllKind(ConnectiveKind[AllOf]):
    key = "all"
    model = AllOf

    def children(self, cond: AllOf) -> Iterator[tuple[Model, PathKey]]:
        return ((c, ("all", i)) for i, c in enumerate(cond.all))

    def raw_children(self, body: Any) -> list[tuple[Any, PathKey]]:
        return [(c, ("all", i)) for i, c in enumerate(body)] if isinstance(body, list) else []

    def compile(self, cond: AllOf, ctx: CompileContext, owner: str) -> Node:
        return And(tuple(ctx.node(c, owner) for c, _ in self.children(cond)))


class AnyKind(ConnectiveKind[AnyOf]):
    key = "any"
    model = AnyOf

    def children(self, cond: AnyOf) -> Iterator[tuple[Model, PathKey]]:
        return ((c, ("any", i)) for i, c in enumerate(cond.any))

    def raw_children(self, body: Any) -> list[tuple[Any, PathKey]]:
        return [(c, ("any", i)) for i, c in enumerate(body)] if isinstance(body, list) else []

    def compile(self, cond: AnyOf, ctx: CompileContext, owner: str) -> Node:
        return Or(tuple(ctx.node(c, owner) for c, _ in self.children(cond)))


class NotKind(ConnectiveKind[NotOf]):
    key = "not"
    model = NotOf

    def children(self, cond: NotOf) -> Iterator[tuple[Model, PathKey]]:
        return iter(((cond.not_, ("not",)),))

    def raw_children(self, body: Any) -> list[tuple[Any, PathKey]]:
        return [(body, ("not",))]

    def compile(self, cond: NotOf, ctx: CompileContext, owner: str) -> Node:
        return Not(ctx.node(cond.not_, owner))


class AtLeastKind(ConnectiveKind[AtLeastOf]):
    key = "at_least"
    model = AtLeastOf

    def children(self, cond: AtLeastOf) -> Iterator[tuple[Model, PathKey]]:
        return ((c, ("at_least", "of", i)) for i, c in enumerate(cond.at_least.of))

    def raw_children(self, body: Any) -> list[tuple[Any, PathKey]]:
        of = body.get("of") if isinstance(body, dict) else None
        return [(c, ("at_least", "of", i)) for i, c in enumerate(of)] if isinstance(of, list) else []

    def check(self, cond: AtLeastOf, ctx: CheckContext, where: PathKey, owner: str) -> None:
        """``n`` has the range of a count (the schema already refuses n < 1)."""
        if cond.at_least.n > limits.MAX_COUNT:
            msg = Msg("out_of_range", field="n", value=cond.at_least.n, low=1, high=limits.MAX_COUNT)
            ctx.add((*where, "at_least", "n"), msg)

    def compile(self, cond: AtLeastOf, ctx: CompileContext, owner: str) -> Node:
        return AtLeast(cond.at_least.n, tuple(ctx.node(c, owner) for c, _ in self.children(cond)))
