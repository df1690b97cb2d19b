"""The fake Telegram: a model of the Bot API methods painbot calls, answering as api.telegram.org does.

``BotApi.call(method, params)`` is the one entry point; ``offline.RecordingRequest`` calls it
in-process and ``standin.BotApiStandIn`` behind HTTP. Only the methods the bot (and PTB on its
behalf) calls are modelled: getMe, getUpdates, setWebhook, deleteWebhook, setMyCommands,
sendMessage, sendPhoto, editMessageText, editMessageReplyMarkup, answerCallbackQuery,
answerInlineQuery and getChatMember. Anything else is 404, as an unknown method is on Telegram.

Telegram behaviours kept on purpose, since each catches a real bot mistake:

* parse_mode=HTML is parsed (testsupport/html.py): a tag Telegram refuses is a 400; texts over
  4,096 characters, captions over 1,024 and callback data over 64 bytes are 400s too.
* getUpdates: offsets confirm, ``allowed_updates`` is remembered, a second poll ends the first
  with 409, and polling while a webhook is set is 409.
* editMessageText without reply_markup removes the keyboard; an edit that changes nothing is 400.
* a callback or inline query answered twice is 400; a blocked user or a group the bot left is 403.
* privacy mode: a group message a privacy-mode bot would not see is never queued.

``strict=False`` (the offline default) accepts chats, messages and file ids it never saw, since
offline tests feed updates without first telling the model about them.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from testsupport.html import EntityError, parse_html, utf16_length
from testsupport.waiting import until

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_LONG_POLL_SECONDS = 50.0
# Update kinds delivered when the bot never asked for specific ones (Bot API docs).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left", "kicked"})
_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
}
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?!\w)")


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(f"{code} {description}")
        self.code, self.description, self.retry_after = code, description, retry_after

    def payload(self) -> dict[str, Any]:
        """The JSON body Telegram sends with this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: ..." wording."""
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class ApiCall:
    """One Bot API call as the bot made it, with how it ended."""

    method: str
    params: dict[str, Any]
    ok: bool | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    time: float = field(default_factory=time.time)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        """A parameter, or the default when the bot did not send it."""
        return self.params.get(key, default)


