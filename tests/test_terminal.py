"""The terminal conversation, driven like a person typing."""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Callable

import pytest

from bot.engine import Engine
from bot.settings import PROJECT_ROOT
from bot.terminal import MIN_WIDTH, PROMPT, TerminalChat, reader_for, wrap


def typist(*lines: str) -> Callable[[], str]:
    """A read function that types the given lines, then ends input."""
    pending = list(lines)

    def read() -> str:
        if not pending:
            raise EOFError
        return pending.pop(0)

    return read


def chat(engine: Engine, *lines: str) -> str:
    out = io.StringIO()
    TerminalChat(engine, typist(*lines), out).run()
    return out.getvalue()


def replies(transcript: str) -> list[str]:
    """Each bot turn of a transcript, without its prompt."""
    return [turn.strip() for turn in transcript.split("painbot> ")[1:]]


def test_welcome_is_shown_with_topics(mini_engine: Engine) -> None:
    [welcome] = replies(chat(mini_engine))
    assert welcome.startswith("Greeting answer.")
    assert "[1] What is it" in welcome
    assert "<b>" not in welcome


def test_question_is_answered(mini_engine: Engine) -> None:
    answer = replies(chat(mini_engine, "What causes it?"))[1]
    assert answer.startswith("Causes answer.\nContact: physio@example.org")


def test_number_after_fallback_answers_that_topic(mini_engine: Engine) -> None:
    turns = replies(chat(mini_engine, "asdf qwer zxcv", "1"))
    assert turns[1].startswith("Fallback answer.")
    assert turns[2].startswith("What is it answer.")


def test_number_picks_a_related_topic_after_an_answer(mini_engine: Engine) -> None:
    turns = replies(chat(mini_engine, "what causes it", "2"))
    assert "[2] See someone" in turns[1]
    assert turns[2].startswith("See someone answer.")


def test_number_with_no_such_button_is_a_message(mini_engine: Engine) -> None:
    assert replies(chat(mini_engine, "99"))[1].startswith("Fallback answer.")


def test_help_command_lists_topics(mini_engine: Engine) -> None:
    turn = replies(chat(mini_engine, "/help"))[1]
    assert turn.startswith("Help answer.")
    assert "[11] Red flags" in turn


def test_privacy_command(mini_engine: Engine) -> None:
    assert replies(chat(mini_engine, "/privacy"))[1].startswith("Privacy answer.")


def test_quit_ends_the_chat(mini_engine: Engine) -> None:
    transcript = chat(mini_engine, "/quit", "what causes it")
    assert len(replies(transcript)) == 1
    assert transcript.endswith("Bye - take care.\n")


@pytest.mark.parametrize("word", ["quit", "EXIT", "/exit"])
def test_other_quit_words(mini_engine: Engine, word: str) -> None:
    assert len(replies(chat(mini_engine, word, "hello"))) == 1


def test_end_of_input_ends_the_chat(mini_engine: Engine) -> None:
    assert chat(mini_engine, "hello").endswith("Bye - take care.\n")


def test_ctrl_c_ends_the_chat(mini_engine: Engine) -> None:
    def interrupted() -> str:
        raise KeyboardInterrupt

    out = io.StringIO()
    TerminalChat(mini_engine, interrupted, out).run()
    assert out.getvalue().endswith("Bye - take care.\n")


def test_blank_lines_are_ignored(mini_engine: Engine) -> None:
    assert len(replies(chat(mini_engine, "", "   ", "\n"))) == 1


def test_red_flag_is_answered_urgently(mini_engine: Engine) -> None:
    turn = replies(chat(mini_engine, "my groin is numb"))[1]
    assert turn.startswith("Call 000 now.")
    assert "[1] None of these apply to me" in turn and "[2]" not in turn


def test_commands_match_the_telegram_handlers(mini_engine: Engine) -> None:
    start, topics = mini_engine.command("start"), mini_engine.command("topics")
    assert start is not None and topics is not None
    assert start.intent_id == "greeting"
    assert topics.buttons == mini_engine.topics()
    assert mini_engine.command("unknown") is None


def test_superscript_digit_does_not_crash(mini_engine: Engine) -> None:
    assert replies(chat(mini_engine, "²"))[1].startswith("Fallback answer.")


