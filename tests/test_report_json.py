"""``Report.to_json`` writes the same bytes as pydantic's serialiser, by its fast path or not."""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, IntEnum
from typing import Any
from uuid import UUID

import orjson
import pydantic_core
import pytest
from bench.generate import AS_OF, subjects_json
from pydantic import BaseModel

import ecredit_rules as ec
from ecredit_rules.derive import derive
from ecredit_rules.engines import get_engine
from ecredit_rules.evaluate import evaluate_json
from ecredit_rules.facts import facts_data
from ecredit_rules.report import Report, build_report, fast_json, report_data, report_json

HOSTILE = [
    'quote " and backslash \\ inside', "line\nbreak\ttab\rreturn\x00nul\x1f\x7f", "中文标点“”：；", "emoji 😀 and 𠀀",
    "\u2028\u2029 separators", "</script>", "", " ", "\ufeffbom", "\uffff",
]


def _reports() -> list[Report]:
    texts = subjects_json(40)
    found = []
    for rid in ec.available_rulesets():
        rs = ec.load_ruleset(rid)
        for day in (date(2019, 12, 31), AS_OF):
            found += [ec.evaluate(rs, text, as_of=day, engine="compiled") for text in texts]
    return found


REPORTS = _reports()


def _with(report: Report, **changes: Any) -> Report:
    return report.model_copy(update=changes)


def _busiest() -> Report:
    return max(REPORTS, key=lambda r: len(r.verdicts) + len(r.undetermined))


def test_fast_path_writes_pydantics_bytes_for_generated_reports() -> None:
    for report in REPORTS:
        assert fast_json(report) == report.model_dump_json()


def test_every_code_point_is_written_as_pydantic_writes_it() -> None:
    # Lone surrogates are refused by both, so the fast path hands them back (tested below).
    points = [*range(0xD800), *range(0xE000, 0x110000)]
    text = "".join(map(chr, points))
    assert orjson.dumps(text) == pydantic_core.to_json(text)
    assert all(orjson.dumps(chr(p)) == pydantic_core.to_json(chr(p)) for p in range(0x20))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_strings_in_every_place_are_written_as_pydantic_writes_them(text: str) -> None:
    report = _busiest()
    verdicts = [v.model_copy(update={"evidence": [*v.evidence, text], "label": text,
                                     "details": {**v.details, text: text}}) for v in report.verdicts]
    hostile = _with(report, subject=text, facts_digest=text, verdicts=verdicts,
                    undetermined=[u.model_copy(update={"missing": [text]}) for u in report.undetermined])
    assert fast_json(hostile) == hostile.model_dump_json()
    assert hostile.to_json() == hostile.model_dump_json()


def test_lone_surrogate_is_refused_as_pydantic_refuses_it() -> None:
    report = _with(_busiest(), subject="bad \ud800")
    assert fast_json(report) is None
    with pytest.raises(pydantic_core.PydanticSerializationError):
        report.to_json()


@pytest.mark.parametrize("value", [1.5, 1e16, -0.0, 5e-324, math.inf, -math.inf, math.nan, 2**63 - 1, -(2**63), True,
                                   None, [1, "a"], {"k": [None]}])
def test_detail_values_orjson_writes_match_pydantic(value: Any) -> None:
    report = _busiest()
    verdict = report.verdicts[0].model_copy(update={"details": {"x": value}})
    changed = _with(report, verdicts=[verdict])
    assert fast_json(changed) == changed.model_dump_json()


class Colour(Enum):
    RED = "red"


class Size(IntEnum):
    BIG = 2


@pytest.mark.parametrize("value", [2**64, Decimal("1.10"), datetime(2024, 1, 2, 3, 4, 5), (1, 2), {1: "int key"},
                                   Colour.RED, Size.BIG, UUID(int=7), b"bytes", {"a"}, OrderedDict(a=1)])
def test_detail_values_orjson_might_write_differently_go_to_pydantic(value: Any) -> None:
    report = _busiest()
    verdict = report.verdicts[0].model_copy(update={"details": {"x": value}})
    changed = _with(report, verdicts=[verdict])
    assert changed.to_json() == changed.model_dump_json()


