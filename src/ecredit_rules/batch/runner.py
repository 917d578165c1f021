"""Streaming evaluation of many records, in input order, with memory bounded by a window of partitions.

A *partition* is a run of consecutive records. ``judge_partition`` decides one; it is the hook for an
engine that decides a whole partition at once (a columnar engine): if the engine object has a
``judge_partition(rs, start, raws, as_of, lang)`` method, it is handed the partition whole and must return
one result per record, in order; otherwise each record is judged on its own. ``partition_lines`` is
the same with the reports written straight to their JSON (``report.report_json``, no models built),
which is what ``ecredit batch`` writes; such an engine may offer ``judge_partition_json`` for it.
Local processes and Dask both call these, so such an engine runs under either without further change.

durable-rules is C code holding the GIL: parallelism comes from processes, each loading the
ruleset once, from the bytes the parent compiled (``_init_worker``). At most ``WINDOW_PER_WORKER``
partitions per worker are in flight, so memory does not grow with the input, and results are
yielded as soon as the oldest is done. A worker is given its records, or where to read them
(``parts.Range``: a run of a JSON Lines file or of a Parquet folder), and writes its results to a
part file in a folder of the run's own, which the parent reads back (``parts.py`` says why not
through a pipe).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from ..engines import get_engine
from ..ir import CompiledRuleset
from ..limits import BATCH_PARTITION_RECORDS, BATCH_WINDOW_PER_WORKER
from ..loader import load_ruleset, load_source
from ..messages import Lang
from ..report import Report, report_data, report_of
from .parts import Range, part_file, take_part, write_part
from .records import Raw, RecordError, judge, judge_json, judge_written

Result = Report | RecordError
Task = list[Raw] | Range  # a partition's records, or where a worker reads them


def judge_partition(
    rs: CompiledRuleset, start: int, raws: Sequence[Raw], as_of: date, engine: str, lang: Lang = "zh"
) -> list[Result]:
    """One result per record of the partition that starts at input index ``start``, in order."""
    with collector_paused():
        whole = getattr(get_engine(engine), "judge_partition", None)
        if whole is not None:
            results: list[Result] = whole(rs, start, raws, as_of, lang)
            return results
        return [judge(rs, start + i, raw, as_of, engine, lang) for i, raw in enumerate(raws)]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block, then as it was.

    A partition's reports all live until its lines are written, and hardly any of their objects
    are cyclic garbage: collecting while they are built only scans them again and again (a batch
    of 20,000 subjects ran at 0.75× the speed with it on). Memory still falls by reference
    counting as usual; the few cycles wait until the partition is done. Several threads may pause
    at once: the collector is turned back on by whichever found it on, never left off.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def partition_lines(
    rs: CompiledRuleset, start: int, raws: Sequence[Raw], as_of: date, engine: str, lang: Lang = "zh"
) -> tuple[bytes, int, int]:
    """``lines_of(judge_partition(...))``, with each report written straight to its JSON
    (``report.report_json``): what a worker sends back. An engine that judges a partition whole
    writes it so with its ``judge_partition_json`` method, if it has one."""
    with collector_paused():
        machine = get_engine(engine)
        whole = getattr(machine, "judge_partition_json", None) or getattr(machine, "judge_partition", None)
        if whole is not None:
            return lines_of(whole(rs, start, raws, as_of, lang))
        return lines_of([judge_json(rs, start + i, raw, as_of, engine, lang) for i, raw in enumerate(raws)])


def lines_of(results: Sequence[Result | bytes]) -> tuple[bytes, int, int]:
    """The results (reports as models or as their JSON in UTF-8) as JSON Lines in UTF-8, each line
    ending in a newline, how many there are and how many are errors. Encoded where the results are
    made (a worker), not by the one process writing them."""
    lines: list[bytes] = []
    refused = 0
    for r in results:
        if isinstance(r, bytes):
            lines.append(r)
        else:
            lines.append(r.to_json().encode())
            refused += isinstance(r, RecordError)
    lines.append(b"")
    return b"\n".join(lines), len(results), refused


def judge_range(
    rs: CompiledRuleset, task: Range, as_of: date, engine: str, lang: Lang, folder: str | Path
) -> tuple[str, int, int]:
    """Judge the records of ``task`` into its part file in ``folder``, a partition at a time as they are
    read (a task from a Parquet folder is 5,000 records): (the part's path, records,
    refused). What a worker, local or Dask's, does with a range of the input."""
    records = refused = 0
    with part_file(folder, task.start) as (path, out):
        for start, raws in partitions(task.records(), task.start):
            data, judged, bad = partition_lines(rs, start, raws, as_of, engine, lang)
            out.write(data)
            records += judged
            refused += bad
        task.check(records)
    return path, records, refused


