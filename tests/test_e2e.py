"""End to end: `painbot run` as a real subprocess against the Bot API stand-in on 127.0.0.1.

Each test starts the real console script with a clean environment (see testsupport/process.py),
drives it only through the stand-in (what Telegram would send) and checks what it called and
logged.  Every wait is bounded; every process is stopped in a finally.  The content is the small
deterministic tests/data/mini, so nothing here depends on the shipped content.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
import warnings
from collections import Counter
from pathlib import Path

import pytest

from bot.content import COMMANDS
from bot.engine import Engine
from bot.safety import Alert
from testsupport.mini import MINI, mini_engine
from testsupport.process import (
    TOKEN,
    TOKEN_SECRET,
    BotProcess,
    bot_env,
    fetched_update,
    free_port,
    most_in_any_window,
    running_bot,
    send_times,
    sends_to,
    start_process,
    update_message,
)
from testsupport.standin import BotApiStandIn
from testsupport.waiting import wait_until

pytestmark = pytest.mark.e2e

PRIVATE = 1001
GROUP = -1001234567890
PTB_SHUTDOWN_NOISE = ("Error while calling `get_updates` one more time to mark all fetched updates",)
STARTED = re.compile(r"painbot started as @painbot, mode=(\w+), content loaded \((\d+) intents\)")


@pytest.fixture(scope="module")
def engine() -> Engine:
    """The same content the bot runs on, to compute the replies we expect."""
    return mini_engine()


@pytest.fixture
def standin():
    with BotApiStandIn(TOKEN) as s:
        yield s


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The bot's cwd (no .env there) with its data dir inside."""
    return tmp_path


def assert_clean_run(bot: BotProcess, allow: tuple[str, ...] = ()) -> list[str]:
    """Exit code 0, nothing logged at ERROR or CRITICAL, no traceback (except inside a library's
    own DEBUG records: PTB logs a 403'd webhook request with exc_info at DEBUG).  Records containing
    one of ``allow`` are not failures; they are returned so the test can report them."""
    assert bot.exit_code == 0, bot.describe()
    severe = [line for level, _name, line in bot.log_records() if level in ("ERROR", "CRITICAL")]
    allowed = [line for line in severe if any(a in line for a in allow)]
    bad = [line for line in severe if line not in allowed]
    assert not bad, "\n".join(bad)
    assert not [header for header in bot.tracebacks() if header not in allowed], bot.describe()
    return allowed


def nonblank_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------ 1


def test_private_conversation_with_buttons(standin, workdir, engine):
    with running_bot(standin, workdir) as bot:
        standin.command("/start")
        (welcome,) = standin.wait_for_sent(1, PRIVATE)
        assert welcome["text"] == engine.text("greeting")
        assert welcome["parse_mode"] == "HTML"
        rows = welcome["reply_markup"]["inline_keyboard"]
        data = [button["callback_data"] for row in rows for button in row]
        assert data and all(d.startswith("t:") for d in data)
        assert {d[2:] for d in data} <= engine.intent_ids()
        assert "t:causes" in data

        question = "how long will it take to heal"
        standin.private_message(question)
        answer = standin.wait_for_sent(2, PRIVATE)[1]
        assert answer["parse_mode"] == "HTML"
        assert answer["text"] == engine.reply(question).text
        assert "<b>Recovery time</b>" in answer["text"]
        shown = standin.sent_messages(PRIVATE)[1]  # what the user sees: HTML parsed by "Telegram"
        assert shown["text"].startswith("Recovery time answer.")
        assert {"type": "bold", "offset": 0, "length": len("Recovery time")} in shown["entities"]

        welcome_id = standin.sent_messages(PRIVATE)[0]["message_id"]
        press = standin.callback_query("t:causes", message_id=welcome_id, chat_id=PRIVATE)
        full = standin.wait_for_sent(3, PRIVATE)[2]
        query_id = fetched_update(standin, press)["callback_query"]["id"]
        answered = [(e["params"], e["ok"]) for e in standin.call_log if e["method"] == "answerCallbackQuery"]
        assert answered == [({"callback_query_id": query_id}, True)]
        expected = engine.answer("causes", "private")
        assert full["text"] == expected.text and full["parse_mode"] == "HTML"
        related = [b["callback_data"] for row in full["reply_markup"]["inline_keyboard"] for b in row]
        assert related == ["t:" + b.intent_id for b in expected.buttons]
    assert_clean_run(bot)


# ------------------------------------------------------------------------------------------ 2


