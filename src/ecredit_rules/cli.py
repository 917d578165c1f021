"""The ``ecredit`` command (CONTRACT §6).

Exit status: 0 success, 1 findings (``validate``), 2 bad input or usage. Every user error is
reported on stderr, one line per problem naming the file and the field or line. Even a bug in
this program prints no traceback: it is said in one line naming the command, exit 2 (see ``_run``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from . import __version__
from .bundled import VOCABULARY_FILE, available_rulesets, rules_dir
from .compare import Comparison, compare_with_reports
from .dates import parse_iso_date
from .diff import diff_rulesets, diff_table, load_for_diff, read_facts_dir, subject_where
from .errors import FactsError, Problem, RulesetError
from .evaluate import check_as_of
from .evaluate import evaluate as evaluate_subject
from .facts import Facts, load_facts, parse_json
from .ir import CompiledRuleset
from .limits import MAX_FACTS_BYTES
from .loader import load_ruleset, resolve_path
from .messages import CATALOGUE, Lang, Msg
from .report import Report
from .table import comparison_table, report_table, ruleset_list
from .vocabulary import read_vocabulary

F = TypeVar("F", bound=Callable[..., Any])

EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


class _BadInput(Exception):
    """User error already described by ``lines``; the command exits 2 after printing them."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class IsoDate(click.ParamType):  # type: ignore[type-arg]  # generic only in newer click; click>=8.1 is allowed
    """A strict ``YYYY-MM-DD`` date: ``2024-6-3`` or a timestamp is refused, as in the facts."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        day = parse_iso_date(value)
        if day is not None:
            return day
        self.fail(f"{value!r} is not a date YYYY-MM-DD", param, ctx)


def _fail(lines: list[str]) -> NoReturn:
    raise _BadInput(lines)


def _check_as_of(as_of: date | None, lang: Lang) -> None:
    """One plain line for ``--as-of`` outside the dates the library accepts (checked where the library checks it)."""
    if as_of is not None:
        try:
            check_as_of(as_of, lang)
        except FactsError as err:
            _fail([f"--as-of {as_of.isoformat()}: {p.message}" for p in err.problems])


def _problem_lines(err: RulesetError | FactsError) -> list[str]:
    return [str(p) for p in err.problems]


def _cannot_read(name: object, exc: OSError) -> str:
    return f"{name}: cannot read: {exc.strerror or exc}"


def _lang_option(func: F) -> F:
    return click.option(
        "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
        help="Language of messages about rule files and facts.",
    )(func)


def _format_option(default: str = "json") -> Callable[[F], F]:
    return click.option(
        "--format", "fmt", type=click.Choice(["json", "table"]), default=default, show_default=True,
        help="json for systems, table for people.",
    )


def _document_options(func: F) -> F:
    """--format with the auditor's document (markdown, html) and -o FILE, for evaluate and compare."""
    func = click.option(
        "-o", "--output", type=click.Path(dir_okay=False), default=None,
        help="Write to this file instead of stdout.",
    )(func)
    return click.option(
        "--format", "fmt", type=click.Choice(["json", "table", "markdown", "html"]), default="json",
        show_default=True, help="json for systems, table for people, markdown/html: the auditor's report.",
    )(func)


