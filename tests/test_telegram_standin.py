"""The Bot API stand-in behaves like Telegram when driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatMemberAdministrator,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from testsupport.standin import BotApiStandIn
from testsupport.waiting import until

TOKEN = "123456:TEST-token"


@pytest.fixture
def standin():
    with BotApiStandIn(TOKEN) as s:
        yield s


@pytest.fixture
async def bot(standin):
    async with Bot(TOKEN, base_url=standin.base_url) as b:
        yield b


async def test_get_me(bot, standin):
    me = await bot.get_me()
    assert me.is_bot and me.username == "painbot" and me.id == 123456
    assert me.supports_inline_queries is True
    assert me.can_read_all_group_messages is False
    assert standin.calls[0][0] == "getMe"
    assert standin.request_log[0] == f"/bot{TOKEN}/getMe"


async def test_get_updates_offset_confirms(bot, standin):
    ids = [standin.private_message(f"hi {n}") for n in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == ids
    msg = updates[0].message
    assert msg.text == "hi 0" and msg.chat.type == "private" and msg.from_user.id == 1001
    assert isinstance(updates[0].message.date.year, int)
    assert standin.pending_updates() == 3  # returned but not yet confirmed

    updates = await bot.get_updates(offset=ids[1], limit=1)
    assert [u.update_id for u in updates] == [ids[1]]
    assert standin.confirmed_offset == ids[1]
    assert standin.pending_updates() == 2

    assert await bot.get_updates(offset=ids[2] + 1) == ()
    assert standin.pending_updates() == 0

    offsets = [p.get("offset") for m, p in standin.calls if m == "getUpdates"]
    assert offsets == [None, ids[1], ids[2] + 1]


async def test_allowed_updates_filter_and_is_remembered(bot, standin):
    standin.private_message("text")
    standin.inline_query("ham")
    updates = await bot.get_updates(allowed_updates=["inline_query"])
    assert [u.inline_query.query for u in updates] == ["ham"]
    standin.private_message("again")
    assert await bot.get_updates(offset=updates[0].update_id + 1) == ()  # still inline only


async def test_long_poll_wakes_on_push_and_times_out_empty(bot, standin):
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await until(lambda: standin.polling, message="the long poll waiting")
    t0 = time.monotonic()
    standin.private_message("wake up")
    updates = await asyncio.wait_for(poll, 3)
    assert time.monotonic() - t0 < 2.5
    assert [u.message.text for u in updates] == ["wake up"]

    t0 = time.monotonic()
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=1) == ()
    assert 0.9 <= time.monotonic() - t0 < 3


async def test_send_message_html_inline_keyboard_and_reply(bot, standin):
    standin.private_message("how long to recover?")
    (update,) = await bot.get_updates()
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("More", callback_data="more:1"),
                InlineKeyboardButton("Blog", url="https://example.com"),
            ]
        ]
    )
    msg = await bot.send_message(
        1001,
        "<b>Six</b> to 12 weeks &amp; more",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(update.message.message_id),
    )
    assert msg.text == "Six to 12 weeks & more"
    assert msg.entities == (MessageEntity("bold", 0, 3),)
    assert msg.from_user.is_bot and msg.from_user.username == "painbot"
    assert msg.chat.type == "private" and msg.chat.id == 1001
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "more:1"
    assert msg.reply_to_message.text == "how long to recover?"
    assert msg.message_id > update.message.message_id

    (sent,) = standin.sent(1001)
    assert sent["parse_mode"] == "HTML"
    assert sent["reply_markup"]["inline_keyboard"][0][1]["url"] == "https://example.com"
    assert sent["reply_parameters"] == {"message_id": update.message.message_id}
    assert standin.sent(999) == []

    second = await bot.send_message(1001, "plain")
    assert second.message_id == msg.message_id + 1 and second.reply_markup is None


async def test_send_message_rejections(bot, standin):
    standin.private_message("hi")
    with pytest.raises(BadRequest, match="(?i)can't parse entities: unsupported start tag"):
        await bot.send_message(1001, "<p>para</p>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)can't find end tag"):
        await bot.send_message(1001, "<b>open", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)unsupported parse_mode"):  # the bot writes HTML only
        await bot.send_message(1001, "Rest. Then load.", parse_mode=ParseMode.MARKDOWN_V2)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(1001, "x" * 4097)
    await bot.send_message(1001, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "hello stranger")
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(
            1001, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]])
        )
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(1001, "x", reply_parameters=ReplyParameters(9999))
    assert len(standin.sent()) == 1


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_retry_after_injection(bot, standin):
    standin.private_message("hi")
    standin.fail_next("sendMessage", 429, retry_after=1)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1001, "one")
    assert "Retry in 1 seconds" in str(info.value)  # PTB's wording for parameters.retry_after
    assert (await bot.send_message(1001, "two")).text == "two"
    assert [p["text"] for p in standin.sent()] == ["two"]
    assert [m for m, _ in standin.calls].count("sendMessage") == 2


async def test_forbidden_for_one_chat(bot, standin):
    standin.private_message("hi", user_id=1001)
    standin.private_message("hi", user_id=1003, first_name="Kim")
    standin.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=1001)
    assert (await bot.send_message(1003, "fine")).chat.first_name == "Kim"
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(1001, "nope")
    await bot.send_message(1001, "ok now")  # injection used up

    standin.user_blocks_bot(1003)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(1003, "after block")


async def test_wrong_token_and_unknown_method(standin):
    async with Bot(TOKEN, base_url=standin.base_url) as good:
        with pytest.raises(EndPointNotFound):
            await good.do_api_request("noSuchMethod")
    wrong = Bot("999:wrong", base_url=standin.base_url)
    with pytest.raises(InvalidToken):
        await wrong.initialize()
    with pytest.raises(InvalidToken):
        await wrong.get_me()
    await wrong.shutdown()


async def test_set_webhook_conflicts_with_get_updates(bot, standin):
    assert await bot.set_webhook("https://bot.example/hook", secret_token="s3cret")
    assert standin.webhook == {"url": "https://bot.example/hook", "secret_token": "s3cret", "allowed_updates": None}
    assert standin.pending_updates() == 0
    with pytest.raises(Conflict, match="(?i)webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_set_webhook_terminates_a_running_long_poll(bot, standin):
    async with Bot(TOKEN, base_url=standin.base_url) as other:
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await until(lambda: standin.polling, message="the long poll waiting")
        await other.set_webhook("https://bot.example/hook")
        with pytest.raises(Conflict, match="(?i)terminated by setWebhook"):
            await asyncio.wait_for(poll, 3)


class _Receiver:
    """A tiny webhook endpoint that records requests; answers 403 on a wrong secret."""

    def __init__(self, secret: str | None, fail_first: int = 0):
        received: list[dict[str, Any]] = []
        self.received = received
        state = {"fail": fail_first}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get("X-Telegram-Bot-Api-Secret-Token")
                received.append({"headers": dict(self.headers), "body": json.loads(body)})
                if state["fail"] > 0:
                    state["fail"] -= 1
                    status = 500
                else:
                    status = 200 if secret is None or header == secret else 403
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


async def test_webhook_delivery_with_secret(bot, standin):
    receiver = _Receiver("s3cret", fail_first=1)
    try:
        await bot.set_webhook(receiver.url, secret_token="s3cret")
        update_id = standin.private_message("via webhook")
        (delivery,) = await until(lambda: standin.webhook_deliveries, message="the webhook delivery")
        assert delivery["ok"] and delivery["attempts"] == 2 and delivery["status"] == 200
        first, second = receiver.received
        assert second["headers"]["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        assert second["headers"]["Content-Type"] == "application/json"
        assert second["body"]["update_id"] == update_id
        assert Update.de_json(second["body"], bot).message.text == "via webhook"
        assert standin.pending_updates() == 0

        forged = {"message": second["body"]["message"]}
        assert await asyncio.to_thread(standin.post_to_webhook, forged, "forged") == 403
        assert await asyncio.to_thread(standin.post_to_webhook, forged, None) == 403
        assert await asyncio.to_thread(standin.post_to_webhook, forged, "s3cret") == 200
    finally:
        receiver.close()


async def test_members_commands_and_chat(bot, standin):
    standin.group_message("@painbot hello", chat_id=-1002)
    standin.set_member_status(-1002, 1002, "administrator")
    admin = await bot.get_chat_member(-1002, 1002)
    assert isinstance(admin, ChatMemberAdministrator) and admin.user.id == 1002
    assert isinstance(await bot.get_chat_member(-1002, 1005), ChatMemberMember)
    for status in ("creator", "restricted", "left", "kicked"):
        standin.set_member_status(-1002, 1006, status)
        assert (await bot.get_chat_member(-1002, 1006)).status == status

    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    assert [c["command"] for c in standin.commands()] == ["start", "help"]
    assert standin.commands()[1] == {"command": "help", "description": "Help"}
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])

    standin.set_member_status(-1002, standin.bot_id, "left")  # the bot was removed from the group
    with pytest.raises(Forbidden, match="(?i)not a member"):
        await bot.send_message(-1002, "still here?")


async def test_callback_edit_and_inline(bot, standin):
    standin.private_message("hi")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more")]])
    sent = await bot.send_message(1001, "Short answer", reply_markup=keyboard)
    await bot.get_updates()

    update_id = standin.callback_query("more", sent.message_id, 1001)
    (update,) = await bot.get_updates(offset=update_id)
    query = update.callback_query
    assert query.data == "more" and query.message.message_id == sent.message_id
    assert query.message.reply_markup == keyboard
    assert await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text("Long answer", chat_id=1001, message_id=sent.message_id)
    assert edited.text == "Long answer" and edited.reply_markup is None
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Long answer", chat_id=1001, message_id=sent.message_id)
    assert await bot.edit_message_text("inline", inline_message_id="AAAB") is True
    assert standin.message(1001, sent.message_id)["text"] == "Long answer"

    update_id = standin.inline_query("sitting pain")
    (update,) = await bot.get_updates(offset=update_id)
    assert update.inline_query.query == "sitting pain"
    result = InlineQueryResultArticle("1", "Sitting", InputTextMessageContent("<b>Sit</b>", parse_mode="HTML"))
    assert await bot.answer_inline_query(update.inline_query.id, [result])
    answered = [p for m, p in standin.calls if m == "answerInlineQuery"][0]
    assert answered["results"][0]["input_message_content"]["message_text"] == "<b>Sit</b>"


async def test_group_helpers_mentions_privacy_and_service(bot, standin):
    text = "héllo 🏃 @painbot, why?"
    update_id = standin.group_message(text)
    assert standin.group_message("just chatting") == 0  # privacy mode hides it
    assert len(standin.suppressed_by_privacy) == 1
    (update,) = await bot.get_updates(offset=update_id)
    msg = update.message
    assert msg.chat.type == "supergroup" and msg.chat.title == "Test Group"
    assert list(msg.parse_entities([MessageEntity.MENTION]).values()) == ["@painbot"]
    await bot.get_updates(offset=update_id + 1)

    sent = await bot.send_message(-1002, "answer")
    reply_id = standin.group_message("thanks", reply_to_bot_message_id=sent.message_id)
    cmd_id = standin.command("/help@painbot", chat_type="supergroup")
    assert standin.command("/help@otherbot", chat_type="supergroup") == 0
    sticker_id = standin.sticker()
    added_id = standin.bot_added_to_group(-1003, by_user_id=1002)
    updates = await bot.get_updates(offset=reply_id)
    by_id = {u.update_id: u for u in updates}
    assert by_id[reply_id].message.reply_to_message.from_user.is_bot
    assert by_id[cmd_id].message.entities[0].type == "bot_command"
    assert by_id[sticker_id].message.sticker.emoji == "👍"
    assert by_id[sticker_id].message.text is None
    assert by_id[added_id].message.new_chat_members[0].username == "painbot"
    assert by_id[added_id - 1].my_chat_member.new_chat_member.status == "member"
    assert (await bot.send_message(-1003, "hello group")).chat.id == -1003


async def test_stop_releases_a_pending_long_poll():
    standin = BotApiStandIn(TOKEN)
    standin.start()
    async with Bot(TOKEN, base_url=standin.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await until(lambda: standin.polling, message="the long poll waiting")
        t0 = time.monotonic()
        await asyncio.to_thread(standin.stop)
        assert time.monotonic() - t0 < 2
        assert await asyncio.wait_for(poll, 3) == ()


async def test_application_echo_by_polling(standin):
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo: {update.message.text}")

    app = ApplicationBuilder().token(TOKEN).base_url(standin.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        update_id = standin.private_message("hamstring")
        (sent,) = await standin.wait_for_sent_async(1, chat_id=1001, timeout=10)
        assert sent["text"] == "echo: hamstring"
        t0 = time.monotonic()
        await app.updater.stop()
        await app.stop()
        assert time.monotonic() - t0 < 5
    assert standin.confirmed_offset == update_id + 1
    assert standin.pending_updates() == 0
    methods = [m for m, _ in standin.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]


def test_wait_for_timeout_message(standin):
    with pytest.raises(TimeoutError, match="(?i)0 API calls so far"):
        standin.wait_for_sent(1, timeout=0.2)


async def test_async_wait_for_timeout_message_lists_the_calls(standin):
    with pytest.raises(TimeoutError, match="(?i)0 API calls so far, 0 updates pending"):
        await standin.wait_for_sent_async(1, timeout=0)


async def test_async_wait_for_returns_what_the_predicate_found(standin):
    standin.private_message("hamstring")
    assert await standin.wait_for_async(lambda _calls: standin.pending_updates(), timeout=0) == 1
