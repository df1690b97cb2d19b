"""The anonymous question log: what is stored, what never is, and surviving a bad disk."""

from __future__ import annotations

import inspect
import logging
import os
import re
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot import questionlog
from bot.questionlog import MAX_TEXT_CHARS, SCHEMA_VERSION, QuestionLog, mask
from bot.settings import Settings

NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)

# As a version 1 file was written by the first release; kept literal on purpose.
V1_SCHEMA = """CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    asked_at TEXT NOT NULL,
    chat_type TEXT NOT NULL,
    intent_id TEXT,
    score INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    confident INTEGER NOT NULL,
    text TEXT
)"""


@pytest.fixture
def make_log(tmp_path: Path) -> Iterator[Callable[..., QuestionLog]]:
    """Open question logs that are always closed after the test."""
    logs: list[QuestionLog] = []

    def make(path: Path | None = None, **options: object) -> QuestionLog:
        options.setdefault("busy_timeout", 0.05)
        log = QuestionLog(path or tmp_path / "data" / "log.sqlite3", **options)  # type: ignore[arg-type]
        logs.append(log)
        return log

    yield make
    for log in logs:
        log.close(timeout=2)


def ask(log: QuestionLog, text: str = "can I run?", **fields: object) -> None:
    """Record a message with sensible defaults for the fields a test does not care about."""
    values: dict[str, object] = {
        "chat_type": "private",
        "intent_id": None,
        "score": 40,
        "outcome": "fallback",
        "confident": False,
    }
    values.update(fields)
    log.record(text, **values)  # type: ignore[arg-type]


