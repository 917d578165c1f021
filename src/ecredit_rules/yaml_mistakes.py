"""Naming the real cause of a YAML syntax error, at the line of the mistake, in plain words.

PyYAML reports where its parser gave up, in English, often a line after the slip: a full-width
colon in ``unit：times`` surfaces as "could not find expected ':'" on the next line. The slips a
policy officer actually makes are few — full-width punctuation or spaces typed with a Chinese
input method, tabs, indentation that does not line up — so the lines between where the parser
started the failing construct and where it gave up are searched for them, first one wins.
"""

from __future__ import annotations

import re

import yaml

from .messages import Msg

# A key written with a full-width colon: at the start of a block line (after indentation and list
# dashes) or after the opening brace or a comma of a flow mapping. Keys are ids, so ASCII only;
# Chinese text with a full-width colon inside a value is left alone.
_FULL_WIDTH_COLON_KEY = re.compile(
    r"(?:^[ \u3000]*(?:-[ \u3000]+)*|[{,][ \u3000]*)[\"']?[A-Za-z0-9_.\-]+[\"']?[ \u3000]*(：)"
)
# An ideographic space where YAML needs a plain one: in the indentation, after a list dash, a
# colon or a comma.
_IDEOGRAPHIC_SPACE = re.compile(r"^ *(\u3000)|(?:^ *-|[:,])(\u3000)")
_LOOK_BACK = 5  # lines above the parser's failure searched for the slip
_BLOCK_SCALAR = re.compile(r"(?::|^\s*-)\s*[|>][-+0-9]*\s*(?:#.*)?$")


def explain_syntax_error(text: str, exc: yaml.MarkedYAMLError) -> tuple[int, int, Msg]:
    """(line, column, message), 1-based, for the mistake behind ``exc``."""
    mark = exc.problem_mark or exc.context_mark
    lines = text.splitlines()
    line = mark.line if mark else 0
    column = mark.column if mark else 0
    if line >= len(lines):  # the parser gave up at the end of the file: point at the last line's end
        line = max(len(lines) - 1, 0)
        column = len(lines[line]) if lines else 0
    problem = str(exc.problem or exc)
    line_text = lines[line] if line < len(lines) else ""
    if "\t" in line_text[: column + 1] or "'\\t'" in problem:
        tab = line_text.find("\t")
        return line + 1, (tab if tab >= 0 else column) + 1, Msg("yaml_tab")
    # From where the failing construct started (a flow collection, a key), but never far above:
    # a block mapping's context is its first line, and the slip is always close to the failure.
    first = exc.context_mark.line if exc.context_mark is not None else line
    first = max(0, line - _LOOK_BACK, min(first, line - 1))
    for i in range(first, line + 1):
        found = _full_width(lines[i] if i < len(lines) else "", flow="flow" in str(exc.context or ""))
        if found is not None:
            return i + 1, found[0] + 1, found[1]
    for i in range(first, line + 1):
        indent = _indentation(lines, i)
        if indent is not None:
            return i + 1, indent[0] + 1, indent[1]
    return line + 1, column + 1, Msg("yaml_syntax", detail=problem)


def _unquoted(line: str) -> str:
    """``line`` with quoted text and any comment blanked out, so positions stay where they were."""
    out = []
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            out.append(" ")
            if ch == quote:
                quote = ""
        elif ch in "\"'" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = ch
            out.append(" ")
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            break
        else:
            out.append(ch)
    return "".join(out).ljust(len(line))


def _full_width(line: str, *, flow: bool) -> tuple[int, Msg] | None:
    """Where a full-width colon, comma or space stands in for YAML punctuation on ``line``."""
    plain = _unquoted(line)
    colon = _FULL_WIDTH_COLON_KEY.search(plain)
    if colon:
        return colon.start(1), Msg("yaml_full_width_colon")
    comma = plain.find("，")
    opened = max(plain.find("["), plain.find("{"))
    if comma >= 0 and (flow or 0 <= opened < comma):
        return comma, Msg("yaml_full_width_comma")
    space = _IDEOGRAPHIC_SPACE.search(plain)
    if space:
        return space.start(1) if space.group(1) else space.start(2), Msg("yaml_full_width_space")
    return None


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and not stripped.startswith("---")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indentation(lines: list[str], target: int) -> tuple[int, Msg] | None:
    """An indentation that lines up with no enclosing block at line ``target``, and the line it misses.

    The enclosing blocks are followed the way YAML's offside rule does: each line closes the
    deeper blocks above it; a list item opens one more level where its content starts.
    """
    if target >= len(lines) or not _is_content(lines[target]):
        return None
    levels: list[int] = []
    previous: int | None = None
    scalar_indent: int | None = None  # inside a block scalar (| or >): its lines are text
    for i in range(target):
        line = lines[i]
        if not _is_content(line):
            continue
        n = _indent(line)
        if scalar_indent is not None and n > scalar_indent:
            continue
        scalar_indent = None
        while levels and levels[-1] > n:
            levels.pop()
        if not levels or levels[-1] < n:
            levels.append(n)
        body = line.lstrip(" ")
        while body.startswith("- "):  # "- key: v": the item's content is a level of its own
            n += len(body) - len(body[1:].lstrip(" "))
            body = body[1:].lstrip(" ")
            levels.append(n)
        if _BLOCK_SCALAR.search(_unquoted(line)):
            scalar_indent = _indent(line)
        previous = i
    if previous is None:
        return None
    n = _indent(lines[target])
    prev_line = lines[previous]
    prev_indent = levels[-1] if levels else _indent(prev_line)
    opens_block = _unquoted(prev_line).rstrip().endswith((":", "-"))
    if n > prev_indent and not opens_block:
        return n, Msg("yaml_indent_deeper", other=previous + 1, extra=n - prev_indent)
    if n not in levels and n <= prev_indent:
        # A list item misses the items above it; anything else misses the line just above.
        other = _last_item(lines, target) if lines[target].lstrip(" ").startswith("- ") else None
        other = previous if other is None else other
        return n, Msg("yaml_indent_unaligned", indent=n, other=other + 1, other_indent=_indent(lines[other]))
    if lines[target].lstrip(" ").startswith("-"):
        return _stray_item(lines, target, n)
    return None


def _stray_item(lines: list[str], target: int, n: int) -> tuple[int, Msg] | None:
    """A list item at a column where its block holds keys, not items: it misses the items above."""
    same = next((i for i in range(target - 1, -1, -1) if _is_content(lines[i]) and _indent(lines[i]) <= n), None)
    if same is None or _indent(lines[same]) < n:
        return None  # the first item of a new list
    previous = next(i for i in range(target - 1, -1, -1) if _is_content(lines[i]))
    opens_list = same == previous and _unquoted(lines[same]).rstrip().endswith(":")
    if lines[same].lstrip(" ").startswith("-") or opens_list:
        return None  # a sibling item, or a list written under its key at the key's column: both fine
    item = _last_item(lines, target)
    if item is None:
        return None
    return n, Msg("yaml_indent_unaligned", indent=n, other=item + 1, other_indent=_indent(lines[item]))


def _last_item(lines: list[str], target: int) -> int | None:
    return next((i for i in range(target - 1, -1, -1) if lines[i].lstrip(" ").startswith("- ")), None)
