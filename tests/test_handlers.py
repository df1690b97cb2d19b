"""The Telegram layer end to end, offline: real PTB Application, fake Bot API (RecordingRequest)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot.addressing import Addressing
from bot.cooldown import Cooldown
from bot.engine import Engine
from bot.handlers import Services
from bot.matching import Candidate, Match
from bot.settings import PROJECT_ROOT, Settings
from testsupport.mini import mini_engine
from testsupport.offline import (
    ADMIN_ID,
    BOT_ID,
    CHANNEL_ID,
    GROUP_ID,
    GROUPS,
    MEMBER_ID,
    USER_ID,
    OfflineBot,
    bot_message,
    buttons,
    callback_query,
    channel_post,
    chat,
    from_channel_in_group,
    from_other_bot,
    group_text,
    inline_query,
    labels,
    media,
    message,
    my_chat_member,
    offline_bot,
    only_sent,
    private_text,
    quoted_id,
    reply_to_bot,
    turn_auto_mode_on,
    update,
)
from testsupport.waiting import until

ENGINE = mini_engine()
TOPIC_DATA = ["t:" + b.intent_id for b in ENGINE.topics()]
# Exact examples from tests/data/mini, so they match whatever the scoring details.
SYMPTOMS_Q = "where does it hurt"  # symptoms: has a `short` form, related fixes + see_someone
CAUSES_Q = "what causes it"  # causes: no short form, related fixes + see_someone
RED_FLAG_Q = "my groin is numb"  # the mini safety rule saddle_numbness (tier now)
NONE_APPLY = ["t:help"]  # "None of these apply to me" under an urgent answer with nothing else asked
NONSENSE = "xyzzy plugh frobnicate"


# ---------------------------------------------------------------------------------------------- private


async def test_start_greets_with_every_topic_as_a_button(bot: OfflineBot) -> None:
    await bot.feed(private_text("/start"))
    sent = only_sent(bot)
    assert sent["chat_id"] == USER_ID
    assert sent["text"] == ENGINE.text("greeting")
    assert sent["parse_mode"] == "HTML"  # from Defaults
    assert buttons(sent) == TOPIC_DATA
    assert all(data.startswith("t:") for data in buttons(sent))
    assert "t:greeting" not in buttons(sent) and "t:thanks" not in buttons(sent)
    assert quoted_id(sent) is None  # private replies are not quoted


@pytest.mark.parametrize("command", ["/help", "/topics"])
async def test_help_and_topics_list_the_topics(bot: OfflineBot, command: str) -> None:
    await bot.feed(private_text(command))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("help")
    assert buttons(sent) == TOPIC_DATA


async def test_privacy_sends_the_privacy_text_alone(bot: OfflineBot) -> None:
    await bot.feed(private_text("/privacy"))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("privacy")
    assert "reply_markup" not in sent.params


async def test_private_question_gets_the_full_html_answer_with_related_buttons(bot: OfflineBot) -> None:
    await bot.feed(private_text(SYMPTOMS_Q))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("symptoms")  # the full text, not the short form
    assert "<b>Symptoms</b>" in sent["text"] and "{contact}" not in sent["text"]
    assert sent["parse_mode"] == "HTML"
    assert sent["link_preview_options"] == {"is_disabled": True}
    assert buttons(sent) == ["t:fixes", "t:see_someone"]
    assert quoted_id(sent) is None


async def test_close_runner_up_in_private_is_answered_with_an_or_button(
    tmp_path: Path, ambiguous_content: Path
) -> None:
    engine = Engine.load(ambiguous_content)
    match = engine.decide("how do I treat my hamstring")
    assert match.ambiguous and match.runner_up is not None and match.intent_id is not None
    async with offline_bot(tmp_path, engine=engine) as bot:
        await bot.feed(private_text("how do I treat my hamstring"))
        sent = only_sent(bot)
    assert sent["text"] == engine.answer(match.intent_id).text
    assert labels(sent)[0] == "Or: " + engine.title(match.runner_up.intent_id)
    assert buttons(sent)[0] == "t:" + match.runner_up.intent_id


async def test_or_button_answers_the_runner_up_in_full(tmp_path: Path, ambiguous_content: Path) -> None:
    engine = Engine.load(ambiguous_content)
    runner = engine.decide("how do I treat my hamstring").runner_up
    assert runner is not None
    async with offline_bot(tmp_path, engine=engine) as bot:
        await bot.feed(callback_query("t:" + runner.intent_id))
        assert bot.sent()[-1]["text"] == engine.answer(runner.intent_id).text


@GROUPS
async def test_close_runner_up_in_a_group_asks_which_was_meant(
    tmp_path: Path, ambiguous_content: Path, group_id: int
) -> None:
    engine = Engine.load(ambiguous_content)
    async with offline_bot(tmp_path, engine=engine) as bot:
        await bot.feed(group_text("@painbot how do I treat my hamstring", group_id))
        sent = only_sent(bot)
    assert sent["text"] == engine.text("did_you_mean")
    assert sorted(buttons(sent)) == ["t:fixes", "t:rehab"]


async def test_unsure_answer_offers_the_best_guesses_before_the_topic_list(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    floor = ENGINE.content.rules.guess_floor
    unsure = Match(
        None,
        floor + 5,
        (Candidate("rehab", floor + 5, "x"), Candidate("causes", floor + 2, "y"), Candidate("fixes", floor - 1, "z")),
    )
    monkeypatch.setattr(Engine, "decide", lambda self, text, chat="private", address=None: unsure)
    await bot.feed(private_text("some half-understood question"))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("fallback")
    assert buttons(sent)[:2] == ["t:rehab", "t:causes"]
    assert sorted(buttons(sent)) == sorted(TOPIC_DATA)


async def test_no_intent_gets_the_fallback_with_topic_buttons(bot: OfflineBot) -> None:
    await bot.feed(private_text(NONSENSE))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("fallback")
    assert buttons(sent) == TOPIC_DATA


async def test_red_flag_gets_the_urgent_answer_with_its_tier_first(bot: OfflineBot) -> None:
    await bot.feed(private_text(RED_FLAG_Q))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("urgent_now") + "\n\n" + ENGINE.text("red_flags")
    assert sent["text"].startswith("Call 000 now.")
    assert buttons(sent) == NONE_APPLY


async def test_none_of_these_apply_answers_the_rest_of_the_message(bot: OfflineBot) -> None:
    await bot.feed(private_text(f"{RED_FLAG_Q}, how long will it take to heal?"))
    urgent = only_sent(bot)
    assert buttons(urgent) == ["t:recovery_time"]
    bot.request.clear()
    await bot.feed(callback_query("t:recovery_time"))
    assert bot.sent()[0]["text"] == ENGINE.text("recovery_time")


@pytest.mark.parametrize(("text", "response_id"), [("i want to die", "crisis"), ("chest pain on my run", "emergency")])
async def test_crisis_and_emergency_get_their_own_answer(bot: OfflineBot, text: str, response_id: str) -> None:
    await bot.feed(private_text(text))
    assert only_sent(bot)["text"] == ENGINE.text(response_id)


async def test_urgent_command_lists_every_sign(bot: OfflineBot) -> None:
    await bot.feed(private_text("/urgent"))
    assert only_sent(bot)["text"] == ENGINE.text("red_flags")


async def test_topic_button_is_acknowledged_then_answered_in_full(bot: OfflineBot) -> None:
    await bot.feed(callback_query("t:causes"))
    assert bot.request.methods() == ["getMe", "answerCallbackQuery", "sendMessage"]
    sent = bot.sent()[0]
    assert sent["chat_id"] == USER_ID
    assert sent["text"] == ENGINE.text("causes")
    assert buttons(sent) == ["t:fixes", "t:see_someone"]


async def test_red_flags_topic_button_lists_the_signs(bot: OfflineBot) -> None:
    await bot.feed(callback_query("t:red_flags"))
    sent = bot.sent()[0]
    assert sent["text"] == ENGINE.text("red_flags")


async def test_button_for_an_intent_that_no_longer_exists_is_only_acknowledged(bot: OfflineBot) -> None:
    await bot.feed(callback_query("t:removed_topic"))
    assert [c.method for c in bot.request.outgoing()] == ["answerCallbackQuery"]


async def test_topic_button_under_an_old_message_still_answers(bot: OfflineBot) -> None:
    # Buttons under messages older than ~48 h arrive with a stub message (date 0).
    data = callback_query("t:causes")
    data["callback_query"]["message"] = {"chat": chat(USER_ID), "message_id": 42, "date": 0}
    await bot.feed(data)
    assert bot.request.calls_to("answerCallbackQuery")
    assert [c["text"] for c in bot.sent()] == [ENGINE.text("causes")]
    assert bot.sent()[0]["chat_id"] == USER_ID


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_non_text_in_private_gets_the_not_text_line(bot: OfflineBot, kind: str) -> None:
    await bot.feed(media(kind))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("not_text")


# ---------------------------------------------------------------------------------------------- groups


@GROUPS
async def test_unaddressed_group_text_makes_no_call(bot: OfflineBot, group_id: int) -> None:
    await bot.feed(
        group_text(SYMPTOMS_Q, group_id), group_text("pub after?", group_id), group_text(RED_FLAG_Q, group_id)
    )
    assert bot.request.outgoing() == []


@GROUPS
async def test_mention_is_answered_quoting_the_asker_with_the_short_form(bot: OfflineBot, group_id: int) -> None:
    data = group_text(f"@painbot {SYMPTOMS_Q}?", group_id)
    await bot.feed(data)
    sent = only_sent(bot)
    assert sent["chat_id"] == group_id
    assert quoted_id(sent) == data["message"]["message_id"]
    assert sent["text"] == "Short symptoms Contact: physio@example.org"
    assert labels(sent)[0] == "More on this"
    assert buttons(sent) == ["t:symptoms", "t:fixes", "t:see_someone"]


async def test_mention_without_a_short_form_gets_the_full_answer(bot: OfflineBot) -> None:
    data = group_text(f"{CAUSES_Q} @PainBot")
    await bot.feed(data)
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("causes")
    assert "More on this" not in labels(sent)
    assert quoted_id(sent) == data["message"]["message_id"]


async def test_more_on_this_button_in_a_group_sends_the_full_answer(bot: OfflineBot) -> None:
    await bot.feed(callback_query("t:symptoms", user_id=MEMBER_ID, chat_id=GROUP_ID))
    sent = bot.sent()
    assert [c["text"] for c in sent] == [ENGINE.text("symptoms")]
    assert sent[0]["chat_id"] == GROUP_ID


async def test_mention_of_another_bot_is_ignored(bot: OfflineBot) -> None:
    await bot.feed(group_text(f"@otherbot {SYMPTOMS_Q}"), group_text(f"@painbotfan {SYMPTOMS_Q}"))
    assert bot.request.outgoing() == []


@GROUPS
async def test_reply_to_a_bot_message_is_answered(bot: OfflineBot, group_id: int) -> None:
    data = reply_to_bot(CAUSES_Q, group_id)
    await bot.feed(data)
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("causes")
    assert quoted_id(sent) == data["message"]["message_id"]


async def test_reply_to_another_member_is_not_addressed(bot: OfflineBot) -> None:
    other = message("earlier", GROUP_ID, ADMIN_ID)
    await bot.feed(group_text(CAUSES_Q, reply_to=other))
    assert bot.request.outgoing() == []


@GROUPS
async def test_red_flag_mention_in_a_group_gets_the_urgent_answer(bot: OfflineBot, group_id: int) -> None:
    await bot.feed(group_text(f"@painbot {RED_FLAG_Q}", group_id))
    sent = only_sent(bot)
    assert sent["text"].startswith(ENGINE.text("urgent_now"))
    assert buttons(sent) == NONE_APPLY


@GROUPS
@pytest.mark.parametrize("command", ["/help@painbot", "/help@PainBot", "/help"])
async def test_help_command_for_this_bot_is_answered(bot: OfflineBot, group_id: int, command: str) -> None:
    data = group_text(command, group_id)
    await bot.feed(data)
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.text("help")
    assert quoted_id(sent) == data["message"]["message_id"]


@GROUPS
@pytest.mark.parametrize("command", ["/help@otherbot", "/start@otherbot", "/settings@otherbot"])
async def test_command_for_another_bot_is_ignored(bot: OfflineBot, group_id: int, command: str) -> None:
    await bot.feed(group_text(command, group_id))
    assert bot.request.outgoing() == []


async def test_text_from_another_bot_is_ignored(bot: OfflineBot) -> None:
    await bot.feed(from_other_bot(f"@painbot {SYMPTOMS_Q}"))
    bot_reply = group_text(
        CAUSES_Q, from_user={"id": 445, "is_bot": True, "first_name": "B"}, reply_to=bot_message("Earlier answer")
    )
    await bot.feed(bot_reply)
    assert bot.request.outgoing() == []


async def test_command_from_another_bot_is_ignored(bot: OfflineBot) -> None:
    await bot.feed(from_other_bot("/help@painbot"))
    assert bot.request.outgoing() == []


async def test_channel_posts_are_ignored(bot: OfflineBot) -> None:
    await bot.feed(channel_post(f"@painbot {SYMPTOMS_Q}"), channel_post("/help@painbot"), channel_post(CAUSES_Q))
    assert bot.request.outgoing() == []


async def test_linked_channel_posting_into_a_group_is_ignored(bot: OfflineBot) -> None:
    await bot.feed(from_channel_in_group(f"@painbot {SYMPTOMS_Q}"))
    assert bot.request.outgoing() == []


@GROUPS
@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
async def test_non_text_in_groups_is_ignored(bot: OfflineBot, group_id: int, kind: str) -> None:
    await bot.feed(media(kind, group_id, MEMBER_ID))
    assert bot.request.outgoing() == []


# ---------------------------------------------------------------------------------------------- membership


@GROUPS
async def test_added_to_a_group_introduces_itself_once(bot: OfflineBot, group_id: int) -> None:
    await bot.feed(my_chat_member(group_id, "left", "member"))
    sent = only_sent(bot)
    assert sent["chat_id"] == group_id
    assert sent["text"] == ENGINE.text("group_intro")
    bot.request.clear()
    await bot.feed(my_chat_member(group_id, "member", "left"), my_chat_member(group_id, "left", "member"))
    assert bot.request.outgoing() == []


async def test_added_as_admin_introduces_itself(bot: OfflineBot) -> None:
    await bot.feed(my_chat_member(GROUP_ID, "kicked", "administrator"))
    assert [c["text"] for c in bot.sent()] == [ENGINE.text("group_intro")]


async def test_promotion_is_not_a_join(bot: OfflineBot) -> None:
    await bot.feed(my_chat_member(GROUP_ID, "member", "administrator"))
    assert bot.request.outgoing() == []


async def test_unblocking_in_private_sends_nothing(bot: OfflineBot) -> None:
    await bot.feed(my_chat_member(USER_ID, "kicked", "member", by=USER_ID))
    assert bot.request.outgoing() == []


async def test_made_admin_of_a_channel_posts_nothing(bot: OfflineBot) -> None:
    channel = {"id": CHANNEL_ID, "type": "channel", "title": "News"}
    await bot.feed(my_chat_member(CHANNEL_ID, "left", "administrator", chat_data=channel))
    assert bot.request.outgoing() == []


# ---------------------------------------------------------------------------------------------- inline mode


def _results(bot: OfflineBot) -> list[dict[str, Any]]:
    [answer] = bot.request.calls_to("answerInlineQuery")
    return list(answer["results"])


async def test_inline_query_offers_html_answer_cards(bot: OfflineBot) -> None:
    await bot.feed(inline_query(SYMPTOMS_Q))
    [answer] = bot.request.calls_to("answerInlineQuery")
    assert answer["cache_time"] == 300 and answer["is_personal"] is False
    results = _results(bot)
    assert 1 <= len(results) <= 3
    assert results[0]["id"] == "symptoms"
    for card in results:
        assert card["type"] == "article"
        content = card["input_message_content"]
        assert content["message_text"] == ENGINE.answer(card["id"]).text
        assert content["parse_mode"] == "HTML"
        assert "<" not in card["description"]
    assert results[0]["title"] == "Symptoms"
    assert results[0]["description"] == "Short symptoms Contact: physio@example.org"


async def test_inline_query_offers_at_most_three_cards(bot: OfflineBot, monkeypatch: pytest.MonkeyPatch) -> None:
    ranked = tuple(
        Candidate(i, s, "x")
        for i, s in [("causes", 95.0), ("symptoms", 90.0), ("fixes", 85.0), ("rehab", 80.0), ("what_is_it", 75.0)]
    )
    answerable = tuple(c.intent_id for c in ranked)
    monkeypatch.setattr(
        Engine,
        "decide",
        lambda self, text, chat="private", address=None: Match("causes", 95.0, ranked, answerable=answerable),
    )
    await bot.feed(inline_query("what about it"))
    assert [r["id"] for r in _results(bot)] == ["causes", "symptoms", "fixes"]


async def test_inline_query_offers_only_the_intents_the_matcher_found_answerable(
    bot: OfflineBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    ranked = (Candidate("causes", 95.0, "x"), Candidate("symptoms", 70.0, "x"), Candidate("fixes", 65.0, "x"))
    decided = Match("causes", 95.0, ranked, answerable=("causes", "symptoms"))  # as the matcher decided
    monkeypatch.setattr(Engine, "decide", lambda self, text, chat="private", address=None: decided)
    await bot.feed(inline_query("what about it"))
    assert [r["id"] for r in _results(bot)] == ["causes", "symptoms"]


@pytest.mark.parametrize("query", [NONSENSE, "", "   "])
async def test_inline_query_without_a_match_answers_empty(bot: OfflineBot, query: str) -> None:
    await bot.feed(inline_query(query))
    assert _results(bot) == []
    assert not bot.sent()


async def test_inline_red_flag_offers_only_the_urgent_card(bot: OfflineBot) -> None:
    await bot.feed(inline_query(RED_FLAG_Q))
    [card] = _results(bot)
    assert card["id"] == "urgent"
    assert card["input_message_content"]["message_text"].startswith(ENGINE.text("urgent_now"))


async def test_inline_crisis_offers_only_the_crisis_card(bot: OfflineBot) -> None:
    await bot.feed(inline_query("i want to die"))
    [card] = _results(bot)
    assert (card["id"], card["input_message_content"]["message_text"]) == ("crisis", ENGINE.text("crisis"))


# ---------------------------------------------------------------------------------------------- misc


async def test_edited_messages_are_not_answered_again(bot: OfflineBot) -> None:
    await bot.feed(update(edited_message=message(SYMPTOMS_Q, USER_ID, edit_date=1)))
    assert bot.request.outgoing() == []


async def test_bot_id_comes_from_get_me(bot: OfflineBot) -> None:
    assert bot.app.bot.id == BOT_ID and bot.app.bot.username == "painbot"


async def test_shared_inline_cards_are_not_answered_in_auto_mode(bot: OfflineBot) -> None:
    # Someone shares an answer card via @painbot: the bot must not answer its own card.
    await turn_auto_mode_on(bot)
    card = group_text(
        SYMPTOMS_Q, via_bot={"id": BOT_ID, "is_bot": True, "first_name": "Pain Bot", "username": "painbot"}
    )
    await bot.feed(card)
    assert bot.request.outgoing() == []


async def test_automatic_forwards_from_a_linked_channel_are_ignored(bot: OfflineBot) -> None:
    await turn_auto_mode_on(bot)
    await bot.feed(
        group_text(
            f"@painbot {SYMPTOMS_Q}",
            is_automatic_forward=True,
            sender_chat={"id": CHANNEL_ID, "type": "channel", "title": "News"},
        )
    )
    assert bot.request.outgoing() == []


class FakeRecorder:
    """Collects what the handlers count in the question log."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def record(self, text: str | None, **fields: Any) -> None:
        self.calls.append({"text": text, **fields})


