"""The self-check in the terminal (`painbot chat`): typed numbers or words answer the flow's questions."""

from __future__ import annotations

from bot.engine import Engine
from bot.htmlcheck import to_plain
from bot.rendering import Button, Reply
from bot.selfcheck import BACK, CANCEL, NO, RESTART, RESUME, UNSURE, URGENT, YES, SelfCheck, Step

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


def step_reply(step: Step) -> Reply:
    """A Step as a Reply: choices become numbered buttons ("sc:<value>"), the summary offers the topics."""
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
        flow = SelfCheck.for_engine(self.engine)
        if flow is None:
            self.step = None
            return Reply(self.engine.snippet("selfcheck_unavailable"), (), None, 100.0, "selfcheck")
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
