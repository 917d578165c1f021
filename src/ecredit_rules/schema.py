"""The JSON Schema of the rule language, for editors (``schema/ruleset.schema.json``).

Every ruleset file starts with ``# yaml-language-server: $schema=../schema/ruleset.schema.json``,
so an editor with a YAML language server completes keys, shows the Chinese/English description
of each key while typing and underlines mistakes. The schema is generated from the pydantic
models in ``language.py`` (the single definition of the language) and then made friendlier:

- the condition union is one named definition (``Condition``) instead of eighteen references
  repeated inline at every place a condition may stand, and each alternative is titled by its
  key (``events``, ``role``, …) and described, so the editor's completion list reads like
  section 6 of ``docs/rule-language.md``;
- code lists (acts, compliance duties, records, platform systems) are enumerated from
  ``rules/vocabulary.yaml``, so a misspelt code is underlined before the file is ever loaded.

The committed copy is kept current by ``tests/test_schema.py``; regenerate it with
``ecredit schema --output schema/ruleset.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from .conditions import KINDS
from .facts import Facts
from .language import RULE_ID, RulesetFile
from .vocabulary import vocabulary

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:ecredit-rules:ruleset.schema.json"
SCHEMA_FILE = "ruleset.schema.json"
# The first line of every ruleset file: rules/<id>.yaml sits next to schema/ in the repository.
MODELINE = f"# yaml-language-server: $schema=../schema/{SCHEMA_FILE}"

CONDITION_DESCRIPTION = (
    "条件：只有一个键，键决定条件的种类；组合多个条件用 all、any、not、at_least / "
    "a condition: a mapping with exactly one key, which names its kind; combine conditions with all, any, not, at_least"
)

def ruleset_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a ruleset file, with zh/en descriptions.

    >>> schema = ruleset_schema()
    >>> schema["$defs"]["Condition"]["oneOf"][0]
    {'$ref': '#/$defs/AllOf'}
    """
    raw = RulesetFile.model_json_schema(by_alias=True)
    defs: dict[str, Any] = raw.pop("$defs")
    alternatives = [{"$ref": f"#/$defs/{kind.model.__name__}"} for kind in KINDS.values()]
    raw = _replace_unions(raw, alternatives)
    defs = {name: _replace_unions(body, alternatives) for name, body in defs.items()}
    for key, kind in KINDS.items():
        alternative = defs[kind.model.__name__]
        prop = alternative["properties"][key]
        description = kind.schema_description()
        if description is None:
            raise AssertionError(f"condition key {key!r} has no description")  # its kind needs a ``description``
        prop["description"] = description
        # The editor lists alternatives by title: show the key the author types, not the class name.
        alternative["title"] = key
        alternative["description"] = description
        # extra="forbid" already gives additionalProperties: false; "required" must name the one key,
        # so that an empty mapping or a mapping with another key matches no alternative.
        assert alternative.get("required") == [key] and alternative.get("additionalProperties") is False
    defs["Condition"] = {"title": "condition", "description": CONDITION_DESCRIPTION, "oneOf": alternatives}
    _enumerate_codes(defs)
    for name in ("RuleEntry", "Grade", "DeadlineEntry", "Rating"):
        defs[name]["properties"]["id"]["pattern"] = RULE_ID.pattern
    head = {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": "ecredit-rules 规则文件 / ecredit-rules ruleset file",
        "description": (
            "把一份地方电子商务信用规范性文件写成规则集：条款原文、带日期的参数、认定规则、等级评定、办理时限 / "
            "a local e-commerce credit regulation as a ruleset: "
            "clause texts, dated parameters, rules, rating, deadlines"
        ),
    }
    raw.pop("title", None)
    # RulesetFile.document carries no Field description; the editor should still explain it on hover.
    raw["properties"]["document"].setdefault(
        "description", "原文件的信息：标题、文号、发文机关、施行期 / the source document: title, number, issuer, period"
    )
    return {**head, **raw, "$defs": dict(sorted(defs.items()))}


def schema_text() -> str:
    """The schema as the committed file holds it: indented UTF-8 JSON ending in a newline."""
    return json.dumps(ruleset_schema(), ensure_ascii=False, indent=2) + "\n"


def _replace_unions(node: Any, alternatives: list[dict[str, str]]) -> Any:
    """Replace every inline copy of the condition union by a reference to ``#/$defs/Condition``."""
    if isinstance(node, list):
        return [_replace_unions(item, alternatives) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _replace_unions(value, alternatives) for key, value in node.items()}
    if out.get("oneOf") == alternatives:
        del out["oneOf"]
        out = {"$ref": "#/$defs/Condition", **out}
    return out


def _enumerate_codes(defs: dict[str, Any]) -> None:
    """Restrict code-valued keys to the vocabulary, so the editor completes and checks them."""
    vocab = vocabulary()
    for kind in KINDS.values():
        kind.restrict_schema(defs, vocab)


# --- facts (CONTRACT §3) ---------------------------------------------------------------------------

FACTS_SCHEMA_ID = "urn:ecredit-rules:facts.schema.json"


def facts_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the facts input, generated from the pydantic ``Facts`` model.

    The model is the single definition: codes are enumerated from ``rules/vocabulary.yaml`` because
    the model's own types are. ``docs/facts.md`` explains each field for integrators.

    >>> facts_schema()["required"]
    ['subject']
    """
    raw = Facts.model_json_schema()
    raw.pop("title", None)
    raw.pop("description", None)  # the model's docstring, written for programmers
    head = {
        "$schema": SCHEMA_DIALECT,
        "$id": FACTS_SCHEMA_ID,
        "title": "ecredit-rules 事实输入 / ecredit-rules facts",
        "description": (
            "一个电子商务经营主体的已知事实；未给出的键表示未知，不表示否（见 docs/facts.md） / "
            "what is known about one e-commerce subject; an absent key means unknown, never false (see docs/facts.md)"
        ),
    }
    return {**head, **raw}


def facts_schema_text() -> str:
    """The facts schema as ``ecredit schema --facts`` prints it: indented UTF-8 JSON ending in a newline."""
    return json.dumps(facts_schema(), ensure_ascii=False, indent=2) + "\n"
