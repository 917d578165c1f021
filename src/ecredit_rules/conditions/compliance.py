"""met, breached: whether a compliance duty is known to be met (``compliance.<code>``)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from operator import is_
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ..language_base import Model
from ..subject import ExplainFn, ValueFn, known_fact
from .base import CheckContext, FactKind, LintAtom

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey


class Met(Model):
    met: str = Field(description="该合规义务已履行（compliance 代码）/ this compliance duty is known to be met")


class Breached(Model):
    breached: str = Field(description="该合规义务未履行（compliance 代码）/ this duty is known to be breached")


class _DutyKind(FactKind[Any]):
    """A duty is a yes/no fact; ``met`` tests yes, ``breached`` tests no (unknown stays unknown)."""

    met: bool

    def check(self, cond: Any, ctx: CheckContext, where: PathKey, owner: str) -> None:
        ctx.code(self.body(cond), ctx.vocab.compliance, "合规义务", (*where, self.key))

    def derive(self, cond: Any, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        code = self.body(cond)
        return known_fact("compliance", code, partial(is_, self.met))

    def lint_atom(self, cond: Any, vocab: Vocabulary) -> LintAtom:
        return LintAtom((f"compliance.{self.body(cond)}",), frozenset({self.met}))

    def codes(self, cond: Any) -> Iterator[tuple[str, Any]]:
        yield "compliance", self.body(cond)

    def restrict_schema(self, defs: dict[str, Any], vocab: Vocabulary) -> None:
        defs[self.model.__name__]["properties"][self.key]["enum"] = list(vocab.compliance)


class MetKind(_DutyKind):
    key = "met"
    model = Met
    met = True


class BreachedKind(_DutyKind):
    key = "breached"
    model = Breached
    met = False
