"""Every ``ecredit …`` command shown in README.md and docs/*.md runs as written, from the repository root.

A command is a line of a fenced block that starts with ``ecredit `` (or ``$ ecredit ``), or an inline
code span ``ecredit SUBCOMMAND ARGUMENTS…``; a bare ``ecredit test`` in a sentence names the command,
it is not one to run. Each runs in a child process with a timeout, in a copy of the repository root
(so a command that writes a file, like ``ecredit schema --facts -o facts.schema.json``, leaves the
checkout as it was), and must end with its documented status: 0, or the ``N`` of a
``<!-- command exit=N -->`` comment just before its block (a doc showing a finding). A block marked
``<!-- command serves -->`` starts a server that runs until stopped (``ecredit serve``), and one marked
``<!-- command needs a cluster -->`` talks to a Dask scheduler on other machines: their commands are run
with ``--help`` added, which still refuses an option that does not exist.

A block marked ``<!-- file PATH -->`` is a file that a command of the page reads: it is written to
PATH in the copy first. Blocks marked ``<!-- check: run … -->`` belong to the policy guide's
walkthrough, which creates their files step by step: ``tests/test_policy_guide.py`` runs those.

The examples the README points at are facts as CONTRACT §3 defines them (their day of evaluation is
in ``examples/as_of.toml``), so every one of them evaluates through the command line as it stands.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

import ecredit_rules as ec
from ecredit_rules import cli as cli_module
from ecredit_rules.facts import load_facts
from tests.test_policy_guide import STEPS

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "examples"
FENCE = re.compile(r"^\s*```")
MARKER = re.compile(r"^<!-- (?P<marker>.+?) -->$")
EXIT_MARKER = re.compile(r"^command exit=(?P<exit>\d)$")
INLINE = re.compile(r"`(ecredit [^`\s]+ [^`]+)`")  # a subcommand and its arguments; `ecredit test` alone is its name
PROMPT = re.compile(r"^\$ ")
TIMEOUT = 120

# Inline spans that show the shape of a command rather than one to type as it stands, and why.
NOT_RUN = {
    "ecredit diff 旧文件 新文件": "the form of the command: its words say what to write in their place",
    "ecredit evaluate -r <id> FACTS.json": "the form of the command: <id> and FACTS.json stand for what to write",
}
# Blocks whose commands cannot run to the end here: they are checked with --help instead.
HELP_ONLY = {"command serves", "command needs a cluster"}
FILE_MARKER = re.compile(r"^file (?P<path>\S+)$")
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis")


@dataclass(frozen=True)
class Documented:
    doc: str  # README.md:12
    command: str
    exit: int = 0
    walkthrough: bool = False
    serves: bool = False


def documented_commands(path: Path) -> list[Documented]:
    """The commands ``path`` shows, in order, each with the status its documentation expects."""
    found: list[Documented] = []
    in_fence, marker, previous = False, "", ""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        where = f"{path.relative_to(ROOT)}:{number}"
        if FENCE.match(line):
            in_fence = not in_fence
            match = MARKER.match(previous.strip())
            marker = match["marker"] if in_fence and match else ""
        elif in_fence:
            text = PROMPT.sub("", line.strip())
            if text.startswith("ecredit "):
                exit_match = EXIT_MARKER.match(marker)
                found.append(Documented(where, text, int(exit_match["exit"]) if exit_match else 0,
                                        walkthrough=marker.startswith("check: run "),
                                        serves=marker in HELP_ONLY))
        else:
            found += [Documented(where, span) for span in INLINE.findall(line) if span not in NOT_RUN]
        previous = line
    return found


def documented_files(path: Path) -> dict[str, str]:
    """The files ``path`` shows in blocks marked ``<!-- file PATH -->``, by PATH."""
    lines = path.read_text(encoding="utf-8").splitlines()
    files: dict[str, str] = {}
    for i, line in enumerate(lines[:-1]):
        match = MARKER.match(line.strip())
        file_match = FILE_MARKER.match(match["marker"]) if match else None
        if file_match and FENCE.match(lines[i + 1]):
            end = next(j for j in range(i + 2, len(lines)) if FENCE.match(lines[j]))
            files[file_match["path"]] = "\n".join(lines[i + 2:end]) + "\n"
    return files


COMMANDS = [command for doc in DOCS for command in documented_commands(doc)]
RUNNABLE = [c for c in COMMANDS if not c.walkthrough]


def child_env() -> dict[str, str]:
    """The environment of the child: this very package first on the path (an editable checkout or not)."""
    source = str(Path(ec.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))}


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository root (sources, docs, rules, examples), where the commands run."""
    copy = tmp_path_factory.mktemp("repo") / ROOT.name
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    for doc in DOCS:
        for name, text in documented_files(doc).items():
            (copy / name).write_text(text, encoding="utf-8")
    return copy


