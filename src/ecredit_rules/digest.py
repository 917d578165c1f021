"""The facts digest of a report (CONTRACT §5): which facts a decision was made on.

``facts_digest`` is ``"sha256:"`` + the SHA-256 of the *validated* facts written as canonical
JSON (RFC 8785, via the ``rfc8785`` package). Hashing the validated form rather than the bytes a
caller sent is what makes the same facts give the same digest whether they came as JSON text, a
dict or ``ec.Facts``, in any key order or spacing. The normal form hashed (docs/auditor-guide.md):

- a field that is absent or ``null`` is left out: both mean "unknown" (CONTRACT §3);
- dates are ``"YYYY-MM-DD"`` text; amounts are decimal text without trailing zeros
  (``"36500.00"`` and ``36500`` are the same amount, ``"36500"``); other numbers stay numbers;
- lists keep their order (events as given); empty lists stay (``[]`` says "none", not "unknown").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import orjson
import rfc8785

from .facts import Facts, facts_data
from .vocabulary import vocabulary

# RFC 8785 writes numbers as IEEE doubles, so it refuses integers past 2**53; none of the facts'
# counts comes near (limits.py), but a day count that did is hashed as its digits rather than refused.
_SAFE_INTEGER = 2**53 - 1
_CONTAINERS = (dict, tuple, list)


def _amount(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scalar(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _amount(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE_INTEGER:
        return str(value)
    return value


def _normal(value: Any, ascii_keys: list[bool]) -> Any:
    """The normal form above as plain JSON data (containers are only recursed into, for speed);
    ``ascii_keys[0]`` turns false on meeting a key that is not ASCII."""
    if isinstance(value, Mapping):
        if not all(map(str.isascii, value)):
            ascii_keys[0] = False
        return {str(k): _normal(v, ascii_keys) if isinstance(v, _CONTAINERS) else _scalar(v)
                for k, v in value.items() if v is not None}
    return [_normal(v, ascii_keys) if isinstance(v, _CONTAINERS) else _scalar(v) for v in value]


def canonical_facts_reference(checked: Mapping[str, Any]) -> bytes:
    """The canonical JSON of validated facts as the ``rfc8785`` package writes it: the definition."""
    return rfc8785.dumps(_normal(checked, [True]))


def _default(value: Any) -> str:
    """The text ``json.dumps`` writes for the two scalars JSON has no type for (see ``_scalar``)."""
    if isinstance(value, Decimal):
        return _amount(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)  # not validated facts: left to the reference implementation


def _without_none(part: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in part.items() if v is not None}


def _event_plain(event: Mapping[str, Any]) -> dict[str, Any]:
    # Exact types: a subclass of str or Decimal is not validated facts and reaches ``_default``.
    return {k: v if type(v) is str else v.isoformat() if type(v) is date else _amount(v) if type(v) is Decimal else v
            for k, v in event.items() if v is not None}


def _schema_plain(checked: Mapping[str, Any]) -> dict[str, Any] | None:
    """The normal form of facts shaped as ``facts_data`` returns them, or None for any other shape.

    Validated facts nest at most two levels and only their objects can hold ``None``, so the
    normal form is one comprehension per object; dates and amounts are written by ``json.dumps``'s
    ``default`` hook instead of one Python call per field (the generic ``_normal`` costs several
    times more). Only ``retention_days`` holds integers that could pass 2**53, and only the code
    dicts have keys from the vocabulary rather than the field names: those two are checked here.
    """
    out: dict[str, Any] = {}
    for key, value in checked.items():
        if value is None:
            continue
        if key == "events":
            value = [_event_plain(event) for event in value]
        elif key in ("subject", "assessment"):
            value = _without_none(value)
        elif key in ("compliance", "retention_days"):
            if not "".join(value).isascii():
                return None
            if key == "retention_days" and any(days > _SAFE_INTEGER for days in value.values()):
                return None
        elif key != "platform_systems":
            return None
        out[key] = value
    return out


def canonical_facts(checked: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of validated facts (the plain data of ``facts_data``), in the normal form above.

    The normal form holds only objects with ASCII keys (field names and vocabulary codes), arrays,
    strings, booleans and integers within 2**53: for such data RFC 8785 is exactly ``json.dumps``
    with sorted keys, no spaces and UTF-8 text, which is several times faster than the pure-Python
    ``rfc8785`` package. Anything outside that (a key that is not ASCII, text that is not valid
    Unicode, a shape other than validated facts) is written by ``rfc8785`` itself; the tests compare
    both on generated facts.

    >>> canonical_facts({"subject": {"id": "S1", "name": None}, "events": ()})
    b'{"events":[],"subject":{"id":"S1"}}'
    """
    plain = _schema_plain(checked)
    if plain is not None:
        try:
            return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=_default).encode("utf-8")
        except (UnicodeEncodeError, TypeError, ValueError):  # a lone surrogate, or not validated facts
            pass
    ascii_keys = [True]
    data = _normal(checked, ascii_keys)
    if ascii_keys[0]:
        try:
            return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: leave it to the reference implementation
            pass
    return rfc8785.dumps(data)


