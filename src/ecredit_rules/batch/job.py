"""``ecredit batch``: read, judge, write in input order; progress on stderr; stop cleanly; resume."""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import click

from ..engines import get_engine
from ..ir import CompiledRuleset
from ..limits import (
    BATCH_DASK_PARTITION_RECORDS,
    BATCH_PARQUET_TASK_RECORDS,
    BATCH_PARTITION_RECORDS,
)
from ..messages import Lang
from . import io_jsonl, io_parquet
from .convert import refuse_overwriting
from .parts import ranges
from .runner import WorkerLost, partitions, stream

EXIT_ALL_JUDGED = 0
EXIT_SOME_REFUSED = 1
EXIT_INTERRUPTED = 130  # the shell's own code for "stopped by Ctrl-C"
# A worker process died (killed, out of memory) or could not compile the rules: CONTRACT §6 has no
# code of its own for a run that could not finish, and 2 is its "could not do it".
EXIT_STOPPED = 2

_READ_BUFFER = 1 << 20

#: Seconds between plain progress lines when stderr is not a terminal (a log file, a cron mail).
PROGRESS_EVERY = 5.0


@dataclass(frozen=True)
class Input:
    """What ``batch`` reads: a JSON Lines file (``-`` for stdin) or a Parquet folder."""

    path: str
    parquet: bool

    @classmethod
    def open(cls, path: str) -> Input:
        """The input at ``path``; ``ValueError`` (a plain sentence) when it cannot be read."""
        if path == "-":
            return cls(path, False)
        where = Path(path)
        if where.is_dir():
            for name in (io_parquet.SUBJECTS, io_parquet.EVENTS):
                if not (where / name).is_file():
                    raise ValueError(f"{path}: a Parquet batch folder holds {name}; it is missing")
            io_parquet.check_layout(where)
            return cls(path, True)
        if not where.is_file():
            raise ValueError(f"{path}: no such file or folder")
        return cls(path, False)

    def total(self) -> int | None:
        if self.path == "-":
            return None
        return io_parquet.count_records(Path(self.path)) if self.parquet else io_jsonl.count_lines(Path(self.path))

    @contextmanager
    def records(self, skip: int) -> Iterator[Iterator[Any]]:
        if self.parquet:
            total = io_parquet.count_records(Path(self.path))
            if total < skip:
                raise io_jsonl.shorter_than_written(total, skip)
            yield io_parquet.read_records(Path(self.path), start=skip)
        elif self.path == "-":
            yield io_jsonl.read_records(sys.stdin.buffer, skip)
        else:
            # A large buffer: the lines are read one by one, and each read of the default 8 KiB is a system call.
            with Path(self.path).open("rb", buffering=_READ_BUFFER) as f:
                yield io_jsonl.read_records(f, skip)


