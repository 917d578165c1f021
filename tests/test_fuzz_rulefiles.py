"""Fuzzing the rule files: the bundled files, damaged as text and as structure.

``load_ruleset`` must give a compiled ruleset or a ``RulesetError`` whose every problem is located
as ``file:line:col`` (line ≥ 1) with a message — nothing else, and quickly. A damaged file that
still loads must evaluate facts on both engines alike.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import ecredit_rules as ec
from ecredit_rules.bundled import rules_dir

from .fuzzing import fuzz_settings, note, run_bounded

RULESETS = ec.available_rulesets()
TEXTS = {name: (rules_dir() / f"{name}.yaml").read_text(encoding="utf-8") for name in RULESETS}
LOCATION = re.compile(r"^(?P<file>.+):(?P<line>[0-9]+):(?P<col>[0-9]+)$")
# A subject with a little of everything, to evaluate a damaged ruleset that still loads.
PROBE_FACTS = {
    "subject": {"id": "S1", "roles": ["goods_operator"], "legal_form": "enterprise", "licensed": True, "lists": []},
    "events": [
        {"id": f"P{i}", "type": "penalty", "date": f"2024-0{i}-10", "act": "counterfeit_goods",
         "sales_amount": "60000"} for i in range(1, 4)
    ] + [{"id": "R1", "type": "review_request", "date": "2024-05-06"}],
    "compliance": {"seven_day_returns": False},
}
PROBE_DAYS = (date(2024, 6, 30), date(2999, 12, 31))

@dataclass(frozen=True)
class Damaged:
    """A damaged copy of a bundled rule file; shown by its edits, not its 40 KB of bytes."""

    name: str
    raw: bytes = field(repr=False)
    edits: tuple[str, ...]


# --- text-level damage ---------------------------------------------------------------------------

FULL_WIDTH = ["：", "，", "　", "－", "＃", "｛", "］", "“", "\t", "\x00", "\ufeff", "&a", "*a", "!!python/none", "%"]


@st.composite
def damaged_text(draw: st.DrawFn) -> Damaged:
    name = draw(st.sampled_from(RULESETS))
    lines = TEXTS[name].splitlines(keepends=True)
    edits: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "insert", "truncate"]))
        edits.append(f"{action} line {at + 1}: {lines[at][:60]!r}")
        if action == "delete":
            del lines[at]
        elif action == "duplicate":
            lines.insert(at, lines[at])
        elif action == "swap":
            other = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif action == "indent":
            lines[at] = draw(st.sampled_from([" ", "  ", "\t", "    "])) + lines[at]
        elif action == "dedent":
            lines[at] = lines[at][draw(st.integers(min_value=1, max_value=4)):] or "\n"
        elif action == "insert":
            col = draw(st.integers(min_value=0, max_value=len(lines[at])))
            lines[at] = lines[at][:col] + draw(st.sampled_from(FULL_WIDTH)) + lines[at][col:]
        else:
            lines[at] = lines[at][: draw(st.integers(min_value=0, max_value=len(lines[at])))]
            del lines[at + 1:]
        if not lines:
            break
    raw = "".join(lines).encode("utf-8")
    if draw(st.booleans()):  # a few random bytes somewhere: bad UTF-8, control characters
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        junk = draw(st.binary(min_size=1, max_size=4))
        raw = raw[:at] + junk + raw[at:]
        edits.append(f"bytes {junk!r} at offset {at}")
    return Damaged(name, raw, tuple(edits))


# --- structure-level damage ----------------------------------------------------------------------

hostile_values = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.sampled_from([0, -1, -5, 1_000_000, 10**30, 0.5, True, None, "", "　", "x" * 300, [], {}, "2024-02-30",
                     "9999-12-31", "0001-01-01", "tuquan.art11.item4", "param", {"param": "nowhere"}, [None],
                     # lone surrogates, which YAML's "\u" escapes can write and no file or report can hold
                     "\ud800", "标题\udfff", "\ud83d\ude00"]),
    st.text(max_size=10),
    st.integers(min_value=1, max_value=200).map(lambda depth: json.loads('{"not": ' * depth + "{}" + "}" * depth)),
    st.integers(min_value=1, max_value=300).map(lambda depth: json.loads('{"all": [' * depth + "{}" + "]}" * depth)),
)


def _places(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for key, value in items:
        out.append((*prefix, key))
        out.extend(_places(value, (*prefix, key)))
    return out


def _checked(place: tuple[Any, ...]) -> bool:
    """Inside the parameters or a rule or deadline (written under its clause), where the loader's checks live."""
    return place[0] == "parameters" or (place[0] == "clauses" and len(place) > 2 and place[2] in ("rules", "deadlines"))