_ASCII_CODES = frozenset(code for category in (vocabulary().compliance, vocabulary().retention_days)
                         for code in category if code.isascii())
# Sorted keys and integers within 2**53 (past it orjson raises, and the slower paths write digits).
_ORJSON_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


class _AmountTexts(dict[Decimal, str]):
    """Amount → its text in the normal form, kept for the first few thousand amounts met.

    orjson writes dates as ISO text itself; amounts are the one type it hands to ``default``, and
    ``__getitem__`` as that hook answers a known amount without running Python. Equal amounts
    have one text (trailing zeros are dropped) except zero and minus zero, which are equal keys;
    validated amounts never carry a sign (facts.py refuses one), so minus zero never meets the
    zero kept here, and a signed amount is not kept.
    """

    def __missing__(self, value: Any) -> str:
        if type(value) is not Decimal:  # not validated facts: left to ``canonical_facts``
            raise TypeError(type(value).__name__)
        text = _amount(value)
        if not value.is_signed() and len(self) < _AMOUNT_TEXTS_KEPT:
            self[value] = text
        return text


_AMOUNT_TEXTS_KEPT = 4096  # bounds the memory whatever the amounts
_orjson_default = _AmountTexts().__getitem__


def _canonical_checked(checked: dict[str, Any]) -> bytes:
    """``canonical_facts`` of the dicts ``facts_data`` returns, written by orjson when that is the same.

    For validated facts RFC 8785 is sorted-keys compact JSON: their strings are escaped alike by
    both (the tests compare every code point), dates are ISO text, there are no floats. What could
    differ is left to ``canonical_facts``: keys that are not ASCII (RFC 8785 sorts by UTF-16 code
    units, orjson by code points), integers past 2**53, text that is not valid Unicode, and nulls
    (left out of the normal form; orjson writes them, so ``:null`` in the output says one was there).
    """
    try:
        for name in ("compliance", "retention_days"):  # the only keys that are not field names
            codes = checked.get(name)
            # Validated keys are vocabulary codes: a set lookup each, cheaper than joining them.
            if codes and not _ASCII_CODES.issuperset(codes) and not "".join(codes).isascii():
                return canonical_facts(checked)
        text = orjson.dumps(checked, default=_orjson_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one; so is joining keys that are not text
        return canonical_facts(checked)
    return canonical_facts(checked) if b":null" in text else text


def digest_of_checked(checked: dict[str, Any]) -> str:
    """``sha256:<hex>`` of facts as ``facts_data`` returned them (what ``evaluate`` holds)."""
    return "sha256:" + hashlib.sha256(_canonical_checked(checked)).hexdigest()


def facts_digest(facts: Facts | Mapping[str, Any] | str | bytes) -> str:
    """The digest a report carries for these facts; raises ``FactsError`` for facts that do not validate.

    >>> a = facts_digest('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", '
    ...                  '"date": "2024-01-15", "sales_amount": "100.50"}]}')
    >>> a == facts_digest({"events": [{"sales_amount": 100.5, "date": "2024-01-15", "type": "penalty",
    ...                    "id": "P1"}], "subject": {"id": "S1", "name": None}})
    True
    """
    return digest_of_checked(facts_data(facts))
