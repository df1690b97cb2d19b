"""Settings from the environment and a .env file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings, SettingsError, read_env_file


def env_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert settings.telegram_bot_token is None
    assert settings.content_dir == PROJECT_ROOT
    assert settings.emergency_number == "000"
    assert settings.retention_days == 90
    assert settings.keep_text is True
    assert settings.admin_ids == frozenset()
    assert settings.webhook_port == 8443
    assert settings.log_level == "INFO"
    assert settings.db_path == PROJECT_ROOT / "data" / "painbot.sqlite3"


def test_values_are_read_and_typed() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123:abc",
            "PAINBOT_CONTENT": "/srv/content",
            "PAINBOT_EMERGENCY_NUMBER": "112",
            "PAINBOT_RETENTION_DAYS": "30",
            "PAINBOT_KEEP_TEXT": "no",
            "PAINBOT_ADMIN_IDS": "1, 22,333",
            "PAINBOT_WEBHOOK_PORT": "9000",
            "PAINBOT_LOG_LEVEL": "debug",
        }
    )
    assert settings.telegram_bot_token == "123:abc"
    assert settings.content_dir == Path("/srv/content")
    assert settings.emergency_number == "112"
    assert settings.retention_days == 30
    assert settings.keep_text is False
    assert settings.admin_ids == frozenset({1, 22, 333})
    assert settings.webhook_port == 9000
    assert settings.log_level == "DEBUG"


def test_data_dir_moves_database_and_state() -> None:
    settings = Settings.from_env({"PAINBOT_DATA_DIR": "/var/painbot"})
    assert settings.db_path == Path("/var/painbot/painbot.sqlite3")
    assert settings.persistence_path == Path("/var/painbot/painbot-state.pickle")


def test_blank_values_count_as_unset() -> None:
    settings = Settings.from_env({"PAINBOT_EMERGENCY_NUMBER": "  ", "TELEGRAM_BOT_TOKEN": ""})
    assert settings.emergency_number == "000"
    assert settings.telegram_bot_token is None


def test_environment_overrides_env_file(tmp_path: Path) -> None:
    path = env_file(tmp_path, "PAINBOT_EMERGENCY_NUMBER=111\nPAINBOT_RETENTION_DAYS=7\n")
    settings = Settings.from_env({"PAINBOT_EMERGENCY_NUMBER": "999"}, env_file=path)
    assert settings.emergency_number == "999"
    assert settings.retention_days == 7


def test_real_process_environment_is_used_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINBOT_EMERGENCY_NUMBER", "911")
    assert Settings.from_env(env_file=env_file(tmp_path, "PAINBOT_EMERGENCY_NUMBER=111\n")).emergency_number == "911"


def test_env_file_skips_comments_blank_lines_and_junk(tmp_path: Path) -> None:
    path = env_file(tmp_path, "# a comment\n\n   # indented comment\nnot a setting\nA=1\n")
    assert read_env_file(path) == {"A": "1"}


def test_env_file_strips_matching_quotes(tmp_path: Path) -> None:
    path = env_file(tmp_path, 'A="double"\nB=\'single\'\nC="has # hash"\nD=\'mismatched"\n')
    assert read_env_file(path) == {"A": "double", "B": "single", "C": "has # hash", "D": "'mismatched\""}


def test_env_file_accepts_export_prefix_and_spaces(tmp_path: Path) -> None:
    path = env_file(tmp_path, "export A=1\n  B = two words  \n")
    assert read_env_file(path) == {"A": "1", "B": "two words"}


def test_env_file_drops_inline_comment_on_unquoted_value(tmp_path: Path) -> None:
    assert read_env_file(env_file(tmp_path, "A=value # note\nB=x#y\n")) == {"A": "value", "B": "x#y"}


def test_env_file_quoted_value_with_inline_comment_loses_quotes(tmp_path: Path) -> None:
    path = env_file(tmp_path, 'TELEGRAM_BOT_TOKEN="123:abc"  # from BotFather\n')
    assert read_env_file(path) == {"TELEGRAM_BOT_TOKEN": "123:abc"}


def test_missing_env_file_is_empty(tmp_path: Path) -> None:
    assert read_env_file(tmp_path / "no.env") == {}
    assert Settings.from_env({}, env_file=tmp_path / "no.env") == Settings.from_env({})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PAINBOT_RETENTION_DAYS", "ninety"),
        ("PAINBOT_RETENTION_DAYS", "0"),
        ("PAINBOT_WEBHOOK_PORT", "8443.5"),
        ("PAINBOT_WEBHOOK_PORT", "-1"),
        ("PAINBOT_KEEP_TEXT", "maybe"),
        ("PAINBOT_ADMIN_IDS", "12,alice"),
        ("PAINBOT_TIME_ZONE", "Mars/Olympus"),
        ("PAINBOT_TIME_ZONE", "../etc"),
        ("PAINBOT_GROUP_WINDOW", "a minute"),
        ("PAINBOT_GROUP_WINDOW", "nan"),
        ("PAINBOT_STOP_DEADLINE", "0"),
        ("PAINBOT_MAX_UNANSWERED", "0"),
        ("PAINBOT_WEBHOOK_MAX_BODY", "10"),
    ],
)
def test_bad_value_raises_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_time_zone_defaults_to_sydney_and_accepts_any_iana_name() -> None:
    assert Settings.from_env({}).time_zone == "Australia/Sydney"
    assert Settings.from_env({"PAINBOT_TIME_ZONE": "Europe/London"}).time_zone == "Europe/London"


def test_bad_value_in_env_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PAINBOT_WEBHOOK_PORT"):
        Settings.from_env({}, env_file=env_file(tmp_path, "PAINBOT_WEBHOOK_PORT=https\n"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        ("yes", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
    ],
)
def test_booleans_accept_common_spellings(raw: str, expected: bool) -> None:
    assert Settings.from_env({"PAINBOT_KEEP_TEXT": raw}).keep_text is expected


def test_secrets_never_show_in_repr() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": "123456:SECRET-token", "PAINBOT_WEBHOOK_SECRET": "hush-hush"})
    shown = repr(settings) + str(settings)
    assert "SECRET-token" not in shown
    assert "hush-hush" not in shown
    assert "emergency_number" in shown


def test_reliability_settings_are_read_and_typed() -> None:
    settings = Settings.from_env(
        {
            "PAINBOT_GROUP_BUDGET": "18",
            "PAINBOT_GROUP_URGENT_RESERVE": "4",
            "PAINBOT_GROUP_WINDOW": "6.5",
            "PAINBOT_PRIVATE_INTERVAL": "0.5",
            "PAINBOT_SEND_DEADLINE": "30",
            "PAINBOT_MAX_UNANSWERED": "5",
            "PAINBOT_STOP_DEADLINE": "12",
            "PAINBOT_WEBHOOK_MAX_BODY": "2000000",
            "PAINBOT_INLINE_PAUSE": "2",
        }
    )
    assert (settings.group_budget, settings.group_urgent_reserve, settings.group_window) == (18, 4, 6.5)
    assert (settings.private_interval, settings.send_deadline, settings.max_unanswered) == (0.5, 30.0, 5)
    assert (settings.stop_deadline, settings.webhook_max_body, settings.inline_pause) == (12.0, 2_000_000, 2.0)
    defaults = Settings()
    assert (defaults.group_budget, defaults.max_unanswered, defaults.stop_deadline) == (20, 10, 15.0)
