"""Helpers for the bot's end-to-end tests: the real Application against the stand-in."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import build_application
from bot.sandbox import SandboxServer, Simulation
from bot.settings import Settings
from questions import article_from_text, generate_quiz
from storage import Store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "moscow-ankara-airstrike.txt"
JSON = dict[str, Any]


def bot_settings(server: SandboxServer, tmp_path: Path, **options: Any) -> Settings:
    return Settings(
        token=server.token,
        db_path=str(tmp_path / "quizbot.db"),
        api_url=server.url,
        **options,
    )


@contextlib.asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[Application]:
    """The bot as `run_polling` runs it (initialize, post_init, polling, start; then the
    reverse), without taking over the event loop."""
    app = build_application(settings)
    async with app:
        await app.post_init(app)
        await app.updater.start_polling(timeout=1, allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)


def polls(sim: Simulation, chat_id: int) -> list[JSON]:
    return [m for m in sim.transcript(chat_id) if "poll" in m]


async def wait_polls(sim: Simulation, chat_id: int, count: int, timeout: float = 10) -> JSON:  # noqa: ASYNC109
    """The `count`-th poll the bot sent to the chat, once it is there."""
    found = await sim.wait_until(lambda: len(polls(sim, chat_id)) >= count, timeout)
    assert found
    return polls(sim, chat_id)[count - 1]


async def wait_text(
    sim: Simulation,
    chat_id: int,
    predicate: Callable[[str], bool],
    timeout: float = 10,  # noqa: ASYNC109
) -> JSON:
    """The first bot message in the chat (ever) whose text satisfies `predicate`."""
    return await sim.wait_for_message(
        chat_id,
        lambda m: predicate(m.get("text") or m.get("caption") or ""),
        timeout=timeout,
        after=0,
    )


def texts_in(sim: Simulation, chat_id: int) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in sim.transcript(chat_id)]


def button(message: JSON, label_start: str) -> str:
    """The callback data of the message's button whose label starts with `label_start`."""
    for row in message["reply_markup"]["inline_keyboard"]:
        for b in row:
            if b["text"].startswith(label_start):
                return b["callback_data"]
    raise AssertionError(f"no button {label_start!r} in {message['reply_markup']}")


async def make_quiz_from(
    sim: Simulation,
    user_id: int,
    data: bytes,
    file_name: str,
    timeout: float = 60,  # noqa: ASYNC109
) -> JSON:
    """Upload an article; the bot's 'questions ready' message."""
    sim.send_document(user_id, data, file_name=file_name, mime_type="application/octet-stream")
    return await sim.wait_for_message(
        user_id, lambda m: (m.get("text") or "").startswith("✅"), timeout=timeout
    )


def forge_tap(sim: Simulation, user_id: int, message: JSON, data: str) -> str:
    """A callback query with `data` that no button carries (a forged or stale tap), under
    `message`; returns the query id."""
    query_id = f"forged{len(sim.callback_queries)}"
    query = {
        "id": query_id,
        "from": dict(sim.users[user_id]),
        "message": message,
        "chat_instance": "1",
        "data": data,
    }
    sim.callback_queries[query_id] = {"query": query, "answered": False}
    sim.push_update("callback_query", query)
    return query_id


async def callback_answer(sim: Simulation, query_id: str) -> str | None:
    """The text the bot answered a callback query with."""
    found = await sim.wait_until(
        lambda: [a for a in sim.callback_answers if a["callback_query_id"] == query_id]
    )
    return found[0]["text"]


def seed_quiz(db_path: Path, teacher: JSON, n: int = 5, *, publish: bool = True) -> int:
    """A quiz of the seed article, made by the real generator, owned by `teacher` and
    published unless `publish=False`."""
    article = article_from_text(SEED.read_text(encoding="utf-8"), source="seed.txt")
    quiz = generate_quiz(article, n=n)
    with Store(db_path) as store:
        store.upsert_user(teacher["id"], first_name=teacher["first_name"])
        saved = store.save_article(
            teacher["id"], title=quiz.title, text=article.text, source=article.source
        )
        stored = store.save_quiz(
            saved.id, title=quiz.title, questions=[q.to_dict() for q in quiz.questions]
        )
        if publish:
            store.publish_quiz(stored.id)
        return stored.id


def play_link(db_path: Path, quiz_id: int) -> str:
    """What Telegram sends when a student opens the quiz's deep link: `/start q<link code>`."""
    with Store(db_path) as store:
        return f"/start q{store.get_quiz(quiz_id).link_code}"


async def push(sim: Simulation, teacher: JSON, group_title: str, mode: str) -> None:
    """The teacher's /push in private: first quiz, the group, then the mode's button."""
    sim.send_command(teacher["id"], "/push")
    pick_quiz = await wait_text(sim, teacher["id"], lambda t: t == "Which quiz?")
    data = pick_quiz["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    sim.tap_button(teacher["id"], pick_quiz, data)
    pick_group = await wait_text(sim, teacher["id"], lambda t: t == "Which group?")
    sim.tap_button(teacher["id"], pick_group, button(pick_group, group_title))
    pick_mode = await wait_text(sim, teacher["id"], lambda t: "start it now" in t)
    sim.tap_button(teacher["id"], pick_mode, button(pick_mode, mode))


async def first_report(sim: Simulation, teacher: JSON) -> JSON:
    """The teacher's /report for the first run it offers: the message carrying its CSV."""
    sim.send_command(teacher["id"], "/report")
    pick = await wait_text(sim, teacher["id"], lambda t: t == "Which run?")
    sim.tap_button(
        teacher["id"], pick, pick["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    )
    return await sim.wait_for_message(
        teacher["id"], lambda m: "document" in m and m["document"]["file_name"].endswith(".csv")
    )
