"""python-telegram-bot 22.8 itself, with its Application and Updater, against the stand-in."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import (
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Poll,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    PollHandler,
    filters,
)

from bot.sandbox import SandboxServer


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer(bot_username="quiz_test_bot") as server:
        yield server


def build_app(server: SandboxServer, **options) -> Application:
    builder = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
    )
    if "rate_limiter" in options:
        builder = builder.rate_limiter(options["rate_limiter"])
    return builder.build()


@contextlib.asynccontextmanager
async def running(app: Application, **polling) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1, allowed_updates=Update.ALL_TYPES, **polling)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the command and its arguments."""
    await update.effective_message.reply_text(
        f"<b>got</b> {update.effective_message.text}", parse_mode="HTML"
    )


async def test_command_round_trip_in_a_private_chat(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    app.add_handler(CommandHandler("start", echo_command))
    async with running(app):
        ann = sandbox.sim.create_user("Ann")
        sandbox.sim.send_text(ann["id"], "/start deep-link")
        reply = await sandbox.sim.wait_for_message(ann["id"], timeout=5)
    assert reply["text"] == "got /start deep-link"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert reply["from"]["username"] == "quiz_test_bot"
    assert reply["chat"] == {"id": ann["id"], "type": "private", "first_name": "Ann"}


async def test_group_commands_arrive_and_chatter_does_not(sandbox: SandboxServer) -> None:
    seen: list[str] = []

    async def note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Remember every message the bot gets."""
        seen.append(update.effective_message.text or "<service>")

    app = build_app(sandbox)
    app.add_handler(MessageHandler(filters.ALL, note), group=1)
    app.add_handler(CommandHandler("quiz", echo_command))
    sim = sandbox.sim
    ann, bob = sim.create_user("Ann"), sim.create_user("Bob")
    group = sim.create_group("Class 7B", owner=ann["id"], members=[bob["id"]])
    async with running(app):
        sim.send_text(bob["id"], "hello everyone", chat_id=group["id"])
        sim.send_command(ann["id"], "/quiz now", chat_id=group["id"])
        first = await sim.wait_for_message(group["id"], timeout=5)
        sim.send_text(bob["id"], "/quiz@quiz_test_bot", chat_id=group["id"])
        second = await sim.wait_for_message(group["id"], timeout=5)
        hidden = sim.send_text(bob["id"], "/quiz@another_bot", chat_id=group["id"])
        sim.send_text(
            bob["id"], "a reply to the bot", chat_id=group["id"], reply_to=second["message_id"]
        )
        await sim.wait_until(lambda: "a reply to the bot" in seen, timeout=5)
    assert first["text"] == "got /quiz now"
    assert second["text"] == "got /quiz@quiz_test_bot"
    assert hidden["delivered"] is False
    assert seen == ["<service>", "/quiz now", "/quiz@quiz_test_bot", "a reply to the bot"]


async def test_quiz_poll_votes_reach_the_poll_answer_handler(sandbox: SandboxServer) -> None:
    answers: list[tuple[int, tuple[int, ...], tuple[str, ...]]] = []
    closed: list[str] = []

    async def send_quiz(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send one quiz question."""
        await context.bot.send_poll(
            update.effective_chat.id,
            "Which city was struck?",
            ["Ankara", "Moscow", "Kyiv"],
            type=Poll.QUIZ,
            correct_option_ids=[1],
            is_anonymous=False,
            explanation="The article says <i>Moscow</i>.",
            explanation_parse_mode="HTML",
            open_period=600,
            shuffle_options=True,
            hide_results_until_closes=True,
            allows_revoting=False,
        )

    async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record who answered what."""
        answer = update.poll_answer
        answers.append((answer.user.id, answer.option_ids, answer.option_persistent_ids))

    async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record closed polls."""
        if update.poll.is_closed:
            closed.append(update.poll.id)

    app = build_app(sandbox)
    app.add_handler(CommandHandler("quiz", send_quiz))
    app.add_handler(PollAnswerHandler(on_answer))
    app.add_handler(PollHandler(on_poll))
    sim = sandbox.sim
    teacher, *pupils = (sim.create_user(n) for n in ("Tea", "Ann", "Bob", "Cat"))
    group = sim.create_group("Class", owner=teacher["id"], members=[p["id"] for p in pupils])
    async with running(app):
        sim.send_command(teacher["id"], "/quiz", chat_id=group["id"])
        message = await sim.wait_for_message(group["id"], lambda m: "poll" in m, timeout=5)
        poll = message["poll"]
        for pupil, choice in zip(pupils, (1, 0, 1), strict=True):
            sim.vote(pupil["id"], poll["id"], [choice])
        await sim.wait_until(lambda: len(answers) == 3, timeout=5)
        sim.expire_poll(poll["id"])
        await sim.wait_until(lambda: closed, timeout=5)
    assert poll["type"] == "quiz"
    assert poll["correct_option_ids"] == [1]
    assert poll["explanation"] == "The article says Moscow."
    assert poll["explanation_entities"] == [{"type": "italic", "offset": 17, "length": 6}]
    assert [o["text"] for o in poll["options"]] == ["Ankara", "Moscow", "Kyiv"]
    assert answers == [
        (pupils[0]["id"], (1,), ("1",)),
        (pupils[1]["id"], (0,), ("0",)),
        (pupils[2]["id"], (1,), ("1",)),
    ]
    assert closed == [poll["id"]]
    final = sim.transcript(group["id"])[-1]["poll"]
    assert [o["voter_count"] for o in final["options"]] == [1, 2, 0]
    assert final["is_closed"] is True


async def test_callback_query_is_answered_once(sandbox: SandboxServer) -> None:
    second_answer: list[TelegramError] = []

    async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Offer two buttons."""
        keyboard = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("Yes", callback_data="q:1:yes")],
                [InlineKeyboardButton("No", callback_data="q:1:no")],
            ]
        )
        await update.effective_message.reply_text("Ready?", reply_markup=keyboard)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer the tap, then edit the message; a second answer must fail."""
        query = update.callback_query
        await query.answer(f"you chose {query.data}")
        await query.edit_message_text(f"Chosen: {query.data}")
        try:
            await query.answer("again")
        except BadRequest as error:
            second_answer.append(error)

    app = build_app(sandbox)
    app.add_handler(CommandHandler("ask", ask))
    app.add_handler(CallbackQueryHandler(on_button))
    sim = sandbox.sim
    ann = sim.create_user("Ann")
    async with running(app):
        sim.send_command(ann["id"], "/ask")
        question = await sim.wait_for_message(ann["id"], timeout=5)
        query_id = sim.tap_button(ann["id"], question, "q:1:no")
        await sim.wait_until(lambda: second_answer, timeout=5)
    assert question["reply_markup"]["inline_keyboard"][1] == [
        {"text": "No", "callback_data": "q:1:no"}
    ]
    assert [(a["callback_query_id"], a["text"]) for a in sim.callback_answers] == [
        (query_id, "you chose q:1:no")
    ]
    assert second_answer[0].message == (
        "Query is too old and response timeout expired or query id is invalid"
    )
    edited = sim.transcript(ann["id"])[-1]
    assert edited["text"] == "Chosen: q:1:no"
    assert "reply_markup" not in edited
    assert "edit_date" in edited


async def test_aio_rate_limiter_retries_a_429(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # AIORateLimiter reads RetryAfter.retry_after
    app = build_app(sandbox, rate_limiter=AIORateLimiter(max_retries=3))
    sim = sandbox.sim
    ann = sim.create_user("Ann", started=True)
    sandbox.inject_fault("429", count=2, methods=["sendMessage"], retry_after=1)
    async with app:
        message = await app.bot.send_message(ann["id"], "after two refusals")
    assert message.text == "after two refusals"
    assert sandbox.calls.count("sendMessage") == 3
    assert [m["text"] for m in sim.transcript(ann["id"])] == ["after two refusals"]


async def test_aio_rate_limiter_rides_out_the_flood_limit(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    sandbox.set_rate_limits(per_chat_burst=2)
    app = build_app(sandbox, rate_limiter=AIORateLimiter(max_retries=2))
    ann = sandbox.sim.create_user("Ann", started=True)
    async with app:
        for n in range(3):
            await app.bot.send_message(ann["id"], f"message {n}")
    assert [m["text"] for m in sandbox.sim.transcript(ann["id"])] == [
        "message 0",
        "message 1",
        "message 2",
    ]
    assert sandbox.calls.count("sendMessage") == 4  # the third was refused once, then retried


async def test_a_second_poller_gets_409(sandbox: SandboxServer) -> None:
    conflicts: list[TelegramError] = []
    app = build_app(sandbox)
    url = f"{sandbox.base_url}{sandbox.token}/getUpdates"
    async with running(app, error_callback=conflicts.append), aiohttp.ClientSession() as http:
        await sandbox.sim.wait_until(lambda: sandbox.polling, timeout=5)
        async with http.get(url, params={"timeout": "5"}) as response:
            status, body = response.status, await response.json()
        await sandbox.sim.wait_until(lambda: conflicts, timeout=5)
    description = (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    assert status == 409
    assert body == {"ok": False, "error_code": 409, "description": description}
    assert isinstance(conflicts[0], Conflict)
    assert conflicts[0].message == description


async def test_a_message_over_4096_characters_is_refused(sandbox: SandboxServer) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)
    app = build_app(sandbox)
    async with app:
        ok = await app.bot.send_message(ann["id"], "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest) as too_long:
            await app.bot.send_message(ann["id"], "x" * 4097)
        with pytest.raises(BadRequest) as empty:
            await app.bot.send_message(ann["id"], "<b> </b>", parse_mode="HTML")
    assert len(ok.text) == 4096
    assert too_long.value.message == "Message is too long"
    assert empty.value.message == "Message text is empty"


async def test_documents_travel_both_ways(sandbox: SandboxServer, tmp_path) -> None:
    received: list[bytes] = []

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Download the document and send it back with a caption."""
        file = await update.message.document.get_file()
        received.append(bytes(await file.download_as_bytearray()))
        await update.message.reply_document(
            received[-1][::-1],
            filename="reversed.txt",
            caption="<i>reversed</i>",
            parse_mode="HTML",
        )

    app = build_app(sandbox)
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    sim = sandbox.sim
    ann = sim.create_user("Ann")
    async with running(app):
        sim.send_document(ann["id"], b"an article", file_name="article.txt")
        reply = await sim.wait_for_message(ann["id"], lambda m: "document" in m, timeout=5)
    assert received == [b"an article"]
    assert reply["document"]["file_name"] == "reversed.txt"
    assert reply["caption"] == "reversed"
    assert reply["caption_entities"] == [{"type": "italic", "offset": 0, "length": 8}]
    assert sim.file_bytes(reply["document"]["file_id"]) == b"elcitra na"


async def test_membership_admins_and_blocking(sandbox: SandboxServer) -> None:
    changes: list[tuple[str, str]] = []

    async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record the bot's membership changes."""
        change = update.my_chat_member
        changes.append((change.old_chat_member.status, change.new_chat_member.status))

    app = build_app(sandbox)
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    sim = sandbox.sim
    tea, ann = sim.create_user("Tea"), sim.create_user("Ann", started=True)
    async with running(app):
        group = sim.create_group("Class", owner=tea["id"], members=[ann["id"]], with_bot=False)
        sim.add_bot(group["id"], by=tea["id"])
        sim.set_admins(group["id"], [ann["id"]])
        owner = await app.bot.get_chat_member(group["id"], tea["id"])
        admins = await app.bot.get_chat_administrators(group["id"])
        count = await app.bot.get_chat_member_count(group["id"])
        chat = await app.bot.get_chat(group["id"])
        sim.remove_bot(group["id"], by=tea["id"])
        sim.block_bot(ann["id"])
        await sim.wait_until(lambda: len(changes) == 3, timeout=5)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(ann["id"], "hi")
        with pytest.raises(Forbidden, match="bot is not a member of the supergroup chat"):
            await app.bot.send_message(group["id"], "hi")
        with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
            await app.bot.send_message(tea["id"], "hi")
        with pytest.raises(BadRequest, match="Chat not found"):
            await app.bot.send_message(-42, "hi")
    assert isinstance(owner, ChatMemberOwner)
    assert {type(a) for a in admins} == {ChatMemberOwner, ChatMemberAdministrator}
    assert sorted(a.user.id for a in admins) == sorted([tea["id"], ann["id"]])
    assert count == 3
    assert chat.title == "Class"
    assert changes == [("left", "member"), ("member", "left"), ("member", "kicked")]


async def test_dropped_connection_and_5xx_surface_as_network_errors(
    sandbox: SandboxServer,
) -> None:
    ann = sandbox.sim.create_user("Ann", started=True)
    app = build_app(sandbox)
    async with app:
        sandbox.inject_fault("drop", methods=["sendMessage"])
        with pytest.raises(TelegramError):
            await app.bot.send_message(ann["id"], "lost")
        sandbox.inject_fault("error", status=502, methods=["sendMessage"])
        with pytest.raises(TelegramError, match="Bad Gateway"):
            await app.bot.send_message(ann["id"], "lost again")
        sandbox.inject_fault("delay", delay=0.2, methods=["sendMessage"])
        message = await app.bot.send_message(ann["id"], "late but fine")
    assert message.text == "late but fine"
    assert [m["text"] for m in sandbox.sim.transcript(ann["id"])] == ["late but fine"]


async def test_commands_menu_round_trip(sandbox: SandboxServer) -> None:
    app = build_app(sandbox)
    async with app:
        await app.bot.set_my_commands([("quiz", "Start a quiz"), ("stop", "Stop it")])
        commands = await app.bot.get_my_commands()
        await app.bot.set_chat_menu_button()
        with pytest.raises(BadRequest) as invalid:
            await app.bot.set_my_commands([("Bad Command", "x")])
    assert invalid.value.message == "Bot_command_invalid"
    assert [(c.command, c.description) for c in commands] == [
        ("quiz", "Start a quiz"),
        ("stop", "Stop it"),
    ]


async def test_open_period_expiry_closes_the_poll(sandbox: SandboxServer) -> None:
    closed = asyncio.Event()

    async def on_poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Notice the poll closing."""
        if update.poll.is_closed:
            closed.set()

    app = build_app(sandbox)
    app.add_handler(PollHandler(on_poll))
    ann = sandbox.sim.create_user("Ann", started=True)
    async with running(app):
        message = await app.bot.send_poll(ann["id"], "Q?", ["a", "b"], open_period=5)
        await asyncio.wait_for(closed.wait(), 8)
    assert message.poll.api_kwargs == {}
    assert sandbox.sim.transcript(ann["id"])[0]["poll"]["is_closed"] is True
