"""The anonymous question log: what people asked and how the bot answered, in SQLite.

Nothing that identifies a person is ever stored: no user id, username, name or
chat id. Question text is kept only when the bot had no confident answer (that
is what improves the content), masked and capped, and purged after retention.
Writes happen on one background thread so logging never slows an answer.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType

from bot.settings import Settings

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 500
CHAT_TYPES = frozenset({"private", "group", "inline"})
TIME_FORMAT = "%Y-%m-%d %H:%M"  # UTC, minute precision is all the reports need

# Each entry upgrades the schema by one version; append, never edit a shipped one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,
            chat_type TEXT NOT NULL,
            intent_id TEXT,
            score INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            confident INTEGER NOT NULL,
            text TEXT
        )""",
    ),
    (
        "CREATE INDEX questions_asked_at ON questions (asked_at)",
        "CREATE INDEX questions_text_asked_at ON questions (asked_at) WHERE text IS NOT NULL",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_PHONE = re.compile(r"(?<![\w+])\+?(?:\(\d+\)[ -]?)?\d(?:[ -]?\d){6,}(?!\w)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


class QuestionLogError(Exception):
    """The question log database cannot be opened, migrated or read."""


def mask(text: str) -> str:
    """Replace @mentions, e-mail addresses and phone numbers, then tidy and cap the text."""
    text = _EMAIL.sub("<email>", text)
    text = _MENTION.sub("@user", text)
    text = _PHONE.sub("<phone>", text)
    text = _WHITESPACE.sub(" ", _CONTROL.sub(" ", text)).strip()
    if len(text) > MAX_TEXT_CHARS:
        text = text[: MAX_TEXT_CHARS - 1].rstrip() + "…"
    return text


def format_time(when: datetime) -> str:
    """Format a moment as stored: UTC, to the minute; naive times are taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(stored: str) -> datetime:
    """Read a stored moment back as an aware UTC datetime."""
    return datetime.strptime(stored, TIME_FORMAT).replace(tzinfo=UTC)


def connect(path: Path, timeout: float = 2.0) -> sqlite3.Connection:
    """Open the log for writing, creating its folder and bringing the schema up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Owner-only from the first byte: SQLite gives its journal files the same mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    try:
        # Purged text must not linger in free pages of the file.
        conn.execute("PRAGMA secure_delete = ON")
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Apply the migrations the database has not seen yet, each in its own transaction."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(migrations):
        raise QuestionLogError(
            f"the question log has schema version {version}, newer than this painbot "
            f"understands ({len(migrations)}); upgrade painbot"
        )
    for number, statements in enumerate(migrations[version:], start=version + 1):
        with transaction(conn):
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number:d}")
        logger.info("question log schema migrated to version %d", number)
    return max(version, len(migrations))


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block in one write transaction on an autocommit connection."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def purge_texts(conn: sqlite3.Connection, older_than_days: int, now: datetime | None = None) -> int:
    """Forget the text of questions older than the given days; return how many were cleared."""
    cutoff = format_time((now or datetime.now(UTC)) - timedelta(days=older_than_days))
    with transaction(conn):
        cursor = conn.execute("UPDATE questions SET text = NULL WHERE text IS NOT NULL AND asked_at < ?", (cutoff,))
    return cursor.rowcount


@dataclass(frozen=True, slots=True)
class LoggedQuestion:
    """One row of the log as the reports read it."""

    asked_at: datetime
    intent_id: str | None
    outcome: str
    confident: bool
    text: str | None


def read_questions(db_path: Path, since: datetime | None, until: datetime) -> list[LoggedQuestion]:
    """The questions logged between two moments, oldest first; a missing or never-written log has none.

    Opens the file read-only, so a report never creates, migrates or locks the bot's log.
    """
    if not db_path.exists():
        return []
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise QuestionLogError(f"cannot open question log {db_path}: {exc}") from exc
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'questions'").fetchone() is None:
            return []
        cursor = conn.execute(
            "SELECT asked_at, intent_id, outcome, confident, text FROM questions"
            " WHERE asked_at >= ? AND asked_at <= ? ORDER BY asked_at, id",
            (format_time(since) if since else "", format_time(until)),
        )
        return [
            LoggedQuestion(parse_time(at), intent, outcome, bool(confident), text)
            for at, intent, outcome, confident, text in cursor
        ]
    except (sqlite3.Error, ValueError) as exc:
        raise QuestionLogError(f"cannot read question log {db_path}: {exc}") from exc
    finally:
        conn.close()


@dataclass(frozen=True, slots=True)
class _Record:
    """One considered message, as queued by record() and not yet masked."""

    asked_at: str
    chat_type: str
    intent_id: str | None
    score: int
    outcome: str
    confident: bool
    text: str | None


@dataclass(frozen=True, slots=True)
class _Flush:
    """Marker asking the writer to save everything queued before it."""

    done: threading.Event
    result: list[bool]


class _Stop:
    """Marker asking the writer to save what it has and finish."""


class QuestionLog:
    """Records considered messages on a background writer thread; record() never blocks or raises."""

    def __init__(
        self,
        db_path: Path,
        *,
        keep_text: bool = True,
        retention_days: int = Settings.retention_days,
        busy_timeout: float = 2.0,
        batch_size: int = 200,
        max_queued: int = 10_000,
        retry_delay: float = 1.0,
    ) -> None:
        self.db_path = Path(db_path)
        self.keep_text = keep_text
        self.retention_days = retention_days
        self._busy_timeout = busy_timeout
        self._batch_size = batch_size
        self._max_pending = max_queued
        self._retry_delay = retry_delay
        self._queue: queue.Queue[_Record | _Flush | _Stop] = queue.Queue(maxsize=max_queued)
        self._closed = False
        self._warn_lock = threading.Lock()
        self._last_problem: str | None = None
        self._last_warned = 0.0
        self._unreported_lost = 0  # lost while the same problem's warning was held back
        self.dropped = 0  # records never saved since start, shown in the admin reports
        self.problem: str | None = None  # the current write problem, None while writes work
        # Only the writer thread touches these two.
        self._conn: sqlite3.Connection | None = None
        self._pending: list[_Record] = []
        self._thread = threading.Thread(target=self._run, name="painbot-questionlog", daemon=True)
        self._thread.start()

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionLog:
        """Build the log from PAINBOT_DB, PAINBOT_KEEP_TEXT and PAINBOT_RETENTION_DAYS."""
        return cls(settings.db_path, keep_text=settings.keep_text, retention_days=settings.retention_days)

    def record(
        self,
        text: str | None,
        *,
        chat_type: str,
        intent_id: str | None,
        score: float,
        outcome: str,
        confident: bool,
        when: datetime | None = None,
    ) -> None:
        """Queue one considered message; text is kept only without a confident intent."""
        try:
            if self._closed:
                logger.debug("question log closed; record dropped")
                return
            keep = self.keep_text and (intent_id is None or not confident) and bool(text)
            item = _Record(
                asked_at=format_time(when or datetime.now(UTC)),
                chat_type=_chat_type(chat_type),
                intent_id=None if intent_id is None else str(intent_id)[:100],
                score=max(0, min(100, round(score))),
                outcome=str(outcome)[:32],
                confident=bool(confident),
                text=text if keep else None,
            )
            self._queue.put_nowait(item)
        except queue.Full:
            self._warn("the write queue is full", 1)
        except Exception as exc:  # noqa: BLE001 - logging must never break an answer
            self._warn(f"could not queue a record: {type(exc).__name__}", 1)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything recorded so far is written; False if it could not be."""
        if not self._thread.is_alive():
            return self._queue.empty()
        marker = _Flush(threading.Event(), [])
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.done.wait(timeout) and all(marker.result)

    def purge(self, older_than_days: int | None = None, now: datetime | None = None) -> int:
        """Clear question texts older than retention; return how many were cleared.

        Blocking (up to the busy timeout), so from the event loop run it with
        asyncio.to_thread. Raises QuestionLogError when the database is unusable.
        """
        days = self.retention_days if older_than_days is None else older_than_days
        try:
            conn = connect(self.db_path, timeout=self._busy_timeout)
        except (OSError, sqlite3.Error) as exc:
            raise QuestionLogError(f"cannot open question log {self.db_path}: {exc}") from exc
        try:
            cleared = purge_texts(conn, days, now)
        except sqlite3.Error as exc:
            raise QuestionLogError(f"cannot purge question log {self.db_path}: {exc}") from exc
        finally:
            conn.close()
        logger.info("question log: cleared the text of %d question(s) older than %d days", cleared, days)
        return cleared

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued and stop the writer, waiting at most about timeout seconds."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + timeout
        try:
            self._queue.put(_Stop(), timeout=timeout)
        except queue.Full:
            logger.warning("question log: queue still full at shutdown; unsaved records are lost")
            return
        self._thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread.is_alive():
            logger.warning("question log: writer did not finish in %.1fs; unsaved records are lost", timeout)

    def __enter__(self) -> QuestionLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _run(self) -> None:
        """Writer thread: gather queued records into batches and write them."""
        stopping = False
        while not stopping:
            try:
                first = self._queue.get(timeout=self._retry_delay if self._pending else None)
            except queue.Empty:
                self._write()
                continue
            for item in self._drain(first):
                if isinstance(item, _Record):
                    self._pending.append(item)
                    if len(self._pending) >= self._batch_size:
                        self._write()
                elif isinstance(item, _Flush):
                    item.result.append(self._write())
                    item.done.set()
                else:
                    stopping = True
            self._write()
        self._disconnect()

    def _drain(self, first: _Record | _Flush | _Stop) -> list[_Record | _Flush | _Stop]:
        """Take the first item and whatever else is already waiting, up to a batch."""
        items = [first]
        while len(items) < self._batch_size:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _write(self) -> bool:
        """Insert pending records in one transaction; True when nothing is left pending."""
        if not self._pending:
            return True
        batch = self._pending
        try:
            conn = self._connection()
            rows = [self._row(record) for record in batch]
            with transaction(conn):
                conn.executemany(
                    "INSERT INTO questions (asked_at, chat_type, intent_id, score, outcome, confident, text)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        except Exception as exc:  # noqa: BLE001 - the bot keeps answering whatever the disk does
            self._disconnect()
            if _is_transient(exc) and not self._closed:
                # Another process holds the lock: keep the batch and retry shortly.
                self._pending = batch[-self._max_pending :]
                self._warn(_describe(exc), 0)
            else:
                self._pending = []
                self._warn(_describe(exc), len(batch))
            return False
        self._pending = []
        self._recovered()
        return True

    def _row(self, record: _Record) -> tuple[object, ...]:
        """Turn a queued record into column values, masking the text."""
        text = mask(record.text) if record.text else None
        return (
            record.asked_at,
            record.chat_type,
            record.intent_id,
            record.score,
            record.outcome,
            int(record.confident),
            text or None,
        )

    def _connection(self) -> sqlite3.Connection:
        """Return the writer's connection, opening it on first use or after a failure."""
        if self._conn is None:
            self._conn = connect(self.db_path, timeout=self._busy_timeout)
        return self._conn

    def _disconnect(self) -> None:
        """Drop the writer's connection so the next write starts afresh."""
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
            self._conn = None

    def _warn(self, problem: str, lost: int) -> None:
        """Count lost records and log the problem, the same one at most every five minutes with the full count."""
        with self._warn_lock:
            self.dropped += lost
            self.problem = problem
            now = time.monotonic()
            if problem == self._last_problem and now - self._last_warned < 300:
                self._unreported_lost += lost
                return
            self._last_problem, self._last_warned = problem, now
            lost, self._unreported_lost = lost + self._unreported_lost, 0
        if lost:
            logger.warning(
                "question log %s unavailable (%s); %d record(s) not saved, answering continues",
                self.db_path,
                problem,
                lost,
            )
        else:
            logger.warning("question log %s unavailable (%s); will retry, answering continues", self.db_path, problem)

    def _recovered(self) -> None:
        """Note that writing works again after a logged problem."""
        with self._warn_lock:
            self.problem = None
            if self._last_problem is None:
                return
            self._last_problem = None
            if self._unreported_lost:
                logger.warning("question log %s: %d more record(s) were not saved", self.db_path, self._unreported_lost)
                self._unreported_lost = 0
        logger.info("question log %s is writable again", self.db_path)


def _chat_type(chat_type: str) -> str:
    """Fold Telegram chat types into the three the reports distinguish."""
    kind = str(chat_type).lower()
    if kind == "supergroup":
        return "group"
    return kind if kind in CHAT_TYPES else "other"


def _is_transient(exc: Exception) -> bool:
    """Tell a lock held by someone else from a problem that will not go away by waiting."""
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message)


def _describe(exc: Exception) -> str:
    """Name a failure for the log; SQLite and OS messages never include the question text."""
    return f"{type(exc).__name__}: {exc}"
