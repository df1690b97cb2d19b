"""Keep group chats well under Telegram's 20 messages a minute per group."""

from __future__ import annotations

import bisect
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Callable


def _recent(sent: deque[float], now: float, window: float) -> deque[float]:
    """Drop the send times older than the window (in place) and return what is left."""
    while sent and now - sent[0] >= window:
        sent.popleft()
    return sent


class Cooldown:
    """A sliding window of ordinary replies per chat; memory only, ids only, no text."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, window: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._sent: dict[int, deque[float]] = defaultdict(deque)

    def allow(self, chat_id: int) -> bool:
        """Count a reply to this chat if the window has room; False means stay quiet."""
        now = self._clock()
        window = _recent(self._sent[chat_id], now, self.window)
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True


class GroupBudget:
    """Every message sent to a group, in a sliding window: ordinary ones leave `reserve` for urgent ones."""

    def __init__(self, limit: int, reserve: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.reserve = min(reserve, limit - 1)
        self.window = window
        self._clock = clock
        self._sent: dict[int, deque[float]] = defaultdict(deque)

    def _used(self, chat_id: int) -> deque[float]:
        """This chat's send times still inside the window."""
        return _recent(self._sent[chat_id], self._clock(), self.window)

    def _cap(self, urgent: bool) -> int:
        """How many sends a message of this kind may find in the window and still go."""
        return self.limit if urgent else self.limit - self.reserve

    def has_room(self, chat_id: int, urgent: bool = False) -> bool:
        """Whether a message of this kind could go now (counts nothing)."""
        return len(self._used(chat_id)) < self._cap(urgent)

    def take(self, chat_id: int, urgent: bool = False) -> float | None:
        """Count one message if there is room for its kind: its slot's time, or None (it must not go now)."""
        sent = self._used(chat_id)
        if len(sent) >= self._cap(urgent):
            return None
        slot = self._clock()
        sent.append(slot)
        return slot

    def settle(self, chat_id: int, slot: float) -> None:
        """Move a taken slot to now, when the message has reached Telegram.

        Telegram counts a message when it arrives, somewhere between `take` and the end of the send;
        counting it from the end keeps the window honest however long the send took.
        """
        sent = self._sent[chat_id]
        with contextlib.suppress(ValueError):  # already out of the window: nothing to move
            sent.remove(slot)
            bisect.insort(sent, self._clock())

    def wait_time(self, chat_id: int, urgent: bool = False) -> float:
        """Seconds until a message of this kind would fit (0 when it fits now)."""
        sent = self._used(chat_id)
        excess = len(sent) - self._cap(urgent)
        if excess < 0:
            return 0.0
        return max(0.0, sent[excess] + self.window - self._clock())
