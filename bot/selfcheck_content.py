"""The self-check's content: its typed model and the loader of responses/_selfcheck.yaml.

bot.content loads it with the rest of the content; the question flow (bot/selfcheck.py) and its two
front ends (bot/selfcheck_chat.py for Telegram, bot/selfcheck_terminal.py for `painbot chat`) use it.
It imports nothing above the YAML layer, so the content layer never reaches the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.htmlcheck import html_problem_lines
from bot.safety import TIERS
from bot.yamlsource import LineDict, LineList, Problems

FILE = Path("responses") / "_selfcheck.yaml"
EXTRA_KEY = "load_selfcheck"  # where load_content keeps the result: content.extras[EXTRA_KEY]
KINDS = ("red_flag", "sign", "lookalike")  # also the order the questions must come in
MAX_QUESTIONS = 20  # the Telegram conversation has one state per question
LABEL_LIMIT = 32  # button labels: short, plain text
TOAST_LIMIT = 200  # Telegram's limit for a callback answer's text

TOP_KEYS = ("intro", "progress", "sections", "buttons", "questions", "summary", "notes")
BUTTON_KEYS = ("yes", "no", "unsure", "back", "cancel", "restart", "carry_on", "open_private")
QUESTION_KEYS = ("id", "kind", "tier", "text", "summary")
SUMMARY_KEYS = (
    "heading",
    "signs_some",
    "signs_none",
    "signs_unsure",
    "lookalikes",
    "lookalikes_note",
    "others",
    "closing",
)
NOTE_KEYS = ("cancelled", "timed_out", "already_running", "group_redirect", "stale", "ended")
TOAST_NOTES = frozenset({"stale", "ended"})  # shown as a pop-up, so plain text and short
# Placeholders each piece may use besides the snippets ({contact}, {disclaimer}, ...) and {emergency_number}.
EXTRA_PLACEHOLDERS = {
    "progress": frozenset({"number", "total"}),
    "summary.signs_some": frozenset({"matched", "total"}),
    "summary.signs_none": frozenset({"total"}),
}
REQUIRED_PLACEHOLDERS = {"summary.closing": ("contact", "disclaimer")}


@dataclass(frozen=True)
class Question:
    """One question of the check."""

    id: str
    kind: str  # red_flag | sign | lookalike
    text: str
    summary: str | None = None  # how a sign or lookalike is named in the summary
    line: int = 0
    tier: str | None = None  # a red flag's urgency (now, today, soon), as in intents/_safety.yaml


@dataclass(frozen=True)
class SelfCheckContent:
    """The wording of the self-check, validated."""

    intro: str
    progress: str
    sections: dict[str, str]
    buttons: dict[str, str]
    questions: tuple[Question, ...]
    summary: dict[str, str]
    notes: dict[str, str]
    source: str = str(FILE)

    def of_kind(self, kind: str) -> tuple[Question, ...]:
        """The questions of one kind, in order."""
        return tuple(q for q in self.questions if q.kind == kind)


class _Checker:
    """Reports problems of one file through the content loader's bag, counting them."""

    def __init__(self, bag: Problems, path: Path) -> None:
        self.bag, self.path, self.count = bag, path, 0

    def error(self, line: int, message: str) -> None:
        self.count += 1
        self.bag.error(self.path, line, message)

    def keys(
        self, data: LineDict, allowed: tuple[str, ...], where: str, required: tuple[str, ...] | None = None
    ) -> None:
        """Report unknown and missing keys of one mapping."""
        for key in data:
            if key not in allowed:
                self.error(data.line_of(key), f"{where}unknown key '{key}' (expected one of: {', '.join(allowed)})")
        for key in allowed if required is None else required:
            if key not in data:
                self.error(data.line, f"{where}missing key '{key}'")

    def mapping(self, data: LineDict, key: str) -> LineDict | None:
        value = data.get(key)
        if key in data and not isinstance(value, LineDict):
            self.error(data.line_of(key), f"'{key}' must be a mapping of name: text")
            return None
        return value

    def text(self, data: LineDict, key: str, name: str, plain: bool = False, limit: int = 0) -> str | None:
        """A non-empty text with allowed HTML (or none) and only known placeholders."""
        if key not in data:
            return None  # reported as a missing key
        value, line = data[key], data.line_of(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(line, f"'{name}' must be non-empty text")
            return None
        raw, value = value, value.strip()
        if plain and "<" in value:
            self.error(line, f"'{name}' is shown as plain text: no HTML tags")
        elif not plain:
            for text_line, problem in html_problem_lines(raw):
                self.error(data.text_line(key, text_line), f"{name}: {problem}")
        if limit and len(value) > limit:
            self.error(line, f"'{name}' is {len(value)} characters; keep it to {limit}")
        for placeholder in self.bag.unknown_placeholders(value, EXTRA_PLACEHOLDERS.get(name, frozenset())):
            before = raw[: raw.find(f"{{{placeholder}}}")]
            self.error(data.text_line(key, before.count("\n") + 1), f"{name}: unknown placeholder {{{placeholder}}}")
        for needed in REQUIRED_PLACEHOLDERS.get(name, ()):
            if "{" + needed + "}" not in value:
                self.error(line, f"'{name}' must include {{{needed}}}")
        return value

    def texts(self, data: LineDict | None, keys: tuple[str, ...], prefix: str, **kwargs: Any) -> dict[str, str]:
        """A fixed set of named texts, e.g. the notes or the button labels."""
        if data is None:
            return {}
        self.keys(data, keys, f"{prefix}: ")
        out = {}
        for key in keys:
            options = dict(kwargs)
            if prefix == "notes" and key in TOAST_NOTES:
                options.update(plain=True, limit=TOAST_LIMIT)
            value = self.text(data, key, f"{prefix}.{key}", **options)
            if value is not None:
                out[key] = value
        return out


def load_selfcheck(root: Path, bag: Problems) -> SelfCheckContent | None:
    """Read and check responses/_selfcheck.yaml; every problem goes to bag.error(path, line, message).

    Used as an extra loader: load_content(root, extra_loaders=(load_selfcheck,)) keeps the result in
    content.extras["load_selfcheck"].  Returns None when the file has problems.
    """
    path = root / FILE
    if not path.exists():
        bag.error(path, 0, "file is missing: it holds the self-check (/check) questions and wording")
        return None
    data = bag.load_mapping(path, "a mapping with intro, questions, buttons, summary and notes")
    if data is None:
        return None
    check = _Checker(bag, path)
    check.keys(data, TOP_KEYS, "")
    intro = check.text(data, "intro", "intro")
    progress = check.text(data, "progress", "progress")
    sections = check.texts(check.mapping(data, "sections"), KINDS, "sections")
    buttons = check.texts(check.mapping(data, "buttons"), BUTTON_KEYS, "buttons", plain=True, limit=LABEL_LIMIT)
    summary = check.texts(check.mapping(data, "summary"), SUMMARY_KEYS, "summary")
    notes = check.texts(check.mapping(data, "notes"), NOTE_KEYS, "notes")
    questions = _questions(check, data)
    if check.count or intro is None or progress is None:
        return None
    return SelfCheckContent(intro, progress, sections, buttons, questions, summary, notes, str(FILE))


def _questions(check: _Checker, data: LineDict) -> tuple[Question, ...]:
    """Read the question list: ids unique, kinds known and in order, at least one red flag and one sign."""
    items = data.get("questions")
    if "questions" not in data:
        return ()
    if not isinstance(items, LineList) or not items:
        check.error(data.line_of("questions"), "'questions' must be a list of questions (id, kind, text)")
        return ()
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for index, item in enumerate(items):
        line = items.line_of(index)
        where = f"question {index + 1}: "
        if not isinstance(item, LineDict):
            check.error(line, f"{where}expected a mapping with id, kind and text")
            continue
        check.keys(item, QUESTION_KEYS, where, required=("id", "kind", "text"))
        qid = check.text(item, "id", "id", plain=True)
        if qid is not None and qid in first_line:
            check.error(item.line_of("id"), f"duplicate question id '{qid}' (first on line {first_line[qid]})")
        elif qid is not None:
            first_line[qid] = item.line_of("id")
        kind = item.get("kind")
        if "kind" in item and kind not in KINDS:
            check.error(item.line_of("kind"), f"{where}kind '{kind}' must be one of: {', '.join(KINDS)}")
            kind = None
        text = check.text(item, "text", "text")
        summary = check.text(item, "summary", "summary")
        if kind in ("sign", "lookalike") and "summary" not in item:
            check.error(item.line, f"{where}a {kind} question needs a 'summary' (how the summary names it)")
        tier = item.get("tier")
        if kind == "red_flag" and tier not in TIERS:
            check.error(
                item.line_of("tier") if "tier" in item else item.line,
                f"{where}a red_flag question needs a tier: {', '.join(TIERS)}",
            )
        elif kind in ("sign", "lookalike") and "tier" in item:
            check.error(item.line_of("tier"), f"{where}only red_flag questions have a tier")
        if kind == "red_flag" and "summary" in item:
            check.error(
                item.line_of("summary"), f"{where}a red-flag question ends the check at once, so 'summary' is not used"
            )
        if kind is not None and questions and KINDS.index(kind) < KINDS.index(questions[-1].kind):
            check.error(item.line_of("kind"), f"{where}questions must go in order: red_flag, then sign, then lookalike")
        if qid is not None and kind is not None and text is not None:
            questions.append(
                Question(qid, kind, text, summary, item.line_of("id"), tier if kind == "red_flag" else None)
            )
    line = data.line_of("questions")
    kinds = {q.kind for q in questions}
    if "red_flag" not in kinds:
        check.error(line, "the check needs at least one red_flag question (they come first)")
    if "sign" not in kinds:
        check.error(line, "the check needs at least one sign question")
    if len(items) > MAX_QUESTIONS:
        check.error(line, f"{len(items)} questions; the check allows at most {MAX_QUESTIONS}")
    return tuple(questions)