def test_group_unaddressed_is_silent_and_mention_is_answered(workdir, engine):
    with BotApiStandIn(TOKEN, privacy_mode=False) as standin, running_bot(standin, workdir) as bot:
        unaddressed = standin.group_message("what causes it", chat_id=GROUP, user_id=2001)
        addressed = standin.group_message("@painbot what causes it", chat_id=GROUP, user_id=2002)
        assert unaddressed and addressed  # privacy mode off: both are delivered
        (reply,) = standin.wait_for_sent(1, GROUP)
        # No wait for a late reply to the chatter: one chat's updates are handled in order, so the
        # chatter, sent first, was handled before the reply above went out.
        assert update_message(standin, unaddressed) is not None, "the bot never fetched the chatter"
        assert len(sends_to(standin, GROUP)) == 1, sends_to(standin, GROUP)
        addressed_id = update_message(standin, addressed)["message_id"]
        assert reply["reply_parameters"]["message_id"] == addressed_id
        (shown,) = standin.sent_messages(GROUP)
        assert shown["reply_to_message"]["message_id"] == addressed_id
        assert reply["parse_mode"] == "HTML"
        assert reply["text"] == engine.reply("@painbot what causes it", "group").text
    assert_clean_run(bot)


# ------------------------------------------------------------------------------------------ 3


def test_a_pictured_answer_uploads_the_picture_once_then_reuses_its_file_id(standin, workdir, engine):
    question = "what is overstriding"
    with running_bot(standin, workdir):
        standin.private_message(question)
        standin.wait_for(lambda _calls: len(standin.photos(PRIVATE)) >= 1, 10.0)
        standin.private_message(question)
        first, second = standin.wait_for(
            lambda _calls: len(standin.photos(PRIVATE)) >= 2 and standin.photos(PRIVATE), 10.0
        )
    assert first["photo"]["content_type"] == "image/png" and first["photo"]["size"] > 1000
    assert second["photo"].startswith("AgACAgStandIn")  # the file id, not a second upload
    assert first["caption"] == second["caption"] == engine.reply(question).text
    assert standin.sent(PRIVATE) == []  # the answer was the caption


def test_start_up_sets_commands_deletes_webhook_and_says_so(standin, workdir, engine):
    with running_bot(standin, workdir) as bot:
        methods = [m for m, _ in standin.calls]
        assert "deleteWebhook" in methods
        assert methods.index("deleteWebhook") < methods.index("getUpdates")
        commands = [c["command"] for c in standin.commands()]
        assert commands == ["start", "help", "topics", "check", "urgent", "privacy", "settings", "tips", "tip"]
        assert commands == list(COMMANDS)
        assert [c["description"] for c in standin.commands()] == [engine.snippet(f"menu_{c}") for c in COMMANDS]
        line = wait_until(lambda: STARTED.search(bot.stderr()), timeout=5, message="start-up log line")
        assert line.group(1) == "polling"
        assert int(line.group(2)) == len(engine.intent_ids())
    assert_clean_run(bot)


# ------------------------------------------------------------------------------------------ 4


def test_sigterm_exits_cleanly_and_quickly(standin, workdir):
    with running_bot(standin, workdir) as bot:
        standin.private_message("what causes it")
        standin.wait_for_sent(1, PRIVATE)
        t0 = time.monotonic()
        code = bot.terminate(timeout=10)
        elapsed = time.monotonic() - t0
    assert code == 0, bot.describe()
    assert elapsed < 5, f"took {elapsed:.1f}s to stop after SIGTERM"
    assert_clean_run(bot)


# ------------------------------------------------------------------------------------------ 5


class SlowSendStandIn(BotApiStandIn):
    """The stand-in with some latency on sendMessage, so a burst takes a while to answer."""

    send_delay = 0.1

    def _m_sendMessage(self, p: dict) -> dict:  # noqa: N802
        time.sleep(self.send_delay)  # deliberate: the API's latency, not a wait
        return super()._m_sendMessage(p)


