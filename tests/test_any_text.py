"""Whatever text arrives, the generator returns a valid quiz or a clear ArticleError."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from questions import ArticleError, generate_quiz

WORDS = [
    "The", "council", "voted", "on", "Monday", "in", "Leeds", "and", "Ann", "Kerr", "said",
    "7", "people", "were", "killed", "by", "a", "storm", "which", "hit", "France", "in", "2024",
    "Moscow", "telephoned", "President", "\u00b4s", "\u201c", "\u201d", "\u00a0", ".", ",",
    "?", "\n", "\n\n", "Latest news", "Main \u00bb", "#", "*", "<p>", "\x00", "\u00e9t\u00e9",
]  # fmt: skip

texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(WORDS), max_size=120).map(" ".join),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, n=st.one_of(st.none(), st.integers(min_value=1, max_value=12)))
def test_any_text_gives_a_valid_quiz_or_a_clear_error(text, n):
    try:
        quiz = generate_quiz(text, n=n)
    except ArticleError as exc:
        message = str(exc)
        assert message
        assert "\n" not in message
        assert "Traceback" not in message
        return
    assert n is None or len(quiz.questions) <= n
    for q in quiz.questions:
        # invariants are checked when a Question is built; the offsets must also hold
        assert 0 <= q.evidence.start < q.evidence.end <= len(text)
        assert q.options[q.answer_index] == q.answer
