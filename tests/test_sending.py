"""The send gate: group budgets, private pacing, retries through outages, drops counted, one log line a minute."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.cooldown import GroupBudget
from bot.sending import BudgetSpent, FailureLog, SendDropped, SendGuard, is_outage, is_urgent

GROUP, PRIVATE = -100123, 555


class FakeApi:
    """The callback PTB hands the rate limiter: fails as told, else records the call."""

    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.failures = list(failures or [])
        self.calls: list[tuple[str, float]] = []

    async def __call__(self, endpoint: str, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if self.failures:
            raise self.failures.pop(0)
        self.calls.append((endpoint, time.monotonic()))
        return {"ok": True}


async def send(
    guard: SendGuard, api: FakeApi, chat_id: int, kind: str | None = None, endpoint: str = "sendMessage"
) -> Any:
    """One request through the gate, as ExtBot makes it."""
    data = {"chat_id": chat_id, "text": "x"}
    return await guard.process_request(api, (endpoint, data), {}, endpoint, data, kind)  # type: ignore[arg-type]


def make_guard(
    limit: int = 4, reserve: int = 1, window: float = 60.0, interval: float = 0.0, deadline: float = 5.0
) -> SendGuard:
    return SendGuard(GroupBudget(limit, reserve, window), private_interval=interval, deadline=deadline)


def test_urgent_kinds_include_the_safety_layers() -> None:
    assert all(is_urgent(kind) for kind in ("urgent", "crisis", "emergency"))
    assert not any(is_urgent(kind) for kind in ("answer", "fallback", None, 3))
    assert is_outage(TimedOut()) and is_outage(NetworkError("x")) and not is_outage(BadRequest("x"))


async def test_ordinary_group_messages_are_refused_when_only_the_reserve_is_left() -> None:
    guard, api = make_guard(), FakeApi()
    for _ in range(3):
        await send(guard, api, GROUP, "answer")
    with pytest.raises(BudgetSpent):
        await send(guard, api, GROUP, "answer")
    await send(guard, api, GROUP, "urgent")  # the reserved room
    assert len(api.calls) == 4 and guard.refused == 1
    await send(guard, api, PRIVATE)  # private chats have no group budget
    await send(guard, api, GROUP, endpoint="answerCallbackQuery")  # not a message in the chat


async def test_an_urgent_message_waits_for_room_and_never_exceeds_the_limit() -> None:
    guard, api = make_guard(limit=2, reserve=1, window=0.3), FakeApi()
    await send(guard, api, GROUP, "crisis")
    await send(guard, api, GROUP, "emergency")
    start = time.monotonic()
    await send(guard, api, GROUP, "urgent")
    assert time.monotonic() - start >= 0.25  # waited for the first to leave the window
    times = [t for _, t in api.calls]
    assert times[2] - times[0] >= 0.3


async def test_one_private_chat_gets_about_one_message_per_interval_and_others_are_not_delayed() -> None:
    guard, api = make_guard(interval=0.05), FakeApi()
    start = time.monotonic()
    await asyncio.gather(*(send(guard, api, PRIVATE) for _ in range(6)), send(guard, api, PRIVATE + 1))
    assert time.monotonic() - start >= 0.25  # six to one chat: five intervals
    assert len(api.calls) == 7


async def test_network_failures_are_retried_until_they_pass() -> None:
    guard, api = make_guard(), FakeApi([NetworkError("down"), TimedOut(), NetworkError("Bad Gateway")])
    assert await send(guard, api, PRIVATE) == {"ok": True}
    assert guard.failures.failures == 3 and guard.failures.dropped == 0


async def test_bad_requests_are_not_retried() -> None:
    guard, api = make_guard(), FakeApi([BadRequest("can't parse entities")])
    with pytest.raises(BadRequest):
        await send(guard, api, PRIVATE)
    assert guard.failures.failures == 0


async def test_a_message_is_dropped_and_counted_after_the_deadline() -> None:
    guard, api = make_guard(deadline=0.3), FakeApi([NetworkError("down")] * 100)
    start = time.monotonic()
    with pytest.raises(SendDropped):
        await send(guard, api, PRIVATE)
    assert time.monotonic() - start <= 0.35
    assert guard.failures.dropped == 1


async def test_a_stop_wakes_waiting_messages_and_ends_them_within_its_deadline() -> None:
    guard, api = make_guard(limit=2, reserve=1, window=60.0), FakeApi()
    await send(guard, api, GROUP, "urgent")
    await send(guard, api, GROUP, "urgent")
    waiting = asyncio.ensure_future(send(guard, api, GROUP, "urgent"))  # would wait a minute
    await asyncio.sleep(0)  # one loop turn, not a timed wait: the send runs up to its wait for room
    start = time.monotonic()
    guard.begin_stop(0.1)
    with pytest.raises(BudgetSpent):
        await waiting
    assert time.monotonic() - start < 0.5


def test_repeated_failures_log_one_line_per_period_with_the_count(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = FailureLog(every=60.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="bot.sending"):
        for second in range(120):
            now[0] = float(second)
            log.note(NetworkError("down"), dropped=second % 10 == 0)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2
    assert "1 failed attempt(s), 1 message(s) dropped" in lines[0]
    assert "60 failed attempt(s), 6 message(s) dropped" in lines[1]
    assert (log.failures, log.dropped) == (120, 12)
