"""The bot's content: intents, answers, synonyms and matching rules, loaded from YAML and checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.imagecheck import photo_problems
from bot.normalise import Synonyms, clean, normalise
from bot.safety import CRISIS, EMERGENCY, SAFETY_FILE, Screener, check_examples, load_safety
from bot.schema import (
    ALERT_LIMIT,
    INVALID,
    LABEL_LIMIT,
    MENU_LIMIT,
    Field,
    Moved,
    Named,
    Number,
    Record,
    Shape,
    Text,
    Texts,
    read,
    read_file,
)
from bot.selfcheck_content import SelfCheckContent, load_selfcheck
from bot.tips import TipsContent, load_tips
from bot.yamlsource import (
    FAILED,
    ContentError,
    ContentInvalid,
    Problems,
    display_path,
)

# The evaluation and the code rely on these ids; content may add more.
CORE_INTENTS = (
    "what_is_it",
    "symptoms",
    "other_diagnoses",
    "causes",
    "running_technique",
    "fixes",
    "rehab",
    "keep_running",
    "recovery_time",
    "see_someone",
    "red_flags",
    "greeting",
    "thanks",
    "help",
)
# Messages the bot itself needs besides the intents' answers.
SYSTEM_RESPONSES = (
    "fallback",
    "did_you_mean",
    "not_text",
    "group_intro",
    "privacy",
    "urgent_now",
    "urgent_today",
    "urgent_soon",
    CRISIS,
    EMERGENCY,
)
URGENT_INTENT = "red_flags"  # owned by the safety layer: its examples never take part in ordinary scoring
RESERVED_IDS = (CRISIS, EMERGENCY)  # what the safety layer answers as; no content intent may take these ids
# The commands in the bot's menu, in menu order; each is described by its menu_<command> snippet.
COMMANDS = ("start", "help", "topics", "check", "urgent", "privacy", "settings", "tips", "tip")
# Snippets the answers and the bot's own wording need: menu_* describe the command menu (COMMANDS),
# settings_* and auto_* are /settings (bot/automode_chat.py), terminal_* are `painbot chat`.
REQUIRED_SNIPPETS = frozenset(
    {"contact", "disclaimer", "safety_net", "none_apply", "crisis_rest", "more_on_this", "or_prefix", "more_prefix"}
    | {f"menu_{c}" for c in COMMANDS}
    | {"settings_private", "settings_not_admin", "settings_toggle_not_admin", "settings_saved"}
    | {"auto_on", "auto_off", "auto_turn_on", "auto_turn_off", "private_only", "no_tips"}
    | {"selfcheck_unavailable", "selfcheck_timed_out", "terminal_check_hint", "terminal_goodbye", "terminal_intro"}
    | {"admin_no_log", "admin_log_unreadable", "admin_log_failing", "admin_log_dropped", "admin_reloaded"}
    | {"admin_reload_refused", "admin_reload_more", "stats_none", "stats_period", "stats_period_empty"}
    | {"stats_top", "stats_topic", "unanswered_none", "unanswered_heading", "unanswered_group", "unanswered_example"}
)
# The {values} the bot fills into its own snippets (numbers, a problem, an asked question): only
# these snippets may use them, so a misspelt one is still reported.
SNIPPET_VALUES = {
    "admin_log_unreadable": frozenset({"problem"}),
    "admin_log_failing": frozenset({"problem"}),
    "admin_log_dropped": frozenset({"dropped"}),
    "admin_reloaded": frozenset({"intents", "responses"}),
    "admin_reload_refused": frozenset({"problems"}),
    "admin_reload_more": frozenset({"more"}),
    "stats_period": frozenset({"days", "questions", "answered", "share"}),
    "stats_period_empty": frozenset({"days"}),
    "stats_top": frozenset({"topics"}),
    "stats_topic": frozenset({"topic", "count"}),
    "unanswered_group": frozenset({"number", "count", "example"}),
    "unanswered_example": frozenset({"example"}),
}
OFF_TOPIC = "_off_topic"  # the pseudo-intent of messages that are not for the bot
TELEGRAM_LIMIT = 4096
LONG_ANSWER = 900  # warn above this: answers should stay chat-sized
URGENT_SCREEN = 1400  # the list of urgent signs must be complete more than short: one screen, not a bubble
TITLE_LIMIT = 28
NEAR_DUPLICATE = 95  # rapidfuzz ratio at which two intents' examples count as the same phrasing

# Guidance answers carry the physio's contact line: the full text {contact}, the group short form
# {contact} or the shorter {contact_short}.
CONTACT_SNIPPETS = ("{contact}", "{contact_short}")


@dataclass(frozen=True)
class Intent:
    """Something people ask, with the phrasings that identify it."""

    id: str
    response: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    path: str = ""
    line: int = 0
    response_line: int = 0  # where each reference is written, so problems point there
    example_lines: tuple[int, ...] = ()
    related_lines: tuple[int, ...] = ()

    @property
    def source(self) -> str:
        """Where the intent is defined, as path:line."""
        return f"{self.path}:{self.line}"


INTENT = Shape(
    "an intent: a mapping with id, response and examples",
    (
        Field("id", Text(), "the intent's name, the same as its file's"),
        Field("response", Text(), "the id of its answer in responses/"),
        Field("examples", Texts(noun="example", lined=True), "the ways people ask it", required=False),
        Field("keywords", Texts(), "words that give this intent a bonus", required=False),
        Field("related", Texts(lined=True), "intents offered as follow-up buttons", required=False),
        Field(
            "triggers",
            Moved(f"are no longer read here: red flags are safety rules in intents/{SAFETY_FILE}"),
            required=False,
        ),
    ),
)


@dataclass(frozen=True)
class Response:
    """An answer as written by the physio, before placeholders are filled."""

    id: str
    title: str
    text: str
    short: str | None = None
    path: str = ""
    line: int = 0
    image: str | None = None  # a picture sent with the full answer, relative to the content folder
    image_alt: str | None = None  # what the picture shows, for those who cannot see it
    text_line: int = 0  # where text and short are written, so problems with them point there
    short_line: int = 0

    @property
    def source(self) -> str:
        """Where the answer is defined, as path:line."""
        return f"{self.path}:{self.line}"


ANSWER = Text(html=True, placeholders=frozenset())  # {names}: the snippets' and the settings', no more
RESPONSE = Shape(
    "an answer: a mapping with id, title and text",
    (
        Field("id", Text(), "the answer's name, the same as its file's"),
        Field("title", Text(limit=TITLE_LIMIT), "the label of its button"),
        Field("text", ANSWER, "the full answer"),
        Field("short", ANSWER, "the short form for groups", required=False),
        Field("image", Text(), "a picture sent with the full answer", required=False),
        Field("image_alt", Text(), "what the picture shows", required=False),
    ),
)


@dataclass(frozen=True)
class MatchingRules:
    """The tunable numbers and word lists of the matcher; every value comes from intents/_matching.yaml."""

    threshold: float
    threshold_off_domain: float
    group_threshold: float
    group_threshold_off_domain: float
    margin: float
    keyword_bonus: float
    guess_floor: float
    min_known_share: float
    max_chars: int
    max_related: int
    stopwords: frozenset[str]
    domain_terms: frozenset[str]
    offtopic_terms: frozenset[str]
    address_terms: frozenset[str]
    social_intents: frozenset[str]
    clause_breaks: frozenset[str]
    question_openers: frozenset[str]
    clause_min_words: int


SCORE, WHOLE, WORDS = Number(0, 100), Number(1, whole=True), Texts(noun="word", fold=True)
# Every key is required: the numbers live in the YAML only, so a key left out is an error, not a default.
MATCHING = Shape(
    "a mapping of matching settings",
    (
        Field("threshold", SCORE, "the best score below which the bot says it is not sure"),
        Field("threshold_off_domain", SCORE, "the same, for a message that names nothing of the topic"),
        Field("group_threshold", SCORE, "the score an unaddressed group message must reach"),
        Field("group_threshold_off_domain", SCORE, "the same, for a group message off the topic"),
        Field("margin", SCORE, "how close the runner-up must be to be offered"),
        Field("keyword_bonus", SCORE, "added when one of an intent's keywords is in the message"),
        Field("guess_floor", SCORE, "the score a best guess needs to lead the fallback's buttons"),
        Field("min_known_share", Number(0, 1), "the share of known words a message without a topic word needs"),
        Field("max_chars", WHOLE, "how much of a message is read"),
        Field("max_related", WHOLE, "how many follow-up buttons an answer offers"),
        Field("stopwords", WORDS, "words that carry no meaning for matching"),
        Field("domain_terms", WORDS, "words that show a message is about the topic"),
        Field("offtopic_terms", WORDS, "words that show a message is about something else"),
        Field("address_terms", WORDS, "words that address the bot by name"),
        Field("social_intents", WORDS, "intents answered in groups only when the bot is addressed"),
        Field("clause_breaks", WORDS, "where a two-part question is cut"),
        Field("question_openers", WORDS, "words a second question opens with"),
        Field("clause_min_words", WHOLE, "the meaningful words each part of a two-part question needs"),
    ),
)
OFF_TOPIC_SHAPE = Shape(
    "a mapping with examples: [...]",
    (Field("examples", Texts(noun="example", lined=True), "messages that are not for the bot"),),
)
SYNONYMS = Named(Texts(noun="variant", lined=True), "word", "a mapping: canonical word -> list of variants")
# Snippets shown outside a message are plain text within Telegram's limits: the command menu, the
# pop-ups after a button press (callback answers) and the labels of buttons.
MENU = Text(plain=True, limit=MENU_LIMIT)
ALERT = Text(plain=True, limit=ALERT_LIMIT)
LABEL = Text(plain=True, limit=LABEL_LIMIT)
ALERTS = ("settings_toggle_not_admin", "settings_saved", "selfcheck_unavailable")
LABELS = ("none_apply", "crisis_rest", "more_on_this", "or_prefix", "more_prefix", "auto_turn_on", "auto_turn_off")
SNIPPET_KINDS = (("menu_*", MENU), *((name, ALERT) for name in ALERTS), *((name, LABEL) for name in LABELS))
SNIPPETS = Named(
    Text(html=True),
    "snippet",
    "a mapping: name -> text",
    required=tuple(sorted(REQUIRED_SNIPPETS)),
    about="the bot's own messages use it",
    special=SNIPPET_KINDS,
)


@dataclass(frozen=True)
class Content:
    """Everything loaded from one content folder, already validated."""

    root: Path
    intents: dict[str, Intent]
    responses: dict[str, Response]
    snippets: dict[str, str]
    synonyms: Synonyms
    rules: MatchingRules
    warnings: tuple[ContentError, ...] = ()
    off_topic: tuple[str, ...] = ()  # messages that are not for the bot, from intents/_off_topic.yaml
    safety: Screener | None = None  # the safety rules of intents/_safety.yaml, ready to screen messages
    off_topic_lines: tuple[int, ...] = ()  # the line of each off-topic example
    selfcheck: SelfCheckContent | None = None  # the /check wording of responses/_selfcheck.yaml
    tips: TipsContent | None = None  # the weekly tips of responses/_tips.yaml; None when the content has none


def load_content(root: Path) -> Content:
    """Load and cross-check a folder holding intents/ and responses/; raise every problem at once."""
    bag = Problems(root)
    intents_dir, responses_dir = root / "intents", root / "responses"
    for folder in (intents_dir, responses_dir):
        if not folder.is_dir():
            bag.error(folder, 0, "folder is missing")
    if bag.errors:
        raise ContentInvalid(bag.errors)
    synonyms = _load_synonyms(bag, intents_dir / "_synonyms.yaml")
    rules = _load_rules(bag, intents_dir / "_matching.yaml")
    off_topic, off_topic_lines = _load_off_topic(bag, intents_dir / "_off_topic.yaml")
    snippets = _load_snippets(bag, responses_dir / "_snippets.yaml")
    intents = _load_all(bag, intents_dir, INTENT, _parse_intent, "intent")
    responses = _load_all(bag, responses_dir, RESPONSE, _parse_response, "response")
    _cross_check(bag, intents, responses)
    if rules is not None:
        _check_contact(bag, intents, responses, rules)
    safety = _load_safety(bag, intents_dir / SAFETY_FILE, synonyms, intents, off_topic, rules)
    selfcheck, tips = load_selfcheck(root, bag), load_tips(root, bag)
    if bag.errors or rules is None:
        raise ContentInvalid(bag.errors)
    return Content(
        root,
        intents,
        responses,
        snippets or {},
        synonyms,
        rules,
        tuple(sorted(bag.warnings)),
        off_topic,
        safety,
        off_topic_lines,
        selfcheck,
        tips,
    )


def load_rules(root: Path) -> MatchingRules:
    """Read only intents/_matching.yaml, for tools that need its word lists rather than the whole content."""
    bag = Problems(root)
    rules = _load_rules(bag, root / "intents" / "_matching.yaml")
    if rules is None:
        raise ContentInvalid(bag.errors)
    return rules


def _load_safety(
    bag: Problems,
    path: Path,
    synonyms: Synonyms,
    intents: dict[str, Intent],
    off_topic: tuple[str, ...],
    rules: MatchingRules | None,
) -> Screener | None:
    """Read the safety rules and run each rule's own examples; every word the content uses is 'known'."""
    safety_rules = load_safety(bag, path)
    if safety_rules is None:
        return None
    texts = [t for i in intents.values() for t in (*i.examples, *i.keywords)] + list(off_topic)
    known = {w for text in texts for w in clean(text).split()} | set(rules.stopwords if rules else ())
    screener = Screener(safety_rules, synonyms, known)
    if rules is not None and not bag.unreadable(path.parent / "_synonyms"):
        check_examples(bag, path, screener)  # without the words they fold, the rules' examples prove nothing
    return screener


