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

import rfc8785

from .facts import Facts, facts_data

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


def canonical_facts(checked: Mapping[str, Any]) -> bytes:
    """The RFC 8785 canonical JSON of validated facts (the plain data of ``facts_data``), in the normal form above.

    The normal form holds only objects with ASCII keys (field names and vocabulary codes), arrays,
    strings, booleans and integers within 2**53: for such data RFC 8785 is exactly ``json.dumps``
    with sorted keys, no spaces and UTF-8 text, which is several times faster than the pure-Python
    ``rfc8785`` package. Anything outside that (a key that is not ASCII, text that is not valid
    Unicode) is written by ``rfc8785`` itself; the tests compare both on generated facts.

    >>> canonical_facts({"subject": {"id": "S1", "name": None}, "events": ()})
    b'{"events":[],"subject":{"id":"S1"}}'
    """
    ascii_keys = [True]
    data = _normal(checked, ascii_keys)
    if ascii_keys[0]:
        try:
            return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: leave it to the reference implementation
            pass
    return rfc8785.dumps(data)


def digest_of_checked(checked: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of already validated facts (what ``evaluate`` holds)."""
    return "sha256:" + hashlib.sha256(canonical_facts(checked)).hexdigest()


def facts_digest(facts: Facts | Mapping[str, Any] | str | bytes) -> str:
    """The digest a report carries for these facts; raises ``FactsError`` for facts that do not validate.

    >>> a = facts_digest('{"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty", '
    ...                  '"date": "2024-01-15", "sales_amount": "100.50"}]}')
    >>> a == facts_digest({"events": [{"sales_amount": 100.5, "date": "2024-01-15", "type": "penalty",
    ...                    "id": "P1"}], "subject": {"id": "S1", "name": None}})
    True
    """
    return digest_of_checked(facts_data(facts))
