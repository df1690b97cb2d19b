"""The guided self-check (/check): its wording from responses/_selfcheck.yaml and the question flow.

No Telegram here: the flow is a small immutable state machine that both the Telegram conversation
(bot/selfcheck_chat.py) and the terminal (`painbot chat`) drive.  The check never diagnoses: red-flag
questions come first and any "yes" ends it with the urgent-care answer; otherwise the summary says
which of the blog's signs the answers match, that other things can cause similar pain, and that only
an assessment by an experienced professional can tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.htmlcheck import html_problems, to_plain
from bot.safety import RED_FLAGS, TIERS, Alert
from bot.yamlsource import FAILED, LineDict, LineList, Problems

if TYPE_CHECKING:  # imported lazily at run time: bot.content may import this module
    from bot.engine import Engine
    from bot.rendering import Reply

FILE = Path("responses") / "_selfcheck.yaml"
EXTRA_KEY = "load_selfcheck"  # where load_content keeps the result: content.extras[EXTRA_KEY]
KINDS = ("red_flag", "sign", "lookalike")  # also the order the questions must come in
MAX_QUESTIONS = 20  # the Telegram conversation has one state per question
LABEL_LIMIT = 32  # button labels: short, plain text
TOAST_LIMIT = 200  # Telegram's limit for a callback answer's text

YES, NO, UNSURE, BACK, CANCEL = "yes", "no", "unsure", "back", "cancel"
URGENT, SUMMARY, CANCELLED = "urgent", "summary", "cancelled"

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


# --- the content ---------------------------------------------------------------------------------


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
        value = value.strip()
        if plain and "<" in value:
            self.error(line, f"'{name}' is shown as plain text: no HTML tags")
        elif not plain:
            for problem in html_problems(value):
                self.error(line, f"{name}: {problem}")
        if limit and len(value) > limit:
            self.error(line, f"'{name}' is {len(value)} characters; keep it to {limit}")
        for placeholder in self.bag.unknown_placeholders(value, EXTRA_PLACEHOLDERS.get(name, frozenset())):
            self.error(line, f"{name}: unknown placeholder {{{placeholder}}}")
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
    data = bag.load(path)
    if data is FAILED:
        return None  # its syntax error is reported already
    check = _Checker(bag, path)
    if not isinstance(data, LineDict):
        check.error(getattr(data, "line", 1), "expected a mapping with intro, questions, buttons, summary and notes")
        return None
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


# --- the flow ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckState:
    """The answers so far, one per question in order; the next question is number len(answers)."""

    answers: tuple[str, ...] = ()

    @property
    def index(self) -> int:
        """The index of the question being asked."""
        return len(self.answers)


@dataclass(frozen=True)
class Choice:
    """A button: its label and the value it answers with (yes, no, unsure, back, cancel)."""

    label: str
    value: str


@dataclass(frozen=True)
class Step:
    """What to show next: a question with its choices, or the end (urgent, summary or cancelled)."""

    state: CheckState
    text: str
    choices: tuple[Choice, ...] = ()
    outcome: str | None = None
    question: Question | None = None
    topics: tuple[Any, ...] = ()  # the topic buttons offered after the summary (bot.rendering.Button)
    tier: str | None = None  # for an urgent end: the tier of the red flag answered yes

    @property
    def finished(self) -> bool:
        """True when the check is over."""
        return self.outcome is not None

    @property
    def intent_id(self) -> str | None:
        """What the anonymous log records: selfcheck_urgent, selfcheck_summary or selfcheck_cancelled."""
        return None if self.outcome is None else f"selfcheck_{self.outcome}"


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class SelfCheck:
    """The check's pure logic: start(), answer(state, choice), back(state), cancel(state)."""

    content: SelfCheckContent
    urgent_texts: dict[str, str]  # the urgent answer for each tier (now, today, soon), already filled
    fill: Callable[[str], str] = field(default=_identity)  # fills {contact}, {disclaimer}, ...
    topics: tuple[Any, ...] = ()

    @classmethod
    def for_engine(cls, engine: Engine) -> SelfCheck | None:
        """The check over an engine's content, or None when the content has no self-check."""
        content = engine.content.extras.get(EXTRA_KEY)
        if not isinstance(content, SelfCheckContent):
            return None
        renderer = engine.renderer
        urgent = {tier: renderer.urgent(Alert(RED_FLAGS, tier, "selfcheck")).text for tier in TIERS}
        return cls(content, urgent, renderer.fill, renderer.topics())

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.content.questions

    def start(self) -> Step:
        """The first question, with the intro."""
        return self.current(CheckState())

    def current(self, state: CheckState) -> Step:
        """Ask the question the state is at again (or finish, if the content now has fewer)."""
        if state.index >= len(self.questions):
            return Step(state, self.summary(state), outcome=SUMMARY, topics=self.topics)
        question = self.questions[state.index]
        values: tuple[str, ...] = (YES, NO) if question.kind == "red_flag" else (YES, NO, UNSURE)
        values += (BACK, CANCEL) if state.index else (CANCEL,)
        choices = tuple(Choice(self.content.buttons[v], v) for v in values)
        return Step(state, self._question_text(state.index), choices, question=question)

    def answer(self, state: CheckState, choice: str) -> Step:
        """Apply one tap: a red-flag yes ends at once; a choice the question does not offer re-asks it."""
        if choice == CANCEL:
            return self.cancel(state)
        if choice == BACK:
            return self.back(state)
        if state.index >= len(self.questions):
            return self.current(state)
        question = self.questions[state.index]
        if choice not in {c.value for c in self.current(state).choices}:
            return self.current(state)
        if question.kind == "red_flag" and choice == YES and question.tier is not None:
            return Step(
                CheckState(state.answers + (choice,)),
                self.urgent_texts[question.tier],
                outcome=URGENT,
                tier=question.tier,
            )
        return self.current(CheckState(state.answers + (choice,)))

    def back(self, state: CheckState) -> Step:
        """The previous question (the first one stays put)."""
        return self.current(CheckState(state.answers[:-1]))

    def cancel(self, state: CheckState) -> Step:
        """End without a result."""
        return Step(state, self.note("cancelled"), outcome=CANCELLED)

    def note(self, name: str) -> str:
        """One of the notes (cancelled, timed_out, already_running, group_redirect, stale, ended), filled."""
        return self.fill(self.content.notes[name])

    def label(self, name: str) -> str:
        """A button label (yes, no, unsure, back, cancel, restart, carry_on, open_private)."""
        return self.content.buttons[name]

    def _question_text(self, index: int) -> str:
        question = self.questions[index]
        progress = self.content.progress.replace("{number}", str(index + 1)).replace(
            "{total}", str(len(self.questions))
        )
        lines = [self.content.intro] if index == 0 else []
        lines += [f"<i>{progress}</i>", f"<b>{self.content.sections[question.kind]}</b>", question.text]
        return self.fill("\n".join(lines))

    def summary(self, state: CheckState) -> str:
        """The closing summary: which of the blog's signs match, the lookalikes, and why only an assessment can tell."""
        pieces = self.content.summary
        answered = dict(zip(self.questions, state.answers, strict=False))
        signs = self.content.of_kind("sign")
        matched = [q for q in signs if answered.get(q) == YES]
        unsure = [q for q in signs if answered.get(q) == UNSURE]
        lookalikes = [q for q in self.content.of_kind("lookalike") if answered.get(q) == YES]
        total = str(len(signs))
        lines = [pieces["heading"]]
        if matched:
            lines.append(pieces["signs_some"].replace("{matched}", str(len(matched))).replace("{total}", total))
            lines += [f"• {q.summary}" for q in matched]
        else:
            lines.append(pieces["signs_none"].replace("{total}", total))
        if unsure:
            lines.append(pieces["signs_unsure"])
            lines += [f"• {q.summary}" for q in unsure]
        if lookalikes:
            lines.append(pieces["lookalikes"])
            lines += [f"• {q.summary}" for q in lookalikes]
            lines.append(pieces["lookalikes_note"])
        lines += [pieces["others"], pieces["closing"]]
        return self.fill("\n".join(lines))


