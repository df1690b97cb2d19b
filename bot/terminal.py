"""The bot as a conversation in the terminal: same engine, buttons as numbered choices."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine
from bot.rendering import Button, Reply
from bot.selfcheck import TerminalCheck

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})


class TerminalChat:
    """A read-reply loop over text streams, so tests can drive it like a person would."""

    def __init__(self, engine: Engine, read: Callable[[], str], out: TextIO) -> None:
        self.engine = engine
        self.read = read
        self.out = out
        self.buttons: tuple[Button, ...] = ()
        self.check = TerminalCheck(engine)

    def run(self) -> None:
        """Chat until the user quits or input ends."""
        self.show(self.engine.renderer.command("start"))
        while True:
            try:
                line = self.read().strip()
            except (EOFError, KeyboardInterrupt):
                break
            if line.casefold() in QUIT_WORDS:
                break
            if line:
                self.show(self.respond(line))
        self.out.write("Bye - take care.\n")

    def respond(self, line: str) -> Reply:
        """Reply to one line: the self-check's answer, a numbered choice, a command, or a question."""
        if self.check.wants(line):
            return self.check.respond(line)
        if line.isdecimal() and 1 <= int(line) <= len(self.buttons):
            return self.engine.renderer.answer(self.buttons[int(line) - 1].intent_id)
        command = line.split()[0][1:].casefold() if line.startswith("/") else ""
        return self.engine.renderer.command(command) or self.engine.reply(line)

    def show(self, reply: Reply | None) -> None:
        """Print a reply and remember its buttons for the next numbered choice."""
        if reply is None:
            return
        self.buttons = reply.buttons
        self.out.write(f"\npainbot> {reply.plain()}\n\n")
        self.out.flush()
