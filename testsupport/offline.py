"""Offline Telegram for tests: a BaseRequest answering from the fake Bot API in-process, and update factories.

The seam is PTB's public request extension point (telegram.request.BaseRequest): the real Bot, ExtBot,
Application, handlers, filters, Defaults, rate limiter and persistence all run; only HTTP is replaced,
by ``BotApi.call`` on the same model the HTTP stand-in serves (testsupport/botapi.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot import automode
from bot.app import build_application
from bot.engine import Engine
from bot.settings import Settings
from testsupport.botapi import ApiCall, BotApi, chat_type_of, entities_for, member
from testsupport.mini import MINI, mini_engine

BOT_ID = 999
BOT_USERNAME = "painbot"
TOKEN = "123:abc"
USER_ID = 111  # a person in a private chat
MEMBER_ID = 222  # an ordinary group member
ADMIN_ID = 333  # a group admin
OTHER_BOT_ID = 444
GROUP_ID = -1001234567890  # a supergroup
BASIC_GROUP_ID = -4242  # a basic group
CHANNEL_ID = -1009876543210

BOT_USER: dict[str, Any] = {"id": BOT_ID, "is_bot": True, "first_name": "Pain Bot", "username": BOT_USERNAME}


def offline_api() -> BotApi:
    """A fresh fake Bot API for the offline bot: it accepts chats and messages it was never shown."""
    return BotApi(TOKEN, BOT_USERNAME, bot_id=BOT_ID, first_name="Pain Bot", strict=False)


class _Answered(Exception):
    """The fake API's answer was an error: (HTTP status, JSON body)."""

    def __init__(self, status: int, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("description"))
        self.status, self.payload = status, payload


@dataclass
class _Raise:
    """An exception the HTTP layer raises for a method (every time or a number of times)."""

    exception: BaseException
    times: int | None


class RecordingRequest(BaseRequest):
    """A PTB request answering from a BotApi; records the calls that went through it."""

    def __init__(self, statuses: dict[tuple[int, int], str] | None = None, api: BotApi | None = None) -> None:
        self.api = api or offline_api()
        self.calls: list[ApiCall] = []
        self._raises: dict[str, _Raise] = {}
        for (chat_id, user_id), status in (statuses or {}).items():
            self.api.set_member_status(chat_id, user_id, status)

    # -- BaseRequest -------------------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        """PTB's default read timeout for this request."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Record the call and return (HTTP status, JSON body) as api.telegram.org would."""
        name = url.rstrip("/").rsplit("/", 1)[-1]
        params = _params(request_data)
        self.calls.append(ApiCall(name, params))
        self._maybe_raise(name)
        try:
            if name == "getUpdates":  # a long poll blocks: keep it off the event loop
                result = await asyncio.to_thread(self._result, name, params)
            else:
                result = self._result(name, params)
        except _Answered as answer:
            return answer.status, json.dumps(answer.payload).encode()
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _maybe_raise(self, name: str) -> None:
        """Fail at the HTTP layer, when asked to (PTB wraps it in NetworkError)."""
        planned = self._raises.get(name)
        if planned is None:
            return
        if planned.times is not None:
            planned.times -= 1
            if planned.times <= 0:
                del self._raises[name]
        raise planned.exception

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        """The fake API's result for one call; raise _Answered for an error."""
        status, payload = self.api.call(name, params)
        if status != 200:
            raise _Answered(status, payload)
        return payload["result"]

    # -- configuration -----------------------------------------------------------------------------
    def fail(
        self,
        method: str,
        code: int = 403,
        description: str = "Forbidden: bot was blocked by the user",
        times: int | None = None,
    ) -> None:
        """Make a method answer with a Telegram error (every time, or the next `times` calls)."""
        self.api.fail(method, code, description, times=times)

    def raise_on(self, method: str, exc: BaseException, times: int | None = None) -> None:
        """Make the HTTP layer itself raise for a method (PTB wraps it in NetworkError)."""
        self._raises[method] = _Raise(exc, times)

    def set_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember says about a user in a chat."""
        self.api.set_member_status(chat_id, user_id, status)

    # -- inspection --------------------------------------------------------------------------------
    def methods(self) -> list[str]:
        """Every method called, in order."""
        return [c.method for c in self.calls]

    def calls_to(self, method: str) -> list[ApiCall]:
        """Every call to one method, in order."""
        return [c for c in self.calls if c.method == method]

    def sent(self) -> list[ApiCall]:
        """Every sendMessage call."""
        return self.calls_to("sendMessage")

    def uploads(self) -> list[ApiCall]:
        """sendPhoto calls that uploaded a file (rather than reusing a file id)."""
        return [c for c in self.calls_to("sendPhoto") if not isinstance(c.get("photo"), str)]

    def outgoing(self) -> list[ApiCall]:
        """Every call an update caused (getMe and the start-up calls excluded)."""
        return [c for c in self.calls if c.method not in ("getMe", "setMyCommands", "deleteWebhook", "getUpdates")]

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        self.calls.clear()


def _params(request_data: RequestData | None) -> dict[str, Any]:
    """The call's parameters as PTB encoded them; an upload becomes {filename, content_type, size}."""
    if request_data is None:
        return {}
    params: dict[str, Any] = dict(request_data.parameters)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        size = len(content) if isinstance(content, bytes) else len(content.read())
        params[name] = {"filename": filename, "content_type": mime, "size": size}
    return params


