"""The auditor's document (CONTRACT §8) and the literate ruleset view, as Markdown, HTML or text.

Templates live in ``templates/`` (shipped in the wheel with the package). The HTML environment
autoescapes everything: facts are untrusted input, so a subject named ``<script>…`` prints as
those characters. Markdown and text are escaped by the ``md`` filter / printed as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Literal

import jinja2

from ..compare import Comparison
from ..facts import Facts
from ..ir import CompiledRuleset
from ..report import Report
from . import view

Format = Literal["markdown", "html", "text"]
_SUFFIX = {"markdown": "md", "html": "html", "text": "txt"}
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|#"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;",
                                                                   "\n": " ", "\r": " "})


def _md(value: object) -> str:
    """Text made inert in Markdown: no emphasis, links, table cells or raw HTML from the facts."""
    return str(value).translate(_MD_SPECIAL)


@cache
def _environment(fmt: Format) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ecredit_rules.render", "templates"),
        autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the tests instead of printing nothing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = _md
    env.globals.update(BOX_W=view.BOX_W, BOX_H=view.BOX_H)
    return env


def render_reports(
    entries: Sequence[tuple[Report, Facts, CompiledRuleset]], fmt: Format, comparison: Comparison | None = None
) -> str:
    """The auditor's document for one or more reports, each with the validated facts it was made on and
    its ruleset; with ``comparison``, headed by the side-by-side summary of ``ecredit compare``."""
    template = _environment(fmt).get_template(f"report.{_SUFFIX[fmt]}.j2")
    return template.render(
        title="同一主体在各地规则下的认定" if comparison is not None else view.entries_title(entries),
        reports=[view.report_view(*entry) for entry in entries],
        comparison=comparison,
        comparison_rows=view.comparison_view(comparison) if comparison is not None else [],
    )


def render_ruleset(rs: CompiledRuleset, fmt: Format) -> str:
    """The ruleset as law beside code (``ecredit show``)."""
    template = _environment(fmt).get_template(f"ruleset.{_SUFFIX[fmt]}.j2")
    return template.render(title=f"{rs.title}（规则集 {rs.id}）", **view.ruleset_view(rs))
