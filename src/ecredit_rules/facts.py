"""Facts about one e-commerce subject (CONTRACT §3), validated at the boundary.

Absent means unknown, never false: every optional field is ``None`` when the caller did not
say, and the rules treat it so. Amounts are ``Decimal``; a float never enters.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from .errors import FactsError, Problem
from .vocabulary import vocabulary

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_codes(values: Any, category: str) -> Any:
    known = getattr(vocabulary(), category)
    items = [values] if isinstance(values, str) else list(values or ())
    bad = [v for v in items if v not in known]
    if bad:
        raise PydanticCustomError(
            "unknown_code",
            "unknown {category} code(s): {codes}",
            {"category": category, "codes": ", ".join(map(str, bad))},
        )
    return values


def _iso_date(value: Any) -> Any:
    # Pydantic would also take a Unix timestamp or "2024-1-5"; the contract says ISO dates only.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("iso_date", "must be an ISO date YYYY-MM-DD, got {value!r}", {"value": value})
    return value


def _amount(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PydanticCustomError("amount", "must be an amount in yuan (string or number), got {value!r}", {"value": value})
    if isinstance(value, float):
        return Decimal(str(value))
    return value


Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


class Subject(_Frozen):
    id: str = Field(min_length=1, description="unique id of the e-commerce subject")
    name: str | None = None
    roles: tuple[str, ...] | None = None
    legal_form: str | None = None
    region: str | None = None
    licensed: StrictBool | None = None
    lists: tuple[str, ...] | None = None

    _roles = field_validator("roles")(lambda v: v if v is None else _check_codes(v, "roles"))
    _legal_form = field_validator("legal_form")(lambda v: v if v is None else _check_codes(v, "legal_forms"))
    _lists = field_validator("lists")(lambda v: v if v is None else _check_codes(v, "lists"))


class Event(_Frozen):
    id: str = Field(min_length=1)
    type: str
    date: date
    act: str | None = None
    authority: str | None = None
    reference: str | None = None
    sales_amount: Amount | None = None
    illegal_gain: Amount | None = None
    grade: str | None = None
    answers: str | None = None

    _type = field_validator("type")(lambda v: _check_codes(v, "event_types"))
    _act = field_validator("act")(lambda v: v if v is None else _check_codes(v, "acts"))
    _date = field_validator("date", mode="before")(_iso_date)
    _amounts = field_validator("sales_amount", "illegal_gain", mode="before")(
        lambda v: v if v is None else _amount(v)
    )


class Assessment(_Frozen):
    management: str | None = None
    commitment: str | None = None
    economic_strength: str | None = None
    reputation: str | None = None
    stable_staff: StrictBool | None = None

    @field_validator("management", "commitment", "economic_strength", "reputation")
    @classmethod
    def _known_value(cls, value: str | None, info: Any) -> str | None:
        if value is not None and value not in vocabulary().assessment_values(info.field_name):
            raise PydanticCustomError(
                "unknown_code",
                "unknown {field} value {value!r}; one of: {choices}",
                {
                    "field": info.field_name,
                    "value": value,
                    "choices": ", ".join(map(str, vocabulary().assessment_values(info.field_name))),
                },
            )
        return value


class Facts(_Frozen):
    """Everything known about one subject. Only ``subject.id`` is required.

    >>> Facts.model_validate({"subject": {"id": "S1"}}).events is None
    True
    """

    subject: Subject
    events: tuple[Event, ...] | None = None
    compliance: dict[str, StrictBool] | None = None
    retention_days: dict[str, Annotated[StrictInt, Field(ge=0)]] | None = None
    platform_systems: tuple[str, ...] | None = None
    assessment: Assessment | None = None

    _compliance = field_validator("compliance")(lambda v: v if v is None else _check_codes(v.keys(), "compliance") and v)
    _retention = field_validator("retention_days")(
        lambda v: v if v is None else _check_codes(v.keys(), "retention_days") and v
    )
    _systems = field_validator("platform_systems")(
        lambda v: v if v is None else _check_codes(v, "platform_systems")
    )

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
                    problems.append(Problem(f"events[{i}].id", f"duplicate event id {eid!r} (first at events[{first[eid]}])"))
                else:
                    first[eid] = i
            if event.get("type") == "response":
                target = event.get("answers")
                if target is None:
                    problems.append(Problem(f"events[{i}].answers", "a response must name the event it answers"))
                elif target not in ids:
                    problems.append(Problem(f"events[{i}].answers", f"no event with id {target!r}"))
    return problems


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r} in JSON object")
        seen[key] = value
    return seen


def load_facts(facts: Facts | Mapping[str, Any] | str | bytes) -> Facts:
    """Validate facts given as a model, a dict or JSON text; raise ``FactsError`` naming every problem.

    >>> load_facts('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-13-01"}]}')
    Traceback (most recent call last):
    ...
    ecredit_rules.errors.FactsError: events[0].date: ...
    """
    if isinstance(facts, Facts):
        return facts
    if isinstance(facts, str | bytes):
        try:
            obj = json.loads(facts, parse_float=Decimal, object_pairs_hook=_no_duplicate_keys)
        except ValueError as exc:
            raise FactsError([Problem("(json)", f"not valid JSON: {exc}")]) from None
    else:
        obj = facts
    if not isinstance(obj, Mapping):
        raise FactsError([Problem("(facts)", "facts must be a JSON object")])
    problems = _raw_problems(obj)
    try:
        result = Facts.model_validate(obj)
    except ValidationError as exc:
        for err in exc.errors():
            where = fact_path(err["loc"])
            if err["type"] == "duplicate_id" and any(p.message.startswith("duplicate event id") for p in problems):
                continue
            problems.append(Problem(where, _message(err)))
    if problems:
        raise FactsError(sorted(set(problems), key=lambda p: (p.where, p.message)))
    return result


def _message(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    if err["type"] == "missing":
        return "required"
    return str(err["msg"])
