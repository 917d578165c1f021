"""The columnar engine against the per-subject compiled loop: agreement byte for byte, and speed.

For each ruleset and day, N generated subjects (bench/generate.py, a fresh seed per ruleset) are judged
partition by partition (``--partition`` records) by ``batch.columnar.ColumnarEngine`` (its
``judge_partition_json``) and record by record by the compiled engine (``runner.partition_lines``, as
``ecredit batch --engine compiled`` runs it: the same partitions, the garbage collector paused during
each for both engines), each turned into its JSON Lines line; every line must be the same (the
``engine`` value aside). The two are run interleaved, ``--repeat`` times each, and the best time of
each is kept: the machine is shared, so only their ratio in the same run means anything.

With ``--parquet`` the subjects are first converted to the Parquet layout (``io_parquet``) and both
engines are timed from reading the folder (``io_parquet.read_records``) to the output lines.

Prints subjects/s of each on one core and their ratio; exits 1 on the first difference.
A benchmark and a check, not a test: the rates depend on the machine and on what else runs on it.

    .venv/bin/python bench/bench_columnar.py [--records 20000] [--partition 2000] [--parquet] [--repeat 3]
                                             [--rulesets tuquan,benxi,...] [--days 2024-06-30,...]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import subjects_json
from ecredit_rules.batch import io_parquet
from ecredit_rules.batch.columnar import ColumnarEngine
from ecredit_rules.batch.runner import collector_paused, partition_lines, partitions
from ecredit_rules.ir import CompiledRuleset
from ecredit_rules.loader import load_ruleset

ENGINE = re.compile(r'"engine": ?"(columnar|compiled)"')


def blank(line: str) -> str:
    """The line with its ``engine`` value blanked: the one field the engines may differ in."""
    return ENGINE.sub('"engine":""', line, count=1)


def columnar_lines(rs: CompiledRuleset, records: Any, day: date, size: int) -> list[str]:
    engine = ColumnarEngine()
    lines = []
    for first, part in partitions(records, size=size):
        with collector_paused():  # as runner.partition_lines runs every engine
            lines += [r.decode() if isinstance(r, bytes) else r.to_json()
                      for r in engine.judge_partition_json(rs, first, part, day, "zh")]
    return lines


def compiled_lines(rs: CompiledRuleset, records: Any, day: date, size: int) -> list[str]:
    """The compiled engine as ``ecredit batch`` runs it: partition by partition, the collector paused."""
    # Split on the newline alone: str.splitlines would also split at U+2028, which JSON leaves as is.
    return [line.decode() for first, part in partitions(records, size=size)
            for line in partition_lines(rs, first, part, day, "compiled")[0].split(b"\n")[:-1]]


def best(repeat: int, runs: dict[str, Callable[[], list[str]]]) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Each run's best time over ``repeat`` rounds, the runs interleaved within a round, and its last output."""
    times = {name: float("inf") for name in runs}
    outputs: dict[str, list[str]] = {}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            outputs[name] = run()
            times[name] = min(times[name], time.perf_counter() - start)
    return times, outputs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--partition", type=int, default=2_000, help="records per columnar partition")
    parser.add_argument("--parquet", action="store_true", help="read both from the Parquet layout")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rulesets", default="tuquan,benxi,lingyuan,nanan,xining")
    parser.add_argument("--days", default="2024-06-30,2023-01-15,2025-03-03")
    args = parser.parse_args()
    ratios: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, name in enumerate(args.rulesets.split(",")):
            rs = load_ruleset(name)
            texts = subjects_json(args.records, seed=20241001 + n)
            folder = Path(tmp) / name
            if args.parquet:
                io_parquet.jsonl_to_parquet(iter(texts), folder)

            def source(texts: list[str] = texts, folder: Path = folder) -> Any:
                return io_parquet.read_records(folder) if args.parquet else texts

            for text_day in args.days.split(","):
                day = date.fromisoformat(text_day)
                times, out = best(args.repeat, {
                    "columnar": lambda rs=rs, day=day: columnar_lines(rs, source(), day, args.partition),
                    "compiled": lambda rs=rs, day=day: compiled_lines(rs, source(), day, args.partition),
                })
                pairs = enumerate(zip(out["columnar"], out["compiled"], strict=True))
                differ = next((i for i, (a, b) in pairs if blank(a) != blank(b)), None)
                ratio = times["compiled"] / times["columnar"]
                ratios.append(ratio)
                print(f"{name} {day}{' parquet' if args.parquet else ''}: {len(texts)} subjects, "
                      f"columnar {len(texts) / times['columnar']:,.0f}/s, "
                      f"compiled loop {len(texts) / times['compiled']:,.0f}/s, columnar/compiled {ratio:.2f}x, "
                      f"{'identical' if differ is None else f'DIFFER at record {differ}'}", flush=True)
                if differ is not None:
                    return 1
    print(f"columnar/compiled: min {min(ratios):.2f}x, max {max(ratios):.2f}x over {len(ratios)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
