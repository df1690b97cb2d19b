"""Decide which intent a message asks about, with a score, or that none fits.

The rule, in order (numbers and word lists come from intents/_matching.yaml):
1. Red flags, crises and emergencies are not decided here: the safety layer (bot/safety.py) reads
   every message first, and the red_flags intent's examples never take part in scoring.
2. No intent for a message that names no topic word (bum, sit bone, hamstring...) and either
   names an off-topic one (knee, calf, cramp...) or is made mostly of words no example uses
   (another language, another subject). A message that names a topic word is never just a
   greeting or thanks.
3. Every intent is scored 0-100 as the mean of two views, plus a bonus when one of its keywords
   is present:
   - its best example: weighted word overlap (the F1 of how much of the message the example
     explains and how much of the example the message contains), or rapidfuzz's ratio for short
     messages, where spelling matters more;
   - its whole vocabulary: how much of the message's weight is made of words typical of this
     intent rather than of others, across all its examples. This view generalises to phrasings
     no single example has.
   Words and adjacent word pairs are weighted by how few intents use them (rare = telling).
   The examples in intents/_off_topic.yaml compete as one more intent: if they win, no intent.
4. Below the threshold (higher for unaddressed group messages) there is no intent.
5. If the runner-up is within the margin the match is ambiguous: the bot asks which was meant.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.content import OFF_TOPIC, URGENT_INTENT, Content, Intent
from bot.normalise import normalise, stem
from bot.safety import Alert

# Query words this close (rapidfuzz ratio) to a known word count as that word: typo tolerance.
TYPO_RATIO = 80
# Words shorter than this are never typo-corrected: too many false friends (could/cold, then/ten).
TYPO_MIN_LENGTH = 5
# Short messages lean on character similarity too, since one word carries all the meaning.
SHORT_MESSAGE_WORDS = 4
# How much the best single example counts against the intent's whole vocabulary.
EXAMPLE_SHARE = 0.5
# How many of the best-fitting intents have their examples searched for each message.
EXAMPLE_CONTENDERS = 5
# Weight of a word pair holding a function word, relative to topic words and pairs.
PAIR_WITH_FUNCTION_WORD = 0.5
# Below this character similarity a short message is not "spelt like" an example at all.
SHORT_RATIO_FLOOR = 70


@dataclass(frozen=True)
class Candidate:
    """One intent's score for a message, with the example that earned it."""

    intent_id: str
    score: float
    example: str


@dataclass(frozen=True)
class Match:
    """The matcher's decision: an intent (or None), how sure, and what came close."""

    intent_id: str | None
    score: float
    candidates: tuple[Candidate, ...] = ()
    ambiguous: bool = False
    urgent: bool = False
    alert: Alert | None = None  # what the safety layer found, when it found something
    rest: str | None = None  # with an alert: the intent the matcher picked for the rest of the message

    @property
    def runner_up(self) -> Candidate | None:
        """The second-best intent, if any scored."""
        return self.candidates[1] if len(self.candidates) > 1 else None

    @property
    def example(self) -> str | None:
        """The example that decided the match."""
        return self.candidates[0].example if self.intent_id and self.candidates else None


class PhraseSet:
    """Padded stemmed phrases searched as whole words with one compiled pattern."""

    def __init__(self, phrases: tuple[str, ...]) -> None:
        self.phrases = phrases
        self.pattern = "|".join(re.escape(p) for p in phrases) or "(?!)"
        self._pattern = re.compile(self.pattern) if phrases else None

    def found_in(self, sequence: str) -> bool:
        """True when any phrase occurs in the padded word sequence."""
        return self._pattern is not None and self._pattern.search(sequence) is not None

    @property
    def words(self) -> set[str]:
        """Every word the phrases use (for typo correction)."""
        return {w for phrase in self.phrases for w in phrase.split()}


@dataclass(frozen=True)
class _Example:
    """An example prepared for scoring."""

    intent_id: str
    text: str
    normalised: str
    weights: dict[str, float]
    total: float


