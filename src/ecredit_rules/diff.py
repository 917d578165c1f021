"""What an edit to a rule file changes: ``ecredit diff OLD.yaml NEW.yaml [--facts DIR]``.

Policy staff run it before publishing a change and auditors read it afterwards, so it speaks in
the file's own terms — clauses, rules, dated parameter values, the period of force — and, given a
folder of subjects, in verdicts: which ones appear or disappear for whom on the day of evaluation.

``diff_rulesets`` is a pure function of two loaded rulesets (and optional subjects) returning a
pydantic model: JSON for systems (``to_json``), a plain-text table for people (``diff_table``).
"""

from __future__ import annotations

import difflib
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .dates import parse_iso_date
from .errors import FactsError, Problem, RulesetError
from .evaluate import evaluate
from .facts import Facts, load_facts, parse_json
from .ir import CompiledRuleset
from .language import Parameter
from .language_base import Frozen
from .loader import load_ruleset, resolve_path
from .messages import Lang, MessageCode, Msg
from .report import Report
from .yaml_source import parse_yaml

Change = Literal["added", "removed", "changed"]
_RULESET_ID = re.compile(r"[a-z][a-z0-9_]*")
VerdictChangeKind = Literal["appeared", "disappeared", "details", "undetermined", "determined"]


class _Frozen(Frozen):
    model_config = ConfigDict(populate_by_name=True)  # frozen, as every model handed out


class FieldChange(_Frozen):
    """One key whose value differs; values are as in the file (conditions as nested mappings)."""

    field: str
    old: Any = None
    new: Any = None


class ItemChange(_Frozen):
    """A clause, rule, grade, deadline or not_encoded entry added, removed or changed."""

    id: str
    change: Change
    label: str | None = None
    fields: list[FieldChange] = Field(default_factory=list)


class ValueChange(_Frozen):
    """One dated value of a parameter; amounts as decimal text, so 49999.99 stays exact."""

    from_: date = Field(alias="from")
    change: Change
    old: str | None = None
    new: str | None = None


class ParameterChange(_Frozen):
    name: str
    change: Change
    unit: str
    fields: list[FieldChange] = Field(default_factory=list)
    values: list[ValueChange] = Field(default_factory=list)


class VerdictChange(_Frozen):
    """How one subject's report differs between the two versions."""

    file: str
    subject: str
    name: str | None = None
    as_of: date
    rule: str
    label: str
    change: VerdictChangeKind
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None


class RulesetRef(_Frozen):
    id: str
    title: str
    version: str
    path: str
    digest: str


class RulesetDiff(_Frozen):
    old: RulesetRef
    new: RulesetRef
    changed: bool = Field(description="the two files differ in content (metadata, clauses, rules, …)")
    document: list[FieldChange] = Field(default_factory=list)
    clauses: list[ItemChange] = Field(default_factory=list)
    parameters: list[ParameterChange] = Field(default_factory=list)
    rules: list[ItemChange] = Field(default_factory=list)
    rating: list[ItemChange] = Field(default_factory=list)
    deadlines: list[ItemChange] = Field(default_factory=list)
    not_encoded: list[ItemChange] = Field(default_factory=list)
    subjects: int | None = Field(default=None, description="subjects evaluated; null without --facts")
    verdicts: list[VerdictChange] | None = None

    def to_json(self, *, indent: int | None = None) -> str:
        return self.model_dump_json(indent=indent, by_alias=True)


@dataclass(frozen=True)
class SubjectFacts:
    """One subject read from a facts folder, with the day its file asks to be judged on, if any."""

    file: str
    facts: Facts
    as_of: date | None = None


# --- comparing the files -----------------------------------------------------------------------


def _dumped(model: BaseModel | None) -> dict[str, Any]:
    return {} if model is None else model.model_dump(mode="json", by_alias=True, exclude_none=True)


def _field_changes(old: Mapping[str, Any], new: Mapping[str, Any], prefix: str = "") -> list[FieldChange]:
    out = []
    for key in [*old, *(k for k in new if k not in old)]:
        if old.get(key) != new.get(key):
            out.append(FieldChange(field=prefix + key, old=old.get(key), new=new.get(key)))
    return out


