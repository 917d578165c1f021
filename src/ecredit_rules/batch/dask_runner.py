"""The same batch on a dask.distributed cluster: one task per partition, each writing its own part file.

Every worker must see the input, the rule file and the output's folder at the same paths (a shared
file system). A task reads its own records and writes ``<OUT>.parts-<run>/part-<first index>``
through a temporary name, renamed when whole (``parts.py``, as local workers do), so a task Dask
retries after a worker died simply writes the same part again: nothing is lost or duplicated. The
client reads the parts in input order, appends them to OUT and removes them, so OUT grows exactly as
in a local run, and ``--resume`` works the same way.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..ir import CompiledRuleset
from ..limits import BATCH_DASK_PARTITION_RECORDS
from ..loader import load_source
from ..messages import Lang
from .parts import Range, ranges, take_part
from .runner import crash_once, judge_range

if TYPE_CHECKING:
    from .job import Input

_rulesets: dict[str, CompiledRuleset] = {}  # per worker process: each version of the rules compiled once


def _ruleset(path: str, source: bytes) -> CompiledRuleset:
    """The rules the client began with (its bytes, not the file, which may have been edited since: a
    worker Dask restarts mid-job would otherwise judge the rest by another version)."""
    key = f"{path}\0{hashlib.sha256(source).hexdigest()}"
    if key not in _rulesets:
        _rulesets[key] = load_source(path, source)
    return _rulesets[key]


def judge_part(
    ruleset_path: str, rules: bytes, task: Range, as_of: date, engine: str, lang: Lang, parts: str,
) -> tuple[str, int, int]:
    """One Dask task: judge the records of ``task`` and write them as a part file; (path, records, refused)."""
    crash_once()
    return judge_range(_ruleset(ruleset_path, rules), task, as_of, engine, lang, parts)


def _ranges(source: Input, skip: int, size: int) -> list[Range]:
    return list(ranges(source.path, source.parquet, skip, size))


def judged_on_dask(
    address: str, rs: CompiledRuleset, source: Input, skip: int, as_of: date, engine: str, lang: Lang, out: Path,
    size: int = BATCH_DASK_PARTITION_RECORDS,
) -> Iterator[tuple[bytes, int, int]]:
    """Per partition, in input order: its JSON Lines (UTF-8), record count and refused count, judged on the
    cluster at ``address``."""
    if source.path == "-":
        raise ValueError("a Dask job reads a file or folder the workers can see, not stdin")
    try:
        from distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs dask.distributed: pip install 'ecredit-rules[batch]'") from None

    ranges = _ranges(source, skip, size)  # before anything is made: an input it refuses leaves nothing behind
    # A folder of this run's own: parts a stopped run left behind are never taken for this run's.
    parts = Path(f"{out}.parts-{uuid.uuid4().hex[:12]}").resolve()
    parts.mkdir()
    ruleset_path = str(Path(rs.path).resolve())
    try:
        client = Client(address, timeout="30s")  # type: ignore[no-untyped-call]  # distributed is not annotated
    except (OSError, TimeoutError) as exc:
        shutil.rmtree(parts, ignore_errors=True)
        raise ValueError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        # The rules' bytes go to the cluster once; each task gets a reference to them.
        rules = client.scatter(rs.source, broadcast=True)  # type: ignore[no-untyped-call]  # distributed is not annotated
        futures: list[Any] = [
            client.submit(judge_part, ruleset_path, rules, task, as_of, engine, lang, str(parts),
                          key=f"ecredit-batch-{uuid.uuid4().hex}-{task.start}", pure=False)
            for task in ranges
        ]
        try:
            for future in futures:
                path, records, refused = future.result()
                yield take_part(path), records, refused
        finally:
            client.cancel(futures)  # type: ignore[no-untyped-call]  # distributed is not annotated
            shutil.rmtree(parts, ignore_errors=True)
