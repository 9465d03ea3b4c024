"""Two processes recording the same answers at the same moment: none lost, none doubled."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

from storage import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
USERS = 100
QUESTIONS = 100  # USERS * QUESTIONS = 10,000 answers
OVERLAP_FROM, OVERLAP_TO = 2_500, 7_500  # keys both processes record


def _question(n: int) -> dict:
    return {
        "id": f"q{n}",
        "kind": "what",
        "question": f"Question {n}?",
        "options": ["a", "b", "c"],
        "answer_index": 0,
        "explanation": "",
        "evidence": {"text": "s", "start": 0, "end": 1},
        "difficulty": "easy",
        "score": 1.0,
    }


def _record(path: str, run_id: int, keys: list, option: int, barrier, results) -> None:
    """Worker: record `option` for every (question id, user id) key; send back what was stored."""
    stored = []
    with Store(path, busy_timeout_ms=30_000) as store:
        barrier.wait()
        for question_id, user_id in keys:
            answer = store.record_answer(
                run_id, question_id, user_id, [option], elapsed_ms=option, at=T0
            )
            stored.append((answer.question_id, answer.user_id, answer.chosen[0]))
    results.put((option, stored))


def test_two_processes_record_10000_answers_without_loss_or_duplicates(tmp_path):
    path = str(tmp_path / "shared.db")
    with Store(path) as store:
        store.upsert_user(1, first_name="Teacher", at=T0)
        for uid in range(1000, 1000 + USERS):
            store.upsert_user(uid, first_name=f"S{uid}", at=T0)
        store.upsert_chat(-1, type="group", at=T0)
        article = store.save_article(1, title="A", text="A.", source="a.txt", at=T0)
        quiz = store.save_quiz(
            article.id, title="Q", questions=[_question(n) for n in range(QUESTIONS)], at=T0
        )
        run = store.create_run(quiz.id, chat_id=-1, started_by=1, at=T0)
    keys = [(qid, uid) for qid in run.question_ids for uid in range(1000, 1000 + USERS)]
    assert len(keys) == 10_000
    first = keys[:OVERLAP_TO]  # option 0, front to back
    second = list(reversed(keys[OVERLAP_FROM:]))  # option 1, back to front: they meet

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_record, args=(path, run.id, keys_, option, barrier, results))
        for option, keys_ in ((0, first), (1, second))
    ]
    for worker in workers:
        worker.start()
    stored = dict(results.get(timeout=120) for _ in workers)
    results.close()
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    stored_a, stored_b = stored[0], stored[1]

    with Store(path) as store:
        in_db = {(x.question_id, x.user_id): x.chosen[0] for x in store.get_answers(run.id)}
        assert store.db.table("answers").count == 10_000
        assert store.check() == []
    assert sorted(in_db) == sorted(keys)
    # Every process was handed back exactly what the database holds.
    assert {(q, u): c for q, u, c in stored_a} == {k: in_db[k] for k in first}
    assert {(q, u): c for q, u, c in stored_b} == {k: in_db[k] for k in second}
    # Each overlapping key was written by exactly one process; the other got the stored answer.
    lost_races = sum(c != 0 for *_, c in stored_a) + sum(c != 1 for *_, c in stored_b)
    assert lost_races == OVERLAP_TO - OVERLAP_FROM
    assert all(in_db[k] == 0 for k in keys[:OVERLAP_FROM])
    assert all(in_db[k] == 1 for k in keys[OVERLAP_TO:])


def _open_and_write(path: str, user_id: int, barrier, results) -> None:
    barrier.wait()
    with Store(path, busy_timeout_ms=30_000) as store:
        store.upsert_user(user_id, first_name="Racer", at=T0)
    results.put(user_id)


def test_two_processes_creating_the_database_at_once(tmp_path):
    path = str(tmp_path / "new.db")
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_open_and_write, args=(path, uid, barrier, results)) for uid in (1, 2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert sorted(results.get(timeout=5) for _ in workers) == [1, 2]
    results.close()
    with Store(path) as store:
        applied = [r["name"] for r in store.db.table("_sqlite_migrations").rows]
        assert store.schema_pending() == []
        assert len(applied) == len(set(applied))  # each migration applied once, by one of them
        assert [store.get_user(uid).first_name for uid in (1, 2)] == ["Racer", "Racer"]
