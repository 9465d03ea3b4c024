"""The schema, as an ordered set of sqlite-utils migrations.

A migration is never edited once released: a change to the schema is a new function appended
below. `sqlite_utils.Migrations` records each applied name in `_sqlite_migrations`, so applying
the set again is a no-op.
"""

from __future__ import annotations

import secrets

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("quizbot")

V1 = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,                 -- Telegram user id
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT,
    username TEXT,
    language TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1))
);
CREATE TABLE chats (
    id INTEGER PRIMARY KEY,                 -- Telegram chat id
    type TEXT NOT NULL CHECK (type IN ('private', 'group', 'supergroup', 'channel')),
    title TEXT,
    is_member INTEGER NOT NULL DEFAULT 1 CHECK (is_member IN (0, 1)),
    admins_read_at TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE TABLE chat_admins (
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    user_id INTEGER NOT NULL,               -- an admin need not have talked to the bot
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE TABLE articles (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (owner_id, content_hash)
);
CREATE TABLE quizzes (
    id INTEGER PRIMARY KEY,
    article_id INTEGER NOT NULL REFERENCES articles(id),
    owner_id INTEGER NOT NULL REFERENCES users(id),
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'deleted')),
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'link', 'public')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX quizzes_owner ON quizzes(owner_id, status);
CREATE TABLE questions (
    id INTEGER PRIMARY KEY,
    quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
    position INTEGER NOT NULL,
    key TEXT NOT NULL,                      -- the generator's question id
    kind TEXT NOT NULL,
    question TEXT NOT NULL,
    options TEXT NOT NULL,                  -- JSON list of strings
    answer_index INTEGER NOT NULL,
    explanation TEXT NOT NULL,
    evidence_text TEXT NOT NULL,
    evidence_start INTEGER NOT NULL,
    evidence_end INTEGER NOT NULL,
    difficulty TEXT NOT NULL,
    score REAL NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    edited INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    UNIQUE (quiz_id, position),
    UNIQUE (quiz_id, key)
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    quiz_id INTEGER NOT NULL REFERENCES quizzes(id),
    mode TEXT NOT NULL CHECK (mode IN ('private', 'group')),
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    started_by INTEGER NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('live', 'assignment')),
    seconds_per_question INTEGER,
    deadline TEXT,
    scheduled_at TEXT,
    state TEXT NOT NULL CHECK (state IN ('scheduled', 'running', 'finished', 'cancelled')),
    position INTEGER NOT NULL DEFAULT 0,
    question_count INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX runs_state ON runs(state, scheduled_at);
