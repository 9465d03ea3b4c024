"""Errors a caller of the store can cause. Each message is written for the person who caused it."""

from __future__ import annotations


class StorageError(Exception):
    """Base class: something the caller asked for cannot be done; nothing was written."""


class DatabaseNotFound(StorageError):
    def __init__(self, path: str) -> None:
        super().__init__(f"No quizbot database at {path}.")


class DatabaseUnreadable(StorageError):
    def __init__(self, path: str, reason: Exception) -> None:
        super().__init__(f"{path} is not a readable quizbot database ({reason}).")


class BackupExists(StorageError):
    def __init__(self, path: str) -> None:
        super().__init__(f"{path} already exists; choose a new file for the backup.")


class UnknownUser(StorageError):
    def __init__(self, user_id: int) -> None:
        super().__init__(f"User {user_id} is not known to the bot yet.")


class UnknownChat(StorageError):
    def __init__(self, chat_id: int) -> None:
        super().__init__(f"Chat {chat_id} is not known to the bot yet.")


class UnknownArticle(StorageError):
    def __init__(self, article_id: int) -> None:
        super().__init__(f"There is no article {article_id}.")


class UnknownQuiz(StorageError):
    def __init__(self, quiz_id: int) -> None:
        super().__init__(f"There is no quiz {quiz_id} (it may have been deleted).")


class UnknownQuestion(StorageError):
    def __init__(self, question_id: int) -> None:
        super().__init__(f"There is no question {question_id}.")


class UnknownRun(StorageError):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"There is no quiz run {run_id}.")


class UnknownPoll(StorageError):
    def __init__(self, poll_id: str) -> None:
        super().__init__(f"Poll {poll_id} does not belong to any quiz run.")


class UnknownLink(StorageError):
    def __init__(self) -> None:
        super().__init__("That link does not open anything here.")


class InvalidQuestion(StorageError):
    """A question mapping handed to `save_quiz` or `edit_question` is malformed."""


class InvalidState(StorageError):
    """The quiz or run is not in a state that allows the change."""


class EmptyQuiz(StorageError):
    def __init__(self, quiz_id: int) -> None:
        super().__init__(f"Quiz {quiz_id} has no enabled questions to play.")


class RunNotActive(StorageError):
    def __init__(self, run_id: int) -> None:
        super().__init__(f"Quiz run {run_id} is not running, so it takes no answers.")


class PollClosed(StorageError):
    def __init__(self) -> None:
        super().__init__("This question is closed; answers are no longer counted.")


class QuestionNotInQuiz(StorageError):
    def __init__(self, question_id: int, run_id: int) -> None:
        super().__init__(f"Question {question_id} is not part of quiz run {run_id}.")


class OptionOutOfRange(StorageError):
    def __init__(self, chosen: tuple[int, ...], count: int) -> None:
        super().__init__(
            f"Answer {list(chosen)} is not a valid choice: pick one option from 0 to {count - 1}."
        )
