"""Fuzzing the CLI: random argument combinations over hostile files never end in a traceback.

Every run exits 0, 1 or 2 (CONTRACT §6) and prints no "Traceback". Most combinations run the
click entry point in a forked child (fast, and a hang fails the test); a fixed handful of the
most hostile ones run the real ``python -m ecredit_rules`` in subprocesses.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecredit_rules import cli
from ecredit_rules.bundled import rules_dir

from .fuzzing import fuzz_settings, note, run_bounded

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "tuquan" / "repeat_offender.json"


def _alias_bomb() -> bytes:
    """Nine aliases of nine aliases, eight times over: a few hundred bytes that expand to 9**8 items."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefg", "bcdefgh", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    return ("\n".join(lines) + "\nruleset: *h\n").encode()


def _hostile_files(folder: Path) -> dict[str, Path]:
    """Facts and rule files a careless or hostile user might pass, by a short name."""
    tuquan = (rules_dir() / "tuquan.yaml").read_text(encoding="utf-8")
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    contents: dict[str, bytes] = {
        "empty.json": b"",
        "binary.json": bytes(range(256)) * 4,
        "bad_utf8.yaml": b"ruleset: tuquan\n\xff\xfe\x00title: x\n",
        "facts.json": EXAMPLE.read_bytes(),
        "facts_list.json": json.dumps([example, example, 5, None], ensure_ascii=False).encode(),
        "huge_amount.json": b'{"subject": {"id": "S"}, "events": [{"id": "P", "type": "penalty", '
                            b'"date": "9999-12-31", "sales_amount": "1e999999999"}]}',
        "deep.json": b"[" * 50_000 + b"]" * 50_000,
        "null.yaml": b"null\n",
        "empty.yaml": b"",
        "list.yaml": b"- 1\n- 2\n",
        "deep.yaml": b"a: " + b"[" * 5_000 + b"]" * 5_000 + b"\n",
        "full_width.yaml": tuquan.replace("version:", "version：", 1).encode(),
        "alias_bomb.yaml": _alias_bomb(),
    }
    out = {}
    for name, data in contents.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    tuquan_dir = folder / "copy"
    tuquan_dir.mkdir()
    (tuquan_dir / "tuquan.yaml").write_text(tuquan.replace("within_months: 12", "within_months: 1000000"),
                                            encoding="utf-8")
    out["tuquan_copy.yaml"] = tuquan_dir / "tuquan.yaml"
    out["folder"] = folder / "copy"
    out["missing.json"] = folder / "missing.json"
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return _hostile_files(tmp_path_factory.mktemp("hostile"))


def _argv(files: dict[str, Path]) -> st.SearchStrategy[list[str]]:
    paths = st.sampled_from(sorted(str(p) for p in files.values()))
    rulesets = st.one_of(st.sampled_from(["tuquan", "benxi", "tuquna", "", "../etc/passwd", "-"]), paths)
    days = st.sampled_from(["2024-06-30", "9999-12-31", "0001-01-01", "2024-02-30", "yesterday", "1899-12-31"])
    options = st.one_of(
        st.tuples(st.just("-r"), rulesets),
        st.tuples(st.just("--as-of"), days),
        st.tuples(st.just("--engine"), st.sampled_from(["durable", "compiled", "rete"])),
        st.tuples(st.just("--format"), st.sampled_from(["json", "table", "markdown", "html", "text", "xml"])),
        st.tuples(st.just("--lang"), st.sampled_from(["zh", "en", "fr"])),
        st.tuples(st.just("--facts"), paths),
        st.tuples(st.sampled_from(["--help", "--bogus", "-x", "--"])),
    )
    command = st.sampled_from(["evaluate", "compare", "validate", "lint", "diff", "test", "show", "schema",
                               "rulesets", "nonsense"])
    return st.builds(
        lambda cmd, opts, args: [cmd, *[part for opt in opts for part in opt], *args],
        command,
        st.lists(options, max_size=3),
        st.lists(st.one_of(paths, st.sampled_from(["-", "tuquan", ""])), min_size=1, max_size=2),
    )


def _run_in_process(argv: list[str]) -> tuple[int | str | None, str]:
    """Run the console script's entry point as the shell would: its exit status and its stderr."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"{]"), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main(argv)
        code: int | str | None = 0
    except SystemExit as exit_:
        code = exit_.code
    finally:
        sys.stdin = stdin
    err.flush()
    return code, err.buffer.getvalue().decode("utf-8", "replace")  # type: ignore[attr-defined]


def test_random_cli_arguments_over_hostile_files_exit_0_1_or_2_without_a_traceback(
    hostile: dict[str, Path],
) -> None:
    @fuzz_settings(max_examples=60)
    @given(argv=_argv(hostile))
    def prop(argv: list[str]) -> None:
        note(argv)
        code, stderr = _run_in_process(argv)  # any other exception escapes: the shell would show a traceback
        assert code in (0, 1, 2, None), (argv, code, stderr)
        assert "Traceback" not in stderr, (argv, stderr)

    run_bounded(prop, timeout=120)


# The real entry point, in subprocesses: a few of the most hostile combinations ("@name": a hostile file).
HOSTILE_RUNS = [
    ["evaluate", "-r", "tuquan", "@huge_amount.json"],
    ["evaluate", "-r", "@null.yaml", "@facts.json"],
    ["evaluate", "-r", "tuquan", "--as-of", "9999-12-31", "@facts_list.json"],
    ["validate", "@binary.json", "@folder", "@alias_bomb.yaml", "@deep.yaml"],
    ["lint", "@null.yaml", "@full_width.yaml", "@bad_utf8.yaml"],
    ["diff", "@empty.yaml", "@tuquan_copy.yaml", "--facts", "@folder"],
    ["compare", "--format", "table", "@deep.json"],
    ["test", "@binary.json", "@missing.json"],
]


def test_the_console_script_never_prints_a_traceback_on_hostile_files(hostile: dict[str, Path]) -> None:
    def run(args: list[str]) -> tuple[list[str], subprocess.CompletedProcess[str]]:
        argv = [str(hostile[arg[1:]]) if arg.startswith("@") else arg for arg in args]
        done = subprocess.run([sys.executable, "-m", "ecredit_rules", *argv], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=60, check=False, cwd=ROOT)
        return argv, done

    with ThreadPoolExecutor(max_workers=4) as pool:
        for argv, done in pool.map(run, HOSTILE_RUNS):
            assert done.returncode in (0, 1, 2), (argv, done.returncode, done.stderr[-2000:])
            assert "Traceback" not in done.stderr, (argv, done.stderr[-2000:])
