"""Turning raw chat text into comparable words."""

from __future__ import annotations

import re

import pytest

from bot.normalise import Synonyms, clean, normalise, stem, whole_word


def test_lower_cases() -> None:
    assert clean("My HAMSTRING Hurts") == "my hamstring hurts"


def test_full_width_letters_become_plain() -> None:
    assert clean("ＨＡＭＳＴＲＩＮＧ ｐａｉｎ") == "hamstring pain"


def test_punctuation_becomes_single_spaces() -> None:
    assert clean("  why?!...does   it -- hurt??  ") == "why does it hurt"


@pytest.mark.parametrize("text", ["why 😭 does it hurt 🙏🏽", "why does it 👨\u200d⚕️ hurt", "why does it ❤️ hurt"])
def test_emoji_are_removed(text: str) -> None:
    assert clean(text) == "why does it hurt"


def test_mentions_are_removed() -> None:
    assert clean("@painbot @some_runner is it sciatica") == "is it sciatica"


def test_email_address_is_not_treated_as_mention() -> None:
    assert "example" in clean("mail physio@example.org")


@pytest.mark.parametrize(
    "text",
    ["see https://example.com/a?b=1&c=2 for it", "see http://x.org/y for it", "see www.blog.example.com/post for it"],
)
def test_urls_are_removed(text: str) -> None:
    assert clean(text) == "see for it"


@pytest.mark.parametrize("text", ["/help@painbot", "/help", "/HELP@PainBot"])
def test_commands_lose_slash_and_bot_name(text: str) -> None:
    assert clean(text) == "help"


@pytest.mark.parametrize(
    ("text", "expected"), [("can't", "cant"), ("won’t run", "wont run"), ("it`s", "its"), ("don‘t", "dont")]
)
def test_apostrophes_join_words(text: str, expected: str) -> None:
    assert clean(text) == expected


def test_quotes_around_words_are_dropped() -> None:
    assert clean("'sit bones' hurt") == "sit bones hurt"


def test_stretched_letters_are_shortened() -> None:
    assert clean("soooo paaaainful") == "soo paainful"
    assert clean("sooo") == clean("soooooooooo")


def test_doubled_letters_are_kept() -> None:
    assert clean("really sore feet") == "really sore feet"


def test_underscores_split_words() -> None:
    assert clean("high_hamstring__pain") == "high hamstring pain"


def test_control_characters_become_spaces() -> None:
    assert clean("\x00hello\tthere\r\n\x07friend\x1b") == "hello there friend"


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "😀👍🏽🔥", "?!...", "@painbot", "https://example.com"])
def test_nothing_left_gives_empty_string(text: str) -> None:
    assert clean(text) == ""
    assert normalise(text, Synonyms({"bum": ["butt"]})) == ""


def test_numbers_are_kept() -> None:
    assert clean("week 3 of 12") == "week 3 of 12"


def test_non_latin_letters_are_kept() -> None:
    assert clean("¿Dónde DUELE?") == "dónde duele"


def test_long_input_is_cut_at_max_chars_before_any_work() -> None:
    text = "why does my hamstring hurt when I sit " * 300  # > 10,000 characters
    assert len(text) > 10_000
    result = normalise(text, Synonyms({"bum": ["butt", "arse"]}), max_chars=600)
    assert 0 < len(result) <= 600
    assert result.startswith("why does my hamstring hurt")


def test_without_max_chars_the_whole_text_is_read() -> None:
    text = "sit " * 300 + "hamstring"
    assert normalise(text).endswith("hamstring")


def test_cap_is_configurable() -> None:
    assert len(clean("abcd " * 100, max_chars=20)) <= 20


def test_long_run_of_one_character_is_cheap() -> None:
    assert clean("a" * 10_000) == "aa"


# --- synonyms -------------------------------------------------------------

SYNONYMS = Synonyms(
    {
        "bum": ["butt", "arse", "backside", "sit bone"],
        "high hamstring tendinopathy": ["pht", "proximal hamstring tendinopathy", "high ham string tendinopathy"],
        "hamstring": ["ham string", "hammy"],
    }
)


