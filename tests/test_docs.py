"""The YAML examples of ``docs/rule-language.md`` are valid, so the guide cannot drift from the language.

Every ```yaml block of the guide carries a marker comment ``# example: <kind>`` saying what it is an
example of; each is validated with the pydantic model of that kind, its codes are checked against the
vocabulary and its ``{param: …}`` against the parameters the guide defines, and the complete
example ruleset is loaded by the real loader.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

import ecredit_rules as ec
from ecredit_rules import language
from ecredit_rules.vocabulary import vocabulary

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "rule-language.md"
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
MARKER = re.compile(r"^# example: (\w+)\s*$", re.MULTILINE)

ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "condition": TypeAdapter(language.Condition),
    "rule": TypeAdapter(language.RuleEntry),
    "document": TypeAdapter(language.Document),
    "clauses": TypeAdapter(dict[str, language.Clause]),
    "parameters": TypeAdapter(dict[str, language.Parameter]),
    "rating": TypeAdapter(language.Rating),
    "deadline": TypeAdapter(language.DeadlineEntry),
}
KINDS = {*ADAPTERS, "ruleset"}


def _blocks() -> list[tuple[int, str, str]]:
    """(line in the guide, kind, YAML text) of every yaml block."""
    text = GUIDE.read_text(encoding="utf-8")
    out = []
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        marker = MARKER.search(match.group(1))
        out.append((line, marker.group(1) if marker else "", match.group(1)))
    return out


BLOCKS = _blocks()


def _of(kind: str) -> list[Any]:
    return [pytest.param(block, id=f"line{line}") for line, k, block in BLOCKS if k == kind]


def _codes(node: Any, found: dict[str, set[Any]]) -> None:
    """Collect the vocabulary codes and parameter names an example uses."""
    if isinstance(node, list):
        for item in node:
            _codes(item, found)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "acts":
            found["acts"] |= set(value)
        elif key in {"met", "breached"}:
            found["compliance"].add(value)
        elif key == "record":
            found["retention_days"].add(value)
        elif key in {"lacks_system", "has_system"}:
            found["platform_systems"].add(value)
        elif key == "param":
            found["param"].add(value)
        elif key == "assessment" and isinstance(value, dict):
            found[f"assessment:{value.get('field')}"] |= set(value.get("in", ()))
        _codes(value, found)


def _defined_parameters() -> set[str]:
    names: set[str] = set()
    for _, kind, block in BLOCKS:
        data = yaml.safe_load(block)
        if kind == "parameters":
            names |= set(data)
        elif kind == "ruleset":
            names |= set(data.get("parameters", {}))
    return names


def test_the_guide_has_examples_of_every_kind() -> None:
    assert {kind for _, kind, _ in BLOCKS} == KINDS


def test_every_yaml_block_says_what_it_is_an_example_of() -> None:
    unmarked = [line for line, kind, _ in BLOCKS if kind not in KINDS]
    assert not unmarked, f"yaml blocks without a known '# example: <kind>' marker at lines {unmarked}"


def test_every_condition_key_has_an_example() -> None:
    shown = {next(iter(yaml.safe_load(block))) for _, kind, block in BLOCKS if kind == "condition"}
    assert shown == set(language.CONDITION_KEYS)


@pytest.mark.parametrize("block", [p for kind in ADAPTERS for p in _of(kind)])
def test_example_is_valid_in_the_rule_language(block: str) -> None:
    kind = MARKER.search(block).group(1)  # type: ignore[union-attr]
    ADAPTERS[kind].validate_python(yaml.safe_load(block))


@pytest.mark.parametrize("block", [p for kind in ADAPTERS for p in _of(kind)] + _of("ruleset"))
def test_example_uses_only_known_codes_and_parameters(block: str) -> None:
    found: dict[str, set[Any]] = {
        key: set() for key in ("acts", "compliance", "retention_days", "platform_systems", "param")
    }
    found.update({f"assessment:{field}": set() for field in vocabulary().assessment})
    _codes(yaml.safe_load(block), found)
    vocab = vocabulary()
    for category in ("acts", "compliance", "retention_days", "platform_systems"):
        assert found[category] <= set(getattr(vocab, category)), category
    for field in vocab.assessment:
        assert found[f"assessment:{field}"] <= vocab.assessment_values(field), field
    assert found["param"] <= _defined_parameters()


@pytest.mark.parametrize("block", _of("ruleset"))
def test_example_ruleset_loads_and_evaluates(block: str, tmp_path: Path) -> None:
    assert block.startswith("# yaml-language-server: $schema=../schema/ruleset.schema.json\n")
    name = yaml.safe_load(block)["ruleset"]
    path = tmp_path / f"{name}.yaml"
    path.write_text(block, encoding="utf-8")
    rs = ec.load_ruleset(path)
    penalties = [
        {"id": f"P{i}", "type": "penalty", "date": day, "act": "false_advertising"}
        for i, day in enumerate(["2022-09-01", "2022-11-01"])
    ]
    facts = {"subject": {"id": "S1", "roles": ["goods_operator"]}, "events": penalties}
    # The dated parameter of the example: "3次以上" until 2022, "2次以上" from 2023-01-01.
    before = ec.evaluate(rs, facts, as_of=date(2022, 12, 31), engine="compiled")
    after = ec.evaluate(rs, facts, as_of=date(2023, 1, 1), engine="compiled")
    assert f"{name}.art5.item1" not in {v.rule for v in before.verdicts}
    assert f"{name}.art5.item1" in {v.rule for v in after.verdicts}
    outside = ec.evaluate(rs, facts, as_of=date(2025, 1, 1), engine="compiled")
    assert [v.kind for v in outside.verdicts] == ["notice"]