def _files(folder: Path) -> list[Path]:
    """List content files in a stable order, skipping the special _ files."""
    return sorted(p for p in folder.glob("*.y*ml") if not p.name.startswith("_"))


def _load_all(
    bag: Problems, folder: Path, shape: Shape, parse: Callable[[Problems, Path, Record], Any], kind: str
) -> dict[str, Any]:
    """Check every file of one kind against its shape and build it, reporting ids defined twice."""
    items: dict[str, Any] = {}
    for path in _files(folder):
        record = read_file(bag, path, shape)
        if record is None:
            continue
        item = parse(bag, path, record)
        if item is None:
            continue
        if item.id in items:
            bag.error(path, record.line_of("id"), f"duplicate {kind} id '{item.id}' (also in {items[item.id].source})")
            continue
        items[item.id] = item
    return items


def _parse_intent(bag: Problems, path: Path, record: Record) -> Intent | None:
    """Build one intent from its checked file."""
    intent_id = record.get("id")
    if intent_id in RESERVED_IDS:
        bag.error(
            path,
            record.line_of("id"),
            f"the id '{intent_id}' is reserved for the safety layer's answers; choose another",
        )
    intent_id = _matching_id(bag, path, record, intent_id)
    examples, related = record.get("examples", ()), record.get("related", ())
    if not examples and intent_id != URGENT_INTENT and record.data.get("examples") in (None, []):
        bag.error(path, record.line_of("examples"), "an intent needs at least one example")
    if intent_id is None or "response" not in record:
        return None
    return Intent(
        intent_id,
        record["response"],
        tuple(t for t, _ in examples),
        record.get("keywords", ()),
        tuple(t for t, _ in related),
        display_path(path, bag.root),
        record.line_of("id"),
        record.line_of("response"),
        tuple(n for _, n in examples),
        tuple(n for _, n in related),
    )


