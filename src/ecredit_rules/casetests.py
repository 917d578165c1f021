"""Test cases as data: ``rules/tests/<ruleset>/*.yaml``, written and read by policy staff.

A case file names a ruleset and lists cases; each case is the facts about one subject (CONTRACT §3),
a day of evaluation, and what the report must (and must not) say::

    # 突泉 第十一条第（四）项：12个月内3次处罚
    ruleset: tuquan                  # optional: defaults to the folder name
    subject: {id: T1, roles: [goods_operator], legal_form: enterprise, licensed: true, lists: []}
    cases:
      - name: 一年内三次合同欺诈处罚，列入黑名单
        as_of: 2024-06-30
        facts: {events: [...]}         # the subject above is used unless the case gives its own
        expect: [tuquan.art11.item4, tuquan.art12]
        expect_not: [tuquan.art11.item12]
        rating: C

Files are read with the same positioned YAML reader as rule files, so every mistake (an unknown
key, a bad date in the facts, a misspelt rule id in ``expect_not`` that would make the case pass
vacuously) is reported as ``file:line:col: message`` before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, StrictBool, ValidationError

from .bundled import available_rulesets, rules_dir
from .errors import FactsError, Problem, ProblemsError, RulesetError
from .evaluate import evaluate
from .facts import Facts, load_facts
from .ir import CompiledRuleset
from .language_base import Model
from .loader import LocatedProblems, add_validation_problems, load_ruleset, resolve_path
from .messages import Lang, Msg, suggest
from .report import Report
from .yaml_source import PathKey, SourceDocument, read_yaml

CASE_SUFFIXES = (".yaml", ".yml")


# --- the format --------------------------------------------------------------------------------


class ExpectedDeadline(Model):
    """A deadline verdict the report must carry, optionally with its due day and status."""

    rule: str = Field(description="时限规则 id / deadline rule id")
    trigger: str | None = Field(default=None, description="起算事件 id，省略则取第一条 / triggering event id")
    due: date | None = Field(default=None, description="截止日 / due day")
    status: Literal["met", "overdue", "pending"] | None = Field(default=None, description="办理状态 / status")


class Case(Model):
    name: str = Field(min_length=1, description="用例名称，同一文件中不重复 / case name, unique in its file")
    as_of: date = Field(description="评价日 / day of evaluation")
    facts: dict[str, Any] = Field(description="关于主体的事实（CONTRACT §3）/ facts about the subject")
    expect: list[str] = Field(default_factory=list, description="必须出现的认定（规则 id）/ verdicts that must appear")
    expect_not: list[str] = Field(default_factory=list, description="不得出现的认定 / verdicts that must not appear")
    # ``rating: null`` (written ``rating: ~`` or ``rating: null``) means "no grade"; leaving the key
    # out means "not checked". ``model_fields_set`` tells the two apart.
    rating: str | None = Field(default=None, description="应评等级；null 表示不应评出等级 / expected grade")
    undetermined: list[str] = Field(
        default_factory=list, description="应为无法判断的规则 id / rules that must stay undetermined"
    )
    in_force: StrictBool | None = Field(default=None, description="评价日是否在施行期内 / in force on as_of")
    deadlines: list[ExpectedDeadline] = Field(default_factory=list, description="办理时限 / deadline verdicts")
    note: str | None = Field(default=None, description="说明 / note for readers")

    @property
    def checks_rating(self) -> bool:
        return "rating" in self.model_fields_set


class CaseFile(Model):
    ruleset: str | None = Field(
        default=None, description="规则集 id 或规则文件路径（相对本文件）；省略为所在文件夹名 / ruleset id or path"
    )
    subject: dict[str, Any] | None = Field(
        default=None, description="各用例共用的主体，用例可逐项覆盖 / subject shared by every case"
    )
    cases: list[Case] = Field(min_length=1, description="用例 / the cases")


class CaseFileError(ProblemsError):
    """A case file is malformed; each problem is located as ``file:line:col``."""


# --- loading -----------------------------------------------------------------------------------


@dataclass
class LoadedCase:
    """One case, ready to run: its facts validated, its place in the file known."""

    file: Path
    line: int
    case: Case
    facts: Facts
    ruleset: CompiledRuleset

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def test_id(self) -> str:
        """``tuquan/blacklist.yaml:一年内三次合同欺诈处罚`` — for pytest ids and summaries."""
        try:
            shown = self.file.resolve().relative_to((rules_dir() / "tests").resolve())
        except ValueError:
            shown = self.file
        return f"{shown.as_posix()}:{self.case.name}"


class RulesetCache:
    """Rulesets loaded once per run, by resolved path, and closed together at the end."""

    def __init__(self) -> None:
        self._loaded: dict[Path, CompiledRuleset | RulesetError] = {}

    def get(self, path: Path, lang: Lang) -> CompiledRuleset:
        key = path.resolve()
        if key not in self._loaded:
            try:
                self._loaded[key] = load_ruleset(path, lang=lang)
            except RulesetError as err:
                self._loaded[key] = err
        found = self._loaded[key]
        if isinstance(found, RulesetError):
            raise found
        return found

    def close(self) -> None:
        for found in self._loaded.values():
            if isinstance(found, CompiledRuleset):
                found.close()
        self._loaded.clear()


class _Located(LocatedProblems):
    """Problems of one case file, kept with positions until rendered in ``lang``."""

    def __init__(self, doc: SourceDocument, lang: Lang) -> None:
        super().__init__(doc)
        self.lang = lang
        # Problems located in another file (the rule file a case file names), kept as they are.
        self.elsewhere: list[Problem] = []
        # Places the YAML reading already complained about (an impossible date, a repeated key):
        # the checks that follow would only say the same place again, less clearly.
        self._read_at = {(p.line, p.column) for p, _ in doc.problems}

    def add(self, path: PathKey, msg: Msg, *, at_key: bool = False) -> None:
        pos = self.doc.position_of(path, key=at_key)
        if (pos.line, pos.column) not in self._read_at:
            super().add(path, msg, at_key=at_key)

    def __bool__(self) -> bool:
        return bool(self.items or self.elsewhere)

    def lines(self) -> list[Problem]:
        return [*self.error(self.lang).problems, *self.elsewhere]


def load_case_file(path: Path, *, lang: Lang = "zh", cache: RulesetCache | None = None) -> list[LoadedCase]:
    """Read, check and prepare the cases of one file; raise ``CaseFileError`` naming every problem.

    The ruleset is loaded too (from ``cache`` when given), because expected rule ids and grades
    are checked against it: a misspelt id in ``expect_not`` would otherwise pass forever.
    """
    cache = cache if cache is not None else RulesetCache()
    doc = read_yaml(path)
    problems = _Located(doc, lang)
    model: CaseFile | None = None
    indexes: list[int] = []
    if doc.data is not None:
        try:
            model = CaseFile.model_validate(doc.data)
            indexes = list(range(len(model.cases)))
        except ValidationError as exc:
            add_validation_problems(exc, doc, problems, CaseFile)
            model, indexes = _valid_parts(doc.data)
    if model is None:
        raise CaseFileError(problems.lines())
    ruleset = _ruleset_of(path, model, problems, cache)
    loaded: list[LoadedCase] = []
    first_line: dict[str, int] = {}
    for i, case in zip(indexes, model.cases, strict=True):
        line = doc.position_of(("cases", i)).line
        if case.name in first_line:
            msg = Msg("case_duplicate_name", name=case.name, first_line=first_line[case.name])
            problems.add(("cases", i, "name"), msg)
        first_line.setdefault(case.name, line)
        facts = _facts_of(model, case, i, problems)
        if ruleset is not None:
            _check_ids(ruleset, case, i, problems)
        if facts is not None and ruleset is not None:
            loaded.append(LoadedCase(path, line, case, facts, ruleset))
    if problems:
        raise CaseFileError(problems.lines())
    return loaded


def _valid_parts(data: Any) -> tuple[CaseFile | None, list[int]]:
    """The parts of a malformed case file that are valid on their own, and the cases' indexes.

    Their problems (a misspelt rule id, a bad date in the facts) are then reported together with
    the structural ones, instead of only after those are fixed. When ``ruleset`` or ``subject``
    is itself malformed, nothing can be checked against them and only the structure is reported.
    """
    if not isinstance(data, dict):
        return None, []
    ruleset, subject, raw_cases = data.get("ruleset"), data.get("subject"), data.get("cases")
    if not (ruleset is None or isinstance(ruleset, str)) or not (subject is None or isinstance(subject, dict)):
        return None, []
    cases: list[Case] = []
    indexes: list[int] = []
    for i, item in enumerate(raw_cases if isinstance(raw_cases, list) else []):
        try:
            cases.append(Case.model_validate(item))
        except ValidationError:
            continue  # already reported, with its position, by validating the whole file
        indexes.append(i)
    return CaseFile.model_construct(ruleset=ruleset, subject=subject, cases=cases), indexes


def _ruleset_of(path: Path, model: CaseFile, problems: _Located, cache: RulesetCache) -> CompiledRuleset | None:
    ref = model.ruleset
    where: PathKey = ("ruleset",)
    if ref is None:
        ref, where = path.parent.name, ()
    if ref.endswith((".yaml", ".yml")) or "/" in ref:
        target = path.parent / ref
        if not target.is_file():
            problems.add(where, Msg("case_ruleset_not_found", path=ref))
            return None
    else:
        found = _rule_file_for(path, ref)
        if found is None:
            if where:
                known = available_rulesets()
                hint = suggest(ref, known)
                problems.add(where, Msg("unknown_ruleset", name=ref, available=", ".join(known), suggestion=hint))
            else:
                problems.add(where, Msg("case_no_ruleset"))
            return None
        target = found
    try:
        return cache.get(target, problems.lang)
    except RulesetError as err:
        problems.add(where, Msg("case_ruleset_broken", name=ref))
        # The rule file's own problems, with their own positions, so they can be fixed from here.
        problems.elsewhere += err.problems
        return None


def _rule_file_for(path: Path, ruleset_id: str) -> Path | None:
    """The rule file a ruleset id means for the case file at ``path``.

    Cases under ``<folder>/tests/`` judge under ``<folder>/<id>.yaml`` when it exists, so a checkout
    being edited, or a copy of the rules folder, tests its own rule files rather than the installed
    ones; elsewhere the id names a bundled ruleset.
    """
    for folder in path.resolve().parents:
        if folder.name == "tests":
            beside = folder.parent / f"{ruleset_id}.yaml"
            if beside.is_file():
                return beside
            break
    return resolve_path(ruleset_id) if ruleset_id in available_rulesets() else None


_FACT_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _fact_loc(where: str) -> tuple[str | int, ...]:
    """``events[2].date`` → ``("events", 2, "date")``; ``(facts)`` → ``()``."""
    if where.startswith("("):
        return ()
    return tuple(int(num) if num else name for name, num in _FACT_STEP.findall(where))


def _facts_of(model: CaseFile, case: Case, index: int, problems: _Located) -> Facts | None:
    facts = dict(case.facts)
    if model.subject is not None:
        own = facts.get("subject")
        facts["subject"] = {**model.subject, **own} if isinstance(own, dict) else (own or dict(model.subject))
    try:
        return load_facts(facts, lang=problems.lang)
    except FactsError as err:
        for problem in err.problems:
            loc = _fact_loc(problem.where)
            path: PathKey = ("cases", index, "facts", *loc)
            if loc[:1] == ("subject",) and model.subject is not None and path not in problems.doc.positions:
                # A field the case did not give itself came from the file's shared subject.
                path = ("subject", *loc[1:])
            problems.add(path, Msg("case_facts", path=problem.where, detail=problem.message))
        return None


def rule_ids(rs: CompiledRuleset) -> list[str]:
    """Every id a verdict or an undetermined entry of ``rs`` can carry."""
    return list(rs.rule_names)


def _check_ids(rs: CompiledRuleset, case: Case, index: int, problems: _Located) -> None:
    known = rule_ids(rs)
    for key in ("expect", "expect_not", "undetermined"):
        for j, ref in enumerate(getattr(case, key)):
            if ref not in known:
                msg = Msg("case_unknown_rule", ruleset=rs.id, ref=ref, suggestion=suggest(ref, known))
                problems.add(("cases", index, key, j), msg)
    deadline_ids = [d.id for d in rs.model.deadlines]
    for j, expected in enumerate(case.deadlines):
        if expected.rule not in deadline_ids:
            where = ("cases", index, "deadlines", j, "rule")
            if expected.rule in known:
                problems.add(where, Msg("case_not_deadline", ref=expected.rule))
            else:
                hint = suggest(expected.rule, deadline_ids)
                problems.add(where, Msg("case_unknown_rule", ruleset=rs.id, ref=expected.rule, suggestion=hint))
    if case.checks_rating and case.rating is not None:
        if rs.model.rating is None:
            problems.add(("cases", index, "rating"), Msg("case_no_rating", ruleset=rs.id))
        else:
            grades = [g.grade for g in rs.model.rating.grades]
            if case.rating not in grades:
                msg = Msg("case_unknown_grade", ruleset=rs.id, grade=case.rating, grades=", ".join(grades))
                problems.add(("cases", index, "rating"), msg)


def discover(paths: Iterable[Path]) -> list[Path]:
    """Case files: the given files, and every ``*.yaml`` under the given folders, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file())
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def _shown(path: Path) -> Path:
    """``path`` relative to the working folder when it is inside it: shorter lines, clickable in editors."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def default_paths() -> list[Path]:
    """The bundled cases: ``rules/tests/``."""
    return [rules_dir() / "tests"]


# --- running -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """One way a report differs from what the case expects; rendered for people by ``describe``."""

    what: Literal["missing", "unexpected", "rating", "not_undetermined", "in_force", "deadline", "error"]
    rule: str | None = None
    expected: Any = None
    actual: Any = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseResult:
    case: LoadedCase
    engine: str
    failures: tuple[Failure, ...]
    report: Report | None

    @property
    def passed(self) -> bool:
        return not self.failures


def run_case(loaded: LoadedCase, engine: str = "durable") -> CaseResult:
    """Evaluate one case and compare the report with what it expects."""
    case = loaded.case
    try:
        report = evaluate(loaded.ruleset, loaded.facts, as_of=case.as_of, engine=engine)
    except Exception as exc:  # a crash is this case's failure, not the end of the whole run
        return CaseResult(loaded, engine, (Failure("error", detail={"text": f"{type(exc).__name__}: {exc}"}),), None)
    return CaseResult(loaded, engine, tuple(compare(case, report)), report)


def compare(case: Case, report: Report) -> list[Failure]:
    """Every difference between ``report`` and what ``case`` expects, in the order the case states them."""
    given = {v.rule: v for v in report.verdicts}
    unknown = {u.rule: u.missing for u in report.undetermined}
    out: list[Failure] = []
    if case.in_force is not None and case.in_force != report.in_force:
        out.append(Failure("in_force", expected=case.in_force, actual=report.in_force))
    for rule in case.expect:
        if rule not in given:
            out.append(Failure("missing", rule, detail={"undetermined": unknown.get(rule)}))
    for rule in case.expect_not:
        if rule in given:
            detail = {"evidence": given[rule].evidence, "derived_from": given[rule].derived_from}
            out.append(Failure("unexpected", rule, detail=detail))
    if case.checks_rating:
        actual = report.rating.grade if report.rating else None
        if actual != case.rating:
            out.append(Failure("rating", report.rating.rule if report.rating else None, case.rating, actual))
    for rule in case.undetermined:
        if rule not in unknown:
            out.append(Failure("not_undetermined", rule))
    for expected in case.deadlines:
        out += _deadline_failures(expected, report)
    return out


def _deadline_failures(expected: ExpectedDeadline, report: Report) -> list[Failure]:
    candidates = [v for v in report.verdicts if v.rule == expected.rule and v.kind == "deadline"]
    if expected.trigger is not None:
        candidates = [v for v in candidates if v.details.get("trigger") == expected.trigger]
    if not candidates:
        return [Failure("deadline", expected.rule, detail={"trigger": expected.trigger})]
    details = candidates[0].details
    out = []
    for name in ("due", "status"):
        want = getattr(expected, name)
        want = want.isoformat() if isinstance(want, date) else want
        if want is not None and details.get(name) != want:
            where = {"field": name, "trigger": details["trigger"]}
            out.append(Failure("deadline", expected.rule, want, details.get(name), where))
    return out


# --- rendering ---------------------------------------------------------------------------------


def _labels(rs: CompiledRuleset, rule: str | None) -> dict[str, str]:
    """The rule's Chinese label and the label of the clause it cites, for a failure line."""
    label, clause = rs.rule_names.get(rule or "", ("", None))
    return {"rule": rule or "", "label": label, "clause": rs.clauses[clause].label if clause in rs.clauses else "—"}


