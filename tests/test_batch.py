"""Batch: ec.evaluate_many and ``ecredit batch`` (CONTRACT §2, §6): one result per record, in order."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from datetime import date
from itertools import count, islice
from pathlib import Path
from unittest.mock import patch

import pytest
from bench.generate import subjects_json
from hypothesis import given, settings
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.batch import io_jsonl, runner
from ecredit_rules.batch.parts import Range

AS_OF = date(2024, 6, 30)
BAD_DATE = '{"subject": {"id": "S-bad"}, "events": [{"id": "E1", "type": "penalty", "date": "2024/6/1"}]}'


# An output line as batch writes it for a refused record.
REFUSED = b'{"index": 0, "subject": null, "error": {"problems": []}}\n'

def good(n: int) -> list[str]:
    return subjects_json(n, seed=7)


def mixed() -> list[str]:
    """Good subjects with every kind of bad record among them."""
    texts = good(6)
    return [texts[0], BAD_DATE, texts[1], "{not json", texts[2], "", '["a list"]', texts[3],
            '{"subject": {"id": "S-x", "colour": "red"}}', '{"subject": {"id": "S-d", "id": "S-e"}}', texts[4]]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def batch(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecredit_rules", "batch", *args],
        capture_output=True, text=True, encoding="utf-8", timeout=timeout, check=False,
    )


# --- ec.evaluate_many ---------------------------------------------------------------------------


def test_evaluate_many_gives_each_subjects_report_in_input_order() -> None:
    rs = ec.load_ruleset("tuquan")
    texts = good(30)
    results = list(ec.evaluate_many(rs, texts, as_of=AS_OF, engine="compiled"))
    assert [r.to_json() for r in results] == [ec.evaluate(rs, t, as_of=AS_OF, engine="compiled").to_json()
                                              for t in texts]


def test_evaluate_many_yields_a_record_error_for_a_bad_record_and_goes_on() -> None:
    rs = ec.load_ruleset("tuquan")
    results = list(ec.evaluate_many(rs, [good(1)[0], BAD_DATE, {"subject": {}}], as_of=AS_OF, engine="compiled"))
    assert isinstance(results[0], ec.Report)
    assert isinstance(results[1], ec.RecordError)
    assert (results[1].index, results[1].subject) == (1, "S-bad")
    assert [p.where for p in results[1].problems] == ["events[0].date"]
    assert isinstance(results[2], ec.RecordError)
    assert (results[2].index, results[2].subject, results[2].problems[0].where) == (2, None, "subject.id")


def test_evaluate_many_words_problems_in_chinese_by_default_and_in_english_when_asked() -> None:
    rs = ec.load_ruleset("tuquan")
    [zh] = ec.evaluate_many(rs, [""], as_of=AS_OF, engine="compiled")
    [en] = ec.evaluate_many(rs, [""], as_of=AS_OF, engine="compiled", lang="en")
    assert isinstance(zh, ec.RecordError) and isinstance(en, ec.RecordError)
    assert zh.problems[0].message == "空行，不是事实对象"
    assert en.problems[0].message == "empty line: not a facts object"


def test_evaluate_many_streams_an_endless_input() -> None:
    rs = ec.load_ruleset("tuquan")
    endless = ({"subject": {"id": f"S{n}"}} for n in count())
    first = list(islice(ec.evaluate_many(rs, endless, as_of=AS_OF, engine="compiled"), 3))
    assert [r.subject for r in first] == ["S0", "S1", "S2"]


def test_evaluate_many_refuses_an_unknown_engine_before_any_work() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        next(ec.evaluate_many("tuquan", [], engine="rete"))


_WORKERS_SCRIPT = """
import sys
from datetime import date
sys.path.insert(0, {root!r})
from bench.generate import subjects_json
import ecredit_rules as ec
texts = subjects_json(450, seed=7) + ['{{"subject": {{}}}}']
one = [r.to_json() for r in ec.evaluate_many("tuquan", texts, as_of=date(2024, 6, 30), engine="compiled")]
two = [r.to_json() for r in ec.evaluate_many("tuquan", texts, as_of=date(2024, 6, 30), engine="compiled", workers=2)]
assert one == two and len(one) == 451, "workers changed the results"
print("ok")
"""


def test_evaluate_many_with_two_worker_processes_gives_the_same_results_in_order() -> None:
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", _WORKERS_SCRIPT.format(root=root)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.stdout.strip() == "ok", done.stderr


_EDITED_SCRIPT = """
import dataclasses, shutil, sys, tempfile
from datetime import date
from pathlib import Path
import ecredit_rules as ec
folder = Path(tempfile.mkdtemp())
shutil.copy(ec.load_ruleset("tuquan").path, folder / "tuquan.yaml")
rs = ec.load_ruleset(folder / "tuquan.yaml")
facts = [{{"subject": {{"id": "S1", "licensed": False, "roles": ["goods_operator"]}}, "events": []}}] * 3
alone = [r.to_json() for r in ec.evaluate_many(rs, facts, as_of=date(2024, 6, 30), engine="compiled")]
if {case!r} == "removed":
    (folder / "tuquan.yaml").unlink()
    two = [r.to_json() for r in ec.evaluate_many(rs, facts, as_of=date(2024, 6, 30), engine="compiled", workers=2)]
    print("same" if two == alone else "differ")
