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
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetPydanticSchema,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError, core_schema
from typing_extensions import TypedDict  # pydantic needs this one, not typing's, before 3.12

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


# ---------------------------------------------------------------------------------------------
# The fast path: the same facts as plain dicts, validated by pydantic-core in one call.
#
# Evaluating a subject spends most of its time turning JSON into models, so ``facts_data``
# first tries a validator that builds dicts straight from the JSON text. Its types are the
# models' own field types except where pydantic-core would accept more than the models do; it
# is built to accept a subset of what ``load_facts`` accepts, with the same values. Anything it
# refuses goes to ``load_facts``, which alone decides what is wrong and says so.

_DATE_TEXT = core_schema.str_schema(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", strict=True)
# Written YYYY-MM-DD (never a timestamp, a datetime or a date object), then an existing day.
_FastDate = Annotated[
    date, GetPydanticSchema(lambda _tp, handler: core_schema.chain_schema([_DATE_TEXT, handler(date)]))
]
# Text or an integer, never a float: a JSON float would reach pydantic-core as a binary double,
# and "49999.9999999999999999" must not become 50000. Text first, the usual case: a union stops
# at its first match when told to go left to right.
_FastAmount = Annotated[
    Decimal,
    GetPydanticSchema(
        lambda _tp, handler: core_schema.chain_schema([
            core_schema.union_schema(
                [
                    core_schema.str_schema(strict=True),
                    core_schema.int_schema(strict=True),
                    core_schema.is_instance_schema(Decimal),
                ],
                mode="left_to_right",
            ),
            handler(Amount),
        ])
    ),
]


def _data_type(model: type[BaseModel], **replaced: Any) -> Any:
    """A TypedDict with ``model``'s fields and constraints; optional fields may be absent."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        own = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        annotation = replaced.get(name, own)
        fields[name] = annotation if info.is_required() else NotRequired[annotation]
    data = TypedDict(f"{model.__name__}Data", fields)  # type: ignore[operator]
    data.__pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[attr-defined]
    return data


EventData = _data_type(
    Event, date=_FastDate, sales_amount=_FastAmount | None, illegal_gain=_FastAmount | None
)
FactsData = _data_type(
    Facts,
    subject=_data_type(Subject),
    events=tuple[EventData, ...] | None,
    assessment=_data_type(Assessment) | None,
)
_FAST = TypeAdapter(FactsData)


def facts_data(facts: Facts | Mapping[str, Any] | str | bytes) -> dict[str, Any]:
    """Validated facts as plain dicts (absent keys mean unknown): the form derivation reads.

    Accepts exactly what ``load_facts`` accepts and raises the same ``FactsError``; most input
    takes a path several times faster than building the models.

    >>> facts_data('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15"}]}')
    {'subject': {'id': 'S1'}, 'events': ({'id': 'P1', 'type': 'penalty', 'date': datetime.date(2024, 1, 15)},)}
    """
    if isinstance(facts, Facts):
        return _model_data(facts)
    data = _fast(facts)
    return data if data is not None else _model_data(load_facts(facts))


def _fast(facts: Mapping[str, Any] | str | bytes) -> dict[str, Any] | None:
    try:
        if isinstance(facts, str | bytes):
            data = _FAST.validate_json(facts)
            # Every member of a JSON object is written with one colon. With as many colons in the
            # text as members in the result, no key was repeated (pydantic-core would keep only
            # one) and no string holds a colon; otherwise the slow path tells repeats apart.
            if facts.count(":" if isinstance(facts, str) else b":") != _members(data):
                return None
        elif isinstance(facts, Mapping):
            data = _FAST.validate_python(facts)
        else:
            return None
    except ValidationError:
        return None
    return None if _raw_problems(data) else data


def _members(data: dict[str, Any]) -> int:
    count = len(data) + len(data["subject"])
    events = data.get("events")
    if events:
        count += sum(map(len, events))
    for name in ("compliance", "retention_days", "assessment"):
        part = data.get(name)
        if part:
            count += len(part)
    return count


def _model_data(facts: Facts) -> dict[str, Any]:
    # The models' own field dicts, shared rather than copied: derivation only reads them.
    data = dict(vars(facts))
    data["subject"] = vars(facts.subject)
    if facts.events is not None:
        data["events"] = tuple(vars(e) for e in facts.events)
    if facts.assessment is not None:
        data["assessment"] = vars(facts.assessment)
    return data


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
    if isinstance(events, list | tuple):  # JSON gives a list; a caller's dict may hold a tuple
        # dict first: it settles the usual case without the slower ABC check.
        given = [e for e in events if isinstance(e, (dict, Mapping))]
        # Only text ids count: an id or answers of another type (a list, an object) is unhashable,
        # and pydantic names it; here it must not raise TypeError.
        ids = {eid for e in given if isinstance(eid := e.get("id"), str)}
        answers = [e.get("answers") for e in given if e.get("type") == "response"]
        if len(ids) == len(given) and all(isinstance(a, str) for a in answers) and ids.issuperset(answers):
            return problems  # the usual case, settled without walking the events one by one
        first: dict[str, int] = {}
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
                elif isinstance(target, str) and target not in ids:
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
