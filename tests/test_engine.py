"""The whole pipeline: normalise -> match -> render, and who counts as addressing the bot."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.addressing import Address
from bot.engine import Engine
from bot.rendering import Button
from bot.settings import Settings
from bot.yamlsource import ContentInvalid


def test_private_messages_are_always_addressed(mini_engine: Engine) -> None:
    assert mini_engine.decide("hello").intent_id == "greeting"


def test_unaddressed_greeting_in_a_group_is_ignored(mini_engine: Engine) -> None:
    assert mini_engine.decide("hello", chat="group").intent_id is None


@pytest.mark.parametrize("text", ["@painbot hello", "hello @painbot", "@PainBot Hello!"])
def test_mention_in_a_group_counts_as_addressed(mini_engine: Engine, text: str) -> None:
    assert mini_engine.decide(text, chat="group").intent_id == "greeting"


def test_mention_of_a_longer_username_does_not_count(mini_engine: Engine) -> None:
    assert mini_engine.decide("@painbot_fan hello", chat="group").intent_id is None


def test_reply_to_the_bot_counts_as_addressed(mini_engine: Engine) -> None:
    assert mini_engine.decide("hello", chat="group", address=Address.DIRECT).intent_id == "greeting"


def test_naming_the_bot_in_a_group_lets_it_answer_a_social_message(mini_engine: Engine) -> None:
    assert mini_engine.addressing.of("hello bot", chat="group") is Address.NAMED
    assert mini_engine.decide("hello bot", chat="group").intent_id == "greeting"


def test_a_group_message_marked_by_telegram_is_direct(mini_engine: Engine) -> None:
    assert mini_engine.addressing.of("hello", chat="group") is Address.NONE
    assert mini_engine.addressing.of("hello", chat="group", cue=True) is Address.DIRECT


def test_with_username_uses_the_real_bot_name(mini_engine: Engine) -> None:
    renamed = mini_engine.with_username("hamstring_help_bot")
    assert renamed.bot_username == "hamstring_help_bot"
    assert renamed.decide("@hamstring_help_bot hello", chat="group").intent_id == "greeting"
    assert renamed.decide("@painbot hello", chat="group").intent_id is None
    assert mini_engine.bot_username == "painbot"


def test_until_telegram_reports_its_name_the_bot_answers_to_the_one_in_settings(mini_dir: Path) -> None:
    engine = Engine.from_settings(Settings(), mini_dir)
    assert engine.bot_username == Engine.load(mini_dir).bot_username == Settings().bot_username
    assert engine.decide(f"@{Settings().bot_username} hello", chat="group").intent_id == "greeting"


def test_with_username_keeps_content_and_emergency_number(mini_dir: Path) -> None:
    engine = Engine.load(mini_dir, emergency_number="112").with_username("other_bot")
    assert engine.emergency_number == "112"
    assert "Call 112 now." in engine.reply("my groin is numb").text


def test_reply_renders_for_the_chat(mini_engine: Engine) -> None:
    assert (
        mini_engine.reply("where does it hurt", chat="group", cue=True).text
        == "Short symptoms Contact: physio@example.org"
    )
    assert mini_engine.reply("where does it hurt").text.startswith("<b>Symptoms</b>")


def test_red_flag_reply_is_urgent_everywhere(mini_engine: Engine) -> None:
    for chat in ("private", "group"):
        reply = mini_engine.reply("my groin is numb, how long will it take to heal?", chat=chat)
        assert (reply.kind, reply.tier) == ("urgent", "now")
        assert reply.buttons == (Button("None of these apply to me", "recovery_time"),)


def test_safety_reads_the_whole_message_before_matching(mini_engine: Engine) -> None:
    story = "how long will it take to heal? " + "I ran the long loop again and it ached. " * 40 + "my groin is numb"
    assert len(story) > 1500
    match = mini_engine.decide(story)
    assert (match.intent_id, match.urgent) == ("red_flags", True)
    assert match.alert is not None and match.alert.rule == "saddle_numbness"


@pytest.mark.parametrize(
    ("text", "intent_id", "kind"),
    [
        ("i want to die", "crisis", "crisis"),
        ("chest pain on my run", "emergency", "emergency"),
        ("felt a pop in my hamstring", "red_flags", "urgent"),
        ("the pain wakes me", "red_flags", "urgent"),
    ],
)
def test_each_safety_kind_replaces_the_answer(mini_engine: Engine, text: str, intent_id: str, kind: str) -> None:
    reply = mini_engine.reply(text)
    assert (reply.intent_id, reply.kind) == (intent_id, kind)


def test_a_question_about_warning_signs_gets_the_list_not_an_alarm(mini_engine: Engine) -> None:
    reply = mini_engine.reply("what are the red flags?")
    assert (reply.intent_id, reply.kind, reply.tier) == ("red_flags", "answer", None)
    assert reply.text == mini_engine.text("red_flags")


def test_unknown_message_gets_the_fallback(mini_engine: Engine) -> None:
    reply = mini_engine.reply("asdf qwer zxcv")
    assert reply.kind == "fallback" and reply.buttons


def test_ambiguous_message_in_a_group_asks_which_was_meant(ambiguous_content: Path) -> None:
    reply = Engine.load(ambiguous_content).reply("@painbot how do I treat my hamstring", chat="group")
    assert reply.kind == "ambiguous"
    assert {b.intent_id for b in reply.buttons} == {"fixes", "rehab"}


def test_ambiguous_message_in_private_answers_with_the_runner_up_one_tap_away(ambiguous_content: Path) -> None:
    engine = Engine.load(ambiguous_content)
    match = engine.decide("how do I treat my hamstring")
    reply = engine.reply("how do I treat my hamstring")
    assert match.ambiguous and match.runner_up is not None
    assert (reply.kind, reply.intent_id) == ("answer", match.intent_id)
    assert reply.buttons[0].intent_id == match.runner_up.intent_id
    assert reply.buttons[0].label.startswith("Or: ")


def test_load_refuses_broken_content(make_content: Path) -> None:
    root = make_content
    (root / "responses" / "fallback.yaml").unlink()
    with pytest.raises(ContentInvalid, match="response 'fallback' is missing"):
        Engine.load(root)


def test_the_engine_answers_what_its_callers_ask(mini_engine: Engine) -> None:
    assert mini_engine.knows("causes") and not mini_engine.knows("no_such_topic")
    assert "causes" in mini_engine.intent_ids() and "fallback" in mini_engine.response_ids()
    assert mini_engine.title("causes") == "Causes"
    assert mini_engine.short("symptoms") == "Short symptoms Contact: physio@example.org"
    assert mini_engine.short("causes") == mini_engine.answer("causes").text  # no short form: the full answer
    assert mini_engine.command("start") is not None and mini_engine.command("nonsense") is None
    assert mini_engine.topics() == mini_engine.command("topics").buttons  # type: ignore[union-attr]
    assert mini_engine.fallback().kind == "fallback"
    assert mini_engine.snippet("more_on_this") == "More on this"
    assert mini_engine.fill("{contact}") == "Contact: physio@example.org"
    assert mini_engine.picture("images/x.png") == mini_engine.content.root / "images/x.png"


def test_explain_shows_what_the_safety_layer_read(mini_engine: Engine) -> None:
    explained = mini_engine.explain("my groin is numb")
    assert explained is not None and explained.startswith("words: ")


def test_screen_is_the_safety_layer_alone(mini_engine: Engine) -> None:
    alert = mini_engine.screen("my groin is numb")
    assert alert is not None and alert.intent_id == "red_flags"
    assert alert == mini_engine.decide("my groin is numb").alert
    assert mini_engine.screen("what causes it") is None
    assert Engine(replace(mini_engine.content, safety=None)).screen("my groin is numb") is None


def test_decide_matches_as_the_given_address_allows(mini_engine: Engine) -> None:
    # "hello" alone is group chatter; told it was addressed (named or direct), the greeting is answered.
    assert mini_engine.decide("hello", chat="group").intent_id is None
    assert mini_engine.decide("hello", chat="group", address=Address.NAMED).intent_id == "greeting"
    assert mini_engine.decide("hello bot", chat="group", address=Address.NONE).intent_id is None


def test_reply_takes_telegrams_cue(mini_engine: Engine) -> None:
    assert mini_engine.reply("hello", chat="group").kind == "fallback"
    assert mini_engine.reply("hello", chat="group", cue=True).intent_id == "greeting"


def test_spoken_to_is_direct_only_when_no_reading_is_needed(mini_engine: Engine) -> None:
    """Private chats, Telegram's cue and an @mention are direct; a name word is left for decide to read."""
    assert mini_engine.spoken_to("hello", chat="private") is Address.DIRECT
    assert mini_engine.spoken_to("hello", chat="group", cue=True) is Address.DIRECT
    assert mini_engine.spoken_to("@painbot hello", chat="group") is Address.DIRECT
    assert mini_engine.spoken_to("hello bot", chat="group") is None
    named = mini_engine.decide("hello bot", "group", mini_engine.spoken_to("hello bot", chat="group"))
    assert named == mini_engine.decide("hello bot", "group", Address.NAMED)
