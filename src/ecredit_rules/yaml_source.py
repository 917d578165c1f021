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

from . import limits
from .messages import Msg
from .surrogates import LONE_SURROGATE
from .yaml_mistakes import explain_syntax_error

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
                key = self._whole(self.constructor.construct_object(key_node, deep=True), key_node)
                if not isinstance(key, str | int | bool):
                    self.doc.problems.append((_mark(key_node), Msg("yaml_complex_key")))
                    continue
                if isinstance(key, str) and "\u3000" in key:
                    # An ideographic space where an indentation space belongs makes it part of the key.
                    where = _mark(key_node)
                    at = Position(where.line, where.column + key.index("\u3000"))
                    self.doc.problems.append((at, Msg("yaml_full_width_space")))
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
            value = self.constructor.construct_object(node, deep=True)
        except ValueError:
            # The safe constructor raises a bare ValueError for impossible dates such as 2019-02-30,
            # and for integers past Python's limit on digits converted from text.
            if node.tag == "tag:yaml.org,2002:timestamp":
                self.doc.problems.append((_mark(node), Msg("bad_date", value=node.value)))
            else:
                self.doc.problems.append((_mark(node), Msg("number_too_long", digits=len(node.value))))
            return None
        return self._whole(value, node)

    def _whole(self, value: Any, node: yaml.Node) -> Any:
        """``value``, refused if it is text holding a lone surrogate (a double-quoted "\\ud800"): no file,
        report or terminal can hold one, so every later message or report quoting it would fail."""
        lone = LONE_SURROGATE.search(value) if isinstance(value, str) else None
        if lone is None:
            return value
        self.doc.problems.append((_mark(node), Msg("yaml_lone_surrogate", code=f"\\u{ord(lone.group()):04x}")))
        return LONE_SURROGATE.sub("\ufffd", value)  # what later checks quote can be printed


class _Refused(Exception):
    """A document the bounded composer will not build, with where and why."""

    def __init__(self, pos: Position, msg: Msg) -> None:
        super().__init__(msg.code)
        self.pos = pos
        self.msg = msg


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader with the document's nesting and alias expansion bounded while composing.

    PyYAML's composer recurses once per nesting level and shares an aliased node everywhere it is
    referenced, so a deep file exhausts the stack and a few hundred bytes of aliases expand to
    billions of values when built. Both are counted here, as each node is composed, and refused
    before the recursion or the expansion can happen; so is a document of more values than can be
    read within a second.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._values = 0  # values composed so far, aliases not included (they are bounded apart)
        self._expanded: dict[int, tuple[int, int]] = {}  # node id → (aliases, values) it expands to
        self._aliases = 0  # aliases in the document as it would be built, nested ones included
        self._alias_values = 0  # values that aliases copy, counted the same way

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves the parser's methods untyped
        if isinstance(event, yaml.AliasEvent):
            return self._alias(event)
        self._depth += 1
        if self._depth > limits.MAX_YAML_DEPTH:
            raise _Refused(_event_position(event), Msg("yaml_too_deep", limit=limits.MAX_YAML_DEPTH))
        self._values += 1
        if self._values > limits.MAX_YAML_VALUES:
            raise _Refused(_event_position(event), Msg("yaml_too_many_values", limit=limits.MAX_YAML_VALUES))
        before = (self._aliases, self._alias_values)
        node = super().compose_node(parent, index)
        assert node is not None  # PyYAML returns a node or raises; its stub says Optional
        self._depth -= 1
        values = _count_values(node, self._expanded)
        self._expanded[id(node)] = (self._aliases - before[0], values)
        return node

    def _alias(self, event: yaml.AliasEvent) -> yaml.Node:
        pos = _event_position(event)
        node = self.anchors.get(event.anchor)
        if node is None:
            undefined = super().compose_node(None, 0)  # raises PyYAML's own "found undefined alias"
            assert undefined is not None  # not reached: an alias to no anchor is refused above
            return undefined
        if id(node) not in self._expanded:
            # Anchors are registered before their children are composed: an alias to a node not
            # yet finished points into itself, and building it would never end.
            raise _Refused(pos, Msg("yaml_alias_cycle", anchor=event.anchor))
        aliases, values = self._expanded[id(node)]
        self._aliases += 1 + aliases
        self._alias_values += values
        if self._aliases > limits.MAX_YAML_ALIASES or self._alias_values > limits.MAX_YAML_ALIAS_VALUES:
            raise _Refused(pos, Msg("yaml_aliases", limit=limits.MAX_YAML_ALIASES))
        self.get_event()  # type: ignore[no-untyped-call]  # types-PyYAML leaves the parser's methods untyped
        return node


