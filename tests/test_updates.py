"""Per-chat order, cross-chat concurrency, and the bound on updates fetched but unanswered."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import Update

from bot.updates import ChatOrderedProcessor, InFlight, chat_key
from testsupport.offline import GROUP_ID, USER_ID, group_text, inline_query, offline_bot, private_text

BOT = None  # Update.de_json needs no bot for reading chat ids


def parsed(data: dict) -> Update:
    return Update.de_json(data, BOT)


def test_updates_are_keyed_by_chat_or_by_user_without_a_chat() -> None:
    assert chat_key(parsed(group_text("hi"))) == ("chat", GROUP_ID)
    assert chat_key(parsed(private_text("hi"))) == ("chat", USER_ID)
    assert chat_key(parsed(inline_query("hi"))) == ("user", USER_ID)
    assert chat_key("not an update") is None


async def test_one_chat_in_order_while_a_slow_chat_delays_no_other() -> None:
    processor, done, private_done = ChatOrderedProcessor(), [], asyncio.Event()

    async def handle(name: str, wait_for_private: bool = False) -> None:
        if wait_for_private:  # slow until the private chat is answered; a deadlock if that waited for it
            await asyncio.wait_for(private_done.wait(), 5)
        done.append(name)
        if name == "private":
            private_done.set()

    slow, fast = parsed(group_text("a")), parsed(private_text("b"))
    await asyncio.gather(
        processor.process_update(slow, handle("group-1", wait_for_private=True)),
        processor.process_update(slow, handle("group-2")),  # must wait for group-1
        processor.process_update(fast, handle("private")),  # must not
    )
    assert done == ["private", "group-1", "group-2"]
    assert not processor._locks  # idle chats leave nothing behind


async def test_in_flight_gives_room_only_under_the_bound() -> None:
    in_flight, processor = InFlight(3), None
    assert await in_flight.room() == 3
    in_flight.add(3)
    waiter = asyncio.ensure_future(in_flight.room())
    for _ in range(3):
        await asyncio.sleep(0)  # loop turns, not a timed wait: room enough for a waiter with room to return
    assert not waiter.done()
    processor = ChatOrderedProcessor(in_flight)

    async def nothing() -> None:
        return None

    await processor.process_update(parsed(private_text("x")), nothing())
    assert await asyncio.wait_for(waiter, 1) == 1 and in_flight.count == 2


async def test_get_updates_asks_for_no_more_than_the_bound_leaves(tmp_path: Path) -> None:
    async with offline_bot(tmp_path, max_unanswered=4) as bot:
        in_flight = bot.app.bot_data["stopping"].in_flight
        await bot.app.bot.get_updates(timeout=0)
        in_flight.add(3)
        await bot.app.bot.get_updates(timeout=0)
        limits = [call.get("limit") for call in bot.updates_request.calls_to("getUpdates")]
        assert limits == [4, 1]
