"""The self-check as a Telegram conversation: /check in a private chat, one tap per question.

In a group, /check answers with a button that opens the check in a private chat (the deep link
t.me/<bot>?start=check).  Answers live only in this conversation's user_data entry, dropped when the
check ends; the conversation itself is not persisted.  The anonymous log hears only that a check
ended and how (selfcheck_urgent / selfcheck_summary / selfcheck_cancelled), never the answers.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot import handlers
from bot.rendering import Reply
from bot.selfcheck import (
    BACK,
    CANCEL,
    CANCELLED,
    RESTART,
    RESUME,
    CheckState,
    SelfCheck,
    Step,
)
from bot.selfcheck_content import MAX_QUESTIONS

logger = logging.getLogger(__name__)

PREFIX = "sc:"  # callback data of the check's buttons: sc:yes, sc:no, sc:unsure, sc:back, sc:cancel, ...
DEEP_LINK = "check"  # t.me/<bot>?start=check
SESSION_KEY = "selfcheck"  # the running check in context.user_data
OUTCOME = "selfcheck"  # the anonymous log's outcome for a finished check
END = ConversationHandler.END
HTML = ParseMode.HTML


@dataclass(frozen=True)
class _Session:
    """The answers so far and the message that shows the current question."""

    state: CheckState
    message_id: int


def build_selfcheck_handler(
    conversation_timeout: float = 600, people: filters.BaseFilter = filters.ALL
) -> ConversationHandler:
    """The /check conversation; add it before the plain /start handler so the deep link reaches it."""
    humans = filters.UpdateType.MESSAGE & ~filters.VIA_BOT & ~filters.IS_AUTOMATIC_FORWARD & people
    deep_link = humans & filters.ChatType.PRIVATE & filters.Regex(rf"^/start(@\w+)?\s+{DEEP_LINK}\s*$")
    # Typed as ConversationHandler's states expect (any return type), not as inferred (int | None).
    answers: BaseHandler[Update, ContextTypes.DEFAULT_TYPE, object] = CallbackQueryHandler(
        on_choice, pattern=f"^{PREFIX}"
    )
    with warnings.catch_warnings():
        # Deliberate: one check per chat and user, whichever message its buttons sit on.
        warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler("check", on_check, filters=humans),
                CommandHandler("start", on_check, filters=deep_link),
                CallbackQueryHandler(on_restart, pattern=f"^{PREFIX}{RESTART}$"),
                CallbackQueryHandler(on_ended, pattern=f"^{PREFIX}"),
            ],
            states={
                **{index: [answers] for index in range(MAX_QUESTIONS)},
                ConversationHandler.TIMEOUT: [TypeHandler(Update, on_timeout)],
            },
            fallbacks=[
                CommandHandler("cancel", on_cancel, filters=humans),
                CommandHandler("check", on_already_running, filters=humans),
                CommandHandler("start", on_already_running, filters=deep_link),
            ],
            per_chat=True,
            per_user=True,
            per_message=False,
            conversation_timeout=conversation_timeout,
            name="selfcheck",
            persistent=False,
        )


def _flow(context: ContextTypes.DEFAULT_TYPE) -> SelfCheck | None:
    """The check over the current content (a /reload applies from the next tap)."""
    return SelfCheck.for_engine(handlers.services(context).engine)


def _markup(step: Step) -> InlineKeyboardMarkup | None:
    """The answers on one row, Back and Cancel on the next."""
    answers = [c for c in step.choices if c.value not in (BACK, CANCEL)]
    controls = [c for c in step.choices if c.value in (BACK, CANCEL)]
    rows = [
        [InlineKeyboardButton(c.label, callback_data=PREFIX + c.value) for c in row]
        for row in (answers, controls)
        if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _session(context: ContextTypes.DEFAULT_TYPE) -> _Session | None:
    data = context.user_data
    return None if data is None else data.get(SESSION_KEY)


def _save(context: ContextTypes.DEFAULT_TYPE, state: CheckState, message_id: int) -> int:
    """Remember where the check is; returns the conversation state (the question's index)."""
    if context.user_data is not None:
        context.user_data[SESSION_KEY] = _Session(state, message_id)
    return state.index


def _clear(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop(SESSION_KEY, None)


async def _strip(context: ContextTypes.DEFAULT_TYPE, chat_id: int, message_id: int) -> None:
    """Take the buttons off an old question (best effort: it may be gone or already bare)."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except TelegramError as exc:
        logger.debug("selfcheck: could not remove old buttons: %s", exc)


def _unavailable(context: ContextTypes.DEFAULT_TYPE) -> str:
    """What /check and its buttons say when the content has no self-check."""
    return handlers.services(context).engine.snippet("selfcheck_unavailable")


def _record(context: ContextTypes.DEFAULT_TYPE, step: Step) -> None:
    """Count the finished check in the anonymous log: its outcome only, no text, no answers."""
    handlers.record(context, "private", Reply("", (), step.intent_id, 100.0, OUTCOME), None)


async def on_check(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Start the check in a private chat; in a group, offer a button that opens it privately."""
    message, flow = handlers.message_of(update), _flow(context)
    if flow is None:
        await message.reply_text(_unavailable(context))
        return END
    if handlers.chat_kind(update.effective_chat) != "private":
        url = f"https://t.me/{context.bot.username}?start={DEEP_LINK}"
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(flow.label("open_private"), url=url)]])
        await message.reply_text(flow.note("group_redirect"), parse_mode=HTML, reply_markup=markup, do_quote=True)
        return END
    step = flow.start()
    sent = await message.reply_text(step.text, parse_mode=HTML, reply_markup=_markup(step))
    return _save(context, step.state, sent.message_id)


