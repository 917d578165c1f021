"""Running the service under uvicorn: one or several worker processes, each building its own app.

The configuration reaches the workers through one environment variable (JSON), because uvicorn
starts them as fresh processes that import the app by name. The token itself is never in it:
each worker reads ``--token-file``.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import uvicorn
from starlette.applications import Starlette

from .app import ServiceConfig, create_app

CONFIG_ENV = "ECREDIT_SERVE_CONFIG"

#: Seconds that in-flight requests get to finish after SIGTERM before their connections are closed.
GRACEFUL_SECONDS = 30


def app_from_env() -> Starlette:
    """The app of one worker process, configured by :data:`CONFIG_ENV` (uvicorn's factory)."""
    raw = os.environ.get(CONFIG_ENV)
    return create_app(ServiceConfig.from_json(raw) if raw else ServiceConfig())


def _log_config() -> dict[str, Any]:
    """uvicorn's own logging, with the service's messages (swaps, broken edits, internal errors) beside them."""
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["ecredit_rules"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def run(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
        graceful_seconds: int = GRACEFUL_SECONDS, access_log: bool = False) -> None:
    """Serve until SIGTERM or SIGINT; in-flight requests finish (up to ``graceful_seconds``), then the log closes."""
    os.environ[CONFIG_ENV] = config.to_json()
    uvicorn.run(
        "ecredit_rules.service.server:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_graceful_shutdown=graceful_seconds,
        access_log=access_log,
        log_config=_log_config(),
        server_header=False,
    )
