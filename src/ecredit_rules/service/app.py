"""The ASGI application of ``ecredit serve`` (CONTRACT §7).

Every request is checked in the order a caller can fix things: token (401), ruleset (404), query
parameters (422), body size (413, counted while the body arrives), JSON (400), facts (422). The
judging itself runs on a small thread pool with a deadline (503 past it), so the event loop keeps
accepting requests and answering ``/healthz`` while subjects are judged. Rules come only from the
server's own folder through a :class:`RulesetRegistry`; no endpoint accepts rule files.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..batch.records import RecordError, subject_id
from ..compare import compare
from ..dates import parse_iso_date
from ..engines import ENGINES
from ..errors import FactsError, Problem, RulesetError
from ..evaluate import evaluate
from ..facts import load_facts, parse_json
from ..ir import CompiledRuleset
from ..limits import (
    MAX_DATE,
    MAX_FACTS_BYTES,
    MAX_REQUEST_BYTES,
    MAX_SUBJECTS_PER_REQUEST,
    MIN_DATE,
    REQUEST_TIMEOUT_SECONDS,
)
from ..messages import Lang, Msg
from ..registry import RulesetRegistry
from ..report import Report
from .decisionlog import DEFAULT_BACKUPS, DEFAULT_MAX_BYTES, DecisionLog, utc_now
from .problems import HttpProblem, negotiate_lang, problem_items

log = logging.getLogger("ecredit_rules.service")

T = TypeVar("T")


@dataclass(frozen=True)
class ServiceConfig:
    """What ``ecredit serve`` was started with; the same in every worker process."""

    rules: str | None = None  # a folder of rule files; None: the bundled rulesets
    decision_log: str | None = None
    log_facts: bool = False
    log_max_bytes: int = DEFAULT_MAX_BYTES
    log_backups: int = DEFAULT_BACKUPS
    token_file: str | None = None
    max_body: int = MAX_REQUEST_BYTES
    timeout: float = REQUEST_TIMEOUT_SECONDS
    reload_interval: float = 1.0
    threads: int = 4  # judging threads per worker process

    def __post_init__(self) -> None:
        if not 0 < self.max_body <= MAX_FACTS_BYTES:
            raise ValueError(f"max_body must be between 1 and {MAX_FACTS_BYTES} bytes (the facts limit)")
        if self.timeout <= 0 or self.threads < 1:
            raise ValueError("timeout must be positive and threads at least 1")

    def to_json(self) -> str:
        return json.dumps(vars(self))

    @classmethod
    def from_json(cls, text: str) -> ServiceConfig:
        return cls(**json.loads(text))


def read_token(path: str) -> bytes:
    """The bearer token in ``path`` (surrounding whitespace ignored); an empty file is refused."""
    token = Path(path).read_text(encoding="utf-8").strip()
    if not token:
        raise ValueError(f"{path}: the token file is empty")
    return token.encode("utf-8")


def new_decision_id() -> str:
    """A fresh decision id (UUID 4): unique across workers and restarts without coordination."""
    return str(uuid.uuid4())


class _Expired(Exception):
    """The request's deadline passed, or its answer was given up: nothing more is judged or logged."""


