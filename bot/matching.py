"""Decide which intent a message asks about, with a score, or that none fits.

The rule, in order (numbers and word lists come from intents/_matching.yaml):
1. Red flags, crises and emergencies are not decided here: the safety layer (bot/safety.py) reads
   every message first, and the red_flags intent's examples never take part in scoring.
2. No intent for a message with no letters (a bare number, punctuation, only emoji), nor for one
   that names no topic word (bum, sit bone, hamstring...) and either names an off-topic one
   (knee, calf, cramp...) or is made mostly of words no example uses (another language, another
   subject), unless it is exactly one of the examples (rule 3). A message that names a topic word
   is never just a greeting or thanks.
3. Every intent, and the off-topic examples as one more class, is scored 0-100 by fusing two
   scorers: (1 - MODEL_SHARE) x the lexical score + MODEL_SHARE x 100 x the learned model's
   probability (bot/model.py: naive Bayes over words, word pairs and character 4-grams, trained
   at start-up from the same examples), plus a bonus when one of the intent's keywords is present.
   The lexical score is the mean of two views:
   - its best example: weighted word overlap (the F1 of how much of the message the example
     explains and how much of the example the message contains), or rapidfuzz's ratio for short
     messages, where spelling matters more;
   - its whole vocabulary: how much of the message's weight is made of words typical of this
     intent rather than of others, across all its examples. This view generalises to phrasings
     no single example has.
   Words and adjacent word pairs are weighted by how few intents use them (rare = telling).
   A message that is, once normalised, exactly one of the examples scores 100 for that example's
   intent whatever the scorers say: an editor who adds a phrasing gets it answered as written.
   The lexical view is sharp on phrasings close to an example; the model generalises across word
   parts and weighs every feature against every class, so each covers the other's blind spot.
4. If the off-topic class scores best (and no keyword of ours is present), no intent.
5. Below the threshold there is no intent. It is higher for a message that names no topic word,
   and higher again for unaddressed group messages (where social intents are never answered).
6. If the runner-up is within the margin the match is ambiguous: in private chats the bot answers
   the leading intent with an "Or: <runner-up>" button; in groups it asks which was meant, among
   the match's `close` intents (every one within the margin of the best). A match with an intent
   and no close runner-up is `confident`: auto mode answers only those.
7. The intents a message could be answered with (inline mode offers them as cards) are the match's
   intent, then every runner-up that reaches the threshold: the higher thresholds of rule 5 decide
   whether to answer at all, not which alternatives are worth a tap.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import chain, pairwise, takewhile
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from rapidfuzz import fuzz, process

from bot.content import OFF_TOPIC, URGENT_INTENT, Content, Intent
from bot.model import CACHED_WORD_CHARS, Model
from bot.normalise import normalise, stem
from bot.safety import Alert

# Query words this close (rapidfuzz ratio) to a known word count as that word: typo tolerance.
TYPO_RATIO = 80
# Words shorter than this are never typo-corrected: too many false friends (could/cold, then/ten).
TYPO_MIN_LENGTH = 5
# Messages of up to this many words lean on character similarity to whole examples too, since one
# word carries all the meaning; longer ones rely on the model's character 4-grams, which cost far
# less (4 words measured the same on cross-validation and dev but cost a quarter of the time).
SHORT_MESSAGE_WORDS = 3
# How much the best single example counts against the intent's whole vocabulary.
EXAMPLE_SHARE = 0.5
# How many of the best-fitting intents have their examples searched for each message.
EXAMPLE_CONTENDERS = 5
# Weight of a word pair holding a function word, relative to topic words and pairs.
PAIR_WITH_FUNCTION_WORD = 0.5
# Below this character similarity a short message is not "spelt like" an example at all.
SHORT_RATIO_FLOOR = 70
# The learned model's share of the fused score (rule 3); the lexical scorer keeps the rest.
# Chosen on 5-fold cross-validation of the shipped examples, never on the evaluation sets.
MODEL_SHARE = 0.3


class Candidate(NamedTuple):
    """One intent's score for a message, with the example that earned it (a tuple: built per intent per message)."""

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
    answerable: tuple[str, ...] = ()  # rule 7: the intent, then the runners-up good enough to offer too
    close: tuple[str, ...] = ()  # rule 6, when ambiguous: the intent and every runner-up within the margin

    @property
    def confident(self) -> bool:
        """An intent the bot answers outright: it passed the threshold and no runner-up came close."""
        return self.intent_id is not None and not self.ambiguous

    @property
    def runner_up(self) -> Candidate | None:
        """The second-best intent, if any scored."""
        return self.candidates[1] if len(self.candidates) > 1 else None

    @property
    def example(self) -> str | None:
        """The example that decided the match."""
        return self.candidates[0].example if self.intent_id and self.candidates else None


