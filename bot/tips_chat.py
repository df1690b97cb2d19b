"""Weekly tips in Telegram: `/tips on|off` for a group's admins (or a channel's), `/tip`, and the weekly job.

The schedule lives in the chat's chat_data (kept by the persistence across restarts) and becomes a
JobQueue job; bot/tips.py decides which tip comes next.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, cast
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, ContextTypes, Job

from bot.handlers import chat_data_of, group_has_room, is_group_admin, message_of, reply_to, services
from bot.sending import BudgetSpent
from bot.tips import Schedule, TipsContent, next_tip, parse_schedule, parse_time, week_of

logger = logging.getLogger(__name__)

STATE = "tips"  # chat_data key: {"day": 0-6 (Monday 0), "time": "HH:MM", "used": [tip ids], "last_week": "2026-W48"}
JOB_PREFIX = "tips:"
BUDGET_RETRY = 60  # seconds: about the group budget's window (PAINBOT_GROUP_WINDOW), so it has room by then
GONE = frozenset({ChatMemberStatus.LEFT, ChatMemberStatus.BANNED})


def tips_of(context: ContextTypes.DEFAULT_TYPE) -> TipsContent | None:
    """The loaded tips, or None when the content has none."""
    return services(context).engine.tips()


def zone_of(context: ContextTypes.DEFAULT_TYPE) -> ZoneInfo:
    """The time zone the tips' day and time are in (PAINBOT_TIME_ZONE)."""
    return ZoneInfo(services(context).time_zone)


async def tips_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/tips`, `/tips on [day] [HH:MM]`, `/tips off`: the chat's admins switch the weekly tip."""
    message, tips = message_of(update), tips_of(context)
    if tips is None:
        await message.reply_text(services(context).engine.snippet("no_tips"))
        return
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_text(tips.messages["private"])
        return
    if not await is_group_admin(update, context):
        await message.reply_text(tips.messages["not_admin"], do_quote=True)
        return
    words = [w.casefold() for w in context.args or []]
    chat_data, app = chat_data_of(context), context.application
    if words[:1] == ["off"]:
        was_on = stop(app, message.chat_id, chat_data)
        await message.reply_text(tips.messages["stopped" if was_on else "already_off"])
        return
    if words[:1] != ["on"]:
        state = chat_data.get(STATE)
        text = tips.messages["status_off"] if state is None else _scheduled_text(tips, _schedule(state), context)
        await message.reply_text(text)
        return
    try:
        schedule = parse_schedule(words[1:], tips.default)
    except ValueError:
        await message.reply_text(tips.messages["usage"])
        return
    state = chat_data.setdefault(STATE, {"used": [], "last_week": None})
    state.update(day=schedule.day, time=schedule.at.strftime("%H:%M"))
    start(app, message.chat_id, schedule, zone_of(context))
    await message.reply_text(_scheduled_text(tips, schedule, context))


async def tip_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/tip`: this week's tip now (in groups, within the group's message budget)."""
    message, tips = message_of(update), tips_of(context)
    if tips is None:  # loaded tips always hold at least one (the schema requires it)
        await message.reply_text(services(context).engine.snippet("no_tips"))
        return
    if message.chat.type != ChatType.PRIVATE and not group_has_room(context, message.chat_id):
        return
    week = dt.datetime.now(zone_of(context)).isocalendar().week
    tip = tips.tips[week % len(tips.tips)]  # the same tip all week, for anyone who asks
    await reply_to(message, services(context).engine.fill(tip.text), None, "answer")


def start(app: Application, chat_id: int, schedule: Schedule, zone: ZoneInfo) -> None:
    """(Re)place the chat's weekly job."""
    _remove_jobs(app, chat_id)
    assert app.job_queue is not None  # installed with python-telegram-bot[job-queue]
    # PTB counts days from Sunday = 0; Schedule from Monday = 0.
    app.job_queue.run_daily(
        post_tip,
        schedule.at.replace(tzinfo=zone),
        days=((schedule.day + 1) % 7,),
        name=JOB_PREFIX + str(chat_id),
        chat_id=chat_id,
    )