def test_indent_is_written_by_pydantic() -> None:
    report = _busiest()
    assert report.to_json(indent=2) == report.model_dump_json(indent=2)


def test_report_subclass_is_written_by_pydantic() -> None:
    class Tagged(Report):
        tag: str = "extra"

    report = Tagged(**dict(_busiest()))
    assert fast_json(report) is None
    assert report.to_json() == report.model_dump_json()


def _models(value: Any) -> list[BaseModel]:
    """Every model in ``value``, depth first."""
    if isinstance(value, BaseModel):
        return [value, *(m for field in value.__dict__.values() for m in _models(field))]
    if isinstance(value, list):
        return [m for item in value for m in _models(item)]
    return []


def _built_and_validated() -> list[tuple[Report, Report]]:
    engine = get_engine("compiled")
    pairs = []
    for rid in ec.available_rulesets():
        rs = ec.load_ruleset(rid)
        for day in (date(2000, 1, 1), date(2019, 12, 31), AS_OF):
            for text in subjects_json(25):
                checked = facts_data(text)
                derived = derive(rs, checked, day) if rs.in_force(day) else None
                outcomes = engine.decide(rs, derived) if derived is not None else None
                args = (rs, checked["subject"]["id"], derived, outcomes, "compiled", day, "sha256:0")
                pairs.append((build_report(*args), Report.model_validate(report_data(*args))))
    return pairs


def test_built_report_is_the_validated_one_field_for_field() -> None:
    pairs = _built_and_validated()
    assert any(not built.in_force for built, _ in pairs) and any(built.rating for built, _ in pairs)
    for built, validated in pairs:
        assert built == validated
        for mine, theirs in zip(_models(built), _models(validated), strict=True):
            assert type(mine) is type(theirs)
            assert list(mine.__dict__) == list(theirs.__dict__)
            assert mine.__pydantic_fields_set__ == theirs.__pydantic_fields_set__


def test_built_rating_shares_no_list_with_its_verdict() -> None:
    for built, _ in _built_and_validated():
        if built.rating is not None:
            verdict = next(v for v in built.verdicts if v.rule == built.rating.rule)
            assert built.rating.evidence is not verdict.evidence
            assert built.rating.derived_from is not verdict.derived_from


def _judged_args() -> list[tuple[Any, ...]]:
    """build_report's arguments for generated subjects under every ruleset, in force and not."""
    engine = get_engine("compiled")
    found = []
    for rid in ec.available_rulesets():
        rs = ec.load_ruleset(rid)
        for day in (date(2000, 1, 1), AS_OF):
            for text in subjects_json(30):
                checked = facts_data(text)
                derived = derive(rs, checked, day) if rs.in_force(day) else None
                outcomes = engine.decide(rs, derived) if derived is not None else None
                found.append((rs, checked["subject"]["id"], derived, outcomes, "compiled", day, "sha256:0"))
    return found


def test_report_json_writes_the_models_bytes_without_building_them() -> None:
    args = _judged_args()
    assert any(a[2] is None for a in args)
    for each in args:
        assert report_json(*each) == build_report(*each).to_json().encode()


@pytest.mark.parametrize("text", HOSTILE)
def test_report_json_writes_hostile_strings_as_the_models_do(text: str) -> None:
    rs, _, derived, outcomes, engine, day, _ = next(a for a in _judged_args() if a[2] is not None)
    assert report_json(rs, text, derived, outcomes, engine, day, text) == build_report(
        rs, text, derived, outcomes, engine, day, text).to_json().encode()


def test_report_json_leaves_what_orjson_refuses_to_the_models() -> None:
    rs, _, derived, outcomes, engine, day, digest = _judged_args()[-1]
    with pytest.raises(pydantic_core.PydanticSerializationError):
        report_json(rs, "bad \ud800", derived, outcomes, engine, day, digest)


def test_evaluate_json_is_evaluate_to_json_in_utf8_for_both_engines() -> None:
    rs = ec.load_ruleset("xining")
    for engine in ("compiled", "durable"):
        for text in subjects_json(5):
            assert evaluate_json(rs, text, AS_OF, engine) == ec.evaluate(rs, text, AS_OF, engine).to_json().encode()
