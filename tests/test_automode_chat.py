"""/settings and auto mode (bot/automode_chat.py), offline through the real PTB Application."""

from __future__ import annotations

import pytest

from bot import automode
from testsupport.mini import mini_engine
from testsupport.offline import (
    ADMIN_ID,
    BASIC_GROUP_ID,
    GROUP_ID,
    GROUPS,
    MEMBER_ID,
    OfflineBot,
    buttons,
    callback_query,
    chat,
    group_text,
    labels,
    message,
    only_sent,
    private_text,
    quoted_id,
    turn_auto_mode_on,
    update,
)

ENGINE = mini_engine()
CAUSES_Q = "what causes it"  # an exact example of tests/data/mini
SYMPTOMS_Q = "where does it hurt"


async def test_settings_in_private_says_they_are_for_groups(bot: OfflineBot) -> None:
    await bot.feed(private_text("/settings"))
    sent = only_sent(bot)
    assert sent["text"].startswith("Settings are for groups")
    assert not bot.request.calls_to("getChatMember")


@GROUPS
async def test_settings_by_a_member_is_refused(bot: OfflineBot, group_id: int) -> None:
    data = group_text("/settings", group_id, MEMBER_ID)
    await bot.feed(data)
    [check] = bot.request.calls_to("getChatMember")
    assert (check["chat_id"], check["user_id"]) == (group_id, MEMBER_ID)
    sent = bot.sent()
    assert len(sent) == 1
    assert "Only the group's admins" in sent[0]["text"]
    assert "reply_markup" not in sent[0].params
    assert quoted_id(sent[0]) == data["message"]["message_id"]
    assert bot.app.chat_data[group_id].get("auto", False) is False


@GROUPS
@pytest.mark.parametrize("status", ["administrator", "creator"])
async def test_settings_by_an_admin_shows_the_toggle(bot: OfflineBot, group_id: int, status: str) -> None:
    bot.request.set_status(group_id, ADMIN_ID, status)
    await bot.feed(group_text("/settings@painbot", group_id, ADMIN_ID))
    assert [c.method for c in bot.request.outgoing()] == ["getChatMember", "sendMessage"]
    sent = bot.sent()[0]
    assert sent["text"].startswith("Auto mode is <b>off</b>")
    assert buttons(sent) == ["auto:on"]


async def test_settings_by_an_anonymous_admin_shows_the_toggle_without_asking_telegram(bot: OfflineBot) -> None:
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    await bot.feed(group_text("/settings", from_user=anonymous, sender_chat=chat(GROUP_ID)))
    assert not bot.request.calls_to("getChatMember")
    assert buttons(bot.sent()[0]) == ["auto:on"]


async def test_admin_turns_auto_mode_on_and_off(bot: OfflineBot) -> None:
    bot.request.set_status(GROUP_ID, ADMIN_ID, "administrator")
    await bot.feed(callback_query("auto:on", ADMIN_ID, GROUP_ID, message_id=777))
    assert automode.is_on(bot.app.chat_data[GROUP_ID])
    [ack] = bot.request.calls_to("answerCallbackQuery")
    assert ack.get("show_alert") in (None, False)
    [edit] = bot.request.calls_to("editMessageText")
    assert (edit["chat_id"], edit["message_id"]) == (GROUP_ID, 777)
    assert edit["text"].startswith("Auto mode is <b>on</b>")
    assert edit["parse_mode"] == "HTML"
    assert buttons(edit) == ["auto:off"]
    assert not bot.sent()

    bot.request.clear()
    await bot.feed(callback_query("auto:off", ADMIN_ID, GROUP_ID, message_id=777))
    assert not automode.is_on(bot.app.chat_data[GROUP_ID])
    assert buttons(bot.request.calls_to("editMessageText")[0]) == ["auto:on"]


async def test_settings_shows_the_current_mode(bot: OfflineBot) -> None:
    await turn_auto_mode_on(bot)
    await bot.feed(group_text("/settings", user_id=ADMIN_ID))
    sent = bot.sent()[0]
    assert sent["text"].startswith("Auto mode is <b>on</b>")
    assert buttons(sent) == ["auto:off"]


