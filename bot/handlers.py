"""Telegram callbacks: thin glue from an update to the engine and back to a message."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, cast

from telegram import (
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultCachedPhoto,
    InputTextMessageContent,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes, ExtBot

from bot import automode
from bot.addressing import Address
from bot.cooldown import Cooldown, GroupBudget
from bot.engine import Engine
from bot.htmlcheck import to_plain
from bot.inlinesearch import InlineSearches
from bot.rendering import Button, Reply
from bot.schema import ALERT_LIMIT
from bot.sending import BudgetSpent, SendDropped, SendGuard, is_outage, is_urgent

logger = logging.getLogger(__name__)

TOPIC_PREFIX = "t:"  # callback data of a topic button: t:<intent id>
INLINE_RESULTS = 3
CARD_TITLE_CHARS = 64  # an inline card's title and description are cut to what a card shows in a line or two
CARD_DESCRIPTION_CHARS = 120
ADMIN_STATUSES = frozenset({ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER})
CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption, in characters after the HTML is parsed
PHOTO_IDS = "photo_ids"  # bot_data key: picture path -> the file id Telegram gave it (kept across restarts)


class QuestionRecorder(Protocol):
    """Where answered and unanswered questions are counted (the anonymous log)."""

    def record(
        self, text: str | None, *, chat_type: str, intent_id: str | None, score: float, outcome: str, answered: bool
    ) -> None:
        """Note one considered message; must never block or raise."""


@dataclass
class Services:
    """What the handlers share, kept in bot_data under one typed accessor."""

    engine: Engine
    cooldown: Cooldown
    recorder: QuestionRecorder | None = None
    admin_ids: frozenset[int] = frozenset()
    db_path: Path | None = None  # the question log, read by the admin commands
    budget: GroupBudget | None = None  # every message to a group counts here (bot/sending.py enforces it)
    inline_searches: InlineSearches[InlineSearch] | None = None  # None: log each inline query at once
    time_zone: str = field(kw_only=True)  # the weekly tips' clock (Settings.time_zone)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    """The shared services of this application."""
    return cast(Services, context.bot_data["services"])


def message_of(update: Update) -> Message:
    """The update's message, for handlers whose filters let only messages through."""
    message = update.effective_message
    if message is None:
        raise ValueError(f"update {update.update_id} carries no message")
    return message


