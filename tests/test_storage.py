"""The store on a real SQLite file: schema, answers recorded once, scores, reports, backups."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from old_databases import version_2
from sqlite_utils import Database

from storage import (
    BackupExists,
    EmptyQuiz,
    InvalidQuestion,
    InvalidState,
    OptionOutOfRange,
    PollClosed,
    QuestionNotInQuiz,
    RunNotActive,
    StorageError,
    Store,
    UnknownLink,
    UnknownQuiz,
    UnknownRun,
    UnknownUser,
)
from storage.records import (
    LeaderboardRow,
    QuestionReport,
    QuestionStats,
    RunReport,
    Score,
    Streak,
    StudentReport,
)
from storage.schema import MIGRATIONS, new_link_code

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TEACHER = 1
CLASS_CHAT = -100


def question(n: int, answer: int = 0, options: int = 4) -> dict:
    """A question mapping shaped like the generator's output."""
    return {
        "id": f"q{n}",
        "kind": "what",
        "question": f"Question {n}?",
        "options": [f"option {n}.{i}" for i in range(options)],
        "answer_index": answer,
        "explanation": f"Because of sentence {n}.",
        "evidence": {"text": f"Sentence {n}.", "start": 20 * n, "end": 20 * n + 11},
        "difficulty": "easy",
        "score": 0.5,
    }


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "quizbot.db", clock=lambda: T0) as opened:
        yield opened


def make_quiz(store: Store, answers=(0, 1, 2), text: str = "An article.", title: str = "Quiz"):
    store.upsert_user(TEACHER, first_name="Teacher", at=T0)
    article = store.save_article(TEACHER, title="News", text=text, source="news.txt", at=T0)
    return store.save_quiz(
        article.id, title=title, questions=[question(i, a) for i, a in enumerate(answers)], at=T0
    )


def make_run(store: Store, answers=(0, 1, 2), students=(), **options):
    quiz = make_quiz(store, answers)
    store.upsert_chat(CLASS_CHAT, type="group", title="Class 7b", at=T0)
    for user_id, name in students:
        store.upsert_user(user_id, first_name=name, at=T0)
    return quiz, store.create_run(
        quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, at=T0, **options
    )


def answer_all(store: Store, run, user_id: int, chosen: list[int], ms: list[int], at=T0) -> None:
    for question_id, option, elapsed in zip(run.question_ids, chosen, ms, strict=True):
        store.record_answer(run.id, question_id, user_id, [option], elapsed_ms=elapsed, at=at)


# -- schema ------------------------------------------------------------------------------------


def test_migrates_from_empty_and_reopens(tmp_path):
    path = tmp_path / "fresh.db"
    with Store(path) as store:
        assert store.schema_pending() == []
        assert store.db.journal_mode == "wal"
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
        applied = [m.name for m in MIGRATIONS.applied(store.db)]
        store.upsert_user(7, first_name="Ada", at=T0)
    with Store(path) as store:
        assert [m.name for m in MIGRATIONS.applied(store.db)] == applied
        assert applied == [
            "m001_initial",
            "m002_reviews_and_scores",
            "m003_link_codes",
            "m004_user_time_zones",
            "m005_pending_replies_and_generations",
            "m006_result_messages",
        ]
        assert store.get_user(7).first_name == "Ada"
        assert store.check() == []


