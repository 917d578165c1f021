"""The table of condition kinds: every kind has every part, so a missing one fails here, not at an evaluation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import ecredit_rules as ec
from ecredit_rules import language
from ecredit_rules.batch.columnar_leaf import PER_SUBJECT, ColumnarLeaf
from ecredit_rules.conditions import KINDS, ConnectiveKind, LeafKind, ReferenceKind, kind_of
from ecredit_rules.conditions.base import CheckContext, CompileContext, LintAtom
from ecredit_rules.ir import Node
from ecredit_rules.language import Parameter
from ecredit_rules.language_base import Model
from ecredit_rules.schema import ruleset_schema
from ecredit_rules.subject import ExplainFn, ValueFn
from ecredit_rules.vocabulary import Vocabulary, vocabulary
from ecredit_rules.yaml_source import PathKey

SORTS = (ConnectiveKind, ReferenceKind, LeafKind)


@pytest.mark.parametrize("key", list(KINDS))
def test_every_kind_is_of_exactly_one_sort(key: str) -> None:
    assert sum(isinstance(KINDS[key], sort) for sort in SORTS) == 1


@pytest.mark.parametrize("key", list(KINDS))
def test_every_kind_is_registered_under_the_one_key_its_model_requires(key: str) -> None:
    model = KINDS[key].model
    assert [f.alias or name for name, f in model.model_fields.items() if f.is_required()] == [key]
    assert KINDS[key].key == key


@pytest.mark.parametrize("key", list(KINDS))
def test_every_kind_has_a_description_for_the_editor(key: str) -> None:
    assert KINDS[key].schema_description()


def test_the_language_and_the_schema_list_the_kinds_in_the_table_order() -> None:
    assert list(language.CONDITION_KEYS) == list(KINDS)
    alternatives = ruleset_schema()["$defs"]["Condition"]["oneOf"]
    assert [a["$ref"].rsplit("/", 1)[1] for a in alternatives] == [k.model.__name__ for k in KINDS.values()]


def _bundled_leaves() -> Iterator[tuple[Any, ec.Ruleset]]:
    for rid in ec.available_rulesets():
        rs = ec.load_ruleset(rid)
        yield from ((leaf, rs) for leaf in rs.leaves)


def test_every_leaf_of_every_bundled_ruleset_is_derived_by_its_own_kind() -> None:
    vocab = vocabulary()
    for leaf, rs in _bundled_leaves():
        assert leaf.kind is kind_of(leaf.spec)
        value, explain = leaf.kind.derive(leaf.spec, rs.parameters)
        assert callable(value) and callable(explain)
        atom = leaf.kind.lint_atom(leaf.spec, vocab)
        assert atom.allowed <= atom.domain or atom.var[0] is None


@pytest.mark.parametrize("key", [k for k, kind in KINDS.items() if isinstance(kind, LeafKind)])
def test_every_leaf_kind_is_counted_on_columns_or_named_as_judged_per_subject(key: str) -> None:
    # The columnar engine's interface (batch/columnar_leaf.py): a new leaf kind has to choose.
    columnar = isinstance(KINDS[key], ColumnarLeaf)
    assert columnar != (key in PER_SUBJECT)


class _Average(Model):
    average: int


class _AverageWithoutDerivation(LeafKind[_Average]):
    key = "average"
    model = _Average

    def check(self, cond: _Average, ctx: CheckContext, where: PathKey, owner: str) -> None: ...

    def compile(self, cond: _Average, ctx: CompileContext, owner: str) -> Node:
        raise AssertionError

    def lint_atom(self, cond: _Average, vocab: Vocabulary) -> LintAtom:
        raise AssertionError


class _AverageKind(_AverageWithoutDerivation):
    def derive(self, cond: _Average, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        raise AssertionError


def test_a_leaf_kind_without_a_derivation_cannot_be_made() -> None:
    with pytest.raises(TypeError, match="derive"):
        _AverageWithoutDerivation()  # type: ignore[abstract]


def test_a_complete_leaf_kind_can_be_made() -> None:
    assert _AverageKind().key == "average"


def test_loading_and_linting_a_ruleset_does_not_need_the_durable_extension() -> None:
    # The loader checks durable-rules' limits from engines/durable_network.py, which is pure Python.
    script = (
        "import sys, datetime; import ecredit_rules as ec; from ecredit_rules.lint import lint_ruleset; "
        "ec.load_ruleset('tuquan'); lint_ruleset('tuquan'); day = datetime.date(2024, 6, 30); "
        "ec.evaluate(ec.load_ruleset('xining'), {'subject': {'id': 'S'}}, as_of=day, engine='compiled'); "
        "assert 'durable_rules_engine' not in sys.modules, 'the C extension was imported'"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
