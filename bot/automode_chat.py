"""`/settings` in a group: its admins turn auto mode on or off (answering confident unaddressed questions).

The wording is in responses/_snippets.yaml (`settings_*`, `auto_*`); the answering rule it switches
is in bot/handlers.py `on_text`; the flag itself is bot/automode.py's.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot import automode
from bot.engine import Engine
from bot.handlers import chat_data_of, chat_kind, is_group_admin, message_of, services

PREFIX = "auto:"  # callback data of the toggle: auto:on / auto:off


def _markup(engine: Engine, auto: bool) -> InlineKeyboardMarkup:
    """The one toggle of /settings."""
    label, data = ("auto_turn_off", "off") if auto else ("auto_turn_on", "on")
    button = InlineKeyboardButton(engine.snippet(label), callback_data=PREFIX + data)
    return InlineKeyboardMarkup([[button]])


def _state_text(engine: Engine, auto: bool) -> str:
    """Describe the group's current mode."""
    return engine.snippet("auto_on" if auto else "auto_off")


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show and toggle auto mode; group admins only."""
    message, engine = message_of(update), services(context).engine
    if chat_kind(update.effective_chat) == "private":
        await message.reply_text(engine.snippet("settings_private"))
        return
    if not await is_group_admin(update, context):
        await message.reply_text(engine.snippet("settings_not_admin"), do_quote=True)
        return
    auto = automode.is_on(chat_data_of(context))
    await message.reply_text(_state_text(engine, auto), reply_markup=_markup(engine, auto), do_quote=True)


async def on_toggle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Apply the auto-mode toggle after checking again that the presser is an admin."""
    query, engine = update.callback_query, services(context).engine
    assert query is not None  # a CallbackQueryHandler callback
    if not await is_group_admin(update, context):
        await query.answer(engine.snippet("settings_toggle_not_admin"), show_alert=True)
        return
    auto = query.data == PREFIX + "on"
    automode.turn(chat_data_of(context), auto)
    await query.answer(engine.snippet("settings_saved"))
    await query.edit_message_text(_state_text(engine, auto), reply_markup=_markup(engine, auto))
