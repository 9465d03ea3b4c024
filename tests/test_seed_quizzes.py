"""The real spaCy model on every article in seeds/: what the default quiz must hold."""

import re
from pathlib import Path

import pytest

from questions import generate_quiz, load_article
from questions.distractors import AHEAD, _same_phrase, _same_referent

SEEDS = sorted((Path(__file__).parent.parent / "seeds").glob("*.txt"))
YEAR = re.compile(r"\b(?:1\d{3}|20\d{2})\b")
SEED = Path(__file__).parent.parent / "seeds" / "moscow-ankara-airstrike.txt"


@pytest.fixture(scope="module")
def seed_quiz():
    return generate_quiz(load_article(SEED))


def test_there_are_seven_sample_articles():
    assert len(SEEDS) >= 7


def test_seed_quiz_asks_how_many_soldiers_the_airstrike_killed(seed_quiz):
    hits = [
        q
        for q in seed_quiz.questions
        if "airstrike" in q.question and "kill" in q.question and q.answer in ("three", "3")
    ]
    assert [q.question for q in hits] == [
        "How many Turkish soldiers did the Russian airstrike kill?"
    ]


def test_seed_quiz_asks_where_the_joint_group_was_set_up(seed_quiz):
    hits = [
        q for q in seed_quiz.questions if q.question.startswith("Where") and "group" in q.question
    ]
    assert len(hits) == 1
    assert hits[0].answer == "Astana"


def test_seed_quiz_asks_about_the_phone_call(seed_quiz):
    hits = [q for q in seed_quiz.questions if "telephone" in q.question]
    assert len(hits) == 1
    assert hits[0].answer in ("Recep Tayyip Erdogan", "Vladimir Putin")


def test_seed_quiz_never_asks_about_page_furniture(seed_quiz):
    for q in seed_quiz.questions:
        assert "Latest news" not in q.question
        assert "30 March 2017" not in q.question + " ".join(q.options)
        assert "enhance coordination" not in q.evidence.text


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_every_seed_gives_a_full_valid_quiz(path):
    article = load_article(path)
    raw = path.read_text(encoding="utf-8")
    quiz = generate_quiz(article)
    # Ten asked for. The seed is a short wire story (about 400 words) whose other questions
    # are weak or give each other away; it may give fewer rather than print a weak one.
    assert len(quiz.questions) >= (6 if path == SEED else 10)
    assert sum(q.kind == "cloze" for q in quiz.questions) <= 2
    for q in quiz.questions:
        # the evidence points into the file as read, and holds the key
        assert raw[q.evidence.start : q.evidence.end] == q.evidence.text
        assert len(q.options) >= 3
        key = q.answer
        # names: no other name for the key; common nouns ("killer T cells" beside "helper T
        # cells") share head words freely, but none contains the other
        # a name or a figure ("about 4.4 million" is not "about 9.4 million" in other words)
        named = key[:1].isupper() or any(ch.isdigit() for ch in key)
        same = _same_referent if named else _same_phrase
        for i, option in enumerate(q.options):
            if i != q.answer_index:
                assert not same(option, key), (q.question, option, key)
        assert len({o.casefold() for o in q.options}) == len(q.options)
        if AHEAD.search(q.question) and YEAR.search(key):
            # what is still to come has no wrong date before the key's year ("August 2024"
            # for a return planned for March 2026)
            years = [int(YEAR.search(o).group()) for o in q.options if YEAR.search(o)]
            assert min(years) >= int(YEAR.search(key).group()), (q.question, q.options)
        assert not re.search(r"\b(he|she|they|it|him|them)\b", q.question.split(" ", 1)[1][:3])


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_no_bare_pronoun_questions(path):
    quiz = generate_quiz(load_article(path), n=None)
    bare = re.compile(
        r"^(Who|What|When|Where|How many) (did|does|do|was|were|is|are|has|had) "
        r"(he|she|they|it|him|her|them)\b"
    )
    assert [q.question for q in quiz.questions if bare.search(q.question)] == []


def test_generation_is_deterministic_for_a_seed():
    text = SEED.read_text(encoding="utf-8")
    first = generate_quiz(text, seed=7).to_dict()
    assert generate_quiz(text, seed=7).to_dict() == first
    other = generate_quiz(text, seed=8).to_dict()
    assert [q["question"] for q in other["questions"]] == [
        q["question"] for q in first["questions"]
    ]


def test_n_none_gives_every_candidate_ranked_and_n_caps_the_quiz():
    text = SEED.read_text(encoding="utf-8")
    everything = generate_quiz(text, n=None)
    assert len(everything.questions) > 10
    scores = [q.score for q in everything.questions]
    assert scores == sorted(scores, reverse=True)
    assert len(generate_quiz(text, n=3).questions) == 3
