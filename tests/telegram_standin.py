"""A stand-in for Telegram's Bot API, for end-to-end tests.

``BotApiStandIn`` is an HTTP server on 127.0.0.1 (random free port) that answers the Bot API
methods painbot uses the way api.telegram.org does, so the real python-telegram-bot client (or
``painbot run`` as a subprocess with ``TELEGRAM_BASE_URL=standin.base_url``) can talk to it.

Standard library only.  Everything binds to / talks to loopback only; every wait is bounded; and
``stop()`` never hangs (long polls are released, open keep-alive connections are shut down).

What PTB 22 sends (HTTPXRequest): every method is an HTTP POST to ``<base_url><TOKEN>/<method>``
with an ``application/x-www-form-urlencoded`` body (``multipart/form-data`` only when uploading
files).  Every value is a *string*: plain strings as they are, everything else JSON-encoded
(``chat_id=1001``, ``timeout=10``, ``disable_notification=true``,
``reply_markup={"inline_keyboard": ...}``, ``allowed_updates=["message"]``).  The stand-in decodes
them back into Python values (and also accepts application/json bodies and query strings).

Telegram behaviours reproduced on purpose (they trip real bots):

* privacy mode (getMe says ``can_read_all_group_messages: false``): ``group_message`` /
  ``command`` / ``non_text_message`` in a group are only delivered when Telegram would deliver
  them to a privacy-mode bot (commands, @mentions, replies to the bot, service messages, or the
  bot is an admin there).  Otherwise nothing is queued and the helper returns 0.  Pass
  ``privacy_mode=False`` to deliver everything.
* ``strict_chats``: sending to a chat the stand-in has never seen in an update gives
  400 "Bad Request: chat not found" (use ``add_chat`` to make one known).
* getUpdates: default ``allowed_updates`` excludes chat_member / message_reaction(_count); the
  last non-empty allowed_updates list is remembered; a second concurrent getUpdates terminates
  the first with 409; getUpdates while a webhook is set is a 409.
* editMessageText without reply_markup removes the inline keyboard; an edit that changes nothing
  is 400 "Bad Request: message is not modified: ...".
* HTML / MarkdownV2 / Markdown are parsed like Telegram does; the returned Message carries the
  plain text plus entities (offsets in UTF-16 code units), not the markup.
"""

from __future__ import annotations

import asyncio
import copy
import email.parser
import email.policy
import html
import ipaddress
import json
import re
import socket
import socketserver
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ApiError", "BotApiStandIn"]

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_LONG_POLL_SECONDS = 50.0

#: Update kinds delivered when the bot never asked for specific ones (Bot API docs).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

#: Form fields that are strings even when they look like JSON numbers / booleans.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "query",
        "url",
        "secret_token",
        "inline_message_id",
        "callback_query_id",
        "inline_query_id",
        "parse_mode",
        "language_code",
        "action",
        "next_offset",
        "ip_address",
        "switch_pm_text",
        "switch_pm_parameter",
        "title",
        "description",
        "short_description",
        "name",
        "custom_title",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "sticker",
        "photo",
        "document",
        "audio",
        "video",
        "voice",
        "animation",
        "video_note",
        "thumbnail",
        "certificate",
    }
)
#: Fields whose value is JSON even inside an application/json body (Telegram accepts both).
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "results",
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "scope",
        "button",
        "menu_button",
        "permissions",
        "media",
        "options",
        "rights",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_INLINE_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
