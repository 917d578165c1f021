"""The corpus generator of bench/ writes only codes of the vocabulary, and valid facts."""

from __future__ import annotations

import random

import pytest
from bench import generate

from ecredit_rules.facts import load_facts
from ecredit_rules.vocabulary import vocabulary


@pytest.mark.parametrize(
    ("codes", "category"),
    [
        (generate.ACTS, "acts"),
        (generate.COMPLIANCE, "compliance"),
        (generate.SYSTEMS, "platform_systems"),
        (generate.ROLES, "roles"),
        (generate.LEGAL_FORMS, "legal_forms"),
        (list(generate.EVENT_WEIGHTS), "event_types"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_generator_codes_are_in_the_vocabulary(codes: list[str], category: str) -> None:
    assert [c for c in codes if c not in getattr(vocabulary(), category)] == []


def test_generated_subjects_are_valid_facts() -> None:
    rng = random.Random(11)
    for n in range(20):
        load_facts(generate.subject(rng, n))
