"""Databases as earlier versions of quizbot left them, built with their own migrations."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from storage.schema import MIGRATIONS

WHEN = "2026-11-01T10:00:00.000+00:00"


def version_2(path: Path, teacher: int, group: int, group_title: str = "Old class") -> None:
    """A database at migration m002 (before link codes): the teacher's published quiz 1 of
    two questions and draft quiz 2, and a running assignment (run 1) of quiz 1 in `group`."""
    with Database(path) as db:
        MIGRATIONS.apply(db, stop_before="m003_link_codes")
        db.table("users").insert(
            {"id": teacher, "first_name": "Teacher", "first_seen": WHEN, "last_seen": WHEN}
        )
        db.table("chats").insert(
            {
                "id": group,
                "type": "group",
                "title": group_title,
                "first_seen": WHEN,
                "last_seen": WHEN,
            }
        )
        db.table("articles").insert(
            {
                "id": 1,
                "owner_id": teacher,
                "title": "Old news",
                "text": "The council met on Monday. It approved a bridge. Work starts in May.",
                "source": "old.txt",
                "content_hash": "abc",
                "created_at": WHEN,
            }
        )
        for quiz_id, status in ((1, "published"), (2, "draft")):
            db.table("quizzes").insert(
                {
                    "id": quiz_id,
                    "article_id": 1,
                    "owner_id": teacher,
                    "title": f"Old quiz {quiz_id}",
                    "status": status,
                    "visibility": "link" if status == "published" else "private",
                    "created_at": WHEN,
                    "updated_at": WHEN,
                }
            )
            for n in range(2):
                db.table("questions").insert(
                    {
                        "id": 10 * quiz_id + n,
                        "quiz_id": quiz_id,
                        "position": n,
                        "key": f"q{n}",
                        "kind": "when",
                        "question": f"Old question {quiz_id}.{n}?",
                        "options": ["Monday", "Tuesday", "Friday"],
                        "answer_index": 0,
                        "explanation": "It says so.",
                        "evidence_text": "The council met on Monday.",
                        "evidence_start": 0,
                        "evidence_end": 26,
                        "difficulty": "easy",
                        "score": 0.5,
                    }
                )
        db.table("runs").insert(
            {
                "id": 1,
                "quiz_id": 1,
                "mode": "group",
                "chat_id": group,
                "started_by": teacher,
                "kind": "assignment",
                "deadline": "2099-01-01T00:00:00.000+00:00",
                "state": "running",
                "question_count": 2,
                "created_at": WHEN,
                "started_at": WHEN,
            }
        )
        db.table("run_questions").insert_all(
            [
                {"run_id": 1, "seq": 0, "question_id": 10},
                {"run_id": 1, "seq": 1, "question_id": 11},
            ]
        )
