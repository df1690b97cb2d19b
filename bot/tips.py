"""Weekly prevention tips for club groups and channels: the wording (responses/_tips.yaml) and the rules.

No Telegram here: which tip comes next, when a week counts as done, and how `/tips on [day] [HH:MM]`
reads.  bot/tips_chat.py schedules and sends them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.htmlcheck import to_plain
from bot.schema import Choice, Field, Record, Records, Shape, Text, fixed_texts, read_file
from bot.yamlsource import Problems

FILE = Path("responses") / "_tips.yaml"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# The schedule's own words, filled in by the bot; tips themselves use only the snippets.
MESSAGE_PLACEHOLDERS = frozenset({"day", "time", "timezone"})
TIP_LIMIT = 700  # plain characters: one short tip, a few sentences
CONTACT = "{contact}"  # every tip ends with the physio's contact line


@dataclass(frozen=True)
class Tip:
    """One weekly tip, as written (placeholders not yet filled)."""

    id: str
    text: str


@dataclass(frozen=True)
class Schedule:
    """When a chat gets its tip: a weekday (0 = Monday) and a local time."""

    day: int
    at: dt.time

    def describe(self) -> tuple[str, str]:
        """The day and time as the messages show them: ('Monday', '08:00')."""
        return DAYS[self.day].capitalize(), self.at.strftime("%H:%M")


@dataclass(frozen=True)
class TipsContent:
    """The tips in their order, the bot's messages about them and the default schedule."""

    tips: tuple[Tip, ...]
    messages: dict[str, str]
    default: Schedule


MESSAGE = Text(html=True, placeholders=MESSAGE_PLACEHOLDERS)
# What each message is for, in plain words: a missing one is reported with this.
MESSAGES = {
    "scheduled": "what /tips says when tips are on, with {day}, {time} and {timezone}",
    "stopped": "what the bot says when /tips off turns the tips off",
    "already_off": "what the bot says to /tips off when the tips are already off",
    "status_off": "what /tips says when the tips are off",
    "not_admin": "what the bot says when someone who is not an admin sends /tips",
    "private": "what /tips says in a private chat",
    "usage": "what the bot says when it cannot read the day or time after /tips on",
}


TIP = Shape(
    "a tip: a mapping with id and text",
    (
        Field("id", Text(plain=True), "the tip's name"),
        Field("text", Text(html=True, placeholders=frozenset()), "the tip"),
    ),
)
TIPS = Shape(
    "a mapping with default_day, default_time, messages, tips",
    (
        Field("default_day", Choice(DAYS, fold=True), "the day `/tips on` uses when given none"),
        Field("default_time", Text(), "the time `/tips on` uses when given none"),
        Field(
            "messages",
            fixed_texts("a mapping of name: text", MESSAGES, MESSAGE),
            "what the bot says about tips",
        ),
        Field("tips", Records(TIP, "tip"), "the tips, in the order they are sent"),
    ),
)


def parse_schedule(words: list[str], default: Schedule) -> Schedule:
    """Read the optional day and HH:MM after `/tips on`, in either order; raise ValueError when unclear."""
    day, at = default.day, default.at
    for word in words:
        word = word.casefold().strip()
        days = [i for i, name in enumerate(DAYS) if len(word) >= 3 and name.startswith(word)]
        if days:
            day = days[0]
        elif ":" in word:
            at = parse_time(word)
        else:
            raise ValueError(f"not a day or a time: {word!r}")
    return Schedule(day, at)


def parse_time(word: str) -> dt.time:
    """A 24-hour HH:MM time; raise ValueError otherwise."""
    hours, _, minutes = word.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"not a time: {word!r}")
    return dt.time(int(hours), int(minutes))  # raises ValueError past 23:59


def next_tip(tips: tuple[Tip, ...], used: list[str]) -> tuple[Tip, list[str]]:
    """The first tip not yet sent in this round, and the round's sent list with it added.

    When every tip has been sent the round starts again, so no tip repeats before all were used;
    ids from tips since removed are dropped.
    """
    if not tips:
        raise ValueError("there are no tips")
    known = {tip.id for tip in tips}
    sent = [tip_id for tip_id in used if tip_id in known]
    fresh = [tip for tip in tips if tip.id not in sent]
    if not fresh:
        sent, fresh = [], list(tips)
    return fresh[0], [*sent, fresh[0].id]


def week_of(moment: dt.datetime) -> str:
    """The ISO week a moment falls in, e.g. '2026-W48': a chat gets at most one tip per week."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def load_tips(root: Path, bag: Problems) -> TipsContent | None:
    """Read and check responses/_tips.yaml (load_content keeps it as content.tips); None without the file."""
    path = root / FILE
    if not path.exists():
        return None
    before = len(bag.errors)
    record = read_file(bag, path, TIPS)
    if record is None:
        return None
    default = _default_schedule(bag, path, record)
    tips = _tips(bag, path, record.get("tips", ()))
    if len(bag.errors) > before or default is None:
        return None
    return TipsContent(tips, dict(record["messages"]), default)


def _default_schedule(bag: Problems, path: Path, record: Record) -> Schedule | None:
    """The day and time `/tips on` uses when given none."""
    if "default_day" not in record or "default_time" not in record:
        return None
    try:
        return Schedule(DAYS.index(record["default_day"]), parse_time(record["default_time"]))
    except ValueError:
        message = "'default_time' must be a 24-hour time in quotes, e.g. \"08:00\""
        bag.error(path, record.line_of("default_time"), message)
        return None


def _tips(bag: Problems, path: Path, items: tuple[Record, ...]) -> tuple[Tip, ...]:
    """The tips in order: unique ids, short, each ending with the contact line."""
    tips: list[Tip] = []
    first_line: dict[str, int] = {}
    for index, item in enumerate(items):
        where, tip_id, text = f"tip {index + 1}: ", item.get("id"), item.get("text")
        if tip_id is None:
            continue
        if tip_id in first_line:
            message = f"duplicate tip id '{tip_id}' (first on line {first_line[tip_id]})"
            bag.error(path, item.line_of("id"), f"{where}{message}")
            continue
        first_line[tip_id] = item.line_of("id")
        if text is None:
            continue
        if not text.endswith(CONTACT):
            bag.error(path, item.line_of("text"), f"{where}a tip must end with {CONTACT}, the physio's contact line")
        if len(to_plain(text)) > TIP_LIMIT:
            message = f"the tip is {len(to_plain(text))} characters; keep it to {TIP_LIMIT}"
            bag.error(path, item.line_of("text"), f"{where}{message}")
        tips.append(Tip(tip_id, text))
    return tuple(tips)
