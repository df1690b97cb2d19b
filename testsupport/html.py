"""Telegram's parse_mode=HTML as the Bot API reads it: plain text plus entities, or the error it gives.

The fake API runs every text the bot sends through this, so a tag Telegram refuses, an unclosed tag
or a bare "<" fails a test as it would fail in the chat.
"""

from __future__ import annotations

import html
import re
from typing import Any

# Telegram's tags (core.telegram.org/bots/api#html-style) and the entity each makes.
TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_CHARACTER_REFERENCE = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityError(Exception):
    """Text Telegram cannot parse ("Bad Request: can't parse entities: ...")."""


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, what Telegram's entity offsets count."""
    return len(text.encode("utf-16-le")) // 2


class _Builder:
    """Plain text and entities, built as the markup is read."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def emit(self, text: str) -> None:
        """Append plain text."""
        self.parts.append(text)
        self.offset += utf16_length(text)

    def close(self, start: int, kind: str, **extra: Any) -> None:
        """Add an entity from ``start`` to here (empty ones are dropped, as Telegram does)."""
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        """The plain text and its entities in Telegram's order."""
        return "".join(self.parts), sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram's HTML subset into (plain text, entities); raise EntityError as Telegram refuses."""
    out = _Builder()
    stack: list[tuple[str, dict[str, str], int]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            i = _reference(text, i, out)
        elif char != "<":
            out.emit(char)
            i += 1
        elif text.startswith("</", i):
            i = _end_tag(text, i, stack, out)
        else:
            name, attrs, i = _start_tag(text, i)
            stack.append((name, attrs, out.offset))
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of a character index, as Telegram's errors give it."""
    return len(text[:index].encode("utf-8"))


def _reference(text: str, i: int, out: _Builder) -> int:
    """Emit a character reference (an "&" that starts none is kept as is); return the next index."""
    match = _CHARACTER_REFERENCE.match(text, i)
    if not match:
        out.emit("&")
        return i + 1
    name = match.group(1)
    if name.startswith("#"):
        out.emit(chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:])))
    else:
        out.emit(_NAMED[name])
    return match.end()


def _end_tag(text: str, i: int, stack: list[tuple[str, dict[str, str], int]], out: _Builder) -> int:
    """Close the innermost open tag; return the index after "</name>"."""
    end = text.find(">", i)
    if end < 0:
        raise EntityError(f"Unclosed end tag at byte offset {_byte_offset(text, i)}")
    name = text[i + 2 : end].strip().lower()
    if not stack:
        raise EntityError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
    open_name, attrs, start = stack.pop()
    if name != open_name:
        raise EntityError(
            f'Unmatched end tag at byte offset {_byte_offset(text, i)}, expected "</{open_name}>", found "</{name}>"'
        )
    if open_name == "a":
        if attrs.get("href"):
            out.close(start, "text_link", url=attrs["href"])
    elif open_name == "blockquote" and "expandable" in attrs:
        out.close(start, "expandable_blockquote")
    else:
        out.close(start, TAG_ENTITIES[open_name])
    return end + 1


_ATTRIBUTE = re.compile(r"""\s*([^\s=>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?""")


def _start_tag(text: str, i: int) -> tuple[str, dict[str, str], int]:
    """Read "<name attr=...>"; return the tag name, its attributes and the index after ">"."""
    j = i + 1
    while j < len(text) and not text[j].isspace() and text[j] != ">":
        j += 1
    name = text[i + 1 : j].lower()
    if name not in TAG_ENTITIES:
        raise EntityError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}')
    attrs: dict[str, str] = {}
    while True:
        while j < len(text) and text[j].isspace():
            j += 1
        if j >= len(text):
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        if text[j] == ">":
            return name, attrs, j + 1
        match = _ATTRIBUTE.match(text, j)
        if not match or match.end() == j:
            raise EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        value = next((v for v in match.groups()[1:] if v is not None), "")
        attrs[match.group(1).lower()] = html.unescape(value)
        j = match.end()
