"""Which updates run when: one chat's in order, different chats side by side, few fetched ahead.

A crash or SIGKILL loses the updates already confirmed to Telegram but not yet answered, so the
bot fetches a new batch only while fewer than `max_unanswered` are in hand.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor, ExtBot

MAX_CONCURRENT = 256  # updates started at once; per-chat order and the unanswered bound do the real work


class InFlight:
    """Counts updates fetched and not yet finished; getUpdates waits while the count is at its bound."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.count = 0
        self.closing = False  # shutting down: the last getUpdates only confirms, never waits
        self._changed = asyncio.Condition()

    async def room(self) -> int:
        """Wait until fewer than `bound` are in hand; return how many more may be fetched."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.count < self.bound or self.closing)
            return max(1, self.bound - self.count)

    def add(self, fetched: int) -> None:
        """Note a fetched batch."""
        self.count += fetched

    async def done_nothing(self) -> None:
        """Wake a getUpdates waiting for room (after `closing` was set)."""
        async with self._changed:
            self._changed.notify_all()

    async def done(self) -> None:
        """Note one update finished (answered, skipped or failed)."""
        async with self._changed:
            self.count = max(0, self.count - 1)
            self._changed.notify_all()


def chat_key(update: object) -> tuple[str, int] | None:
    """What must stay in order: the chat, or the user for inline queries and inline buttons."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """PTB's extension point: updates of one chat in arrival order, different chats concurrently."""

    def __init__(self, in_flight: InFlight | None = None, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self.in_flight = in_flight
        self._locks: dict[tuple[str, int], tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update after the earlier ones of its chat; forget idle chats' locks."""
        key = chat_key(update)
        try:
            if key is None:
                await coroutine
                return
            lock, users = self._locks.get(key, (asyncio.Lock(), 0))
            self._locks[key] = (lock, users + 1)
            try:
                async with lock:
                    await coroutine
            finally:
                lock, users = self._locks[key]
                if users <= 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
        finally:
            if self.in_flight is not None:
                await self.in_flight.done()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


class PacedBot(ExtBot[Any]):
    """ExtBot whose getUpdates fetches only as many updates as the unanswered bound leaves room for."""

    __slots__ = ("_in_flight",)

    def __init__(self, *args: Any, in_flight: InFlight | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_flight = in_flight

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | dt.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> tuple[Update, ...]:
        """Wait for room under the bound, then fetch at most that many; fetch nothing new once stopping."""
        if self._in_flight is None:
            return await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        room = await self._in_flight.room()
        if self._in_flight.closing:
            if timeout not in (0, None, dt.timedelta(0)):
                # A long poll after SIGTERM would confirm updates nobody will answer: idle until
                # the Updater cancels it. Its last call (no timeout) only confirms, and PTB drops
                # what that returns unconfirmed, for the next run.
                await asyncio.sleep(1)
                return ()
            return await super().get_updates(offset, 1, timeout, allowed_updates, **kwargs)
        limit = room if limit is None else min(limit, room)
        updates = await super().get_updates(offset, limit, timeout, allowed_updates, **kwargs)
        self._in_flight.add(len(updates))
        return updates
