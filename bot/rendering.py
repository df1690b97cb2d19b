"""Turn a match into the reply the bot sends: HTML text plus topic buttons."""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass

from bot.content import CONTACT_SNIPPETS, CORE_INTENTS, TELEGRAM_LIMIT, URGENT_INTENT, Content
from bot.htmlcheck import to_plain
from bot.matching import Match
from bot.parts import PartsMatch
from bot.safety import CRISIS, RED_FLAGS, Alert
from bot.settings import Settings

REST_FALLBACK = "help"  # what "None of these apply" answers when the rest of the message matched nothing


# At most this many best guesses lead the fallback's buttons.
MAX_GUESSES = 3
# At most this many of the close intents are offered when the bot asks which was meant.
MAX_CHOICES = 3


@dataclass(frozen=True)
class Button:
    """A button that, when pressed, answers one intent in full."""

    label: str
    intent_id: str


@dataclass(frozen=True)
class Reply:
    """What to send: Telegram-HTML text, buttons, and what it answers (for the log)."""

    text: str
    buttons: tuple[Button, ...] = ()
    intent_id: str | None = None
    score: float = 0.0
    kind: str = "answer"  # answer | urgent | crisis | emergency | ambiguous | fallback | selfcheck
    tier: str | None = None  # for urgent red flags: now | today | soon
    image: str | None = None  # a picture to send with it, relative to the content folder
    image_alt: str | None = None
    also: tuple[str, ...] = ()  # further intents a two-part reply answers after intent_id
    # What the question log counts as answered (and so keeps no text of): see Renderer.render.
    answered: bool = True

    def plain(self) -> str:
        """The reply for a terminal: no tags, buttons as numbered choices."""
        lines = [to_plain(self.text)]
        if self.image:
            lines.append(f"[picture: {self.image}: {self.image_alt}]")
        lines += [f"  [{n}] {b.label}" for n, b in enumerate(self.buttons, 1)]
        return "\n".join(lines)


# Lines that close an answer (contact, disclaimer, safety net): in a reply of several parts they are
# said once, at the end.
CLOSING_LINES = frozenset({*CONTACT_SNIPPETS, "{disclaimer}", "{safety_net}"})


