"""Check text against the HTML subset Telegram accepts, and turn it into plain text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Telegram's parse_mode=HTML accepts only these tags (core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "tg-spoiler",
        "span",
        "blockquote",
        "tg-emoji",
    }
)
_BARE_AMPERSAND = re.compile(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)")
_BARE_LESS_THAN = re.compile(r"<(?![a-zA-Z/])")
_TAG = re.compile(r"<[^>]*>")


class _TagChecker(HTMLParser):
    """Collects tag problems: unknown tags and unbalanced nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.lines: list[int] = []  # the text line (1-based) of each problem
        self._open: list[tuple[str, int]] = []  # open tags with the line each was opened on

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note an opening tag, refusing the ones Telegram rejects."""
        if tag not in ALLOWED_TAGS:
            self._problem(f"tag <{tag}> is not allowed by Telegram (use b, i, u, s, a, code)")
        elif tag == "a" and not dict(attrs).get("href"):
            self._problem("<a> needs an href")
        self._open.append((tag, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        """Match a closing tag to the last opened one."""
        if not self._open or self._open[-1][0] != tag:
            self._problem(f"closing </{tag}> does not match an open tag")
            return
        self._open.pop()

    def close(self) -> None:
        """Report tags left open at the end, at the line each was opened."""
        super().close()
        for tag, line in self._open:
            self.problems.append(f"<{tag}> is never closed")
            self.lines.append(line)

    def _problem(self, message: str) -> None:
        """Note a problem at the parser's current line."""
        self.problems.append(message)
        self.lines.append(self.getpos()[0])


def html_problems(text: str) -> list[str]:
    """List what Telegram would refuse in this HTML text (empty when it is fine)."""
    return [problem for _, problem in html_problem_lines(text)]


def html_problem_lines(text: str) -> list[tuple[int, str]]:
    """List what Telegram would refuse in this HTML text, each with the text line (from 1) it is on."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    found = list(zip(checker.lines, checker.problems, strict=True))
    for pattern, problem in (
        (_BARE_AMPERSAND, "a bare '&' must be written as &amp;"),
        (_BARE_LESS_THAN, "a bare '<' must be written as &lt;"),
    ):
        match = pattern.search(text)
        if match:
            found.append((text[: match.start()].count("\n") + 1, problem))
    return found


def to_plain(text: str) -> str:
    """Drop tags and unescape entities, for the terminal."""
    return html.unescape(_TAG.sub("", text))
