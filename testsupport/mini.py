"""The mini content (tests/data/mini): its folder and the engine over it, loaded once per session."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.engine import Engine

#: The complete minimal content folder the tests run on (read only: copy it to change it).
MINI = Path(__file__).resolve().parent.parent / "tests" / "data" / "mini"


@lru_cache(maxsize=1)
def mini_engine() -> Engine:
    """The engine over the mini content (immutable, so one is shared by every test)."""
    return Engine.load(MINI)