class PhraseSet:
    """Padded stemmed phrases searched as whole words, each looked up by its first word."""

    def __init__(self, phrases: tuple[str, ...]) -> None:
        self.phrases = phrases
        split = [tuple(p.split()) for p in phrases]
        self._single = frozenset(words[0] for words in split if len(words) == 1)
        self._longer: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for words in split:
            if len(words) > 1:
                self._longer[words[0]].append(words)

    def found_in(self, words: list[str]) -> bool:
        """True when any phrase occurs in the word sequence, as whole words."""
        if not self._single.isdisjoint(words):
            return True
        longer = self._longer  # a local: a comprehension would look the attribute up for every word
        return any(
            tuple(words[n : n + len(phrase)]) == phrase
            for n in [n for n, word in enumerate(words) if word in longer]
            for phrase in longer[words[n]]
        )

    @property
    def words(self) -> set[str]:
        """Every word the phrases use (for typo correction)."""
        return {w for phrase in self.phrases for w in phrase.split()}


class _Feature(NamedTuple):
    """A known feature (a word or word pair): its weight, row of the association matrix and examples."""

    weight: float
    row: int
    postings: np.ndarray


_ROW = itemgetter(1)  # a _Feature's row, as map() reads it fastest
# A Candidate from its three fields, built at C speed (Candidate._make is a Python function).
_candidate = partial(tuple.__new__, Candidate)


class _Word(NamedTuple):
    """All the matcher needs of one word of a message, worked out once per distinct word (see CACHED_WORDS)."""

    feature: _Feature | None  # None for a stopword or a word no example uses
    weight: float  # its weight in the message's total (an unknown word's for one no example uses)
    stem: str  # stemmed, typo-corrected: the word every rule compares
    stop: bool
    model_ids: tuple[int, ...]  # its features in the learned model (none for a stopword)
    unknown: bool  # a meaningful word no example uses (rule 2)


class _Pair(NamedTuple):
    """All the matcher needs of two adjacent words (their stems), cached like _Word.

    Its fields stand where _Word's do (feature, weight, then the name the features are counted
    by): _query reads a list of both kinds by position.
    """

    feature: _Feature | None
    weight: float
    key: str  # "first_second", the feature's name
    model_id: int | None


# Fields read for every word of a message, by position: a named field's lookup goes through the
# type (several times the cost), and map() over an itemgetter runs at C speed.
_FEATURE, _WEIGHT, _STEM, _STOP, _MODEL_IDS, _UNKNOWN = (itemgetter(n) for n in range(6))
_POSTINGS = itemgetter(2)  # a _Feature's