class _Ticket:
    """One request's judging: its deadline and its decisions, logged only if the answer is given.

    The log lines of a request are written together once its judging is done, unless the caller
    was already told 503; and once they are written the caller gets the answer they record, even
    if the time bound passed meanwhile. So the log holds exactly the decisions that were answered.
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._abandoned = False
        self._committed = False

    def check(self) -> None:
        """Stop here (between subjects) if the time bound has passed."""
        if time.monotonic() > self.deadline:
            raise _Expired

    def commit(self, log: DecisionLog | None) -> None:
        with self._lock:
            if self._abandoned:
                raise _Expired
            if log is not None and self.entries:
                log.write_many(self.entries)
            self._committed = True

    def abandon(self) -> bool:
        """Give up the answer; False if its decisions are already logged (then it must be given)."""
        with self._lock:
            self._abandoned = not self._committed
            return self._abandoned


class Service:
    """The state one worker process serves from: the registry, the decision log, the judging threads."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.token = read_token(config.token_file) if config.token_file else None
        self.registry = RulesetRegistry(config.rules, interval=config.reload_interval)
        self.decisions = DecisionLog(config.decision_log, max_bytes=config.log_max_bytes,
                                     backups=config.log_backups) if config.decision_log else None
        self.pool = ThreadPoolExecutor(max_workers=config.threads, thread_name_prefix="ecredit-judge")

    def start(self) -> None:
        self.registry.start()

    def close(self) -> None:
        # uvicorn calls this after the in-flight requests have finished: their log lines are written.
        self.pool.shutdown(wait=True)
        self.registry.close()
        if self.decisions is not None:
            self.decisions.close()

    # --- checks ------------------------------------------------------------------------------

    def authorize(self, request: Request) -> None:
        if self.token is None:
            return
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        # compare_digest: the time taken does not tell how much of a guess was right.
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode("utf-8"), self.token):
            raise HttpProblem(401, Msg("http_unauthorized"), Msg("http_unauthorized_detail"),
                              headers={"WWW-Authenticate": 'Bearer realm="ecredit"'})

    def known(self, ruleset_id: str) -> None:
        known = set(self.registry.ids()) | set(self.registry.errors)
        if ruleset_id not in known:
            raise HttpProblem(404, Msg("http_unknown_ruleset"), Msg(
                "http_unknown_ruleset_detail", name=ruleset_id, available=", ".join(sorted(known))))

    async def body(self, request: Request) -> bytes:
        """The request body, refused with 413 as soon as it is known to exceed the limit."""
        limit = self.config.max_body
        too_large = HttpProblem(413, Msg("http_too_large"), Msg("http_too_large_detail", limit=limit))
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    async def judge(self, work: Callable[[_Ticket], T]) -> T:
        """``work(ticket)`` on a judging thread, within the request's time bound (503 past it).

        A thread cannot be stopped: a subject being judged when the bound passes is finished in the
        background (each is bounded by the facts limits), but work still queued never starts, a list
        stops at the next subject, and nothing of it is logged.
        """
        ticket = _Ticket(time.monotonic() + self.config.timeout)

        def guarded() -> T:
            ticket.check()
            result = work(ticket)
            ticket.commit(self.decisions)
            return result

        future = asyncio.get_running_loop().run_in_executor(self.pool, guarded)
        try:
            # shield: on timeout the thread's future stays awaitable for the case below
            return await asyncio.wait_for(asyncio.shield(future), self.config.timeout)
        except TimeoutError:
            if not ticket.abandon():
                return await future  # logged just in time: the answer exists, give it
            raise self._timeout() from None
        except _Expired:
            raise self._timeout() from None

    def _timeout(self) -> HttpProblem:
        seconds = f"{self.config.timeout:g}"
        return HttpProblem(503, Msg("http_timeout"), Msg("http_timeout_detail", seconds=seconds),
                           headers={"Retry-After": "1"})

    # --- decisions ---------------------------------------------------------------------------

    def record(self, ticket: _Ticket, decision_id: str, report: Report, facts: Any) -> None:
        """One decision-log line (CONTRACT §7) for the request's ticket; the facts only with ``--log-facts``."""
        if self.decisions is None:
            return
        entry: dict[str, Any] = {
            "decision_id": decision_id,
            "time": utc_now(),
            "ruleset": {"id": report.ruleset.id, "version": report.ruleset.version, "digest": report.ruleset.digest},
            "facts_digest": report.facts_digest,
            "as_of": report.as_of.isoformat(),
            "engine": report.engine,
            "verdicts": [v.rule for v in report.verdicts],
            "undetermined": [u.rule for u in report.undetermined],
        }
        if self.config.log_facts:
            entry["facts"] = _as_json(facts)
        ticket.entries.append(entry)

    def evaluated(self, ticket: _Ticket, rs: CompiledRuleset, facts: Any, as_of: date, engine: str,
                  lang: Lang) -> str:
        """The report of one subject plus its decision id, as JSON text; its log line goes on the ticket.

        Raises ``FactsError`` with its problems worded in ``lang``.
        """
        report = evaluate(rs, facts, as_of=as_of, engine=engine, lang=lang)
        decision_id = new_decision_id()
        self.record(ticket, decision_id, report, facts)
        return with_decision_id(report.to_json(), decision_id)


