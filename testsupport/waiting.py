"""Wait for a condition with a deadline: every wait in the tests is bounded and ends as soon as it can."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# How often a predicate is polled: short next to any wait a test makes, long next to a predicate's cost.
INTERVAL = 0.02


def _deadline(timeout: float, message: str = "condition") -> Callable[[], None]:
    """A check to call after each failed poll: it raises TimeoutError once ``timeout`` seconds have passed."""
    end = time.monotonic() + timeout

    def check() -> None:
        if time.monotonic() >= end:
            raise TimeoutError(f"{message} not met within {timeout}s")

    return check


def wait_until(predicate: Callable[[], T], timeout: float, interval: float = INTERVAL, message: str = "condition") -> T:
    """Poll ``predicate`` until it is truthy and return its value; raise TimeoutError at the deadline."""
    check_deadline = _deadline(timeout, message)
    while not (value := predicate()):
        check_deadline()
        time.sleep(interval)  # the poll interval of a bounded wait
    return value


async def until(predicate: Callable[[], T], timeout: float = 5.0, message: str = "condition") -> T:
    """``wait_until`` for async tests: the event loop keeps running between polls."""
    check_deadline = _deadline(timeout, message)
    while not (value := predicate()):
        check_deadline()
        await asyncio.sleep(INTERVAL)  # the poll interval of a bounded wait
    return value