def describe(failure: Failure, rs: CompiledRuleset, lang: Lang = "zh") -> list[str]:
    """The failure as lines for people: ``-`` expected but missing, ``+`` present but unwanted."""
    names = _labels(rs, failure.rule)
    if failure.what == "missing":
        lines = ["- " + Msg("case_missing", **names).render(lang)]
        if failure.detail.get("undetermined") is not None:
            missing = ", ".join(failure.detail["undetermined"])
            lines.append("    " + Msg("case_missing_why", missing=missing).render(lang))
        return lines
    if failure.what == "unexpected":
        lines = ["+ " + Msg("case_unexpected", **names).render(lang)]
        if failure.detail.get("evidence"):
            lines.append("    " + Msg("case_evidence", evidence=", ".join(failure.detail["evidence"])).render(lang))
        if failure.detail.get("derived_from"):
            lines.append("    " + Msg("case_derived", rules=", ".join(failure.detail["derived_from"])).render(lang))
        return lines
    if failure.what == "rating":
        none = Msg("case_no_grade").render(lang)
        actual = failure.actual or none
        if failure.actual is not None:
            which = f"{names['rule']} {names['clause']}"
            actual += f"（{which}）" if lang == "zh" else f" ({which})"
        return ["≠ " + Msg("case_rating", expected=failure.expected or none, actual=actual).render(lang)]
    if failure.what == "not_undetermined":
        return ["- " + Msg("case_not_undetermined", **names).render(lang)]
    if failure.what == "in_force":
        # Written as in the case file (true/false), so the officer can find what to change.
        expected, actual = (str(v).lower() for v in (failure.expected, failure.actual))
        return ["≠ " + Msg("case_in_force", expected=expected, actual=actual).render(lang)]
    if failure.what == "deadline":
        trigger = failure.detail.get("trigger")
        if "field" not in failure.detail:
            shown = f" {trigger}" if trigger else ""
            return ["- " + Msg("case_deadline_missing", **names, trigger=shown).render(lang)]
        msg = Msg(
            "case_deadline_field", rule=names["rule"], trigger=trigger, field=failure.detail["field"],
            expected=failure.expected, actual=failure.actual,
        )
        return ["≠ " + msg.render(lang)]
    return ["! " + Msg("case_error", detail=failure.detail.get("text", "")).render(lang)]


