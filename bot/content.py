"""The bot's content: intents, answers, synonyms and matching rules, loaded from YAML and checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.htmlcheck import html_problem_lines
from bot.imagecheck import photo_problems
from bot.normalise import Synonyms, clean, normalise
from bot.safety import CRISIS, EMERGENCY, SAFETY_FILE, Screener, check_examples, load_safety
from bot.selfcheck_content import load_selfcheck
from bot.tips import load_tips
from bot.yamlsource import (
    FAILED,
    ContentError,
    ContentInvalid,
    LineDict,
    LineList,
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
# Snippets the answers and the bot's own wording need: menu_* describe the command menu (bot/app.py
# COMMANDS), settings_* and auto_* are /settings (bot/automode.py), terminal_* are `painbot chat`.
REQUIRED_SNIPPETS = frozenset(
    {"contact", "disclaimer", "safety_net", "none_apply", "crisis_rest", "more_on_this", "or_prefix", "more_prefix"}
    | {f"menu_{c}" for c in ("start", "help", "topics", "check", "urgent", "privacy", "settings", "tips", "tip")}
    | {"settings_private", "settings_not_admin", "settings_toggle_not_admin", "settings_saved"}
    | {"auto_on", "auto_off", "auto_turn_on", "auto_turn_off", "private_only", "no_tips"}
    | {"selfcheck_unavailable", "selfcheck_timed_out", "terminal_check_hint", "terminal_goodbye"}
)
OFF_TOPIC = "_off_topic"  # the pseudo-intent of messages that are not for the bot
TELEGRAM_LIMIT = 4096
LONG_ANSWER = 900  # warn above this: answers should stay chat-sized
URGENT_SCREEN = 1400  # the list of urgent signs must be complete more than short: one screen, not a bubble
TITLE_LIMIT = 28
NEAR_DUPLICATE = 95  # rapidfuzz ratio at which two intents' examples count as the same phrasing

INTENT_KEYS = {"id", "response", "examples", "keywords", "related"}
MOVED_KEYS = {"triggers"}  # keys of older content that now live elsewhere: reported with a pointer instead
RESPONSE_KEYS = {"id", "title", "text", "short", "image", "image_alt"}
MATCHING_KEYS = {
    "threshold",
    "threshold_off_domain",
    "group_threshold",
    "group_threshold_off_domain",
    "margin",
    "min_known_share",
    "keyword_bonus",
    "max_chars",
    "stopwords",
    "domain_terms",
    "offtopic_terms",
    "address_terms",
    "social_intents",
    "max_related",
    "guess_floor",
    "clause_breaks",
    "question_openers",
    "clause_min_words",
}
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


@dataclass(frozen=True)
class MatchingRules:
    """The tunable numbers and word lists of the matcher (intents/_matching.yaml)."""

    threshold: float = 60.0
    threshold_off_domain: float = 0.0
    group_threshold: float = 75.0
    group_threshold_off_domain: float = 85.0
    margin: float = 4.0
    keyword_bonus: float = 10.0
    guess_floor: float = 15.0
    min_known_share: float = 0.5
    max_chars: int = 600
    max_related: int = 3
    stopwords: frozenset[str] = frozenset()
    domain_terms: frozenset[str] = frozenset()
    offtopic_terms: frozenset[str] = frozenset()
    address_terms: frozenset[str] = frozenset({"bot", "painbot"})
    social_intents: frozenset[str] = frozenset({"greeting", "thanks", "help"})
    clause_breaks: frozenset[str] = frozenset()  # none: two-part answers are off
    question_openers: frozenset[str] = frozenset()
    clause_min_words: int = 2


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
    extras: dict[str, Any] = field(default_factory=dict)
    off_topic: tuple[str, ...] = ()  # messages that are not for the bot, from intents/_off_topic.yaml
    safety: Screener | None = None  # the safety rules of intents/_safety.yaml, ready to screen messages
    off_topic_lines: tuple[int, ...] = ()  # the line of each off-topic example


def load_content(root: Path, extra_loaders: tuple[Callable[..., Any], ...] = (load_selfcheck, load_tips)) -> Content:
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
    intents = _load_all(bag, intents_dir, _parse_intent, "intent")
    responses = _load_all(bag, responses_dir, _parse_response, "response")
    _cross_check(bag, intents, responses)
    _check_contact(bag, intents, responses, rules)
    safety = _load_safety(bag, intents_dir / SAFETY_FILE, synonyms, intents, off_topic, rules)
    extras = {loader.__name__: loader(root, bag) for loader in extra_loaders}
    if bag.errors:
        raise ContentInvalid(bag.errors)
    return Content(
        root,
        intents,
        responses,
        snippets or {},
        synonyms,
        rules,
        tuple(sorted(bag.warnings)),
        extras,
        off_topic,
        safety,
        off_topic_lines,
    )


def _load_safety(
    bag: Problems,
    path: Path,
    synonyms: Synonyms,
    intents: dict[str, Intent],
    off_topic: tuple[str, ...],
    rules: MatchingRules,
) -> Screener | None:
    """Read the safety rules and run each rule's own examples; every word the content uses is 'known'."""
    safety_rules = load_safety(bag, path)
    if safety_rules is None:
        return None
    texts = [t for i in intents.values() for t in (*i.examples, *i.keywords)] + list(off_topic)
    known = {w for text in texts for w in clean(text).split()} | set(rules.stopwords)
    screener = Screener(safety_rules, synonyms, known)
    if not any(bag.unreadable(path.parent / name) for name in ("_synonyms", "_matching")):
        check_examples(bag, path, screener)  # without the words they fold, the rules' examples prove nothing
    return screener


