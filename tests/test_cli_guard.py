"""The command line never prints a traceback: an unforeseen error becomes one plain line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ecredit_rules import cli as cli_module

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "tuquan" / "repeat_offender.json")
EVALUATE = ["evaluate", "-r", "tuquan", "--as-of", "2024-06-30", EXAMPLE]


def raising(exc: BaseException) -> Callable[..., None]:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise exc

    return fail


def run(*args: str) -> Result:
    return CliRunner().invoke(cli_module.cli, list(args))


@pytest.mark.parametrize(
    "exc", [RuntimeError("boom"), RecursionError("maximum recursion depth exceeded"), MemoryError(), KeyError("x")]
)
def test_unexpected_error_is_one_plain_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, exc: Exception) -> None:
    monkeypatch.setattr(cli_module, "evaluate_subject", raising(exc))
    result = run(*EVALUATE)
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"ecredit evaluate：评价主体时程序内部出错（{type(exc).__name__}")
    assert result.stdout == ""


def test_unexpected_error_speaks_english_with_lang_en(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "evaluate_subject", raising(RuntimeError("two\nlines")))
    result = run(*EVALUATE, "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "ecredit evaluate: internal error while evaluating the subjects (RuntimeError: two lines); nothing was "
        "completed. This is a fault of this program: please send this command and its files to the maintainers"
    ]


def test_unexpected_error_in_a_command_without_lang_is_said_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    import ecredit_rules.schema as schema_module

    monkeypatch.setattr(schema_module, "schema_text", raising(ValueError("bad")))
    result = run("schema")
    assert result.exit_code == 2
    assert result.stderr == (
        "ecredit schema：生成 JSON Schema时程序内部出错（ValueError: bad），没有完成；"
        "这是本程序的问题，请把这条命令和所用的文件交给维护人员\n"
    )


def test_broken_pipe_still_ends_quietly_as_click_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_module, "evaluate_subject", raising(BrokenPipeError()))
    result = run(*EVALUATE)
    assert result.exit_code == 1  # click's own handling of EPIPE
    assert "内部出错" not in result.stderr


def test_installed_command_prints_no_traceback_when_forced_to_fail() -> None:
    # In a real process (no CliRunner in between): the error crosses click's main as it would in production.
    code = (
        "import sys\n"
        "from ecredit_rules import cli\n"
        "def deep(*a, **k):\n"
        "    return deep()\n"
        "cli.evaluate_subject = deep\n"
        f"sys.argv = ['ecredit', *{EVALUATE!r}]\n"
        "cli.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert "RecursionError" in line
