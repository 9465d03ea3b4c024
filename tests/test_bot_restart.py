"""Group runs survive restarts: a live quiz carries on, a scheduled one still starts, and a
repeated vote never counts twice."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bot_support import JSON, SEED, bot_settings, button, polls, running_bot, wait_polls, wait_text

from bot.sandbox import SandboxServer, Simulation
from questions import article_from_text, generate_quiz
from storage import Store


@pytest.fixture
async def sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SandboxServer]:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    async with SandboxServer(bot_username="quizbot_test_bot") as server:
        yield server


def published_quiz(db_path: Path, teacher: JSON, n: int = 5) -> int:
    """A published quiz of the seed article, made by the real generator, owned by `teacher`."""
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
        store.publish_quiz(stored.id)
        return stored.id


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


def answer_count(db_path: Path) -> int:
    with Store(db_path) as store:
        (run,) = store.list_runs()
        return len(store.get_answers(run.id))


async def test_a_group_quiz_goes_on_after_a_restart_and_counts_nothing_twice(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    rng = random.Random(3)
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    students = [sim.create_user(f"P{i}", started=True) for i in range(5)]
    published_quiz(db, tea)
    settings = bot_settings(sandbox, tmp_path, seconds_per_question=60)
    right = {s["id"]: 0 for s in students}
    first_votes: dict[int, JSON] = {}

    def vote(student: JSON, poll: JSON) -> None:
        choice = rng.randrange(len(poll["options"]))
        sim.vote(student["id"], poll["id"], [choice])
        right[student["id"]] += choice in poll["correct_option_ids"]

    async with running_bot(settings):
        group = sim.create_group("Class 8A", owner=tea["id"], members=[s["id"] for s in students])
        await push(sim, tea, "Class 8A", "▶️")
        for n in (1, 2, 3):
            poll = (await wait_polls(sim, group["id"], n))["poll"]
            for student in students if n < 3 else students[:-1]:
                vote(student, poll)
                if n == 1:
                    first_votes[student["id"]] = poll
        await sim.wait_until(lambda: answer_count(db) == 14)
    # Stopped between questions 3 and 4: question 3 is still open, one vote to come.
    third = polls(sim, group["id"])[2]["poll"]
    assert len(polls(sim, group["id"])) == 3

    async with running_bot(settings):
        first = first_votes[students[0]["id"]]
        wrong = next(
            i for i in range(len(first["options"])) if i not in first["correct_option_ids"]
        )
        sim.push_update(  # the same voter again on question 1, with another answer
            "poll_answer",
            {
                "poll_id": first["id"],
                "user": students[0],
                "option_ids": [wrong],
                "option_persistent_ids": [str(wrong)],
            },
        )
        vote(students[-1], third)
        count = 3
        while True:
            board_or_poll = await sim.wait_for_message(
                group["id"],
                lambda m: "poll" in m or m.get("text", "").startswith("🏆"),
                after=polls(sim, group["id"])[-1]["message_id"],
                timeout=15,
            )
            if "poll" not in board_or_poll:
                board = board_or_poll
                break
            count += 1
            for student in students:
                vote(student, board_or_poll["poll"])

    asked = len(polls(sim, group["id"]))
    assert asked == count == 5
    assert len({p["poll"]["question"] for p in polls(sim, group["id"])}) == asked
    with Store(db) as store:
        (run,) = store.list_runs()
        assert run.state == "finished"
        assert len(store.get_answers(run.id)) == 5 * asked
        for student in students:
            assert store.run_score(run.id, student["id"]).correct == right[student["id"]]
    for student in students:
        assert f"P{students.index(student)}: {right[student['id']]}/{asked}" in board["text"]


async def test_a_scheduled_quiz_starts_after_a_restart(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    pupil = sim.create_user("Pip", started=True)
    published_quiz(db, tea, n=3)
    settings = bot_settings(sandbox, tmp_path, seconds_per_question=60)
    async with running_bot(settings):
        group = sim.create_group("Class 9C", owner=tea["id"], members=[pupil["id"]])
        await push(sim, tea, "Class 9C", "🗓")
        ask = await wait_text(sim, tea["id"], lambda t: t.startswith("When should it start?"))
        sim.send_text(tea["id"], "in 5 s", reply_to=ask["message_id"])
        await wait_text(sim, tea["id"], lambda t: "will start in Class 9C" in t)
    assert sim.transcript(group["id"]) == []

    async with running_bot(settings):
        header = await wait_text(sim, group["id"], lambda t: t.startswith("📚"), timeout=15)
        poll = (await wait_polls(sim, group["id"], 1))["poll"]
        sim.vote(pupil["id"], poll["id"], poll["correct_option_ids"])
        await wait_polls(sim, group["id"], 2)
        stop = sim.send_command(pupil["id"], "/stop", chat_id=group["id"], mention=True)
        refused = await sim.wait_for_message(group["id"], after=stop["message_id"])
        sim.send_command(tea["id"], "/stop", chat_id=group["id"])
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"))
    assert "3 questions, 60 s each" in header["text"]
    assert refused["text"] == "Only the group's admins can do that."
    assert "Pip: 1/3" in board["text"]
    with Store(db) as store:
        (run,) = store.list_runs()
    assert run.state == "finished"
    assert run.scheduled_at is not None
    assert run.started_at >= run.scheduled_at
