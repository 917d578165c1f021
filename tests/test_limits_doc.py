"""``docs/limits.md`` documents every bound of ``limits.py`` with its value: a new limit without docs fails."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ecredit_rules import limits

DOC = Path(__file__).resolve().parents[1] / "docs" / "limits.md"
PUBLIC = sorted(name for name in vars(limits) if name.isupper() and not name.startswith("_"))


def shown(value: object) -> str:
    """How the page writes a value: dates as YYYY-MM-DD, numbers with thousands separators."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    raise AssertionError(f"limits.py has a constant of a kind this page does not show: {value!r}")


def row_of(name: str) -> str | None:
    """The table row of ``docs/limits.md`` that documents ``name``."""
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith(f"| `{name}` |")]
    return rows[0] if len(rows) == 1 else None


def test_limits_module_has_public_constants() -> None:
    assert len(PUBLIC) >= 10  # the page test below would pass vacuously on an empty module


@pytest.mark.parametrize("name", PUBLIC)
def test_every_limit_has_one_row_in_the_docs_with_its_value(name: str) -> None:
    row = row_of(name)
    assert row is not None, f"docs/limits.md has no single table row for {name}"
    value_cell = row.split("|")[2].strip()
    assert value_cell.split(" (")[0] == shown(getattr(limits, name))


@pytest.mark.parametrize("name", PUBLIC)
def test_every_limit_row_says_what_it_bounds_and_what_you_get(name: str) -> None:
    row = row_of(name)
    assert row is not None
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert len(cells) == 4 and all(cells)


def test_readme_links_the_limits_page() -> None:
    readme = DOC.parents[1] / "README.md"
    assert "docs/limits.md" in readme.read_text(encoding="utf-8")
