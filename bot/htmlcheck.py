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
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note an opening tag, refusing the ones Telegram rejects."""
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed by Telegram (use b, i, u, s, a, code)")
        elif tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> needs an href")
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        """Match a closing tag to the last opened one."""
        if not self._open or self._open[-1] != tag:
            self.problems.append(f"closing </{tag}> does not match an open tag")
            return
        self._open.pop()

    def close(self) -> None:
        """Report tags left open at the end."""
        super().close()
        self.problems.extend(f"<{tag}> is never closed" for tag in self._open)


def html_problems(text: str) -> list[str]:
    """List what Telegram would refuse in this HTML text (empty when it is fine)."""
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if _BARE_AMPERSAND.search(text):
        checker.problems.append("a bare '&' must be written as &amp;")
    if _BARE_LESS_THAN.search(text):
        checker.problems.append("a bare '<' must be written as &lt;")
    return checker.problems


def to_plain(text: str) -> str:
    """Drop tags and unescape entities, for the terminal."""
    return html.unescape(_TAG.sub("", text))
