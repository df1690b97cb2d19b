"""Weekly tips through the real Application: /tips on|off, /tip, the weekly job, restarts, removal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.engine import Engine
from bot.tips import TipsContent
from bot.tips_chat import JOB_PREFIX, STATE
from testsupport.mini import mini_engine
from testsupport.offline import (
    ADMIN_ID,
    BASIC_GROUP_ID,
    CHANNEL_ID,
    GROUP_ID,
    MEMBER_ID,
    OfflineBot,
    channel_post,
    group_text,
    message,
    my_chat_member,
    offline_bot,
    private_text,
    update,
)


def mini_tips() -> TipsContent:
    """The mini content's weekly tips (it has three)."""
    tips = mini_engine().content.tips
    assert tips is not None
    return tips


TIPS = mini_tips()
CONTACT = mini_engine().fill("{contact}")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[OfflineBot]:
    """An initialized app (post_init run) where ADMIN_ID administers GROUP_ID."""
    async with offline_bot(tmp_path) as running:
        running.request.set_status(GROUP_ID, ADMIN_ID, "administrator")
        await running.post_init()
        running.request.clear()
        yield running


def jobs(bot: OfflineBot, chat_id: int = GROUP_ID) -> list[object]:
    """The chat's weekly tip jobs that are still scheduled."""
    assert bot.app.job_queue is not None
    return [j for j in bot.app.job_queue.get_jobs_by_name(JOB_PREFIX + str(chat_id)) if not j.removed]


async def run_job(bot: OfflineBot, chat_id: int = GROUP_ID) -> None:
    """Run the chat's weekly job now, as the JobQueue would on its day."""
    [job] = jobs(bot, chat_id)
    await job.run(bot.app)  # type: ignore[attr-defined]


def texts(bot: OfflineBot) -> list[str]:
    """The text of every message sent so far."""
    return [c["text"] for c in bot.sent()]


async def test_tips_on_by_an_admin_schedules_the_weekly_job(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on friday 07:30", user_id=ADMIN_ID))
    assert texts(bot) == ["Tips on: every Friday at 07:30 (Australia/Sydney)."]
    [job] = jobs(bot)
    trigger = job.job.trigger  # type: ignore[attr-defined]
    assert str(trigger.fields[4]) == "fri" and str(trigger.fields[5]) == "7" and str(trigger.fields[6]) == "30"
    assert str(trigger.timezone) == "Australia/Sydney"
    assert bot.app.chat_data[GROUP_ID][STATE]["day"] == 4


async def test_tips_on_without_a_day_uses_the_contents_default(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID))
    assert texts(bot) == ["Tips on: every Monday at 08:00 (Australia/Sydney)."]
    assert len(jobs(bot)) == 1


async def test_tips_on_by_a_member_is_refused(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=MEMBER_ID))
    assert texts(bot) == ["Admins only."]
    assert jobs(bot) == [] and STATE not in bot.app.chat_data[GROUP_ID]


async def test_tips_with_words_it_cannot_read_shows_the_usage(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on someday 25:00", user_id=ADMIN_ID))
    assert texts(bot) == ["Usage: /tips on [day] [HH:MM] or /tips off."]
    assert jobs(bot) == []


async def test_tips_in_private_says_they_are_for_groups(bot: OfflineBot) -> None:
    await bot.feed(private_text("/tips on"))
    assert texts(bot) == ["Tips are for groups."]


async def test_tips_off_cancels_the_job(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID), group_text("/tips off", user_id=ADMIN_ID))
    assert texts(bot)[-1] == "Tips off."
    assert jobs(bot) == [] and STATE not in bot.app.chat_data[GROUP_ID]
    await bot.feed(group_text("/tips off", user_id=ADMIN_ID))
    assert texts(bot)[-1] == "Tips already off."


async def test_the_job_posts_the_next_tip_once_a_week_in_order(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID))
    bot.request.clear()
    await run_job(bot)
    await run_job(bot)  # the same week again: nothing more
    assert texts(bot) == [f"First tip. {CONTACT}"]
    bot.app.chat_data[GROUP_ID][STATE]["last_week"] = "2000-W01"  # as if a week had passed
    await run_job(bot)
    assert texts(bot)[-1] == f"Second tip. {CONTACT}"


async def test_tips_rotate_through_all_before_repeating(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID))
    bot.request.clear()
    for _ in range(len(TIPS.tips) + 1):
        bot.app.chat_data[GROUP_ID][STATE]["last_week"] = None
        await run_job(bot)
    assert texts(bot) == [f"{word} tip. {CONTACT}" for word in ("First", "Second", "Third", "First")]


async def test_the_schedule_and_the_sent_week_survive_a_restart(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as first:
        first.request.set_status(GROUP_ID, ADMIN_ID, "administrator")
        await first.feed(group_text("/tips on sunday 18:00", user_id=ADMIN_ID))
        await run_job(first)
        assert texts(first)[-1] == f"First tip. {CONTACT}"
    async with offline_bot(tmp_path) as second:
        await second.post_init()
        [job] = jobs(second)
        assert str(job.job.trigger.fields[4]) == "sun"  # type: ignore[attr-defined]
        second.request.clear()
        await run_job(second)
        assert second.sent() == []  # this week's tip went out before the restart
        second.app.chat_data[GROUP_ID][STATE]["last_week"] = "2000-W01"
        await run_job(second)
        assert texts(second) == [f"Second tip. {CONTACT}"]


async def test_removal_from_the_group_stops_the_tips(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID))
    await bot.feed(my_chat_member(GROUP_ID, old="member", new="kicked"))
    assert jobs(bot) == [] and STATE not in bot.app.chat_data[GROUP_ID]


