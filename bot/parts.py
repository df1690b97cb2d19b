"""Two-part questions: when one message asks about two topics, which two.

The rule (the word lists and the number come from intents/_matching.yaml):
1. The whole message is screened and matched as usual. A safety alert (red flags, crisis,
   emergency: decided by bot/safety.py before this rule runs), no match, or a social intent
   (greeting, thanks, help) never grows a second part: urgent answers come first and alone.
2. The message is cut in two at each clause break in turn ("and", "also", "plus", "as well as",
   "?", ",", ";"). "or" is not a break: it mostly joins alternatives inside one question
   ("rest or exercise?", "is it sciatica or the tendon?").
3. A cut counts when all of these hold:
   - the second clause, after any leading break words ("and also ..."), opens like a question of
     its own (what, how, can, should ...: `question_openers`), and so does the first clause or
     its last piece ("my bum hurts, what causes it"): a statement ("my glutes are weak, does that
     matter") is context for one question, not a question itself;
   - each clause has at least `clause_min_words` meaningful words ("..., is that PHT" is a
     tag on the first question, not a second one);
   - each clause, matched on its own as the bot would (same chat, same addressing), gets a
     confident intent: above the threshold, not ambiguous, not urgent, not social;
   - the two intents differ, and one of them is the whole message's intent or, when the whole
     message was ambiguous, its runner-up (so the bot answers both instead of asking which).
4. Of the cuts that count, the one whose weaker clause scores highest wins. The match's intent stays
   the whole message's (or the runner-up in the pair), the other is `also`, and the reply answers
   both in the order the message asked them (`parts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from bot.content import MatchingRules
from bot.matching import Match, Matcher
from bot.normalise import whole_word

# Enough of a clause to find its first word after an @mention; each cut looks at no more.
OPENING_CHARS = 80
_WORD = re.compile(r"[a-z0-9]+")
_AT_MENTION = re.compile(r"@\w+")


@dataclass(frozen=True)
class PartsMatch(Match):
    """A match that also answers the further intents a two-part message asked about."""

    parts: tuple[str, ...] = ()  # every intent answered, in the order the message asked them

    @property
    def also(self) -> tuple[str, ...]:
        """The intents answered besides the leading one (intent_id)."""
        return tuple(p for p in self.parts if p != self.intent_id)


class PartFinder:
    """Finds the second topic of a message by matching its clauses on their own."""

    def __init__(self, matcher: Matcher, rules: MatchingRules) -> None:
        self.matcher = matcher
        self.rules = rules
        self._breaks = _breaks_pattern(rules.clause_breaks)
        # The same, lower-case and case-sensitive, for ASCII messages read lower-cased (the same
        # positions): several times cheaper than ignoring case.
        ascii_breaks = all(b.isascii() for b in rules.clause_breaks)
        self._ascii_breaks = (
            _breaks_pattern(frozenset(b.lower() for b in rules.clause_breaks), 0) if ascii_breaks else None
        )
        self._leading = re.compile(rf"^(?:\s*(?:{self._breaks.pattern}))+\s*", re.IGNORECASE) if self._breaks else None

    def split(self, text: str, whole: Match, chat: str, addressed: bool) -> Match:
        """The whole message's match, turned into a PartsMatch when the message asks two things."""
        if not self._can_grow(whole):
            return whole
        pair = self.best_pair(text, whole, chat, addressed)
        if pair is None:
            return whole
        ranked = [whole.intent_id, *([whole.runner_up.intent_id] if whole.runner_up else [])]
        values = {f.name: getattr(whole, f.name) for f in fields(whole)}
        values.update(intent_id=next(i for i in ranked if i in pair), ambiguous=False, parts=pair)
        return PartsMatch(**values)

    def best_pair(self, text: str, whole: Match, chat: str, addressed: bool) -> tuple[str, str] | None:
        """The two intents of the best cut that counts (rule 3 and 4), in message order, or None."""
        if self._breaks is None:
            return None
        wanted = {whole.intent_id}
        if whole.ambiguous and whole.runner_up:
            wanted.add(whole.runner_up.intent_id)
        best: tuple[float, str, str] | None = None
        text = text[: self.rules.max_chars]  # as the matcher reads it: a pasted essay costs no more
        # The first clause's last piece is the last non-blank stretch between the cuts before this
        # one: carried along instead of splitting every first clause again.
        piece_start, last_piece = 0, ""
        ascii_breaks = self._ascii_breaks
        cuts = (
            ascii_breaks.finditer(text.lower())
            if ascii_breaks is not None and text.isascii()
            else self._breaks.finditer(text)
        )
        for cut in cuts:
            piece, piece_start = text[piece_start : cut.start()], cut.end()
            last_piece = piece if piece.strip() else last_piece
            if not self._opens_question(last_piece):  # the cheaper test first: most pieces ask nothing
                continue
            second = self._strip_leading(text[cut.end() :])
            if not self._is_question(second):
                continue
            first = text[: cut.start()].strip()
            if not self._long_enough(first):
                continue
            a = self.matcher.match(first, chat, addressed)
            # The second clause is matched only when this cut can still count and beat the best so far.
            if not self._confident(a) or (best is not None and a.score <= best[0]):
                continue
            b = self.matcher.match(second, chat, addressed)
            if not self._confident(b) or a.intent_id == b.intent_id:
                continue
            if not wanted & {a.intent_id, b.intent_id}:
                continue
            weaker = min(a.score, b.score)
            if best is None or weaker > best[0]:
                best = (weaker, str(a.intent_id), str(b.intent_id))
        return (best[1], best[2]) if best else None

    def _can_grow(self, whole: Match) -> bool:
        """Rule 1: only a plain topic answer (or a choice between two topics) may grow a second part."""
        return (
            whole.intent_id is not None
            and whole.alert is None
            and not whole.urgent
            and whole.intent_id not in self.rules.social_intents
        )

    def _confident(self, match: Match) -> bool:
        """A clause's match the bot would answer on its own, and not an urgent or social one."""
        return match.confident and not match.urgent and match.intent_id not in self.rules.social_intents

    def _strip_leading(self, clause: str) -> str:
        """A clause without the break words it starts with ("and also what ..." -> "what ...")."""
        return self._leading.sub("", clause).strip() if self._leading else clause.strip()

    def _is_question(self, clause: str) -> bool:
        """The clause opens with a question word and has enough meaningful words to stand alone."""
        # Only the first word matters: no need to read it all.
        return self._opens_question(clause[:OPENING_CHARS]) and self._long_enough(clause)

    def _opens_question(self, text: str) -> bool:
        """The text opens with a question word: a clause asks when it, or its last piece, does ("..., what is it")."""
        first = _WORD.search(_plain(text))  # the first of _words(text), without reading the rest
        return first is not None and first.group() in self.rules.question_openers

    def _long_enough(self, clause: str) -> bool:
        """At least clause_min_words words that are not stopwords."""
        # Most clauses show enough words in their opening (all but its last word are whole words),
        # which spares reading a long clause to the end.
        needed, stopwords = self.rules.clause_min_words, self.rules.stopwords
        opening = _words(clause[:OPENING_CHARS])[:-1]
        if sum(w not in stopwords for w in opening) >= needed:
            return True
        return sum(w not in stopwords for w in _words(clause)) >= needed


def _words(text: str) -> list[str]:
    """Lower-case words with apostrophes and @mentions dropped ("what's" -> "whats"), as the word lists write them."""
    return _WORD.findall(_plain(text))


def _plain(text: str) -> str:
    """The text _words() reads its words from: lower-case, apostrophes and @mentions dropped."""
    return _AT_MENTION.sub(" ", text).casefold().replace("'", "").replace("\u2019", "")


def _breaks_pattern(breaks: frozenset[str], flags: int = re.IGNORECASE) -> re.Pattern[str] | None:
    """One pattern for every break: words and phrases as whole words, punctuation as it is."""
    if not breaks:
        return None
    longest_first = sorted(breaks, key=len, reverse=True)
    parts = [whole_word(b) if b[0].isalnum() else re.escape(b) for b in longest_first]
    return re.compile("|".join(parts), flags)
