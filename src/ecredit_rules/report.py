"""The report (CONTRACT §5): what fired, why, on which clause's words, and what stayed unknown.

Built from the engines' outcomes by this one module, so both engines produce the same report
whenever they decide the same outcomes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any, TypeVar

import orjson
from pydantic import Field

from .derive import EVENT_ORDER, Derived, EventData, Explanation
from .engines import Outcomes
from .ir import And, ArtefactKey, AtLeast, Chain, CompiledRuleset, DayKey, Leaf, Node, Not, Or, walk
from .language_base import Frozen, ParamRef, assembled
from .limits import MAX_INHERITED_MISSING
from .logic import FALSE, TRUE, UNKNOWN, closure


class Citation(Frozen):
    article: int | None
    item: int | None
    label: str
    text: str


class Verdict(Frozen):
    rule: str
    kind: str
    label: str
    citation: Citation
    evidence: list[str] = Field(default_factory=list)
    derived_from: list[str] = Field(default_factory=list)
    interpretation: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class RatingResult(Frozen):
    grade: str
    rule: str
    citation: Citation
    derived_from: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)


class Undetermined(Frozen):
    rule: str
    missing: list[str]


class RulesetInfo(Frozen):
    id: str
    title: str
    number: str | None
    version: str
    digest: str


class Generator(Frozen):
    package: str
    version: str


class Report(Frozen):
    ruleset: RulesetInfo
    engine: str
    subject: str
    as_of: date
    in_force: bool
    verdicts: list[Verdict]
    rating: RatingResult | None
    undetermined: list[Undetermined]
    facts_digest: str
    generator: Generator

    def to_json(self, *, indent: int | None = None) -> str:
        """The report as the JSON of CONTRACT §5 (UTF-8 text, Chinese kept as is)."""
        if indent is None:
            fast = fast_json(self)
            if fast is not None:
                return fast
        return self.model_dump_json(indent=indent)


# The report's own models, serialised field by field in declaration order as pydantic does; a
# subclass (which may add or override fields) is left to pydantic.
_PLAIN_MODELS: frozenset[type[Frozen]] = frozenset({Citation, Verdict, RatingResult, Undetermined, RulesetInfo,
                                                     Generator, Report})
# orjson hands these to ``_plain`` instead of writing them in its own way, so that only types
# whose JSON is known to match pydantic's are written here (``tests/test_report_json.py``).
_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def _plain(value: Any) -> Any:
    if type(value) in _PLAIN_MODELS:
        return value.__dict__
    if type(value) is date:
        return value.isoformat()
    raise TypeError  # anything else: pydantic writes it


def fast_json(report: Report) -> str | None:
    """``report.model_dump_json()`` by orjson, about 8× faster, or None where its bytes could differ.

    orjson and pydantic write every string, int and float alike (non-finite floats as null;
    strings tested over every code point); what orjson refuses (lone surrogates, ints past 64
    bits, other types, non-string keys) goes back to pydantic, which writes or refuses it as ever.
    """
    try:
        text = orjson.dumps(report, default=_plain, option=_PASSTHROUGH)
    except TypeError:
        return None
    return text.decode()


Written = TypeVar("Written", bound=Report | bytes | dict[str, Any])
Writer = Callable[[CompiledRuleset, str, Derived | None, Outcomes | None, str, date, str], Written]
"""How a report is written from the engines' outcomes: ``build_report`` (the models), ``report_json`` (its
JSON) or ``report_data`` (its data, for ``report_of`` elsewhere)."""


def report_json(
    rs: CompiledRuleset,
    subject_id: str,
    derived: Derived | None,
    outcomes: Outcomes | None,
    engine: str,
    as_of: date,
    facts_digest: str,
) -> bytes:
    """``build_report(...).to_json()`` in UTF-8, written straight from ``report_data`` without the
    report's models, for callers that only pass the JSON on (``ecredit batch``): building the models
    and reading them back cost about 20 µs of a subject's 210–240.

    What depends only on the ruleset (its info, each clause's citation) is written once and kept as
    JSON. Wherever orjson could write other bytes than pydantic, the models write the report instead.
    """
    data = report_data(rs, subject_id, derived, outcomes, engine, as_of, facts_digest)
    try:
        return orjson.dumps(_as_written(rs, data), default=_plain, option=_PASSTHROUGH)
    except TypeError:
        return build_report(rs, subject_id, derived, outcomes, engine, as_of, facts_digest).to_json().encode()


def _as_written(rs: CompiledRuleset, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (``report_data``, changed in place) as its report's JSON lists it: every field of
    every model in the model's order, defaults filled in, the models shared by every report (the
    ruleset's description, its citations, the generator) as their finished JSON."""
    written = rs.artefact(_WRITTEN)
    verdicts = data["verdicts"]
    names, _, defaults = _shape(Verdict)
    for i, verdict in enumerate(verdicts):
        if len(verdict) != len(names):  # in field order when it has every field (``report_data``)
            verdict = verdicts[i] = {name: verdict[name] if name in verdict else defaults[name]() for name in names}
        verdict["citation"] = _written(written, verdict["citation"])
    rating = data["rating"]
    if rating is not None:
        rating["citation"] = _written(written, rating["citation"])
    data["ruleset"] = _written(written, data["ruleset"])
    data["generator"] = _written(written, data["generator"])
    data["as_of"] = data["as_of"].isoformat()
    return {name: data[name] for name in _shape(Report)[0]}


def _written(written: dict[int, tuple[Frozen, orjson.Fragment]], model: Frozen) -> orjson.Fragment:
    """The JSON of one of the ruleset's own models (kept in ``written`` by identity: they live as long
    as their ruleset)."""
    found = written.get(id(model))
    if found is None or found[0] is not model:
        found = written[id(model)] = (model, orjson.Fragment(orjson.dumps(model, default=_plain, option=_PASSTHROUGH)))
    return found[1]


_WRITTEN: ArtefactKey[dict[int, tuple[Frozen, orjson.Fragment]]] = ArtefactKey("written_models", lambda rs: {})


def citation(rs: CompiledRuleset, clause_id: str | None) -> Citation:
    """The citation of a clause (the document itself when ``clause_id`` is None), built once per ruleset."""
    cache = rs.artefact(_CITATIONS)
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


_CITATIONS: ArtefactKey[dict[str | None, Citation]] = ArtefactKey("citations", lambda rs: {})


_CitedRule = tuple[str, str, str, Citation, str | None, "_Support"]


def _cited_rules(rs: CompiledRuleset) -> tuple[_CitedRule, ...]:
    """The plain rules in the order the rule file lists them (the order verdicts are reported in),
    each as what its verdict says whatever the subject (id, kind, label, citation, interpretation)
    and how its evidence is found; built once."""
    return rs.artefact(_CITED_RULES)


def _build_cited_rules(rs: CompiledRuleset) -> tuple[_CitedRule, ...]:
    by_id, supports = rs.rules_by_id, rs.artefact(_SUPPORTS)
    return tuple((rule.id, rule.kind, rule.label, citation(rs, rule.clause), rule.interpretation, supports[rule.id])
                 for rule in (by_id[r.id] for r in rs.model.rules))


_CITED_RULES = ArtefactKey("cited_rules", _build_cited_rules)
_CITED_DEADLINES = ArtefactKey("cited_deadlines", lambda rs: {d.id: citation(rs, d.clause) for d in rs.deadlines})


def ruleset_info(rs: CompiledRuleset) -> RulesetInfo:
    """What a report says about the ruleset that judged it, built once per ruleset."""
    return rs.artefact(_RULESET_INFO)


_RULESET_INFO = ArtefactKey(
    "ruleset_info",
    lambda rs: RulesetInfo(id=rs.id, title=rs.title, number=rs.document.number, version=rs.version, digest=rs.digest),
)


@cache
def generator() -> Generator:
    """This package and its version, as every report names them."""
    from . import __version__  # here, not at the top: the package imports this module before it sets its version

    return Generator(package="ecredit-rules", version=__version__)


def _rule_parameters(rs: CompiledRuleset) -> dict[str, tuple[str, ...]]:
    """Rule, grade and deadline id → the dated parameters its own condition uses; built once per ruleset."""
    return rs.artefact(_RULE_PARAMETERS)


def _build_rule_parameters(rs: CompiledRuleset) -> dict[str, tuple[str, ...]]:
    used: dict[str, tuple[str, ...]] = {}
    for rule in rs.all_rules():
        # Each leaf's kind names the parameters of its threshold and window (conditions/).
        names = {ref.param for n in walk(rule.condition) if isinstance(n, Leaf) for ref in n.kind.param_refs(n.spec)}
        used[rule.id] = tuple(sorted(names))
    for deadline in rs.model.deadlines:
        working_days = deadline.working_days
        used[deadline.id] = (working_days.param,) if isinstance(working_days, ParamRef) else ()
    return used


_RULE_PARAMETERS = ArtefactKey("rule_parameters", _build_rule_parameters)


def _with_parameters(on_day: _Applied, rule_id: str, details: dict[str, Any]) -> dict[str, Any]:
    """``details`` plus ``parameters``: each dated parameter the rule used, the value applied on the
    day (``on_day``, from ``_parameters_on``) and the day that value took effect. Rules that use none
    keep their details as they were."""
    applied = on_day.get(rule_id)
    return {**details, "parameters": _parameters(applied)} if applied else details


def _parameters(applied: tuple[tuple[str, Any, str], ...]) -> dict[str, dict[str, Any]]:
    # Fresh dicts for every report: a caller may change its report's details, never another's.
    return {name: {"value": value, "from": since} for name, value, since in applied}


_Applied = dict[str, tuple[tuple[str, Any, str], ...]]


def _parameters_on(rs: CompiledRuleset, day: date) -> _Applied:
    """Rule id → (parameter, value, from) of each dated parameter it uses, as applied on ``day``;
    worked out once per ruleset and day."""
    return rs.on_day(_APPLIED_BY_DAY, day)


def _applied_on(rs: CompiledRuleset, day: date) -> _Applied:
    applied: _Applied = {}
    for rule_id, dated in rs.artefact(_DATED_PARAMETERS).items():
        if not dated:
            continue
        chosen_values = []
        for name, values in dated:
            # ``ir.value_on``: the last value in effect on ``day``, else the first; its day written once per ruleset.
            chosen = values[0]
            for value in values:
                if value[0] <= day:
                    chosen = value
            chosen_values.append((name, chosen[1], chosen[2]))
        applied[rule_id] = tuple(chosen_values)
    return applied


_APPLIED_BY_DAY = DayKey("applied_parameters", _applied_on)


_Dated = tuple[tuple[str, tuple[tuple[date, Any, str], ...]], ...]


def _build_dated_parameters(rs: CompiledRuleset) -> dict[str, _Dated]:
    """Rule id → each parameter it uses with its dated values as (from, value, from as text)."""
    return {
        rule_id: tuple((name, tuple((v.from_, v.value, v.from_.isoformat()) for v in rs.parameters[name].values))
                       for name in names)
        for rule_id, names in _rule_parameters(rs).items()
    }


_DATED_PARAMETERS: ArtefactKey[dict[str, _Dated]] = ArtefactKey("dated_parameters", _build_dated_parameters)


# Evidence is gathered as events by id (listed by date, then id) and fact paths (listed after
# them, alphabetically).
_Gathered = tuple[dict[str, EventData], set[str]]


class _Explainer:
    """Why a rule that fired fired: its evidence and the verdicts it rests on."""

    __slots__ = ("chained", "derived", "lacking", "leaves", "outcomes", "rules", "supports", "truths")

    def __init__(self, rs: CompiledRuleset, derived: Derived, outcomes: dict[str, int]) -> None:
        self.derived = derived
        self.outcomes = outcomes
        self.rules = rs.rules_by_id
        self.leaves: dict[int, Explanation] = {}
        self.chained: dict[str, set[str]] = {}  # missing paths of undetermined rules, by id
        self.supports = rs.artefact(_SUPPORTS)
        self.lacking = rs.artefact(_LACKING)
        self.truths = derived.truths()

    def leaf(self, index: int) -> Explanation:
        """A leaf's evidence and missing fact paths, worked out once per report."""
        found = self.leaves.get(index)
        if found is None:
            found = self.leaves[index] = self.derived.explain(index)
        return found

    def missing(self, rule_id: str) -> set[str]:
        """Fact paths whose absence leaves rule ``rule_id`` unknown, following undetermined chained rules.

        An undetermined rule this one rests on contributes its own missing paths while they are
        few; past ``MAX_INHERITED_MISSING`` it contributes its rule id instead (its own entry in
        ``undetermined`` lists them), so a chain of rules over thousands of unknown events keeps
        the report linear in events rather than repeating every path at every link.
        """
        out: set[str] = set()
        self.lacking[rule_id](self, out)
        return out

    def rule_missing(self, rule_id: str) -> set[str]:
        """``missing`` of an undetermined rule, worked out once per report."""
        found = self.chained.get(rule_id)
        if found is None:
            self.chained[rule_id] = set()  # the loader refuses cycles; this only guards the recursion
            found = self.chained[rule_id] = self.missing(rule_id)
        return found

    def explain(self, support: _Support) -> tuple[list[str], list[str]]:
        """A fired rule's evidence (events by date and id, then fact paths) and the rules it rests on,
        from ``support``: its own condition's (``_SUPPORTS``). That the subject has the role the article
        addresses is why the rule applies, not what made it fire."""
        events: dict[str, EventData] = {}
        paths: set[str] = set()
        parents: set[str] = set()
        support(self, events, paths, parents)
        ordered = [e["id"] for e in sorted(events.values(), key=EVENT_ORDER)] if len(events) > 1 else list(events)
        if paths:
            ordered += sorted(paths)
        return ordered, sorted(parents) if parents else []


_Support = Callable[[_Explainer, dict[str, EventData], set[str], set[str]], None]
"""What makes a TRUE node true, added to the events by id, the fact paths and the rules it rests on."""


def _support(node: Node) -> _Support:
    """``node``'s support as one function, compiled once per ruleset: the walk of every fired
    verdict's condition is the report's largest cost after the leaves' own explanations.

    The order children are visited in does not matter: events are listed by date and id, paths and
    rules alphabetically. ``not`` contributes nothing: absence is not evidence.
    """
    if isinstance(node, Leaf):
        index = node.index

        def leaf(ex: _Explainer, events: dict[str, EventData], paths: set[str], parents: set[str]) -> None:
            found, found_paths, _ = ex.leaves.get(index) or ex.leaf(index)
            for e in found:
                events[e["id"]] = e
            paths.update(found_paths)

        return leaf
    if isinstance(node, Chain):
        rule = node.rule
        return lambda ex, events, paths, parents: parents.add(rule)
    if isinstance(node, And):
        parts = tuple(_support(c) for c in node.children if not isinstance(c, Not))

        def every(ex: _Explainer, events: dict[str, EventData], paths: set[str], parents: set[str]) -> None:
            for part in parts:
                part(ex, events, paths, parents)

        return every
    if isinstance(node, Or | AtLeast):
        # Of the children, those TRUE: a chained rule by its outcome, a leaf by its truth, others by
        # their closure (logic.py, the evaluator the compiled engine decides with).
        chained = tuple(c.rule for c in node.children if isinstance(c, Chain))
        leaves = tuple((c.index, _support(c)) for c in node.children if isinstance(c, Leaf))
        others = tuple((closure(c), _support(c)) for c in node.children if isinstance(c, And | Or | AtLeast))

        def some(ex: _Explainer, events: dict[str, EventData], paths: set[str], parents: set[str]) -> None:
            outcomes, truths = ex.outcomes, ex.truths
            for rule in chained:
                if outcomes.get(rule) == TRUE:
                    parents.add(rule)
            for index, part in leaves:
                if truths[index] == TRUE:
                    part(ex, events, paths, parents)
            for check, part in others:
                if check(truths, outcomes) == TRUE:
                    part(ex, events, paths, parents)

        return some
    return lambda ex, events, paths, parents: None


_SUPPORTS: ArtefactKey[dict[str, _Support]] = ArtefactKey(
    "report_supports", lambda rs: {rule.id: _support(rule.condition) for rule in rs.all_rules()})


_Lacking = Callable[[_Explainer, set[str]], None]
"""What leaves a node unknown, added to the fact paths (and rule ids) missing."""


def _lacking(node: Node) -> _Lacking:
    """``node``'s missing paths as one function, compiled once per ruleset (as ``_support``): the
    leaves' missing paths, and those of the undetermined rules it rests on (``_Explainer.missing``),
    under every child left unknown."""
    if isinstance(node, Leaf):
        index = node.index
        return lambda ex, out: out.update(ex.leaf(index)[2])
    if isinstance(node, Chain):
        rule = node.rule

        def chain(ex: _Explainer, out: set[str]) -> None:
            if ex.outcomes.get(rule) == UNKNOWN and rule in ex.rules:
                inherited = ex.rule_missing(rule)
                if len(inherited) > MAX_INHERITED_MISSING:
                    out.add(rule)
                else:
                    out |= inherited

        return chain
    if isinstance(node, Not):
        return _lacking(node.child)
    leaves = tuple((c.index, _lacking(c)) for c in node.children if isinstance(c, Leaf))
    others = tuple((closure(c), _lacking(c)) for c in node.children if not isinstance(c, Leaf))

    def unknown(ex: _Explainer, out: set[str]) -> None:
        truths, outcomes = ex.truths, ex.outcomes
        for index, part in leaves:
            if truths[index] == UNKNOWN:
                part(ex, out)
        for check, part in others:
            if check(truths, outcomes) == UNKNOWN:
                part(ex, out)

    return unknown


_LACKING: ArtefactKey[dict[str, _Lacking]] = ArtefactKey(
    "report_lacking", lambda rs: {rule.id: _lacking(rule.formula) for rule in rs.all_rules()})


def build_report(
    rs: CompiledRuleset,
    subject_id: str,
    derived: Derived | None,
    outcomes: Outcomes | None,
    engine: str,
    as_of: date,
    facts_digest: str,
) -> Report:
    """Assemble the report. ``derived``/``outcomes`` are None when the ruleset is not in force;
    ``facts_digest`` is the digest of the validated facts (digest.py)."""
    return report_of(report_data(rs, subject_id, derived, outcomes, engine, as_of, facts_digest))


def report_of(data: dict[str, Any]) -> Report:
    """The report of ``report_data``'s dict: what ``build_report`` returns. A worker process sends the
    dict (plain data, cheap to pickle) and the process that wants the models builds them: unpickling
    the models costs more than judging the subject."""
    if (type(data["subject"]) is str and type(data["engine"]) is str and type(data["facts_digest"]) is str
            and type(data["as_of"]) is date):
        # Everything else in ``data`` is of its field's type by construction (tests/test_report_json.py
        # compares with validation), so checking it again would only cost a quarter of the report.
        report: Report = _construct(Report, data)
        return report
    return Report.model_validate(data)


def report_data(
    rs: CompiledRuleset,
    subject_id: str,
    derived: Derived | None,
    outcomes: Outcomes | None,
    engine: str,
    as_of: date,
    facts_digest: str,
) -> dict[str, Any]:
    """The report as plain data (its models' fields as dicts) with the ruleset's models in place:
    ``Report.model_validate`` of it is the report. A verdict's or undetermined rule's dict that has
    every field of its model lists them in the model's order (``_construct_each`` relies on it)."""
    report: dict[str, Any] = {"ruleset": ruleset_info(rs), "engine": engine, "subject": subject_id, "as_of": as_of,
                              "facts_digest": facts_digest, "generator": generator()}
    if derived is None or outcomes is None:
        period = rs.document.in_force
        notice = {
            "rule": f"{rs.id}.in_force",
            "kind": "notice",
            "label": "评价日不在本规则集施行期内，不作认定",
            "citation": citation(rs, period.clause),
            "interpretation": period.interpretation,
            "details": {
                "in_force_from": period.from_.isoformat(),
                "in_force_until": period.until.isoformat() if period.until else None,
            },
        }
        report.update(in_force=False, verdicts=[notice], rating=None, undetermined=[])
        return report
    explainer = _Explainer(rs, derived, outcomes.rules)
    on_day = _parameters_on(rs, as_of)
    verdicts: list[dict[str, Any]] = []
    undetermined: list[dict[str, Any]] = []
    decided = outcomes.rules
    for rule_id, kind, label, cite, interpretation, support in _cited_rules(rs):
        outcome = decided[rule_id]
        if outcome == TRUE:
            evidence, parents = explainer.explain(support)
            applied = on_day.get(rule_id)
            verdicts.append({"rule": rule_id, "kind": kind, "label": label, "citation": cite, "evidence": evidence,
                             "derived_from": parents, "interpretation": interpretation,
                             "details": {"parameters": _parameters(applied)} if applied else {}})
        elif outcome == UNKNOWN:
            undetermined.append({"rule": rule_id, "missing": sorted(explainer.rule_missing(rule_id))})
    rating = _rating(rs, explainer, outcomes, verdicts, undetermined, on_day)
    if derived.deadlines is None:
        undetermined += [{"rule": rule.id, "missing": ["events"]} for rule in rs.deadlines]
    else:
        cited = rs.artefact(_CITED_DEADLINES)
        for case, status in zip(derived.deadlines, outcomes.deadlines, strict=True):
            trigger, answer = case.trigger, case.answer
            details: dict[str, Any] = {
                "trigger": trigger["id"],
                "trigger_date": trigger["date"].isoformat(),
                "working_days": case.working_days,
                "due": case.due.isoformat(),
                "status": status,
            }
            evidence = [trigger["id"]]
            if answer is not None:
                details["answered_by"] = answer["id"]
                details["answered_on"] = answer["date"].isoformat()
                evidence.append(answer["id"])
            rule = case.rule
            verdicts.append({"rule": rule.id, "kind": "deadline", "label": rule.label,
                             "citation": cited[rule.id], "evidence": evidence, "interpretation": rule.interpretation,
                             "details": _with_parameters(on_day, rule.id, details)})
    report.update(in_force=True, verdicts=verdicts, rating=rating, undetermined=undetermined)
    return report


def _construct(cls: type[Frozen], values: dict[str, Any]) -> Any:
    """``cls.model_validate(values)`` for values already of their fields' types, nested models as
    dicts: the same fields in the same order, the same fields marked as set, nothing checked."""
    names, nested, defaults = _shape(cls)
    data = values if tuple(values) == names else {
        name: values[name] if name in values else defaults[name]() for name in names}
    for name, inner in nested:
        value = data[name]
        if type(value) is dict:
            data[name] = _construct(inner, value)
        elif type(value) is list and value and type(value[0]) is dict:
            data[name] = _construct_each(inner, value)
    return assembled(cls, data, set(values))


def _construct_each(cls: type[Frozen], items: list[dict[str, Any]]) -> list[Any]:
    """``_construct`` of each of ``items``, models without nested ones (verdicts, undetermined rules)."""
    names, nested, defaults = _shape(cls)
    if nested:
        return [_construct(cls, values) for values in items]
    every = len(names)
    # A dict with every field is in field order (``report_data`` writes them so, and the tests
    # compare the order with validation's): counting is cheaper than comparing the keys.
    return [assembled(cls, values if len(values) == every else {
        name: values[name] if name in values else defaults[name]() for name in names}, set(values))
        for values in items]


_Shape = tuple[tuple[str, ...], tuple[tuple[str, type[Frozen]], ...], dict[str, Callable[[], Any]]]


@cache
def _shape(cls: type[Frozen]) -> _Shape:
    """A model's field names in order, its fields holding (lists of) the report's models, and its defaults."""
    names = tuple(cls.model_fields)
    nested = tuple((name, _NESTED[(cls, name)]) for name in names if (cls, name) in _NESTED)
    defaults: dict[str, Callable[[], Any]] = {}
    for name, info in cls.model_fields.items():
        if info.default_factory is not None:
            defaults[name] = info.default_factory  # type: ignore[assignment]
        elif not info.is_required():
            defaults[name] = _constant(info.default)
    return names, nested, defaults


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


# The fields of the report's models built from dicts here; citations and the ruleset's models come built.
_NESTED: dict[tuple[type[Frozen], str], type[Frozen]] = {
    (Report, "verdicts"): Verdict, (Report, "rating"): RatingResult, (Report, "undetermined"): Undetermined}


def _rating(
    rs: CompiledRuleset,
    explainer: _Explainer,
    outcomes: Outcomes,
    verdicts: list[dict[str, Any]],
    undetermined: list[dict[str, Any]],
    on_day: _Applied,
) -> dict[str, Any] | None:
    """The first grade that holds; none while an earlier grade is still undetermined."""
    if rs.rating is None:
        return None
    missing: set[str] = set()
    for grade in rs.rating.grades:
        outcome = outcomes.rules[grade.id]
        if outcome == FALSE:
            continue
        if outcome == UNKNOWN:
            # Later grades could still decide nothing until this one is known.
            missing |= explainer.missing(grade.id)
            continue
        if missing:
            break
        evidence, parents = explainer.explain(explainer.supports[grade.id])
        cite = citation(rs, grade.clause)
        verdicts.append({"rule": grade.id, "kind": "rating", "label": grade.label, "citation": cite,
                         "evidence": evidence, "derived_from": parents, "interpretation": grade.interpretation,
                         "details": _with_parameters(on_day, grade.id, {"grade": grade.grade})})
        # Lists of its own, as validation would copy them: the rating is not its verdict.
        return {"grade": grade.grade or "", "rule": grade.id, "citation": cite, "derived_from": list(parents),
                "evidence": list(evidence)}
    if missing:
        undetermined.append({"rule": rs.rating.id, "missing": sorted(missing)})
    return None