else:
    broken = dataclasses.replace(rs, source=b"ruleset: [")
    try:
        list(ec.evaluate_many(broken, facts, as_of=date(2024, 6, 30), engine="compiled", workers=2))
        print("no error")
    except RuntimeError as exc:
        print(exc)
"""


_UNGUARDED_SCRIPT = """
from datetime import date
import ecredit_rules as ec
list(ec.evaluate_many("tuquan", [{"subject": {"id": "S1"}}] * 3, as_of=date(2024, 6, 30), engine="compiled",
                      workers=2))
"""


def test_a_script_starting_workers_without_a_main_guard_fails_instead_of_hanging(tmp_path: Path) -> None:
    # Each spawned worker imports the script again and dies; multiprocessing.Pool started new ones for ever.
    script = tmp_path / "unguarded.py"
    script.write_text(_UNGUARDED_SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert 'if __name__ == "__main__":' in done.stderr.splitlines()[-1]


_DYING_WORKER_SCRIPT = """
import multiprocessing, os, sys, time
from datetime import date
sys.path.insert(0, {root!r})
from bench.generate import subjects_json
import ecredit_rules as ec


class Dies:
    # Unpickled by the worker that receives it, it ends that worker at once: a crash at a known moment
    # (a kill at a random one may fall in the middle of sending a result, where CPython itself hangs).
    def __reduce__(self):
        return (os._exit, (1,))


