"""Votes racing the bot: a vote on a poll whose sendPoll answer has not reached the bot yet,
many players at once, each in order, and a private quiz cut off by a crash between a vote and
the next question."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from bot_support import (
    bot_settings,
    play_link,
    polls,
    push,
    running_bot,
    wait_polls,
    wait_text,
)
from reliability_support import start_bot, stop_bot, stored_quiz

from storage import Store


def answers_stored(db: Path) -> int:
    with Store(db) as store:
        return sum(len(store.get_answers(run.id)) for run in store.list_runs())


async def test_votes_on_a_group_poll_before_the_bot_hears_it_was_sent_count(
    sandbox, tmp_path
) -> None:
    """Time runs out on question 1 and the timer sends question 2; Telegram shows it at once
    but its answer to sendPoll is slow, and the class votes before the bot has stored the
    poll. Every vote counts."""
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    students = [sim.create_user(f"R{i}", started=True) for i in range(3)]
    stored_quiz(db, tea, n=2)
    settings = bot_settings(sandbox, tmp_path, seconds_per_question=5)
    async with running_bot(settings):
        group = sim.create_group("Class 4R", owner=tea["id"], members=[s["id"] for s in students])
        await push(sim, tea, "Class 4R", "▶️")
        first = (await wait_polls(sim, group["id"], 1))["poll"]
        for student in students[:2]:  # the third lets time run out
            sim.vote(student["id"], first["id"], [0])
        late = sandbox.inject_fault("late", delay=1.5, methods=["sendPoll"])
        second = (await wait_polls(sim, group["id"], 2, timeout=15))["poll"]
        for student in students[:2]:
            sim.vote(student["id"], second["id"], second["correct_option_ids"])
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"), timeout=15)
    assert late.hits == 1
    assert answers_stored(db) == 2 + 2
    assert len(polls(sim, group["id"])) == 2
    right = 1 + int(first["correct_option_ids"] == [0])
    assert f"R0: {right}/2" in board["text"]
    assert f"R1: {right}/2" in board["text"]


async def test_a_slow_send_to_one_player_holds_up_no_other_player(sandbox, tmp_path) -> None:
    """Ann's and Bob's votes come in one batch; Telegram is slow to take Ann's next question.
    Bob gets his at once, while Ann's is still held, and then both finish, each in order."""
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    ann, bob = sim.create_user("Ann", started=True), sim.create_user("Bob", started=True)
    quiz_id = stored_quiz(db, tea, n=2)
    async with running_bot(bot_settings(sandbox, tmp_path)):
        for student in (ann, bob):
            sim.send_command(student["id"], play_link(db, quiz_id))
            await wait_polls(sim, student["id"], 1)
        stall = sandbox.inject_fault("delay", delay=3.0, methods=["sendPoll"], chats=[ann["id"]])
        for student in (ann, bob):  # no await between: one getUpdates batch
            poll = polls(sim, student["id"])[0]["poll"]
            sim.vote(student["id"], poll["id"], poll["correct_option_ids"])
        await wait_polls(sim, bob["id"], 2)
        ann_held = len(polls(sim, ann["id"])) == 1 and stall.hits == 1
        for student in (bob, ann):
            poll = (await wait_polls(sim, student["id"], 2, timeout=15))["poll"]
            sim.vote(student["id"], poll["id"], poll["correct_option_ids"])
            await wait_text(sim, student["id"], lambda t: t.startswith("🏁"))
    assert ann_held
    with Store(db) as store:
        for student in (ann, bob):
            (run,) = store.list_runs(chat_id=student["id"])
            assert store.run_score(run.id, student["id"]).correct == 2


@pytest.mark.parametrize("held", ["sendPoll", "sendMessage"])
async def test_a_private_quiz_goes_on_after_a_crash_between_a_vote_and_the_next_question(
    sandbox, tmp_path, held
) -> None:
    """Ann answers question 1 (wrongly, so the evidence comes first); the bot stores her
    answer and is killed while Telegram holds its next message (the evidence, or question 2).
    Started again, it sends question 2 without her asking, and she finishes."""
    sim = sandbox.sim
    db, log = tmp_path / "quizbot.db", tmp_path / "bot.log"
    tea, ann = sim.create_user("Tea"), sim.create_user("Ann", started=True)
    quiz_id = stored_quiz(db, tea, n=2)
    bot = start_bot(sandbox, db, log)
    try:
        sim.send_command(ann["id"], play_link(db, quiz_id))
        first = (await wait_polls(sim, ann["id"], 1, timeout=60))["poll"]
        stall = sandbox.inject_fault("delay", delay=20.0, methods=[held], chats=[ann["id"]])
        wrong = (first["correct_option_ids"][0] + 1) % len(first["options"])
        sim.vote(ann["id"], first["id"], [wrong])
        await sim.wait_until(lambda: stall.hits == 1 and answers_stored(db) == 1, 10)
        assert await stop_bot(bot, signal.SIGKILL) == -signal.SIGKILL
        bot = start_bot(sandbox, db, log)
        second = (await wait_polls(sim, ann["id"], 2, timeout=30))["poll"]
        sim.vote(ann["id"], second["id"], second["correct_option_ids"])
        result = await wait_text(sim, ann["id"], lambda t: t.startswith("🏁"), timeout=30)
    finally:
        await stop_bot(bot)
    assert "You got 1/2 right" in result["text"]
    assert [p["poll"]["question"] for p in polls(sim, ann["id"])] == [
        first["question"],
        second["question"],
    ]
    assert first["question"] != second["question"]
    with Store(db) as store:
        (run,) = store.list_runs()
        assert run.state == "finished"
        assert [a.correct for a in store.get_answers(run.id)] == [False, True]


async def test_a_private_quiz_goes_on_after_a_crash_left_its_question_orphaned(
    sandbox, tmp_path
) -> None:
    """Telegram shows Ann question 2 but the bot is killed before sendPoll's answer comes
    back, so it never stored that poll. Started again, it asks question 2 again and the quiz
    goes on (a vote on the orphaned poll cannot count: the bot never learnt what it asked)."""
    sim = sandbox.sim
    db, log = tmp_path / "quizbot.db", tmp_path / "bot.log"
    tea, ann = sim.create_user("Tea"), sim.create_user("Ann", started=True)
    quiz_id = stored_quiz(db, tea, n=2)
    bot = start_bot(sandbox, db, log)
    try:
        sim.send_command(ann["id"], play_link(db, quiz_id))
        first = (await wait_polls(sim, ann["id"], 1, timeout=60))["poll"]
        sandbox.inject_fault("late", delay=20.0, methods=["sendPoll"], chats=[ann["id"]])
        sim.vote(ann["id"], first["id"], first["correct_option_ids"])
        orphan = (await wait_polls(sim, ann["id"], 2))["poll"]
        assert await stop_bot(bot, signal.SIGKILL) == -signal.SIGKILL
        bot = start_bot(sandbox, db, log)
        again = (await wait_polls(sim, ann["id"], 3, timeout=30))["poll"]
        sim.vote(ann["id"], again["id"], again["correct_option_ids"])
        result = await wait_text(sim, ann["id"], lambda t: t.startswith("🏁"), timeout=30)
    finally:
        await stop_bot(bot)
    assert again["question"] == orphan["question"] != first["question"]
    assert "You got 2/2 right" in result["text"]
    assert len(polls(sim, ann["id"])) == 3
