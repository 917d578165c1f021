"""Validation at the floor (issue 13): ``facts_data`` and the facts digest as multiples of ``json.loads``.

On the same seeded subjects (bench/generate.py) prints µs per subject (CPU time of the thread,
best pass) and × ``json.loads`` of the same text for ``facts_data`` (validating JSON text into the
dicts derivation reads) and for
``digest_of_checked`` (the report's ``facts_digest`` of those dicts). Targets: facts_data near
1.5×, digest ≤ 0.5×. With ``--base REV`` the revision's ``src`` is measured too, in its own
process, with the passes of both sides interleaved so that both meet the same load on the machine.

    .venv/bin/python bench/bench_facts.py [--subjects 1000] [--repeats 15] [--base main]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("json.loads", "facts_data", "digest")


def one_pass(step: Callable[[Any], object], inputs: Sequence[Any]) -> float:
    """CPU µs per input of one pass over ``inputs``: the thread's own time, so that other processes
    on a shared machine preempting it do not count (their effect on caches still does)."""
    start = time.thread_time()
    for item in inputs:
        step(item)
    return (time.thread_time() - start) / len(inputs) * 1e6


def serve(subjects: int) -> None:
    """Time one pass of a step per line read from stdin, with whatever ``ecredit_rules`` is importable."""
    sys.path.insert(0, str(ROOT))
    from bench.generate import subjects_json
    from ecredit_rules.digest import digest_of_checked
    from ecredit_rules.facts import facts_data

    texts = subjects_json(subjects)
    checked = [facts_data(text) for text in texts]
    steps: dict[str, tuple[Callable[[Any], object], Sequence[Any]]] = {
        "json.loads": (json.loads, texts), "facts_data": (facts_data, texts), "digest": (digest_of_checked, checked),
    }
    for name in steps.values():  # warm up: first calls build validators and fill caches
        one_pass(*name)
    print("ready", flush=True)
    for line in sys.stdin:
        print(f"{one_pass(*steps[line.strip()]):.3f}", flush=True)


class Side:
    """A process timing steps with one revision's code."""

    def __init__(self, src: Path, subjects: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(src)}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", "--subjects", str(subjects)]
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def time(self, step: str) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(step + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait()


def measure(sides: dict[str, Side], repeats: int) -> dict[str, dict[str, float]]:
    """Best pass of each step on each side, passes interleaved step by step and side by side."""
    best = {name: dict.fromkeys(STEPS, float("inf")) for name in sides}
    for _ in range(repeats):
        for step in STEPS:
            for name, side in sides.items():
                best[name][step] = min(best[name][step], side.time(step))
    return best


def report(best: dict[str, dict[str, float]]) -> None:
    names = list(best)
    print(f"{'step':<12}" + "".join(f"{name + ' µs':>14}{name + ' ×':>10}" for name in names))
    for step in STEPS:
        cells = "".join(f"{best[n][step]:>14.1f}{best[n][step] / best[n]['json.loads']:>9.2f}×" for n in names)
        print(f"{step:<12}{cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--base", help="git revision to measure side by side")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.subjects)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"this": ROOT / "src"}
        tree = Path(tmp) / "base"
        if args.base:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), args.base],
                           check=True)
            sources = {args.base: tree / "src", **sources}
        try:
            sides = {name: Side(src, args.subjects) for name, src in sources.items()}
            try:
                report(measure(sides, args.repeats))
            finally:
                for side in sides.values():
                    side.close()
        finally:
            if args.base:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
