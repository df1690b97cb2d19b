"""The bot as a conversation in the terminal: same engine, buttons as numbered choices."""

from __future__ import annotations

import dataclasses
import shutil
import sys
import textwrap
from collections.abc import Callable
from typing import TextIO

from bot.engine import Engine
from bot.rendering import Button, Reply
from bot.selfcheck_terminal import TerminalCheck, step_reply

QUIT_WORDS = frozenset({"/quit", "/exit", "quit", "exit"})
PROMPT = "you> "
SPEAKER = "painbot> "
MIN_WIDTH = 20  # narrower terminals still get whole words, one or two to a line


class TerminalChat:
    """A read-reply loop over text streams, so tests can drive it like a person would."""

    def __init__(self, engine: Engine, read: Callable[[], str], out: TextIO, width: int | None = None) -> None:
        self.engine = engine
        self.read = read
        self.out = out
        self.width = max(MIN_WIDTH, width or shutil.get_terminal_size().columns)
        self.buttons: tuple[Button, ...] = ()
        self.check = TerminalCheck(engine)

    def run(self) -> None:
        """Chat until the user quits or input ends."""
        self.show(self.engine.command("start"))
        while True:
            try:
                line = self.read().strip()
            except (EOFError, KeyboardInterrupt):
                break
            if line.casefold() in QUIT_WORDS:
                break
            if line:
                self.show(self.respond(line))
        self.out.write(self.engine.snippet("terminal_goodbye") + "\n")

    def respond(self, line: str) -> Reply:
        """Reply to one line: the self-check's answer, a numbered choice, a command, or a question."""
        if self.check.running and not self.check.understands(line):
            return self.aside(line)
        if self.check.wants(line):
            return self.check.respond(line)
        if line.isdecimal() and 1 <= int(line) <= len(self.buttons):
            return self.engine.answer(self.buttons[int(line) - 1].intent_id)
        command = line.split()[0][1:].casefold() if line.startswith("/") else ""
        return self.engine.command(command) or self.engine.reply(line)

    def aside(self, line: str) -> Reply:
        """Text during /check that answers nothing: a red flag ends the check urgently, anything else gets a hint."""
        match = self.engine.decide(line)
        if match.urgent:
            self.check.stop()
            return self.engine.render(match)
        question = step_reply(self.check.current())
        return dataclasses.replace(question, text=self.engine.snippet("terminal_check_hint") + "\n\n" + question.text)

    def show(self, reply: Reply | None) -> None:
        """Print a reply wrapped to the terminal and remember its buttons for the next numbered choice."""
        if reply is None:
            return
        self.buttons = reply.buttons
        self.out.write(f"\n{wrap(SPEAKER + reply.plain(), self.width)}\n\n")
        self.out.flush()


def wrap(text: str, width: int) -> str:
    """Wrap each line at word boundaries, keeping its indent; a word longer than a line (a link) stays whole."""
    lines = []
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        lines.append(
            textwrap.fill(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
            if line.strip()
            else ""
        )
    return "\n".join(lines)


def stream_reader(inp: TextIO, out: TextIO) -> Callable[[], str]:
    """Read lines from a stream (a pipe, a file, a test), showing the prompt on out."""

    def read() -> str:
        out.write(PROMPT)
        out.flush()
        line = inp.readline()
        if not line:
            raise EOFError
        return line

    return read


def console_reader() -> Callable[[], str]:
    """Read lines from the terminal with line editing and history, where the standard library has readline.

    The history stays in memory: what people type about their health is never written to a file.
    """
    try:
        import readline  # noqa: F401  (importing it is what turns on editing and history for input())
    except ImportError:  # Windows, or a Python built without it: plain input still works
        pass
    return lambda: input(PROMPT)


def reader_for(inp: TextIO, out: TextIO) -> Callable[[], str]:
    """The console's own reader when both ends are the real terminal, otherwise the stream reader."""
    if inp is sys.stdin and out is sys.stdout and inp.isatty() and out.isatty():
        return console_reader()
    return stream_reader(inp, out)
