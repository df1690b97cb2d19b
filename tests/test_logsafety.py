"""Secrets never reach a log line: the redacting formatter, configure_logging, and a DEBUG run of the app."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logsafety import NOISY_LOGGERS, REDACTED, RedactingFormatter, configure_logging, redact
from testsupport.offline import TOKEN, group_text, offline_bot, private_text

REAL_TOKEN = "7654321098:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw8"  # token-shaped, not a real one
OTHER_TOKEN = "1122334455:BBGfakefakefakefakefakefakefake12345"  # token-shaped, never configured
WEBHOOK_SECRET = "whs-Zq3v9Kp2LmN8xR4tYb7"
FMT = "%(levelname)s %(name)s: %(message)s"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put the root logger and the quietened loggers back as they were."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in (*NOISY_LOGGERS, "telegram", "bot")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def _capture(secrets: list[str | None]) -> tuple[logging.Logger, io.StringIO]:
    """A private logger writing through the redacting formatter into a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(RedactingFormatter(FMT, secrets))
    logger = logging.getLogger(f"test.logsafety.{id(buffer)}")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return logger, buffer


# ---------------------------------------------------------------------------------------------- formatter


def test_token_in_the_message_is_redacted() -> None:
    logger, out = _capture([REAL_TOKEN])
    logger.info(f"calling https://api.telegram.org/bot{REAL_TOKEN}/getMe")
    assert REAL_TOKEN not in out.getvalue()
    assert f"https://api.telegram.org/bot{REDACTED}/getMe" in out.getvalue()


def test_token_in_the_args_is_redacted() -> None:
    logger, out = _capture([TOKEN, WEBHOOK_SECRET])
    logger.warning("url=%s params=%r secret=%s", f"https://x/bot{TOKEN}/sendMessage", {"token": TOKEN}, WEBHOOK_SECRET)
    text = out.getvalue()
    assert TOKEN not in text and WEBHOOK_SECRET not in text
    assert text.count(REDACTED) == 3


def test_token_in_a_traceback_is_redacted() -> None:
    logger, out = _capture([REAL_TOKEN, WEBHOOK_SECRET])
    try:
        try:
            raise ConnectionError(f"cannot reach https://api.telegram.org/bot{REAL_TOKEN}/getUpdates")
        except ConnectionError as exc:
            raise RuntimeError(f"webhook secret {WEBHOOK_SECRET} refused") from exc
    except RuntimeError:
        logger.exception("polling failed")
    text = out.getvalue()
    assert "Traceback" in text and "ConnectionError" in text and "RuntimeError" in text
    assert REAL_TOKEN not in text and WEBHOOK_SECRET not in text
    assert REAL_TOKEN.split(":")[1] not in text


def test_stack_info_is_redacted() -> None:
    logger, out = _capture([])
    logger.debug("token %s", OTHER_TOKEN, stack_info=True)
    assert "Stack (most recent call last)" in out.getvalue()
    assert OTHER_TOKEN not in out.getvalue()


def test_token_shaped_strings_are_redacted_even_if_not_configured() -> None:
    assert redact(f"see {OTHER_TOKEN}.", []) == f"see {REDACTED}."
    logger, out = _capture([None])
    logger.error("pasted %s in chat", OTHER_TOKEN)
    assert OTHER_TOKEN not in out.getvalue()


def test_ordinary_text_is_left_alone() -> None:
    line = "answered chat=group intent=symptoms score=96 kind=answer at 12:30:45, update 123456789"
    assert redact(line, [TOKEN, WEBHOOK_SECRET]) == line


def test_empty_and_missing_secrets_are_ignored() -> None:
    formatter = RedactingFormatter(FMT, [None, "", TOKEN])
    assert formatter.secrets == [TOKEN]
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain words", None, None)
    assert formatter.format(record) == "INFO x: plain words"