def test_a_two_part_question_is_answered_in_both_parts_and_a_follow_up_works() -> None:
    engine = Engine.load(PROJECT_ROOT)
    turns = replies(chat(engine, "what causes this and how long until it settles", "1"))
    both = turns[1]
    assert both.startswith("What causes it\n") and "\nHow long will it take?\n" in both
    follow_up = both.split("[1] ", 1)[1].splitlines()[0]
    assert follow_up not in ("What causes it", "How long will it take?")
    assert follow_up.rstrip("?") in turns[2]  # pressing 1 answers the first follow-up in full


def test_a_pictured_answer_shows_the_pictures_path_and_alt_text(mini_engine: Engine) -> None:
    transcript = chat(mini_engine, "what is overstriding")
    assert "[picture: images/sit-bone.png: Diagram: a test picture.]" in transcript


# --- the self-check in the terminal ---------------------------------------------------


def test_text_during_check_gets_a_hint_and_the_same_question(mini_engine: Engine) -> None:
    hint = mini_engine.snippet("terminal_check_hint")
    turns = replies(chat(mini_engine, "/check", "what do you mean?", "/cancel"))
    assert turns[2].startswith(hint)
    assert turns[2] == f"{hint}\n\n{turns[1]}"  # the hint, then the same question and its choices


def test_the_hint_names_a_number_and_cancel(mini_engine: Engine) -> None:
    hint = mini_engine.snippet("terminal_check_hint")
    assert "number" in hint and "/cancel" in hint


def test_answers_during_check_get_no_hint(mini_engine: Engine) -> None:
    turns = replies(chat(mini_engine, "/check", "2", "no", "/cancel"))
    assert not any(mini_engine.snippet("terminal_check_hint") in turn for turn in turns)
    assert "Question 3 of 9" in turns[3]


def test_red_flag_typed_during_check_ends_it_urgently(mini_engine: Engine) -> None:
    turns = replies(chat(mini_engine, "/check", "no", "my groin is numb", "1"))
    assert turns[3].startswith("Call 000 now.") and mini_engine.snippet("terminal_check_hint") not in turns[3]
    assert "Question" not in turns[4] and "[1] Yes" not in turns[4]  # the check is over: 1 is no longer "Yes"


# --- the terminal itself ---------------------------------------------------------------


def test_replies_wrap_to_the_terminal_width_without_splitting_words(mini_engine: Engine) -> None:
    out = io.StringIO()
    TerminalChat(mini_engine, typist("/help"), out, width=24).run()
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 24
    words = "".join(reply for reply in replies(text)).split()
    unwrapped = replies(chat(mini_engine, "/help"))
    assert words == "".join(unwrapped).split()


def test_wrap_keeps_button_indents_and_long_links_whole() -> None:
    link = "https://example.org/" + "a" * 40
    assert wrap(f"see {link} now", 20) == f"see\n{link}\nnow"
    assert wrap("  [1] What is the recovery time", 16) == "  [1] What is\n  the recovery\n  time"
    assert wrap("one\n\ntwo", 20) == "one\n\ntwo"


def test_width_follows_the_terminal(mini_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "33")
    assert TerminalChat(mini_engine, typist(), io.StringIO()).width == 33
    monkeypatch.setenv("COLUMNS", "5")
    assert TerminalChat(mini_engine, typist(), io.StringIO()).width == MIN_WIDTH


def test_a_real_terminal_reads_through_input_with_readline(
    monkeypatch: pytest.MonkeyPatch, typed: type[io.StringIO]
) -> None:
    monkeypatch.setattr(sys, "stdin", typed())
    monkeypatch.setattr(sys, "stdout", typed())
    prompts: list[str] = []

    def answer(prompt: str) -> str:
        prompts.append(prompt)
        return "hello"

    monkeypatch.setattr("builtins.input", answer)
    read = reader_for(sys.stdin, sys.stdout)
    assert read() == "hello" and prompts == [PROMPT]
    if importlib.util.find_spec("readline"):
        assert "readline" in sys.modules


def test_pipes_and_files_are_read_as_streams() -> None:
    out = io.StringIO()
    read = reader_for(io.StringIO("hello\n"), out)
    assert read() == "hello\n" and out.getvalue() == PROMPT
    with pytest.raises(EOFError):
        read()
