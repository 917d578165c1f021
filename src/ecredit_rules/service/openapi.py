"""The OpenAPI 3.1 document of the service and the ``/docs`` page made from it.

The schemas are generated from the library's own models (facts from :func:`facts_schema`, the
report and the comparison from their pydantic models), and each endpoint's worked example is
computed by the library from one example subject under the bundled 突泉 rules, so the document
cannot drift from what the service answers.

``/docs`` is one self-contained HTML page (no script, no stylesheet from elsewhere): Swagger UI
and ReDoc load their JavaScript from a CDN, which this machine cannot reach and which a
government intranet commonly blocks, leaving a blank page. The OpenAPI document itself
(``/openapi.json``) can be opened in any tool the integrator has installed locally.
"""

from __future__ import annotations

import html
import json
from datetime import date
from functools import cache
from typing import Any

from .. import __version__
from ..compare import Comparison, compare
from ..engines import ENGINES
from ..errors import FactsError
from ..evaluate import evaluate
from ..limits import MAX_REQUEST_BYTES, MAX_SUBJECTS_PER_REQUEST
from ..loader import load_ruleset
from ..messages import Msg
from ..report import Report
from ..schema import facts_schema
from .app import ruleset_summary
from .problems import problem_items

EXAMPLE_AS_OF = date(2024, 6, 30)
EXAMPLE_DECISION_ID = "3f0c2a9e-5b7d-4c1e-9a8f-2d6b1e4c7a90"
EXAMPLE_FACTS: dict[str, Any] = {
    "subject": {"id": "91152224MA0B000002", "name": "突泉县某某网络科技有限公司", "roles": ["goods_operator"],
                "legal_form": "enterprise", "licensed": True, "lists": []},
    "events": [
        {"id": "P1", "type": "penalty", "date": "2023-09-12", "act": "contract_fraud",
         "authority": "突泉县市场监督管理局", "reference": "突市监处罚〔2023〕41号"},
        {"id": "P2", "type": "penalty", "date": "2024-01-15", "act": "contract_fraud",
         "authority": "突泉县市场监督管理局", "reference": "突市监处罚〔2024〕1号"},
        {"id": "P3", "type": "penalty", "date": "2024-05-20", "act": "contract_fraud",
         "authority": "突泉县市场监督管理局", "reference": "突市监处罚〔2024〕17号"},
    ],
}
EXAMPLE_BAD_FACTS: dict[str, Any] = {"subject": {"id": "S1"}, "events": [{"id": "P1", "type": "penalty",
                                                                        "date": "2024-13-01"}]}

_PROBLEM: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 问题详情 / problem details; 语言随 Accept-Language（默认中文） / in the Accept-Language",
    "required": ["status", "title", "detail", "problems"],
    "properties": {
        "type": {"type": "string"},
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "problems": {"type": "array", "items": {
            "type": "object", "required": ["path", "message"],
            "properties": {"path": {"type": "string", "description": "字段路径 / field path, e.g. events[0].date"},
                           "message": {"type": "string"}}}},
        "decision_id": {"type": "string", "description": "仅内部错误 / internal errors only"},
    },
}


