"""Wire the engine into a python-telegram-bot Application and run it.

Usage: `painbot run` (long polling) or `painbot run --webhook https://example.org/painbot`.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import logging
import os
import secrets
import signal
import sys
import threading
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from telegram import Bot, BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ChosenInlineResultHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    PersistenceInput,
    PicklePersistence,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot import admin, automode_chat, handlers, tips_chat, webhook
from bot.content import COMMANDS
from bot.cooldown import Cooldown, GroupBudget
from bot.engine import Engine
from bot.handlers import Services
from bot.inlinesearch import InlineSearches
from bot.logsafety import configure_logging, redact
from bot.questionlog import QuestionLog
from bot.selfcheck_chat import build_selfcheck_handler
from bot.sending import SendGuard
from bot.settings import Settings
from bot.updates import ChatOrderedProcessor, InFlight, PacedBot

logger = logging.getLogger(__name__)

TELEGRAM_API = "https://api.telegram.org/bot"
PURGE_AT = dt.time(3, 30, tzinfo=dt.UTC)  # the daily retention clean-up, at a quiet hour


class BotData(dict[str, Any]):
    """bot_data: the live services, plus the few keys worth keeping across restarts (all a copy holds)."""

    KEPT = (handlers.PHOTO_IDS,)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        """What the persistence writes: the kept keys only (services hold connections and threads)."""
        return {key: copy.deepcopy(self[key], memo) for key in self.KEPT if key in self}


class GroupSettingsPersistence(PicklePersistence):
    """PTB's pickle persistence, writing only group and channel settings and the picture ids.

    Private chats are people and are never stored.
    """

    live: BotData | None = None  # the application's bot_data, which the stored keys are put back into

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Persist a chat's data only for groups and channels (negative ids) that have settings."""
        if chat_id < 0 and data:
            await super().update_chat_data(chat_id, data)

    async def get_bot_data(self) -> Any:
        """The application's own bot_data with the stored keys restored, so the services stay in place."""
        stored = await super().get_bot_data()
        if self.live is None:
            return stored
        self.live.update({key: value for key, value in (stored or {}).items() if key in BotData.KEPT})
        return self.live