CREATE INDEX runs_chat ON runs(chat_id, started_at);
CREATE TABLE run_questions (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    seq INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES questions(id),
    PRIMARY KEY (run_id, seq),
    UNIQUE (run_id, question_id)
) WITHOUT ROWID;
CREATE TABLE polls (
    id TEXT PRIMARY KEY,                    -- Telegram poll id
    run_id INTEGER NOT NULL,
    question_id INTEGER NOT NULL,
    chat_id INTEGER NOT NULL REFERENCES chats(id),
    message_id INTEGER NOT NULL,
    correct_option_ids TEXT NOT NULL,       -- JSON list of ints
    sent_at TEXT NOT NULL,
    closes_at TEXT,
    closed_at TEXT,
    FOREIGN KEY (run_id, question_id) REFERENCES run_questions(run_id, question_id)
);
CREATE INDEX polls_run ON polls(run_id, question_id);
CREATE TABLE answers (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    chosen TEXT NOT NULL,                   -- JSON list of option indexes
    correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
    answered_at TEXT NOT NULL,
    elapsed_ms INTEGER NOT NULL CHECK (elapsed_ms >= 0),
    PRIMARY KEY (run_id, question_id, user_id)
) WITHOUT ROWID;
-- Answers are clustered by run, so a run's leaderboard and report read one contiguous range;
-- no further index on answers keeps recording one a small write.
CREATE INDEX runs_quiz ON runs(quiz_id);
"""


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    """Every table the first release needed."""
    db.executescript(V1)


@MIGRATIONS()
def m002_reviews_and_scores(db: Database) -> None:
    """Spaced review of missed questions; and, kept by triggers on answers, a running total per
    run and player (a leaderboard reads one row per player, not every answer) and the days each
    user answered on (for streaks). All three are filled from the answers already stored.

    The triggers touch a page only when a total changes or a new day or run starts, so recording
    an answer stays a small write; `Store.check` compares them with the answers."""
    db.executescript(
        """
        CREATE TABLE reviews (
            user_id INTEGER NOT NULL REFERENCES users(id),
            question_id INTEGER NOT NULL REFERENCES questions(id),
            due_at TEXT NOT NULL,
            interval_days INTEGER NOT NULL,
            ease REAL NOT NULL,
            misses INTEGER NOT NULL,
            last_answered_at TEXT NOT NULL,
            cleared_at TEXT,
            PRIMARY KEY (user_id, question_id)
        ) WITHOUT ROWID;
        CREATE TABLE run_scores (               -- derived from answers by triggers
            run_id INTEGER NOT NULL,
            user_id INTEGER NOT NULL,
            answered INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            total_ms INTEGER NOT NULL,
            last_answered_at TEXT NOT NULL,
            PRIMARY KEY (run_id, user_id)
        ) WITHOUT ROWID;
        CREATE INDEX run_scores_user ON run_scores(user_id);
        CREATE TABLE user_days (                -- derived from answers by triggers
            user_id INTEGER NOT NULL,
            day TEXT NOT NULL,                  -- UTC date, YYYY-MM-DD
            PRIMARY KEY (user_id, day)
        ) WITHOUT ROWID;
        CREATE TRIGGER answers_insert AFTER INSERT ON answers BEGIN
            INSERT INTO run_scores
                (run_id, user_id, answered, correct, total_ms, last_answered_at)
            VALUES (NEW.run_id, NEW.user_id, 1, NEW.correct, NEW.elapsed_ms, NEW.answered_at)
            ON CONFLICT (run_id, user_id) DO UPDATE SET
                answered = answered + 1,
                correct = correct + excluded.correct,
                total_ms = total_ms + excluded.total_ms,
                last_answered_at = max(last_answered_at, excluded.last_answered_at);
            INSERT OR IGNORE INTO user_days (user_id, day)
            VALUES (NEW.user_id, substr(NEW.answered_at, 1, 10));
        END;
        CREATE TRIGGER answers_delete AFTER DELETE ON answers BEGIN
            UPDATE run_scores SET
                answered = answered - 1,
                correct = correct - OLD.correct,
                total_ms = total_ms - OLD.elapsed_ms,
                last_answered_at = coalesce(
                    (SELECT max(answered_at) FROM answers
                     WHERE run_id = OLD.run_id AND user_id = OLD.user_id),
                    last_answered_at)
            WHERE run_id = OLD.run_id AND user_id = OLD.user_id;
            DELETE FROM run_scores
            WHERE run_id = OLD.run_id AND user_id = OLD.user_id AND answered = 0;
            DELETE FROM user_days
            WHERE user_id = OLD.user_id AND day = substr(OLD.answered_at, 1, 10)
              AND NOT EXISTS (SELECT 1 FROM answers WHERE user_id = OLD.user_id
                              AND substr(answered_at, 1, 10) = substr(OLD.answered_at, 1, 10));
        END;
        """
    )
    db.execute(
        """
        INSERT INTO run_scores (run_id, user_id, answered, correct, total_ms, last_answered_at)
        SELECT run_id, user_id, COUNT(*), SUM(correct), SUM(elapsed_ms), MAX(answered_at)
        FROM answers GROUP BY run_id, user_id
        """
    )
    db.execute(
        "INSERT INTO user_days (user_id, day) "
        "SELECT DISTINCT user_id, substr(answered_at, 1, 10) FROM answers"
    )
    # A question whose latest answer by a user was wrong comes back one day after that answer.
    db.execute(
        """
        INSERT INTO reviews
            (user_id, question_id, due_at, interval_days, ease, misses, last_answered_at)
        SELECT user_id, question_id,
               strftime('%Y-%m-%dT%H:%M:%f+00:00', last_at, '+1 day'), 1, 2.5, misses, last_at
        FROM (
            SELECT user_id, question_id, MAX(answered_at) AS last_at,
                   SUM(correct = 0) AS misses
            FROM answers GROUP BY user_id, question_id
        ) AS latest
        WHERE (SELECT correct FROM answers AS a
               WHERE a.user_id = latest.user_id AND a.question_id = latest.question_id
               ORDER BY a.answered_at DESC, a.run_id DESC LIMIT 1) = 0
        """
    )


LINK_CODE_BYTES = 16  # secrets.token_urlsafe(16): 22 characters of A-Za-z0-9_-, 128 random bits


def new_link_code() -> str:
    """An unguessable code for a deep link: 22 characters a Telegram `start` parameter allows
    (A-Za-z0-9_-, at most 64). It ends in a letter or digit, so a client that finds the link
    in a message cannot leave a final - or _ out of it, and is never all digits, so it cannot
    be taken for an old numeric id."""
    while True:
        code = secrets.token_urlsafe(LINK_CODE_BYTES)
        if code[-1].isalnum() and not code.isdigit():
            return code


@MIGRATIONS()
def m003_link_codes(db: Database) -> None:
    """A random link code for every quiz and run, so a deep link cannot be guessed from a
    sequential id. Quizzes and runs already stored get theirs here."""
    for table in ("quizzes", "runs"):
        db.execute(f"ALTER TABLE {table} ADD COLUMN link_code TEXT")
        ids = [row[0] for row in db.execute(f"SELECT id FROM {table} WHERE link_code IS NULL")]
        db.conn.executemany(
            f"UPDATE {table} SET link_code = ? WHERE id = ?",
            [(new_link_code(), row_id) for row_id in ids],
        )
        db.execute(f"CREATE UNIQUE INDEX {table}_link_code ON {table}(link_code)")


@MIGRATIONS()
def m004_user_time_zones(db: Database) -> None:
    """Each user's time zone (an IANA name), in which the bot reads and shows their times."""
    db.execute("ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC'")