def test_the_longest_secret_is_replaced_first() -> None:
    formatter = RedactingFormatter(FMT, ["abc", "abcdef-long-secret"])
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "s=abcdef-long-secret", None, None)
    assert formatter.format(record) == f"INFO x: s={REDACTED}"


# ---------------------------------------------------------------------------------------------- configure_logging


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
def test_configure_logging_installs_one_redacting_handler(level: str) -> None:
    configure_logging(level, [TOKEN, WEBHOOK_SECRET])
    configure_logging(level, [TOKEN, WEBHOOK_SECRET])  # twice: still one handler
    root = logging.getLogger()
    assert len(root.handlers) == 1
    formatter = root.handlers[0].formatter
    assert isinstance(formatter, RedactingFormatter)
    assert set(formatter.secrets) == {TOKEN, WEBHOOK_SECRET}
    assert root.level == getattr(logging, level)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize(
    "level, expected", [("DEBUG", logging.WARNING), ("INFO", logging.WARNING), ("ERROR", logging.ERROR)]
)
def test_url_printing_libraries_are_quietened(level: str, expected: int) -> None:
    configure_logging(level, [TOKEN])
    for name in ("httpx", "httpcore"):
        assert logging.getLogger(name).level == expected
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)


@pytest.mark.usefixtures("restore_logging")
def test_configure_logging_writes_redacted_lines_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", [REAL_TOKEN, WEBHOOK_SECRET])
    logging.getLogger("bot.test").info("token %s secret %s", REAL_TOKEN, WEBHOOK_SECRET)
    logging.getLogger("httpx").info(f"HTTP Request: POST https://api.telegram.org/bot{REAL_TOKEN}/getUpdates")
    err = capsys.readouterr().err
    assert f"INFO bot.test: token {REDACTED} secret {REDACTED}" in err
    assert "HTTP Request" not in err
    assert REAL_TOKEN not in err and WEBHOOK_SECRET not in err


# ---------------------------------------------------------------------------------------------- the app at DEBUG


@pytest.mark.usefixtures("restore_logging")
async def test_a_debug_run_of_the_app_never_prints_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", [REAL_TOKEN, WEBHOOK_SECRET])  # as run_bot does, before building
    async with offline_bot(tmp_path, telegram_bot_token=REAL_TOKEN) as bot:
        await bot.post_init()
        logging.getLogger("bot.test").debug("application: %r, bot: %r", bot.app, bot.app.bot)
        await bot.feed(
            private_text("/start"), private_text("where does it hurt"), group_text("@painbot what causes it")
        )
        # a transport error quoting the request URL, as HTTP libraries do
        bot.request.raise_on(
            "sendMessage", OSError(f"connect to https://api.telegram.org/bot{REAL_TOKEN}/sendMessage failed")
        )
        await bot.feed(private_text("/privacy"))
    err = capsys.readouterr().err
    assert "Set Bot API URL" in err  # PTB logged the URL holding the token...
    assert "sendMessage failed" in err  # ...and the send failure's summary quoting it
    assert "painbot started as @painbot" in err
    assert REDACTED in err
    assert REAL_TOKEN not in err  # ...and neither reached the output
    assert REAL_TOKEN.split(":")[1] not in err


async def test_a_debug_run_with_a_short_configured_token_never_prints_it(tmp_path: Path) -> None:
    # The harness token "123:abc" is not token-shaped: only the configured secret list catches it.
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(RedactingFormatter(FMT, [TOKEN]))
    handler.setLevel(logging.DEBUG)
    loggers = [logging.getLogger(name) for name in ("telegram", "bot")]
    saved = [(lg.level, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    try:
        async with offline_bot(tmp_path) as bot:
            await bot.post_init()
            await bot.feed(private_text("/start"), private_text("what causes it"))
    finally:
        for lg, (level, _) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
    text = buffer.getvalue()
    assert "Set Bot API URL" in text and "Calling Bot API endpoint `sendMessage`" in text
    assert TOKEN not in text
    assert f"bot{REDACTED}" in text
