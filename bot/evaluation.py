"""Measure the bot on a labelled file: accuracy, null rejection, and recall and false alarms of each safety kind."""

from __future__ import annotations

import dataclasses
import difflib
import random
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from bot.content import URGENT_INTENT, Content
from bot.engine import Engine
from bot.safety import CRISIS, EMERGENCY
from bot.yamlsource import ContentError, ContentInvalid, LineDict, LineList, load_yaml

NONE = "(none)"
SAFETY_LABELS = (URGENT_INTENT, CRISIS, EMERGENCY)  # a miss of any of these fails the evaluation


@dataclass(frozen=True)
class Labelled:
    """One labelled message: the acceptable intents, or none for 'must not answer'."""

    text: str
    expected: tuple[str, ...]
    chat: str
    line: int
    tier: str | None = None  # for red flags: the urgency the file expects (now, today, soon)
    both: bool = False  # a two-part message: every expected intent should be answered


@dataclass(frozen=True)
class Outcome:
    """What the bot decided for one labelled message."""

    item: Labelled
    predicted: str | None
    score: float
    ambiguous: bool
    urgent: bool = False  # the safety layer answered with urgent care
    tier: str | None = None
    also: tuple[str, ...] = ()  # further intents a two-part reply answered

    @property
    def answered(self) -> set[str]:
        """Every intent the reply answers."""
        return {i for i in (self.predicted, *self.also) if i}

    @property
    def correct(self) -> bool:
        """A null must stay unanswered; otherwise any acceptable intent counts."""
        return self.predicted is None if not self.item.expected else self.predicted in self.item.expected

    @property
    def gold(self) -> str:
        """The label this outcome is credited to in the per-intent table."""
        if self.correct and self.predicted:
            return self.predicted
        return self.item.expected[0] if self.item.expected else NONE


@dataclass
class Report:
    """The figures of one evaluation run."""

    outcomes: list[Outcome] = field(default_factory=list)

    def _rate(self, selected: list[Outcome]) -> tuple[int, int]:
        return sum(o.correct for o in selected), len(selected)

    @property
    def in_scope(self) -> tuple[int, int]:
        """Correct answers among messages that should be answered."""
        return self._rate([o for o in self.outcomes if o.item.expected])

    @property
    def nulls(self) -> tuple[int, int]:
        """Messages that must not be answered and were not."""
        return self._rate([o for o in self.outcomes if not o.item.expected])

    @property
    def red_flags(self) -> tuple[int, int]:
        """Red-flag messages routed to the urgent answer."""
        return self.recall(URGENT_INTENT)

    def recall(self, label: str) -> tuple[int, int]:
        """Messages labelled with a safety kind that got that kind's answer (or another the file accepts)."""
        selected = [o for o in self.outcomes if label in o.item.expected]
        return sum(o.correct for o in selected), len(selected)

    def false_alarms(self, label: str) -> tuple[int, int]:
        """Messages not labelled with a safety kind that got its urgent answer anyway."""
        selected = [o for o in self.outcomes if label not in o.item.expected]
        return sum(o.urgent and o.predicted == label for o in selected), len(selected)

    @property
    def tiers(self) -> tuple[int, int]:
        """Red flags caught with the tier the file expects (only where it names one)."""
        selected = [o for o in self.outcomes if o.item.tier and o.predicted == URGENT_INTENT and o.urgent]
        return sum(o.tier == o.item.tier for o in selected), len(selected)

    @property
    def safety_missed(self) -> bool:
        """True when any crisis, emergency or red flag in the file went unanswered as such."""
        return any(hit < total for hit, total in map(self.recall, SAFETY_LABELS))

    @property
    def both_answered(self) -> tuple[int, int]:
        """Two-part messages (both: true) whose reply answered every expected intent."""
        selected = [o for o in self.outcomes if o.item.both]
        return sum(set(o.item.expected) <= o.answered for o in selected), len(selected)

    @property
    def false_second(self) -> tuple[int, int]:
        """Single-part messages (one intent or none expected) that grew a second answer."""
        selected = [o for o in self.outcomes if not o.item.both and len(o.item.expected) <= 1]
        return sum(bool(o.also) for o in selected), len(selected)

    def per_intent(self) -> list[tuple[str, int, int, int]]:
        """(intent, true positives, predicted count, gold count) for every label seen."""
        gold = Counter(o.gold for o in self.outcomes)
        predicted = Counter(o.predicted or NONE for o in self.outcomes)
        hits = Counter(o.gold for o in self.outcomes if o.correct)
        return [(label, hits[label], predicted[label], gold[label]) for label in sorted(set(gold) | set(predicted))]

    def confused(self, limit: int = 8) -> list[tuple[tuple[str, str], int]]:
        """The most frequent (expected, predicted) mistakes."""
        return Counter((o.gold, o.predicted or NONE) for o in self.outcomes if not o.correct).most_common(limit)