class Progress:
    """A live bar with rate and ETA on a terminal; otherwise a plain line every ``PROGRESS_EVERY`` seconds."""

    def __init__(self, total: int | None, done: int) -> None:
        self.total, self.done, self.first = total, done, done
        self.refused = 0
        self.started = self.last = time.monotonic()
        self.bar: Any = None
        if sys.stderr.isatty() and total:
            self.bar = click.progressbar(
                length=total, label="ecredit batch", file=sys.stderr, show_pos=True, show_eta=True,
                item_show_func=lambda _: f"{self.rate():,.0f}/s",
            )
            self.bar.__enter__()
            self.bar.update(done)

    def rate(self) -> float:
        return (self.done - self.first) / max(time.monotonic() - self.started, 1e-9)

    def advance(self, records: int, refused: int) -> None:
        self.done += records
        self.refused += refused
        if self.bar is not None:
            self.bar.update(records, self.done)
        elif time.monotonic() - self.last >= PROGRESS_EVERY:
            self.last = time.monotonic()
            click.echo(f"ecredit batch: {self.line()}", err=True)

    def line(self) -> str:
        of = f" of {self.total:,}" if self.total is not None else ""
        return f"{self.done:,}{of} records, {self.refused:,} refused, {self.rate():,.0f}/s"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(
    rs: CompiledRuleset,
    source: Input,
    out: Path,
    *,
    as_of: date,
    engine: str,
    workers: int,
    scheduler: str | None,
    resume: bool,
    lang: Lang = "zh",
    dask_partition_records: int = BATCH_DASK_PARTITION_RECORDS,
) -> int:
    """Judge every record of ``source`` into ``out``; the exit status of CONTRACT §6 (130 if interrupted)."""
    if source.path != "-":
        refuse_overwriting(Path(source.path), [out])
    done = refused_before = 0
    if resume and out.exists():
        done, refused_before, last = io_jsonl.complete_records(out)
        if last is not None:
            _same_judging(last, out, rs, as_of, engine)
    total = source.total()
    progress = Progress(total, done)
    progress.refused = refused_before
    previous = signal.signal(signal.SIGTERM, _interrupt)  # a killed job (kill, a scheduler) stops like Ctrl-C
    try:
        judged = _judged(rs, source, done, as_of, engine, lang, workers, scheduler, out, dask_partition_records)
        with out.open("ab" if resume else "wb") as f, closing(judged):  # closing stops the workers at once
            written = f.tell()
            try:
                for data, records, refused in judged:
                    f.write(data)
                    f.flush()  # whole partitions reach the file as they are done: a kill loses little
                    written += len(data)
                    progress.advance(records, refused)
            except (KeyboardInterrupt, WorkerLost) as stopped:
                with suppress(OSError):
                    f.truncate(written)  # a write cut short leaves no partial record behind
                progress.close()
                why = "interrupted" if isinstance(stopped, KeyboardInterrupt) else f"stopped: {stopped};"
                click.echo(
                    f"ecredit batch: {why} after {progress.done:,} records ({progress.refused:,} refused); "
                    f"{out} ends on a whole record. Run the same command with --resume to continue from record "
                    f"{progress.done}.",
                    err=True,
                )
                return EXIT_INTERRUPTED if isinstance(stopped, KeyboardInterrupt) else EXIT_STOPPED
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.close()
    # The day judged on, said where a cron mail shows it: a default taken from a clock kept in UTC is the
    # likeliest surprise (docs/batch.md).
    click.echo(f"ecredit batch: done, {progress.line()}, as of {as_of.isoformat()}, written to {out}", err=True)
    return EXIT_SOME_REFUSED if progress.refused else EXIT_ALL_JUDGED


def _same_judging(report_line: bytes, out: Path, rs: CompiledRuleset, as_of: date, engine: str) -> None:
    """``ValueError`` unless the run resumed judges as the one that wrote ``out`` (its last report says
    how): the same day, ruleset version and engine. Otherwise one file would hold two judgings, the
    most likely slip being a resume on the next day without ``--as-of``. A last line that is no
    report (not written by ``batch``) says nothing about that, and is left to the count of records."""
    try:
        report = json.loads(report_line)
        then = (report["as_of"], report["ruleset"]["id"], report["ruleset"]["version"], report["ruleset"]["digest"],
                report["engine"])
    except (ValueError, KeyError, TypeError):
        return
    now = (as_of.isoformat(), rs.id, rs.version, rs.digest, get_engine(engine).name)
    if then == now:
        return
    differ = []
    if then[0] != now[0]:
        differ.append(f"on {then[0]}, not {now[0]}")
    if then[1:4] != now[1:4]:
        differ.append(f"by ruleset {then[1]} {then[2]} ({then[3]}), not {now[1]} {now[2]} ({now[3]})")
    if then[4] != now[4]:
        differ.append(f"with the {then[4]} engine, not {now[4]}")
    raise ValueError(f"{out} was judged {'; '.join(differ)}. To continue it, run with --as-of {then[0]} "
                     f"--engine {then[4]} and that ruleset; else write to a new OUT")


def _judged(
    rs: CompiledRuleset, source: Input, skip: int, as_of: date, engine: str, lang: Lang, workers: int,
    scheduler: str | None, out: Path, dask_partition_records: int,
) -> Generator[tuple[bytes, int, int], None, None]:
    """Per partition, in input order: its JSON Lines (UTF-8), how many records and how many were refused."""
    if scheduler is not None:
        from .dask_runner import judged_on_dask

        yield from judged_on_dask(scheduler, rs, source, skip, as_of, engine, lang, out, dask_partition_records)
        return
    if workers > 1 and source.path != "-":
        # Each worker reads its own records: the parent only finds where its tasks start (parts.py).
        size = BATCH_PARQUET_TASK_RECORDS if source.parquet else BATCH_PARTITION_RECORDS
        tasks = ((task.start, task) for task in ranges(source.path, source.parquet, skip, size))
        yield from stream(rs, tasks, as_of, engine, workers, as_lines=True, lang=lang)
        return
    with source.records(skip) as records:
        yield from stream(rs, partitions(records, skip), as_of, engine, workers, as_lines=True, lang=lang)
