"""The per-group reply budget: a sliding one-minute window, on a fake clock and through the app."""

from __future__ import annotations

from pathlib import Path

from bot.cooldown import Cooldown, GroupBudget
from testsupport.offline import BASIC_GROUP_ID, GROUP_ID, MEMBER_ID, USER_ID, group_text, offline_bot, private_text

QUESTION = "where does it hurt"  # an exact example of the mini content


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_allows_up_to_the_budget_then_refuses() -> None:
    clock = FakeClock()
    cooldown = Cooldown(3, clock)
    assert [cooldown.allow(GROUP_ID) for _ in range(5)] == [True, True, True, False, False]


def test_window_slides_after_sixty_seconds() -> None:
    clock = FakeClock()
    cooldown = Cooldown(2, clock)
    assert cooldown.allow(GROUP_ID)
    clock.advance(30)
    assert cooldown.allow(GROUP_ID)
    assert not cooldown.allow(GROUP_ID)
    clock.now = 1059.5  # 59.5 s after the first reply: still inside the window
    assert not cooldown.allow(GROUP_ID)
    clock.now = 1060.0  # 60 s after the first: it has left the window, the second has not
    assert cooldown.allow(GROUP_ID)
    assert not cooldown.allow(GROUP_ID)
    clock.now = 1090.0  # 60 s after the second
    assert cooldown.allow(GROUP_ID)
    assert not cooldown.allow(GROUP_ID)


def test_refusals_do_not_use_up_the_budget() -> None:
    clock = FakeClock()
    cooldown = Cooldown(1, clock)
    assert cooldown.allow(GROUP_ID)
    for _ in range(10):
        clock.advance(5)
        assert not cooldown.allow(GROUP_ID)
    clock.advance(10)  # 60 s after the only reply sent
    assert cooldown.allow(GROUP_ID)


def test_chats_are_independent() -> None:
    clock = FakeClock()
    cooldown = Cooldown(1, clock)
    assert cooldown.allow(GROUP_ID)
    assert not cooldown.allow(GROUP_ID)
    assert cooldown.allow(BASIC_GROUP_ID)
    assert not cooldown.allow(BASIC_GROUP_ID)
    clock.advance(60)
    assert cooldown.allow(GROUP_ID) and cooldown.allow(BASIC_GROUP_ID)


def test_a_long_quiet_spell_empties_the_window() -> None:
    clock = FakeClock()
    cooldown = Cooldown(2, clock)
    assert cooldown.allow(GROUP_ID) and cooldown.allow(GROUP_ID)
    clock.advance(3600)
    assert cooldown.allow(GROUP_ID) and cooldown.allow(GROUP_ID)
    assert not cooldown.allow(GROUP_ID)


def test_uses_a_monotonic_clock_by_default() -> None:
    cooldown = Cooldown(1)
    assert cooldown.allow(GROUP_ID)
    assert not cooldown.allow(GROUP_ID)


# ---------------------------------------------------------------------------------------------- in the app


async def test_third_addressed_question_in_a_minute_gets_no_reply(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, group_replies_per_minute=2) as bot:
        for _ in range(3):
            await bot.feed(group_text(f"@painbot {QUESTION}", GROUP_ID, MEMBER_ID))
        assert len(bot.sent()) == 2
        # another group and private chats have their own budget (private: none at all)
        await bot.feed(group_text(f"@painbot {QUESTION}", BASIC_GROUP_ID, MEMBER_ID))
        for _ in range(3):
            await bot.feed(private_text(QUESTION, USER_ID))
        assert [c["chat_id"] for c in bot.sent()[2:]] == [BASIC_GROUP_ID] + [USER_ID] * 3


async def test_group_budget_comes_from_settings(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, group_replies_per_minute=1) as bot:
        assert bot.app.bot_data["services"].cooldown.per_minute == 1
        await bot.feed(group_text(f"@painbot {QUESTION}"), group_text(f"@painbot {QUESTION}"))
        assert len(bot.sent()) == 1


