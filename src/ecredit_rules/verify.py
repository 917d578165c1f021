"""``ecredit verify``: prove that a report came from the ruleset and facts it names (CONTRACT §5, §6).

The two digests are checked first, because a recomputation from other facts or another version of
the rule file proves nothing: a mismatch is "cannot check" (exit 2), naming which digest differs.
Then the decision is recomputed with the report's ``as_of`` and engine and compared part by part;
every difference is named (exit 1), or the report is reproduced (exit 0).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .digest import digest_of_checked
from .evaluate import evaluate
from .facts import Facts, facts_data, load_facts
from .ir import CompiledRuleset
from .messages import Lang, Msg
from .report import Report

REPRODUCED, DIFFERS, CANNOT_CHECK = 0, 1, 2

# The parts of a verdict compared, in the order differences are named.
_VERDICT_FIELDS = ("kind", "label", "citation", "evidence", "derived_from", "interpretation", "details")
_RATING_FIELDS = ("grade", "rule", "citation", "evidence", "derived_from")


@dataclass
class Verification:
    """The outcome: ``status`` (0 reproduced, 1 differs, 2 cannot check) and one line per finding."""

    status: int
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_report(text: str | bytes) -> Report:
    """A report from its JSON; raises ``ValueError`` saying what is wrong."""
    try:
        return Report.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(report)"
        raise ValueError(f"{where}: {first['msg']}") from None


def verify(
    report: Report,
    facts: Facts | Mapping[str, Any] | str | bytes,
    load: Callable[[], CompiledRuleset],
    lang: Lang = "zh",
) -> Verification:
    """Check ``report`` against ``facts`` and the ruleset ``load`` returns (the one the report names,
    or the file given with ``-r``). Raises ``FactsError`` for facts that do not validate.

    >>> import ecredit_rules as ec
    >>> from datetime import date
    >>> facts = {"subject": {"id": "S1"}, "events": []}
    >>> report = ec.evaluate("tuquan", facts, as_of=date(2024, 6, 30))
    >>> verify(report, facts, lambda: ec.load_ruleset("tuquan")).status
    0
    """
    rs = load()
    if rs.digest != report.ruleset.digest:
        return Verification(CANNOT_CHECK, [Msg("verify_ruleset_digest", expected=report.ruleset.digest,
                                                path=rs.path, actual=rs.digest).render(lang)])
    checked = facts if isinstance(facts, Facts) else load_facts(facts)
    actual = digest_of_checked(facts_data(checked))
    if actual != report.facts_digest:
        return Verification(CANNOT_CHECK, [Msg("verify_facts_digest", expected=report.facts_digest,
                                                actual=actual).render(lang)])
    again = evaluate(rs, checked, as_of=report.as_of, engine=report.engine)
    lines = [m.render(lang) for m in differences(report, again)]
    notes = []
    if report.generator != again.generator:
        notes.append(Msg("verify_generator", reported=_gen(report), current=_gen(again)).render(lang))
    if lines:
        return Verification(DIFFERS, lines, notes)
    grade = report.rating.grade if report.rating else "—"
    ok = Msg("verify_ok", count=len(report.verdicts), grade=grade, undetermined=len(report.undetermined))
    return Verification(REPRODUCED, [ok.render(lang)], notes)


def _gen(report: Report) -> str:
    return f"{report.generator.package} {report.generator.version}"


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _field_differences(what: str, old: dict[str, Any], new: dict[str, Any], fields: tuple[str, ...]) -> list[Msg]:
    return [Msg("verify_field", what=what, field=name, reported=_shown(old.get(name)), recomputed=_shown(new.get(name)))
            for name in fields if old.get(name) != new.get(name)]


def differences(reported: Report, recomputed: Report) -> list[Msg]:
    """Every way ``recomputed`` differs from ``reported``: verdicts, their parts, rating, undetermined."""
    found: list[Msg] = []
    if reported.in_force != recomputed.in_force:
        found.append(Msg("verify_field", what="report", field="in_force",
                         reported=reported.in_force, recomputed=recomputed.in_force))
    old = {v.rule: v.model_dump(mode="json") for v in reported.verdicts}
    new = {v.rule: v.model_dump(mode="json") for v in recomputed.verdicts}
    found += [Msg("verify_missing", what=f"verdict {rule}") for rule in old if rule not in new]
    found += [Msg("verify_extra", what=f"verdict {rule}") for rule in new if rule not in old]
    for rule in [r for r in old if r in new]:
        found += _field_differences(f"verdict {rule}", old[rule], new[rule], _VERDICT_FIELDS)
    if (reported.rating is None) != (recomputed.rating is None):
        found.append(Msg("verify_field", what="rating", field="grade",
                         reported=_shown(reported.rating and reported.rating.grade),
                         recomputed=_shown(recomputed.rating and recomputed.rating.grade)))
    elif reported.rating is not None and recomputed.rating is not None:
        found += _field_differences("rating", reported.rating.model_dump(mode="json"),
                                    recomputed.rating.model_dump(mode="json"), _RATING_FIELDS)
    und_old = {u.rule: u.missing for u in reported.undetermined}
    und_new = {u.rule: u.missing for u in recomputed.undetermined}
    found += [Msg("verify_missing", what=f"undetermined {rule}") for rule in und_old if rule not in und_new]
    found += [Msg("verify_extra", what=f"undetermined {rule}") for rule in und_new if rule not in und_old]
    for rule in [r for r in und_old if r in und_new]:
        if und_old[rule] != und_new[rule]:
            found.append(Msg("verify_field", what=f"undetermined {rule}", field="missing",
                             reported=_shown(und_old[rule]), recomputed=_shown(und_new[rule])))
    if reported.subject != recomputed.subject:
        found.append(Msg("verify_field", what="report", field="subject",
                         reported=reported.subject, recomputed=recomputed.subject))
    return found


def report_ruleset_ref(report: Report, given: str | Path | None) -> str | Path:
    """The ruleset to recompute with: the file given, or the bundled ruleset the report names."""
    return given if given is not None else report.ruleset.id