# --------------------------------------------------------------------------------------------------
# Update factories: plain dicts shaped like the Bot API's, turned into Updates by Update.de_json
# --------------------------------------------------------------------------------------------------

_update_ids = itertools.count(1)
_message_ids = itertools.count(101)


def person(
    user_id: int = USER_ID, first_name: str = "Ann", is_bot: bool = False, username: str | None = None
) -> dict[str, Any]:
    """A Telegram user."""
    user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if username:
        user["username"] = username
    return user


def chat(chat_id: int) -> dict[str, Any]:
    """A chat, typed from its id: positive private, -100... supergroup, other negative a basic group."""
    kind = chat_type_of(chat_id)
    if kind == "private":
        return {"id": chat_id, "type": kind, "first_name": "Ann"}
    return {"id": chat_id, "type": kind, "title": "Running club"}


def message(
    text: str | None,
    chat_id: int,
    user_id: int = USER_ID,
    *,
    from_user: dict[str, Any] | None = None,
    reply_to: dict[str, Any] | None = None,
    sender_chat: dict[str, Any] | None = None,
    message_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A message dict; text gets Telegram's command and mention entities."""
    data: dict[str, Any] = {
        "message_id": message_id if message_id is not None else next(_message_ids),
        "date": int(time.time()),
        "chat": chat(chat_id),
    }
    if sender_chat is not None:
        data["sender_chat"] = sender_chat
    data["from"] = from_user if from_user is not None else person(user_id)
    if text is not None:
        data["text"] = text
        entities = entities_for(text)
        if entities:
            data["entities"] = entities
    if reply_to is not None:
        data["reply_to_message"] = reply_to
    data.update(extra)
    return data


def update(**payload: Any) -> dict[str, Any]:
    """An update dict with a fresh update_id."""
    return {"update_id": next(_update_ids), **payload}


def private_text(text: str, user_id: int = USER_ID) -> dict[str, Any]:
    """A person writes to the bot in private (commands included: '/start')."""
    return update(message=message(text, user_id, user_id))


def group_text(text: str, chat_id: int = GROUP_ID, user_id: int = MEMBER_ID, **kw: Any) -> dict[str, Any]:
    """A member writes in a group; '@painbot' and '/cmd@bot' get their entities."""
    return update(message=message(text, chat_id, user_id, **kw))


def bot_message(text: str, chat_id: int = GROUP_ID, message_id: int | None = None) -> dict[str, Any]:
    """A message the bot itself sent earlier (as it appears in reply_to_message or a callback)."""
    data = message(None, chat_id, from_user=BOT_USER, message_id=message_id)
    data["text"] = text
    return data


def reply_to_bot(text: str, chat_id: int = GROUP_ID, user_id: int = MEMBER_ID) -> dict[str, Any]:
    """A member replies to one of the bot's messages."""
    return group_text(text, chat_id, user_id, reply_to=bot_message("Earlier answer", chat_id))


def from_other_bot(text: str, chat_id: int = GROUP_ID) -> dict[str, Any]:
    """Another bot's message in a group."""
    return update(
        message=message(text, chat_id, from_user=person(OTHER_BOT_ID, "Other", is_bot=True, username="otherbot"))
    )


def from_channel_in_group(text: str, chat_id: int = GROUP_ID) -> dict[str, Any]:
    """A linked channel posting into a group (sender_chat set, from is Telegram's placeholder)."""
    return update(
        message=message(
            text,
            chat_id,
            sender_chat=chat(CHANNEL_ID) | {"title": "News"},
            from_user=person(136817688, "Channel", is_bot=True, username="Channel_Bot"),
        )
    )


def channel_post(text: str, chat_id: int = CHANNEL_ID) -> dict[str, Any]:
    """A post in a channel the bot administers."""
    post = {
        "message_id": next(_message_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "channel", "title": "News"},
        "sender_chat": {"id": chat_id, "type": "channel", "title": "News"},
        "text": text,
    }
    entities = entities_for(text)
    if entities:
        post["entities"] = entities
    return update(channel_post=post)


MEDIA: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "stk",
            "file_unique_id": "stku",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    },
    "photo": {"photo": [{"file_id": "ph", "file_unique_id": "phu", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "vo", "file_unique_id": "vou", "duration": 3}},
}


def media(kind: str, chat_id: int = USER_ID, user_id: int = USER_ID) -> dict[str, Any]:
    """A sticker, photo or voice message."""
    return update(message=message(None, chat_id, user_id, **MEDIA[kind]))


