"""The guided self-check (/check): the question flow over the wording of bot/selfcheck_content.py.

No Telegram here: the flow is a small immutable state machine that both the Telegram conversation
(bot/selfcheck_chat.py) and the terminal (`painbot chat`, bot/selfcheck_terminal.py) drive. The check
never diagnoses: red-flag questions come first and any "yes" ends it with the urgent-care answer;
otherwise the summary says which of the blog's signs the answers match, that other things can cause
similar pain, and that only an assessment by an experienced professional can tell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.engine import Engine
from bot.rendering import Button, with_values
from bot.safety import RED_FLAGS, TIERS, Alert
from bot.selfcheck_content import Question, SelfCheckContent

YES, NO, UNSURE, BACK, CANCEL = "yes", "no", "unsure", "back", "cancel"
URGENT, SUMMARY, CANCELLED = "urgent", "summary", "cancelled"
RESTART, RESUME = "restart", "resume"  # after a second /check: start again or carry on


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
    topics: tuple[Button, ...] = ()  # the topic buttons offered after the summary
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
    topics: tuple[Button, ...] = ()

    @classmethod
    def for_engine(cls, engine: Engine) -> SelfCheck | None:
        """The check over an engine's content, or None when the content has no self-check."""
        content = engine.selfcheck()
        if content is None:
            return None
        urgent = {tier: engine.urgent(Alert(RED_FLAGS, tier, "selfcheck")).text for tier in TIERS}
        return cls(content, urgent, engine.fill, engine.topics())

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
        progress = with_values(self.content.progress, number=index + 1, total=len(self.questions))
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
        total = len(signs)
        lines = [pieces["heading"]]
        if matched:
            lines.append(with_values(pieces["signs_some"], matched=len(matched), total=total))
            lines += [f"• {q.summary}" for q in matched]
        else:
            lines.append(with_values(pieces["signs_none"], total=total))
        if unsure:
            lines.append(pieces["signs_unsure"])
            lines += [f"• {q.summary}" for q in unsure]
        if lookalikes:
            lines.append(pieces["lookalikes"])
            lines += [f"• {q.summary}" for q in lookalikes]
            lines.append(pieces["lookalikes_note"])
        lines += [pieces["others"], pieces["closing"]]
        return self.fill("\n".join(lines))
