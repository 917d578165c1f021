"""Facts about one e-commerce subject (CONTRACT §3), validated at the boundary.

Absent means unknown, never false: every optional field is ``None`` when the caller did not
say, and the rules treat it so. Amounts are ``Decimal``; a float never enters.

Every input is bounded (``limits``): dates from ``MIN_DATE`` to ``MAX_DATE``, amounts in plain
decimal notation with at most 15 digits before the point and 2 after, at most ``MAX_EVENTS``
events, ``MAX_LIST_ITEMS`` items in other lists and ``MAX_TEXT_LENGTH`` characters of text, so
that no input can make an evaluation slow or crash it. ``FactsError`` problems are worded in
Chinese, or in English with ``lang="en"`` (the ``lang`` argument of ``load_facts``,
``facts_data`` and ``evaluate``).
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, NotRequired

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

from .dates import date_in_range, parse_iso_date
from .errors import FactsError, Problem
from .language_base import Model
from .limits import (
    AMOUNT_FRACTION_DIGITS,
    AMOUNT_INTEGER_DIGITS,
    MAX_DATE,
    MAX_EVENTS,
    MAX_FACTS_BYTES,
    MAX_LIST_ITEMS,
    MAX_TEXT_LENGTH,
    MIN_DATE,
)
from .messages import Lang, MessageCode, Msg, suggest
from .vocabulary import vocabulary

# Codes are checked by pydantic-core itself (Literal types built from the vocabulary), which is
# several times faster than a Python validator per field; ``_message`` turns its terse error
# into "unknown … code, did you mean …" afterwards.
_CATEGORIES: dict[str, tuple[str, str, str]] = {
    "roles": ("roles", "主体角色", "role"),
    "legal_form": ("legal_forms", "主体类型", "legal form"),
    "lists": ("lists", "名单", "list"),
    "type": ("event_types", "事件类型", "event type"),
    "act": ("acts", "违法行为", "act"),
    "compliance": ("compliance", "合规义务", "compliance"),
    "retention_days": ("retention_days", "记录保存", "retention"),
    "platform_systems": ("platform_systems", "平台制度", "platform system"),
}


def _codes(category: str) -> Any:
    return Literal[tuple(getattr(vocabulary(), category))]


def _assessment_values(field: str) -> Any:
    return Literal[tuple(v for v in vocabulary().assessment[field] if isinstance(v, str))]


if TYPE_CHECKING:
    # The codes are read from the vocabulary file when the module is imported, so a static checker
    # cannot know them; to it a code is text. Pydantic checks the real Literal at run time.
    RoleCode = str
    LegalFormCode = str
    ListCode = str
    EventType = str
    ActCode = str
    ComplianceCode = str
    RetentionCode = str
    SystemCode = str
else:
    RoleCode = _codes("roles")
    LegalFormCode = _codes("legal_forms")
    ListCode = _codes("lists")
    EventType = _codes("event_types")
    ActCode = _codes("acts")
    ComplianceCode = _codes("compliance")
    RetentionCode = _codes("retention_days")
    SystemCode = _codes("platform_systems")


def _shown(value: Any) -> str:
    """``repr(value)`` short enough to quote in a message, however long the input."""
    if isinstance(value, int) and value.bit_length() > 200:  # writing out a huge number costs, and says nothing
        return f"<{int(value.bit_length() * 0.30103) + 1} 位数 / digits>"
    text = str(value) if isinstance(value, Decimal) else repr(value)  # 52000.001, not Decimal('52000.001')
    return text if len(text) <= 40 else text[:37] + "…"


def _iso_date(value: Any) -> Any:
    # Pydantic would also take a Unix timestamp, "2024-1-5" or a datetime; the contract says ISO dates only.
    day = value if isinstance(value, date) and not isinstance(value, datetime) else parse_iso_date(value)
    if day is None:
        raise PydanticCustomError("iso_date", "must be an existing date written YYYY-MM-DD, not {value}",
                                  {"value": _shown(value)})
    if not date_in_range(day):
        raise PydanticCustomError("date_range", "date {value} is out of range", {"value": day.isoformat()})
    return day


class _ExponentNumber:
    """A JSON number written with an exponent (``1e5``): kept as text, refused where an amount is due.

    ``Decimal("1e999999999")`` is cheap to make but any arithmetic on it overflows or runs for
    seconds, so such a number never becomes a ``Decimal`` at all.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