def test_restart_mid_burst_loses_nothing(workdir):
    """15 questions, SIGTERM once the first answer is out, 5 more while the bot is stopping; a second
    `painbot run` on the same stand-in must leave every one answered and every update confirmed."""
    early, late = list(range(3001, 3016)), list(range(3016, 3021))
    users = early + late
    with SlowSendStandIn(TOKEN) as standin:
        with running_bot(standin, workdir, name="first") as first:
            ids = [standin.private_message("how long will it take to heal", user_id=u) for u in early]
            standin.wait_for(lambda _: any(standin.sent(u) for u in early), timeout=10)
            first.proc.send_signal(signal.SIGTERM)
            ids += [standin.private_message("how long will it take to heal", user_id=u) for u in late]
            first.wait(timeout=15)
        assert first.exit_code == 0, first.describe()
        by_first = {u for u in users if standin.sent(u)}

        with running_bot(standin, workdir, name="second") as second:
            standin.wait_for(lambda _: all(standin.sent(u) for u in users), timeout=20)
            standin.wait_for(lambda _: standin.confirmed_offset > max(ids), timeout=10)
            assert standin.pending_updates() == 0
        assert_clean_run(second)
    # PTB's CRITICAL "Updater stopped unexpectedly" (a long poll returning updates just as the
    # Updater stops: ~1 run in 3 here) is rewritten to one INFO line by bot/app.py, so it passes
    # assert_clean_run. One timing-dependent record PTB may still log is reported as a warning (most
    # runs do not show it; nothing is lost): ERROR + traceback when the final "confirm" getUpdates
    # gets an httpx PoolTimeout while the cancelled long poll still holds its connection (~1 in 40).
    noise = assert_clean_run(first, allow=PTB_SHUTDOWN_NOISE)
    if noise:
        warnings.warn(f"routine SIGTERM logged at ERROR/CRITICAL by PTB: {noise}", stacklevel=1)

    replies = Counter({u: len(standin.sent(u)) for u in users})
    assert all(replies[u] >= 1 for u in users), replies
    duplicates = {u: n for u, n in replies.items() if n > 1}
    if duplicates:
        warnings.warn(
            f"restart mid-burst: duplicate replies {duplicates}; the first process answered "
            f"{len(by_first)} of {len(users)}",
            stacklevel=1,
        )


# ------------------------------------------------------------------------------------------ 6


def _private_update(user_id: int, text: str, message_id: int = 1) -> dict:
    user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
    return {
        "message": {
            "message_id": message_id,
            "from": user,
            "date": int(time.time()),
            "text": text,
            "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
        }
    }


def test_webhook_mode(standin, workdir):
    port, secret = free_port(), "s3cret-value"
    url = f"http://127.0.0.1:{port}/painbot-hook"
    env = {"PAINBOT_WEBHOOK_LISTEN": "127.0.0.1", "PAINBOT_WEBHOOK_PORT": str(port), "PAINBOT_WEBHOOK_SECRET": secret}
    with running_bot(standin, workdir, args=("run", "--webhook", url), extra_env=env, webhook_port=port) as bot:
        hook = standin.webhook
        assert hook is not None and hook["url"] == url and hook["secret_token"] == secret
        assert "getUpdates" not in [m for m, _ in standin.calls]

        standin.private_message("what causes it", user_id=4001)
        (reply,) = standin.wait_for_sent(1, 4001)
        assert "<b>Causes</b>" in reply["text"]
        delivered = [d for d in standin.webhook_deliveries if d["ok"]]
        assert delivered and delivered[0]["status"] == 200 and delivered[0]["url"] == url

        assert standin.post_to_webhook(_private_update(4002, "what causes it"), secret="wrong-secret") == 403
        assert standin.post_to_webhook(_private_update(4003, "what causes it"), secret=None) == 403
        standin.add_chat(4004)
        assert standin.post_to_webhook(_private_update(4004, "what causes it"), secret=secret) == 200
        standin.wait_for_sent(1, 4004)
        standin.private_message("what causes it", user_id=4005)  # barrier: answered after the rest
        standin.wait_for_sent(1, 4005)
        assert sends_to(standin, 4002) == [] and sends_to(standin, 4003) == []
        assert bot.terminate(timeout=10) == 0, bot.describe()
    assert_clean_run(bot)
    assert secret not in bot.output()


# ------------------------------------------------------------------------------------------ 7