class Matcher:
    """Scores messages against every intent's examples; knows nothing of Telegram."""

    def __init__(self, content: Content, urgent_intent: str = URGENT_INTENT) -> None:
        self.content = content
        self.rules = content.rules
        self.urgent_intent = urgent_intent
        self._stopwords = frozenset(stem(w) for w in self.rules.stopwords)
        # Off-topic examples compete like an intent: when they fit best, there is no intent.
        ordinary = [i for i in content.intents.values() if i.id != urgent_intent]
        intents = [*ordinary, Intent(OFF_TOPIC, "", content.off_topic)]
        self._index_examples(intents)
        self._index_phrases(intents)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(self._known):
            self._by_initial[word[0]].append(word)
        self._typo = lru_cache(maxsize=4096)(self._correct)

    def _index_examples(self, intents: list[Intent]) -> None:
        """Weight every example's words and index them, once, at load time."""
        normalised = {i.id: [normalise(e, self.content.synonyms) for e in i.examples] for i in intents if i.examples}
        prepared = {i: [[stem(w) for w in text.split()] for text in texts] for i, texts in normalised.items()}
        self._intent_ids = list(prepared)
        self._idf = _idf(prepared, self._stopwords)
        self._association = _association(prepared, self._stopwords)
        self._examples = [
            self._prepare(intent.id, text, form, words)
            for intent in intents
            for text, form, words in zip(intent.examples, normalised.get(intent.id, []), prepared.get(intent.id, []))
        ]
        self._normalised_examples = [e.normalised for e in self._examples]
        self._postings: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for index, example in enumerate(self._examples):
            for word in example.weights:
                self._postings[example.intent_id][word].append(index)
        # An unknown word weighs as little as a word every intent uses: long messages carry many
        # words no example has (stories, asides), and the topic words must stay in charge.
        self._unknown_weight = min(self._idf.values(), default=1.0)

    def _index_phrases(self, intents: list[Intent]) -> None:
        """Compile keywords and the topic and off-topic word lists."""
        self._keywords = {i.id: self._phrases(i.keywords, keep_stopwords=True) for i in intents}
        self._keyword_owners: dict[str, set[str]] = defaultdict(set)
        for intent_id, phrases in self._keywords.items():
            for phrase in phrases.phrases:
                self._keyword_owners[phrase].add(intent_id)
        # A phrase found also stands for the shorter phrases it starts with (" hip " in " hip pain "),
        # since the search below reports one phrase, the longest, at each position.
        for phrase in self._keyword_owners:
            for shorter in list(self._keyword_owners):
                if shorter != phrase and phrase.startswith(shorter):
                    self._keyword_owners[phrase] |= self._keyword_owners[shorter]
        longest_first = sorted(self._keyword_owners, key=len, reverse=True)
        # Overlapping search (a lookahead) so " hip pain " and " pain when " can both be found.
        self._keyword_pattern = re.compile("(?=(" + "|".join(map(re.escape, longest_first)) + "))") \
            if longest_first else None
        self._domain = self._phrases(tuple(self.rules.domain_terms), keep_stopwords=True)
        self._offtopic = self._phrases(tuple(self.rules.offtopic_terms), keep_stopwords=True)
        groups = (self._domain, self._offtopic, *self._keywords.values())
        # Words typos may be corrected to: every word an example or a list uses.
        self._known = frozenset(f for f in self._idf if "_" not in f) | {w for g in groups for w in g.words}

    def match(self, text: str, chat: str = "private", addressed: bool = True) -> Match:
        """Decide the intent of a raw message as the bot would in this kind of chat."""
        normalised = normalise(text, self.content.synonyms, self.rules.max_chars)
        every_word = [w if w in self._stopwords else self._typo(w) for w in map(stem, normalised.split())]
        sequence = " " + " ".join(every_word) + " "
        has_domain = self._domain.found_in(sequence)
        elsewhere = self._offtopic.found_in(sequence) or self._mostly_unknown(every_word)
        if not every_word or (elsewhere and not has_domain):
            return Match(None, 0.0)
        keyworded = self._keyword_intents(sequence)
        ranked = self.rank(normalised, every_word, keyworded)
        # One of our keywords (prp, overstride...) outweighs chatter that happens to read alike.
        off_topic = bool(ranked) and ranked[0].intent_id == OFF_TOPIC and not keyworded - {OFF_TOPIC}
        ranked = tuple(c for c in ranked if c.intent_id != OFF_TOPIC)
        if has_domain:  # "hi, what is PHT?" asks about PHT: the greeting is manners, not the topic
            ranked = tuple(c for c in ranked if c.intent_id not in self.rules.social_intents)
        if not ranked or off_topic:
            return Match(None, ranked[0].score if ranked else 0.0, ranked)
        best = ranked[0]
        named = any(word in self.rules.address_terms for word in normalised.split())
        if best.score < self._threshold_for(best.intent_id, chat, addressed or named, has_domain):
            return Match(None, best.score, ranked)
        runner = ranked[1] if len(ranked) > 1 else None
        ambiguous = bool(runner and best.score - runner.score < self.rules.margin)
        return Match(best.intent_id, best.score, ranked, ambiguous=ambiguous)

    def _mostly_unknown(self, words: list[str]) -> bool:
        """Most meaningful words are ones no example uses: another language, or another subject."""
        meaningful = [w for w in words if w not in self._stopwords]
        unknown = sum(w not in self._idf for w in meaningful)
        return bool(meaningful) and unknown / len(meaningful) > 1 - self.rules.min_known_share

    def rank(self, normalised: str, words: list[str], keyworded: set[str]) -> tuple[Candidate, ...]:
        """Score every intent for a message's stemmed words (and keywords found) and return them best first."""
        query = {w: self._idf.get(w, self._unknown_weight) for w in _features(words, self._stopwords)}
        total = sum(query.values()) or 1.0
        evidence = self._evidence(query, total)
        spelt_like = self._spelt_like(normalised) if len(words) <= SHORT_MESSAGE_WORDS else {}
        # Examples are searched only for the intents whose vocabulary fits best: the rest cannot
        # catch up, and searching all of them would cost most of the time per message.
        contenders = set(sorted(evidence, key=evidence.__getitem__, reverse=True)[:EXAMPLE_CONTENDERS])
        ranked = []
        for intent_id in self._intent_ids:
            score, example = self._best_example(intent_id, query, total) if intent_id in contenders else (0.0, "")
            if spelt_like.get(intent_id, (0.0, ""))[0] > score:
                score, example = spelt_like[intent_id]
            score = EXAMPLE_SHARE * score + (1 - EXAMPLE_SHARE) * evidence.get(intent_id, 0.0)
            if intent_id in keyworded:
                score += self.rules.keyword_bonus
            if score > 0:
                ranked.append(Candidate(intent_id, round(min(100.0, score), 1), example))
        return tuple(sorted(ranked, key=lambda c: (-c.score, c.intent_id)))

    def _keyword_intents(self, sequence: str) -> set[str]:
        """The intents one of whose keywords occurs in the padded word sequence."""
        if self._keyword_pattern is None:
            return set()
        return {owner for phrase in self._keyword_pattern.findall(sequence) for owner in self._keyword_owners[phrase]}

    def _best_example(self, intent_id: str, query: dict[str, float], total: float) -> tuple[float, str]:
        """One intent's best example by weighted word overlap (0-100), found through its word index."""
        postings = self._postings[intent_id]
        overlap: dict[int, float] = defaultdict(float)
        for word, weight in query.items():
            for index in postings.get(word, ()):
                overlap[index] += weight
        best, best_index = 0.0, -1
        for index, shared in overlap.items():
            precision, recall = shared / total, shared / self._examples[index].total
            score = 200 * precision * recall / (precision + recall)
            if score > best:
                best, best_index = score, index
        return best, self._examples[best_index].text if best_index >= 0 else ""

    def _spelt_like(self, normalised: str) -> dict[str, tuple[float, str]]:
        """For a short message, each intent's example most alike character by character."""
        best: dict[str, tuple[float, str]] = {}
        for _, ratio, index in process.extract(normalised, self._normalised_examples, scorer=fuzz.ratio,
                                               limit=None, score_cutoff=SHORT_RATIO_FLOOR):
            example = self._examples[index]
            if ratio > best.get(example.intent_id, (0.0, ""))[0]:
                best[example.intent_id] = (ratio, example.text)
        return best

    def _evidence(self, query: dict[str, float], total: float) -> dict[str, float]:
        """How much of the message (0-100) is made of words typical of each intent."""
        evidence: dict[str, float] = defaultdict(float)
        for word, weight in query.items():
            for intent_id, share in self._association.get(word, {}).items():
                evidence[intent_id] += 100 * weight * share / total
        return evidence

    def _threshold_for(self, intent_id: str, chat: str, addressed: bool, has_domain: bool) -> float:
        """The score needed to answer: unaddressed group chatter must be confident and on topic."""
        if chat != "group" or addressed:
            return self.rules.threshold if has_domain else max(self.rules.threshold, self.rules.threshold_off_domain)
        if intent_id in self.rules.social_intents:
            return math.inf
        return self.rules.group_threshold if has_domain else self.rules.group_threshold_off_domain

    def _prepare(self, intent_id: str, text: str, normalised: str, words: list[str]) -> _Example:
        """Weight an example's words once, at load time."""
        weights = {w: self._idf[w] for w in _features(words, self._stopwords)}
        return _Example(intent_id, text, normalised, weights, sum(weights.values()) or 1.0)

    def _words(self, normalised: str) -> list[str]:
        """Stem the words of an example, dropping stopwords."""
        return [s for s in (stem(w) for w in normalised.split()) if s not in self._stopwords]

    def _correct(self, word: str) -> str:
        """Map an unknown word to the closest known one, when it is close enough."""
        if word in self._known or len(word) < TYPO_MIN_LENGTH or not word.isalpha():
            return word
        # Typos rarely hit the first letter; requiring it avoids most false corrections.
        same_start = self._by_initial.get(word[0], ())
        found = process.extractOne(word, same_start, scorer=fuzz.ratio, score_cutoff=TYPO_RATIO)
        return found[0] if found else word

    def _phrases(self, terms: tuple[str, ...], keep_stopwords: bool = False) -> PhraseSet:
        """Prepare terms as padded stemmed phrases for whole-word search."""
        out = []
        for term in terms:
            cleaned = normalise(term, self.content.synonyms)
            words = [stem(w) for w in cleaned.split()] if keep_stopwords else self._words(cleaned)
            if words:
                out.append(" " + " ".join(words) + " ")
        return PhraseSet(tuple(out))


