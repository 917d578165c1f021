"""The columnar engine against the per-subject compiled loop: agreement byte for byte, and speed.

For each ruleset and day, N generated subjects (bench/generate.py, a fresh seed per ruleset) are judged
partition by partition (``limits.BATCH_PARTITION_RECORDS``) by ``batch.columnar.ColumnarEngine`` and
one by one by the compiled engine; every JSON Lines line must be the same (the ``engine`` value aside).
Prints subjects/s of each on one core and exits 1 on the first difference.

A benchmark and a check, not a test: the rates depend on the machine and on what else runs on it.

    .venv/bin/python bench/bench_columnar.py [--records 100000] [--rulesets tuquan,benxi,...] [--days ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import subjects_json
from ecredit_rules.batch.columnar import ColumnarEngine
from ecredit_rules.batch.records import judge
from ecredit_rules.batch.runner import partitions
from ecredit_rules.loader import load_ruleset

ENGINE = re.compile(r'"engine": ?"(columnar|compiled)"')


def blank(line: str) -> str:
    return ENGINE.sub('"engine":""', line, count=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rulesets", default="tuquan,benxi,lingyuan,nanan,xining")
    parser.add_argument("--days", default="2024-06-30,2023-01-15,2025-03-03")
    args = parser.parse_args()
    engine = ColumnarEngine()
    for n, name in enumerate(args.rulesets.split(",")):
        rs = load_ruleset(name)
        texts = subjects_json(args.records, seed=20241001 + n)
        for text_day in args.days.split(","):
            day = date.fromisoformat(text_day)
            start = time.perf_counter()
            columnar = [r.to_json() for first, part in partitions(texts)
                        for r in engine.judge_partition(rs, first, part, day, "zh")]
            t_columnar = time.perf_counter() - start
            start = time.perf_counter()
            loop = [judge(rs, i, text, day, "compiled").to_json() for i, text in enumerate(texts)]
            t_loop = time.perf_counter() - start
            pairs = enumerate(zip(columnar, loop, strict=True))
            differ = next((i for i, (a, b) in pairs if blank(a) != blank(b)), None)
            print(f"{name} {day}: {len(texts)} subjects, columnar {len(texts) / t_columnar:,.0f}/s, "
                  f"compiled loop {len(texts) / t_loop:,.0f}/s, "
                  f"{'identical' if differ is None else f'DIFFER at record {differ}'}", flush=True)
            if differ is not None:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
