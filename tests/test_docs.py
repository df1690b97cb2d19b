"""The README documents every CLI verb and the two set-up commands CI relies on."""

from __future__ import annotations

import io
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cli import VERBS as VERB_PAGES
from bot.cli import _parser, main
from bot.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
VERBS = sorted(_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr,arg-type]


@pytest.mark.parametrize("verb", VERBS)
def test_every_cli_verb_is_documented(verb: str) -> None:
    assert f"| `{verb}" in README, f"painbot {verb} is missing from the README's command table"


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = ci.strip().splitlines()[-1]
    assert command in README
    steps = [step.strip() for step in command.split("&&")]
    pytest_step = steps.index(".venv/bin/python -m pytest -q")
    for check in (
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/mypy bot/ tests/ testsupport/ benchmarks/",
    ):
        assert steps.index(check) < pytest_step, f"{check} must run before the tests"


def test_readme_run_command_starts_painbot_run() -> None:
    assert "pip install -q -e . && .venv/bin/painbot run" in README


def test_every_setting_is_in_env_example() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    settings_source = (ROOT / "bot" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'get\("([A-Z_]+)"\)', settings_source))
    assert names, "no settings found"
    missing = [name for name in sorted(names) if f"{name}=" not in example]
    assert missing == []


# --- the README's example commands, run ----------------------------------------------


def readme_commands() -> list[str]:
    """Every painbot command on its own line in the README's sh blocks (comments dropped)."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if re.match(r"(echo .*\| )?(\.venv/bin/)?painbot ", line)]


_ENGINES: dict[str, Engine] = {}
_REAL_LOAD = Engine.load


def _load_once(content_dir: Path, *args: Any, **kwargs: Any) -> Engine:
    """Engine.load, remembered per folder and settings (an engine never changes once built)."""
    key = repr((Path(content_dir).resolve(), args, sorted(kwargs.items())))
    if key not in _ENGINES:
        _ENGINES[key] = _REAL_LOAD(content_dir, *args, **kwargs)
    return _ENGINES[key]


@pytest.fixture
def readme_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, typed: type[io.StringIO]
) -> Callable[[str], tuple[int, str]]:
    """Run one README command in-process from the project folder, as a new user would (no token, an empty log)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")  # outweighs a developer's .env: never start the real bot here
    monkeypatch.setenv("PAINBOT_DB", str(tmp_path / "log.sqlite3"))
    monkeypatch.setattr(Engine, "load", _load_once)  # the same real engine, built once for all the examples

    def shell(command: str) -> tuple[int, str]:
        words = shlex.split(command, comments=True)
        keys = "/quit\n"  # typed at a terminal, as `painbot run` and `painbot chat` expect
        if "|" in words:  # echo '...' | painbot VERB
            bar = words.index("|")
            keys, words = " ".join(words[1:bar]) + "\n", words[bar + 1 :]
        out = io.StringIO()
        code = main(words[1:], stdin=typed(keys), stdout=out)
        return code, out.getvalue()

    return shell


def test_readme_has_one_example_per_verb_matching_its_help_page() -> None:
    commands = readme_commands()
    for verb in VERB_PAGES:
        assert verb.example in commands, f"painbot {verb.name}: its --help example is not in the README"


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_example_runs(command: str, readme_shell: Callable[[str], tuple[int, str]]) -> None:
    for path in re.findall(r"\.\./\S+", command):
        if not (ROOT / path).exists():
            pytest.skip(f"{path} is not on this machine")
    code, out = readme_shell(command)
    assert code == 0, out
    assert out.strip()


def test_readme_lists_the_exit_codes() -> None:
    section = README[README.index("Exit codes:") :]
    for code, meaning in ((0, "done"), (1, "a problem you must fix"), (2, "wrong usage"), (130, "Ctrl-C")):
        assert re.search(rf"\| {code} \| [^\n]*{meaning}", section), code


def test_the_systemd_unit_gives_painbot_longer_than_its_stop_deadline() -> None:
    from bot.settings import Settings

    timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", README, re.M).group(1))  # type: ignore[union-attr]
    assert Settings().stop_deadline < timeout
    assert f"PAINBOT_STOP_DEADLINE={Settings().stop_deadline:g}" in (ROOT / ".env.example").read_text()


def test_the_layout_and_architecture_name_every_bot_module() -> None:
    layout = README[README.index("## Layout") :]
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert "(ARCHITECTURE.md)" in layout
    for path in sorted((ROOT / "bot").glob("*.py")):
        if path.stem.startswith("__"):
            continue
        assert re.search(rf"\b{path.stem}\b", layout.split("```")[1]), f"bot/{path.name} is missing from the layout"
        assert f"`bot/{path.name}`" in architecture, f"bot/{path.name} is missing from ARCHITECTURE.md"
