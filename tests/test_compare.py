"""``ec.compare``: one subject under several rulesets, side by side.

Uses tuquan and small rulesets written under tmp_path, so the differences tested are known exactly.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from bench.generate import subject as generated_subject
from pydantic import BaseModel

import ecredit_rules as ec
from ecredit_rules.compare import retention_minimums
from tests.conftest import event, subject

AS_OF = date(2021, 6, 30)

CITY = """\
ruleset: {rid}
version: "1"
document:
  title: {title}
  number: 某发〔2020〕1号
  issuer: 某市市场监督管理局
  published: 2020-01-01
  source: {rid}.txt
  in_force:
    from: 2020-01-01
    until: {until}
    clause: art9
parameters:
  receipts_days:
    description: 购货凭证保存期限
    unit: days
    values:
      - {{from: 2020-01-01, value: {days}}}
clauses:
  art3:
    article: 3
    item: 6
    label: 第三条第（六）项
    text: 完整保存购货凭证，保存时间不得少于{years}年。
    rules:
      - id: {rid}.art3
        kind: obligation_breach
        label: 购货凭证保存期限不足
        when:
          retention: {{record: receipts, less_than_days: {{param: receipts_days}}}}
  art4:
    article: 4
    label: 第四条
    text: 利用合同实施欺诈的，属于失信行为。
    rules:
      - id: {rid}.art4
        kind: dishonest
        label: 利用合同欺诈
        when:
          events: {{types: [penalty], acts: [contract_fraud]}}
  art9:
    article: 9
    label: 第九条
    text: 本办法自2020年1月1日起施行。
