"""``ecredit convert``: JSON Lines ⇄ the Parquet layout of ``io_parquet``, every record kept."""

from __future__ import annotations

from pathlib import Path

from . import io_jsonl, io_parquet


def convert(source: Path, target: Path) -> int:
    """Convert ``source`` (a JSON Lines file, or a Parquet folder) to the other form at ``target``; return records."""
    if source.is_dir():
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
