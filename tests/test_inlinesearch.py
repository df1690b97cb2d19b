"""Inline searches: one settled search per user, never the keystrokes."""

from __future__ import annotations

from bot.inlinesearch import InlineSearches
from testsupport.waiting import until


async def test_keystrokes_settle_into_the_last_query_after_a_pause() -> None:
    logged: list[str] = []
    searches = InlineSearches(0.05, logged.append)
    for prefix in ("s", "si", "sit", "sitting", "sitting pain"):  # typed faster than the pause
        searches.typed(1, prefix)
    searches.typed(2, "hamstring")
    await until(lambda: len(logged) >= 2, message="both searches settled")
    assert sorted(logged) == ["hamstring", "sitting pain"]


async def test_a_chosen_result_is_logged_at_once_and_replaces_the_waiting_query() -> None:
    logged: list[str] = []
    searches = InlineSearches(0.05, logged.append)
    searches.typed(1, "sitting pa")
    searches.chosen(1, "sitting pain (chosen)")
    assert logged == ["sitting pain (chosen)"]
    searches.flush()  # a query still waiting would be logged now
    assert logged == ["sitting pain (chosen)"]


async def test_flush_logs_what_is_still_waiting() -> None:
    logged: list[str] = []
    searches = InlineSearches(60, logged.append)
    searches.typed(1, "knee")
    searches.flush()
    searches.flush()
    assert logged == ["knee"]