def test_token_never_logged_at_debug_with_retries_and_blocked_chat(standin, workdir):
    with running_bot(standin, workdir, log_level="DEBUG") as bot:
        standin.command("/start")
        standin.private_message("how long will it take to heal")
        standin.wait_for_sent(2, PRIVATE)
        standin.fail_next("sendMessage", 429, retry_after=1, chat_id=5001)
        standin.private_message("what causes it", user_id=5001)
        standin.private_message("what causes it", user_id=5002)
        standin.user_blocks_bot(5002)
        standin.wait_for_sent(1, 5001, timeout=15)
        standin.wait_for(lambda calls: any(m == "sendMessage" and p.get("chat_id") == 5002 for m, p in calls))
        wait_until(lambda: "chat unreachable" in bot.stderr(), timeout=10, message="the 403 logged")
    outcomes_5001 = [
        e["ok"] for e in standin.call_log if e["method"] == "sendMessage" and e["params"].get("chat_id") == 5001
    ]
    assert outcomes_5001 == [False, True], "the 429 was not retried by the rate limiter"
    blocked = [e for e in standin.call_log if e["method"] == "sendMessage" and e["params"].get("chat_id") == 5002]
    assert blocked and blocked[-1]["error"]["error_code"] == 403
    out = bot.output()
    assert "sendMessage" in out and "getUpdates" in out  # DEBUG really logged the API traffic
    assert TOKEN not in out
    assert TOKEN_SECRET not in out
    assert_clean_run(bot)


def test_generated_webhook_secret_and_token_never_logged(standin, workdir):
    port = free_port()
    url = f"http://127.0.0.1:{port}/painbot-hook"
    env = {"PAINBOT_WEBHOOK_LISTEN": "127.0.0.1", "PAINBOT_WEBHOOK_PORT": str(port)}
    with running_bot(
        standin, workdir, args=("run", "--webhook", url), extra_env=env, webhook_port=port, log_level="DEBUG"
    ) as bot:
        secret = standin.webhook["secret_token"]
        assert secret and len(secret) >= 32  # random per run when PAINBOT_WEBHOOK_SECRET is empty
        standin.private_message("what causes it", user_id=5101)
        standin.wait_for_sent(1, 5101)
        assert standin.post_to_webhook(_private_update(5102, "hi"), secret="not-it") == 403
    out = bot.output()
    assert "setWebhook" in out
    for needle in (TOKEN, TOKEN_SECRET, secret):
        assert needle not in out
    assert_clean_run(bot)


def test_user_texts_not_logged_at_info(workdir):
    texts = [
        "how long will it take to heal zanzibar",
        "my aubergine question nobody can answer",
        "@painbot what causes it marzipan",
        "chatter about quokkas in the group",
    ]
    with BotApiStandIn(TOKEN, privacy_mode=False) as standin, running_bot(standin, workdir, log_level="INFO") as bot:
        standin.private_message(texts[0], user_id=5201)
        standin.private_message(texts[1], user_id=5202)
        standin.group_message(texts[3], chat_id=GROUP)
        standin.group_message(texts[2], chat_id=GROUP)
        standin.wait_for(lambda _: standin.sent(5201) and standin.sent(5202) and standin.sent(GROUP))
        wait_until(lambda: bot.stderr().count("answered chat=") >= 3, timeout=10, message="three answers logged")
    out = bot.output()
    assert "answered chat=private" in out  # INFO logging works, it just leaves texts out
    for text, word in zip(texts, ("zanzibar", "aubergine", "marzipan", "quokkas"), strict=True):
        assert word in text and word not in out, f"user text logged at INFO: {text!r}"
    assert TOKEN not in out
    assert_clean_run(bot)


# ------------------------------------------------------------------------------------------ 8
# At the default log level (INFO), as a user would first run it.  Each scenario runs once (module
# fixtures); the exit and the clear line, and "that line only, no traceback", are separate tests.

WRONG_TOKEN = "7712345678:AAWrongWrongWrongWrongWrongWrongWro"


def _run_to_exit(
    standin: BotApiStandIn | None, workdir: Path, extra: dict, timeout: float = 15.0
) -> tuple[BotProcess, float]:
    env = bot_env(standin, workdir / "data", extra={"PAINBOT_LOG_LEVEL": None, **extra})
    bot = start_process(["run"], env, workdir)
    t0 = time.monotonic()
    try:
        bot.wait(timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"painbot did not exit within {timeout}s\n{bot.describe()}")
    finally:
        bot.kill()
    return bot, time.monotonic() - t0


@pytest.fixture(scope="module")
def wrong_token_run(tmp_path_factory):
    with BotApiStandIn(TOKEN) as standin:
        bot, elapsed = _run_to_exit(
            standin, tmp_path_factory.mktemp("wrong-token"), {"TELEGRAM_BOT_TOKEN": WRONG_TOKEN}
        )
    return bot, elapsed, standin.request_log


