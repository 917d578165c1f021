"""Lone surrogates: text Python can hold but UTF-8 cannot.

JSON text may escape one ("\\ud800"), and so may a double-quoted YAML string; Python reads it into a
``str`` that no file, terminal, Parquet column or HTTP answer can then hold. Facts holding one are
refused by validation, rule files by the loader; what merely echoes such text (an error record naming
the subject it could not judge) escapes it again, as JSON allows.
"""

from __future__ import annotations

import re

LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def json_escaped(text: str) -> str:
    r"""JSON ``text`` with each lone surrogate written as its ``\uXXXX`` escape: the same JSON value,
    and text UTF-8 can hold.

    >>> json_escaped('{"id": "S-\ud800"}')
    '{"id": "S-\\ud800"}'
    """
    return LONE_SURROGATE.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found.group()):04x}"
