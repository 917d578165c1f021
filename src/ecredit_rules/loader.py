"""Load a ruleset file: safe YAML → language models → cross-checks → the compiled form.

Every problem found is reported, each as ``file:line:col: message``; a file with any problem
is refused whole, so a half-understood regulation never judges anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import language as L
from . import limits
from .bundled import available_rulesets, rules_dir
from .errors import Problem, RulesetError
from .ir import (
    And,
    AtLeast,
    Chain,
    CompiledRuleset,
    DeadlineIR,
    Leaf,
    Node,
    Not,
    Or,
    RatingIR,
    RuleIR,
    threshold_fn,
)
from .messages import Lang, Msg, suggest
from .vocabulary import Vocabulary, vocabulary
from .yaml_source import PathKey, SourceDocument, read_yaml

COUNT_UNITS = {"times", "months", "days", "working_days"}

# The range of a value in each unit, checked where it is written and at every dated value of a
# parameter. Each unit has one use (times: events.at_least, months: within_months, days:
# less_than_days, working_days: deadlines, yuan: amount.at_least), so the ranges are per unit.
UNIT_RANGES: dict[str, tuple[int, int]] = {
    "times": (1, limits.MAX_COUNT),
    "months": (1, limits.MAX_WINDOW_MONTHS),
    "days": (1, limits.MAX_WINDOW_DAYS),
    "working_days": (0, limits.MAX_WORKING_DAYS),
    "yuan": (0, 10**limits.AMOUNT_INTEGER_DIGITS - 1),
}


class LocatedProblems:
    """Problems of one file, kept as positions and messages until rendered in a language."""

    def __init__(self, doc: SourceDocument) -> None:
        self.doc = doc
        self.items: list[tuple[int, int, Msg]] = [(p.line, p.column, m) for p, m in doc.problems]

    def add(self, path: PathKey, msg: Msg, *, at_key: bool = False) -> None:
        pos = self.doc.position_of(path, key=at_key)
        self.items.append((pos.line, pos.column, msg))

    def error(self, lang: Lang) -> RulesetError:
        rendered = {(line, col, msg.render(lang)) for line, col, msg in self.items}
        return RulesetError([Problem(f"{self.doc.file}:{line}:{col}", text) for line, col, text in sorted(rendered)])


def resolve_path(ref: str | Path) -> Path:
    """A bundled id (``"tuquan"``) or a path to a YAML file."""
    if isinstance(ref, Path) or ref.endswith((".yaml", ".yml")) or "/" in ref:
        return Path(ref)
    return rules_dir() / f"{ref}.yaml"


def _is_bundled_id(ref: str | Path, path: Path) -> bool:
    """Whether ``ref`` was written as a bundled id rather than as a path to a file."""
    return isinstance(ref, str) and path.parent == rules_dir() and ref == path.stem


def _not_loadable(ref: str | Path, path: Path, lang: Lang) -> RulesetError:
    """Why ``path`` cannot be read as a rule file, located where the mistake was made.

    An unknown bundled id is located at the id as written (there is no file, and naming
    ``rules/<id>.yaml`` would send the reader to a path that does not exist); a folder at its
    path as written (a folder has no lines); a missing file at ``path:1:1``, as before.
    """
    if Path(ref).is_dir():  # also ``rules`` written without a slash: a folder, not an unknown id
        return RulesetError([Problem(str(ref), Msg("ruleset_is_directory").render(lang))])
    if _is_bundled_id(ref, path) and not path.exists():
        available = available_rulesets()
        msg = Msg("unknown_ruleset", name=ref, available=", ".join(available), suggestion=suggest(ref, available))
        return RulesetError([Problem(str(ref), msg.render(lang))])
    return RulesetError([Problem(f"{path}:1:1", Msg("file_not_found").render(lang))])


def load_ruleset(ref: str | Path, *, lang: Lang = "zh") -> CompiledRuleset:
    """Load, check and compile a ruleset.

    An unknown bundled id raises a ``RulesetError`` located at the id itself, with the closest
    bundled id and the list of available ones; a folder or a missing file, at its path.

    >>> load_ruleset("tuquan").document.number
    '突市监发〔2016〕91号'
    """
    path = resolve_path(ref)
    if not path.is_file():
        raise _not_loadable(ref, path, lang)
    # One read: the digest must describe exactly the text that was compiled, even if the file
    # is saved again meanwhile (the registry tells versions apart by it).
    doc = read_yaml(path)
    problems = LocatedProblems(doc)
    model: L.RulesetFile | None = None
    if doc.data is not None:
        # Still check the structure after a repeated key or an impossible date, so that every
        # mistake is reported at once; a place the YAML reading already complained about is not
        # reported twice.
        _check_condition_depth(doc.data, problems)
        try:
            model = L.RulesetFile.model_validate(doc.data)
        except ValidationError as exc:
            add_validation_problems(exc, doc, problems, L.RulesetFile)
    if model is None or problems.items:
        raise problems.error(lang)
    checker = _Checker(model, problems, path, vocabulary())
    checker.check()
    if problems.items:
        raise problems.error(lang)
    compiled = _compile(model, path, "sha256:" + hashlib.sha256(doc.raw).hexdigest())
    from .engines.durable import check_limits  # the limits are the durable engine's own

    for detail in check_limits(compiled):
        problems.add(("rules",), Msg("engine_limit", detail=detail))
    if problems.items:
        raise problems.error(lang)
    return compiled


def _check_condition_depth(data: Any, problems: LocatedProblems) -> None:
    """Refuse conditions nested past ``MAX_CONDITION_DEPTH`` before anything recurses over them.

    Validation, the checks, the compiler and both engines walk a condition recursively; the raw
    data is walked here with an explicit stack, so no depth can exhaust Python's.
    """
    if not isinstance(data, dict):
        return
    roots: list[tuple[Any, PathKey]] = []
    rules = data.get("rules")
    for i, rule in enumerate(rules if isinstance(rules, list) else ()):
        if isinstance(rule, dict):
            roots.append((rule.get("when"), ("rules", i, "when")))
    rating = data.get("rating")
    grades = rating.get("grades") if isinstance(rating, dict) else None
    for i, grade in enumerate(grades if isinstance(grades, list) else ()):
        if isinstance(grade, dict):
            roots.append((grade.get("when"), ("rating", "grades", i, "when")))
    for root, root_path in roots:
        stack: list[tuple[Any, PathKey, int]] = [(root, root_path, 1)]
        while stack:
            cond, path, depth = stack.pop()
            if depth > limits.MAX_CONDITION_DEPTH:
                problems.add(path, Msg("condition_too_deep", limit=limits.MAX_CONDITION_DEPTH))
                break  # one problem per rule: the rest of its nesting says the same
            stack.extend((child, child_path, depth + 1) for child, child_path in _subconditions(cond, path))


def _subconditions(cond: Any, path: PathKey) -> list[tuple[Any, PathKey]]:
    """The conditions directly inside a raw (not yet validated) condition, with their paths."""
    if not isinstance(cond, dict) or len(cond) != 1:
        return []
    key, body = next(iter(cond.items()))
    if key in {"all", "any"} and isinstance(body, list):
        return [(c, (*path, key, i)) for i, c in enumerate(body)]
    if key == "not":
        return [(body, (*path, "not"))]
    if key == "at_least" and isinstance(body, dict) and isinstance(body.get("of"), list):
        return [(c, (*path, "at_least", "of", i)) for i, c in enumerate(body["of"])]
    return []


# --- turning pydantic's errors into sentences a policy officer can act on -----------------------


def add_validation_problems(
    exc: ValidationError, doc: SourceDocument, problems: LocatedProblems, root: type[BaseModel]
) -> None:
    """Each error of validating ``doc`` against ``root`` as a located sentence in ``problems``.

    A place the YAML reading already complained about (a repeated key, an impossible date) is
    not reported twice. Rule files and case files share this, so the same slip reads the same.
    """
    already = {(line, col) for line, col, _ in problems.items}
    for err in _merge_union_errors(exc.errors()):
        at_key = err["type"] == "extra_forbidden"
        pos = doc.position_of(err["loc"], key=at_key)
        if (pos.line, pos.column) not in already:
            problems.add(err["loc"], _translate(err, doc, root), at_key=at_key)


def _merge_union_errors(errors: list[Any]) -> list[Any]:
    """A threshold may be a number or {param: …}; pydantic reports one error per alternative.
    Keep one error per place so the officer reads one sentence, not three."""
    merged: dict[tuple[Any, ...], Any] = {}
    for err in errors:
        loc = tuple(err["loc"])
        if (loc and loc[-1] in {"int", "float", "ParamRef", "str", "bool"}) or (
            loc and isinstance(loc[-1], str) and loc[-1].startswith(("function-", "constrained-"))
        ):
            base = loc[:-1]
            if err["type"] in {"int_type", "float_type", "model_type", "int_from_float"}:
                kept = merged.setdefault(base, {**err, "loc": base, "type": "number_or_param", "param_allowed": False})
                kept["param_allowed"] = kept["param_allowed"] or loc[-1] == "ParamRef"
            continue
        merged.setdefault(loc, err)
    return list(merged.values())


def _translate(err: Any, doc: SourceDocument, root: type[BaseModel]) -> Msg:
    loc = tuple(err["loc"])
    # The field is the last named step: a bad list item ("applies_to", 0) is reported as applies_to.
    field = next((str(step) for step in reversed(loc) if isinstance(step, str)), "(file)")
    value = err.get("input")
    shown = repr(value) if not isinstance(value, str) else f"\"{value}\""
    etype = err["type"]
    if etype == "extra_forbidden":
        parent_loc = loc[:-1]
        return Msg("unknown_key", key=field, suggestion=suggest(field, _known_keys(parent_loc, root)))
    if etype == "missing":
        return Msg("missing_key", key=field)
    if etype == "condition_form":
        if isinstance(value, dict) and len(value) > 1:
            return Msg("condition_keys", keys=", ".join(map(str, value)))
        key = str(next(iter(value))) if isinstance(value, dict) and value else ""
        return Msg("condition_form", choices=", ".join(L.CONDITION_KEYS), suggestion=suggest(key, L.CONDITION_KEYS))
    if etype == "number_or_param":
        if isinstance(value, float):
            return Msg("not_integer", field=field, value=shown)
        return Msg("not_number" if err["param_allowed"] else "not_number_plain", field=field, value=shown)
    if etype in {"int_type", "int_parsing", "int_from_float"}:
        return Msg("not_integer", field=field, value=shown)
    if etype in {"float_type", "float_parsing", "decimal_type"}:
        return Msg("not_number", field=field, value=shown)
    if etype in {"string_type"}:
        return Msg("not_text", field=field, value=shown)
    if etype.startswith("date"):
        return Msg("not_date", field=field, value=shown)
    if etype in {"bool_type", "bool_parsing"}:
        return Msg("not_bool", field=field, value=shown)
    if etype in {"list_type", "tuple_type"}:
        return Msg("not_list", field=field)
    if etype in {"dict_type", "model_type", "model_attributes_type"}:
        return Msg("not_mapping", field=field)
    if etype == "too_short":
        return Msg("empty_list", field=field)
    if etype == "greater_than_equal":
        return Msg("too_small", field=field, value=shown, limit=err["ctx"]["ge"])
    if etype in {"literal_error", "enum"}:
        expected = err.get("ctx", {}).get("expected", "")
        choices = [c.strip().strip("'") for c in expected.replace(" or ", ",").split(",") if c.strip()]
        return Msg(
            "bad_choice", field=field, value=value, choices=", ".join(choices), suggestion=suggest(value, choices)
        )
    return Msg("invalid", field=field, detail=err["msg"])


def _known_keys(parent_loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """Keys the model at ``parent_loc`` (under ``root``) accepts, for did-you-mean suggestions."""
    model: type[BaseModel] | None = root
    for step in parent_loc:
        if model is None:
            return []
        if isinstance(step, int):
            continue
        if step in L.CONDITION_KEYS and step not in getattr(model, "model_fields", {}):
            model = L.CONDITION_KEYS[step]
            continue
        fields = {f.alias or name: f for name, f in model.model_fields.items()}
        info = fields.get(step)
        if info is None:
            # dict-valued fields (clauses, parameters) are keyed by the author's ids.
            continue
        model = _model_in(info.annotation)
    return [f.alias or n for n, f in model.model_fields.items()] if model else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


# --- cross-checks: what the schema alone cannot see ---------------------------------------------


def walk_conditions(cond: BaseModel, path: PathKey) -> Iterator[tuple[BaseModel, PathKey]]:
    """Every condition node under ``cond`` with its path in the file."""
    yield cond, path
    if isinstance(cond, L.AllOf):
        for i, c in enumerate(cond.all):
            yield from walk_conditions(c, (*path, "all", i))
    elif isinstance(cond, L.AnyOf):
        for i, c in enumerate(cond.any):
            yield from walk_conditions(c, (*path, "any", i))
    elif isinstance(cond, L.NotOf):
        yield from walk_conditions(cond.not_, (*path, "not"))
    elif isinstance(cond, L.AtLeastOf):
        for i, c in enumerate(cond.at_least.of):
            yield from walk_conditions(c, (*path, "at_least", "of", i))


class _Checker:
    def __init__(self, model: L.RulesetFile, problems: LocatedProblems, path: Path, vocab: Vocabulary) -> None:
        self.m = model
        self.p = problems
        self.path = path
        self.v = vocab
        self.rule_kinds: dict[str, str] = {}

    def check(self) -> None:
        m = self.m
        if m.ruleset != self.path.stem:
            self.p.add(("ruleset",), Msg("ruleset_id_mismatch", id=m.ruleset, stem=self.path.stem))
        period = m.document.in_force
        if period.until is not None and period.until < period.from_:
            self.p.add(("document", "in_force", "until"), Msg("in_force_order"))
        self._date(m.document.published, ("document", "published"))
        self._date(period.from_, ("document", "in_force", "from"))
        self._date(period.until, ("document", "in_force", "until"))
        if period.clause is not None:
            self._clause(period.clause, ("document", "in_force", "clause"))
        self._parameters()
        self._ids()
        for i, rule in enumerate(m.rules):
            self._clause(rule.cites, ("rules", i, "cites"))
            if rule.kind in {"rating", "deadline", "notice"}:
                where = {"rating": "rating", "deadline": "deadlines", "notice": "document.in_force"}[rule.kind]
                self.p.add(("rules", i, "kind"), Msg("kind_reserved", kind=rule.kind, where=where))
            self._condition(rule.when, ("rules", i, "when"), rule.id)
            self._retroactive(rule, ("rules", i))
        if m.rating:
            seen: set[str] = set()
            for i, grade in enumerate(m.rating.grades):
                if grade.grade in seen:
                    self.p.add(("rating", "grades", i, "grade"), Msg("duplicate_grade", grade=grade.grade))
                seen.add(grade.grade)
                self._clause(grade.cites, ("rating", "grades", i, "cites"))
                self._condition(grade.when, ("rating", "grades", i, "when"), grade.id)
                self._retroactive(grade, ("rating", "grades", i))
        for i, deadline in enumerate(m.deadlines):
            self._clause(deadline.cites, ("deadlines", i, "cites"))
            self._threshold(deadline.working_days, ("deadlines", i, "working_days"), {"working_days"}, integer=True)
        self._cycles()
        self._coverage()

    def _retroactive(self, rule: L.Rule | L.Grade, path: PathKey) -> None:
        # Counting events from before the period of force departs from 立法法 第一百零四条: only with a reason.
        if rule.retroactive and not (rule.interpretation or "").strip():
            self.p.add((*path, "retroactive"), Msg("retroactive_without_reason", id=rule.id))

    def _event_filter(self, body: Any, path: PathKey) -> None:
        for i, act in enumerate(body.acts or ()):
            self._code(act, self.v.acts, "违法行为", (*path, "acts", i))

    def _clause(self, ref: str, path: PathKey) -> None:
        if ref not in self.m.clauses:
            self.p.add(path, Msg("unknown_clause", ref=ref, suggestion=suggest(ref, self.m.clauses)))

    def _parameters(self) -> None:
        start = self.m.document.in_force.from_
        for name, param in self.m.parameters.items():
            days = [v.from_ for v in param.values]
            if days != sorted(set(days)):
                self.p.add(("parameters", name, "values"), Msg("param_order", name=name))
            if days and days[0] > start:
                self.p.add(("parameters", name, "values", 0, "from"), Msg("param_not_in_force", name=name, day=start))
            low, high = UNIT_RANGES[param.unit]
            for i, v in enumerate(param.values):
                where: PathKey = ("parameters", name, "values", i)
                self._date(v.from_, (*where, "from"))
                if param.unit in COUNT_UNITS and not isinstance(v.value, int):
                    self.p.add((*where, "value"), Msg("param_integer", name=name))
                elif not low <= v.value <= high:  # written so that NaN is refused too
                    msg = Msg("param_out_of_range", name=name, day=v.from_, value=v.value, unit=param.unit,
                              low=low, high=high)
                    self.p.add((*where, "value"), msg)

    def _date(self, day: Any, path: PathKey) -> None:
        if day is not None and not limits.MIN_DATE <= day <= limits.MAX_DATE:
            self.p.add(path, Msg("date_out_of_range", value=day, low=limits.MIN_DATE, high=limits.MAX_DATE))

    def _ids(self) -> None:
        prefix = self.m.ruleset
        ids: list[tuple[str, PathKey]] = [(r.id, ("rules", i, "id")) for i, r in enumerate(self.m.rules)]
        if self.m.rating:
            ids.append((self.m.rating.id, ("rating", "id")))
            ids += [(g.id, ("rating", "grades", i, "id")) for i, g in enumerate(self.m.rating.grades)]
        ids += [(d.id, ("deadlines", i, "id")) for i, d in enumerate(self.m.deadlines)]
        seen: set[str] = set()
        for rid, path in ids:
            if not L.RULE_ID.match(rid) or not rid.startswith(prefix + "."):
                self.p.add(path, Msg("rule_id_form", id=rid, prefix=prefix))
            if rid in seen:
                self.p.add(path, Msg("duplicate_rule_id", id=rid))
            seen.add(rid)
        self.rule_kinds = {r.id: r.kind for r in self.m.rules}

    def _threshold(self, value: Any, path: PathKey, units: set[str], *, integer: bool = False) -> None:
        if isinstance(value, L.ParamRef):
            param = self.m.parameters.get(value.param)
            if param is None:
                hint = suggest(value.param, self.m.parameters)
                self.p.add((*path, "param"), Msg("unknown_param", name=value.param, suggestion=hint))
            elif param.unit not in units:
                expected = "/".join(sorted(units))
                self.p.add((*path, "param"), Msg("param_unit", name=value.param, unit=param.unit, expected=expected))
        elif integer and value is not None and not isinstance(value, int):
            self.p.add(path, Msg("not_integer", field=path[-1], value=value))
        elif value is not None:
            # A written number has the range of the unit it is counted in (one unit per place).
            low, high = UNIT_RANGES[next(iter(units))]
            if not low <= value <= high:
                self.p.add(path, Msg("out_of_range", field=path[-1], value=value, low=low, high=high))

    def _code(self, code: Any, known: Any, category: str, path: PathKey) -> None:
        if code not in known:
            self.p.add(path, Msg("unknown_code", category=category, code=code, suggestion=suggest(code, known)))

    def _condition(self, cond: Any, path: PathKey, owner: str) -> None:
        for node, where in walk_conditions(cond, path):
            if isinstance(node, L.Met | L.Breached):
                key = "met" if isinstance(node, L.Met) else "breached"
                self._code(getattr(node, key), self.v.compliance, "合规义务", (*where, key))
            elif isinstance(node, L.Retention):
                self._code(node.retention.record, self.v.retention_days, "记录保存", (*where, "retention", "record"))
                self._threshold(node.retention.less_than_days, (*where, "retention", "less_than_days"), {"days"})
            elif isinstance(node, L.LacksSystem | L.HasSystem):
                key = "lacks_system" if isinstance(node, L.LacksSystem) else "has_system"
                self._code(getattr(node, key), self.v.platform_systems, "平台制度", (*where, key))
            elif isinstance(node, L.AssessmentIn):
                allowed = self.v.assessment_values(node.assessment.field)
                for i, value in enumerate(node.assessment.in_):
                    self._code(value, allowed, "评价项目取值", (*where, "assessment", "in", i))
            elif isinstance(node, L.Events | L.Amount):
                key = "events" if isinstance(node, L.Events) else "amount"
                body = getattr(node, key)
                self._event_filter(body, (*where, key))
                self._threshold(body.within_months, (*where, key, "within_months"), {"months"})
                if isinstance(node, L.Events):
                    self._threshold(body.at_least, (*where, key, "at_least"), {"times"})
                else:
                    self._threshold(body.at_least, (*where, key, "at_least"), {"yuan"})
            elif isinstance(node, L.AtLeastOf) and node.at_least.n > limits.MAX_COUNT:
                msg = Msg("out_of_range", field="n", value=node.at_least.n, low=1, high=limits.MAX_COUNT)
                self.p.add((*where, "at_least", "n"), msg)
            elif isinstance(node, L.Follows):
                body = node.follows
                self._event_filter(body.event, (*where, "follows", "event"))
                self._event_filter(body.after, (*where, "follows", "after"))
                self._threshold(body.within_months, (*where, "follows", "within_months"), {"months"})
                self._threshold(body.at_least, (*where, "follows", "at_least"), {"times"})
            elif isinstance(node, L.Fired):
                for i, ref in enumerate(node.fired):
                    if ref == owner:
                        self.p.add((*where, "fired", i), Msg("self_reference"))
                    elif ref not in self.rule_kinds:
                        hint = suggest(ref, self.rule_kinds)
                        self.p.add((*where, "fired", i), Msg("unknown_rule", ref=ref, suggestion=hint))
            elif isinstance(node, L.FiredKind):
                producers = [r for r, k in self.rule_kinds.items() if k == node.fired_kind and r != owner]
                if not producers:
                    self.p.add((*where, "fired_kind"), Msg("no_kind_producer", kind=node.fired_kind))

    def _cycles(self) -> None:
        graph = {r.id: _chained_rules(r.when, self.rule_kinds, r.id) for r in self.m.rules}
        state: dict[str, int] = {}
        index = {r.id: i for i, r in enumerate(self.m.rules)}

        def visit(rid: str, trail: list[str]) -> None:
            state[rid] = 1
            for nxt in graph.get(rid, ()):
                if state.get(nxt) == 1:
                    cycle = [*trail[trail.index(nxt):], nxt] if nxt in trail else [rid, nxt]
                    self.p.add(("rules", index[rid], "when"), Msg("cycle", chain=" → ".join(cycle)))
                elif state.get(nxt) is None and nxt in graph:
                    visit(nxt, [*trail, nxt])
            state[rid] = 2

        for rid in graph:
            if rid not in state:
                visit(rid, [rid])

    def _coverage(self) -> None:
        cited = {r.cites for r in self.m.rules} | {d.cites for d in self.m.deadlines}
        if self.m.rating:
            cited |= {g.cites for g in self.m.rating.grades}
        if self.m.document.in_force.clause:
            cited.add(self.m.document.in_force.clause)
        listed: set[str] = set()
        for i, entry in enumerate(self.m.not_encoded):
            self._clause(entry.clause, ("not_encoded", i, "clause"))
            if entry.clause in listed:
                self.p.add(("not_encoded", i, "clause"), Msg("duplicate_not_encoded", clause=entry.clause))
            if entry.clause in cited:
                self.p.add(("not_encoded", i, "clause"), Msg("encoded_and_not", clause=entry.clause))
            listed.add(entry.clause)
        for cid in self.m.clauses:
            if cid not in cited and cid not in listed:
                self.p.add(("clauses", cid), Msg("uncovered_clause", clause=cid), at_key=True)


def _chained_rules(cond: Any, kinds: dict[str, str], owner: str) -> list[str]:
    out: list[str] = []
    for node, _ in walk_conditions(cond, ()):
        if isinstance(node, L.Fired):
            out += node.fired
        elif isinstance(node, L.FiredKind):
            out += [r for r, k in kinds.items() if k == node.fired_kind and r != owner]
    return out


# --- compiling to the intermediate form ---------------------------------------------------------


class _Compiler:
    def __init__(self, model: L.RulesetFile) -> None:
        self.model = model
        self.leaves: list[Leaf] = []
        self.by_key: dict[str, Leaf] = {}
        self.kinds = {r.id: r.kind for r in model.rules}

    def leaf(self, spec: BaseModel, op: str, threshold: Any, since: date | None = None) -> Leaf:
        key = type(spec).__name__ + spec.model_dump_json(by_alias=True) + str(since)
        found = self.by_key.get(key)
        if found is None:
            found = Leaf(len(self.leaves), spec, op, threshold, since)  # type: ignore[arg-type]
            self.leaves.append(found)
            self.by_key[key] = found
        return found

    def node(self, cond: Any, owner: str, since: date | None = None) -> Node:
        """``cond`` compiled; event conditions count no event dated before ``since``."""
        params = self.model.parameters
        if isinstance(cond, L.AllOf):
            return And(tuple(self.node(c, owner, since) for c in cond.all))
        if isinstance(cond, L.AnyOf):
            return Or(tuple(self.node(c, owner, since) for c in cond.any))
        if isinstance(cond, L.NotOf):
            return Not(self.node(cond.not_, owner, since))
        if isinstance(cond, L.AtLeastOf):
            return AtLeast(cond.at_least.n, tuple(self.node(c, owner, since) for c in cond.at_least.of))
        if isinstance(cond, L.Fired):
            return _any(tuple(Chain(r) for r in cond.fired))
        if isinstance(cond, L.FiredKind):
            return _any(tuple(Chain(r) for r, k in self.kinds.items() if k == cond.fired_kind and r != owner))
        if isinstance(cond, L.Retention):
            return self.leaf(cond, "lt", threshold_fn(cond.retention.less_than_days, params))
        if isinstance(cond, L.Events):
            return self.leaf(cond, "ge", threshold_fn(cond.events.at_least, params), since)
        if isinstance(cond, L.Amount):
            return self.leaf(cond, "ge", threshold_fn(cond.amount.at_least, params, scale=100), since)
        if isinstance(cond, L.Follows):
            return self.leaf(cond, "ge", threshold_fn(cond.follows.at_least, params), since)
        return self.leaf(cond, "ge", threshold_fn(1, {}))

    def rule(self, rid: str, kind: str, label: str, cites: str, roles: list[str] | None, when: Any,
             interpretation: str | None, grade: str | None = None, retroactive: bool = False) -> RuleIR:
        """A rule whose condition holds only for the roles its article addresses."""
        # No retroactive effect (CONTRACT §4): events before the period of force are not counted
        # unless the rule says otherwise (``retroactive``, its reason in the interpretation).
        since = None if retroactive else self.model.document.in_force.from_
        condition = self.node(when, rid, since)
        formula = condition
        if roles:
            applies = _any(tuple(self.node(L.RoleIs(role=r), "") for r in roles))  # type: ignore[arg-type]
            formula = And((applies, condition))
        return RuleIR(rid, kind, label, cites, formula, condition, interpretation, grade)


def _any(children: tuple[Node, ...]) -> Node:
    return children[0] if len(children) == 1 else Or(children)


def _topological(rules: list[RuleIR]) -> tuple[RuleIR, ...]:
    from .ir import walk

    by_id = {r.id: r for r in rules}
    done: set[str] = set()
    out: list[RuleIR] = []

    def visit(rule: RuleIR) -> None:
        if rule.id in done:
            return
        done.add(rule.id)
        for node in walk(rule.formula):
            if isinstance(node, Chain) and node.rule in by_id:
                visit(by_id[node.rule])
        out.append(rule)

    for rule in rules:
        visit(rule)
    return tuple(out)


def _compile(model: L.RulesetFile, path: Path, digest: str) -> CompiledRuleset:
    c = _Compiler(model)
    rules = [
        c.rule(r.id, r.kind, r.label, r.cites, r.applies_to, r.when, r.interpretation, retroactive=r.retroactive)
        for r in model.rules
    ]
    rating = None
    if model.rating:
        grades = tuple(
            c.rule(g.id, "rating", g.label, g.cites, model.rating.applies_to, g.when, g.interpretation, g.grade,
                   g.retroactive)
            for g in model.rating.grades
        )
        rating = RatingIR(model.rating.id, model.rating.label, grades)
    deadlines = tuple(
        DeadlineIR(d.id, d.label, d.cites, d.trigger, threshold_fn(d.working_days, model.parameters), d.interpretation)
        for d in model.deadlines
    )
    return CompiledRuleset(
        id=model.ruleset,
        version=model.version,
        digest=digest,
        path=path,
        model=model,
        leaves=tuple(c.leaves),
        rules=_topological(rules),
        rating=rating,
        deadlines=deadlines,
    )
