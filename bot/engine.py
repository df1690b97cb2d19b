"""The whole answering pipeline in one object: normalise -> match -> render, shared by CLI and bot."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.addressing import Address, Addressing
from bot.content import Content, load_content
from bot.matching import Match, Matcher
from bot.parts import PartFinder, PartsMatch
from bot.rendering import Button, Renderer, Reply
from bot.safety import Alert
from bot.selfcheck_content import SelfCheckContent
from bot.settings import Settings
from bot.tips import TipsContent


@dataclass(frozen=True)
class Engine:
    """Content plus the matcher and renderer built from it; replaced whole on reload."""

    content: Content
    emergency_number: str = Settings.emergency_number
    bot_username: str = Settings.bot_username
    retention_days: int = Settings.retention_days
    crisis_line: str = Settings.crisis_line
    matcher: Matcher = field(init=False, repr=False)
    renderer: Renderer = field(init=False, repr=False)
    parts: PartFinder = field(init=False, repr=False)
    addressing: Addressing = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matcher", Matcher(self.content))
        object.__setattr__(
            self, "renderer", Renderer(self.content, self.emergency_number, self.retention_days, self.crisis_line)
        )
        object.__setattr__(self, "parts", PartFinder(self.matcher, self.content.rules))
        object.__setattr__(self, "addressing", self._addressing(self.bot_username))

    @classmethod
    def load(
        cls,
        content_dir: Path,
        emergency_number: str = Settings.emergency_number,
        bot_username: str = Settings.bot_username,
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
            settings.bot_username,
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
        object.__setattr__(twin, "addressing", self._addressing(username))
        return twin

    def _addressing(self, username: str) -> Addressing:
        """The addressing rule for this username and the content's name words."""
        rules = self.content.rules
        return Addressing(username, rules.address_terms, self.content.synonyms, rules.max_chars)

    def spoken_to(self, text: str, chat: str = "private", cue: bool = False) -> Address | None:
        """DIRECT when a message speaks to the bot outright, else None: `decide` reads a name in it, once."""
        return Address.DIRECT if self.addressing.direct(text, chat, cue) else None

    def decide(self, text: str, chat: str = "private", address: Address | None = None) -> Match:
        """Screen the whole message for safety first, then match it as the way it addresses the bot allows.

        `address`: how the message speaks to the bot, as `spoken_to()` decided it with Telegram's cue;
        without one it is read from the text alone (the CLI, the terminal, inline queries).
        A safety alert comes first and alone. Otherwise a message asking about two topics gets a
        PartsMatch whose `also` names the second (bot/parts.py).
        """
        alert = self.screen(text)
        normalised = self.matcher.normalised(text)  # read once for the addressing rule and the matcher
        if address is None:
            address = self.addressing.of(text, chat, False, normalised)
        # The matcher's `addressed`: spoken to, by name at least (a lower threshold, social intents allowed).
        addressed = address.named
        ordinary = self.matcher.match(text, chat, addressed, normalised)
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

    def reply(self, text: str, chat: str = "private", cue: bool = False) -> Reply:
        """The reply the bot would send to a message; `cue`: Telegram marks it as meant for the bot."""
        return self.renderer.render(self.decide(text, chat, self.spoken_to(text, chat, cue)), chat)

    def render(self, match: Match, chat: str = "private") -> Reply:
        """The reply to a decision already made (urgent, unsure, or the answer)."""
        return self.renderer.render(match, chat)

    def answer(self, intent_id: str, chat: str = "private", score: float = 100.0) -> Reply:
        """One topic's answer, as a topic button or a chosen card gives it."""
        return self.renderer.answer(intent_id, chat, score)

    def command(self, name: str) -> Reply | None:
        """The reply to a text-only command (start, help, topics, privacy, urgent); None for others."""
        return self.renderer.command(name)

    def urgent(self, alert: Alert) -> Reply:
        """The urgent-care reply to a safety alert."""
        return self.renderer.urgent(alert)

    def fallback(self) -> Reply:
        """What the bot says to a message it cannot answer: every topic as a button."""
        return self.renderer.fallback()

    def topics(self) -> tuple[Button, ...]:
        """Every topic as a button, in the menu's order."""
        return self.renderer.topics()

    def text(self, response_id: str) -> str:
        """A response's full text (greeting, not_text, group_intro ...), filled in."""
        return self.renderer.text(response_id)

    def fill(self, text: str) -> str:
        """Text with its {snippets} filled in."""
        return self.renderer.fill(text)

    def snippet(self, name: str, **values: object) -> str:
        """A named line of responses/_snippets.yaml (a label, a short message), filled in, with its {values}."""
        return self.renderer.snippet(name, **values)

    def knows(self, intent_id: str) -> bool:
        """Whether the content (still) has this intent: buttons and cards may outlive a reload."""
        return intent_id in self.content.intents

    def intent_ids(self) -> frozenset[str]:
        """Every intent the content defines."""
        return frozenset(self.content.intents)

    def response_ids(self) -> frozenset[str]:
        """Every response the content defines."""
        return frozenset(self.content.responses)

    def title(self, intent_id: str) -> str:
        """The title of an intent's answer (its button label)."""
        return self.content.responses[self.content.intents[intent_id].response].title

    def short(self, intent_id: str) -> str:
        """An intent's short answer (its full one when it has none), filled in, as Telegram HTML."""
        response = self.content.responses[self.content.intents[intent_id].response]
        return self.fill(response.short or response.text)

    def picture(self, image: str) -> Path:
        """Where an answer's picture lies (an answer names it relative to the content folder)."""
        return self.content.root / image

    def stopwords(self) -> frozenset[str]:
        """The words that say nothing of a topic (intents/_matching.yaml), as the matcher drops them."""
        return self.content.rules.stopwords

    def selfcheck(self) -> SelfCheckContent | None:
        """The self-check's wording, or None when the content has none."""
        return self.content.selfcheck

    def tips(self) -> TipsContent | None:
        """The weekly tips, or None when the content has none."""
        return self.content.tips

    def screen(self, text: str) -> Alert | None:
        """The safety layer's alert for a message on its own (no matching); None without safety rules."""
        return self.content.safety.screen(text) if self.content.safety else None

    def explain(self, text: str) -> str | None:
        """What the safety layer read in a message, for `painbot ask --verbose`; None without safety rules."""
        return self.content.safety.explain(text) if self.content.safety else None