@MIGRATIONS()
def m005_pending_replies_and_generations(db: Database) -> None:
    """What the bot kept in memory until now, so a restart forgets neither: the reply a user
    owes (an edited question, a time for /push), until it expires; and when each user had
    articles made into quizzes, for the hourly limit."""
    db.execute(
        """
        CREATE TABLE pending_replies (
            user_id INTEGER PRIMARY KEY REFERENCES users(id),   -- one at a time per user
            kind TEXT NOT NULL CHECK (kind IN ('edit', 'schedule', 'assign')),
            question_id INTEGER REFERENCES questions(id),       -- edit
            quiz_id INTEGER REFERENCES quizzes(id),             -- schedule, assign
            chat_id INTEGER REFERENCES chats(id),               -- schedule, assign
            asked_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            CHECK ((kind = 'edit') = (question_id IS NOT NULL)),
            CHECK ((kind = 'edit') = (quiz_id IS NULL AND chat_id IS NULL))
        )
        """
    )
    db.execute(
        """
        CREATE TABLE generations (
            user_id INTEGER NOT NULL REFERENCES users(id),
            made_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX generations_user ON generations(user_id, made_at)")


@MIGRATIONS()
def m006_result_messages(db: Database) -> None:
    """Which students of a finished group run have had their result privately, and when they
    all had (the results go out in the background, and a restart carries on with those still
    owed theirs). Runs finished before this had theirs sent as they finished."""
    db.execute(
        """
        CREATE TABLE result_messages (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            user_id INTEGER NOT NULL REFERENCES users(id),
            sent_at TEXT NOT NULL,
            PRIMARY KEY (run_id, user_id)
        ) WITHOUT ROWID
        """
    )
    db.execute("ALTER TABLE runs ADD COLUMN results_sent_at TEXT")
    db.execute("UPDATE runs SET results_sent_at = finished_at WHERE state = 'finished'")


# Rows of the trigger-kept tables that differ from what the answers say, as (what, user, run).
DERIVED_MISMATCH_SQL = """
WITH derived AS (
    SELECT run_id, user_id, COUNT(*) AS answered, SUM(correct) AS correct,
           SUM(elapsed_ms) AS total_ms, MAX(answered_at) AS last_answered_at
    FROM answers GROUP BY run_id, user_id
), kept AS (
    SELECT run_id, user_id, answered, correct, total_ms, last_answered_at FROM run_scores
), days AS (
    SELECT DISTINCT user_id, substr(answered_at, 1, 10) AS day FROM answers
)
SELECT DISTINCT 'score' AS what, user_id, run_id FROM (
    SELECT * FROM (SELECT * FROM derived EXCEPT SELECT * FROM kept)
    UNION ALL
    SELECT * FROM (SELECT * FROM kept EXCEPT SELECT * FROM derived)
)
UNION ALL
SELECT DISTINCT 'days', user_id, NULL FROM (
    SELECT * FROM (SELECT * FROM days EXCEPT SELECT user_id, day FROM user_days)
    UNION ALL
    SELECT * FROM (SELECT user_id, day FROM user_days EXCEPT SELECT * FROM days)
)
ORDER BY what, user_id, run_id
"""
