"""``ecredit batch --scheduler``: the same job on a real dask.distributed cluster gives the local run's bytes.

The cluster (a ``LocalCluster`` of two worker processes on 127.0.0.1) runs in a child process with a
timeout, so a hang fails these tests instead of the suite.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench.generate import subjects_json

from ecredit_rules.batch.convert import convert

_SCRIPT = """
import json, os, sys
from datetime import date
from pathlib import Path


def arm(key, value):
    os.environ[key] = value


def main():
    from distributed import Client, LocalCluster

    import ecredit_rules as ec
    from ecredit_rules.batch.runner import CRASH_ONCE_ENV
    from ecredit_rules.batch.job import Input, run

    folder = Path(sys.argv[1])
    rs = ec.load_ruleset("tuquan")
    codes = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        def job(source, out):
            return run(rs, Input.open(str(folder / source)), folder / out, as_of=date(2024, 6, 30),
                       engine="compiled", workers=1, scheduler=cluster.scheduler_address, resume=False,
                       dask_partition_records=40)

        codes["jsonl"] = job("in.jsonl", "dask.jsonl")
        codes["parquet"] = job("pq", "dask-parquet.jsonl")
        with Client(cluster.scheduler_address) as client:
            # The first task to start from now on kills its worker; Dask's nanny restarts it and retries.
            client.run(arm, CRASH_ONCE_ENV, str(folder / "crashed"))
        codes["crash"] = job("in.jsonl", "dask-crash.jsonl")
        # More records written than the input holds (as error records: no report to compare the run with).
        (folder / "longer.jsonl").write_bytes(b'{"index": 0, "subject": null, "error": {}}\\n' * 301)
        try:
            run(rs, Input.open(str(folder / "in.jsonl")), folder / "longer.jsonl", as_of=date(2024, 6, 30),
                engine="compiled", workers=1, scheduler=cluster.scheduler_address, resume=True,
                dask_partition_records=40)
            codes["longer"] = "finished"
        except ValueError as err:
            codes["longer"] = str(err)
    print(json.dumps(codes))


if __name__ == "__main__":
    main()
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int | str]]:
    folder = tmp_path_factory.mktemp("dask")
    bad = '{"subject": {"id": "S-bad"}, "events": [{"id": "E1", "type": "penalty", "date": "2024/6/1"}]}'
    lines = subjects_json(300, seed=5)
    lines[123] = bad
    (folder / "in.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    convert(folder / "in.jsonl", folder / "pq")
    local = subprocess.run(
        [sys.executable, "-m", "ecredit_rules", "batch", "-r", "tuquan", "--as-of", "2024-06-30", "--engine",
         "compiled", str(folder / "in.jsonl"), "-o", str(folder / "local.jsonl")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert local.returncode == 1, local.stderr
    (folder / "cluster.py").write_text(_SCRIPT, encoding="utf-8")
    done = subprocess.run([sys.executable, str(folder / "cluster.py"), str(folder)],
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder, json.loads(done.stdout.strip().splitlines()[-1])


def test_a_dask_run_writes_the_local_runs_bytes(runs: tuple[Path, dict[str, int | str]]) -> None:
    folder, codes = runs
    assert codes["jsonl"] == 1
    assert (folder / "dask.jsonl").read_bytes() == (folder / "local.jsonl").read_bytes()


def test_a_dask_run_on_parquet_writes_the_local_runs_bytes(runs: tuple[Path, dict[str, int | str]]) -> None:
    folder, codes = runs
    assert codes["parquet"] == 1
    assert (folder / "dask-parquet.jsonl").read_bytes() == (folder / "local.jsonl").read_bytes()


def test_a_worker_killed_mid_job_loses_and_duplicates_nothing(runs: tuple[Path, dict[str, int | str]]) -> None:
    folder, codes = runs
    assert (folder / "crashed").exists(), "no worker was killed"
    assert codes["crash"] == 1
    assert (folder / "dask-crash.jsonl").read_bytes() == (folder / "local.jsonl").read_bytes()


def test_a_dask_run_leaves_no_part_files(runs: tuple[Path, dict[str, int | str]]) -> None:
    folder, _ = runs
    assert not list(folder.glob("*.parts*"))


def test_a_dask_run_resumed_on_an_output_longer_than_its_input_is_refused(
    runs: tuple[Path, dict[str, int | str]],
) -> None:
    # It used to say "done, 301 of 300 records" and exit 0.
    folder, codes = runs
    assert codes["longer"] == "the input has only 300 records, fewer than the 301 already written"
    assert (folder / "longer.jsonl").read_bytes() == b'{"index": 0, "subject": null, "error": {}}\n' * 301
