"""Read a whole message for what a blog must not answer: a crisis, another emergency, a red flag.

The rule, in order (concepts, rules and word lists come from intents/_safety.yaml):
1. The whole message is read (no length cut; linear in its length). Numbers with units become
   words first (38.5 degrees -> a temperature reading, 8kg -> a weight amount, 15yo -> a child's
   age). The text is split into clauses (at . ! ? ; , new lines and words such as "but").
2. Each clause is cleaned like the matcher's input, everyday phrases are rewritten so their
   medical-looking word cannot be read ("a wee bit", "wear and tear"), synonyms are folded and
   word endings stemmed. An unknown word of six letters or more may be read as a concept word one
   edit away (two for words of ten letters or more) with the same first letter; a word the
   content already knows is never changed, so a typo cannot turn an everyday word into a medical
   one, nor one medical word into another.
3. Every concept (a list of words and phrases) is found wherever it occurs. A mention is dropped
   when a negation ("no", "not", "never", "without", "havent"...) stands up to `negation_reach`
   words before it in the same clause ("no numbness", "haven't lost weight").
4. A rule fires when every one of its groups (a concept, or any of several) has a mention within
   the rule's `window` of words of a mention of its first group, and none of its `unless`
   concepts is mentioned within `unless_window` words of it (by default `veto_reach` windows: a veto
   such as "goes away when I stand" often ends the sentence).
5. The first rule to fire in this order decides: crisis, emergency, red flags by tier (now, today,
   soon), then questions about warning signs. Nothing fires: the message is ordinary.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.normalise import Synonyms, clean, clean_words, stem, whole_word
from bot.schema import Anything, Choice, Field, Named, Number, Record, Shape, Text, Texts, read_file
from bot.yamlsource import LineList, Problems

CRISIS, EMERGENCY, RED_FLAGS, ABOUT = "crisis", "emergency", "red_flags", "about"
KINDS = (CRISIS, EMERGENCY, RED_FLAGS, ABOUT)  # also the order in which rules are tried
TIERS = ("now", "today", "soon")
PRESSING_TIERS = frozenset({"now", "today"})  # answered in groups whatever the cooldown
SAFETY_FILE = "_safety.yaml"

# Typo tolerance: long unknown words only, one edit (two from this length on), same first letter.
TYPO_MIN_LENGTH = 6
TYPO_TWO_EDITS_FROM = 10

# Numbers that carry meaning become words the concepts can name, in one pass (the first that fits
# wins): a temperature with a unit or in Fahrenheit, a weight, a child's age, a bare temperature.
_NUMBERS = re.compile(
    r"(?P<tempreading>\b(?:3[7-9]|4[0-2])(?:[.,]\d)?\s*(?:°|º|degrees?|deg\b)\s*c?\b"
    r"|\b(?:99[.,]\d|10[0-6](?:[.,]\d)?)\s*(?:°|º|degrees?)?\s*f(?:ahrenheit)?\b)"
    r"|(?P<weightamount>\b\d+(?:[.,]\d+)?\s*(?:kg|kgs|kilos?|kilograms?|lbs?|pounds?|stone|st)\b)"
    r"|(?P<childage>\b(?:[5-9]|1[0-8])\s*(?:yo|y/o|y\.o\.?|yrs? old|years? old|year-old|yr-old)\b"
    r"|\baged?\s+(?:[5-9]|1[0-8])\b|\bu(?:nder)?\s?-?(?:1[0-8]|[5-9])s?\b"
    r"|\b(?:i'?m|i am|(?:s?he|they)(?:'?s|'?re| is| are))\s+(?:[5-9]|1[0-8])\b"
    r"(?!\s*(?:k|km|mins?|minutes?|kg|%|weeks?)))"
    r"|(?P<tempnumber>\b(?:(?:3[89]|4[0-2])(?:[.,]\d)?|37[.,][5-9]|99[.,][5-9]|10[0-6][.,]\d)\b"
    r"(?!\s*(?:k|km|ks|mi|miles?|m|mins?|minutes?|secs?|kg|kgs|kilos?|%|hours?|hrs?|years?|yrs?|yo|y/o|weeks?|"
    r"days?|pounds?|lbs?|st|stone)\b))",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_MARK_CHARS = ".!?;:,\n(){}[]"  # end a clause, unless a digit follows (3.5)
_DASHES = "-–—"  # end a clause with a space either side
_CLAUSE_MARKS = re.compile(rf"[{re.escape(_MARK_CHARS)}]+(?!\d)|\s[{_DASHES}]+\s")
# The same without the dash, for the many messages with none: a pattern that opens with one set of
# characters lets the regex engine skip to them, several times faster over a long message.
_CLAUSE_MARKS_NO_DASH = re.compile(rf"[{re.escape(_MARK_CHARS)}]+(?!\d)")
CLAUSE_MARK = "qqclauseqq"  # stands where a clause ends, so the whole text is cleaned in one pass
CLAUSE_WORD = f" {CLAUSE_MARK} "
# Distinct words whose reading is remembered (emptied when full). A reading depends on the word
# alone, so two threads filling it at once at worst read a word twice: no lock is needed.
SEEN_WORDS = 16384


@dataclass(frozen=True)
class Rule:
    """A named safety rule: concepts that must all be mentioned close together."""

    name: str
    kind: str
    tier: str | None
    groups: tuple[tuple[str, ...], ...]
    unless: tuple[str, ...]
    window: int  # from intents/_safety.yaml: the rule's own window, else the file's
    unless_window: int  # how far from the first group's mention an unless concept still stops the rule
    fires: tuple[tuple[str, int], ...] = ()  # (example, line)
    stays_quiet: tuple[tuple[str, int], ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Alert:
    """What the safety layer found in a message: its kind, the tier for red flags, and the rule."""

    kind: str
    tier: str | None
    rule: str

    @property
    def intent_id(self) -> str:
        """The label this alert answers as: crisis, emergency, or the red_flags intent."""
        return RED_FLAGS if self.kind in (RED_FLAGS, ABOUT) else self.kind

    @property
    def urgent(self) -> bool:
        """True for anything but a question about warning signs."""
        return self.kind != ABOUT

    @property
    def pressing(self) -> bool:
        """Crisis, emergency and now/today red flags: answered in groups whatever the cooldown."""
        return self.kind in (CRISIS, EMERGENCY) or (self.kind == RED_FLAGS and self.tier in PRESSING_TIERS)


class Mention(NamedTuple):
    """A concept found at word positions start..end (inclusive) of a message."""

    start: int
    end: int


@dataclass
class _Node:
    """One word of a trie of concept phrases: the concepts a phrase ending here names, and what follows."""

    concepts: list[str] = field(default_factory=list)
    next: dict[str, _Node] = field(default_factory=dict)


@dataclass(frozen=True)
class SafetyRules:
    """The clinician-edited safety content of intents/_safety.yaml."""

    concepts: dict[str, tuple[str, ...]]
    rules: tuple[Rule, ...]
    negations: tuple[str, ...]
    negation_reach: int  # from intents/_safety.yaml only
    not_negations: tuple[str, ...] = ()
    clause_breaks: tuple[str, ...] = ()
    rewrites: dict[str, str] = field(default_factory=dict)
    path: str = ""
    everyday_words: tuple[str, ...] = ()  # never read as a typo of a concept word


EXAMPLES = Texts(noun="example", lined=True, at_least=1, describe="a list of example messages, one per line")
WINDOW = Number(1, whole=True)
RULE = Shape(
    "a mapping with kind:, all:, fires: and stays_quiet:",
    (
        Field("kind", Choice(KINDS), "crisis, emergency, red_flags or about"),
        Field("tier", Choice(TIERS), "how soon a red flag needs care", required=False),
        Field("all", Anything(), "the concepts that must all be mentioned"),
        Field("unless", Anything(), "concepts that, mentioned nearby, stop the rule", required=False),
        Field("window", WINDOW, "how close, in words, this rule's concepts must be", required=False),
        Field("unless_window", WINDOW, "how far an unless concept still stops the rule", required=False),
        Field("fires", EXAMPLES, "messages the rule must catch"),
        Field("stays_quiet", EXAMPLES, "messages the rule must leave alone"),
    ),
)
SAFETY = Shape(
    "a mapping with concepts: and rules:",
    (
        Field("window", WINDOW, "how close, in words, a rule's concepts must be"),
        Field("negation_reach", Number(0, whole=True), "how many words before a mention a negation reaches"),
        Field("veto_reach", Number(1, whole=True), "how many windows away an unless concept still stops a rule"),
        Field("negations", Texts(), "words that cancel the mention that follows them"),
        Field("not_negations", Texts(), "words after which a negation is none", required=False),
        Field("clause_breaks", Texts(), "words that start a new clause", required=False),
        Field(
            "rewrites",
            Named(Text(), "rewrite", "a mapping of everyday phrases to plain words, e.g. wee bit: small bit"),
            "everyday phrases and their plain words",
            required=False,
        ),
        Field("everyday_words", Texts(), "words never read as a typo of a concept word", required=False),
        Field(
            "concepts",
            Named(
                Texts(lined=True, at_least=1, describe="a list of words and phrases, one per line"),
                "concept",
                "a mapping of concept names to lists of words and phrases",
            ),
            "the concepts rules name",
        ),
        Field(
            "rules",
            Named(RULE, "rule", "a mapping of rule names to their kind, tier, all: and examples"),
            "the rules, each with its kind, concepts and examples",
        ),
    ),
)


class Screener:
    """Finds crisis, emergency and red-flag rules in whole messages; knows nothing of Telegram."""

    def __init__(self, rules: SafetyRules, synonyms: Synonyms | None = None, known: Iterable[str] = ()) -> None:
        self.rules = rules
        self._synonyms = synonyms
        order = {kind: n for n, kind in enumerate(KINDS)}
        tiers = {tier: n for n, tier in enumerate(TIERS)}
        self._ordered = sorted(rules.rules, key=lambda r: (order[r.kind], tiers.get(r.tier or "", 9)))
        # Which rules a concept can start: only those are tried for a message, in priority order.
        self._starts: dict[str, list[int]] = defaultdict(list)
        for index, rule in enumerate(self._ordered):
            for concept in rule.groups[0] if rule.groups else ():
                self._starts[concept].append(index)
        self._rewrite = _rewriter(rules.rewrites)
        self._breaks = re.compile("|".join(map(whole_word, rules.clause_breaks))) if rules.clause_breaks else None
        # Breaks written as one plain word each (all of today's) are found word by word, in the same
        # pass as typo correction: a read word -> that word as the clauses see it (remembered: words repeat).
        plain = all(b and b == clean(b) and " " not in b for b in rules.clause_breaks)
        self._break_words = frozenset(rules.clause_breaks) if plain else None
        self._seen: dict[str, str] = {}
        self._negations = self._first_words(rules.negations)
        self._not_negations = self._first_words(rules.not_negations)
        self._trie, vocabulary = self._index_concepts(rules.concepts)
        known = frozenset(known) | {w for term in rules.everyday_words for w in clean_words(term)}
        self._known = known | vocabulary | {w for n in rules.negations for w in self._folded(n).split()} | {CLAUSE_MARK}
        self._targets = sorted(w for w in vocabulary if w.isalpha() and len(w) >= TYPO_MIN_LENGTH - 1)
        self._everyday = sorted(w for w in known - vocabulary if w.isalpha() and len(w) >= TYPO_MIN_LENGTH - 1)
        self._typo = lru_cache(maxsize=8192)(self._correct)
        # A concept is found only from a word some phrase starts with; a cleaned word becomes one as
        # itself, typo-corrected, or through an everyday phrase or a synonym it starts. Messages with
        # none of these (most chatter) skip the rest of the reading.
        self._roots = frozenset(self._trie.next)
        # Where a phrase can start in a read message: a word naming a concept itself, or the first two
        # words of a longer phrase. Most root words ("the", "i") start only long phrases, so testing
        # the pair first spares walking the trie from nearly every word.
        self._single_roots = frozenset(word for word, node in self._trie.next.items() if node.concepts)
        self._openings = frozenset((word, second) for word, node in self._trie.next.items() for second in node.next)
        rewritten = {words[0] for words in (clean_words(k) for k in rules.rewrites) if words}
        variants = synonyms.variants() if synonyms else {}
        self._leads = frozenset(rewritten) | {
            variant.split()[0]
            for variant, target in variants.items()
            if any(stem(w) in self._roots for w in target.split())
        }

    def _index_concepts(self, concepts: dict[str, tuple[str, ...]]) -> tuple[_Node, set[str]]:
        """Every concept's phrases as a trie of stemmed words, and the words they are written with."""
        trie, vocabulary = _Node(), set()
        for concept, terms in concepts.items():
            for term in terms:
                node = trie
                for word in self._words(term):
                    node = node.next.setdefault(word, _Node())
                if node is not trie and concept not in node.concepts:
                    node.concepts.append(concept)
                    vocabulary.update(clean_words(term))
        return trie, vocabulary

    def screen(self, text: str) -> Alert | None:
        """The first rule that fires on the whole message, in priority order, or None."""
        mentions = self.mentions(text)
        for index in sorted({i for concept in mentions for i in self._starts.get(concept, ())}):
            rule = self._ordered[index]
            if self._fires(rule, mentions):
                return Alert(rule.kind, rule.tier, rule.name)
        return None

    def fires(self, rule: Rule, text: str) -> bool:
        """Whether one rule fires on a message (for checking a rule's own examples)."""
        return self._fires(rule, self.mentions(text))

    def explain(self, text: str) -> str:
        """The words the safety layer read and the concepts it found (for `painbot ask -v` and editors)."""
        words, _ = self.tokens(text)
        mentions = sorted((m.start, c) for c, ms in self.mentions(text).items() for m in ms)
        found = ", ".join(f"{c}@{start}" for start, c in mentions)
        return f"words: {' '.join(words)}\nconcepts: {found or '-'}"

    def mentions(self, text: str) -> dict[str, list[Mention]]:
        """Every un-negated mention of every concept in a message."""
        read = self._read(text, whole=False)
        if read is None:
            return {}
        words, clause_of = read
        found: dict[str, list[Mention]] = defaultdict(list)
        last = len(words) - 1
        singles, openings, roots = self._single_roots, self._openings, self._trie.next
        # Each word and the next ("" after the last; cut to len(words) so a message of no words has none).
        openers = zip(words, [*words[1:], ""][: len(words)], strict=True)
        negated = self._negated_positions(words, clause_of)
        for start in [n for n, opening in enumerate(openers) if opening in openings or opening[0] in singles]:
            node = roots.get(words[start])
            end = start
            while node is not None:  # walk the phrases that start here, longest last, within the clause
                if node.concepts:
                    if start not in negated:
                        for concept in node.concepts:
                            found[concept].append(Mention(start, end))
                if end == last or clause_of[end + 1] != clause_of[start]:
                    break
                end += 1
                node = node.next.get(words[end])
        return found

    def tokens(self, text: str) -> tuple[list[str], list[int]]:
        """The message's stemmed words, and the clause each belongs to (one pass of each regex)."""
        return self._read(text, whole=True) or ([], [])

    def _read(self, text: str, whole: bool) -> tuple[list[str], list[int]] | None:
        """tokens(); unless `whole`, None as soon as it is clear that no concept phrase can start at any word."""
        if _has_digit(text):  # every number pattern needs a digit; most messages have none
            text = _NUMBERS.sub(lambda m: f" {m.lastgroup} ", text)
        # Read as a list of words from here on: each step splitting and joining the text again would
        # cost more than the step itself on a long message.
        read = clean_words(_mark_clauses(text))
        if not whole and not self._may_start(read):
            return None
        read = self._rewrite(read)
        if self._break_words is None and self._breaks is not None:  # breaks of several words: one regex pass
            read = self._breaks.sub(CLAUSE_WORD, " ".join(read)).split()
        seen = self._seen
        read = [seen.get(w) or self._first_seen(w) for w in read]
        if self._synonyms:
            read = self._synonyms.fold_words(read)
        # Clause by clause (between marks), each clause's words stemmed in one go.
        words: list[str] = []
        clause_of: list[int] = []
        start = 0
        for clause, end in enumerate([*(n for n, w in enumerate(read) if w == CLAUSE_MARK), len(read)]):
            words += map(stem, read[start:end])
            clause_of += [clause] * (end - start)
            start = end + 1
        return words, clause_of

    def _first_seen(self, word: str) -> str:
        """A cleaned word as the clauses read it: CLAUSE_MARK for a break word, else typo-corrected (remembered)."""
        if len(self._seen) >= SEEN_WORDS:
            self._seen.clear()
        if self._break_words is not None and word in self._break_words:
            read = CLAUSE_MARK
        else:
            read = word if len(word) < TYPO_MIN_LENGTH else self._typo(word)
        self._seen[word] = read
        return read

    def _may_start(self, cleaned: list[str]) -> bool:
        """Whether a word of the cleaned message can become the first word of a concept phrase (see _leads)."""
        roots, leads = self._roots, self._leads
        for word in cleaned:
            if word in leads or stem(word) in roots:
                return True
            if len(word) >= TYPO_MIN_LENGTH and self._typo(word) != word:
                return True
        return False

    def _folded(self, text: str) -> str:
        """A concept term as messages are read: cleaned, everyday phrases rewritten, synonyms folded."""
        words = self._rewrite(clean_words(text))
        return " ".join(self._synonyms.fold_words(words) if self._synonyms else words)

    def _words(self, term: str) -> list[str]:
        """A term as the stemmed words it is compared by."""
        return [stem(w) for w in self._folded(term).split()]

    def _first_words(self, terms: Iterable[str]) -> frozenset[str]:
        """The first stemmed word of each term (each term read once)."""
        return frozenset(words[0] for words in map(self._words, terms) if words)

    def _negated_positions(self, words: list[str], clause_of: list[int]) -> set[int]:
        """The positions a negation stands just before (up to negation_reach words), in the same clause."""
        # Found once from each negation (few messages have any), not looked back for at every mention.
        negations, not_negations, reach = self._negations, self._not_negations, self.rules.negation_reach
        negated: set[int] = set()
        for back in [n for n, word in enumerate(words) if word in negations]:
            following = words[back + 1] if back + 1 < len(words) else ""
            if following not in not_negations:
                clause = clause_of[back]
                negated.update(
                    p for p in range(back + 1, min(back + reach, len(words) - 1) + 1) if clause_of[p] == clause
                )
        return negated

    def _fires(self, rule: Rule, mentions: dict[str, list[Mention]]) -> bool:
        """Every group mentioned near a mention of the first group, and no 'unless' concept there."""
        if not all(any(c in mentions for c in group) for group in rule.groups):
            return False  # the common case, decided without building anything
        first, *others = [[m for c in group for m in mentions.get(c, ())] for group in rule.groups]
        vetoes = [m for c in rule.unless for m in mentions.get(c, ())]
        for anchor in first:
            low, high = anchor.start - rule.window, anchor.end + rule.window
            reach = rule.unless_window
            if all(any(low <= m.start and m.end <= high for m in group) for group in others) and not any(
                anchor.start - reach <= m.start and m.end <= anchor.end + reach for m in vetoes
            ):
                return True
        return False

    def _correct(self, word: str) -> str:
        """Read a long unknown word as the concept word it is a typo of, if one is close enough."""
        if word in self._known or len(word) < TYPO_MIN_LENGTH or not word.isalpha():
            return word
        edits = 2 if len(word) >= TYPO_TWO_EDITS_FROM else 1
        found = _closest(word, self._targets, edits)
        # A word as close to an everyday word ("twinged" to "twinge") is a form of that word, not a typo.
        if found is None or _closest(word, self._everyday, 1) is not None:
            return word
        return found


