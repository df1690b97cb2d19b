"""Logging set-up that keeps secrets out of every log line, at every level."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# Anything shaped like a bot token, even one we were not told about (e.g. in a pasted URL).
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
REDACTED = "[REDACTED]"
# These libraries log full request URLs, and the Bot API URL contains the token.
NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler")


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then removes known secrets and token-shaped strings, tracebacks included."""

    def __init__(self, fmt: str, secrets: Iterable[str | None] = ()) -> None:
        super().__init__(fmt)
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """Format a record with every secret replaced."""
        return redact(super().format(record), self.secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret, and anything token-shaped, with a marker."""
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return _TOKEN_SHAPE.sub(REDACTED, text)


def configure_logging(level: str, secrets: Iterable[str | None]) -> None:
    """Log to stderr through the redacting formatter; quiet the URL-printing libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