@pytest.fixture(scope="module")
def unreachable_run(tmp_path_factory):
    closed = f"http://127.0.0.1:{free_port()}/bot"
    bot, elapsed = _run_to_exit(
        None, tmp_path_factory.mktemp("unreachable"), {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BASE_URL": closed}
    )
    return bot, elapsed, closed


def _painbot_lines(bot: BotProcess) -> list[str]:
    return [line for line in nonblank_lines(bot.stderr()) if line.startswith("painbot:")]


def test_wrong_token_exits_nonzero_with_a_clear_line(wrong_token_run):
    bot, elapsed, requests = wrong_token_run
    assert requests and all(path.endswith("/getMe") for path in requests)  # refused (401) at once
    assert bot.exit_code not in (0, None), bot.describe()
    assert elapsed < 8
    (line,) = _painbot_lines(bot)
    assert "TELEGRAM_BOT_TOKEN" in line and "token" in line
    assert WRONG_TOKEN not in bot.output() and WRONG_TOKEN.split(":")[1] not in bot.output()


def test_wrong_token_is_only_that_line_and_no_traceback(wrong_token_run):
    bot, _, _ = wrong_token_run
    err = bot.stderr()
    assert "Traceback" not in err, err
    assert len(nonblank_lines(err)) == 1, err


def test_unreachable_api_exits_nonzero_with_a_clear_line(unreachable_run):
    bot, elapsed, closed = unreachable_run
    assert bot.exit_code not in (0, None), bot.describe()
    assert elapsed < 8
    (line,) = _painbot_lines(bot)
    assert "cannot reach" in line and closed in line
    assert TOKEN not in bot.output() and TOKEN_SECRET not in bot.output()


def test_unreachable_api_is_only_that_line_and_no_traceback(unreachable_run):
    bot, _, _ = unreachable_run
    err = bot.stderr()
    assert "Traceback" not in err, err
    assert len(nonblank_lines(err)) == 1, err


# ------------------------------------------------------------------------------------------ 9


def test_no_token_at_a_terminal_opens_the_terminal_chat(workdir, engine):
    env = bot_env(None, workdir / "data", extra={"PAINBOT_LOG_LEVEL": None})
    typist, terminal = pty.openpty()
    bot = start_process(["run"], env, workdir, stdin=terminal)
    os.close(terminal)
    try:
        os.write(typist, b"how long will it take to heal\n\x04")  # a question, then Ctrl-D
        bot.exit_code = bot.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"terminal chat did not end on Ctrl-D\n{bot.describe()}")
    finally:
        bot.kill()
        os.close(typist)
    assert bot.exit_code == 0, bot.describe()
    out = bot.stdout()
    assert "No TELEGRAM_BOT_TOKEN is set" in out and "terminal" in out
    assert out.index("terminal") < out.index("Recovery time answer.")
    assert "Traceback" not in bot.stderr()


@pytest.mark.parametrize("args", [["run"], ["run", "--webhook", "https://bot.example.org/painbot"]])
def test_no_token_as_a_service_fails_in_one_line(workdir, args):
    """Under systemd or in a container (no terminal) a missing token must not look like success."""
    env = bot_env(None, workdir / "data", extra={"PAINBOT_LOG_LEVEL": None})
    bot = start_process(args, env, workdir, stdin=subprocess.PIPE)
    try:
        bot.proc.communicate(input=b"how long will it take to heal\n", timeout=15)
        bot.exit_code = bot.proc.returncode
    finally:
        bot.kill()
    assert bot.exit_code == 1, bot.describe()
    assert bot.stdout() == ""
    [line] = nonblank_lines(bot.stderr())
    assert "TELEGRAM_BOT_TOKEN" in line and ".env" in line


# ------------------------------------------------------------------------------------------ extra


