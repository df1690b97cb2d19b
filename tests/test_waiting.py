"""Bounded waits: the predicate's first truthy value comes back, a deadline ends the wait with its message."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from testsupport.waiting import until, wait_until


def truthy_on_poll(number: int) -> tuple[Callable[[], str], list[int]]:
    """A predicate falsy until its `number`th poll, then "ready"; and the list of polls made."""
    polls: list[int] = []

    def predicate() -> str:
        polls.append(len(polls) + 1)
        return "ready" if len(polls) >= number else ""

    return predicate, polls


def test_wait_until_returns_the_first_truthy_value() -> None:
    predicate, polls = truthy_on_poll(3)
    assert wait_until(predicate, timeout=30, interval=0) == "ready"
    assert polls == [1, 2, 3]


def test_wait_until_raises_with_the_message_once_the_deadline_has_passed() -> None:
    predicate, polls = truthy_on_poll(99)
    with pytest.raises(TimeoutError, match=r"^the reply not met within 0s$"):
        wait_until(predicate, timeout=0, message="the reply")
    assert polls == [1]


async def test_until_returns_the_first_truthy_value() -> None:
    predicate, polls = truthy_on_poll(3)
    assert await until(predicate, timeout=30) == "ready"
    assert polls == [1, 2, 3]


async def test_until_raises_at_the_deadline_with_the_message() -> None:
    predicate, polls = truthy_on_poll(99)
    with pytest.raises(TimeoutError, match=r"^the reply not met within 0s$"):
        await until(predicate, timeout=0, message="the reply")
    assert polls == [1]