def test_database_made_by_version_1_upgrades(tmp_path):
    path = tmp_path / "old.db"
    with Database(path) as db:
        MIGRATIONS.apply(db, stop_before="m002_reviews_and_scores")
        assert not db.table("reviews").exists()
        when = "2026-11-01T10:00:00.000+00:00"
        db.table("users").insert_all(
            [
                {"id": uid, "first_name": name, "first_seen": when, "last_seen": when}
                for uid, name in [(1, "Teacher"), (2, "Ann"), (3, "Ben")]
            ]
        )
        db.table("chats").insert(
            {"id": -5, "type": "group", "title": "Old", "first_seen": when, "last_seen": when}
        )
        db.table("articles").insert(
            {
                "id": 1,
                "owner_id": 1,
                "title": "Old news",
                "text": "Text.",
                "source": "old.txt",
                "content_hash": "abc",
                "created_at": when,
            }
        )
        db.table("quizzes").insert(
            {
                "id": 1,
                "article_id": 1,
                "owner_id": 1,
                "title": "Old quiz",
                "created_at": when,
                "updated_at": when,
            }
        )
        for n in range(2):
            q = question(n)
            db.table("questions").insert(
                {
                    "id": 10 + n,
                    "quiz_id": 1,
                    "position": n,
                    "key": q["id"],
                    "kind": q["kind"],
                    "question": q["question"],
                    "options": q["options"],
                    "answer_index": 0,
                    "explanation": q["explanation"],
                    "evidence_text": "s",
                    "evidence_start": 0,
                    "evidence_end": 1,
                    "difficulty": "easy",
                    "score": 0.5,
                }
            )
        db.table("runs").insert(
            {
                "id": 1,
                "quiz_id": 1,
                "mode": "group",
                "chat_id": -5,
                "started_by": 1,
                "kind": "live",
                "state": "running",
                "question_count": 2,
                "created_at": when,
                "started_at": when,
            }
        )
        db.table("run_questions").insert_all(
            [
                {"run_id": 1, "seq": 0, "question_id": 10},
                {"run_id": 1, "seq": 1, "question_id": 11},
            ]
        )

        def answer(qid, uid, chosen, at):
            return {
                "run_id": 1,
                "question_id": qid,
                "user_id": uid,
                "chosen": [chosen],
                "correct": int(chosen == 0),
                "answered_at": at,
                "elapsed_ms": 1000,
            }

        db.table("answers").insert_all(
            [
                answer(10, 2, 1, "2026-11-01T10:00:05.000+00:00"),  # Ann misses q10
                answer(11, 2, 0, "2026-11-01T10:00:35.000+00:00"),
                answer(10, 3, 0, "2026-11-01T10:00:06.000+00:00"),
                answer(11, 3, 2, "2026-11-01T10:00:36.000+00:00"),  # Ben misses q11
            ]
        )

    with Store(path) as store:
        assert store.schema_pending() == []
        assert store.check() == []
        later = datetime(2026, 11, 3, tzinfo=UTC)
        ann = store.reviews_due(2, at=later)
        assert [(r.question_id, r.due_at, r.interval_days) for r in ann] == [
            (10, datetime(2026, 11, 2, 10, 0, 5, tzinfo=UTC), 1)
        ]
        assert [r.question_id for r in store.reviews_due(3, at=later)] == [11]
        assert store.reviews_due(2, at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC)) == ()
        assert [(r.name, r.rank, r.correct, r.total_ms) for r in store.run_leaderboard(1)] == [
            ("Ann", 1, 1, 2000),
            ("Ben", 1, 1, 2000),
        ]
        assert store.user_streak(2, today=date(2026, 11, 1)) == Streak(1, 1, date(2026, 11, 1))
        assert [(h.run_id, h.answered, h.correct) for h in store.user_history(3)] == [(1, 2, 1)]
        store.finish_run(1, at=later)
        assert store.get_run(1).state == "finished"
    with Store(path) as store:
        assert [m.name for m in MIGRATIONS.applied(store.db)][:2] == [
            "m001_initial",
            "m002_reviews_and_scores",
        ]


def test_database_made_by_version_2_gets_a_link_code_for_every_quiz_and_run(tmp_path):
    path = tmp_path / "v2.db"
    version_2(path, teacher=TEACHER, group=CLASS_CHAT)
    with Database(path) as db:
        assert "link_code" not in db.table("quizzes").columns_dict
    with Store(path, clock=lambda: T0) as store:
        assert store.schema_pending() == []
        assert store.check() == []
        codes = [store.get_quiz(1).link_code, store.get_quiz(2).link_code]
        codes.append(store.get_run(1).link_code)
        assert all(re.fullmatch(r"[A-Za-z0-9_-]{21}[A-Za-z0-9]", c) for c in codes)
        assert len(set(codes)) == 3
        assert store.quiz_by_link(codes[0]).id == 1
        assert store.run_by_link(codes[2]).id == 1
        with pytest.raises(UnknownLink):
            store.quiz_by_link(codes[2])  # a run's code opens no quiz
        with pytest.raises(UnknownLink):
            store.run_by_link("1")
        fresh = make_quiz(store)
        run = store.create_run(fresh.id, chat_id=CLASS_CHAT, started_by=TEACHER)
        assert {fresh.link_code, run.link_code}.isdisjoint(codes)
        store.delete_quiz(2)
        with pytest.raises(UnknownLink):
            store.quiz_by_link(codes[1])
        assert store.get_user(TEACHER).time_zone == "UTC"
        assert store.set_time_zone(TEACHER, "Europe/Berlin").time_zone == "Europe/Berlin"
    with Store(path) as store:  # the codes are kept, not made anew on each opening
        assert [store.get_quiz(1).link_code, store.get_run(1).link_code] == [codes[0], codes[2]]
        assert store.get_user(TEACHER).time_zone == "Europe/Berlin"
        store.upsert_user(TEACHER, first_name="Teacher")  # seen again: the zone stays
        assert store.get_user(TEACHER).time_zone == "Europe/Berlin"


# -- answers -----------------------------------------------------------------------------------


def test_answer_recorded_once(store):
    _, run = make_run(store, students=[(2, "Ann")])
    first = store.record_answer(run.id, run.question_ids[0], 2, [1], elapsed_ms=1500, at=T0)
    again = store.record_answer(
        run.id, run.question_ids[0], 2, [0], elapsed_ms=99, at=T0 + timedelta(seconds=5)
    )
    assert again == first
    assert first.chosen == (1,)
    assert first.correct is False
    assert store.get_answers(run.id) == (first,)


