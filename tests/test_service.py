"""``ecredit serve`` (CONTRACT §7): the real server in a child process, called over HTTP on 127.0.0.1.

Every wait is bounded: the server must answer /healthz within STARTUP seconds, each request has
a timeout, and the server is killed if it does not stop by itself, so a hang fails a test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

import ecredit_rules as ec  # noqa: E402
from ecredit_rules.bundled import rules_dir  # noqa: E402
from ecredit_rules.messages import Msg  # noqa: E402
from ecredit_rules.schema import facts_schema  # noqa: E402
from ecredit_rules.service.app import with_decision_id  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "tuquan"
AS_OF = "2024-06-30"
STARTUP = 30.0
TIMEOUT = httpx.Timeout(20.0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A running ``ecredit serve``: its base URL, its process and what it printed."""

    def __init__(self, proc: subprocess.Popen[str], url: str, log: Path) -> None:
        self.proc, self.url, self.log = proc, url, log

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=TIMEOUT, **kwargs)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(tmp: Path, *args: str, bundled: bool = False) -> Iterator[Server]:
    """A server with ``args``; on 突泉's rules alone (it starts faster) unless ``bundled`` or ``--rules`` is given."""
    if not bundled and "--rules" not in args:
        args = (*args, *tuquan_only(tmp))
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    log = tmp / f"server-{port}.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ecredit_rules", "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT, env=env, text=True,
        )
    server = Server(proc, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + STARTUP
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"the server exited with {proc.returncode}:\n{server.output()}")
            try:
                if httpx.get(server.url + "/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not start within {STARTUP} s:\n{server.output()}")
            time.sleep(0.1)
        yield server
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def tuquan_only(tmp: Path) -> list[str]:
    """``--rules`` with 突泉's file alone: a server that starts faster than one with every bundled ruleset."""
    rules = tmp / "tuquan-only"
    rules.mkdir(exist_ok=True)
    shutil.copy(rules_dir() / "tuquan.yaml", rules / "tuquan.yaml")
    return ["--rules", str(rules)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server on the bundled rules with a decision log, shared by the read-mostly tests."""
    tmp = tmp_path_factory.mktemp("service")
    with serve(tmp, "--decision-log", str(tmp / "decisions.jsonl"), bundled=True) as running:
        yield running


def _facts(name: str = "repeat_offender") -> bytes:
    return (EXAMPLES / f"{name}.json").read_bytes()


def _evaluate(client: httpx.Client, body: bytes | str, ruleset: str = "tuquan", **headers: str) -> httpx.Response:
    return client.post(f"/v1/rulesets/{ruleset}/evaluate", params={"as_of": AS_OF}, content=body, headers=headers)


def ec_messages(lang: str, path: str) -> str:
    """The library's own wording of the problem at ``path`` of facts without a subject id."""
    with pytest.raises(ec.FactsError) as err:
        ec.evaluate("tuquan", {"subject": {}}, as_of=date(2024, 6, 30), lang=lang)  # type: ignore[arg-type]
    return next(p.message for p in err.value.problems if p.where == path)


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return dict(body)


# --- the endpoints ---------------------------------------------------------------------------------


def test_rulesets_lists_each_served_ruleset_with_its_period_and_digest(server: Server) -> None:
    with server.client() as client:
        listed = client.get("/v1/rulesets").json()
    assert [r["id"] for r in listed] == ec.available_rulesets()
    tuquan = next(r for r in listed if r["id"] == "tuquan")
    rs = ec.load_ruleset("tuquan")
    assert set(tuquan) == {"id", "title", "number", "in_force", "version", "digest"}
    assert tuquan["digest"] == rs.digest and tuquan["number"] == rs.document.number
    assert tuquan["in_force"] == {"from": rs.document.in_force.from_.isoformat(), "to": None}


@pytest.mark.parametrize("engine", ["durable", "compiled"])
def test_evaluate_answers_the_library_report_byte_for_byte_plus_a_decision_id(server: Server, engine: str) -> None:
    with server.client() as client:
        response = client.post("/v1/rulesets/tuquan/evaluate", params={"as_of": AS_OF, "engine": engine},
                               content=_facts())
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    decision_id = response.json()["decision_id"]
    expected = ec.evaluate("tuquan", _facts(), as_of=date(2024, 6, 30), engine=engine).to_json()
    assert response.text == with_decision_id(expected, decision_id)


def test_evaluate_many_answers_in_input_order_with_an_error_record_per_bad_subject(server: Server) -> None:
    subjects = [json.loads(_facts(n)) for n in ("repeat_offender", "clean_a_grade_shop")]
    bad = {"subject": {"id": "S9"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-13-01"}]}
    body = [subjects[0], bad, subjects[1], 7]
    with server.client() as client:
        response = client.post("/v1/rulesets/tuquan/evaluate-many", params={"as_of": AS_OF}, json=body)
    assert response.status_code == 200
    items = response.json()
    assert [i.get("subject") for i in items] == ["91152224MA0B000002", "S9", subjects[1]["subject"]["id"], None]
    for i in (0, 2):
        expected = ec.evaluate("tuquan", body[i], as_of=date(2024, 6, 30)).to_json()
        assert json.dumps(items[i], ensure_ascii=False, separators=(",", ":")) == with_decision_id(
            expected, items[i]["decision_id"])
    assert items[1]["index"] == 1 and [p["path"] for p in items[1]["error"]["problems"]] == ["events[0].date"]
    not_object = {"path": "(facts)", "message": Msg("facts_not_object").render("zh")}
    assert items[3] == {"index": 3, "subject": None, "error": {"problems": [not_object]}}
    assert len({i["decision_id"] for i in (items[0], items[2])}) == 2


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_evaluate_many_names_a_key_repeated_inside_one_subject(server: Server, lang: str) -> None:
    body = '[{"subject": {"id": "A"}}, {"subject": {"id": "B", "id": "C"}}]'
    with server.client(headers={"Accept-Language": lang}) as client:
        items = client.post("/v1/rulesets/tuquan/evaluate-many", params={"as_of": AS_OF}, content=body).json()
    assert "decision_id" in items[0]
    repeated = {"path": "subject.id", "message": Msg("facts_key_twice").render(lang)}  # type: ignore[arg-type]
    assert items[1] == {"index": 1, "subject": "B", "error": {"problems": [repeated]}}


def test_evaluate_many_answers_an_error_record_for_a_subject_id_naming_a_lone_surrogate(server: Server) -> None:
    # JSON text may escape a lone surrogate, which UTF-8 cannot hold: echoing it once made the whole answer a 500.
    body = '[{"subject": {"id": "S-\\ud800"}, "events": []}, {"subject": {"id": "B"}, "events": []}]'
    with server.client() as client:
        response = client.post("/v1/rulesets/tuquan/evaluate-many", params={"as_of": AS_OF}, content=body)
    assert response.status_code == 200
    first, second = response.json()
    assert (first["index"], first["subject"], second["subject"]) == (0, "S-\ud800", "B")


def test_evaluate_many_refuses_more_than_a_thousand_subjects_and_a_body_that_is_not_a_list(server: Server) -> None:
    with server.client() as client:
        many = client.post("/v1/rulesets/tuquan/evaluate-many", json=[{"subject": {"id": "S"}}] * 1001)
        single = client.post("/v1/rulesets/tuquan/evaluate-many", json={"subject": {"id": "S"}})
    assert "1001" in _problem(many, 422)["problems"][0]["message"]
    assert _problem(single, 422)["problems"][0]["path"] == "(body)"


def test_compare_answers_the_library_comparison_plus_a_decision_id(server: Server) -> None:
    with server.client() as client:
        response = client.post("/v1/compare", params={"as_of": AS_OF}, content=_facts())
    assert response.status_code == 200
    expected = ec.compare(_facts(), as_of=date(2024, 6, 30)).to_json()
    assert response.text == with_decision_id(expected, response.json()["decision_id"])


def test_schema_facts_is_the_library_facts_schema(server: Server) -> None:
    with server.client() as client:
        assert client.get("/v1/schema/facts").json() == facts_schema()


def test_openapi_carries_the_facts_schema_and_a_worked_example_per_endpoint(server: Server) -> None:
    with server.client() as client:
        doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["schemas"]["Facts"]["required"] == ["subject"]
    assert "$defs" not in json.dumps(doc)  # every reference resolves inside the document
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            ok = next(iter(op["responses"]["200"]["content"].values()))
            assert "example" in ok or path == "/v1/schema/facts", (method, path)
            if "requestBody" in op:
                assert "example" in op["requestBody"]["content"]["application/json"]


def test_the_worked_example_is_what_the_server_answers(server: Server) -> None:
    with server.client() as client:
        op = client.get("/openapi.json").json()["paths"]["/v1/rulesets/{id}/evaluate"]["post"]
        facts = op["requestBody"]["content"]["application/json"]["example"]
        answer = client.post("/v1/rulesets/tuquan/evaluate", params={"as_of": AS_OF}, json=facts).json()
    example = op["responses"]["200"]["content"]["application/json"]["example"]
    assert {**answer, "decision_id": None} == {**example, "decision_id": None}


def test_docs_is_one_page_that_loads_nothing_from_elsewhere(server: Server) -> None:
    with server.client() as client:
        page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/v1/rulesets/{id}/evaluate" in page.text and "curl" in page.text
    assert "<script" not in page.text and "<link" not in page.text and "src=" not in page.text


def test_healthz_names_the_digest_served_for_each_ruleset(server: Server) -> None:
    with server.client() as client:
        health = client.get("/healthz").json()
    assert health == {"status": "ok", "rulesets": {i: ec.load_ruleset(i).digest for i in ec.available_rulesets()}}


# --- errors ----------------------------------------------------------------------------------------


def test_malformed_json_is_a_400(server: Server) -> None:
    with server.client() as client:
        problem = _problem(_evaluate(client, b'{"subject": '), 400)
    assert problem["problems"][0]["path"] == "(json)"
    assert problem["title"] == "请求内容不是有效的 JSON"


def test_body_not_utf8_is_a_400(server: Server) -> None:
    with server.client() as client:
        _problem(_evaluate(client, '{"subject": {"id": "商"}}'.encode("gb18030")), 400)


def test_bad_facts_are_a_422_naming_each_field_in_chinese_by_default(server: Server) -> None:
    body = {"subject": {"name": "x"}, "events": [{"id": "P1", "type": "penalty", "date": "2024-13-01"}]}
    with server.client() as client:
        problem = _problem(_evaluate(client, json.dumps(body)), 422)
    assert [p["path"] for p in problem["problems"]] == ["events[0].date", "subject.id"]
    assert problem["title"] == "事实有误" and "2 处问题" in problem["detail"]


def test_accept_language_en_gives_english_titles_and_messages(server: Server) -> None:
    with server.client(headers={"Accept-Language": "en-US,en;q=0.9"}) as client:
        problem = _problem(_evaluate(client, b'{"subject": {}}'), 422)
        compared = _problem(client.post("/v1/compare", content=b'{"subject": {}}'), 422)
    assert problem["title"] == compared["title"] == "the facts are not valid"
    assert problem["problems"] == compared["problems"] == [
        {"path": "subject.id", "message": ec_messages("en", "subject.id")}]


def test_unknown_ruleset_is_a_404_listing_the_known_ones(server: Server) -> None:
    with server.client() as client:
        problem = _problem(_evaluate(client, _facts(), ruleset="atlantis"), 404)
    assert "atlantis" in problem["detail"] and "tuquan" in problem["detail"]


def test_unknown_path_and_wrong_method_are_problems_too(server: Server) -> None:
    with server.client() as client:
        _problem(client.get("/v2/nothing"), 404)
        _problem(client.get("/v1/rulesets/tuquan/evaluate"), 405)


@pytest.mark.parametrize("params, path", [({"as_of": "2024-6-30"}, "as_of"), ({"as_of": "3024-01-01"}, "as_of"),
                                          ({"engine": "drools"}, "engine")])
def test_bad_query_parameters_are_a_422_naming_the_parameter(server: Server, params: dict[str, str],
                                                             path: str) -> None:
    with server.client() as client:
        response = client.post("/v1/rulesets/tuquan/evaluate", params=params, content=_facts())
    assert _problem(response, 422)["problems"][0]["path"] == path


def test_a_body_over_the_limit_is_a_413_even_without_a_content_length(tmp_path: Path) -> None:
    def chunks() -> Iterator[bytes]:  # sent chunked: the server must count while it reads
        yield b'{"subject": {"id": "S1"}, "pad": "'
        for _ in range(64):
            yield b"x" * 1024
        yield b'"}'

    with serve(tmp_path, "--max-body", "4096") as running, running.client() as client:
        _problem(_evaluate(client, b"x" * 5000), 413)
        _problem(client.post("/v1/rulesets/tuquan/evaluate", content=chunks()), 413)
        assert _evaluate(client, _facts()).status_code == 200


def test_a_token_is_required_when_configured(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token\n")
    with serve(tmp_path, "--token-file", str(token)) as running, running.client() as client:
        missing = _problem(client.get("/v1/rulesets"), 401)
        wrong = _problem(_evaluate(client, _facts(), Authorization="Bearer s3cret-tokeN"), 401)
        assert missing["title"] == wrong["title"] == "未授权"
        assert client.get("/v1/rulesets", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
        assert _evaluate(client, _facts(), Authorization="Bearer s3cret-token").status_code == 200
        assert client.get("/healthz").status_code == 200  # probes need no token


def test_judging_past_the_time_bound_is_a_503_and_logs_nothing(tmp_path: Path) -> None:
    subjects = [json.loads(_facts())] * 1000  # about a second of judging
    log = tmp_path / "decisions.jsonl"
    with serve(tmp_path, "--timeout", "0.05", "--max-body", "4000000", "--decision-log", str(log)) as running, \
            running.client() as client:
        response = client.post("/v1/rulesets/tuquan/evaluate-many", params={"as_of": AS_OF}, json=subjects)
        problem = _problem(response, 503)
        assert "0.05" in problem["detail"]
        assert client.get("/healthz").status_code == 200  # the loop stayed free while a thread judged
    assert log.read_text(encoding="utf-8") == ""  # the server has stopped: the abandoned list logged nothing


def test_an_internal_error_answers_a_problem_with_a_decision_id_and_logs_the_trace(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A bug cannot be planted in the child process: the app runs here, called through httpx's ASGI transport.
    import asyncio

    from ecredit_rules.service import app as service_app

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(service_app, "evaluate", broken)
    app = service_app.create_app()
    service = service_app.Service(service_app.ServiceConfig(rules=str(rules_dir())))
    app.state.service = service

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/v1/rulesets/tuquan/evaluate", content=_facts())

    try:
        response = asyncio.run(asyncio.wait_for(call(), 30))
    finally:
        service.close()
    problem = _problem(response, 500)
    assert problem["decision_id"] in problem["detail"]
    assert "ZeroDivisionError" not in response.text
    assert any(problem["decision_id"] in r.getMessage() and r.exc_info for r in caplog.records)


# --- hot reload ------------------------------------------------------------------------------------


def _wait_for(check: Any, what: str, seconds: float = 15.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_a_good_edit_is_served_and_a_broken_one_keeps_the_last_good_version(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    source = rules / "tuquan.yaml"
    shutil.copy(rules_dir() / "tuquan.yaml", source)
    with serve(tmp_path, "--rules", str(rules), "--reload-interval", "0.1") as running, running.client() as client:
        first = client.get("/healthz").json()["rulesets"]["tuquan"]
        text = source.read_text(encoding="utf-8")
        version_line = f'version: "{ec.load_ruleset("tuquan").version}"'
        assert version_line in text
        source.write_text(text.replace(version_line, 'version: "2099.9"', 1), encoding="utf-8")
        _wait_for(lambda: client.get("/healthz").json()["rulesets"]["tuquan"] != first, "the edit served")
        assert _evaluate(client, _facts()).json()["ruleset"]["version"] == "2099.9"
        good = client.get("/healthz").json()["rulesets"]["tuquan"]

        source.write_text(text.replace(version_line, 'version: [2099.9', 1), encoding="utf-8")
        health = _wait_for(lambda: (h := client.get("/healthz").json()).get("errors") and h, "the error shown")
        assert health["status"] == "degraded" and health["rulesets"]["tuquan"] == good
        assert health["errors"]["tuquan"][0]["path"].startswith(str(source))
        report = _evaluate(client, _facts()).json()
        assert report["ruleset"]["digest"] == good and report["ruleset"]["version"] == "2099.9"


def test_a_ruleset_whose_file_never_loaded_is_a_503_not_a_404(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "tuquan.yaml").write_text("ruleset: tuquan\nnot: [valid\n", encoding="utf-8")
    with serve(tmp_path, "--rules", str(rules)) as running, running.client() as client:
        assert "tuquan" in client.get("/healthz").json()["errors"]
        assert _problem(_evaluate(client, _facts()), 503)["problems"]


# --- the decision log ------------------------------------------------------------------------------


def _log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_decision_log_has_one_line_per_decision_and_no_facts(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    with serve(tmp_path, "--decision-log", str(log)) as running, running.client() as client:
        ids = [_evaluate(client, _facts()).json()["decision_id"] for _ in range(3)]
        _problem(_evaluate(client, b'{"subject": {}}'), 422)  # refused: not a decision
        many = client.post("/v1/rulesets/tuquan/evaluate-many", params={"as_of": AS_OF},
                           json=[json.loads(_facts()), {"subject": {}}]).json()
        ids.append(many[0]["decision_id"])
        ids.append(client.post("/v1/compare", params={"as_of": AS_OF}, content=_facts()).json()["decision_id"])
    lines = _log_lines(log)
    assert [line["decision_id"] for line in lines] == ids
    assert lines[-1]["kind"] == "compare" and [r["id"] for r in lines[-1]["rulesets"]] == ["tuquan"]
    assert "tuquan.art11.item4" in lines[-1]["verdicts"]["tuquan"]
    first = lines[0]
    assert set(first) == {"decision_id", "time", "ruleset", "facts_digest", "as_of", "engine", "verdicts",
                          "undetermined"}
    assert first["ruleset"]["id"] == "tuquan" and first["as_of"] == AS_OF and first["time"].endswith("Z")
    judged = ec.evaluate(ec.load_ruleset("tuquan"), _facts(), as_of=date.fromisoformat(AS_OF))
    assert first["facts_digest"] == judged.facts_digest == lines[-1]["facts_digest"]
    assert "tuquan.art11.item4" in first["verdicts"]
    assert "91152224MA0B000002" not in log.read_text(encoding="utf-8")


def test_the_decision_log_holds_the_facts_only_when_asked(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    with serve(tmp_path, "--decision-log", str(log), "--log-facts") as running, running.client() as client:
        assert _evaluate(client, _facts()).status_code == 200
    assert _log_lines(log)[0]["facts"] == json.loads(_facts())


def test_the_decision_log_rotates_by_size_across_processes(tmp_path: Path) -> None:
    # Two processes append at once; rotation by one must not lose the other's lines.
    script = (
        "import sys\nfrom ecredit_rules.service.decisionlog import DecisionLog\n"
        "log = DecisionLog(sys.argv[1], max_bytes=2000, backups=50)\n"
        "for i in range(200): log.write({'writer': sys.argv[2], 'n': i})\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    path = tmp_path / "d.jsonl"
    writers = [subprocess.Popen([sys.executable, "-c", script, str(path), w], env=env) for w in "ab"]
    for w in writers:
        assert w.wait(timeout=60) == 0
    files = [path, *sorted(tmp_path.glob("d.jsonl.*[0-9]"))]
    assert len(files) > 2 and all(f.stat().st_size <= 2000 for f in files)
    lines = [line for f in files for line in _log_lines(f)]
    assert sorted((line["writer"], line["n"]) for line in lines) == [(w, i) for w in "ab" for i in range(200)]


# --- operations ------------------------------------------------------------------------------------


def test_sigterm_lets_requests_in_flight_finish_and_their_decisions_are_logged(tmp_path: Path) -> None:
    log = tmp_path / "decisions.jsonl"
    subjects = [json.loads(_facts())] * 300  # a few tenths of a second each, on one judging thread
    answers: list[int] = []

    def call(client: httpx.Client) -> None:
        response = client.post("/v1/rulesets/tuquan/evaluate-many", params={"as_of": AS_OF}, json=subjects)
        answers.append(response.status_code)

    with serve(tmp_path, "--decision-log", str(log), "--threads", "1") as running, running.client() as client:
        callers = [threading.Thread(target=call, args=(client,)) for _ in range(3)]
        for t in callers:
            t.start()
        # Once the first request's decisions are logged the other two are in flight: one judged, one queued.
        _wait_for(lambda: log.exists() and log.stat().st_size > 0, "judging started")
        running.proc.send_signal(signal.SIGTERM)
        for t in callers:
            t.join(timeout=60)
        # uvicorn re-raises SIGTERM once shut down, so the exit says "ended by SIGTERM" (success for systemd)
        assert running.proc.wait(timeout=60) in (0, -signal.SIGTERM)
    assert answers == [200, 200, 200]
    assert len(_log_lines(log)) == 900


def test_several_worker_processes_serve(tmp_path: Path) -> None:
    with serve(tmp_path, "--workers", "2") as running, running.client() as client:
        digests = {_evaluate(client, _facts()).json()["ruleset"]["digest"] for _ in range(10)}
    assert digests == {ec.load_ruleset("tuquan").digest}


def test_serve_refuses_a_missing_rules_folder_and_an_empty_token_file(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ecredit_rules.cli import cli

    empty = tmp_path / "token"
    empty.write_text("\n")
    for args, said in ((["--rules", str(tmp_path / "nowhere")], "no such folder"),
                       (["--token-file", str(empty)], "the token file is empty")):
        result = CliRunner().invoke(cli, ["serve", "--port", "1", *args])
        assert result.exit_code == 2 and said in result.output and result.exception is not None
        assert isinstance(result.exception, SystemExit)  # refused before serving, no traceback


# --- fuzzing ---------------------------------------------------------------------------------------


def test_a_schema_driven_fuzz_run_finds_no_server_error(server: Server, tmp_path: Path) -> None:
    st = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("schemathesis is not installed (it comes with the dev extra)")
    done = subprocess.run(
        [st, "run", f"{server.url}/openapi.json", "--checks", "not_a_server_error", "--max-examples", "15",
         "--max-time", "15", "--seed", "15", "--request-timeout", "10", "--workers", "1",
         "--phases", "examples,coverage,fuzzing"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Traceback" not in server.output()