def chat_data_of(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    """This chat's data, for updates that always belong to a chat."""
    if context.chat_data is None:
        raise ValueError("this update belongs to no chat")
    return context.chat_data


def chat_kind(chat: Chat | None) -> str:
    """Private or group: channels never reach the text handlers."""
    return "private" if chat is None or chat.type == ChatType.PRIVATE else "group"


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """Topic buttons, two to a row when there are many."""
    if not buttons:
        return None
    keys = [InlineKeyboardButton(b.label, callback_data=TOPIC_PREFIX + b.intent_id) for b in buttons]
    width = 2 if len(keys) > 3 else 1
    return InlineKeyboardMarkup([keys[i : i + width] for i in range(0, len(keys), width)])


def marked_for_bot(message: Message, bot_id: int, username: str) -> bool:
    """Telegram marks the message as meant for the bot: a command for it, an @mention, or a reply to it.

    What counts as addressing the bot is decided in bot/addressing.py; this only reads the marks.
    """
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return True
    for entity, text in message.parse_entities([MessageEntity.MENTION, MessageEntity.BOT_COMMAND]).items():
        if entity.type == MessageEntity.MENTION and text[1:].casefold() == username.casefold():
            return True
        if entity.type == MessageEntity.BOT_COMMAND and entity.offset == 0:
            return "@" not in text or text.split("@", 1)[1].casefold() == username.casefold()
    return any(e.type == MessageEntity.TEXT_MENTION and e.user and e.user.id == bot_id for e in message.entities)


async def send(message: Message, reply: Reply, context: ContextTypes.DEFAULT_TYPE | None = None) -> None:
    """Send a reply under the message it answers (quoted in groups), with its picture when it has one.

    Its kind tells the send gate whether it is urgent.
    """
    markup = keyboard(reply.buttons)
    if reply.image and context is not None:
        if fits_caption(reply.text):
            await send_photo(message, reply.image, context, reply.kind, caption=reply.text, reply_markup=markup)
            return
        await send_photo(message, reply.image, context, reply.kind)  # too long for a caption: photo, then text
    await reply_to(message, reply.text, markup, reply.kind)


async def reply_to(message: Message, text: str, markup: InlineKeyboardMarkup | None, kind: str) -> None:
    """Message.reply_text, plus the reply's kind for the send gate (reply_text cannot pass it on)."""
    bot = cast(ExtBot[Any], message.get_bot())
    await bot.send_message(message.chat_id, text, reply_markup=markup, **_reply_options(message, bot, kind))


def _reply_options(message: Message, bot: ExtBot[Any], kind: str) -> dict[str, Any]:
    """Quote the message in groups, stay in its forum topic, and tell the send gate the reply's kind."""
    quote = message.chat.type != ChatType.PRIVATE
    return {
        "reply_parameters": ReplyParameters(message.message_id) if quote else None,
        "message_thread_id": message.message_thread_id if message.is_topic_message else None,
        # PTB types rate_limit_args for AIORateLimiter's int; painbot's gate reads the reply kind.
        **({"rate_limit_args": kind} if bot.rate_limiter else {}),
    }


def group_has_room(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> bool:
    """An ordinary (not urgent) message may go to this group now: cooldown and budget both allow it."""
    svc = services(context)
    return (svc.budget is None or svc.budget.has_room(chat_id)) and svc.cooldown.allow(chat_id)


async def send_photo(
    message: Message, image: str, context: ContextTypes.DEFAULT_TYPE, kind: str, **options: Any
) -> None:
    """Send a picture, uploading it only the first time; later sends reuse Telegram's file id."""
    bot = cast(ExtBot[Any], message.get_bot())
    options.update(_reply_options(message, bot, kind))
    photo_ids: dict[str, str] = context.bot_data.setdefault(PHOTO_IDS, {})
    if image in photo_ids:
        try:
            await bot.send_photo(message.chat_id, photo_ids[image], **options)
            return
        except BadRequest:  # an id from another bot (a new token): upload again
            logger.info("photo %s: stored file id refused, uploading again", image)
            del photo_ids[image]
    sent = await bot.send_photo(message.chat_id, services(context).engine.picture(image), **options)
    if sent.photo:
        photo_ids[image] = sent.photo[-1].file_id


def record(context: ContextTypes.DEFAULT_TYPE, chat: str, reply: Reply, text: str | None) -> None:
    """Log the decision (never the text) and count it in the anonymous log."""
    logger.info("answered chat=%s intent=%s score=%.0f kind=%s", chat, reply.intent_id, reply.score, reply.kind)
    recorder = services(context).recorder
    if recorder is not None:
        recorder.record(
            text,
            chat_type=chat,
            intent_id=reply.intent_id,
            score=reply.score,
            outcome=reply.kind,
            answered=reply.answered,
        )


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer /start, /help, /topics, /privacy and /urgent as the renderer words them."""
    message = message_of(update)
    name = (message.text or "/").split()[0][1:].split("@")[0].casefold()
    reply = services(context).engine.command(name)
    if reply is None:
        return
    if chat_kind(message.chat) == "group" and not group_has_room(context, message.chat_id):
        logger.info("group cooldown: skipped a command reply")  # answered again once the cooldown allows
        return
    await send(message, reply)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a text message: always in private, in groups when addressed or confidently in auto mode."""
    message, svc = message_of(update), services(context)
    if message.text is None:  # filters.TEXT lets none through; this only tells the type checker
        return
    chat = chat_kind(update.effective_chat)
    marked = chat == "group" and marked_for_bot(message, context.bot.id, context.bot.username)
    # Chatter in a group without auto mode stops here, before the text is read any further.
    address = svc.engine.spoken_to(message.text, chat, marked)
    direct = address is Address.DIRECT
    if not direct and not automode.is_on(chat_data_of(context)):
        return
    match = svc.engine.decide(message.text, chat, address)
    if not direct and not match.confident:
        return  # auto mode answers only when sure; chatter gets a deliberate silence
    pressing = match.alert is not None and match.alert.pressing  # crisis, emergency, now/today red flags
    if chat == "group" and not pressing and not group_has_room(context, message.chat_id):
        logger.info("group cooldown: skipped a reply")
        return
    reply = svc.engine.render(match, chat)
    record(context, chat, reply, message.text)
    await send(message, reply, context)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a topic button with that topic in full."""
    query = update.callback_query
    assert query is not None  # a CallbackQueryHandler callback
    intent_id = (query.data or "").removeprefix(TOPIC_PREFIX)
    engine = services(context).engine
    if not engine.knows(intent_id) or not isinstance(query.message, Message):
        await query.answer()  # older content, or a message now inaccessible: stop the spinner, send nothing
        return
    reply = engine.answer(intent_id, "private")
    chat = query.message.chat
    if chat_kind(chat) == "group" and not is_urgent(reply.kind) and not group_has_room(context, chat.id):
        await query.answer(button_alert(engine, intent_id), show_alert=True)  # the group's budget is spent
        return
    await query.answer()
    await send(query.message, reply, context)


def short_plain(engine: Engine, intent_id: str) -> str:
    """An intent's short answer (or its full one when it has none), filled in, as plain text."""
    return to_plain(engine.short(intent_id))


def fits_caption(text: str) -> bool:
    """Whether this Telegram-HTML text is short enough to go as a photo's caption."""
    return len(to_plain(text)) <= CAPTION_LIMIT


def button_alert(engine: Engine, intent_id: str) -> str:
    """The short answer as plain text, cut to what a callback alert can show."""
    return shorten(short_plain(engine, intent_id), ALERT_LIMIT)


def shorten(text: str, limit: int) -> str:
    """Cut text to at most limit characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def on_unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button whose data no handler knows (an old keyboard, a forged press): stop the client's spinner."""
    if update.callback_query is not None:
        await update.callback_query.answer()


async def on_non_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice and files: say the bot reads text."""
    await send(message_of(update), Reply(services(context).engine.text("not_text")))


async def on_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Offer up to three answer cards for an inline query, to share in any chat."""
    query, engine = update.inline_query, services(context).engine
    assert query is not None  # an InlineQueryHandler callback
    match = engine.decide(query.query, "private")
    reply = engine.render(match)  # the urgent card and the logged search both show it
    results: list[InlineQueryResultArticle | InlineQueryResultCachedPhoto]
    if match.urgent:
        results = [_urgent_article(reply)]
    else:
        if match.intent_id is None:
            ids: tuple[str, ...] = ()
        elif match.alert is not None:  # a question about warning signs: the list of signs
            ids = (match.intent_id,)
        else:
            ids = match.answerable[:INLINE_RESULTS]
        photo_ids = context.bot_data.get(PHOTO_IDS, {})
        results = [_inline_result(engine, intent_id, photo_ids) for intent_id in ids]
    if query.query.strip():
        search = InlineSearch(context, query.query, reply)
        searches = services(context).inline_searches
        if searches is None:
            search.log()
        else:
            searches.typed(query.from_user.id, search)
    await query.answer(results, cache_time=300, is_personal=False)


@dataclass(frozen=True)
class InlineSearch:
    """An inline query and the reply it got, waiting to be logged once."""

    context: ContextTypes.DEFAULT_TYPE
    text: str
    reply: Reply

    def log(self) -> None:
        """Record it in the question log."""
        record(self.context, "inline", self.reply, self.text)


async def on_chosen_inline(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The user picked an inline result: log that search now, as the result they chose."""
    chosen, svc = update.chosen_inline_result, services(context)
    assert chosen is not None  # a ChosenInlineResultHandler callback
    engine = svc.engine
    match = engine.decide(chosen.query, "private")
    reply = engine.render(match)
    if engine.knows(chosen.result_id) and chosen.result_id != reply.intent_id:
        score = next((c.score for c in match.candidates if c.intent_id == chosen.result_id), reply.score)
        reply = replace(engine.answer(chosen.result_id, "private"), score=score)
    search = InlineSearch(context, chosen.query, reply)
    if svc.inline_searches is None:
        search.log()
    else:
        svc.inline_searches.chosen(chosen.from_user.id, search)


def _inline_result(
    engine: Engine, intent_id: str, photo_ids: dict[str, str]
) -> InlineQueryResultArticle | InlineQueryResultCachedPhoto:
    """One shareable answer card: the picture with the answer as caption, once Telegram has the picture."""
    reply, title = engine.answer(intent_id, "private"), engine.title(intent_id)
    description = short_plain(engine, intent_id)[:CARD_DESCRIPTION_CHARS]
    if reply.image is not None and reply.image in photo_ids and fits_caption(reply.text):
        return InlineQueryResultCachedPhoto(
            id=intent_id,
            photo_file_id=photo_ids[reply.image],
            title=title,
            description=description,
            caption=reply.text,
        )
    return InlineQueryResultArticle(
        id=intent_id,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(reply.text),
    )


def _urgent_article(reply: Reply) -> InlineQueryResultArticle:
    """The one card offered when the safety layer found something: urgent care, nothing else."""
    plain = to_plain(reply.text)
    return InlineQueryResultArticle(
        id=reply.kind,
        title=plain.split("\n", 1)[0][:CARD_TITLE_CHARS],
        description=plain[:CARD_DESCRIPTION_CHARS],
        input_message_content=InputTextMessageContent(reply.text),
    )


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Introduce the bot once when it is added to a group."""
    change = update.my_chat_member
    assert change is not None  # a ChatMemberHandler(MY_CHAT_MEMBER) callback
    joined = change.old_chat_member.status in (
        ChatMemberStatus.LEFT,
        ChatMemberStatus.BANNED,
    ) and change.new_chat_member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
    in_group = change.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)  # not channels: no one asks there
    chat_data = chat_data_of(context)
    if not joined or not in_group or chat_data.get("introduced"):
        return
    chat_data["introduced"] = True
    await context.bot.send_message(change.chat.id, services(context).engine.text("group_intro"))


async def is_group_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Ask Telegram whether the sender administers this group (anonymous admins count)."""
    chat, user = update.effective_chat, update.effective_user
    message = update.effective_message
    if chat is None:
        return False  # a button on an inline message: no group to administer
    if message is not None and message.sender_chat is not None and message.sender_chat.id == chat.id:
        return True
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in ADMIN_STATUSES


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Carry a group's settings over when Telegram upgrades it to a supergroup (a new chat id)."""
    message = message_of(update)
    if message.migrate_to_chat_id:  # only the old chat's notice: the new one's would wipe them again
        context.application.migrate_chat_data(message=message)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any failure without the message text and carry on."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, Forbidden):
        logger.info("update %s: chat unreachable (bot blocked or removed): %s", update_id, context.error)
        return
    if isinstance(context.error, (SendDropped, BudgetSpent)):
        logger.info("update %s: %s", update_id, context.error)  # counted and summarised by bot/sending.py
        return
    limiter = context.bot.rate_limiter
    if update is None and is_outage(context.error) and isinstance(limiter, SendGuard):
        limiter.failures.note(context.error)  # polling through an outage: a count, not a traceback each
        return
    logger.error("update %s failed", update_id, exc_info=context.error)