def _hoist(schema: dict[str, Any], into: dict[str, Any], name: str) -> None:
    """Put a generated JSON Schema and its ``$defs`` under ``components.schemas``, refs rewritten."""
    schema = json.loads(json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/'))
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    for def_name, sub in schema.pop("$defs", {}).items():
        if def_name in into and into[def_name] != sub:
            raise ValueError(f"two different schemas named {def_name}")  # a model renamed: fix the generator
        into[def_name] = sub
    into[name] = schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _with_decision_id(name: str) -> dict[str, Any]:
    return {"allOf": [_ref(name), {"type": "object", "required": ["decision_id"], "properties": {
        "decision_id": {"type": "string", "description": "本次决定的编号，亦见于决定日志 / id of this decision, "
                                                         "also in the decision log"}}}]}


@cache
def worked_examples() -> dict[str, Any]:
    """The example answers, computed by the library for the example subject (``EXAMPLE_FACTS``)."""
    rs = load_ruleset("tuquan")
    bad_facts: list[dict[str, str]] = []  # the example's problems, as the service words them
    try:
        try:
            evaluate(rs, EXAMPLE_BAD_FACTS, as_of=EXAMPLE_AS_OF)
        except FactsError as err:
            bad_facts = problem_items(err.problems, "zh")
        report = json.loads(evaluate(rs, EXAMPLE_FACTS, as_of=EXAMPLE_AS_OF).to_json())
        comparison = json.loads(compare(EXAMPLE_FACTS, as_of=EXAMPLE_AS_OF, rulesets=[rs]).to_json())
        listing = [ruleset_summary(rs)]
    finally:
        rs.close()
    return {
        "report": {**report, "decision_id": EXAMPLE_DECISION_ID},
        "comparison": {**comparison, "decision_id": EXAMPLE_DECISION_ID},
        "rulesets": listing,
        "health": {"status": "ok", "rulesets": {rs.id: rs.digest}},
        "bad_facts": bad_facts,
    }


def _problem_response(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/problem+json": {"schema": _ref("Problem"), "example": example}}}


_ERRORS = {
    "400": _problem_response("请求内容不是 JSON / the body is not JSON", {
        "type": "about:blank", "status": 400, "title": "请求内容不是有效的 JSON",
        "detail": "请求内容须是 UTF-8 编码的 JSON 文本。",
        "problems": [{"path": "(json)", "message": "not valid JSON"}]}),
    "401": _problem_response("需要令牌 / a token is configured and was not given", {
        "type": "about:blank", "status": 401, "title": "未授权",
        "detail": "请在 Authorization 头中给出正确的令牌：Bearer <令牌>。", "problems": []}),
    "404": _problem_response("没有这个规则集 / unknown ruleset", {
        "type": "about:blank", "status": 404, "title": "没有这个规则集",
        "detail": "本服务没有名为 \"xx\" 的规则集（可用：benxi, lingyuan, nanan, tuquan, xining）。", "problems": []}),
    "413": _problem_response(f"请求内容过大（默认上限 {MAX_REQUEST_BYTES} 字节） / body over the limit", {
        "type": "about:blank", "status": 413, "title": "请求内容过大",
        "detail": f"请求内容不得超过 {MAX_REQUEST_BYTES} 字节。", "problems": []}),
    "503": _problem_response("判断超时 / the evaluation exceeded the time bound", {
        "type": "about:blank", "status": 503, "title": "判断超时",
        "detail": "判断未在 10 秒内完成；请稍后重试，或分批提交。", "problems": []}),
}

_AS_OF = {"name": "as_of", "in": "query", "required": False,
          "description": "判断日 YYYY-MM-DD，默认今天 / day of evaluation, default today",
          "schema": {"type": "string", "format": "date"}, "example": EXAMPLE_AS_OF.isoformat()}
_ENGINE = {"name": "engine", "in": "query", "required": False,
           "description": "规则引擎 / rule engine", "schema": {"type": "string", "enum": list(ENGINES),
                                                            "default": "durable"}}
_ID = {"name": "id", "in": "path", "required": True, "description": "规则集编号 / ruleset id",
       "schema": {"type": "string"}, "example": "tuquan"}


def _errors(*codes: str) -> dict[str, Any]:
    bad_facts = {"type": "about:blank", "status": 422, "title": Msg("http_bad_facts").render("zh"),
                 "detail": Msg("http_bad_facts_detail", count=1).render("zh"),
                 "problems": worked_examples()["bad_facts"]}
    known = {**_ERRORS, "422": _problem_response("事实或参数有误，逐项给出路径 / bad facts or parameters, each named",
                                                 bad_facts)}
    return {code: known[code] for code in codes}


def _json_body(schema: dict[str, Any], example: Any, description: str) -> dict[str, Any]:
    return {"required": True, "description": description,
            "content": {"application/json": {"schema": schema, "example": example}}}


def _ok(description: str, schema: dict[str, Any], example: Any) -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema,
                                                                                   "example": example}}}}


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document served at ``/openapi.json``."""
    schemas: dict[str, Any] = {"Problem": _PROBLEM}
    _hoist(facts_schema(), schemas, "Facts")
    _hoist(Report.model_json_schema(), schemas, "Report")
    _hoist(Comparison.model_json_schema(), schemas, "Comparison")
    ex = worked_examples()
    item_error = {"type": "object", "required": ["index", "subject", "error"], "properties": {
        "index": {"type": "integer"}, "subject": {"type": ["string", "null"]},
        "error": {"type": "object", "properties": {"problems": _PROBLEM["properties"]["problems"]}}}}
    # The token is optional: required only when the server was given one.
    secured: list[dict[str, list[str]]] = [{"bearer": []}, {}]
    paths: dict[str, Any] = {
        "/v1/rulesets": {"get": {
            "summary": "列出规则集 / list the rulesets served", "security": secured,
            "responses": {**_ok("规则集 / rulesets", {"type": "array", "items": {"type": "object"}}, ex["rulesets"]),
                          **_errors("401")}}},
        "/v1/rulesets/{id}/evaluate": {"post": {
            "summary": "判断一个主体 / judge one subject",
            "description": "请求体为一个主体的事实（见 /v1/schema/facts）；返回报告（CONTRACT §5）及 decision_id。"
                           " / The body is one subject's facts; the answer is the report plus decision_id.",
            "security": secured, "parameters": [_ID, _AS_OF, _ENGINE],
            "requestBody": _json_body(_ref("Facts"), EXAMPLE_FACTS, "一个主体的事实 / one subject's facts"),
            "responses": {**_ok("报告 / the report", _with_decision_id("Report"), ex["report"]),
                          **_errors("400", "401", "404", "413", "422", "503")}}},
        "/v1/rulesets/{id}/evaluate-many": {"post": {
            "summary": f"判断多个主体（至多 {MAX_SUBJECTS_PER_REQUEST} 个） / judge up to "
                       f"{MAX_SUBJECTS_PER_REQUEST} subjects",
            "description": "按输入顺序返回每个主体的报告，或该项的错误记录 {index, subject, error: {problems}}。"
                           " / One report or error record per subject, in input order.",
            "security": secured, "parameters": [_ID, _AS_OF, _ENGINE],
            "requestBody": _json_body({"type": "array", "maxItems": MAX_SUBJECTS_PER_REQUEST, "items": _ref("Facts")},
                                      [EXAMPLE_FACTS, EXAMPLE_BAD_FACTS], "事实列表 / a list of facts"),
            "responses": {**_ok("报告与错误记录 / reports and error records",
                                {"type": "array", "items": {"anyOf": [_with_decision_id("Report"), item_error]}},
                                [ex["report"], {"index": 1, "subject": "S1", "error": {
                                    "problems": ex["bad_facts"]}}]),
                          **_errors("400", "401", "404", "413", "422", "503")}}},
        "/v1/compare": {"post": {
            "summary": "各地规则对比 / one subject under every ruleset served, side by side",
            "security": secured, "parameters": [_AS_OF, _ENGINE],
            "requestBody": _json_body(_ref("Facts"), EXAMPLE_FACTS, "一个主体的事实 / one subject's facts"),
            "responses": {**_ok("对比 / the comparison", _with_decision_id("Comparison"), ex["comparison"]),
                          **_errors("400", "401", "413", "422", "503")}}},
        "/v1/schema/facts": {"get": {
            "summary": "事实的 JSON Schema / the JSON Schema of facts",
            "responses": {"200": {"description": "JSON Schema (draft 2020-12)", "content": {
                "application/schema+json": {"schema": {"type": "object"}}}}}}},
        "/healthz": {"get": {
            "summary": "健康检查 / health",
            "description": "各规则集正在使用的版本摘要；规则文件改坏时列出错误（仍使用上一个好版本）。"
                           " / The digest served per ruleset; a broken edit's problems under errors.",
            "responses": _ok("状态 / status", {"type": "object"}, ex["health"])}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ecredit-rules 电子商务信用评价服务 / e-commerce credit rules service",
            "version": __version__,
            "description": "地方电子商务信用评价规定的判断服务：每项认定都引用条款原文。错误为 RFC 9457 "
                           "application/problem+json，语言随 Accept-Language（默认中文，可选 en）。 / "
                           "Judges e-commerce subjects under local regulations; every verdict cites its clause.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def docs_page() -> str:
    """``/docs``: every endpoint with its parameters, a curl call and the example answer, in plain HTML."""
    doc = openapi_document()
    parts = [
        "<!doctype html><html lang='zh'><head><meta charset='utf-8'>",
        f"<title>{html.escape(doc['info']['title'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.5}"
        "pre{background:#f4f4f4;padding:.8em;overflow:auto;max-height:30em}code{background:#f4f4f4}"
        "h2{border-top:1px solid #ccc;padding-top:1em}</style></head><body>",
        f"<h1>{html.escape(doc['info']['title'])}</h1><p>{html.escape(doc['info']['description'])}</p>",
        "<p>机器可读的接口说明 / machine-readable: <a href='/openapi.json'>/openapi.json</a> · "
        "事实的 JSON Schema: <a href='/v1/schema/facts'>/v1/schema/facts</a></p>",
    ]
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            title = f"{method.upper()} {path}"
            parts.append(f"<h2 id='{html.escape(method + path)}'><code>{html.escape(title)}</code></h2>")
            parts.append(f"<p><b>{html.escape(op['summary'])}</b></p>")
            if "description" in op:
                parts.append(f"<p>{html.escape(op['description'])}</p>")
            params = op.get("parameters", [])
            if params:
                parts.append("<ul>" + "".join(
                    f"<li><code>{html.escape(p['name'])}</code> ({p['in']}): {html.escape(p['description'])}</li>"
                    for p in params) + "</ul>")
            parts.append(f"<pre>{html.escape(_curl(method, path, op))}</pre>")
            ok = op["responses"]["200"]["content"]
            example = next(iter(ok.values())).get("example")
            if example is not None:
                parts.append("<p>200 示例 / example:</p><pre>"
                             + html.escape(json.dumps(example, ensure_ascii=False, indent=2)) + "</pre>")
            errors = [f"{code}: {r['description']}" for code, r in op["responses"].items() if code != "200"]
            if errors:
                parts.append("<ul>" + "".join(f"<li>{html.escape(e)}</li>" for e in errors) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _curl(method: str, path: str, op: dict[str, Any]) -> str:
    url = "http://127.0.0.1:8000" + path.replace("{id}", "tuquan")
    if any(p["name"] == "as_of" for p in op.get("parameters", [])):
        url += f"?as_of={EXAMPLE_AS_OF.isoformat()}"
    if method == "get":
        return f"curl -s '{url}'"
    body = op["requestBody"]["content"]["application/json"]["example"]
    return (f"curl -s -X POST '{url}' -H 'Content-Type: application/json' -H 'Accept-Language: zh' \\\n"
            f"     --data-binary '{json.dumps(body, ensure_ascii=False)}'")