def rows(path: Path) -> list[dict[str, object]]:
    """Every logged row as a dict."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM questions ORDER BY id")]
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_first_start_creates_folder_schema_and_version(tmp_path: Path, make_log) -> None:
    path = tmp_path / "new" / "nested" / "log.sqlite3"
    log = make_log(path)
    ask(log)
    assert log.flush()
    assert user_version(path) == SCHEMA_VERSION
    conn = sqlite3.connect(path)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(questions)")}
    conn.close()
    assert columns == {"id", "asked_at", "chat_type", "intent_id", "score", "outcome", "confident", "text"}


def test_migrates_a_version_1_file_keeping_its_rows(tmp_path: Path, make_log) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(V1_SCHEMA)
    conn.execute(
        "INSERT INTO questions (asked_at, chat_type, intent_id, score, outcome, confident, text)"
        " VALUES ('2025-01-01 10:00', 'private', NULL, 20, 'fallback', 0, 'old question')"
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()

    log = make_log(path)
    ask(log, "new question")
    assert log.flush()

    assert user_version(path) == SCHEMA_VERSION == 2
    assert [row["text"] for row in rows(path)] == ["old question", "new question"]
    conn = sqlite3.connect(path)
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    conn.close()
    assert {"questions_asked_at", "questions_text_asked_at"} <= indexes


def test_migrations_apply_in_order_from_any_older_version(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert questionlog.migrate(conn, questionlog.MIGRATIONS[:1]) == 1
    future = (*questionlog.MIGRATIONS, ("ALTER TABLE questions ADD COLUMN language TEXT",))
    assert questionlog.migrate(conn, future) == 3
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    assert "language" in {row[1] for row in conn.execute("PRAGMA table_info(questions)")}
    conn.close()


def test_a_newer_schema_is_left_alone_with_a_warning(tmp_path: Path, make_log, caplog) -> None:
    path = tmp_path / "log.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    caplog.set_level(logging.WARNING, logger="bot.questionlog")
    log = make_log(path)
    ask(log)
    assert not log.flush()
    assert any("newer" in message for message in warnings(caplog))
    assert user_version(path) == 99


def test_text_is_kept_only_without_a_confident_intent(tmp_path: Path, make_log) -> None:
    log = make_log()
    ask(log, "does running hurt it", intent_id="running", score=91, outcome="answer", confident=True)
    ask(log, "sitting on trains, mail me jo@example.com", intent_id="sitting", score=62, outcome="answer")
    ask(log, "what shoes? @coach_sam", intent_id=None, score=12, outcome="fallback")
    ask(log, "run or bike", chat_type="supergroup", intent_id="running", score=55, outcome="ambiguous")
    ask(log, "hi", chat_type="inline", intent_id="greeting", score=100, outcome="selfcheck", confident=True)
    assert log.flush()

    stored = rows(log.db_path)
    assert [row["text"] for row in stored] == [
        None,
        "sitting on trains, mail me <email>",
        "what shoes? @user",
        "run or bike",
        None,
    ]
    assert [row["chat_type"] for row in stored] == ["private", "private", "private", "group", "inline"]
    assert [row["intent_id"] for row in stored] == ["running", "sitting", None, "running", "greeting"]
    assert [row["score"] for row in stored] == [91, 62, 12, 55, 100]
    assert [row["outcome"] for row in stored] == ["answer", "answer", "fallback", "ambiguous", "selfcheck"]
    assert [row["confident"] for row in stored] == [1, 0, 0, 0, 1]


def test_time_is_stored_in_utc(make_log) -> None:
    log = make_log()
    sydney = datetime(2025, 3, 13, 10, 30, tzinfo=timezone(timedelta(hours=11)))
    ask(log, when=sydney)
    assert log.flush()
    assert rows(log.db_path)[0]["asked_at"] == "2025-03-12 23:30"


def test_keep_text_false_keeps_counts_only(make_log) -> None:
    log = make_log(keep_text=False)
    ask(log, "a question nobody should read later", intent_id=None)
    ask(log, "another one", intent_id="running", confident=False)
    assert log.flush()
    stored = rows(log.db_path)
    assert len(stored) == 2
    assert all(row["text"] is None for row in stored)
    assert b"nobody should read" not in log.db_path.read_bytes()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("ask @jane_runner about it", "ask @user about it"),
        ("mail jo.bloggs+hht@example.co.uk please", "mail <email> please"),
        ("call 0412 345 678 tonight", "call <phone> tonight"),
        ("call +61 2 9999-1234", "call <phone>"),
        ("ring (02) 9999 1234", "ring <phone>"),
        ("my id is 123456789", "my id is <phone>"),
        ("I ran 10k at 5:30/km", "I ran 10k at 5:30/km"),
        ("my 14 year old ran for 2 hours", "my 14 year old ran for 2 hours"),
        ("pain 3/10 since 2023, 150 km a week", "pain 3/10 since 2023, 150 km a week"),
        ("  spread\nover\tlines  ", "spread over lines"),
    ],
)
def test_masking(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_long_text_is_capped() -> None:
    assert len(mask("why " * 400)) == MAX_TEXT_CHARS


def test_no_identity_ever_reaches_the_file(tmp_path: Path, make_log) -> None:
    accepted = set(inspect.signature(QuestionLog.record).parameters)
    assert not accepted & {"user_id", "username", "name", "first_name", "chat_id", "user", "chat"}

    user_id, chat_id, username, name = "987654321", "-1001234567890", "jane_runner", "Jacqueline"
    log = make_log()
    ask(log, f"hi, I'm @{username}, text {user_id}", intent_id=None)
    ask(log, f"group {chat_id} asks about sitting", chat_type="group", intent_id="sitting")
    ask(log, "running?", intent_id="running", confident=True, outcome="answer", score=95)
    log.close()

    stored = rows(log.db_path)
    assert len(stored) == 3
    for file in log.db_path.parent.iterdir():
        raw = file.read_bytes()
        for secret in (user_id, chat_id.lstrip("-"), username, name):
            assert secret.encode() not in raw, f"{secret} found in {file.name}"


def test_purge_clears_old_text_and_keeps_counts(make_log) -> None:
    log = make_log(retention_days=90)
    ask(log, "ancient question about squats", when=NOW - timedelta(days=120))
    ask(log, "older but confident", intent_id="running", confident=True, when=NOW - timedelta(days=120))
    ask(log, "recent question about cycling", when=NOW - timedelta(days=10))
    assert log.flush()

    assert log.purge(now=NOW) == 1
    assert log.purge(now=NOW) == 0
    assert [row["text"] for row in rows(log.db_path)] == [None, None, "recent question about cycling"]
    assert log.purge(older_than_days=5, now=NOW) == 1
    assert len(rows(log.db_path)) == 3
    # secure_delete: the forgotten words are overwritten in the file, not left in free space.
    assert b"ancient question" not in log.db_path.read_bytes()
    conn = questionlog.connect(log.db_path)
    try:
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    finally:
        conn.close()


def test_from_settings_uses_path_retention_and_keep_text(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "s" / "q.sqlite3", retention_days=7, keep_text=False)
    log = QuestionLog.from_settings(settings)
    try:
        assert (log.db_path, log.retention_days, log.keep_text) == (settings.db_path, 7, False)
    finally:
        log.close()


def test_close_flushes_what_is_queued_and_later_records_are_dropped(make_log) -> None:
    log = make_log()
    for number in range(300):
        ask(log, f"question {number}")
    log.close()
    ask(log, "after close")
    log.close()
    assert len(rows(log.db_path)) == 300


def _readonly_connect(path: Path, timeout: float = 2.0) -> sqlite3.Connection:
    """What opening a file without write permission gives, even for root."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout, isolation_level=None)


