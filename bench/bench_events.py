"""Evaluation time per event as one subject's events grow: it must stay flat (linear time).

The shape is the hostile one of issue 9: a 突泉 subject whose trademark and other-violation
findings carry no amount, so every event is an unknown the report must name, and the rules
resting on the undetermined ones are undetermined too. Prints µs per event for each engine.

    .venv/bin/python bench/bench_events.py [--sizes 10,100,1000,10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ecredit_rules as ec

AS_OF = date(2024, 6, 30)
_ACTS = ("trademark_infringing_goods", "other_violation")


def unknown_amount_subject(count: int, as_of: date = AS_OF) -> str:
    """JSON text of one 突泉 subject with ``count`` findings, none giving an amount."""
    events = [
        {"id": f"F{k}", "type": "finding", "act": _ACTS[k % len(_ACTS)],
         "date": (as_of - timedelta(days=k % 700)).isoformat()}
        for k in range(count)
    ]
    return json.dumps({"subject": {"id": "S1", "roles": ["goods_operator"]}, "events": events})


def per_event_us(rs: ec.Ruleset, text: str, count: int, engine: str) -> float:
    """Best of a few evaluations, in µs per event."""
    ec.evaluate(rs, text, as_of=AS_OF, engine=engine)  # build the engine's network outside the clock
    repeats = max(1, min(20, 20_000 // count))
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        ec.evaluate(rs, text, as_of=AS_OF, engine=engine)
        best = min(best, time.perf_counter() - start)
    return best / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,10000")
    args = parser.parse_args()
    rs = ec.load_ruleset("tuquan")
    print("突泉 subject, findings without amounts: µs per event")
    print(f"  {'events':>7}  {'durable':>9}  {'compiled':>9}  report bytes")
    for count in (int(n) for n in args.sizes.split(",")):
        text = unknown_amount_subject(count)
        times = [per_event_us(rs, text, count, engine) for engine in ("durable", "compiled")]
        size = len(ec.evaluate(rs, text, as_of=AS_OF, engine="compiled").to_json())
        print(f"  {count:>7}  {times[0]:9.1f}  {times[1]:9.1f}  {size}")


if __name__ == "__main__":
    main()