def build_application(
    settings: Settings,
    engine: Engine,
    recorder: handlers.QuestionRecorder | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
) -> Application:
    """Build the Application: paced bot, send guard, per-chat order, persistence, and the handlers."""
    settings.persistence_path.parent.mkdir(parents=True, exist_ok=True)
    persistence = GroupSettingsPersistence(
        settings.persistence_path,
        store_data=PersistenceInput(bot_data=True, chat_data=True, user_data=False, callback_data=False),
    )
    budget = GroupBudget(settings.group_budget, settings.group_urgent_reserve, settings.group_window)
    guard = SendGuard(budget, private_interval=settings.private_interval, deadline=settings.send_deadline)
    in_flight = InFlight(settings.max_unanswered)
    bot = PacedBot(
        settings.telegram_bot_token or "",
        base_url=settings.telegram_base_url or TELEGRAM_API,
        defaults=Defaults(
            parse_mode=ParseMode.HTML,
            allow_sending_without_reply=True,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        rate_limiter=guard,
        request=request or HTTPXRequest(connection_pool_size=256),
        # Two getUpdates connections: the last call that confirms fetched updates at shutdown must
        # not wait behind the long poll being cancelled (or it times out and logs an error).
        get_updates_request=updates_request or HTTPXRequest(connection_pool_size=2),
        in_flight=in_flight,
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(bot_data=BotData))
        .concurrent_updates(ChatOrderedProcessor(in_flight))
        .persistence(persistence)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    persistence.live = app.bot_data
    app.bot_data["services"] = Services(
        engine,
        Cooldown(settings.group_replies_per_minute, window=settings.group_window),
        recorder,
        settings.admin_ids,
        settings.db_path,
        budget=budget,
        inline_searches=InlineSearches(settings.inline_pause, handlers.InlineSearch.log),
        time_zone=settings.time_zone,
    )
    app.bot_data["stopping"] = _Stopping(settings.stop_deadline, guard, in_flight)
    add_handlers(app)
    return app


# What PTB's Updater logs, at CRITICAL, when a long poll started before SIGTERM returns updates
# after it: on our orderly stop that is routine (they are not confirmed, so Telegram sends them
# again on the next start), and an admin should not be woken by it.
PTB_STOPPED_WITH_UPDATES = "Updater stopped unexpectedly"
PTB_UPDATER_LOGGER = "telegram.ext.Updater"  # the logger PTB's Updater logs it on
STOPPED_WITH_UPDATES = (
    "stopping: updates fetched as the stop began are left for the next start (Telegram sends them again)"
)


class _RoutineStop(logging.Filter):
    """Once an orderly stop has begun, PTB's "stopped unexpectedly" record says what it means, at INFO."""

    def __init__(self, stopping: _Stopping) -> None:
        super().__init__()
        self.stopping = stopping

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the one routine record in place; let every other record through as it is."""
        if self.stopping.started and str(record.msg).startswith(PTB_STOPPED_WITH_UPDATES):
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.msg, record.args = STOPPED_WITH_UPDATES, ()
        return True


class _Stopping:
    """SIGTERM or Ctrl-C: bound every wait, stop fetching, and exit within the stop deadline whatever happens."""

    def __init__(self, deadline: float, guard: SendGuard, in_flight: InFlight) -> None:
        self.deadline = deadline
        self.guard = guard
        self.in_flight = in_flight
        self.started = False
        self.event: asyncio.Event | None = None  # webhook mode: set to stop; polling stops PTB's own loop
        self.routine = _RoutineStop(self)  # on PTB's Updater logger while the application runs

    def begin(self, app: Application) -> None:
        """Start an orderly stop with deadlines; a watchdog ends the process if the stop overruns."""
        if self.started:
            return
        self.started = True
        logger.info("stopping: %d update(s) in hand, exiting within %.0fs", self.in_flight.count, self.deadline)
        # Sends get 60% of the deadline; the rest is for confirming updates and closing the log.
        self.guard.begin_stop(self.deadline * 0.6)
        self.in_flight.closing = True
        app.create_task(self.in_flight.done_nothing())
        watchdog = threading.Timer(max(0.5, self.deadline - 0.5), self._overdue)
        watchdog.daemon = True
        watchdog.start()
        if self.event is not None:
            self.event.set()
        else:
            app.stop_running()

    def _overdue(self) -> None:
        """The orderly stop overran its deadline: exit now rather than be killed by systemd later."""
        logger.error(
            "stop deadline of %.0fs reached; exiting with %d update(s) unanswered", self.deadline, self.in_flight.count
        )
        logging.shutdown()
        os._exit(1)


def add_handlers(app: Application) -> None:
    """Register the handlers; order matters: commands and buttons before free text."""
    humans = filters.UpdateType.MESSAGE & ~filters.VIA_BOT & ~filters.IS_AUTOMATIC_FORWARD & _FromPerson()
    app.add_handler(
        build_selfcheck_handler(people=_FromPerson())
    )  # before /start, so t.me/<bot>?start=check reaches it
    app.add_handler(CommandHandler(["start", "help", "topics", "privacy", "urgent"], handlers.command, filters=humans))
    app.add_handler(CommandHandler("settings", automode_chat.settings_command, filters=humans))
    # Channels: only their admins can post, so a command posted there comes from an admin.
    app.add_handler(CommandHandler("tips", tips_chat.tips_command, filters=humans | filters.UpdateType.CHANNEL_POST))
    app.add_handler(CommandHandler("tip", tips_chat.tip_command, filters=humans | filters.UpdateType.CHANNEL_POST))
    app.add_handler(CommandHandler("stats", admin.stats, filters=humans))
    app.add_handler(CommandHandler("unanswered", admin.unanswered, filters=humans))
    app.add_handler(CommandHandler("reload", admin.reload, filters=humans))
    app.add_handler(CallbackQueryHandler(handlers.on_button, pattern=f"^{handlers.TOPIC_PREFIX}"))
    app.add_handler(CallbackQueryHandler(automode_chat.on_toggle, pattern=f"^{automode_chat.PREFIX}"))
    app.add_handler(CallbackQueryHandler(handlers.on_unknown_button))  # after every known button prefix
    app.add_handler(MessageHandler(humans & filters.TEXT & ~filters.COMMAND, handlers.on_text))
    app.add_handler(
        MessageHandler(
            humans & filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.on_non_text
        )
    )
    app.add_handler(InlineQueryHandler(handlers.on_inline))
    app.add_handler(ChosenInlineResultHandler(handlers.on_chosen_inline))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, handlers.on_migrate))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, tips_chat.on_migrate), group=1)  # after the move
    app.add_handler(ChatMemberHandler(handlers.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(ChatMemberHandler(tips_chat.on_membership, ChatMemberHandler.MY_CHAT_MEMBER), group=1)
    app.add_error_handler(handlers.on_error)


class _FromPerson(filters.MessageFilter):
    """Messages from people: not other bots, not channels posting into a group (anonymous admins are people)."""

    def filter(self, message: Any) -> bool:
        """True for a human sender, including a group's anonymous admin."""
        if message.sender_chat is not None:
            return bool(message.sender_chat.id == message.chat.id)
        return message.from_user is not None and not message.from_user.is_bot


async def _post_init(app: Application) -> None:
    """Set the command menu and say, once, what started."""
    services: Services = app.bot_data["services"]
    await app.bot.set_my_commands([BotCommand(name, services.engine.snippet(f"menu_{name}")) for name in COMMANDS])
    services.engine = services.engine.with_username(app.bot.username)
    if isinstance(services.recorder, QuestionLog) and app.job_queue is not None:
        app.job_queue.run_daily(_purge, PURGE_AT, name="purge-old-questions")
        app.job_queue.run_once(_purge, 5, name="purge-at-start")  # a bot restarted daily may never see 03:30
    restored = tips_chat.restore(app, ZoneInfo(services.time_zone))
    if restored:
        logger.info("weekly tips scheduled again for %d chat(s)", restored)
    loop = asyncio.get_running_loop()
    if hasattr(signal, "SIGHUP"):
        loop.add_signal_handler(signal.SIGHUP, lambda: app.create_task(_reload_on_signal(services)))
    stopping: _Stopping = app.bot_data["stopping"]
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stopping.begin, app)
    logger.info(
        "painbot started as @%s, mode=%s, content loaded (%d intents)",
        app.bot.username,
        app.bot_data.get("mode", "polling"),
        len(services.engine.intent_ids()),
    )


