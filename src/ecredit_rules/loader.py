"""Load a ruleset file: safe YAML → language models → cross-checks → the compiled form.

Every problem found is reported, each as ``file:line:col: message``; a file with any problem
is refused whole, so a half-understood regulation never judges anyone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from . import language, limits
from .bundled import available_rulesets, rules_dir
from .conditions import KINDS, ConnectiveKind, LeafKind, ReferenceKind, kind_of, walk_conditions
from .conditions.base import COUNT_UNITS, UNIT_RANGES
from .conditions.subject_facts import RoleIs
from .engines.durable_network import check_limits
from .errors import Problem, RulesetError
from .ir import And, Chain, CompiledRuleset, DeadlineIR, Leaf, Node, Or, RatingIR, RuleIR, threshold_fn, walk
from .language import Grade, ParamRef, Rule, RulesetFile
from .language_base import Model
from .messages import Lang, Msg, suggest
from .vocabulary import Vocabulary, vocabulary
from .yaml_source import PathKey, SourceDocument, parse_raw, read_yaml

__all__ = [
    "UNIT_RANGES", "LocatedProblems", "add_validation_problems", "load_ruleset", "resolve_path", "walk_conditions",
]

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
    return _loaded(read_yaml(path), path, lang)


def load_source(path: str | Path, source: bytes, *, lang: Lang = "zh") -> CompiledRuleset:
    """The ruleset compiled from ``source``, the bytes of the rule file at ``path`` as they were read
    once (``CompiledRuleset.source``): what worker processes load, so that every one judges by the
    very rules the run began with, whatever happened to the file since.

    >>> rs = load_ruleset("tuquan")
    >>> load_source(rs.path, rs.source).digest == rs.digest
    True
    """
    where = Path(path)
    return _loaded(parse_raw(source, str(where)), where, lang)


def _loaded(doc: SourceDocument, path: Path, lang: Lang) -> CompiledRuleset:
    problems = LocatedProblems(doc)
    model: RulesetFile | None = None
    if doc.data is not None:
        # Still check the structure after a repeated key or an impossible date, so that every
        # mistake is reported at once; a place the YAML reading already complained about is not
        # reported twice.
        _check_condition_depth(doc.data, problems)
        try:
            model = RulesetFile.model_validate(doc.data)
        except ValidationError as exc:
            add_validation_problems(exc, doc, problems, RulesetFile)
    if model is None or problems.items:
        raise problems.error(lang)
    checker = _Checker(model, problems, path, vocabulary())
    checker.check()
    if problems.items:
        raise problems.error(lang)
    compiled = _compile(model, path, "sha256:" + hashlib.sha256(doc.raw).hexdigest(), doc.raw)
    # The durable engine's limits, worked out without its C extension (engines/durable_network.py).
    for detail in check_limits(compiled):
        problems.add(("clauses",), Msg("engine_limit", detail=detail))
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
    clauses = data.get("clauses")
    for cid, clause in clauses.items() if isinstance(clauses, dict) else ():
        rules = clause.get("rules") if isinstance(clause, dict) else None
        for i, rule in enumerate(rules if isinstance(rules, list) else ()):
            if isinstance(rule, dict):
                roots.append((rule.get("when"), ("clauses", cid, "rules", i, "when")))
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
    kind = KINDS.get(str(key))
    if not isinstance(kind, ConnectiveKind):
        return []
    return [(child, (*path, *step)) for child, step in kind.raw_children(body)]


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


def _moved_under_clause(loc: tuple[Any, ...]) -> Msg | None:
    """The earlier layout (top-level rules, a rule's own cites) named, so an old file is easy to move."""
    if loc in {("rules",), ("deadlines",), ("not_encoded",)}:
        return Msg("key_under_clause", key=loc[0])
    if len(loc) == 5 and loc[0] == "clauses" and loc[2] in {"rules", "deadlines"} and loc[4] == "cites":
        return Msg("cites_implied")
    return None


def _translate(err: Any, doc: SourceDocument, root: type[BaseModel]) -> Msg:
    loc = tuple(err["loc"])
    # The field is the last named step: a bad list item ("applies_to", 0) is reported as applies_to.
    field = next((str(step) for step in reversed(loc) if isinstance(step, str)), "(file)")
    value = err.get("input")
    shown = repr(value) if not isinstance(value, str) else f"\"{value}\""
    etype = err["type"]
    if etype == "extra_forbidden":
        moved = _moved_under_clause(loc) if root is RulesetFile else None
        if moved:
            return moved
        parent_loc = loc[:-1]
        return Msg("unknown_key", key=field, suggestion=suggest(field, _known_keys(parent_loc, root)))
    if etype == "missing":
        return Msg("missing_key", key=field)
    if etype == "condition_form":
        if isinstance(value, dict) and len(value) > 1:
            return Msg("condition_keys", keys=", ".join(map(str, value)))
        key = str(next(iter(value))) if isinstance(value, dict) and value else ""
        return Msg("condition_form", choices=", ".join(KINDS), suggestion=suggest(key, KINDS))
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
        if step in KINDS and step not in getattr(model, "model_fields", {}):
            model = KINDS[step].model
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


class _Checker:
    """The cross-checks of one file; condition kinds report through it (``conditions.base.CheckContext``)."""

    def __init__(self, model: RulesetFile, problems: LocatedProblems, path: Path, vocab: Vocabulary) -> None:
        self.model = model
        self.problems = problems
        self.path = path
        self.vocab = vocab
        self.rule_kinds: dict[str, str] = {}

    def add(self, path: PathKey, msg: Msg) -> None:
        self.problems.add(path, msg)

    def check(self) -> None:
        model = self.model
        if model.ruleset != self.path.stem:
            self.add(("ruleset",), Msg("ruleset_id_mismatch", id=model.ruleset, stem=self.path.stem))
        period = model.document.in_force
        if period.until is not None and period.until < period.from_:
            self.add(("document", "in_force", "until"), Msg("in_force_order"))
        self._date(model.document.published, ("document", "published"))
        self._date(period.from_, ("document", "in_force", "from"))
        self._date(period.until, ("document", "in_force", "until"))
        if period.clause is not None:
            self._clause(period.clause, ("document", "in_force", "clause"))
        self._parameters()
        self._ids()
        for at, rule in model.located_rules:  # a rule cites the clause it stands under, so no cites to check
            if rule.kind in {"rating", "deadline", "notice"}:
                where = {"rating": "rating", "deadline": "deadlines", "notice": "document.in_force"}[rule.kind]
                self.add((*at, "kind"), Msg("kind_reserved", kind=rule.kind, where=where))
            self._condition(rule.when, (*at, "when"), rule.id)
            self._retroactive(rule, at)
        if model.rating:
            seen: set[str] = set()
            for i, grade in enumerate(model.rating.grades):
                if grade.grade in seen:
                    self.add(("rating", "grades", i, "grade"), Msg("duplicate_grade", grade=grade.grade))
                seen.add(grade.grade)
                self._clause(grade.cites, ("rating", "grades", i, "cites"))
                self._condition(grade.when, ("rating", "grades", i, "when"), grade.id)
                self._retroactive(grade, ("rating", "grades", i))
        for at, deadline in model.located_deadlines:
            self.threshold(deadline.working_days, (*at, "working_days"), {"working_days"}, integer=True)
        self._cycles()
        self._coverage()

    def _retroactive(self, rule: Rule | Grade, path: PathKey) -> None:
        # Counting events from before the period of force departs from 立法法 第一百零四条: only with a reason.
        if rule.retroactive and not (rule.interpretation or "").strip():
            self.add((*path, "retroactive"), Msg("retroactive_without_reason", id=rule.id))

    def _clause(self, ref: str, path: PathKey) -> None:
        if ref not in self.model.clauses:
            self.add(path, Msg("unknown_clause", ref=ref, suggestion=suggest(ref, self.model.clauses)))

    def _parameters(self) -> None:
        start = self.model.document.in_force.from_
        for name, param in self.model.parameters.items():
            days = [dated.from_ for dated in param.values]
            if days != sorted(set(days)):
                self.add(("parameters", name, "values"), Msg("param_order", name=name))
            if days and days[0] > start:
                self.add(("parameters", name, "values", 0, "from"), Msg("param_not_in_force", name=name, day=start))
            low, high = UNIT_RANGES[param.unit]
            for i, dated in enumerate(param.values):
                where: PathKey = ("parameters", name, "values", i)
                self._date(dated.from_, (*where, "from"))
                if param.unit in COUNT_UNITS and not isinstance(dated.value, int):
                    self.add((*where, "value"), Msg("param_integer", name=name))
                elif not low <= dated.value <= high:  # written so that NaN is refused too
                    msg = Msg("param_out_of_range", name=name, day=dated.from_, value=dated.value, unit=param.unit,
                              low=low, high=high)
                    self.add((*where, "value"), msg)

    def _date(self, day: Any, path: PathKey) -> None:
        if day is not None and not limits.MIN_DATE <= day <= limits.MAX_DATE:
            self.add(path, Msg("date_out_of_range", value=day, low=limits.MIN_DATE, high=limits.MAX_DATE))

    def _ids(self) -> None:
        model = self.model
        prefix = model.ruleset
        ids: list[tuple[str, PathKey]] = [(r.id, (*at, "id")) for at, r in model.located_rules]
        if model.rating:
            ids.append((model.rating.id, ("rating", "id")))
            ids += [(g.id, ("rating", "grades", i, "id")) for i, g in enumerate(model.rating.grades)]
        ids += [(d.id, (*at, "id")) for at, d in model.located_deadlines]
        seen: set[str] = set()
        for rid, path in ids:
            if not language.RULE_ID.match(rid) or not rid.startswith(prefix + "."):
                self.add(path, Msg("rule_id_form", id=rid, prefix=prefix))
            if rid in seen:
                self.add(path, Msg("duplicate_rule_id", id=rid))
            seen.add(rid)
        self.rule_kinds = {r.id: r.kind for r in model.rules}

    def threshold(self, value: Any, path: PathKey, units: set[str], *, integer: bool = False) -> None:
        """A referenced parameter must exist and have one of ``units``."""
        if isinstance(value, ParamRef):
            param = self.model.parameters.get(value.param)
            if param is None:
                hint = suggest(value.param, self.model.parameters)
                self.add((*path, "param"), Msg("unknown_param", name=value.param, suggestion=hint))
            elif param.unit not in units:
                expected = "/".join(sorted(units))
                self.add((*path, "param"), Msg("param_unit", name=value.param, unit=param.unit, expected=expected))
        elif integer and value is not None and not isinstance(value, int):
            self.add(path, Msg("not_integer", field=path[-1], value=value))
        elif value is not None:
            # A written number has the range of the unit it is counted in (one unit per place).
            low, high = UNIT_RANGES[next(iter(units))]
            if not low <= value <= high:
                self.add(path, Msg("out_of_range", field=path[-1], value=value, low=low, high=high))

    def code(self, code: Any, known: Any, category: str, path: PathKey) -> None:
        """A code a condition names must be in the vocabulary."""
        if code not in known:
            self.add(path, Msg("unknown_code", category=category, code=code, suggestion=suggest(code, known)))

    def _condition(self, cond: Model, path: PathKey, owner: str) -> None:
        for node, where in walk_conditions(cond, path):
            kind_of(node).check(node, self, where, owner)

    def _cycles(self) -> None:
        graph = {r.id: chained_rules(r.when, self.rule_kinds, r.id) for r in self.model.rules}
        state: dict[str, int] = {}
        where = {r.id: at for at, r in self.model.located_rules}

        def visit(rid: str, trail: list[str]) -> None:
            state[rid] = 1
            for nxt in graph.get(rid, ()):
                if state.get(nxt) == 1:
                    cycle = [*trail[trail.index(nxt):], nxt] if nxt in trail else [rid, nxt]
                    self.add((*where[rid], "when"), Msg("cycle", chain=" → ".join(cycle)))
                elif state.get(nxt) is None and nxt in graph:
                    visit(nxt, [*trail, nxt])
            state[rid] = 2

        for rid in graph:
            if rid not in state:
                visit(rid, [rid])

    def _coverage(self) -> None:
        model = self.model
        cited = {r.cites for r in model.rules} | {d.cites for d in model.deadlines}
        if model.rating:
            cited |= {g.cites for g in model.rating.grades}
        if model.document.in_force.clause:
            cited.add(model.document.in_force.clause)
        listed = {entry.clause for entry in model.not_encoded}
        for cid in sorted(listed & cited, key=list(model.clauses).index):
            self.problems.add(("clauses", cid, "not_encoded"), Msg("encoded_and_not", clause=cid), at_key=True)
        for cid in model.clauses:
            if cid not in cited and cid not in listed:
                self.problems.add(("clauses", cid), Msg("uncovered_clause", clause=cid), at_key=True)


def chained_rules(cond: Model, rule_kinds: dict[str, str], owner: str) -> list[str]:
    """The rules ``cond`` rests on (``fired``, ``fired_kind``), in the order it names them."""
    out: list[str] = []
    for node, _ in walk_conditions(cond, ()):
        kind = kind_of(node)
        if isinstance(kind, ReferenceKind):
            out += kind.rules(node, rule_kinds, owner)
    return out


# --- compiling to the intermediate form ---------------------------------------------------------


class _Compiler:
    """Compiles conditions to the intermediate form; kinds compile through it (``conditions.base.CompileContext``)."""

    def __init__(self, model: RulesetFile) -> None:
        self.parameters = model.parameters
        self.rule_kinds: dict[str, str] = {r.id: r.kind for r in model.rules}
        self.first_day = model.document.in_force.from_
        self.since: date | None = None  # of the rule being compiled (``CompileContext.since``)
        self.leaves: list[Leaf] = []
        self._by_key: dict[str, Leaf] = {}

    def leaf(
        self,
        spec: Model,
        kind: LeafKind[Any],
        op: Literal["ge", "lt"],
        threshold: Callable[[date], int],
        window: Callable[[date], int] | None = None,
        since: date | None = None,
    ) -> Node:
        """One leaf per distinct condition, however many rules use it: it is derived once per subject."""
        key = type(spec).__name__ + spec.model_dump_json(by_alias=True) + str(since)
        found = self._by_key.get(key)
        if found is None:
            found = Leaf(len(self.leaves), spec, kind, op, threshold, window, since)
            self.leaves.append(found)
            self._by_key[key] = found
        return found

    def node(self, cond: Model, owner: str) -> Node:
        return kind_of(cond).compile(cond, self, owner)

    def rule(self, rid: str, kind: str, label: str, cites: str, roles: Sequence[str] | None, when: Model,
             interpretation: str | None, grade: str | None = None, retroactive: bool = False) -> RuleIR:
        """A rule whose condition holds only for the roles its article addresses."""
        # No retroactive effect (CONTRACT §4): events before the period of force are not counted
        # unless the rule says otherwise (``retroactive``, its reason in the interpretation).
        self.since = None if retroactive else self.first_day
        condition = self.node(when, rid)
        self.since = None  # the roles below read no events
        formula = condition
        if roles:
            applies = self._any(tuple(self.node(RoleIs(role=r), "") for r in roles))
            formula = And((applies, condition))
        return RuleIR(rid, kind, label, cites, formula, condition, interpretation, grade)

    @staticmethod
    def _any(children: tuple[Node, ...]) -> Node:
        return children[0] if len(children) == 1 else Or(children)


def _topological(rules: list[RuleIR]) -> tuple[RuleIR, ...]:
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


def _compile(model: RulesetFile, path: Path, digest: str, source: bytes) -> CompiledRuleset:
    compiler = _Compiler(model)
    rules = [
        compiler.rule(r.id, r.kind, r.label, r.cites, r.applies_to, r.when, r.interpretation, retroactive=r.retroactive)
        for r in model.rules
    ]
    rating = None
    if model.rating:
        grades = tuple(
            compiler.rule(g.id, "rating", g.label, g.cites, model.rating.applies_to, g.when, g.interpretation, g.grade,
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
        leaves=tuple(compiler.leaves),
        rules=_topological(rules),
        rating=rating,
        deadlines=deadlines,
        source=source,
    )