def _count_values(node: yaml.Node, expanded: dict[int, tuple[int, int]]) -> int:
    """Values ``node`` stands for once aliases are copied out (children are already counted)."""
    if isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    else:
        return 1
    return 1 + sum(expanded.get(id(child), (0, 1))[1] for child in children)


def _event_position(event: yaml.Event) -> Position:
    mark = event.start_mark
    return Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)


def _syntax_problem(text: str, exc: yaml.MarkedYAMLError) -> tuple[Position, Msg]:
    try:
        line, column, msg = explain_syntax_error(text, exc)
    except Exception:  # naming the cause is a courtesy: a slip in it must not turn into a traceback
        mark = exc.problem_mark or exc.context_mark
        at = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        return at, Msg("yaml_syntax", detail=str(exc.problem or exc))
    return Position(line, column), msg


def _offset_position(text: str, offset: int) -> Position:
    """The line and column of the character at ``offset`` in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(text.count("\n", 0, offset) + 1, offset - line_start + 1)


def parse_yaml(text: str, file: str) -> SourceDocument:
    """Parse ``text`` safely; syntax errors become problems with positions instead of exceptions.

    >>> doc = parse_yaml("a: 1\\na: 2\\n", "x.yaml")
    >>> doc.problems[0][1].code
    'duplicate_key'
    """
    doc = SourceDocument(file=file, data=None)
    try:
        # PyYAML checks the whole text for control characters when the loader is made.
        loader = _BoundedLoader(text)
    except yaml.reader.ReaderError as exc:
        code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        doc.problems.append((_offset_position(text, exc.position), Msg("yaml_control_character", code=code)))
        return doc
    try:
        node = loader.get_single_node()
    except _Refused as refused:
        doc.problems.append((refused.pos, refused.msg))
        return doc
    except yaml.MarkedYAMLError as exc:
        doc.problems.append(_syntax_problem(text, exc))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append((Position(1, 1), Msg("yaml_syntax", detail=str(exc))))
        return doc
    finally:
        loader.dispose()
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
    if not isinstance(doc.data, dict):
        # Rule and case files are mappings; a bare null, list or value would otherwise pass as
        # "no data" with no problem to show.
        what, what_en = _SHAPES.get(type(doc.data), ("单个取值", "a single value"))
        doc.problems.append((Position(1, 1), Msg("yaml_not_mapping", what=what, what_en=what_en)))
        doc.data = None
    return doc


_SHAPES: dict[type, tuple[str, str]] = {type(None): ("空值 null", "null"), list: ("列表", "a list")}


def read_yaml(path: Path) -> SourceDocument:
    """Read and parse ``path`` once; the document keeps the bytes it was parsed from."""
    if path.stat().st_size > limits.MAX_RULE_FILE_BYTES:
        # Refused before reading: a huge file must not cost a watcher its memory or its time.
        doc = SourceDocument(file=str(path), data=None)
        doc.problems.append((Position(1, 1), Msg("file_too_large", limit=limits.MAX_RULE_FILE_BYTES // 1024)))
        return doc
    return parse_raw(path.read_bytes(), str(path))


def parse_raw(raw: bytes, file: str) -> SourceDocument:
    """``parse_yaml`` of the bytes of ``file`` (UTF-8); the document keeps them."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        doc = SourceDocument(file=file, data=None, raw=raw)
        doc.problems.append((Position(1, 1), Msg("not_utf8")))
        return doc
    doc = parse_yaml(text, file)
    doc.raw = raw
    return doc
