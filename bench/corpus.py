"""Are reports unchanged? Compare the reports of this checkout with those of another revision.

A restructuring or a speed-up must not change one byte of any report. This evaluates the same
seeded corpus (generated subjects × every bundled ruleset × several evaluation dates, plus the
bundled examples) with the code of a base revision and with the code of this checkout, each in its
own process, and compares the report JSON line by line. Differences are printed as the first
differing reports, side by side, so an intended change (a legal correction) can be read and an
unintended one found.

    .venv/bin/python bench/corpus.py --base main [--subjects 10000] [--engine compiled] [--ignore-digest]
    .venv/bin/python bench/corpus.py --write OUT.jsonl.gz     # this checkout's reports only

``--base`` checks the revision out into a temporary git worktree; its ``src`` and ``rules`` are
used, with this checkout's corpus generator, so both sides judge exactly the same facts.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The ruleset's digest is of the file's bytes: rewriting a rule file's layout changes it and nothing else.
RULESET_DIGEST = re.compile(r'"digest":"sha256:[0-9a-f]+"')
DATES = (date(2019, 12, 31), date(2022, 3, 1), date(2024, 6, 30), date(2025, 12, 31))


def corpus(subjects: int) -> Iterator[tuple[str, str]]:
    """(key, facts JSON) pairs: the bundled examples, then ``subjects`` generated subjects."""
    sys.path.insert(0, str(ROOT))
    from bench.generate import subjects_json

    for path in sorted((ROOT / "examples").rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
        for i, item in enumerate(data if isinstance(data, list) else [data]):
            yield f"{path.relative_to(ROOT)}#{i}", json.dumps(item, ensure_ascii=False)
    for i, text in enumerate(subjects_json(subjects)):
        yield f"generated#{i}", text


def write_reports(out: Path, subjects: int, engine: str) -> int:
    """Evaluate the corpus with whatever ``ecredit_rules`` is importable; one line per report."""
    import ecredit_rules as ec

    items = list(corpus(subjects))
    count = 0
    with gzip.open(out, "wt", encoding="utf-8") as sink:
        for rid in ec.available_rulesets():
            rs = ec.load_ruleset(rid)
            for day in DATES:
                for key, text in items:
                    try:
                        line = ec.evaluate(rs, text, as_of=day, engine=engine).to_json()
                    except ec.FactsError as exc:  # an example may be refused on purpose
                        line = json.dumps({"refused": [p.where for p in exc.problems]})
                    sink.write(f"{rid}|{day}|{key}\t{line}\n")
                    count += 1
    return count


def _run_side(src: Path, out: Path, subjects: int, engine: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--write", str(out),
           "--subjects", str(subjects), "--engine", engine]
    subprocess.run(cmd, env=env, check=True)


def compare(base: str, subjects: int, engine: str, shown: int, ignore_digest: bool = False) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), base], check=True)
        try:
            old, new = Path(tmp) / "old.jsonl.gz", Path(tmp) / "new.jsonl.gz"
            _run_side(tree / "src", old, subjects, engine)
            _run_side(ROOT / "src", new, subjects, engine)
            return _diff(old, new, shown, ignore_digest)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def _diff(old: Path, new: Path, shown: int, ignore_digest: bool = False) -> int:
    total = differing = 0
    by_ruleset: dict[str, int] = {}
    with gzip.open(old, "rt", encoding="utf-8") as a, gzip.open(new, "rt", encoding="utf-8") as b:
        for left, right in zip(a, b, strict=True):
            total += 1
            if ignore_digest:
                left, right = RULESET_DIGEST.sub('"digest":…', left), RULESET_DIGEST.sub('"digest":…', right)
            if left == right:
                continue
            differing += 1
            key, before = left.rstrip("\n").split("\t", 1)
            after = right.rstrip("\n").split("\t", 1)[1]
            ruleset = key.split("|", 1)[0]
            by_ruleset[ruleset] = by_ruleset.get(ruleset, 0) + 1
            if differing <= shown:
                print(f"--- {key}\n  base: {before}\n  this: {after}")
    print(f"{total} reports compared, {differing} differ {by_ruleset or ''}".rstrip())
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="git revision to compare against")
    parser.add_argument("--write", type=Path, help="only write this checkout's reports to this .jsonl.gz")
    parser.add_argument("--subjects", type=int, default=10_000)
    parser.add_argument("--engine", default="compiled", choices=["compiled", "durable"])
    parser.add_argument("--show", type=int, default=5, help="differing reports to print")
    parser.add_argument("--ignore-digest", action="store_true",
                        help="compare reports with the rule files' digests left out (for a change of layout only)")
    args = parser.parse_args()
    if args.write:
        print(f"{write_reports(args.write, args.subjects, args.engine)} reports written", file=sys.stderr)
        return 0
    if not args.base:
        parser.error("give --base REV or --write FILE")
    return compare(args.base, args.subjects, args.engine, args.show, args.ignore_digest)


if __name__ == "__main__":
    sys.exit(main())
