"""Settings from the environment or a .env file, declared once and passed down."""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value painbot cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything painbot can be told from outside; the token never shows in repr."""

    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_base_url: str | None = None
    content_dir: Path = PROJECT_ROOT
    emergency_number: str = "000"
    # Named in the crisis answer, for thoughts of suicide or self-harm (the physio practises in Australia).
    crisis_line: str = "Lifeline Australia on 13 11 14"
    db_path: Path = PROJECT_ROOT / "data" / "painbot.sqlite3"
    retention_days: int = 90
    keep_text: bool = True
    admin_ids: frozenset[int] = frozenset()
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    persistence_path: Path = PROJECT_ROOT / "data" / "painbot-state.pickle"
    log_level: str = "INFO"
    # Ordinary answers per group per window (the per-group cooldown), well under the budget below.
    group_replies_per_minute: int = 6
    # Every message the bot sends to one group, in any window: Telegram allows 20 a minute.
    group_budget: int = 20
    # Of that budget, kept for urgent replies only (red flags always go out).
    group_urgent_reserve: int = 5
    # The window of both group limits, in seconds; Telegram's is 60 (tests shorten it).
    group_window: float = 60.0
    # Least seconds between two messages to one private chat (queued, never dropped).
    private_interval: float = 1.0
    # Seconds a reply keeps being retried through network failures before it is dropped.
    send_deadline: float = 60.0
    # Most updates fetched but not yet answered at once: what a crash or SIGKILL can lose.
    max_unanswered: int = 10
    # Seconds from SIGTERM to exit; keep it below the systemd unit's TimeoutStopSec (20).
    stop_deadline: float = 15.0
    # Largest webhook request body accepted, in bytes; bigger ones are refused unread.
    webhook_max_body: int = 1_000_000
    # Seconds an inline search must rest before its last query is logged (keystrokes never are).
    inline_pause: float = 3.0
    # Seconds a getUpdates long poll waits for news before asking again.
    poll_timeout: int = 10
    # The clock weekly tips keep (an IANA name): the physio's clubs are in Sydney.
    time_zone: str = "Australia/Sydney"
    # The name the bot answers to until Telegram reports its real @username (the CLI and terminal keep it).
    bot_username: str = "painbot"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
        """Build settings from a .env file overlaid by the real environment."""
        values = read_env_file(env_file) if env_file is not None else {}
        values.update(os.environ if environ is None else environ)
        return cls._from_values(values)

    @classmethod
    def _from_values(cls, values: Mapping[str, str]) -> Settings:
        """Convert raw strings to typed settings, naming the variable on bad input."""

        def get(name: str) -> str | None:
            return (values.get(name) or "").strip() or None

        default = cls()
        data_dir = Path(get("PAINBOT_DATA_DIR") or PROJECT_ROOT / "data")
        return cls(
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_base_url=get("TELEGRAM_BASE_URL"),
            content_dir=Path(get("PAINBOT_CONTENT") or default.content_dir),
            emergency_number=get("PAINBOT_EMERGENCY_NUMBER") or default.emergency_number,
            crisis_line=get("PAINBOT_CRISIS_LINE") or default.crisis_line,
            db_path=Path(get("PAINBOT_DB") or data_dir / "painbot.sqlite3"),
            retention_days=_int(get, "PAINBOT_RETENTION_DAYS", default.retention_days, minimum=1),
            keep_text=_bool(get, "PAINBOT_KEEP_TEXT", default.keep_text),
            admin_ids=_ids(get, "PAINBOT_ADMIN_IDS"),
            webhook_listen=get("PAINBOT_WEBHOOK_LISTEN") or default.webhook_listen,
            webhook_port=_int(get, "PAINBOT_WEBHOOK_PORT", default.webhook_port, minimum=1),
            webhook_secret=get("PAINBOT_WEBHOOK_SECRET"),
            persistence_path=Path(get("PAINBOT_STATE") or data_dir / "painbot-state.pickle"),
            log_level=(get("PAINBOT_LOG_LEVEL") or default.log_level).upper(),
            group_replies_per_minute=_int(
                get,
                "PAINBOT_GROUP_REPLIES_PER_MINUTE",
                default.group_replies_per_minute,
                minimum=1,
            ),
            group_budget=_int(get, "PAINBOT_GROUP_BUDGET", default.group_budget, minimum=1),
            group_urgent_reserve=_int(
                get,
                "PAINBOT_GROUP_URGENT_RESERVE",
                default.group_urgent_reserve,
                minimum=0,
            ),
            group_window=_float(get, "PAINBOT_GROUP_WINDOW", default.group_window, minimum=0.1),
            private_interval=_float(get, "PAINBOT_PRIVATE_INTERVAL", default.private_interval, minimum=0.0),
            send_deadline=_float(get, "PAINBOT_SEND_DEADLINE", default.send_deadline, minimum=0.0),
            max_unanswered=_int(get, "PAINBOT_MAX_UNANSWERED", default.max_unanswered, minimum=1),
            stop_deadline=_float(get, "PAINBOT_STOP_DEADLINE", default.stop_deadline, minimum=1.0),
            webhook_max_body=_int(get, "PAINBOT_WEBHOOK_MAX_BODY", default.webhook_max_body, minimum=1024),
            inline_pause=_float(get, "PAINBOT_INLINE_PAUSE", default.inline_pause, minimum=0.0),
            poll_timeout=_int(get, "PAINBOT_POLL_TIMEOUT", default.poll_timeout, minimum=0),
            time_zone=_zone(get, "PAINBOT_TIME_ZONE", default.time_zone),
        )


def _int(get: Callable[[str], str | None], name: str, default: int, minimum: int) -> int:
    """Read a whole number setting."""
    raw = get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _zone(get: Callable[[str], str | None], name: str, default: str) -> str:
    """Read an IANA time zone name such as Australia/Sydney."""
    raw = get(name)
    if raw is None:
        return default
    try:
        zoneinfo.ZoneInfo(raw)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} must be a time zone name such as Australia/Sydney, got {raw!r}") from None
    return raw


def _float(get: Callable[[str], str | None], name: str, default: float, minimum: float) -> float:
    """Read a number setting (seconds and the like)."""
    raw = get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not value >= minimum:  # also refuses nan
        raise SettingsError(f"{name} must be at least {minimum:g}, got {raw}")
    return value


def _bool(get: Callable[[str], str | None], name: str, default: bool) -> bool:
    """Read a yes/no setting."""
    raw = get(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _ids(get: Callable[[str], str | None], name: str) -> frozenset[int]:
    """Read a comma-separated list of Telegram user ids."""
    raw = get(name)
    if raw is None:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise SettingsError(f"{name} must be comma-separated numeric user ids") from None


def read_env_file(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines from a .env file; a missing file is simply empty."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    values: dict[str, str] = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if value[:1] in ("'", '"') and value.find(value[0], 1) > 0:
            value = value[1 : value.find(value[0], 1)]  # quoted: anything after the closing quote is a comment
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values
