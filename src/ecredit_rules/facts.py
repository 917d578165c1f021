"""Facts about one e-commerce subject (CONTRACT §3), validated at the boundary.

Absent means unknown, never false: every optional field is ``None`` when the caller did not
say, and the rules treat it so. Amounts are ``Decimal``; a float never enters.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .errors import FactsError, Problem
from .messages import suggest
from .vocabulary import vocabulary

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _code_of(category: str, what: str) -> Any:
    """A validator accepting only the codes of one vocabulary category, suggesting the likely one."""

    def check(value: str) -> str:
        known = getattr(vocabulary(), category)
        if value not in known:
            hint = suggest(value, known)
            raise PydanticCustomError(
                "unknown_code",
                "unknown {what} code {code}{hint}",
                {"what": what, "code": repr(value), "hint": f"; did you mean {hint!r}?" if hint else ""},
            )
        return value

    return AfterValidator(check)


RoleCode = Annotated[str, _code_of("roles", "role")]
LegalFormCode = Annotated[str, _code_of("legal_forms", "legal form")]
ListCode = Annotated[str, _code_of("lists", "list")]
EventType = Annotated[str, _code_of("event_types", "event type")]
ActCode = Annotated[str, _code_of("acts", "act")]
ComplianceCode = Annotated[str, _code_of("compliance", "compliance")]
RetentionCode = Annotated[str, _code_of("retention_days", "retention")]
SystemCode = Annotated[str, _code_of("platform_systems", "platform system")]


def _iso_date(value: Any) -> Any:
    # Pydantic would also take a Unix timestamp, "2024-1-5" or a datetime; the contract says ISO dates only.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError(
        "iso_date", "must be an existing date written YYYY-MM-DD, not {value}", {"value": repr(value)}
    )


def _amount(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PydanticCustomError(
            "amount", "must be an amount in yuan (string or number), not {value}", {"value": repr(value)}
        )
    if isinstance(value, float):
        # str() of a float is its shortest round-trip form: 49999.99 stays 49999.99, never 49999.98999….
        return Decimal(str(value))
    return value


Amount = Annotated[Decimal, BeforeValidator(_amount), Field(ge=0, allow_inf_nan=False)]


class Subject(_Frozen):
    id: str = Field(min_length=1, description="unique id of the e-commerce subject")
    name: str | None = None
    roles: tuple[RoleCode, ...] | None = None
    legal_form: LegalFormCode | None = None
    region: str | None = None
    licensed: StrictBool | None = None
    lists: tuple[ListCode, ...] | None = None


class Event(_Frozen):
    id: str = Field(min_length=1)
    type: EventType
    date: Annotated[date, BeforeValidator(_iso_date)]
    act: ActCode | None = None
    authority: str | None = None
    reference: str | None = None
    sales_amount: Amount | None = None
    illegal_gain: Amount | None = None
    grade: str | None = None
    answers: str | None = None


class Assessment(_Frozen):
    management: str | None = None
    commitment: str | None = None
    economic_strength: str | None = None
    reputation: str | None = None
    stable_staff: StrictBool | None = None

    @field_validator("management", "commitment", "economic_strength", "reputation")
    @classmethod
    def _known_value(cls, value: str | None, info: ValidationInfo) -> str | None:
        allowed = vocabulary().assessment_values(info.field_name or "")
        if value is not None and value not in allowed:
            raise PydanticCustomError(
                "unknown_code",
                "unknown {field} value {value}; one of: {choices}",
                {"field": info.field_name, "value": repr(value), "choices": ", ".join(sorted(map(str, allowed)))},
            )
        return value


class Facts(_Frozen):
    """Everything known about one subject. Only ``subject.id`` is required.

    >>> Facts.model_validate({"subject": {"id": "S1"}}).events is None
    True
    """

    subject: Subject
    events: tuple[Event, ...] | None = None
    compliance: dict[ComplianceCode, StrictBool] | None = None
    retention_days: dict[RetentionCode, Annotated[StrictInt, Field(ge=0)]] | None = None
    platform_systems: tuple[SystemCode, ...] | None = None
    assessment: Assessment | None = None

    @field_validator("events")
    @classmethod
    def _unique_ids(cls, events: tuple[Event, ...] | None) -> tuple[Event, ...] | None:
        if events is not None:
            repeated = sorted(i for i, n in Counter(e.id for e in events).items() if n > 1)
            if repeated:
                raise PydanticCustomError("duplicate_id", "duplicate event id(s): {ids}", {"ids": ", ".join(repeated)})
        return events


def fact_path(loc: tuple[Any, ...]) -> str:
    """``("events", 2, "date")`` → ``events[2].date``."""
    out = ""
    for step in loc:
        if step == "[key]":  # pydantic's marker for a bad dict key: the key itself is the path
            continue
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + str(step)
    return out or "(facts)"


def _raw_problems(obj: Any) -> list[Problem]:
    """Checks that must report even when other fields are broken (pydantic stops at the list)."""
    problems: list[Problem] = []
    events = obj.get("events") if isinstance(obj, Mapping) else None
    if isinstance(events, list):
        first: dict[str, int] = {}
        ids = {e.get("id") for e in events if isinstance(e, Mapping)}
        for i, event in enumerate(events):
            if not isinstance(event, Mapping):
                continue
            eid = event.get("id")
            if isinstance(eid, str):
                if eid in first:
                    problems.append(
                        Problem(f"events[{i}].id", f"duplicate event id {eid!r} (first at events[{first[eid]}])")
                    )
                else:
                    first[eid] = i
            if event.get("type") == "response":
                target = event.get("answers")
                if target is None:
                    problems.append(Problem(f"events[{i}].answers", "a response must name the event it answers"))
                elif target not in ids:
                    problems.append(Problem(f"events[{i}].answers", f"no event with id {target!r}"))
    return problems


class _DuplicatedKeys(dict[str, Any]):
    """A JSON object that repeated some of its keys; the first value of each is kept."""

    repeated: list[str]


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    repeated: list[str] = []
    for key, value in pairs:
        if key in seen:
            repeated.append(key)
        else:
            seen[key] = value
    if not repeated:
        return seen
    out = _DuplicatedKeys(seen)
    out.repeated = repeated
    return out


def _duplicated_keys(obj: Any, loc: tuple[Any, ...] = ()) -> list[Problem]:
    """Every key a JSON object repeated, by path: JSON parsers silently keep one of the two values."""
    problems: list[Problem] = []
    if isinstance(obj, dict):
        if isinstance(obj, _DuplicatedKeys):
            problems += [Problem(fact_path((*loc, k)), "key appears twice in the JSON text") for k in obj.repeated]
        for key, value in obj.items():
            problems += _duplicated_keys(value, (*loc, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            problems += _duplicated_keys(value, (*loc, i))
    return problems


def _path_order(problem: Problem) -> tuple[Any, ...]:
    # events[2] before events[10]: compare the numbers in a path as numbers.
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", problem.where)), problem.message


def load_facts(facts: Facts | Mapping[str, Any] | str | bytes) -> Facts:
    """Validate facts given as a model, a dict or JSON text; raise ``FactsError`` naming every problem.

    >>> load_facts('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-13-01"}]}')
    Traceback (most recent call last):
    ...
    ecredit_rules.errors.FactsError: events[0].date: ...
    """
    if isinstance(facts, Facts):
        return facts
    problems: list[Problem] = []
    if isinstance(facts, str | bytes):
        try:
            obj = json.loads(facts, parse_float=Decimal, object_pairs_hook=_no_duplicate_keys)
        except ValueError as exc:
            raise FactsError([Problem("(json)", f"not valid JSON: {exc}")]) from None
        problems += _duplicated_keys(obj)
    else:
        obj = facts
    if not isinstance(obj, Mapping):
        raise FactsError([Problem("(facts)", "facts must be a JSON object")])
    problems += _raw_problems(obj)
    try:
        result = Facts.model_validate(obj)
    except ValidationError as exc:
        for err in exc.errors():
            if err["type"] == "duplicate_id" and any(p.message.startswith("duplicate event id") for p in problems):
                continue
            problems.append(Problem(fact_path(err["loc"]), _message(err)))
    if problems:
        raise FactsError(sorted(set(problems), key=_path_order))
    return result


def _message(err: Any) -> str:
    etype = err["type"]
    if etype == "extra_forbidden":
        return "unknown key"
    if etype == "missing":
        return "required"
    if etype in {"tuple_type", "list_type"}:
        return "must be a list"
    if etype == "greater_than_equal":
        return f"must not be negative, not {err['input']!r}"
    return str(err["msg"])
