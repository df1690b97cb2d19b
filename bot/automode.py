"""Auto mode: whether a group lets the bot answer confident questions nobody addressed to it.

The flag lives in the group's chat data (kept across restarts); `/settings` (bot/automode_chat.py)
turns it on or off and `on_text` (bot/handlers.py) reads it, both through this module only.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

AUTO_MODE = "auto"  # the chat_data key; a group that never used /settings has none: off


def is_on(chat_data: MutableMapping[Any, Any]) -> bool:
    """Whether this group answers confident unaddressed questions."""
    return bool(chat_data.get(AUTO_MODE, False))


def turn(chat_data: MutableMapping[Any, Any], on: bool) -> None:
    """Switch auto mode on or off for this group."""
    chat_data[AUTO_MODE] = on