async def test_crisis_emergency_and_pressing_red_flags_are_never_held_back(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, group_replies_per_minute=1) as bot:
        await bot.feed(group_text(f"@painbot {QUESTION}"))  # spends the group's budget
        pressing = ["my groin is numb", "felt a pop in my hamstring", "i want to die", "chest pain on my run"]
        await bot.feed(*(group_text(f"@painbot {text}") for text in pressing))
        assert len(bot.sent()) == 1 + len(pressing)


async def test_a_soon_red_flag_waits_for_the_group_budget(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, group_replies_per_minute=1) as bot:
        await bot.feed(group_text(f"@painbot {QUESTION}"), group_text("@painbot the pain wakes me"))
        assert len(bot.sent()) == 1


# ---------------------------------------------------------------------------------------------- GroupBudget


def test_group_budget_keeps_room_for_urgent_messages() -> None:
    clock = FakeClock()
    budget = GroupBudget(20, 5, 60.0, clock)
    assert sum(budget.take(GROUP_ID) is not None for _ in range(30)) == 15  # ordinary ones stop at 20 - 5
    assert not budget.has_room(GROUP_ID) and budget.has_room(GROUP_ID, urgent=True)
    assert sum(budget.take(GROUP_ID, urgent=True) is not None for _ in range(10)) == 5  # urgent ones use the reserve
    assert not budget.has_room(GROUP_ID, urgent=True)
    assert budget.take(BASIC_GROUP_ID) is not None  # each group has its own budget


def test_group_budget_never_allows_more_than_the_limit_in_any_window() -> None:
    clock = FakeClock()
    budget = GroupBudget(20, 5, 60.0, clock)
    sent = []
    for _second in range(600):  # ten minutes, an urgent and an ordinary attempt every second
        for urgent in (True, False):
            if budget.take(GROUP_ID, urgent) is not None:
                sent.append(clock.now)
        clock.advance(1)
    assert max(sum(1 for t in sent if start <= t < start + 60) for start in sent) == 20


def test_group_budget_says_how_long_until_room() -> None:
    clock = FakeClock()
    budget = GroupBudget(3, 1, 10.0, clock)
    assert budget.wait_time(GROUP_ID) == 0.0
    budget.take(GROUP_ID)
    clock.advance(4)
    budget.take(GROUP_ID)
    assert budget.wait_time(GROUP_ID) == 6.0  # ordinary: until the first leaves the window
    assert budget.wait_time(GROUP_ID, urgent=True) == 0.0
    budget.take(GROUP_ID, urgent=True)
    assert budget.wait_time(GROUP_ID, urgent=True) == 6.0
    clock.advance(6)
    assert budget.take(GROUP_ID, urgent=True) is not None


def test_a_settled_slot_counts_from_when_the_message_arrived() -> None:
    """A send that took 2 s holds its slot until 2 s + the window: Telegram counted it on arrival."""
    clock = FakeClock()
    budget = GroupBudget(2, 0, 10.0, clock)
    slow = budget.take(GROUP_ID)
    assert slow is not None and budget.take(GROUP_ID) is not None
    clock.advance(2)
    budget.settle(GROUP_ID, slow)  # the first send reached Telegram only now
    clock.advance(8.5)  # 10.5 s after the take, 8.5 s after the arrival
    assert budget.take(GROUP_ID) is not None  # the second, never settled, has left
    assert budget.take(GROUP_ID) is None  # the slow one still counts
    assert budget.wait_time(GROUP_ID) == 1.5


def test_settling_a_slot_that_left_the_window_changes_nothing() -> None:
    clock = FakeClock()
    budget = GroupBudget(1, 0, 10.0, clock)
    slot = budget.take(GROUP_ID)
    assert slot is not None
    clock.advance(11)
    assert budget.take(GROUP_ID) is not None  # the old slot left the window (and the deque)
    budget.settle(GROUP_ID, slot)
    assert budget.take(GROUP_ID) is None  # still one in the window, not two
