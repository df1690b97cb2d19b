"""build_application, post_init, persistence across restarts, and the error handler, offline."""

from __future__ import annotations

import inspect
import logging
import pickle
from pathlib import Path

import pytest
from telegram.error import BadRequest, Forbidden, NetworkError
from telegram.ext import AIORateLimiter, Application, PicklePersistence

from bot import automode, handlers
from bot.app import PTB_STOPPED_WITH_UPDATES, PTB_UPDATER_LOGGER, STOPPED_WITH_UPDATES, GroupSettingsPersistence
from bot.content import COMMANDS, REQUIRED_SNIPPETS
from bot.engine import Engine
from testsupport.mini import mini_engine
from testsupport.offline import (
    ADMIN_ID,
    BASIC_GROUP_ID,
    GROUP_ID,
    TOKEN,
    USER_ID,
    RecordingRequest,
    build_offline,
    callback_query,
    group_text,
    make_settings,
    my_chat_member,
    offline_bot,
    private_text,
)

ENGINE = mini_engine()
QUESTION = "where does it hurt"  # an exact example of the mini content's symptoms intent
SECRET_WORDS = "zebracorn"  # a word of the user's text that must never reach a log line


class _Unpickler(pickle.Unpickler):
    """Read PTB's pickle file without a bot: its persistent ids stand for Bot objects (or None)."""

    def persistent_load(self, pid: object) -> None:
        return None


def _stored_chat_ids(path: Path) -> set[int]:
    """The chat ids the persistence file holds, read straight from the file."""
    if not path.exists():
        return set()
    with path.open("rb") as file:
        data = _Unpickler(file).load()
    return set((data.get("chat_data") or {}).keys())


# ---------------------------------------------------------------------------------------------- build


def test_build_application_uses_defaults_rate_limiter_and_group_persistence(tmp_path: Path) -> None:
    bot = build_offline(make_settings(tmp_path / "sub" / "dir"))
    app = bot.app
    assert isinstance(app, Application)
    assert (tmp_path / "sub" / "dir").is_dir()  # the persistence folder is created
    assert app.bot.token == TOKEN
    assert app.bot.defaults is not None
    assert app.bot.defaults.parse_mode == "HTML"
    assert app.bot.defaults.link_preview_options.is_disabled is True
    assert isinstance(app.bot.rate_limiter, AIORateLimiter)
    assert isinstance(app.persistence, GroupSettingsPersistence)
    store = app.persistence.store_data
    assert (store.chat_data, store.user_data, store.bot_data, store.callback_data) == (
        True,
        False,
        True,
        False,
    )  # bot_data: picture ids only
    services = app.bot_data["services"]
    assert isinstance(services, handlers.Services)
    assert services.cooldown.per_minute == 6


def test_error_handler_is_registered(tmp_path: Path) -> None:
    app = build_offline(make_settings(tmp_path)).app
    assert handlers.on_error in app.error_handlers


# ---------------------------------------------------------------------------------------------- post_init