def test_poll_answer_recorded_once_even_after_close(store):
    _, run = make_run(store, students=[(2, "Ann"), (3, "Ben")], seconds_per_question=30)
    qid = run.question_ids[1]
    poll = store.register_poll(
        "P1", run_id=run.id, question_id=qid, chat_id=CLASS_CHAT, message_id=55, sent_at=T0
    )
    assert poll.closes_at == T0 + timedelta(seconds=30)
    assert poll.correct_option_ids == (1,)
    assert (
        store.register_poll(
            "P1",
            run_id=run.id,
            question_id=qid,
            chat_id=CLASS_CHAT,
            message_id=55,
            sent_at=T0 + timedelta(hours=1),
        )
        == poll
    )
    answer = store.record_poll_answer("P1", 2, [1], at=T0 + timedelta(seconds=4, milliseconds=250))
    assert (answer.correct, answer.elapsed_ms, answer.question_id) == (True, 4250, qid)
    store.close_poll("P1", at=T0 + timedelta(seconds=10))
    assert store.record_poll_answer("P1", 2, [3], at=T0 + timedelta(seconds=11)) == answer
    with pytest.raises(PollClosed, match="closed"):
        store.record_poll_answer("P1", 3, [1], at=T0 + timedelta(seconds=11))
    assert store.get_answers(run.id) == (answer,)


def test_votes_recorded_together_each_as_alone(store):
    _, run = make_run(store, students=[(2, "Ann"), (3, "Bob"), (4, "Cy")])
    first, second = run.question_ids[:2]
    for poll_id, qid in (("P1", first), ("P2", second)):
        store.register_poll(
            poll_id, run_id=run.id, question_id=qid, chat_id=CLASS_CHAT, message_id=1, sent_at=T0
        )
    store.close_poll("P2", at=T0)
    at = T0 + timedelta(seconds=3)
    votes = [
        ("P1", 2, [0]),  # Ann, right
        ("P1", 2, [1]),  # Ann again: her first answer stands
        ("P2", 3, [1]),  # a closed poll
        ("P1", 3, [7]),  # no such option
        ("P9", 3, [0]),  # no such poll
        ("P1", 4, [2]),  # Cy, wrong
        ("P1", 5, [0]),  # nobody the store knows
    ]
    outcomes = store.record_poll_answers(votes, at=at)
    ann = store.get_answer(run.id, first, 2)
    cy = store.get_answer(run.id, first, 4)
    assert [type(o).__name__ for o in outcomes[2:5]] + [type(outcomes[6]).__name__] == [
        "PollClosed",
        "OptionOutOfRange",
        "UnknownPoll",
        "UnknownUser",
    ]
    assert outcomes[:2] == [ann, ann]  # a repeat in the same batch returns the first
    assert outcomes[5] == cy
    assert (ann.chosen, ann.correct, ann.elapsed_ms, cy.correct) == ((0,), True, 3000, False)
    assert store.get_answers(run.id) == (ann, cy)
    assert store.run_score(run.id, 4).correct == 0
    assert store.check() == []


def test_poll_closes_by_time(store):
    _, run = make_run(store, students=[(2, "Ann")], seconds_per_question=20)
    store.register_poll(
        "P",
        run_id=run.id,
        question_id=run.question_ids[0],
        chat_id=CLASS_CHAT,
        message_id=1,
        sent_at=T0,
    )
    with pytest.raises(PollClosed):
        store.record_poll_answer("P", 2, [0], at=T0 + timedelta(seconds=21))
    assert store.get_answers(run.id) == ()


def test_caller_errors_are_typed_and_write_nothing(store):
    _, run = make_run(store, students=[(2, "Ann")])
    other = make_quiz(store, answers=(0,), text="Another article.", title="Other")
    qid = run.question_ids[0]
    cases = [
        (UnknownRun, lambda: store.record_answer(999, qid, 2, [0], elapsed_ms=1)),
        (
            QuestionNotInQuiz,
            lambda: store.record_answer(run.id, other.questions[0].id, 2, [0], elapsed_ms=1),
        ),
        (OptionOutOfRange, lambda: store.record_answer(run.id, qid, 2, [4], elapsed_ms=1)),
        (OptionOutOfRange, lambda: store.record_answer(run.id, qid, 2, [], elapsed_ms=1)),
        (OptionOutOfRange, lambda: store.record_answer(run.id, qid, 2, [-1], elapsed_ms=1)),
        (UnknownUser, lambda: store.record_answer(run.id, qid, 404, [0], elapsed_ms=1)),
        (
            QuestionNotInQuiz,
            lambda: store.register_poll(
                "X",
                run_id=run.id,
                question_id=other.questions[0].id,
                chat_id=CLASS_CHAT,
                message_id=1,
            ),
        ),
    ]
    for error, call in cases:
        with pytest.raises(error) as caught:
            call()
        assert isinstance(caught.value, StorageError)
        assert str(caught.value)
    store.finish_run(run.id, at=T0)
    with pytest.raises(RunNotActive, match="not running"):
        store.record_answer(run.id, qid, 2, [0], elapsed_ms=1)
    assert store.get_answers(run.id) == ()
    assert store.db.table("polls").count == 0
    assert store.db.table("reviews").count == 0


def test_bad_question_saves_no_quiz(store):
    store.upsert_user(TEACHER, first_name="T")
    article = store.save_article(TEACHER, title="A", text="Text.", source="a.txt")
    bad = question(2) | {"answer_index": 9}
    with pytest.raises(InvalidQuestion, match="Question 2: answer_index"):
        store.save_quiz(article.id, title="Q", questions=[question(1), bad])
    missing = {k: v for k, v in question(1).items() if k != "evidence"}
    with pytest.raises(InvalidQuestion, match="missing fields \\['evidence'\\]"):
        store.save_quiz(article.id, title="Q", questions=[missing])
    with pytest.raises(InvalidQuestion, match="share an id"):
        store.save_quiz(article.id, title="Q", questions=[question(1), question(1)])
    assert store.list_quizzes(TEACHER) == ()
    assert store.db.table("questions").count == 0


