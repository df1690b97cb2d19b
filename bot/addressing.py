"""Whether a message speaks to the bot: decided here, once, for the handlers, auto mode and the engine.

A message addresses the bot directly in a private chat, or in a group when Telegram marks it as
meant for the bot (a reply to one of its messages, an @mention, a command for it: the `cue`
the handlers read from the update) or its text @mentions the bot (the terminal and the CLI have
no Telegram marks). A group message that only calls the bot by a name word (`address_terms`:
"bot", "painbot") is matched as an addressed one (the lower threshold, social intents allowed),
but since chatter names the bot without asking it anything ("the bot said..."), it is answered
only in auto mode and only when the match is confident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from bot.normalise import Synonyms, normalise


class Address(Enum):
    """How a message speaks to the bot."""

    NONE = "none"  # group chatter
    NAMED = "named"  # a group message naming the bot by a word, without an @mention
    DIRECT = "direct"  # a private chat, an @mention, a reply to the bot or a command for it

    @property
    def named(self) -> bool:
        """The bot is spoken to, by name at least: the matcher applies the addressed threshold."""
        return self is not Address.NONE


@dataclass(frozen=True)
class Addressing:
    """The bot's @username and name words, and the one rule that reads them in a message."""

    username: str
    names: frozenset[str]
    synonyms: Synonyms | None = None
    max_chars: int | None = None  # read as the matcher reads: the engine passes _matching.yaml's max_chars
    _mention: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_mention", re.compile(rf"@{re.escape(self.username)}\b", re.IGNORECASE))

    def direct(self, text: str, chat: str, cue: bool = False) -> bool:
        """Whether the message speaks to the bot outright (private, Telegram's cue, an @mention): no reading needed."""
        return chat != "group" or cue or self._mention.search(text) is not None

    def of(self, text: str, chat: str, cue: bool = False, normalised: str | None = None) -> Address:
        """How this message, in this kind of chat, addresses the bot; `cue`: Telegram marks it as meant for the bot.

        `normalised`: the text as the matcher already normalised it, so it is not normalised twice.
        """
        if self.direct(text, chat, cue):
            return Address.DIRECT
        # The words as the matcher reads them (@mentions of others and links dropped, slang folded).
        if normalised is None:
            normalised = normalise(text, self.synonyms, self.max_chars)
        words = normalised.split()
        return Address.NAMED if any(word in self.names for word in words) else Address.NONE
