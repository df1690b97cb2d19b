"""Run `painbot run` as a real subprocess against the Bot API stand-in, and look at what it did.

Used by tests/test_e2e.py and benchmarks/telegram.py.  Every wait is bounded and every process
started here is stopped (SIGTERM, then SIGKILL after a timeout) when its context manager exits.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from testsupport.mini import MINI
from testsupport.standin import BotApiStandIn

ROOT = Path(__file__).resolve().parent.parent
VENV_PAINBOT = ROOT / ".venv" / "bin" / "painbot"
#: Shaped like a real BotFather token (bot id, colon, 35 characters of secret).
TOKEN = "7712345678:AAHk3xQe9-TmZ2vQ_p8rWfLs0YbNcUoDiEa"
TOKEN_SECRET = TOKEN.split(":", 1)[1]

# "2025-01-01 10:00:00,123 LEVEL logger.name: message" (bot/logsafety.py's format)
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<level>[A-Z]+) (?P<name>[\w.]+): ")


def painbot_command() -> list[str]:
    """The console script when installed next to this interpreter, else `python -m bot`."""
    script = Path(sys.executable).with_name("painbot")
    for candidate in (script, VENV_PAINBOT):
        if candidate.exists():
            return [str(candidate)]
    return [sys.executable, "-m", "bot"]


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def bot_env(
    standin: BotApiStandIn | None,
    data_dir: Path,
    *,
    content: Path = MINI,
    log_level: str = "DEBUG",
    extra: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """A clean environment: nothing inherited but PATH and HOME; no proxies; loopback only.

    ``extra`` entries override; a value of None removes the variable.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(data_dir)),
        "PAINBOT_CONTENT": str(content),
        "PAINBOT_DATA_DIR": str(data_dir),
        "PAINBOT_POLL_TIMEOUT": "1",
        "PAINBOT_LOG_LEVEL": log_level,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    if standin is not None:
        env["TELEGRAM_BOT_TOKEN"] = standin.token
        env["TELEGRAM_BASE_URL"] = standin.base_url
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@dataclass
class BotProcess:
    """A started `painbot` process with its output captured to files."""

    proc: subprocess.Popen[bytes]
    stdout_path: Path
    stderr_path: Path
    calls_before: int = 0
    exit_code: int | None = field(default=None)

    @property
    def pid(self) -> int:
        """The process id."""
        return self.proc.pid

    def stdout(self) -> str:
        """Everything written to stdout so far."""
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        """Everything written to stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def output(self) -> str:
        """stdout and stderr together."""
        return self.stdout() + self.stderr()

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.poll() is None

    def wait(self, timeout: float) -> int:
        """Wait for exit (raises subprocess.TimeoutExpired) and return the exit code."""
        self.exit_code = self.proc.wait(timeout=timeout)
        return self.exit_code

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM and wait up to ``timeout`` s; on timeout SIGKILL and raise TimeoutError."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError(
                f"painbot (pid {self.pid}) did not exit within {timeout}s of SIGTERM; "
                f"killed it.\nstderr tail:\n{self.stderr()[-3000:]}"
            ) from None

    def kill(self) -> None:
        """SIGKILL (only this process) and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.exit_code = self.proc.wait(timeout=5)

    def log_records(self) -> list[tuple[str, str, str]]:
        """(level, logger, whole line) for every formatted log line on stderr."""
        out = []
        for line in self.stderr().splitlines():
            m = _LOG_LINE.match(line)
            if m:
                out.append((m["level"], m["name"], line))
        return out

    def tracebacks(self, min_level: str = "INFO") -> list[str]:
        """Tracebacks on stderr not inside a log record below ``min_level`` (e.g. PTB's own
        DEBUG records with exc_info), each as the line that introduced it."""
        order = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
        found, level, header = [], None, "(no log line before it)"
        for line in self.stderr().splitlines():
            m = _LOG_LINE.match(line)
            if m:
                level, header = m["level"], line
            elif line.startswith("Traceback (most recent call last)"):
                if level is None or level not in order or order.index(level) >= order.index(min_level):
                    found.append(header)
        return found

    def describe(self) -> str:
        """Exit code and the tail of the output, for assertion messages."""
        return (
            f"exit code {self.proc.poll()}\n--- stdout (tail) ---\n{self.stdout()[-2000:]}"
            f"\n--- stderr (tail) ---\n{self.stderr()[-4000:]}"
        )