def test_assignment_deadline_stops_answers(store):
    _, run = make_run(
        store, students=[(2, "Ann")], kind="assignment", deadline=T0 + timedelta(days=1)
    )
    qid = run.question_ids[0]
    store.record_answer(run.id, qid, 2, [0], elapsed_ms=5, at=T0 + timedelta(hours=23))
    with pytest.raises(RunNotActive):
        store.record_answer(
            run.id, run.question_ids[1], 2, [0], elapsed_ms=5, at=T0 + timedelta(days=1, seconds=1)
        )


# -- users, articles, quizzes, runs --------------------------------------------------------------


def test_users_chats_and_admin_cache(store):
    user = store.upsert_user(5, first_name="Cy", username="cy", language="en", at=T0)
    assert (user.display_name, user.first_seen, user.blocked) == ("Cy", T0, False)
    assert store.set_user_blocked(5).blocked is True
    later = store.upsert_user(5, first_name="Cyril", at=T0 + timedelta(days=1))
    assert (later.first_name, later.first_seen, later.last_seen, later.blocked) == (
        "Cyril",
        T0,
        T0 + timedelta(days=1),
        False,
    )
    store.upsert_chat(-9, type="supergroup", title="Club", at=T0)
    assert store.chat_admins(-9) is None
    store.set_chat_admins(-9, [5, 3, 5], at=T0)
    assert store.chat_admins(-9, max_age=timedelta(minutes=10), at=T0) == (3, 5)
    assert store.chat_admins(-9, max_age=timedelta(minutes=10), at=T0 + timedelta(hours=1)) is None
    store.set_chat_admins(-9, [7], at=T0 + timedelta(hours=1))
    assert store.chat_admins(-9) == (7,)


def test_article_stored_once_per_owner(store):
    for uid in (1, 2):
        store.upsert_user(uid, first_name=f"U{uid}")
    first = store.save_article(1, title="A", text="One  text.\nTwo.", source="a.txt")
    same = store.save_article(1, title="A again", text="One text. Two.", source="b.txt")
    other_owner = store.save_article(2, title="A", text="One text. Two.", source="a.txt")
    assert same == first
    assert other_owner.id != first.id
    assert store.db.table("articles").count == 2


def test_quiz_edits_and_enabled_questions(store):
    quiz = make_quiz(store, answers=(0, 1, 2))
    assert [(q.key, q.position, q.options[q.answer_index]) for q in quiz.questions] == [
        ("q0", 0, "option 0.0"),
        ("q1", 1, "option 1.1"),
        ("q2", 2, "option 2.2"),
    ]
    assert quiz.questions[0].evidence.text == "Sentence 0."
    store.set_question_enabled(quiz.questions[1].id, False)
    edited = store.edit_question(quiz.questions[2].id, options=["yes", "no"], answer_index=1)
    assert (edited.options, edited.answer_index, edited.edited) == (("yes", "no"), 1, True)
    with pytest.raises(InvalidQuestion):
        store.edit_question(quiz.questions[2].id, answer_index=2)
    assert store.rename_quiz(quiz.id, "Better title").title == "Better title"
    published = store.publish_quiz(quiz.id, visibility="public")
    assert (published.status, published.visibility) == ("published", "public")
    store.upsert_chat(TEACHER, type="private")
    run = store.create_run(quiz.id, chat_id=TEACHER, started_by=TEACHER)
    assert run.mode == "private"
    assert run.question_ids == (quiz.questions[0].id, quiz.questions[2].id)
    for q in quiz.questions:
        store.set_question_enabled(q.id, False)
    with pytest.raises(EmptyQuiz):
        store.create_run(quiz.id, chat_id=TEACHER, started_by=TEACHER)


def test_run_lifecycle_and_resume(store):
    quiz, live = make_run(store, students=[(2, "Ann")], seconds_per_question=30)
    later = store.create_run(
        quiz.id,
        chat_id=CLASS_CHAT,
        started_by=TEACHER,
        scheduled_at=T0 + timedelta(hours=2),
        at=T0,
    )
    assert (later.state, later.started_at) == ("scheduled", None)
    assert store.due_runs(at=T0 + timedelta(hours=1)) == ()
    assert [r.id for r in store.due_runs(at=T0 + timedelta(hours=2))] == [later.id]
    assert [r.id for r in store.running_runs()] == [live.id]
    started = store.start_run(later.id, at=T0 + timedelta(hours=2))
    assert (started.state, started.started_at) == ("running", T0 + timedelta(hours=2))
    with pytest.raises(InvalidState):
        store.start_run(later.id)
    assert store.advance_run(live.id, expected_position=0).position == 1
    with pytest.raises(InvalidState, match="at question 2, not 1"):
        store.advance_run(live.id, expected_position=0)
    assert store.get_run(live.id).current_question_id == live.question_ids[1]
    store.register_poll(
        "P",
        run_id=live.id,
        question_id=live.question_ids[1],
        chat_id=CLASS_CHAT,
        message_id=3,
        sent_at=T0,
    )
    finished = store.finish_run(live.id, at=T0 + timedelta(minutes=5))
    assert (finished.state, finished.finished_at) == ("finished", T0 + timedelta(minutes=5))
    assert store.get_poll("P").closed_at == T0 + timedelta(minutes=5)
    assert store.finish_run(live.id, at=T0 + timedelta(hours=9)) == finished
    with pytest.raises(RunNotActive):
        store.advance_run(live.id)
    with pytest.raises(RunNotActive):
        store.register_poll(
            "Q", run_id=live.id, question_id=live.question_ids[2], chat_id=CLASS_CHAT, message_id=4
        )
    assert [r.id for r in store.running_runs()] == [later.id]