def partitions(records: Iterable[Raw], start: int = 0, size: int = BATCH_PARTITION_RECORDS) -> Iterator[
    tuple[int, list[Raw]]
]:
    """``(first index, records)`` for consecutive runs of ``size`` records."""
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield start, chunk
        start += len(chunk)


# --- worker processes ---------------------------------------------------------------------------

#: Test hook: when set to a path that does not exist yet, the first task to run (a local worker's or a
#: Dask task) creates it and kills its own process, so tests can stop a run by a dying worker.
CRASH_ONCE_ENV = "ECREDIT_BATCH_CRASH_ONCE"


def crash_once() -> None:
    """``CRASH_ONCE_ENV``'s kill, once per marker file (nothing when it is not set)."""
    marker = os.environ.get(CRASH_ONCE_ENV)
    if marker:
        try:
            with open(marker, "x"):
                pass
        except FileExistsError:
            return
        os._exit(1)


class WorkerLost(RuntimeError):
    """A worker process ended abruptly or could not compile the rules: the run cannot go on (nothing
    after the results already yielded was judged)."""


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity, which a container or ``taskset`` narrows), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_worker_ruleset: CompiledRuleset | None = None
_worker_failure: str | None = None  # why this worker could not compile the rules


def _init_worker(path: str, source: bytes) -> None:
    global _worker_ruleset, _worker_failure
    # Ctrl-C reaches the whole process group: the parent alone decides how to stop, and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # The bytes the parent compiled, not the file, which may have been edited or removed since. A
    # failure is kept, to be raised by the first partition with its reason: raised here, it would only
    # break the pool, the reason lost.
    try:
        _worker_ruleset = load_source(path, source)
    except Exception as exc:  # whatever it is, the run must stop and say it
        _worker_failure = f"a worker process could not compile the rules of {path}: {type(exc).__name__}: {exc}"


def _exit_with_parent(parent: int) -> None:
    # A parent killed outright (SIGKILL) cannot stop its pool: without this, workers would linger.
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _worker_partition(
    start: int, task: Task, as_of: date, engine: str, lang: Lang, as_lines: bool, folder: str
) -> tuple[str, int, int]:
    """Judge one partition into a part file in ``folder``: (its path, records, refused)."""
    if _worker_ruleset is None:
        raise WorkerLost(_worker_failure or "a worker process has no rules")
    crash_once()
    if as_lines and isinstance(task, Range):
        return judge_range(_worker_ruleset, task, as_of, engine, lang, folder)
    raws = task.read() if isinstance(task, Range) else task
    if as_lines:
        data, records, refused = partition_lines(_worker_ruleset, start, raws, as_of, engine, lang)
    else:
        results = _partition_data(_worker_ruleset, start, raws, as_of, engine, lang)
        data, records, refused = pickle.dumps(results, pickle.HIGHEST_PROTOCOL), len(results), 0
    return write_part(folder, start, data), records, refused


def _partition_data(
    rs: CompiledRuleset, start: int, raws: Sequence[Raw], as_of: date, engine: str, lang: Lang
) -> list[Result | dict[str, Any]]:
    """``judge_partition``, each report as ``report.report_data``'s dict for the parent to build
    (``report.report_of``): unpickling a partition's models cost the parent ~80 µs a record, so two
    workers ran 1.11× one. An engine that judges a partition whole gives its reports as they are."""
    with collector_paused():
        if getattr(get_engine(engine), "judge_partition", None) is not None:
            return list(judge_partition(rs, start, raws, as_of, engine, lang))
        return [judge_written(rs, start + i, raw, as_of, engine, lang, report_data) for i, raw in enumerate(raws)]


