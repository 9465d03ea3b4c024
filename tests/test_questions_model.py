import pytest
from telegram.constants import PollLimit

from questions import Evidence, Question, Quiz, model


def make_question(**changes):
    fields = {
        "id": "q1",
        "kind": "where",
        "question": "Where was the group set up?",
        "options": ("Astana", "Ankara", "Moscow", "Damascus"),
        "answer_index": 0,
        "explanation": "A group was set up in Astana.",
        "evidence": Evidence("A group was set up in Astana.", 10, 39),
        "difficulty": "easy",
        "score": 0.9,
    }
    fields.update(changes)
    return Question(**fields)


def test_limits_are_telegrams():
    assert model.MAX_QUESTION_LENGTH == PollLimit.MAX_QUESTION_LENGTH
    assert model.MAX_OPTION_LENGTH == PollLimit.MAX_OPTION_LENGTH
    assert model.MAX_OPTIONS == PollLimit.MAX_OPTION_NUMBER
    assert model.MAX_EXPLANATION_LENGTH == PollLimit.MAX_EXPLANATION_LENGTH
    assert model.MAX_EXPLANATION_LINE_FEEDS == PollLimit.MAX_EXPLANATION_LINE_FEEDS


def test_a_valid_question_builds_and_serialises():
    q = make_question()
    assert q.answer == "Astana"
    assert q.to_dict()["evidence"] == {
        "text": "A group was set up in Astana.",
        "start": 10,
        "end": 39,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"question": "x" * 301},
        {"question": ""},
        {"options": ("Astana",)},
        {"options": tuple(f"option {i}" for i in range(13))},
        {"options": ("Astana", "y" * 101)},
        {"options": ("Astana", "astana")},
        {"answer_index": 4},
        {"explanation": "e" * 201},
        {"explanation": "a\nb\nc\nd"},
        {"kind": "why"},
        {"difficulty": "impossible"},
    ],
)
def test_a_question_that_breaks_a_limit_cannot_exist(changes):
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        make_question(**changes)


def test_quiz_ids_are_unique():
    with pytest.raises(ValueError, match="unique"):
        Quiz("t", (make_question(), make_question()))
