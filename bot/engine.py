"""The whole answering pipeline in one object: normalise -> match -> render, shared by CLI and bot."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.content import Content, load_content
from bot.matching import Match, Matcher
from bot.parts import PartFinder, PartsMatch
from bot.rendering import Renderer, Reply
from bot.settings import Settings


@dataclass(frozen=True)
class Engine:
    """Content plus the matcher and renderer built from it; replaced whole on reload."""

    content: Content
    emergency_number: str = Settings.emergency_number
    bot_username: str = "painbot"
    retention_days: int = Settings.retention_days
    crisis_line: str = Settings.crisis_line
    matcher: Matcher = field(init=False, repr=False)
    renderer: Renderer = field(init=False, repr=False)
    parts: PartFinder = field(init=False, repr=False)
    _mention: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", Matcher(self.content))
        object.__setattr__(
            self, "renderer", Renderer(self.content, self.emergency_number, self.retention_days, self.crisis_line)
        )
        object.__setattr__(self, "parts", PartFinder(self.matcher, self.content.rules))
        object.__setattr__(self, "_mention", _mention_pattern(self.bot_username))

    @classmethod
    def load(
        cls,
        content_dir: Path,
        emergency_number: str = Settings.emergency_number,
        bot_username: str = "painbot",
        retention_days: int = Settings.retention_days,
        crisis_line: str = Settings.crisis_line,
    ) -> Engine:
        """Load and validate content, then build the engine (raises ContentInvalid)."""
        return cls(load_content(content_dir), emergency_number, bot_username, retention_days, crisis_line)

    @classmethod
    def from_settings(cls, settings: Settings, content_dir: Path | None = None) -> Engine:
        """The engine the settings describe (raises ContentInvalid)."""
        return cls.load(
            content_dir or settings.content_dir,
            settings.emergency_number,
            retention_days=settings.retention_days,
            crisis_line=settings.crisis_line,
        )

    def reloaded(self) -> Engine:
        """The same engine over freshly read content (raises ContentInvalid and keeps nothing half-built)."""
        return replace(self, content=load_content(self.content.root))

    def with_username(self, username: str) -> Engine:
        """The same engine, told the bot's real @username once Telegram reports it (nothing is rebuilt)."""
        twin = copy.copy(self)
        object.__setattr__(twin, "bot_username", username)
        object.__setattr__(twin, "_mention", _mention_pattern(username))
        return twin

    def decide(self, text: str, chat: str = "private", addressed: bool = False) -> Match:
        """Screen the whole message for safety first, then match it; an @mention in a group addresses the bot.

        A safety alert comes first and alone. Otherwise a message asking about two topics gets a
        PartsMatch whose `also` names the second (bot/parts.py).
        """
        alert = self.content.safety.screen(text) if self.content.safety else None
        addressed = addressed or chat != "group" or self._mention.search(text) is not None
        ordinary = self.matcher.match(text, chat, addressed)
        if alert is None:
            return self.parts.split(text, ordinary, chat, addressed)
        # The ordinary match is kept as `rest`, so a false alarm never blocks what was asked.
        return replace(
            ordinary,
            intent_id=alert.intent_id,
            score=100.0,
            ambiguous=False,
            urgent=alert.urgent,
            alert=alert,
            rest=ordinary.intent_id,
        )

    @staticmethod
    def answer_parts(match: Match) -> tuple[str, ...]:
        """Every intent a decision answers, leading one first: one for most messages, two for two-part ones."""
        if match.intent_id is None or match.ambiguous:
            return ()
        return (match.intent_id, *(match.also if isinstance(match, PartsMatch) else ()))

    def reply(self, text: str, chat: str = "private", addressed: bool = False) -> Reply:
        """The reply the bot would send to a message."""
        return self.renderer.render(self.decide(text, chat, addressed), chat)


def _mention_pattern(username: str) -> re.Pattern[str]:
    """An @mention of the bot, in any case."""
    return re.compile(rf"@{re.escape(username)}\b", re.IGNORECASE)