def load_labelled(path: Path, known: Collection[str] | None = None) -> list[Labelled]:
    """Read a labelled file like ../shared/eval/dev.yaml; raise every bad entry at once.

    With `known`, every label must be one of them (or null): a typo would otherwise quietly drop
    its messages from a figure, such as the red-flag gate's.
    """
    data = load_yaml(path)
    shown = str(path)
    if not isinstance(data, list) or not data:
        raise ContentInvalid([ContentError(shown, 1, "expected a non-empty list of {text, intent, chat} entries")])
    items, errors = [], []
    for index, entry in enumerate(data):
        if not isinstance(entry, LineDict) or not isinstance(entry.get("text"), str):
            line = data.line_of(index) if isinstance(data, LineList) else 1
            errors.append(ContentError(shown, line, "entry needs a 'text'"))
            continue
        intent = entry.get("intent")
        expected = tuple(intent) if isinstance(intent, list) else (() if intent is None else (intent,))
        problem = label_problem(expected, isinstance(intent, list), known)
        if problem:
            errors.append(ContentError(shown, entry.line_of("intent"), problem))
            continue
        chat = str(entry.get("chat") or "private")
        if chat not in ("private", "group"):
            errors.append(ContentError(shown, entry.line_of("chat"), f"chat must be private or group, not {chat!r}"))
            continue
        tier = entry.get("tier")
        items.append(
            Labelled(
                entry["text"],
                tuple(map(str, expected)),
                chat,
                entry.line,
                str(tier) if tier else None,
                both=entry.get("both") is True,
            )
        )
    if errors:
        raise ContentInvalid(errors)
    return items


def known_labels(engine: Engine) -> frozenset[str]:
    """Every label an evaluation file may use: the content's intent ids and the safety kinds."""
    return engine.intent_ids() | frozenset({CRISIS, EMERGENCY})


