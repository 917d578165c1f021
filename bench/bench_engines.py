"""Throughput of both engines, end to end from JSON text, measured in one process.

Prints subjects/s for each engine over the same seeded subjects (facts validated, every rule of
the ruleset evaluated, report built) and the ratio compiled/durable, which is what to compare
across machines. Then where a compiled evaluation's time goes, stage by stage, each also as a
multiple of the baseline "parse the JSON text, nothing else" (pydantic-core's parser), so the
figures carry over to another machine. ``--memory N`` also evaluates N subjects in a loop and
prints the resident set size at intervals, to show memory stays flat.

    .venv/bin/python bench/bench_engines.py [--ruleset tuquan] [--subjects 3000] [--memory 100000]
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json

import pydantic_core

import ecredit_rules as ec
from bench.generate import AS_OF, subjects_json
from ecredit_rules.derive import derive
from ecredit_rules.digest import digest_of_checked
from ecredit_rules.engines import get_engine
from ecredit_rules.facts import facts_data
from ecredit_rules.report import build_report


def rate(rs: ec.Ruleset, texts: list[str], engine: str, as_of: date) -> float:
    ec.evaluate(rs, texts[0], as_of=as_of, engine=engine)  # build the engine's network outside the clock
    start = time.perf_counter()
    for text in texts:
        ec.evaluate(rs, text, as_of=as_of, engine=engine)
    return len(texts) / (time.perf_counter() - start)


def per_subject_us(step: Callable[[Any], object], inputs: Sequence[Any], repeats: int = 3) -> float:
    """Best of ``repeats`` passes, in µs per subject (the best pass is the one least disturbed)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for item in inputs:
            step(item)
        best = min(best, time.perf_counter() - start)
    return best / len(inputs) * 1e6


def stages(rs: ec.Ruleset, texts: list[str], as_of: date) -> None:
    """Time each stage of a compiled evaluation on its own, fed the previous stage's results."""
    engine = get_engine("compiled")
    checked = [facts_data(text) for text in texts]
    derived = [derive(rs, facts, as_of) for facts in checked]
    decided = [(d, engine.decide(rs, d)) for d in derived]
    reports = [build_report(rs, "S", *pair, "compiled", as_of, "sha256:0") for pair in decided]
    # The stages' inputs for every subject are held at once here, which a real loop never does;
    # frozen, the collector does not walk them again and again on the clock.
    gc.freeze()
    try:
        timings = {
            "parse JSON only (baseline)": per_subject_us(pydantic_core.from_json, texts),
            "json.loads (target unit)": per_subject_us(json.loads, texts),
            "facts validated": per_subject_us(facts_data, texts),
            "facts digest": per_subject_us(digest_of_checked, checked),
            "derived": per_subject_us(lambda facts: derive(rs, facts, as_of), checked),
            "decided (compiled)": per_subject_us(lambda d: engine.decide(rs, d), derived),
            "report built": per_subject_us(lambda pair: build_report(rs, "S", *pair, "compiled", as_of, "sha256:0"),
                                           decided),
            "report to_json": per_subject_us(lambda r: r.to_json(), reports),
            "evaluate + to_json": per_subject_us(
                lambda text: ec.evaluate(rs, text, as_of=as_of, engine="compiled").to_json(), texts),
        }
    finally:
        gc.unfreeze()
    baseline = timings["parse JSON only (baseline)"]
    print("  where a compiled evaluation's time goes (µs per subject, × the JSON parse):")
    for name, us in timings.items():
        print(f"    {name:28} {us:7.1f} µs  {us / baseline:5.1f}×")
    whole, loads = timings["evaluate + to_json"], timings["json.loads (target unit)"]
    print(f"  compiled evaluate + to_json = {whole / loads:.1f}× json.loads of the same subject (target ≤ 4×)")


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
    parser.add_argument("--ruleset", default="tuquan", choices=ec.available_rulesets())
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
    # Last: it holds every subject's intermediate results at once, which would set the RSS high-water mark.
    stages(rs, texts, AS_OF)


if __name__ == "__main__":
    main()
