"""The JSON Schema for editors: generated from the language, committed, and true to the bundled files.

The ``jsonschema`` package is not a dependency, so the bundled rulesets are checked with the small
validator below. It implements exactly the keywords the generated schema uses and refuses a schema
with any other keyword, so a new keyword cannot slip through unchecked.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from ecredit_rules import cli as cli_module
from ecredit_rules import language
from ecredit_rules.bundled import available_rulesets, rules_dir
from ecredit_rules.schema import MODELINE, ruleset_schema, schema_text

COMMITTED = Path(__file__).resolve().parents[1] / "schema" / "ruleset.schema.json"
REGENERATE = "ecredit schema --output schema/ruleset.schema.json"

ANNOTATIONS = {"$schema", "$id", "title", "description", "default"}
ASSERTIONS = {
    "$ref", "$defs", "type", "enum", "properties", "required", "additionalProperties", "items", "minItems",
    "minProperties", "minimum", "minLength", "anyOf", "oneOf", "pattern", "format",
}


class MiniValidator:
    """Draft 2020-12 validation restricted to the keywords in ``ASSERTIONS``; errors as ``path: reason``."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.root = schema

    def errors(self, value: Any, schema: dict[str, Any] | None = None, path: str = "$") -> list[str]:
        schema = self.root if schema is None else schema
        unknown = set(schema) - ANNOTATIONS - ASSERTIONS
        assert not unknown, f"the mini validator does not implement {unknown} (at {path})"
        out: list[str] = []
        if "$ref" in schema:
            out += self.errors(value, self._resolve(schema["$ref"]), path)
        if "type" in schema and not _has_type(value, schema["type"]):
            return [*out, f"{path}: not of type {schema['type']}"]
        if "enum" in schema and value not in schema["enum"]:
            out.append(f"{path}: {value!r} not in enum")
        if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
            out.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date" and isinstance(value, str):
            try:
                date.fromisoformat(value)
            except ValueError:
                out.append(f"{path}: {value!r} is not a date")
        if "minimum" in schema and _has_type(value, "number") and value < schema["minimum"]:
            out.append(f"{path}: {value!r} below minimum")
        if "minLength" in schema and isinstance(value, str) and len(value) < schema["minLength"]:
            out.append(f"{path}: too short")
        if isinstance(value, list):
            if len(value) < schema.get("minItems", 0):
                out.append(f"{path}: too few items")
            if "items" in schema:
                for i, item in enumerate(value):
                    out += self.errors(item, schema["items"], f"{path}[{i}]")
        if isinstance(value, dict):
            out += self._object(value, schema, path)
        if "anyOf" in schema and all(self.errors(value, s, path) for s in schema["anyOf"]):
            out.append(f"{path}: matches none of anyOf")
        if "oneOf" in schema:
            matching = sum(not self.errors(value, s, path) for s in schema["oneOf"])
            if matching != 1:
                out.append(f"{path}: matches {matching} of oneOf, not exactly one")
        return out

    def _object(self, value: dict[str, Any], schema: dict[str, Any], path: str) -> list[str]:
        out = []
        if len(value) < schema.get("minProperties", 0):
            out.append(f"{path}: too few keys")
        out += [f"{path}: missing {key!r}" for key in schema.get("required", []) if key not in value]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                out += self.errors(item, properties[key], f"{path}.{key}")
            elif extra is False:
                out.append(f"{path}: unknown key {key!r}")
            elif isinstance(extra, dict):
                out += self.errors(item, extra, f"{path}.{key}")
        return out

    def _resolve(self, ref: str) -> dict[str, Any]:
        assert ref.startswith("#/$defs/"), ref
        return self.root["$defs"][ref.removeprefix("#/$defs/")]


def _has_type(value: Any, kind: str) -> bool:
    return {
        "object": isinstance(value, dict),
        "array": isinstance(value, list),
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "null": value is None,
    }[kind]