def label_problem(labels: tuple[object, ...], is_list: bool, known: Collection[str] | None) -> str | None:
    """What is wrong with an entry's labels, if anything: each a known name, a list never empty."""
    if is_list and not labels:
        return "intent: an empty list; write null for a message the bot must leave alone"
    for label in labels:
        if not isinstance(label, str):
            return f"intent: {label!r} is not a name; write an intent id, a list of them, or null"
        if known is not None and label not in known:
            close = difflib.get_close_matches(label, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"intent: unknown label {label!r}{hint} (an intent id, {CRISIS} or {EMERGENCY}, or null)"
    return None


def evaluate(engine: Engine, items: list[Labelled]) -> Report:
    """Run every labelled message through the engine as the bot would see it."""
    report = Report()
    for item in items:
        match = engine.decide(item.text, item.chat)
        tier = match.alert.tier if match.alert else None
        also = engine.answer_parts(match)[1:]
        report.outcomes.append(
            Outcome(item, match.intent_id, match.score, match.ambiguous, match.urgent, tier, also=also)
        )
    return report


# Folds are drawn with this seed so the same content always splits the same way.
CV_SEED = 9


def folds_of(examples: tuple[str, ...], k: int) -> list[int]:
    """Each example's fold (0..k-1): a fixed shuffle, then dealt round so every fold gets its share."""
    order = list(range(len(examples)))
    random.Random(f"{CV_SEED}:{len(examples)}").shuffle(order)
    fold = [0] * len(examples)
    for position, index in enumerate(order):
        fold[index] = position % k
    return fold


def cross_validate(engine: Engine, k: int) -> Report:
    """K-fold cross-validation over the content's own examples, the whole pipeline rebuilt per fold.

    Every intent's examples (and the off-topic ones, held out as 'must not answer') are split
    into k folds; each fold is scored by an engine built from the content without it.
    """
    if k < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    content = engine.content
    folds = {intent_id: folds_of(intent.examples, k) for intent_id, intent in content.intents.items()}
    off_folds = folds_of(content.off_topic, k)
    report = Report()
    for held in range(k):
        reduced = _without_fold(content, folds, off_folds, held)
        trained = dataclasses.replace(engine, content=reduced)
        items = [
            Labelled(text, (intent.id,), "private", intent.line)
            for intent in content.intents.values()
            for text, fold in zip(intent.examples, folds[intent.id], strict=True)
            if fold == held
        ]
        items += [
            Labelled(text, (), "private", 0)
            for text, fold in zip(content.off_topic, off_folds, strict=True)
            if fold == held
        ]
        report.outcomes.extend(evaluate(trained, items).outcomes)
    return report


def _without_fold(content: Content, folds: dict[str, list[int]], off_folds: list[int], held: int) -> Content:
    """The content with one fold's examples removed (an intent keeps at least one example)."""
    intents = {}
    for intent_id, intent in content.intents.items():
        kept = (
            tuple(e for e, f in zip(intent.examples, folds[intent_id], strict=True) if f != held) or intent.examples[:1]
        )
        intents[intent_id] = dataclasses.replace(intent, examples=kept)
    off_topic = tuple(e for e, f in zip(content.off_topic, off_folds, strict=True) if f != held)
    return dataclasses.replace(content, intents=intents, off_topic=off_topic)


def _pct(pair: tuple[int, int]) -> str:
    hit, total = pair
    return f"{hit:>4}/{total:<4} {100 * hit / total if total else 100:5.1f}%"


def format_report(report: Report, verbose: bool = False) -> str:
    """The evaluation as a terminal table."""
    lines = [
        f"messages            {len(report.outcomes)}",
        f"in-scope accuracy   {_pct(report.in_scope)}   (target >= 95%)",
        f"nulls rejected      {_pct(report.nulls)}   (target >= 98%)",
        *(
            f"{name + ' recall':<20}{_pct(report.recall(label))}   (target 100%)   "
            f"false alarms {_pct(report.false_alarms(label))}"
            for name, label in (("red-flag", URGENT_INTENT), ("crisis", CRISIS), ("emergency", EMERGENCY))
        ),
        f"red-flag tier right {_pct(report.tiers)}",
        f"asked 'did you mean' {sum(o.ambiguous for o in report.outcomes)} times",
        *(
            [f"two-part, both      {_pct(report.both_answered)}   (labelled both: true)"]
            if report.both_answered[1]
            else []
        ),
        f"false second answer {_pct(report.false_second)}   (single-part messages given two)",
        "",
        f"{'intent':<20}{'precision':>10}{'recall':>8}{'n':>5}",
    ]
    for label, hits, predicted, gold in report.per_intent():
        precision = f"{100 * hits / predicted:.0f}%" if predicted else "-"
        recall = f"{100 * hits / gold:.0f}%" if gold else "-"
        lines.append(f"{label:<20}{precision:>10}{recall:>8}{gold:>5}")
    if report.confused():
        lines += ["", "most confused (expected -> got):"]
        lines += [f"  {a} -> {b}: {n}" for (a, b), n in report.confused()]
    if verbose:
        lines += ["", "misses:"]
        lines += [
            f"  line {o.item.line}: {o.item.text[:70]!r} expected {'/'.join(o.item.expected) or NONE}, "
            f"got {o.predicted or NONE} ({o.score:.0f})"
            for o in report.outcomes
            if not o.correct
        ]
    return "\n".join(lines)