def _emit(text: str, output: str | None) -> None:
    """``text`` on stdout, or written to ``output`` (exit 2 naming the file if it cannot be written)."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        _fail([f"{output}: cannot write: {exc.strerror or exc}"])


# --- reading inputs -----------------------------------------------------------------------------


def _read_json(source: str, lang: Lang) -> tuple[Any, list[Problem]]:
    """The JSON in ``source`` (a path, or ``-`` for stdin) and its duplicated keys; floats become Decimal."""
    name = "<stdin>" if source == "-" else source
    try:
        # Never more than the limit plus one byte: a larger document is refused without reading it all.
        if source == "-":
            raw = sys.stdin.buffer.read(MAX_FACTS_BYTES + 1)
        else:
            with Path(source).open("rb") as handle:
                raw = handle.read(MAX_FACTS_BYTES + 1)
    except OSError as exc:
        _fail([_cannot_read(name, exc)])
    if len(raw) > MAX_FACTS_BYTES:
        size = f"{MAX_FACTS_BYTES:,}+" if source == "-" else f"{Path(source).stat().st_size:,}"
        _fail([f"{name}: {Msg('facts_too_large', size=size, limit=f'{MAX_FACTS_BYTES:,}').render(lang)}"])
    try:
        return parse_json(raw, lang=lang)
    except json.JSONDecodeError as exc:
        _fail([f"{name}:{exc.lineno}:{exc.colno}: {Msg('facts_json', detail=exc.msg).render(lang)}"])
    except UnicodeDecodeError:
        _fail([f"{name}: {Msg('not_utf8').render(lang)}"])
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, nesting too deep
        _fail([f"{name}: {Msg('facts_json', detail=exc).render(lang)}"])


def _read_subjects(source: str, lang: Lang) -> tuple[list[Facts], bool]:
    """The subjects in FACTS.json and whether they came as a list; every bad field is reported."""
    name = "<stdin>" if source == "-" else source
    data, duplicated = _read_json(source, lang)
    many = isinstance(data, list)
    items = data if many else [data]
    subjects: list[Facts] = []
    problems: list[str] = [f"{name}: {p}" for p in duplicated]
    for i, item in enumerate(items):
        index = i if many else None
        if not isinstance(item, dict):
            # load_facts would read a JSON string as JSON text; only objects are subjects.
            not_object = Problem("(facts)", Msg("facts_not_object").render(lang))
            problems.append(f"{name}: {_subject_path(not_object, index)}")
            continue
        try:
            subjects.append(load_facts(item, lang=lang))
        except FactsError as err:
            problems += [f"{name}: {_subject_path(p, index)}" for p in err.problems]
    if problems:
        _fail(problems)
    return subjects, many


def _subject_path(problem: Problem, index: int | None) -> str:
    """``events[0].date: …``, or ``[1].events[0].date: …`` for the second subject of a list."""
    return f"{subject_where(index, problem.where)}: {problem.message}"


def _load_all(
    refs: list[str], lang: Lang, load: Callable[..., CompiledRuleset] = load_ruleset
) -> list[CompiledRuleset]:
    """Every ruleset ``refs`` names, or exit 2 naming the problems of each one that does not load."""
    loaded, errors = [], []
    for ref in refs:
        try:
            loaded.append(load(ref, lang=lang))
        except RulesetError as err:
            errors += _problem_lines(err)
        except OSError as exc:
            errors.append(_cannot_read(ref, exc))
    if errors:
        for rs in loaded:
            rs.close()
        _fail(errors)
    return loaded


def _run(body: Callable[[], int]) -> None:
    """Run a command body; user errors print their lines and exit 2, without a traceback.

    Anything else that escapes (a bug, RecursionError, MemoryError) is the last resort: one plain
    line naming the command and what it was doing, exit 2. A service or a batch job reading
    stderr then sees a sentence, never a traceback. A closed pipe (``ecredit … | head``) is left
    to click, which ends quietly as before.
    """
    try:
        code = body()
    except _BadInput as err:
        for line in err.lines:
            click.echo(line, err=True)
        code = EXIT_BAD_INPUT
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except OSError as exc:
        if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
            raise
        code = _internal_error(exc)
    except Exception as exc:  # the last resort, see above
        code = _internal_error(exc)
    sys.exit(code)


def _internal_error(exc: BaseException) -> int:
    """Say in one line on stderr that ``exc`` stopped the current command; the exit status."""
    ctx = click.get_current_context(silent=True)
    command = ctx.info_name if ctx is not None and ctx.info_name else "ecredit"
    lang: Lang = "en" if ctx is not None and ctx.params.get("lang") == "en" else "zh"
    doing_code = f"doing_{command}"
    doing = Msg(doing_code).render(lang) if doing_code in CATALOGUE else command
    text = " ".join(str(exc).split())  # one line, whatever the exception says
    detail = f": {text[:200]}" if text else ""
    msg = Msg("internal_error", command=command, doing=doing, kind=type(exc).__name__, detail=detail)
    with contextlib.suppress(OSError):  # stderr itself is gone: the exit status still tells
        click.echo(msg.render(lang), err=True)
    return EXIT_BAD_INPUT


# --- commands -----------------------------------------------------------------------------------


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=__version__)  # ec.__version__: also right in a checkout that was never installed
def cli() -> None:
    """ecredit — 电子商务信用评价规则：把地方规定写成规则集，对主体事实作出有条款依据的认定。"""


@cli.command("rulesets")
@_format_option(default="table")
@_lang_option
def rulesets_cmd(fmt: str, lang: Lang) -> None:
    """List the bundled rulesets: id, title, 文号 and period of force."""

    def body() -> int:
        loaded, errors = [], []
        for rid in available_rulesets():
            try:
                loaded.append(load_ruleset(rid, lang=lang))
            except RulesetError as err:
                errors += _problem_lines(err)
        if fmt == "json":
            click.echo(json.dumps([_ruleset_summary(rs) for rs in loaded], ensure_ascii=False))
        else:
            click.echo(ruleset_list(loaded), nl=False)
        for line in errors:
            click.echo(line, err=True)
        return EXIT_BAD_INPUT if errors else 0

    _run(body)


def _ruleset_summary(rs: CompiledRuleset) -> dict[str, Any]:
    period = rs.document.in_force
    return {
        "id": rs.id, "title": rs.title, "number": rs.document.number, "version": rs.version,
        "in_force": {"from": period.from_.isoformat(), "until": period.until.isoformat() if period.until else None},
    }


@cli.command("evaluate")
@click.option("-r", "--ruleset", "ruleset_ref", required=True, metavar="ID|PATH", help="Bundled id or a YAML file.")
@click.option("--as-of", type=IsoDate(), default=None, help="Day of evaluation (default: today).")
@click.option("--engine", type=click.Choice(["durable", "compiled"]), default="durable", show_default=True)
@_document_options
@_lang_option
@click.argument("facts_file", metavar="FACTS.json")
def evaluate_cmd(
    ruleset_ref: str, as_of: date | None, engine: str, fmt: str, output: str | None, lang: Lang, facts_file: str
) -> None:
    """Judge the subject(s) in FACTS.json under one ruleset.

    FACTS.json holds one subject (an object) or a JSON list of subjects; - reads stdin.
    """

    def body() -> int:
        _check_as_of(as_of, lang)
        [rs] = _load_all([ruleset_ref], lang)
        subjects, many = _read_subjects(facts_file, lang)
        reports = [evaluate_subject(rs, facts, as_of=as_of, engine=engine) for facts in subjects]
        if fmt == "json":
            text = "[" + ",".join(r.to_json() for r in reports) + "]" if many else reports[0].to_json()
            _emit(text, output)
        elif fmt in ("markdown", "html"):
            _emit(_auditor_document([(r, f, rs) for r, f in zip(reports, subjects, strict=True)], fmt), output)
        else:
            blocks = [report_table(r, rs, f.subject.name) for r, f in zip(reports, subjects, strict=True)]
            _emit(_separated(blocks), output)
        return 0

    _run(body)


def _separated(blocks: list[str]) -> str:
    return ("\n" + "─" * 60 + "\n\n").join(blocks)


@cli.command("compare")
@click.option("--as-of", type=IsoDate(), default=None, help="Day of evaluation (default: today).")
@click.option("--engine", type=click.Choice(["durable", "compiled"]), default="durable", show_default=True)
@click.option(
    "-r", "--ruleset", "ruleset_refs", multiple=True, metavar="ID|PATH",
    help="Compare only these rulesets (repeatable; default: every bundled ruleset).",
)
@_document_options
@_lang_option
@click.argument("facts_file", metavar="FACTS.json")
def compare_cmd(
    as_of: date | None, engine: str, ruleset_refs: tuple[str, ...], fmt: str, output: str | None, lang: Lang,
    facts_file: str,
) -> None:
    """Compare one subject across the bundled rulesets, side by side."""

    def body() -> int:
        _check_as_of(as_of, lang)
        # A comparison missing a city would report false "differences": refuse it whole.
        loaded = _load_all(list(ruleset_refs) or available_rulesets(), lang)
        subjects, many = _read_subjects(facts_file, lang)
        if many and len(subjects) != 1:
            _fail([f"{facts_file}: compare takes one subject; the list holds {len(subjects)}"])
        facts = subjects[0]
        try:
            result, pairs = compare_with_reports(facts, as_of=as_of, engine=engine, rulesets=loaded)
        finally:
            for rs in loaded:
                rs.close()
        if fmt == "json":
            _emit(result.to_json(), output)
        elif fmt in ("markdown", "html"):
            _emit(_auditor_document([(report, facts, rs) for rs, report in pairs], fmt, result), output)
        else:
            _emit(comparison_table(result, facts.subject.name), output)
        return 0

    _run(body)


@cli.command("validate")
@_lang_option
@click.argument("files", nargs=-1, metavar="[FILES]...")
def validate_cmd(lang: Lang, files: tuple[str, ...]) -> None:
    """Check rule files: one file:line:col: message per problem.

    Without FILES: every bundled ruleset and the vocabulary. Exit 1 if any problem is found.
    """

    def body() -> int:
        targets = list(files) or [str(rules_dir() / VOCABULARY_FILE), *available_rulesets()]
        worst = 0
        printed: set[str] = set()
        for target in targets:
            code, lines = _validate_one(target, lang)
            worst = max(worst, code)
            for line in lines:
                # A broken vocabulary fails every ruleset with the same lines; say them once.
                if line not in printed:
                    printed.add(line)
                    click.echo(line, err=True)
            if code == 0:
                click.echo(f"{resolve_path(target)}: {'ok' if lang == 'en' else '通过'}")
        return worst

    _run(body)


def _validate_one(target: str, lang: Lang) -> tuple[int, list[str]]:
    """(exit code, problem lines) for one file or bundled id."""
    path = resolve_path(target)
    if not path.is_file():
        try:
            load_ruleset(target, lang=lang)  # says why, in lang: an unknown id, a folder, a missing file
        except RulesetError as err:
            return EXIT_BAD_INPUT, _problem_lines(err)
        return EXIT_BAD_INPUT, [f"{path}: not a file"]
    try:
        if path.name == VOCABULARY_FILE:
            read_vocabulary(path)
        else:
            load_ruleset(path, lang=lang)
    except RulesetError as err:
        return EXIT_FINDINGS, _problem_lines(err)
    except OSError as exc:
        return EXIT_BAD_INPUT, [_cannot_read(path, exc)]
    return 0, []


@cli.command("test")
@click.option("--engine", type=click.Choice(["durable", "compiled"]), default="durable", show_default=True)
@_lang_option
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
def test_cmd(engine: str, lang: Lang, paths: tuple[str, ...]) -> None:
    """Run test cases written as data (rules/tests/<ruleset>/*.yaml).

    PATHS are case files or folders (default: the bundled rules/tests/). Ends with the line
    "N passed, N failed". Exit 1 if a case fails, 2 if a case file is malformed.
    """
    from .casetests import default_paths, render_result, run_paths, summary_line

    def body() -> int:
        run = run_paths([Path(p) for p in paths] or default_paths(), engine=engine, lang=lang)
        for line in run.problems:
            click.echo(line, err=True)
        for result in run.results:
            click.echo(render_result(result, lang))
        click.echo(summary_line(run.results))
        return run.exit_code

    _run(body)


@cli.command("diff")
@click.option("--facts", "facts_dir", default=None, metavar="DIR", help="Folder of facts JSON files (subjects).")
@click.option("--as-of", type=IsoDate(), default=None, help="Day of evaluation for --facts (default: today).")
@_format_option(default="table")
@_lang_option
@click.argument("old", metavar="OLD.yaml")
@click.argument("new", metavar="NEW.yaml")
def diff_cmd(facts_dir: str | None, as_of: date | None, fmt: str, lang: Lang, old: str, new: str) -> None:
    """Show what an edit changes: clauses, rules, dated parameters, period of force — and,
    with --facts DIR, which verdicts appear or disappear for which subject."""

    def body() -> int:
        _check_as_of(as_of, lang)
        loaded = _load_all([old, new], lang, load_for_diff)
        try:
            subjects = read_facts_dir(Path(facts_dir), lang=lang) if facts_dir else None
            result = diff_rulesets(loaded[0], loaded[1], subjects, as_of=as_of)
        except FactsError as err:
            _fail(_problem_lines(err))
        finally:
            for rs in loaded:
                rs.close()
        click.echo(result.to_json() if fmt == "json" else diff_table(result, lang), nl=fmt == "json")
        return 0

    _run(body)


@cli.command("lint")
@_lang_option
@click.argument("targets", nargs=-1, metavar="[FILES|IDS]...")
def lint_cmd(lang: Lang, targets: tuple[str, ...]) -> None:
    """Static checks beyond validity: rules that can never fire, windows longer than the period,
    unused or never-used parameter values, copied rules, unused vocabulary codes.

    Without arguments: every bundled ruleset, and the vocabulary's codes that no bundled ruleset
    uses (also checked when vocabulary.yaml is named). One file:line:col: message per finding.
    Exit 1 with findings, 0 clean, 2 if a file does not load (its problems are printed).
    """
    from .lint import run_lint

    def body() -> int:
        run = run_lint(targets, lang)
        for line in run.findings:
            click.echo(line, err=True)
        for path in run.checked:
            click.echo(f"{path}: {'ok' if lang == 'en' else '通过'}")
        return run.status

    _run(body)


@cli.command("schema")
@click.option("--facts", "of_facts", is_flag=True,
              help="The schema of the facts input (docs/facts.md) instead of rule files.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of stdout (e.g. schema/ruleset.schema.json).")
def schema_cmd(of_facts: bool, output: str | None) -> None:
    """Print the JSON Schema of rule files, for editors (regenerate schema/ruleset.schema.json with it).

    With --facts: the JSON Schema of the facts a caller gives, generated from the Facts model.
    """
    from .schema import facts_schema_text, schema_text

    def body() -> int:
        text = facts_schema_text() if of_facts else schema_text()
        if output is None:
            click.echo(text, nl=False)
        else:
            try:
                Path(output).write_text(text, encoding="utf-8")
            except OSError as exc:
                _fail([f"{output}: cannot write: {exc.strerror or exc}"])
        return 0

    _run(body)


# --- the auditor's commands: documents, show, verify (CONTRACT §6, §8) -----------------------------


def _auditor_document(
    entries: list[tuple[Report, Facts, CompiledRuleset]], fmt: str, comparison: Comparison | None = None
) -> str:
    from .render import render_reports  # Jinja2 is loaded only by the commands that print documents

    return render_reports(entries, "html" if fmt == "html" else "markdown", comparison)


@cli.command("show")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html"]), default="text", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout.")
@_lang_option
@click.argument("ruleset_ref", metavar="ID|PATH")
def show_cmd(fmt: str, output: str | None, lang: Lang, ruleset_ref: str) -> None:
    """The ruleset as law beside code: each clause's words, then the rules that encode it with their
    interpretation, or why it is not encoded."""
    from .render import render_ruleset

    def body() -> int:
        [rs] = _load_all([ruleset_ref], lang)
        _emit(render_ruleset(rs, "html" if fmt == "html" else "markdown" if fmt == "markdown" else "text"), output)
        return 0

    _run(body)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default answers this machine only (put nginx in front).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--rules", "rules_dir_", default=None, metavar="DIR", type=click.Path(file_okay=False),
              help="Folder of rule files, watched for edits (default: the bundled rulesets).")
@click.option("--decision-log", default=None, metavar="FILE", type=click.Path(dir_okay=False),
              help="Append one JSON line per decision to FILE (rotated by size).")
@click.option("--log-facts", is_flag=True, help="Also write each decision's facts to the decision log.")
@click.option("--log-max-bytes", default=100 * 1024 * 1024, show_default=True, type=click.IntRange(1024),
              help="Rotate the decision log past this size.")
@click.option("--log-backups", default=10, show_default=True, type=click.IntRange(1), help="Rotated files kept.")
@click.option("--token-file", default=None, metavar="FILE", type=click.Path(dir_okay=False, exists=True),
              help="Require 'Authorization: Bearer <token>' with the token in FILE on /v1/*.")
@click.option("--max-body", default=None, type=click.IntRange(1, MAX_FACTS_BYTES), metavar="BYTES",
              help="Largest request body accepted (default 1 MiB; at most the facts limit, 64 MiB).")
@click.option("--timeout", default=None, type=click.FloatRange(min=0.001), metavar="SECONDS",
              help="Time bound of one request's judging (default 10 s); past it the caller gets 503.")
@click.option("--reload-interval", default=1.0, show_default=True, type=click.FloatRange(min=0.01),
              metavar="SECONDS", help="How often the rule files are checked for edits.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1),
              help="Judging threads per worker process.")
def serve_cmd(
    host: str, port: int, rules_dir_: str | None, decision_log: str | None, log_facts: bool, log_max_bytes: int,
    log_backups: int, token_file: str | None, max_body: int | None, timeout: float | None,
    reload_interval: float, workers: int, threads: int,
) -> None:
    """Serve the rules over HTTP (CONTRACT §7): JSON API, /openapi.json, /docs, /healthz."""
    from .limits import MAX_REQUEST_BYTES, REQUEST_TIMEOUT_SECONDS

    def body() -> int:
        try:
            from .service.app import ServiceConfig, read_token
            from .service.server import run
        except ImportError as exc:  # Starlette and uvicorn come with the optional extra
            _fail([f"ecredit serve needs the service extra: pip install 'ecredit-rules[service]' ({exc})"])
        if rules_dir_ is not None and not Path(rules_dir_).is_dir():
            _fail([f"{rules_dir_}: no such folder"])
        if token_file is not None:
            try:
                read_token(token_file)
            except (OSError, ValueError) as exc:
                _fail([str(exc)])
        config = ServiceConfig(
            rules=str(Path(rules_dir_).resolve()) if rules_dir_ else None,
            decision_log=str(Path(decision_log).resolve()) if decision_log else None,
            log_facts=log_facts, log_max_bytes=log_max_bytes, log_backups=log_backups,
            token_file=str(Path(token_file).resolve()) if token_file else None,
            max_body=max_body or MAX_REQUEST_BYTES, timeout=timeout or REQUEST_TIMEOUT_SECONDS,
            reload_interval=reload_interval, threads=threads,
        )
        if config.decision_log is not None:
            try:
                with open(config.decision_log, "a", encoding="utf-8"):
                    pass
            except OSError as exc:
                _fail([f"{decision_log}: cannot write: {exc.strerror or exc}"])
        run(config, host=host, port=port, workers=workers)
        return 0

    _run(body)


@cli.command("batch")
@click.option("-r", "--ruleset", "ruleset_ref", required=True, metavar="ID|PATH", help="Bundled id or a YAML file.")
@click.option("--as-of", type=IsoDate(), default=None, help="Day of evaluation (default: today, fixed for the run).")
@click.option("--engine", type=click.Choice(["durable", "compiled", "columnar"]), default="durable",
              show_default=True, help="columnar: not offered yet, refused (docs/batch.md).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Local processes.")
@click.option("--scheduler", metavar="ADDRESS", default=None, help="Run on this dask.distributed scheduler.")
@click.option("--resume", is_flag=True, help="Continue after the last whole record already in OUT.")
@click.option("-o", "--output", required=True, metavar="OUT", help="JSON Lines: one line per input record.")
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
    help="Language of the problems in error records and of rule-file messages.",
)
@click.argument("input_path", metavar="IN")
def batch_cmd(
    ruleset_ref: str, as_of: date | None, engine: str, workers: int, scheduler: str | None, resume: bool,
    output: str, lang: Lang, input_path: str,
) -> None:
    """Judge every record of IN (JSON Lines, or a Parquet folder of `ecredit convert`) into OUT, in order.

    OUT holds one line per input record: its report, or its error record. Exit 0 all judged,
    1 some refused, 2 unreadable input or usage, 130 interrupted (run again with --resume).
    """
    from .batch.job import Input, run
    from .batch.runner import usable_cpus

    def body() -> int:
        if scheduler is not None and workers != 1:
            _fail(["--workers is for local processes; with --scheduler the cluster's workers do the work"])
        if engine == "columnar":  # batch/columnar.py: exact, but not yet faster than the loop it would replace
            _fail([Msg("batch_columnar_not_ready").render(lang)])
        [rs] = _load_all([ruleset_ref], lang)
        cpus = usable_cpus()
        if workers > cpus:  # a typo (100 for 10) would start that many processes of ~60 MiB each
            click.echo(f"ecredit batch: --workers {workers} is more than the {cpus} CPUs this process may use; "
                       "the extra workers add start-up time and memory, not speed", err=True)
        try:
            source = Input.open(input_path)
            return run(rs, source, Path(output), as_of=as_of or date.today(), engine=engine, workers=workers,
                       scheduler=scheduler, resume=resume, lang=lang)
        except OSError as exc:
            _fail([f"{exc.filename or input_path}: cannot read or write: {exc.strerror or exc}"])
        except ValueError as exc:  # an unreadable Parquet folder, pyarrow missing, a resume past the input
            _fail([str(exc)])

    _run(body)


@cli.command("convert")
@click.argument("input_path", metavar="IN")
@click.argument("output_path", metavar="OUT")
def convert_cmd(input_path: str, output_path: str) -> None:
    """Convert JSON Lines to the Parquet folder `ecredit batch` reads, or back (IN a folder).

    Every record is kept: one the columns cannot hold exactly stays whole as its JSON text.
    """
    from .batch.convert import convert

    def body() -> int:
        try:
            count = convert(Path(input_path), Path(output_path))
        except OSError as exc:
            _fail([f"{exc.filename or input_path}: cannot read or write: {exc.strerror or exc}"])
        except ValueError as exc:
            _fail([str(exc)])
        click.echo(f"ecredit convert: {count:,} records written to {output_path}", err=True)
        return 0

    _run(body)


@cli.command("verify")
@click.option("-r", "--ruleset", "ruleset_ref", default=None, metavar="PATH",
              help="The rule file to recompute with (default: the bundled ruleset the report names).")
@_lang_option
@click.argument("report_file", metavar="REPORT.json")
@click.argument("facts_file", metavar="FACTS.json")
def verify_cmd(ruleset_ref: str | None, lang: Lang, report_file: str, facts_file: str) -> None:
    """Recompute a report from its facts and compare: exit 0 reproduced, 1 differs (each difference
    named), 2 cannot check (a digest does not match, or an input is unreadable)."""
    from .verify import read_report, verify

    def body() -> int:
        _, duplicated = _read_json(report_file, lang)  # unreadable JSON and repeated keys are refused by name
        if duplicated:
            _fail([f"{report_file}: {p}" for p in duplicated])
        try:
            # Parsed again from the bytes: numbers must stay as written (a parameter of 49999.99).
            report = read_report(sys.stdin.buffer.read() if report_file == "-" else Path(report_file).read_bytes())
        except ValueError as exc:
            _fail([f"{report_file}: " + Msg("verify_not_report", detail=exc).render(lang)])
        [rs] = _load_all([ruleset_ref or report.ruleset.id], lang)
        subjects, many = _read_subjects(facts_file, lang)
        if many:
            _fail([f"{facts_file}: verify takes the one subject the report is about, not a list"])
        try:
            result = verify(report, subjects[0], lambda: rs, lang)
        except FactsError as err:  # e.g. a report whose as_of is outside the accepted dates
            _fail([f"{report_file}: {line}" for line in _problem_lines(err)])
        for line in result.notes:
            click.echo(line, err=True)
        for line in result.lines:
            click.echo(line, err=result.status != 0)
        return result.status

    _run(body)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``ecredit`` console script."""
    cli.main(args=argv, prog_name="ecredit")


if __name__ == "__main__":
    main()
