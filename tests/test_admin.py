"""Admin commands through the real Application: /stats, /unanswered, /reload, and the question log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
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


async def test_a_report_includes_a_question_asked_just_before_it(tmp_path: Path) -> None:
    """The report waits for the log's writer: nothing asked before /unanswered is missing from it."""
    log = QuestionLog(tmp_path / "log.sqlite3")
    async with offline_bot(
        tmp_path, recorder=log, admin_ids=frozenset({ADMIN}), db_path=tmp_path / "log.sqlite3"
    ) as bot:
        await bot.feed(private_text("is a sauna good for me"), private_text("/unanswered", user_id=ADMIN))
    log.close()
    assert "sauna" in texts(bot)[-1]


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


# ---------------------------------------------------------------------------------------------- the wording, from YAML

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)


def seeded(path: Path, entries: list[tuple[int, str, str | None, bool]]) -> Path:
    """A question log holding (days ago, text, intent, answered) entries."""
    with QuestionLog(path) as log:
        for days_ago, text, intent, answered in entries:
            outcome = "answer" if intent else "fallback"
            when = NOW - timedelta(days=days_ago)
            log.record(
                text, chat_type="private", intent_id=intent, score=50, outcome=outcome, answered=answered, when=when
            )
    return path


def test_stats_say_each_period_and_its_top_topics(tmp_path: Path, mini_engine: Engine) -> None:
    db = seeded(
        tmp_path / "log.sqlite3",
        [(1, "a", "causes", True), (2, "b", "causes", True), (3, "<sauna>", None, False), (20, "c", "fixes", True)],
    )
    assert admin.stats_text(mini_engine, db, NOW).splitlines() == [
        "Last 7 days: 3 questions, 2 answered (67%)",
        "Top topics: causes (2)",
        "Last 30 days: 4 questions, 3 answered (75%)",
        "Top topics: causes (2), fixes (1)",
    ]


def test_stats_with_a_quiet_week_say_so_and_with_nothing_at_all_say_it_once(
    tmp_path: Path, mini_engine: Engine
) -> None:
    db = seeded(tmp_path / "log.sqlite3", [(20, "c", "fixes", True)])
    assert admin.stats_text(mini_engine, db, NOW).splitlines()[0] == "Last 7 days: no questions"
    assert admin.stats_text(mini_engine, tmp_path / "none.sqlite3", NOW) == mini_engine.snippet("stats_none")


def test_unanswered_lists_groups_escaped_with_their_other_wordings_indented(
    tmp_path: Path, mini_engine: Engine
) -> None:
    db = seeded(
        tmp_path / "log.sqlite3",
        [(1, "is a sauna ok", None, False), (1, "is the sauna ok", None, False), (2, "5 < 10 & <b>?", None, False)],
    )
    lines = admin.unanswered_text(mini_engine, db, NOW).splitlines()
    assert lines[0] == "<b>Unanswered questions</b>, most common first:"
    assert lines[1].startswith("1. <b>2×</b> is ") and lines[2].startswith("    · is ")
    assert lines[3] == "2. <b>1×</b> 5 &lt; 10 &amp; &lt;b&gt;?"
    assert admin.unanswered_text(mini_engine, tmp_path / "none.sqlite3", NOW) == "No unanswered questions logged yet."


def test_the_admin_wording_is_the_content_s(make_content: Path, tmp_path: Path) -> None:
    snippets = make_content / "responses" / "_snippets.yaml"
    text = snippets.read_text(encoding="utf-8")
    text = text.replace("stats_none: No questions logged yet.", "stats_none: Nothing asked so far.")
    text = text.replace(
        'stats_period_empty: "Last {days} days: no questions"', 'stats_period_empty: "{days} quiet days"'
    )
    snippets.write_text(text, encoding="utf-8")
    engine = Engine.load(make_content)
    assert admin.stats_text(engine, tmp_path / "none.sqlite3", NOW) == "Nothing asked so far."
    db = seeded(tmp_path / "log.sqlite3", [(20, "c", "fixes", True)])
    assert admin.stats_text(engine, db, NOW).splitlines()[0] == "7 quiet days"


def test_reload_says_what_was_loaded_in_the_new_content_s_words(content: Path) -> None:
    services = type("S", (), {"engine": Engine.load(content)})()
    snippets = content / "responses" / "_snippets.yaml"
    text = snippets.read_text(encoding="utf-8").replace("Reloaded: {intents} intents", "Now {intents} topics")
    snippets.write_text(text, encoding="utf-8")
    old = services.engine
    assert admin.reload_engine(services) == f"Now {len(old.intent_ids())} topics, {len(old.response_ids())} responses."


def test_a_refused_reload_cuts_a_long_list_of_problems(content: Path) -> None:
    services = type("S", (), {"engine": Engine.load(content)})()
    for n in range(admin.MAX_PROBLEMS_SHOWN + 2):
        (content / "intents" / f"broken_{n}.yaml").write_text(f"id: broken_{n}\nresponse: nowhere\n")
    lines = admin.reload_engine(services).splitlines()
    assert lines[0] == "Not reloaded; still serving the old content. Problems:"
    assert lines[-1].startswith("... and ") and lines[-1].endswith(" more (run painbot check)")
    assert lines[1].startswith("<code>") and lines[-2].endswith("</code>")
