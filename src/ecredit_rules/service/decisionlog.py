"""The decision log (CONTRACT §7): one JSON line per decision, rotated by size, shared by worker processes.

Each line is written with one ``os.write`` on a file opened ``O_APPEND`` before the answer is sent,
so a crash of the process loses at most the request in flight (the kernel holds what was written).
``logging.handlers.RotatingFileHandler`` is not used because it rotates per process: with
``--workers N`` each process would rename the file under the others. Here every write takes an
advisory lock on ``FILE.lock``; under it the writer rotates when the file on disk is full and
reopens the file when another process has rotated it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_BACKUPS = 10


class DecisionLog:
    """Append-only JSON Lines, rotated to ``FILE.1`` … ``FILE.<backups>`` once ``FILE`` exceeds ``max_bytes``."""

    def __init__(self, path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS) -> None:
        if max_bytes <= 0 or backups < 1:
            raise ValueError("the decision log needs a positive size and at least one backup")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()  # the flock is per process; threads of one process queue here
        self._lock_fd = os.open(f"{self.path}.lock", os.O_WRONLY | os.O_CREAT, 0o640)
        self._fd = self._open()

    def _open(self) -> int:
        return os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)

    def write(self, record: dict[str, Any]) -> None:
        """Append one decision; returns once the line is in the file."""
        self.write_many([record])

    def write_many(self, records: list[dict[str, Any]]) -> None:
        """Append the decisions of one request with one write; returns once the lines are in the file."""
        line = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":"), default=str) + "\n" for r in records)
        self._append(line.encode("utf-8"))

    def _append(self, line: bytes) -> None:
        with self._lock:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                self._follow_rotation()
                if os.fstat(self._fd).st_size + len(line) > self.max_bytes and os.fstat(self._fd).st_size > 0:
                    self._rotate()
                view = memoryview(line)
                while view:  # a large batch may take more than one write
                    view = view[os.write(self._fd, view):]
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _follow_rotation(self) -> None:
        """Reopen ``FILE`` if another process renamed the one this process has open."""
        try:
            on_disk = os.stat(self.path)
        except FileNotFoundError:
            on_disk = None
        mine = os.fstat(self._fd)
        if on_disk is None or (on_disk.st_ino, on_disk.st_dev) != (mine.st_ino, mine.st_dev):
            os.close(self._fd)
            self._fd = self._open()

    def _rotate(self) -> None:
        for n in range(self.backups - 1, 0, -1):
            older = Path(f"{self.path}.{n}")
            if older.exists():
                older.replace(f"{self.path}.{n + 1}")
        self.path.replace(f"{self.path}.1")
        os.close(self._fd)
        self._fd = self._open()

    def close(self) -> None:
        """Release the file; lines already written are in the file (nothing is buffered here)."""
        with self._lock:
            for fd in (self._fd, self._lock_fd):
                with contextlib.suppress(OSError):
                    os.close(fd)


def utc_now() -> str:
    """The time of a decision: UTC, ISO 8601 with milliseconds and ``Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
