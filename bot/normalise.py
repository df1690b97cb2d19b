"""Turn a raw chat message into plain comparable words: the first step of matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache

_URL = re.compile(r"(?:https?://|www\.)\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_COMMAND = re.compile(r"(?<!\w)/([a-z_]+)(?:@\w+)?")
_APOSTROPHES = "'’‘`´"  # each found by a substring search: far cheaper than a set test per character
# An apostrophe between letters; the apostrophe comes first so the regex engine can skip to it
# (a leading look-behind is tried at every position and costs four times as much).
_APOSTROPHE = re.compile(r"['’‘`´](?<=\w.)(?=\w)")
_NON_WORD = re.compile(r"[^\w]+")
# The same for plain ASCII text as one C-speed table lookup per character (most messages).
_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")})
# A letter stretched over three times ("sooooo"). It runs once only letters, digits and
# spaces are left, where [^ ] is \w and far cheaper to test. The repeats are taken eight at a
# time first: a pasted run of one letter costs an eighth of the regex engine's steps.
_STRETCHED = re.compile(r"([^ ])\1\1(?:\1\1\1\1\1\1\1\1)*\1*")


def clean(text: str, max_chars: int | None = None) -> str:
    """Lower-case, strip mentions, links, emoji and punctuation; keep words and numbers (the first `max_chars`)."""
    return " ".join(clean_words(text, max_chars))


def clean_words(text: str, max_chars: int | None = None) -> list[str]:
    """clean() as its list of words, for a caller that reads words (no join to split again)."""
    if max_chars is None:
        text = unicodedata.normalize("NFKC", text).casefold()
    else:  # a cut before any work: a 10,000-character paste costs no more than a long question
        text = unicodedata.normalize("NFKC", text[: max_chars * 2])[:max_chars].casefold()
    # Each pass runs only when its marker character is there: most messages have no link,
    # command or mention, and skipping a pass costs far less than running it.
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "/" in text:
        text = _COMMAND.sub(r" \1 ", text)
    if "@" in text:
        text = _MENTION.sub(" ", text)
    if any(mark in text for mark in _APOSTROPHES):
        text = _APOSTROPHE.sub("", text)
    text = text.translate(_ASCII_NON_WORD) if text.isascii() else _NON_WORD.sub(" ", text)
    text = text.replace("_", " ")
    text = _STRETCHED.sub(r"\1\1", text)
    return text.split()


class Synonyms:
    """Folds slang, spellings and multi-word names into one canonical form each."""

    def __init__(self, groups: Mapping[str, Iterable[str]]) -> None:
        self._canonical: dict[str, str] = {}
        for canonical, variants in groups.items():
            target = clean(canonical)
            for variant in map(clean, variants):
                if variant:  # an emoji-only variant cleans to nothing and would match everywhere
                    self._canonical[variant] = target
        # Variants by their first word, longest first: folding is a walk over the words with one
        # lookup each, where one regex alternation of every variant costs ten times more.
        self._by_first: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for variant, target in sorted(self._canonical.items(), key=lambda kv: (-len(kv[0].split()), kv[0])):
            words = tuple(variant.split())
            self._by_first.setdefault(words[0], []).append((words, tuple(target.split())))

    def variants(self) -> dict[str, str]:
        """Every variant, cleaned, and the canonical form it folds to."""
        return dict(self._canonical)

    def fold(self, cleaned: str) -> str:
        """Replace every known variant (longest first, left to right) with its canonical form."""
        return " ".join(self.fold_words(cleaned.split()))

    def fold_words(self, words: list[str]) -> list[str]:
        """fold() on words already split, giving words: a canonical form of several words gives several."""
        # Only a word some variant starts with needs a look; most messages have few or none.
        by_first = self._by_first
        starts = [n for n, word in enumerate(words) if word in by_first]
        if not starts:
            return words
        out: list[str] = []
        position = 0
        last = len(words) - 1
        for start in starts:
            if start < position:
                continue  # inside a variant already folded
            out += words[position:start]
            position = start + 1
            second = words[start + 1] if start < last else None
            for phrase, target_words in by_first[words[start]]:
                # The second word first: it turns most longer variants down without slicing the words.
                if len(phrase) == 1 or (phrase[1] == second and tuple(words[start : start + len(phrase)]) == phrase):
                    out += target_words
                    position = start + len(phrase)
                    break
            else:
                out.append(words[start])
        out += words[position:]
        return out


def whole_word(term: str) -> str:
    """A regex for a term as a whole word."""
    # Opening with the term's first character (then looking back for a word character before it)
    # lets the regex engine skip ahead to that character, where a leading \b is tried at every position.
    if not term[:1].isalnum() and term[:1] != "_":
        return rf"\b{re.escape(term)}\b"
    return rf"{re.escape(term[0])}(?<!\w.){re.escape(term[1:])}\b"


def normalise(text: str, synonyms: Synonyms | None = None, max_chars: int | None = None) -> str:
    """Clean a message (its first `max_chars`) and fold its synonyms: the form every matcher compares."""
    words = clean_words(text, max_chars)
    return " ".join(synonyms.fold_words(words) if synonyms else words)


_SUFFIXES = ("ingly", "ings", "ing", "edly", "ies", "ied", "ness", "ers", "er", "ed", "es", "ly", "s")
# "ed" needs a longer root, or speed -> spe.
_MIN_ROOT = {"ed": 4}
# "er" is stripped only after a doubled consonant (runner, jogger): number, never, other stay whole.
_DOUBLED_ONLY = frozenset({"er", "ers"})


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """Strip a common English ending so word forms compare equal (numb, numbness)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        root = word[: -len(suffix)]
        if not word.endswith(suffix) or len(root) < _MIN_ROOT.get(suffix, 3):
            continue
        if suffix == "s" and root.endswith(("s", "u", "i")):
            continue  # stress, bus, pelvis
        if suffix in _DOUBLED_ONLY and not (root[-1] == root[-2] and root[-1] not in "lsz"):
            continue
        if suffix in ("ies", "ied"):
            return root + "y"
        if root[-1] == root[-2] and root[-1] not in "lsz":
            root = root[:-1]  # running -> run, popped -> pop
        return root.removesuffix("e") if len(root) > 3 else root
    return word.removesuffix("e") if len(word) > 4 or (len(word) == 4 and word.endswith("e")) else word
