"""The /check conversation, driven through the real Application over an offline Bot API."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ConversationHandler

from bot import handlers
from bot.app import add_handlers
from bot.content import load_content
from bot.cooldown import Cooldown
from bot.engine import Engine
from bot.safety import Alert
from bot.selfcheck import SelfCheck
from bot.selfcheck_chat import SESSION_KEY, build_selfcheck_handler
from bot.yamlsource import ContentInvalid
from testsupport.mini import MINI
from testsupport.offline import (
    GROUP_ID,
    MEMBER_ID,
    TOKEN,
    USER_ID,
    RecordingRequest,
    callback_query,
    group_text,
    private_text,
)
from testsupport.waiting import until

PROJECT = Path(__file__).resolve().parents[1]


class Request(RecordingRequest):
    """The shared offline Bot API, also noting the id of every message the bot sends."""

    def __init__(self) -> None:
        super().__init__()
        self.sent_ids: list[int] = []

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        result = super()._result(name, params)
        if name == "sendMessage":
            self.sent_ids.append(result["message_id"])
        return result


class Recorder:
    """The anonymous log, as a list."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def record(self, text: str | None, **fields: Any) -> None:
        self.rows.append({"text": text, **fields})


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The project's content with the self-check; the mini content if the project's is mid-edit."""
    try:
        return Engine(load_content(PROJECT))
    except ContentInvalid:
        root = tmp_path_factory.mktemp("content") / "content"
        shutil.copytree(MINI, root)
        shutil.copy(PROJECT / "responses" / "_selfcheck.yaml", root / "responses" / "_selfcheck.yaml")
        return Engine(load_content(root))


@pytest.fixture(scope="module")
def flow(engine: Engine) -> SelfCheck:
    check = SelfCheck.for_engine(engine)
    assert check is not None
    return check


class Chat:
    """One person's private chat with the bot, plus what the bot sent."""

    def __init__(self, app: Application, request: Request, recorder: Recorder) -> None:
        self.app, self.request, self.recorder = app, request, recorder

    async def feed(self, data: dict[str, Any]) -> None:
        await self.app.process_update(Update.de_json(data, self.app.bot))

    async def say(self, text: str) -> None:
        await self.feed(private_text(text))

    async def tap(self, choice: str, message_id: int | None = None) -> None:
        """Tap a button of the question on screen (or of another message)."""
        await self.feed(callback_query("sc:" + choice, message_id=message_id or self.question_id))

    @property
    def question_id(self) -> int:
        """The message the check shows its questions in."""
        return self.app.user_data[USER_ID][SESSION_KEY].message_id

    @property
    def running(self) -> bool:
        return SESSION_KEY in self.app.user_data.get(USER_ID, {})

    def last(self, method: str = "sendMessage") -> dict[str, Any]:
        return self.request.calls_to(method)[-1].params

    def toasts(self) -> list[str | None]:
        return [c.get("text") for c in self.request.calls_to("answerCallbackQuery")]


async def make_chat(engine: Engine, timeout: float = 600) -> AsyncIterator[Chat]:
    request, recorder = Request(), Recorder()
    app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(RecordingRequest()).build()
    app.add_handler(build_selfcheck_handler(conversation_timeout=timeout))
    add_handlers(app)  # the bot's own handlers after it, as app.py will have them
    app.bot_data["services"] = handlers.Services(engine, Cooldown(6), recorder)
    async with app:
        await app.start()  # runs the JobQueue, which the conversation timeout needs
        try:
            yield Chat(app, request, recorder)
        finally:
            await app.stop()


@pytest.fixture
async def chat(engine: Engine) -> AsyncIterator[Chat]:
    async for made in make_chat(engine):
        yield made


def keyboard(params: dict[str, Any]) -> list[list[tuple[str, str]]]:
    """The inline keyboard of a call as rows of (label, callback data or url)."""
    markup = params.get("reply_markup")
    if not markup:
        return []
    markup = markup if isinstance(markup, dict) else markup.to_dict()
    return [[(b["text"], b.get("callback_data") or b.get("url")) for b in row] for row in markup["inline_keyboard"]]


