"""Whether a message speaks to the bot: private chats, Telegram's marks, @mentions and name words."""

from __future__ import annotations

import pytest

from bot.addressing import Address, Addressing
from bot.normalise import Synonyms

ADDRESSING = Addressing("painbot", frozenset({"bot", "painbot"}))


@pytest.mark.parametrize("chat", ["private", "inline"])
def test_outside_groups_every_message_is_direct(chat: str) -> None:
    assert ADDRESSING.of("what causes it", chat) is Address.DIRECT


def test_a_message_telegram_marks_for_the_bot_is_direct() -> None:
    assert ADDRESSING.of("what causes it", "group", cue=True) is Address.DIRECT


@pytest.mark.parametrize("text", ["@painbot what causes it", "what causes it @PainBot?"])
def test_an_at_mention_in_the_text_is_direct(text: str) -> None:
    assert ADDRESSING.of(text, "group") is Address.DIRECT


@pytest.mark.parametrize("text", ["@painbot_fan what causes it", "@otherbot what causes it", "what causes it"])
def test_other_group_messages_do_not_address_the_bot(text: str) -> None:
    assert ADDRESSING.of(text, "group") is Address.NONE


@pytest.mark.parametrize("text", ["Thanks BOT!", "painbot, what causes it", "hey bot... what causes it"])
def test_a_name_word_names_the_bot_without_addressing_it_directly(text: str) -> None:
    assert ADDRESSING.of(text, "group") is Address.NAMED


@pytest.mark.parametrize("text", ["the robot vacuum", "bots everywhere", "chatbot said so"])
def test_a_name_word_counts_only_as_a_whole_word(text: str) -> None:
    assert ADDRESSING.of(text, "group") is Address.NONE


def test_a_name_word_is_read_as_the_matcher_reads_words() -> None:
    folded = Addressing("painbot", frozenset({"bot"}), Synonyms({"bot": ["b0t"]}))
    assert folded.of("thanks b0t", "group") is Address.NAMED


def test_the_bot_is_spoken_to_when_named_or_addressed() -> None:
    assert [a.named for a in Address] == [False, True, True]


def test_a_message_the_matcher_normalised_already_is_read_from_that_form() -> None:
    folded = Addressing("painbot", frozenset({"bot"}), Synonyms({"bot": ["b0t"]}))
    assert folded.of("thanks b0t", "group", normalised="thanks bot") is Address.NAMED
    assert folded.of("thanks b0t", "group", normalised="thanks") is Address.NONE
