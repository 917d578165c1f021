"""Safe YAML reading that remembers where every value stood, so errors can name line and column.

PyYAML's ``safe_load`` loses positions and silently keeps the last of two duplicated keys; a
policy officer who pasted a rule twice would never know. We compose the node tree with the safe
loader and build plain Python values ourselves, recording each value's position by its path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .messages import Msg

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based, as editors show them
    column: int  # 1-based


@dataclass
class SourceDocument:
    """The plain data of one YAML file with the position of every value in it."""

    file: str
    data: Any
    positions: dict[PathKey, Position] = field(default_factory=dict)
    # Where the key of each mapping entry stands: an unknown or uncovered key is pointed at itself.
    key_positions: dict[PathKey, Position] = field(default_factory=dict)
    problems: list[tuple[Position, Msg]] = field(default_factory=list)
    raw: bytes = b""  # the bytes read, so a digest describes exactly what was parsed

    def position_of(self, loc: tuple[Any, ...], *, key: bool = False) -> Position:
        """The position of the deepest known value along ``loc`` (of its key, with ``key=True``).

        Validation error locations contain steps that are not in the file (union member names,
        discriminator tags); those are skipped rather than ending the walk.
        """
        current = self.path_of(loc)
        if key and current in self.key_positions:
            return self.key_positions[current]
        return self.positions.get(current, Position(1, 1))

    def path_of(self, loc: tuple[Any, ...]) -> PathKey:
        current: PathKey = ()
        for step in loc:
            candidate = (*current, step)
            if candidate in self.positions:
                current = candidate
        return current


def _mark(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, doc: SourceDocument) -> None:
        self.doc = doc
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.doc.positions[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self.doc.problems.append((_mark(key_node), Msg("yaml_merge_key")))
                    continue
                key = self.constructor.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | bool):
                    self.doc.problems.append((_mark(key_node), Msg("yaml_complex_key")))
                    continue
                if key in result:
                    first = self.doc.key_positions[(*path, key)]
                    self.doc.problems.append((_mark(key_node), Msg("duplicate_key", key=key, first_line=first.line)))
                    continue
                self.doc.key_positions[(*path, key)] = _mark(key_node)
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self.constructor.construct_object(node, deep=True)
        except ValueError:
            # The safe constructor raises a bare ValueError for impossible dates such as 2019-02-30.
            self.doc.problems.append((_mark(node), Msg("bad_date", value=node.value)))
            return None


def parse_yaml(text: str, file: str) -> SourceDocument:
    """Parse ``text`` safely; syntax errors become problems with positions instead of exceptions.

    >>> doc = parse_yaml("a: 1\\na: 2\\n", "x.yaml")
    >>> doc.problems[0][1].code
    'duplicate_key'
    """
    doc = SourceDocument(file=file, data=None)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        line_text = text.splitlines()[pos.line - 1] if mark and pos.line - 1 < len(text.splitlines()) else ""
        if "\t" in line_text[: pos.column] or "'\\t'" in str(exc.problem):
            doc.problems.append((pos, Msg("yaml_tab")))
        else:
            doc.problems.append((pos, Msg("yaml_syntax", detail=str(exc.problem or exc))))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append((Position(1, 1), Msg("yaml_syntax", detail=str(exc))))
        return doc
    if node is None:
        doc.problems.append((Position(1, 1), Msg("yaml_empty")))
        return doc
    try:
        doc.data = _Builder(doc).build(node, ())
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        pos = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        doc.problems.append((pos, Msg("yaml_value", detail=str(exc.problem))))
    return doc


def read_yaml(path: Path) -> SourceDocument:
    """Read and parse ``path`` once; the document keeps the bytes it was parsed from."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        doc = SourceDocument(file=str(path), data=None, raw=raw)
        doc.problems.append((Position(1, 1), Msg("not_utf8")))
        return doc
    doc = parse_yaml(text, str(path))
    doc.raw = raw
    return doc
