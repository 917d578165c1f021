"""The auditor's HTML of every bundled example, opened in a real browser (headless Chromium).

Chromium runs as a child process with a timeout (a hung browser fails the test, not the suite),
with its own profile folder and a proxy that leads nowhere, so any attempt to fetch something
would fail to load. Chromium comes from the system packages (Debian's ``chromium``); ``.ci/run``
installs it and poppler-utils (``pdftotext``). Without them these tests fail, saying so: a
browser test that silently skips proves nothing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import ecredit_rules as ec
from ecredit_rules.facts import load_facts
from ecredit_rules.render import render_reports

from .auditor_examples import example_files, read_example

TIMEOUT = 90  # seconds for one browser run; a run takes about three
EXAMPLES = example_files()


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: install Debian's {package} (apt-get install -y {package}); .ci/run does",
                    pytrace=False)
    return found


@dataclass
class Opened:
    html: str
    dom: str
    console: list[str]
    pdf_text: str
    screenshot: Path


def _chromium(browser: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
               "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _open(browser: str, pdftotext: str, folder: Path, examples: list[Path]) -> Opened:
    """One ruleset's examples as one document (as ``ecredit evaluate`` prints a list of subjects),
    opened once: a browser run mostly waits for the browser to start, so one run does DOM, PDF and
    screenshot, and the examples of one city share it."""
    rs = _ruleset(examples[0].parent.name)
    entries = []
    for example in examples:
        facts, as_of = read_example(example)
        checked = load_facts(facts)
        entries.append((ec.evaluate(rs, checked, as_of=as_of), checked, rs))
    html = render_reports(entries, "html")
    folder.mkdir(parents=True)
    page = folder / "report.html"
    page.write_text(html, encoding="utf-8")
    pdf, shot = folder / "report.pdf", folder / "report.png"
    dumped = _chromium(browser, folder / "profile", "--dump-dom", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                       f"--screenshot={shot}", "--window-size=1000,1400", page.as_uri())
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True,
                          timeout=TIMEOUT, check=True).stdout if pdf.exists() else ""
    console = [line for line in dumped.stderr.splitlines() if "CONSOLE" in line]
    return Opened(html, dumped.stdout, console, text, shot)


@pytest.fixture(scope="module")
def opened(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Opened]:
    """Each ruleset's examples opened once, two browsers side by side (more only contend)."""
    browser = _tool("chromium", "chromium")
    pdftotext = _tool("pdftotext", "poppler-utils")
    root = tmp_path_factory.mktemp("browser")
    by_ruleset: dict[str, list[Path]] = {}
    for path in EXAMPLES:
        by_ruleset.setdefault(path.parent.name, []).append(path)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {rid: pool.submit(_open, browser, pdftotext, root / rid, paths) for rid, paths in by_ruleset.items()}
        return {rid: future.result() for rid, future in futures.items()}


@cache
def _ruleset(rid: str) -> ec.Ruleset:
    return ec.load_ruleset(rid)


@cache
def _report(name: str) -> tuple[ec.Report, list[Any]]:
    """The report of example ``name`` and its events, computed as the page was."""
    path = _example(name)
    facts, as_of = read_example(path)
    checked = load_facts(facts)
    return ec.evaluate(_ruleset(path.parent.name), checked, as_of=as_of), list(checked.events or ())


NAMES = [f"{p.parent.name}/{p.name}" for p in EXAMPLES]
RULESETS = sorted({p.parent.name for p in EXAMPLES})


def _plain(text: str) -> str:
    # Markup, entities and line breaks out of the way: what a reader sees, as one string.
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    return re.sub(r"\s+", "", text)


def test_there_are_examples_to_open() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("name", NAMES)
def test_the_page_fetches_nothing(name: str) -> None:
    report, _ = _report(name)
    path = _example(name)
    checked = load_facts(read_example(path)[0])
    html = render_reports([(report, checked, _ruleset(path.parent.name))], "html")
    assert not re.search(r"""(?:src|href|action|poster|data)\s*=\s*["']?(?!#)""", html)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", html)
    assert not re.search(r"url\((?!#)", html) and "@import" not in html and "@font-face" not in html


@pytest.mark.parametrize("rid", RULESETS)
def test_the_browser_logs_no_console_message(opened: dict[str, Opened], rid: str) -> None:
    assert opened[rid].console == []
    assert opened[rid].dom.strip(), "chromium printed no DOM"


@pytest.mark.parametrize("name", NAMES)
def test_clause_words_and_evidence_are_in_the_rendered_page(opened: dict[str, Opened], name: str) -> None:
    dom = _plain(opened[name.partition("/")[0]].dom)
    report, listed = _report(name)
    assert _plain(report.facts_digest) in dom
    for verdict in report.verdicts:
        assert _plain(verdict.citation.text) in dom
        assert verdict.rule in dom
    events = {e.id: e for e in listed}
    for verdict in report.verdicts:
        for evidence in verdict.evidence:
            if evidence in events:
                event = events[evidence]
                assert event.date.isoformat() in dom
                for part in (event.authority, event.reference):
                    if part:
                        assert _plain(part) in dom


@pytest.mark.parametrize("name", NAMES)
def test_the_pdf_print_has_every_verdict(opened: dict[str, Opened], name: str) -> None:
    page = opened[name.partition("/")[0]]
    assert page.pdf_text, "chromium printed no PDF"
    printed = re.sub(r"\s+", "", page.pdf_text)
    report, _ = _report(name)
    assert report.facts_digest in printed
    for verdict in report.verdicts:
        assert verdict.rule in printed, f"{verdict.rule} is not in the printed PDF"
    if report.rating is not None:
        assert report.rating.rule in printed


def _example(name: str) -> Path:
    return next(p for p in EXAMPLES if f"{p.parent.name}/{p.name}" == name)


@pytest.mark.parametrize("rid", RULESETS)
def test_a_screenshot_is_drawn(opened: dict[str, Opened], rid: str) -> None:
    shot = opened[rid].screenshot
    assert shot.exists() and shot.stat().st_size > 20_000  # a blank page compresses to a few kilobytes
