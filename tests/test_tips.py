"""The weekly tips' rules and their file: schedule words, rotation, weeks, and every problem reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.content import load_content
from bot.tips import Schedule, Tip, next_tip, parse_schedule, week_of
from bot.yamlsource import ContentInvalid
from testsupport.mini import MINI

DEFAULT = Schedule(0, dt.time(8, 0))
TIPS = (Tip("a", "A {contact}"), Tip("b", "B {contact}"), Tip("c", "C {contact}"))
MINI_TIPS = MINI / "responses" / "_tips.yaml"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([], DEFAULT),
        (["friday"], Schedule(4, dt.time(8, 0))),
        (["Fri", "07:30"], Schedule(4, dt.time(7, 30))),
        (["18:05", "sun"], Schedule(6, dt.time(18, 5))),
        (["7:00"], Schedule(0, dt.time(7, 0))),
    ],
)
def test_schedule_words(words: list[str], expected: Schedule) -> None:
    assert parse_schedule(words, DEFAULT) == expected


@pytest.mark.parametrize("words", [["someday"], ["24:00"], ["7"], ["fr"], ["12:5"], ["friday", "noon"]])
def test_unclear_schedule_words_are_refused(words: list[str]) -> None:
    with pytest.raises(ValueError):
        parse_schedule(words, DEFAULT)


def test_schedule_describes_itself() -> None:
    assert Schedule(4, dt.time(7, 5)).describe() == ("Friday", "07:05")


def test_tips_rotate_without_repeats_then_start_again() -> None:
    used: list[str] = []
    sent = []
    for _ in range(5):
        tip, used = next_tip(TIPS, used)
        sent.append(tip.id)
    assert sent == ["a", "b", "c", "a", "b"]


def test_removed_tips_are_forgotten_from_the_round() -> None:
    tip, used = next_tip(TIPS, ["gone", "a"])
    assert tip.id == "b" and used == ["a", "b"]


def test_weeks_follow_iso_numbering_across_the_new_year() -> None:
    assert week_of(dt.datetime(2026, 11, 28)) == "2026-W48"
    assert week_of(dt.datetime(2027, 1, 1)) == "2026-W53"


def test_no_tips_file_means_no_tips(make_content: Path) -> None:
    (make_content / "responses" / "_tips.yaml").unlink()
    assert load_content(make_content).tips is None


def test_mini_tips_load_in_order() -> None:
    tips = load_content(MINI_TIPS.parent.parent).tips
    assert tips is not None
    assert [t.id for t in tips.tips] == ["first", "second", "third"]
    assert tips.default == DEFAULT


def errors(root: Path, text: str) -> list[str]:
    """Every problem reported for this _tips.yaml."""
    (root / "responses" / "_tips.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        load_content(root)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            ("default_day: monday", "default_day: moonday"),
            "responses/_tips.yaml:2: default_day 'moonday' must be one of: monday, ",
        ),
        (('default_time: "08:00"', 'default_time: "8am"'), "responses/_tips.yaml:3: 'default_time' must be"),
        (
            ('text: "Second tip. {contact}"', 'text: "Second tip."'),
            "responses/_tips.yaml:16: tip 2: a tip must end with {contact}",
        ),
        (("id: third", "id: first"), "responses/_tips.yaml:17: tip 3: duplicate tip id 'first' (first on line 13)"),
        (('"Third tip. {contact}"', '"Third <blink>tip</blink>. {contact}"'), "responses/_tips.yaml:18: tip 3: text:"),
        (('"Tips off."', '"Tips off {whenever}."'), "responses/_tips.yaml:6: messages: stopped: unknown placeholder"),
        (
            ('  usage: "Usage: /tips on [day] [HH:MM] or /tips off."\n', ""),
            "responses/_tips.yaml:4: messages: 'usage' is missing (what the bot says when it cannot read the day or "
            "time after /tips on)",
        ),
        (("tips:", "tipps:"), "responses/_tips.yaml:12: unknown key 'tipps'"),
    ],
)
def test_problems_in_the_tips_file_are_reported_at_their_line(
    make_content: Path, change: tuple[str, str], problem: str
) -> None:
    text = MINI_TIPS.read_text(encoding="utf-8")
    assert change[0] in text
    found = errors(make_content, text.replace(*change))
    assert [p for p in found if p.startswith(problem)], found


def test_a_tip_too_long_for_one_short_message_is_refused(make_content: Path) -> None:
    text = MINI_TIPS.read_text(encoding="utf-8").replace("First tip.", "Words " * 150)
    assert any("keep it to 700" in p for p in errors(make_content, text))
