"""`Store`: the one object that reads and writes quizbot's SQLite database.

Every write runs in one `BEGIN IMMEDIATE` transaction (see `Store._write`), so a write either
happens whole or not at all, and two processes writing at once queue on SQLite's lock (up to the
busy timeout) instead of failing half way. Times go in as aware datetimes and are stored as
fixed-width UTC ISO-8601 text, so they sort and compare as text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from storage import errors
from storage.records import (
    Answer,
    Article,
    Chat,
    Evidence,
    HistoryRow,
    LeaderboardRow,
    PendingReply,
    Poll,
    Question,
    QuestionReport,
    QuestionStats,
    Quiz,
    Review,
    Run,
    RunReport,
    Score,
    Streak,
    StudentReport,
    User,
    display_name,
)
from storage.schema import DERIVED_MISMATCH_SQL, MIGRATIONS, new_link_code

logger = logging.getLogger(__name__)

DEFAULT_DB = "./quizbot.db"
CHAT_TYPES = ("private", "group", "supergroup", "channel")
VISIBILITIES = ("private", "link", "public")
RUN_KINDS = ("live", "assignment")
PENDING_KINDS = ("edit", "schedule", "assign")
QUESTION_KEYS = frozenset(
    {
        "id",
        "kind",
        "question",
        "options",
        "answer_index",
        "explanation",
        "evidence",
        "difficulty",
        "score",
    }
)
# A missed question comes back after 1 day, then 3, then every 7 until it is answered right.
REVIEW_LADDER_DAYS = (1, 3, 7)
REVIEW_START_EASE = 2.5
REVIEW_EASE_STEP = 0.2
REVIEW_MIN_EASE = 1.3

Row = dict[str, Any]


class Store:
    """quizbot's database. Open with `Store(path)` or `Store.from_env()`; close with `close()`
    or use it as a context manager. Opening applies any pending migrations."""

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_DB,
        *,
        create: bool = True,
        migrate: bool = True,
        busy_timeout_ms: int = 10_000,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = str(path)
        memory = self.path == ":memory:"
        if not create and not memory and not Path(self.path).is_file():
            raise errors.DatabaseNotFound(self.path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self.db = Database(self.path)
        try:
            self._open(busy_timeout_ms, migrate=migrate, memory=memory)
        except sqlite3.DatabaseError as exc:
            self.db.close()
            if type(exc) is not sqlite3.DatabaseError:  # e.g. locked: not the file's fault
                raise
            raise errors.DatabaseUnreadable(self.path, exc) from exc
        except BaseException:
            self.db.close()
            raise

    def _open(self, busy_timeout_ms: int, *, migrate: bool, memory: bool) -> None:
        self.db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self.db.execute("PRAGMA foreign_keys = ON")
        if not memory:
            self._enable_wal(busy_timeout_ms)
            # In WAL mode NORMAL loses no committed data on a crash of the process, only
            # possibly the last transactions on power loss, and saves an fsync per answer.
            self.db.execute("PRAGMA synchronous = NORMAL")
        if migrate and MIGRATIONS.pending(self.db):
            with self._write():
                # Re-checked under the write lock: another process may have just done it.
                for migration in MIGRATIONS.pending(self.db):
                    logger.info("applying migration %s to %s", migration.name, self.path)
                MIGRATIONS.apply(self.db)

    def _enable_wal(self, busy_timeout_ms: int) -> None:
        """Switch to WAL. SQLite answers "locked" at once, without the busy handler, while
        another connection holds the file (two processes creating it together), so retry."""
        deadline = time.monotonic() + busy_timeout_ms / 1000
        while True:
            try:
                self.db.enable_wal()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Store:
        """Open the database named by `QUIZBOT_DB` (default `./quizbot.db`)."""
        env = os.environ if environ is None else environ
        return cls(env.get("QUIZBOT_DB") or DEFAULT_DB, **options)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taking the write lock up front (a deferred transaction that
        upgrades to a writer can fail with SQLITE_BUSY without waiting). Nests as a savepoint."""
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Row]:
        cursor = self.db.execute(sql, params)
        keys = [d[0] for d in cursor.description]
        return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]

    def _row(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Row | None:
        cursor = self.db.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def _at(self, at: datetime | None) -> str:
        return _ts(self._clock() if at is None else at)

    def schema_pending(self) -> list[str]:
        """Names of migrations not yet applied (empty for an up-to-date database)."""
        return [m.name for m in MIGRATIONS.pending(self.db)]

    # -- users and chats --------------------------------------------------------------------

    def upsert_user(
        self,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language: str | None = None,
        at: datetime | None = None,
    ) -> User:
        """Record a user seen in an update; a user who writes to the bot is no longer blocked."""
        now = self._at(at)
        with self._write():
            self.db.execute(
                """
                INSERT INTO users (id, first_name, last_name, username, language, first_seen,
                                   last_seen, blocked)
                VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                ON CONFLICT (id) DO UPDATE SET
                    first_name = excluded.first_name, last_name = excluded.last_name,
                    username = excluded.username, language = excluded.language,
                    last_seen = excluded.last_seen, blocked = 0
                """,
                (user_id, first_name, last_name, username, language, now, now),
            )
        return self.get_user(user_id)

    def set_user_blocked(self, user_id: int, blocked: bool = True) -> User:
        """Mark that the user blocked (or unblocked) the bot."""
        with self._write():
            cursor = self.db.execute(
                "UPDATE users SET blocked = ? WHERE id = ?", (int(blocked), user_id)
            )
            if cursor.rowcount == 0:
                raise errors.UnknownUser(user_id)
        return self.get_user(user_id)

    def set_time_zone(self, user_id: int, time_zone: str) -> User:
        """Remember the user's time zone (an IANA name the caller has checked)."""
        with self._write():
            cursor = self.db.execute(
                "UPDATE users SET time_zone = ? WHERE id = ?", (time_zone, user_id)
            )
            if cursor.rowcount == 0:
                raise errors.UnknownUser(user_id)
        return self.get_user(user_id)

    def get_user(self, user_id: int) -> User:
        row = self._row("SELECT * FROM users WHERE id = ?", (user_id,))
        if row is None:
            raise errors.UnknownUser(user_id)
        return _user(row)

    def upsert_chat(
        self,
        chat_id: int,
        *,
        type: str,
        title: str | None = None,
        is_member: bool = True,
        at: datetime | None = None,
    ) -> Chat:
        """Record a chat the bot is in (or has just left, with `is_member=False`)."""
        if type not in CHAT_TYPES:
            raise ValueError(f"chat type must be one of {CHAT_TYPES}, not {type!r}")
        now = self._at(at)
        with self._write():
            self.db.execute(
                """
                INSERT INTO chats (id, type, title, is_member, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET
                    type = excluded.type, title = excluded.title,
                    is_member = excluded.is_member, last_seen = excluded.last_seen
                """,
                (chat_id, type, title, int(is_member), now, now),
            )
        return self.get_chat(chat_id)

    def get_chat(self, chat_id: int) -> Chat:
        row = self._row("SELECT * FROM chats WHERE id = ?", (chat_id,))
        if row is None:
            raise errors.UnknownChat(chat_id)
        return _chat(row)

    def set_chat_admins(
        self, chat_id: int, user_ids: Iterable[int], *, at: datetime | None = None
    ) -> None:
        """Replace the cached list of a chat's administrators, read from Telegram at `at`."""
        ids = sorted(set(user_ids))
        now = self._at(at)
        with self._write():
            cursor = self.db.execute(
                "UPDATE chats SET admins_read_at = ? WHERE id = ?", (now, chat_id)
            )
            if cursor.rowcount == 0:
                raise errors.UnknownChat(chat_id)
            self.db.execute("DELETE FROM chat_admins WHERE chat_id = ?", (chat_id,))
            self.db.conn.executemany(
                "INSERT INTO chat_admins (chat_id, user_id) VALUES (?, ?)",
                [(chat_id, uid) for uid in ids],
            )

    def chat_admins(
        self, chat_id: int, *, max_age: timedelta | None = None, at: datetime | None = None
    ) -> tuple[int, ...] | None:
        """The cached admin ids, or None when never read or older than `max_age`."""
        chat = self.get_chat(chat_id)
        if chat.admins_read_at is None:
            return None
        now = self._clock() if at is None else at
        if max_age is not None and now - chat.admins_read_at > max_age:
            return None
        rows = self._rows(
            "SELECT user_id FROM chat_admins WHERE chat_id = ? ORDER BY user_id", (chat_id,)
        )
        return tuple(r["user_id"] for r in rows)

    # -- articles and quizzes ---------------------------------------------------------------

    def save_article(
        self, owner_id: int, *, title: str, text: str, source: str, at: datetime | None = None
    ) -> Article:
        """Store an article; the same text (ignoring whitespace) from the same owner is stored
        once, and saving it again returns the stored one."""
        digest = content_hash(text)
        now = self._at(at)
        with self._write():
            self._require_user(owner_id)
            self.db.execute(
                """
                INSERT INTO articles (owner_id, title, text, source, content_hash, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (owner_id, content_hash) DO NOTHING
                """,
                (owner_id, title, text, source, digest, now),
            )
            row = self._row(
                "SELECT * FROM articles WHERE owner_id = ? AND content_hash = ?",
                (owner_id, digest),
            )
        assert row is not None
        return _article(row)

    def get_article(self, article_id: int) -> Article:
        row = self._row("SELECT * FROM articles WHERE id = ?", (article_id,))
        if row is None:
            raise errors.UnknownArticle(article_id)
        return _article(row)

    def save_quiz(
        self,
        article_id: int,
        *,
        title: str,
        questions: Iterable[Mapping[str, Any]],
        owner_id: int | None = None,
        visibility: str = "private",
        at: datetime | None = None,
    ) -> Quiz:
        """Store a draft quiz and its questions, in order. Each question is a mapping with the
        generator's fields: id, kind, question, options, answer_index, explanation,
        evidence {text, start, end}, difficulty, score. `owner_id` defaults to the article's."""
        values = [_question_values(q, i) for i, q in enumerate(questions)]
        if not values:
            raise errors.InvalidQuestion("A quiz needs at least one question.")
        keys = [v[0] for v in values]
        if len(set(keys)) != len(keys):
            raise errors.InvalidQuestion("Two questions in the quiz share an id.")
        _check_visibility(visibility)
        now = self._at(at)
        with self._write():
            article = self.get_article(article_id)
            owner = article.owner_id if owner_id is None else owner_id
            self._require_user(owner)
            quiz_id = self.db.execute(
                """
                INSERT INTO quizzes (article_id, owner_id, title, status, visibility,
                                     created_at, updated_at, link_code)
                VALUES (?, ?, ?, 'draft', ?, ?, ?, ?)
                """,
                (article_id, owner, title, visibility, now, now, new_link_code()),
            ).lastrowid
            self.db.conn.executemany(
                """
                INSERT INTO questions (quiz_id, position, key, kind, question, options,
                    answer_index, explanation, evidence_text, evidence_start, evidence_end,
                    difficulty, score)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [(quiz_id, pos, *v) for pos, v in enumerate(values)],
            )
            assert quiz_id is not None
            return self.get_quiz(quiz_id)

    def add_questions(
        self, quiz_id: int, questions: Iterable[Mapping[str, Any]], *, at: datetime | None = None
    ) -> Quiz:
        """Append generator questions to a quiz, after its last one; a question whose id the
        quiz already has is left out."""
        with self._write():
            quiz = self.get_quiz(quiz_id)
            known = {q.key for q in quiz.questions}
            start = len(quiz.questions)
            values = [_question_values(q, start + i) for i, q in enumerate(questions)]
            fresh = []
            for v in values:
                if v[0] not in known:
                    known.add(v[0])
                    fresh.append(v)
            self.db.conn.executemany(
                """
                INSERT INTO questions (quiz_id, position, key, kind, question, options,
                    answer_index, explanation, evidence_text, evidence_start, evidence_end,
                    difficulty, score)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [(quiz_id, start + i, *v) for i, v in enumerate(fresh)],
            )
            self.db.execute(
                "UPDATE quizzes SET updated_at = ? WHERE id = ?", (self._at(at), quiz_id)
            )
            return self.get_quiz(quiz_id)

    def get_quiz(self, quiz_id: int, *, include_deleted: bool = False) -> Quiz:
        """A quiz with all its questions (enabled or not), in order. A deleted quiz is hidden
        unless `include_deleted`."""
        row = self._row("SELECT * FROM quizzes WHERE id = ?", (quiz_id,))
        if row is None or (row["status"] == "deleted" and not include_deleted):
            raise errors.UnknownQuiz(quiz_id)
        rows = self._rows(
            "SELECT * FROM questions WHERE quiz_id = ? ORDER BY position", (quiz_id,)
        )
        return _quiz(row, tuple(_question(r) for r in rows))

    def quiz_by_link(self, code: str) -> Quiz:
        """The quiz whose deep link carries `code` (deleted ones are unknown)."""
        row = self._row("SELECT id FROM quizzes WHERE link_code = ?", (code,))
        if row is None:
            raise errors.UnknownLink()
        try:
            return self.get_quiz(row["id"])
        except errors.UnknownQuiz:
            raise errors.UnknownLink() from None

    def list_quizzes(self, owner_id: int) -> tuple[Quiz, ...]:
        """An owner's quizzes that are not deleted, newest first."""
        rows = self._rows(
            "SELECT id FROM quizzes WHERE owner_id = ? AND status != 'deleted' ORDER BY id DESC",
            (owner_id,),
        )
        return tuple(self.get_quiz(r["id"]) for r in rows)

    def rename_quiz(self, quiz_id: int, title: str, *, at: datetime | None = None) -> Quiz:
        return self._update_quiz(quiz_id, "title = ?", (title,), at)

    def publish_quiz(
        self, quiz_id: int, *, visibility: str = "link", at: datetime | None = None
    ) -> Quiz:
        """Make a quiz playable by others: by link, or public."""
        _check_visibility(visibility)
        return self._update_quiz(
            quiz_id, "status = 'published', visibility = ?", (visibility,), at
        )

    def delete_quiz(self, quiz_id: int, *, at: datetime | None = None) -> None:
        """Hide a quiz. Its runs, answers and reports stay readable."""
        self._update_quiz(quiz_id, "status = 'deleted'", (), at)

    def _update_quiz(
        self, quiz_id: int, assignments: str, params: tuple[Any, ...], at: datetime | None
    ) -> Quiz:
        with self._write():
            cursor = self.db.execute(
                f"UPDATE quizzes SET {assignments}, updated_at = ? "
                "WHERE id = ? AND status != 'deleted'",
                (*params, self._at(at), quiz_id),
            )
            if cursor.rowcount == 0:
                raise errors.UnknownQuiz(quiz_id)
        return self.get_quiz(quiz_id, include_deleted=True)

    def get_question(self, question_id: int) -> Question:
        row = self._row("SELECT * FROM questions WHERE id = ?", (question_id,))
        if row is None:
            raise errors.UnknownQuestion(question_id)
        return _question(row)

    def set_question_enabled(
        self, question_id: int, enabled: bool, *, at: datetime | None = None
    ) -> Question:
        """Include or leave out a question in runs started from now on."""
        return self._update_question(question_id, {"enabled": int(enabled)}, at)

    def edit_question(
        self,
        question_id: int,
        *,
        question: str | None = None,
        options: Sequence[str] | None = None,
        answer_index: int | None = None,
        explanation: str | None = None,
        at: datetime | None = None,
    ) -> Question:
        """A teacher's edit; the question is marked edited. Answers already recorded keep the
        result they were given."""
        with self._write():  # read and write under one lock
            current = self.get_question(question_id)
            new_options = current.options if options is None else tuple(options)
            new_index = current.answer_index if answer_index is None else answer_index
            mapping = {
                "id": current.key,
                "kind": current.kind,
                "question": current.question if question is None else question,
                "options": new_options,
                "answer_index": new_index,
                "explanation": current.explanation if explanation is None else explanation,
                "evidence": {
                    "text": current.evidence.text,
                    "start": current.evidence.start,
                    "end": current.evidence.end,
                },
                "difficulty": current.difficulty,
                "score": current.score,
            }
            values = _question_values(mapping, current.position)
            changes = {
                "question": values[2],
                "options": values[3],
                "answer_index": values[4],
                "explanation": values[5],
                "edited": 1,
            }
            return self._update_question(question_id, changes, at)

    def _update_question(
        self, question_id: int, changes: Mapping[str, Any], at: datetime | None
    ) -> Question:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._write():
            row = self._row(
                "SELECT q.quiz_id FROM questions q JOIN quizzes z ON z.id = q.quiz_id "
                "WHERE q.id = ? AND z.status != 'deleted'",
                (question_id,),
            )
            if row is None:
                raise errors.UnknownQuestion(question_id)
            self.db.execute(
                f"UPDATE questions SET {assignments} WHERE id = ?",
                (*changes.values(), question_id),
            )
            self.db.execute(
                "UPDATE quizzes SET updated_at = ? WHERE id = ?", (self._at(at), row["quiz_id"])
            )
        return self.get_question(question_id)

    # -- runs -------------------------------------------------------------------------------

    def create_run(
        self,
        quiz_id: int,
        *,
        chat_id: int,
        started_by: int,
        kind: str = "live",
        seconds_per_question: int | None = None,
        deadline: datetime | None = None,
        scheduled_at: datetime | None = None,
        question_ids: Sequence[int] | None = None,
        at: datetime | None = None,
    ) -> Run:
        """Start a play of a quiz in a chat (private or group, from the chat's type) with the
        quiz's enabled questions as they are now, or just `question_ids` of them, in that
        order (a review). With `scheduled_at` in the future the run waits in state
        'scheduled' until `start_run`."""
        if kind not in RUN_KINDS:
            raise ValueError(f"run kind must be one of {RUN_KINDS}, not {kind!r}")
        now = self._clock() if at is None else at
        scheduled = scheduled_at is not None and scheduled_at > now
        with self._write():
            quiz = self.get_quiz(quiz_id)
            chat = self.get_chat(chat_id)
            self._require_user(started_by)
            enabled = [q.id for q in quiz.questions if q.enabled]
            if question_ids is not None:
                for question_id in question_ids:
                    if question_id not in enabled:
                        raise errors.UnknownQuestion(question_id)
                enabled = list(dict.fromkeys(question_ids))
            if not enabled:
                raise errors.EmptyQuiz(quiz_id)
            run_id = self.db.execute(
                """
                INSERT INTO runs (quiz_id, mode, chat_id, started_by, kind, seconds_per_question,
                    deadline, scheduled_at, state, position, question_count, created_at,
                    started_at, link_code)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                """,
                (
                    quiz_id,
                    "private" if chat.type == "private" else "group",
                    chat_id,
                    started_by,
                    kind,
                    seconds_per_question,
                    _ts_or_none(deadline),
                    _ts_or_none(scheduled_at),
                    "scheduled" if scheduled else "running",
                    len(enabled),
                    _ts(now),
                    None if scheduled else _ts(now),
                    new_link_code(),
                ),
            ).lastrowid
            self.db.conn.executemany(
                "INSERT INTO run_questions (run_id, seq, question_id) VALUES (?, ?, ?)",
                [(run_id, seq, qid) for seq, qid in enumerate(enabled)],
            )
            assert run_id is not None
            return self.get_run(run_id)

    def get_run(self, run_id: int) -> Run:
        row = self._row(
            "SELECT r.*, (SELECT json_group_array(json_array(seq, question_id)) "
            "FROM run_questions WHERE run_id = r.id) AS questions FROM runs r WHERE r.id = ?",
            (run_id,),
        )
        if row is None:
            raise errors.UnknownRun(run_id)
        # One query, not two (a run is read for every vote); (seq, id) pairs sorted here.
        return _run(
            row, tuple(question_id for _, question_id in sorted(json.loads(row["questions"])))
        )

    def run_by_link(self, code: str) -> Run:
        """The run whose deep links carry `code`."""
        row = self._row("SELECT id FROM runs WHERE link_code = ?", (code,))
        if row is None:
            raise errors.UnknownLink()
        return self.get_run(row["id"])

    def start_run(self, run_id: int, *, at: datetime | None = None) -> Run:
        """Start a scheduled run."""
        with self._write():
            cursor = self.db.execute(
                "UPDATE runs SET state = 'running', started_at = ? "
                "WHERE id = ? AND state = 'scheduled'",
                (self._at(at), run_id),
            )
            if cursor.rowcount == 0:
                run = self.get_run(run_id)
                raise errors.InvalidState(f"Quiz run {run_id} is {run.state}, not scheduled.")
        return self.get_run(run_id)

    def advance_run(self, run_id: int, *, expected_position: int | None = None) -> Run:
        """Move a running run to its next question. With `expected_position`, only if it is
        still there (so a timer firing twice cannot skip a question)."""
        with self._write():
            run = self.get_run(run_id)
            if run.state != "running":
                raise errors.RunNotActive(run_id)
            if expected_position is not None and run.position != expected_position:
                raise errors.InvalidState(
                    f"Quiz run {run_id} is at question {run.position + 1}, "
                    f"not {expected_position + 1}."
                )
            if run.position >= len(run.question_ids):
                raise errors.InvalidState(f"Quiz run {run_id} has no more questions.")
            self.db.execute("UPDATE runs SET position = position + 1 WHERE id = ?", (run_id,))
        return dataclasses.replace(run, position=run.position + 1)

    def finish_run(self, run_id: int, *, at: datetime | None = None) -> Run:
        """End a run (a scheduled one is cancelled) and close its open polls. Finishing a
        finished run changes nothing."""
        now = self._at(at)
        with self._write():
            run = self.get_run(run_id)
            if run.state in ("running", "scheduled"):
                state = "finished" if run.state == "running" else "cancelled"
                self.db.execute(
                    "UPDATE runs SET state = ?, finished_at = ? WHERE id = ?",
                    (state, now, run_id),
                )
                self.db.execute(
                    "UPDATE polls SET closed_at = ? WHERE run_id = ? AND closed_at IS NULL",
                    (now, run_id),
                )
        return self.get_run(run_id)

    def due_runs(self, *, at: datetime | None = None) -> tuple[Run, ...]:
        """Scheduled runs whose start time has come."""
        rows = self._rows(
            "SELECT id FROM runs WHERE state = 'scheduled' AND scheduled_at <= ? "
            "ORDER BY scheduled_at, id",
            (self._at(at),),
        )
        return tuple(self.get_run(r["id"]) for r in rows)

    def running_runs(self) -> tuple[Run, ...]:
        """Runs in progress, to resume after a restart."""
        rows = self._rows("SELECT id FROM runs WHERE state = 'running' ORDER BY id")
        return tuple(self.get_run(r["id"]) for r in rows)

    # -- polls ------------------------------------------------------------------------------

    def register_poll(
        self,
        poll_id: str,
        *,
        run_id: int,
        question_id: int,
        chat_id: int,
        message_id: int,
        correct_option_ids: Sequence[int] | None = None,
        sent_at: datetime | None = None,
        closes_at: datetime | None = None,
    ) -> Poll:
        """Remember a sent Telegram poll. `correct_option_ids` defaults to the question's
        answer; `closes_at` to `sent_at` plus the run's seconds per question, if it has one.
        Registering the same poll id again returns the stored poll."""
        sent = self._clock() if sent_at is None else sent_at
        with self._write():
            # One read for every check (it is made for every question a student is sent).
            context = self._row(
                _POLL_CONTEXT, {"run": run_id, "question": question_id, "chat": chat_id}
            )
            if context is None:
                raise errors.UnknownRun(run_id)
            if context["state"] != "running":
                raise errors.RunNotActive(run_id)
            if context["answer_index"] is None:
                raise errors.QuestionNotInQuiz(question_id, run_id)
            if not context["chat_known"]:
                raise errors.UnknownChat(chat_id)
            correct = (
                (context["answer_index"],)
                if correct_option_ids is None
                else tuple(correct_option_ids)
            )
            _check_options(correct, context["option_count"])
            if closes_at is None and context["seconds_per_question"]:
                closes_at = sent + timedelta(seconds=context["seconds_per_question"])
            row = {
                "id": poll_id,
                "run_id": run_id,
                "question_id": question_id,
                "chat_id": chat_id,
                "message_id": message_id,
                "correct_option_ids": json.dumps(list(correct)),
                "sent_at": _ts(sent),
                "closes_at": _ts_or_none(closes_at),
                "closed_at": None,
            }
            cursor = self.db.execute(
                """
                INSERT INTO polls (id, run_id, question_id, chat_id, message_id,
                                   correct_option_ids, sent_at, closes_at)
                VALUES (:id, :run_id, :question_id, :chat_id, :message_id,
                        :correct_option_ids, :sent_at, :closes_at)
                ON CONFLICT (id) DO NOTHING
                """,
                row,
            )
        return _poll(row) if cursor.rowcount == 1 else self.get_poll(poll_id)

    def get_poll(self, poll_id: str) -> Poll:
        row = self._row("SELECT * FROM polls WHERE id = ?", (poll_id,))
        if row is None:
            raise errors.UnknownPoll(poll_id)
        return _poll(row)

    def close_poll(self, poll_id: str, *, at: datetime | None = None) -> Poll:
        """Stop counting answers to a poll. Closing a closed poll changes nothing."""
        with self._write():
            self.get_poll(poll_id)
            self.db.execute(
                "UPDATE polls SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (self._at(at), poll_id),
            )
        return self.get_poll(poll_id)

    # -- answers ----------------------------------------------------------------------------

    def record_poll_answer(
        self, poll_id: str, user_id: int, option_ids: Sequence[int], *, at: datetime | None = None
    ) -> Answer:
        """Record a user's answer to a poll, timed from when the poll was sent. Recorded once:
        the same answer arriving again (even after the poll closed) returns the stored one.
        The user must be known (`upsert_user`); a miss schedules a review in the same
        transaction."""
        with self._write():
            return self._record_poll_answer(poll_id, user_id, option_ids, at)

    def record_poll_answers(
        self, votes: Sequence[tuple[str, int, Sequence[int]]], *, at: datetime | None = None
    ) -> list[Answer | errors.StorageError]:
        """Record votes (poll id, user id, option ids) each as `record_poll_answer` does, in
        one transaction: one commit for them all (a commit per vote was most of the cost of
        a class answering at once). The outcome of each vote in order: its answer, or the
        error refusing it; a refused vote wrote nothing (its checks come before its writes)
        and changes nothing for the others."""
        outcomes: list[Answer | errors.StorageError] = []
        with self._write():
            for poll_id, user_id, option_ids in votes:
                try:
                    outcomes.append(self._record_poll_answer(poll_id, user_id, option_ids, at))
                except errors.StorageError as error:
                    outcomes.append(error)
        return outcomes

    def _record_poll_answer(
        self, poll_id: str, user_id: int, option_ids: Sequence[int], at: datetime | None
    ) -> Answer:
        """`record_poll_answer` inside the caller's transaction."""
        answered = self._clock() if at is None else at
        context = self._row(_ANSWER_CONTEXT_BY_POLL, {"poll": poll_id, "user": user_id})
        if context is None:
            raise errors.UnknownPoll(poll_id)
        if context["a_chosen"] is not None:
            return _answer(context, prefix="a_")
        if context["closed_at"] is not None or (
            context["closes_at"] is not None and _ts(answered) > context["closes_at"]
        ):
            raise errors.PollClosed()
        elapsed = int((answered - _dt(context["sent_at"])) / timedelta(milliseconds=1))
        return self._insert_answer(
            context,
            tuple(option_ids),
            answered,
            max(0, elapsed),
            tuple(json.loads(context["correct_option_ids"])),
        )

    def record_answer(
        self,
        run_id: int,
        question_id: int,
        user_id: int,
        chosen: Sequence[int],
        *,
        elapsed_ms: int,
        at: datetime | None = None,
    ) -> Answer:
        """Record a user's answer given outside a poll (e.g. by button). Recorded once: a
        repeat returns the stored answer unchanged."""
        answered = self._clock() if at is None else at
        if elapsed_ms < 0:
            raise ValueError("elapsed_ms must not be negative")
        with self._write():
            context = self._answer_context(run_id, question_id, user_id)
            if context["a_chosen"] is not None:
                return _answer(context, prefix="a_")
            return self._insert_answer(context, tuple(chosen), answered, elapsed_ms, None)

    def _answer_context(self, run_id: int, question_id: int, user_id: int) -> Row:
        row = self._row(
            _ANSWER_CONTEXT_BY_RUN, {"run": run_id, "question": question_id, "user": user_id}
        )
        if row is None:
            raise errors.UnknownRun(run_id)
        return row

    def _insert_answer(
        self,
        context: Row,
        chosen: tuple[int, ...],
        answered: datetime,
        elapsed_ms: int,
        correct_ids: tuple[int, ...] | None,
    ) -> Answer:
        """Validate and insert a new answer, inside the caller's transaction."""
        run_id, question_id, user_id = (
            context["run_id"],
            context["question_id"],
            context["user_id"],
        )
        answered_at = _ts(answered)
        if context["state"] != "running" or (
            context["deadline"] is not None and answered_at > context["deadline"]
        ):
            raise errors.RunNotActive(run_id)
        if context["answer_index"] is None:
            raise errors.QuestionNotInQuiz(question_id, run_id)
        if not context["user_known"]:
            raise errors.UnknownUser(user_id)
        _check_options(chosen, context["option_count"])
        expected = (context["answer_index"],) if correct_ids is None else correct_ids
        correct = set(chosen) == set(expected)
        cursor = self.db.execute(
            """
            INSERT INTO answers (run_id, question_id, user_id, chosen, correct, answered_at,
                                 elapsed_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id, question_id, user_id) DO NOTHING
            """,
            (
                run_id,
                question_id,
                user_id,
                json.dumps(list(chosen)),
                int(correct),
                answered_at,
                elapsed_ms,
            ),
        )
        if cursor.rowcount == 0:
            # Only reachable if another writer got in first; the stored answer wins.
            stored = self._stored_answer(run_id, question_id, user_id)
            assert stored is not None
            return stored
        self._review_after(user_id, question_id, correct, answered)
        return Answer(run_id, question_id, user_id, chosen, correct, answered, elapsed_ms)

    def _stored_answer(self, run_id: int, question_id: int, user_id: int) -> Answer | None:
        row = self._row(
            "SELECT * FROM answers WHERE run_id = ? AND question_id = ? AND user_id = ?",
            (run_id, question_id, user_id),
        )
        return None if row is None else _answer(row)

    def get_answers(self, run_id: int) -> tuple[Answer, ...]:
        """Every answer in a run, by question then user."""
        rows = self._rows(
            "SELECT a.* FROM answers a JOIN run_questions rq "
            "ON rq.run_id = a.run_id AND rq.question_id = a.question_id "
            "WHERE a.run_id = ? ORDER BY rq.seq, a.user_id",
            (run_id,),
        )
        return tuple(_answer(r) for r in rows)

    # -- spaced review ----------------------------------------------------------------------

    def update_review(
        self, user_id: int, question_id: int, correct: bool, *, at: datetime | None = None
    ) -> Review | None:
        """After an answer: a miss schedules the question again after 1 day, the next miss
        after 3, then every 7; a right answer clears it. Recording an answer does this too.
        Returns the review still pending, if any."""
        now = self._clock() if at is None else at
        with self._write():
            self._review_after(user_id, question_id, correct, now)
        return self._review(user_id, question_id)

    def _review_after(self, user_id: int, question_id: int, correct: bool, at: datetime) -> None:
        """One statement, inside the caller's transaction."""
        params = {"user": user_id, "question": question_id, "now": _ts(at)}
        if correct:
            self.db.execute(
                "UPDATE reviews SET cleared_at = :now, last_answered_at = :now "
                "WHERE user_id = :user AND question_id = :question AND cleared_at IS NULL",
                params,
            )
        else:
            self.db.execute(_REVIEW_MISS_SQL, params)

    def _review(self, user_id: int, question_id: int) -> Review | None:
        row = self._row(
            "SELECT r.*, q.quiz_id FROM reviews r JOIN questions q ON q.id = r.question_id "
            "WHERE r.user_id = ? AND r.question_id = ? AND r.cleared_at IS NULL",
            (user_id, question_id),
        )
        return None if row is None else _review(row)

    def reviews_due(
        self, user_id: int, *, at: datetime | None = None, limit: int | None = None
    ) -> tuple[Review, ...]:
        """Missed questions due again for a user, most overdue first; questions since disabled
        or in deleted quizzes are left out."""
        rows = self._rows(
            """
            SELECT r.*, q.quiz_id FROM reviews r
            JOIN questions q ON q.id = r.question_id
            JOIN quizzes z ON z.id = q.quiz_id
            WHERE r.user_id = ? AND r.cleared_at IS NULL AND r.due_at <= ?
              AND q.enabled AND z.status != 'deleted'
            ORDER BY r.due_at, r.question_id
            LIMIT ?
            """,
            (user_id, self._at(at), -1 if limit is None else limit),
        )
        return tuple(_review(r) for r in rows)

    # -- scores and reports -----------------------------------------------------------------

    def run_score(self, run_id: int, user_id: int) -> Score:
        """A user's result in a run (zeros when they answered nothing)."""
        run = self.get_run(run_id)
        row = self._row(
            "SELECT answered, correct, total_ms FROM run_scores WHERE run_id = ? AND user_id = ?",
            (run_id, user_id),
        ) or {"answered": 0, "correct": 0, "total_ms": 0}
        return Score(
            run_id=run_id,
            user_id=user_id,
            answered=row["answered"],
            correct=row["correct"],
            asked=len(run.question_ids),
            total_ms=row["total_ms"],
        )

    def run_leaderboard(
        self, run_id: int, *, limit: int | None = None
    ) -> tuple[LeaderboardRow, ...]:
        """Everyone who answered in a run: accuracy first, then less total answer time."""
        self.get_run(run_id)
        return self._leaderboard(
            "SELECT id, question_count FROM runs WHERE id = :run", {"run": run_id}, limit
        )

    def chat_leaderboard(
        self,
        chat_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> tuple[LeaderboardRow, ...]:
        """Everyone who answered in the chat's runs started in [since, until). A user's
        accuracy counts every question of each run they took part in."""
        return self._leaderboard(
            """
            SELECT id, question_count FROM runs
            WHERE chat_id = :chat AND started_at >= :since AND started_at < :until
            """,
            {
                "chat": chat_id,
                "since": "" if since is None else _ts(since),
                "until": "~" if until is None else _ts(until),
            },
            limit,
        )

    def _leaderboard(
        self, runs_sql: str, params: dict[str, Any], limit: int | None
    ) -> tuple[LeaderboardRow, ...]:
        rows = self._rows(
            f"""
            {_ranked(runs_sql)}
            SELECT r.*, u.first_name, u.last_name, u.username
            FROM ranked r JOIN users u ON u.id = r.user_id
            ORDER BY r.rank, r.user_id
            LIMIT :limit
            """,
            {**params, "limit": -1 if limit is None else limit},
        )
        return tuple(
            LeaderboardRow(
                rank=r["rank"],
                user_id=r["user_id"],
                name=display_name(r["user_id"], r["first_name"], r["last_name"], r["username"]),
                answered=r["answered"],
                correct=r["correct"],
                asked=r["asked"],
                accuracy=r["accuracy"],
                total_ms=r["total_ms"],
            )
            for r in rows
        )

    def user_history(self, user_id: int, *, limit: int | None = 20) -> tuple[HistoryRow, ...]:
        """The runs a user answered in, most recent first (deleted quizzes included)."""
        rows = self._rows(
            """
            SELECT s.run_id, r.quiz_id, z.title AS quiz_title, r.chat_id, r.started_at,
                   r.question_count AS asked, s.answered, s.correct, s.total_ms
            FROM run_scores s JOIN runs r ON r.id = s.run_id JOIN quizzes z ON z.id = r.quiz_id
            WHERE s.user_id = ?
            ORDER BY s.last_answered_at DESC, s.run_id DESC
            LIMIT ?
            """,
            (user_id, -1 if limit is None else limit),
        )
        return tuple(
            HistoryRow(
                run_id=r["run_id"],
                quiz_id=r["quiz_id"],
                quiz_title=r["quiz_title"],
                chat_id=r["chat_id"],
                started_at=_dt_or_none(r["started_at"]),
                answered=r["answered"],
                correct=r["correct"],
                asked=r["asked"],
                total_ms=r["total_ms"],
            )
            for r in rows
        )

    def user_streak(self, user_id: int, *, today: date | None = None) -> Streak:
        """Days in a row (UTC) on which the user answered at least one question."""
        rows = self._rows(
            "SELECT day FROM user_days WHERE user_id = ? ORDER BY day",
            (user_id,),
        )
        days = [date.fromisoformat(r["day"]) for r in rows]
        today = self._clock().date() if today is None else today
        return streak(days, today)

    def question_stats(self, quiz_id: int) -> tuple[QuestionStats, ...]:
        """Each question's correct rate across all runs of the quiz (deleted quizzes too)."""
        self.get_quiz(quiz_id, include_deleted=True)
        rows = self._rows(
            """
            SELECT q.id, q.position, q.question, COALESCE(t.answered, 0) AS answered,
                   COALESCE(t.correct, 0) AS correct
            FROM questions q LEFT JOIN (
                SELECT a.question_id, COUNT(*) AS answered, SUM(a.correct) AS correct
                FROM runs r JOIN answers a ON a.run_id = r.id
                WHERE r.quiz_id = :quiz
                GROUP BY a.question_id
            ) AS t ON t.question_id = q.id
            WHERE q.quiz_id = :quiz
            ORDER BY q.position
            """,
            {"quiz": quiz_id},
        )
        return tuple(
            QuestionStats(
                question_id=r["id"],
                position=r["position"],
                question=r["question"],
                answered=r["answered"],
                correct=r["correct"],
                correct_rate=r["correct"] / r["answered"] if r["answered"] else None,
            )
            for r in rows
        )

    def run_report(self, run_id: int) -> RunReport:
        """A teacher's report of one run: per student and per question."""
        run = self.get_run(run_id)
        quiz = self.get_quiz(run.quiz_id, include_deleted=True)
        students = self._rows(
            """
            SELECT s.user_id, u.first_name, u.last_name, u.username, s.answered, s.correct,
                   s.total_ms
            FROM run_scores s JOIN users u ON u.id = s.user_id
            WHERE s.run_id = ?
            ORDER BY s.correct DESC, s.total_ms, s.user_id
            """,
            (run_id,),
        )
        per_question = self._rows(
            """
            SELECT rq.seq, q.id, q.question, q.options, COUNT(a.user_id) AS answered,
                   COALESCE(SUM(a.correct), 0) AS correct
            FROM run_questions rq JOIN questions q ON q.id = rq.question_id
            LEFT JOIN answers a ON a.run_id = rq.run_id AND a.question_id = rq.question_id
            WHERE rq.run_id = ?
            GROUP BY rq.seq ORDER BY rq.seq
            """,
            (run_id,),
        )
        wrong = self._rows(
            """
            SELECT a.question_id, CAST(j.value AS INTEGER) AS option, COUNT(*) AS times
            FROM answers a JOIN questions q ON q.id = a.question_id, json_each(a.chosen) j
            WHERE a.run_id = ? AND a.correct = 0 AND j.value != q.answer_index
            GROUP BY a.question_id, option
            ORDER BY a.question_id, times DESC, option
            """,
            (run_id,),
        )
        top_wrong: dict[int, tuple[int, int]] = {}
        for r in wrong:
            top_wrong.setdefault(r["question_id"], (r["option"], r["times"]))
        questions = []
        for r in per_question:
            options = json.loads(r["options"])
            option, times = top_wrong.get(r["id"], (None, 0))
            questions.append(
                QuestionReport(
                    seq=r["seq"] + 1,
                    question_id=r["id"],
                    question=r["question"],
                    answered=r["answered"],
                    correct=r["correct"],
                    correct_rate=r["correct"] / r["answered"] if r["answered"] else None,
                    top_wrong_index=option,
                    top_wrong_option=None if option is None else options[option],
                    top_wrong_count=times,
                )
            )
        return RunReport(
            run_id=run_id,
            quiz_title=quiz.title,
            students=tuple(
                StudentReport(
                    user_id=r["user_id"],
                    name=display_name(
                        r["user_id"], r["first_name"], r["last_name"], r["username"]
                    ),
                    answered=r["answered"],
                    correct=r["correct"],
                    asked=len(run.question_ids),
                    total_ms=r["total_ms"],
                )
                for r in students
            ),
            questions=tuple(questions),
        )

    # -- reading for the bot ----------------------------------------------------------------

    def list_runs(
        self,
        *,
        chat_id: int | None = None,
        started_by: int | None = None,
        quiz_id: int | None = None,
        states: Sequence[str] | None = None,
        kinds: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> tuple[Run, ...]:
        """Runs matching every filter given, newest first."""
        where, params = ["1"], []
        for column, value in (
            ("chat_id", chat_id),
            ("started_by", started_by),
            ("quiz_id", quiz_id),
        ):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        for column, values in (("state", states), ("kind", kinds)):
            if values is not None:
                where.append(f"{column} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        rows = self._rows(
            f"SELECT id FROM runs WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*params, -1 if limit is None else limit),
        )
        return tuple(self.get_run(r["id"]) for r in rows)

    def list_chats(self, *, types: Sequence[str] = ("group", "supergroup")) -> tuple[Chat, ...]:
        """Chats of these types the bot is still a member of, by title."""
        rows = self._rows(
            f"SELECT * FROM chats WHERE is_member AND type IN ({', '.join('?' for _ in types)}) "
            "ORDER BY title, id",
            tuple(types),
        )
        return tuple(_chat(r) for r in rows)

    def run_polls(self, run_id: int) -> tuple[Poll, ...]:
        """The polls sent for a run, oldest first."""
        rows = self._rows("SELECT * FROM polls WHERE run_id = ? ORDER BY sent_at, id", (run_id,))
        return tuple(_poll(r) for r in rows)

    def get_answer(self, run_id: int, question_id: int, user_id: int) -> Answer | None:
        """A user's stored answer to a question of a run, if any."""
        return self._stored_answer(run_id, question_id, user_id)

    def quiz_leaderboard(
        self, quiz_id: int, *, limit: int | None = None
    ) -> tuple[LeaderboardRow, ...]:
        """Everyone who answered in any run of a quiz, ranked as `run_leaderboard`."""
        return self._leaderboard(
            "SELECT id, question_count FROM runs WHERE quiz_id = :quiz", {"quiz": quiz_id}, limit
        )

    # -- results sent privately after a group run -----------------------------------------

    def runs_owing_results(self) -> tuple[Run, ...]:
        """Finished group runs whose students have not all had their result privately."""
        rows = self._rows(
            "SELECT id FROM runs WHERE mode = 'group' AND state = 'finished' "
            "AND results_sent_at IS NULL ORDER BY id"
        )
        return tuple(self.get_run(r["id"]) for r in rows)

    def results_owed(self, run_id: int) -> tuple[int, ...]:
        """The users on a run's leaderboard who have not had their result privately, in the
        board's order."""
        sent = {
            r["user_id"]
            for r in self._rows("SELECT user_id FROM result_messages WHERE run_id = ?", (run_id,))
        }
        return tuple(
            row.user_id for row in self.run_leaderboard(run_id) if row.user_id not in sent
        )

    def result_sent(self, run_id: int, user_id: int, *, at: datetime | None = None) -> None:
        """Note that a user has had their result of a run (or cannot be sent it)."""
        with self._write():
            self.db.execute(
                "INSERT INTO result_messages (run_id, user_id, sent_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (run_id, user_id, self._at(at)),
            )

    def results_done(self, run_id: int, *, at: datetime | None = None) -> None:
        """Note that everyone on a run's leaderboard has had their result."""
        with self._write():
            self.db.execute(
                "UPDATE runs SET results_sent_at = ? WHERE id = ? AND results_sent_at IS NULL",
                (self._at(at), run_id),
            )

    # -- what the bot waits for, and the hourly generation limit ---------------------------

    def set_pending_reply(
        self,
        user_id: int,
        kind: str,
        *,
        question_id: int | None = None,
        quiz_id: int | None = None,
        chat_id: int | None = None,
        expires_in: timedelta,
        at: datetime | None = None,
    ) -> PendingReply:
        """Wait for the user's reply to a question the bot asks: `edit` (with `question_id`),
        `schedule` or `assign` (with `quiz_id` and `chat_id`). Replaces any earlier one."""
        if kind not in PENDING_KINDS:
            raise ValueError(f"pending reply kind must be one of {PENDING_KINDS}, not {kind!r}")
        names = (question_id is not None, quiz_id is not None, chat_id is not None)
        if names != ((True, False, False) if kind == "edit" else (False, True, True)):
            raise ValueError("an edit names its question; a schedule or assign its quiz and chat")
        now = self._clock() if at is None else at
        with self._write():
            self._require_user(user_id)
            self.db.execute(
                """
                INSERT OR REPLACE INTO pending_replies
                    (user_id, kind, question_id, quiz_id, chat_id, asked_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
                (user_id, kind, question_id, quiz_id, chat_id, _ts(now), _ts(now + expires_in)),
            )
            row = self._row("SELECT * FROM pending_replies WHERE user_id = ?", (user_id,))
        assert row is not None
        return _pending(row)

    def take_pending_reply(self, user_id: int) -> PendingReply | None:
        """The reply the user owes, forgotten as it is handed over (one try), expired or not;
        None if there is none."""
        with self._write():
            row = self._row("SELECT * FROM pending_replies WHERE user_id = ?", (user_id,))
            if row is not None:
                self.db.execute("DELETE FROM pending_replies WHERE user_id = ?", (user_id,))
        return None if row is None else _pending(row)

    def take_generation_slot(
        self,
        user_id: int,
        *,
        limit: int,
        window: timedelta = timedelta(hours=1),
        at: datetime | None = None,
    ) -> int | None:
        """Count one article made into a quiz for the user, unless they already had `limit`
        in the last `window`: then nothing is counted and that number is returned."""
        now = self._clock() if at is None else at
        with self._write():
            self.db.execute(
                "DELETE FROM generations WHERE user_id = ? AND made_at <= ?",
                (user_id, _ts(now - window)),
            )
            made = self.db.execute(
                "SELECT COUNT(*) FROM generations WHERE user_id = ?", (user_id,)
            ).fetchone()[0]
            if made >= limit:
                return made
            self.db.execute(
                "INSERT INTO generations (user_id, made_at) VALUES (?, ?)", (user_id, _ts(now))
            )
        return None

    def quiz_rank(self, quiz_id: int, user_id: int) -> tuple[int | None, int]:
        """The user's rank on `quiz_leaderboard` (None if they are not on it) and how many
        are, without building the board: one more than those ahead of the user (better
        accuracy, or the same in less time), which is the board's RANK() without sorting
        everyone (it is asked at the end of every private play of a popular quiz)."""
        row = self._row(
            f"""
            {_per_user("SELECT id, question_count FROM runs WHERE quiz_id = :quiz")},
            me AS (SELECT accuracy, total_ms FROM per_user WHERE user_id = :user)
            SELECT (SELECT 1 + COUNT(*) FROM per_user p, me
                    WHERE p.accuracy > me.accuracy
                       OR (p.accuracy = me.accuracy AND p.total_ms < me.total_ms)) AS ahead,
                   EXISTS (SELECT 1 FROM me) AS listed,
                   (SELECT COUNT(*) FROM per_user JOIN users u ON u.id = per_user.user_id)
                       AS players
            """,
            {"quiz": quiz_id, "user": user_id},
        )
        assert row is not None
        return (row["ahead"] if row["listed"] else None), row["players"]

    # -- maintenance ------------------------------------------------------------------------

    def backup(self, path: str | os.PathLike[str]) -> None:
        """Copy the database to a new file with SQLite's online backup (safe while in use)."""
        target_path = Path(path)
        if target_path.exists():
            raise errors.BackupExists(str(target_path))
        target = sqlite3.connect(target_path)
        try:
            self.db.conn.backup(target)
        finally:
            target.close()

    def check(self) -> list[str]:
        """Problems found by SQLite's integrity and foreign-key checks, and migrations not yet
        applied. An empty list means the database is sound."""
        problems = [
            f"integrity: {r['integrity_check']}"
            for r in self._rows("PRAGMA integrity_check")
            if r["integrity_check"] != "ok"
        ]
        problems.extend(
            f"foreign key: a row of {r['table']} points to a missing {r['parent']}"
            + ("" if r["rowid"] is None else f" (rowid {r['rowid']})")
            for r in self._rows("PRAGMA foreign_key_check")
        )
        pending = self.schema_pending()
        problems.extend(f"migration not applied: {name}" for name in pending)
        if not pending:
            for r in self._rows(DERIVED_MISMATCH_SQL):
                if r["what"] == "score":
                    problems.append(
                        f"score of user {r['user_id']} in run {r['run_id']} "
                        "does not match the answers"
                    )
                else:
                    problems.append(f"answer days of user {r['user_id']} do not match the answers")
        return problems

    def _require_user(self, user_id: int) -> None:
        if self._row("SELECT 1 FROM users WHERE id = ?", (user_id,)) is None:
            raise errors.UnknownUser(user_id)


def _next_interval_sql() -> str:
    """CASE expression: the ladder step after the current one (the last step repeats)."""
    steps = " ".join(f"WHEN interval_days < {d} THEN {d}" for d in REVIEW_LADDER_DAYS[1:-1])
    return (
        f"CASE WHEN cleared_at IS NOT NULL THEN {REVIEW_LADDER_DAYS[0]} {steps} "
        f"ELSE {REVIEW_LADDER_DAYS[-1]} END"
    )


_NEXT = _next_interval_sql()
# A first miss (or a miss after the question was cleared) starts the ladder again; a repeated
# miss climbs it. Times are written in the store's fixed UTC format.
_REVIEW_MISS_SQL = f"""
INSERT INTO reviews (user_id, question_id, due_at, interval_days, ease, misses,
                     last_answered_at, cleared_at)
VALUES (:user, :question,
        strftime('%Y-%m-%dT%H:%M:%f+00:00', :now, '+{REVIEW_LADDER_DAYS[0]} days'),
        {REVIEW_LADDER_DAYS[0]}, {REVIEW_START_EASE}, 1, :now, NULL)
ON CONFLICT (user_id, question_id) DO UPDATE SET
    due_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', :now, '+' || ({_NEXT}) || ' days'),
    interval_days = {_NEXT},
    ease = CASE WHEN cleared_at IS NOT NULL THEN ease
                ELSE max({REVIEW_MIN_EASE}, ease - {REVIEW_EASE_STEP}) END,
    misses = misses + 1,
    last_answered_at = :now,
    cleared_at = NULL
"""


# What registering a poll checks, in one query: the run's state and timing, the question's
# answer and option count (NULL when it is not in the run), whether the chat is known.
_POLL_CONTEXT = """
SELECT r.state, r.seconds_per_question, q.answer_index,
       json_array_length(q.options) AS option_count,
       EXISTS (SELECT 1 FROM chats WHERE id = :chat) AS chat_known
FROM runs r
LEFT JOIN run_questions rq ON rq.run_id = r.id AND rq.question_id = :question
LEFT JOIN questions q ON q.id = rq.question_id
WHERE r.id = :run
"""


# Everything needed to record an answer, in one query: the run, the question within it (NULL
# when it is not in the run), whether the user exists, the answer already stored (columns a_*,
# NULL when none), and for a poll its timing and correct options.
_ANSWER_CONTEXT = """
SELECT r.id AS run_id, {question} AS question_id, :user AS user_id, r.state, r.deadline,
       q.answer_index, json_array_length(q.options) AS option_count,
       EXISTS (SELECT 1 FROM users WHERE id = :user) AS user_known,
       a.run_id AS a_run_id, a.question_id AS a_question_id, a.user_id AS a_user_id,
       a.chosen AS a_chosen, a.correct AS a_correct, a.answered_at AS a_answered_at,
       a.elapsed_ms AS a_elapsed_ms{poll_columns}
FROM {origin}
LEFT JOIN run_questions rq ON rq.run_id = r.id AND rq.question_id = {question}
LEFT JOIN questions q ON q.id = rq.question_id
LEFT JOIN answers a ON a.run_id = r.id AND a.question_id = {question} AND a.user_id = :user
WHERE {where}
"""
_ANSWER_CONTEXT_BY_RUN = _ANSWER_CONTEXT.format(
    question=":question", poll_columns="", origin="runs r", where="r.id = :run"
)
_ANSWER_CONTEXT_BY_POLL = _ANSWER_CONTEXT.format(
    question="p.question_id",
    poll_columns=", p.correct_option_ids, p.sent_at, p.closes_at, p.closed_at",
    origin="polls p JOIN runs r ON r.id = p.run_id",
    where="p.id = :poll",
)


# -- pure helpers ----------------------------------------------------------------------------


def content_hash(text: str) -> str:
    """SHA-256 of the text with runs of whitespace made single spaces."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def streak(days: Sequence[date], today: date) -> Streak:
    """Current and longest runs of consecutive days in sorted, distinct `days`."""
    longest = 0
    run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    last = days[-1] if days else None
    current = run if last is not None and today - last <= timedelta(days=1) else 0
    return Streak(current=current, longest=longest, last_day=last)


def _per_user(runs_sql: str) -> str:
    """The start of a WITH clause: `per_user` has, over the runs `runs_sql` selects (id and
    question_count), per user answered, correct, asked, total_ms and accuracy."""
    return f"""
            WITH chosen AS ({runs_sql}),
            per_user AS MATERIALIZED (
                SELECT s.user_id, SUM(s.answered) AS answered, SUM(s.correct) AS correct,
                       SUM(c.question_count) AS asked, SUM(s.total_ms) AS total_ms,
                       CAST(SUM(s.correct) AS REAL) / SUM(c.question_count) AS accuracy
                FROM chosen c JOIN run_scores s ON s.run_id = c.id
                GROUP BY s.user_id
            )"""


def _ranked(runs_sql: str) -> str:
    """The WITH clause of a leaderboard over the runs `runs_sql` selects: `ranked` is
    `per_user` with each user's rank (accuracy first, then less total answer time; ties share
    a rank)."""
    return f"""{_per_user(runs_sql)},
            ranked AS (
                SELECT *, RANK() OVER (ORDER BY accuracy DESC, total_ms) AS rank FROM per_user
            )"""


def _ts(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times given to the store must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _ts_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else _ts(moment)


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _dt_or_none(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {VISIBILITIES}, not {visibility!r}")


def _check_options(chosen: tuple[int, ...], count: int) -> None:
    if (
        not chosen
        or len(set(chosen)) != len(chosen)
        or any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < count for i in chosen)
    ):
        raise errors.OptionOutOfRange(chosen, count)


def _question_values(q: object, index: int) -> tuple[Any, ...]:
    """Check one generator question mapping; return its column values (key first)."""
    where = f"Question {index + 1}"
    if not isinstance(q, Mapping):
        raise errors.InvalidQuestion(f"{where} is not a mapping of question fields.")
    missing = sorted(QUESTION_KEYS - q.keys())
    unknown = sorted(str(k) for k in q.keys() - QUESTION_KEYS)
    if missing or unknown:
        raise errors.InvalidQuestion(f"{where}: missing fields {missing}, unknown {unknown}.")
    for name in ("id", "kind", "question", "explanation", "difficulty"):
        if not isinstance(q[name], str):
            raise errors.InvalidQuestion(f"{where}: {name} must be text.")
    if not q["id"] or not q["question"].strip():
        raise errors.InvalidQuestion(f"{where}: id and question must not be empty.")
    options = q["options"]
    if (
        isinstance(options, str)
        or not isinstance(options, Sequence)
        or len(options) < 2
        or not all(isinstance(o, str) and o for o in options)
    ):
        raise errors.InvalidQuestion(f"{where}: options must be two or more pieces of text.")
    answer = q["answer_index"]
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(options):
        raise errors.InvalidQuestion(f"{where}: answer_index must point at one of the options.")
    evidence = q["evidence"]
    if (
        not isinstance(evidence, Mapping)
        or not isinstance(evidence.get("text"), str)
        or not all(
            isinstance(evidence.get(k), int) and not isinstance(evidence.get(k), bool)
            for k in ("start", "end")
        )
        or not 0 <= evidence["start"] <= evidence["end"]
    ):
        raise errors.InvalidQuestion(f"{where}: evidence must be {{text, start, end}}.")
    score = q["score"]
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise errors.InvalidQuestion(f"{where}: score must be a number.")
    return (
        q["id"],
        q["kind"],
        q["question"],
        json.dumps(list(options)),
        answer,
        q["explanation"],
        evidence["text"],
        evidence["start"],
        evidence["end"],
        q["difficulty"],
        float(score),
    )


def _user(r: Row) -> User:
    return User(
        id=r["id"],
        first_name=r["first_name"],
        last_name=r["last_name"],
        username=r["username"],
        language=r["language"],
        first_seen=_dt(r["first_seen"]),
        last_seen=_dt(r["last_seen"]),
        blocked=bool(r["blocked"]),
        time_zone=r["time_zone"],
    )


def _chat(r: Row) -> Chat:
    return Chat(
        id=r["id"],
        type=r["type"],
        title=r["title"],
        is_member=bool(r["is_member"]),
        admins_read_at=_dt_or_none(r["admins_read_at"]),
        first_seen=_dt(r["first_seen"]),
        last_seen=_dt(r["last_seen"]),
    )


def _article(r: Row) -> Article:
    return Article(
        id=r["id"],
        owner_id=r["owner_id"],
        title=r["title"],
        text=r["text"],
        source=r["source"],
        content_hash=r["content_hash"],
        created_at=_dt(r["created_at"]),
    )


def _question(r: Row) -> Question:
    return Question(
        id=r["id"],
        quiz_id=r["quiz_id"],
        position=r["position"],
        key=r["key"],
        kind=r["kind"],
        question=r["question"],
        options=tuple(json.loads(r["options"])),
        answer_index=r["answer_index"],
        explanation=r["explanation"],
        evidence=Evidence(r["evidence_text"], r["evidence_start"], r["evidence_end"]),
        difficulty=r["difficulty"],
        score=r["score"],
        enabled=bool(r["enabled"]),
        edited=bool(r["edited"]),
    )


def _quiz(r: Row, questions: tuple[Question, ...]) -> Quiz:
    return Quiz(
        id=r["id"],
        article_id=r["article_id"],
        owner_id=r["owner_id"],
        title=r["title"],
        status=r["status"],
        visibility=r["visibility"],
        created_at=_dt(r["created_at"]),
        updated_at=_dt(r["updated_at"]),
        questions=questions,
        link_code=r["link_code"],
    )


def _run(r: Row, question_ids: tuple[int, ...]) -> Run:
    return Run(
        id=r["id"],
        quiz_id=r["quiz_id"],
        mode=r["mode"],
        chat_id=r["chat_id"],
        started_by=r["started_by"],
        kind=r["kind"],
        seconds_per_question=r["seconds_per_question"],
        deadline=_dt_or_none(r["deadline"]),
        scheduled_at=_dt_or_none(r["scheduled_at"]),
        state=r["state"],
        position=r["position"],
        question_ids=question_ids,
        created_at=_dt(r["created_at"]),
        started_at=_dt_or_none(r["started_at"]),
        finished_at=_dt_or_none(r["finished_at"]),
        link_code=r["link_code"],
    )


def _poll(r: Row) -> Poll:
    return Poll(
        id=r["id"],
        run_id=r["run_id"],
        question_id=r["question_id"],
        chat_id=r["chat_id"],
        message_id=r["message_id"],
        correct_option_ids=tuple(json.loads(r["correct_option_ids"])),
        sent_at=_dt(r["sent_at"]),
        closes_at=_dt_or_none(r["closes_at"]),
        closed_at=_dt_or_none(r["closed_at"]),
    )


def _answer(r: Row, prefix: str = "") -> Answer:
    return Answer(
        run_id=r[f"{prefix}run_id"],
        question_id=r[f"{prefix}question_id"],
        user_id=r[f"{prefix}user_id"],
        chosen=tuple(json.loads(r[f"{prefix}chosen"])),
        correct=bool(r[f"{prefix}correct"]),
        answered_at=_dt(r[f"{prefix}answered_at"]),
        elapsed_ms=r[f"{prefix}elapsed_ms"],
    )


def _pending(r: Row) -> PendingReply:
    return PendingReply(
        user_id=r["user_id"],
        kind=r["kind"],
        question_id=r["question_id"],
        quiz_id=r["quiz_id"],
        chat_id=r["chat_id"],
        asked_at=_dt(r["asked_at"]),
        expires_at=_dt(r["expires_at"]),
    )


def _review(r: Row) -> Review:
    return Review(
        user_id=r["user_id"],
        question_id=r["question_id"],
        quiz_id=r["quiz_id"],
        due_at=_dt(r["due_at"]),
        interval_days=r["interval_days"],
        ease=r["ease"],
        misses=r["misses"],
    )