def _mark_clauses(text: str) -> str:
    """The text with CLAUSE_WORD wherever a clause ends: at punctuation, or a dash with a space either side."""
    # Each pattern runs only when a character it needs is there: a substring search per character
    # is far cheaper than the regex's scan of a long message.
    if any(dash in text for dash in _DASHES):
        return _CLAUSE_MARKS.sub(CLAUSE_WORD, text)
    if any(mark in text for mark in _MARK_CHARS):
        return _CLAUSE_MARKS_NO_DASH.sub(CLAUSE_WORD, text)
    return text


def _has_digit(text: str) -> bool:
    """Any decimal digit; for ASCII text ten substring searches, far cheaper than a regex scan."""
    return any(digit in text for digit in "0123456789") if text.isascii() else _DIGIT.search(text) is not None


def _closest(word: str, words: list[str], edits: int) -> str | None:
    """The word of a list (same first letter) at most `edits` edits away, if any."""
    candidates = [w for w in words if w[0] == word[0] and abs(len(w) - len(word)) <= edits]
    found = process.extractOne(word, candidates, scorer=Levenshtein.distance, score_cutoff=edits)
    return found[0] if found else None


def _rewriter(rewrites: dict[str, str]) -> Callable[[list[str]], list[str]]:
    """A function replacing each everyday phrase (whole words, longest first) in a list of words with its plain form."""
    if not rewrites:
        return lambda words: words
    table = {clean(k): clean(v) for k, v in rewrites.items()}
    # The phrases fold like synonyms (a walk over the words, one lookup each), where one regex
    # alternation of every phrase costs several times more.
    plain_forms: dict[str, list[str]] = defaultdict(list)
    for phrase, plain in table.items():
        plain_forms[plain].append(phrase)
    return Synonyms(plain_forms).fold_words


