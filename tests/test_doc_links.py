"""README and docs link only to files inside the repository, and every such link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _local_targets(doc: Path) -> list[str]:
    targets = [t.split("#")[0] for t in LINK.findall(doc.read_text(encoding="utf-8"))]
    return [t for t in targets if t and not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_local_link_points_to_a_file_inside_the_repository(doc: Path) -> None:
    bad = []
    for target in _local_targets(doc):
        path = (doc.parent / target).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            bad.append(target)
    assert bad == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_no_doc_refers_to_the_folder_beside_the_checkout(doc: Path) -> None:
    assert "../shared" not in doc.read_text(encoding="utf-8")