async def test_check_asks_the_first_question(chat: Chat, flow: SelfCheck) -> None:
    await chat.say("/check")
    sent = chat.last()
    assert sent["text"] == flow.start().text and sent["parse_mode"] == "HTML"
    assert "Question 1 of 11" in sent["text"]
    assert keyboard(sent) == [[("Yes", "sc:yes"), ("No", "sc:no")], [("Cancel", "sc:cancel")]]
    assert chat.running and chat.question_id == chat.request.sent_ids[-1]


@pytest.mark.parametrize("index", range(6))
async def test_each_red_flag_yes_ends_with_the_urgent_answer(chat: Chat, engine: Engine, index: int) -> None:
    assert engine.content.selfcheck is not None
    tier = engine.content.selfcheck.of_kind("red_flag")[index].tier
    await chat.say("/check")
    question = chat.question_id
    for _ in range(index):
        await chat.tap("no")
    assert "Question" in chat.last("editMessageText")["text"] if index else True
    await chat.tap("yes")
    assert chat.last()["text"] == engine.urgent(Alert("red_flags", tier, "x")).text
    assert keyboard(chat.last()) == []  # urgent stands alone
    assert len(chat.request.calls_to("editMessageText")) == index  # no question after the yes
    assert chat.last("editMessageReplyMarkup")["message_id"] == question  # old buttons taken off
    assert not chat.running
    assert chat.recorder.rows == [
        {
            "text": None,
            "chat_type": "private",
            "intent_id": "selfcheck_urgent",
            "score": 100.0,
            "outcome": "selfcheck",
            "confident": True,
        }
    ]
    await chat.tap("no", message_id=question)  # the conversation is over
    assert chat.toasts()[-1] == "This self-check has ended. Send /check to start again."


async def test_full_run_to_the_summary(chat: Chat, engine: Engine) -> None:
    await chat.say("/check")
    question = chat.question_id
    for choice in ("no", "no", "no", "no", "no", "no", "yes", "unsure", "yes", "yes", "no"):
        await chat.tap(choice)
    edits = chat.request.calls_to("editMessageText")
    assert len(edits) == 10 and {e["message_id"] for e in edits} == {question}  # edited in place
    assert "Question 11 of 11" in edits[-1]["text"]
    assert keyboard(edits[-1].params) == [
        [("Yes", "sc:yes"), ("No", "sc:no"), ("Not sure", "sc:unsure")],
        [("« Back", "sc:back"), ("Cancel", "sc:cancel")],
    ]
    summary = chat.last()
    assert chat.request.sent_ids[-1] != question  # the result is a new message
    assert "You said yes to 2 of the 3 signs the blog describes:" in summary["text"]
    assert "You weren't sure about:" in summary["text"] and "back pain" in summary["text"]
    assert "not a diagnosis" in summary["text"]
    assert engine.snippet("contact") in summary["text"] and "{" not in summary["text"]
    topics = [data for row in keyboard(summary) for _, data in row]
    assert topics == [f"t:{b.intent_id}" for b in engine.topics()]
    assert chat.last("editMessageReplyMarkup")["message_id"] == question
    assert not chat.running
    assert [(r["intent_id"], r["text"], r["outcome"]) for r in chat.recorder.rows] == [
        ("selfcheck_summary", None, "selfcheck")
    ]
    assert len(chat.toasts()) == 11  # every tap answered


async def test_cancel_button(chat: Chat) -> None:
    await chat.say("/check")
    await chat.tap("no")
    await chat.tap("cancel")
    cancelled = chat.last("editMessageText")
    assert cancelled["text"].startswith("Self-check stopped.") and keyboard(cancelled) == []
    assert len(chat.request.sent()) == 1 and not chat.running
    assert [r["intent_id"] for r in chat.recorder.rows] == ["selfcheck_cancelled"]


