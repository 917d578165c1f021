"""The report (CONTRACT §5): what fired, why, on which clause's words, and what stayed unknown.

Built from the engines' outcomes by this one module, so both engines produce the same report
whenever they decide the same outcomes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .derive import Derived
from .engines import Outcomes
from .ir import (
    FALSE,
    TRUE,
    UNKNOWN,
    And,
    AtLeast,
    Chain,
    CompiledRuleset,
    Leaf,
    Node,
    Not,
    Or,
    RuleIR,
    leaf_truth,
    truth_of,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Citation(_Frozen):
    article: int | None
    item: int | None
    label: str
    text: str


class Verdict(_Frozen):
    rule: str
    kind: str
    label: str
    citation: Citation
    evidence: list[str] = Field(default_factory=list)
    derived_from: list[str] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class RatingResult(_Frozen):
    grade: str
    rule: str
    citation: Citation
    derived_from: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)


class Undetermined(_Frozen):
    rule: str
    missing: list[str]


class RulesetInfo(_Frozen):
    id: str
    title: str
    number: str | None
    version: str
    digest: str


class Report(_Frozen):
    ruleset: RulesetInfo
    engine: str
    subject: str
    as_of: date
    in_force: bool
    verdicts: list[Verdict]
    rating: RatingResult | None
    undetermined: list[Undetermined]

    def to_json(self, *, indent: int | None = None) -> str:
        """The report as the JSON of CONTRACT §5 (UTF-8 text, Chinese kept as is)."""
        return self.model_dump_json(indent=indent)


def citation(rs: CompiledRuleset, clause_id: str | None) -> Citation:
    """The citation of a clause (the document itself when ``clause_id`` is None), built once per ruleset."""
    cache = rs.engine_artefact("citations", dict)
    assert isinstance(cache, dict)
    found = cache.get(clause_id)
    if found is None:
        found = cache[clause_id] = _citation(rs, clause_id)
    return found


def _citation(rs: CompiledRuleset, clause_id: str | None) -> Citation:
    if clause_id is None:
        doc = rs.document
        return Citation(article=None, item=None, label=f"《{doc.title}》", text=doc.title)
    clause = rs.clauses[clause_id]
    return Citation(article=clause.article, item=clause.item, label=clause.label, text=clause.text)


def ruleset_info(rs: CompiledRuleset) -> RulesetInfo:
    return RulesetInfo(id=rs.id, title=rs.title, number=rs.document.number, version=rs.version, digest=rs.digest)


class _Explainer:
    """Why a rule that fired fired: its evidence and the verdicts it rests on."""

    def __init__(self, rs: CompiledRuleset, derived: Derived, outcomes: dict[str, int]) -> None:
        self.derived = derived
        self.outcomes = outcomes
        self.leaf_truths = [
            leaf_truth(leaf.op, v, t) for leaf, v, t in zip(rs.leaves, derived.values, derived.thresholds, strict=True)
        ]
        self.rules = rs.rules_by_id
        self._truths: dict[int, int] = {}  # by node identity: the tree is shared and immutable

    def truth(self, node: Node) -> int:
        key = id(node)
        found = self._truths.get(key)
        if found is None:
            found = self._truths[key] = truth_of(node, self.leaf_truths, self.outcomes)
        return found

    def support(self, node: Node, evidence: set[str], parents: set[str]) -> None:
        """Collect what makes a TRUE node true. ``not`` contributes nothing: absence is not evidence."""
        if isinstance(node, Leaf):
            evidence.update(self.derived.evidence[node.index])
        elif isinstance(node, Chain):
            parents.add(node.rule)
        elif isinstance(node, And):
            for child in node.children:
                self.support(child, evidence, parents)
        elif isinstance(node, Or | AtLeast):
            for child in node.children:
                if self.truth(child) == TRUE:
                    self.support(child, evidence, parents)

    def missing(self, node: Node, seen: set[str] | None = None) -> set[str]:
        """Fact paths whose absence leaves ``node`` unknown, following undetermined chained rules."""
        seen = seen if seen is not None else set()
        out: set[str] = set()
        if isinstance(node, Leaf):
            out.update(self.derived.missing[node.index])
        elif isinstance(node, Chain):
            rule = self.rules.get(node.rule)
            if rule is not None and self.outcomes.get(node.rule) == UNKNOWN and node.rule not in seen:
                seen.add(node.rule)
                out |= self.missing(rule.formula, seen)
        elif isinstance(node, Not):
            out |= self.missing(node.child, seen)
        else:
            for child in node.children:
                if self.truth(child) == UNKNOWN:
                    out |= self.missing(child, seen)
        return out

    def explain(self, rule: RuleIR) -> tuple[list[str], list[str]]:
        evidence: set[str] = set()
        parents: set[str] = set()
        # Evidence comes from the rule's own condition: that the subject has the role the article
        # addresses is why the rule applies, not what made it fire.
        self.support(rule.condition, evidence, parents)
        fired_parents = [p for p in parents if self.outcomes.get(p) == TRUE]
        return _ordered_evidence(evidence, self.derived), sorted(fired_parents)


def _ordered_evidence(evidence: set[str], derived: Derived) -> list[str]:
    # Events in the order they happened, then fact paths alphabetically.
    rank = derived.event_rank
    return sorted(evidence, key=lambda e: (0, rank[e], e) if e in rank else (1, 0, e))


def build_report(
    rs: CompiledRuleset, subject_id: str, derived: Derived | None, outcomes: Outcomes | None, engine: str, as_of: date
) -> Report:
    """Assemble the report. ``derived``/``outcomes`` are None when the ruleset is not in force."""
    if derived is None or outcomes is None:
        period = rs.document.in_force
        notice = Verdict(
            rule=f"{rs.id}.in_force",
            kind="notice",
            label="评价日不在本规则集施行期内，不作认定",
            citation=citation(rs, period.clause),
            details={
                "in_force_from": period.from_.isoformat(),
                "in_force_until": period.until.isoformat() if period.until else None,
            },
        )
        return Report(
            ruleset=ruleset_info(rs), engine=engine, subject=subject_id, as_of=as_of, in_force=False,
            verdicts=[notice], rating=None, undetermined=[],
        )
    explainer = _Explainer(rs, derived, outcomes.rules)
    verdicts: list[Verdict] = []
    undetermined: list[Undetermined] = []
    for rule in rs.model.rules:
        ir = explainer.rules[rule.id]
        outcome = outcomes.rules[rule.id]
        if outcome == TRUE:
            evidence, parents = explainer.explain(ir)
            verdicts.append(
                Verdict(rule=ir.id, kind=ir.kind, label=ir.label, citation=citation(rs, ir.clause),
                        evidence=evidence, derived_from=parents)
            )
        elif outcome == UNKNOWN:
            undetermined.append(Undetermined(rule=ir.id, missing=sorted(explainer.missing(ir.formula))))
    rating = None
    if rs.rating is not None:
        missing: set[str] = set()
        for grade in rs.rating.grades:
            outcome = outcomes.rules[grade.id]
            if outcome == FALSE:
                continue
            if outcome == UNKNOWN:
                # Later grades could still decide nothing until this one is known.
                missing |= explainer.missing(grade.formula)
                continue
            if missing:
                break
            evidence, parents = explainer.explain(grade)
            cite = citation(rs, grade.clause)
            rating = RatingResult(
                grade=grade.grade or "", rule=grade.id, citation=cite, derived_from=parents, evidence=evidence
            )
            verdicts.append(
                Verdict(rule=grade.id, kind="rating", label=grade.label, citation=cite, evidence=evidence,
                        derived_from=parents, details={"grade": grade.grade})
            )
            break
        if missing and rating is None:
            undetermined.append(Undetermined(rule=rs.rating.id, missing=sorted(missing)))
    if derived.deadlines is None:
        for rule in rs.deadlines:
            undetermined.append(Undetermined(rule=rule.id, missing=["events"]))
    else:
        for case, status in zip(derived.deadlines, outcomes.deadlines, strict=True):
            details: dict[str, Any] = {
                "trigger": case.trigger.id,
                "trigger_date": case.trigger.date.isoformat(),
                "working_days": case.rule.working_days(as_of),
                "due": case.due.isoformat(),
                "status": status,
            }
            evidence = [case.trigger.id]
            if case.answer is not None:
                details["answered_by"] = case.answer.id
                details["answered_on"] = case.answer.date.isoformat()
                evidence.append(case.answer.id)
            verdicts.append(
                Verdict(
                    rule=case.rule.id, kind="deadline", label=case.rule.label,
                    citation=citation(rs, case.rule.clause), evidence=evidence, details=details,
                )
            )
    return Report(
        ruleset=ruleset_info(rs), engine=engine, subject=subject_id, as_of=as_of, in_force=True,
        verdicts=verdicts, rating=rating, undetermined=undetermined,
    )
