"""Admin commands in Telegram: usage figures, unanswered questions, and reloading the content."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from pathlib import Path

from telegram import Update
from telegram.ext import ContextTypes

from bot import handlers
from bot.questionlog import QuestionLog, QuestionLogError
from bot.report import stats_text, unanswered_text
from bot.yamlsource import ContentInvalid

logger = logging.getLogger(__name__)
MAX_PROBLEMS_SHOWN = 15  # a long list of content errors is cut; `painbot check` shows them all


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Admins are the user ids in PAINBOT_ADMIN_IDS, nobody else."""
    user = update.effective_user
    return user is not None and user.id in handlers.services(context).admin_ids


async def _not_for_you(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a non-admin exactly as any unknown message: the normal fallback, no data."""
    reply = handlers.services(context).engine.fallback()
    await handlers.send(handlers.message_of(update), reply)


async def _refused(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Answer and return True unless this is an admin in a private chat: reports never go to a group."""
    if handlers.chat_kind(update.effective_chat) != "private":
        message = handlers.message_of(update)
        if handlers.group_has_room(context, message.chat_id):
            await message.reply_text(handlers.services(context).engine.snippet("private_only"), do_quote=True)
        return True
    if not is_admin(update, context):
        await _not_for_you(update, context)
        return True
    return False


async def _send_report(update: Update, context: ContextTypes.DEFAULT_TYPE, build: Callable[[Path], str]) -> None:
    """Send an admin a report read from the question log (off the event loop); others get the fallback."""
    if await _refused(update, context):
        return
    svc = handlers.services(context)
    if svc.db_path is None:
        text = "No question log is set up."
    else:
        try:
            text = await asyncio.to_thread(build, svc.db_path)
        except QuestionLogError as exc:
            text = f"The question log cannot be read, so this report is unavailable: {html.escape(str(exc))}"
    await handlers.message_of(update).reply_text(log_health(svc.recorder) + text)


def log_health(recorder: object) -> str:
    """A first line when the question log is failing or has lost records; empty when all is well."""
    if not isinstance(recorder, QuestionLog):
        return ""
    lines = []
    if recorder.problem is not None:
        lines.append(
            f"⚠️ The question log cannot be written ({html.escape(recorder.problem)}); "
            "new questions are not being saved."
        )
    if recorder.dropped:
        lines.append(f"⚠️ {recorder.dropped} record(s) could not be saved since the bot started.")
    return "".join(line + "\n" for line in lines)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the last 7 and 30 days in a few lines."""
    await _send_report(update, context, stats_text)


async def unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the biggest groups of questions the bot could not answer."""
    stopwords = handlers.services(context).engine.stopwords()
    await _send_report(update, context, lambda db_path: unanswered_text(db_path, stopwords))


def reload_engine(services: handlers.Services) -> str:
    """Re-read the content; swap it in whole if valid, else keep serving the old one."""
    old = services.engine
    try:
        new = old.reloaded()
    except ContentInvalid as exc:
        logger.warning("reload refused: %d content problem(s); still serving the old content", len(exc.errors))
        shown = "\n".join(html.escape(str(e), quote=False) for e in exc.errors[:MAX_PROBLEMS_SHOWN])
        more = len(exc.errors) - MAX_PROBLEMS_SHOWN
        extra = f"\n... and {more} more (run painbot check)" if more > 0 else ""
        return f"Not reloaded; still serving the old content. Problems:\n<code>{shown}</code>{extra}"
    services.engine = new  # one assignment: a message sees the old engine or the new, never a mix
    logger.info("content reloaded: %d intents", len(new.intent_ids()))
    return f"Reloaded: {len(new.intent_ids())} intents, {len(new.response_ids())} responses."


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reload the content on an admin's request and say how it went."""
    if await _refused(update, context):
        return
    result = await asyncio.to_thread(reload_engine, handlers.services(context))
    await handlers.message_of(update).reply_text(result)