async def test_cancel_command(chat: Chat) -> None:
    await chat.say("/check")
    question = chat.question_id
    await chat.say("/cancel")
    assert chat.last()["text"].startswith("Self-check stopped.")
    assert chat.last("editMessageReplyMarkup")["message_id"] == question
    assert not chat.running and [r["intent_id"] for r in chat.recorder.rows] == ["selfcheck_cancelled"]


async def test_back(chat: Chat, flow: SelfCheck) -> None:
    await chat.say("/check")
    await chat.tap("back")  # nothing before the first question: no edit
    assert chat.request.calls_to("editMessageText") == []
    await chat.tap("no")
    await chat.tap("back")
    assert chat.last("editMessageText")["text"] == flow.start().text
    for choice in ("no", "no", "no", "no", "no", "no", "yes", "back", "no", "no", "no", "no", "no"):
        await chat.tap(choice)
    assert "You didn't say yes to any of the 3 signs" in chat.last()["text"]


async def test_timeout_sends_a_note(engine: Engine) -> None:
    async for chat in make_chat(engine, timeout=0.5):
        await chat.say("/check")
        question = chat.question_id
        await chat.tap("no")
        note = "The self-check timed out; send /check to start again."

        def noted(c: Chat = chat, note: str = note) -> bool:
            return c.last()["text"] == note and bool(c.request.calls_to("editMessageReplyMarkup"))

        await until(noted, 5)
        assert chat.last()["text"] == note
        assert chat.last("editMessageReplyMarkup")["message_id"] == question
        assert not chat.running and chat.recorder.rows == []
        await chat.say("/check")  # a fresh check starts
        assert "Question 1 of 11" in chat.last()["text"]


async def test_a_second_check_while_one_runs(chat: Chat, flow: SelfCheck) -> None:
    await chat.say("/check")
    first = chat.question_id
    await chat.tap("no")
    await chat.say("/check")
    offer = chat.last()
    assert offer["text"].startswith("You already have a self-check going.")
    assert keyboard(offer) == [[("Start again", "sc:restart"), ("Carry on", "sc:resume")]]
    assert chat.question_id == first  # no second check
    offer_id = chat.request.sent_ids[-1]
    await chat.tap("resume", message_id=offer_id)  # carry on: the offer becomes the current question
    assert chat.last("editMessageText")["message_id"] == offer_id
    assert "Question 2 of 11" in chat.last("editMessageText")["text"]
    assert chat.question_id == offer_id and chat.last("editMessageReplyMarkup")["message_id"] == first
    await chat.tap("no", message_id=first)  # the old message's buttons no longer count
    assert chat.toasts()[-1] == "Please answer the latest question."
    await chat.say("/start check")  # the deep link while running also offers, never restarts silently
    await chat.tap("restart", message_id=chat.request.sent_ids[-1])
    assert chat.last("editMessageText")["text"] == flow.start().text
    assert chat.app.user_data[USER_ID][SESSION_KEY].state.answers == ()


async def test_group_check_opens_a_private_chat(chat: Chat) -> None:
    await chat.feed(group_text("/check"))
    redirect = chat.last()
    assert redirect["chat_id"] == GROUP_ID
    assert redirect["text"].startswith("The self-check asks a few personal questions")
    assert keyboard(redirect) == [[("Open the self-check", "https://t.me/painbot?start=check")]]
    assert MEMBER_ID not in chat.app.user_data or SESSION_KEY not in chat.app.user_data[MEMBER_ID]
    await chat.feed(group_text("/check"))  # no conversation was started in the group
    assert chat.last()["text"].startswith("The self-check asks")


async def test_deep_link_starts_the_check_and_plain_start_still_greets(
    chat: Chat, engine: Engine, flow: SelfCheck
) -> None:
    await chat.say("/start")
    assert chat.last()["text"] == engine.text("greeting") and not chat.running
    await chat.say("/start check")
    assert chat.last()["text"] == flow.start().text and chat.running


async def test_the_conversation_is_not_persisted() -> None:
    handler = build_selfcheck_handler()
    assert isinstance(handler, ConversationHandler)
    assert not handler.persistent and handler.per_chat and handler.per_user and not handler.per_message
    assert handler.conversation_timeout == 600
