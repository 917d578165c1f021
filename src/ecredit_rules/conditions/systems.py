"""has_system, lacks_system: whether a platform has established a system (``platform_systems``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from pydantic import Field

from ..language_base import Model
from ..subject import ExplainFn, ValueFn, holds, known_fact
from .base import CheckContext, FactKind, LintAtom

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey


class LacksSystem(Model):
    lacks_system: str = Field(description="平台未建立该制度（platform_systems 代码）/ the platform lacks this system")


class HasSystem(Model):
    has_system: str = Field(description="平台已建立该制度 / the platform has this system")


class _SystemKind(FactKind[Any]):
    """The facts list the systems a platform has; one absent from a given list is known to be lacking."""

    has: bool

    def check(self, cond: Any, ctx: CheckContext, where: PathKey, owner: str) -> None:
        ctx.code(self.body(cond), ctx.vocab.platform_systems, "平台制度", (*where, self.key))

    def derive(self, cond: Any, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        code = self.body(cond)
        test: Callable[[Any], Any] = holds(code) if self.has else (lambda systems: code not in systems)
        return known_fact("platform_systems", None, test)

    def lint_atom(self, cond: Any, vocab: Vocabulary) -> LintAtom:
        return LintAtom(("platform_systems", self.body(cond)), frozenset({self.has}))

    def codes(self, cond: Any) -> Iterator[tuple[str, Any]]:
        yield "platform_systems", self.body(cond)

    def restrict_schema(self, defs: dict[str, Any], vocab: Vocabulary) -> None:
        defs[self.model.__name__]["properties"][self.key]["enum"] = list(vocab.platform_systems)


class LacksSystemKind(_SystemKind):
    key = "lacks_system"
    model = LacksSystem
    has = False


class HasSystemKind(_SystemKind):
    key = "has_system"
    model = HasSystem
    has = True
