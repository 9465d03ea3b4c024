"""The generator's values: an article in, a quiz of checked questions out.

Every value is a frozen, slotted dataclass whose invariants are checked when it is built, so a
question that would not fit a Telegram quiz poll cannot exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Telegram quiz-poll limits (Bot API sendPoll); a test checks them against PollLimit.
MAX_QUESTION_LENGTH = 300
MAX_OPTION_LENGTH = 100
MIN_OPTIONS = 2
MAX_OPTIONS = 12
MAX_EXPLANATION_LENGTH = 200
MAX_EXPLANATION_LINE_FEEDS = 2

# Input limits, named in the messages a user sees.
MAX_ARTICLE_CHARS = 200_000
MIN_SENTENCES = 3

KINDS = ("who", "what", "which", "where", "when", "how_many", "how_much", "cloze")
DIFFICULTIES = ("easy", "medium", "hard")


class ArticleError(ValueError):
    """An article the generator cannot use; the message is written for the person who sent it."""


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article: `text` is what the generator reads; `offsets[i]` is the index in
    `source_text` (the file's text as read) of `text[i]`."""

    title: str
    text: str
    source: str
    source_text: str
    offsets: tuple[int, ...] = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.offsets) != len(self.text):
            raise ValueError("offset map must have one entry per character of text")

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of `text` to the same span of `source_text`."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside the article")
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True, slots=True)
class Evidence:
    """The sentence a question was made from, with its offsets into the source text."""

    text: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if not self.text or self.start < 0 or self.end <= self.start:
            raise ValueError("evidence needs text and a non-empty span")


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    kind: str
    question: str
    options: tuple[str, ...]
    answer_index: int
    explanation: str
    evidence: Evidence
    difficulty: str
    score: float

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown question kind {self.kind!r}")
        if not 1 <= len(self.question) <= MAX_QUESTION_LENGTH:
            raise ValueError(f"question must be 1-{MAX_QUESTION_LENGTH} characters")
        if not MIN_OPTIONS <= len(self.options) <= MAX_OPTIONS:
            raise ValueError(f"a quiz needs {MIN_OPTIONS}-{MAX_OPTIONS} options")
        for option in self.options:
            if not 1 <= len(option) <= MAX_OPTION_LENGTH:
                raise ValueError(f"option {option!r} must be 1-{MAX_OPTION_LENGTH} characters")
        folded = {option.casefold() for option in self.options}
        if len(folded) != len(self.options):
            raise ValueError("options must be distinct")
        if not 0 <= self.answer_index < len(self.options):
            raise ValueError("answer_index must point at one of the options")
        if len(self.explanation) > MAX_EXPLANATION_LENGTH:
            raise ValueError(f"explanation must be at most {MAX_EXPLANATION_LENGTH} characters")
        if self.explanation.count("\n") > MAX_EXPLANATION_LINE_FEEDS:
            raise ValueError(
                f"explanation may hold at most {MAX_EXPLANATION_LINE_FEEDS} line feeds"
            )
        if self.difficulty not in DIFFICULTIES:
            raise ValueError(f"unknown difficulty {self.difficulty!r}")

    @property
    def answer(self) -> str:
        return self.options[self.answer_index]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "options": list(self.options),
            "answer_index": self.answer_index,
            "explanation": self.explanation,
            "evidence": {
                "text": self.evidence.text,
                "start": self.evidence.start,
                "end": self.evidence.end,
            },
            "difficulty": self.difficulty,
            "score": round(self.score, 4),
        }


@dataclass(frozen=True, slots=True)
class Quiz:
    title: str
    questions: tuple[Question, ...]

    def __post_init__(self) -> None:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique within a quiz")

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "questions": [q.to_dict() for q in self.questions]}
