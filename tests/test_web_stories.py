"""What `quizbot sandbox` shows, end to end: the real bot (bot.app.build_application) against the
stand-in, the demo world, and a person in the chat page in headless Chromium.

The teacher's story takes the screenshot the README shows; with QUIZBOT_SCREENSHOT=1 it is
saved as docs/sandbox.png, otherwise under the test's tmp_path.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from test_web_page import chromium, require_browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "sandbox.png"
SEED = "moscow-ankara-airstrike.txt"


@asynccontextmanager
async def sandbox(tmp_path: Path, **settings: Any) -> AsyncIterator[Any]:
    require_browser()
    from bot.cli_sandbox_app import open_sandbox

    async with open_sandbox(
        port=0,
        db_path=tmp_path / "sandbox.db",
        seeds_dir=ROOT / "seeds",
        classmate_delay=(0.2, 1.0),
        settings_changes=settings,
    ) as box:
        yield box


async def open_page(browser: Any, box: Any, user: dict[str, Any], chat: int | None = None):
    page = await browser.new_page()
    query = f"?as={user['id']}" + (f"&chat={chat}" if chat is not None else "")
    await page.goto(f"{box.url}/{query}")
    return page


async def test_student_plays_the_seed_quiz_and_sees_a_matching_score(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box, chromium(tmp_path / "profile") as browser:
        world, sim = box.world, box.server.sim
        student = world.student
        quiz_id = world.quizzes[SEED]
        code = box.application.bot_data.services.store.get_quiz(quiz_id).link_code
        page = await open_page(browser, box, student, chat=world.group["id"])
        # The teacher's reading list in the class group links to each quiz.
        await page.click(f'a.deep-link[href$="?start=q{code}"]')
        await page.locator(".chat-item.active .chat-name:text('Quiz Bot')").wait_for()

        open_poll = page.locator(".poll:has(.poll-option)")
        done = page.locator(".message.from-bot .body:has-text('Done!')")
        asked = right = 0
        while True:
            await page.locator(
                ".poll:has(.poll-option), .message.from-bot .body:has-text('Done!')"
            ).first.wait_for()
            if await done.count():
                break
            poll = open_poll.first
            poll_id = await poll.get_attribute("data-poll-id")
            state = sim.polls[poll_id].poll
            correct = state["correct_option_ids"][0]
            # Right twice, then wrong once, and so on.
            choice = correct if asked % 3 != 2 else (correct + 1) % len(state["options"])
            await poll.locator(".poll-option").nth(choice).click()
            verdict = page.locator(f'.poll[data-poll-id="{poll_id}"] .poll-verdict')
            await verdict.wait_for()
            expected = "✓ Right answer" if choice == correct else "✗ Wrong answer"
            assert await verdict.inner_text() == expected
            asked += 1
            right += choice == correct

        stored = box.application.bot_data.services.store.get_quiz(quiz_id)
        assert asked == sum(q.enabled for q in stored.questions)
        final = await done.inner_text()
        assert f"You got {right}/{asked} right" in final
        # Each wrong answer is followed by the evidence, quoted.
        quotes = page.locator(".message.from-bot .body blockquote")
        assert await quotes.count() == asked - right


async def test_teacher_pushes_a_quiz_to_the_class_and_sees_the_leaderboard(
    tmp_path: Path,
) -> None:
    settings = {"seconds_per_question": 5, "questions_per_quiz": 3}
    async with sandbox(tmp_path, **settings) as box, chromium(tmp_path / "profile") as browser:
        world, sim = box.world, box.server.sim
        teacher, group_id = world.teacher, world.group["id"]
        store = box.application.bot_data.services.store
        quiz = store.get_quiz(world.quizzes[SEED])
        page = await open_page(browser, box, teacher)
        await page.click("#start-button")
        await page.locator(".message.from-bot .body:has-text('Hi Maria')").wait_for()
        await page.fill("#composer-text", "/push")
        await page.click("#send")
        await page.locator(f".inline-button:text-is({quiz.title[:60]!r})").click()
        await page.locator(".inline-button:text-is('Class 9B')").click()
        await page.locator(".inline-button:has-text('Start now')").click()
        await page.locator(".message.from-bot .body:has-text('Started in')").wait_for()

        await page.click(f'.chat-item[data-chat-id="{group_id}"]')
        board = page.locator(".message.from-bot .body:has-text('🏆')")
        await board.wait_for(timeout=45_000)
        text = await board.inner_text()
        assert text.splitlines()[0] == f"🏆 {quiz.title}"

        # The leaderboard matches how the simulated classmates voted.
        asked = len([q for q in quiz.questions if q.enabled])
        scores = {c.user["id"]: 0 for c in world.classmates}
        for user_id, poll_id, option in box.classmates.votes:
            if sim.polls[poll_id].chat_id == group_id:
                scores[user_id] += option in sim.polls[poll_id].poll["correct_option_ids"]
        rows = dict(re.findall(r"^\S+ (.+?): (\d+/\d+) ", text, flags=re.MULTILINE))
        expected = {
            f"{c.user['first_name']} {c.user['last_name']}": f"{scores[c.user['id']]}/{asked}"
            for c in world.classmates
        }
        assert rows == expected
        polls = page.locator(".poll")
        assert await polls.count() == asked
        assert await page.locator(".poll-footer:has-text('Final results')").count() == asked

        await page.locator("#messages").evaluate("box => { box.scrollTop = box.scrollHeight; }")
        shot = SCREENSHOT if os.environ.get("QUIZBOT_SCREENSHOT") else tmp_path / "sandbox.png"
        shot.parent.mkdir(exist_ok=True)
        await page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000  # a real picture of the page, not an empty frame

        # The report goes to the teacher's private chat: the CSV and the chart.
        await page.click(f'.chat-item[data-chat-id="{teacher["id"]}"]')
        csv = page.locator(".document a.name:text-matches('run-\\\\d+\\\\.csv')")
        await csv.wait_for()
        chart = page.locator(".message .photo img[alt$='.png']")
        await chart.wait_for()
        assert await chart.evaluate("img => img.complete && img.naturalWidth > 100")


async def test_teacher_uploads_an_article_and_gets_a_quiz(tmp_path: Path) -> None:
    async with sandbox(tmp_path) as box, chromium(tmp_path / "profile") as browser:
        teacher = box.world.teacher
        page = await open_page(browser, box, teacher)
        await page.click("#start-button")
        await page.locator(".message.from-bot .body:has-text('Hi Maria')").wait_for()
        await page.set_input_files("#file-input", str(ROOT / "seeds" / "storm-coast.txt"))
        await page.locator(".message.outgoing .document .name:text('storm-coast.txt')").wait_for()
        ready = page.locator(".message.from-bot .body:has-text('questions ready')")
        await ready.wait_for()
        assert "Storm Halvard" in await ready.inner_text()
        buttons = page.locator(".bubble:has(.body:has-text('questions ready')) .inline-button")
        assert await buttons.all_inner_texts() == ["▶️ Play", "📝 Check and publish"]