def with_decision_id(report_json: str, decision_id: str) -> str:
    """The report's JSON (CONTRACT §5) unchanged, with ``decision_id`` added as its last member."""
    return f'{report_json[:-1]},"decision_id":"{decision_id}"}}'


def _as_json(facts: Any) -> Any:
    if isinstance(facts, bytes | str):
        try:
            return json.loads(facts)
        except ValueError:
            return None
    return facts


# --- request parameters ----------------------------------------------------------------------------


def _as_of(request: Request) -> date:
    given = request.query_params.get("as_of")
    if given is None:
        return date.today()
    day = parse_iso_date(given)
    if day is None:
        raise _bad_parameter("as_of", Msg("http_not_date", value=json.dumps(given, ensure_ascii=False)))
    if not MIN_DATE <= day <= MAX_DATE:
        raise _bad_parameter("as_of", Msg("http_date_range", low=MIN_DATE.isoformat(), high=MAX_DATE.isoformat()))
    return day


def _engine(request: Request) -> str:
    engine = request.query_params.get("engine", "durable")
    if engine not in ENGINES:
        raise _bad_parameter("engine", Msg(
            "http_bad_engine", choices=", ".join(sorted(ENGINES)), value=json.dumps(engine, ensure_ascii=False)))
    return engine


def _bad_parameter(name: str, msg: Msg) -> HttpProblem:
    return HttpProblem(422, Msg("http_bad_request"), msg, [(name, msg)])


def _facts_problem(err: FactsError) -> HttpProblem:
    """400 when the body is not JSON at all, else 422 naming each bad field.

    The library's other "(json)" problem, a document over ``MAX_FACTS_BYTES``, cannot reach here:
    ``--max-body`` is at most that.
    """
    if len(err.problems) == 1 and err.problems[0].where == "(json)":
        return HttpProblem(400, Msg("http_bad_json"), Msg("http_bad_json_detail"), err.problems)
    return HttpProblem(422, Msg("http_bad_facts"), Msg("http_bad_facts_detail", count=len(err.problems)), err.problems)


def _broken_ruleset(err: RulesetError) -> HttpProblem:
    return HttpProblem(503, Msg("http_ruleset_broken"), Msg("http_ruleset_broken_detail"), err.problems)


# --- endpoints -------------------------------------------------------------------------------------


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _json(text: str) -> Response:
    return Response(text, media_type="application/json")


async def list_rulesets(request: Request) -> Response:
    service = _service(request)
    service.authorize(request)
    out = []
    for rid in service.registry.ids():
        with service.registry.use(rid) as rs:
            out.append(ruleset_summary(rs))
    return JSONResponse(out)


def ruleset_summary(rs: CompiledRuleset) -> dict[str, Any]:
    """One item of ``GET /v1/rulesets`` (CONTRACT §7)."""
    period = rs.document.in_force
    return {
        "id": rs.id, "title": rs.title, "number": rs.document.number,
        "in_force": {"from": period.from_.isoformat(), "to": period.until.isoformat() if period.until else None},
        "version": rs.version, "digest": rs.digest,
    }