def render_result(result: CaseResult, lang: Lang = "zh") -> str:
    """One line for a passing case; for a failing one, that line followed by its diff."""
    loaded = result.case
    head = Msg("case_pass" if result.passed else "case_fail", where=loaded.where, name=loaded.case.name).render(lang)
    if result.passed:
        return head
    lines = [head]
    for failure in result.failures:
        lines += ["    " + line for line in describe(failure, loaded.ruleset, lang)]
    if result.report is not None:
        given = ", ".join(v.rule for v in result.report.verdicts) or "—"
        lines.append("    " + Msg("case_actual", rules=given).render(lang))
    return "\n".join(lines)


def summary_line(results: Sequence[CaseResult]) -> str:
    """``N passed, N failed`` — the same words in every language, for scripts to read."""
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


@dataclass
class Run:
    """The outcome of ``ecredit test``: results of the cases that ran, and malformed files' problems."""

    results: list[CaseResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 0 if all(r.passed for r in self.results) else 1


def run_paths(paths: Sequence[Path], *, engine: str = "durable", lang: Lang = "zh") -> Run:
    """Load every case file under ``paths`` and run its cases; malformed files are reported, not run."""
    run = Run()
    cache = RulesetCache()
    try:
        files: list[Path] = []
        for path in paths:
            if not path.exists():
                run.problems.append(f"{path}: {Msg('file_not_found').render(lang)}")
                continue
            found = discover([path])
            if not found:
                run.problems.append(f"{path}: {Msg('case_no_files').render(lang)}")
            files += found
        for file in dict.fromkeys(_shown(f) for f in files):
            try:
                cases = load_case_file(file, lang=lang, cache=cache)
            except CaseFileError as err:
                run.problems += [str(p) for p in err.problems]
                continue
            except OSError as exc:
                run.problems.append(f"{file}: cannot read: {exc.strerror or exc}")
                continue
            run.results += [run_case(c, engine) for c in cases]
    finally:
        cache.close()
    return run