def _files(folder: Path) -> list[Path]:
    """List content files in a stable order, skipping the special _ files."""
    return sorted(p for p in folder.glob("*.y*ml") if not p.name.startswith("_"))


def _load_all(bag: Problems, folder: Path, parse: Callable[..., Any], kind: str) -> dict[str, Any]:
    """Parse every file of one kind, reporting ids defined twice."""
    items: dict[str, Any] = {}
    for path in _files(folder):
        data = bag.load_mapping(path, f"a {kind} (a mapping with id: ...)")
        if data is None:
            continue
        item = parse(bag, path, data)
        if item is None:
            continue
        if item.id in items:
            bag.error(path, data.line_of("id"), f"duplicate {kind} id '{item.id}' (also in {items[item.id].source})")
            continue
        items[item.id] = item
    return items


def _check_keys(bag: Problems, path: Path, data: LineDict, allowed: set[str], required: set[str]) -> bool:
    """Report unknown and missing keys; True when the required ones are all there."""
    for key in data:
        if key not in allowed and key not in MOVED_KEYS:
            bag.error(path, data.line_of(key), f"unknown key '{key}' (expected one of: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(data))
    for key in missing:
        bag.error(path, data.line, f"missing key '{key}'")
    return not missing


def _text(bag: Problems, path: Path, data: LineDict, key: str, optional: bool = False) -> str | None:
    """Read a non-empty string value."""
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        bag.error(path, data.line_of(key), f"'{key}' must be non-empty text")
        return None
    return value.strip()


def _strings(bag: Problems, path: Path, data: LineDict, key: str) -> tuple[str, ...]:
    """Read a list of non-empty strings, naming the line of any bad item."""
    return tuple(text for text, _ in _lined_strings(bag, path, data, key))


def _lined_strings(bag: Problems, path: Path, data: LineDict, key: str) -> list[tuple[str, int]]:
    """Read a list of non-empty strings with the line of each, naming the line of any bad item."""
    value = data.get(key, [])
    noun = "example" if key == "examples" else "item"
    if isinstance(value, str) and value.lstrip().startswith("-"):
        line = data.line_of(key) + 1
        bag.error(path, line, f"put a space after '-' on line {line}: each {noun} starts with '- ' at the same indent")
        return []
    if not isinstance(value, list):
        bag.error(path, data.line_of(key), f"'{key}' must be a list")
        return []
    out = []
    for index, item in enumerate(value):
        line = value.line_of(index) if isinstance(value, LineList) else data.line_of(key)
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if isinstance(item, dict) and len(item) == 1:
            bag.error(path, line, f"put the {noun} in quotes: the ': ' in '{_rejoined(item)}' reads as 'name: value'")
            continue
        if not isinstance(item, str) or not item.strip():
            bag.error(path, line, f"'{key}' item {index + 1} must be non-empty text")
            continue
        out.append((item.strip(), line))
    return out


def _rejoined(item: dict[Any, Any]) -> str:
    """Show a one-pair mapping the way its line was written (name: value)."""
    [(name, value)] = item.items()
    return f"{name}: {value}" if value is not None else f"{name}:"


def _parse_intent(bag: Problems, path: Path, data: LineDict) -> Intent | None:
    """Build one intent from its file."""
    if not _check_keys(bag, path, data, INTENT_KEYS, {"id", "response"}):
        return None
    intent_id, response = _text(bag, path, data, "id"), _text(bag, path, data, "response")
    if "triggers" in data:
        bag.error(
            path,
            data.line_of("triggers"),
            f"'triggers' are no longer read here: red flags are safety rules in intents/{SAFETY_FILE}",
        )
    if intent_id in RESERVED_IDS:
        bag.error(
            path, data.line_of("id"), f"the id '{intent_id}' is reserved for the safety layer's answers; choose another"
        )
    intent_id = _matching_id(bag, path, data, intent_id)
    examples = _lined_strings(bag, path, data, "examples")
    if not examples and intent_id != URGENT_INTENT and data.get("examples") in (None, []):
        bag.error(path, data.line_of("examples"), "an intent needs at least one example")
    related = _lined_strings(bag, path, data, "related")
    if intent_id is None or response is None:
        return None
    return Intent(
        intent_id,
        response,
        tuple(t for t, _ in examples),
        _strings(bag, path, data, "keywords"),
        tuple(t for t, _ in related),
        display_path(path, bag.root),
        data.line_of("id"),
        data.line_of("response"),
        tuple(n for _, n in examples),
        tuple(n for _, n in related),
    )


def _matching_id(bag: Problems, path: Path, data: LineDict, item_id: str | None) -> str | None:
    """Report an id that differs from its file's name; the file's name stands in, so nothing else follows."""
    if item_id is None or item_id == path.stem:
        return item_id
    bag.error(
        path,
        data.line_of("id"),
        f"the id '{item_id}' does not match the file name: write id: {path.stem} or rename the file",
    )
    return path.stem


def _parse_response(bag: Problems, path: Path, data: LineDict) -> Response | None:
    """Build one answer from its file, checking its HTML and size."""
    if not _check_keys(bag, path, data, RESPONSE_KEYS, {"id", "title", "text"}):
        return None
    response_id, title = _text(bag, path, data, "id"), _text(bag, path, data, "title")
    response_id = _matching_id(bag, path, data, response_id)
    text, short = _text(bag, path, data, "text"), _text(bag, path, data, "short", optional=True)
    if title and len(title) > TITLE_LIMIT:
        bag.error(path, data.line_of("title"), f"title is {len(title)} characters; buttons fit {TITLE_LIMIT}")
    for key in ("text", "short"):
        _html(bag, path, data, key)
        _placeholders(bag, path, data, key, response_id)
    image, image_alt = _image(bag, path, data)
    if response_id is None or title is None or text is None:
        return None
    return Response(
        response_id,
        title,
        text,
        short,
        display_path(path, bag.root),
        data.line_of("id"),
        image,
        image_alt,
        data.line_of("text"),
        data.line_of("short") if short is not None else 0,
    )


def _html(bag: Problems, path: Path, data: LineDict, key: str, name: str | None = None) -> None:
    """Report what Telegram would refuse in a text, at the line inside the text where possible."""
    value = data.get(key)
    if not isinstance(value, str):
        return
    for text_line, problem in html_problem_lines(value):
        bag.error(path, data.text_line(key, text_line), f"{name or key}: {problem}")


def _placeholders(bag: Problems, path: Path, data: LineDict, key: str, response_id: str | None) -> None:
    """Report each {name} in an answer that nothing fills, at the line it is written on."""
    value = data.get(key)
    if not isinstance(value, str):
        return
    for name in bag.unknown_placeholders(value):
        line = data.text_line(key, value[: value.find(f"{{{name}}}")].count("\n") + 1)
        bag.error(path, line, f"response '{response_id}': unknown placeholder {{{name}}}")


def _image(bag: Problems, path: Path, data: LineDict) -> tuple[str | None, str | None]:
    """Read an answer's optional picture: a PNG or JPEG Telegram accepts, always with alt text."""
    image, alt = _text(bag, path, data, "image", optional=True), _text(bag, path, data, "image_alt", optional=True)
    if image is None:
        if alt is not None:
            bag.error(path, data.line_of("image_alt"), "'image_alt' without an 'image'")
        return None, None
    if alt is None:
        bag.error(path, data.line_of("image"), "'image' needs 'image_alt': a sentence saying what the picture shows")
    file = (bag.root / image).resolve()
    if not file.is_relative_to(bag.root.resolve()):
        bag.error(path, data.line_of("image"), f"image '{image}' lies outside the content folder")
        return None, None
    if not file.is_file():
        bag.error(path, data.line_of("image"), f"image '{image}' does not exist (paths are relative to {bag.root})")
        return None, None
    for problem in photo_problems(file):
        bag.error(path, data.line_of("image"), f"image '{image}': {problem}")
    return image, alt


def _load_synonyms(bag: Problems, path: Path) -> Synonyms:
    """Read canonical word -> variants; a variant may belong to one word only."""
    data = bag.load_mapping(path, "a mapping: canonical word -> list of variants") if path.exists() else LineDict()
    if data is None:
        return Synonyms({})
    owner: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    for canonical in data:
        variants = _strings(bag, path, data, canonical)
        for variant in variants:
            key = clean(variant)
            if not key:
                bag.error(path, data.line_of(canonical), f"synonym '{variant}' has no letters or digits to match")
                continue
            if key in owner and owner[key] != canonical:
                bag.error(path, data.line_of(canonical), f"'{variant}' is already a synonym of '{owner[key]}'")
            owner[key] = canonical
        groups[canonical] = variants
    return Synonyms(groups)


def _load_rules(bag: Problems, path: Path) -> MatchingRules:
    """Read the matcher's numbers and word lists, with defaults for anything left out."""
    data = bag.load_mapping(path, "a mapping of matching settings") if path.exists() else LineDict()
    if data is None:
        return MatchingRules()
    _check_keys(bag, path, data, MATCHING_KEYS, set())
    default = MatchingRules()
    values: dict[str, Any] = {}
    for key in (
        "threshold",
        "threshold_off_domain",
        "group_threshold",
        "group_threshold_off_domain",
        "margin",
        "keyword_bonus",
        "guess_floor",
    ):
        value = data.get(key, getattr(default, key))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            bag.error(path, data.line_of(key), f"'{key}' must be a number from 0 to 100")
            continue
        values[key] = float(value)
    share = data.get("min_known_share", default.min_known_share)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
        bag.error(path, data.line_of("min_known_share"), "'min_known_share' must be a number from 0 to 1")
    else:
        values["min_known_share"] = float(share)
    for key in ("max_chars", "max_related", "clause_min_words"):
        value = data.get(key, getattr(default, key))
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            bag.error(path, data.line_of(key), f"'{key}' must be a whole number above 0")
            continue
        values[key] = value
    for key in (
        "stopwords",
        "domain_terms",
        "offtopic_terms",
        "address_terms",
        "social_intents",
        "clause_breaks",
        "question_openers",
    ):
        if key in data:
            values[key] = frozenset(s.casefold() for s in _strings(bag, path, data, key))
    return MatchingRules(**values)


def _load_off_topic(bag: Problems, path: Path) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Read examples of messages the bot must leave alone (optional file), with their lines."""
    if not path.exists():
        return (), ()
    data = bag.load_mapping(path, "a mapping with examples: [...]")
    if data is None:
        return (), ()
    _check_keys(bag, path, data, {"examples"}, {"examples"})
    examples = _lined_strings(bag, path, data, "examples")
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
    if not isinstance(data, LineDict):
        bag.error(path, getattr(data, "line", 1), "expected a mapping: name -> text")
        return None
    snippets = {}
    for key in data:
        value = _text(bag, path, data, key)
        if value is not None:
            _html(bag, path, data, key)
            snippets[key] = value
    for required in sorted(REQUIRED_SNIPPETS):
        if required not in data:
            bag.error(path, data.line, f"missing key '{required}'")
    bag.placeholders |= frozenset(snippets)
    for name, snippet in snippets.items():
        for unknown in bag.unknown_placeholders(snippet):
            bag.error(path, data.line_of(name), f"snippet '{name}': unknown placeholder {{{unknown}}}")
    return snippets


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
