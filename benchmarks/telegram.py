"""Benchmark `painbot run` end to end against the Bot API stand-in on 127.0.0.1 (run by hand).

Usage: .venv/bin/python benchmarks/telegram.py [--messages 300] [--sequential 100]

Starts the stand-in and `painbot run` (shipped content, PAINBOT_LOG_LEVEL=WARNING) as a real
subprocess, then:

* burst: pushes N private messages, each from a different user (so Telegram's per-chat limit
  plays no part) and measures messages answered per second, first push to last reply.  The bot
  uses PTB's AIORateLimiter, whose overall limit is 30 messages/s: that, not the bot's own speed,
  bounds this figure (its leaky bucket lets a first 30 through at once, so a run can show a little
  over 30/s).
* per-update time: from the stand-in handing the update out in a getUpdates response to the
  stand-in receiving the sendMessage for it.  This includes the HTTP round trips on loopback and,
  in the burst, the time an update waits behind the others (PTB handles updates one at a time and
  the rate limiter spaces the sends), so the burst figures are mostly queueing.  The sequential
  phase (one message at a time, the next pushed 40 ms after the reply is in, so the rate limiter
  never has to wait) shows the handling time of an update on an idle bot.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e_support import TOKEN, running_bot  # noqa: E402
from tests.telegram_standin import BotApiStandIn  # noqa: E402

QUESTIONS = [
    "why does my bum hurt when I sit at work",
    "how long till i can run again",
    "whats the best rehab for high hamstring tendinopathy",
    "is it my back or my hamstring",
    "should i stop running completely or just slow down a bit, race in 3 weeks",
    "over striding - what is it",
    "sit bone pain after hill reps",
    "who should i see for a proper diagnosis",
    "numb around my privates since yesterday",
    "hiya",
]


class TimedStandIn(BotApiStandIn):
    """The stand-in, noting when each update leaves in getUpdates and when each reply arrives."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.handed_out: dict[int, float] = {}  # update_id -> first time it was handed out
        self.replied: dict[int, float] = {}  # chat_id -> first sendMessage received
        self._times = threading.Lock()

    def _m_getUpdates(self, p: dict) -> list[dict]:  # noqa: N802
        result = super()._m_getUpdates(p)
        now = time.perf_counter()
        with self._times:
            for update in result:
                self.handed_out.setdefault(update["update_id"], now)
        return result

    def _m_sendMessage(self, p: dict) -> dict:  # noqa: N802
        now = time.perf_counter()
        with self._times:
            self.replied.setdefault(int(p.get("chat_id", 0)), now)
        return super()._m_sendMessage(p)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark: {what} not done within {timeout:.0f}s")
        time.sleep(0.01)


def latencies(standin: TimedStandIn, pushed: dict[int, int]) -> list[float]:
    """Seconds from hand-out to reply, per pushed update (update_id -> chat_id)."""
    return [standin.replied[chat] - standin.handed_out[uid] for uid, chat in pushed.items()]


def describe(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (f"{name}: n={len(ms)}  p50={percentile(ms, 50):.1f} ms  p99={percentile(ms, 99):.1f} ms  "
            f"mean={statistics.fmean(ms):.1f} ms  max={max(ms):.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="burst size (distinct users)")
    parser.add_argument("--sequential", type=int, default=100, help="messages sent one at a time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="painbot-bench-") as tmp:
        with TimedStandIn(TOKEN) as standin, running_bot(
            standin, Path(tmp), log_level="WARNING", content=ROOT,
            extra_env={"PAINBOT_POLL_TIMEOUT": "10"}, stop_timeout=30,
        ) as bot:
            # Sequential: an idle bot, one update in flight at a time.
            seq: dict[int, int] = {}
            for n in range(args.sequential):
                chat = 10_000_000 + n
                seq[standin.private_message(QUESTIONS[n % len(QUESTIONS)], user_id=chat)] = chat
                wait(lambda chat=chat: chat in standin.replied, 10, f"sequential reply {n}")
                time.sleep(0.04)  # stay under the limiter's 30/s, or its waits show up here too

            # Burst: N users at once.
            burst: dict[int, int] = {}
            t0 = time.perf_counter()
            for n in range(args.messages):
                chat = 20_000_000 + n
                burst[standin.private_message(QUESTIONS[n % len(QUESTIONS)], user_id=chat)] = chat
            wait(lambda: all(c in standin.replied for c in burst.values()), args.messages / 10 + 30, "burst")
            elapsed = max(standin.replied[c] for c in burst.values()) - t0
        # after SIGTERM, so shutdown problems count too
        errors = [line for level, _, line in bot.log_records() if level in ("ERROR", "CRITICAL")]

    print(f"painbot run, shipped content, log level WARNING, stand-in on 127.0.0.1 (pid {bot.pid})")
    print(describe("sequential, per update (hand-out -> sendMessage received)", latencies(standin, seq)))
    print(f"burst: {args.messages} messages from {args.messages} users answered in {elapsed:.2f} s "
          f"= {args.messages / elapsed:.1f} messages/s (AIORateLimiter's overall limit: 30/s)")
    print(describe("burst, per update (hand-out -> sendMessage received, incl. queueing)",
                   latencies(standin, burst)))
    print(f"errors logged (ERROR/CRITICAL, start to exit): {len(errors)}; bot exit code: {bot.exit_code}")
    for line in errors:
        print("  " + line)
    return 0 if not errors and bot.exit_code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
