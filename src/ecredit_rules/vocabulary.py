"""The shared vocabulary of codes (``rules/vocabulary.yaml``) that facts and rule files use."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import ValidationError

from .bundled import VOCABULARY_FILE, rules_dir
from .errors import Problem, RulesetError
from .language_base import Model
from .yaml_source import read_yaml

Names = dict[str, str]


class Vocabulary(Model):
    roles: Names
    legal_forms: Names
    lists: Names
    event_types: Names
    acts: Names
    compliance: Names
    retention_days: Names
    platform_systems: Names
    assessment: dict[str, dict[str | bool, str]]
    kinds: Names

    def assessment_values(self, field: str) -> set[str | bool]:
        return set(self.assessment.get(field, {}))


def read_vocabulary(path: Path) -> Vocabulary:
    doc = read_yaml(path)
    if doc.problems:
        raise RulesetError(
            [Problem(f"{path}:{pos.line}:{pos.column}", msg.render()) for pos, msg in doc.problems]
        )
    try:
        return Vocabulary.model_validate(doc.data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            pos = doc.position_of(err["loc"])
            where = ".".join(str(x) for x in err["loc"])
            problems.append(Problem(f"{path}:{pos.line}:{pos.column}", f"{where}: {err['msg']}"))
        raise RulesetError(problems) from None


@cache
def vocabulary() -> Vocabulary:
    """The bundled vocabulary, read once."""
    return read_vocabulary(rules_dir() / VOCABULARY_FILE)
