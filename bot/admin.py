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
from bot.engine import Engine
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
    reply = handlers.services(context).engine.renderer.fallback()
    await handlers.send(handlers.message_of(update), reply)


async def _send_report(update: Update, context: ContextTypes.DEFAULT_TYPE, build: Callable[[Path], str]) -> None:
    """Send an admin a report read from the question log (off the event loop); others get the fallback."""
    if not is_admin(update, context):
        await _not_for_you(update, context)
        return
    db_path = handlers.services(context).db_path
    text = await asyncio.to_thread(build, db_path) if db_path else "No question log is set up."
    await handlers.message_of(update).reply_text(text)


async def stats(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the last 7 and 30 days in a few lines."""
    await _send_report(update, context, stats_text)


async def unanswered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the biggest groups of questions the bot could not answer."""
    await _send_report(update, context, unanswered_text)


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
    logger.info("content reloaded: %d intents", len(new.content.intents))
    return f"Reloaded: {len(new.content.intents)} intents, {len(new.content.responses)} responses."


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reload the content on an admin's request and say how it went."""
    if not is_admin(update, context):
        await _not_for_you(update, context)
        return
    result = await asyncio.to_thread(reload_engine, handlers.services(context))
    await handlers.message_of(update).reply_text(result)
