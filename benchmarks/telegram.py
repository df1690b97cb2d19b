"""Benchmark `painbot run` end to end against the Bot API stand-in on 127.0.0.1 (run by hand).

Usage: .venv/bin/python benchmarks/telegram.py [--messages 300] [--sequential 100]
                                                [--faults] [--window 60] [--outage 10]

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

With --faults it then measures what issue 10 asks, each on a fresh bot and stand-in:

* group flood: 60 addressed group updates (questions, red flags, commands, "More on this")
  at one per window/60 s while 20 private users ask one question each; the private p50/p99
  (push -> reply) and the most bot messages the group saw in one window (must be <= 20).
  --window 60 is Telegram's real minute (the run takes over a minute); smaller values shrink
  time (the bot's PAINBOT_GROUP_WINDOW and the flood's pace alike).
* outage: 100 users; the API drops every connection for --outage seconds after the first 50;
  messages lost = users never answered within 60 s of the API's return.
* SIGKILL: sendMessage unreachable while 100 users ask; SIGKILL; restart with the API back;
  messages lost = users never answered by the second process.
* SIGTERM during a throttled flood: 40 red flags into one group; seconds from SIGTERM to exit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from operator import contains
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport.process import TOKEN, most_in_any_window, running_bot, send_times  # noqa: E402
from testsupport.standin import BotApiStandIn  # noqa: E402
from testsupport.waiting import wait_until  # noqa: E402

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
    """The stand-in, noting when each update leaves in getUpdates and when each reply arrives
    (a sendMessage, or a sendPhoto for a pictured answer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handed_out: dict[int, float] = {}  # update_id -> first time it was handed out
        self.replied: dict[int, float] = {}  # chat_id -> first reply (sendMessage or sendPhoto) received
        self._times = threading.Lock()

    def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        result = super()._m_getUpdates(p)
        now = time.perf_counter()
        with self._times:
            for update in result:
                self.handed_out.setdefault(update["update_id"], now)
        return result

    def _note_reply(self, p: dict[str, Any]) -> None:
        now = time.perf_counter()
        with self._times:
            self.replied.setdefault(int(p.get("chat_id", 0)), now)

    def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self._note_reply(p)
        return super()._m_sendMessage(p)

    def _m_sendPhoto(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self._note_reply(p)  # a pictured answer is the reply itself
        return super()._m_sendPhoto(p)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def wait(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Wait for a condition; a benchmark that cannot go on stops with one line."""
    try:
        wait_until(predicate, timeout, interval=0.01, message=what)
    except TimeoutError as exc:
        raise SystemExit(f"benchmark: {exc}") from None


def latencies(standin: TimedStandIn, pushed: dict[int, int]) -> list[float]:
    """Seconds from hand-out to reply, per pushed update (update_id -> chat_id)."""
    return [standin.replied[chat] - standin.handed_out[uid] for uid, chat in pushed.items()]


def describe(name: str, values: list[float]) -> str:
    """One line of a latency distribution: n, p50, p99, mean and max in milliseconds."""
    ms = [v * 1000 for v in values]
    return (
        f"{name}: n={len(ms)}  p50={percentile(ms, 50):.1f} ms  p99={percentile(ms, 99):.1f} ms  "
        f"mean={statistics.fmean(ms):.1f} ms  max={max(ms):.1f} ms"
    )


def settle_until(count: Callable[[], int], done: int, quiet: float, limit: float) -> None:
    """Wait until count() reaches done, or stops growing for `quiet` s, or `limit` s pass."""
    deadline, last, changed = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < deadline:
        now = count()
        if now >= done:
            return
        if now != last:
            last, changed = now, time.monotonic()
        elif time.monotonic() - changed > quiet:
            return
        time.sleep(0.05)


def flood(tmp: Path, window: float) -> str:
    """Private latency during a group flood, and the group's busiest window."""
    group, asked = -1009876543210, {}
    env = {"PAINBOT_GROUP_WINDOW": f"{window:g}", "PAINBOT_POLL_TIMEOUT": "10"}
    with (
        TimedStandIn(TOKEN) as standin,
        running_bot(standin, tmp / "flood", log_level="WARNING", content=ROOT, extra_env=env, stop_timeout=30),
    ):
        standin.add_chat(group)
        for i in range(60):
            kind = i % 4
            if kind == 0:
                standin.group_message("@painbot how long till i can run again", chat_id=group, user_id=3000 + i)
            elif kind == 1:
                standin.group_message(
                    "@painbot numb around my privates since yesterday", chat_id=group, user_id=3000 + i
                )
            elif kind == 2:
                standin.command("/help@painbot", chat_id=group, chat_type="supergroup", user_id=3000 + i)
            else:
                standin.callback_query("t:fixes", message_id=1, chat_id=group, user_id=3000 + i)
            if i % 3 == 0:
                chat = 30_000_000 + i
                standin.private_message(QUESTIONS[i % len(QUESTIONS)], user_id=chat)
                asked[chat] = time.perf_counter()
            time.sleep(window / 60)
        settle_until(
            lambda: sum(c in standin.replied for c in asked), done=len(asked), quiet=2 * window, limit=3 * window
        )
        time.sleep(min(window, 10))
        lat = [standin.replied[c] - t for c, t in asked.items() if c in standin.replied]
        busiest = most_in_any_window(send_times(standin, group), window)
    return (
        describe(f"group flood (window {window:g}s): private push -> reply", lat)
        + f"; {len(asked) - len(lat)} of {len(asked)} never answered"
        + f"\n  group: {len(send_times(standin, group))} bot messages, at most {busiest} in one window"
        f" (Telegram allows 20)"
    )


def outage(tmp: Path, seconds: float) -> str:
    """Replies lost when the API drops every connection for a while mid-burst."""
    users = [40_000_000 + n for n in range(100)]
    with (
        TimedStandIn(TOKEN) as standin,
        running_bot(standin, tmp / "outage", log_level="WARNING", content=ROOT, stop_timeout=30) as bot,
    ):
        for chat in users[:50]:
            standin.private_message(QUESTIONS[chat % len(QUESTIONS)], user_id=chat)
        standin.outage(True)
        for chat in users[50:]:
            standin.private_message(QUESTIONS[chat % len(QUESTIONS)], user_id=chat)
        time.sleep(seconds)
        standin.outage(False)
        back = time.perf_counter()
        settle_until(lambda: sum(c in standin.replied for c in users), done=len(users), quiet=30, limit=60)
        lost = sum(c not in standin.replied for c in users)
        caught_up = max(standin.replied.get(c, back) for c in users) - back
    lines = len(bot.stderr().splitlines())
    return (
        f"outage {seconds:g}s mid-burst: {lost} of {len(users)} messages lost; all answered "
        f"{caught_up:.1f}s after the API returned; {lines} log lines"
    )


def sigkill(tmp: Path) -> str:
    """Replies lost when the process is killed while sends are failing, then restarted."""
    users = [50_000_000 + n for n in range(100)]
    with TimedStandIn(TOKEN) as standin:
        standin.outage(True, methods=("sendMessage",))
        for chat in users:
            standin.private_message(QUESTIONS[chat % len(QUESTIONS)], user_id=chat)
        with running_bot(standin, tmp / "kill", log_level="WARNING", content=ROOT, name="killed") as first:
            wait(lambda: standin.dropped_requests >= 5, 30, "sends failing before the kill")
            time.sleep(1)
            first.kill()
        standin.outage(False)
        with running_bot(standin, tmp / "kill", log_level="WARNING", content=ROOT, name="restarted", stop_timeout=30):
            settle_until(lambda: sum(c in standin.replied for c in users), done=len(users), quiet=3, limit=60)
        lost = sum(c not in standin.replied for c in users)
    return f"SIGKILL mid-burst, then restart: {lost} of {len(users)} messages lost"


def sigterm(tmp: Path) -> str:
    """Seconds from SIGTERM to exit while urgent group replies wait for the group's budget."""
    group = -1009876543211
    with (
        TimedStandIn(TOKEN) as standin,
        running_bot(standin, tmp / "term", log_level="WARNING", content=ROOT, stop_timeout=60) as bot,
    ):
        for i in range(40):
            standin.group_message("@painbot numb around my privates since yesterday", chat_id=group, user_id=3000 + i)
        wait(lambda: len(send_times(standin, group)) >= 15, 30, "the group's budget to fill")
        time.sleep(1)
        t0 = time.perf_counter()
        code = bot.terminate(60)
        took = time.perf_counter() - t0
    return f"SIGTERM during a throttled group flood: exit code {code} after {took:.1f}s"


def main() -> int:
    """Run the sequential and burst measurements (and with --faults the fault scenarios); print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300, help="burst size (distinct users)")
    parser.add_argument("--sequential", type=int, default=100, help="messages sent one at a time")
    parser.add_argument("--faults", action="store_true", help="also run the flood and fault scenarios")
    parser.add_argument("--window", type=float, default=60.0, help="group window in seconds (Telegram: 60)")
    parser.add_argument("--outage", type=float, default=10.0, help="outage length in seconds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="painbot-bench-") as tmp:
        with (
            TimedStandIn(TOKEN) as standin,
            running_bot(
                standin,
                Path(tmp),
                log_level="WARNING",
                content=ROOT,
                extra_env={"PAINBOT_POLL_TIMEOUT": "10"},
                stop_timeout=30,
            ) as bot,
        ):
            # Sequential: an idle bot, one update in flight at a time.
            seq: dict[int, int] = {}
            for n in range(args.sequential):
                chat = 10_000_000 + n
                seq[standin.private_message(QUESTIONS[n % len(QUESTIONS)], user_id=chat)] = chat
                wait(partial(contains, standin.replied, chat), 10, f"sequential reply {n}")
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
    print(describe("sequential, per update (hand-out -> reply received)", latencies(standin, seq)))
    print(
        f"burst: {args.messages} messages from {args.messages} users answered in {elapsed:.2f} s "
        f"= {args.messages / elapsed:.1f} messages/s (AIORateLimiter's overall limit: 30/s)"
    )
    print(describe("burst, per update (hand-out -> reply received, incl. queueing)", latencies(standin, burst)))
    print(f"errors logged (ERROR/CRITICAL, start to exit): {len(errors)}; bot exit code: {bot.exit_code}")
    for line in errors:
        print("  " + line)
    if args.faults:
        with tempfile.TemporaryDirectory(prefix="painbot-bench-") as tmp:
            for scenario in (
                lambda: flood(Path(tmp), args.window),
                lambda: outage(Path(tmp), args.outage),
                lambda: sigkill(Path(tmp)),
                lambda: sigterm(Path(tmp)),
            ):
                try:
                    print(scenario(), flush=True)
                except (SystemExit, TimeoutError, AssertionError) as exc:  # report and go on to the next
                    print(f"scenario failed: {str(exc).splitlines()[0]}", flush=True)
    return 0 if not errors and bot.exit_code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
