"""The rule language's building blocks, shared by ``language`` and every condition kind.

Kept apart from ``language`` so that a condition kind (``conditions/``) can define its model
without importing the module that assembles every kind into the ``Condition`` union.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

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


class Frozen(BaseModel):
    """Immutable once built: the base of every model the package hands out (reports, comparisons, diffs)."""

    model_config = ConfigDict(frozen=True)


_new = object.__new__
_set = object.__setattr__  # a frozen model's fields are set as pydantic's own constructors set them
FrozenT = TypeVar("FrozenT", bound=Frozen)


def assembled(cls: type[FrozenT], data: dict[str, Any], fields_set: set[str]) -> FrozenT:
    """A ``cls`` holding ``data`` as its fields, ``fields_set`` marked as given, nothing checked:
    ``data`` has every field, in the fields' order, each already of its field's type (nested
    models built). What pydantic's own constructors leave in a model, for the package's own data."""
    model = _new(cls)
    _set(model, "__dict__", data)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def built(cls: type[FrozenT], **values: Any) -> FrozenT:
    """``cls(**values)`` for the package's own data, not checked again: ``values`` gives every
    field, in the fields' order, each already of its field's type (nested models built).

    Validating what the code itself just built costs a comparison's rows more than building
    them; tests compare the result with validation's (``tests/test_compare.py``). A function, not
    a method, so that the models handed to users carry no constructor that skips validation.
    """
    return assembled(cls, values, set(values))


class Model(Frozen):
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