@st.composite
def damaged_structure(draw: st.DrawFn) -> Damaged:
    name = draw(st.sampled_from(RULESETS))
    doc = yaml.safe_load(TEXTS[name])
    # Mostly inside the rules and parameters, where the loader's checks live.
    places = _places(doc)
    focus = [p for p in places if _checked(p)] or places
    edits: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(focus if draw(st.booleans()) else places))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "drop", "rename", "copy"]))
        edits.append(f"{action} {'.'.join(map(str, path))}")
        if action == "replace":
            parent[last] = draw(hostile_values)
            edits[-1] += f" with {str(parent[last])[:60]}"
        elif action == "drop":
            del parent[last]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["unknown", "rule", "when ", "所有", "id", "kind"]))] = parent.pop(last)
        elif action == "copy" and isinstance(parent, list):
            parent.append(parent[last])
        places = _places(doc)
        focus = [p for p in places if _checked(p)] or places
        if not places:
            break
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
    return Damaged(name, text.encode("utf-8"), tuple(edits))


# --- the property --------------------------------------------------------------------------------


def _load_or_refuse(name: str, raw: bytes, folder: Path) -> None:
    """Load the damaged file (under its ruleset's name, as the loader requires); check whatever comes back."""
    path = folder / f"{name}.yaml"
    path.write_bytes(raw)
    try:
        rs = ec.load_ruleset(path)
    except ec.RulesetError as err:
        assert err.problems, "a RulesetError names at least one problem"
        for problem in err.problems:
            where = LOCATION.match(problem.where)
            assert where, f"not located as file:line:col: {problem}"
            assert int(where["line"]) >= 1 and int(where["col"]) >= 1, problem
            assert problem.message.strip(), problem
            f"{problem.where}: {problem.message}".encode()  # printable, whatever the file held
        return
    assert isinstance(rs, ec.Ruleset)
    for day in PROBE_DAYS:
        durable, compiled = (ec.evaluate(rs, PROBE_FACTS, as_of=day, engine=e) for e in ("durable", "compiled"))
        assert durable.model_dump(exclude={"engine"}) == compiled.model_dump(exclude={"engine"}), day
        durable.to_json().encode()  # a loaded ruleset's words can be written out
    rs.close()


@pytest.mark.parametrize("damage", [damaged_text, damaged_structure], ids=["as_text", "in_structure"])
def test_rule_files_damaged_load_or_give_located_problems(damage: Callable[[], st.SearchStrategy[Damaged]]) -> None:
    @fuzz_settings(max_examples=30)
    @given(damaged=damage())
    def prop(damaged: Damaged) -> None:
        note(damaged)
        with tempfile.TemporaryDirectory() as folder:
            _load_or_refuse(damaged.name, damaged.raw, Path(folder))

    run_bounded(prop, timeout=90)


def test_a_control_character_in_a_rule_file_is_named_at_its_line_and_column(tmp_path: Path) -> None:
    """Found by the fuzzing above: PyYAML's ReaderError escaped load_ruleset as a traceback."""
    path = tmp_path / "tuquan.yaml"
    path.write_text(TEXTS["tuquan"].replace("version:", "vers\x00ion:", 1), encoding="utf-8")
    line = next(n for n, text in enumerate(TEXTS["tuquan"].splitlines(), start=1) if "version:" in text)
    column = TEXTS["tuquan"].splitlines()[line - 1].index("version:") + 5
    try:
        ec.load_ruleset(path, lang="en")
    except ec.RulesetError as err:
        assert [p.where for p in err.problems] == [f"{path}:{line}:{column}"]
        assert "control character (U+0000)" in err.problems[0].message
    else:
        raise AssertionError("a rule file with a NUL character loaded")
