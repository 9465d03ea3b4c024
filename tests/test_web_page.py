"""The sandbox chat page in headless Chromium, against the stand-in alone: the test plays the
bot through the Bot API and checks what a person sees and does in the page."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.web import ChatPage

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# The machine's network is closed: without these Chromium floods refused connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    override = os.environ.get("QUIZBOT_CHROMIUM")
    if override:
        return override
    found = [c for c in CHROMIUM_CANDIDATES if Path(c).exists()]
    return found[0] if found else shutil.which("chromium")


def require_browser() -> str:
    """Chromium's path; skips the test, saying what to install, when it cannot run (fails
    instead when QUIZBOT_REQUIRE_BROWSER is set, as in CI)."""
    missing = None
    executable = chromium_path()
    if importlib.util.find_spec("playwright") is None:
        missing = "playwright is not installed: pip install playwright"
    elif executable is None or not Path(executable).exists():
        missing = "chromium is not installed: apt-get install -y chromium"
    if missing and os.environ.get("QUIZBOT_REQUIRE_BROWSER"):
        pytest.fail(missing)
    if missing:
        pytest.skip(missing)
    assert executable is not None
    return executable


@asynccontextmanager
async def chromium(user_data_dir: Path) -> AsyncIterator[Any]:
    """A fresh headless Chromium context driven by Playwright, or a skip saying what to install."""
    executable = require_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(user_data_dir),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 760},
            accept_downloads=True,
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
async def world() -> AsyncIterator[dict[str, Any]]:
    server = SandboxServer(bot_username="quiz_test_bot")
    sim = server.sim
    teacher = sim.create_user("Maria", last_name="Rivera")
    student = sim.create_user("Sam")
    other = sim.create_user("Lena")
    group = sim.create_group(
        "Class 9B", owner=teacher["id"], members=[student["id"], other["id"]], with_bot=True
    )
    people = [
        {"id": teacher["id"], "name": "Maria Rivera", "role": "teacher"},
        {"id": student["id"], "name": "Sam", "role": "student"},
    ]
    ChatPage(server, people=people).install()
    await server.start()
    try:
        async with aiohttp.ClientSession() as session:
            yield {
                "server": server,
                "sim": sim,
                "teacher": teacher,
                "student": student,
                "other": other,
                "group": group,
                "session": session,
            }
    finally:
        await server.stop()


@pytest.fixture
async def browser(world: dict[str, Any], tmp_path: Path) -> AsyncIterator[Any]:
    """Closed before the world's server stops, so no page is left long-polling it."""
    async with chromium(tmp_path / "chromium-profile") as context:
        yield context


async def bot_call(world: dict[str, Any], method: str, **params: Any) -> Any:
    """Act as the bot: a Bot API call to the stand-in."""
    server = world["server"]
    url = f"{server.base_url}{server.token}/{method}"
    body = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
    async with world["session"].post(url, data=body) as response:
        answer = await response.json()
    assert answer["ok"], answer
    return answer["result"]


async def open_page(browser: Any, world: dict[str, Any], person: str, chat: int | None = None):
    page = await browser.new_page()
    query = f"?as={world[person]['id']}" + (f"&chat={chat}" if chat is not None else "")
    await page.goto(world["server"].url + "/" + query)
    return page


async def test_page_says_it_is_a_sandbox_and_lists_the_persons_chats(browser, world) -> None:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{world['server'].url}/?as={world['student']['id']}")
    banner = await page.inner_text("#banner")
    assert "Local sandbox" in banner
    assert "not Telegram" in banner
    await page.wait_for_selector(".chat-item >> nth=1")
    names = await page.locator(".chat-item .chat-name").all_inner_texts()
    assert names == ["Quiz Bot", "Class 9B"]
    options = await page.locator("#persona option").all_inner_texts()
    assert options == ["Maria Rivera (teacher)", "Sam (student)"]
    await page.select_option("#persona", str(world["teacher"]["id"]))
    await page.locator(".chat-item.active .chat-name:text('Quiz Bot')").wait_for()
    assert f"as={world['teacher']['id']}" in page.url
    assert errors == []


