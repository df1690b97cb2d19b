"""Every request the bot makes, through one gate: group budgets, private pacing, retries through outages.

PTB hands each API call (except getUpdates) to the Application's rate limiter, so this is the one
place that sees every message sent to a group, whichever handler sent it. Handlers mark urgent
replies with `rate_limit_args=<reply kind>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import AIORateLimiter

from bot.cooldown import GroupBudget

logger = logging.getLogger(__name__)

URGENT_KINDS = frozenset({"urgent", "crisis", "emergency"})  # reply kinds that always go out
# API methods that put a new message in a chat: these are what Telegram's per-group limit counts.
MESSAGE_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAnimation",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    }
)
FIRST_BACKOFF = 0.5  # seconds before the first retry; doubles each time up to MAX_BACKOFF
MAX_BACKOFF = 8.0
FAILURE_LOG_EVERY = 60.0  # repeated send failures: one summary line per this many seconds
PRIVATE_CHATS_REMEMBERED = 10_000  # pacing state kept for at most this many private chats


class BudgetSpent(TelegramError):
    """The group's message budget has no room for this message now; it was not sent."""


class SendDropped(NetworkError):
    """A message could not be delivered before its deadline (outage) and was dropped."""


def is_urgent(kind: object) -> bool:
    """Whether a reply of this kind must go out even when the group budget is nearly spent."""
    return isinstance(kind, str) and kind in URGENT_KINDS


def is_outage(error: object) -> bool:
    """A failure that waiting may cure: no connection, a timeout, a 5xx (PTB files BadRequest here too)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def _chat_id(data: dict[str, Any]) -> int | None:
    """The numeric chat a request is addressed to, if any (@channel names are never ours)."""
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None


class FailureLog:
    """Counts send failures and drops; logs the first at once, then one line per period."""

    def __init__(self, every: float = FAILURE_LOG_EVERY, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.failures = 0  # since start: failed attempts (each retried or dropped)
        self.dropped = 0  # since start: messages given up on
        self._clock = clock
        self._last_logged: float | None = None
        self._unlogged_failures = 0
        self._unlogged_drops = 0

    def note(self, exc: BaseException, dropped: bool = False) -> None:
        """Count one failed attempt (and a drop), and log a summary if one is due."""
        self.failures += 1
        self._unlogged_failures += 1
        if dropped:
            self.dropped += 1
            self._unlogged_drops += 1
        now = self._clock()
        if self._last_logged is not None and now - self._last_logged < self.every:
            return
        logger.warning(
            "Telegram API unreachable (%s: %.200s): %d failed attempt(s), %d message(s) dropped"
            " since the last report; retrying",
            type(exc).__name__,
            exc,
            self._unlogged_failures,
            self._unlogged_drops,
        )
        self._last_logged, self._unlogged_failures, self._unlogged_drops = now, 0, 0


class SendGuard(AIORateLimiter):
    """PTB's AIORateLimiter (30 a second overall, RetryAfter honoured) plus painbot's own rules."""

    def __init__(
        self,
        budget: GroupBudget,
        *,
        private_interval: float,
        deadline: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The group limit is ours (a sliding window with room for urgent replies), so PTB's is off.
        super().__init__(group_max_rate=0, max_retries=3)
        self.budget = budget
        self.private_interval = private_interval
        self.deadline = deadline
        self.failures = FailureLog(clock=clock)
        self.refused = 0  # group messages not sent because the budget was spent
        self._clock = clock
        self._private_next: dict[int, float] = {}
        self._stop_by: float | None = None
        self._stopping: asyncio.Event | None = None  # made in the running loop, on first wait

    def begin_stop(self, seconds: float) -> None:
        """Shutting down: every wait and retry from now on ends within `seconds`."""
        self._stop_by = self._clock() + seconds
        if self._stopping is not None:
            self._stopping.set()  # wake every wait to check its end again

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the stop begins."""
        if self._stopping is None:
            self._stopping = asyncio.Event()
        if self._stop_by is not None:
            seconds = min(seconds, max(0.0, self._stop_by - self._clock()))
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _end_by(self, start: float) -> float:
        """When a message started at `start` must have gone or been given up."""
        end = start + self.deadline
        return end if self._stop_by is None else min(end, self._stop_by)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the chat's turn, then send, retrying network failures until the deadline."""
        start, chat_id = self._clock(), _chat_id(data)
        slot = None
        if endpoint in MESSAGE_METHODS and chat_id is not None:
            if chat_id < 0:
                slot = await self._group_turn(chat_id, is_urgent(rate_limit_args), start)
            else:
                await self._private_turn(chat_id)
        delay = FIRST_BACKOFF
        while True:
            try:
                result = await super().process_request(callback, args, kwargs, endpoint, data, None)
                if slot is not None and chat_id is not None:
                    self.budget.settle(chat_id, slot)
                return result
            except BadRequest:
                raise  # PTB files these under NetworkError; retrying cannot help
            except NetworkError as exc:
                wait = random.uniform(delay / 2, delay)  # jitter: many chats must not retry in step
                if self._clock() + wait > self._end_by(start):
                    self.failures.note(exc, dropped=True)
                    raise SendDropped(
                        f"{endpoint} dropped after {self._clock() - start:.0f}s of {type(exc).__name__}"
                    ) from None
                self.failures.note(exc)
                await self._pause(wait)
                delay = min(delay * 2, MAX_BACKOFF)

    async def _group_turn(self, chat_id: int, urgent: bool, start: float) -> float:
        """Count the message against the group's budget (its slot); urgent ones wait for room, others are refused."""
        while (slot := self.budget.take(chat_id, urgent)) is None:
            wait = self.budget.wait_time(chat_id, urgent)
            if not urgent or self._clock() + wait > self._end_by(start):
                self.refused += 1
                raise BudgetSpent(f"group budget spent ({self.budget.limit} per {self.budget.window:g}s)")
            await self._pause(wait + 0.01)
        return slot

    async def _private_turn(self, chat_id: int) -> None:
        """About one message a second per private chat: later ones wait their turn (never dropped)."""
        now = self._clock()
        if len(self._private_next) > PRIVATE_CHATS_REMEMBERED:
            self._private_next = {c: t for c, t in self._private_next.items() if t > now}
        slot = max(now, self._private_next.get(chat_id, now))
        self._private_next[chat_id] = slot + self.private_interval
        if slot > now and self._stop_by is None:
            await self._pause(slot - now)