def _matching_id(bag: Problems, path: Path, record: Record, item_id: str | None) -> str | None:
    """Report an id that differs from its file's name; the file's name stands in, so nothing else follows."""
    if item_id is None or item_id == path.stem:
        return item_id
    bag.error(
        path,
        record.line_of("id"),
        f"the id '{item_id}' does not match the file name: write id: {path.stem} or rename the file",
    )
    return path.stem


def _parse_response(bag: Problems, path: Path, record: Record) -> Response | None:
    """Build one answer from its checked file: its picture usable."""
    response_id = _matching_id(bag, path, record, record.get("id"))
    image, image_alt = _image(bag, path, record)
    if response_id is None or not {"title", "text"} <= set(record):
        return None
    return Response(
        response_id,
        record["title"],
        record["text"],
        record.get("short"),
        display_path(path, bag.root),
        record.line_of("id"),
        image,
        image_alt,
        record.line_of("text"),
        record.line_of("short") if "short" in record else 0,
    )


def _image(bag: Problems, path: Path, record: Record) -> tuple[str | None, str | None]:
    """Check an answer's optional picture: a PNG or JPEG Telegram accepts, always with alt text."""
    image, alt = record.get("image"), record.get("image_alt")
    if image is None:
        if alt is not None:
            bag.error(path, record.line_of("image_alt"), "'image_alt' without an 'image'")
        return None, None
    if alt is None:
        bag.error(path, record.line_of("image"), "'image' needs 'image_alt': a sentence saying what the picture shows")
    file = (bag.root / image).resolve()
    if not file.is_relative_to(bag.root.resolve()):
        bag.error(path, record.line_of("image"), f"image '{image}' lies outside the content folder")
        return None, None
    if not file.is_file():
        bag.error(path, record.line_of("image"), f"image '{image}' does not exist (paths are relative to {bag.root})")
        return None, None
    for problem in photo_problems(file):
        bag.error(path, record.line_of("image"), f"image '{image}': {problem}")
    return image, alt