"""


def city(tmp_path: Path, rid: str, *, days: int = 730, until: str = "2030-12-31") -> Path:
    path = tmp_path / f"{rid}.yaml"
    years = days // 365
    path.write_text(CITY.format(rid=rid, title=f"{rid}市电子商务信用管理办法", until=until, years=years, days=days),
                    encoding="utf-8")
    return path


def shop(**extra: Any) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "subject": subject(),
        "events": [event("P1", "penalty", "2021-03-01", "contract_fraud")],
        "compliance": {"seven_day_returns": False},
        "retention_days": {"receipts": 400},
    }
    facts.update(extra)
    return facts


@pytest.fixture
def cities(tmp_path: Path) -> list[Path]:
    return [city(tmp_path, "alpha", days=730), city(tmp_path, "beta", days=1095)]


def test_compare_is_exported_from_the_package() -> None:
    assert ec.compare.__name__ == "compare"
    assert "compare" in ec.__all__


def test_compare_has_one_column_per_ruleset_in_the_order_given(cities: list[Path]) -> None:
    result = ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan", *cities])
    assert [c.id for c in result.rulesets] == ["tuquan", "alpha", "beta"]
    assert result.subject == subject()["id"]
    assert result.as_of == AS_OF


def test_compare_columns_carry_the_verdicts_with_clause_labels(cities: list[Path]) -> None:
    result = ec.compare(shop(), as_of=AS_OF, rulesets=cities)
    alpha = result.rulesets[0]
    assert {(v.rule, v.kind, v.clause) for v in alpha.verdicts} == {
        ("alpha.art3", "obligation_breach", "第三条第（六）项"),
        ("alpha.art4", "dishonest", "第四条"),
    }


def test_compare_columns_match_evaluate(cities: list[Path]) -> None:
    result = ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan"])
    report = ec.evaluate("tuquan", shop(), as_of=AS_OF)
    column = result.rulesets[0]
    assert [v.rule for v in column.verdicts] == [v.rule for v in report.verdicts]
    assert column.undetermined == report.undetermined


def test_compare_lists_a_ruleset_out_of_force_without_comparing_it(tmp_path: Path) -> None:
    expired = city(tmp_path, "gamma", until="2020-12-31")
    result = ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan", expired])
    gamma = result.rulesets[1]
    assert gamma.in_force is False
    assert gamma.verdicts == []
    assert gamma.notice is not None and gamma.notice.kind == "notice"
    assert gamma.notice.citation.label == "第九条"
    assert result.compared == ["tuquan"]
    assert all("gamma" not in row.clauses for row in result.facts)


def test_compare_acts_view_names_each_citys_clause_for_an_act(cities: list[Path]) -> None:
    result = ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan", *cities])
    row = next(r for r in result.facts if r.fact == "act:contract_fraud")
    assert row.events == ["P1"]
    assert row.name == "利用合同实施欺诈、胁迫、恶意串通"
    assert [c.clause for c in row.clauses["alpha"]] == ["第四条"]
    # One penalty is below tuquan's "3次以上": no 失信 clause of tuquan, only its C-grade clause.
    assert [(c.kind, c.clause) for c in row.clauses["tuquan"]] == [("rating", "第四条（C等）")]


def test_compare_acts_view_covers_retention_and_compliance_facts(cities: list[Path]) -> None:
    result = ec.compare(shop(), as_of=AS_OF, rulesets=cities)
    rows = {r.fact: r for r in result.facts}
    assert rows["retention_days.receipts"].value == 400
    assert [c.rule for c in rows["retention_days.receipts"].clauses["beta"]] == ["beta.art3"]
    assert rows["compliance.seven_day_returns"].value is False


def test_compare_differences_show_kinds_fired_in_some_cities_only(cities: list[Path]) -> None:
    result = ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan", *cities])
    dishonest = next(k for k in result.differences.kinds if k.kind == "dishonest")
    assert dishonest.fired_in == {"alpha": ["alpha.art4"], "beta": ["beta.art4"]}
    assert dishonest.not_fired == ["tuquan"]
    breach = next(k for k in result.differences.kinds if k.kind == "obligation_breach")
    assert breach.no_rule == ["tuquan"]


def test_compare_differences_show_retention_thresholds_from_the_rulesets(cities: list[Path]) -> None:
    result = ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan", *cities])
    [receipts] = result.differences.retention
    assert receipts.record == "receipts"
    assert receipts.subject_days == 400
    assert receipts.required_days == {"tuquan": None, "alpha": 730, "beta": 1095}


def test_compare_equal_thresholds_are_not_a_difference(tmp_path: Path) -> None:
    same = [city(tmp_path, "alpha"), city(tmp_path, "beta")]
    result = ec.compare(shop(), as_of=AS_OF, rulesets=same)
    assert result.differences.retention == []
    assert result.differences.kinds == []


def test_retention_minimums_read_the_parameter_in_force(tmp_path: Path) -> None:
    rs = ec.load_ruleset(city(tmp_path, "alpha", days=730))
    assert retention_minimums(rs, AS_OF) == {"receipts": 730}


def test_compare_json_structure(cities: list[Path]) -> None:
    data = json.loads(ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan", *cities]).to_json())
    assert set(data) == {"subject", "as_of", "engine", "rulesets", "facts", "differences", "facts_digest", "generator"}
    assert set(data["rulesets"][0]) >= {"id", "title", "number", "in_force", "verdicts", "undetermined", "rating"}
    assert set(data["facts"][0]) == {"fact", "name", "events", "value", "clauses"}
    assert set(data["differences"]) == {"kinds", "retention"}
    assert data["as_of"] == "2021-06-30"


def test_compare_engines_agree(cities: list[Path]) -> None:
    durable = ec.compare(shop(), as_of=AS_OF, rulesets=["tuquan", *cities])
    compiled = ec.compare(shop(), as_of=AS_OF, engine="compiled", rulesets=["tuquan", *cities])
    assert durable.model_dump(exclude={"engine"}) == compiled.model_dump(exclude={"engine"})


def test_compare_gives_the_same_comparison_for_json_text_a_dict_and_a_model(cities: list[Path]) -> None:
    # The fast path leaves absent parts out, the model keeps them as None: the facts view reads both alike.
    facts = shop(platform_systems=["user_registration"])
    as_text = ec.compare(json.dumps(facts), as_of=AS_OF, rulesets=["tuquan", *cities]).to_json()
    assert ec.compare(facts, as_of=AS_OF, rulesets=["tuquan", *cities]).to_json() == as_text
    assert ec.compare(ec.Facts.model_validate(facts), as_of=AS_OF, rulesets=["tuquan", *cities]).to_json() == as_text


def _models(value: Any) -> Iterator[BaseModel]:
    """Every model in ``value``, itself included, depth first."""
    if isinstance(value, BaseModel):
        yield value
        value = value.__dict__
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            yield from _models(item)


@pytest.mark.parametrize("seed", range(40))
def test_a_comparison_built_without_validation_is_what_validation_builds(seed: int) -> None:
    # The comparison's models are built from the package's own data without checking it again
    # (``language_base.built``): each must hold its fields in its fields' order, of its fields' types.
    facts = generated_subject(random.Random(seed), seed)
    comparison = ec.compare(facts, as_of=date(2024, 6, 30), engine="compiled")
    assert ec.Comparison.model_validate_json(comparison.to_json()) == comparison
    for model in _models(comparison):
        assert list(model.__dict__) == list(type(model).model_fields), type(model).__name__
        assert type(model).model_validate(model.model_dump()) == model


def test_compare_bad_facts_raise_facts_error() -> None:
    with pytest.raises(ec.FactsError) as err:
        ec.compare({"subject": {"id": "S1"}, "events": [{"id": "E", "type": "penalty", "date": "x"}]},
                   rulesets=["tuquan"])
    assert err.value.problems[0].where == "events[0].date"


def test_compare_does_not_close_rulesets_it_was_given(cities: list[Path]) -> None:
    rs = ec.load_ruleset("tuquan")
    ec.compare(shop(), as_of=AS_OF, rulesets=[rs])
    # Still usable on the durable engine afterwards.
    assert ec.evaluate(rs, shop(), as_of=AS_OF).in_force


def test_compare_platform_system_rows_show_what_the_subject_has(cities: list[Path]) -> None:
    result = ec.compare(shop(platform_systems=["user_registration"]), as_of=AS_OF, rulesets=cities)
    row = next(r for r in result.facts if r.fact == "platform_systems.user_registration")
    assert row.value is True


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Bundled rules served from a copy, so a test can edit a bundled file."""
    import importlib
    import shutil

    from ecredit_rules.bundled import rules_dir

    compare_module = importlib.import_module("ecredit_rules.compare")  # the package exports the function

    folder = tmp_path / "rules"
    folder.mkdir()
    for name in ("vocabulary.yaml", "tuquan.yaml"):
        shutil.copy(rules_dir() / name, folder / name)
    registry = ec.RulesetRegistry([folder / "tuquan.yaml"])
    monkeypatch.setattr(compare_module, "rules_dir", lambda: folder)
    monkeypatch.setattr(compare_module, "_bundled", lambda: registry)
    yield folder
    registry.close()


def test_compare_uses_an_edit_of_a_bundled_file(rules_copy: Path) -> None:
    path = rules_copy / "tuquan.yaml"
    before = ec.compare({"subject": {"id": "S1"}}, as_of=AS_OF, rulesets=[path]).rulesets[0]
    old, new = "突泉县电子商务市场信用评价制度", "突泉县电子商务信用评价制度（修订）"
    path.write_text(path.read_text(encoding="utf-8").replace(f"  title: {old}", f"  title: {new}"), encoding="utf-8")
    after = ec.compare({"subject": {"id": "S1"}}, as_of=AS_OF, rulesets=[path]).rulesets[0]
    assert (before.title, after.title) == (old, new)


def test_compare_stops_on_a_broken_edit_of_a_bundled_file(rules_copy: Path) -> None:
    path = rules_copy / "tuquan.yaml"
    ec.compare({"subject": {"id": "S1"}}, as_of=AS_OF, rulesets=[path])
    path.write_text(path.read_text(encoding="utf-8").replace("kind: dishonest", "kind: dishonst", 1), "utf-8")
    with pytest.raises(ec.RulesetError, match="dishonst"):
        ec.compare({"subject": {"id": "S1"}}, as_of=AS_OF, rulesets=[path])