def test_synonym_replaces_a_variant() -> None:
    assert SYNONYMS.fold("my butt hurts") == "my bum hurts"


def test_synonyms_fold_multi_word_variants() -> None:
    assert SYNONYMS.fold("is it proximal hamstring tendinopathy") == "is it high hamstring tendinopathy"


def test_synonyms_prefer_the_longest_variant() -> None:
    # "ham string" alone would give "high hamstring tendinopathy" broken in two.
    assert SYNONYMS.fold("high ham string tendinopathy") == "high hamstring tendinopathy"
    assert SYNONYMS.fold("my ham string") == "my hamstring"


@pytest.mark.parametrize("text", ["buttocks", "butter", "rebutt", "hammyness", "phthalate", "sit bones"])
def test_synonyms_match_whole_words_only(text: str) -> None:
    assert SYNONYMS.fold(text) == text


def test_variants_side_by_side_and_at_the_end_each_fold() -> None:
    assert SYNONYMS.fold("butt butt") == "bum bum"
    assert SYNONYMS.fold("hammy ham string pht") == "hamstring hamstring high hamstring tendinopathy"


def test_domain_word_does_not_fire_inside_longer_word() -> None:
    bum = Synonyms({"bum": ["butt"], "hurt": ["sore"]})
    assert bum.fold("bumpy road is sore") == "bumpy road is hurt"


def test_synonym_variants_are_cleaned_like_messages() -> None:
    synonyms = Synonyms({"can't run": ["Unable To Run!"]})
    assert normalise("I'm UNABLE to run...", synonyms) == "im cant run"


def test_synonyms_fold_after_cleaning() -> None:
    assert normalise("My BUTT!!! hurts", SYNONYMS) == "my bum hurts"


def test_no_synonyms_leaves_text_alone() -> None:
    assert Synonyms({}).fold("my butt") == "my butt"
    assert normalise("My butt") == "my butt"


def test_emoji_only_synonym_variant_does_not_corrupt_messages() -> None:
    synonyms = Synonyms({"bum": ["🍑", "butt"]})
    assert synonyms.fold("my hamstring hurts") == "my hamstring hurts"


# --- stem -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("numbness", "numb"),
        ("running", "run"),
        ("runner", "run"),
        ("runners", "run"),
        ("runs", "run"),
        ("stretching", "stretch"),
        ("stretched", "stretch"),
        ("stretches", "stretch"),
        ("injuries", "injury"),
        ("popped", "pop"),
        ("illness", "ill"),
    ],
)
def test_stem_strips_common_endings(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("exercises", "exercise"),
        ("hurts", "hurting"),
        ("glutes", "glute"),
        ("sitting", "sit"),
        ("hamstrings", "hamstring"),
        ("stretch", "stretches"),
    ],
)
def test_word_forms_share_a_stem(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize("word", ["the", "is", "run", "bum", "sit", "a", ""])
def test_short_words_are_untouched(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize("word", ["stress", "pelvis", "bus", "speed", "never", "3km", "10k"])
def test_words_that_only_look_inflected_are_kept(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize(("a", "b"), [("knee", "knees"), ("ache", "aches"), ("race", "races"), ("sore", "sores")])
def test_plural_of_four_letter_e_word_shares_its_stem(a: str, b: str) -> None:
    assert stem(a) == stem(b)


@pytest.mark.parametrize(
    ("term", "text", "found"),
    [
        ("and", "sand and band", [(5, 8)]),
        ("and", "and", [(0, 3)]),
        ("as well as", "as well as, alias as well", [(0, 10)]),
        ("but", "but_ but", [(5, 8)]),
        ("#x", "a#x #x", [(1, 3)]),
    ],
)
def test_a_whole_word_pattern_finds_the_term_only_between_non_word_characters(
    term: str, text: str, found: list[tuple[int, int]]
) -> None:
    pattern = re.compile(whole_word(term))
    assert [m.span() for m in pattern.finditer(text)] == found
    assert found == [m.span() for m in re.finditer(rf"\b{re.escape(term)}\b", text)]  # as \b..\b reads it
