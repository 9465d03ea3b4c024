"""A teacher and a class: a .docx becomes a checked quiz, pushed live to a group of 30."""

from __future__ import annotations

import csv
import io
import random
import re

import docx
from bot_support import (
    SEED,
    bot_settings,
    button,
    make_quiz_from,
    polls,
    running_bot,
    texts_in,
    wait_polls,
    wait_text,
)

from storage import Store

EDITED = "Which two countries agreed to coordinate more closely?"


def seed_docx() -> bytes:
    document = docx.Document()
    for paragraph in SEED.read_text(encoding="utf-8").split("\n\n"):
        document.add_paragraph(paragraph.strip())
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def test_teacher_checks_a_docx_quiz_and_pushes_it_to_a_class_of_30(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    rng = random.Random(5)
    tea = sim.create_user("Tea", last_name="Cher")
    students = [sim.create_user(f"S{i:02d}", started=True) for i in range(30)]
    settings = bot_settings(sandbox, tmp_path, questions_per_quiz=6, seconds_per_question=60)
    async with running_bot(settings):
        group = sim.create_group("Class 7B", owner=tea["id"], members=[s["id"] for s in students])
        ready = await make_quiz_from(sim, tea["id"], seed_docx(), "airstrike.docx")
        sim.tap_button(tea["id"], ready, button(ready, "📝"))
        footer = await sim.wait_for_message(
            tea["id"], lambda m: "Publish" in str(m.get("reply_markup")), after=ready["message_id"]
        )
        previews = [
            m
            for m in sim.transcript(tea["id"])
            if ready["message_id"] < m["message_id"] < footer["message_id"]
        ]
        generated = len(previews)
        # Drop question 2.
        sim.tap_button(tea["id"], previews[1], button(previews[1], "🗑"))
        await sim.wait_until(
            lambda: (
                "(dropped)" in sim.transcript(tea["id"])[1 + 1]["text"]
                or any("(dropped)" in t for t in texts_in(sim, tea["id"]))
            )
        )
        # Edit question 3: new wording and options, the second one right.
        sim.tap_button(tea["id"], previews[2], button(previews[2], "✏️"))
        prompt = await wait_text(sim, tea["id"], lambda t: t.startswith("Reply with"))
        sim.send_text(
            tea["id"],
            f"{EDITED}\nRussia and Iran\n* Russia and Turkey\nTurkey and Syria",
            reply_to=prompt["message_id"],
        )
        edited = await wait_text(sim, tea["id"], lambda t: EDITED in t and "(edited)" in t)
        sim.tap_button(tea["id"], footer, button(footer, "📢"))
        await wait_text(sim, tea["id"], lambda t: "is published" in t)

        # A student cannot push; the teacher can.
        refused = sim.send_command(students[5]["id"], "/push", chat_id=group["id"], mention=True)
        refusal = await sim.wait_for_message(group["id"], after=refused["message_id"] - 1)
        sim.block_bot(students[0]["id"])  # one student blocked the bot: the run goes on
        sim.send_command(tea["id"], "/push")
        pick_quiz = await wait_text(sim, tea["id"], lambda t: t == "Which quiz?")
        sim.tap_button(
            tea["id"],
            pick_quiz,
            pick_quiz["reply_markup"]["inline_keyboard"][0][0]["callback_data"],
        )
        pick_group = await wait_text(sim, tea["id"], lambda t: t == "Which group?")
        sim.tap_button(tea["id"], pick_group, button(pick_group, "Class 7B"))
        pick_mode = await wait_text(sim, tea["id"], lambda t: "start it now" in t)
        sim.tap_button(tea["id"], pick_mode, button(pick_mode, "▶️"))

        asked = generated - 1
        votes: dict[int, list[bool]] = {s["id"]: [] for s in students}
        questions = []
        for n in range(1, asked + 1):
            poll = (await wait_polls(sim, group["id"], n))["poll"]
            questions.append(poll["question"])
            for student in students:
                choice = rng.randrange(len(poll["options"]))
                sim.vote(student["id"], poll["id"], [choice])
                votes[student["id"]].append(choice in poll["correct_option_ids"])
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"), timeout=30)
        csv_message = await sim.wait_for_message(
            tea["id"],
            lambda m: "document" in m and m["document"]["file_name"].endswith(".csv"),
            after=0,
            timeout=10,
        )
        chart = await sim.wait_for_message(
            tea["id"],
            lambda m: "document" in m and m["document"]["file_name"].endswith(".png"),
            after=0,
            timeout=10,
        )
        await sim.wait_until(
            lambda: all(sim.transcript(s["id"]) for s in students[1:]), timeout=10
        )

    assert refusal["text"] == "Only the group's admins can do that."
    assert "✅" in edited["text"].splitlines()[2]  # the marked option is the right one
    assert len(questions) == asked == len(polls(sim, group["id"]))
    assert EDITED in questions
    for message in polls(sim, group["id"]):
        poll = message["poll"]
        assert poll["is_closed"]
        assert (poll["type"], poll["is_anonymous"], poll["allows_revoting"]) == (
            "quiz",
            False,
            False,
        )
        assert poll["open_period"] == 60
        assert sim.polls[poll["id"]].hide_results  # neighbours cannot copy
        assert 0 < len(poll["explanation"]) <= 200
    expected = {f"S{i:02d}": sum(votes[s["id"]]) for i, s in enumerate(students)}
    lines = board["text"].splitlines()[1:]
    shown = {}
    for line in lines:
        match = re.match(r"^\S+ (S\d\d): (\d+)/(\d+) ", line)
        assert match, line
        shown[match.group(1)] = int(match.group(2))
        assert int(match.group(3)) == asked
    assert len(lines) == 30
    assert shown == expected
    ranked = list(shown.values())  # in the board's order
    assert ranked == sorted(ranked, reverse=True)

    rows = list(
        csv.reader(io.StringIO(sim.file_bytes(csv_message["document"]["file_id"]).decode()))
    )
    header, body = rows[0], rows[1:31]
    assert header[:6] == ["student_id", "student", "answered", "correct", "asked", "total_seconds"]
    assert header[6:] == [f"q{i}" for i in range(1, asked + 1)]
    for row in body:
        user_id = int(row[0])
        assert [c == "1" for c in row[6:]] == votes[user_id]
        assert int(row[3]) == sum(votes[user_id])
        assert (int(row[2]), int(row[4])) == (asked, asked)
    assert {int(r[0]) for r in body} == set(votes)
    assert rows[31] == []
    assert sim.file_bytes(chart["document"]["file_id"]).startswith(b"\x89PNG")
    assert sim.transcript(students[0]["id"]) == []  # blocked: skipped, nothing else stopped
    for student in students[1:]:
        (dm,) = texts_in(sim, student["id"])
        assert f"you got {sum(votes[student['id']])}/{asked} right" in dm
    with Store(tmp_path / "quizbot.db") as store:
        (run,) = store.list_runs(chat_id=group["id"])
        assert run.state == "finished"
        assert len(store.get_answers(run.id)) == 30 * asked
        assert store.get_user(students[0]["id"]).blocked
