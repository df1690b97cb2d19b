"""`/settings` in a group: its admins turn auto mode on or off (answering confident unaddressed questions).

The wording is in responses/_snippets.yaml (`settings_*`, `auto_*`); the answering rule it switches
is in bot/handlers.py `on_text`, which reads the flag this module keeps in the chat's data.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from bot.handlers import AUTO_MODE, chat_data_of, chat_kind, is_group_admin, message_of, services

PREFIX = "auto:"  # callback data of the toggle: auto:on / auto:off


def _markup(context: ContextTypes.DEFAULT_TYPE, auto: bool) -> InlineKeyboardMarkup:
    """The one toggle of /settings."""
    label, data = ("auto_turn_off", "off") if auto else ("auto_turn_on", "on")
    button = InlineKeyboardButton(services(context).engine.snippet(label), callback_data=PREFIX + data)
    return InlineKeyboardMarkup([[button]])


def _state_text(context: ContextTypes.DEFAULT_TYPE, auto: bool) -> str:
    """Describe the group's current mode."""
    return services(context).engine.snippet("auto_on" if auto else "auto_off")


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Show and toggle auto mode; group admins only."""
    message, engine = message_of(update), services(context).engine
    if chat_kind(update.effective_chat) == "private":
        await message.reply_text(engine.snippet("settings_private"))
        return
    if not await is_group_admin(update, context):
        await message.reply_text(engine.snippet("settings_not_admin"), do_quote=True)
        return
    auto = bool(chat_data_of(context).get(AUTO_MODE, False))
    await message.reply_text(_state_text(context, auto), reply_markup=_markup(context, auto), do_quote=True)


async def on_toggle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Apply the auto-mode toggle after checking again that the presser is an admin."""
    query, engine = update.callback_query, services(context).engine
    assert query is not None  # a CallbackQueryHandler callback
    if not await is_group_admin(update, context):
        await query.answer(engine.snippet("settings_toggle_not_admin"), show_alert=True)
        return
    auto = query.data == PREFIX + "on"
    chat_data_of(context)[AUTO_MODE] = auto
    await query.answer(engine.snippet("settings_saved"))
    await query.edit_message_text(_state_text(context, auto), reply_markup=_markup(context, auto))