def load_safety(bag: Problems, path: Path) -> SafetyRules | None:
    """Read intents/_safety.yaml through its schema, reporting every problem with its line; None when unusable."""
    if not path.exists():
        bag.error(path, 0, "file is missing: it holds the safety rules (red flags, crisis, emergencies)")
        return None
    record = read_file(bag, path, SAFETY)
    if record is None:
        return None
    named = record.get("concepts")
    concepts = _concepts(bag, path, named) if named is not None else {}
    known = set(named.data) if named is not None else set()  # a broken concept is still a name rules may use
    window, veto_reach = record.get("window", 0), record.get("veto_reach", 0)
    rules = tuple(
        rule
        for name, body in record.get("rules", {}).items()
        if (rule := _rule(bag, path, name, body, known, window, veto_reach)) is not None
    )
    if not record.ok:  # a required key missing or wrong has been reported
        return None
    return SafetyRules(
        concepts,
        rules,
        record["negations"],
        record["negation_reach"],
        record.get("not_negations", ()),
        record.get("clause_breaks", ()),
        dict(record.get("rewrites", {})),
        str(path),
        record.get("everyday_words", ()),
    )


def check_examples(bag: Problems, path: Path, screener: Screener) -> None:
    """Each rule must fire on every one of its `fires` examples and on none of its `stays_quiet` ones."""
    for rule in screener.rules.rules:
        for text, line in rule.fires:
            if not screener.fires(rule, text):
                bag.error(path, line, f"rule '{rule.name}' does not fire on its own example {text!r}")
        for text, line in rule.stays_quiet:
            if screener.fires(rule, text):
                bag.error(path, line, f"rule '{rule.name}' fires on {text!r}, listed under stays_quiet")