# -- scores ------------------------------------------------------------------------------------


def test_run_leaderboard_order_and_ties(store):
    students = [(10, "Ann"), (11, "Ben"), (12, "Cat"), (13, "Dan"), (14, "Eve"), (15, "Fay")]
    _, run = make_run(store, answers=(0, 0, 0), students=students)
    answer_all(store, run, 10, [0, 0, 0], [1000, 1000, 1000])  # 3/3 in 3.0 s
    answer_all(store, run, 11, [0, 0, 0], [500, 500, 2000])  # 3/3 in 3.0 s: ties with Ann
    answer_all(store, run, 12, [0, 0, 0], [700, 700, 600])  # 3/3 in 2.0 s: first
    answer_all(store, run, 13, [0, 0, 1], [100, 100, 100])  # 2/3, fast
    store.record_answer(run.id, run.question_ids[0], 14, [0], elapsed_ms=50)  # 1/3
    store.record_answer(run.id, run.question_ids[1], 14, [0], elapsed_ms=50)  # 2/3 in 0.1 s
    answer_all(store, run, 15, [1, 1, 1], [10, 10, 10])  # 0/3
    board = store.run_leaderboard(run.id)
    assert [(r.rank, r.name, r.correct, r.total_ms) for r in board] == [
        (1, "Cat", 3, 2000),
        (2, "Ann", 3, 3000),
        (2, "Ben", 3, 3000),
        (4, "Eve", 2, 100),
        (5, "Dan", 2, 300),
        (6, "Fay", 0, 30),
    ]
    assert board[3] == LeaderboardRow(
        rank=4,
        user_id=14,
        name="Eve",
        answered=2,
        correct=2,
        asked=3,
        accuracy=2 / 3,
        total_ms=100,
    )
    assert [r.name for r in store.run_leaderboard(run.id, limit=2)] == ["Cat", "Ann"]
    assert store.run_score(run.id, 14) == Score(
        run_id=run.id, user_id=14, answered=2, correct=2, asked=3, total_ms=100
    )
    assert store.run_score(run.id, TEACHER) == Score(run.id, TEACHER, 0, 0, 3, 0)
    with pytest.raises(UnknownRun):
        store.run_leaderboard(999)


def test_chat_leaderboard_over_a_period(store):
    quiz, first = make_run(store, answers=(0, 0), students=[(10, "Ann"), (11, "Ben")])
    second = store.create_run(
        quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, at=T0 + timedelta(days=3)
    )
    old = store.create_run(
        quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, at=T0 - timedelta(days=30)
    )
    answer_all(store, first, 10, [0, 0], [1000, 1000])  # Ann: 2/2
    answer_all(store, first, 11, [0, 1], [500, 500])  # Ben: 1/2
    answer_all(store, second, 11, [0, 0], [500, 500])  # Ben: 2/2
    answer_all(store, old, 10, [1, 1], [1, 1])  # Ann: 0/2, before the period
    week = store.chat_leaderboard(CLASS_CHAT, since=T0, until=T0 + timedelta(days=7))
    # Ann 2 of 2 asked; Ben 3 of 4 asked.
    assert [(r.rank, r.name, r.correct, r.asked, r.total_ms) for r in week] == [
        (1, "Ann", 2, 2, 2000),
        (2, "Ben", 3, 4, 2000),
    ]
    ever = store.chat_leaderboard(CLASS_CHAT)
    assert [(r.rank, r.name, r.correct, r.asked) for r in ever] == [
        (1, "Ben", 3, 4),
        (2, "Ann", 2, 4),
    ]
    assert [(r.rank, r.name) for r in store.chat_leaderboard(CLASS_CHAT, since=T0, until=T0)] == []