async def test_start_and_typed_text_reach_the_stand_in(browser, world) -> None:
    sim, student = world["sim"], world["student"]
    page = await open_page(browser, world, "student")
    await page.click("#start-button")
    await sim.wait_until(lambda: sim.history(student["id"]), timeout=5)
    await page.fill("#composer-text", "hello <b>bot</b>")
    await page.click("#send")
    await sim.wait_until(lambda: len(sim.history(student["id"])) == 2, timeout=5)
    texts = [m["text"] for m in sim.history(student["id"])]
    assert texts == ["/start", "hello <b>bot</b>"]
    outgoing = page.locator(".message.outgoing .body")
    await outgoing.nth(1).wait_for()
    assert await outgoing.all_inner_texts() == ["/start", "hello <b>bot</b>"]
    assert await page.locator(".message.outgoing b").count() == 0


async def test_formatting_is_rendered_and_text_escaped(browser, world) -> None:
    student = world["student"]
    world["sim"].send_text(student["id"], "/start")
    html = (
        '<b>Bold</b> and <i>italic</i>, a <a href="https://example.org/a?b=1">link</a>, '
        '<a href="javascript:alert(1)">bad link</a> and &lt;script&gt;x&lt;/script&gt;\n'
        "<blockquote>Quoted <b>line</b></blockquote>"
    )
    await bot_call(world, "sendMessage", chat_id=student["id"], text=html, parse_mode="HTML")
    page = await open_page(browser, world, "student", chat=student["id"])
    body = page.locator(".message.from-bot .body")
    await body.wait_for()
    assert await body.locator("strong").first.inner_text() == "Bold"
    assert await body.locator("em").inner_text() == "italic"
    links = body.locator("a")
    assert await links.count() == 1
    assert await links.get_attribute("href") == "https://example.org/a?b=1"
    assert await body.locator("blockquote").inner_text() == "Quoted line"
    assert await body.locator("blockquote strong").inner_text() == "line"
    assert "<script>x</script>" in await body.inner_text()
    assert await page.locator("#messages script").count() == 0


async def test_quiz_poll_vote_shows_right_answer_and_explanation(browser, world) -> None:
    sim, student = world["sim"], world["student"]
    sim.send_text(student["id"], "/start")
    sent = await bot_call(
        world,
        "sendPoll",
        chat_id=student["id"],
        question="Which city is the capital of Turkey?",
        options=["Istanbul", "Ankara", "Izmir"],
        type="quiz",
        correct_option_id=1,
        is_anonymous=False,
        explanation="Ankara has been the capital since 1923.",
    )
    page = await open_page(browser, world, "student", chat=student["id"])
    poll = page.locator(f'.poll[data-poll-id="{sent["poll"]["id"]}"]')
    await poll.locator(".poll-option").first.wait_for()
    assert await poll.locator(".poll-option").all_inner_texts() == ["Istanbul", "Ankara", "Izmir"]
    assert await poll.locator(".poll-explanation").count() == 0
    await poll.locator(".poll-option").nth(0).click()
    await poll.locator(".poll-verdict").wait_for()
    assert await poll.locator(".poll-verdict").inner_text() == "✗ Wrong answer"
    assert await poll.locator(".poll-result.wrong .option-text").inner_text() == "Istanbul"
    assert await poll.locator(".poll-result.correct .option-text").inner_text() == "Ankara"
    explanation = await poll.locator(".poll-explanation").inner_text()
    assert "Ankara has been the capital since 1923." in explanation
    assert sim.polls[sent["poll"]["id"]].votes == {student["id"]: [0]}
    answers = [u["poll_answer"] for u in sim.updates if "poll_answer" in u]
    assert answers[-1]["option_ids"] == [0]