@dataclass(frozen=True)
class _Call:
    """A judging request, checked in the order a caller can fix things: token, ruleset, parameters, body."""

    service: Service
    ruleset: str
    as_of: date
    engine: str
    lang: Lang
    body: bytes

    @classmethod
    async def of(cls, request: Request, *, ruleset: bool = True) -> _Call:
        service = _service(request)
        service.authorize(request)
        rid = request.path_params["id"] if ruleset else ""
        if ruleset:
            service.known(rid)
        as_of, engine, lang = _as_of(request), _engine(request), _lang(request)
        return cls(service, rid, as_of, engine, lang, await service.body(request))

    @contextmanager
    def rules(self) -> Iterator[CompiledRuleset]:
        """The serving version of the ruleset, held while judging; 503 if its file never validated."""
        try:
            with self.service.registry.use(self.ruleset) as rs:
                yield rs
        except RulesetError as err:
            raise _broken_ruleset(err) from None


async def evaluate_one(request: Request) -> Response:
    call = await _Call.of(request)

    def work(ticket: _Ticket) -> str:
        with call.rules() as rs:
            try:
                return call.service.evaluated(ticket, rs, call.body, call.as_of, call.engine, call.lang)
            except FactsError as err:
                raise _facts_problem(err) from None

    return _json(await call.service.judge(work))


async def evaluate_many(request: Request) -> Response:
    call = await _Call.of(request)

    def work(ticket: _Ticket) -> str:
        items, repeated = _subjects(call.body, call.lang)
        with call.rules() as rs:
            return "[" + ",".join(_one_of_many(call, ticket, rs, i, item, repeated.get(i))
                                  for i, item in enumerate(items)) + "]"

    return _json(await call.service.judge(work))


def _subjects(body: bytes, lang: Lang) -> tuple[list[Any], dict[int, list[Problem]]]:
    """The list in the body and, per index, the keys its JSON text repeated."""
    try:
        items, repeated = parse_json(body, lang=lang)
    except (ValueError, RecursionError) as exc:  # RecursionError: arrays nested thousands deep
        problem = Problem("(json)", Msg("facts_json", detail=str(exc)).render(lang))
        raise _facts_problem(FactsError([problem])) from None
    if not isinstance(items, list):
        raise HttpProblem(422, Msg("http_bad_request"), Msg("http_not_list"), [("(body)", Msg("http_not_list"))])
    if len(items) > MAX_SUBJECTS_PER_REQUEST:
        too_many = Msg("http_too_many", limit=MAX_SUBJECTS_PER_REQUEST, count=len(items))
        raise HttpProblem(422, Msg("http_bad_request"), too_many, [("(body)", too_many)])
    per_item: dict[int, list[Problem]] = {}
    for p in repeated:  # paths like "[3].events[0].id": the subject's index, then its own path
        head, _, rest = p.where.partition("]")
        per_item.setdefault(int(head[1:]), []).append(Problem(rest.lstrip(".") or "(facts)", p.message))
    return items, per_item


def _one_of_many(
    call: _Call, ticket: _Ticket, rs: CompiledRuleset, index: int, item: Any, repeated: list[Problem] | None
) -> str:
    """One subject's report, or its error record in the shape of ``ecredit batch`` (CONTRACT §6)."""
    ticket.check()
    try:
        if repeated:
            raise FactsError(repeated)
        return call.service.evaluated(ticket, rs, item, call.as_of, call.engine, call.lang)
    except FactsError as err:
        return RecordError(index, subject_id(item), tuple(err.problems)).to_json()


