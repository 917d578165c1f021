"""Fuzzing ``ecredit batch``'s partitions: any records in, one valid UTF-8 JSON line per record out.

The records are the facts fuzzer's valid and mutated facts, with text that may hold any code point
(lone surrogates included, which JSON text may escape and Python then reads), written as JSON
Lines; some lines are damaged. Whatever they hold, the partition's output decodes as UTF-8, has
one line per record, each a report (the same bytes as ``evaluate(...).to_json()``) or an error
record naming the record's index.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.batch import runner

from .fuzzing import fuzz_settings, note, run_bounded
from .test_fuzz_facts import as_of_days, mutated_facts, valid_facts

# Any text, or text with a lone surrogate in it (hypothesis leaves them out of text unless asked by category).
any_text = st.one_of(
    st.text(max_size=12),
    st.builds(lambda head, lone, tail: head + lone + tail, st.text(max_size=5), st.characters(categories=["Cs"]),
              st.text("ab", max_size=3)),
)


@st.composite
def records(draw: st.DrawFn) -> str:
    facts: Any = draw(st.one_of(valid_facts, mutated_facts()))
    if isinstance(facts, dict) and isinstance(facts.get("subject"), dict) and draw(st.booleans()):
        facts["subject"]["id"] = draw(any_text)
    if isinstance(facts, dict) and isinstance(facts.get("events"), list) and facts["events"] and draw(st.booleans()):
        event = facts["events"][0]
        if isinstance(event, dict):
            event[draw(st.sampled_from(["id", "act", "answers", "grade"]))] = draw(any_text)
    line = json.dumps(facts)  # ASCII, every other code point escaped, as JSON allows
    cut = draw(st.integers(min_value=0, max_value=len(line)))
    return line if draw(st.integers(0, 9)) else line[:cut]  # now and then a damaged line


def _check(rs: ec.Ruleset, lines: list[str], day: date, engine: str) -> None:
    note((rs.id, day, engine, lines))
    data, count, refused = runner.partition_lines(rs, 5, lines, day, engine)
    written = data.decode("utf-8").split("\n")
    assert written.pop() == "" and count == len(written) == len(lines)
    errors = 0
    for i, (line, raw) in enumerate(zip(written, lines, strict=True)):
        out = json.loads(line)
        if "error" in out:
            errors += 1
            assert out["index"] == 5 + i and out["error"]["problems"]
        else:
            assert line == ec.evaluate(rs, raw, as_of=day, engine=engine).to_json()
    assert refused == errors


def test_any_records_give_one_utf8_json_line_each() -> None:
    bundled = {name: ec.load_ruleset(name) for name in ec.available_rulesets()}

    @fuzz_settings(max_examples=60)
    @given(lines=st.lists(records(), min_size=1, max_size=4), name=st.sampled_from(sorted(bundled)), day=as_of_days,
           engine=st.sampled_from(["compiled", "durable"]))
    def prop(lines: list[str], name: str, day: date, engine: str) -> None:
        _check(bundled[name], lines, day, engine)

    run_bounded(prop, timeout=120)
