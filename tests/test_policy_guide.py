"""Every step of ``docs/policy-guide.md`` works as the guide shows, in a copy of the rules folder.

The guide marks what a reader does with HTML comments (invisible when rendered) placed just before a
fenced block:

- ``<!-- check: file PATH -->``: the reader creates PATH with the block's content;
- ``<!-- check: edit PATH before -->`` then ``<!-- check: edit PATH after -->``: the reader changes the
  first block's text in PATH into the second's;
- ``<!-- check: mistake PATH: LINE -->``: an illustrated slip; the file line reading LINE (stripped) is
  replaced by the block, and put back after the next ``run``;
- ``<!-- check: run NAME exit=N -->``: a console session. Each ``$ command`` is run (``ecredit …``
  through click's CliRunner, ``cp`` as a copy) in the copy; the lines shown after it must appear in
  its output in that order (``…`` stands for any text, or alone on a line for lines left out), and
  the command must end with status N.

Each ``run`` is its own test: the actions before it are replayed (without checking earlier output),
then its output is checked. The remaining tests check the promises the guide makes in prose.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import ecredit_rules as ec
from ecredit_rules.bundled import rules_dir
from ecredit_rules.cli import cli

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "policy-guide.md"
CHECKED_BLOCK = re.compile(r"^<!-- check: (?P<marker>.+?) -->\n\s*```\w*\n(?P<body>.*?)^```", re.MULTILINE | re.DOTALL)
RUN = re.compile(r"^run (?P<name>[\w-]+) exit=(?P<exit>\d)$")
FILE = re.compile(r"^file (?P<path>\S+)$")
EDIT = re.compile(r"^edit (?P<path>\S+) (?P<side>before|after)$")
MISTAKE = re.compile(r"^mistake (?P<path>[^:\s]+): (?P<line>.+)$")
TUQUAN = "rules/tuquan.yaml"


@dataclass(frozen=True)
class Step:
    kind: str  # run | file | edit | mistake
    body: str
    name: str = ""
    path: str = ""
    side: str = ""
    line: str = ""
    exit: int = 0


def parse_guide(text: str) -> tuple[list[Step], list[str]]:
    """The guide's checked steps in order, and any marker this test does not understand."""
    steps: list[Step] = []
    unknown: list[str] = []
    for match in CHECKED_BLOCK.finditer(text):
        marker, body = match["marker"], match["body"]
        if m := RUN.match(marker):
            steps.append(Step("run", body, name=m["name"], exit=int(m["exit"])))
        elif m := FILE.match(marker):
            steps.append(Step("file", body, path=m["path"]))
        elif m := EDIT.match(marker):
            steps.append(Step("edit", body, path=m["path"], side=m["side"]))
        elif m := MISTAKE.match(marker):
            steps.append(Step("mistake", body, path=m["path"], line=m["line"].strip()))
        else:
            unknown.append(marker)
    return steps, unknown


STEPS, UNKNOWN_MARKERS = parse_guide(GUIDE.read_text(encoding="utf-8"))
RUNS = [i for i, step in enumerate(STEPS) if step.kind == "run"]


def invoke(command: str) -> Result:
    argv = shlex.split(command)
    assert argv[0] == "ecredit", f"the guide may only run ecredit and cp: {command}"
    return CliRunner().invoke(cli, argv[1:])


def commands(step: Step) -> list[tuple[str, list[str]]]:
    """(command, the output lines shown after it) for each ``$`` line of a console block."""
    out: list[tuple[str, list[str]]] = []
    for line in step.body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], []))
        elif out and line.strip():
            out[-1][1].append(line.rstrip())
    return out


def shown_in_order(shown: list[str], output: str) -> str | None:
    """None if every shown line occurs in ``output`` in order; otherwise the first shown line that does not."""
    actual = [line.rstrip() for line in output.splitlines()]
    at = 0
    for line in shown:
        if line.strip() == "…":
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in line.split("…")) + "$")
        while at < len(actual) and not pattern.match(actual[at]):
            at += 1
        if at == len(actual):
            return line
        at += 1
    return None


