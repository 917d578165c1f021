"""Facts about one e-commerce subject (CONTRACT §3), validated at the boundary.

Absent means unknown, never false: every optional field is ``None`` when the caller did not
say, and the rules treat it so. Amounts are ``Decimal``; a float never enters.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from .dates import parse_iso_date
from .errors import FactsError, Problem
from .messages import suggest
from .vocabulary import vocabulary


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Codes are checked by pydantic-core itself (Literal types built from the vocabulary), which is
# several times faster than a Python validator per field; ``_message`` turns its terse error
# into "unknown … code, did you mean …" afterwards.
_CATEGORIES: dict[str, tuple[str, str]] = {
    "roles": ("roles", "role"),
    "legal_form": ("legal_forms", "legal form"),
    "lists": ("lists", "list"),
    "type": ("event_types", "event type"),
    "act": ("acts", "act"),
    "compliance": ("compliance", "compliance"),
    "retention_days": ("retention_days", "retention"),
    "platform_systems": ("platform_systems", "platform system"),
}


def _codes(category: str) -> Any:
    return Literal[tuple(getattr(vocabulary(), category))]  # type: ignore[misc]


def _assessment_values(field: str) -> Any:
    return Literal[tuple(v for v in vocabulary().assessment[field] if isinstance(v, str))]  # type: ignore[misc]


RoleCode = _codes("roles")
LegalFormCode = _codes("legal_forms")
ListCode = _codes("lists")
EventType = _codes("event_types")
ActCode = _codes("acts")
ComplianceCode = _codes("compliance")
RetentionCode = _codes("retention_days")
SystemCode = _codes("platform_systems")


def _iso_date(value: Any) -> Any:
    # Pydantic would also take a Unix timestamp, "2024-1-5" or a datetime; the contract says ISO dates only.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    day = parse_iso_date(value)
    if day is not None:
        return day
    raise PydanticCustomError(
        "iso_date", "must be an existing date written YYYY-MM-DD, not {value}", {"value": repr(value)}
    )


# pydantic-core turns a float into the Decimal of its shortest form (49999.99 stays 49999.99)
# and refuses booleans, NaN and infinities.
Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]


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
    management: _assessment_values("management") | None = None  # type: ignore[valid-type]
    commitment: _assessment_values("commitment") | None = None  # type: ignore[valid-type]
    economic_strength: _assessment_values("economic_strength") | None = None  # type: ignore[valid-type]
    reputation: _assessment_values("reputation") | None = None  # type: ignore[valid-type]
    stable_staff: StrictBool | None = None


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


_parsing = threading.local()


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen = dict(pairs)
    if len(seen) == len(pairs):
        return seen
    first: dict[str, Any] = {}
    repeated: list[str] = []
    for key, value in pairs:
        if key in first:
            repeated.append(key)
        else:
            first[key] = value
    out = _DuplicatedKeys(first)
    out.repeated = repeated
    _parsing.duplicates = True
    return out


def parse_json(text: str | bytes) -> tuple[Any, list[Problem]]:
    """JSON text as Python values (numbers with a point as ``Decimal``) and its duplicated keys.

    JSON parsers silently keep one of two values given for the same key; we keep the first and
    name every repeat by its path, so a system that sent two dates for one event is told so.
    Raises ``ValueError`` (``json.JSONDecodeError``) for text that is not JSON.

    >>> parse_json('{"a": 1, "a": 2}')[1][0].where
    'a'
    """
    _parsing.duplicates = False
    obj = json.loads(text, parse_float=Decimal, object_pairs_hook=_no_duplicate_keys)
    # Walking the whole document costs as much as validating it: only do it when a repeat was seen.
    return obj, (_duplicated_keys(obj) if _parsing.duplicates else [])


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
            obj, problems = parse_json(facts)
        except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested thousands deep
            raise FactsError([Problem("(json)", f"not valid JSON: {exc}")]) from None
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


def _unknown_code(err: Any) -> str | None:
    """"unknown act code 'x'; did you mean 'y'?" for a code pydantic found outside its Literal."""
    loc = [step for step in err["loc"] if isinstance(step, str) and step != "[key]"]
    if loc and loc[0] == "assessment":
        field = loc[-1]
        allowed = sorted(map(str, vocabulary().assessment_values(field)))
        return f"unknown {field} value {err['input']!r}; one of: {', '.join(allowed)}"
    for step in reversed(loc):
        if step in _CATEGORIES:
            category, what = _CATEGORIES[step]
            hint = suggest(err["input"], getattr(vocabulary(), category))
            return f"unknown {what} code {err['input']!r}" + (f"; did you mean {hint!r}?" if hint else "")
    return None


def _message(err: Any) -> str:
    etype = err["type"]
    if etype == "literal_error":
        found = _unknown_code(err)
        if found is not None:
            return found
    if etype == "extra_forbidden":
        return "unknown key"
    if etype == "missing":
        return "required"
    if etype in {"tuple_type", "list_type"}:
        return "must be a list"
    if etype == "greater_than_equal":
        return f"must not be negative, not {err['input']!r}"
    return str(err["msg"])