def test_group_auto_mode_and_intro_survive_a_restart(workdir, engine):
    """An admin turns auto mode on; after SIGTERM and a new `painbot run` the group's setting is
    still there (persistence flushed on shutdown) and the bot does not introduce itself again."""
    group, admin = -1009876543210, 1002
    question = "how long will it take to heal"
    with BotApiStandIn(TOKEN, privacy_mode=False) as standin:
        with running_bot(standin, workdir, name="first") as first:
            standin.bot_added_to_group(group, by_user_id=admin)
            (intro,) = standin.wait_for_sent(1, group)
            assert intro["text"] == engine.text("group_intro")
            standin.set_member_status(group, admin, "administrator")
            standin.command("/settings", chat_id=group, chat_type="supergroup", user_id=admin)
            settings_id = standin.wait_for(
                lambda _: len(standin.sent_messages(group)) >= 2 and standin.sent_messages(group)[1]["message_id"]
            )
            standin.callback_query("auto:on", settings_id, group, user_id=admin)
            standin.wait_for(lambda _: standin.edits(group))
            assert "on" in standin.message(group, settings_id)["text"]
        assert_clean_run(first)

        with running_bot(standin, workdir, name="second") as second:
            standin.bot_added_to_group(group, by_user_id=admin)  # removed and re-added meanwhile
            chatter = standin.group_message("see you all at parkrun saturday", chat_id=group)
            asked = standin.group_message(question, chat_id=group)
            reply = standin.wait_for_sent(3, group)[2]  # after the chatter: one chat, in order
            assert update_message(standin, chatter) is not None
            assert len(standin.sent(group)) == 3, [p["text"] for p in standin.sent(group)]  # no 2nd intro
            assert reply["text"] == engine.reply(question, "group").text
            assert reply["reply_parameters"]["message_id"] == update_message(standin, asked)["message_id"]
        assert_clean_run(second)


# ------------------------------------------------------------------------------- self-check, reload


