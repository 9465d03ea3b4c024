"""Storage speed: answers recorded per second, and query times with 100,000 answers stored.

Answers go through `Store.record_poll_answer`, one transaction each, as the bot records a poll
answer. The data: 10 group chats of 30 students, 500 runs of a 20-question quiz, 10 students
answering every question of each run -> 100,000 answers. With `--one-chat` all 500 runs are in
one chat of 300 students, so the chat leaderboard ranks all 100,000 answers. The last line
printed is JSON.

    .venv/bin/python benchmarks/storage.py [--one-chat]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage import Store

CHATS = 10
STUDENTS_PER_CHAT = 30
RUNS_PER_CHAT = 50
QUESTIONS = 20
PLAYERS_PER_RUN = 10  # 10 * 50 * 10 * 20 = 100,000 answers
QUERY_REPEATS = 30
T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)


def question(n: int) -> dict:
    return {
        "id": f"q{n}",
        "kind": "what",
        "question": f"What happened in sentence {n}?",
        "options": [f"Option {n}.{i}" for i in range(4)],
        "answer_index": n % 4,
        "explanation": f"Sentence {n} says so.",
        "evidence": {"text": f"Sentence {n}.", "start": n * 40, "end": n * 40 + 12},
        "difficulty": "medium",
        "score": 0.75,
    }


def median_ms(call: Callable[[], object]) -> float:
    times = []
    for _ in range(QUERY_REPEATS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    chats, runs_per_chat, students_per_chat = CHATS, RUNS_PER_CHAT, STUDENTS_PER_CHAT
    if "--one-chat" in sys.argv[1:]:
        chats, runs_per_chat, students_per_chat = 1, CHATS * RUNS_PER_CHAT, 300
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.db") as store:
        store.upsert_user(1, first_name="Teacher", at=T0)
        article = store.save_article(1, title="News", text="Some news.", source="n.txt", at=T0)
        quiz = store.save_quiz(
            article.id, title="Quiz", questions=[question(n) for n in range(QUESTIONS)], at=T0
        )
        planned: list[tuple[str, int, list[int], datetime]] = []
        for c in range(chats):
            chat_id = -1000 - c
            store.upsert_chat(chat_id, type="supergroup", title=f"Class {c}", at=T0)
            students = [10_000 + c * students_per_chat + s for s in range(students_per_chat)]
            for uid in students:
                store.upsert_user(uid, first_name=f"Student {uid}", at=T0)
            for r in range(runs_per_chat):
                started = T0 + timedelta(days=r, hours=c)
                run = store.create_run(quiz.id, chat_id=chat_id, started_by=1, at=started)
                players = rng.sample(students, PLAYERS_PER_RUN)
                for seq, qid in enumerate(run.question_ids):
                    poll_id = f"{run.id}-{seq}"
                    sent = started + timedelta(seconds=30 * seq)
                    store.register_poll(
                        poll_id,
                        run_id=run.id,
                        question_id=qid,
                        chat_id=chat_id,
                        message_id=seq,
                        sent_at=sent,
                    )
                    for uid in players:
                        at = sent + timedelta(milliseconds=rng.randint(800, 20_000))
                        planned.append((poll_id, uid, [rng.randrange(4)], at))
        rng.shuffle(planned)  # answers from many runs interleave, as in a busy bot

        start = time.perf_counter()
        for poll_id, uid, chosen, at in planned:
            store.record_poll_answer(poll_id, uid, chosen, at=at)
        elapsed = time.perf_counter() - start
        answers = store.db.table("answers").count
        answers_per_s = len(planned) / elapsed

        repeat_start = time.perf_counter()
        for poll_id, uid, chosen, at in planned[:10_000]:
            store.record_poll_answer(poll_id, uid, chosen, at=at)
        repeats_per_s = 10_000 / (time.perf_counter() - repeat_start)

        busiest_chat = -1000
        last_run = store.running_runs()[-1].id
        leaderboard_ms = median_ms(lambda: store.chat_leaderboard(busiest_chat))
        week_ms = median_ms(
            lambda: store.chat_leaderboard(
                busiest_chat, since=T0 + timedelta(days=20), until=T0 + timedelta(days=27)
            )
        )
        run_leaderboard_ms = median_ms(lambda: store.run_leaderboard(last_run))
        report_ms = median_ms(lambda: store.run_report(last_run))
        stats_ms = median_ms(lambda: store.question_stats(quiz.id))
        history_ms = median_ms(lambda: store.user_history(10_000))
        streak_ms = median_ms(lambda: store.user_streak(10_000))
        rows = len(store.chat_leaderboard(busiest_chat))
        chat_answers = sum(r.answered for r in store.chat_leaderboard(busiest_chat))

    print(f"answers stored: {answers:,}")
    print(f"record answer (new), one transaction each: {answers_per_s:,.0f} answers/s")
    print(f"record answer (repeat, returns stored):    {repeats_per_s:,.0f} answers/s")
    print(
        f"chat leaderboard, all time, {rows} rows over {chat_answers:,} answers: "
        f"{leaderboard_ms:.2f} ms"
    )
    print(f"chat leaderboard, one week:                {week_ms:.2f} ms")
    print(f"run leaderboard:                           {run_leaderboard_ms:.2f} ms")
    print(f"run report:                                {report_ms:.2f} ms")
    print(f"question stats over 100,000 answers:       {stats_ms:.2f} ms")
    print(f"user history / streak:                     {history_ms:.2f} / {streak_ms:.2f} ms")
    print(
        json.dumps(
            {
                "answers": answers,
                "leaderboard_answers": chat_answers,
                "answers_per_s": round(answers_per_s),
                "repeat_answers_per_s": round(repeats_per_s),
                "leaderboard_ms": round(leaderboard_ms, 3),
                "chat_leaderboard_week_ms": round(week_ms, 3),
                "run_leaderboard_ms": round(run_leaderboard_ms, 3),
                "report_ms": round(report_ms, 3),
                "question_stats_ms": round(stats_ms, 3),
                "user_history_ms": round(history_ms, 3),
                "user_streak_ms": round(streak_ms, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