def as_editor_sees(value: Any) -> Any:
    """YAML data as a YAML 1.2 editor sees it: an unquoted date is a string, not a date object."""
    if isinstance(value, dict):
        return {k: as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def tuquan_data() -> dict[str, Any]:
    return as_editor_sees(yaml.safe_load((rules_dir() / "tuquan.yaml").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def validator() -> MiniValidator:
    return MiniValidator(ruleset_schema())


def test_committed_schema_equals_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == schema_text(), f"schema is stale: run {REGENERATE}"


@pytest.mark.parametrize("rid", available_rulesets())
def test_bundled_ruleset_starts_with_the_schema_line(rid: str) -> None:
    first = (rules_dir() / f"{rid}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == MODELINE


def test_schema_line_points_at_the_committed_schema() -> None:
    target = MODELINE.split("$schema=", 1)[1]
    assert (Path(__file__).resolve().parents[1] / "rules" / target).resolve() == COMMITTED


@pytest.mark.parametrize("rid", available_rulesets())
def test_bundled_ruleset_validates_against_the_schema(rid: str, validator: MiniValidator) -> None:
    data = as_editor_sees(yaml.safe_load((rules_dir() / f"{rid}.yaml").read_text(encoding="utf-8")))
    assert validator.errors(data) == []


def test_schema_refuses_a_condition_with_two_keys(validator: MiniValidator) -> None:
    data = tuquan_data()
    data["clauses"]["art11.item1"]["rules"][0]["when"] = {"on_list": "black", "licensed": False}
    assert any(e.startswith("$.clauses.art11.item1.rules[0].when: matches 0 of oneOf") for e in validator.errors(data))


def test_schema_refuses_an_empty_condition(validator: MiniValidator) -> None:
    data = tuquan_data()
    data["clauses"]["art11.item1"]["rules"][0]["when"] = {}
    assert any(e.startswith("$.clauses.art11.item1.rules[0].when: matches 0 of oneOf") for e in validator.errors(data))


def test_schema_refuses_a_misspelt_act_code(validator: MiniValidator) -> None:
    data = tuquan_data()
    item4 = data["clauses"]["art11.item4"]["rules"][0]
    item4["when"]["events"]["acts"] = ["contract_frud"]
    assert validator.errors(data) != []
    assert validator.errors(item4["when"]["events"], ruleset_schema()["$defs"]["EventsBody"]) == [
        "$.acts: matches none of anyOf"
    ]


def test_schema_refuses_a_misspelt_key(validator: MiniValidator) -> None:
    data = tuquan_data()
    rule = data["clauses"]["art11.item1"]["rules"][0]
    rule["intrepretation"] = rule.pop("interpretation")
    assert "$.clauses.art11.item1.rules[0]: unknown key 'intrepretation'" in validator.errors(data)


def test_schema_refuses_a_threshold_written_as_text(validator: MiniValidator) -> None:
    data = tuquan_data()
    data["clauses"]["art11.item4"]["rules"][0]["when"]["events"]["at_least"] = "3"
    assert validator.errors(data) != []


def test_every_condition_alternative_requires_exactly_its_one_key() -> None:
    defs = ruleset_schema()["$defs"]
    for key, model in language.CONDITION_KEYS.items():
        alternative = defs[model.__name__]
        assert (alternative["required"], list(alternative["properties"])) == ([key], [key])
        assert alternative["additionalProperties"] is False
        assert alternative["title"] == key


def test_conditions_are_one_shared_definition() -> None:
    text = schema_text()
    assert text.count('"oneOf"') == 1
    assert ruleset_schema()["$defs"]["RuleEntry"]["properties"]["when"]["$ref"] == "#/$defs/Condition"


def test_every_key_is_described_in_chinese_and_english() -> None:
    schema = ruleset_schema()
    bilingual = re.compile(r"[\u4e00-\u9fff].*/ ?[A-Za-z]")  # "中文说明 / English"
    for name, body in [("(file)", schema), *schema["$defs"].items()]:
        for key, prop in body.get("properties", {}).items():
            description = prop.get("description", "")
            assert bilingual.search(description), f"{name}.{key}: {description!r}"


def test_schema_declares_its_dialect_id_and_title() -> None:
    schema = ruleset_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"]


def test_schema_command_prints_the_schema() -> None:
    result = CliRunner().invoke(cli_module.cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == ruleset_schema()


def test_schema_command_writes_the_output_file(tmp_path: Path) -> None:
    out = tmp_path / "ruleset.schema.json"
    result = CliRunner().invoke(cli_module.cli, ["schema", "--output", str(out)])
    assert result.exit_code == 0
    assert out.read_text(encoding="utf-8") == schema_text()