def _concepts(bag: Problems, path: Path, named: Record) -> dict[str, tuple[str, ...]]:
    """Each concept's words and phrases; one with nothing the cleaning keeps can never match."""
    concepts = {}
    for name, terms in named.items():
        kept = []
        for term, line in terms:
            if clean(term):
                kept.append(term)
            else:
                bag.error(path, line, f"concept '{name}': '{term}' has no letters or digits to match")
        concepts[str(name)] = tuple(kept)
    return concepts


def _rule(
    bag: Problems, path: Path, name: str, body: Record, concepts: set[str], window: int, veto_reach: int
) -> Rule | None:
    """One rule from its checked mapping: its tier fits its kind, its groups name concepts."""
    before = len(bag.errors)
    kind, tier = body.get("kind"), body.get("tier")
    if kind == RED_FLAGS and "tier" not in body.data:
        bag.error(path, body.line_of("kind"), f"rule '{name}': a red_flags rule needs a tier: {', '.join(TIERS)}")
    elif kind not in (None, RED_FLAGS) and "tier" in body.data:
        bag.error(path, body.line_of("tier"), f"rule '{name}': only red_flags rules have a tier")
    groups = _groups(bag, path, name, body, "all", concepts)
    unless = tuple(c for g in _groups(bag, path, name, body, "unless", concepts) for c in g)
    rule_window = body.get("window", window)
    if not body.ok or len(bag.errors) > before:
        return None
    return Rule(
        name,
        str(kind),
        tier,
        groups,
        unless,
        rule_window,
        body.get("unless_window", rule_window * veto_reach),
        body["fires"],
        body["stays_quiet"],
        body.line,
    )


def _groups(
    bag: Problems, path: Path, name: str, body: Record, key: str, concepts: set[str]
) -> tuple[tuple[str, ...], ...]:
    """`all:` or `unless:`: a list whose items are concept names or lists of concept names (any of)."""
    if key not in body:
        return ()
    value, line = body[key], body.line_of(key)
    if not isinstance(value, list) or not value:
        bag.error(path, line, f"rule '{name}': '{key}' must list concepts, e.g. {key}: [altered_feeling, saddle_area]")
        return ()
    groups = []
    for index, item in enumerate(value):
        where = value.line_of(index) if isinstance(value, LineList) else line
        names = item if isinstance(item, list) else [item]
        if not names:
            bag.error(path, where, f"rule '{name}': '{key}' item {index + 1} is an empty group")
            continue
        unknown = [str(n) for n in names if not isinstance(n, str) or n not in concepts]
        if unknown:
            bag.error(
                path,
                where,
                f"rule '{name}': unknown concept {unknown[0]!r} in '{key}' (name a concept from concepts:, not a word)",
            )
            continue
        groups.append(tuple(names))
    return tuple(groups)
