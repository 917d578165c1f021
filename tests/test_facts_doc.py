"""docs/facts.md and ``ecredit schema --facts``: the facts input documented for integrators, kept true.

The ``Facts`` models and ``rules/vocabulary.yaml`` are the single definition; these tests fail when the
page misses a field, a code or a bound, or when its examples stop doing what it says.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import ecredit_rules as ec
from ecredit_rules import cli as cli_module
from ecredit_rules import limits
from ecredit_rules.facts import Assessment, Event, Subject, load_facts
from ecredit_rules.messages import Lang
from ecredit_rules.schema import facts_schema, facts_schema_text
from ecredit_rules.vocabulary import vocabulary

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "facts.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
FACT_CATEGORIES = ["roles", "legal_forms", "lists", "event_types", "acts", "compliance", "retention_days",
                   "platform_systems"]  # the vocabulary's other category, ``kinds``, names verdicts, not facts


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)


def _enums(node: Any) -> set[Any]:
    if isinstance(node, dict):
        return set(node.get("enum", [])).union(*(_enums(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_enums(v) for v in node))
    return set()


def _facts_bounds() -> list[str]:
    """Names of the constants in the facts section of limits.py."""
    source = Path(limits.__file__).read_text(encoding="utf-8")
    section = source.split("# --- facts", 1)[1].split("# ---", 1)[0]
    return re.findall(r"^([A-Z_]+) =", section, re.M)


def _shown(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else f"{value:,}"


# --- ecredit schema --facts ------------------------------------------------------------------------


def test_schema_facts_prints_the_schema_of_the_facts_model() -> None:
    result = CliRunner().invoke(cli_module.cli, ["schema", "--facts"])
    assert result.exit_code == 0, result.output
    assert result.output == facts_schema_text()
    assert json.loads(result.output)["$defs"]["Event"]["properties"].keys() == Event.model_fields.keys()


def test_schema_facts_writes_the_file_given_with_output(tmp_path: Path) -> None:
    out = tmp_path / "facts.schema.json"
    result = CliRunner().invoke(cli_module.cli, ["schema", "--facts", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == facts_schema()


def test_facts_schema_is_draft_2020_12_and_requires_only_subject_id() -> None:
    schema = facts_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["subject"]
    assert schema["$defs"]["Subject"]["required"] == ["id"]


def test_facts_schema_enumerates_every_facts_code_of_the_vocabulary() -> None:
    enums = _enums(facts_schema())
    v = vocabulary()
    missing = [code for category in FACT_CATEGORIES for code in getattr(v, category) if code not in enums]
    missing += [value for values in v.assessment.values() for value in values
                if isinstance(value, str) and value not in enums]
    assert missing == []


# --- docs/facts.md --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [ec.Facts, Subject, Event, Assessment], ids=lambda m: m.__name__)
def test_doc_has_a_row_for_every_field_of_the_facts_models(model: type) -> None:
    assert [name for name in model.model_fields if f"\n| `{name}` |" not in DOC] == []


@pytest.mark.parametrize("category", FACT_CATEGORIES)
def test_doc_names_every_code_of_the_vocabulary(category: str) -> None:
    assert [code for code in getattr(vocabulary(), category) if f"`{code}`" not in DOC] == []


def test_doc_names_every_assessment_value() -> None:
    shown = {field: [str(v).lower() if isinstance(v, bool) else v for v in values]
             for field, values in vocabulary().assessment.items()}
    rows = {field: next((ln for ln in DOC.splitlines() if ln.startswith(f"| `{field}` | `")), "") for field in shown}
    assert [(f, v) for f, values in shown.items() for v in values if f"`{v}`" not in rows[f]] == []


@pytest.mark.parametrize("name", _facts_bounds())
def test_doc_states_each_facts_bound_with_its_value(name: str) -> None:
    rows = [ln for ln in DOC.splitlines() if f"`{name}`" in ln]
    assert rows, f"docs/facts.md does not name {name}"
    assert any(_shown(getattr(limits, name)) in row for row in rows)


def test_doc_example_is_valid_and_judged_as_the_doc_says() -> None:
    example = _blocks("json")[0]
    report = ec.evaluate(ec.load_ruleset("tuquan"), example, as_of=date(2024, 6, 30))
    assert "tuquan.art11.item4" in {v.rule for v in report.verdicts}  # three contract-fraud penalties in a year


@pytest.mark.parametrize(("lang", "block"), [("zh", 0), ("en", 1)])
def test_doc_error_example_is_what_the_library_says(lang: Lang, block: int) -> None:
    bad, said = _blocks("json")[1], _blocks("text")[block]
    with pytest.raises(ec.FactsError) as caught:
        load_facts(bad, lang=lang)
    assert [f"{p.where}: {p.message}" for p in caught.value.problems] == said.splitlines()
