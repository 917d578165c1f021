"""Batch throughput and memory: ``ecredit batch`` against the per-subject loop, side by side in one run.

Writes N generated subjects (bench/generate.py) as JSON Lines, then measures, each ``ecredit batch``
in its own process (wall time, and the peak resident set of the largest process of the run, from
/proc, so Linux only):

- the per-subject loop (``ec.evaluate(...).to_json()`` over the texts, in this process) on a sample;
- JSON Lines → JSON Lines with 1 worker, and with 2 workers;
- Parquet → JSON Lines (after ``ecredit convert``), with 1 worker and with 2;
- with ``--also N2``, JSON Lines → JSON Lines again at N2 records, to compare peak memory (it must
  stay flat as the input grows).

A benchmark, not a test: its numbers depend on the machine and on what else runs on it.

    .venv/bin/python bench/bench_batch.py [--records 100000] [--also 1000000] [--engine compiled]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ecredit_rules as ec
from bench.generate import AS_OF, subjects_json

_WRITE_BLOCK = 10_000


def write_input(path: Path, records: int) -> None:
    """``records`` generated subjects as JSON Lines; beyond 10,000 the first 10,000 repeat with new ids."""
    block = subjects_json(min(records, _WRITE_BLOCK))
    with path.open("w", encoding="utf-8") as out:
        for n in range(records):
            text = block[n % len(block)]
            out.write(text.replace('"id": "S', f'"id": "R{n // len(block)}-S', 1) + "\n")


def loop_rate(rs: ec.Ruleset, texts: list[str], engine: str) -> float:
    ec.evaluate(rs, texts[0], as_of=AS_OF, engine=engine)  # the engine's set-up outside the clock
    start = time.perf_counter()
    for text in texts:
        ec.evaluate(rs, text, as_of=AS_OF, engine=engine).to_json()
    return len(texts) / (time.perf_counter() - start)


def timed(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one command: the largest of its process and its children's.

    Read from /proc while it runs (``VmHWM``, each process's own high-water mark): ``ru_maxrss`` of a
    child would report this process's size when it forked, whatever the child used.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, *(high_water_mib(pid) for pid in (proc.pid, *children(proc.pid))))
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"failed: {' '.join(args)}")
    return elapsed, peak


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def high_water_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def batch(source: Path, out: Path, ruleset: str, engine: str, workers: int) -> tuple[float, float]:
    return timed([sys.executable, "-m", "ecredit_rules", "batch", "-r", ruleset, "--as-of", AS_OF.isoformat(),
                  "--engine", engine, "--workers", str(workers), str(source), "-o", str(out)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", default="tuquan", choices=ec.available_rulesets())
    parser.add_argument("--engine", default="compiled", choices=["compiled", "durable"])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--loop-sample", type=int, default=5_000)
    parser.add_argument("--also", type=int, default=0, help="also run JSON Lines at this many records (memory)")
    args = parser.parse_args()
    rs = ec.load_ruleset(args.ruleset)
    print(f"ruleset {rs.id}, engine {args.engine}, {os.cpu_count()} CPUs, as_of {AS_OF}")
    loop = loop_rate(rs, subjects_json(args.loop_sample), args.engine)
    print(f"  per-subject loop ({args.loop_sample:,} subjects, one process): {loop:8.0f} subjects/s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source = folder / "in.jsonl"
        write_input(source, args.records)
        rows: list[tuple[str, int, float, float]] = []
        for workers in (1, 2):
            seconds, rss = batch(source, folder / "out.jsonl", args.ruleset, args.engine, workers)
            rows.append((f"JSON Lines → JSON Lines, {workers} worker(s)", args.records, seconds, rss))
        seconds, _ = timed([sys.executable, "-m", "ecredit_rules", "convert", str(source), str(folder / "pq")])
        print(f"  convert {args.records:,} records to Parquet: {seconds:.1f} s")
        for workers in (1, 2):
            seconds, rss = batch(folder / "pq", folder / "out.jsonl", args.ruleset, args.engine, workers)
            rows.append((f"Parquet → JSON Lines, {workers} worker(s)", args.records, seconds, rss))
        if args.also:
            write_input(source, args.also)
            seconds, rss = batch(source, folder / "out.jsonl", args.ruleset, args.engine, 1)
            rows.append(("JSON Lines → JSON Lines, 1 worker", args.also, seconds, rss))
    for label, records, seconds, rss in rows:
        rate = records / seconds
        print(f"  {label:40} {records:>9,} records {seconds:8.1f} s {rate:8.0f}/s "
              f"({rate / loop:4.2f}× the loop)  max RSS {rss:7.1f} MiB")
    print(f"  2 workers / 1 worker: JSON Lines {rows[0][2] / rows[1][2]:.2f}×, Parquet {rows[2][2] / rows[3][2]:.2f}×")


if __name__ == "__main__":
    main()
