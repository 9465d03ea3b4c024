"""Every object the stand-in emits matches the Bot API 10.1 spec: required fields present with
the right types, no unknown fields. The test makes its own broad traffic through
python-telegram-bot, then walks everything recorded during the session."""

from __future__ import annotations

import io
import json
import os
import re
import struct
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from telegram import (
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Poll,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, TypeHandler

from bot.sandbox import SandboxServer, recorder

SPEC = Path(
    os.environ.get(
        "QUIZBOT_BOT_API_SPEC",
        Path(__file__).resolve().parents[2] / "shared" / "telegram" / "bot-api-10.1.json",
    )
)
SCALARS = {
    "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "Float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
}


@cache
def spec_types() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"Bot API spec not found at {SPEC}")
    return json.loads(SPEC.read_text(encoding="utf-8"))["types"]


def problems_in(value: Any, type_expr: str, path: str, seen: set[str]) -> list[str]:
    """What is wrong with `value` as a `type_expr`; the concrete types met go into `seen`."""
    if type_expr.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{path}: expected {type_expr}, got {type(value).__name__}"]
        inner = type_expr.removeprefix("Array of ")
        found = []
        for index, item in enumerate(value):
            found += problems_in(item, inner, f"{path}[{index}]", seen)
        return found
    if type_expr in SCALARS:
        ok = SCALARS[type_expr](value)
        return [] if ok else [f"{path}: expected {type_expr}, got {value!r:.60}"]
    spec = spec_types().get(type_expr)
    if spec is None:
        return [f"{path}: unknown type {type_expr}"]
    if "subtypes" in spec:
        attempts = []
        for subtype in spec["subtypes"]:
            local: set[str] = set()
            found = problems_in(value, subtype, path, local)
            if not found:
                seen |= local
                return []
            attempts.append(found)
        return min(attempts, key=len)
    if not isinstance(value, dict):
        return [f"{path}: expected {type_expr} object, got {value!r:.60}"]
    seen.add(type_expr)
    fields = {field["name"]: field for field in spec.get("fields", [])}
    found = [f"{path}.{key}: unknown field of {type_expr}" for key in value if key not in fields]
    for name, field in fields.items():
        if name not in value:
            if field["required"]:
                found.append(f"{path}.{name}: required field of {type_expr} missing")
            continue
        options = [problems_in(value[name], t, f"{path}.{name}", seen) for t in field["types"]]
        if all(options):
            found += min(options, key=len)
        fixed = constant(field)
        if fixed is not None and value[name] != fixed:
            found.append(f"{path}.{name}: {type_expr} needs {fixed!r}, got {value[name]!r}")
    return found


def constant(field: dict[str, Any]) -> str | None:
    """The value a discriminating field must have ('always "left"', 'must be commands')."""
    description = " ".join(field.get("description") or [])
    if isinstance(field.get("description"), str):
        description = field["description"]
    match = re.search(r'(?:always|must be) [“"]?([a-z_]+)[”"]?$', description)
    return match.group(1) if match else None


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_the_walker_catches_missing_and_unknown_fields() -> None:
    poll = {
        "id": "1",
        "question": "Q",
        "options": [{"text": "a", "voter_count": 0}],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "members_only": False,
        "correct_option_id": 0,
    }
    assert sorted(problems_in(poll, "Poll", "poll", set())) == [
        "poll.allows_revoting: required field of Poll missing",
        "poll.correct_option_id: unknown field of Poll",
        "poll.options[0].persistent_id: required field of PollOption missing",
    ]


