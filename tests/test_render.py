"""The auditor's document (--format markdown|html) and ecredit show, checked as text."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import ecredit_rules as ec
from ecredit_rules import cli as cli_module
from ecredit_rules.facts import load_facts
from ecredit_rules.render import render_reports, render_ruleset

AS_OF = "2024-06-30"
FACTS: dict[str, Any] = {
    "subject": {"id": "S1", "name": "某网店", "roles": ["goods_operator"], "lists": []},
    "events": [
        {"id": f"P{i}", "type": "penalty", "date": day, "act": "contract_fraud", "authority": "突泉县市场监督管理局",
         "reference": f"突市监处罚〔2024〕{i}号", "sales_amount": "52000.00"}
        for i, day in enumerate(["2023-09-12", "2024-01-15", "2024-05-20"], start=1)
    ],
}


def run(*args: str) -> Result:
    return CliRunner().invoke(cli_module.cli, list(args))


def facts_file(tmp_path: Path, facts: Any = FACTS) -> str:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return str(path)


def document(fmt: str, facts: Any = FACTS) -> str:
    rs = ec.load_ruleset("tuquan")
    checked = load_facts(facts)
    report = ec.evaluate(rs, checked, as_of=date.fromisoformat(AS_OF))
    return render_reports([(report, checked, rs)], fmt)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_document_has_the_header_of_section_8(fmt: str) -> None:
    text = document(fmt)
    rs = ec.load_ruleset("tuquan")
    report = ec.evaluate(rs, FACTS, as_of=date.fromisoformat(AS_OF))
    for part in (rs.title, rs.document.number, rs.version, rs.digest, AS_OF, "durable", report.facts_digest,
                 ec.__version__):
        assert part in text


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_document_quotes_the_clause_words_and_the_evidence_in_full(fmt: str) -> None:
    text = document(fmt)
    report = ec.evaluate("tuquan", FACTS, as_of=date.fromisoformat(AS_OF))
    for verdict in report.verdicts:
        assert verdict.citation.text in text
    for needle in ("2023-09-12", "突泉县市场监督管理局", "突市监处罚〔2024〕2号", "52000.00", "行政处罚"):
        assert needle in text


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_document_shows_interpretation_parameters_and_chain(fmt: str) -> None:
    text = document(fmt)
    assert "解释" in text and "repeat_penalties" in text and "2016-01-01" in text
    assert "失信行为（第十一条第（四）项） → 列入黑名单（第十二条）" in text


def test_html_draws_the_chain_as_inline_svg() -> None:
    assert re.search(r"<svg class=\"chain\"[^>]*>.*?列入黑名单.*?</svg>", document("html"), re.S)


def test_a_script_in_the_subject_name_renders_as_text() -> None:
    facts = json.loads(json.dumps(FACTS))
    facts["subject"]["name"] = "<script>alert(1)</script>"
    text = document("html", facts)
    assert "<script" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_markdown_makes_markup_in_the_facts_inert() -> None:
    facts = json.loads(json.dumps(FACTS))
    facts["subject"]["name"] = "<img src=x>|*x*"
    text = document("markdown", facts)
    assert "<img" not in text and "&lt;img src=x&gt;\\|\\*x\\*" in text


def test_html_is_self_contained_and_accessible() -> None:
    text = document("html")
    assert '<html lang="zh-CN">' in text
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text)
    assert not re.search(r"<(script|link|img|iframe)\b", text) and "@import" not in text
    assert 'scope="col"' in text and 'scope="row"' in text
    assert "@media print" in text and "size: A4" in text


def test_undetermined_rules_list_the_facts_to_collect() -> None:
    facts = {"subject": {"id": "S1", "roles": ["goods_operator"]}}
    text = document("markdown", facts)
    report = ec.evaluate("tuquan", facts, as_of=date.fromisoformat(AS_OF))
    assert report.undetermined
    assert "需补充的事实" in text
    for path in report.undetermined[0].missing:
        assert path.replace("_", "\\_") in text


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_evaluate_writes_the_document_to_a_file(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "--format", fmt, "-o", str(out), facts_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert "第十一条第（四）项" in out.read_text(encoding="utf-8")


def test_evaluate_json_to_a_file_is_the_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run("evaluate", "-r", "tuquan", "--as-of", AS_OF, "-o", str(out), facts_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["facts_digest"].startswith("sha256:")


def test_compare_html_has_every_ruleset_and_the_summary(tmp_path: Path) -> None:
    result = run("compare", "--as-of", AS_OF, "--format", "html", facts_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert "各地认定一览" in result.output
    for rid in ec.available_rulesets():
        assert ec.load_ruleset(rid).title in result.output


def test_compare_markdown_prints_each_report(tmp_path: Path) -> None:
    result = run("compare", "--as-of", AS_OF, "--format", "markdown", facts_file(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.count("### 认定") == len(ec.available_rulesets())


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_show_prints_each_clause_with_its_rules_or_why_not_encoded(fmt: str) -> None:
    rs = ec.load_ruleset("tuquan")
    result = run("show", "tuquan", "--format", fmt)
    assert result.exit_code == 0, result.output
    for rule in rs.model.rules:
        assert rule.id.replace("_", "\\_") in result.output or rule.id in result.output
    for item in rs.not_encoded:
        assert item.reason[:10] in result.output


def test_show_html_uses_the_same_page_style() -> None:
    text = render_ruleset(ec.load_ruleset("benxi"), "html")
    assert '<html lang="zh-CN">' in text and "@media print" in text
