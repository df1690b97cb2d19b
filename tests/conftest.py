"""Shared fixtures: the small content folder in tests/data/mini and a clean environment."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.engine import Engine
from testsupport import mini
from testsupport.content_edit import set_rules
from testsupport.offline import OfflineBot, offline_bot


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's PAINBOT_* or TELEGRAM_* settings."""
    for name in list(os.environ):
        if name.startswith(("PAINBOT_", "TELEGRAM_")):
            monkeypatch.delenv(name)


class Typed(io.StringIO):
    """Text typed at a terminal: a stream that says it is a tty, for the verbs that ask."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def typed() -> type[Typed]:
    """Make input that looks typed at a terminal: typed("hello\\n")."""
    return Typed


@pytest.fixture
def mini_dir() -> Path:
    """The complete minimal content folder (read only: copy it to change it)."""
    return mini.MINI


@pytest.fixture
def mini_engine() -> Engine:
    """The engine over the mini content (testsupport.mini's, shared across tests: it is immutable)."""
    return mini.mini_engine()


@pytest.fixture
def make_content(tmp_path: Path) -> Path:
    """A fresh copy of the mini content in tmp_path, for a test to break one file of."""
    target = tmp_path / "content"
    shutil.copytree(mini.MINI, target)
    return target


@pytest.fixture
def ambiguous_content(make_content: Path) -> Path:
    """Fixes and rehab share one phrasing word for word, so a message using it fits both equally."""
    (make_content / "intents" / "fixes.yaml").write_text(
        "id: fixes\nresponse: fixes\nexamples:\n  - pills or injections\n  - how do i treat my hamstring\n"
    )
    (make_content / "intents" / "rehab.yaml").write_text(
        "id: rehab\nresponse: rehab\nexamples:\n  - glute bridges and squats\n  - how do i treat my hamstring\n"
    )
    set_rules(make_content, threshold=10, group_threshold=75, offtopic_terms=[])
    return make_content


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    """An initialized app over the mini content, talking to the fake API (modules may override it)."""
    async with offline_bot(tmp_path) as running:
        yield running