def test_run_report_matches_hand_figures(store):
    # Three questions; the right answers are options 0, 1 and 2.
    _, run = make_run(store, students=[(21, "Ann"), (22, "Ben"), (23, "Cat")])
    answer_all(store, run, 21, [0, 1, 2], [2000, 3000, 4000])  # 3 right, 9.0 s
    answer_all(store, run, 22, [0, 3, 0], [1000, 1500, 2500])  # 1 right, 5.0 s
    store.record_answer(run.id, run.question_ids[0], 23, [2], elapsed_ms=800)  # wrong
    store.record_answer(run.id, run.question_ids[1], 23, [3], elapsed_ms=700)  # wrong
    report = store.run_report(run.id)
    q = run.question_ids
    assert report == RunReport(
        run_id=run.id,
        quiz_title="Quiz",
        students=(
            StudentReport(21, "Ann", answered=3, correct=3, asked=3, total_ms=9000),
            StudentReport(22, "Ben", answered=3, correct=1, asked=3, total_ms=5000),
            StudentReport(23, "Cat", answered=2, correct=0, asked=3, total_ms=1500),
        ),
        questions=(
            # Q1: Ann and Ben right, Cat chose option 2.
            QuestionReport(1, q[0], "Question 0?", 3, 2, 2 / 3, 2, "option 0.2", 1),
            # Q2: Ann right, Ben and Cat both chose option 3.
            QuestionReport(2, q[1], "Question 1?", 3, 1, 1 / 3, 3, "option 1.3", 2),
            # Q3: Ann right, Ben chose option 0, Cat did not answer.
            QuestionReport(3, q[2], "Question 2?", 2, 1, 1 / 2, 0, "option 2.0", 1),
        ),
    )
    assert list(report.csv_rows()) == [
        ["student_id", "student", "answered", "correct", "asked", "total_seconds"],
        [21, "Ann", 3, 3, 3, 9.0],
        [22, "Ben", 3, 1, 3, 5.0],
        [23, "Cat", 2, 0, 3, 1.5],
        [],
        [
            "question_no",
            "question",
            "answered",
            "correct",
            "correct_rate",
            "most_chosen_wrong_option",
            "times_chosen",
        ],
        [1, "Question 0?", 3, 2, 0.6667, "option 0.2", 1],
        [2, "Question 1?", 3, 1, 0.3333, "option 1.3", 2],
        [3, "Question 2?", 2, 1, 0.5, "option 2.0", 1],
    ]
    stats = store.question_stats(run.quiz_id)
    assert stats[1] == QuestionStats(q[1], 1, "Question 1?", 3, 1, 1 / 3)


def test_history_and_streak(store):
    quiz, run = make_run(store, answers=(0, 0), students=[(2, "Ann")])
    days = [T0, T0 + timedelta(days=1), T0 + timedelta(days=3), T0 + timedelta(days=4)]
    runs = [run] + [
        store.create_run(quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, at=d) for d in days[1:]
    ]
    for r, d in zip(runs, days, strict=True):
        answer_all(store, r, 2, [0, 1], [100, 200], at=d)
    assert store.user_streak(2, today=date(2026, 11, 6)) == Streak(2, 2, date(2026, 11, 6))
    assert store.user_streak(2, today=date(2026, 11, 7)) == Streak(2, 2, date(2026, 11, 6))
    assert store.user_streak(2, today=date(2026, 11, 8)) == Streak(0, 2, date(2026, 11, 6))
    assert store.user_streak(99, today=date(2026, 11, 8)) == Streak(0, 0, None)
    history = store.user_history(2, limit=3)
    assert [(h.run_id, h.answered, h.correct, h.asked, h.total_ms) for h in history] == [
        (runs[3].id, 2, 1, 2, 300),
        (runs[2].id, 2, 1, 2, 300),
        (runs[1].id, 2, 1, 2, 300),
    ]


def test_missed_question_comes_back_after_1_3_7_days(store):
    _, run = make_run(store, answers=(0,), students=[(2, "Ann")])
    qid = run.question_ids[0]
    store.record_answer(run.id, qid, 2, [1], elapsed_ms=10, at=T0)
    assert store.reviews_due(2, at=T0 + timedelta(hours=23)) == ()
    due = T0
    for interval in (1, 3, 7, 7):
        due = due + timedelta(days=interval)
        [review] = store.reviews_due(2, at=due)
        assert (review.question_id, review.due_at, review.interval_days) == (qid, due, interval)
        store.update_review(2, qid, correct=False, at=due)
    assert store.update_review(2, qid, correct=True, at=due) is None
    assert store.reviews_due(2, at=due + timedelta(days=30)) == ()
    again = store.update_review(2, qid, correct=False, at=due)
    assert (again.interval_days, again.misses) == (1, 6)


# -- soft delete and backup --------------------------------------------------------------------


def test_soft_delete_hides_quiz_but_keeps_results(store):
    quiz, run = make_run(store, students=[(2, "Ann")])
    answer_all(store, run, 2, [0, 0, 0], [100, 100, 100])
    before = store.run_report(run.id)
    store.delete_quiz(quiz.id)
    with pytest.raises(UnknownQuiz, match="deleted"):
        store.get_quiz(quiz.id)
    with pytest.raises(UnknownQuiz):
        store.create_run(quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER)
    with pytest.raises(UnknownQuiz):
        store.rename_quiz(quiz.id, "x")
    assert store.list_quizzes(TEACHER) == ()
    assert store.get_quiz(quiz.id, include_deleted=True).status == "deleted"
    assert store.run_report(run.id) == before
    assert [r.correct for r in store.run_leaderboard(run.id)] == [1]
    assert [h.quiz_title for h in store.user_history(2)] == ["Quiz"]
    assert store.reviews_due(2, at=T0 + timedelta(days=30)) == ()