async def on_choice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """One tap on a question's buttons (or on Start again / Carry on)."""
    query = update.callback_query
    assert query is not None  # a CallbackQueryHandler callback
    choice = (query.data or "").removeprefix(PREFIX)
    flow, session = _flow(context), _session(context)
    if flow is None or session is None or query.message is None:
        await query.answer(_unavailable(context) if flow is None else flow.note("ended"))
        _clear(context)
        return END
    chat_id, message_id = query.message.chat.id, query.message.message_id
    if choice in (RESTART, RESUME):
        await query.answer()
        if message_id != session.message_id:
            await _strip(context, chat_id, session.message_id)
        step = flow.start() if choice == RESTART else flow.current(session.state)
        return await _show(context, step, chat_id, message_id)
    if message_id != session.message_id:
        await query.answer(flow.note("stale"))
        return None
    step = flow.answer(session.state, choice)
    await query.answer()
    if not step.finished and step.state == session.state:
        return step.state.index  # nothing changed (Back on the first question): no edit
    return await _show(context, step, chat_id, message_id)


async def _show(context: ContextTypes.DEFAULT_TYPE, step: Step, chat_id: int, message_id: int) -> int:
    """Put a question into the message in place, or end: cancel edits it, a result comes as a new message."""
    if not step.finished:
        await context.bot.edit_message_text(step.text, chat_id, message_id, parse_mode=HTML, reply_markup=_markup(step))
        return _save(context, step.state, message_id)
    if step.outcome == CANCELLED:
        await context.bot.edit_message_text(step.text, chat_id, message_id, parse_mode=HTML)
    else:
        await _strip(context, chat_id, message_id)
        await context.bot.send_message(chat_id, step.text, parse_mode=HTML, reply_markup=handlers.keyboard(step.topics))
    _record(context, step)
    _clear(context)
    return END


async def on_restart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Start again from an old "Start again" button after the check had ended."""
    query, flow = update.callback_query, _flow(context)
    assert query is not None  # a CallbackQueryHandler callback
    if flow is None or query.message is None:
        await query.answer(_unavailable(context))
        return END
    await query.answer()
    return await _show(context, flow.start(), query.message.chat.id, query.message.message_id)


async def on_ended(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A button of a check that is over (finished, cancelled, timed out or from before a restart)."""
    query, flow = update.callback_query, _flow(context)
    assert query is not None  # a CallbackQueryHandler callback
    await query.answer(_unavailable(context) if flow is None else flow.note("ended"))
    if isinstance(query.message, Message) and query.message.reply_markup is not None:
        await _strip(context, query.message.chat.id, query.message.message_id)
    return END


async def on_already_running(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A second /check while one runs: offer to start again or carry on, never run two."""
    flow, session = _flow(context), _session(context)
    if flow is None or session is None:
        _clear(context)
        return await on_check(update, context)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(flow.label("restart"), callback_data=PREFIX + RESTART),
                InlineKeyboardButton(flow.label("carry_on"), callback_data=PREFIX + RESUME),
            ]
        ]
    )
    await handlers.message_of(update).reply_text(flow.note("already_running"), parse_mode=HTML, reply_markup=markup)
    return None


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel while a check runs."""
    flow, session = _flow(context), _session(context)
    message = handlers.message_of(update)
    chat_id = message.chat_id
    if session is not None:
        await _strip(context, chat_id, session.message_id)
    if flow is not None:
        step = flow.cancel(session.state if session else CheckState())
        await message.reply_text(step.text, parse_mode=HTML)
        _record(context, step)
    _clear(context)
    return END


async def on_timeout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """No tap for conversation_timeout seconds: drop the answers and say so in the chat."""
    session, chat = _session(context), update.effective_chat
    _clear(context)
    if chat is None:
        return
    flow = _flow(context)
    try:
        if session is not None:
            await _strip(context, chat.id, session.message_id)
        note = flow.note("timed_out") if flow else handlers.services(context).engine.snippet("selfcheck_timed_out")
        await context.bot.send_message(chat.id, note, parse_mode=HTML)
    except TelegramError as exc:
        logger.info("selfcheck: could not send the timeout note: %s", exc)
    logger.info("selfcheck timed out")
