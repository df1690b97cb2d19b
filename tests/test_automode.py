"""Auto mode's flag (bot/automode.py): off until a group turns it on, kept in the chat's data."""

from __future__ import annotations

from typing import Any

from bot import automode


def test_a_group_that_never_chose_is_not_in_auto_mode() -> None:
    assert automode.is_on({}) is False


def test_turning_it_on_and_off_is_what_is_on_reads() -> None:
    chat_data: dict[Any, Any] = {}
    automode.turn(chat_data, True)
    assert automode.is_on(chat_data) is True
    automode.turn(chat_data, False)
    assert automode.is_on(chat_data) is False


def test_the_flag_survives_as_plain_chat_data_for_persistence() -> None:
    chat_data: dict[Any, Any] = {"introduced": True}
    automode.turn(chat_data, True)
    assert chat_data == {"introduced": True, automode.AUTO_MODE: True}  # picklable, beside the group's other data