def _features(words: list[str], stopwords: frozenset[str]) -> set[str]:
    """Meaningful words plus adjacent pairs, so 'how long' and 'long run', 'what is' and 'what can' differ."""
    pairs = {f"{a}_{b}" for a, b in zip(words, words[1:]) if a not in stopwords or b not in stopwords}
    return {w for w in words if w not in stopwords} | pairs


def _idf(prepared: dict[str, list[list[str]]], stopwords: frozenset[str]) -> dict[str, float]:
    """Weight each feature by how few intents use it: a word every intent uses tells nothing."""
    intents_using: dict[str, set[str]] = defaultdict(set)
    for intent_id, examples in prepared.items():
        for words in examples:
            for feature in _features(words, stopwords):
                intents_using[feature].add(intent_id)
    total = len(prepared) or 1
    return {f: math.log(1 + total / len(ids)) * _shape_factor(f, stopwords) for f, ids in intents_using.items()}


def _shape_factor(feature: str, stopwords: frozenset[str]) -> float:
    """Pairs with a function word ('how can', 'can i') describe a question's shape, not its topic."""
    first, _, second = feature.partition("_")
    return PAIR_WITH_FUNCTION_WORD if second and (first in stopwords or second in stopwords) else 1.0


def _association(prepared: dict[str, list[list[str]]], stopwords: frozenset[str]) -> dict[str, dict[str, float]]:
    """For each feature, how its use splits across intents (by share of each intent's examples using it)."""
    usage: dict[str, dict[str, float]] = defaultdict(dict)
    for intent_id, examples in prepared.items():
        for words in examples:
            for feature in _features(words, stopwords):
                usage[feature][intent_id] = usage[feature].get(intent_id, 0.0) + 1 / len(examples)
    return {f: {i: share / sum(shares.values()) for i, share in shares.items()} for f, shares in usage.items()}


