"""The bounds on every input, in one place.

A government system runs this library inside its own workers, behind an HTTP service and over a
whole region each night: one careless or hostile input must be refused with a clear error at once,
never hang a worker or exhaust its memory. Each bound below is named, documented for integrators
in ``docs/limits.md``, and checked where the input enters (facts validation, the rule-file reader,
the loader). Values are chosen far above anything a regulation or a real subject needs.
"""

from __future__ import annotations

from datetime import date

# --- facts (CONTRACT §3) -------------------------------------------------------------------------

#: Earliest and latest date accepted anywhere: event dates, dated parameters and ``as_of``.
#: Working-day deadlines near the end look a few weeks past the date, so the upper bound leaves
#: room below Python's ``date.max``.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)

#: Amounts: plain decimal notation, at most this many digits before the point and after it.
AMOUNT_INTEGER_DIGITS = 15
AMOUNT_FRACTION_DIGITS = 2

#: Events of one subject. Evaluation is linear in events; this bounds one subject's cost.
MAX_EVENTS = 100_000

#: Items of any other list in the facts (roles, lists, platform systems).
MAX_LIST_ITEMS = 1_000

#: Length of any text in the facts (ids, names, references, authorities).
MAX_TEXT_LENGTH = 1_000

#: Size of one facts document read from a file or a request, in bytes.
MAX_FACTS_BYTES = 64 * 1024 * 1024

# --- reports ------------------------------------------------------------------------------------

#: An undetermined rule lists, among its missing facts, those of the undetermined rules it rests
#: on while there are at most this many; past that it names the rule instead (whose own entry in
#: ``undetermined`` lists them), so a report stays linear in events however rules are chained.
MAX_INHERITED_MISSING = 100

# --- rule files ---------------------------------------------------------------------------------

#: Size of one rule or case file, in bytes. The rule-file reader is pure Python (it keeps every
#: value's position) at about 2.5 s of CPU per MB, so this bound keeps one file under a second; the
#: largest bundled ruleset is under 50 KB.
MAX_RULE_FILE_BYTES = 256 * 1024

#: YAML anchors/aliases. A few kilobytes of aliases can expand to gigabytes ("billion laughs");
#: the bundled rule files use none, so any alias past this many is refused.
MAX_YAML_ALIASES = 100

#: Values (mappings, lists, scalars) that aliases may copy into the document, all aliases together:
#: a hundred aliases of one large anchored block would otherwise still multiply its size.
MAX_YAML_ALIAS_VALUES = 10_000

#: Nesting depth of the YAML document (mappings and lists inside each other).
MAX_YAML_DEPTH = 64

#: Values (mappings, lists and scalars) in one YAML document. Reading costs about 30 µs of CPU per
#: value; the largest bundled ruleset has under 2,000.
MAX_YAML_VALUES = 20_000

#: Nesting depth of one rule's condition (``all``/``any``/``not``/``at_least`` inside each other).
MAX_CONDITION_DEPTH = 24

#: Counts (``at_least``, ``n``), windows and thresholds, checked at load time with their position.
MAX_COUNT = 100_000
MAX_WINDOW_MONTHS = 1_200  # a century
MAX_WINDOW_DAYS = 36_500
MAX_WORKING_DAYS = 3_650

# --- HTTP service (CONTRACT §7, ``ecredit serve``) ---------------------------------------------------

#: Default size of one request body, in bytes (``--max-body``). Checked while the body arrives, so
#: an oversized body is refused without being held in memory.
MAX_REQUEST_BYTES = 1024 * 1024

#: Subjects in one ``evaluate-many`` request.
MAX_SUBJECTS_PER_REQUEST = 1_000

#: Default seconds one request may spend judging (``--timeout``); past it the caller gets a 503.
REQUEST_TIMEOUT_SECONDS = 10

# --- batch (docs/batch.md) ----------------------------------------------------------------------

#: Records judged together as one unit of work (one task for a worker process, which reads them
#: itself from a JSON Lines file). Large enough that a task costs little beside judging it, small
#: enough to keep results flowing.
BATCH_PARTITION_RECORDS = 200

#: Partitions in flight per worker process: keeps every worker busy while memory stays bounded.
BATCH_WINDOW_PER_WORKER = 4

#: Records a local worker reads and judges as one task from a Parquet folder, never across a row
#: group (``io_parquet.record_ranges``): half a group as ``convert`` writes them. A task inside a
#: group decodes the group's earlier rows too; tasks of a whole group leave one worker alone at
#: the end of a small input. At 100,000 records two workers ran 1.75× one with tasks of 2,000,
#: 1.83× with 5,000, 1.86× with 10,000.
BATCH_PARQUET_TASK_RECORDS = 5_000

#: Records per partition when a job runs on a Dask cluster (one task, one part file each).
BATCH_DASK_PARTITION_RECORDS = 10_000
