"""``ecredit serve``: the rules as an HTTP service (CONTRACT §7), for systems not written in Python.

Needs the ``service`` extra (``pip install 'ecredit-rules[service]'``): Starlette and uvicorn.
See ``docs/service.md`` for running it under systemd and behind nginx.
"""

from .app import ServiceConfig, create_app

__all__ = ["ServiceConfig", "create_app"]
