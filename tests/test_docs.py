"""The README documents every CLI verb and the two set-up commands CI relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
VERBS = sorted(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("verb", VERBS)
def test_every_cli_verb_is_documented(verb: str) -> None:
    assert f"| `{verb}" in README, f"painbot {verb} is missing from the README's command table"


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ci.strip().splitlines()[-1]
    assert command in README


def test_readme_run_command_starts_painbot_run() -> None:
    assert "pip install -q -e . && .venv/bin/painbot run" in README


def test_every_setting_is_in_env_example() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    settings_source = (ROOT / "bot" / "settings.py").read_text(encoding="utf-8")
    import re

    names = set(re.findall(r'get\("([A-Z_]+)"\)', settings_source))
    assert names, "no settings found"
    missing = [name for name in sorted(names) if f"{name}=" not in example]
    assert missing == []


def test_the_systemd_unit_gives_painbot_longer_than_its_stop_deadline() -> None:
    import re

    from bot.settings import Settings

    timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", README, re.M).group(1))  # type: ignore[union-attr]
    assert Settings().stop_deadline < timeout
    assert f"PAINBOT_STOP_DEADLINE={Settings().stop_deadline:g}" in (ROOT / ".env.example").read_text()
