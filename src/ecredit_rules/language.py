"""The rule language: pydantic models of what a ruleset YAML file may say.

These models are the single definition of the language. The loader validates files against
them, ``docs/rule-language.md`` explains them, and the JSON Schema for editors is generated
from them, so field descriptions are written for policy staff, in Chinese and English.

The models of conditions live with their kinds, one module each in ``conditions/``; this module
assembles them into the ``Condition`` union in the order of ``conditions.KINDS`` and re-exports
them, so ``ecredit_rules.language`` still names every model of the language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, Discriminator, Field, StrictBool, StrictFloat, StrictInt, Tag

from .conditions import KINDS
from .conditions.amount import Amount, AmountBody
from .conditions.assessment import AssessmentBody, AssessmentIn
from .conditions.compliance import Breached, Met
from .conditions.connectives import RECURSIVE_MODELS, AllOf, AnyOf, AtLeastBody, AtLeastOf, NotOf
from .conditions.events import Events, EventsBody
from .conditions.follows import EventFilter, Follows, FollowsBody
from .conditions.references import Fired, FiredKind
from .conditions.retention import Retention, RetentionBody
from .conditions.subject_facts import LegalFormIn, LicensedIs, OnList, RoleIs
from .conditions.systems import HasSystem, LacksSystem
from .language_base import (
    AmountField,
    AssessmentField,
    Count,
    EventType,
    Kind,
    LegalForm,
    ListName,
    Model,
    Money,
    ParamRef,
    Role,
)

__all__ = [
    "CONDITION_KEYS", "RULE_ID", "AllOf", "Amount", "AmountBody", "AmountField", "AnyOf", "AssessmentBody",
    "AssessmentField", "AssessmentIn", "AtLeastBody", "AtLeastOf", "Breached", "Clause", "Condition", "Count",
    "DatedValue", "Deadline", "Document", "EventFilter", "EventType", "Events", "EventsBody", "Fired", "FiredKind",
    "Follows", "FollowsBody", "Grade",
    "HasSystem", "InForce", "Kind", "LacksSystem", "LegalForm", "LegalFormIn", "LicensedIs", "ListName", "Met",
    "Model", "Money", "NotEncoded", "NotOf", "OnList", "ParamRef", "Parameter", "Rating", "Retention",
    "RetentionBody", "Role", "RoleIs", "Rule", "RulesetFile",
]

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    if isinstance(value, BaseModel):
        return _TAG_OF_MODEL.get(type(value))
    return None


# The keys a condition may use and the model of each, in the order of the kinds' table.
CONDITION_KEYS: dict[str, type[Model]] = {key: kind.model for key, kind in KINDS.items()}

_TAG_OF_MODEL: dict[type, str] = {model: key for key, model in CONDITION_KEYS.items()}

if TYPE_CHECKING:
    # The union is built from the kinds' table at import, which a static checker cannot follow; to it
    # a condition is one of the condition models. Pydantic validates against the real tagged union.
    Condition = Model
else:
    Condition = Annotated[
        Union[tuple(Annotated[model, Tag(key)] for key, model in CONDITION_KEYS.items())],  # noqa: UP007
        Discriminator(
            _condition_tag,
            custom_error_type="condition_form",
            custom_error_message="condition must be a mapping with exactly one known key",
        ),
    ]

for _model in RECURSIVE_MODELS:
    _model.model_rebuild(_types_namespace={"Condition": Condition})


class InForce(Model):
    from_: date = Field(alias="from", description="施行之日（含）/ first day in force")
    until: date | None = Field(default=None, description="有效期最后一日（含），省略为长期 / last day in force")
    clause: str | None = Field(
        default=None, description="规定施行期的条款 id，省略表示原文未规定 / the clause that sets the period"
    )
    interpretation: str | None = Field(default=None, description="对施行期的解释选择 / how the period was read")


class Document(Model):
    title: str = Field(description="文件标题 / title")
    number: str | None = Field(default=None, description="文号 / document number")
    issuer: str = Field(description="发文机关 / issuing body")
    published: date = Field(description="发布日期 / publication date")
    source: str = Field(description="原文文件名 / source text file")
    in_force: InForce = Field(description="施行期 / period of force")
    notes: list[str] = Field(default_factory=list, description="原文特殊之处的说明 / notes on source oddities")


class DatedValue(Model):
    from_: date = Field(alias="from", description="自该日起适用 / applies from this day")
    value: StrictInt | StrictFloat = Field(description="取值 / value")

    @property
    def decimal(self) -> Decimal:
        # str() of a float gives its shortest round-trip form, so 49999.99 stays 49999.99.
        return Decimal(str(self.value))


class Parameter(Model):
    description: str = Field(description="参数含义 / what the parameter is")
    unit: Literal["times", "months", "days", "working_days", "yuan"] = Field(description="单位 / unit")
    values: list[DatedValue] = Field(min_length=1, description="按日期生效的取值 / dated values, history kept")


class RuleEntry(Model):
    """A rule as written under the clause it encodes (the clause it cites is where it stands)."""

    id: str = Field(description="规则 id，如 tuquan.art11.item4 / rule id")
    kind: Kind = Field(description="认定种类 / verdict kind")
    label: str = Field(description="认定的简短中文名称 / short Chinese label")
    applies_to: list[Role] | None = Field(
        default=None, description="该条款针对的主体角色，省略为不限 / roles the article addresses"
    )
    when: Condition = Field(description="成立条件 / condition")
    interpretation: str | None = Field(default=None, description="原文有歧义时所作的选择及理由 / reading chosen")
    retroactive: StrictBool = Field(
        default=False,
        description="计入施行日以前的事件（须在 interpretation 中说明理由）/ "
        "count events dated before the period of force; the reason goes in interpretation",
    )
    note: str | None = Field(default=None, description="说明 / note")


class Rule(RuleEntry):
    """A rule with the clause it cites: the loader's view of a ``RuleEntry`` (not written in files)."""

    cites: str = Field(description="所依据的条款 id / the clause this rule cites")