async def test_answered_questions_are_counted_once_and_ignored_chatter_not_at_all(tmp_path: Path) -> None:
    recorder = FakeRecorder()
    async with offline_bot(tmp_path, recorder=recorder) as bot:
        await bot.feed(group_text(SYMPTOMS_Q), group_text("pub after?"))  # unaddressed: not considered
        assert recorder.calls == []
        await bot.feed(private_text(SYMPTOMS_Q))
    [call] = recorder.calls
    assert call["text"] == SYMPTOMS_Q
    assert call["chat_type"] == "private"
    assert call["intent_id"] == "symptoms"
    assert call["outcome"] == "answer"
    assert call["answered"] is True


async def test_a_private_guess_with_an_or_button_is_logged_unanswered_with_its_text(
    tmp_path: Path, ambiguous_content: Path
) -> None:
    recorder = FakeRecorder()
    async with offline_bot(tmp_path, engine=Engine.load(ambiguous_content), recorder=recorder) as bot:
        await bot.feed(private_text("how do I treat my hamstring"))
    [call] = recorder.calls
    assert (call["outcome"], call["answered"], call["text"]) == ("answer", False, "how do I treat my hamstring")


# ---------------------------------------------------------------------------------------------- pictures

TECHNIQUE_Q = "what is overstriding"  # running_technique: has a picture and a short form


