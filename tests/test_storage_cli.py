"""`quizbot report`, `quizbot db backup` and `quizbot db check`, run in-process."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from bot.cli import main
from storage import Store

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _question(n: int, answer: int) -> dict:
    return {
        "id": f"q{n}",
        "kind": "who",
        "question": f"Who {n}?",
        "options": ["Ann", "Ben", "Cat"],
        "answer_index": answer,
        "explanation": "",
        "evidence": {"text": "s", "start": 0, "end": 1},
        "difficulty": "medium",
        "score": 0.9,
    }


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    """A database holding one run of two questions answered by two students."""
    path = tmp_path / "quizbot.db"
    monkeypatch.setenv("QUIZBOT_DB", str(path))
    with Store(path) as store:
        store.upsert_user(1, first_name="Teacher", at=T0)
        store.upsert_user(2, first_name="Ann", last_name="Lee", at=T0)
        store.upsert_user(3, first_name="", username="ben", at=T0)
        store.upsert_chat(-7, type="group", title="7b", at=T0)
        article = store.save_article(1, title="A", text="A.", source="a.txt", at=T0)
        quiz = store.save_quiz(article.id, title="Q", questions=[_question(0, 0), _question(1, 2)])
        run = store.create_run(quiz.id, chat_id=-7, started_by=1, at=T0)
        first, second = run.question_ids
        store.record_answer(run.id, first, 2, [0], elapsed_ms=1200, at=T0)
        store.record_answer(run.id, second, 2, [1], elapsed_ms=800, at=T0)
        store.record_answer(run.id, first, 3, [0], elapsed_ms=3000, at=T0)
    return path


def test_report_writes_csv(db_path, tmp_path, capsys):
    out = tmp_path / "report.csv"
    assert main(["report", "1", "--csv", str(out)]) == 0
    assert "2 students, 2 questions" in capsys.readouterr().out
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["student_id", "student", "answered", "correct", "asked", "total_seconds"],
        ["2", "Ann Lee", "2", "1", "2", "2.0"],
        ["3", "@ben", "1", "1", "2", "3.0"],
        [],
        ["question_no", "question", "answered", "correct", "correct_rate",
         "most_chosen_wrong_option", "times_chosen"],
        ["1", "Who 0?", "2", "2", "1.0", "", "0"],
        ["2", "Who 1?", "1", "0", "0.0", "Ben", "1"],
    ]  # fmt: skip


def test_report_of_unknown_run_is_a_user_error(db_path, tmp_path, capsys):
    assert main(["report", "42", "--csv", str(tmp_path / "r.csv")]) == 2
    assert capsys.readouterr().err == "quizbot: There is no quiz run 42.\n"
    assert not (tmp_path / "r.csv").exists()


def test_missing_database_is_a_user_error(tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nope.db"
    monkeypatch.setenv("QUIZBOT_DB", str(missing))
    assert main(["db", "check"]) == 2
    assert capsys.readouterr().err == f"quizbot: No quizbot database at {missing}.\n"
    assert not missing.exists()


def test_backup_then_check_the_copy(db_path, tmp_path, monkeypatch, capsys):
    copy = tmp_path / "copy.db"
    assert main(["db", "backup", str(copy)]) == 0
    assert main(["db", "backup", str(copy)]) == 2
    assert "already exists" in capsys.readouterr().err
    monkeypatch.setenv("QUIZBOT_DB", str(copy))
    assert main(["db", "check"]) == 0
    assert capsys.readouterr().out == "ok\n"
    with Store(copy) as restored, Store(db_path) as original:
        assert list(restored.db.conn.iterdump()) == list(original.db.conn.iterdump())


def test_check_finds_a_broken_foreign_key(db_path, capsys):
    assert main(["db", "check"]) == 0
    with Database(db_path) as db:  # a plain connection: foreign keys not enforced
        db.table("answers").insert(
            {
                "run_id": 99,
                "question_id": 1,
                "user_id": 2,
                "chosen": [0],
                "correct": 1,
                "answered_at": "2026-11-02T09:00:00.000+00:00",
                "elapsed_ms": 1,
            }
        )
    capsys.readouterr()
    assert main(["db", "check"]) == 1
    assert capsys.readouterr().out == "foreign key: a row of answers points to a missing runs\n"


def test_check_finds_scores_out_of_step_with_answers(db_path, capsys):
    with Database(db_path) as db:
        db.table("run_scores").update((1, 2), {"correct": 2})
        db.table("user_days").delete_where("user_id = ?", [3])
    assert main(["db", "check"]) == 1
    assert capsys.readouterr().out == (
        "answer days of user 3 do not match the answers\n"
        "score of user 2 in run 1 does not match the answers\n"
    )


def test_check_reports_a_file_that_is_not_a_database(tmp_path, monkeypatch, capsys):
    path = tmp_path / "notes.db"
    path.write_text("not SQLite at all\n" * 100)
    monkeypatch.setenv("QUIZBOT_DB", str(path))
    assert main(["db", "check"]) == 1
    assert (
        capsys.readouterr().out
        == f"{path} is not a readable quizbot database (file is not a database).\n"
    )
    assert main(["report", "1", "--csv", str(tmp_path / "r.csv")]) == 2
