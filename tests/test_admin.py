"""Admin commands through the real Application: /stats, /unanswered, /reload, and the question log."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import admin
from bot.engine import Engine
from bot.questionlog import QuestionLog
from testsupport.offline import GROUP_ID, USER_ID, group_text, offline_bot, private_text

ADMIN = 4242


def texts(bot) -> list[str]:
    return [call.params["text"] for call in bot.sent()]


@pytest.fixture
def content(make_content: Path) -> Path:
    return make_content


async def test_stats_and_unanswered_for_an_admin(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "log.sqlite3")
    async with offline_bot(
        tmp_path, recorder=log, admin_ids=frozenset({ADMIN}), db_path=tmp_path / "log.sqlite3"
    ) as bot:
        await bot.feed(private_text("what causes it"), private_text("is a sauna good for me"))
        assert log.flush()
        await bot.feed(private_text("/stats", user_id=ADMIN), private_text("/unanswered", user_id=ADMIN))
    log.close()
    stats, unanswered = texts(bot)[-2:]
    assert "2" in stats  # two questions considered
    assert "sauna" in unanswered


async def test_admin_commands_from_anyone_else_are_just_the_fallback(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, admin_ids=frozenset({ADMIN})) as bot:
        await bot.feed(private_text("hgfjdksla"))
        fallback = texts(bot)[-1]
        for command in ("/stats", "/unanswered", "/reload"):
            await bot.feed(private_text(command, user_id=USER_ID))
            assert texts(bot)[-1] == fallback


async def test_reload_swaps_in_valid_content(tmp_path: Path, content: Path) -> None:
    engine = Engine.load(content)
    async with offline_bot(tmp_path, engine=engine, admin_ids=frozenset({ADMIN})) as bot:
        path = content / "intents" / "causes.yaml"
        path.write_text(path.read_text() + "  - what brought on my sauna pain\n")
        await bot.feed(private_text("/reload", user_id=ADMIN))
        assert texts(bot)[-1].startswith("Reloaded: 14 intents")
        assert bot.app.bot_data["services"].engine is not engine
        await bot.feed(private_text("what brought on my sauna pain"))
        assert texts(bot)[-1] == engine.text("causes")


async def test_reload_with_broken_content_keeps_serving_the_old(tmp_path: Path, content: Path) -> None:
    engine = Engine.load(content)
    async with offline_bot(tmp_path, engine=engine, admin_ids=frozenset({ADMIN})) as bot:
        (content / "intents" / "causes.yaml").write_text("id: causes\nresponse: nowhere\nexampels: [x]\n")
        await bot.feed(private_text("/reload", user_id=ADMIN))
        reply = texts(bot)[-1]
        assert reply.startswith("Not reloaded")
        assert "intents/causes.yaml:3: unknown key 'exampels'" in reply
        assert bot.app.bot_data["services"].engine is engine
        await bot.feed(private_text("what causes it"))
        assert texts(bot)[-1] == engine.text("causes")


async def test_messages_are_answered_while_a_reload_runs(tmp_path: Path, content: Path) -> None:
    async with offline_bot(tmp_path, engine=Engine.load(content), admin_ids=frozenset({ADMIN})) as bot:
        questions = [private_text("what causes it", user_id=1000 + n) for n in range(20)]
        await asyncio.gather(bot.feed(private_text("/reload", user_id=ADMIN)), bot.feed(*questions))
        answers = [t for t in texts(bot) if not t.startswith("Reloaded")]
        assert len(answers) == 20
        assert all(t == answers[0] for t in answers)


def test_reload_engine_reports_problems_escaped_for_html(content: Path) -> None:
    services = type("S", (), {"engine": Engine.load(content)})()
    (content / "responses" / "fixes.yaml").write_text("id: fixes\ntitle: x\ntext: <p>bad</p>\n")
    result = admin.reload_engine(services)
    assert "&lt;p&gt;" in result and "<p>" not in result


async def test_recorder_never_receives_a_user_or_chat_id(tmp_path: Path) -> None:
    class Spy:
        calls: list[tuple[tuple[object, ...], dict[str, object]]] = []

        def record(self, *args: object, **kwargs: object) -> None:
            self.calls.append((args, kwargs))

    spy = Spy()
    async with offline_bot(tmp_path, recorder=spy) as bot:
        await bot.feed(private_text("what causes it", user_id=987654321))
    flat = repr(spy.calls)
    assert spy.calls and "987654321" not in flat
    assert spy.calls[0][1]["chat_type"] == "private"


# ---------------------------------------------------------------------------------------------- private only, honest


async def test_admin_commands_in_a_group_only_say_ask_me_privately(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "log.sqlite3")
    async with offline_bot(
        tmp_path, recorder=log, admin_ids=frozenset({ADMIN}), db_path=tmp_path / "log.sqlite3"
    ) as bot:
        await bot.feed(private_text("is a sauna good for me"))
        assert log.flush()
        before = len(bot.sent())
        for command in ("/unanswered@painbot", "/stats@painbot", "/reload@painbot"):
            await bot.feed(group_text(command, user_id=ADMIN))
        sent = bot.sent()[before:]
    log.close()
    assert [c["text"] for c in sent] == ["Ask me in a private chat."] * 3
    assert all(c["chat_id"] == GROUP_ID for c in sent)


async def test_an_unwritable_question_log_is_reported_as_such(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log's folder should be")
    db_path = blocker / "log.sqlite3"
    log = QuestionLog(db_path, retry_delay=0.01)
    async with offline_bot(tmp_path, recorder=log, admin_ids=frozenset({ADMIN}), db_path=db_path) as bot:
        await bot.feed(*(private_text(f"is a sauna good for me {n}") for n in range(6)))
        log.flush()
        await bot.feed(private_text("/stats", user_id=ADMIN), private_text("/unanswered", user_id=ADMIN))
    log.close()
    for text in texts(bot)[-2:]:
        assert "cannot be written" in text and "6 record(s) could not be saved" in text
        assert "No questions logged yet" not in text.split("\n", 2)[0]


async def test_a_corrupted_question_log_gets_a_reply_saying_so(tmp_path: Path) -> None:
    db_path = tmp_path / "log.sqlite3"
    db_path.write_bytes(b"this is not a database" * 100)
    async with offline_bot(tmp_path, admin_ids=frozenset({ADMIN}), db_path=db_path) as bot:
        await bot.feed(private_text("/stats", user_id=ADMIN), private_text("/unanswered", user_id=ADMIN))
    assert all("cannot be read" in text for text in texts(bot)[-2:])
