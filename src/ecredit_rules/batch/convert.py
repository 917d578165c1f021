"""``ecredit convert``: JSON Lines ⇄ the Parquet layout of ``io_parquet``, every record kept."""

from __future__ import annotations

from pathlib import Path

from . import io_jsonl, io_parquet


def convert(source: Path, target: Path) -> int:
    """Convert ``source`` (a JSON Lines file, or a Parquet folder) to the other form at ``target``; return records."""
    refuse_overwriting(source, files_of(target, folder=not source.is_dir()))
    if source.is_dir():
        io_parquet.check_layout(source)
        count = 0
        with target.open("w", encoding="utf-8", newline="\n") as out:
            for line in io_parquet.parquet_to_jsonl(source):
                out.write(line + "\n")
                count += 1
        return count
    if target.exists() and not target.is_dir():
        raise ValueError(f"{target}: exists and is not a folder; a Parquet batch is a folder")
    with source.open("rb") as f:
        return io_parquet.jsonl_to_parquet(io_jsonl.read_records(f), target)


def files_of(path: Path, *, folder: bool) -> list[Path]:
    """The files a batch input or output at ``path`` is made of: a Parquet folder's two tables, or the file."""
    return [path / io_parquet.SUBJECTS, path / io_parquet.EVENTS] if folder else [path]


def refuse_overwriting(source: Path, targets: list[Path]) -> None:
    """``ValueError`` when writing ``targets`` would overwrite the input at ``source`` before it is read
    (``-o`` naming the input itself: opened for writing, it is emptied at once)."""
    inputs = [f for f in files_of(source, folder=source.is_dir()) if f.exists()]
    for target in targets:
        if target.exists() and any(target.samefile(f) for f in inputs):
            raise ValueError(f"{target}: is the input itself; writing it would destroy the records before they "
                             "are read")