@dataclass
class _Failure:
    """An injected error answer, for every call to a method (and chat) or a number of them."""

    method: str
    error: ApiError
    remaining: int | None  # None: every call fails
    chat_id: int | str | None


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram attaches to a user's text: a bot_command at the start and every @mention."""
    found = []
    command = _COMMAND.match(text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": utf16_length(command.group(0))})
    for mention in _MENTION.finditer(text):
        if not command or mention.start() >= command.end():
            offset = utf16_length(text[: mention.start()])
            found.append({"type": "mention", "offset": offset, "length": utf16_length(mention.group(0))})
    return found


def member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object with every field PTB requires for that status."""
    if status == "creator":
        return {"status": status, "user": user, "is_anonymous": False}
    if status == "administrator":
        rights: tuple[str, ...] = (
            "manage_chat",
            "delete_messages",
            "manage_video_chats",
            "restrict_members",
            "change_info",
        )
        rights += ("invite_users", "post_stories", "edit_stories", "delete_stories")
        flags = {f"can_{r}": True for r in rights}
        return {"status": status, "user": user, "can_be_edited": False, "is_anonymous": False, **flags} | {
            "can_promote_members": False
        }
    if status == "restricted":
        kinds = ("messages", "audios", "documents", "photos", "videos", "video_notes", "voice_notes", "polls")
        flags = {f"can_send_{k}": False for k in (*kinds, "other_messages")}
        flags |= {f"can_{r}": False for r in ("add_web_page_previews", "change_info", "invite_users")}
        flags |= {f"can_{r}": False for r in ("pin_messages", "manage_topics", "edit_tag", "react_to_messages")}
        return {"status": status, "user": user, "is_member": True, "until_date": 0, **flags}
    if status == "kicked":
        return {"status": status, "user": user, "until_date": 0}
    return {"status": status, "user": user}  # member, left


def chat_type_of(chat_id: int) -> str:
    """A chat's type from the shape of its id: positive private, -100... supergroup, else a basic group."""
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"


class BotApi:
    """The fake Bot API's state and methods; thread-safe, since the HTTP front serves from threads."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        username: str = "painbot",
        *,
        bot_id: int | None = None,
        first_name: str = "PainBot",
        privacy_mode: bool = True,
        strict: bool = True,
        max_long_poll: float = MAX_LONG_POLL_SECONDS,
        first_update_id: int = 100_000_001,
    ) -> None:
        self.token, self.username, self.first_name = token, username, first_name
        prefix = token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else int(prefix) if prefix.isdigit() else 123456
        self.privacy_mode, self.strict, self.max_long_poll = privacy_mode, strict, max_long_poll
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self.stopping = False  # set by the HTTP front: long polls return at once
        self.polling = 0  # getUpdates calls waiting in a long poll now
        self._next_update_id = first_update_id
        self._updates: list[dict[str, Any]] = []
        self._confirmed_offset = 0
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self._webhook: dict[str, Any] | None = None
        self._chats: dict[int, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._next_message_id: dict[int, int] = {}
        self._member_status: dict[tuple[int, int], str] = {}
        self._blocked_by: set[int] = set()
        self._commands: list[dict[str, str]] = []
        self._answered_queries: set[str] = set()
        self._known_queries: set[str] = set()
        self._photo_ids: set[str] = set()
        self._query_counter = 0
        self._failures: list[_Failure] = []
        self._log: list[ApiCall] = []
        self._suppressed: list[dict[str, Any]] = []
        self._version = 0
        self._methods: dict[str, Callable[[dict[str, Any]], Any]] = {
            name[3:].lower(): getattr(self, name) for name in dir(self) if name.startswith("_m_")
        }

    # ------------------------------------------------------------------ the one entry point

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body), and log it."""
        func = self._methods.get(method.lower())
        entry = ApiCall(func.__name__[3:] if func else method, params)
        with self._cond:
            self._log.append(entry)
            self._bump()
        try:
            if func is None:
                raise ApiError(404, "Not Found")
            with self._lock:
                self._injected_failure(entry.method, params)
            result = func(params)
            status, payload = 200, {"ok": True, "result": result}
            entry.ok, entry.result = True, copy.deepcopy(result)
        except ApiError as exc:
            status, payload = exc.code, exc.payload()
            entry.ok, entry.error = False, payload
        except Exception as exc:  # a bug in the fake, or a call it cannot read: a 500 that names it
            status, payload = 500, ApiError(500, f"Internal Server Error: fake Bot API failed: {exc!r}").payload()
            entry.ok, entry.error = False, payload
        with self._cond:
            self._bump()
        return status, payload

    def _bump(self) -> None:
        """Note a change and wake whoever waits on one."""
        self._version += 1
        self._cond.notify_all()

    def _injected_failure(self, method: str, params: dict[str, Any]) -> None:
        """Raise the injected error planned for this call, if any."""
        for rule in self._failures:
            if rule.method != method.lower():
                continue
            if rule.chat_id is not None and str(params.get("chat_id")) != str(rule.chat_id):
                continue
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._failures.remove(rule)
            raise rule.error

    # ------------------------------------------------------------------ state helpers

    def bot_user(self) -> dict[str, Any]:
        """The bot as a User object."""
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def _user(self, user_id: int, first_name: str | None = None, is_bot: bool = False) -> dict[str, Any]:
        """A user, made up (or renamed) on first mention."""
        user = self._users.get(user_id)
        if user is None or user.get("is_bot") != is_bot or (first_name and user.get("first_name") != first_name):
            user = {
                "id": user_id,
                "is_bot": is_bot,
                "first_name": first_name or ("Bot" if is_bot else f"User{user_id}"),
            }
            if is_bot:
                user["username"] = f"other{abs(user_id)}_bot"
            self._users[user_id] = user
        return dict(user)

    def _private_chat(self, user: dict[str, Any]) -> dict[str, Any]:
        """A user's private chat with the bot."""
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        self._chats[user["id"]] = chat
        return dict(chat)

    def _group_chat(self, chat_id: int, chat_type: str = "supergroup", title: str | None = None) -> dict[str, Any]:
        """A group or supergroup, made up on first mention."""
        chat = self._chats.get(chat_id)
        if chat is None or chat["type"] != chat_type or (title and chat.get("title") != title):
            chat = {"id": chat_id, "type": chat_type, "title": title or "Test Group"}
            self._chats[chat_id] = chat
        return dict(chat)

    def _new_message_id(self, chat_id: int) -> int:
        """The next message id in a chat (Telegram counts per chat)."""
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _store(self, message: dict[str, Any]) -> None:
        """Keep a message, so replies, edits and button presses can find it."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        self._messages[(chat_id, message_id)] = copy.deepcopy(message)
        if self._next_message_id.get(chat_id, 1) <= message_id:
            self._next_message_id[chat_id] = message_id + 1

    def register_update(self, update: dict[str, Any]) -> None:
        """Learn the chats, users, messages and query ids in an update Telegram hands the bot."""
        with self._lock:
            for kind, obj in update.items():
                if isinstance(obj, dict):
                    self._register(kind, obj)

    def _register(self, kind: str, obj: dict[str, Any]) -> None:
        """Learn what one part of an update (a message, query or membership change) shows."""
        sender = obj.get("from")
        if isinstance(sender, dict) and sender.get("id") not in (None, self.bot_id):
            self._users.setdefault(sender["id"], dict(sender))
        chat = obj.get("chat")
        if kind == "callback_query" and isinstance(obj.get("message"), dict):
            chat = obj["message"].get("chat")
            self._store(obj["message"])
        if kind in ("callback_query", "inline_query"):
            self._known_queries.add(str(obj["id"]))
        if isinstance(chat, dict) and "id" in chat:
            self._chats.setdefault(chat["id"], dict(chat))
        if kind in ("message", "edited_message", "channel_post", "edited_channel_post") and "message_id" in obj:
            self._store(obj)
        if kind == "my_chat_member" and isinstance(chat, dict):
            status = (obj.get("new_chat_member") or {}).get("status")
            if status:
                self._member_status[(chat["id"], self.bot_id)] = status
                if chat.get("type") == "private":
                    (self._blocked_by.add if status == "kicked" else self._blocked_by.discard)(chat["id"])

    def _resolve_chat(self, chat_id: Any, *, for_sending: bool = True) -> dict[str, Any]:
        """The chat a call names; 400 for one never seen (strict), 403 where the bot may not write."""
        if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            chat_id = int(chat_id)
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict:
                raise bad("chat not found")
            kind = chat_type_of(chat_id)
            chat = self._private_chat(self._user(chat_id)) if kind == "private" else self._group_chat(chat_id, kind)
        if for_sending:
            self._check_may_send(chat)
        return dict(chat)

    def _check_may_send(self, chat: dict[str, Any]) -> None:
        """Raise the 403 Telegram gives for a user who blocked the bot or a group it left."""
        if chat["type"] == "private":
            if chat["id"] in self._blocked_by:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            return
        status = self._member_status.get((chat["id"], self.bot_id))
        kind = chat["type"] if chat["type"] in ("supergroup", "channel") else "group"
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")

    @staticmethod
    def _keyboard(markup: Any) -> dict[str, Any] | None:
        """Validate reply_markup (inline keyboards, as the bot sends); return what a Message echoes."""
        if markup is None:
            return None
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad("can't parse inline keyboard button: InlineKeyboardMarkup must be an Array")
        for button in (b for row in rows for b in row):
            if not isinstance(button, dict) or not button.get("text"):
                raise bad("BUTTON_TEXT_INVALID")
            if not any(k in button for k in ("url", "callback_data", "switch_inline_query_current_chat")):
                raise bad("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and (not data or len(str(data).encode()) > MAX_CALLBACK_DATA_BYTES):
                raise bad("BUTTON_DATA_INVALID")
        return {"inline_keyboard": copy.deepcopy(rows)}

    def _reply_target(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
        """The message a reply quotes, or None; 400 when it does not exist (strict)."""
        target = params.get("reply_parameters")
        if target is None:
            return None
        original = self._messages.get((chat["id"], target.get("message_id")))
        if original is None:
            if target.get("allow_sending_without_reply") or not self.strict:
                return None
            raise bad("message to be replied not found")
        reply = copy.deepcopy(original)
        reply.pop("reply_to_message", None)
        return reply

    @staticmethod
    def _formatted(params: dict[str, Any], key: str, limit: int) -> tuple[str, list[dict[str, Any]]]:
        """The plain text and entities Telegram stores for ``params[key]``; 400 as Telegram refuses it."""
        text = params.get(key)
        if not isinstance(text, str) or not text.strip():
            raise bad("message text is empty")
        mode = str(params.get("parse_mode") or "").lower()
        if mode not in ("", "html"):
            raise bad("unsupported parse_mode")  # the bot writes HTML only
        try:
            plain, entities = parse_html(text) if mode else (text, list(params.get("entities") or []))
        except EntityError as exc:
            raise bad(f"can't parse entities: {exc}") from None
        if not plain.strip():
            raise bad("message text is empty")
        if len(plain) > limit:
            raise bad("message caption is too long" if key == "caption" else "message is too long")
        return plain, entities

    def _new_message(self, chat: dict[str, Any], params: dict[str, Any], **content: Any) -> dict[str, Any]:
        """A message from the bot, stored, with its quoted message and keyboard."""
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": self.bot_user(),
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        reply = self._reply_target(chat, params)
        if reply is not None:
            message["reply_to_message"] = reply
        markup = self._keyboard(params.get("reply_markup"))
        if markup:
            message["reply_markup"] = markup
        self._store(message)
        return copy.deepcopy(message)

    # ------------------------------------------------------------------ Bot API methods

    def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """The bot itself, as the token says."""
        return self.bot_user() | {
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": True,
        }

    def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        """Confirm up to the offset, then hand out queued updates, long-polling up to the timeout."""
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        timeout = min(max(0.0, float(p.get("timeout") or 0)), self.max_long_poll)
        with self._cond:
            if self._webhook is not None:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                               "use deleteWebhook to delete the webhook first")  # fmt: skip
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()  # ends an older long poll
            if isinstance(p.get("allowed_updates"), list):
                self._allowed_updates = [str(a) for a in p["allowed_updates"]] or None
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self._confirmed_offset = max(self._confirmed_offset, offset)
            deadline = time.monotonic() + timeout
            while True:
                if self.stopping:
                    return []
                if generation != self._poll_generation:
                    raise ApiError(409, _DESCRIPTIONS[409])
                if self._webhook is not None:
                    raise ApiError(409, "Conflict: terminated by setWebhook request")
                batch = self._deliverable(self._allowed_updates)[:limit]
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0:
                    return batch
                self.polling += 1
                try:
                    self._cond.wait(min(remaining, 1.0))
                finally:
                    self.polling -= 1

    def _deliverable(self, allowed: list[str] | None) -> list[dict[str, Any]]:
        """The queued updates of kinds the bot asked for; Telegram never creates the others."""

        def wanted(update: dict[str, Any]) -> bool:
            """Whether the bot asked for this kind of update."""
            kind = next(k for k in update if k != "update_id")
            return kind in allowed if allowed else kind not in DEFAULT_EXCLUDED_UPDATES

        self._updates = [u for u in self._updates if wanted(u)]
        return copy.deepcopy(self._updates)

    def _m_setWebhook(self, p: dict[str, Any]) -> bool:  # noqa: N802
        """Set (or, with no url, delete) the webhook; a running long poll ends with 409."""
        url = p.get("url") or ""
        if not url:
            return self._m_deleteWebhook(p)
        if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", url):
            raise bad("bad webhook: Failed to resolve host: Name or service not known")
        secret = p.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad("secret token contains unallowed characters")
        allowed = p.get("allowed_updates")
        with self._cond:
            self._webhook = {"url": url, "secret_token": secret, "allowed_updates": allowed or None}
            self._cond.notify_all()  # a running long poll ends with 409
        return True

    def _m_deleteWebhook(self, p: dict[str, Any]) -> bool:  # noqa: N802
        """Go back to getUpdates, dropping the queue if asked."""
        with self._cond:
            self._webhook = None
            if p.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _m_setMyCommands(self, p: dict[str, Any]) -> bool:  # noqa: N802
        """Set the command menu, with Telegram's rules for names and descriptions."""
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command"))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "").strip()) <= 256:
                raise bad("command description is empty")
        with self._lock:
            self._commands = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """Send a text message."""
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"))
            text, entities = self._formatted(p, "text", MAX_MESSAGE_LENGTH)
            return self._new_message(chat, p, text=text, **({"entities": entities} if entities else {}))

    def _m_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """An upload gets a new file id; a file id this API issued (or any, offline) is sent again."""
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"))
            photo = p.get("photo")
            if isinstance(photo, dict):
                if not photo.get("size"):
                    raise bad("IMAGE_PROCESS_FAILED")
                file_id = f"AgACAgStandIn{len(self._photo_ids) + 1}"
                self._photo_ids.add(file_id)
            elif isinstance(photo, str) and (photo in self._photo_ids or not self.strict):
                file_id = photo
            else:
                raise bad("wrong file identifier/HTTP URL specified")
            content: dict[str, Any] = {
                "photo": [{"file_id": file_id, "file_unique_id": file_id[-8:], "width": 1200, "height": 900}]
            }
            if p.get("caption"):
                content["caption"], entities = self._formatted(p, "caption", MAX_CAPTION_LENGTH)
                if entities:
                    content["caption_entities"] = entities
            return self._new_message(chat, p, **content)

    def _editable(self, p: dict[str, Any]) -> dict[str, Any]:
        """The bot message an edit names; 400 when it is missing (strict) or not the bot's."""
        chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
        key = (int(chat["id"]), int(p.get("message_id") or 0))
        if key not in self._messages:
            if self.strict:
                raise bad("message to edit not found")
            self._store({"message_id": key[1], "from": self.bot_user(), "chat": chat, "date": int(time.time())})
        message = self._messages[key]
        if (message.get("from") or {}).get("id") != self.bot_id:
            raise bad("message can't be edited")
        return message

    def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any] | bool:  # noqa: N802
        """Edit a message's text (and keyboard)."""
        with self._lock:
            text, entities = self._formatted(p, "text", MAX_MESSAGE_LENGTH)
            markup = self._keyboard(p.get("reply_markup"))
            if p.get("inline_message_id"):
                return True
            message = self._editable(p)
            if (message.get("text"), message.get("entities", []), message.get("reply_markup")) == (
                text,
                entities,
                markup,
            ):
                raise bad(_NOT_MODIFIED)
            for key in ("entities", "reply_markup"):  # no reply_markup in an edit removes the keyboard
                message.pop(key, None)
            message.update(text=text, edit_date=int(time.time()))
            message.update({"entities": entities} if entities else {})
            message.update({"reply_markup": markup} if markup else {})
            return copy.deepcopy(message)

    def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any] | bool:  # noqa: N802
        """Edit (or remove) a message's keyboard."""
        with self._lock:
            markup = self._keyboard(p.get("reply_markup"))
            if p.get("inline_message_id"):
                return True
            message = self._editable(p)
            if message.get("reply_markup") == markup:
                raise bad(_NOT_MODIFIED)
            message.pop("reply_markup", None)
            message.update({"reply_markup": markup} if markup else {})
            message["edit_date"] = int(time.time())
            return copy.deepcopy(message)

    def _answer_query(self, query_id: str) -> None:
        """Mark a callback or inline query answered; 400 for one answered already or never sent."""
        if query_id in self._answered_queries or (self.strict and query_id not in self._known_queries):
            raise bad(_QUERY_TOO_OLD)
        self._answered_queries.add(query_id)

    def _m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:  # noqa: N802
        """Answer a button press, once."""
        with self._lock:
            if len(str(p.get("text") or "")) > 200:
                raise bad("MESSAGE_TOO_LONG")
            self._answer_query(str(p.get("callback_query_id", "")))
            return True

    def _m_answerInlineQuery(self, p: dict[str, Any]) -> bool:  # noqa: N802
        """Answer an inline query, once, with results Telegram would accept."""
        with self._lock:
            results = p.get("results")
            if not isinstance(results, list) or len(results) > 50:
                raise bad("RESULTS_TOO_MUCH")
            ids = [r.get("id") for r in results]
            if len(set(ids)) != len(ids) or not all(isinstance(i, str) and 1 <= len(i.encode()) <= 64 for i in ids):
                raise bad("RESULT_ID_INVALID")
            for result in results:
                if result.get("type") == "article" and not result.get("title"):
                    raise bad("RESULT_TITLE_EMPTY")
                content = result.get("input_message_content") or {}
                if "message_text" in content:
                    self._formatted(content, "message_text", MAX_MESSAGE_LENGTH)
                self._keyboard(result.get("reply_markup"))
            self._answer_query(str(p.get("inline_query_id", "")))
            return True

    def _m_getChatMember(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """A user's status in a chat ("member" unless set)."""
        with self._lock:
            chat = self._resolve_chat(p.get("chat_id"), for_sending=False)
            user_id = int(p.get("user_id") or 0)
            if user_id <= 0:
                raise bad("invalid user_id specified")
            user = self.bot_user() if user_id == self.bot_id else self._users.get(user_id) or self._user(user_id)
            return member(self._member_status.get((chat["id"], user_id), "member"), dict(user))

    # ------------------------------------------------------------------ what a test makes happen

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update (a fresh ``update_id`` is assigned); return the update_id."""
        with self._cond:
            update = {k: copy.deepcopy(v) for k, v in update.items() if k != "update_id"}
            update_id = self._next_update_id
            self._next_update_id += 1
            update = {"update_id": update_id, **update}
            self.register_update(update)
            self._updates.append(update)
            self._cond.notify_all()
            return update_id

    def reserve_update_id(self) -> int:
        """An update id never handed out, for an update sent another way (a webhook POST)."""
        with self._lock:
            self._next_update_id += 1
            return self._next_update_id - 1

    def add_chat(self, chat_id: int, chat_type: str | None = None, title: str | None = None) -> dict[str, Any]:
        """Make a chat known, as if it had written to the bot earlier."""
        with self._lock:
            kind = chat_type or ("private" if chat_id > 0 else "supergroup")
            if kind == "private":
                return self._private_chat(self._user(chat_id, "Sam"))
            return self._group_chat(chat_id, kind, title)

    def _user_message(
        self, chat: dict[str, Any], user: dict[str, Any], text: str | None, **extra: Any
    ) -> dict[str, Any]:
        """A message from a user, with the entities Telegram attaches."""
        message: dict[str, Any] = {
            "message_id": self._new_message_id(chat["id"]),
            "from": user,
            "chat": chat,
            "date": int(time.time()),
        }
        if text is not None:
            message["text"] = text
            if entities := entities_for(text):
                message["entities"] = entities
        return message | extra

    def _privacy_allows(self, message: dict[str, Any]) -> bool:
        """Whether Telegram shows a group message to a bot in privacy mode."""
        chat = message["chat"]
        if chat["type"] not in ("group", "supergroup") or not self.privacy_mode:
            return True
        if self._member_status.get((chat["id"], self.bot_id)) in ("administrator", "creator"):
            return True
        if "new_chat_members" in message or "left_chat_member" in message:
            return True
        if ((message.get("reply_to_message") or {}).get("from") or {}).get("id") == self.bot_id:
            return True
        text = message.get("text") or ""
        if text.startswith("/"):
            first = text.split(None, 1)[0]
            return "@" not in first or first.split("@", 1)[1].lower() == self.username.lower()
        return f"@{self.username.lower()}" in {m.group(0).lower() for m in _MENTION.finditer(text)}

    def _push_message(self, message: dict[str, Any]) -> int:
        """Queue a message update unless privacy mode hides it (then return 0)."""
        with self._cond:
            if not self._privacy_allows(message):
                self._store(message)  # the bot never sees it; it still uses up a message id
                self._suppressed.append(copy.deepcopy(message))
                return 0
            return self.push_update({"message": message})

    def private_message(self, text: str, user_id: int = 1001, first_name: str = "Sam") -> int:
        """A user writes to the bot in private; return the update_id."""
        with self._cond:
            user = self._user(user_id, first_name)
            return self._push_message(self._user_message(self._private_chat(user), user, text))

    def _earlier_bot_message(self, chat: dict[str, Any], message_id: int) -> dict[str, Any]:
        """A bot message a minute old, for a message id the model never saw."""
        message = {"message_id": message_id, "from": self.bot_user(), "chat": dict(chat), "text": "(earlier message)"}
        return message | {"date": int(time.time()) - 60}

    def group_message(
        self,
        text: str,
        chat_id: int = -1002,
        user_id: int = 1002,
        reply_to_bot_message_id: int | None = None,
        chat_type: str = "supergroup",
        first_name: str = "Alex",
    ) -> int:
        """A member writes in a group; return the update_id, or 0 when privacy mode hides it."""
        with self._cond:
            user, chat = self._user(user_id, first_name), self._group_chat(chat_id, chat_type)
            message = self._user_message(chat, user, text)
            if reply_to_bot_message_id is not None:
                original = self._messages.get((chat_id, reply_to_bot_message_id))
                original = original or self._earlier_bot_message(chat, reply_to_bot_message_id)
                message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}
            return self._push_message(message)

    def command(
        self, text: str, chat_id: int | None = None, chat_type: str = "private", user_id: int | None = None
    ) -> int:
        """A command ("/start args") in private or a group; return the update_id (0 when hidden)."""
        with self._cond:
            if chat_type == "private":
                user = self._user(user_id or chat_id or 1001, "Sam")
                chat = self._private_chat(user)
            else:
                user = self._user(user_id or 1002, "Sam")
                chat = self._group_chat(chat_id if chat_id is not None else -1002, chat_type)
            return self._push_message(self._user_message(chat, user, text))

    def callback_query(self, data: str, message_id: int, chat_id: int, user_id: int = 1001) -> int:
        """A press on a button under a message; return the update_id."""
        with self._cond:
            user = self._user(user_id, "Sam")
            chat = self._chats.get(chat_id) or (self._private_chat(user) if chat_id > 0 else self._group_chat(chat_id))
            message = self._messages.get((chat_id, message_id)) or self._earlier_bot_message(chat, message_id)
            self._query_counter += 1
            query = {
                "id": str(4_000_000_000_000_000_000 + self._query_counter),
                "from": user,
                "message": copy.deepcopy(message),
                "chat_instance": str(-(abs(chat_id) * 7919 + 1_000_000_007)),
                "data": data,
            }
            return self.push_update({"callback_query": query})

    def inline_query(self, query: str, user_id: int = 1001) -> int:
        """Someone types "@painbot <query>" in any chat; return the update_id."""
        with self._cond:
            self._query_counter += 1
            inline = {
                "id": str(5_000_000_000_000_000_000 + self._query_counter),
                "from": self._user(user_id, "Sam"),
                "query": query,
                "offset": "",
                "chat_type": "sender",
            }
            return self.push_update({"inline_query": inline})

    def sticker(self, user_id: int = 1001) -> int:
        """A sticker in a private chat (a message without text); return the update_id."""
        with self._cond:
            self._query_counter += 1
            user = self._user(user_id)
            sticker: dict[str, Any] = {
                "file_id": f"CAACAgSticker{self._query_counter}",
                "file_unique_id": f"stk{self._query_counter}",
            }
            sticker |= {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
            message = self._user_message(self._private_chat(user), user, None, sticker=sticker | {"emoji": "👍"})
            return self._push_message(message)

    def _my_chat_member(self, chat: dict[str, Any], user: dict[str, Any], old: str, new: str) -> int:
        """Queue a change of the bot's own status in a chat."""
        bot = self.bot_user()
        change = {"chat": chat, "from": user, "date": int(time.time())}
        change |= {"old_chat_member": member(old, bot), "new_chat_member": member(new, bot)}
        return self.push_update({"my_chat_member": change})

    def bot_added_to_group(self, chat_id: int, by_user_id: int, chat_type: str = "supergroup") -> int:
        """What Telegram sends when a user adds the bot: my_chat_member, then the service message.
        Return the update_id of the service message."""
        with self._cond:
            user, chat, bot = self._user(by_user_id, "Alex"), self._group_chat(chat_id, chat_type), self.bot_user()
            self._my_chat_member(chat, user, "left", "member")
            return self._push_message(self._user_message(chat, user, None, new_chat_members=[bot]))

    def user_blocks_bot(self, user_id: int = 1001) -> int:
        """The update Telegram sends when a user blocks the bot; sends to them then fail with 403."""
        with self._cond:
            user = self._user(user_id)
            return self._my_chat_member(self._private_chat(user), user, "member", "kicked")

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember says about a user (or, with the bot's id, about the bot) in a chat."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {sorted(MEMBER_STATUSES)}")
        with self._lock:
            self._member_status[(chat_id, user_id)] = status

    def fail(
        self,
        method: str,
        code: int = 403,
        description: str | None = None,
        *,
        times: int | None = None,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
    ) -> None:
        """Make ``method`` (to ``chat_id``, if given) answer with an error: every time, or ``times`` times.
        A 429 says "Too Many Requests: retry after N" with parameters.retry_after=N (default 1)."""
        if code == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        error = ApiError(code, description or _DESCRIPTIONS.get(code, "Bad Request"), retry_after)
        with self._lock:
            self._failures.append(_Failure(method.lower(), error, times, chat_id))

    def fail_next(self, method: str, error_code: int, description: str | None = None, **kwargs: Any) -> None:
        """``fail`` once (or ``times``)."""
        self.fail(method, error_code, description, **{"times": 1, **kwargs})

    # ------------------------------------------------------------------ what a test looks at

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every call as (method, params), in order."""
        with self._lock:
            return [(e.method, copy.deepcopy(e.params)) for e in self._log]

    @property
    def call_log(self) -> list[dict[str, Any]]:
        """Every call with its outcome: {method, params, ok, result, error, time}."""
        with self._lock:
            return [copy.deepcopy(vars(e)) for e in self._log]

    @property
    def suppressed_by_privacy(self) -> list[dict[str, Any]]:
        """Group messages not delivered because of privacy mode."""
        with self._lock:
            return copy.deepcopy(self._suppressed)

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The webhook the bot set ({url, secret_token, allowed_updates}) or None."""
        with self._lock:
            return copy.deepcopy(self._webhook)

    def _successful(self, method: str, chat_id: int | str | None) -> list[ApiCall]:
        """The calls to a method (to one chat) that succeeded."""
        with self._lock:
            return [
                e
                for e in self._log
                if e.method == method and e.ok and (chat_id is None or str(e.params.get("chat_id")) == str(chat_id))
            ]

    def sent(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Params of successful sendMessage calls (to one chat)."""
        return [copy.deepcopy(e.params) for e in self._successful("sendMessage", chat_id)]

    def photos(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Params of successful sendPhoto calls (an upload's photo is {filename, content_type, size})."""
        return [copy.deepcopy(e.params) for e in self._successful("sendPhoto", chat_id)]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """The Messages returned for successful sendMessage calls: what the user sees (HTML parsed)."""
        return [copy.deepcopy(e.result) for e in self._successful("sendMessage", chat_id)]

    def edits(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Params of successful editMessageText calls."""
        return [copy.deepcopy(e.params) for e in self._successful("editMessageText", chat_id)]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """A stored message as it is now (edits applied), or None."""
        with self._lock:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found else None

    def commands(self) -> list[dict[str, str]]:
        """The command menu the bot set with setMyCommands."""
        with self._lock:
            return copy.deepcopy(self._commands)

    def pending_updates(self) -> int:
        """Updates not yet confirmed (polling) or delivered (webhook)."""
        with self._lock:
            return len(self._updates)

    @property
    def confirmed_offset(self) -> int:
        """The highest getUpdates offset the bot sent: updates below it are confirmed."""
        with self._lock:
            return self._confirmed_offset

    def wait_for(self, predicate: Callable[[list[tuple[str, dict[str, Any]]]], Any], timeout: float = 10.0) -> Any:
        """Block until ``predicate(calls)`` is truthy, woken by every call; return its value.
        Raise TimeoutError listing the last calls. Never on the event loop the bot runs on."""
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

    async def wait_for_async(
        self, predicate: Callable[[list[tuple[str, dict[str, Any]]]], Any], timeout: float = 10.0
    ) -> Any:
        """``wait_for`` for async tests: polls without blocking the event loop (testsupport.waiting.until)."""
        try:
            return await until(lambda: predicate(self.calls), timeout)
        except TimeoutError:
            raise TimeoutError(self._timeout_message(timeout)) from None

    def wait_for_sent(self, count: int, chat_id: int | str | None = None, timeout: float = 10.0) -> list[dict]:
        """Block until at least ``count`` messages were sent (to ``chat_id``); return them."""
        return self.wait_for(lambda _calls: self._sent_if(count, chat_id), timeout)

    async def wait_for_sent_async(
        self, count: int, chat_id: int | str | None = None, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """``wait_for_sent`` for async tests."""
        return await self.wait_for_async(lambda _calls: self._sent_if(count, chat_id), timeout)

    def _sent_if(self, count: int, chat_id: int | str | None) -> list[dict[str, Any]] | None:
        """The messages sent (to ``chat_id``) once there are at least ``count``, else None: the log read once."""
        sent = self.sent(chat_id)
        return sent if len(sent) >= count else None

    def _timeout_message(self, timeout: float) -> str:
        """What a wait that timed out saw: the last calls and what is queued."""
        with self._lock:
            last, total, pending = self._log[-15:], len(self._log), len(self._updates)
        lines = [
            f"condition not met within {timeout}s; {total} API calls so far, {pending} updates pending; last calls:"
        ]
        for e in last:
            outcome = "ok" if e.ok else (e.error or {}).get("description", "in progress")
            params = {k: v for k, v in e.params.items() if k != "results"}
            lines.append(f"  {e.method}({json.dumps(params, ensure_ascii=False, default=str)[:300]}) -> {outcome}")
        return "\n".join(lines)
