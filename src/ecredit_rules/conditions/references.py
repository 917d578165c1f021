"""fired, fired_kind: conditions on other rules' verdicts, so findings chain (失信 → 黑名单 → 惩戒)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..ir import Chain, Node, Or
from ..language_base import Kind, Model
from ..messages import Msg, suggest
from .base import CheckContext, CompileContext, ReferenceKind

if TYPE_CHECKING:
    from ..yaml_source import PathKey


class Fired(Model):
    fired: list[str] = Field(min_length=1, description="其中任一规则已作出认定 / any of these rules gave a verdict")


class FiredKind(Model):
    fired_kind: Kind = Field(description="本规则集中该类认定任一成立 / any rule of this kind gave a verdict")


def any_of_rules(rules: list[str]) -> Node:
    """Some rule of ``rules`` gave its verdict (a single chain when there is one)."""
    chains = tuple(Chain(r) for r in rules)
    return chains[0] if len(chains) == 1 else Or(chains)


class FiredRefKind(ReferenceKind[Fired]):
    key = "fired"
    model = Fired

    def rules(self, cond: Fired, rule_kinds: dict[str, str], owner: str) -> list[str]:
        return list(cond.fired)

    def check(self, cond: Fired, ctx: CheckContext, where: PathKey, owner: str) -> None:
        for i, ref in enumerate(cond.fired):
            if ref == owner:
                ctx.add((*where, "fired", i), Msg("self_reference"))
            elif ref not in ctx.rule_kinds:
                hint = suggest(ref, ctx.rule_kinds)
                ctx.add((*where, "fired", i), Msg("unknown_rule", ref=ref, suggestion=hint))

    def compile(self, cond: Fired, ctx: CompileContext, owner: str) -> Node:
        return any_of_rules(self.rules(cond, ctx.rule_kinds, owner))


class FiredKindKind(ReferenceKind[FiredKind]):
    key = "fired_kind"
    model = FiredKind

    def rules(self, cond: FiredKind, rule_kinds: dict[str, str], owner: str) -> list[str]:
        """Every other plain rule of the kind, in file order."""
        return [r for r, k in rule_kinds.items() if k == cond.fired_kind and r != owner]

    def check(self, cond: FiredKind, ctx: CheckContext, where: PathKey, owner: str) -> None:
        if not self.rules(cond, ctx.rule_kinds, owner):
            ctx.add((*where, "fired_kind"), Msg("no_kind_producer", kind=cond.fired_kind))

    def compile(self, cond: FiredKind, ctx: CompileContext, owner: str) -> Node:
        return any_of_rules(self.rules(cond, ctx.rule_kinds, owner))