_SERVICE_KEYS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "pinned_message",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class ApiError(Exception):
    """A Bot API error response: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _u16(text: str) -> int:
    """Length in UTF-16 code units (what Telegram's entity offsets count)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------
# Formatted-text parsing (parse_mode), following tdlib's rules closely enough for tests.
# --------------------------------------------------------------------------------------------


class _EntityError(Exception):
    pass


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.u16 = 0
        self.entities: list[dict] = []

    def emit(self, s: str) -> None:
        self.parts.append(s)
        self.u16 += _u16(s)

    def add(self, start: int, etype: str, **extra: Any) -> None:
        length = self.u16 - start
        if length > 0:
            self.entities.append({"type": etype, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[dict]]:
        ents = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ents


_HTML_TAG_TYPES = {
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
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#[xX][0-9a-fA-F]+);")
_HTML_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Parse Telegram's HTML subset into (plain text, entities); raise _EntityError like TG."""
    b = _TextBuilder()
    stack: list[dict] = []
    n = len(text)
    i = 0

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    while i < n:
        c = text[i]
        if c == "&":
            m = _HTML_ENTITY_RE.match(text, i)
            if m:
                name = m.group(1)
                if name.startswith("#"):
                    num = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
                    try:
                        b.emit(chr(num))
                    except (ValueError, OverflowError):
                        b.emit(m.group(0))
                else:
                    b.emit(_HTML_NAMED[name])
                i = m.end()
            else:  # an '&' that starts no entity is kept as is
                b.emit("&")
                i += 1
            continue
        if c != "<":
            b.emit(c)
            i += 1
            continue
        start = i
        if i + 1 < n and text[i + 1] == "/":
            j = text.find(">", i)
            if j < 0:
                raise _EntityError(f"Unclosed end tag at byte offset {boff(start)}")
            name = text[i + 2 : j].strip().lower()
            if not stack:
                raise _EntityError(f"Unexpected end tag at byte offset {boff(start)}")
            top = stack[-1]
            if name != top["tag"]:
                raise _EntityError(
                    f'Unmatched end tag at byte offset {boff(start)}, expected "</{top["tag"]}>", found "</{name}>"'
                )
            stack.pop()
            _close_html_tag(b, top, stack)
            i = j + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] != ">":
            j += 1
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAG_TYPES:
            raise _EntityError(f'Unsupported start tag "{name}" at byte offset {boff(start)}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise _EntityError(f"Unclosed start tag at byte offset {boff(start)}")
            if text[j] == ">":
                j += 1
                break
            k = j
            while k < n and not text[k].isspace() and text[k] not in "=>":
                k += 1
            attr = text[j:k].lower()
            if not attr:
                raise _EntityError(f'Empty attribute name in the tag "{name}" at byte offset {boff(j)}')
            j = k
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] == "=":
                j += 1
                while j < n and text[j].isspace():
                    j += 1
                if j >= n:
                    raise _EntityError(f"Unclosed start tag at byte offset {boff(start)}")
                if text[j] in "\"'":
                    end = text.find(text[j], j + 1)
                    if end < 0:
                        raise _EntityError(f"Unclosed start tag at byte offset {boff(start)}")
                    value = text[j + 1 : end]
                    j = end + 1
                else:
                    end = j
                    while end < n and not text[end].isspace() and text[end] != ">":
                        end += 1
                    value = text[j:end]
                    j = end
                attrs[attr] = html.unescape(value)
            else:
                attrs[attr] = ""
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {boff(start)}')
        if name == "tg-emoji" and not attrs.get("emoji-id"):
            raise _EntityError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {boff(start)}')
        stack.append({"tag": name, "attrs": attrs, "start": b.u16})
        i = j
    if stack:
        raise _EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return b.result()


def _close_html_tag(b: _TextBuilder, item: dict, stack: list[dict]) -> None:
    tag, attrs, start = item["tag"], item["attrs"], item["start"]
    if tag == "a":
        url = attrs.get("href", "")
        if url.startswith("tg://user?id="):
            uid = url.split("=", 1)[1]
            if uid.isdigit():
                b.add(start, "text_mention", user={"id": int(uid), "is_bot": False, "first_name": "User"})
        elif url:
            b.add(start, "text_link", url=url)
        return
    if tag == "code" and stack and stack[-1]["tag"] == "pre":
        cls = attrs.get("class", "")
        if cls.startswith("language-"):
            stack[-1]["language"] = cls[len("language-") :]
            return
    if tag == "pre":
        if item.get("language"):
            b.add(start, "pre", language=item["language"])
        else:
            b.add(start, "pre")
        return
    if tag == "blockquote":
        b.add(start, "expandable_blockquote" if "expandable" in attrs else "blockquote")
        return
    if tag == "tg-emoji":
        b.add(start, "custom_emoji", custom_emoji_id=attrs["emoji-id"])
        return
    b.add(start, _HTML_TAG_TYPES[tag])


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    """Parse MarkdownV2 into (plain text, entities); raise _EntityError like Telegram."""
    b = _TextBuilder()
    stack: list[dict] = []
    n = len(text)
    i = 0
    quote_start: int | None = None

    def boff(k: int) -> int:
        return len(text[:k].encode("utf-8"))

    def at(k: int) -> str:
        return text[k] if 0 <= k < n else ""

    def close_quote() -> None:
        nonlocal quote_start
        if quote_start is not None:
            b.add(quote_start, "blockquote")
            quote_start = None

    while i < n:
        c = text[i]
        top = stack[-1]["type"] if stack else None
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            b.emit(text[i + 1])
            i += 2
            continue
        if top in ("code", "pre"):
            if top == "pre" and text.startswith("```", i):
                item = stack.pop()
                if item.get("language"):
                    b.add(item["start"], "pre", language=item["language"])
                else:
                    b.add(item["start"], "pre")
                i += 3
            elif top == "code" and c == "`":
                b.add(stack.pop()["start"], "code")
                i += 1
            else:
                b.emit(c)
                i += 1
            continue
        if c == "\n":
            close_quote()
            b.emit(c)
            i += 1
            continue
        if c not in _MDV2_RESERVED:
            b.emit(c)
            i += 1
            continue
        is_end = False
        if top == "bold":
            is_end = c == "*"
        elif top == "italic":
            is_end = c == "_" and at(i + 1) != "_"
        elif top == "underline":
            is_end = c == "_" and at(i + 1) == "_"
        elif top == "strikethrough":
            is_end = c == "~"
        elif top == "spoiler":
            is_end = c == "|" and at(i + 1) == "|"
        elif top in ("text_link", "custom_emoji"):
            is_end = c == "]"
        if is_end:
            item = stack.pop()
            etype = item["type"]
            if etype in ("underline", "spoiler"):
                i += 2
            else:
                i += 1
            if etype in ("text_link", "custom_emoji"):
                url = ""
                if at(i) == "(":
                    j = i + 1
                    chars: list[str] = []
                    while j < n and text[j] != ")":
                        if text[j] == "\\" and j + 1 < n:
                            j += 1
                        chars.append(text[j])
                        j += 1
                    if j >= n:
                        raise _EntityError(f"Can't find end of a URL at byte offset {boff(i)}")
                    url = "".join(chars)
                    i = j + 1
                if etype == "custom_emoji":
                    emoji_id = url.split("id=", 1)[1] if "id=" in url else ""
                    if not emoji_id:
                        raise _EntityError("Custom emoji entity must contain a tg://emoji URL")
                    b.add(item["start"], "custom_emoji", custom_emoji_id=emoji_id)
                elif url:
                    b.add(item["start"], "text_link", url=url)
            else:
                b.add(item["start"], etype)
            continue
        # opening markup (or a reserved character that should have been escaped)
        start = i
        if c == "_":
            if at(i + 1) == "_":
                stack.append({"type": "underline", "start": b.u16, "pos": start})
                i += 2
            else:
                stack.append({"type": "italic", "start": b.u16, "pos": start})
                i += 1
        elif c == "*":
            stack.append({"type": "bold", "start": b.u16, "pos": start})
            i += 1
        elif c == "~":
            stack.append({"type": "strikethrough", "start": b.u16, "pos": start})
            i += 1
        elif c == "|" and at(i + 1) == "|":
            stack.append({"type": "spoiler", "start": b.u16, "pos": start})
            i += 2
        elif c == "[":
            stack.append({"type": "text_link", "start": b.u16, "pos": start})
            i += 1
        elif c == "!" and at(i + 1) == "[":
            stack.append({"type": "custom_emoji", "start": b.u16, "pos": start})
            i += 2
        elif c == "`":
            if text.startswith("```", i):
                i += 3
                language = ""
                nl = text.find("\n", i)
                end = text.find("```", i)
                if nl >= 0 and (end < 0 or nl < end):
                    language = text[i:nl]
                    i = nl + 1
                stack.append({"type": "pre", "start": b.u16, "pos": start, "language": language})
            else:
                stack.append({"type": "code", "start": b.u16, "pos": start})
                i += 1
        elif c == ">" and (i == 0 or text[i - 1] == "\n") and not stack:
            quote_start = b.u16
            i += 1
        else:
            raise _EntityError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
    close_quote()
    if stack:
        item = stack[-1]
        raise _EntityError(f"Can't find end of {_MDV2_NAMES[item['type']]} entity at byte offset {boff(item['pos'])}")
    return b.result()


def parse_markdown_legacy(text: str) -> tuple[str, list[dict]]:
    """Parse legacy Markdown (parse_mode="Markdown"); no nesting, unclosed entities are errors."""
    b = _TextBuilder()
    n = len(text)
    i = 0

    def unclosed(k: int) -> str:
        offset = len(text[:k].encode("utf-8"))
        return f"Can't find end of the entity starting at byte offset {offset}"

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            b.emit(text[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            b.emit(c)
            i += 1
            continue
        begin = i
        start = b.u16
        if c == "[":
            end = text.find("]", i + 1)
            if end < 0:
                raise _EntityError(unclosed(begin))
            b.emit(text[i + 1 : end])
            i = end + 1
            if i < n and text[i] == "(":
                close = text.find(")", i)
                if close < 0:
                    raise _EntityError(unclosed(begin))
                url = text[i + 1 : close]
                i = close + 1
                if url:
                    b.add(start, "text_link", url=url)
            continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end < 0:
                raise _EntityError(unclosed(begin))
            b.emit(text[i + 3 : end])
            b.add(start, "pre")
            i = end + 3
            continue
        end = text.find(c, i + 1)
        if end < 0:
            raise _EntityError(unclosed(begin))
        b.emit(text[i + 1 : end])
        b.add(start, {"_": "italic", "*": "bold", "`": "code"}[c])
        i = end + 1
    return b.result()


def parse_formatted(text: str, parse_mode: str | None, entities: list | None = None):
    """Return (plain_text, entities) for ``text`` as Telegram would store it."""
    mode = (parse_mode or "").strip().lower()
    try:
        if mode == "html":
            return parse_html(text)
        if mode == "markdownv2":
            return parse_markdown_v2(text)
        if mode == "markdown":
            return parse_markdown_legacy(text)
    except _EntityError as exc:
        raise _bad(f"can't parse entities: {exc}") from None
    if mode:
        raise _bad("unsupported parse_mode")
    return text, list(entities or [])


# Entities Telegram detects by itself in user messages.
_AUTO_ENTITY_RES = (
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)")),
    ("url", re.compile(r"(?<!\w)https?://[^\s<>\"]+[^\s<>\".,;:!?)\]']")),
    ("hashtag", re.compile(r"(?<![\w#])#[^\W\d_][\w]*")),
)


def detect_entities(text: str) -> list[dict]:
    """Entities Telegram adds to a user's text: bot_command, mention, url, hashtag (UTF-16)."""
    found = []
    for etype, regex in _AUTO_ENTITY_RES:
        for m in regex.finditer(text):
            if etype == "hashtag" and m.start() > 0 and text[m.start() - 1] == "&":
                continue
            found.append({"type": etype, "offset": _u16(text[: m.start()]), "length": _u16(m.group(0))})
    found.sort(key=lambda e: e["offset"])
    result: list[dict] = []
    last_end = -1
    for ent in found:  # Telegram entities of these kinds never overlap
        if ent["offset"] >= last_end:
            result.append(ent)
            last_end = ent["offset"] + ent["length"]
    return result


# --------------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    standin: BotApiStandIn

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), which can stall on DNS; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port

    def handle_error(self, request: Any, client_address: Any) -> None:  # quiet
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx/1.18.0"
    sys_version = ""
    timeout = 90  # idle keep-alive connections are dropped after this long
    server: _Server

    def setup(self) -> None:
        super().setup()
        try:  # headers and body go out in separate writes: avoid Nagle/delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.server.standin._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.standin._track_connection(self.connection, add=False)

    def do_POST(self) -> None:  # noqa: N802
        standin = self.server.standin
        with standin._cond:
            standin._in_flight += 1
        try:
            standin._serve_http(self)
        finally:
            with standin._cond:
                standin._in_flight -= 1
                standin._cond.notify_all()

    do_GET = do_POST  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            line = handler.rfile.readline(65537)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                break
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline(65537)
        return b"".join(chunks)
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


def _coerce_form_value(key: str, value: str) -> Any:
    if key in _STRING_FIELDS:
        return value
    if key in ("chat_id", "from_chat_id"):
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_params(handler: BaseHTTPRequestHandler, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {}
    query = urllib.parse.urlsplit(handler.path).query
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        params[key] = _coerce_form_value(key, value)
    ctype = handler.headers.get("Content-Type", "")
    mime = ctype.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if mime == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            raise _bad("can't parse JSON object") from None
        if not isinstance(data, dict):
            raise _bad("can't parse JSON object")
        for key, value in data.items():
            if isinstance(value, str) and key in _JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            params[key] = value
    elif mime == "multipart/form-data":
        raw = b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        for part in msg.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is None:
                params[name] = _coerce_form_value(name, payload.decode("utf-8", "replace"))
            else:
                params[name] = {
                    "filename": filename,
                    "content_type": part.get_content_type(),
                    "size": len(payload),
                }
    else:  # application/x-www-form-urlencoded (what PTB's HTTPXRequest sends)
        text = body.decode("utf-8", "replace")
        for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            params[key] = _coerce_form_value(key, value)
    return params


def _is_loopback_url(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_NO_PROXY_TLS_OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    urllib.request.HTTPSHandler(context=ssl._create_unverified_context()),  # loopback only
)


def _http_post_json(url: str, payload: dict, secret: str | None, timeout: float) -> int:
    """POST JSON to a loopback URL; return the HTTP status (raises OSError on no connection)."""
    if not _is_loopback_url(url):
        raise OSError(f"refusing to contact non-loopback URL {url!r}")
    data = json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    req = urllib.request.Request(url, data=data, headers=headers, method="POST")
    opener = _NO_PROXY_TLS_OPENER if url.lower().startswith("https:") else _NO_PROXY_OPENER
    try:
        with opener.open(req, timeout=timeout) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


# --------------------------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------------------------


class BotApiStandIn:
    """Telegram Bot API stand-in on 127.0.0.1.  See the module docstring."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        username: str = "painbot",
        *,
        first_name: str = "PainBot",
        privacy_mode: bool = True,
        strict_chats: bool = True,
        require_https_webhook: bool = False,
        webhook_target: str | None = None,
        webhook_attempts: int = 3,
        webhook_timeout: float = 3.0,
        max_long_poll: float = MAX_LONG_POLL_SECONDS,
        first_update_id: int = 100_000_001,
    ):
        self.token = token
        self.username = username
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 123456
        self.first_name = first_name
        self.privacy_mode = privacy_mode
        self.strict_chats = strict_chats
        self.require_https_webhook = require_https_webhook
        #: deliver webhook POSTs here instead of the URL the bot registered (e.g. the bot
        #: registers https://bot.example/hook but listens on http://127.0.0.1:8443/hook)
        self.webhook_target = webhook_target
        self.webhook_attempts = max(1, webhook_attempts)
        self.webhook_timeout = webhook_timeout
        self.max_long_poll = max_long_poll

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stop_event = threading.Event()
        self._stopping = False
        self._in_flight = 0  # requests being answered; stop() waits for them
        self._server: _Server | None = None
        self._server_thread: threading.Thread | None = None
        self._webhook_thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.port = 0

        self._next_update_id = first_update_id
        self._updates: list[dict] = []
        self._confirmed_offset = 0
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook: dict | None = None
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_deliveries: list[dict] = []

        self._chats: dict[int, dict] = {}
        self._users: dict[int, dict] = {}
        self._messages: dict[tuple[int, int], dict] = {}
        self._next_message_id: dict[int, int] = {}
        self._member_status: dict[tuple[int, int], str] = {}
        self._blocked_by: set[int] = set()
        self._commands: dict[tuple[str, str], list[dict]] = {}
        self._bot_texts: dict[str, str] = {}
        self._menu_buttons: dict[int | None, dict] = {}
        self._callback_queries: dict[str, dict] = {}
        self._inline_queries: dict[str, dict] = {}
        self._photo_ids: set[str] = set()  # file ids of photos uploaded so far
        self._query_counter = 0
        self._failures: list[dict] = []
        self._call_log: list[dict] = []
        self._request_log: list[str] = []
        self._suppressed: list[dict] = []
        self._version = 0
        self._down: frozenset[str] | None = None  # None: up; empty: every method down; else those
        self.dropped_requests = 0  # requests cut off by an outage

        self._methods: dict[str, Callable[[dict], Any]] = {}
        for name in dir(self):
            if name.startswith("_m_"):
                self._methods[name[3:].lower()] = getattr(self, name)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        if self._server is not None:
            return
        server = _Server(("127.0.0.1", 0), _Handler)
        server.standin = self
        self._server = server
        self.port = server.server_address[1]
        self._stop_event.clear()
        self._stopping = False
        self._server_thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="bot-api-standin",
            daemon=True,
        )
        self._server_thread.start()
        self._webhook_thread = threading.Thread(
            target=self._webhook_worker, name="bot-api-standin-webhook", daemon=True
        )
        self._webhook_thread.start()

    def stop(self) -> None:
        server = self._server
        if server is None:
            return
        with self._cond:
            self._stopping = True
            self._stop_event.set()
            self._cond.notify_all()
            # Let woken long polls write their (empty) answers before connections are cut.
            self._cond.wait_for(lambda: self._in_flight == 0, timeout=2.0)
        server.shutdown()  # serve_forever polls every 0.1 s
        with self._lock:
            conns = list(self._connections)
        for conn in conns:  # release keep-alive connections parked in readline()
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        for thread in (self._server_thread, self._webhook_thread):
            if thread is not None:
                thread.join(timeout=self.webhook_timeout + 1.0)
        self._server = None

    def __enter__(self) -> BotApiStandIn:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if not self.port:
            raise RuntimeError("BotApiStandIn is not started")
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def api_url(self) -> str:
        """``base_url`` + token: the prefix PTB puts in front of every method name."""
        return self.base_url + self.token

    def _track_connection(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ------------------------------------------------------------------ HTTP dispatch

    def _serve_http(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._request_log.append(handler.path)
        try:
            body = _read_body(handler)
        except (OSError, ValueError):
            handler.close_connection = True
            return
        if self._is_down(handler.path):
            handler.close_connection = True  # an outage: the connection drops without an answer
            return
        status, payload = self._dispatch(handler, body)
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            handler.send_header("Access-Control-Allow-Origin", "*")
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except OSError:  # client went away (e.g. PTB cancelled a long poll)
            handler.close_connection = True

    def _dispatch(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict]:
        path = urllib.parse.urlsplit(handler.path).path
        m = re.fullmatch(r"/bot([^/]+)/([A-Za-z0-9_]*)/?", path)
        if not m:
            return 404, ApiError(404, "Not Found").payload()
        token = urllib.parse.unquote(m.group(1))
        if token != self.token:
            return 401, ApiError(401, "Unauthorized").payload()
        func = self._methods.get(m.group(2).lower())
        try:
            params = _parse_params(handler, body)
        except ApiError as exc:
            return exc.code, exc.payload()
        method = func.__name__[3:] if func else m.group(2)
        entry = {"method": method, "params": params, "ok": None, "result": None, "error": None, "time": time.time()}
        with self._cond:
            self._call_log.append(entry)
            self._bump()
        try:
            if func is None:
                raise ApiError(404, "Not Found")
            with self._lock:
                self._check_injected_failure(method, params)
            result = func(params)
            status, payload = 200, {"ok": True, "result": result}
            if isinstance(result, tuple):  # (result, description)
                payload = {"ok": True, "result": result[0], "description": result[1]}
            entry["ok"], entry["result"] = True, copy.deepcopy(payload["result"])
        except ApiError as exc:
            status, payload = exc.code, exc.payload()
            entry["ok"], entry["error"] = False, payload
        except Exception as exc:  # a bug in the stand-in: surface it as a 500
            status = 500
            payload = ApiError(500, f"Internal Server Error: stand-in bug: {exc!r}").payload()
            entry["ok"], entry["error"] = False, payload
        with self._cond:
            self._bump()
        return status, payload

    def _is_down(self, path: str) -> bool:
        with self._lock:
            down = self._down
            method = urllib.parse.urlsplit(path).path.rstrip("/").rsplit("/", 1)[-1].lower()
            if down is None or (down and method not in down):
                return False
            self.dropped_requests += 1
            return True

    def outage(self, down: bool = True, methods: tuple[str, ...] = ()) -> None:
        """Start (or end, ``down=False``) an outage: requests get their connection closed unanswered,
        as when the API is unreachable.  ``methods`` limits it to those (e.g. ``("sendMessage",)``)."""
        with self._lock:
            self._down = frozenset(m.lower() for m in methods) if down else None

    def _bump(self) -> None:
        self._version += 1
        self._cond.notify_all()

    def _check_injected_failure(self, method: str, params: dict) -> None:
        for rule in self._failures:
            if rule["method"] != method.lower() or rule["remaining"] <= 0:
                continue
            if rule["chat_id"] is not None and str(params.get("chat_id")) != str(rule["chat_id"]):
                continue
            rule["remaining"] -= 1
            if rule["remaining"] <= 0:
                self._failures.remove(rule)
            parameters = {"retry_after": rule["retry_after"]} if rule["retry_after"] else None
            raise ApiError(rule["error_code"], rule["description"], parameters)

    # ------------------------------------------------------------------ helpers (state)

    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def _user(self, user_id: int, first_name: str | None = None, is_bot: bool = False) -> dict:
        user = self._users.get(user_id)
        if user is None or user.get("is_bot") != is_bot or (first_name and user.get("first_name") != first_name):
            user = {
                "id": user_id,
                "is_bot": is_bot,
                "first_name": first_name or ("Bot" if is_bot else f"User{user_id}"),
            }
            if is_bot:
                user["username"] = f"other{abs(user_id)}_bot"
            else:
                user["language_code"] = "en"
            self._users[user_id] = user
        return dict(user)

    def _private_chat(self, user: dict) -> dict:
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            chat["username"] = user["username"]
        self._chats[user["id"]] = chat
        return dict(chat)

    def _group_chat(self, chat_id: int, chat_type: str = "supergroup", title: str | None = None) -> dict:
        chat = self._chats.get(chat_id)
        if chat is None or chat["type"] != chat_type or (title and chat.get("title") != title):
            chat = {"id": chat_id, "type": chat_type, "title": title or "Test Group"}
            self._chats[chat_id] = chat
        return dict(chat)

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _store_message(self, msg: dict) -> None:
        chat_id = msg["chat"]["id"]
        mid = msg["message_id"]
        self._messages[(chat_id, mid)] = msg
        if self._next_message_id.get(chat_id, 1) <= mid:
            self._next_message_id[chat_id] = mid + 1

    def _register_update(self, update: dict) -> None:
        """Make chats, users, messages and query ids inside a pushed update known."""
        for key, obj in update.items():
            if not isinstance(obj, dict):
                continue
            for who in (obj.get("from"), (obj.get("new_chat_member") or {}).get("user")):
                if isinstance(who, dict) and "id" in who and who["id"] != self.bot_id:
                    self._users.setdefault(who["id"], dict(who))
            chat = obj.get("chat")
            if key in ("callback_query",) and isinstance(obj.get("message"), dict):
                chat = obj["message"].get("chat")
                self._callback_queries[str(obj["id"])] = {"answered": False}
                self._remember_message(obj["message"])
            if key == "inline_query" and "id" in obj:
                self._inline_queries[str(obj["id"])] = {"answered": False}
            if isinstance(chat, dict) and "id" in chat:
                self._chats.setdefault(chat["id"], dict(chat))
            if key in ("message", "edited_message", "channel_post", "edited_channel_post"):
                self._remember_message(obj)
            if key == "my_chat_member" and isinstance(chat, dict):
                new = obj.get("new_chat_member") or {}
                if new.get("status"):
                    self._member_status[(chat["id"], self.bot_id)] = new["status"]
                    if chat.get("type") == "private":
                        if new["status"] == "kicked":
                            self._blocked_by.add(chat["id"])
                        else:
                            self._blocked_by.discard(chat["id"])

    def _remember_message(self, msg: dict) -> None:
        if "message_id" in msg and isinstance(msg.get("chat"), dict):
            self._store_message(copy.deepcopy(msg))

    def _resolve_chat(self, chat_id: Any, *, for_sending: bool = True) -> dict:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str):
            if re.fullmatch(r"-?\d+", chat_id):
                chat_id = int(chat_id)
            else:
                for chat in self._chats.values():
                    if chat.get("username") and "@" + chat["username"] == chat_id:
                        chat_id = chat["id"]
                        break
                else:
                    raise _bad("chat not found")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise _bad("chat not found")
            if chat_id > 0:
                chat = self._private_chat(self._user(chat_id))
            else:
                chat = self._group_chat(chat_id, "supergroup" if chat_id < -(10**12) else "group")
        if for_sending:
            if chat["type"] == "private" and chat["id"] in self._blocked_by:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            status = self._member_status.get((chat["id"], self.bot_id))
            if chat["type"] != "private" and status in ("left", "kicked"):
                kind = "supergroup" if chat["type"] == "supergroup" else "group"
                if chat["type"] == "channel":
                    kind = "channel"
                if status == "kicked":
                    raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return dict(chat)

    def _validate_reply_markup(self, markup: Any) -> dict | None:
        """Validate reply_markup; return what a Message echoes (inline keyboards only)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
                raise _bad("can't parse reply keyboard markup JSON object")
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad('can\'t find field "text"')
                if not button["text"]:
                    raise _bad("BUTTON_TEXT_INVALID")  # hedged: TG rejects empty button text
                actions = [k for k in _INLINE_BUTTON_ACTIONS if k in button]
                if not actions:
                    raise _bad("text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not data or len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button:
                    url = button["url"]
                    scheme = urllib.parse.urlsplit(str(url)).scheme.lower()
                    if scheme not in ("http", "https", "tg") or (
                        scheme in ("http", "https") and not urllib.parse.urlsplit(url).hostname
                    ):
                        raise _bad(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
        return {"inline_keyboard": copy.deepcopy(rows)}

    def _reply_target(self, chat: dict, params: dict) -> dict | None:
        rp = params.get("reply_parameters")
        if rp is None and params.get("reply_to_message_id") is not None:
            rp = {
                "message_id": params["reply_to_message_id"],
                "allow_sending_without_reply": params.get("allow_sending_without_reply", False),
            }
        if rp is None:
            return None
        if not isinstance(rp, dict) or not isinstance(rp.get("message_id"), int):
            raise _bad("can't parse reply parameters JSON object")
        target_chat = chat["id"]
        if rp.get("chat_id") is not None:
            target_chat = self._resolve_chat(rp["chat_id"], for_sending=False)["id"]
        original = self._messages.get((target_chat, rp["message_id"]))
        if original is None:
            if rp.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        reply = copy.deepcopy(original)
        reply.pop("reply_to_message", None)
        return reply

    def _text_and_entities(self, params: dict, key: str = "text") -> tuple[str, list[dict]]:
        text = params.get(key)
        if text is None or (isinstance(text, str) and not text.strip()):
            raise _bad("message text is empty")
        if not isinstance(text, str):
            text = json.dumps(text)
        plain, entities = parse_formatted(text, params.get("parse_mode"), params.get("entities"))
        if not plain.strip():
            raise _bad("message text is empty")
        if len(plain) > MAX_MESSAGE_LENGTH:
            raise _bad("message is too long")
        return plain, entities

    def _member_object(self, chat_id: int, user_id: int) -> dict:
        if user_id == self.bot_id:
            user = self._bot_user()
            default = "member"
        else:
            user = dict(self._users.get(user_id) or self._user(user_id))
            default = "member"
        status = self._member_status.get((chat_id, user_id), default)
        return self._member_dict(user, status)

    @staticmethod
    def _member_dict(user: dict, status: str) -> dict:
        member: dict[str, Any] = {"status": status, "user": dict(user)}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_pin_messages=True,
                can_manage_topics=False,
            )
        elif status == "restricted":
            member.update(
                is_member=True,
                can_send_messages=False,
                can_send_audios=False,
                can_send_documents=False,
                can_send_photos=False,
                can_send_videos=False,
                can_send_video_notes=False,
                can_send_voice_notes=False,
                can_send_polls=False,
                can_send_other_messages=False,
                can_add_web_page_previews=False,
                can_change_info=False,
                can_invite_users=False,
                can_pin_messages=False,
                can_manage_topics=False,
                can_edit_tag=False,
                can_react_to_messages=False,
                until_date=0,
            )
        elif status == "kicked":
            member["until_date"] = 0
        return member

    # ------------------------------------------------------------------ Bot API methods

    def _m_getMe(self, p: dict) -> dict:
        user = self._bot_user()
        user.update(
            can_join_groups=True,
            can_read_all_group_messages=not self.privacy_mode,
            supports_inline_queries=True,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
        return user

    def _m_logOut(self, p: dict) -> bool:
        return True

    def _m_close(self, p: dict) -> bool:
        return True

    def _m_getUpdates(self, p: dict) -> list[dict]:
        def as_int(name: str, default: int) -> int:
            value = p.get(name, default)
            try:
                return int(value)
            except (TypeError, ValueError):
                raise _bad(f"wrong parameter {name}") from None

        offset = as_int("offset", 0)
        limit = min(max(as_int("limit", 100), 1), 100)
        try:
            timeout = max(0.0, float(p.get("timeout", 0) or 0))
        except (TypeError, ValueError):
            raise _bad("wrong parameter timeout") from None
        allowed = p.get("allowed_updates")
        with self._cond:
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # terminates an older long poll
            if isinstance(allowed, list):
                self._allowed_updates = [str(a) for a in allowed] or None
            self._confirm(offset)
            deadline = time.monotonic() + min(timeout, self.max_long_poll)
            while True:
                if self._stopping:
                    return []
                if generation != self._poll_generation:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make "
                        "sure that only one bot instance is running",
                    )
                if self._webhook is not None:
                    raise ApiError(409, "Conflict: terminated by setWebhook request")
                batch = self._deliverable(self._allowed_updates, limit)
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0:
                    return batch
                self._cond.wait(min(remaining, 1.0))

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self._confirmed_offset = max(self._confirmed_offset, offset)
        elif offset < 0:
            keep = self._updates[offset:] if -offset < len(self._updates) else self._updates
            if keep is not self._updates and keep:
                self._confirmed_offset = max(self._confirmed_offset, keep[0]["update_id"])
            self._updates = list(keep)

    @staticmethod
    def _update_kind(update: dict) -> str:
        return next((k for k in update if k != "update_id"), "")

    def _allowed(self, update: dict, allowed: list[str] | None) -> bool:
        kind = self._update_kind(update)
        if allowed:
            return kind in allowed
        return kind not in DEFAULT_EXCLUDED_UPDATES

    def _deliverable(self, allowed: list[str] | None, limit: int) -> list[dict]:
        # Telegram never creates updates of kinds the bot did not ask for: drop them.
        self._updates = [u for u in self._updates if self._allowed(u, allowed)]
        return copy.deepcopy(self._updates[:limit])

    def _m_setWebhook(self, p: dict) -> tuple[bool, str]:
        url = p.get("url", "")
        if not isinstance(url, str):
            raise _bad("bad webhook: invalid URL")
        if url == "":
            return self._m_deleteWebhook(p)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _bad("bad webhook: Failed to resolve host: Name or service not known")
        if self.require_https_webhook and parts.scheme != "https":
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise _bad("bad webhook: Secret token contains unallowed characters")
        allowed = p.get("allowed_updates")
        with self._cond:
            if p.get("drop_pending_updates"):
                self._updates.clear()
            was = self._webhook
            self._webhook = {
                "url": url,
                "secret_token": None if secret is None else str(secret),
                "allowed_updates": [str(a) for a in allowed]
                if isinstance(allowed, list)
                else (was or {}).get("allowed_updates"),
                "max_connections": int(p.get("max_connections", 40) or 40),
                "ip_address": p.get("ip_address") or "127.0.0.1",
                "has_custom_certificate": isinstance(p.get("certificate"), dict),
            }
            self._webhook_error = None
            self._cond.notify_all()
        if was and was["url"] == url:
            return True, "Webhook is already set"
        return True, "Webhook was set"

    def _m_deleteWebhook(self, p: dict) -> tuple[bool, str]:
        with self._cond:
            if p.get("drop_pending_updates"):
                self._updates.clear()
            was = self._webhook
            self._webhook = None
            self._cond.notify_all()
        return True, ("Webhook was deleted" if was else "Webhook is already deleted")

    def _m_getWebhookInfo(self, p: dict) -> dict:
        with self._lock:
            hook = self._webhook
            info: dict[str, Any] = {
                "url": hook["url"] if hook else "",
                "has_custom_certificate": bool(hook and hook["has_custom_certificate"]),
                "pending_update_count": len(self._updates),
            }
            if hook:
                info["max_connections"] = hook["max_connections"]
                info["ip_address"] = hook["ip_address"]
                if hook["allowed_updates"]:
                    info["allowed_updates"] = list(hook["allowed_updates"])
                if self._webhook_error:
                    info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    def _m_sendMessage(self, p: dict) -> dict:
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"))
            plain, entities = self._text_and_entities(p)
            markup = self._validate_reply_markup(p.get("reply_markup"))
            reply = self._reply_target(chat, p)
            msg: dict[str, Any] = {
                "message_id": self._new_message_id(chat["id"]),
                "from": self._bot_user(),
                "chat": chat,
                "date": int(time.time()),
                "text": plain,
            }
            if p.get("message_thread_id") and chat["type"] == "supergroup":
                msg["message_thread_id"] = p["message_thread_id"]
            if reply is not None:
                msg["reply_to_message"] = reply
            if entities:
                msg["entities"] = entities
            if isinstance(p.get("link_preview_options"), dict):
                msg["link_preview_options"] = p["link_preview_options"]
            if markup:
                msg["reply_markup"] = markup
            self._store_message(msg)
            return copy.deepcopy(msg)

    def _m_sendPhoto(self, p: dict) -> dict:
        """An uploaded PNG/JPEG gets a new file id; a file id this stand-in issued is sent again."""
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"))
            photo = p.get("photo")
            if isinstance(photo, dict):
                if not photo.get("size"):
                    raise _bad("IMAGE_PROCESS_FAILED")
                file_id = f"AgACAgStandIn{len(self._photo_ids) + 1}"
                self._photo_ids.add(file_id)
            elif isinstance(photo, str) and photo in self._photo_ids:
                file_id = photo
            else:
                raise _bad("wrong file identifier/HTTP URL specified")
            markup = self._validate_reply_markup(p.get("reply_markup"))
            msg: dict[str, Any] = {
                "message_id": self._new_message_id(chat["id"]),
                "from": self._bot_user(),
                "chat": chat,
                "date": int(time.time()),
                "photo": [{"file_id": file_id, "file_unique_id": file_id[-8:], "width": 1200, "height": 900}],
            }
            if p.get("caption"):
                caption, entities = self._text_and_entities(p, "caption")
                if len(caption) > 1024:
                    raise _bad("message caption is too long")
                msg["caption"] = caption
                if entities:
                    msg["caption_entities"] = entities
            if markup:
                msg["reply_markup"] = markup
            self._store_message(msg)
            return copy.deepcopy(msg)

    def _find_editable(self, p: dict, verb: str = "edit") -> dict:
        chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
        mid = p.get("message_id")
        if not isinstance(mid, int):
            raise _bad("message identifier is not specified")
        msg = self._messages.get((chat["id"], mid))
        if msg is None:
            raise _bad(f"message to {verb} not found")
        if verb == "edit" and (msg.get("from") or {}).get("id") != self.bot_id:
            raise _bad("message can't be edited")
        return msg

    def _m_editMessageText(self, p: dict) -> dict | bool:
        with self._lock:
            plain, entities = self._text_and_entities(p)
            markup = self._validate_reply_markup(p.get("reply_markup"))
            if p.get("inline_message_id"):
                if p.get("chat_id") is not None or p.get("message_id") is not None:
                    raise _bad("chat_id and message_id must be empty if inline_message_id is specified")
                return True
            msg = self._find_editable(p)
            if msg.get("text") == plain and msg.get("entities", []) == entities and msg.get("reply_markup") == markup:
                raise _bad(_NOT_MODIFIED[len("Bad Request: ") :])
            msg["text"] = plain
            msg.pop("entities", None)
            msg.pop("reply_markup", None)  # no reply_markup in the edit removes the keyboard
            if entities:
                msg["entities"] = entities
            if markup:
                msg["reply_markup"] = markup
            msg["edit_date"] = int(time.time())
            return copy.deepcopy(msg)

    def _m_editMessageReplyMarkup(self, p: dict) -> dict | bool:
        with self._lock:
            markup = self._validate_reply_markup(p.get("reply_markup"))
            if p.get("inline_message_id"):
                return True
            msg = self._find_editable(p)
            if msg.get("reply_markup") == markup:
                raise _bad(_NOT_MODIFIED[len("Bad Request: ") :])
            msg.pop("reply_markup", None)
            if markup:
                msg["reply_markup"] = markup
            msg["edit_date"] = int(time.time())
            return copy.deepcopy(msg)

    def _m_deleteMessage(self, p: dict) -> bool:
        with self._lock:
            msg = self._find_editable(p, verb="delete")
            del self._messages[(msg["chat"]["id"], msg["message_id"])]
            return True

    def _m_answerCallbackQuery(self, p: dict) -> bool:
        with self._lock:
            qid = str(p.get("callback_query_id", ""))
            query = self._callback_queries.get(qid)
            if query is None or query["answered"]:
                raise _bad(_QUERY_TOO_OLD[len("Bad Request: ") :])
            text = p.get("text")
            if text is not None and len(str(text)) > 200:
                raise _bad("MESSAGE_TOO_LONG")
            query["answered"] = True
            return True

    def _m_answerInlineQuery(self, p: dict) -> bool:
        with self._lock:
            qid = str(p.get("inline_query_id", ""))
            query = self._inline_queries.get(qid)
            if query is None or query["answered"]:
                raise _bad(_QUERY_TOO_OLD[len("Bad Request: ") :])
            results = p.get("results")
            if not isinstance(results, list):
                raise _bad("can't parse inline query results JSON object")
            if len(results) > 50:
                raise _bad("RESULTS_TOO_MUCH")
            seen: set[str] = set()
            for result in results:
                if not isinstance(result, dict) or not result.get("type"):
                    raise _bad("can't parse inline query result")
                rid = result.get("id")
                if not isinstance(rid, str) or not 1 <= len(rid.encode()) <= 64:
                    raise _bad("RESULT_ID_INVALID")
                if rid in seen:
                    raise _bad("RESULT_ID_DUPLICATE")
                seen.add(rid)
                if result["type"] == "article":
                    if not result.get("title"):
                        raise _bad("RESULT_TITLE_EMPTY")
                    content = result.get("input_message_content")
                    if not isinstance(content, dict):
                        raise _bad("can't parse InputMessageContent")
                    if "message_text" in content:
                        self._text_and_entities(content, key="message_text")
                if "reply_markup" in result:
                    self._validate_reply_markup(result["reply_markup"])
            query["answered"] = True
            return True

    @staticmethod
    def _commands_key(p: dict) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    def _m_setMyCommands(self, p: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands specified")
        clean = []
        for cmd in commands:
            if not isinstance(cmd, dict):
                raise _bad("can't parse BotCommand")
            name = cmd.get("command")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("BOT_COMMAND_INVALID")
            desc = cmd.get("description")
            if not isinstance(desc, str) or not 1 <= len(desc.strip()) <= 256:
                raise _bad("command description is empty")
            clean.append({"command": name, "description": desc})
        with self._lock:
            self._commands[self._commands_key(p)] = clean
        return True

    def _m_getMyCommands(self, p: dict) -> list[dict]:
        with self._lock:
            return copy.deepcopy(self._commands.get(self._commands_key(p), []))

    def _m_deleteMyCommands(self, p: dict) -> bool:
        with self._lock:
            self._commands.pop(self._commands_key(p), None)
        return True

    def _text_setting(self, kind: str, p: dict, limit: int) -> bool:
        value = p.get(kind, "") or ""
        if len(value) > limit:
            raise _bad(f"{kind} is too long")
        with self._lock:
            self._bot_texts[f"{kind}/{p.get('language_code') or ''}"] = value
        return True

    def _m_setMyDescription(self, p: dict) -> bool:
        return self._text_setting("description", p, 512)

    def _m_setMyShortDescription(self, p: dict) -> bool:
        return self._text_setting("short_description", p, 120)

    def _m_setMyName(self, p: dict) -> bool:
        return self._text_setting("name", p, 64)

    def _m_getMyDescription(self, p: dict) -> dict:
        with self._lock:
            return {"description": self._bot_texts.get(f"description/{p.get('language_code') or ''}", "")}

    def _m_getMyShortDescription(self, p: dict) -> dict:
        with self._lock:
            return {"short_description": self._bot_texts.get(f"short_description/{p.get('language_code') or ''}", "")}

    def _m_getMyName(self, p: dict) -> dict:
        with self._lock:
            return {"name": self._bot_texts.get(f"name/{p.get('language_code') or ''}", self.first_name)}

    def _m_setChatMenuButton(self, p: dict) -> bool:
        with self._lock:
            self._menu_buttons[p.get("chat_id")] = p.get("menu_button") or {"type": "default"}
        return True

    def _m_getChatMenuButton(self, p: dict) -> dict:
        with self._lock:
            return copy.deepcopy(self._menu_buttons.get(p.get("chat_id"), {"type": "commands"}))

    def _m_getChatMember(self, p: dict) -> dict:
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
            user_id = p.get("user_id")
            if not isinstance(user_id, int) or isinstance(user_id, bool) or user_id <= 0:
                raise _bad("invalid user_id specified")
            if chat["type"] == "private" and user_id not in (chat["id"], self.bot_id):
                raise _bad("user not found")
            return self._member_object(chat["id"], user_id)

    def _m_getChatAdministrators(self, p: dict) -> list[dict]:
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
            if chat["type"] == "private":
                raise _bad("there are no administrators in the private chat")
            return [
                self._member_object(chat["id"], uid)
                for (cid, uid), status in sorted(self._member_status.items())
                if cid == chat["id"] and status in ("creator", "administrator")
            ]

    def _m_getChatMemberCount(self, p: dict) -> int:
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
            if chat["type"] == "private":
                return 2
            members = {
                uid
                for (cid, uid), s in self._member_status.items()
                if cid == chat["id"] and s not in ("left", "kicked")
            }
            return max(len(members | {self.bot_id}), 2)

    def _m_getChat(self, p: dict) -> dict:
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
            full = dict(chat)
            full.update(
                accent_color_id=0,
                max_reaction_count=11,
                accepted_gift_types={
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            )
            if chat["type"] != "private":
                full["permissions"] = {"can_send_messages": True}
            return full

    def _m_sendChatAction(self, p: dict) -> bool:
        with self._lock:
            self._resolve_chat(p.get("chat_id"))
            if p.get("action") not in _CHAT_ACTIONS:
                raise _bad("wrong parameter action in request")
            return True

    def _m_leaveChat(self, p: dict) -> bool:
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
            if chat["type"] == "private":
                raise _bad("chat member status can't be changed in private chats")
            self._member_status[(chat["id"], self.bot_id)] = "left"
            return True

    # ------------------------------------------------------------------ webhook delivery

    def _webhook_worker(self) -> None:
        while not self._stop_event.is_set():
            with self._cond:
                hook = self._webhook
                update = None
                if hook is not None:
                    self._updates = [u for u in self._updates if self._allowed(u, hook["allowed_updates"])]
                    if self._updates:
                        update = copy.deepcopy(self._updates[0])
                if update is None:
                    self._cond.wait(0.5)
                    continue
                url = self.webhook_target or hook["url"]
                secret = hook["secret_token"]
            record = {
                "update_id": update["update_id"],
                "url": url,
                "attempts": 0,
                "status": None,
                "error": None,
                "ok": False,
            }
            for attempt in range(self.webhook_attempts):
                if attempt and self._stop_event.wait(min(0.1 * 2**attempt, 1.0)):
                    break
                record["attempts"] = attempt + 1
                try:
                    status = _http_post_json(url, update, secret, self.webhook_timeout)
                except OSError as exc:
                    record["status"], record["error"] = None, f"Connection failed: {exc}"
                    continue
                record["status"] = status
                if 200 <= status <= 299:
                    record["ok"], record["error"] = True, None
                    break
                record["error"] = f"Wrong response from the webhook: {status}"
            with self._cond:
                if self._stop_event.is_set() and not record["ok"]:
                    return  # keep the update pending; we're shutting down
                # delivered, or given up on after bounded attempts: either way it leaves the queue
                self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                if not record["ok"]:
                    self._webhook_error = (int(time.time()), record["error"] or "failed")
                self._webhook_deliveries.append(record)
                self._bump()

    # ------------------------------------------------------------------ test-side API

    def push_update(self, update: dict) -> int:
        """Queue a raw update (an ``update_id`` is assigned); returns the update_id."""
        with self._cond:
            update = copy.deepcopy(update)
            update.pop("update_id", None)
            update_id = self._next_update_id
            self._next_update_id += 1
            update = {"update_id": update_id, **update}
            self._register_update(update)
            self._updates.append(update)
            self._cond.notify_all()
            return update_id

    def _reserve_update_id(self) -> int:
        with self._lock:
            update_id = self._next_update_id
            self._next_update_id += 1
            return update_id

    def add_chat(
        self, chat_id: int, chat_type: str | None = None, title: str | None = None, first_name: str = "Sam"
    ) -> dict:
        """Make a chat known (as if it had sent the bot something earlier)."""
        with self._lock:
            if chat_type is None:
                chat_type = "private" if chat_id > 0 else "supergroup"
            if chat_type == "private":
                return self._private_chat(self._user(chat_id, first_name))
            return self._group_chat(chat_id, chat_type, title)

    def _user_message(
        self, chat: dict, user: dict, text: str | None, entities: list | None, extra: dict | None = None
    ) -> dict:
        msg: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
        }
        if text is not None:
            msg["text"] = text
            ents = detect_entities(text) if entities is None else list(entities)
            if ents:
                msg["entities"] = ents
        if extra:
            msg.update(extra)
        return msg

    def _privacy_allows(self, msg: dict) -> bool:
        chat = msg["chat"]
        if chat["type"] not in ("group", "supergroup") or not self.privacy_mode:
            return True
        if self._member_status.get((chat["id"], self.bot_id)) in ("administrator", "creator"):
            return True
        if any(k in msg for k in _SERVICE_KEYS):
            return True
        reply = msg.get("reply_to_message") or {}
        if (reply.get("from") or {}).get("id") == self.bot_id:
            return True
        text = msg.get("text") or msg.get("caption") or ""
        if text.startswith("/"):
            first = text.split(None, 1)[0]
            if "@" in first:
                return first.split("@", 1)[1].lower() == self.username.lower()
            return True
        for ent in msg.get("entities") or msg.get("caption_entities") or []:
            if ent.get("type") == "mention":
                utf16 = text.encode("utf-16-le")
                piece = utf16[2 * ent["offset"] : 2 * (ent["offset"] + ent["length"])]
                if piece.decode("utf-16-le").lower() == "@" + self.username.lower():
                    return True
        return False

    def _push_message(self, msg: dict, key: str = "message") -> int:
        """Push a message update unless privacy mode would hide it (then return 0)."""
        with self._cond:
            if not self._privacy_allows(msg):
                # Telegram never shows this message to the bot; it still uses up a message id.
                self._store_message(copy.deepcopy(msg))
                self._suppressed.append(copy.deepcopy(msg))
                return 0
            return self.push_update({key: msg})

    def private_message(
        self,
        text: str,
        user_id: int = 1001,
        first_name: str = "Sam",
        entities: list | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Push a private text message from a user; returns the update_id."""
        with self._cond:
            user = self._user(user_id, first_name)
            chat = self._private_chat(user)
            msg = self._user_message(chat, user, text, entities)
            if reply_to_message_id is not None:
                self._attach_reply(msg, chat["id"], reply_to_message_id)
            return self._push_message(msg)

    def _earlier_bot_message(self, chat: dict, message_id: int) -> dict:
        """A plausible bot message, a minute old, for a message id the stand-in never saw."""
        return {
            "message_id": message_id,
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": int(time.time()) - 60,
            "text": "(earlier message)",
        }

    def _attach_reply(self, msg: dict, chat_id: int, message_id: int) -> None:
        original = self._messages.get((chat_id, message_id))
        if original is None:  # synthesize a plausible bot message
            original = self._earlier_bot_message(msg["chat"], message_id)
            self._store_message(copy.deepcopy(original))
        reply = copy.deepcopy(original)
        reply.pop("reply_to_message", None)
        msg["reply_to_message"] = reply

    def group_message(
        self,
        text: str,
        chat_id: int = -1002,
        user_id: int = 1002,
        reply_to_bot_message_id: int | None = None,
        entities: list | None = None,
        chat_type: str = "supergroup",
        from_bot: bool = False,
        first_name: str = "Alex",
        title: str | None = None,
    ) -> int:
        """Push a group text message; returns the update_id, or 0 if privacy mode hides it.

        ``entities=None`` auto-detects mentions ("@painbot"), commands, urls, hashtags.
        """
        with self._cond:
            user = self._user(user_id, first_name if not from_bot else None, is_bot=from_bot)
            chat = self._group_chat(chat_id, chat_type, title)
            msg = self._user_message(chat, user, text, entities)
            if reply_to_bot_message_id is not None:
                self._attach_reply(msg, chat_id, reply_to_bot_message_id)
            return self._push_message(msg)

    def command(
        self,
        text: str,
        chat_id: int | None = None,
        chat_type: str = "private",
        user_id: int | None = None,
        first_name: str = "Sam",
    ) -> int:
        """Push a command message ("/start args"); returns the update_id (0 if not delivered)."""
        if not text.startswith("/"):
            raise ValueError("a command must start with '/'")
        with self._cond:
            if chat_type == "private":
                user_id = user_id or chat_id or 1001
                user = self._user(user_id, first_name)
                chat = self._private_chat(user)
            else:
                user = self._user(user_id or 1002, first_name)
                chat = self._group_chat(chat_id if chat_id is not None else -1002, chat_type)
            msg = self._user_message(chat, user, text, None)
            first = text.split(None, 1)[0]
            ents = [e for e in msg.get("entities", []) if e["offset"] != 0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(first)}] + ents
            return self._push_message(msg)

    def callback_query(
        self, data: str, message_id: int, chat_id: int, user_id: int = 1001, first_name: str = "Sam"
    ) -> int:
        """Push a callback_query (button press) on a message; returns the update_id."""
        with self._cond:
            user = self._user(user_id, first_name)
            chat = self._chats.get(chat_id)
            if chat is None:
                chat = self._private_chat(user) if chat_id > 0 else self._group_chat(chat_id)
            msg = self._messages.get((chat_id, message_id))
            if msg is None:
                msg = self._earlier_bot_message(chat, message_id)
            self._query_counter += 1
            query = {
                "id": str(4_000_000_000_000_000_000 + self._query_counter),
                "from": user,
                "message": copy.deepcopy(msg),
                "chat_instance": str(-(abs(chat_id) * 7919 + 1_000_000_007)),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def inline_query(
        self, query: str, user_id: int = 1001, first_name: str = "Sam", offset: str = "", chat_type: str = "sender"
    ) -> int:
        """Push an inline_query; returns the update_id."""
        with self._cond:
            self._query_counter += 1
            inline = {
                "id": str(5_000_000_000_000_000_000 + self._query_counter),
                "from": self._user(user_id, first_name),
                "query": query,
                "offset": offset,
                "chat_type": chat_type,
            }
            return self.push_update({"inline_query": inline})

    def non_text_message(
        self, kind: str = "sticker", chat_id: int | None = None, user_id: int | None = None, caption: str | None = None
    ) -> int:
        """Push a message without text (sticker, photo, voice, document, location, contact,
        video, animation, audio, video_note, poll, dice); returns the update_id (0 if hidden)."""
        n = self._query_counter + 1
        fid = {"file_id": f"CAACAgIAAx0C{kind}{n:06d}", "file_unique_id": f"AgAD{kind[:3]}{n}"}
        payloads: dict[str, Any] = {
            "sticker": {
                **fid,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            },
            "photo": [
                {**fid, "width": 90, "height": 90, "file_size": 1200},
                {
                    "file_id": fid["file_id"] + "x",
                    "file_unique_id": fid["file_unique_id"] + "x",
                    "width": 800,
                    "height": 800,
                    "file_size": 54000,
                },
            ],
            "voice": {**fid, "duration": 3, "mime_type": "audio/ogg", "file_size": 9000},
            "audio": {**fid, "duration": 120, "mime_type": "audio/mpeg", "file_size": 900000},
            "document": {**fid, "file_name": "notes.pdf", "mime_type": "application/pdf", "file_size": 20000},
            "video": {**fid, "width": 640, "height": 360, "duration": 5, "file_size": 300000},
            "animation": {**fid, "width": 320, "height": 240, "duration": 2},
            "video_note": {**fid, "length": 240, "duration": 4},
            "location": {"latitude": 51.5072, "longitude": -0.1276},
            "contact": {"phone_number": "+441234567890", "first_name": "Sam", "user_id": 1001},
            "dice": {"emoji": "🎲", "value": 4},
            "poll": {
                "id": f"{n}",
                "question": "Which?",
                "options": [{"text": "A", "voter_count": 0}, {"text": "B", "voter_count": 0}],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            },
        }
        if kind not in payloads:
            raise ValueError(f"unknown kind {kind!r}; choose from {sorted(payloads)}")
        with self._cond:
            self._query_counter += 1
            if chat_id is None or chat_id > 0:
                user = self._user(user_id or chat_id or 1001)
                chat = self._private_chat(user)
            else:
                user = self._user(user_id or 1002, "Alex")
                chat = self._chats.get(chat_id) or self._group_chat(chat_id)
            extra: dict[str, Any] = {kind: payloads[kind]}
            if caption is not None and kind in ("photo", "video", "document", "audio", "voice", "animation"):
                extra["caption"] = caption
                ents = detect_entities(caption)
                if ents:
                    extra["caption_entities"] = ents
            msg = self._user_message(chat, user, None, None, extra)
            return self._push_message(msg)

    def bot_added_to_group(
        self,
        chat_id: int,
        by_user_id: int,
        chat_type: str = "supergroup",
        title: str | None = None,
        first_name: str = "Alex",
    ) -> int:
        """Push what Telegram sends when a user adds the bot to a group: a my_chat_member
        update (left -> member) and then a service message with new_chat_members=[bot].
        Returns the update_id of the service message."""
        with self._cond:
            user = self._user(by_user_id, first_name)
            chat = self._group_chat(chat_id, chat_type, title)
            now = int(time.time())
            bot = self._bot_user()
            self._member_status[(chat_id, self.bot_id)] = "member"
            self._push_my_chat_member(chat, user, "left", "member", now)
            msg = self._user_message(
                chat,
                user,
                None,
                None,
                {
                    "new_chat_participant": bot,
                    "new_chat_member": bot,
                    "new_chat_members": [bot],
                },
            )
            return self._push_message(msg)

    def _push_my_chat_member(self, chat: dict, user: dict, old: str, new: str, date: int) -> int:
        """Push a my_chat_member update: the bot's status in chat went from old to new (by user)."""
        bot = self._bot_user()
        new_member: dict = {"user": bot, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        return self.push_update(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": user,
                    "date": date,
                    "old_chat_member": {"user": bot, "status": old},
                    "new_chat_member": new_member,
                }
            }
        )

    def bot_removed_from_group(self, chat_id: int, by_user_id: int) -> int:
        """Push the my_chat_member update for the bot being removed (member -> kicked)."""
        with self._cond:
            user = self._user(by_user_id)
            chat = self._chats.get(chat_id) or self._group_chat(chat_id)
            return self._push_my_chat_member(chat, user, "member", "kicked", int(time.time()))

    def user_blocks_bot(self, user_id: int = 1001) -> int:
        """Push the my_chat_member update Telegram sends when a user blocks the bot; from then
        on sendMessage to that user fails with 403 "Forbidden: bot was blocked by the user"."""
        with self._cond:
            user = self._user(user_id)
            chat = self._private_chat(user)
            return self._push_my_chat_member(chat, user, "member", "kicked", int(time.time()))

    # -- inspection

    @property
    def calls(self) -> list[tuple[str, dict]]:
        """Every method call (including failed ones) as (method, params), in order."""
        with self._lock:
            return [(e["method"], copy.deepcopy(e["params"])) for e in self._call_log]

    @property
    def call_log(self) -> list[dict]:
        """Like ``calls`` but with outcome: {method, params, ok, result, error, time}."""
        with self._lock:
            return copy.deepcopy(self._call_log)

    @property
    def request_log(self) -> list[str]:
        """Raw request paths (they contain the token, as real Bot API URLs do)."""
        with self._lock:
            return list(self._request_log)

    @property
    def suppressed_by_privacy(self) -> list[dict]:
        """Group messages the helpers did not deliver because of privacy mode."""
        with self._lock:
            return copy.deepcopy(self._suppressed)

    @property
    def webhook_deliveries(self) -> list[dict]:
        """One record per update the stand-in tried to POST to the webhook."""
        with self._lock:
            return copy.deepcopy(self._webhook_deliveries)

    @property
    def webhook(self) -> dict | None:
        """The webhook the bot set ({url, secret_token, allowed_updates, ...}) or None."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    def _successful(self, method: str, chat_id: int | str | None) -> list[dict]:
        out = []
        for entry in self._call_log:
            if entry["method"] != method or not entry["ok"]:
                continue
            if chat_id is not None:
                result = entry["result"]
                cid = result["chat"]["id"] if isinstance(result, dict) else entry["params"].get("chat_id")
                if str(cid) != str(chat_id):
                    continue
            out.append(entry)
        return out

    def sent(self, chat_id: int | str | None = None) -> list[dict]:
        """Params of successful sendMessage calls so far (optionally only to one chat)."""
        with self._lock:
            return [copy.deepcopy(e["params"]) for e in self._successful("sendMessage", chat_id)]

    def photos(self, chat_id: int | str | None = None) -> list[dict]:
        """Params of successful sendPhoto calls (an upload's photo is {filename, content_type, size})."""
        with self._lock:
            return [copy.deepcopy(e["params"]) for e in self._successful("sendPhoto", chat_id)]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict]:
        """The Message objects returned for successful sendMessage calls (text is plain)."""
        with self._lock:
            return [copy.deepcopy(e["result"]) for e in self._successful("sendMessage", chat_id)]

    def edits(self, chat_id: int | str | None = None) -> list[dict]:
        """Params of successful editMessageText calls."""
        with self._lock:
            return [copy.deepcopy(e["params"]) for e in self._successful("editMessageText", chat_id)]

    def message(self, chat_id: int, message_id: int) -> dict | None:
        """The current state of a stored message (edits applied), or None."""
        with self._lock:
            msg = self._messages.get((chat_id, message_id))
            return copy.deepcopy(msg) if msg else None

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """Commands the bot set with setMyCommands for a scope/language."""
        with self._lock:
            return copy.deepcopy(
                self._commands.get(self._commands_key({"scope": scope, "language_code": language_code}), [])
            )

    def wait_for(self, predicate: Callable[[list[tuple[str, dict]]], Any], timeout: float = 10.0) -> Any:
        """Block until ``predicate(calls)`` is truthy; return its value.  Raises TimeoutError
        describing the calls seen so far.  Don't call this on an event loop the bot runs on:
        use ``wait_for_async`` there."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                version = self._version
            value = predicate(self.calls)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(self._timeout_message(timeout))
            with self._cond:
                if self._version == version:
                    self._cond.wait(min(remaining, 0.25))

    async def wait_for_async(self, predicate: Callable[[list[tuple[str, dict]]], Any], timeout: float = 10.0) -> Any:
        """``wait_for`` for async tests: polls every 20 ms without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self.calls)
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(timeout))
            await asyncio.sleep(0.02)

    def wait_for_sent(self, count: int, chat_id: int | str | None = None, timeout: float = 10.0) -> list[dict]:
        """Block until at least ``count`` messages were sent (to ``chat_id``); return them."""
        return self.wait_for(lambda _calls: len(self.sent(chat_id)) >= count and self.sent(chat_id), timeout)

    async def wait_for_sent_async(
        self, count: int, chat_id: int | str | None = None, timeout: float = 10.0
    ) -> list[dict]:
        return await self.wait_for_async(
            lambda _calls: len(self.sent(chat_id)) >= count and self.sent(chat_id), timeout
        )

    def _timeout_message(self, timeout: float) -> str:
        with self._lock:
            log = self._call_log[-15:]
            total = len(self._call_log)
            pending = len(self._updates)
        lines = [
            f"condition not met within {timeout}s; {total} API calls so far, "
            f"{pending} updates pending (not confirmed); last calls:"
        ]
        for e in log:
            params = {k: v for k, v in e["params"].items() if k != "results"}
            outcome = "ok" if e["ok"] else (e["error"] or {}).get("description", "in progress")
            lines.append(f"  {e['method']}({json.dumps(params, ensure_ascii=False)[:300]}) -> {outcome}")
        return "\n".join(lines)

    def pending_updates(self) -> int:
        """Updates not yet confirmed (polling) or not yet delivered (webhook)."""
        with self._lock:
            return len(self._updates)

    @property
    def confirmed_offset(self) -> int:
        """Highest getUpdates offset the bot sent: updates with smaller ids are confirmed."""
        with self._lock:
            return self._confirmed_offset

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """getChatMember(chat_id, user_id) will report this status (default "member").
        Use user_id=standin.bot_id for the bot itself (e.g. "administrator", "left")."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"status must be one of {sorted(_MEMBER_STATUSES)}")
        with self._lock:
            self._member_status[(chat_id, user_id)] = status

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (to ``chat_id``, if given) fail with an
        error response.  429 without a description becomes "Too Many Requests: retry after N"
        with parameters.retry_after=N (default 1)."""
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after}"
            else:
                description = _DEFAULT_DESCRIPTIONS.get(error_code, "Bad Request")
        with self._lock:
            self._failures.append(
                {
                    "method": method.lower(),
                    "error_code": int(error_code),
                    "description": description,
                    "retry_after": retry_after,
                    "remaining": int(times),
                    "chat_id": chat_id,
                }
            )

    def post_to_webhook(self, update: dict, secret: str | None, url: str | None = None, timeout: float = 5.0) -> int:
        """POST ``update`` to the bot's webhook (or ``url``) with the given secret header
        (None = no header); return the HTTP status.  Does not queue the update."""
        with self._lock:
            target = url or self.webhook_target or (self._webhook or {}).get("url")
        if not target:
            raise RuntimeError("no webhook is set and no url was given")
        update = dict(update)
        update.setdefault("update_id", self._reserve_update_id())
        return _http_post_json(target, update, secret, timeout)