class Grade(Model):
    grade: str = Field(description="等级 / grade")
    id: str = Field(description="该等级规则 id / rule id of this grade")
    cites: str = Field(description="所依据的条款 id / clause")
    label: str = Field(description="中文名称 / label")
    when: Condition = Field(description="评为该等级的条件 / condition")
    interpretation: str | None = Field(default=None, description="解释选择 / reading chosen")
    retroactive: StrictBool = Field(
        default=False,
        description="计入施行日以前的事件（须在 interpretation 中说明理由）/ "
        "count events dated before the period of force; the reason goes in interpretation",
    )


class Rating(Model):
    id: str = Field(description="评级规则 id / rating id")
    label: str = Field(description="中文名称 / label")
    applies_to: list[Role] | None = Field(default=None, description="适用角色 / roles")
    grades: list[Grade] = Field(min_length=1, description="按顺序判断，先成立者为准 / ordered; first match wins")


class DeadlineEntry(Model):
    """A deadline as written under the clause that sets it."""

    id: str = Field(description="规则 id / rule id")
    label: str = Field(description="中文名称 / label")
    trigger: EventType = Field(description="起算事件类型 / event type that starts the clock")
    working_days: Count = Field(
        description="工作日数，0 表示当日 / working days after the trigger (0: the same day)"
    )
    interpretation: str | None = Field(default=None, description="解释选择 / reading chosen")


class Deadline(DeadlineEntry):
    """A deadline with the clause it cites: the loader's view of a ``DeadlineEntry``."""

    cites: str = Field(description="所依据的条款 id / clause")


class NotEncoded(Model):
    """A clause's ``not_encoded`` reason with the clause: the loader's view (not written in files)."""

    clause: str = Field(description="条款 id / clause id")
    reason: str = Field(min_length=1, description="机器无法判断的理由 / why a machine cannot judge it")