@pytest.mark.parametrize("documented", RUNNABLE, ids=[f"{c.doc} {c.command}" for c in RUNNABLE])
def test_documented_command_runs_as_written(documented: Documented, repo_copy: Path) -> None:
    args = shlex.split(documented.command, comments=True)[1:] + (["--help"] if documented.serves else [])
    done = subprocess.run(
        [sys.executable, "-m", "ecredit_rules", *args],
        cwd=repo_copy, env=child_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == documented.exit, f"{documented.doc}: {documented.command}\n{done.stderr}"


def test_the_readme_shows_the_commands_of_every_kind() -> None:
    # The parser found the README's block: a change of its layout cannot silently leave nothing to run.
    shown = {shlex.split(c.command)[1] for c in RUNNABLE if c.doc.startswith("README.md")}
    assert shown >= {"rulesets", "evaluate", "compare", "validate", "lint", "test", "diff", "schema"}


def test_every_walkthrough_command_is_run_by_the_policy_guide_test() -> None:
    walkthrough = [c.command for c in COMMANDS if c.walkthrough]
    run_bodies = "\n".join(step.body for step in STEPS if step.kind == "run")
    assert walkthrough
    assert all(f"$ {command}" in run_bodies for command in walkthrough)


# --- the examples ---------------------------------------------------------------------------------


def run_examples_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_examples", EXAMPLES / "run_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


AS_OF = run_examples_module().as_of_days()


@pytest.mark.parametrize("name", sorted(AS_OF))
def test_example_is_valid_facts_as_it_stands(name: str) -> None:
    raw = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    assert "as_of" not in raw
    load_facts(raw)


@pytest.mark.parametrize("name", sorted(n for n in AS_OF if not n.startswith("compare/")))
def test_example_evaluates_through_the_command_line_as_written(name: str) -> None:
    folder = name.split("/")[0]
    args = ["evaluate", "-r", folder, "--as-of", AS_OF[name].isoformat(), "--format", "table", str(EXAMPLES / name)]
    result = CliRunner().invoke(cli_module.cli, args)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("name", sorted(n for n in AS_OF if n.startswith("compare/")))
def test_compare_example_compares_through_the_command_line_as_written(name: str) -> None:
    args = ["compare", "--as-of", AS_OF[name].isoformat(), "--format", "table", str(EXAMPLES / name)]
    result = CliRunner().invoke(cli_module.cli, args)
    assert result.exit_code == 0, result.stderr


def test_every_day_in_the_manifest_belongs_to_an_example() -> None:
    manifest = tomllib.loads((EXAMPLES / "as_of.toml").read_text(encoding="utf-8"))
    assert set(manifest["files"]) <= set(AS_OF)
    assert all(entry["why"] for entry in manifest["files"].values())


def test_make_run_shows_every_example_s_verdicts() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "run_examples.py")],
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    headers = [line for line in done.stdout.splitlines() if line.startswith("### ")]
    assert [h.split()[1].rstrip(":") for h in headers] == sorted(AS_OF, key=lambda n: (n.startswith("compare/"), n))
    assert done.stdout.count("认定（") >= len(AS_OF) - 1