def test_backup_restores_to_an_identical_database(store, tmp_path):
    _, run = make_run(store, students=[(2, "Ann"), (3, "Ben")])
    answer_all(store, run, 2, [0, 1, 3], [100, 200, 300])
    target = tmp_path / "backup.db"
    store.backup(target)
    with pytest.raises(BackupExists):
        store.backup(target)
    with Store(target, create=False) as restored:
        assert restored.check() == []
        assert list(restored.db.conn.iterdump()) == list(store.db.conn.iterdump())
        assert restored.run_report(run.id) == store.run_report(run.id)


def test_in_memory_store_for_quick_tests():
    with Store(":memory:") as store:
        assert store.schema_pending() == []
        _, run = make_run(store, answers=(1,), students=[(2, "Ann")])
        store.record_answer(run.id, run.question_ids[0], 2, [1], elapsed_ms=10)
        assert store.run_score(run.id, 2).correct == 1


def test_from_env_reads_quizbot_db(tmp_path):
    path = tmp_path / "env.db"
    with Store.from_env({"QUIZBOT_DB": str(path)}) as store:
        assert store.path == str(path)
    assert path.is_file()


def test_totals_kept_by_triggers_follow_the_answers(store):
    _, run = make_run(store, students=[(2, "Ann")])
    answer_all(store, run, 2, [0, 1, 0], [100, 200, 300], at=T0)
    assert store.run_score(run.id, 2) == Score(run.id, 2, 3, 2, 3, 600)
    store.db.table("answers").delete((run.id, run.question_ids[2], 2))
    assert store.run_score(run.id, 2) == Score(run.id, 2, 2, 2, 3, 300)
    assert store.check() == []
    for qid in run.question_ids[:2]:
        store.db.table("answers").delete((run.id, qid, 2))
    assert store.run_leaderboard(run.id) == ()
    assert store.user_streak(2, today=T0.date()) == Streak(0, 0, None)
    assert store.check() == []


# -- reads for the bot -------------------------------------------------------------------------


def test_list_runs_filters_newest_first_and_polls_answers_of_a_run(store):
    quiz, run = make_run(store, students=[(7, "Ann"), (8, "Bob")], seconds_per_question=20)
    other = store.create_run(quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, kind="assignment")
    store.finish_run(run.id)
    assert [r.id for r in store.list_runs(chat_id=CLASS_CHAT)] == [other.id, run.id]
    assert [r.id for r in store.list_runs(states=["running"])] == [other.id]
    assert [r.id for r in store.list_runs(kinds=["live"], started_by=TEACHER)] == [run.id]
    assert store.list_runs(quiz_id=quiz.id, limit=1) == (store.get_run(other.id),)
    assert store.list_runs(started_by=7) == ()
    first = other.question_ids[0]
    store.register_poll("p1", run_id=other.id, question_id=first, chat_id=CLASS_CHAT, message_id=5)
    assert [p.id for p in store.run_polls(other.id)] == ["p1"]
    assert store.get_answer(other.id, first, 7) is None
    store.record_poll_answer("p1", 7, [1])
    assert store.get_answer(other.id, first, 7).chosen == (1,)


def test_list_chats_and_quiz_leaderboard(store):
    quiz, run = make_run(store, students=[(7, "Ann"), (8, "Bob")])
    store.upsert_chat(-200, type="supergroup", title="A class", at=T0)
    store.upsert_chat(-300, type="group", title="Gone", is_member=False, at=T0)
    store.upsert_chat(7, type="private", at=T0)
    assert [c.id for c in store.list_chats()] == [-200, CLASS_CHAT]
    answer_all(store, run, 7, [0, 1, 2], [1000, 1000, 1000])
    again = store.create_run(quiz.id, chat_id=7, started_by=7)
    answer_all(store, again, 8, [0, 0, 0], [500, 500, 500])
    board = store.quiz_leaderboard(quiz.id)
    assert [(r.rank, r.user_id, r.correct, r.asked) for r in board] == [(1, 7, 3, 3), (2, 8, 1, 3)]
    assert [store.quiz_rank(quiz.id, user) for user in (7, 8, 9)] == [(1, 2), (2, 2), (None, 2)]


def test_quiz_rank_is_the_rank_on_the_quiz_leaderboard_ties_and_all(store):
    quiz, run = make_run(store, students=[(u, f"S{u}") for u in range(10, 22)])
    # Right answers 0-3 of 3 and times that tie on purpose; 20 and 21 play privately too.
    for user in range(10, 20):
        right = user % 4
        chosen = [i if i < right else (i + 1) % 4 for i in range(3)]
        answer_all(store, run, user, chosen, [1000 * (user % 3)] * 3)
    for user in (20, 21):
        store.upsert_chat(user, type="private", at=T0)
        again = store.create_run(quiz.id, chat_id=user, started_by=user, at=T0)
        answer_all(store, again, user, [0, 1, 2], [500] * 3)
    answer_all(store, run, 20, [0, 0, 0], [500] * 3)
    board = store.quiz_leaderboard(quiz.id)
    assert len({row.rank for row in board}) < len(board)  # there are ties
    assert [store.quiz_rank(quiz.id, row.user_id) for row in board] == [
        (row.rank, len(board)) for row in board
    ]
    assert store.quiz_rank(quiz.id, 99) == (None, len(board))