def callback_query(
    data: str, user_id: int = USER_ID, chat_id: int | None = None, message_id: int | None = None
) -> dict[str, Any]:
    """A press on an inline button under one of the bot's messages."""
    chat_id = user_id if chat_id is None else chat_id
    return update(
        callback_query={
            "id": f"cq{next(_update_ids)}",
            "from": person(user_id),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": bot_message("Buttons", chat_id, message_id),
        }
    )


def inline_query(query: str, user_id: int = USER_ID) -> dict[str, Any]:
    """Someone types '@painbot <query>' in any chat."""
    return update(inline_query={"id": f"iq{next(_update_ids)}", "from": person(user_id), "query": query, "offset": ""})


def my_chat_member(
    chat_id: int = GROUP_ID,
    old: str = "left",
    new: str = "member",
    by: int = ADMIN_ID,
    chat_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The bot's own membership changed (e.g. someone added it to a group)."""
    return update(
        my_chat_member={
            "chat": chat_data or chat(chat_id),
            "from": person(by),
            "date": int(time.time()),
            "old_chat_member": member(old, BOT_USER),
            "new_chat_member": member(new, BOT_USER),
        }
    )


# --------------------------------------------------------------------------------------------------
# The harness: a real Application over the fake API
# --------------------------------------------------------------------------------------------------


@dataclass
class OfflineBot:
    """An initialized Application wired to the fake API through two RecordingRequests, fed update dicts."""

    app: Application
    request: RecordingRequest
    updates_request: RecordingRequest
    settings: Settings
    extra: dict[str, Any] = field(default_factory=dict)

    async def feed(self, *updates: dict[str, Any]) -> None:
        """Process updates exactly as polling would hand them over (the fake API learns them first)."""
        for data in updates:
            self.request.api.register_update(data)
            await self.app.process_update(Update.de_json(data, self.app.bot))

    async def post_init(self) -> None:
        """Run post_init (only run_polling/run_webhook call it)."""
        assert self.app.post_init is not None
        await self.app.post_init(self.app)

    def sent(self) -> list[ApiCall]:
        """Every sendMessage call so far."""
        return self.request.sent()


# Both kinds of Telegram group: every group behaviour is tested in each.
GROUPS = pytest.mark.parametrize("group_id", [GROUP_ID, BASIC_GROUP_ID], ids=["supergroup", "group"])


def buttons(call: ApiCall) -> list[str]:
    """The callback data of every inline button of a sent message, in order."""
    markup = call.get("reply_markup") or {}
    return [key["callback_data"] for row in markup.get("inline_keyboard", []) for key in row]


def labels(call: ApiCall) -> list[str]:
    """The labels of every inline button, in order."""
    markup = call.get("reply_markup") or {}
    return [key["text"] for row in markup.get("inline_keyboard", []) for key in row]


def only_sent(bot: OfflineBot) -> ApiCall:
    """The one message the update produced (and assert it was the only outgoing call)."""
    assert [c.method for c in bot.request.outgoing()] == ["sendMessage"], bot.request.methods()
    return bot.sent()[0]


def quoted_id(call: ApiCall) -> int | None:
    """The message id a reply quotes, if any."""
    params = call.get("reply_parameters")
    return None if params is None else params["message_id"]


async def turn_auto_mode_on(bot: OfflineBot, group_id: int = GROUP_ID) -> None:
    """A group admin presses /settings' "Turn auto mode on"; the calls it made are then forgotten."""
    bot.request.set_status(group_id, ADMIN_ID, "administrator")
    await bot.feed(callback_query("auto:on", ADMIN_ID, group_id))
    assert automode.is_on(bot.app.chat_data[group_id])
    bot.request.clear()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: a fake token and a persistence file in tmp_path."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "persistence_path": tmp_path / "state.pickle",
        "content_dir": MINI,
        "db_path": tmp_path / "painbot.sqlite3",
        # offline: failures are final at once, and private replies need no pacing
        "send_deadline": 0.0,
        "private_interval": 0.0,
    }
    values.update(overrides)
    return Settings(**values)


def build_offline(
    settings: Settings, engine: Engine | None = None, request: RecordingRequest | None = None, recorder: Any = None
) -> OfflineBot:
    """Build (not initialize) the app through bot.app.build_application with the fake API."""
    request = request or RecordingRequest()
    updates_request = RecordingRequest(api=request.api)  # PTB polls on its own request, same Telegram
    app = build_application(
        settings, engine or mini_engine(), recorder=recorder, request=request, updates_request=updates_request
    )
    return OfflineBot(app, request, updates_request, settings)


@asynccontextmanager
async def offline_bot(
    tmp_path: Path,
    *,
    engine: Engine | None = None,
    request: RecordingRequest | None = None,
    recorder: Any = None,
    **settings: Any,
) -> AsyncIterator[OfflineBot]:
    """An initialized app over the mini content; shut down (persistence flushed) on exit."""
    bot = build_offline(make_settings(tmp_path, **settings), engine, request, recorder)
    async with bot.app:
        yield bot
