"""The rest of the commands: assignments, results and reports, forged buttons, a student's
own commands, and the limits on uploads."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from bot_support import (
    SEED,
    bot_settings,
    button,
    callback_answer,
    first_report,
    forge_tap,
    make_quiz_from,
    polls,
    push,
    running_bot,
    seed_quiz,
    texts_in,
    wait_polls,
    wait_text,
)
from old_databases import version_2

from storage import Store

STALE = "That button is out of date."


async def test_an_assignment_is_answered_privately_and_counts_for_the_group(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    ann, bob = sim.create_user("Ann"), sim.create_user("Bob")
    outsider = sim.create_user("Oz")
    seed_quiz(db, tea, n=3)
    async with running_bot(bot_settings(sandbox, tmp_path)):
        group = sim.create_group("Class 5", owner=tea["id"], members=[ann["id"], bob["id"]])
        await push(sim, tea, "Class 5", "📝")
        ask = await wait_text(sim, tea["id"], lambda t: t.startswith("What is the deadline?"))
        sim.send_text(tea["id"], "in 2 h", reply_to=ask["message_id"])
        await wait_text(sim, tea["id"], lambda t: "is set for Class 5" in t)
        post = await wait_text(sim, group["id"], lambda t: t.startswith("📝 Assignment"))
        link = post["reply_markup"]["inline_keyboard"][0][0]["url"]
        payload = link.rsplit("=", 1)[1]
        sim.send_text(outsider["id"], f"/start {payload}")
        refused = await sim.wait_for_message(outsider["id"])
        for student, pick_right in ((ann, True), (bob, False)):
            sim.send_text(student["id"], f"/start {payload}")
            for n in (1, 2, 3):
                poll = (await wait_polls(sim, student["id"], n))["poll"]
                right = poll["correct_option_ids"][0]
                choice = right if pick_right else (right + 1) % len(poll["options"])
                sim.vote(student["id"], poll["id"], [choice])
            await wait_text(sim, student["id"], lambda t: t.startswith("🏁 Assignment done"))
        sim.send_command(tea["id"], "/results", chat_id=group["id"], mention=True)
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"))
        document = await first_report(sim, tea)
    assert refused["text"] == "That assignment is for members of its group."
    assert polls(sim, outsider["id"]) == []
    assert [line.split(": ")[0][-3:] for line in board["text"].splitlines()[1:]] == ["Ann", "Bob"]
    assert "Ann: 3/3" in board["text"]
    assert "Bob: 0/3" in board["text"]
    rows = list(csv.reader(io.StringIO(sim.file_bytes(document["document"]["file_id"]).decode())))
    assert [(r[1], r[3], r[6:9]) for r in rows[1:3]] == [
        ("Ann", "3", ["1", "1", "1"]),
        ("Bob", "0", ["0", "0", "0"]),
    ]
    assert polls(sim, group["id"]) == []  # nothing of the answers shows in the group
    wrong = [t for t in texts_in(sim, bob["id"]) if t.startswith("Where the text says so")]
    assert len(wrong) == 3


async def test_forged_and_stale_buttons_change_nothing(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    eve = sim.create_user("Eve", started=True)
    quiz_id = seed_quiz(db, tea, n=3)
    with Store(db) as store:
        question_id = store.get_quiz(quiz_id).questions[0].id
    async with running_bot(bot_settings(sandbox, tmp_path)):
        group = sim.create_group("Class 6", owner=tea["id"], members=[eve["id"]])
        sim.send_command(eve["id"], "/help")
        menu = await sim.wait_for_message(eve["id"])
        answers = []
        for data in (
            f"qd:{question_id}",  # drop a question of someone else's quiz
            f"pn:{quiz_id}:{group['id']}",  # start someone else's quiz in a group
            f"pb:{quiz_id}",
            f"dl:{quiz_id}",
            "qd:notanumber",
            "zz:1",
        ):
            answers.append(await callback_answer(sim, forge_tap(sim, eve["id"], menu, data)))
        sim.send_command(eve["id"], "/push")
        no_quiz = await sim.wait_for_message(eve["id"])
        seed_quiz(db, eve, n=2)  # now Eve has a quiz of her own, but no group of hers
        sim.send_command(eve["id"], "/push")
        pick = await wait_text(sim, eve["id"], lambda t: t == "Which quiz?")
        sim.tap_button(
            eve["id"], pick, pick["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        )
        no_group = await sim.wait_for_message(eve["id"], after=pick["message_id"])
    assert answers == [STALE] * 6
    assert no_quiz["text"].startswith("You have no published quiz.")
    assert no_group["text"].startswith("You are not an admin of any group I am in.")
    assert sim.transcript(group["id"]) == []
    with Store(db) as store:
        quiz = store.get_quiz(quiz_id)
        assert quiz.status == "published"
        assert all(q.enabled for q in quiz.questions)
        assert store.list_runs() == ()


async def test_a_students_own_commands(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    cat = sim.create_user("Cat")
    article = SEED.read_text(encoding="utf-8").encode()
    settings = bot_settings(sandbox, tmp_path, questions_per_quiz=3, max_upload_bytes=10_000)
    async with running_bot(settings):
        sim.send_document(cat["id"], b"x" * 20_000, file_name="big.txt", mime_type="text/plain")
        too_big = await sim.wait_for_message(cat["id"])
        ready = await make_quiz_from(sim, cat["id"], article, "seed.txt")
        sim.tap_button(cat["id"], ready, button(ready, "▶️"))
        poll = (await wait_polls(sim, cat["id"], 1))["poll"]
        sim.send_command(cat["id"], "/stop")
        stopped = await sim.wait_for_message(cat["id"], lambda m: "Stopped" in m.get("text", ""))
        sim.tap_button(cat["id"], ready, button(ready, "▶️"))
        for n in (2, 3, 4):
            poll = (await wait_polls(sim, cat["id"], n))["poll"]
            wrong = (poll["correct_option_ids"][0] + 1) % len(poll["options"])
            sim.vote(cat["id"], poll["id"], poll["correct_option_ids"] if n != 3 else [wrong])
        result = await wait_text(sim, cat["id"], lambda t: t.startswith("🏁"))
        sim.tap_button(cat["id"], result, button(result, "🔎"))
        mistakes = await sim.wait_for_message(cat["id"], after=result["message_id"])
        sim.send_command(cat["id"], "/start")
        greeting = await wait_text(sim, cat["id"], lambda t: t.startswith("Hi Cat!"))
        sim.send_command(cat["id"], "/score")
        score = await wait_text(sim, cat["id"], lambda t: t.startswith("Overall"))
        sim.send_command(cat["id"], "/top")
        top = await wait_text(sim, cat["id"], lambda t: t.startswith("🏆"))
        sim.send_command(cat["id"], "/review")
        review = await wait_text(sim, cat["id"], lambda t: t.startswith("Nothing to review"))
        sim.send_command(cat["id"], "/quizzes")
        listing = await wait_text(sim, cat["id"], lambda t: t.startswith("Your quizzes"))
        quiz_id = listing["text"].split("#", 1)[1].split(" ", 1)[0]
        sim.send_command(cat["id"], f"/rename {quiz_id} My <b>airstrike</b> quiz")
        renamed = await wait_text(sim, cat["id"], lambda t: t.startswith("Renamed"))
        sim.tap_button(cat["id"], listing, button(listing, "🗑"))
        deleted = await wait_text(sim, cat["id"], lambda t: t.startswith("Deleted"))
    assert (
        too_big.text
        if False
        else too_big["text"] == ("That file is 0.0 MB; I can read files up to 0.0 MB.")
        or "up to" in too_big["text"]
    )
    assert stopped["text"].startswith("Stopped.")
    assert len(greeting["text"].splitlines()) == 2
    offered = greeting["reply_markup"]["inline_keyboard"]
    assert [b["callback_data"] for row in offered for b in row] == [button(ready, "▶️")]
    assert "You got 2/3 right" in result["text"]
    assert mistakes["entities"][-1]["type"] == "blockquote"
    assert score["entities"][0] == {"type": "bold", "offset": 0, "length": 7}
    assert "2/3" in score["text"]
    assert "Cat: 2/3" in top["text"]
    assert review["text"].startswith("Nothing to review today.")
    assert renamed["text"] == "Renamed to My <b>airstrike</b> quiz."
    assert "My <b>airstrike</b> quiz" in deleted["text"]
    with Store(tmp_path / "quizbot.db") as store:
        runs = store.list_runs(chat_id=cat["id"])
        assert [r.state for r in runs] == ["finished", "finished"]
        assert store.list_quizzes(cat["id"]) == ()


async def test_time_runs_out_when_not_everyone_answers(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea")
    keen, absent = sim.create_user("Keen"), sim.create_user("Absent")
    seed_quiz(db, tea, n=2)
    settings = bot_settings(sandbox, tmp_path, seconds_per_question=5)
    async with running_bot(settings):
        group = sim.create_group("Class 4", owner=tea["id"], members=[keen["id"], absent["id"]])
        await push(sim, tea, "Class 4", "▶️")
        first = (await wait_polls(sim, group["id"], 1))["poll"]
        sim.vote(keen["id"], first["id"], first["correct_option_ids"])
        await sim.wait_until(lambda: sim.polls[first["id"]].votes)
        assert len(polls(sim, group["id"])) == 1  # Absent has not answered: no hurry
        second = (await wait_polls(sim, group["id"], 2, timeout=12))["poll"]
        sim.vote(keen["id"], second["id"], second["correct_option_ids"])  # all who play
        board = await wait_text(sim, group["id"], lambda t: t.startswith("🏆"))
        header = await wait_text(sim, group["id"], lambda t: t.startswith("📚"))
        read = header["reply_markup"]["inline_keyboard"][0][0]["url"].rsplit("=", 1)[1]
        sim.send_text(keen["id"], f"/start {read}")
        article = await sim.wait_for_message(keen["id"])
        sim.send_text(keen["id"], f"/start a{read[1:]}")  # a live run is no assignment
        not_assignment = await wait_text(sim, keen["id"], lambda t: t.startswith("That "))
    with Store(db) as store:
        (run,) = store.list_runs()
        title = store.get_quiz(run.quiz_id).title
    assert read == f"r{run.link_code}"
    assert article["text"].startswith(title)
    assert not_assignment["text"] == "That assignment is closed."
    assert sim.polls[first["id"]].poll["is_closed"]
    assert "Keen: 2/2" in board["text"]
    assert "Absent" not in board["text"]


async def test_one_article_at_a_time_and_more_questions_for_a_draft(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    dan = sim.create_user("Dan")
    article = SEED.read_text(encoding="utf-8").encode()
    async with running_bot(bot_settings(sandbox, tmp_path, questions_per_quiz=2)):
        sim.send_document(dan["id"], article, file_name="one.txt", mime_type="text/plain")
        sim.send_document(dan["id"], article, file_name="two.txt", mime_type="text/plain")
        await wait_text(sim, dan["id"], lambda t: t.startswith("I am still working"))
        ready = await wait_text(sim, dan["id"], lambda t: t.startswith("✅"), timeout=60)
        sim.tap_button(dan["id"], ready, button(ready, "📝"))
        footer = await wait_text(sim, dan["id"], lambda t: "questions kept" in t)
        sim.tap_button(dan["id"], footer, button(footer, "More"))
        added = await wait_text(sim, dan["id"], lambda t: t.startswith("Added"), timeout=60)
        new_footer = await sim.wait_for_message(
            dan["id"], lambda m: "questions kept" in m.get("text", ""), after=added["message_id"]
        )
    assert "2 questions ready" in ready["text"]
    more = int(added["text"].split()[1])
    assert 1 <= more <= 5
    assert f"{2 + more} of {2 + more} questions kept" in new_footer["text"]
    assert len([t for t in texts_in(sim, dan["id"]) if t.startswith("✅")]) == 1


async def test_review_brings_back_missed_questions_that_are_due(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea, eli = sim.create_user("Tea"), sim.create_user("Eli")
    quiz_id = seed_quiz(db, tea, n=3)
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    with Store(db) as store:
        store.upsert_user(eli["id"], first_name="Eli")
        missed = [q.id for q in store.get_quiz(quiz_id).questions[:2]]
        for question_id in missed:  # missed two days ago: due again since yesterday
            store.update_review(eli["id"], question_id, False, at=two_days_ago)
    async with running_bot(bot_settings(sandbox, tmp_path)):
        sim.send_command(eli["id"], "/review")
        intro = await sim.wait_for_message(eli["id"])
        first = (await wait_polls(sim, eli["id"], 1))["poll"]
        sim.vote(eli["id"], first["id"], first["correct_option_ids"])
        second = (await wait_polls(sim, eli["id"], 2))["poll"]
        wrong = (second["correct_option_ids"][0] + 1) % len(second["options"])
        sim.vote(eli["id"], second["id"], [wrong])
        done = await wait_text(sim, eli["id"], lambda t: t.startswith("🔁 Review done"))
        sim.send_command(eli["id"], "/review")
        none_left = await sim.wait_for_message(eli["id"])
    assert intro["text"].startswith("🔁 2 question(s) to review")
    assert "1/2" in done["text"]
    assert none_left["text"].startswith("Nothing to review today.")
    with Store(db) as store:
        (pending,) = store.reviews_due(eli["id"], at=datetime.now(UTC) + timedelta(days=4))
        assert pending.question_id == missed[1]
        assert pending.misses == 2


async def test_deep_links_carry_random_codes_and_guessed_ones_are_refused(
    sandbox, tmp_path
) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea, ted, fin = sim.create_user("Tea"), sim.create_user("Ted"), sim.create_user("Fin")
    quiz_id = seed_quiz(db, tea, n=2, publish=False)
    other = seed_quiz(db, ted, n=2)  # another teacher's published quiz
    draft = seed_quiz(db, tea, n=2, publish=False)
    with Store(db) as store:
        draft_code = store.get_quiz(draft).link_code
    async with running_bot(bot_settings(sandbox, tmp_path)):
        # The teacher publishes through the bot and gets the link to share.
        sim.send_command(tea["id"], "/quizzes")
        listing = await wait_text(sim, tea["id"], lambda t: t.startswith("Your quizzes"))
        sim.tap_button(tea["id"], listing, f"ed:{quiz_id}")
        footer = await wait_text(sim, tea["id"], lambda t: "questions kept" in t)
        sim.tap_button(tea["id"], footer, button(footer, "📢"))
        published = await wait_text(sim, tea["id"], lambda t: "is published" in t)
        link = re.search(r"https://t\.me/\S+", published["text"]).group(0)
        sim.send_command(tea["id"], "/quizzes")
        relisted = await sim.wait_for_message(tea["id"], after=published["message_id"])
        payload = link.rsplit("?start=", 1)[1]
        guesses = [
            f"q{quiz_id}",  # the old sequential links
            f"q{other}",
            f"a{quiz_id}",
            f"r{other}",
            f"q{payload[1:-1]}A" if payload[-1] != "A" else f"q{payload[1:-1]}B",
            f"r{payload[1:]}",  # a quiz's code is no run's code
            f"q{draft_code}",  # someone else's draft
            "q",
            "q../../etc",
            "hello",
        ]
        replies = []
        for guess in guesses:
            sent = sim.send_text(fin["id"], f"/start {guess}")
            replies.append(await sim.wait_for_message(fin["id"], after=sent["message_id"]))
        forged = await callback_answer(sim, forge_tap(sim, fin["id"], replies[0], f"pl:{other}"))
        assert polls(sim, fin["id"]) == []
        sim.send_text(fin["id"], f"/start {payload}")
        first = await wait_polls(sim, fin["id"], 1)
    old = (
        "That is an old quiz link, which no longer works. Ask your teacher for the new one "
        "(teachers find it in /quizzes)."
    )
    unknown = "I do not know that link: check that it was copied whole, or ask for it again."
    assert [r["text"] for r in replies] == [
        old,
        old,
        old,
        old,
        unknown,
        unknown,
        "That quiz is not available.",
        unknown,
        unknown,
        unknown,
    ]
    assert forged == STALE
    assert link.startswith("https://t.me/quizbot_test_bot?start=q")
    assert re.fullmatch(r"q[A-Za-z0-9_-]{22}", payload)
    assert link in relisted["text"]
    with Store(db) as store:
        assert store.get_quiz(quiz_id).link_code == payload[1:]
        (run,) = store.list_runs()
        assert (run.quiz_id, run.chat_id) == (quiz_id, fin["id"])
    assert first["poll"]["question"] in {q.question for q in Store(db).get_quiz(quiz_id).questions}


async def test_an_upgraded_database_keeps_its_quizzes_behind_new_links(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea, amy, bob = sim.create_user("Tea"), sim.create_user("Amy"), sim.create_user("Bob")
    group = sim.create_group("Old class", owner=tea["id"], members=[amy["id"], bob["id"]])
    version_2(db, teacher=tea["id"], group=group["id"])
    async with running_bot(bot_settings(sandbox, tmp_path)):
        sim.send_text(amy["id"], "/start q1")
        old_quiz = await sim.wait_for_message(amy["id"])
        sent = sim.send_text(bob["id"], "/start a1")
        old_assignment = await sim.wait_for_message(bob["id"], after=sent["message_id"])
        sim.send_command(tea["id"], "/quizzes")
        listing = await wait_text(sim, tea["id"], lambda t: t.startswith("Your quizzes"))
        links = re.findall(r"https://t\.me/\S+", listing["text"])
        sim.send_text(amy["id"], f"/start {links[0].rsplit('=', 1)[1]}")
        quiz_poll = await wait_polls(sim, amy["id"], 1)
        with Store(db) as store:
            assignment = store.get_run(1).link_code
        sim.send_text(bob["id"], f"/start a{assignment}")
        assignment_poll = await wait_polls(sim, bob["id"], 1)
    assert old_quiz["text"].startswith("That is an old quiz link")
    assert old_assignment["text"].startswith("That is an old quiz link")
    assert len(links) == 1  # the published quiz has a link; the draft has none
    assert quiz_poll["poll"]["question"] == "Old question 1.0?"
    assert assignment_poll["poll"]["question"] == "Old question 1.0?"
    with Store(db) as store:
        assert [(r.id, r.quiz_id, r.chat_id) for r in store.list_runs()] == [
            (2, 1, amy["id"]),  # Amy's private play of the old quiz
            (1, 1, group["id"]),  # the old assignment, which Bob is answering
        ]
