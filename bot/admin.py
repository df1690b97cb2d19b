"""Admin commands in Telegram: usage figures, unanswered questions, and reloading the content."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

from telegram import Update
from telegram.ext import ContextTypes

from bot import handlers
from bot.engine import Engine
from bot.questionlog import QuestionLog, QuestionLogError
from bot.report import count_periods, most_unanswered, percent
from bot.yamlsource import ContentInvalid

logger = logging.getLogger(__name__)
MAX_PROBLEMS_SHOWN = 15  # a long list of content errors is cut; `painbot check` shows them all
STATS_DAYS = (7, 30)  # the periods /stats sums up
UNANSWERED_GROUPS = 5  # groups /unanswered lists
EXAMPLE_CHARS = 200  # five groups of examples must fit one Telegram message
EXAMPLE_INDENT = "    "  # a group's further wordings stand under its first
REPORT_FLUSH_SECONDS = 2.0  # how long a report waits for questions still being written


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


async def _send_report(
    update: Update, context: ContextTypes.DEFAULT_TYPE, build: Callable[[Engine, Path], str]
) -> None:
    """Send an admin a report read from the question log (off the event loop); others get the fallback."""
    if await _refused(update, context):
        return
    svc = handlers.services(context)
    engine = svc.engine
    if svc.db_path is None:
        text = engine.snippet("admin_no_log")
    else:
        try:
            text = await asyncio.to_thread(_written_then_built, svc.recorder, partial(build, engine), svc.db_path)
        except QuestionLogError as exc:
            text = engine.snippet("admin_log_unreadable", problem=html.escape(str(exc)))
    await handlers.message_of(update).reply_text(log_health(engine, svc.recorder) + text)


def _written_then_built(recorder: object, build: Callable[[Path], str], db_path: Path) -> str:
    """Build a report once every question asked so far is written: the admin sees the latest ones too."""
    if isinstance(recorder, QuestionLog):
        recorder.flush(timeout=REPORT_FLUSH_SECONDS)  # a failing log is reported by log_health instead
    return build(db_path)


def log_health(engine: Engine, recorder: object) -> str:
    """A first line when the question log is failing or has lost records; empty when all is well."""
    if not isinstance(recorder, QuestionLog):
        return ""
    lines = []
    if recorder.problem is not None:
        lines.append(engine.snippet("admin_log_failing", problem=html.escape(recorder.problem)))
    if recorder.dropped:
        lines.append(engine.snippet("admin_log_dropped", dropped=recorder.dropped))
    return "".join(line + "\n" for line in lines)


def stats_text(engine: Engine, db_path: Path, now: datetime | None = None) -> str:
    """The /stats reply: the last 7 and 30 days in a few lines, safe for HTML parse mode."""
    periods = count_periods(db_path, STATS_DAYS, now)
    if not any(period.total for period in periods):
        return engine.snippet("stats_none")
    lines: list[str] = []
    for period in periods:
        if not period.total:
            lines.append(engine.snippet("stats_period_empty", days=period.days))
            continue
        share = percent(period.answered_share)
        lines.append(
            engine.snippet(
                "stats_period", days=period.days, questions=period.total, answered=period.answered, share=share
            )
        )
        if period.top:
            named = (engine.snippet("stats_topic", topic=html.escape(i), count=n) for i, n in period.top)
            lines.append(engine.snippet("stats_top", topics=", ".join(named)))
    return "\n".join(lines)


def unanswered_text(engine: Engine, db_path: Path, now: datetime | None = None) -> str:
    """The /unanswered reply: the most common unanswered questions, HTML-escaped for Telegram."""
    groups = most_unanswered(db_path, engine.stopwords(), UNANSWERED_GROUPS, now)
    if not groups:
        return engine.snippet("unanswered_none")
    lines = [engine.snippet("unanswered_heading")]
    for number, group in enumerate(groups, start=1):
        first, *more = [html.escape(handlers.shorten(text, EXAMPLE_CHARS)) for text in group.examples]
        lines.append(engine.snippet("unanswered_group", number=number, count=group.count, example=first))
        lines += [EXAMPLE_INDENT + engine.snippet("unanswered_example", example=example) for example in more]
    return "\n".join(lines)


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
        lines = [old.snippet("admin_reload_refused", problems=shown)]
        lines += [old.snippet("admin_reload_more", more=more)] if more > 0 else []
        return "\n".join(lines)
    services.engine = new  # one assignment: a message sees the old engine or the new, never a mix
    logger.info("content reloaded: %d intents", len(new.intent_ids()))
    return new.snippet("admin_reloaded", intents=len(new.intent_ids()), responses=len(new.response_ids()))


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reload the content on an admin's request and say how it went."""
    if await _refused(update, context):
        return
    result = await asyncio.to_thread(reload_engine, handlers.services(context))
    await handlers.message_of(update).reply_text(result)