def test_self_check_red_flag_ends_with_the_urgent_answer(standin, workdir, engine):
    with running_bot(standin, workdir) as bot:
        standin.command("/check")
        (question,) = standin.wait_for_sent(1, PRIVATE)
        data = [b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
        assert "sc:yes" in data and "sc:cancel" in data
        asked = standin.sent_messages(PRIVATE)[0]["message_id"]
        standin.callback_query("sc:yes", message_id=asked, chat_id=PRIVATE)
        urgent = standin.wait_for_sent(2, PRIVATE)[1]
        assert urgent["text"] == engine.urgent(Alert("red_flags", "now", "selfcheck")).text
        assert "reply_markup" not in urgent
    assert_clean_run(bot)


def test_sighup_reloads_the_content(standin, workdir, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(MINI, content)
    with running_bot(standin, workdir, content=content, log_level="INFO") as bot:
        causes = content / "intents" / "causes.yaml"
        causes.write_text(causes.read_text() + "  - did the sauna bring this on\n")
        bot.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: "content reloaded" in bot.stderr(), timeout=10)
        standin.private_message("did the sauna bring this on")
        (answer,) = standin.wait_for_sent(1, PRIVATE)
        assert answer["text"] == Engine.load(content).text("causes")
    assert_clean_run(bot)


# ------------------------------------------------------------------------------ reliability (issue 10)
# Telegram's per-group window is 60 s; these tests shrink it (PAINBOT_GROUP_WINDOW) and the flood's
# pace with it, so the 20-per-window rule is checked at full strength in seconds, not minutes.

WINDOW = 6.0  # seconds: a 10x faster minute
FAST_GROUPS = {"PAINBOT_GROUP_WINDOW": str(WINDOW), "PAINBOT_LOG_LEVEL": "INFO"}
FLOOD = ("@painbot where does it hurt", "@painbot my groin is numb", "/help@painbot", "button")


def _flood(standin: BotApiStandIn, count: int, pace: float, group: int = GROUP) -> list[int]:
    """Push `count` addressed group updates (questions, red flags, commands, button presses) at `pace` s."""
    ids = []
    for i in range(count):
        kind = FLOOD[i % len(FLOOD)]
        if kind == "button":
            ids.append(standin.callback_query("t:symptoms", message_id=1, chat_id=group, user_id=2000 + i))
        elif kind.startswith("/"):
            ids.append(standin.command(kind, chat_id=group, chat_type="supergroup", user_id=2000 + i))
        else:
            ids.append(standin.group_message(kind, chat_id=group, user_id=2000 + i))
        time.sleep(pace)  # deliberate: the flood's pace is the scenario
    return ids


def test_group_flood_stays_in_budget_and_a_private_chat_is_answered_meanwhile(standin, workdir, engine):
    """60 addressed group updates at one per (window/60) s: at most 20 bot messages in any window,
    every red flag answered, and a private question in the middle answered within 2 s."""
    urgent_text = engine.render(engine.decide("my groin is numb", "group"), "group").text
    with running_bot(standin, workdir, extra_env=FAST_GROUPS, log_level="INFO") as bot:
        standin.add_chat(GROUP)
        _flood(standin, 30, WINDOW / 60)
        asked = time.time()
        standin.private_message("where does it hurt", user_id=PRIVATE)
        _flood(standin, 30, WINDOW / 60)
        standin.wait_for(lambda _: sum(m["text"] == urgent_text for m in standin.sent(GROUP)) >= 15, timeout=4 * WINDOW)
    assert_clean_run(bot)
    answered = send_times(standin, PRIVATE)
    assert answered and answered[0] - asked < 2.0, f"private answer took {answered[0] - asked:.2f}s"
    most = most_in_any_window(send_times(standin, GROUP), WINDOW)
    assert most <= 20, f"{most} messages in one {WINDOW:g}s window"
    alerts = [e for e in standin.call_log if e["method"] == "answerCallbackQuery" and e["params"].get("show_alert")]
    assert alerts, "with the budget spent, 'More on this' should answer as an alert"


def test_an_outage_mid_burst_loses_no_reply(standin, workdir):
    """The API drops every connection for 3 s while 30 users ask: every one is answered once it is back,
    and the outage is a few warning lines, not a traceback per failure."""
    users = list(range(4001, 4031))
    with running_bot(standin, workdir, log_level="INFO") as bot:
        for user in users[:10]:
            standin.private_message("what causes it", user_id=user)
        standin.outage(True)
        for user in users[10:]:
            standin.private_message("what causes it", user_id=user)
        time.sleep(3.0)  # deliberate: the outage's length is the scenario
        standin.outage(False)
        standin.wait_for(lambda _: all(standin.sent(u) for u in users), timeout=30)
    assert_clean_run(bot)
    assert standin.dropped_requests > 0  # the outage really cut requests
    warnings_ = [line for level, _n, line in bot.log_records() if level == "WARNING"]
    assert 1 <= len(warnings_) <= 3, warnings_
    assert not bot.tracebacks()


def test_sigkill_mid_burst_loses_at_most_the_bound_and_a_restart_answers_the_rest(workdir):
    """sendMessage hangs up (an outage) while 40 users ask; SIGKILL; a restart answers everyone not lost,
    and at most PAINBOT_MAX_UNANSWERED updates were confirmed without an answer."""
    bound, users = 10, list(range(5001, 5041))
    with BotApiStandIn(TOKEN) as standin:
        standin.outage(True, methods=("sendMessage",))
        ids = [standin.private_message("what causes it", user_id=u) for u in users]
        with running_bot(standin, workdir, name="killed", log_level="INFO") as first:
            standin.wait_for(lambda _: standin.dropped_requests >= bound, timeout=15)
            time.sleep(0.5)  # deliberate: the window in which a bot breaking the bound would fetch more
            first.kill()
        confirmed = [i for i in ids if i < standin.confirmed_offset]
        assert len(confirmed) <= bound
        standin.outage(False)
        with running_bot(standin, workdir, name="restarted", log_level="INFO") as second:
            standin.wait_for(
                lambda _: standin.confirmed_offset > max(ids) and standin.pending_updates() == 0, timeout=30
            )
            lost = [u for u, i in zip(users, ids, strict=True) if i in confirmed]
            standin.wait_for(lambda _: all(standin.sent(u) for u in users if u not in lost), timeout=30)
        assert_clean_run(second)
    assert len(lost) <= bound


def test_sigterm_during_a_throttled_flood_exits_within_the_deadline(standin, workdir):
    """Red flags pour into a group faster than its budget allows, so urgent replies are waiting;
    SIGTERM must still end the process within PAINBOT_STOP_DEADLINE, with exit code 0."""
    deadline = 4.0
    env = {**FAST_GROUPS, "PAINBOT_STOP_DEADLINE": str(deadline), "PAINBOT_GROUP_WINDOW": "30"}
    with running_bot(standin, workdir, extra_env=env, log_level="INFO", stop_timeout=3 * deadline) as bot:
        ids = [standin.group_message("@painbot my groin is numb", chat_id=GROUP, user_id=2000 + i) for i in range(40)]
        standin.wait_for(lambda _: len(send_times(standin, GROUP)) >= 20, timeout=15)
        # The 21st red flag is in hand and its reply waits for the group's budget.
        standin.wait_for(lambda _: fetched_update(standin, ids[20]) is not None, timeout=15)
        t0 = time.monotonic()
        code = bot.terminate(timeout=3 * deadline)
        elapsed = time.monotonic() - t0
    assert code == 0, bot.describe()
    assert elapsed < deadline, f"took {elapsed:.1f}s to stop; the deadline is {deadline:g}s"
    assert len(send_times(standin, GROUP)) <= 20


def test_admin_command_in_a_group_leaks_nothing(standin, workdir):
    """/unanswered@painbot from an admin in a group: only "ask me in a private chat"; in private, the report."""
    admin, secret_question = 6001, "zebra quokka marmalade"
    env = {"PAINBOT_ADMIN_IDS": str(admin), "PAINBOT_LOG_LEVEL": "INFO"}
    with running_bot(standin, workdir, extra_env=env, log_level="INFO") as bot:
        standin.private_message(secret_question, user_id=7001)
        standin.wait_for_sent(1, 7001)
        for command in ("/unanswered@painbot", "/stats@painbot", "/reload@painbot"):
            standin.command(command, chat_id=GROUP, chat_type="supergroup", user_id=admin)
        standin.wait_for_sent(3, GROUP)
        standin.command("/unanswered", user_id=admin)

        def has_report(_calls: object) -> bool:
            return any(secret_question in m["text"] for m in standin.sent(admin))

        standin.wait_for(has_report, timeout=10)
    # Read after the exit: SIGTERM lets handlers in progress finish, so a late leak would be here.
    assert_clean_run(bot)
    assert [m["text"] for m in standin.sent(GROUP)] == ["Ask me in a private chat."] * 3


def _rss_kb(pid: int) -> int:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _post_big_body(port: int, path: str, size: int, secret: str | None) -> tuple[int | None, int]:
    """POST `size` bytes in chunks until the server answers or hangs up; (status or None, bytes sent)."""
    import socket

    head = (
        f"POST /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n" + (f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n" if secret else "") + "\r\n"
    ).encode()
    sent, chunk = 0, b"x" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        sock.settimeout(0.05)
        status = None
        while sent < size:
            try:
                reply = sock.recv(4096)
                if reply:
                    status = int(reply.split()[1])
                break  # an answer (or a hang-up) before the body was sent
            except TimeoutError:
                pass
            try:
                sock.settimeout(5)
                sock.sendall(chunk)
                sock.settimeout(0.05)
                sent += len(chunk)
            except OSError:
                break
    return status, sent


def _webhook_behind_a_proxy(standin: BotApiStandIn, workdir: Path, port: int, path: str, env: dict[str, str]):
    """`painbot run --webhook https://bot.example/<path>` at INFO, the stand-in delivering its
    updates to 127.0.0.1:<port>/<path> as a reverse proxy would."""
    standin.webhook_target = f"http://127.0.0.1:{port}/{path}"
    return running_bot(
        standin,
        workdir,
        args=("run", "--webhook", f"https://bot.example/{path}"),
        extra_env=env,
        log_level="INFO",
        webhook_port=port,
    )


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_a_50mb_webhook_body_without_the_secret_is_refused_unread(standin, workdir, secret):
    port, path = free_port(), "hook"
    env = {
        "PAINBOT_WEBHOOK_PORT": str(port),
        "PAINBOT_WEBHOOK_SECRET": "s3cret-" + "k" * 20,
        "PAINBOT_LOG_LEVEL": "INFO",
    }
    with _webhook_behind_a_proxy(standin, workdir, port, path, env) as bot:
        before = _rss_kb(bot.pid)
        status, sent = _post_big_body(port, path, 50 * 1024 * 1024, secret)
        after = _rss_kb(bot.pid)
        assert bot.alive()
    assert status in (403, None), status
    assert sent < 10 * 1024 * 1024, f"the server read {sent} bytes before refusing"
    assert after < 100 * 1024, f"{after} kB resident"
    assert after - before < 20 * 1024
    assert_clean_run(bot)


def test_a_malformed_update_with_the_right_secret_is_refused_and_its_text_never_logged(standin, workdir):
    port, path, secret = free_port(), "hook", "s3cret-" + "k" * 20
    env = {"PAINBOT_WEBHOOK_PORT": str(port), "PAINBOT_WEBHOOK_SECRET": secret}
    marker = "zebra quokka marmalade"
    with _webhook_behind_a_proxy(standin, workdir, port, path, env) as bot:
        bad = [json.dumps({"update_id": "x", "message": {"text": marker}}), f'{{"text": "{marker}"']
        statuses = []
        for body in bad:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/{path}",
                data=body.encode(),
                method="POST",
                headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
            )
            try:
                urllib.request.urlopen(request, timeout=5)
                statuses.append(200)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        standin.add_chat(PRIVATE)
        assert standin.post_to_webhook(_private_update(PRIVATE, "what causes it"), secret) == 200
        standin.wait_for_sent(1, PRIVATE)
    assert statuses == [400, 400]
    assert marker not in bot.stderr()
    assert_clean_run(bot)