async def test_losing_the_right_to_post_stops_the_tips_quietly(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID))
    bot.request.clear()
    bot.request.fail("sendMessage", 400, "Bad Request: not enough rights to send text messages to the chat")
    await run_job(bot)
    assert jobs(bot) == [] and STATE not in bot.app.chat_data[GROUP_ID]
    assert bot.request.methods() == ["sendMessage"]  # one attempt, no error message anywhere


async def test_a_tip_counts_against_the_groups_budget(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID))
    cooldown = bot.app.bot_data["services"].cooldown
    while cooldown.allow(GROUP_ID):
        pass  # the group has used its replies for this minute
    bot.request.clear()
    await run_job(bot)
    assert bot.sent() == []
    assert bot.app.job_queue is not None
    assert bot.app.job_queue.get_jobs_by_name(f"{JOB_PREFIX}{GROUP_ID}:retry")  # tried again in a minute
    assert bot.app.chat_data[GROUP_ID][STATE]["last_week"] is None


async def test_tips_in_a_channel_are_kept_across_a_restart(tmp_path: Path) -> None:
    async with offline_bot(tmp_path) as first:
        await first.feed(channel_post("/tips on tuesday 06:00"))
        assert texts(first) == ["Tips on: every Tuesday at 06:00 (Australia/Sydney)."]
        assert int(first.sent()[0]["chat_id"]) == CHANNEL_ID
    async with offline_bot(tmp_path) as second:
        await second.post_init()
        assert len(jobs(second, CHANNEL_ID)) == 1


async def test_a_channel_demoting_the_bot_stops_the_tips(bot: OfflineBot) -> None:
    await bot.feed(channel_post("/tips on"))
    channel = {"id": CHANNEL_ID, "type": "channel", "title": "News"}
    await bot.feed(my_chat_member(CHANNEL_ID, old="administrator", new="left", chat_data=channel))
    assert jobs(bot, CHANNEL_ID) == []


async def test_tip_shows_one_now(bot: OfflineBot) -> None:
    await bot.feed(private_text("/tip"))
    [sent] = bot.sent()
    assert sent["text"] in {bot.app.bot_data["services"].engine.fill(t.text) for t in TIPS.tips}


async def test_tips_follow_a_group_upgraded_to_a_supergroup(bot: OfflineBot) -> None:
    bot.request.set_status(BASIC_GROUP_ID, ADMIN_ID, "administrator")
    await bot.feed(group_text("/tips on wednesday 12:00", chat_id=BASIC_GROUP_ID, user_id=ADMIN_ID))
    new_id = -1005555
    await bot.feed(update(message=message(None, BASIC_GROUP_ID, ADMIN_ID, migrate_to_chat_id=new_id)))
    assert jobs(bot, BASIC_GROUP_ID) == []
    [job] = jobs(bot, new_id)
    assert str(job.job.trigger.fields[4]) == "wed"  # type: ignore[attr-defined]


async def test_tip_in_a_group_counts_against_its_budget(bot: OfflineBot) -> None:
    cooldown = bot.app.bot_data["services"].cooldown
    while cooldown.allow(GROUP_ID):
        pass
    await bot.feed(group_text("/tip"))
    assert bot.sent() == []


async def test_tips_status_says_when_they_are_on(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips", user_id=ADMIN_ID))
    assert texts(bot) == ["Tips are off."]
    await bot.feed(group_text("/tips on thu 09:15", user_id=ADMIN_ID), group_text("/tips", user_id=ADMIN_ID))
    assert texts(bot)[-1] == "Tips on: every Thursday at 09:15 (Australia/Sydney)."


async def test_a_tip_waits_when_the_groups_send_budget_is_spent(bot: OfflineBot) -> None:
    await bot.feed(group_text("/tips on", user_id=ADMIN_ID))
    budget = bot.app.bot_data["services"].budget
    while budget.take(GROUP_ID) is not None:
        pass  # other messages used the group's budget
    bot.request.clear()
    await run_job(bot)
    assert bot.sent() == [] and bot.app.chat_data[GROUP_ID][STATE]["last_week"] is None
    assert bot.app.job_queue is not None and bot.app.job_queue.get_jobs_by_name(f"{JOB_PREFIX}{GROUP_ID}:retry")


async def test_content_without_tips_says_so_to_tip_and_tips(tmp_path: Path) -> None:
    engine = Engine(replace(mini_engine().content, tips=None))
    async with offline_bot(tmp_path, engine=engine) as running:
        running.request.set_status(GROUP_ID, ADMIN_ID, "administrator")
        await running.post_init()
        running.request.clear()
        await running.feed(private_text("/tip"))
        await running.feed(group_text("/tips on", user_id=ADMIN_ID))
        assert texts(running) == [engine.snippet("no_tips")] * 2
        assert jobs(running) == []