def _flat(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as dotted keys: ``in_force.from``; lists stay whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _label(item: BaseModel) -> str | None:
    return getattr(item, "label", None)


def _items(
    old: Mapping[str, BaseModel],
    new: Mapping[str, BaseModel],
    label: Callable[[BaseModel], str | None] = _label,
    dump: Callable[[BaseModel], dict[str, Any]] = _dumped,
) -> list[ItemChange]:
    """Entries by id: changed and removed in the old file's order, then the added ones."""
    out = []
    for key, before in old.items():
        after = new.get(key)
        if after is None:
            out.append(ItemChange(id=key, change="removed", label=label(before)))
            continue
        fields = _field_changes(dump(before), dump(after))
        if fields:
            out.append(ItemChange(id=key, change="changed", label=label(after), fields=fields))
    out += [ItemChange(id=key, change="added", label=label(after)) for key, after in new.items() if key not in old]
    return out


def _parameters(old: Mapping[str, Parameter], new: Mapping[str, Parameter]) -> list[ParameterChange]:
    out = []
    for name in [*old, *(n for n in new if n not in old)]:
        before, after = old.get(name), new.get(name)
        if before is None or after is None:
            present = after or before
            assert present is not None
            out.append(ParameterChange(name=name, change="added" if before is None else "removed", unit=present.unit))
            continue
        fields = [c for c in _field_changes(_dumped(before), _dumped(after)) if c.field != "values"]
        # Values are matched by their day: a value added for a new day is the normal way to amend.
        was = {v.from_: v.decimal for v in before.values}
        now = {v.from_: v.decimal for v in after.values}
        values = []
        for day in sorted(was.keys() | now.keys()):
            if day not in now:
                values.append(ValueChange(from_=day, change="removed", old=str(was[day])))
            elif day not in was:
                values.append(ValueChange(from_=day, change="added", new=str(now[day])))
            elif was[day] != now[day]:
                values.append(ValueChange(from_=day, change="changed", old=str(was[day]), new=str(now[day])))
        if fields or values:
            out.append(ParameterChange(name=name, change="changed", unit=after.unit, fields=fields, values=values))
    return out


def _rating_body(rating: Any) -> dict[str, Any]:
    # The order of the grades is part of the meaning: the first that holds is the grade. Each
    # grade's own content is compared as an item of its own.
    return {**_dumped(rating), "grades": [g.id for g in rating.grades]}


def _rating(old: CompiledRuleset, new: CompiledRuleset) -> list[ItemChange]:
    a, b = old.model.rating, new.model.rating
    schemes = _items({a.id: a} if a else {}, {b.id: b} if b else {}, dump=_rating_body)
    grades_a = {g.id: g for g in a.grades} if a else {}
    grades_b = {g.id: g for g in b.grades} if b else {}
    return schemes + _items(grades_a, grades_b)


def _clause_body(clause: Any) -> dict[str, Any]:
    # The rules, deadlines and not_encoded reason written under a clause are compared as items of their own.
    return {k: v for k, v in _dumped(clause).items() if k not in {"rules", "deadlines", "not_encoded"}}


def _header(model: Any) -> dict[str, Any]:
    return {"ruleset": model.ruleset, "version": model.version, **_flat(_dumped(model.document), "document.")}


def diff_rulesets(
    old: CompiledRuleset,
    new: CompiledRuleset,
    subjects: Sequence[SubjectFacts] | None = None,
    as_of: date | None = None,
    engine: str = "durable",
) -> RulesetDiff:
    """What changes from ``old`` to ``new``; with ``subjects``, whose verdicts change on ``as_of``.

    A subject whose file gave its own ``as_of`` is judged on that day; the others on ``as_of``
    (default: today).
    """
    a, b = old.model, new.model
    parts: dict[str, Any] = {
        "document": _field_changes(_header(a), _header(b)),
        "clauses": _items(a.clauses, b.clauses, dump=_clause_body),
        "parameters": _parameters(a.parameters, b.parameters),
        "rules": _items({r.id: r for r in a.rules}, {r.id: r for r in b.rules}),
        "rating": _rating(old, new),
        "deadlines": _items({d.id: d for d in a.deadlines}, {d.id: d for d in b.deadlines}),
        "not_encoded": _items(
            {e.clause: e for e in a.not_encoded},
            {e.clause: e for e in b.not_encoded},
            lambda e: _clause_label(new, old, getattr(e, "clause", "")),
        ),
    }
    changed = any(parts.values())
    verdicts = None
    if subjects is not None:
        day = as_of if as_of is not None else date.today()
        verdicts = []
        for subject in subjects:
            when = subject.as_of or day
            before = evaluate(old, subject.facts, as_of=when, engine=engine)
            after = evaluate(new, subject.facts, as_of=when, engine=engine)
            verdicts += _verdict_changes(subject, before, after, new, old)
    return RulesetDiff(
        old=_ref(old), new=_ref(new), changed=changed, **parts,
        subjects=None if subjects is None else len(subjects), verdicts=verdicts,
    )


def _clause_label(new: CompiledRuleset, old: CompiledRuleset, clause: str) -> str | None:
    found = new.clauses.get(clause) or old.clauses.get(clause)
    return found.label if found else None


def _ref(rs: CompiledRuleset) -> RulesetRef:
    return RulesetRef(id=rs.id, title=rs.title, version=rs.version, path=str(rs.path), digest=rs.digest)


def _verdict_key(rule: str, details: Mapping[str, Any]) -> tuple[str, str]:
    # A deadline rule gives one verdict per triggering event; other rules give at most one.
    return rule, str(details.get("trigger", ""))


_DETAIL_KEYS = ("grade", "due", "status", "working_days", "answered_by")


def _verdict_changes(
    subject: SubjectFacts, before: Report, after: Report, new: CompiledRuleset, old: CompiledRuleset
) -> list[VerdictChange]:
    common = {
        "file": subject.file, "subject": subject.facts.subject.id, "name": subject.facts.subject.name,
        "as_of": after.as_of,
    }
    was = {_verdict_key(v.rule, v.details): v for v in before.verdicts}
    now = {_verdict_key(v.rule, v.details): v for v in after.verdicts}
    out = []
    for key in [*was, *(k for k in now if k not in was)]:
        a, b = was.get(key), now.get(key)
        if a is not None and b is not None:
            old_details = {k: a.details[k] for k in _DETAIL_KEYS if k in a.details}
            new_details = {k: b.details[k] for k in _DETAIL_KEYS if k in b.details}
            if old_details != new_details:
                out.append(VerdictChange(**common, rule=b.rule, label=b.label, change="details",
                                         old=old_details, new=new_details))
            continue
        v = b or a
        assert v is not None
        out.append(VerdictChange(
            **common, rule=v.rule, label=v.label, change="appeared" if a is None else "disappeared",
            old=None if a is None else {"evidence": a.evidence, **a.details},
            new=None if b is None else {"evidence": b.evidence, **b.details},
        ))
    unknown_was = {u.rule: u.missing for u in before.undetermined}
    unknown_now = {u.rule: u.missing for u in after.undetermined}
    labels = {rid: label for rs in (old, new) for rid, (label, _) in rs.rule_names.items()}
    for rule in [*unknown_was, *(r for r in unknown_now if r not in unknown_was)]:
        if (rule in unknown_was) != (rule in unknown_now):
            became = rule in unknown_now
            missing = {"missing": unknown_now[rule] if became else unknown_was[rule]}
            out.append(VerdictChange(
                **common, rule=rule, label=labels.get(rule, ""), change="undetermined" if became else "determined",
                old=None if became else missing, new=missing if became else None,
            ))
    return out


# --- reading the inputs ------------------------------------------------------------------------


def load_for_diff(ref: str | Path, *, lang: Lang = "zh") -> CompiledRuleset:
    """Load a rule file (or a bundled ruleset, by id) for comparison, whatever the file is called.

    The loader insists that ``ruleset:`` equals the file name, which keeps the bundled folder
    tidy; a copy kept for comparison (``tuquan.old.yaml``, or ``<(git show HEAD:rules/tuquan.yaml)``)
    is judged under the name it declares instead, and its problems are still reported against ``path``.
    """
    path = resolve_path(ref)
    if not path.exists() or path.is_dir():
        return load_ruleset(ref, lang=lang)  # raises the translated "not found" or "is a folder"
    raw = path.read_bytes()  # once: a pipe from the shell cannot be read twice
    try:
        data = parse_yaml(raw.decode("utf-8"), str(path)).data
    except UnicodeDecodeError:
        data = None
    declared = data.get("ruleset") if isinstance(data, dict) else None
    if not (isinstance(declared, str) and _RULESET_ID.fullmatch(declared)):
        declared = None
    if path.is_file() and declared in (None, path.stem):
        return load_ruleset(path, lang=lang)
    with tempfile.TemporaryDirectory(prefix="ecredit-diff-") as tmp:
        copy = Path(tmp) / f"{declared or path.stem}.yaml"
        copy.write_bytes(raw)
        try:
            loaded = load_ruleset(copy, lang=lang)
        except RulesetError as err:
            raise RulesetError(
                [Problem(p.where.replace(str(copy), str(path), 1), p.message) for p in err.problems]
            ) from None
    # The copy is gone; the diff names the file the officer gave.
    loaded.path = path
    return loaded


def read_facts_dir(folder: Path, *, lang: Lang = "zh") -> list[SubjectFacts]:
    """The subjects in ``folder/*.json`` (each file one subject or a list); ``FactsError`` names every problem.

    A top-level ``as_of`` key (as in ``examples/``) is taken out of the facts and used as that
    subject's day of evaluation.
    """
    if not folder.is_dir():
        raise FactsError([Problem(str(folder), Msg("diff_facts_not_found").render(lang))])
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FactsError([Problem(str(folder), Msg("diff_facts_empty").render(lang))])
    subjects: list[SubjectFacts] = []
    problems: list[Problem] = []
    for file in files:
        try:
            data, repeated = parse_json(file.read_bytes(), lang=lang)
        except (ValueError, RecursionError, OSError) as exc:
            problems.append(Problem(str(file), f"not valid JSON: {exc}"))
            continue
        problems += [Problem(f"{file}: {p.where}", p.message) for p in repeated]
        many = isinstance(data, list)
        for i, item in enumerate(data if many else [data]):
            index = i if many else None
            if not isinstance(item, dict):
                problems.append(Problem(f"{file}: {subject_where(index, '(facts)')}", "facts must be a JSON object"))
                continue
            item = dict(item)
            day = item.pop("as_of", None)
            when = parse_iso_date(day)
            if day is not None and when is None:
                where = subject_where(index, "as_of")
                problems.append(Problem(f"{file}: {where}", f"must be a date YYYY-MM-DD, not {day!r}"))
                continue
            try:
                subjects.append(SubjectFacts(file.name, load_facts(item, lang=lang), when))
            except FactsError as err:
                problems += [Problem(f"{file}: {subject_where(index, p.where)}", p.message) for p in err.problems]
    if problems:
        raise FactsError(problems)
    return subjects


def subject_where(index: int | None, where: str) -> str:
    """``events[0].date``, or ``[1].events[0].date`` for the second subject of a JSON list."""
    if index is None:
        return where
    # "(facts)" and "(json)" name the whole subject, not a field under it.
    return f"[{index}] {where}" if where.startswith("(") else f"[{index}].{where}"


# --- the table for people ----------------------------------------------------------------------

UNIT_NAMES = {
    "zh": {"times": "次", "months": "月", "days": "天", "working_days": "工作日", "yuan": "元"},
    "en": {"times": "times", "months": "months", "days": "days", "working_days": "working days", "yuan": "yuan"},
}


def _text(value: Any) -> str:
    """A value as one line of YAML-like text: conditions read as they are written in the file."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)


# A parameter reference is one token: replacing it by a number must not leave a stray brace.
_TOKEN = re.compile(r"\{param: \w+\}|\w+|\s+|[^\w\s]")


def inline_diff(old: str, new: str, *, by_words: bool = False) -> str:
    """``old`` turned into ``new`` with deletions as ``[-…-]`` and insertions as ``{+…+}``.

    Clause text is compared character by character (Chinese has no spaces between words);
    conditions, ``by_words``, token by token, so a brace is never matched with another one.
    """
    a = _TOKEN.findall(old) if by_words else list(old)
    b = _TOKEN.findall(new) if by_words else list(new)
    out = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append("".join(a[i1:i2]))
        if op in {"delete", "replace"}:
            out.append(f"[-{''.join(a[i1:i2])}-]")
        if op in {"insert", "replace"}:
            out.append(f"{{+{''.join(b[j1:j2])}+}}")
    return "".join(out)


def _field_lines(change: FieldChange, indent: str) -> list[str]:
    before, after = _text(change.old), _text(change.new)
    if len(before) + len(after) <= 40:
        return [f"{indent}{change.field}: {before} → {after}"]
    lines = [f"{indent}{change.field}:", f"{indent}  - {before}", f"{indent}  + {after}"]
    if change.old is not None and change.new is not None:
        # The exact words that changed, for a long clause or condition where they are easy to miss.
        words = not (isinstance(change.old, str) and isinstance(change.new, str))
        lines.append(f"{indent}  ~ {inline_diff(before, after, by_words=words)}")
    return lines


# The heading of each kind of change and each section, spelt out so the type checker sees every message code.
_CHANGE_CODES: dict[str, MessageCode] = {
    "added": "diff_added",
    "removed": "diff_removed",
    "changed": "diff_changed",
    "appeared": "diff_appeared",
    "disappeared": "diff_disappeared",
    "details": "diff_details",
    "undetermined": "diff_undetermined",
    "determined": "diff_determined",
}
_PART_CODES: dict[str, MessageCode] = {
    "clauses": "diff_clauses",
    "rules": "diff_rules",
    "rating": "diff_rating",
    "deadlines": "diff_deadlines",
    "not_encoded": "diff_not_encoded",
}


def diff_table(result: RulesetDiff, lang: Lang = "zh") -> str:
    """The diff as plain text: one section per part of the file, then the effect on subjects."""

    def say(code: MessageCode, **params: Any) -> str:
        return Msg(code, **params).render(lang)

    old, new = result.old, result.new
    lines = [say("diff_title", old=f"{old.path} ({old.version})", new=f"{new.path} ({new.version})"), ""]
    if not result.changed:
        lines += [say("diff_none"), ""]
    if result.document:
        lines.append(say("diff_document"))
        for change in result.document:
            lines += _field_lines(change, "  ")
        lines.append("")
    for part in ("clauses", "rules", "rating", "deadlines", "not_encoded"):
        items: list[ItemChange] = getattr(result, part)
        if not items:
            continue
        lines.append(say(_PART_CODES[part]))
        for item in items:
            lines.append(f"  {say(_CHANGE_CODES[item.change])}  {item.id}  {item.label or ''}".rstrip())
            for change in item.fields:
                lines += _field_lines(change, "      ")
        lines.append("")
    if result.parameters:
        lines.append(say("diff_parameters"))
        for param in result.parameters:
            unit = UNIT_NAMES[lang].get(param.unit, param.unit)
            lines.append(f"  {say(_CHANGE_CODES[param.change])}  {param.name}（{unit}）")
            for change in param.fields:
                lines += _field_lines(change, "      ")
            for value in param.values:
                day = say("diff_value_from", day=value.from_.isoformat())
                shown = value.new if value.change == "added" else value.old
                if value.change == "changed":
                    shown = f"{value.old} → {value.new}"
                lines.append(f"      {say(_CHANGE_CODES[value.change])}  {day}：{shown}")
        lines.append("")
    if result.verdicts is not None:
        lines.append(say("diff_verdicts"))
        if not result.verdicts:
            lines.append("  " + say("diff_verdicts_none", count=result.subjects))
        current = None
        for verdict in result.verdicts:
            who = (verdict.file, verdict.subject, verdict.as_of)
            if who != current:
                current = who
                name = f"{verdict.name}（{verdict.subject}）" if verdict.name else verdict.subject
                lines.append(f"  {verdict.file}  {name}  {verdict.as_of.isoformat()}")
            lines.append(f"      {say(_CHANGE_CODES[verdict.change])}  {verdict.rule}  {verdict.label}".rstrip())
            if verdict.change == "details":
                lines.append(f"          {_text(verdict.old)} → {_text(verdict.new)}")
            elif verdict.change in {"undetermined", "determined"}:
                lines.append(f"          {_text((verdict.new or verdict.old or {}).get('missing'))}")
        lines.append("")
    return "\n".join(lines)
