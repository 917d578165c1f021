"""What the fuzz tests share: bounded hypothesis settings and running a property in a child process.

A fuzz property that hangs must fail its test, not stall the suite, so each property runs in a
forked child that is killed at a deadline; inside, hypothesis runs a fixed, derandomized set of
examples (reproducible in CI, no example database) with no per-example deadline.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable

from hypothesis import HealthCheck, settings

# The child is forked so that it shares the parent's imports (and loaded rulesets): no start-up cost.
_FORK = multiprocessing.get_context("fork")


def fuzz_settings(max_examples: int) -> settings:
    """Bounded, reproducible hypothesis settings for one fuzz property."""
    return settings(
        max_examples=max_examples,
        deadline=None,  # the child's timeout bounds the whole property instead
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=False,
    )


def _child(prop: Callable[[], None], sender: multiprocessing.connection.Connection) -> None:
    try:
        prop()
    except BaseException:  # report any failure (hypothesis's falsifying example included) to the parent
        sender.send(traceback.format_exc())
    else:
        sender.send(None)
    finally:
        sender.close()


def run_bounded(prop: Callable[[], None], timeout: float) -> None:
    """Run ``prop`` in a forked child; fail with its traceback if it fails, or if it runs past ``timeout`` s."""
    receiver, sender = _FORK.Pipe(duplex=False)
    worker = _FORK.Process(target=_child, args=(prop, sender), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise AssertionError(f"the fuzz property ran past {timeout} s (a hang, or inputs far too slow)")
        outcome = receiver.recv()
    except EOFError:
        worker.join(timeout=5)
        raise AssertionError(f"the fuzz child died without a result (exit code {worker.exitcode})") from None
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(timeout=5)
        receiver.close()
    if outcome is not None:
        raise AssertionError("fuzz property failed in the child process:\n" + outcome)