# Distinct words and pairs remembered (a dict each, emptied when full); a word only up to
# model.CACHED_WORD_CHARS long (its record lists its model features): some tens of MB at most.
# A record depends on its key alone and is never changed, so two threads reading one matcher at
# once (or one emptying a cache) at worst work a record out twice: no lock is needed.
CACHED_WORDS = 16384


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
        self._word_cache: dict[str, _Word] = {}
        self._pair_cache: dict[tuple[str, str], _Pair] = {}

    def _index_examples(self, intents: list[Intent]) -> None:
        """Weight every example's words and index them, once, at load time."""
        normalised = {i.id: [normalise(e, self.content.synonyms) for e in i.examples] for i in intents if i.examples}
        prepared = {i: [[stem(w) for w in text.split()] for text in texts] for i, texts in normalised.items()}
        self._intent_ids = list(prepared)
        # Each example's normalised form -> its intent and text; a phrasing written in two intents
        # (which `painbot check` warns about) is left to the scorers.
        self._exact: dict[str, tuple[str, str]] = {}
        shared: set[str] = set()
        for intent in intents:
            for text, form in zip(intent.examples, normalised.get(intent.id, []), strict=True):
                if self._exact.setdefault(form, (intent.id, text))[0] != intent.id:
                    shared.add(form)
        for form in shared:
            del self._exact[form]
        self._intent_index = {intent_id: n for n, intent_id in enumerate(self._intent_ids)}
        self._model = Model(
            [
                (i, text.split(), words)
                for i, texts in normalised.items()
                for text, words in zip(texts, prepared[i], strict=True)
            ],
            self._stopwords,
        )
        self._model_columns = [self._model.classes.index(i) for i in self._intent_ids]
        self._idf = _idf(prepared, self._stopwords)
        association = _association(prepared, self._stopwords)
        self._examples = [
            self._prepare(intent.id, text, form, words)
            for intent in intents
            for text, form, words in zip(
                intent.examples, normalised.get(intent.id, []), prepared.get(intent.id, []), strict=True
            )
        ]
        # Examples by length, so a short message is compared character by character only with
        # examples whose length could reach SHORT_RATIO_FLOOR (a contiguous slice, no scan).
        self._by_length = sorted(range(len(self._examples)), key=lambda i: len(self._examples[i].normalised))
        self._lengths = [len(self._examples[i].normalised) for i in self._by_length]
        self._normalised_by_length = [self._examples[i].normalised for i in self._by_length]
        # Every feature's examples as one array, so one message's overlap with all examples is one
        # weighted count (numpy) instead of a loop; examples of one intent are contiguous.
        postings: dict[str, list[int]] = defaultdict(list)
        for index, example in enumerate(self._examples):
            for word in example.weights:
                postings[word].append(index)
        indexed = {word: np.array(indices, dtype=np.int64) for word, indices in postings.items()}
        # The same association as a feature x intent matrix of weighted shares, so a message's evidence is one sum.
        feature_ids = {feature: n for n, feature in enumerate(association)}
        self._association_matrix = np.zeros((len(association), len(self._intent_ids)))
        column = {intent_id: n for n, intent_id in enumerate(self._intent_ids)}
        for feature, shares in association.items():
            for intent_id, share in shares.items():
                self._association_matrix[feature_ids[feature], column[intent_id]] = share
        # Each row times its feature's weight, as every message would multiply it.
        self._association_matrix *= np.array([self._idf[feature] for feature in association])[:, None]
        self._example_totals = np.array([e.total for e in self._examples], dtype=np.float64)
        # All a message needs of one known feature, found with one lookup instead of three.
        self._known_features = {
            feature: _Feature(weight, feature_ids[feature], indexed[feature]) for feature, weight in self._idf.items()
        }
        # Each row's weight and number of postings: a message's weight once per posting is one repeat.
        self._row_weights = np.zeros(len(feature_ids))
        self._row_postings = np.zeros(len(feature_ids), dtype=np.intp)
        for feature, weight in self._idf.items():
            self._row_weights[feature_ids[feature]] = weight
            self._row_postings[feature_ids[feature]] = len(indexed[feature])
        self._segments: dict[str, tuple[int, int]] = {}
        for index, example in enumerate(self._examples):
            start, _ = self._segments.get(example.intent_id, (index, index))
            self._segments[example.intent_id] = (start, index + 1)
        # An unknown word weighs as little as a word every intent uses: long messages carry many
        # words no example has (stories, asides), and the topic words must stay in charge.
        self._unknown_weight = min(self._idf.values(), default=1.0)

    def _index_phrases(self, intents: list[Intent]) -> None:
        """Compile keywords and the topic and off-topic word lists."""
        self._keywords = {i.id: self._phrases(i.keywords) for i in intents}
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
        # Keywords by their first word, longest first: at each word the longest keyword starting
        # there is found, so " hip pain " and " pain when " can both be found (overlapping).
        self._keyword_first: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for phrase in sorted(self._keyword_owners, key=len, reverse=True):
            words = tuple(phrase.split())
            self._keyword_first[words[0]].append((words, phrase))
        self._domain = self._phrases(tuple(self.rules.domain_terms))
        self._offtopic = self._phrases(tuple(self.rules.offtopic_terms))
        groups = (self._domain, self._offtopic, *self._keywords.values())
        # Words typos may be corrected to: every word an example or a list uses.
        self._known = frozenset(f for f in self._idf if "_" not in f) | {w for g in groups for w in g.words}

    def normalised(self, text: str) -> str:
        """A raw message as the matcher reads it: its first max_chars cleaned, synonyms folded."""
        return normalise(text, self.content.synonyms, self.rules.max_chars)

    def match(self, text: str, chat: str = "private", addressed: bool = True, normalised: str | None = None) -> Match:
        """Decide the intent of a raw message as the bot would in this kind of chat.

        `addressed`: the message speaks to the bot, by name at least (bot/addressing.py decides).
        `normalised`: self.normalised(text), when the caller has it already.
        """
        if normalised is None:
            normalised = self.normalised(text)
        cache = self._word_cache
        read = [cache.get(w) or self._word(w) for w in normalised.split()]
        every_word = list(map(_STEM, read))
        has_domain = self._domain.found_in(every_word)
        elsewhere = self._offtopic.found_in(every_word) or self._mostly_unknown(read)
        exact = self._exact.get(normalised)
        if not _has_letters(normalised) or (elsewhere and not has_domain and exact is None):
            return Match(None, 0.0)
        keyworded = self._keyword_intents(every_word)
        ranked = self._rank(normalised, read, keyworded)
        if exact is not None:  # rule 3: an editor's own phrasing is answered as written
            ranked = (Candidate(exact[0], 100.0, exact[1]), *(c for c in ranked if c.intent_id != exact[0]))
        # One of our keywords (prp, overstride...) outweighs chatter that happens to read alike.
        off_topic = bool(ranked) and ranked[0].intent_id == OFF_TOPIC and not keyworded - {OFF_TOPIC}
        ranked = tuple(c for c in ranked if c.intent_id != OFF_TOPIC)
        if has_domain:  # "hi, what is PHT?" asks about PHT: the greeting is manners, not the topic
            ranked = tuple(c for c in ranked if c.intent_id not in self.rules.social_intents)
        if not ranked or off_topic:
            return Match(None, ranked[0].score if ranked else 0.0, ranked)
        best = ranked[0]
        if best.score < self._threshold_for(best.intent_id, chat, addressed, has_domain):
            return Match(None, best.score, ranked)
        runner = ranked[1] if len(ranked) > 1 else None
        ambiguous = bool(runner and best.score - runner.score < self.rules.margin)
        answerable = (best.intent_id, *(c.intent_id for c in ranked[1:] if c.score >= self.rules.threshold))
        near = takewhile(lambda c: best.score - c.score < self.rules.margin, ranked) if ambiguous else ()
        close = tuple(c.intent_id for c in near)
        return Match(best.intent_id, best.score, ranked, ambiguous=ambiguous, answerable=answerable, close=close)

    def _mostly_unknown(self, read: list[_Word]) -> bool:
        """Most meaningful words are ones no example uses: another language, or another subject."""
        meaningful = len(read) - sum(map(_STOP, read))  # counted at C speed from the records
        unknown = sum(map(_UNKNOWN, read))
        return bool(meaningful) and unknown / meaningful > 1 - self.rules.min_known_share

    def rank(self, normalised: str, words: list[str], keyworded: set[str]) -> tuple[Candidate, ...]:
        """Score every intent for a message's stemmed words (and keywords found) and return them best first."""
        return self._rank(normalised, self._read(normalised.split(), words), keyworded)

    def _read(self, plain: list[str], words: list[str]) -> list[_Word]:
        """The records of a message's words (`plain`: as normalised, `words`: their stems as the rules compare them)."""
        return [self._word_of(p, w) for p, w in zip(plain, words, strict=True)]

    def _word(self, plain: str) -> _Word:
        """The record of a normalised word, stemmed and typo-corrected (remembered unless very long: words repeat)."""
        word = stem(plain)
        if len(word) >= TYPO_MIN_LENGTH and word not in self._stopwords:
            word = self._typo(word)
        record = self._word_of(plain, word)
        if len(plain) <= CACHED_WORD_CHARS:
            if len(self._word_cache) >= CACHED_WORDS:
                self._word_cache.clear()
            self._word_cache[plain] = record
        return record

    def _word_of(self, plain: str, word: str) -> _Word:
        """The record of a normalised word whose stem the rules compare is `word`."""
        if word in self._stopwords:
            return _Word(None, self._unknown_weight, word, True, (), False)
        feature = self._known_features.get(word)
        weight = self._unknown_weight if feature is None else feature.weight
        return _Word(feature, weight, word, False, self._model.word_ids(plain, word), feature is None)

    def _pair(self, first: str, second: str) -> _Pair:
        """The record of two adjacent stems (remembered)."""
        if len(self._pair_cache) >= CACHED_WORDS:
            self._pair_cache.clear()
        key = f"{first}_{second}"
        feature = self._known_features.get(key)
        weight = self._unknown_weight if feature is None else feature.weight
        record = _Pair(feature, weight, key, self._model.pair_id(first, second))
        self._pair_cache[first, second] = record
        return record

    def _rank(self, normalised: str, read: list[_Word], keyworded: set[str]) -> tuple[Candidate, ...]:
        """rank() from the records of the message's words."""
        known, total, model_ids = self._query(read)
        # The rows as an integer array: a list of ints would be read element by element to find its dtype.
        rows = np.fromiter(map(_ROW, known), dtype=np.intp, count=len(known))
        evidence = self._evidence(rows, total)
        # Only the intents whose vocabulary fits best are scored by their best example: the rest
        # cannot catch up, and a stray example of theirs would only add noise. (A stable sort, reversed or not, so
        # ties keep the intents' order; the scores of a few intents are plain floats, cheaper than arrays.)
        top = sorted(range(len(evidence)), key=evidence.__getitem__, reverse=True)[:EXAMPLE_CONTENDERS]
        best, chosen = self._best_examples(
            self._overlap_scores(known, rows, total), [n for n in top if evidence[n] > 0]
        )
        if len(read) <= SHORT_MESSAGE_WORDS:
            for intent_id, (ratio, example) in self._spelt_like(normalised).items():
                n = self._intent_index[intent_id]
                if ratio > best[n]:
                    best[n], chosen[n] = ratio, example
        probability = self._model.listed_ids(model_ids)
        fused = [
            fuse(EXAMPLE_SHARE * b + (1 - EXAMPLE_SHARE) * e, probability[column])
            for b, e, column in zip(best, evidence, self._model_columns, strict=True)
        ]
        if keyworded:
            for n in self._keyword_columns(keyworded):
                fused[n] += self.rules.keyword_bonus
        # Ranked by the unrounded score (negated: best first), shown capped at 100 to one decimal
        # (half to even, as numpy rounds): two intents both past 100 are not a tie (an alphabetical
        # tie-break would favour "_off_topic").
        raw, shown = [-f for f in fused], [round(min(100.0, f) * 10) / 10 for f in fused]
        ranked = sorted(zip(raw, self._intent_ids, shown, chosen, strict=True))  # ids are unique: ties end there
        return tuple(map(_candidate, (row[1:] for row in ranked if row[2] > 0)))

    def _keyword_columns(self, keyworded: set[str]) -> list[int]:
        """The columns of the intents one of whose keywords is present (each gets the keyword bonus)."""
        return [self._intent_index[i] for i in keyworded if i in self._intent_index]

    def _keyword_intents(self, words: list[str]) -> set[str]:
        """The intents one of whose keywords occurs in the word sequence."""
        found: set[str] = set()
        first = self._keyword_first
        for position in [n for n, word in enumerate(words) if word in first]:
            for phrase_words, phrase in first[words[position]]:
                if tuple(words[position : position + len(phrase_words)]) == phrase_words:
                    found |= self._keyword_owners[phrase]
                    break
        return found

    def _query(self, read: list[_Word]) -> tuple[list[_Feature], float, list[int]]:
        """A message's known features, in its order (as _features lists them), the total weight of all of
        them, unknown ones too, and its feature ids in the learned model."""
        cache = self._pair_cache
        # Fields by position (see _STEM and _Pair): [2] a word's stem or a pair's key, [3] a word's
        # `stop` or a pair's model id.
        pairs = [
            cache.get(key) or self._pair(*key)
            for key in [(a[2], b[2]) for a, b in pairwise(read) if not (a[3] and b[3])]
        ]
        # Each feature once, at its first place: the words (a stem's record is the same wherever
        # it stands), then the pairs.
        found: list[_Word | _Pair] = [*{w[2]: w for w in read if not w[3]}.values(), *{p[2]: p for p in pairs}.values()]
        # Summed in the message's order, as every sum here, so every run gives the same scores.
        total = sum(map(_WEIGHT, found)) or 1.0
        model_ids = [i for p in pairs if (i := p[3]) is not None]
        model_ids += chain.from_iterable(map(_MODEL_IDS, read))
        return [f for f in map(_FEATURE, found) if f is not None], total, model_ids

    def _overlap_scores(self, known: list[_Feature], rows: np.ndarray, total: float) -> np.ndarray:
        """Every example's weighted word overlap with the message (0-100): the F1 of the shared weight.

        `rows`: the known features' rows of the association matrix, in the same order.
        """
        if not known:
            return np.zeros(len(self._examples))
        indices = np.concatenate(list(map(_POSTINGS, known)))
        weights = np.repeat(self._row_weights[rows], self._row_postings[rows])
        shared: np.ndarray = np.bincount(indices, weights=weights, minlength=len(self._examples))
        # F1 of precision shared/total and recall shared/example total, computed in place (one
        # array of every example's score is allocated, not three).
        shared *= 200
        shared /= total + self._example_totals
        return shared

    def _best_examples(self, scores: np.ndarray, contenders: list[int]) -> tuple[list[float], list[str]]:
        """Each contending intent's best example score (0-100) and text; 0 and "" for the others."""
        best, chosen = [0.0] * len(self._intent_ids), [""] * len(self._intent_ids)
        for n in contenders:
            start, end = self._segments[self._intent_ids[n]]
            top = start + int(scores[start:end].argmax())
            score = float(scores[top])
            if score > 0:
                best[n], chosen[n] = score, self._examples[top].text
        return best, chosen

    def _spelt_like(self, normalised: str) -> dict[str, tuple[float, str]]:
        """For a short message, each intent's example most alike character by character."""
        # ratio = 2 x matches / (len a + len b) >= floor bounds the example's length.
        share = SHORT_RATIO_FLOOR / 100
        low = bisect.bisect_left(self._lengths, math.floor(len(normalised) * share / (2 - share)))
        high = bisect.bisect_right(self._lengths, math.ceil(len(normalised) * (2 - share) / share))
        best: dict[str, tuple[float, str]] = {}
        for _, ratio, position in process.extract(
            normalised,
            self._normalised_by_length[low:high],
            scorer=fuzz.ratio,
            limit=None,
            score_cutoff=SHORT_RATIO_FLOOR,
        ):
            example = self._examples[self._by_length[low + position]]
            if ratio > best.get(example.intent_id, (0.0, ""))[0]:
                best[example.intent_id] = (ratio, example.text)
        return best

    def _evidence(self, rows: np.ndarray, total: float) -> list[float]:
        """How much of the message (0-100) is made of words typical of each intent (`rows`: its known features')."""
        if not len(rows):
            return [0.0] * len(self._intent_ids)
        # An elementwise sum rather than a BLAS product: no threads, the same answer on every run.
        return (np.add.reduce(self._association_matrix[rows], axis=0) * (100 / total)).tolist()

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

    def _correct(self, word: str) -> str:
        """Map an unknown word to the closest known one, when it is close enough."""
        if word in self._known or len(word) < TYPO_MIN_LENGTH or not word.isalpha():
            return word
        # Typos rarely hit the first letter; requiring it avoids most false corrections.
        same_start = self._by_initial.get(word[0], ())
        found = process.extractOne(word, same_start, scorer=fuzz.ratio, score_cutoff=TYPO_RATIO)
        return found[0] if found else word

    def _phrases(self, terms: tuple[str, ...]) -> PhraseSet:
        """Prepare terms as padded stemmed phrases (stopwords kept) for whole-word search."""
        out = []
        for term in terms:
            cleaned = normalise(term, self.content.synonyms)
            words = [stem(w) for w in cleaned.split()]
            if words:
                out.append(" " + " ".join(words) + " ")
        return PhraseSet(tuple(out))


def fuse(lexical: float, probability: float) -> float:
    """Rule 3: an intent's fused score from its lexical score (0-100) and model probability (0-1)."""
    return (1 - MODEL_SHARE) * lexical + MODEL_SHARE * 100 * probability


def _has_letters(normalised: str) -> bool:
    """A message with at least one letter: "2", "?!" and emoji alone ask nothing."""
    return any(ch.isalpha() for ch in normalised)


def _features(words: list[str], stopwords: frozenset[str]) -> list[str]:
    """Meaningful words plus adjacent pairs, so 'how long' and 'long run', 'what is' and 'what can' differ.

    Each once, in the message's order (not a set's, which changes with every process's string
    hashing): sums over them then add up in the same order, so every run gives the same scores.
    """
    pairs = (f"{a}_{b}" for a, b in pairwise(words) if a not in stopwords or b not in stopwords)
    return list(dict.fromkeys([*(w for w in words if w not in stopwords), *pairs]))


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
