"""Faults: a flaky Telegram (dropped connections, 5xx and 429 for stretches), the bot process
killed in the middle of a group quiz and started again, SQLite killed in a write burst. The run
finishes, no answer is lost or counted twice, and the leaderboard matches the votes."""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from bot_support import (
    JSON,
    ROOT,
    bot_settings,
    play_link,
    polls,
    push,
    running_bot,
    texts_in,
    wait_polls,
    wait_text,
)
from reliability_support import start_bot, stop_bot, stored_quiz

from storage import Store


async def test_drops_5xx_and_429_stretches_lose_no_answer_and_no_question(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    ann = sim.create_user("Ann", started=True)
    quiz_id = stored_quiz(db, tea, n=4)
    faults = [
        sandbox.inject_fault("drop", count=2, methods=["sendPoll"]),
        sandbox.inject_fault("error", count=2, status=502, methods=["sendMessage"]),
        sandbox.inject_fault("error", count=1, status=500, methods=["sendPoll"]),
        sandbox.inject_fault("drop", count=2, methods=["getUpdates"]),
    ]
    async with running_bot(bot_settings(sandbox, tmp_path)):
        sim.send_command(ann["id"], play_link(db, quiz_id))
        for n in range(1, 5):
            poll = (await wait_polls(sim, ann["id"], n, timeout=30))["poll"]
            if n == 2:  # a stretch of 429s on everything the bot sends
                faults.append(
                    sandbox.inject_fault("429", count=4, methods=["sendPoll", "sendMessage"])
                )
            right, *_ = poll["correct_option_ids"]
            sim.vote(ann["id"], poll["id"], [(right + n % 2) % len(poll["options"])])
        result = await wait_text(sim, ann["id"], lambda t: t.startswith("🏁"), timeout=30)
    assert [f.hits for f in faults] == [2, 2, 1, 2, 4]
    assert len(polls(sim, ann["id"])) == 4  # no question lost, none sent twice
    right = 2  # questions 2 and 4
    assert f"You got {right}/4 right" in result["text"]
    with Store(db) as store:
        (run,) = store.list_runs()
        assert run.state == "finished"
        assert len(store.get_answers(run.id)) == 4
        assert store.run_score(run.id, ann["id"]).correct == right


async def test_a_poll_sent_again_after_a_timeout_counts_a_vote_on_either_copy_once(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    ann = sim.create_user("Ann", started=True)
    quiz_id = stored_quiz(db, tea, n=2)
    # Telegram shows the first question at once but answers sendPoll after the bot's 5 s
    # timeout: the bot sends it again, and Ann sees it twice.
    late = sandbox.inject_fault("late", delay=6.0, methods=["sendPoll"])
    async with running_bot(bot_settings(sandbox, tmp_path)):
        sim.send_command(ann["id"], play_link(db, quiz_id))
        await wait_polls(sim, ann["id"], 2, timeout=30)
        first, copy = (m["poll"] for m in polls(sim, ann["id"]))
        assert first["question"] == copy["question"]
        right, *_ = first["correct_option_ids"]
        sim.vote(ann["id"], first["id"], [right])  # on the copy the bot never heard back about
        second = (await wait_polls(sim, ann["id"], 3, timeout=30))["poll"]
        sim.vote(ann["id"], copy["id"], [(right + 1) % len(copy["options"])])  # too: ignored
        sim.vote(ann["id"], second["id"], [(second["correct_option_ids"][0] + 1) % 4])
        result = await wait_text(sim, ann["id"], lambda t: t.startswith("🏁"), timeout=30)
    assert late.hits == 1
    assert len(polls(sim, ann["id"])) == 3
    assert "You got 1/2 right" in result["text"]
    with Store(db) as store:
        (run,) = store.list_runs()
        answers = store.get_answers(run.id)
        assert [(a.question_id, a.chosen) for a in answers] == [
            (run.question_ids[0], (right,)),
            (run.question_ids[1], ((second["correct_option_ids"][0] + 1) % 4,)),
        ]


async def test_a_group_poll_sent_again_after_a_timeout_counts_each_student_once(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    students = [sim.create_user(f"D{i}", started=True) for i in range(3)]
    stored_quiz(db, tea, n=2)
    async with running_bot(bot_settings(sandbox, tmp_path, seconds_per_question=60)):
        group = sim.create_group("Class 4D", owner=tea["id"], members=[s["id"] for s in students])
        late = sandbox.inject_fault("late", delay=6.0, methods=["sendPoll"], chats=[group["id"]])
        await push(sim, tea, "Class 4D", "▶️")
        await wait_polls(sim, group["id"], 2, timeout=30)
        first, copy = (m["poll"] for m in polls(sim, group["id"]))
        for student in students[:2]:  # two on the copy the bot never heard back about
            sim.vote(student["id"], first["id"], [0])
        sim.vote(students[2]["id"], copy["id"], [1])
        sim.vote(students[0]["id"], copy["id"], [2])  # a second answer: ignored
        second = (await wait_polls(sim, group["id"], 3, timeout=30))["poll"]
        for student in students:
            sim.vote(student["id"], second["id"], [0])
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"), timeout=30)
    assert late.hits == 1
    with Store(db) as store:
        (run,) = store.list_runs()
        answers = store.get_answers(run.id)
        first_answers = {
            a.user_id: a.chosen for a in answers if a.question_id == run.question_ids[0]
        }
    assert first_answers == {
        students[0]["id"]: (0,),
        students[1]["id"]: (0,),
        students[2]["id"]: (1,),
    }
    assert len(answers) == 6
    assert board["text"].count("/2") == 3


def answers_stored(db: Path) -> int:
    with Store(db) as store:
        return sum(len(store.get_answers(run.id)) for run in store.list_runs())


async def test_the_bot_killed_mid_quiz_carries_on_and_counts_every_vote_once(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    rng = random.Random(11)
    db, log = tmp_path / "quizbot.db", tmp_path / "bot.log"
    tea = sim.create_user("Tea")
    students = [sim.create_user(f"K{i}", started=True) for i in range(8)]
    stored_quiz(db, tea, n=4)
    right = {s["id"]: 0 for s in students}
    votes = 0

    def vote(student: JSON, poll: JSON) -> None:
        nonlocal votes
        choice = rng.randrange(len(poll["options"]))
        sim.vote(student["id"], poll["id"], [choice])
        right[student["id"]] += choice in poll["correct_option_ids"]
        votes += 1

    bot = start_bot(sandbox, db, log)
    try:
        await sim.wait_until(lambda: sandbox.calls.count("setMyCommands") >= 2, 60)
        group = sim.create_group("Class 5K", owner=tea["id"], members=[s["id"] for s in students])
        await push(sim, tea, "Class 5K", "▶️")
        first = (await wait_polls(sim, group["id"], 1, timeout=30))["poll"]
        for student in students:
            vote(student, first)
        second = (await wait_polls(sim, group["id"], 2, timeout=30))["poll"]
        for student in students[:5]:
            vote(student, second)
        # Killed in the middle of question 2, once the bot has stored these five votes.
        await sim.wait_until(lambda: answers_stored(db) == 8 + 5, 30)
        assert await stop_bot(bot, signal.SIGKILL) == -signal.SIGKILL
        for student in students[5:7]:
            vote(student, second)  # voted while the bot was down
        bot = start_bot(sandbox, db, log)
        sim.push_update(  # Telegram delivers a vote again, with another option
            "poll_answer",
            {
                "poll_id": second["id"],
                "user": students[0],
                "option_ids": [0],
                "option_persistent_ids": ["0"],
            },
        )
        vote(students[7], second)
        for n in (3, 4):
            poll = (await wait_polls(sim, group["id"], n, timeout=60))["poll"]
            for student in students:
                vote(student, poll)
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"), timeout=60)
    finally:
        code = await stop_bot(bot)
    assert code == 0, log.read_text()
    assert len(polls(sim, group["id"])) == 4
    with Store(db) as store:
        (run,) = store.list_runs()
        answers = store.get_answers(run.id)
        assert run.state == "finished"
        assert len(answers) == votes == 4 * len(students)
        assert len({(a.question_id, a.user_id) for a in answers}) == len(answers)
        for student in students:
            assert store.run_score(run.id, student["id"]).correct == right[student["id"]]
        assert store.check() == []
    for i, student in enumerate(students):
        assert f"K{i}: {right[student['id']]}/4" in board["text"]
    assert sandbox.token not in log.read_text()


def result_texts(sim, user_id: int) -> list[str]:
    return [t for t in texts_in(sim, user_id) if "you got" in t]


async def play_group_quiz(sim, group: JSON, students: list[JSON], questions: int) -> None:
    """Every student answers every question (the last vote ends the run)."""
    for n in range(1, questions + 1):
        poll = (await wait_polls(sim, group["id"], n, timeout=30))["poll"]
        for student in students:
            sim.vote(student["id"], poll["id"], [n % len(poll["options"])])


async def test_results_sent_after_a_group_quiz_hold_up_no_other_update(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    students = [sim.create_user(f"R{i}", started=True) for i in range(4)]
    slow, other = students[0], students[1]
    stored_quiz(db, tea, n=2)
    # The message to one student takes Telegram 3 s (within the bot's timeout: sent once).
    fault = sandbox.inject_fault("delay", delay=3.0, methods=["sendMessage"], chats=[slow["id"]])
    async with running_bot(bot_settings(sandbox, tmp_path, seconds_per_question=60)):
        group = sim.create_group("Class 6R", owner=tea["id"], members=[s["id"] for s in students])
        await push(sim, tea, "Class 6R", "▶️")
        await play_group_quiz(sim, group, students, 2)
        await wait_text(sim, group["id"], lambda t: t.startswith("🏆"), timeout=30)
        sim.send_command(other["id"], "/help")
        await wait_text(sim, other["id"], lambda t: t.startswith("Students"), timeout=30)
        slow_had_result = result_texts(sim, slow["id"])  # not yet: it takes 3 s
        await sim.wait_until(lambda: all(result_texts(sim, s["id"]) for s in students), 30)
    assert fault.hits == 1
    assert slow_had_result == []
    assert [len(result_texts(sim, s["id"])) for s in students] == [1, 1, 1, 1]


async def test_results_owed_when_the_bot_is_killed_are_sent_after_the_restart(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    db, log = tmp_path / "quizbot.db", tmp_path / "bot.log"
    tea = sim.create_user("Tea")
    students = [sim.create_user(f"W{i}", started=True) for i in range(6)]
    stored_quiz(db, tea, n=2)
    # Every result takes Telegram 2 s: the bot is killed while they go out.
    sandbox.inject_fault(
        "delay", count=6, delay=2.0, methods=["sendMessage"], chats=[s["id"] for s in students]
    )
    bot = start_bot(sandbox, db, log)
    try:
        await sim.wait_until(lambda: sandbox.calls.count("setMyCommands") >= 2, 60)
        group = sim.create_group("Class 6W", owner=tea["id"], members=[s["id"] for s in students])
        await push(sim, tea, "Class 6W", "▶️")
        await play_group_quiz(sim, group, students, 2)
        await wait_text(sim, group["id"], lambda t: t.startswith("🏆"), timeout=30)
        assert await stop_bot(bot, signal.SIGKILL) == -signal.SIGKILL
        bot = start_bot(sandbox, db, log)
        await sim.wait_until(lambda: all(result_texts(sim, s["id"]) for s in students), 60)
        with Store(db) as store:
            await sim.wait_until(lambda: store.runs_owing_results() == (), 30)
    finally:
        code = await stop_bot(bot)
    assert code == 0, log.read_text()
    # A result sent as the bot was killed, before it could note so, may come twice.
    assert all(1 <= len(result_texts(sim, s["id"])) <= 2 for s in students)
    assert len(polls(sim, group["id"])) == 2


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from storage import Store

    path, run_id, first_user, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), 10**6
    with Store(path) as store:
        question_ids = store.get_run(run_id).question_ids
        print("ready", flush=True)
        n = 0
        while True:  # killed from outside, in the middle of a write
            user = first_user + n % 200
            question = question_ids[(n // 200) % len(question_ids)]
            store.upsert_user(user, first_name=f"W{user}")
            store.record_answer(run_id, question, user, [n % 3], elapsed_ms=n % 997)
            n += 1
    """
)


def test_sqlite_killed_in_a_write_burst_reopens_sound(tmp_path) -> None:
    db = tmp_path / "burst.db"
    with Store(db) as store:
        store.upsert_user(1, first_name="Teacher")
        store.upsert_chat(-5, type="group", title="Burst")
        article = store.save_article(1, title="A", text="A text.", source="a.txt")
        quiz = store.save_quiz(
            article.id,
            title="Q",
            questions=[
                {
                    "id": f"q{n}",
                    "kind": "what",
                    "question": f"Question {n}?",
                    "options": ["a", "b", "c"],
                    "answer_index": n % 3,
                    "explanation": "",
                    "evidence": {"text": "A text.", "start": 0, "end": 7},
                    "difficulty": "easy",
                    "score": 1.0,
                }
                for n in range(50)
            ],
        )
        run = store.create_run(quiz.id, chat_id=-5, started_by=1)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(run.id), "1000"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == b"ready"
        wal = Path(f"{db}-wal")
        while not wal.exists() or wal.stat().st_size < 400_000:  # a burst well under way
            time.sleep(0.01)
            assert writer.poll() is None
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
    with Store(db) as store:
        assert store.check() == []
        answers = store.get_answers(run.id)
        assert answers
        assert len({(a.question_id, a.user_id) for a in answers}) == len(answers)
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_votes_fetched_but_not_handled_when_killed_come_again(sandbox, tmp_path) -> None:
    """While the bot is stuck on one vote (a slow Telegram), another arrives; the bot is
    killed. The second vote was never confirmed, so it comes again and counts once."""
    sim = sandbox.sim
    db, log = tmp_path / "quizbot.db", tmp_path / "bot.log"
    tea = sim.create_user("Tea")
    ann = sim.create_user("Ann", started=True)
    bob = sim.create_user("Bob", started=True)
    quiz_id = stored_quiz(db, tea, n=3)
    bot = start_bot(sandbox, db, log)
    try:
        for student in (ann, bob):
            sim.send_command(student["id"], play_link(db, quiz_id))
            await wait_polls(sim, student["id"], 1, timeout=60)
        first = {s["id"]: polls(sim, s["id"])[0]["poll"] for s in (ann, bob)}
        stall = sandbox.inject_fault("delay", delay=5.0, methods=["sendPoll"])
        sim.vote(ann["id"], first[ann["id"]]["id"], [0])
        await sim.wait_until(lambda: stall.hits == 1, 10)  # the bot waits on Ann's question 2
        sim.vote(bob["id"], first[bob["id"]]["id"], [1])
        await asyncio.sleep(1)  # time enough to fetch Bob's vote and confirm it
        assert await stop_bot(bot, signal.SIGKILL) == -signal.SIGKILL
        bot = start_bot(sandbox, db, log)
        second = (await wait_polls(sim, bob["id"], 2, timeout=60))["poll"]
    finally:
        await stop_bot(bot)
    assert second["id"] != first[bob["id"]]["id"]
    with Store(db) as store:
        stored = {
            (a.user_id, a.chosen) for run in store.list_runs() for a in store.get_answers(run.id)
        }
    assert stored == {(ann["id"], (0,)), (bob["id"], (1,))}