def test_read_only_database_file_is_survived(make_log, monkeypatch, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.questionlog")
    log = make_log()
    ask(log, "before")
    assert log.flush()
    log.close()

    path = log.db_path
    path.chmod(0o444)
    if os.geteuid() == 0:  # root ignores file modes
        monkeypatch.setattr(questionlog, "connect", _readonly_connect)
    log = make_log(path)
    ask(log, "secret words while read-only")
    assert not log.flush()
    assert any("readonly" in message for message in warnings(caplog))
    assert not any("secret words" in message for message in warnings(caplog))

    path.chmod(0o644)
    monkeypatch.undo()
    ask(log, "after")
    assert log.flush()
    assert [row["text"] for row in rows(path)] == ["before", "after"]


def test_folder_that_cannot_be_created_is_survived(tmp_path: Path, make_log, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.questionlog")
    (tmp_path / "not-a-folder").write_text("x")
    log = make_log(tmp_path / "not-a-folder" / "log.sqlite3")
    ask(log, "secret words")
    assert not log.flush()
    assert warnings(caplog)
    assert not any("secret words" in message for message in warnings(caplog))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_is_survived(tmp_path: Path, make_log, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.questionlog")
    folder = tmp_path / "locked-folder"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        log = make_log(folder / "log.sqlite3")
        ask(log)
        assert not log.flush()
        assert warnings(caplog)
    finally:
        folder.chmod(0o755)


def test_corrupt_database_is_survived(tmp_path: Path, make_log, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.questionlog")
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"this is not a database at all " * 200)
    log = make_log(path)
    ask(log, "secret words")
    assert not log.flush()
    assert any("not a database" in message for message in warnings(caplog))


def test_locked_database_is_survived_and_written_once_released(make_log, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.questionlog")
    log = make_log()
    ask(log, "first")
    assert log.flush()

    other = sqlite3.connect(log.db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        for number in range(50):
            ask(log, f"while locked {number}")
        assert time.perf_counter() - started < 1.0  # record only enqueues: a blocked write would wait out the lock
        assert not log.flush()
        assert any("locked" in message for message in warnings(caplog))
    finally:
        other.execute("ROLLBACK")
        other.close()

    ask(log, "after release")
    assert log.flush()
    texts = [row["text"] for row in rows(log.db_path)]
    assert texts[0] == "first" and texts[-1] == "after release"
    assert len(texts) == 52


def test_close_is_bounded_while_locked(make_log) -> None:
    log = make_log()
    ask(log)
    assert log.flush()
    other = sqlite3.connect(log.db_path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        ask(log, "never saved")
        started = time.perf_counter()
        log.close(timeout=1)
        assert time.perf_counter() - started < 1.5
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_record_never_raises_on_nonsense(make_log) -> None:
    log = make_log()
    log.record("x", chat_type="channel", intent_id=None, score=None, outcome="fallback", confident=False)
    ask(log, "odd chat", chat_type="channel", score=250.4)
    assert log.flush()
    stored = rows(log.db_path)
    assert [(row["chat_type"], row["score"]) for row in stored] == [("other", 100)]


def test_the_database_file_is_created_owner_only(tmp_path: Path, make_log) -> None:
    path = tmp_path / "log.sqlite3"
    log = make_log(path)
    ask(log)
    assert log.flush()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_every_lost_record_is_counted_even_while_the_warning_is_held_back(tmp_path: Path, make_log, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.questionlog")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    log = make_log(blocker / "log.sqlite3")
    for round_ in range(3):
        for n in range(4):
            ask(log, f"question {round_} {n}")
        log.flush()
    assert log.dropped == 12 and log.problem is not None
    blocker.unlink()  # the disk is fixed: the next write works and the held-back losses are told
    ask(log, "after")
    assert log.flush() and log.problem is None
    told = [int(n) for m in warnings(caplog) for n in re.findall(r"(\d+) (?:more )?record\(s\)", m)]
    assert sum(told) == 12, warnings(caplog)


# --- reading it back (the reports' one way in) ---------------------------------------


def test_read_questions_returns_a_period_oldest_first(tmp_path: Path, make_log) -> None:
    early, late = datetime(2025, 3, 1, 9, 0, tzinfo=UTC), datetime(2025, 3, 8, 9, 0, tzinfo=UTC)
    log = make_log()
    ask(log, "later", when=late, intent_id=None, outcome="fallback", confident=False)
    ask(log, "earlier", when=early, intent_id="running", outcome="answer", confident=True)
    log.close()
    path = tmp_path / "data" / "log.sqlite3"
    read = questionlog.read_questions(path, None, late)
    assert [(q.asked_at, q.intent_id, q.outcome, q.confident, q.text) for q in read] == [
        (early, "running", "answer", True, None),
        (late, None, "fallback", False, "later"),
    ]
    assert [q.asked_at for q in questionlog.read_questions(path, late, late)] == [late]


def test_reading_a_missing_log_finds_nothing_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "log.sqlite3"
    assert questionlog.read_questions(path, None, datetime.now(UTC)) == []
    assert not path.parent.exists()


def test_reading_a_corrupt_log_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"definitely not sqlite " * 100)
    with pytest.raises(questionlog.QuestionLogError, match="cannot read question log"):
        questionlog.read_questions(path, None, datetime.now(UTC))