if __name__ == "__main__":
    items = subjects_json(200, seed=7) * 3 + [Dies()] + subjects_json(200, seed=7) * 3
    try:
        for _ in ec.evaluate_many("tuquan", items, as_of=date(2024, 6, 30), engine="compiled", workers=2):
            pass
        print("finished")
    except RuntimeError as exc:
        print(exc)
    # The executor's own thread may be reaping a worker this very moment: give it a little time.
    deadline = time.monotonic() + 10
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    print("left:", len(multiprocessing.active_children()))
"""


def test_a_worker_that_dies_mid_run_stops_it_saying_so_and_leaves_no_worker() -> None:
    # multiprocessing.Pool replaced the dead worker and waited for its partition for ever.
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", _DYING_WORKER_SCRIPT.format(root=root)],
                          capture_output=True, text=True, timeout=180, check=False)
    said, left = done.stdout.strip().splitlines()[-2:]
    assert said.startswith("a worker process ended abruptly"), done.stdout + done.stderr[-2000:]
    assert left == "left: 0"


def test_workers_judge_by_the_rules_the_run_began_with_though_the_file_is_gone() -> None:
    # They compiled the file again, and a pool whose workers fail to start starts new ones for ever: a hang.
    done = subprocess.run([sys.executable, "-c", _EDITED_SCRIPT.format(case="removed")],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.stdout.strip() == "same", done.stderr[-2000:]


def test_workers_that_cannot_compile_the_rules_stop_the_run_saying_why() -> None:
    done = subprocess.run([sys.executable, "-c", _EDITED_SCRIPT.format(case="broken")],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.stdout.startswith("a worker process could not compile the rules of"), done.stderr[-2000:]


# --- ecredit batch ------------------------------------------------------------------------------


def test_batch_writes_one_line_per_record_and_exits_1_when_some_are_refused(tmp_path: Path) -> None:
    lines = mixed()
    source = write_lines(tmp_path / "in.jsonl", lines)
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--engine", "compiled", str(source),
                 "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 1, done.stderr
    out = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(out) == len(lines)
    records = [json.loads(line) for line in out]
    refused = {r["index"]: r for r in records if "error" in r}
    assert sorted(refused) == [1, 3, 5, 6, 8, 9]
    assert refused[1]["subject"] == "S-bad"
    assert refused[1]["error"]["problems"][0]["path"] == "events[0].date"
    assert refused[3]["subject"] is None
    rs = ec.load_ruleset("tuquan")
    assert out[0] == ec.evaluate(rs, lines[0], as_of=AS_OF, engine="compiled").to_json()


def test_batch_exits_0_when_every_record_is_judged(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", good(5))
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 5


def test_batch_reads_a_last_line_without_newline(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(good(3)), encoding="utf-8")
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 3


def test_batch_exits_2_for_an_input_that_does_not_exist(tmp_path: Path) -> None:
    done = batch("-r", "tuquan", str(tmp_path / "absent.jsonl"), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 2
    assert "absent.jsonl" in done.stderr
    assert "Traceback" not in done.stderr


def test_batch_with_two_workers_writes_the_same_bytes(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", good(500) + mixed())
    for workers in ("1", "2"):
        done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--engine", "compiled", "--workers", workers,
                     str(source), "-o", str(tmp_path / f"out{workers}.jsonl"))
        assert done.returncode == 1, done.stderr
    assert (tmp_path / "out1.jsonl").read_bytes() == (tmp_path / "out2.jsonl").read_bytes()


@pytest.mark.parametrize("how", ["same path", "symbolic link"])
def test_batch_refuses_an_output_that_is_its_input_and_leaves_the_input_whole(tmp_path: Path, how: str) -> None:
    # Opened for writing, the input was emptied before a record was read: "done, 0 of 3 records", exit 0.
    source = write_lines(tmp_path / "in.jsonl", good(3))
    before = source.read_bytes()
    out = source
    if how == "symbolic link":
        out = tmp_path / "link.jsonl"
        out.symlink_to(source)
    for resume in ([], ["--resume"]):
        result = batch("-r", "tuquan", "--as-of", "2024-06-30", *resume, str(source), "-o", str(out))
        assert result.returncode == 2
        assert "is the input itself" in result.stderr
    assert source.read_bytes() == before


def test_batch_prints_progress_and_a_summary_on_stderr(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", good(3))
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert "3 of 3 records, 0 refused" in done.stderr
    assert "as of 2024-06-30" in done.stderr  # the day judged on, whatever the default would have been


# --- interrupted runs and --resume ----------------------------------------------------------------


def _wait_for_output(out: Path, proc: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not (out.exists() and out.stat().st_size > 0):
        assert proc.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline, "no output appeared"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def long_input(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """An input that takes seconds to judge, and its uninterrupted output."""
    folder = tmp_path_factory.mktemp("long")
    source = write_lines(folder / "in.jsonl", good(1500) + mixed())
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", str(source), "-o", str(folder / "whole.jsonl"),
                 timeout=300)
    assert done.returncode == 1, done.stderr
    return source, (folder / "whole.jsonl").read_bytes()


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["int", "term", "kill"])
def test_an_interrupted_run_resumed_writes_the_same_bytes_as_one_run(
    tmp_path: Path, long_input: tuple[Path, bytes], how: signal.Signals
) -> None:
    source, whole = long_input
    out = tmp_path / "out.jsonl"
    # The interrupted run reads the records from stdin, which stays open: it cannot finish before the
    # signal however fast the machine is, and --resume then continues from the file holding the same lines.
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecredit_rules", "batch", "-r", "tuquan", "--as-of", "2024-06-30", "-", "-o", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    lines = source.read_bytes().splitlines(keepends=True)
    proc.stdin.write(b"".join(lines[: len(lines) // 2]))
    proc.stdin.flush()
    _wait_for_output(out, proc)
    proc.send_signal(how)
    with suppress(BrokenPipeError):
        proc.stdin.close()
    stderr = proc.stderr.read() if proc.stderr else b""
    proc.wait(timeout=60)
    written = out.read_bytes()
    assert len(written) < len(whole), "the run finished before the signal"
    if how != signal.SIGKILL:
        assert proc.returncode == 130
        assert not written or written.endswith(b"\n")  # empty when stopped inside the first write
        assert b"--resume" in stderr
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--resume", str(source), "-o", str(out), timeout=300)
    assert done.returncode == 1, done.stderr
    assert out.read_bytes() == whole


def test_resume_drops_a_partial_last_line_and_judges_that_record_again(
    tmp_path: Path, long_input: tuple[Path, bytes]
) -> None:
    source, whole = long_input
    lines = whole.splitlines(keepends=True)
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(lines[:1000]) + lines[1000][:57])  # as a kill in the middle of a write leaves it
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--resume", str(source), "-o", str(out), timeout=300)
    assert done.returncode == 1, done.stderr
    assert out.read_bytes() == whole


def test_resume_with_two_workers_writes_the_same_bytes(
    tmp_path: Path, long_input: tuple[Path, bytes]
) -> None:
    source, whole = long_input
    lines = whole.splitlines(keepends=True)
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(lines[:333]))
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--resume", "--workers", "2", str(source), "-o", str(out),
                 timeout=300)
    assert done.returncode == 1, done.stderr
    assert out.read_bytes() == whole


@pytest.mark.parametrize("workers", ["1", "2"])
def test_resume_of_an_output_longer_than_its_input_is_refused(tmp_path: Path, workers: str) -> None:
    source = write_lines(tmp_path / "in.jsonl", good(2))
    out = tmp_path / "out.jsonl"
    out.write_bytes(REFUSED * 3)
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--resume", "--workers", workers, str(source), "-o", str(out))
    assert done.returncode == 2
    assert "only 2 records, fewer than the 3 already written" in done.stderr
    assert out.read_bytes() == REFUSED * 3


@pytest.mark.parametrize("changed", [("--as-of", "2024-07-01"), ("--engine", "durable")], ids=["day", "engine"])
def test_resume_judging_otherwise_than_the_run_it_continues_is_refused(
    tmp_path: Path, changed: tuple[str, str]
) -> None:
    # A resume the next day without --as-of would have put two days' judgings in one file.
    source = write_lines(tmp_path / "in.jsonl", good(3))
    out = tmp_path / "out.jsonl"
    first = ("-r", "tuquan", "--as-of", "2024-06-30", "--engine", "compiled")
    assert batch(*first, str(source), "-o", str(out)).returncode == 0
    whole = out.read_bytes()
    out.write_bytes(b"".join(whole.splitlines(keepends=True)[:2]))
    flag, value = changed
    args = dict(zip(first[::2], first[1::2], strict=True)) | {flag: value}
    refused = batch(*(x for kv in args.items() for x in kv), "--resume", str(source), "-o", str(out))
    assert refused.returncode == 2
    assert "--as-of 2024-06-30 --engine compiled" in refused.stderr
    assert len(out.read_bytes().splitlines()) == 2
    assert batch(*first, "--resume", str(source), "-o", str(out)).returncode == 0
    assert out.read_bytes() == whole


def test_complete_records_counts_whole_lines_and_error_records(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b'{"ruleset": 1}\n{"index": 1, "subject": null}\n{"rules')
    assert io_jsonl.complete_records(out) == (2, 1, b'{"ruleset": 1}\n')
    assert out.read_bytes().endswith(b"null}\n")


def test_partition_offsets_cover_every_record_after_the_skipped_ones(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"a\nbb\n\nccc\nd")
    parts = list(io_jsonl.partition_offsets(path, skip=1, size=2))
    assert parts == [(1, 2, 2), (3, 6, 2)]
    assert [list(io_jsonl.read_partition(path, offset, n)) for _, offset, n in parts] == [[b"bb", b""], [b"ccc", b"d"]]


def test_a_partition_is_judged_with_the_garbage_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = runner.judge

    def judge(*args: object, **kwargs: object) -> runner.Result:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "judge", judge)
    assert gc.isenabled()
    results = runner.judge_partition(ec.load_ruleset("tuquan"), 0, good(3), AS_OF, "compiled")
    assert [type(r).__name__ for r in results] == ["Report"] * 3
    assert seen == [False] * 3
    assert gc.isenabled()


def test_judging_a_partition_leaves_a_collector_the_caller_turned_off_off() -> None:
    gc.disable()
    try:
        runner.judge_partition(ec.load_ruleset("tuquan"), 0, good(1), AS_OF, "compiled")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_partition_that_fails_still_turns_the_collector_back_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "judge", broken)
    with pytest.raises(RuntimeError):
        runner.judge_partition(ec.load_ruleset("tuquan"), 0, good(1), AS_OF, "compiled")
    assert gc.isenabled()


def test_partition_lines_are_the_judged_results_written_as_json_lines() -> None:
    rs = ec.load_ruleset("tuquan")
    raws = [*mixed(), "", "{not json", '{"subject": {"id": "S-\\ud800"}, "events": []}']
    data, records, refused = runner.partition_lines(rs, 7, raws, AS_OF, "compiled")
    assert (data, records, refused) == runner.lines_of(runner.judge_partition(rs, 7, raws, AS_OF, "compiled"))
    assert records == len(raws) and refused >= 3


def test_partition_lines_are_written_with_the_garbage_collector_paused(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    real = runner.judge_json

    def judge_json(*args: object, **kwargs: object) -> bytes | ec.RecordError:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "judge_json", judge_json)
    _, records, refused = runner.partition_lines(ec.load_ruleset("tuquan"), 0, good(3), AS_OF, "compiled")
    assert (records, refused, seen) == (3, 0, [False] * 3)
    assert gc.isenabled()


def test_a_subject_id_naming_a_lone_surrogate_gets_an_error_record_and_the_run_goes_on(tmp_path: Path) -> None:
    # JSON text may escape a lone surrogate, which UTF-8 cannot hold: the whole output once failed on it.
    lines = ['{"subject": {"id": "S-\\ud800"}, "events": []}', good(1)[0]]
    out = tmp_path / "out.jsonl"
    result = batch("-r", "tuquan", str(write_lines(tmp_path / "in.jsonl", lines)), "--as-of", "2024-06-30",
                   "-o", str(out))
    assert result.returncode == 1, result.stderr
    first, second = (json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())
    assert (first["index"], first["subject"]) == (0, "S-\ud800")
    assert second["subject"] == json.loads(lines[1])["subject"]["id"]


@given(lines=st.lists(st.binary(max_size=6).map(lambda b: b.replace(b"\n", b"")), max_size=12),
       ending=st.sampled_from([b"\n", b"\r\n", b""]), skip=st.integers(0, 14), size=st.integers(1, 5),
       chunk=st.integers(1, 9))
@settings(max_examples=300, deadline=None, derandomize=True, database=None)
def test_partition_offsets_agree_with_the_lines_whatever_the_read_blocks(
    lines: list[bytes], ending: bytes, skip: int, size: int, chunk: int
) -> None:
    content = b"\n".join(lines) + (ending if lines else b"")
    records = content.split(b"\n")
    if content.endswith(b"\n") or not content:
        records.pop()
    starts = [sum(len(r) + 1 for r in records[:i]) for i in range(len(records))]
    expected = [(i, starts[i], min(size, len(records) - i)) for i in range(skip, len(records), size)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        path.write_bytes(content)
        with patch.object(io_jsonl, "_CHUNK", chunk):
            if skip > len(records):
                with pytest.raises(ValueError, match=f"only {len(records)} records"):
                    list(io_jsonl.partition_offsets(path, skip, size))
            else:
                assert list(io_jsonl.partition_offsets(path, skip, size)) == expected


# --- part files: what crosses between a worker and the process writing OUT ----------------------

@pytest.mark.parametrize("as_lines", [True, False], ids=["json-lines", "reports"])
def test_what_a_worker_sends_back_fits_in_one_atomic_pipe_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_lines: bool
) -> None:
    # A worker killed while sending a large result through the pool's pipe left CPython's executor
    # reading the rest for ever; a pipe takes a write of up to PIPE_BUF bytes whole or not at all.
    import pickle
    import select

    rs = ec.load_ruleset("tuquan")
    monkeypatch.setattr(runner, "_worker_ruleset", rs)
    raws = good(200)
    sent = runner._worker_partition(400, raws, AS_OF, "compiled", "zh", as_lines, str(tmp_path))
    assert len(pickle.dumps(sent)) + 200 < select.PIPE_BUF  # 200: the executor's envelope and the pipe's header
    data = runner._result(_done(sent), as_lines)
    if as_lines:
        assert data == runner.partition_lines(rs, 400, raws, AS_OF, "compiled")
    else:
        assert [r.to_json() for r in data] == [r.to_json() for r in runner.judge_partition(rs, 400, raws, AS_OF,
                                                                                            "compiled")]
    assert list(tmp_path.iterdir()) == []  # a part is read once, then removed


def _done(value: object) -> runner.Future[object]:
    future: runner.Future[object] = runner.Future()
    future.set_result(value)
    return future


def test_a_worker_reads_its_own_records_from_a_json_lines_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", good(5))
    (_, offset, size), = io_jsonl.partition_offsets(path, skip=2, size=10)
    task = Range(str(path), False, 2, offset, size)
    assert task.read() == [line.encode() for line in good(5)[2:]]


def test_a_worker_whose_input_was_cut_short_during_the_run_says_so(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "in.jsonl", good(5))
    (_, offset, size), = io_jsonl.partition_offsets(path, skip=2, size=10)
    write_lines(path, good(3))
    with pytest.raises(ValueError, match="records 2–4 expected, the input now ends after 3; was it changed"):
        Range(str(path), False, 2, offset, size).read()


_PARTS_SCRIPT = """
import os, sys
from datetime import date
sys.path.insert(0, {root!r})
from bench.generate import subjects_json
import ecredit_rules as ec

