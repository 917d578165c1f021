"""A seeded generator of realistic subjects: 20–40 events over three years, mixed facts.

The codes below are written out, not read from ``rules/vocabulary.yaml``: the same seed must give the
same subjects in every revision, so that ``bench/corpus.py`` compares like with like (a code added to
the vocabulary would change the corpus and be unknown to an older base). ``tests/test_generate.py``
checks that every code here is in the vocabulary.
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from typing import Any

ACTS = [
    "contract_fraud", "prohibited_goods", "trademark_infringing_goods", "adulterated_goods", "counterfeit_goods",
    "false_advertising", "fake_reviews", "malicious_reviews", "competitor_defamation", "other_serious_violation",
    "consumer_fraud", "false_identity", "unlicensed_operation", "pyramid_selling", "unsafe_agricultural_products",
    "price_fraud", "fake_traffic", "goods_not_as_pictured", "refuse_to_correct", "false_publicity",
]
COMPLIANCE = [
    "lawful_goods", "quality_assurance", "information_disclosure", "seven_day_returns", "fair_standard_terms",
    "consumer_data_protection", "truthful_information", "license_display", "real_identity_submitted",
    "verify_sellers", "consumer_consent", "no_disclosure_of_user_data", "no_spam", "ip_protection", "verify_users",
    "security_level_protection",
]
SYSTEMS = [
    "user_registration", "seller_qualification_review", "trading_rules", "information_disclosure_review",
    "consumer_protection", "publicity_and_warning", "transaction_security_and_backup", "other_required_systems",
]
ROLES = ["goods_operator", "platform_operator", "infrastructure_provider"]
LEGAL_FORMS = ["enterprise", "individual_business", "natural_person", "other_organization"]
# Event types other than ``response`` (responses are added to answer triggers), and how often each occurs.
EVENT_WEIGHTS = {"penalty": 30, "warning": 15, "finding": 15, "commitment": 5, "rating": 5, "review_request": 4,
                 "submission": 4, "objection": 4}
AS_OF = date(2024, 6, 30)


def subject(rng: random.Random, n: int, as_of: date = AS_OF) -> dict[str, Any]:
    """One subject; most facts known, some deliberately absent (unknown)."""
    start = as_of - timedelta(days=3 * 365)
    events: list[dict[str, Any]] = []
    for k in range(rng.randint(20, 40)):
        day = start + timedelta(days=rng.randint(0, 3 * 365 + 30))  # a few fall after as_of
        kind = rng.choices(list(EVENT_WEIGHTS), weights=list(EVENT_WEIGHTS.values()))[0]
        event: dict[str, Any] = {"id": f"E{k}", "type": kind, "date": day.isoformat()}
        if kind in {"penalty", "warning", "finding"}:
            event["act"] = rng.choice(ACTS[: rng.choice([4, 8, 20])])
            if rng.random() < 0.5:
                event["sales_amount"] = f"{rng.choice([0, 1000, 29999.99, 30000, 49999.99, 50000, 80000]):.2f}"
            if rng.random() < 0.3:
                event["illegal_gain"] = str(rng.choice([0, 10000, 50000]))
        elif kind == "rating":
            event["grade"] = rng.choice("ABCD")
        events.append(event)
    for trigger in [e for e in events if e["type"] in {"review_request", "submission", "objection"}]:
        if rng.random() < 0.7:
            answered = date.fromisoformat(trigger["date"]) + timedelta(days=rng.randint(0, 60))
            events.append({"id": f"A{trigger['id']}", "type": "response", "date": answered.isoformat(),
                           "answers": trigger["id"]})
    facts: dict[str, Any] = {
        "subject": {
            "id": f"S{n:08d}",
            "name": f"某某电商{n}号",
            "roles": rng.sample(ROLES, rng.randint(1, 2)),
            "legal_form": rng.choice(LEGAL_FORMS),
            "licensed": rng.random() < 0.85,
            "lists": rng.choice([[], [], ["black"], ["red"]]),
        },
        "events": events,
    }
    if rng.random() < 0.9:
        facts["compliance"] = {c: rng.random() < 0.85 for c in rng.sample(COMPLIANCE, rng.randint(8, 16))}
    if rng.random() < 0.8:
        facts["retention_days"] = {
            "receipts": rng.choice([365, 729, 730, 900]),
            "seller_identity_records": rng.choice([700, 730, 1000]),
            "transaction_records": rng.choice([729, 730, 800]),
            "user_access_logs": rng.choice([30, 59, 60, 90]),
        }
    if rng.random() < 0.8:
        facts["platform_systems"] = rng.sample(SYSTEMS, rng.randint(5, 8))
    if rng.random() < 0.85:
        facts["assessment"] = {
            "management": rng.choice(["standardized", "standardized", "non_standardized", "poor"]),
            "commitment": rng.choice(["strong", "average", "weak"]),
            "economic_strength": rng.choice(["strong", "average", "weak"]),
            "reputation": rng.choice(["excellent", "average", "low"]),
            "stable_staff": rng.random() < 0.8,
        }
    return facts


def subjects_json(count: int, seed: int = 20241001) -> list[str]:
    """``count`` subjects as JSON texts, the same for the same seed."""
    rng = random.Random(seed)
    return [json.dumps(subject(rng, n), ensure_ascii=False) for n in range(count)]
