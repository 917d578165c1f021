"""assessment: an assessment input has one of the listed values (``assessment.<field>``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from ..language_base import AssessmentField, Model
from ..subject import ExplainFn, ValueFn, known_fact
from .base import CheckContext, FactKind, LintAtom

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey


class AssessmentBody(Model):
    field: AssessmentField = Field(description="评价项目 / which assessment input")
    in_: list[str | bool] = Field(alias="in", min_length=1, description="取值属于其一 / value is one of")


class AssessmentIn(Model):
    assessment: AssessmentBody


class AssessmentKind(FactKind[AssessmentIn]):
    key = "assessment"
    model = AssessmentIn
    description = "评议项目的取值属于所列之一 / holds when an assessment input has one of the listed values"

    def check(self, cond: AssessmentIn, ctx: CheckContext, where: PathKey, owner: str) -> None:
        allowed = ctx.vocab.assessment_values(cond.assessment.field)
        for i, value in enumerate(cond.assessment.in_):
            ctx.code(value, allowed, "评价项目取值", (*where, "assessment", "in", i))

    def derive(self, cond: AssessmentIn, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        name = cond.assessment.field
        return known_fact("assessment", name, tuple(cond.assessment.in_).__contains__)

    def lint_atom(self, cond: AssessmentIn, vocab: Vocabulary) -> LintAtom:
        # An input has exactly one value among those the vocabulary lists.
        name = cond.assessment.field
        domain = frozenset(vocab.assessment_values(name))
        return LintAtom((f"assessment.{name}",), frozenset(cond.assessment.in_), domain)