async def test_an_answer_with_a_picture_is_sent_as_a_photo_with_the_answer_as_caption(bot: OfflineBot) -> None:
    await bot.feed(private_text(TECHNIQUE_Q))
    assert [c.method for c in bot.request.outgoing()] == ["sendPhoto"]
    [photo] = bot.request.uploads()
    assert photo["caption"] == ENGINE.answer("running_technique").text
    assert photo["parse_mode"] == "HTML"


async def test_a_second_answer_reuses_the_file_id_instead_of_uploading_again(bot: OfflineBot) -> None:
    await bot.feed(private_text(TECHNIQUE_Q), private_text(TECHNIQUE_Q, user_id=USER_ID + 1))
    first, second = bot.request.calls_to("sendPhoto")
    assert len(bot.request.uploads()) == 1
    assert second["photo"] == bot.app.bot_data["photo_ids"]["images/sit-bone.png"]
    assert second["caption"] == first["caption"]


async def test_the_file_id_is_remembered_across_a_restart(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as first:
        await first.feed(private_text(TECHNIQUE_Q))
    async with offline_bot(tmp_path) as second:
        assert second.app.bot_data["services"].engine is mini_engine()  # the live services stay in place
        await second.feed(private_text(TECHNIQUE_Q))
        assert second.request.uploads() == [] and len(second.request.calls_to("sendPhoto")) == 1


async def test_a_refused_file_id_is_forgotten_and_the_picture_uploaded_again(bot: OfflineBot) -> None:
    bot.app.bot_data["photo_ids"] = {"images/sit-bone.png": "from-another-bot"}
    bot.request.fail("sendPhoto", 400, "Bad Request: wrong file identifier/HTTP URL specified", times=1)
    await bot.feed(private_text(TECHNIQUE_Q))
    assert len(bot.request.uploads()) == 1
    assert bot.app.bot_data["photo_ids"]["images/sit-bone.png"] != "from-another-bot"


async def test_a_groups_short_answer_has_no_picture_but_more_on_this_does(bot: OfflineBot) -> None:
    await bot.feed(group_text(f"@painbot {TECHNIQUE_Q}"))
    sent = only_sent(bot)
    assert sent["text"] == ENGINE.answer("running_technique", "group").text
    assert labels(sent)[0] == "More on this"
    bot.request.clear()
    await bot.feed(callback_query("t:running_technique", user_id=MEMBER_ID, chat_id=GROUP_ID))
    [photo] = bot.request.calls_to("sendPhoto")
    assert photo["caption"] == ENGINE.answer("running_technique").text


async def test_an_answer_too_long_for_a_caption_sends_the_photo_first_then_the_text(
    make_content: Path, tmp_path: Path
) -> None:
    path = make_content / "responses" / "running_technique.yaml"
    path.write_text(path.read_text().replace("answer.", "answer. " + "Long words here. " * 80))
    engine = Engine.load(make_content)
    async with offline_bot(tmp_path, engine=engine) as running:
        await running.feed(private_text(TECHNIQUE_Q))
        assert [c.method for c in running.request.outgoing()] == ["sendPhoto", "sendMessage"]
        [photo] = running.request.calls_to("sendPhoto")
        assert photo.get("caption") is None
        assert running.sent()[0]["text"] == engine.answer("running_technique").text


async def test_inline_mode_offers_the_cached_photo_once_telegram_has_it(bot: OfflineBot) -> None:
    await bot.feed(inline_query(TECHNIQUE_Q))
    assert _results(bot)[0]["type"] == "article"  # never uploaded yet: no file id to offer
    await bot.feed(private_text(TECHNIQUE_Q))
    bot.request.clear()
    await bot.feed(inline_query(TECHNIQUE_Q))
    card = _results(bot)[0]
    assert card["type"] == "photo" and card["id"] == "running_technique"
    assert card["photo_file_id"] == bot.app.bot_data["photo_ids"]["images/sit-bone.png"]
    assert card["caption"] == ENGINE.answer("running_technique").text


# ------------------------------------------------------------------------------------ floods and strays (issue 10)


class ListRecorder:
    """A question recorder that keeps what it is told, in memory."""

    def __init__(self) -> None:
        self.texts: list[str | None] = []

    def record(self, text: str | None, **_fields: Any) -> None:
        self.texts.append(text)


async def test_a_button_with_unknown_data_is_answered_so_the_spinner_stops(bot: OfflineBot) -> None:
    await bot.feed(callback_query("zz:no-such-button"), callback_query("t:no_such_topic"))
    assert bot.request.methods().count("answerCallbackQuery") == 2
    assert not bot.sent()


async def test_other_bots_cannot_start_the_self_check(bot: OfflineBot) -> None:
    await bot.feed(from_other_bot("/check"), from_other_bot("/check@painbot"))
    assert not bot.request.outgoing()


async def test_group_commands_are_answered_once_per_cooldown(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, group_replies_per_minute=1) as bot:
        await bot.feed(*(group_text("/help@painbot") for _ in range(3)))
        assert len(bot.sent()) == 1


async def test_with_the_group_budget_spent_more_on_this_is_an_alert_and_red_flags_still_go_out(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, group_budget=3, group_urgent_reserve=1) as bot:
        await bot.feed(group_text(f"@painbot {SYMPTOMS_Q}"), group_text(f"@painbot {CAUSES_Q}"))
        assert len(bot.sent()) == 2  # the ordinary share of the budget is spent
        await bot.feed(group_text(f"@painbot {CAUSES_Q}"), callback_query("t:symptoms", chat_id=GROUP_ID))
        assert len(bot.sent()) == 2
        [alert] = bot.request.calls_to("answerCallbackQuery")
        assert alert["show_alert"] is True and alert["text"] == "Short symptoms Contact: physio@example.org"
        await bot.feed(group_text(f"@painbot {RED_FLAG_Q}"))
        assert len(bot.sent()) == 3  # the reserve is for this
        assert bot.sent()[-1]["text"] == ENGINE.render(mini_engine().decide(RED_FLAG_Q, "group"), "group").text


async def test_one_user_cannot_get_sixty_replies_a_second(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, private_interval=0.02) as bot:
        start = asyncio.get_running_loop().time()
        await asyncio.gather(*(bot.feed(private_text(SYMPTOMS_Q)) for _ in range(20)))
        elapsed = asyncio.get_running_loop().time() - start
    assert len(bot.sent()) == 20  # queued, none dropped
    assert elapsed >= 19 * 0.02


async def test_an_inline_search_is_one_log_row_not_one_per_keystroke(tmp_path: Path) -> None:
    recorder = ListRecorder()
    async with offline_bot(tmp_path, recorder=recorder, inline_pause=0.05) as bot:
        for prefix in ("w", "wh", "where does", SYMPTOMS_Q):
            await bot.feed(inline_query(prefix))
        await until(lambda: recorder.texts, message="the search settled")
        assert recorder.texts == [SYMPTOMS_Q]
        await bot.feed(
            inline_query("what ca"),
            update(
                chosen_inline_result={
                    "result_id": "causes",
                    "from": {"id": USER_ID, "is_bot": False, "first_name": "Ann"},
                    "query": CAUSES_Q,
                }
            ),
        )
        bot.app.bot_data["services"].inline_searches.flush()  # a query still waiting would be logged now
    assert recorder.texts == [SYMPTOMS_Q, CAUSES_Q]


# ---------------------------------------------------------------------------------------------- two-part questions

TWO_PART_Q = "what causes this and how long until it settles"


async def test_a_two_part_question_gets_one_reply_answering_both(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, engine=Engine.load(PROJECT_ROOT)) as app:
        await app.feed(private_text(TWO_PART_Q))
        sent = only_sent(app)
    text = sent["text"]
    assert text.index("<b>What causes it</b>") < text.index("<b>How long will it take?</b>")
    assert text.count("peter@stage.bocki.com.au/csc") == 1
    assert not {"t:causes", "t:recovery_time"} & set(buttons(sent))  # follow-ups are what was not answered


async def test_a_two_part_question_in_a_group_gets_short_parts_and_their_full_answers_as_buttons(
    tmp_path: Path,
) -> None:
    async with offline_bot(tmp_path, engine=Engine.load(PROJECT_ROOT)) as app:
        await app.feed(group_text(f"@painbot {TWO_PART_Q}"))
        sent = only_sent(app)
        assert buttons(sent)[:2] == ["t:causes", "t:recovery_time"]
        assert sent["text"].rstrip().endswith("peter@stage.bocki.com.au/csc")
        app.request.clear()
        await app.feed(callback_query("t:recovery_time", chat_id=GROUP_ID))
        assert "<b>How long will it take?</b>" in app.sent()[0]["text"]


def test_the_services_take_the_time_zone_from_settings_and_have_no_default_of_their_own() -> None:
    with pytest.raises(TypeError, match="time_zone"):
        Services(mini_engine(), Cooldown(6))  # type: ignore[call-arg]
    assert Services(mini_engine(), Cooldown(6), time_zone=Settings().time_zone).time_zone == "Australia/Sydney"


async def test_a_group_message_s_address_is_worked_out_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each message is checked for a direct address once; chatter without auto mode is read no further."""
    calls: list[str] = []
    real = Addressing.direct

    def counted(self: Addressing, text: str, *args: Any) -> Any:
        calls.append(text)
        return real(self, text, *args)

    monkeypatch.setattr(Addressing, "direct", counted)
    async with offline_bot(tmp_path) as bot:
        await bot.feed(group_text("@painbot what causes it"), group_text("what causes it, bot?"))
    assert calls == ["@painbot what causes it", "what causes it, bot?"]