class Reader:
    """Does what the guide tells its reader, in a folder holding a copy of ``rules/``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.before: Step | None = None
        self.undo: tuple[Path, str] | None = None

    def do(self, step: Step, *, check: bool) -> None:
        if step.kind == "file":
            target = self.root / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(step.body, encoding="utf-8")
        elif step.kind == "edit" and step.side == "before":
            self.before = step
        elif step.kind == "edit":
            assert self.before is not None and self.before.path == step.path, "an 'after' block needs its 'before'"
            target = self.root / step.path
            text = target.read_text(encoding="utf-8")
            assert text.count(self.before.body) == 1, f"the guide's 'before' text is not (once) in {step.path}"
            target.write_text(text.replace(self.before.body, step.body), encoding="utf-8")
            self.before = None
        elif step.kind == "mistake":
            target = self.root / step.path
            text = target.read_text(encoding="utf-8")
            lines = text.splitlines(keepends=True)
            found = [i for i, line in enumerate(lines) if line.strip() == step.line]
            assert len(found) == 1, f"the mistake's line {step.line!r} is not (once) in {step.path}"
            lines[found[0]] = step.body
            target.write_text("".join(lines), encoding="utf-8")
            self.undo = (target, text)
        else:
            self.run(step, check=check)
            if self.undo is not None:
                self.undo[0].write_text(self.undo[1], encoding="utf-8")
                self.undo = None

    def run(self, step: Step, *, check: bool) -> None:
        for command, shown in commands(step):
            if command.startswith("cp "):
                _, source, target = shlex.split(command)
                shutil.copy(self.root / source, self.root / target)
                continue
            if not check:
                continue  # ecredit commands change no file: nothing to replay
            result = invoke(command)
            assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
            missing = shown_in_order(shown, result.output)
            assert missing is None, (
                f"[{step.name}] the guide shows\n  {missing}\nbut `{command}` printed:\n{result.output}"
            )
            assert result.exit_code == step.exit, f"[{step.name}] `{command}` ended with {result.exit_code}"


@pytest.fixture
def reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Reader:
    shutil.copytree(rules_dir(), tmp_path / "rules")
    monkeypatch.chdir(tmp_path)  # the guide's commands use paths relative to the repository root
    return Reader(tmp_path)


def replay(reader: Reader, upto: int | None = None) -> None:
    for step in STEPS[:upto]:
        reader.do(step, check=False)


# --- the guide, step by step ----------------------------------------------------------------------


@pytest.mark.parametrize("index", RUNS, ids=[STEPS[i].name for i in RUNS])
def test_guide_step_shows_what_the_command_prints(reader: Reader, index: int) -> None:
    replay(reader, index)
    reader.do(STEPS[index], check=True)


def test_guide_markers_are_all_understood() -> None:
    assert UNKNOWN_MARKERS == []
    assert len(RUNS) >= 10


def test_guide_runs_every_command_it_teaches() -> None:
    used = {shlex.split(cmd)[1] for i in RUNS for cmd, _ in commands(STEPS[i]) if cmd.startswith("ecredit ")}
    assert {"validate", "lint", "test", "diff"} <= used


# --- what the guide promises in prose ------------------------------------------------------------


def test_guide_edit_adds_a_dated_value_and_keeps_the_old_one(reader: Reader) -> None:
    replay(reader)
    new = ec.load_ruleset(reader.root / TUQUAN)
    values = [(v.from_, v.value) for v in new.parameters["repeat_penalties"].values]
    assert values == [(date(2016, 1, 1), 3), (date(2025, 7, 1), 2)]  # the 2016 value is still there
    assert new.version == "2026.3"


def test_guide_edit_changes_verdicts_only_from_the_day_it_takes_effect(reader: Reader) -> None:
    replay(reader)
    rs = ec.load_ruleset(reader.root / TUQUAN)
    facts = json.loads((reader.root / "subjects" / "two_penalties.json").read_text(encoding="utf-8"))
    before = ec.evaluate(rs, facts, as_of=date(2025, 6, 30))
    after = ec.evaluate(rs, facts, as_of=date(2025, 12, 31))
    assert "tuquan.art11.item4" not in {v.rule for v in before.verdicts}
    assert "tuquan.art11.item4" in {v.rule for v in after.verdicts}


def test_diff_reports_the_added_value_and_the_verdict_that_appears(reader: Reader) -> None:
    replay(reader)
    result = invoke(
        "ecredit diff tuquan.old.yaml rules/tuquan.yaml --facts subjects --as-of 2025-12-31 --format json"
    )
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)
    [param] = diff["parameters"]
    assert param["name"] == "repeat_penalties"
    assert param["values"] == [{"from": "2025-07-01", "change": "added", "old": None, "new": "2"}]
    appeared = {(v["subject"], v["rule"]) for v in diff["verdicts"] if v["change"] == "appeared"}
    assert ("91152224MA0TEST002", "tuquan.art11.item4") in appeared


def test_lint_refuses_a_file_that_does_not_validate(reader: Reader) -> None:
    replay(reader)
    path = reader.root / TUQUAN
    path.write_text(path.read_text(encoding="utf-8").replace("value: 2}", "valeu: 2}"), encoding="utf-8")
    result = invoke(f"ecredit lint {TUQUAN}")
    assert result.exit_code == 2
    assert '不认识的键 "valeu"，是否为 "value"？' in result.output


@pytest.mark.parametrize(
    ("wrong", "right", "message"),
    [
        ("{from: 2025-07-01, value: 2}", "{from: 2025-06-31, value: 2}", '日期 "2025-06-31" 不存在，请写成 YYYY-MM-DD'),
        (
            "at_least: {param: repeat_penalties}}",
            "at_least: {param: repeat_penalty}}",
            '参数 "repeat_penalty" 未在 parameters 中定义，是否为 "repeat_penalties"？',
        ),
    ],
    ids=["impossible-date", "misspelt-parameter"],
)
def test_other_slips_the_guide_names_give_its_messages(reader: Reader, wrong: str, right: str, message: str) -> None:
    replay(reader)
    path = reader.root / TUQUAN
    text = path.read_text(encoding="utf-8")
    assert wrong in text
    path.write_text(text.replace(wrong, right), encoding="utf-8")
    result = invoke(f"ecredit validate {TUQUAN}")
    assert result.exit_code == 1
    assert message in result.output


def test_misspelt_rule_id_in_a_case_file_is_reported_not_passed(reader: Reader) -> None:
    replay(reader)
    case_file = reader.root / "rules" / "tests" / "tuquan" / "repeat_penalties_2025.yaml"
    text = case_file.read_text(encoding="utf-8")
    case_file.write_text(text.replace("expect_not: [tuquan.art11.item4", "expect_not: [tuquan.art11.itme4"), "utf-8")
    result = invoke(f"ecredit test {case_file.relative_to(reader.root)}")
    assert result.exit_code == 2
    assert '是否为 "tuquan.art11.item4"' in result.output


def test_diff_says_so_when_no_subject_is_affected(reader: Reader) -> None:
    replay(reader)
    quiet = reader.root / "quiet"
    quiet.mkdir()
    facts = json.loads((reader.root / "subjects" / "two_penalties.json").read_text(encoding="utf-8"))
    facts["events"] = facts["events"][:1]  # one penalty: below both the old and the new threshold
    (quiet / "one_penalty.json").write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    result = invoke("ecredit diff tuquan.old.yaml rules/tuquan.yaml --facts quiet --as-of 2025-12-31")
    assert result.exit_code == 0
    assert "1 个主体的认定都没有变化" in result.output