async def make_traffic(server: SandboxServer) -> list[Exception]:
    """Exercise every method and update kind the stand-in offers, through the real client."""
    sim = server.sim
    errors: list[Exception] = []
    updates: list[Update] = []

    async def collect(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Keep every update."""
        updates.append(update)

    app = (
        ApplicationBuilder()
        .token(server.token)
        .base_url(server.base_url)
        .base_file_url(server.base_file_url)
        .build()
    )
    app.add_handler(TypeHandler(Update, collect))
    bot = app.bot
    tea = sim.create_user("Tea", last_name="Cher", username="teacher", is_premium=True)
    ann = sim.create_user("Ann", started=True)
    bob = sim.create_user("Bob", language_code=None)
    async with app:
        await app.start()
        await app.updater.start_polling(
            timeout=1, allowed_updates=Update.ALL_TYPES, error_callback=errors.append
        )
        try:
            group = sim.create_group(
                "Class", owner=tea["id"], members=[ann["id"], bob["id"]], bot_admin=True
            )
            small = sim.create_group(
                "Small", owner=tea["id"], supergroup=False, members=[bob["id"]]
            )
            channel = sim.create_channel("News", owner=tea["id"], username="class_news")
            sim.set_member_status(group["id"], bob["id"], "restricted")

            server.inject_fault("429", methods=["getWebhookInfo"], retry_after=1)
            with pytest.raises(RetryAfter):
                await bot.get_webhook_info()
            await bot.get_webhook_info()
            await bot.set_my_commands([("quiz", "Start a quiz")])
            await bot.set_my_commands([("quiz", "Quiz")], scope=BotCommandScopeChat(ann["id"]))
            await bot.get_my_commands()
            await bot.set_chat_menu_button()
            await bot.get_chat_menu_button()
            await bot.send_chat_action(ann["id"], "typing")

            said = sim.send_text(ann["id"], "/start hello @someone #tag https://example.org")
            sim.send_document(ann["id"], b"doc", file_name="a.txt", caption="/check")
            rich = await bot.send_message(
                ann["id"],
                "<b>b</b> <i>i</i> <u>u</u> <s>s</s> <tg-spoiler>p</tg-spoiler> <code>c</code> "
                '<pre><code class="language-py">x</code></pre> <a href="https://e.x">l</a> '
                f'<a href="tg://user?id={ann["id"]}">m</a> <blockquote>q</blockquote> '
                '<blockquote expandable>e</blockquote> <tg-emoji emoji-id="5368324170671202286">'
                "\U0001f44d</tg-emoji>",
                parse_mode="HTML",
                reply_parameters=ReplyParameters(said["message_id"]),
                reply_markup=InlineKeyboardMarkup(
                    [
                        [InlineKeyboardButton("Go", callback_data="go")],
                        [InlineKeyboardButton("Site", url="https://e.x")],
                    ]
                ),
                disable_web_page_preview=True,
            )
            await bot.send_message(
                ann["id"],
                "*md* _v2_ \\. [l](http://e.x)",
                parse_mode="MarkdownV2",
                reply_markup=ReplyKeyboardMarkup([[KeyboardButton("A")]]),
            )
            await bot.edit_message_text(
                "edited", ann["id"], rich.message_id, reply_markup=rich.reply_markup
            )
            sim.tap_button(ann["id"], sim.transcript(ann["id"])[0], "go")
            await bot.edit_message_reply_markup(ann["id"], rich.message_id)
            await bot.send_document(
                ann["id"], io.BytesIO(b"report"), filename="r.csv", caption="c"
            )
            photo = await bot.send_photo(
                ann["id"], png(3, 2), caption="<b>p</b>", parse_mode="HTML"
            )
            await bot.get_file(photo.photo[-1].file_id)
            throwaway = await bot.send_message(ann["id"], "gone soon")
            await bot.delete_message(ann["id"], throwaway.message_id)

            quiz = await bot.send_poll(
                group["id"],
                "Q?",
                ["a", "b", "c"],
                type=Poll.QUIZ,
                correct_option_ids=[2],
                is_anonymous=False,
                explanation="<b>because</b>",
                explanation_parse_mode="HTML",
                open_period=60,
            )
            survey = await bot.send_poll(
                ann["id"], "Which?", ["x", "y"], allows_multiple_answers=True, description="d"
            )
            sim.vote(ann["id"], quiz.poll.id, [2])
            sim.vote(tea["id"], quiz.poll.id, [0])
            sim.vote(ann["id"], survey.poll.id, [0, 1])
            sim.vote(ann["id"], survey.poll.id, [])
            await bot.stop_poll(group["id"], quiz.message_id)
            await bot.send_poll(channel["id"], "Anon?", ["x", "y"])
            await bot.send_message(channel["id"], "to the channel")

            sim.send_command(tea["id"], "/quiz", chat_id=group["id"], mention=True)
            sim.send_command(bob["id"], "/quiz", chat_id=small["id"])
            await bot.forward_message(group["id"], ann["id"], said["message_id"])
            await bot.copy_message(group["id"], ann["id"], survey.message_id)
            posted = await bot.send_message(channel["id"], "news")
            await bot.forward_message(ann["id"], channel["id"], posted.message_id)
            pinned = await bot.send_message(group["id"], "pin me")
            await bot.pin_chat_message(group["id"], pinned.message_id)
            for chat in (ann["id"], group["id"], small["id"], channel["id"]):
                await bot.get_chat(chat)
                await bot.get_chat_member_count(chat)
            for chat in (group["id"], small["id"], channel["id"]):
                await bot.get_chat_administrators(chat)
            for user in (tea, ann, bob):
                await bot.get_chat_member(group["id"], user["id"])
            await bot.get_chat_member(channel["id"], ann["id"])
            await bot.get_chat_member(ann["id"], ann["id"])
            sim.remove_bot(small["id"], by=tea["id"])
            sim.block_bot(ann["id"])
            sim.unblock_bot(ann["id"])
            unblocked = sim.updates[-1]["update_id"]
            await sim.wait_until(lambda: updates and updates[-1].update_id == unblocked, timeout=5)
        finally:
            await app.updater.stop()
            await app.stop()
    return errors


async def test_everything_emitted_matches_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # RetryAfter reads its retry_after
    spec_types()
    async with SandboxServer() as server:
        errors = await make_traffic(server)
    assert errors == []
    seen: set[str] = set()
    problems: list[str] = []
    for index, (type_expr, value) in enumerate(recorder.EMITTED):
        problems += problems_in(value, type_expr, f"#{index}:{type_expr}", seen)
        if type_expr == "Array of Update":
            problems += [
                f"#{index}: update with {len(u) - 1} payloads" for u in value if len(u) != 2
            ]
    assert problems[:20] == []
    expected = {
        "Update",
        "User",
        "Chat",
        "ChatFullInfo",
        "Message",
        "MessageEntity",
        "InlineKeyboardMarkup",
        "InlineKeyboardButton",
        "CallbackQuery",
        "Poll",
        "PollOption",
        "PollAnswer",
        "Document",
        "PhotoSize",
        "File",
        "ChatMemberUpdated",
        "ChatMemberOwner",
        "ChatMemberAdministrator",
        "ChatMemberMember",
        "ChatMemberRestricted",
        "ChatMemberLeft",
        "ChatMemberBanned",
        "BotCommand",
        "MenuButtonCommands",
        "WebhookInfo",
        "AcceptedGiftTypes",
        "ChatPermissions",
        "LinkPreviewOptions",
        "MessageOriginUser",
        "MessageOriginChannel",
        "MessageId",
        "ResponseParameters",
    }
    assert expected - seen == set()
