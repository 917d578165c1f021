"""Where the columnar engine's time goes: a stage breakdown of ``ColumnarEngine.judge_partition``.

Each stage is a function the engine module calls by name (validation, ``Subject``, the events table,
``Derived``, the digest, ``build_report``); the script wraps those names
with timers for the run (and polars' ``LazyFrame.collect``: the group-by and the decision are one
lazy plan), then times ``to_json`` of the reports separately. "the rest" is the engine's
own glue: per-subject leaf values, truth columns, reading rows back out of polars. The compiled loop
over the same records is timed in the same run for scale.

    .venv/bin/python bench/profile_columnar.py [--records 20000] [--partition 2000] [--ruleset tuquan]
                                               [--day 2024-06-30] [--parquet]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl

from bench.generate import subjects_json
from ecredit_rules.batch import columnar, io_parquet
from ecredit_rules.batch.runner import collector_paused, partition_lines, partitions
from ecredit_rules.loader import load_ruleset

STAGES = {
    "facts_data": "validation (facts_data)",
    "Subject": "Subject",
    "events_table": "events table",
    "leaf_values": "per-subject leaf values",
    "Derived": "Derived",
    "digest_of_checked": "digest",
    "build_report": "build_report",
}

spent: dict[str, float] = defaultdict(float)


def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return wrapper


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--partition", type=int, default=2_000)
    parser.add_argument("--ruleset", default="tuquan")
    parser.add_argument("--day", default="2024-06-30")
    parser.add_argument("--parquet", action="store_true", help="read the records from the Parquet layout")
    args = parser.parse_args()
    rs = load_ruleset(args.ruleset)
    day = date.fromisoformat(args.day)
    texts = subjects_json(args.records)
    with tempfile.TemporaryDirectory() as tmp:
        records: list[Any] = texts
        if args.parquet:
            io_parquet.jsonl_to_parquet(iter(texts), Path(tmp))
            start = time.perf_counter()
            records = list(io_parquet.read_records(Path(tmp)))
            spent["read Parquet (io_parquet.read_records)"] = time.perf_counter() - start
    engine = columnar.ColumnarEngine()
    engine.judge_partition(rs, 0, records[:50], day)  # warm the ruleset's artefacts outside the timings
    for name in STAGES:
        setattr(columnar, name, timed(STAGES[name], getattr(columnar, name)))
    # The group-by, the leaf truths and the decision are one lazy plan: its collect is their time.
    pl.LazyFrame.collect = timed("group-by + decision (polars)", pl.LazyFrame.collect)  # type: ignore[method-assign]
    start = time.perf_counter()
    results = []
    for first, part in partitions(records, size=args.partition):
        with collector_paused():  # as runner.judge_partition runs every engine
            results += engine.judge_partition(rs, first, part, day)
    total = time.perf_counter() - start
    start = time.perf_counter()
    for r in results:
        r.to_json()
    spent["to_json"] = time.perf_counter() - start
    del results  # thousands of live reports would slow the loop's garbage collections, not the engine's
    start = time.perf_counter()
    for first, part in partitions(records, size=args.partition):
        partition_lines(rs, first, part, day, "compiled")  # as ``ecredit batch`` runs it
    loop = time.perf_counter() - start
    # Derived is timed inside, and Subject is built inside nothing else: stages do not nest.
    spent["the rest (engine glue)"] = total - sum(v for k, v in spent.items() if not k.startswith(("read", "to_json")))
    whole = total + spent["to_json"]
    print(f"{args.ruleset} {day}, {len(records):,} records{' from Parquet' if args.parquet else ''}, "
          f"partitions of {args.partition:,}: columnar {len(records) / whole:,.0f}/s, "
          f"compiled loop {len(records) / loop:,.0f}/s ({loop / whole:.2f}x)")
    for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        share = f"{100 * seconds / whole:5.1f}%" if not name.startswith("read") else "  (before)"
        print(f"  {name:<40} {seconds:7.3f} s {share}  {1e6 * seconds / len(records):7.1f} µs/record")
    return 0


if __name__ == "__main__":
    sys.exit(main())
