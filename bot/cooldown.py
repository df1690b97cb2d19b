"""Keep group replies well under Telegram's 20 messages a minute per group."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable


class Cooldown:
    """A sliding one-minute window of replies per chat; memory only, ids only, no text."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sent: dict[int, deque[float]] = defaultdict(deque)

    def allow(self, chat_id: int) -> bool:
        """Count a reply to this chat if the window has room; False means stay quiet."""
        now, window = self._clock(), self._sent[chat_id]
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        return True
