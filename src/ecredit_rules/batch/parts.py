"""Part files: what crosses between the processes of a batch run, instead of a pipe.

A worker (a local process, or a Dask task) reads its own run of input records (``Range``: where
they are, not the records themselves) and writes its results to a part file (``write_part``); the
one process writing OUT only reads the parts back in input order. That keeps the writing process
nearly idle: sending records and results through the process pool's pipes cost it ~46 µs a record,
pickling and unpickling them on threads that took a CPU from the workers (two workers ran 1.36×
one on two CPUs, now ~1.7×). It also closes a hang: a worker killed in the middle of sending a
large result through the pool's pipe left CPython's process pool waiting for the rest for ever,
whereas what a worker now sends back is a few hundred bytes (a path and two counts), which a pipe
delivers whole or not at all (writes up to ``PIPE_BUF`` are atomic).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, NamedTuple

from . import io_jsonl, io_parquet
from .records import Raw


class Range(NamedTuple):
    """``size`` records of the input at ``source`` from record ``start``: at byte ``offset`` of a JSON
    Lines file, or (``parquet``) the records ``start`` to ``start + size`` of a Parquet folder."""

    source: str
    parquet: bool
    start: int
    offset: int
    size: int

    def records(self) -> Iterator[Raw]:
        """The records, read as they are taken by the process that judges them."""
        if self.parquet:
            return io_parquet.read_records(Path(self.source), start=self.start, stop=self.start + self.size)
        return io_jsonl.read_partition(Path(self.source), self.offset, self.size)

    def read(self) -> list[Raw]:
        """The records, all at once."""
        raws = list(self.records())
        self.check(len(raws))
        return raws

    def check(self, found: int) -> None:
        """``ValueError`` unless all the records were found."""
        if found != self.size:
            # The input was cut short after the run measured it (a file rewritten mid-run).
            raise ValueError(f"{self.source}: records {self.start}–{self.start + self.size - 1} expected, "
                             f"the input now ends after {self.start + found}; was it changed during the run?")


def ranges(source: str, parquet: bool, skip: int, size: int) -> Iterator[Range]:
    """The input at ``source`` after its first ``skip`` records, as ranges of at most ``size`` records
    for workers to read themselves: by the byte offsets of a JSON Lines file (found as the file is read)
    or by the row groups of a Parquet folder (``io_parquet.record_ranges``); ``ValueError`` when the
    input has fewer than ``skip`` records."""
    where = str(Path(source).resolve())  # a worker may run in another directory
    if parquet:
        for start, count in io_parquet.record_ranges(Path(source), skip, size):
            yield Range(where, True, start, 0, count)
    else:
        for start, offset, count in io_jsonl.partition_offsets(Path(source), skip, size):
            yield Range(where, False, start, offset, count)


@contextmanager
def part_file(folder: str | Path, start: int) -> Iterator[tuple[str, BinaryIO]]:
    """The part file of the partition starting at record ``start`` in ``folder``, open to be written: (its
    path, the file).

    Written under a temporary name and renamed when the block ends without error: a part is there
    whole or not at all, so a Dask task retried after its worker died writes it again, and a killed
    worker leaves no part that could be taken for its results.
    """
    final = Path(folder) / f"part-{start:012d}"
    temporary = final.with_name(f"{final.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as f:
            yield str(final), f
        os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)


def write_part(folder: str | Path, start: int, data: bytes) -> str:
    """Write the results of the partition starting at record ``start`` into ``folder`` (``part_file``);
    return the part's path."""
    with part_file(folder, start) as (path, f):
        f.write(data)
    return path


def take_part(path: str) -> bytes:
    """A part's bytes, the part removed: each is read once, by the process writing OUT."""
    part = Path(path)
    data = part.read_bytes()
    part.unlink()
    return data
