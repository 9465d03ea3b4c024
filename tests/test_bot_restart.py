"""Group runs survive restarts: a live quiz carries on, a scheduled one still starts, and a
repeated vote never counts twice."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot_support import (
    JSON,
    SEED,
    bot_settings,
    button,
    make_quiz_from,
    polls,
    push,
    running_bot,
    seed_quiz,
    texts_in,
    wait_polls,
    wait_text,
)

from storage import Store


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
    seed_quiz(db, tea)
    settings = bot_settings(sandbox, tmp_path, seconds_per_question=60)
    right = {s["id"]: 0 for s in students}
    first_votes: dict[int, JSON] = {}

    chosen: dict[tuple[int, str], int] = {}

    def vote(student: JSON, poll: JSON) -> None:
        choice = rng.randrange(len(poll["options"]))
        sim.vote(student["id"], poll["id"], [choice])
        right[student["id"]] += choice in poll["correct_option_ids"]
        chosen[student["id"], poll["id"]] = choice

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
        original = chosen[students[0]["id"], first["id"]]
        other = (original + 1) % len(first["options"])
        sim.push_update(  # the same voter again on question 1, with another answer
            "poll_answer",
            {
                "poll_id": first["id"],
                "user": students[0],
                "option_ids": [other],
                "option_persistent_ids": [str(other)],
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
        q1 = run.question_ids[0]
        assert store.get_answer(run.id, q1, students[0]["id"]).chosen == (original,)
    for student in students:
        assert f"P{students.index(student)}: {right[student['id']]}/{asked}" in board["text"]


async def test_a_scheduled_quiz_starts_after_a_restart(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    pupil = sim.create_user("Pip", started=True)
    seed_quiz(db, tea, n=3)
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


async def test_a_run_ends_when_the_bot_is_removed_from_the_group(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    kid = sim.create_user("Kid")
    seed_quiz(db, tea, n=3)
    settings = bot_settings(sandbox, tmp_path, seconds_per_question=5)
    async with running_bot(settings):
        group = sim.create_group("Class 2", owner=tea["id"], members=[kid["id"]])
        await push(sim, tea, "Class 2", "▶️")
        poll = (await wait_polls(sim, group["id"], 1))["poll"]
        sim.remove_bot(group["id"], by=tea["id"])

        def state() -> str:
            with Store(db) as store:
                (run,) = store.list_runs()
                return run.state

        await sim.wait_until(lambda: state() == "finished", timeout=12)
    assert sim.polls[poll["id"]].poll["is_closed"]
    with Store(db) as store:
        assert not store.get_chat(group["id"]).is_member


async def test_an_assignment_closes_at_its_deadline_after_a_restart(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea, amy = sim.create_user("Tea"), sim.create_user("Amy")
    seed_quiz(db, tea, n=2)
    settings = bot_settings(sandbox, tmp_path)
    async with running_bot(settings):
        group = sim.create_group("Class 3", owner=tea["id"], members=[amy["id"]])
        await push(sim, tea, "Class 3", "📝")
        ask = await wait_text(sim, tea["id"], lambda t: t.startswith("What is the deadline?"))
        sim.send_text(tea["id"], "in 6 s", reply_to=ask["message_id"])
        post = await wait_text(sim, group["id"], lambda t: t.startswith("📝 Assignment"))
        sim.send_text(
            amy["id"],
            f"/start {post['reply_markup']['inline_keyboard'][0][0]['url'].rsplit('=', 1)[1]}",
        )
        poll = (await wait_polls(sim, amy["id"], 1))["poll"]
        sim.vote(amy["id"], poll["id"], poll["correct_option_ids"])
        await wait_polls(sim, amy["id"], 2)
    async with running_bot(settings):
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"), timeout=15)
        late = (await wait_polls(sim, amy["id"], 2))["poll"]
        sim.vote(amy["id"], late["id"], late["correct_option_ids"])  # after the deadline
        sim.send_command(amy["id"], "/score")  # handled after the vote
        score = await wait_text(sim, amy["id"], lambda t: t.startswith("Overall"))
    assert "Amy: 1/2" in board["text"]
    assert "1/2" in score["text"]
    assert not any(t.startswith("🏁") for t in texts_in(sim, amy["id"]))
    with Store(db) as store:
        (run,) = store.list_runs()
        assert run.state == "finished"
        assert store.run_score(run.id, amy["id"]).correct == 1


async def test_an_edit_tapped_before_a_restart_is_applied_after_it(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    quiz_id = seed_quiz(db, tea, n=3, publish=False)
    settings = bot_settings(sandbox, tmp_path)
    async with running_bot(settings):
        sim.send_command(tea["id"], "/quizzes")
        listing = await wait_text(sim, tea["id"], lambda t: t.startswith("Your quizzes"))
        sim.tap_button(tea["id"], listing, f"ed:{quiz_id}")
        footer = await wait_text(sim, tea["id"], lambda t: "questions kept" in t)
        previews = [
            m
            for m in sim.transcript(tea["id"])
            if listing["message_id"] < m["message_id"] < footer["message_id"]
        ]
        first, second, _ = previews
        sim.tap_button(tea["id"], first, button(first, "✏️"))
        prompt = await wait_text(sim, tea["id"], lambda t: t.startswith("Reply with"))
    async with running_bot(settings):  # the teacher answers the prompt after a restart
        sim.send_text(
            tea["id"], "Who phoned whom?\nPutin\n* Erdogan\nAssad", reply_to=prompt["message_id"]
        )
        edited = await wait_text(sim, tea["id"], lambda t: "(edited)" in t)
        sim.tap_button(tea["id"], second, button(second, "✏️"))
        await sim.wait_until(
            lambda: len([t for t in texts_in(sim, tea["id"]) if t.startswith("Reply with")]) == 2
        )
        with Store(db) as store:  # an hour goes by: what the store says waits has expired
            owed = store.take_pending_reply(tea["id"])
            store.set_pending_reply(
                tea["id"],
                "edit",
                question_id=owed.question_id,
                expires_in=timedelta(hours=1),
                at=datetime.now(UTC) - timedelta(hours=1, seconds=1),
            )
        late = sim.send_text(tea["id"], "Too late?\n* A\nB", reply_to=prompt["message_id"])
        expired = await sim.wait_for_message(tea["id"], after=late["message_id"])
    assert edited["text"].startswith("1. Who phoned whom?")
    assert expired["text"].startswith("I stopped waiting for that reply an hour after asking.")
    with Store(db) as store:
        first_q, second_q, _ = store.get_quiz(quiz_id).questions
        assert (first_q.question, first_q.options, first_q.answer_index) == (
            "Who phoned whom?",
            ("Putin", "Erdogan", "Assad"),
            1,
        )
        assert first_q.edited
        assert owed.question_id == second_q.id
        assert not second_q.edited
        assert store.take_pending_reply(tea["id"]) is None


async def test_the_hourly_article_limit_holds_across_a_restart(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    ada = sim.create_user("Ada")
    article = SEED.read_text(encoding="utf-8").encode()
    settings = bot_settings(sandbox, tmp_path, generations_per_hour=1, questions_per_quiz=2)
    async with running_bot(settings):
        await make_quiz_from(sim, ada["id"], article, "one.txt")
    async with running_bot(settings):
        sent = sim.send_document(ada["id"], article, file_name="two.txt", mime_type="text/plain")
        refused = await sim.wait_for_message(ada["id"], after=sent["message_id"])
    assert refused["text"] == (
        "You have made 1 quizzes in the last hour; please wait a little before the next."
    )
    assert len([t for t in texts_in(sim, ada["id"]) if t.startswith("✅")]) == 1
    with Store(tmp_path / "quizbot.db") as store:
        later = datetime.now(UTC) + timedelta(hours=1, seconds=1)
        assert store.take_generation_slot(ada["id"], limit=1, at=later) is None  # an hour on
