"""quizbot's storage: the only package that speaks SQL.

    from storage import Store
    with Store.from_env() as store:
        store.upsert_user(42, first_name="Ada")

Records returned by the store are frozen dataclasses in `storage.records`.
"""

from storage.errors import (
    BackupExists,
    DatabaseNotFound,
    DatabaseUnreadable,
    EmptyQuiz,
    InvalidQuestion,
    InvalidState,
    OptionOutOfRange,
    PollClosed,
    QuestionNotInQuiz,
    RunNotActive,
    StorageError,
    UnknownArticle,
    UnknownChat,
    UnknownLink,
    UnknownPoll,
    UnknownQuestion,
    UnknownQuiz,
    UnknownRun,
    UnknownUser,
)
from storage.store import Store

__all__ = [
    "BackupExists",
    "DatabaseNotFound",
    "DatabaseUnreadable",
    "EmptyQuiz",
    "InvalidQuestion",
    "InvalidState",
    "OptionOutOfRange",
    "PollClosed",
    "QuestionNotInQuiz",
    "RunNotActive",
    "StorageError",
    "Store",
    "UnknownArticle",
    "UnknownChat",
    "UnknownLink",
    "UnknownPoll",
    "UnknownQuestion",
    "UnknownQuiz",
    "UnknownRun",
    "UnknownUser",
]