async def test_post_init_sets_the_command_menu_and_logs_the_username(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.app")
    async with offline_bot(tmp_path) as bot:
        assert not bot.request.calls_to("setMyCommands")  # only run_polling runs post_init
        await bot.post_init()
        [menu] = bot.request.calls_to("setMyCommands")
        assert [c["command"] for c in menu["commands"]] == [
            "start",
            "help",
            "topics",
            "check",
            "urgent",
            "privacy",
            "settings",
            "tips",
            "tip",
        ]
        assert [c["command"] for c in menu["commands"]] == list(COMMANDS)
        engine = bot.app.bot_data["services"].engine
        assert [c["description"] for c in menu["commands"]] == [engine.snippet(f"menu_{c}") for c in COMMANDS]
        assert bot.app.bot_data["services"].engine.bot_username == "painbot"
    started = [r.getMessage() for r in caplog.records if r.name == "bot.app" and "started" in r.getMessage()]
    assert len(started) == 1
    assert "@painbot" in started[0]
    assert "mode=polling" in started[0]


async def test_post_init_tells_the_engine_the_real_username(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, engine=Engine(mini_engine().content, bot_username="placeholder")) as bot:
        await bot.post_init()
        assert bot.app.bot_data["services"].engine.bot_username == "painbot"


# ---------------------------------------------------------------------------------------------- persistence


async def test_auto_mode_survives_a_restart(tmp_path: Path) -> None:
    request = RecordingRequest({(GROUP_ID, ADMIN_ID): "administrator"})
    async with offline_bot(tmp_path, request=request) as first:
        await first.feed(callback_query("auto:on", ADMIN_ID, GROUP_ID))
        assert automode.is_on(first.app.chat_data[GROUP_ID])
    assert GROUP_ID in _stored_chat_ids(tmp_path / "state.pickle")

    async with offline_bot(tmp_path) as second:
        assert automode.is_on(second.app.chat_data[GROUP_ID])
        await second.feed(group_text(QUESTION))  # unaddressed, answered only in auto mode
        assert [c["text"] for c in second.sent()] == [ENGINE.answer("symptoms", "group").text]


async def test_auto_mode_off_also_survives_a_restart(tmp_path: Path) -> None:
    request = RecordingRequest({(GROUP_ID, ADMIN_ID): "administrator"})
    async with offline_bot(tmp_path, request=request) as first:
        await first.feed(callback_query("auto:on", ADMIN_ID, GROUP_ID))
    request = RecordingRequest({(GROUP_ID, ADMIN_ID): "administrator"})
    async with offline_bot(tmp_path, request=request) as second:
        await second.feed(callback_query("auto:off", ADMIN_ID, GROUP_ID))
    async with offline_bot(tmp_path) as third:
        assert not automode.is_on(third.app.chat_data[GROUP_ID])
        await third.feed(group_text(QUESTION))
        assert third.request.outgoing() == []


async def test_group_intro_is_not_repeated_after_a_restart(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as first:
        await first.feed(my_chat_member(BASIC_GROUP_ID))
        assert len(first.sent()) == 1
    async with offline_bot(tmp_path) as second:
        await second.feed(my_chat_member(BASIC_GROUP_ID, "left", "member"))
        assert second.request.outgoing() == []


async def test_bot_data_keeps_only_the_picture_ids_on_disk(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        await bot.feed(private_text("what is overstriding"))  # a pictured answer: its file id is kept
        await bot.app.update_persistence()
    with (tmp_path / "state.pickle").open("rb") as file:
        stored = _Unpickler(file).load()["bot_data"]
    assert list(stored) == ["photo_ids"] and list(stored["photo_ids"]) == ["images/sit-bone.png"]


async def test_private_chats_are_never_written_to_the_persistence_file(tmp_path: Path) -> None:
    request = RecordingRequest({(GROUP_ID, ADMIN_ID): "administrator"})
    async with offline_bot(tmp_path, request=request) as bot:
        await bot.feed(callback_query("auto:on", ADMIN_ID, GROUP_ID))  # so that the file exists
        await bot.feed(
            private_text("/start"),
            private_text(QUESTION),
            private_text("/settings"),
            private_text("/privacy", user_id=USER_ID + 1),
            callback_query("t:causes"),
            my_chat_member(USER_ID, "kicked", "member", by=USER_ID),
        )
        # even if a handler ever stored something about a person, it must not reach the file
        bot.app.chat_data[USER_ID]["something"] = "personal"
        await bot.app.update_persistence()
    stored = _stored_chat_ids(tmp_path / "state.pickle")
    assert stored == {GROUP_ID}
    assert all(chat_id < 0 for chat_id in stored)


async def test_group_settings_persistence_filters_private_and_empty_data(tmp_path: Path) -> None:
    persistence = GroupSettingsPersistence(tmp_path / "p.pickle")
    await persistence.update_chat_data(USER_ID, {"auto": True})
    await persistence.update_chat_data(GROUP_ID, {})
    assert not (tmp_path / "p.pickle").exists()
    await persistence.update_chat_data(GROUP_ID, {"auto": True})
    assert _stored_chat_ids(tmp_path / "p.pickle") == {GROUP_ID}
    reloaded = PicklePersistence(tmp_path / "p.pickle")
    assert await reloaded.get_chat_data() == {GROUP_ID: {"auto": True}}


# ---------------------------------------------------------------------------------------------- error handler


def _all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured record as a formatter would print it, tracebacks included."""
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


async def test_blocked_by_the_user_is_logged_at_info_without_the_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with offline_bot(tmp_path) as bot:
        bot.request.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
        await bot.feed(private_text(f"{QUESTION} {SECRET_WORDS}"))  # must not raise
        assert bot.request.calls_to("sendMessage")
    mine = [r for r in caplog.records if r.name == "bot.handlers" and "unreachable" in r.getMessage()]
    assert len(mine) == 1
    assert mine[0].levelno == logging.INFO
    assert "blocked" in mine[0].getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert SECRET_WORDS not in _all_log_text(caplog)


async def test_the_bot_carries_on_after_a_failed_update(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        bot.request.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=1)
        await bot.feed(private_text(QUESTION), private_text("/privacy"))
        assert len(bot.sent()) == 2  # the second went through


@pytest.mark.parametrize(
    "code, description", [(400, "Bad Request: can't parse entities"), (400, "Bad Request: message text is empty")]
)
async def test_other_telegram_errors_are_logged_at_error_without_the_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, code: int, description: str
) -> None:
    caplog.set_level(logging.INFO)
    async with offline_bot(tmp_path) as bot:
        bot.request.fail("sendMessage", code, description)
        await bot.feed(private_text(f"{QUESTION} {SECRET_WORDS}"))
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["bot.handlers"]
    assert errors[0].levelno == logging.ERROR
    assert errors[0].exc_info is not None
    assert SECRET_WORDS not in _all_log_text(caplog)


async def test_a_crash_in_a_handler_is_logged_at_error_without_the_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Engine, text: str, chat: str = "private", addressed: bool = False) -> None:
        raise RuntimeError("matcher exploded")

    monkeypatch.setattr(Engine, "decide", broken)
    caplog.set_level(logging.INFO)
    async with offline_bot(tmp_path) as bot:
        await bot.feed(group_text(f"@painbot {QUESTION} {SECRET_WORDS}"))
        assert bot.request.outgoing() == []
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].name == "bot.handlers"
    assert "matcher exploded" in _all_log_text(caplog)  # the traceback is there
    assert SECRET_WORDS not in _all_log_text(caplog)


async def test_a_reply_lost_to_the_network_is_one_warning_not_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with offline_bot(tmp_path) as bot:
        bot.request.raise_on("sendMessage", ConnectionResetError("connection reset"))
        await bot.feed(private_text("/start"))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.name for r in warnings] == ["bot.sending"] and "1 message(s) dropped" in warnings[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)


# ---------------------------------------------------------------------------------------------- the fake API itself


async def test_the_recording_request_answers_like_telegram(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        tg = bot.app.bot
        assert (tg.id, tg.username) == (999, "painbot")
        assert await tg.delete_webhook() is True
        assert await tg.get_updates(timeout=0) == ()
        assert bot.updates_request.methods() == ["getUpdates"]  # the polling request is separate
        first = await tg.send_message(GROUP_ID, "<b>hi</b>")
        second = await tg.send_message(USER_ID, "again")
        third = await tg.send_message(GROUP_ID, "and again")
        assert third.message_id == first.message_id + 1  # message ids count per chat
        assert (first.chat.type, second.chat.type) == ("supergroup", "private")
        assert first.text == "hi" and first.from_user.id == 999  # the HTML parsed, as the user sees it
        edited = await tg.edit_message_text("new", chat_id=GROUP_ID, message_id=first.message_id)
        assert edited.text == "new" and edited.message_id == first.message_id
        for status in ("creator", "administrator", "member", "restricted", "left", "kicked"):
            bot.request.set_status(GROUP_ID, ADMIN_ID, status)
            assert (await tg.get_chat_member(GROUP_ID, ADMIN_ID)).status == status
        assert (await tg.get_chat_member(GROUP_ID, 12345)).status == "member"
        assert await tg.set_my_commands([("start", "Start")]) is True


async def test_the_recording_request_can_fail_a_method(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as bot:
        bot.request.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", times=1)
        with pytest.raises(Forbidden, match="blocked"):
            await bot.app.bot.send_message(USER_ID, "x")
        assert (await bot.app.bot.send_message(USER_ID, "y")).text == "y"
        bot.request.fail("sendMessage", 400, "Bad Request: chat not found")
        with pytest.raises(BadRequest):
            await bot.app.bot.send_message(USER_ID, "z")
        bot.request.raise_on("answerCallbackQuery", OSError("down"))
        with pytest.raises(NetworkError):
            await bot.app.bot.answer_callback_query("1")


def test_every_menu_command_has_a_required_description() -> None:
    assert {f"menu_{name}" for name in COMMANDS} <= REQUIRED_SNIPPETS  # so `painbot check` reports one missing


def test_ptbs_stopped_unexpectedly_is_routine_info_once_our_stop_has_begun(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stopping = build_offline(make_settings(tmp_path)).app.bot_data["stopping"]
    updater_log = logging.getLogger(PTB_UPDATER_LOGGER)
    updater_log.addFilter(stopping.routine)
    try:
        with caplog.at_level(logging.INFO, logger=PTB_UPDATER_LOGGER):
            updater_log.critical("Updater stopped unexpectedly. Pulled updates will be ignored and pulled again.")
            stopping.started = True  # as SIGTERM's handler marks it; begin() would also stop the app
            updater_log.critical("Updater stopped unexpectedly. Pulled updates will be ignored and pulled again.")
            updater_log.critical("Something else went wrong")
    finally:
        updater_log.removeFilter(stopping.routine)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("CRITICAL", "Updater stopped unexpectedly. Pulled updates will be ignored and pulled again."),
        ("INFO", STOPPED_WITH_UPDATES),
        ("CRITICAL", "Something else went wrong"),
    ]


def test_ptb_still_logs_the_routine_stop_where_and_as_the_filter_expects() -> None:
    # A PTB upgrade that renames the logger or rewords the record would silently wake the admin again.
    from telegram.ext import _updater

    assert _updater._LOGGER.name == PTB_UPDATER_LOGGER
    assert f'"{PTB_STOPPED_WITH_UPDATES}' in inspect.getsource(_updater)
