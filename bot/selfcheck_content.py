"""The self-check's content: its typed model and the loader of responses/_selfcheck.yaml.

bot.content loads it with the rest of the content; the question flow (bot/selfcheck.py) and its two
front ends (bot/selfcheck_chat.py for Telegram, bot/selfcheck_terminal.py for `painbot chat`) use it.
It imports nothing above the YAML layer, so the content layer never reaches the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.safety import TIERS
from bot.schema import ALERT_LIMIT, LABEL_LIMIT, Choice, Field, Record, Records, Shape, Text, fixed_texts, read_file
from bot.yamlsource import Problems

FILE = Path("responses") / "_selfcheck.yaml"
KINDS = ("red_flag", "sign", "lookalike")  # also the order the questions must come in
MAX_QUESTIONS = 20  # the Telegram conversation has one state per question

TOAST_NOTES = frozenset({"stale", "ended"})  # shown as a pop-up, so plain text and short
REQUIRED_PLACEHOLDERS = {"closing": ("contact", "disclaimer")}  # in the summary


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


NONE: frozenset[str] = frozenset()  # pieces may use the snippets' {names} and {emergency_number}, no more
HTML = Text(html=True, placeholders=NONE)
LABEL = Text(plain=True, limit=LABEL_LIMIT, placeholders=NONE)  # button labels: short, plain text
TOAST = Text(plain=True, limit=ALERT_LIMIT, placeholders=NONE)  # Telegram's pop-up: plain text and short


# What each named text is for, in plain words: a missing one is reported with this.
SECTIONS = {
    "red_flag": "the heading over the safety questions",
    "sign": "the heading over the questions on the blog's signs",
    "lookalike": "the heading over the questions on other causes",
}
BUTTONS = {
    "yes": "the label of the answer 'yes'",
    "no": "the label of the answer 'no'",
    "unsure": "the label of the answer 'not sure'",
    "back": "the label that goes back one question",
    "cancel": "the label that stops the check",
    "restart": "the label that starts a running check again from the top",
    "carry_on": "the label that carries on a running check",
    "open_private": "the label in a group that opens the check in a private chat",
}
SUMMARY = {
    "heading": "the first line of the summary",
    "signs_some": "the line before the signs answered yes, with {matched} and {total}",
    "signs_none": "the line when no sign was answered yes, with {total}",
    "signs_unsure": "the line before the signs answered 'not sure'",
    "lookalikes": "the line before the other things answered yes",
    "lookalikes_note": "what the other things answered yes may point to",
    "others": "what else can cause pain that feels the same",
    "closing": "the last lines, with {contact} and {disclaimer}",
}
NOTES = {
    "cancelled": "what the bot says when the check is stopped",
    "timed_out": "what the bot says when a check was left unanswered too long",
    "already_running": "what the bot says to /check while a check is running",
    "group_redirect": "what the bot says to /check in a group, above the button to a private chat",
    "stale": "the pop-up when an old question's button is tapped",
    "ended": "the pop-up when a finished check's button is tapped",
}

QUESTION = Shape(
    "a question: a mapping with id, kind and text",
    (
        Field("id", Text(plain=True, placeholders=NONE), "the question's name"),
        Field("kind", Choice(KINDS), "red_flag, sign or lookalike"),
        Field("tier", Choice(TIERS), "a red flag's urgency", required=False),
        Field("text", HTML, "the question as asked"),
        Field("summary", HTML, "how the summary names a sign or lookalike", required=False),
    ),
)
SELFCHECK = Shape(
    "a mapping with intro, questions, buttons, summary and notes",
    (
        Field("intro", HTML, "the first message of the check"),
        Field("progress", Text(html=True, placeholders=frozenset({"number", "total"})), "the question counter"),
        Field(
            "sections", fixed_texts("a mapping of name: text", SECTIONS, HTML), "the heading of each kind of question"
        ),
        Field("buttons", fixed_texts("a mapping of name: label", BUTTONS, LABEL), "the button labels"),
        Field("questions", Records(QUESTION, "question"), "the questions, red flags first"),
        Field(
            "summary",
            fixed_texts(
                "a mapping of name: text",
                SUMMARY,
                HTML,
                signs_some=Text(html=True, placeholders=frozenset({"matched", "total"})),
                signs_none=Text(html=True, placeholders=frozenset({"total"})),
            ),
            "the pieces of the closing summary",
        ),
        Field(
            "notes",
            fixed_texts("a mapping of name: text", NOTES, HTML, **dict.fromkeys(TOAST_NOTES, TOAST)),
            "what the bot says when the check stops or cannot start",
        ),
    ),
)


def load_selfcheck(root: Path, bag: Problems) -> SelfCheckContent | None:
    """Read and check responses/_selfcheck.yaml (load_content keeps it as content.selfcheck); None on problems."""
    path = root / FILE
    if not path.exists():
        bag.error(path, 0, "file is missing: it holds the self-check (/check) questions and wording")
        return None
    before = len(bag.errors)
    record = read_file(bag, path, SELFCHECK)
    if record is None:
        return None
    _closing(bag, path, record.get("summary"))
    questions = _questions(bag, path, record)
    if len(bag.errors) > before:
        return None
    texts = {key: dict(record[key]) for key in ("sections", "buttons", "summary", "notes")}
    return SelfCheckContent(record["intro"], record["progress"], questions=questions, source=str(FILE), **texts)


def _closing(bag: Problems, path: Path, summary: Record | None) -> None:
    """The summary's closing carries the physio's contact and the disclaimer."""
    if summary is None:
        return
    for key, needed in REQUIRED_PLACEHOLDERS.items():
        for name in needed if key in summary else ():
            if "{" + name + "}" not in summary[key]:
                bag.error(path, summary.line_of(key), f"summary: '{key}' must include {{{name}}}")


def _questions(bag: Problems, path: Path, record: Record) -> tuple[Question, ...]:
    """The questions: ids unique, tiers fit kinds, kinds in order, at least one red flag and one sign."""
    if "questions" not in record:
        return ()
    questions: list[Question] = []
    first_line: dict[str, int] = {}
    for index, item in enumerate(record["questions"]):
        where = f"question {index + 1}: "
        qid, kind, tier = item.get("id"), item.get("kind"), item.get("tier")
        if qid is not None and qid in first_line:
            bag.error(path, item.line_of("id"), f"duplicate question id '{qid}' (first on line {first_line[qid]})")
        elif qid is not None:
            first_line[qid] = item.line_of("id")
        if kind == "red_flag" and "tier" not in item.data:
            bag.error(path, item.line, f"{where}a red_flag question needs a tier: {', '.join(TIERS)}")
        elif kind in ("sign", "lookalike") and "tier" in item.data:
            bag.error(path, item.line_of("tier"), f"{where}only red_flag questions have a tier")
        if kind in ("sign", "lookalike") and "summary" not in item.data:
            bag.error(path, item.line, f"{where}a {kind} question needs a 'summary' (how the summary names it)")
        if kind == "red_flag" and "summary" in item.data:
            message = "a red-flag question ends the check at once, so 'summary' is not used"
            bag.error(path, item.line_of("summary"), f"{where}{message}")
        if kind is not None and questions and KINDS.index(kind) < KINDS.index(questions[-1].kind):
            message = "questions must go in order: red_flag, then sign, then lookalike"
            bag.error(path, item.line_of("kind"), f"{where}{message}")
        if item.ok and qid is not None and kind is not None and "text" in item:
            questions.append(Question(qid, kind, item["text"], item.get("summary"), item.line_of("id"), tier))
    _counts(bag, path, record, questions)
    return tuple(questions)


def _counts(bag: Problems, path: Path, record: Record, questions: list[Question]) -> None:
    """At least one red flag and one sign; no more questions than the conversation has states."""
    line, kinds = record.line_of("questions"), {q.kind for q in questions}
    if "red_flag" not in kinds:
        bag.error(path, line, "the check needs at least one red_flag question (they come first)")
    if "sign" not in kinds:
        bag.error(path, line, "the check needs at least one sign question")
    if len(record["questions"]) > MAX_QUESTIONS:
        bag.error(path, line, f"{len(record['questions'])} questions; the check allows at most {MAX_QUESTIONS}")
