"""Errors as data: RFC 9457 ``application/problem+json`` in the caller's language."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from ..errors import Problem
from ..messages import Lang, Msg

PROBLEM_TYPE = "application/problem+json"


def negotiate_lang(header: str | None) -> Lang:
    """The language of ``Accept-Language`` with the highest weight among zh and en; zh if neither is asked for.

    >>> negotiate_lang("en-US,en;q=0.9,zh;q=0.8"), negotiate_lang("zh-CN"), negotiate_lang(None), negotiate_lang("fr")
    ('en', 'zh', 'zh', 'zh')
    """
    best: tuple[float, Lang] | None = None
    for part in (header or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                continue
        lang: Lang = "zh" if primary == "zh" else "en"
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best is not None else "zh"


def problem_items(problems: Sequence[Problem | tuple[str, Msg]], lang: Lang) -> list[dict[str, str]]:
    """``[{"path", "message"}]`` for problems found by the library or by the service (a Msg, worded here).

    The library's problems arrive already worded: the service passes the caller's ``lang`` to it.
    """
    out = []
    for p in problems:
        if isinstance(p, Problem):
            out.append({"path": p.where, "message": p.message})
        else:
            path, msg = p
            out.append({"path": path, "message": msg.render(lang)})
    return out


class HttpProblem(Exception):
    """An answer other than 200, raised anywhere in a handler and turned into a problem document."""

    def __init__(
        self,
        status: int,
        title: Msg,
        detail: Msg,
        problems: Sequence[Problem | tuple[str, Msg]] = (),
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(title.code)
        self.status = status
        self.title = title
        self.detail = detail
        self.problems = list(problems)
        self.headers = headers or {}
        self.extra = extra or {}

    def response(self, lang: Lang) -> Response:
        body = {
            "type": "about:blank",
            "status": self.status,
            "title": self.title.render(lang),
            "detail": self.detail.render(lang),
            "problems": problem_items(self.problems, lang),
            **self.extra,
        }
        headers = {"Content-Language": lang, **self.headers}
        return Response(
            json.dumps(body, ensure_ascii=False), status_code=self.status, media_type=PROBLEM_TYPE, headers=headers
        )
