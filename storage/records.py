"""The values the store hands back: frozen, slotted dataclasses, times as aware UTC datetimes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class User:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language: str | None
    first_seen: datetime
    last_seen: datetime
    blocked: bool
    time_zone: str  # an IANA name such as Europe/Berlin; UTC unless the user chose one

    @property
    def display_name(self) -> str:
        return display_name(self.id, self.first_name, self.last_name, self.username)


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    type: str
    title: str | None
    is_member: bool
    admins_read_at: datetime | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    owner_id: int
    title: str
    text: str
    source: str
    content_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Evidence:
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Question:
    """A stored question. `id` is the store's id; `key` is the generator's id for it."""

    id: int
    quiz_id: int
    position: int
    key: str
    kind: str
    question: str
    options: tuple[str, ...]
    answer_index: int
    explanation: str
    evidence: Evidence
    difficulty: str
    score: float
    enabled: bool
    edited: bool


@dataclass(frozen=True, slots=True)
class Quiz:
    id: int
    article_id: int
    owner_id: int
    title: str
    status: str
    visibility: str
    created_at: datetime
    updated_at: datetime
    questions: tuple[Question, ...]
    link_code: str  # the random part of its deep link (`/start q<code>`)


@dataclass(frozen=True, slots=True)
class Run:
    """One play of a quiz. `question_ids[position]` is the question to ask next."""

    id: int
    quiz_id: int
    mode: str
    chat_id: int
    started_by: int
    kind: str
    seconds_per_question: int | None
    deadline: datetime | None
    scheduled_at: datetime | None
    state: str
    position: int
    question_ids: tuple[int, ...]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    link_code: str  # the random part of its deep links (`a<code>`, `r<code>`)

    @property
    def current_question_id(self) -> int | None:
        if self.position < len(self.question_ids):
            return self.question_ids[self.position]
        return None


@dataclass(frozen=True, slots=True)
class Poll:
    id: str
    run_id: int
    question_id: int
    chat_id: int
    message_id: int
    correct_option_ids: tuple[int, ...]
    sent_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Answer:
    run_id: int
    question_id: int
    user_id: int
    chosen: tuple[int, ...]
    correct: bool
    answered_at: datetime
    elapsed_ms: int


@dataclass(frozen=True, slots=True)
class Score:
    """A user's result in one run: `asked` is the number of questions in the run."""

    run_id: int
    user_id: int
    answered: int
    correct: int
    asked: int
    total_ms: int


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """`accuracy` is correct / asked, where an unanswered question counts as wrong. Equal
    accuracy and equal total time share a rank (1, 1, 3)."""

    rank: int
    user_id: int
    name: str
    answered: int
    correct: int
    asked: int
    accuracy: float
    total_ms: int


@dataclass(frozen=True, slots=True)
class HistoryRow:
    run_id: int
    quiz_id: int
    quiz_title: str
    chat_id: int
    started_at: datetime | None
    answered: int
    correct: int
    asked: int
    total_ms: int


@dataclass(frozen=True, slots=True)
class Streak:
    """Consecutive UTC days with at least one answer; `current` counts back from today, or from
    yesterday when nothing has been answered yet today."""

    current: int
    longest: int
    last_day: date | None


@dataclass(frozen=True, slots=True)
class QuestionStats:
    question_id: int
    position: int
    question: str
    answered: int
    correct: int
    correct_rate: float | None


@dataclass(frozen=True, slots=True)
class StudentReport:
    user_id: int
    name: str
    answered: int
    correct: int
    asked: int
    total_ms: int


@dataclass(frozen=True, slots=True)
class QuestionReport:
    """`top_wrong_index` is the wrong option chosen most (lowest index on a tie), or None."""

    seq: int
    question_id: int
    question: str
    answered: int
    correct: int
    correct_rate: float | None
    top_wrong_index: int | None
    top_wrong_option: str | None
    top_wrong_count: int


@dataclass(frozen=True, slots=True)
class RunReport:
    run_id: int
    quiz_title: str
    students: tuple[StudentReport, ...]
    questions: tuple[QuestionReport, ...]

    def csv_rows(self) -> Iterator[list[str | int | float]]:
        """Two blocks for one CSV sheet: students, a blank row, then questions."""
        yield ["student_id", "student", "answered", "correct", "asked", "total_seconds"]
        for s in self.students:
            yield [s.user_id, s.name, s.answered, s.correct, s.asked, round(s.total_ms / 1000, 3)]
        yield []
        yield [
            "question_no",
            "question",
            "answered",
            "correct",
            "correct_rate",
            "most_chosen_wrong_option",
            "times_chosen",
        ]
        for q in self.questions:
            yield [
                q.seq,
                q.question,
                q.answered,
                q.correct,
                "" if q.correct_rate is None else round(q.correct_rate, 4),
                q.top_wrong_option or "",
                q.top_wrong_count,
            ]


@dataclass(frozen=True, slots=True)
class Review:
    user_id: int
    question_id: int
    quiz_id: int
    due_at: datetime
    interval_days: int
    ease: float
    misses: int


@dataclass(frozen=True, slots=True)
class PendingReply:
    """A question the bot asked a user and waits for a reply to: an edited question (`edit`),
    or a time for pushing a quiz to a group (`schedule`, `assign`)."""

    user_id: int
    kind: str
    question_id: int | None
    quiz_id: int | None
    chat_id: int | None
    asked_at: datetime
    expires_at: datetime

    def expired(self, at: datetime) -> bool:
        return at >= self.expires_at


def display_name(user_id: int, first: str, last: str | None, username: str | None) -> str:
    name = " ".join(part for part in (first, last) if part)
    if name:
        return name
    return f"@{username}" if username else str(user_id)
