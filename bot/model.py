"""A small learned view of the examples: multinomial naive Bayes over TF-IDF features.

Trained at start-up from the intents' examples (the off-topic ones are one more class) in plain
numpy. Features are the meaningful words, adjacent word pairs and the character 4-grams of each
word (padded, so beginnings and endings count), which lets a phrasing that only shares word
parts with the examples ("hammies", "stretchy") still count. Training is one counting pass with
no randomness, so the same content always gives the same model and the same answers.

Why naive Bayes and not logistic regression: on the 5-fold cross-validation of the shipped
examples both reached the same accuracy on their own (about 72%), but gradient descent needs
dozens of passes over the data and cost 0.3-0.9 s of start-up on a 2-core machine, against
about 0.15 s for this model's features and its single counting pass; and fused with the lexical
scorer, a 30-step logistic regression reached 84% in-scope on the tripled content's
cross-validation where naive Bayes reaches 88%.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import pairwise
from typing import TypeVar

import numpy as np

K = TypeVar("K")

# Character n-gram lengths taken from each word. 4 alone measured best (3-5 adds noise and time).
CHAR_GRAMS = (4,)
# Additive smoothing of the per-class feature weights: small, since TF-IDF values are fractions.
SMOOTHING = 0.03
# Words up to this long have their features remembered (here, and in the matcher's record of each
# word). A longer one, a run-together paste of hundreds of characters, has a few features per
# character, tens of KB to keep; such words are rare and are worked out afresh.
CACHED_WORD_CHARS = 40
# From this many features on, a message's features are counted without first checking for repeats.
COUNT_FROM = 60
# Counts of one feature in a message below this have their term-frequency factors ready in a table
# (a message cut at max_chars stays far below it); a higher count is worked out as it comes.
TF_TABLE = 2048
# Log-probabilities are divided by this before the softmax: naive Bayes is over-confident, and the
# fusion with the lexical scorer needs probabilities that still say "close second".
TEMPERATURE = 0.75


class Model:
    """Class probabilities for a message's words; knows nothing of Telegram or of the YAML."""

    def __init__(self, labelled: Sequence[tuple[str, list[str], list[str]]], stopwords: frozenset[str]) -> None:
        """Train from (class, normalised words, stemmed words) triples."""
        self.classes = sorted({label for label, _, _ in labelled})
        self._stopwords = stopwords
        self._vocabulary: dict[str, int] = {}  # character n-gram -> feature id
        self._word_ids: dict[str, int] = {}  # stem -> feature id
        self._pair_ids: dict[tuple[str, str], int] = {}  # adjacent stems -> feature id
        self._size = 0
        rows = [self._features(words, stems) for _, words, stems in labelled]
        size = self._size
        document_frequency = np.bincount(np.fromiter((i for r in rows for i in r), dtype=np.int64), minlength=size)
        self._idf = (np.log((1 + len(rows)) / (1 + document_frequency)) + 1).astype(np.float32)
        index_of = {label: n for n, label in enumerate(self.classes)}
        targets = np.array([index_of[label] for label, _, _ in labelled], dtype=np.int64)
        self._weights, self._bias = _train(rows, targets, self._tfidf, size, len(self.classes))
        # Each feature's class weights times its IDF, and its IDF squared in one more column: a
        # message whose features each occur once (most) then needs one gather and one sum, the
        # last column giving its squared length for the unit scaling.
        self._scaled = np.ascontiguousarray(
            np.hstack([self._weights * self._idf[:, None], (self._idf * self._idf)[:, None]]), dtype=np.float32
        )
        # For each count, the factor each of those columns is multiplied by: the sublinear term
        # frequency, and its square for the squared length (row 0 unused).
        tf = 1 + np.log(np.maximum(np.arange(TF_TABLE, dtype=np.float32), 1))
        self._tf_rows = np.hstack([np.repeat(tf[:, None], len(self.classes), axis=1), (tf * tf)[:, None]])

    def probabilities(self, words: Sequence[str], stems: Sequence[str]) -> dict[str, float]:
        """Each class's probability for a message (its normalised words and their stems)."""
        return dict(zip(self.classes, self.listed_ids(self._ids(words, stems)), strict=True))

    def word_ids(self, word: str, stem: str) -> tuple[int, ...]:
        """A message word's known feature ids (none for a stopword), as `listed_ids` takes them after the pairs'."""
        return () if stem in self._stopwords else self._word_features(word, stem)

    def pair_id(self, first: str, second: str) -> int | None:
        """The feature id of two adjacent stems, if training saw them (a pair of stopwords never counts)."""
        return self._pair_ids.get((first, second))

    def listed_ids(self, ids: list[int]) -> list[float]:
        """The class probabilities, in the order of self.classes, from feature ids as `_ids` gives them."""
        logits = self._bias.tolist()
        if ids:
            # A short message mostly uses each feature once, which the cheaper dict.fromkeys tells;
            # a long one nearly always repeats one, so it is counted straight away.
            once = dict.fromkeys(ids) if len(ids) < COUNT_FROM else None
            if once is not None and len(once) == len(ids):  # each feature once: its row as it is
                gathered = self._scaled[np.fromiter(once, dtype=np.int64, count=len(once))]
            else:  # sublinear term frequency for the repeats
                counts = Counter(ids)
                gathered = self._scaled[np.fromiter(counts, dtype=np.int64, count=len(counts))]
                if len(ids) < TF_TABLE:  # so is every count: the factors are one gather, one product
                    gathered *= self._tf_rows[np.fromiter(counts.values(), dtype=np.intp, count=len(counts))]
                else:
                    tf = 1 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
                    gathered[:, :-1] *= tf[:, None]
                    gathered[:, -1] *= tf * tf
            # An elementwise sum, not a BLAS product: no threads, so the same answer on every run.
            *summed, squared = np.add.reduce(gathered, axis=0).tolist()
            scale = 1 / max(math.sqrt(squared), 1e-12)  # unit length, as _tfidf scales
            logits = [bias + value * scale for bias, value in zip(logits, summed, strict=True)]
        top = max(logits)
        exp = [math.exp((logit - top) / TEMPERATURE) for logit in logits]
        total = sum(exp)
        return [e / total for e in exp]

    def _features(self, words: Sequence[str], stems: Sequence[str]) -> dict[int, float]:
        """Feature id -> count for one training text; its unseen features join the vocabularies."""
        stop = self._stopwords
        pairs = [pair for pair in pairwise(stems) if pair[0] not in stop or pair[1] not in stop]
        for pair in pairs:
            _add(self._pair_ids, pair, self._next_id)
        for word, stem in zip(words, stems, strict=True):
            if stem not in stop:
                _add(self._word_ids, stem, self._next_id)
                for gram in _char_grams(word):
                    _add(self._vocabulary, gram, self._next_id)
        ids = self._ids(words, stems, pairs)
        counts = dict.fromkeys(ids, 1.0)
        # Most texts use each feature once; counting the rest costs more than this check.
        return counts if len(counts) == len(ids) else dict(Counter(ids))

    def _ids(self, words: Sequence[str], stems: Sequence[str], pairs: list[tuple[str, str]] | None = None) -> list[int]:
        """The known feature ids of a text, a repeat once per occurrence (`pairs`: its meaningful word pairs)."""
        stop = self._stopwords
        if pairs is None:
            pairs = [pair for pair in pairwise(stems) if pair[0] not in stop or pair[1] not in stop]
        ids = [i for i in map(self._pair_ids.get, pairs) if i is not None]
        ids += [
            i
            for word, stem in zip(words, stems, strict=True)
            if stem not in stop
            for i in self._word_features(word, stem)
        ]
        return ids

    def _next_id(self) -> int:
        """The id a new feature gets: one numbering across words, pairs and character n-grams."""
        self._size += 1
        return self._size - 1

    def _word_features(self, word: str, stem: str) -> tuple[int, ...]:
        """A word's known feature ids: its stem and its character n-grams (the matcher remembers them per word)."""
        found = self._word_ids.get(stem)
        grams = tuple(i for i in map(self._vocabulary.get, _char_grams(word)) if i is not None)
        return grams if found is None else (found, *grams)

    def _tfidf(self, ids: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """Sublinear term frequency times IDF, scaled to unit length."""
        values = (1 + np.log(counts)) * self._idf[ids]
        return values / max(float(np.sqrt((values * values).sum())), 1e-12)


def _add(ids: dict[K, int], key: K, next_id: Callable[[], int]) -> None:
    """Give a feature an id the first time it is seen."""
    if key not in ids:
        ids[key] = next_id()


def _char_grams(word: str) -> tuple[str, ...]:
    """The character n-grams of a word padded with spaces (remembered for words up to CACHED_WORD_CHARS long)."""
    return _remembered_grams(word) if len(word) <= CACHED_WORD_CHARS else _grams(word)


@lru_cache(maxsize=8192)
def _remembered_grams(word: str) -> tuple[str, ...]:
    """_grams() of a word that is not too long to remember."""
    return _grams(word)


def _grams(word: str) -> tuple[str, ...]:
    """The character n-grams of a word padded with spaces."""
    padded = f" {word} "
    return tuple(f"c{padded[i : i + n]}" for n in CHAR_GRAMS for i in range(len(padded) - n + 1))


def _train(
    rows: list[dict[int, float]],
    targets: np.ndarray,
    tfidf: Callable[[np.ndarray, np.ndarray], np.ndarray],
    features: int,
    classes: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial naive Bayes: each class's smoothed log share of every feature's TF-IDF mass."""
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    indices = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(lengths.sum()))
    counts = np.fromiter((c for r in rows for c in r.values()), dtype=np.float32, count=len(indices))
    values = np.empty_like(counts)
    start = 0
    for length in lengths.tolist():
        if length:
            values[start : start + length] = tfidf(indices[start : start + length], counts[start : start + length])
        start += length
    owner = np.repeat(targets, lengths)
    # One flat count over (class, feature) cells: a single pass, the same result on every run.
    mass = np.bincount(owner * features + indices, weights=values, minlength=classes * features)
    smoothed = mass.reshape(classes, features) + SMOOTHING
    log_share = np.log(smoothed / smoothed.sum(axis=1, keepdims=True))
    prior = np.log(np.maximum(np.bincount(targets, minlength=classes), 1) / max(len(targets), 1))
    return np.ascontiguousarray(log_share.T, dtype=np.float32), prior.astype(np.float32)
