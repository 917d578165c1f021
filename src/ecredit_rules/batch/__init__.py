"""Batch at regional scale (CONTRACT §2 ``evaluate_many``, §6 ``batch`` and ``convert``; docs/batch.md).

The unit of work is a *partition*: a run of consecutive input records, judged together and
answered in input order. ``runner.judge_partition`` (reports as models) and ``runner.partition_lines``
(reports as JSON Lines, what ``ecredit batch`` writes) are the one place a partition is decided, so an
engine that decides a whole partition at once (a columnar engine) plugs in there; everything
around it — reading, the local process pool, Dask, progress, resume — is unchanged.
"""

from .records import RecordError

__all__ = ["RecordError"]
