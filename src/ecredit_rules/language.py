"""The rule language: pydantic models of what a ruleset YAML file may say.

These models are the single definition of the language. The loader validates files against
them, ``docs/rule-language.md`` explains them, and the JSON Schema for editors is generated
from them, so field descriptions are written for policy staff, in Chinese and English.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, StrictFloat, StrictInt, Tag

Kind = Literal[
    "dishonest",
    "prohibited",
    "obligation_breach",
    "trustworthy",
    "blacklist",
    "redlist",
    "sanction",
    "incentive",
    "risk_warning",
    "rating",
    "deadline",
    "notice",
]
Role = Literal["goods_operator", "platform_operator", "infrastructure_provider"]
LegalForm = Literal["enterprise", "individual_business", "natural_person", "other_organization"]
ListName = Literal["red", "black"]
EventType = Literal[
    "penalty", "warning", "finding", "commitment", "rating", "submission", "objection", "review_request", "response"
]
AssessmentField = Literal["management", "commitment", "economic_strength", "reputation", "stable_staff"]
AmountField = Literal["sales_amount", "illegal_gain"]

RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)+$")


class Model(BaseModel):
    """Every node of a rule file is immutable and rejects keys it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ParamRef(Model):
    param: str = Field(description="引用 parameters 中的参数名 / name of a parameter under `parameters`")


# A threshold is a number or a reference to a dated parameter. Text ("3") is refused on purpose:
# a number written as text is the most common slip in hand-edited YAML.
Count = Annotated[
    StrictInt | ParamRef,
    Field(description="次数、月数或天数：整数或 {param: 名称} / a whole number or {param: name}"),
]
Money = Annotated[
    StrictInt | StrictFloat | ParamRef,
    Field(description="金额（元）：数字或 {param: 名称} / an amount in yuan, or {param: name}"),
]


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


class RoleIs(Model):
    role: Role = Field(description="主体具有该角色 / the subject has this role")


class LegalFormIn(Model):
    legal_form: list[LegalForm] = Field(min_length=1, description="主体的组织形式属于其一 / legal form is one of")


class LicensedIs(Model):
    licensed: StrictBool = Field(description="是否持有营业执照 / whether the subject holds a business licence")


class Met(Model):
    met: str = Field(description="该合规义务已履行（compliance 代码）/ this compliance duty is known to be met")


class Breached(Model):
    breached: str = Field(description="该合规义务未履行（compliance 代码）/ this duty is known to be breached")


class RetentionBody(Model):
    record: str = Field(description="保存的记录种类（retention_days 代码）/ which records")
    less_than_days: Count = Field(description="保存天数少于该值即成立 / holds when kept fewer days than this")


class Retention(Model):
    retention: RetentionBody


class LacksSystem(Model):
    lacks_system: str = Field(description="平台未建立该制度（platform_systems 代码）/ the platform lacks this system")


class HasSystem(Model):
    has_system: str = Field(description="平台已建立该制度 / the platform has this system")


class OnList(Model):
    on_list: ListName = Field(description="主体在主管部门公布的名单上 / the subject is on this list")


class AssessmentBody(Model):
    field: AssessmentField = Field(description="评价项目 / which assessment input")
    in_: list[str | bool] = Field(alias="in", min_length=1, description="取值属于其一 / value is one of")


class AssessmentIn(Model):
    assessment: AssessmentBody


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


class Fired(Model):
    fired: list[str] = Field(min_length=1, description="其中任一规则已作出认定 / any of these rules gave a verdict")


class FiredKind(Model):
    fired_kind: Kind = Field(description="本规则集中该类认定任一成立 / any rule of this kind gave a verdict")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    if isinstance(value, BaseModel):
        return _TAG_OF_MODEL.get(type(value))
    return None


CONDITION_KEYS: dict[str, type[Model]] = {
    "all": AllOf,
    "any": AnyOf,
    "not": NotOf,
    "at_least": AtLeastOf,
    "role": RoleIs,
    "legal_form": LegalFormIn,
    "licensed": LicensedIs,
    "met": Met,
    "breached": Breached,
    "retention": Retention,
    "lacks_system": LacksSystem,
    "has_system": HasSystem,
    "on_list": OnList,
    "assessment": AssessmentIn,
    "events": Events,
    "amount": Amount,
    "follows": Follows,
    "fired": Fired,
    "fired_kind": FiredKind,
}

_TAG_OF_MODEL: dict[type, str] = {model: key for key, model in CONDITION_KEYS.items()}

Condition = Annotated[
    Union[tuple(Annotated[model, Tag(key)] for key, model in CONDITION_KEYS.items())],  # type: ignore[valid-type]  # noqa: UP007
    Discriminator(
        _condition_tag,
        custom_error_type="condition_form",
        custom_error_message="condition must be a mapping with exactly one known key",
    ),
]

for _model in (AllOf, AnyOf, NotOf, AtLeastBody):
    _model.model_rebuild()


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


class Clause(Model):
    article: StrictInt | None = Field(default=None, description="条（按原文编号）/ article number as printed")
    item: StrictInt | None = Field(default=None, description="项（按原文编号）/ item number as printed")
    label: str = Field(description="引用时显示的标签，如 第十一条第（四）项 / printed label")
    heading: list[str] | None = Field(default=None, description="无条文编号的文件的标题路径 / heading path")
    text: str = Field(min_length=1, description="原文文字 / the clause's own words")
    note: str | None = Field(default=None, description="说明 / note")


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


class Rule(Model):
    id: str = Field(description="规则 id，如 tuquan.art11.item4 / rule id")
    cites: str = Field(description="所依据的条款 id / the clause this rule cites")
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


class Deadline(Model):
    id: str = Field(description="规则 id / rule id")
    cites: str = Field(description="所依据的条款 id / clause")
    label: str = Field(description="中文名称 / label")
    trigger: EventType = Field(description="起算事件类型 / event type that starts the clock")
    working_days: Count = Field(
        description="工作日数，0 表示当日 / working days after the trigger (0: the same day)"
    )
    interpretation: str | None = Field(default=None, description="解释选择 / reading chosen")


class NotEncoded(Model):
    clause: str = Field(description="条款 id / clause id")
    reason: str = Field(min_length=1, description="机器无法判断的理由 / why a machine cannot judge it")


class RulesetFile(Model):
    ruleset: str = Field(description="规则集 id，须与文件名一致 / ruleset id, equal to the file name")
    version: str = Field(description="规则集版本 / version of this encoding")
    document: Document
    clauses: dict[str, Clause] = Field(min_length=1, description="原文全部条款，按 id / every clause, by id")
    parameters: dict[str, Parameter] = Field(default_factory=dict, description="带日期的阈值参数 / dated thresholds")
    rules: list[Rule] = Field(default_factory=list, description="认定规则 / rules")
    rating: Rating | None = Field(default=None, description="信用等级评定方案 / rating scheme")
    deadlines: list[Deadline] = Field(default_factory=list, description="办理时限 / deadlines")
    not_encoded: list[NotEncoded] = Field(
        default_factory=list, description="机器无法判断的条款及理由 / clauses not encoded, with reasons"
    )