# Plain decimal notation of any length: the bounds on digits are checked apart, to say which.
_DECIMAL_TEXT = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?")
_EXPONENT_TEXT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+")


def _amount(value: Any) -> Decimal:
    """An amount in yuan as written: plain decimal notation within the digit bounds (CONTRACT §3)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal | _ExponentNumber):
        _refuse_amount("amount_form", value)
    if isinstance(value, int) and not 0 <= value < 10**AMOUNT_INTEGER_DIGITS:
        # Decided before writing it out: a number of thousands of digits costs to turn into text.
        _refuse_amount("amount_negative" if value < 0 else "amount_digits", value)
    finite = value.is_finite() if isinstance(value, Decimal) else not isinstance(value, float) or math.isfinite(value)
    if not finite:
        _refuse_amount("amount_form", value)
    text = value.text if isinstance(value, _ExponentNumber) else repr(value) if isinstance(value, float) else str(value)
    found = _DECIMAL_TEXT.fullmatch(text)
    if found is None:
        _refuse_amount("amount_exponent" if _EXPONENT_TEXT.fullmatch(text.strip()) else "amount_form", value)
    sign, whole, fraction = found.groups()
    if sign:
        _refuse_amount("amount_negative", value)
    if len(whole) > AMOUNT_INTEGER_DIGITS:
        _refuse_amount("amount_digits", value)
    if fraction is not None and len(fraction) > AMOUNT_FRACTION_DIGITS:
        _refuse_amount("amount_decimals", value)
    # A Decimal is kept as given; text and numbers become the Decimal of their text, so a float
    # keeps its shortest form (49999.99 stays 49999.99).
    return value if isinstance(value, Decimal) else Decimal(text)


def _refuse_amount(kind: str, value: Any) -> NoReturn:
    raise PydanticCustomError(kind, "not an amount: {value}", {"value": _shown(value)})


Amount = Annotated[Decimal, BeforeValidator(_amount)]
# Any text in the facts: ids, names, references, authorities.
Text = Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]
Id = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_LENGTH)]


class Subject(Model):
    id: Id = Field(description="unique id of the e-commerce subject")
    name: Text | None = None
    roles: Annotated[tuple[RoleCode, ...], Field(max_length=MAX_LIST_ITEMS)] | None = None
    legal_form: LegalFormCode | None = None
    region: Text | None = None
    licensed: StrictBool | None = None
    lists: Annotated[tuple[ListCode, ...], Field(max_length=MAX_LIST_ITEMS)] | None = None


class Event(Model):
    id: Id
    type: EventType
    date: Annotated[date, BeforeValidator(_iso_date)]
    act: ActCode | None = None
    authority: Text | None = None
    reference: Text | None = None
    sales_amount: Amount | None = None
    illegal_gain: Amount | None = None
    grade: Text | None = None
    answers: Text | None = None


class Assessment(Model):
    management: _assessment_values("management") | None = None  # type: ignore[valid-type]  # values read from the vocabulary
    commitment: _assessment_values("commitment") | None = None  # type: ignore[valid-type]  # values read from the vocabulary
    economic_strength: _assessment_values("economic_strength") | None = None  # type: ignore[valid-type]  # values read from the vocabulary
    reputation: _assessment_values("reputation") | None = None  # type: ignore[valid-type]  # values read from the vocabulary
    stable_staff: StrictBool | None = None


class Facts(Model):
    """Everything known about one subject. Only ``subject.id`` is required.

    >>> Facts.model_validate({"subject": {"id": "S1"}}).events is None
    True
    """

    subject: Subject
    events: Annotated[tuple[Event, ...], Field(max_length=MAX_EVENTS)] | None = None
    compliance: dict[ComplianceCode, StrictBool] | None = None
    retention_days: dict[RetentionCode, Annotated[StrictInt, Field(ge=0)]] | None = None
    platform_systems: Annotated[tuple[SystemCode, ...], Field(max_length=MAX_LIST_ITEMS)] | None = None
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


class _Memo(dict[str, Any]):
    """Text → its value as ``convert`` makes it, kept for the first ``kept`` texts met.

    Facts repeat a handful of amounts ("50000.00") and days, and looking one up costs far less
    than pydantic-core calling into Python (or running a pattern) for every field. ``__getitem__``
    is the validator: a C method, with Python run only for a text not met before. Values are
    immutable (``Decimal``, ``date``), so one may be shared by many facts; ``kept`` bounds the
    memory whatever the texts, and the usual ones are met first.
    """

    __slots__ = ("convert", "kept")

    def __init__(self, convert: Callable[[str], Any], kept: int) -> None:
        super().__init__()
        self.convert = convert
        self.kept = kept

    def __missing__(self, text: str) -> Any:
        value = self.convert(text)
        if len(self) < self.kept:
            self[text] = value
        return value


def _day(text: str) -> date:
    # The models' own test (``_iso_date``): pydantic-core's date would also take "1705276800".
    day = parse_iso_date(text)
    if day is None or not date_in_range(day):
        raise ValueError("not a day")  # the slow path words it
    return day


# Plain notation within the digit bounds: such a text is refused by none of ``_amount``'s checks.
_AMOUNT_TEXT = re.compile(rf"[0-9]{{1,{AMOUNT_INTEGER_DIGITS}}}(?:\.[0-9]{{1,{AMOUNT_FRACTION_DIGITS}}})?")


def _plain_amount(text: str) -> Decimal:
    if _AMOUNT_TEXT.fullmatch(text) is None:
        raise ValueError("not an amount")  # the slow path says why
    return Decimal(text)


_DAYS = _Memo(_day, 16384)
_AMOUNTS = _Memo(_plain_amount, 4096)
# Written YYYY-MM-DD (never a timestamp, a datetime or a date object), then an existing day in range.
_FastDate = Annotated[
    date,
    GetPydanticSchema(
        lambda _tp, _handler: core_schema.no_info_after_validator_function(
            _DAYS.__getitem__, core_schema.str_schema(strict=True)
        )
    ),
]
# Text in plain decimal notation within the digit bounds, or an integer within them; never a float:
# a JSON float would reach pydantic-core as a binary double, and "49999.9999999999999999" must not
# become 50000 (the models refuse it, naming the digits). A caller's Decimal is checked by ``_amount``.
# Text first, the usual case: a union stops at its first match when told to go left to right.
# Text is checked and made a ``Decimal`` once per text (``_AMOUNTS``), not by a pattern every time.
_FastAmount = Annotated[
    Decimal,
    GetPydanticSchema(
        lambda _tp, _handler: core_schema.union_schema(
            [
                core_schema.no_info_after_validator_function(
                    _AMOUNTS.__getitem__, core_schema.str_schema(strict=True)
                ),
                core_schema.chain_schema([
                    core_schema.int_schema(ge=0, lt=10**AMOUNT_INTEGER_DIGITS, strict=True),
                    core_schema.decimal_schema(),
                ]),
                core_schema.chain_schema([
                    core_schema.is_instance_schema(Decimal), core_schema.no_info_plain_validator_function(_amount)
                ]),
            ],
            mode="left_to_right",
        )
    ),
]


def _data_type(model: type[BaseModel], extra: Literal["forbid", "ignore"], **replaced: Any) -> Any:
    """A TypedDict with ``model``'s fields and constraints; optional fields may be absent.

    Its fields are in alphabetical order, so the dicts pydantic-core validates into have their
    keys in that order (``_model_data`` gives the same order; the tests hold both to it).
    ``extra="ignore"`` drops unknown keys instead of refusing them, for JSON text only: there
    the count of colons finds them (``_fast``), at a fraction of what refusing costs pydantic-core.
    """
    fields: dict[str, Any] = {}
    for field, info in sorted(model.model_fields.items()):
        own = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        annotation = replaced.get(field, own)
        fields[field] = annotation if info.is_required() else NotRequired[annotation]
    data = TypedDict(f"{model.__name__}Data", fields)  # type: ignore[misc]  # name and fields computed from the model
    data.__pydantic_config__ = ConfigDict(extra=extra)  # type: ignore[attr-defined]  # pydantic reads it off a TypedDict
    return data


def _facts_type(extra: Literal["forbid", "ignore"]) -> Any:
    # ``answers`` may not be null here (the models take null as absent), so that only a response
    # lacking the key can lack an answer: ``_events_agree`` relies on it.
    event = _data_type(Event, extra, date=_FastDate, sales_amount=_FastAmount | None,
                       illegal_gain=_FastAmount | None, answers=Text)
    return _data_type(
        Facts,
        extra,
        subject=_data_type(Subject, extra),
        events=Annotated[tuple[event, ...], Field(max_length=MAX_EVENTS)] | None,  # type: ignore[valid-type]  # built above
        assessment=_data_type(Assessment, extra) | None,
    )


FactsData = _facts_type("forbid")
_FAST = TypeAdapter(FactsData)
# Called as the validator itself: the TypeAdapter's own method adds a tenth to every call.
_FAST_JSON = TypeAdapter(_facts_type("ignore")).validator.validate_json


def facts_data(facts: Facts | Mapping[str, Any] | str | bytes, *, lang: Lang = "zh") -> dict[str, Any]:
    """Validated facts as plain dicts (absent keys mean unknown): the form derivation reads.

    Accepts exactly what ``load_facts`` accepts and raises the same ``FactsError`` (worded in
    ``lang``); most input takes a path several times faster than building the models.

    >>> facts_data('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-01-15"}]}')
    {'events': ({'date': datetime.date(2024, 1, 15), 'id': 'P1', 'type': 'penalty'},), 'subject': {'id': 'S1'}}
    """
    # Text first: ``isinstance`` against a model class goes through ABCMeta, a cost on every call.
    if not isinstance(facts, str | bytes) and isinstance(facts, Facts):
        return _model_data(facts)
    _check_size(facts, lang)
    data = _fast(facts)
    return data if data is not None else _model_data(load_facts(facts, lang=lang))


def _occurrences(text: str | bytes, needle: str) -> int:
    # str and bytes each count only their own kind; narrowing here keeps the fast path a plain scan.
    return text.count(needle) if isinstance(text, str) else text.count(needle.encode())


_ID_SCAN_FROM = 4 * (MAX_EVENTS + 2)


def _fast(facts: Mapping[str, Any] | str | bytes) -> dict[str, Any] | None:
    try:
        if isinstance(facts, str | bytes):
            # Every event has an "id": past the limit the slow path refuses the list without
            # validating each event (the fast one would, then fail). Counting is a bytes scan.
            # Text too short to hold that many is not scanned: each "id" takes four characters.
            if len(facts) > _ID_SCAN_FROM and _occurrences(facts, '"id"') > MAX_EVENTS + 1:
                return None
            data = _FAST_JSON(facts)
            # Every member of a JSON object is written with one colon. With as many colons in the
            # text as members in the result, no key was repeated (pydantic-core would keep only
            # one), none was unknown (``_FAST_JSON`` drops those) and no string holds a colon;
            # otherwise the slow path tells repeats and unknown keys apart.
            if _occurrences(facts, ":") != _members(data):
                return None
        elif isinstance(facts, Mapping):
            events = facts.get("events")
            if isinstance(events, list | tuple) and len(events) > MAX_EVENTS:
                return None
            data = _FAST.validate_python(facts)
        else:
            return None
    except ValidationError:
        return None
    events = data.get("events")
    return data if not events or _events_agree(events) else None


_ID = itemgetter("id")
_TYPE = itemgetter("type")
_ANSWERS = repeat("answers")
_UNANSWERED = object()
# What an event without ``answers`` stands for: nothing, except a response, which must answer.
_MISSING_ANSWER = {"response": _UNANSWERED}.get


def _events_agree(events: tuple[dict[str, Any], ...]) -> bool:
    """No two validated events share an id and every response answers one of them.

    What ``_raw_problems`` checks, in C loops over the validated dicts rather than one Python
    step per event. It also refuses an event of another type answering no event: the slow path
    accepts that, with the same data, so this only costs time in a case never met in practice.
    """
    ids = set(map(_ID, events))
    if len(ids) != len(events):
        return False
    answered = set(map(dict.get, events, _ANSWERS, map(_MISSING_ANSWER, map(_TYPE, events))))
    answered.discard(None)
    return answered <= ids  # _UNANSWERED is never an id


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
    # Keys in alphabetical order, as the fast path gives them (``_data_type``; digest.py relies on it).
    data = _sorted_keys(vars(facts))
    data["subject"] = _sorted_keys(vars(facts.subject))
    if facts.events is not None:
        data["events"] = tuple(_sorted_keys(vars(e)) for e in facts.events)
    if facts.assessment is not None:
        data["assessment"] = _sorted_keys(vars(facts.assessment))
    return data


def _sorted_keys(part: Mapping[str, Any]) -> dict[str, Any]:
    return {key: part[key] for key in sorted(part)}


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


# A problem found before it is worded: where, and what (rendered in the caller's language).
_Issue = tuple[str, Msg]


def _raw_problems(obj: Any) -> list[_Issue]:
    """Checks that must report even when other fields are broken (pydantic stops at the list)."""
    problems: list[_Issue] = []
    events = obj.get("events") if isinstance(obj, Mapping) else None
    if isinstance(events, list | tuple):  # JSON gives a list; a caller's dict may hold a tuple
        # dict first: it settles the usual case without the slower ABC check.
        given = [e for e in events if isinstance(e, (dict, Mapping))]
        # Only text ids and answers can name an event; any other value (a list, say: unhashable)
        # is left to the models to call the wrong type.
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
                    problems.append((f"events[{i}].id",
                                     Msg("facts_duplicate_event", id=_shown(eid), first=f"events[{first[eid]}]")))
                else:
                    first[eid] = i
            if event.get("type") == "response":
                target = event.get("answers")
                if target is None:
                    problems.append((f"events[{i}].answers", Msg("facts_response_unanswered")))
                elif isinstance(target, str) and target not in ids:
                    problems.append((f"events[{i}].answers", Msg("facts_no_such_event", id=_shown(target))))
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


def _json_number(text: str) -> Decimal | _ExponentNumber:
    # Only plain notation becomes a Decimal: "1e999999999" would be cheap to make and ruinous to use.
    return _ExponentNumber(text) if "e" in text or "E" in text else Decimal(text)


def parse_json(text: str | bytes, *, lang: Lang = "zh") -> tuple[Any, list[Problem]]:
    """JSON text as Python values (numbers with a point as ``Decimal``) and its duplicated keys.

    JSON parsers silently keep one of two values given for the same key; we keep the first and
    name every repeat by its path (worded in ``lang``), so a system that sent two dates for one
    event is told so. A number written with an exponent (``1e5``) is not read as a number: it is
    refused wherever the facts expect one. Raises ``ValueError`` (``json.JSONDecodeError``) for
    text that is not JSON.

    >>> parse_json('{"a": 1, "a": 2}')[1][0].where
    'a'
    """
    _parsing.duplicates = False
    obj = json.loads(text, parse_float=_json_number, object_pairs_hook=_no_duplicate_keys)
    # Walking the whole document costs as much as validating it: only do it when a repeat was seen.
    if not _parsing.duplicates:
        return obj, []
    twice = Msg("facts_key_twice").render(lang)
    return obj, [Problem(where, twice) for where in _duplicated_keys(obj)]


def _duplicated_keys(obj: Any, loc: tuple[Any, ...] = ()) -> list[str]:
    """The path of every key a JSON object repeated: JSON parsers silently keep one of the two values."""
    paths: list[str] = []
    if isinstance(obj, dict):
        if isinstance(obj, _DuplicatedKeys):
            paths += [fact_path((*loc, k)) for k in obj.repeated]
        for key, value in obj.items():
            paths += _duplicated_keys(value, (*loc, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            paths += _duplicated_keys(value, (*loc, i))
    return paths


def _path_order(problem: Problem) -> tuple[Any, ...]:
    # events[2] before events[10]: compare the numbers in a path as numbers.
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", problem.where)), problem.message


def _check_size(facts: Mapping[str, Any] | str | bytes, lang: Lang) -> None:
    """Refuse JSON text over ``MAX_FACTS_BYTES`` before parsing it: parsing alone would take seconds."""
    if isinstance(facts, str | bytes) and len(facts) > MAX_FACTS_BYTES:
        size = len(facts.encode() if isinstance(facts, str) else facts)
        if size > MAX_FACTS_BYTES:
            msg = Msg("facts_too_large", size=f"{size:,}", limit=f"{MAX_FACTS_BYTES:,}")
            raise FactsError([Problem("(json)", msg.render(lang))])


def load_facts(facts: Facts | Mapping[str, Any] | str | bytes, *, lang: Lang = "zh") -> Facts:
    """Validate facts given as a model, a dict or JSON text; raise ``FactsError`` naming every problem.

    Each problem names the fact path; its message is in Chinese, or in English with ``lang="en"``.

    >>> load_facts('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-13-01"}]}',
    ...            lang="en")
    Traceback (most recent call last):
    ...
    ecredit_rules.errors.FactsError: events[0].date: must be an existing date written YYYY-MM-DD, not '2024-13-01'
    """
    if isinstance(facts, Facts):
        return facts
    problems: list[Problem] = []
    _check_size(facts, lang)
    if isinstance(facts, str | bytes):
        try:
            obj, problems = parse_json(facts, lang=lang)
        except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested thousands deep
            raise FactsError([Problem("(json)", Msg("facts_json", detail=str(exc)).render(lang))]) from None
    else:
        obj = facts
    if not isinstance(obj, Mapping):
        raise FactsError([Problem("(facts)", Msg("facts_not_object").render(lang))])
    events = obj.get("events")
    if isinstance(events, list | tuple) and len(events) > MAX_EVENTS:
        # Refused before validating each of them: that alone would take seconds.
        raise FactsError([Problem("events", Msg("facts_too_many", limit=MAX_EVENTS, count=len(events)).render(lang))])
    issues = _raw_problems(obj)
    try:
        result = Facts.model_validate(obj)
    except ValidationError as exc:
        repeated = any(msg.code == "facts_duplicate_event" for _, msg in issues)
        for err in exc.errors():
            if err["type"] == "duplicate_id" and repeated:
                continue  # each repeat is already named by its own path
            issues.append((fact_path(err["loc"]), _message(err)))
    problems += [Problem(where, msg.render(lang)) for where, msg in issues]
    if problems:
        raise FactsError(sorted(set(problems), key=_path_order))
    return result


def _unknown_code(err: Any) -> Msg | None:
    """"unknown act code 'x'; did you mean 'y'?" for a code pydantic found outside its Literal."""
    loc = [step for step in err["loc"] if isinstance(step, str) and step != "[key]"]
    if loc and loc[0] == "assessment":
        field = loc[-1]
        allowed = sorted(map(str, vocabulary().assessment_values(field)))
        return Msg("facts_unknown_value", field=field, value=_shown(err["input"]), choices=", ".join(allowed))
    for step in reversed(loc):
        if step in _CATEGORIES:
            category, zh, en = _CATEGORIES[step]
            hint = suggest(err["input"], getattr(vocabulary(), category))
            return Msg("facts_unknown_code", category=zh, category_en=en, value=_shown(err["input"]),
                       suggestion=hint)
    return None


# pydantic-core's error types that need no more than a fixed sentence, by message code.
_PLAIN_ERRORS: dict[str, MessageCode] = {
    "extra_forbidden": "facts_unknown_key",
    "missing": "facts_required",
    "tuple_type": "facts_not_list",
    "list_type": "facts_not_list",
    "string_type": "facts_not_text",
    "string_too_short": "facts_empty",
    "bool_type": "facts_not_bool",
    "int_type": "facts_not_integer",
    "int_from_float": "facts_not_integer",
    "dict_type": "facts_not_mapping",
    "model_type": "facts_not_mapping",
    "model_attributes_type": "facts_not_mapping",
}
# Refused amounts, by the kind ``_amount`` found (the limits go into every message alike).
# Spelt out (not f"facts_{etype}") so the type checker sees every message code.
_AMOUNT_ERRORS: dict[str, MessageCode] = {
    "amount_form": "facts_amount_form",
    "amount_exponent": "facts_amount_exponent",
    "amount_negative": "facts_amount_negative",
    "amount_digits": "facts_amount_digits",
    "amount_decimals": "facts_amount_decimals",
}


def _message(err: Any) -> Msg:
    etype = err["type"]
    ctx = err.get("ctx") or {}
    if etype == "literal_error":
        found = _unknown_code(err)
        if found is not None:
            return found
    if etype in _PLAIN_ERRORS:
        return Msg(_PLAIN_ERRORS[etype])
    if etype in _AMOUNT_ERRORS:
        return Msg(_AMOUNT_ERRORS[etype], value=ctx["value"], integer=AMOUNT_INTEGER_DIGITS,
                   fraction=AMOUNT_FRACTION_DIGITS)
    if etype == "greater_than_equal":
        return Msg("facts_negative", value=_shown(err["input"]))
    if etype == "iso_date":
        return Msg("facts_bad_date", value=ctx["value"])
    if etype == "date_range":
        return Msg("facts_date_range", value=ctx["value"], first=MIN_DATE.isoformat(), last=MAX_DATE.isoformat())
    if etype == "too_long":
        return Msg("facts_too_many", limit=ctx["max_length"], count=ctx["actual_length"])
    if etype == "string_too_long":
        return Msg("facts_text_too_long", limit=ctx["max_length"])
    if etype == "duplicate_id":
        return Msg("facts_duplicate_ids", ids=ctx["ids"])
    return Msg("facts_invalid", detail=str(err["msg"]))