def stop(app: Application, chat_id: int, chat_data: dict[Any, Any]) -> bool:
    """Forget the chat's schedule and its job; True when tips were on."""
    _remove_jobs(app, chat_id)
    return chat_data.pop(STATE, None) is not None


def restore(app: Application, zone: ZoneInfo) -> int:
    """Schedule again every chat whose tips were on before the restart; how many."""
    chats = [(chat_id, data[STATE]) for chat_id, data in app.chat_data.items() if data.get(STATE)]
    for chat_id, state in chats:
        start(app, chat_id, _schedule(state), zone)
    return len(chats)


async def post_tip(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The weekly job: post the chat's next tip, once per week, within its message budget."""
    job = cast(Job[Any], context.job)
    chat_id, tips, app = cast(int, job.chat_id), tips_of(context), context.application
    state = (context.chat_data or {}).get(STATE)
    if state is None or tips is None:
        _remove_jobs(app, chat_id)
        return
    week = week_of(dt.datetime.now(zone_of(context)))
    if state.get("last_week") == week:
        return  # already sent this week (e.g. a retry, or a restart on the day)
    if not group_has_room(context, chat_id):
        _retry_later(app, chat_id)
        return
    tip, used = next_tip(tips.tips, state.get("used", []))
    try:
        await context.bot.send_message(chat_id, services(context).engine.fill(tip.text))
    except BudgetSpent:  # the group's budget filled up since the check: try again when it has room
        _retry_later(app, chat_id)
        return
    except (Forbidden, BadRequest) as exc:
        logger.info("tips: chat unreachable, weekly tips stopped: %s", type(exc).__name__)
        stop(app, chat_id, cast(dict[Any, Any], context.chat_data))
        await app.update_persistence()
        return
    state.update(used=used, last_week=week)
    await app.update_persistence()  # written now, so a restart this week cannot send it again
    logger.info("tips: sent tip %s", tip.id)


async def on_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop the tips quietly when the bot is removed, or can no longer post there."""
    change = update.my_chat_member
    assert change is not None  # a ChatMemberHandler(MY_CHAT_MEMBER) callback
    member = change.new_chat_member
    removed = member.status in GONE
    muted = member.status == ChatMemberStatus.RESTRICTED and not getattr(member, "can_send_messages", True)
    demoted = change.chat.type == ChatType.CHANNEL and member.status != ChatMemberStatus.ADMINISTRATOR
    if (removed or muted or demoted) and stop(context.application, change.chat.id, chat_data_of(context)):
        logger.info("tips: stopped, the bot can no longer post in that chat")


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Move the weekly job to the new chat id when Telegram upgrades a group (its settings moved already)."""
    message = message_of(update)
    new_id = message.migrate_to_chat_id
    if not new_id:
        return
    _remove_jobs(context.application, message.chat_id)
    state = context.application.chat_data.get(new_id, {}).get(STATE)
    if state:
        start(context.application, new_id, _schedule(state), zone_of(context))


def _retry_later(app: Application, chat_id: int) -> None:
    """Try this week's tip again once the group's message budget has room."""
    assert app.job_queue is not None
    app.job_queue.run_once(post_tip, BUDGET_RETRY, name=f"{JOB_PREFIX}{chat_id}:retry", chat_id=chat_id)


def _remove_jobs(app: Application, chat_id: int) -> None:
    """Cancel the chat's weekly job and any pending retry."""
    if app.job_queue is None:
        return
    for name in (JOB_PREFIX + str(chat_id), f"{JOB_PREFIX}{chat_id}:retry"):
        for job in app.job_queue.get_jobs_by_name(name):
            job.schedule_removal()


def _schedule(state: dict[str, Any]) -> Schedule:
    """The schedule kept in chat_data."""
    return Schedule(int(state["day"]), parse_time(state["time"]))


def _scheduled_text(tips: TipsContent, schedule: Schedule, context: ContextTypes.DEFAULT_TYPE) -> str:
    """The 'tips are on' message with its day, time and time zone."""
    day, at = schedule.describe()
    return (
        tips.messages["scheduled"]
        .replace("{day}", day)
        .replace("{time}", at)
        .replace("{timezone}", services(context).time_zone)
    )