def stream(
    rs: CompiledRuleset,
    parts: Iterable[tuple[int, Task]],
    as_of: date,
    engine: str,
    workers: int,
    as_lines: bool,
    lang: Lang = "zh",
) -> Iterator[Any]:
    """Per partition, in input order: its results (or, with ``as_lines``, ``lines_of`` them)."""
    if workers <= 1:
        for start, task in parts:
            raws = task.read() if isinstance(task, Range) else task
            if as_lines:
                yield partition_lines(rs, start, raws, as_of, engine, lang)
            else:
                yield judge_partition(rs, start, raws, as_of, engine, lang)
        return
    # spawn, not fork: a forked durable-rules host is not known to be safe, and spawn is the same everywhere.
    # ProcessPoolExecutor, not multiprocessing.Pool: a worker that dies (killed, out of memory, or a
    # script that starts workers without ``if __name__ == "__main__":``, whose workers die importing
    # it) breaks the executor and the run stops saying so; Pool started new workers for ever and
    # waited for the lost partition for ever.
    # The run's part files, in a private (0700) folder removed after the workers are gone.
    with tempfile.TemporaryDirectory(prefix="ecredit-batch-", ignore_cleanup_errors=True) as folder:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(str(Path(rs.path).resolve()), rs.source))
        pending: deque[Future[Any]] = deque()
        started: dict[int, Any] = {}  # every worker process, by pid: a broken executor forgets its own
        try:
            for start, task in parts:
                try:
                    pending.append(pool.submit(_worker_partition, start, task, as_of, engine, lang, as_lines,
                                               folder))
                except BrokenProcessPool:
                    raise _broken() from None
                started.update(getattr(pool, "_processes", None) or {})  # no public way to reach them
                if len(pending) >= workers * BATCH_WINDOW_PER_WORKER:
                    yield _result(pending.popleft(), as_lines)
            while pending:
                yield _result(pending.popleft(), as_lines)
        finally:
            _stop(pool, list(started.values()))


def _result(future: Future[Any], as_lines: bool) -> Any:
    try:
        path, records, refused = future.result()
    except BrokenProcessPool:
        raise _broken() from None
    data = take_part(path)
    if as_lines:
        return data, records, refused
    with collector_paused():  # as where they were judged: the data and models are hardly ever cyclic garbage
        return [report_of(r) if type(r) is dict else r for r in pickle.loads(data)]  # from the run's own folder


def _broken() -> WorkerLost:
    return WorkerLost(
        "a worker process ended abruptly (killed, out of memory, or started by a script that calls "
        "evaluate_many or batch with workers without guarding its entry point with "
        "if __name__ == \"__main__\":); nothing more was judged")


def _stop(pool: ProcessPoolExecutor, workers: list[Any]) -> None:
    """Stop the workers now, running partitions included: the run is over, or given up (Ctrl-C, a
    consumer that stopped reading, a worker that died), and its remaining work is not wanted."""
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(timeout=5)
    # Its thread closes the queues, so that no semaphore outlives the run. Bounded all the same: were a
    # worker killed while sending its result, that thread would wait for the rest for ever (a result is
    # a few hundred bytes, which a pipe takes whole or not at all, ``parts.py``; kept as a guard).
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=5)
    if manager is None or not manager.is_alive():
        pool.shutdown(wait=True)  # returns at once now: only the queues' own threads are left to join


def evaluate_many(
    ruleset: CompiledRuleset | str | Path,
    facts_iterable: Iterable[Any],
    as_of: date | None = None,
    engine: str = "durable",
    workers: int = 1,
    *,
    lang: Lang = "zh",
) -> Iterator[Result]:
    """Judge many subjects, yielding a ``Report`` or an ``ec.RecordError`` per input, in input order.

    Streams: the input is read as results are taken, and at most a few partitions per worker are
    in memory at once, however long the input. Items are what ``evaluate`` takes (``ec.Facts``, a
    dict, JSON text); a bad item yields its ``RecordError`` (index, subject id or None, problems)
    instead of stopping the run. ``workers`` > 1 judges in that many processes (each loads the
    ruleset once; items and reports must be picklable). ``as_of`` defaults to today, fixed once
    for the whole run. Problems are worded in ``lang`` (Chinese by default, ``"en"`` for English).

    >>> import ecredit_rules as ec
    >>> rs = ec.load_ruleset("tuquan")
    >>> [type(r).__name__ for r in ec.evaluate_many(rs, [{"subject": {"id": "S1"}}, {"subject": {}}],
    ...                                             as_of=date(2024, 6, 30), engine="compiled")]
    ['Report', 'RecordError']
    """
    rs = ruleset if isinstance(ruleset, CompiledRuleset) else load_ruleset(ruleset)
    get_engine(engine)  # an unknown engine is refused before any work
    day = as_of if as_of is not None else date.today()
    for results in stream(rs, partitions(facts_iterable), day, engine, workers, as_lines=False, lang=lang):
        yield from results
