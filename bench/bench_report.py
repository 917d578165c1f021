"""The report stage on its own: ``build_report`` and ``Report.to_json`` per subject, × ``json.loads``.

Issue 13's target for this stage: build_report + to_json ≤ 2× json.loads of the same subject.
The engines' outcomes are worked out before the clock starts, so only the report is timed.
``--base REV`` also times another revision (checked out into a temporary git worktree), printed
side by side: each side runs in processes of its own, in turns, on the same subjects, and its
ratios are to its own ``json.loads``, so the columns compare like with like.

    .venv/bin/python bench/bench_report.py [--ruleset tuquan] [--subjects 2000] [--base main [--rounds 3]]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_engines import per_subject_us  # noqa: E402
from bench.generate import AS_OF, subjects_json  # noqa: E402

STAGES = ("json.loads (unit)", "build_report", "to_json", "build_report + to_json", "evaluate + to_json")


def measure(ruleset: str, subjects: int, engine: str) -> dict[str, float]:
    """µs per subject of each stage, with whatever ``ecredit_rules`` is importable."""
    import ecredit_rules as ec
    from ecredit_rules.derive import derive
    from ecredit_rules.engines import get_engine
    from ecredit_rules.facts import facts_data
    from ecredit_rules.report import build_report

    rs = ec.load_ruleset(ruleset)
    texts = subjects_json(subjects)
    machine = get_engine(engine)
    checked = [facts_data(text) for text in texts]
    decided = [(d, machine.decide(rs, d)) for d in (derive(rs, facts, AS_OF) for facts in checked)]

    def build(pair: tuple[object, object]) -> object:
        return build_report(rs, "S", pair[0], pair[1], machine.name, AS_OF, "sha256:0")  # type: ignore[arg-type]

    reports = [build(pair) for pair in decided]
    reports[0].to_json()  # type: ignore[attr-defined]
    # The inputs of every subject are held at once here, which a real loop never does; frozen,
    # the collector does not walk them again and again on the clock.
    gc.freeze()
    try:
        loads = per_subject_us(json.loads, texts, 5)
        built = per_subject_us(build, decided, 5)
        dumped = per_subject_us(lambda r: r.to_json(), reports, 5)
        both = per_subject_us(lambda pair: build(pair).to_json(), decided, 5)  # type: ignore[attr-defined]
        whole = per_subject_us(lambda t: ec.evaluate(rs, t, as_of=AS_OF, engine=engine).to_json(), texts, 3)
    finally:
        gc.unfreeze()
    return dict(zip(STAGES, (loads, built, dumped, both, whole), strict=True))


def _measure_in(src: Path, args: argparse.Namespace) -> dict[str, float]:
    """``measure`` in a process of its own importing ``ecredit_rules`` from ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--json", "--ruleset", args.ruleset,
           "--subjects", str(args.subjects), "--engine", args.engine]
    result: dict[str, float] = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True,
                                                         text=True).stdout)
    return result


def _side_by_side(base: str, args: argparse.Namespace) -> tuple[dict[str, float], dict[str, float]]:
    """This checkout's and ``base``'s timings, measured in turns (``--rounds``), the best of each
    stage kept: on a shared machine the load changes between one process and the next."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), base], check=True)
        try:
            this: dict[str, float] = {}
            other: dict[str, float] = {}
            for _ in range(args.rounds):
                for best, src in ((other, tree / "src"), (this, ROOT / "src")):
                    for stage, us in _measure_in(src, args).items():
                        best[stage] = min(us, best.get(stage, us))
            return this, other
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def _cells(timings: dict[str, float], stage: str) -> str:
    us = timings[stage]
    return f"{us:8.1f} µs {us / timings[STAGES[0]]:5.2f}×"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ruleset", default="tuquan")
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--engine", default="compiled", choices=("compiled", "durable"))
    parser.add_argument("--base", help="git revision to time side by side")
    parser.add_argument("--rounds", type=int, default=3, help="turns of base and this checkout (with --base)")
    parser.add_argument("--json", action="store_true", help="print the timings as JSON only (used by --base)")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.ruleset, args.subjects, args.engine)))
        return
    base: dict[str, float] | None = None
    if args.base:
        this, base = _side_by_side(args.base, args)
    else:
        this = measure(args.ruleset, args.subjects, args.engine)
    print(f"ruleset {args.ruleset}, {args.subjects} generated subjects, engine {args.engine}, as_of {AS_OF}; "
          "µs per subject and × json.loads (min over repeats)\n")
    header = f"{'stage':24} {'this checkout':>22}"
    print(header + (f" {'base ' + args.base:>22}" if base else ""))
    for stage in STAGES:
        print(f"{stage:24} {_cells(this, stage):>22}" + (f" {_cells(base, stage):>22}" if base else ""))
    print("\ntarget: build_report + to_json ≤ 2× json.loads")


if __name__ == "__main__":
    main()