def start_process(
    args: Sequence[str],
    env: Mapping[str, str],
    cwd: Path,
    *,
    name: str = "painbot",
    stdin: int | None = subprocess.DEVNULL,
) -> BotProcess:
    """Start ``painbot ARGS`` with its output going to files in ``cwd``."""
    cwd.mkdir(parents=True, exist_ok=True)
    n = 0
    while (cwd / f"{name}-{n}.stderr").exists():
        n += 1
    stdout_path, stderr_path = cwd / f"{name}-{n}.stdout", cwd / f"{name}-{n}.stderr"
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        proc = subprocess.Popen(
            [*painbot_command(), *args],
            env=dict(env),
            cwd=cwd,
            stdin=stdin,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    return BotProcess(proc, stdout_path, stderr_path)


def wait_ready(
    bot: BotProcess, standin: BotApiStandIn, *, webhook_port: int | None = None, timeout: float = 20.0
) -> None:
    """Wait until the bot polls (getUpdates) or, in webhook mode, has set its webhook and listens."""
    start = bot.calls_before

    def ready(_calls: list[tuple[str, dict]]) -> bool:
        """Whether the bot polls (or listens for its webhook), or died trying."""
        if not bot.alive():
            return True  # reported below
        methods = [m for m, _ in standin.calls[start:]]
        if webhook_port is None:
            return "getUpdates" in methods
        return "setWebhook" in methods and port_open(webhook_port)

    try:
        standin.wait_for(ready, timeout=timeout)
    except TimeoutError as exc:
        raise AssertionError(f"painbot never became ready: {exc}\n{bot.describe()}") from None
    if not bot.alive():
        raise AssertionError(f"painbot exited while starting\n{bot.describe()}")


@contextlib.contextmanager
def running_bot(
    standin: BotApiStandIn,
    workdir: Path,
    *,
    args: Sequence[str] = ("run",),
    log_level: str = "DEBUG",
    content: Path = MINI,
    extra_env: Mapping[str, str | None] | None = None,
    webhook_port: int | None = None,
    ready_timeout: float = 20.0,
    stop_timeout: float = 10.0,
    name: str = "painbot",
) -> Iterator[BotProcess]:
    """Start `painbot run` against the stand-in, wait until it is ready, and always stop it.

    On exit the process gets SIGTERM (if still running) and at most ``stop_timeout`` seconds;
    then it is killed.  The exit code is left in ``BotProcess.exit_code``.
    """
    data_dir = workdir / "data"
    env = bot_env(standin, data_dir, content=content, log_level=log_level, extra=extra_env)
    calls_before = len(standin.calls)
    bot = start_process(args, env, workdir, name=name)
    bot.calls_before = calls_before
    try:
        wait_ready(bot, standin, webhook_port=webhook_port, timeout=ready_timeout)
        yield bot
    finally:
        if bot.alive():
            try:
                bot.terminate(stop_timeout)
            except TimeoutError:
                pass  # killed; a test that cares checks exit_code itself
        else:
            bot.kill()  # just reaps


def fetched_update(standin: BotApiStandIn, update_id: int) -> dict[str, Any] | None:
    """An update as the bot received it in a getUpdates response (None if never fetched)."""
    for entry in standin.call_log:
        if entry["method"] == "getUpdates" and entry["ok"]:
            for update in entry["result"]:
                if update["update_id"] == update_id:
                    return update
    return None


def update_message(standin: BotApiStandIn, update_id: int) -> dict[str, Any] | None:
    """The message of an update the bot fetched (None if not fetched)."""
    update = fetched_update(standin, update_id)
    return None if update is None else update.get("message")


def sends_to(standin: BotApiStandIn, chat_id: int) -> list[tuple[str, dict]]:
    """Every sendMessage call (ok or not) addressed to chat_id."""
    return [(m, p) for m, p in standin.calls if m == "sendMessage" and str(p.get("chat_id")) == str(chat_id)]


def send_times(standin: BotApiStandIn, chat_id: int) -> list[float]:
    """When each message reached chat_id (stand-in clock, seconds); successful sendMessage calls only."""
    return [
        e["time"]
        for e in standin.call_log
        if e["method"] == "sendMessage" and e["ok"] and str(e["params"].get("chat_id")) == str(chat_id)
    ]


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of times falling inside one sliding window."""
    times = sorted(times)
    return max((sum(1 for t in times[i:] if t - start < window) for i, start in enumerate(times)), default=0)