async def test_inline_button_tap_reaches_the_bot_and_shows_its_answer(browser, world) -> None:
    sim, student = world["sim"], world["student"]
    sim.send_text(student["id"], "/start")
    markup = {"inline_keyboard": [[{"text": "Play", "callback_data": "play:7"}]]}
    sent = await bot_call(
        world, "sendMessage", chat_id=student["id"], text="Ready?", reply_markup=markup
    )
    page = await open_page(browser, world, "student", chat=student["id"])
    await page.click(".inline-button:text('Play')")
    query = await sim.wait_until(
        lambda: next((u["callback_query"] for u in sim.updates if "callback_query" in u), None)
    )
    assert query["data"] == "play:7"
    assert query["message"]["message_id"] == sent["message_id"]
    await bot_call(world, "answerCallbackQuery", callback_query_id=query["id"], text="Off we go")
    await page.locator("#toast:text('Off we go')").wait_for()


async def test_file_upload_arrives_as_a_document(browser, world, tmp_path: Path) -> None:
    sim, teacher = world["sim"], world["teacher"]
    article = tmp_path / "article.txt"
    article.write_text("A short article about storms.\n", encoding="utf-8")
    page = await open_page(browser, world, "teacher", chat=world["group"]["id"])
    await page.locator("#composer").wait_for()
    await page.set_input_files("#file-input", str(article))
    group_id = world["group"]["id"]
    sent = await sim.wait_until(
        lambda: [m for m in sim.history(group_id) if "document" in m], timeout=5
    )
    document = sent[0]["document"]
    assert document["file_name"] == "article.txt"
    assert sim.file_bytes(document["file_id"]) == article.read_bytes()
    assert sent[0]["from"]["id"] == teacher["id"]
    await page.locator(".message.outgoing .document .name:text('article.txt')").wait_for()


async def test_photo_and_document_from_the_bot(browser, world) -> None:
    group_id = world["group"]["id"]
    png = _tiny_png()
    form = aiohttp.FormData()
    form.add_field("chat_id", str(group_id))
    form.add_field("caption", "Scores")
    form.add_field("photo", png, filename="chart.png", content_type="image/png")
    server = world["server"]
    async with world["session"].post(
        f"{server.base_url}{server.token}/sendPhoto", data=form
    ) as response:
        assert (await response.json())["ok"]
    form = aiohttp.FormData()
    form.add_field("chat_id", str(group_id))
    form.add_field("document", b"name,score\nSam,3\n", filename="report.csv")
    async with world["session"].post(
        f"{server.base_url}{server.token}/sendDocument", data=form
    ) as response:
        assert (await response.json())["ok"]
    page = await open_page(browser, world, "student", chat=group_id)
    image = page.locator(".photo img")
    await image.wait_for()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 1
    link = page.locator(".document a.name")
    assert await link.inner_text() == "report.csv"
    async with page.expect_download() as download_info:
        await link.click()
    download = await download_info.value
    assert download.suggested_filename == "report.csv"
    saved = await download.path()
    assert await asyncio.to_thread(Path(saved).read_bytes) == b"name,score\nSam,3\n"


def _tiny_png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )


async def test_deep_link_to_the_bot_sends_start_with_its_payload(browser, world) -> None:
    sim, student = world["sim"], world["student"]
    group_id = world["group"]["id"]
    text = 'Play <a href="https://t.me/quiz_test_bot?start=q42">this quiz</a>'
    await bot_call(world, "sendMessage", chat_id=group_id, text=text, parse_mode="HTML")
    page = await open_page(browser, world, "student", chat=group_id)
    await page.click("a.deep-link:text('this quiz')")
    sent = await sim.wait_until(lambda: sim.history(student["id"]), timeout=5)
    assert [m["text"] for m in sent] == ["/start q42"]
    await page.locator(".chat-item.active .chat-name:text('Quiz Bot')").wait_for()
    await page.locator(".message.outgoing .body:text('/start q42')").wait_for()