def _load_synonyms(bag: Problems, path: Path) -> Synonyms:
    """Read canonical word -> variants (optional file); a variant may belong to one word only."""
    record = read_file(bag, path, SYNONYMS) if path.exists() else None
    if record is None:
        return Synonyms({})
    owner: dict[str, str] = {}
    for canonical, variants in record.items():
        for variant, line in variants:
            key = clean(variant)
            if not key:
                bag.error(path, line, f"synonym '{variant}' has no letters or digits to match")
            elif key in owner and owner[key] != canonical:
                bag.error(path, line, f"'{variant}' is already a synonym of '{owner[key]}'")
            owner[key] = canonical
    return Synonyms({canonical: tuple(v for v, _ in variants) for canonical, variants in record.items()})


def _load_rules(bag: Problems, path: Path) -> MatchingRules | None:
    """Read the matcher's numbers and word lists: every key is required, none has a default."""
    if not path.exists():
        bag.error(path, 0, "file is missing: it holds the matcher's numbers and word lists")
        return None
    record = read_file(bag, path, MATCHING)
    if record is None or not record.ok:
        return None
    values: dict[str, Any] = {k: frozenset(v) if isinstance(v, tuple) else v for k, v in record.items()}
    return MatchingRules(**values)


def _load_off_topic(bag: Problems, path: Path) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Read examples of messages the bot must leave alone (optional file), with their lines."""
    record = read_file(bag, path, OFF_TOPIC_SHAPE) if path.exists() else None
    examples = record.get("examples", ()) if record is not None else ()
    return tuple(t for t, _ in examples), tuple(n for _, n in examples)


def _load_snippets(bag: Problems, path: Path) -> dict[str, str] | None:
    """Read the reusable lines (contact, disclaimer) that answers pull in by {name}."""
    # Until (or unless) the file reads cleanly, answers may use the required names without a
    # second report per answer: one broken snippets file is one problem.
    bag.placeholders |= REQUIRED_SNIPPETS
    if not path.exists():
        bag.error(path, 0, "file is missing: it holds the contact line and disclaimer")
        return None
    data = bag.load(path)
    if data is FAILED:
        bag.placeholders_unknown = True  # which {names} exist is unknown: none is reported
        return None
    snippets = read(bag, path, data, SNIPPETS)
    if snippets is INVALID:
        return None
    bag.placeholders |= frozenset(snippets)
    for name, snippet in snippets.items():
        for unknown in bag.unknown_placeholders(snippet, SNIPPET_VALUES.get(name, frozenset())):
            bag.error(path, snippets.line_of(name), f"snippet '{name}': unknown placeholder {{{unknown}}}")
    return dict(snippets)


def _cross_check(bag: Problems, intents: dict[str, Intent], responses: dict[str, Response]) -> None:
    """Check the links between files: responses, related topics, core ids, placeholders."""
    intents_dir, responses_dir = bag.root / "intents", bag.root / "responses"
    for intent in intents.values():
        path = intent.path
        if intent.response not in responses and not bag.unreadable(responses_dir / intent.response):
            bag.error(
                path,
                intent.response_line or intent.line,
                f"intent '{intent.id}': response '{intent.response}' does not exist in responses/",
            )
        for related, line in zip(
            intent.related, intent.related_lines or (intent.line,) * len(intent.related), strict=True
        ):
            if related not in intents and not bag.unreadable(intents_dir / related):
                bag.error(path, line, f"intent '{intent.id}': related intent '{related}' does not exist")
    for core in CORE_INTENTS:
        if core not in intents and not bag.unreadable(intents_dir / core):
            bag.error("intents", 0, f"core intent '{core}' is missing")
    for needed in SYSTEM_RESPONSES:
        if needed not in responses and not bag.unreadable(responses_dir / needed):
            bag.error("responses", 0, f"response '{needed}' is missing (the bot needs it)")
    for response in responses.values():
        path, line = response.path, response.text_line or response.line
        if len(response.text) > TELEGRAM_LIMIT - 300:
            bag.error(
                path,
                line,
                f"response '{response.id}' is {len(response.text)} characters; Telegram allows {TELEGRAM_LIMIT}",
            )
        elif len(response.text) > (URGENT_SCREEN if response.id == URGENT_INTENT else LONG_ANSWER):
            bag.warn(
                path, line, f"response '{response.id}' is {len(response.text)} characters; keep answers chat-sized"
            )


def _check_contact(
    bag: Problems, intents: dict[str, Intent], responses: dict[str, Response], rules: MatchingRules
) -> None:
    """Warn where a guidance answer, full or group short form, lacks the physio's contact line."""
    guidance = {i.response for i in intents.values() if i.id not in rules.social_intents and i.id != URGENT_INTENT}
    for response_id in sorted(guidance & set(responses)):
        response = responses[response_id]
        if bag.unknown_placeholders(response.text + (response.short or "")):
            continue  # a misspelt {contact} is already reported once, as an unknown placeholder
        if "{contact}" not in response.text:
            bag.warn(
                response.path,
                response.text_line or response.line,
                f"response '{response_id}': a guidance answer needs {{contact}}",
            )
        if response.short is not None and not any(s in response.short for s in CONTACT_SNIPPETS):
            bag.warn(
                response.path,
                response.short_line or response.line,
                f"response '{response_id}': its short form needs {{contact_short}} or {{contact}}",
            )


def near_duplicates(content: Content) -> list[ContentError]:
    """Warn where two intents carry practically the same example, which makes matching a coin toss."""
    off_topic = Intent(
        OFF_TOPIC, "", content.off_topic, path="intents/_off_topic.yaml", line=1, example_lines=content.off_topic_lines
    )
    rows = [
        (normalise(example, content.synonyms, content.rules.max_chars), intent, example, line)
        for intent in (*content.intents.values(), off_topic)
        for example, line in zip(
            intent.examples, intent.example_lines or (intent.line,) * len(intent.examples), strict=True
        )
    ]
    texts = [row[0] for row in rows]
    warnings = []
    for i, (text, intent, example, line) in enumerate(rows):
        for _, _, j in process.extract(text, texts, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE, limit=None):
            _, other, other_example, other_line = rows[j]
            if i < j and other.id != intent.id:
                warnings.append(
                    ContentError(
                        intent.path,
                        line,
                        f"warning: example '{example}' is nearly the "
                        f"same as '{other_example}' in intent '{other.id}' "
                        f"({other.path}:{other_line})",
                    )
                )
    return sorted(warnings)