async def _reload_on_signal(services: Services) -> None:
    """SIGHUP from systemd: reload the content as /reload does."""
    logger.info("SIGHUP: %s", await asyncio.to_thread(admin.reload_engine, services))


async def _purge(context: Any) -> None:
    """Delete question texts older than the retention period."""
    recorder = context.application.bot_data["services"].recorder
    deleted = await asyncio.to_thread(recorder.purge)
    logger.info("retention: removed %d old question text(s)", deleted)


async def _post_shutdown(app: Application) -> None:
    """Log inline searches still settling, and write what the question log still has queued."""
    services: Services = app.bot_data["services"]
    if services.inline_searches is not None:
        services.inline_searches.flush()
    recorder = services.recorder
    if isinstance(recorder, QuestionLog):
        await asyncio.to_thread(recorder.close, 2.0)  # within the stop deadline


async def _preflight(settings: Settings) -> None:
    """Ask Telegram who we are before anything starts, so a bad token fails in one line."""
    async with Bot(settings.telegram_bot_token or "", base_url=settings.telegram_base_url or TELEGRAM_API):
        pass  # initialising the bot calls getMe


async def _serve_webhook(app: Application, settings: Settings, url: str, secret: str) -> None:
    """Webhook mode on painbot's own server (bot/webhook.py), stopped by the same signals as polling."""
    stop, stopping = asyncio.Event(), app.bot_data["stopping"]
    stopping.event = stop
    await webhook.serve(
        app,
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        path=urlparse(url).path,
        url=url,
        secret=secret,
        max_body=settings.webhook_max_body,
        stop=stop,
        in_flight=stopping.in_flight,
    )


def run_bot(settings: Settings, engine: Engine, webhook_url: str | None = None) -> int:
    """Run until SIGTERM or Ctrl-C; a bad token or unreachable API is one clear line, not a traceback."""
    webhook_secret = settings.webhook_secret or secrets.token_urlsafe(32)
    configure_logging(settings.log_level, [settings.telegram_bot_token, webhook_secret])
    try:
        asyncio.run(_preflight(settings))
        app = build_application(settings, engine, QuestionLog.from_settings(settings))
        app.bot_data["mode"] = "webhook" if webhook_url else "polling"
        updater_log, routine = logging.getLogger(PTB_UPDATER_LOGGER), app.bot_data["stopping"].routine
        updater_log.addFilter(routine)
        try:
            if webhook_url:
                asyncio.run(_serve_webhook(app, settings, webhook_url, webhook_secret))
            else:
                app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=settings.poll_timeout, stop_signals=None)
        finally:
            updater_log.removeFilter(routine)
    except InvalidToken:
        print("painbot: Telegram refused the token; check TELEGRAM_BOT_TOKEN (from @BotFather).", file=sys.stderr)
        return 1
    except (NetworkError, OSError) as exc:
        api = settings.telegram_base_url or TELEGRAM_API
        print(f"painbot: cannot reach the Telegram Bot API at {api}: {type(exc).__name__}", file=sys.stderr)
        return 1
    except TelegramError as exc:
        print(f"painbot: Telegram said: {redact(str(exc), [settings.telegram_bot_token or ''])}", file=sys.stderr)
        return 1
    return 0
