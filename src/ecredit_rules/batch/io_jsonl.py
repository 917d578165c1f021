"""JSON Lines in and out: every line is one record, and output ends on a whole record."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..limits import MAX_FACTS_BYTES
from ..messages import Msg
from .records import Raw, Unreadable

_CHUNK = 1 << 20


def count_lines(path: Path) -> int:
    """Records in a JSON Lines file: its lines, a last line without a newline included."""
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def read_records(stream: BinaryIO, skip: int = 0) -> Iterator[Raw]:
    """Each line's bytes (its newline removed), after the first ``skip`` lines.

    A line longer than ``MAX_FACTS_BYTES`` is not held in memory: it becomes an ``Unreadable``.
    """
    for number in range(skip):
        if not _skip_line(stream):
            raise ValueError(f"the input has only {number} records, fewer than the {skip} already written")
    while True:
        line = stream.readline(MAX_FACTS_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_FACTS_BYTES and not line.endswith(b"\n"):
            _skip_line(stream)
            yield Unreadable([("(json)", Msg("batch_line_too_long", limit=MAX_FACTS_BYTES))])
            continue
        yield line.rstrip(b"\r\n") if line.endswith(b"\n") else line


def _skip_line(stream: BinaryIO) -> bool:
    """Read past one line; False at the end of the input."""
    while True:
        part = stream.readline(_CHUNK)
        if not part:
            return False
        if part.endswith(b"\n"):
            return True


def complete_records(path: Path) -> tuple[int, int]:
    """For ``--resume``: cut a partial last line off ``path``; return its whole lines and error records.

    A run killed mid-write leaves at most one partial line, which is dropped and judged again.
    """
    done = errors = 0
    keep = 0
    with path.open("rb") as f:
        offset = 0
        while line := f.readline():
            if not line.endswith(b"\n"):
                break
            offset += len(line)
            keep = offset
            done += 1
            errors += line.startswith(b'{"index"')
    if keep != path.stat().st_size:
        with path.open("r+b") as f:
            f.truncate(keep)
            os.fsync(f.fileno())
    return done, errors


def partition_offsets(path: Path, skip: int, size: int) -> list[tuple[int, int, int]]:
    """``(first index, byte offset, records)`` of consecutive runs of ``size`` records after ``skip``."""
    starts: list[tuple[int, int]] = []
    total, previous = 0, 0
    with path.open("rb") as f:
        for index, end in enumerate(_record_ends(f)):
            if index >= skip and (index - skip) % size == 0:
                starts.append((index, previous))
            previous, total = end, index + 1
    return [(index, offset, min(size, total - index)) for index, offset in starts]


def _record_ends(stream: BinaryIO) -> Iterator[int]:
    """The byte offset just past each record (its newline, or the end of a last line without one)."""
    offset, open_line = 0, False
    while part := stream.readline(_CHUNK):
        offset += len(part)
        open_line = not part.endswith(b"\n")
        if not open_line:
            yield offset
    if open_line:
        yield offset


def read_partition(path: Path, offset: int, count: int) -> list[Raw]:
    """``count`` records starting at byte ``offset`` of a JSON Lines file."""
    with path.open("rb") as f:
        f.seek(offset)
        records = read_records(f)
        return [next(records) for _ in range(count)]
