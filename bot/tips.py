"""Weekly prevention tips for club groups and channels: the wording (responses/_tips.yaml) and the rules.

No Telegram here: which tip comes next, when a week counts as done, and how `/tips on [day] [HH:MM]`
reads.  bot/tips_chat.py schedules and sends them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.htmlcheck import html_problems, to_plain
from bot.yamlsource import LineDict, LineList, Problems

FILE = Path("responses") / "_tips.yaml"
EXTRA_KEY = "load_tips"  # where load_content keeps the result: content.extras[EXTRA_KEY]
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
TOP_KEYS = ("default_day", "default_time", "messages", "tips")
MESSAGE_KEYS = ("scheduled", "stopped", "already_off", "status_off", "not_admin", "private", "usage", "unavailable")
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
    """Read and check responses/_tips.yaml (optional: no file, no tips); problems go to bag.

    Used as an extra loader: load_content keeps the result in content.extras["load_tips"].
    """
    path = root / FILE
    if not path.exists():
        return None
    data = bag.load_mapping(path, "a mapping with default_day, default_time, messages, tips")
    if data is None:
        return None
    before = len(bag.errors)
    _keys(bag, path, data, TOP_KEYS, TOP_KEYS)
    default = _default_schedule(bag, path, data)
    messages = _messages(bag, path, data)
    tips = _tips(bag, path, data)
    if len(bag.errors) > before or default is None:
        return None
    return TipsContent(tips, messages, default)


def _keys(
    bag: Problems, path: Path, data: LineDict, allowed: tuple[str, ...], required: tuple[str, ...], where: str = ""
) -> None:
    """Report unknown and missing keys of one mapping."""
    for key in data:
        if key not in allowed:
            bag.error(path, data.line_of(key), f"{where}unknown key '{key}' (expected one of: {', '.join(allowed)})")
    for key in required:
        if key not in data:
            bag.error(path, data.line, f"{where}missing key '{key}'")


def _default_schedule(bag: Problems, path: Path, data: LineDict) -> Schedule | None:
    """The day and time `/tips on` uses when given none."""
    day, at = str(data.get("default_day", "")).casefold(), str(data.get("default_time", ""))
    if day not in DAYS:
        bag.error(path, data.line_of("default_day"), f"'default_day' must be one of: {', '.join(DAYS)}")
        return None
    try:
        return Schedule(DAYS.index(day), parse_time(at))
    except ValueError:
        bag.error(path, data.line_of("default_time"), "'default_time' must be a 24-hour time in quotes, e.g. \"08:00\"")
        return None


def _text(
    bag: Problems, path: Path, data: LineDict, key: str, where: str, also: frozenset[str] = frozenset()
) -> str | None:
    """A non-empty text with valid Telegram HTML and known placeholders."""
    value, line = data.get(key), data.line_of(key)
    if not isinstance(value, str) or not value.strip():
        bag.error(path, line, f"{where}'{key}' must be non-empty text")
        return None
    for problem in html_problems(value):
        bag.error(path, line, f"{where}{key}: {problem}")
    for name in bag.unknown_placeholders(value, also):
        bag.error(path, line, f"{where}{key}: unknown placeholder {{{name}}}")
    return value.strip()


def _messages(bag: Problems, path: Path, data: LineDict) -> dict[str, str]:
    """What the bot says about tips: scheduled, stopped, refused and so on."""
    block = data.get("messages")
    if not isinstance(block, LineDict):
        if "messages" in data:
            bag.error(path, data.line_of("messages"), "'messages' must be a mapping of name: text")
        return {}
    _keys(bag, path, block, MESSAGE_KEYS, MESSAGE_KEYS, "messages: ")
    texts = {
        key: _text(bag, path, block, key, "messages: ", MESSAGE_PLACEHOLDERS) for key in MESSAGE_KEYS if key in block
    }
    return {key: text for key, text in texts.items() if text is not None}


def _tips(bag: Problems, path: Path, data: LineDict) -> tuple[Tip, ...]:
    """The tips in order: unique ids, short, each ending with the contact line."""
    items = data.get("tips")
    if not isinstance(items, LineList) or not items:
        if "tips" in data:
            bag.error(path, data.line_of("tips"), "'tips' must be a list of tips (id, text)")
        return ()
    tips: list[Tip] = []
    first_line: dict[str, int] = {}
    for index, item in enumerate(items):
        where = f"tip {index + 1}: "
        if not isinstance(item, LineDict):
            bag.error(path, items.line_of(index), f"{where}expected a mapping with id and text")
            continue
        _keys(bag, path, item, ("id", "text"), ("id", "text"), where)
        tip_id, text = item.get("id"), _text(bag, path, item, "text", where)
        if not isinstance(tip_id, str) or not tip_id.strip():
            bag.error(path, item.line_of("id"), f"{where}'id' must be non-empty text")
            continue
        if tip_id in first_line:
            bag.error(
                path, item.line_of("id"), f"{where}duplicate tip id '{tip_id}' (first on line {first_line[tip_id]})"
            )
            continue
        first_line[tip_id] = item.line_of("id")
        if text is None:
            continue
        if not text.endswith(CONTACT):
            bag.error(path, item.line_of("text"), f"{where}a tip must end with {CONTACT}, the physio's contact line")
        if len(to_plain(text)) > TIP_LIMIT:
            bag.error(
                path,
                item.line_of("text"),
                f"{where}the tip is {len(to_plain(text))} characters; keep it to {TIP_LIMIT}",
            )
        tips.append(Tip(tip_id.strip(), text))
    return tuple(tips)