def test_results_owed_after_a_group_run_until_each_is_noted(store):
    quiz, run = make_run(store, students=[(7, "Ann"), (8, "Bob")])
    answer_all(store, run, 7, [0, 1, 2], [1000] * 3)
    answer_all(store, run, 8, [0, 0, 0], [1000] * 3)
    store.upsert_chat(7, type="private", at=T0)
    alone = store.create_run(quiz.id, chat_id=7, started_by=7, at=T0)
    store.finish_run(alone.id, at=T0)  # a private run owes no results
    assert store.runs_owing_results() == ()  # still running
    store.finish_run(run.id, at=T0)
    assert [r.id for r in store.runs_owing_results()] == [run.id]
    assert store.results_owed(run.id) == (7, 8)  # the board's order
    store.result_sent(run.id, 7, at=T0)
    store.result_sent(run.id, 7, at=T0)
    assert store.results_owed(run.id) == (8,)
    store.results_done(run.id, at=T0)
    assert store.runs_owing_results() == ()


def test_runs_finished_before_results_were_noted_owe_none(tmp_path):
    path = tmp_path / "old.db"
    version_2(path, teacher=TEACHER, group=CLASS_CHAT)
    with Database(path) as db:
        db.execute("UPDATE runs SET state = 'finished', finished_at = ?", (T0.isoformat(),))
    with Store(path) as store:
        assert store.list_runs(states=["finished"]) != ()
        assert store.runs_owing_results() == ()


def test_add_questions_appends_only_new_ids(store):
    quiz = make_quiz(store, answers=(0, 1))
    grown = store.add_questions(quiz.id, [question(1), question(5, 2), question(6)])
    assert [q.key for q in grown.questions] == ["q0", "q1", "q5", "q6"]
    assert [q.position for q in grown.questions] == [0, 1, 2, 3]
    assert grown.questions[2].answer_index == 2
    with pytest.raises(UnknownQuiz):
        store.add_questions(999, [question(7)])


def test_a_run_of_some_questions_in_a_given_order(store):
    quiz, _ = make_run(store, answers=(0, 1, 2, 3))
    ids = [q.id for q in quiz.questions]
    review = store.create_run(
        quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, question_ids=[ids[2], ids[0]]
    )
    assert review.question_ids == (ids[2], ids[0])
    assert store.run_score(review.id, TEACHER).asked == 2
    store.set_question_enabled(ids[1], False)
    with pytest.raises(StorageError):
        store.create_run(quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, question_ids=[ids[1]])
    with pytest.raises(EmptyQuiz):
        store.create_run(quiz.id, chat_id=CLASS_CHAT, started_by=TEACHER, question_ids=[])


def test_link_codes_are_random_and_fit_a_start_parameter():
    codes = {new_link_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{21}[A-Za-z0-9]", c) for c in codes)
    assert {"-", "_"} <= {ch for c in codes for ch in c}  # the whole alphabet is used


def test_a_pending_reply_is_taken_once_and_replaced_by_a_newer_one(store):
    quiz = make_quiz(store)
    store.upsert_chat(CLASS_CHAT, type="group", title="Class 7b", at=T0)
    first = store.set_pending_reply(
        TEACHER, "edit", question_id=quiz.questions[0].id, expires_in=timedelta(hours=1)
    )
    assert (first.kind, first.question_id, first.expires_at) == (
        "edit",
        quiz.questions[0].id,
        T0 + timedelta(hours=1),
    )
    assert not first.expired(T0 + timedelta(minutes=59))
    assert first.expired(T0 + timedelta(hours=1))
    store.set_pending_reply(
        TEACHER, "schedule", quiz_id=quiz.id, chat_id=CLASS_CHAT, expires_in=timedelta(hours=1)
    )
    taken = store.take_pending_reply(TEACHER)
    assert (taken.kind, taken.quiz_id, taken.chat_id, taken.question_id) == (
        "schedule",
        quiz.id,
        CLASS_CHAT,
        None,
    )
    assert store.take_pending_reply(TEACHER) is None
    with pytest.raises(ValueError, match="an edit names its question"):
        store.set_pending_reply(TEACHER, "edit", expires_in=timedelta(hours=1))
    with pytest.raises(UnknownUser):
        store.set_pending_reply(
            999, "edit", question_id=quiz.questions[0].id, expires_in=timedelta(hours=1)
        )


def test_generation_slots_are_counted_over_the_last_hour(store):
    store.upsert_user(TEACHER, first_name="Teacher", at=T0)
    store.upsert_user(2, first_name="Ann", at=T0)
    minute = timedelta(minutes=1)
    assert store.take_generation_slot(TEACHER, limit=2, at=T0) is None
    assert store.take_generation_slot(TEACHER, limit=2, at=T0 + 30 * minute) is None
    assert store.take_generation_slot(TEACHER, limit=2, at=T0 + 59 * minute) == 2
    assert store.take_generation_slot(2, limit=2, at=T0 + 59 * minute) is None  # per user
    assert store.take_generation_slot(TEACHER, limit=2, at=T0 + 60 * minute) is None
    assert store.take_generation_slot(TEACHER, limit=2, at=T0 + 61 * minute) == 2
