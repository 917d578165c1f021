"""What the fuzz tests share: bounded hypothesis settings and running a property in a child process.

A fuzz property that hangs must fail its test, not stall the suite, so each property runs in a
forked child that is killed at a deadline; inside, hypothesis runs a fixed, derandomized set of
examples (reproducible in CI, no example database) with no per-example deadline.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from collections.abc import Callable

from hypothesis import HealthCheck, settings

# The child is forked so that it shares the parent's imports (and loaded rulesets): no start-up cost.
_FORK = multiprocessing.get_context("fork")
# ECREDIT_FUZZ_SCALE=20 runs twenty times the examples (and allows twenty times the time) for a deeper
# search by hand; CI runs the default, 1.
SCALE = max(1, int(os.environ.get("ECREDIT_FUZZ_SCALE", "1")))


def fuzz_settings(max_examples: int) -> settings:
    """Bounded, reproducible hypothesis settings for one fuzz property."""
    return settings(
        max_examples=max_examples * SCALE,
        deadline=None,  # the child's timeout bounds the whole property instead
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=False,
    )


_progress: multiprocessing.connection.Connection | None = None


def note(example: object) -> None:
    """Tell the parent which example runs now, so that a hang names its input."""
    if _progress is not None:
        _progress.send(("example", repr(example)[:2000]))


def _child(prop: Callable[[], None], sender: multiprocessing.connection.Connection) -> None:
    global _progress
    _progress = sender
    try:
        prop()
    except BaseException:  # report any failure (hypothesis's falsifying example included) to the parent
        sender.send(("done", traceback.format_exc()))
    else:
        sender.send(("done", None))
    finally:
        sender.close()


def run_bounded(prop: Callable[[], None], timeout: float) -> None:
    """Run ``prop`` in a forked child; fail with its traceback if it fails, or if it runs past ``timeout`` s."""
    receiver, sender = _FORK.Pipe(duplex=False)
    worker = _FORK.Process(target=_child, args=(prop, sender), daemon=True)
    worker.start()
    sender.close()
    deadline = time.monotonic() + timeout * SCALE
    last = "(none yet)"
    try:
        while True:
            if not receiver.poll(max(0.0, deadline - time.monotonic())):
                raise AssertionError(f"the fuzz property ran past {timeout * SCALE} s; last example: {last}")
            kind, payload = receiver.recv()
            if kind == "done":
                break
            last = payload
    except EOFError:
        worker.join(timeout=5)
        raise AssertionError(f"the fuzz child died (exit code {worker.exitcode}); last example: {last}") from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(timeout=5)
        receiver.close()
    if payload is not None:
        raise AssertionError("fuzz property failed in the child process:\n" + payload)