async def test_non_admin_pressing_the_toggle_gets_an_alert_and_changes_nothing(bot: OfflineBot) -> None:
    await bot.feed(callback_query("auto:on", MEMBER_ID, GROUP_ID))
    [ack] = bot.request.calls_to("answerCallbackQuery")
    assert ack["show_alert"] is True
    assert "admins" in ack["text"]
    assert not bot.request.calls_to("editMessageText")
    assert not bot.sent()
    assert bot.app.chat_data[GROUP_ID].get("auto", False) is False


@GROUPS
async def test_auto_mode_answers_a_confident_unaddressed_question(bot: OfflineBot, group_id: int) -> None:
    await turn_auto_mode_on(bot, group_id)
    data = group_text("what is high hamstring tendinopathy", group_id)
    await bot.feed(data)
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("what_is_it")
    assert quoted_id(sent) == data["message"]["message_id"]


@pytest.mark.parametrize("chatter", ["pub after?", "hello", "thanks", "my knee is sore after the long run"])
async def test_auto_mode_stays_quiet_on_chatter(bot: OfflineBot, chatter: str) -> None:
    await turn_auto_mode_on(bot)
    await bot.feed(group_text(chatter))
    assert bot.request.outgoing() == []


async def test_auto_mode_is_per_group(bot: OfflineBot) -> None:
    await turn_auto_mode_on(bot, GROUP_ID)
    await bot.feed(group_text(CAUSES_Q, BASIC_GROUP_ID))
    assert bot.request.outgoing() == []


async def test_auto_mode_follows_a_group_upgraded_to_a_supergroup(bot: OfflineBot) -> None:
    new_id = -1005550001111
    await turn_auto_mode_on(bot, BASIC_GROUP_ID)
    await bot.feed(
        update(message=message(None, BASIC_GROUP_ID, ADMIN_ID, migrate_to_chat_id=new_id)),
        update(message=message(None, new_id, ADMIN_ID, migrate_from_chat_id=BASIC_GROUP_ID)),
    )
    bot.request.clear()
    await bot.feed(group_text(SYMPTOMS_Q, new_id))
    assert [c["chat_id"] for c in bot.sent()] == [new_id]


async def test_the_toggle_and_its_wording_come_from_the_snippets(bot: OfflineBot) -> None:
    bot.request.set_status(GROUP_ID, ADMIN_ID, "administrator")
    await bot.feed(group_text("/settings", user_id=ADMIN_ID))
    shown = bot.sent()[0]
    assert (shown["text"], labels(shown)) == (ENGINE.snippet("auto_off"), [ENGINE.snippet("auto_turn_on")])
    await bot.feed(callback_query("auto:on", ADMIN_ID, GROUP_ID, message_id=777))
    [ack] = bot.request.calls_to("answerCallbackQuery")
    [edit] = bot.request.calls_to("editMessageText")
    assert ack["text"] == ENGINE.snippet("settings_saved")
    assert (edit["text"], labels(edit)) == (ENGINE.snippet("auto_on"), [ENGINE.snippet("auto_turn_off")])


async def test_naming_the_bot_in_auto_mode_lets_a_social_message_be_answered(bot: OfflineBot) -> None:
    await turn_auto_mode_on(bot)
    await bot.feed(group_text("thanks bot"))
    assert only_sent(bot)["text"] == ENGINE.text("thanks")


async def test_naming_the_bot_without_auto_mode_is_not_addressing_it(bot: OfflineBot) -> None:
    await bot.feed(group_text(f"bot {CAUSES_Q}"), group_text("thanks bot"))
    assert bot.request.outgoing() == []


async def test_naming_the_bot_in_auto_mode_gets_silence_rather_than_the_fallback(bot: OfflineBot) -> None:
    await turn_auto_mode_on(bot)
    await bot.feed(group_text("the bot is xyzzy plugh frobnicate"))
    assert bot.request.outgoing() == []