class Renderer:
    """Fills answers with the shared snippets and picks the buttons to go with them."""

    def __init__(
        self,
        content: Content,
        emergency_number: str = Settings.emergency_number,
        retention_days: int = Settings.retention_days,
        crisis_line: str = Settings.crisis_line,
    ) -> None:
        self.content = content
        self._values = {
            **content.snippets,
            "emergency_number": emergency_number,
            "retention_days": str(retention_days),
            "crisis_line": crisis_line,
        }

    def render(self, match: Match, chat: str = "private") -> Reply:
        """The reply for a match: urgent alone, the best guesses when unsure, or the answer.

        A close runner-up (within the margin) is one tap away: in private chats the answer comes
        with an "Or: <runner-up>" button first; in groups, where a wrong answer is read by many,
        the bot asks which was meant.

        The reply is `answered` (the one meaning the question log stores) when the match was
        confident (an intent with no close runner-up, or a safety alert) and the reply answers it.
        A private answer with an "Or:" button was a guess, so it counts as unanswered and its text
        is kept to improve the content, as are "did you mean" and the fallback (answered=False).
        """
        reply = self._decided(match, chat)
        return dataclasses.replace(reply, answered=reply.answered and match.confident)

    def _decided(self, match: Match, chat: str) -> Reply:
        """The reply for a match, before it is marked answered or not."""
        if match.alert is not None and match.alert.urgent:
            return self.urgent(match.alert, match.rest)
        if match.intent_id is None:
            return self.fallback(match.score, self.guesses(match))
        if match.ambiguous and chat != "private":
            return self.did_you_mean(match)
        if isinstance(match, PartsMatch) and match.also:
            return self.parts(match.parts, chat, match.score)
        reply = self.answer(match.intent_id, chat, match.score)
        runner = match.runner_up
        if match.ambiguous and runner is not None and runner.intent_id in self.content.intents:
            other = Button(self._labelled("or_prefix", runner.intent_id), runner.intent_id)
            rest = tuple(b for b in reply.buttons if b.intent_id != runner.intent_id)
            return dataclasses.replace(reply, buttons=(other, *rest))
        return reply

    def answer(self, intent_id: str, chat: str = "private", score: float = 100.0) -> Reply:
        """An intent's answer: the short form in groups, with its details (and picture) one tap away."""
        intent = self.content.intents[intent_id]
        response = self.content.responses[intent.response]
        related = tuple(self._button(r) for r in intent.related[: self.content.rules.max_related])
        if chat == "group" and response.short:
            more = Button(self.snippet("more_on_this"), intent_id)
            return Reply(self.fill(response.short), (more, *related), intent_id, score)
        return Reply(
            self.fill(response.text), related, intent_id, score, image=response.image, image_alt=response.image_alt
        )

    def urgent(self, alert: Alert, rest: str | None = None) -> Reply:
        """Urgent care first: the tier that matched, then every sign; one button answers the rest instead."""
        if alert.kind == RED_FLAGS:
            text = self.text(f"urgent_{alert.tier}") + "\n\n" + self.text(URGENT_INTENT)
            kind = "urgent"
        else:
            text, kind = self.text(alert.kind), alert.kind
        label = self.fill("{crisis_rest}" if alert.kind == CRISIS else "{none_apply}")
        return Reply(text, (Button(label, rest or REST_FALLBACK),), alert.intent_id, 100.0, kind, alert.tier)

    def parts(self, intent_ids: tuple[str, ...], chat: str = "private", score: float = 100.0) -> Reply:
        """One reply answering several intents in turn, each headed with its title.

        The closing lines (contact, disclaimer) are said once, at the end, and a snippet two parts
        share once. Follow-up buttons come from what was not answered; in groups each part's full
        answer is a tap away. A reply too long for Telegram is the first answer, the rest as buttons.
        """
        responses = [self.content.responses[self.content.intents[i].response] for i in intent_ids]
        group = chat == "group"
        bodies: list[str] = []
        closing: list[str] = []
        said: set[str] = set()
        for response in responses:
            source = response.short if group and response.short else response.text
            lines = [line.strip() for line in source.strip().splitlines()]
            if source is response.text and lines and _is_heading(lines[0]):
                lines = lines[1:]  # the part's title heads it instead
            closing += [line for line in lines if line in CLOSING_LINES and line not in closing]
            body = [line for line in lines if line not in CLOSING_LINES and line not in said]
            said |= {line for line in lines if self._is_snippet(line)}
            bodies.append(f"<b>{html.escape(response.title)}</b>\n" + "\n".join(body))
        text = self.fill("\n\n".join(bodies) + "\n" + "\n".join(closing)).strip()
        more = tuple(Button(self._labelled("more_prefix", i), i) for i in intent_ids) if group else ()
        # A group reply keeps the single answer's button count: its part buttons come first.
        room = self.content.rules.max_related + 1 - len(more) if group else self.content.rules.max_related
        follow = self._follow_ups(intent_ids)[: max(room, 0)]
        if len(text) > TELEGRAM_LIMIT:
            first = self.answer(intent_ids[0], chat, score)
            others = tuple(self._button(i) for i in intent_ids[1:])
            return Reply(first.text, (*others, *first.buttons), intent_ids[0], score, first.kind)
        return Reply(text, (*more, *follow), intent_ids[0], score, also=tuple(intent_ids[1:]))

    def _follow_ups(self, answered: tuple[str, ...]) -> tuple[Button, ...]:
        """Related topics of every answered intent, in order, leaving out what was answered."""
        ids: list[str] = []
        for intent_id in answered:
            ids += [r for r in self.content.intents[intent_id].related if r not in answered and r not in ids]
        return tuple(self._button(i) for i in ids)

    def _is_snippet(self, line: str) -> bool:
        """A line that is only a shared snippet ({contact}, {disclaimer}): said once in a combined reply."""
        stripped = line.strip()
        return stripped.startswith("{") and stripped.endswith("}") and stripped[1:-1] in self._values

    def command(self, name: str) -> Reply | None:
        """The reply to /start, /help, /topics, /privacy or /urgent (name without the slash); None for others."""
        if name == "start":
            return Reply(self.text("greeting"), self.topics(), "greeting", 100.0)
        if name in ("help", "topics"):
            return Reply(self.text("help"), self.topics(), "help", 100.0)
        if name == "privacy":
            return Reply(self.text("privacy"), (), None, 100.0)
        if name == "urgent":
            return Reply(self.text(URGENT_INTENT), (), URGENT_INTENT, 100.0)
        return None

    def did_you_mean(self, match: Match) -> Reply:
        """Ask which of the closest intents was meant."""
        buttons = tuple(self._button(i) for i in match.close[:MAX_CHOICES])
        return Reply(self.text("did_you_mean"), buttons, match.intent_id, match.score, "ambiguous", answered=False)

    def fallback(self, score: float = 0.0, guesses: tuple[str, ...] = ()) -> Reply:
        """Say what the bot can answer: its best guesses first, then every other topic, as buttons."""
        first = tuple(self._button(i) for i in guesses)
        rest = tuple(b for b in self.topics() if b.intent_id not in guesses)
        return Reply(self.text("fallback"), (*first, *rest), None, score, "fallback", answered=False)

    def guesses(self, match: Match) -> tuple[str, ...]:
        """The topics that came closest to an unanswered message, best first (social intents left out)."""
        rules = self.content.rules
        close = [
            c.intent_id
            for c in match.candidates
            if c.score >= rules.guess_floor
            and c.intent_id in self.content.intents
            and c.intent_id not in rules.social_intents
            and c.intent_id != URGENT_INTENT
        ]
        return tuple(close[:MAX_GUESSES])

    def topics(self) -> tuple[Button, ...]:
        """Every topic, core ones first in their fixed order, then any the physio added."""
        ids = [i for i in CORE_INTENTS if i in self.content.intents]
        ids += sorted(set(self.content.intents) - set(ids))
        return tuple(self._button(i) for i in ids if i not in self.content.rules.social_intents)

    def text(self, response_id: str) -> str:
        """A response's full text with its placeholders filled."""
        return self.fill(self.content.responses[response_id].text)

    def snippet(self, name: str, **values: object) -> str:
        """A named line of responses/_snippets.yaml, filled in, then given its {values} (content.SNIPPET_VALUES)."""
        return with_values(self.fill(self.content.snippets[name]), **values)

    def fill(self, text: str) -> str:
        """Replace {contact}, {disclaimer}, {emergency_number}, {retention_days} and other snippets."""
        for name, value in self._values.items():
            text = text.replace("{" + name + "}", value)
        return text

    def _labelled(self, prefix: str, intent_id: str) -> str:
        """An intent's title after a snippet's prefix: "Or: Getting back to running"."""
        return f"{self.snippet(prefix)} {self._button(intent_id).label}"

    def _button(self, intent_id: str) -> Button:
        """A button labelled with the intent's answer title."""
        response = self.content.responses[self.content.intents[intent_id].response]
        return Button(response.title, intent_id)


def with_values(text: str, **values: object) -> str:
    """Fill the {values} the bot itself supplies (a count, a day), which no snippet fills."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    return text


def _is_heading(line: str) -> bool:
    """A line that is all bold: an answer's own heading."""
    stripped = line.strip()
    return stripped.startswith("<b>") and stripped.endswith("</b>") and stripped.count("<b>") == 1