if __name__ == "__main__":
    texts = subjects_json(450, seed=7)
    whole = sum(1 for _ in ec.evaluate_many("tuquan", texts, as_of=date(2024, 6, 30), engine="compiled", workers=2))
    for _ in ec.evaluate_many("tuquan", texts, as_of=date(2024, 6, 30), engine="compiled", workers=2):
        break  # a consumer that stops reading: the run is given up, its workers' parts with it
    print(whole, os.listdir(os.environ["TMPDIR"]))
"""


def test_a_run_with_workers_leaves_no_part_files_whether_finished_or_given_up(tmp_path: Path) -> None:
    root = str(Path(__file__).resolve().parents[1])
    done = subprocess.run([sys.executable, "-c", _PARTS_SCRIPT.format(root=root)], capture_output=True, text=True,
                          timeout=180, check=False, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.stdout.strip() == "450 []", done.stderr[-2000:]


def test_more_workers_than_cpus_is_said_and_the_run_goes_on(tmp_path: Path) -> None:
    cpus = runner.usable_cpus()
    source = write_lines(tmp_path / "in.jsonl", good(3))
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--engine", "compiled", "--workers", str(cpus + 1),
                 str(source), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0, done.stderr
    assert f"--workers {cpus + 1} is more than the {cpus} CPUs this process may use" in done.stderr
    assert len((tmp_path / "out.jsonl").read_bytes().splitlines()) == 3


def test_as_many_workers_as_cpus_says_nothing_of_them(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "in.jsonl", good(3))
    done = batch("-r", "tuquan", "--as-of", "2024-06-30", "--engine", "compiled", "--workers",
                 str(min(runner.usable_cpus(), 2)), str(source), "-o", str(tmp_path / "out.jsonl"))
    assert done.returncode == 0 and "CPUs this process may use" not in done.stderr


def test_a_worker_dying_stops_batch_saying_how_to_resume_and_the_resumed_run_writes_the_same_bytes(
    tmp_path: Path,
) -> None:
    # It ended as an "internal error" of the program, which it is not, without a word of --resume.
    source = write_lines(tmp_path / "in.jsonl", good(450))
    args = ("-r", "tuquan", "--as-of", "2024-06-30", "--engine", "compiled", str(source))
    batch(*args, "-o", str(tmp_path / "whole.jsonl"))
    out = tmp_path / "out.jsonl"
    marker = tmp_path / "crashed"  # the first task to run kills its worker (runner.CRASH_ONCE_ENV)
    dying = subprocess.run([sys.executable, "-m", "ecredit_rules", "batch", *args, "--workers", "2", "-o", str(out)],
                           capture_output=True, text=True, encoding="utf-8", timeout=120, check=False,
                           env={**os.environ, runner.CRASH_ONCE_ENV: str(marker)})
    assert dying.returncode == 2, dying.stderr
    assert "stopped: a worker process ended abruptly" in dying.stderr
    assert "ends on a whole record. Run the same command with --resume" in dying.stderr
    assert marker.exists()
    assert out.read_bytes() == b"" or out.read_bytes().endswith(b"\n")
    resumed = subprocess.run([sys.executable, "-m", "ecredit_rules", "batch", *args, "--workers", "2", "--resume",
                              "-o", str(out)], capture_output=True, text=True, encoding="utf-8", timeout=120,
                             check=False, env={**os.environ, runner.CRASH_ONCE_ENV: str(marker)})
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


def test_reports_a_worker_sends_as_data_are_built_into_the_models_one_process_builds() -> None:
    # Unpickling the models cost the parent more than judging them (two workers ran 1.11x one).
    import pickle

    from ecredit_rules.report import report_of

    rs = ec.load_ruleset("tuquan")
    raws = [*mixed(), *good(20)]
    sent = pickle.loads(pickle.dumps(runner._partition_data(rs, 3, raws, AS_OF, "compiled", "zh")))
    built = [report_of(r) if isinstance(r, dict) else r for r in sent]
    direct = runner.judge_partition(rs, 3, raws, AS_OF, "compiled")
    assert built == direct
    assert [r.model_fields_set for r in built if isinstance(r, ec.Report)] == [
        r.model_fields_set for r in direct if isinstance(r, ec.Report)]
    assert [r.to_json() for r in built] == [r.to_json() for r in direct]