async def compare_all(request: Request) -> Response:
    call = await _Call.of(request, ruleset=False)
    service = call.service

    def work(ticket: _Ticket) -> str:
        try:
            facts = load_facts(call.body, lang=call.lang)  # compare() itself words problems in Chinese only
        except FactsError as err:
            raise _facts_problem(err) from None
        with ExitStack() as held:
            loaded = [held.enter_context(service.registry.use(rid)) for rid in service.registry.ids()]
            result = compare(facts, as_of=call.as_of, engine=call.engine, rulesets=loaded)
        decision_id = new_decision_id()
        if service.decisions is not None:
            by_id = {rs.id: rs for rs in loaded}
            in_force = [c for c in result.rulesets if c.in_force]
            ticket.entries.append({
                "decision_id": decision_id, "time": utc_now(), "kind": "compare",
                "rulesets": [{"id": c.id, "version": by_id[c.id].version, "digest": by_id[c.id].digest}
                             for c in in_force],
                "facts_digest": result.facts_digest, "as_of": call.as_of.isoformat(), "engine": call.engine,
                "verdicts": {c.id: [v.rule for v in c.verdicts] for c in in_force},
                "undetermined": {c.id: [u.rule for u in c.undetermined] for c in in_force},
                **({"facts": _as_json(call.body)} if service.config.log_facts else {}),
            })
        return with_decision_id(result.to_json(), decision_id)

    return _json(await service.judge(work))


async def facts_schema_endpoint(request: Request) -> Response:
    from ..schema import facts_schema

    return JSONResponse(facts_schema(), media_type="application/schema+json")


async def healthz(request: Request) -> Response:
    service = _service(request)
    registry = service.registry
    serving = {rid: registry.digest(rid) for rid in registry.ids()}
    errors = {rid: problem_items(err.problems, negotiate_lang(request.headers.get("accept-language")))
              for rid, err in registry.errors.items()}
    body: dict[str, Any] = {"status": "ok" if not errors else "degraded", "rulesets": serving}
    if errors:
        body["errors"] = errors  # a broken edit: the last good version (if any) is what `rulesets` shows
    return JSONResponse(body)


async def openapi_endpoint(request: Request) -> Response:
    from .openapi import openapi_document

    return JSONResponse(openapi_document())


async def docs_endpoint(request: Request) -> Response:
    from .openapi import docs_page

    return HTMLResponse(docs_page())


# --- errors ----------------------------------------------------------------------------------------


def _lang(request: Request) -> Lang:
    return negotiate_lang(request.headers.get("accept-language"))


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HttpProblem)
    return exc.response(_lang(request))


async def _on_http(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405, as problems."""
    assert isinstance(exc, HTTPException)
    path, method = request.url.path, request.method
    if exc.status_code == 405:
        problem = HttpProblem(405, Msg("http_method"), Msg("http_method_detail", path=path, method=method),
                              headers=dict(exc.headers or {}))
    else:
        problem = HttpProblem(404, Msg("http_not_found"), Msg("http_not_found_detail", path=path))
    return problem.response(_lang(request))


async def _on_error(request: Request, exc: Exception) -> Response:
    """A bug: the trace goes to the server's log under a decision id; the caller gets that id, no trace."""
    decision_id = new_decision_id()
    log.error("internal error, decision %s, %s %s", decision_id, request.method, request.url.path, exc_info=exc)
    problem = HttpProblem(500, Msg("http_internal"), Msg("http_internal_detail", decision_id=decision_id),
                          extra={"decision_id": decision_id})
    return problem.response(_lang(request))


# --- the application -------------------------------------------------------------------------------


def create_app(config: ServiceConfig | None = None) -> Starlette:
    """The service as an ASGI application; each worker process builds its own."""
    config = config or ServiceConfig()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service = Service(config)
        service.start()
        app.state.service = service
        try:
            yield
        finally:
            service.close()

    routes = [
        Route("/v1/rulesets", list_rulesets, methods=["GET"]),
        Route("/v1/rulesets/{id}/evaluate", evaluate_one, methods=["POST"]),
        Route("/v1/rulesets/{id}/evaluate-many", evaluate_many, methods=["POST"]),
        Route("/v1/compare", compare_all, methods=["POST"]),
        Route("/v1/schema/facts", facts_schema_endpoint, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi_endpoint, methods=["GET"]),
        Route("/docs", docs_endpoint, methods=["GET"]),
    ]
    handlers = {HttpProblem: _on_problem, HTTPException: _on_http, Exception: _on_error}
    return Starlette(routes=routes, exception_handlers=handlers, lifespan=lifespan)