async def test_hidden_results_show_once_the_quiz_closes(browser, world) -> None:
    student, group_id = world["student"], world["group"]["id"]
    sent = await bot_call(
        world,
        "sendPoll",
        chat_id=group_id,
        question="How many soldiers were killed?",
        options=["Two", "Three", "Four"],
        type="quiz",
        correct_option_id=1,
        is_anonymous=False,
        explanation="Three Turkish soldiers were killed.",
        open_period=60,
        hide_results_until_closes=True,
    )
    page = await open_page(browser, world, "student", chat=group_id)
    poll = page.locator(f'.poll[data-poll-id="{sent["poll"]["id"]}"]')
    await poll.locator(".poll-option").nth(2).click()
    footer = poll.locator(".poll-footer:has-text('results when the poll closes')")
    await footer.wait_for()
    assert await poll.locator(".poll-verdict").count() == 0
    assert await poll.locator(".poll-explanation").count() == 0
    assert await poll.locator(".poll-result.chosen .option-text").inner_text() == "Four"
    await bot_call(world, "stopPoll", chat_id=group_id, message_id=sent["message_id"])
    await poll.locator(".poll-footer:has-text('Final results')").wait_for()
    assert await poll.locator(".poll-verdict").inner_text() == "✗ Wrong answer"
    assert await poll.locator(".poll-result.correct .option-text").inner_text() == "Three"
    assert "Three Turkish soldiers" in await poll.locator(".poll-explanation").inner_text()
    assert world["sim"].polls[sent["poll"]["id"]].votes == {student["id"]: [2]}


async def test_force_reply_answers_the_bots_question(browser, world) -> None:
    sim, group_id = world["sim"], world["group"]["id"]
    sent = await bot_call(
        world,
        "sendMessage",
        chat_id=group_id,
        text="When should it start?",
        reply_markup={"force_reply": True},
    )
    page = await open_page(browser, world, "teacher", chat=group_id)
    await page.locator("#reply-bar:has-text('When should it start?')").wait_for()
    await page.fill("#composer-text", "in 20 min")
    await page.click("#send")
    reply = await sim.wait_until(
        lambda: next((m for m in sim.history(group_id) if m.get("text") == "in 20 min"), None)
    )
    assert reply["reply_to_message"]["message_id"] == sent["message_id"]
    update = next(
        u["message"] for u in sim.updates if u.get("message", {}).get("text") == "in 20 min"
    )
    assert update["from"]["id"] == world["teacher"]["id"]  # delivered despite privacy mode
    await page.locator(
        ".message.outgoing .reply-quote:has-text('When should it start?')"
    ).wait_for()
    await page.locator("#reply-bar").wait_for(state="hidden")


async def test_new_messages_scroll_into_view_unless_you_read_back(browser, world) -> None:
    student = world["student"]
    world["sim"].send_text(student["id"], "/start")
    for n in range(30):
        await bot_call(world, "sendMessage", chat_id=student["id"], text=f"line {n}")
    page = await open_page(browser, world, "student", chat=student["id"])
    await page.locator(".body:text-is('line 29')").wait_for()
    gap = "box => box.scrollHeight - box.scrollTop - box.clientHeight"
    messages = page.locator("#messages")
    assert await messages.evaluate(gap) < 5
    await bot_call(world, "sendMessage", chat_id=student["id"], text="line 30")
    await page.locator(".body:text-is('line 30')").wait_for()
    await page.wait_for_function(
        "() => { const b = document.getElementById('messages');"
        " return b.scrollHeight - b.scrollTop - b.clientHeight < 5; }"
    )
    await messages.evaluate("box => { box.scrollTop = 0; }")
    await bot_call(world, "sendMessage", chat_id=student["id"], text="line 31")
    await page.locator(".body:text-is('line 31')").wait_for()
    assert await messages.evaluate("box => box.scrollTop") == 0