class Clause(Model):
    article: StrictInt | None = Field(default=None, description="条（按原文编号）/ article number as printed")
    item: StrictInt | None = Field(default=None, description="项（按原文编号）/ item number as printed")
    label: str = Field(description="引用时显示的标签，如 第十一条第（四）项 / printed label")
    heading: list[str] | None = Field(default=None, description="无条文编号的文件的标题路径 / heading path")
    text: str = Field(min_length=1, description="原文文字 / the clause's own words")
    note: str | None = Field(default=None, description="说明 / note")
    rules: list[RuleEntry] = Field(
        default_factory=list, description="编码本条款的认定规则（即引用本条款）/ the rules that encode this clause"
    )
    deadlines: list[DeadlineEntry] = Field(
        default_factory=list, description="本条款规定的办理时限 / the deadlines this clause sets"
    )
    not_encoded: str | None = Field(
        default=None, min_length=1,
        description="不编码时写明机器无法判断的理由（代替 rules）/ "
        "why a machine cannot judge this clause, instead of rules",
    )


Where = tuple[str | int, ...]  # a place in the file, as yaml_source.PathKey


class RulesetFile(Model):
    ruleset: str = Field(description="规则集 id，须与文件名一致 / ruleset id, equal to the file name")
    version: str = Field(description="规则集版本 / version of this encoding")
    document: Document
    parameters: dict[str, Parameter] = Field(default_factory=dict, description="带日期的阈值参数 / dated thresholds")
    clauses: dict[str, Clause] = Field(
        min_length=1,
        description="原文全部条款，按 id，每条附编码它的规则、时限或不编码的理由 / "
        "every clause, by id, with the rules and deadlines that encode it or the reason it is not encoded",
    )
    rating: Rating | None = Field(default=None, description="信用等级评定方案 / rating scheme")

    def _report_order(self) -> list[str]:
        """Clause ids in the order their rules are reported: the file's order, except that the rules
        of a clause come after those of the clauses within it (第六条's own conclusion after its items)."""
        ids = list(self.clauses)
        last = {cid: max(i for i, other in enumerate(ids) if other == cid or other.startswith(cid + "."))
                for cid in ids}
        return sorted(ids, key=lambda cid: (last[cid], -cid.count(".")))

    def _placed(self, part: str) -> Iterator[tuple[str, int, Any]]:
        for cid in self._report_order():
            for j, entry in enumerate(getattr(self.clauses[cid], part)):
                yield cid, j, entry

    @cached_property
    def located_rules(self) -> tuple[tuple[Where, Rule], ...]:
        """Every rule with its clause and its place in the file, in report order."""
        return tuple(
            (("clauses", cid, "rules", j), _cited(Rule, entry, cid)) for cid, j, entry in self._placed("rules")
        )

    @cached_property
    def located_deadlines(self) -> tuple[tuple[Where, Deadline], ...]:
        """Every deadline with its clause and its place in the file, in report order."""
        return tuple(
            (("clauses", cid, "deadlines", j), _cited(Deadline, entry, cid))
            for cid, j, entry in self._placed("deadlines")
        )

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule with the clause it cites, in the order verdicts are reported."""
        return tuple(rule for _, rule in self.located_rules)

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        """Every deadline with the clause it cites."""
        return tuple(deadline for _, deadline in self.located_deadlines)

    @cached_property
    def not_encoded(self) -> tuple[NotEncoded, ...]:
        """The clauses not encoded, with their reasons, in file order."""
        return tuple(
            NotEncoded(clause=cid, reason=c.not_encoded) for cid, c in self.clauses.items() if c.not_encoded is not None
        )


def _cited(model: type[Any], entry: BaseModel, cid: str) -> Any:
    """``entry`` as ``model`` (its subclass with ``cites``), without validating it again."""
    return model.model_construct(_fields_set=entry.model_fields_set | {"cites"}, **dict(entry), cites=cid)
