"""Throughput of both engines, end to end from JSON text, measured in one process.

Prints subjects/s for each engine over the same seeded subjects (facts validated, every rule of
the ruleset evaluated, report built) and the ratio compiled/durable, which is what to compare
across machines. ``--memory N`` also evaluates N subjects in a loop and prints the resident set
size at intervals, to show memory stays flat.

    .venv/bin/python bench/bench_engines.py [--ruleset tuquan] [--subjects 3000] [--memory 100000]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ecredit_rules as ec
from bench.generate import AS_OF, subjects_json


def rate(rs: ec.Ruleset, texts: list[str], engine: str, as_of: date) -> float:
    ec.evaluate(rs, texts[0], as_of=as_of, engine=engine)  # build the engine's network outside the clock
    start = time.perf_counter()
    for text in texts:
        ec.evaluate(rs, text, as_of=as_of, engine=engine)
    return len(texts) / (time.perf_counter() - start)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_loop(rs: ec.Ruleset, texts: list[str], engine: str, total: int, as_of: date) -> None:
    step = max(total // 10, 1)
    for n in range(1, total + 1):
        ec.evaluate(rs, texts[n % len(texts)], as_of=as_of, engine=engine)
        if n % step == 0:
            print(f"  {engine}: {n:>7} subjects, max RSS {rss_mib():7.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", default="tuquan")
    parser.add_argument("--subjects", type=int, default=3000)
    parser.add_argument("--memory", type=int, default=0, help="also run N evaluations per engine, printing RSS")
    args = parser.parse_args()
    rs = ec.load_ruleset(args.ruleset)
    texts = subjects_json(args.subjects)
    print(f"ruleset {rs.id}: {len(rs.all_rules())} rules, {len(rs.leaves)} derived values; "
          f"{len(texts)} subjects of 20–40 events, as_of {AS_OF}")
    rates = {engine: rate(rs, texts, engine, AS_OF) for engine in ("durable", "compiled")}
    for engine, value in rates.items():
        print(f"  {engine:9} {value:9.0f} subjects/s")
    print(f"  ratio compiled/durable: {rates['compiled'] / rates['durable']:.1f}")
    if args.memory:
        for engine in ("compiled", "durable"):
            memory_loop(rs, texts, engine, args.memory, AS_OF)


if __name__ == "__main__":
    main()
