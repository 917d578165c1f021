"""Derivation per subject: the leaf values of every subject, and the evidence a report asks for.

Prints, for each ruleset on the same seeded subjects (facts already validated, so only derivation
is timed), µs per subject and the ratio to ``json.loads`` of the same text in the same run:

- derive: ``derive.derive`` (index the events, every leaf's value, the deadline cases);
- explain: ``Derived.explain`` of every leaf that is true or unknown (all a report can ask for).

``--base REV`` also runs the same measures with the ``src`` of another revision (a temporary git
worktree, as ``bench/corpus.py`` does), each side in its own process, alternating ``--rounds``
times (the machine is shared: the minimum of each measure over the rounds is kept), and prints both:

    .venv/bin/python bench/bench_derive.py [--rulesets tuquan,benxi] [--subjects 1000] [--base main] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5


def best_us(fn: Callable[[Any], object], items: list[Any] | Callable[[], list[Any]]) -> float:
    """Min over repeats of the mean µs per item, in CPU time of this process (the machine is shared:
    time spent waiting for a core is not counted, and the minimum is the least disturbed).

    ``items`` may be a function making them afresh for each repeat, outside the clock (what a
    derivation worked out once and kept must not make later repeats look cheaper).
    """
    best = float("inf")
    for _ in range(REPEATS):
        batch = items() if callable(items) else items
        start = time.process_time()
        for item in batch:
            fn(item)
        best = min(best, (time.process_time() - start) / len(batch))
    return best * 1e6


def measure(rulesets: list[str], subjects: int) -> dict[str, dict[str, float]]:
    """µs per subject of json.loads, derive and explain, per ruleset, with whatever ``ecredit_rules`` is importable."""
    sys.path.insert(0, str(ROOT))
    from bench.generate import AS_OF, subjects_json
    from ecredit_rules import load_ruleset
    from ecredit_rules.derive import derive
    from ecredit_rules.facts import facts_data
    from ecredit_rules.logic import TRUE, UNKNOWN

    texts = subjects_json(subjects)
    checked = [facts_data(t) for t in texts]
    out: dict[str, dict[str, float]] = {}
    loads = best_us(json.loads, texts)
    for rid in rulesets:
        rs = load_ruleset(rid)

        def asked() -> list[tuple[Any, list[int]]]:
            """Fresh derivations (nothing explained yet), each with the leaves a report may explain."""
            fresh = [derive(rs, c, AS_OF) for c in checked]  # noqa: B023 - used inside the iteration
            return [(d, [i for i, t in enumerate(d.truths()) if t in (TRUE, UNKNOWN)]) for d in fresh]

        def explain_all(item: tuple[Any, list[int]]) -> None:
            d, indices = item
            for i in indices:
                d.explain(i)

        out[rid] = {
            "loads": loads,
            "derive": best_us(lambda c: derive(rs, c, AS_OF), checked),  # noqa: B023 - used inside the iteration
            "explain": best_us(explain_all, asked),
            "asked": sum(len(i) for _, i in asked()) / len(checked),
        }
    return out


def _side(src: Path | None, rulesets: list[str], subjects: int) -> dict[str, dict[str, float]]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--json", "--rulesets", ",".join(rulesets),
           "--subjects", str(subjects)]
    found: dict[str, dict[str, float]] = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True,
                                                                   text=True).stdout)
    return found


def _best(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Each measure's minimum over the runs."""
    return {rid: {k: min(run[rid][k] for run in runs) for k in runs[0][rid]} for rid in runs[0]}


def _print(label: str, results: dict[str, dict[str, float]]) -> None:
    for rid, r in results.items():
        print(f"  {label:<10} {rid:<9} loads {r['loads']:6.1f} µs | derive {r['derive']:6.1f} µs "
              f"({r['derive'] / r['loads']:4.2f}×) | explain {r['explain']:6.1f} µs "
              f"({r['explain'] / r['loads']:4.2f}×, {r['asked']:.1f} leaves)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rulesets", default="tuquan")
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--base", help="also measure this git revision, side by side")
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each side with --base")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one side, for --base
    args = parser.parse_args()
    rulesets = args.rulesets.split(",")
    if args.json:
        print(json.dumps(measure(rulesets, args.subjects)))
        return
    print(f"{args.subjects} generated subjects, µs per subject (× json.loads of the same text, same process)")
    if args.base is None:
        _print("this", measure(rulesets, args.subjects))
        return
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), args.base], check=True)
        bases, these = [], []
        try:
            for _ in range(args.rounds):
                bases.append(_side(tree / "src", rulesets, args.subjects))
                these.append(_side(ROOT / "src", rulesets, args.subjects))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    base, this = _best(bases), _best(these)
    _print(args.base, base)
    _print("this", this)
    for rid in rulesets:
        b, t = base[rid], this[rid]
        print(f"  {rid}: derive {b['derive'] / b['loads'] / (t['derive'] / t['loads']):.2f}× faster, "
              f"explain {b['explain'] / b['loads'] / (t['explain'] / t['loads']):.2f}× faster (ratios to json.loads)")


if __name__ == "__main__":
    main()