# --- the terminal (painbot chat) -----------------------------------------------------------------

_WORDS = {
    "yes": YES,
    "y": YES,
    "no": NO,
    "n": NO,
    "not sure": UNSURE,
    "unsure": UNSURE,
    "back": BACK,
    "cancel": CANCEL,
    "/cancel": CANCEL,
}
RESTART, RESUME = "restart", "resume"


def step_reply(step: Step) -> Reply:
    """A Step as a Reply: choices become numbered buttons ("sc:<value>"), the summary offers the topics."""
    from bot.rendering import Button, Reply

    if not step.finished:
        buttons = tuple(Button(c.label, "sc:" + c.value) for c in step.choices)
        return Reply(step.text, buttons, None, 100.0, "selfcheck")
    kind = "urgent" if step.outcome == URGENT else "selfcheck"
    return Reply(step.text, step.topics, step.intent_id, 100.0, kind, step.tier)


class TerminalCheck:
    """The self-check in `painbot chat`: /check starts it, then numbers (or yes/no/not sure) answer."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.step: Step | None = None
        self._offer: tuple[str, ...] = ()  # the restart / carry-on choice after a second /check

    @property
    def running(self) -> bool:
        """True while a check waits for an answer."""
        return self.step is not None and not self.step.finished

    def wants(self, line: str) -> bool:
        """True when this line is for the check: /check, or anything while a check runs."""
        return self.running or line.strip().casefold().split(" ")[0] == "/check"

    def respond(self, line: str) -> Reply:
        """Start, answer, or re-ask."""
        from bot.rendering import Button, Reply

        flow = SelfCheck.for_engine(self.engine)
        if flow is None:
            self.step = None
            return Reply("The self-check isn't available right now.", (), None, 100.0, "selfcheck")
        words = line.strip().casefold()
        if self._offer:
            offer, self._offer = self._offer, ()
            picked = offer[int(words) - 1] if words.isdigit() and 1 <= int(words) <= len(offer) else RESUME
            self.step = flow.start() if picked == RESTART or self.step is None else flow.current(self.step.state)
            return step_reply(self.step)
        if words.split(" ")[0] == "/check":
            if self.running:
                self._offer = (RESTART, RESUME)
                buttons = (Button(flow.label("restart"), "sc:restart"), Button(flow.label("carry_on"), "sc:resume"))
                return Reply(flow.note("already_running"), buttons, None, 100.0, "selfcheck")
            self.step = flow.start()
            return step_reply(self.step)
        assert self.step is not None
        self.step = flow.answer(self.step.state, self._choice(words))
        return step_reply(self.step)

    def _choice(self, words: str) -> str:
        """The choice a typed line names (a number, a button's label or yes/no/...), or "" for none."""
        choices = self.step.choices if self.step else ()
        if words.isdigit() and 1 <= int(words) <= len(choices):
            return choices[int(words) - 1].value
        labels = {to_plain(c.label).casefold(): c.value for c in choices}
        return labels.get(words) or _WORDS.get(words, "")

    def understands(self, line: str) -> bool:
        """True when a line is for the running check: an answer, /check, or a pick after a second /check."""
        words = line.strip().casefold()
        return bool(self._offer) or words.split(" ")[0] == "/check" or self._choice(words) != ""

    def current(self) -> Step:
        """The step the check is at (only while it runs)."""
        assert self.step is not None
        return self.step

    def stop(self) -> None:
        """End the check without a result (the chat answers something more urgent instead)."""
        self.step, self._offer = None, ()
