"""One question-log row per inline search, never one per keystroke.

Telegram sends an inline query for every pause in typing ("s", "sit", "sitting pain"), so the
search is logged when the user picks a result (chosen_inline_result, when inline feedback is on
in BotFather) or, failing that, as the last query once the user has stopped typing for a pause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class InlineSearches(Generic[T]):
    """Holds each user's latest query until it settles, then hands it to `settle` once."""

    def __init__(self, pause: float, settle: Callable[[T], None]) -> None:
        self.pause = pause
        self._settle = settle
        self._pending: dict[int, tuple[T, asyncio.TimerHandle]] = {}

    def typed(self, user_id: int, search: T) -> None:
        """A new query from this user replaces the one still waiting (a keystroke, not a search)."""
        self._cancel(user_id)
        handle = asyncio.get_running_loop().call_later(self.pause, self._fire, user_id)
        self._pending[user_id] = (search, handle)

    def chosen(self, user_id: int, search: T) -> None:
        """The user picked a result: that is the search, logged now; the waiting query is dropped."""
        self._cancel(user_id)
        self._settle(search)

    def flush(self) -> None:
        """Log every query still waiting (at shutdown)."""
        for user_id in list(self._pending):
            self._fire(user_id)

    def _cancel(self, user_id: int) -> None:
        """Forget this user's waiting query without logging it."""
        pending = self._pending.pop(user_id, None)
        if pending is not None:
            pending[1].cancel()

    def _fire(self, user_id: int) -> None:
        """The user paused: log their last query."""
        pending = self._pending.pop(user_id, None)
        if pending is not None:
            pending[1].cancel()
            self._settle(pending[0])
