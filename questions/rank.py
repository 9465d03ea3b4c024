"""Stage 6: score every candidate question, then pick `n` spread across the article and types.

The score is a sum of plain, inspectable features (answer type, question length, distractor
quality, leaks, parse sanity); selection is greedy with penalties for repeating a sentence, a key
or a question type, so a quiz walks through the story instead of circling one paragraph.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from questions.distractors import NUMBER_WORDS
from questions.realise import Candidate

TYPE_VALUE = {
    "person": 0.9,
    "country": 0.8,
    "city": 0.85,
    "place": 0.75,
    "org": 0.8,
    "date": 0.75,
    "time": 0.55,
    "number": 0.8,
    "money": 0.8,
    "percent": 0.75,
    "people": 0.6,
    "thing": 0.4,
}
CLOZE_SHARE = 0.2
# A quiz of n questions takes only candidates scoring at least this; a teacher would rather have
# six good questions than ten with four to strike out. n=None still lists every candidate.
MIN_QUIZ_SCORE = 0.5
# how much less a question is worth to a quiz that already asks its kind a third of the time
CROWDED_KIND = 0.3


# A short question whose subject is a bare "the <noun>" points back to a sentence it left behind.
VAGUE_SHORT = re.compile(r"\w+ (?:did|does|do|was|were|is|are|has|have|had) the [a-z]+ \w+ ?\w*\?")


@dataclass(frozen=True, slots=True)
class Scored:
    candidate: Candidate
    distractors: tuple[str, ...]
    score: float


def score(
    candidate: Candidate,
    distractors: list[str],
    *,
    article_chars: int,
    mentions: int = 1,
    kindred: int = 0,
    topic: bool = False,
    aside: float = 0.0,
) -> float:
    """A 0-1 estimate of how good a question this is. `mentions`: how often the article names
    the key; a name the story keeps coming back to matters more than a passing one. `kindred`:
    how many of a common-noun key's wrong options share its head word ("helper T cells" beside
    "killer T cells"); other noun phrases of an article are rarely of the key's kind, so a
    common-noun question without two of them stays out of a default quiz. `topic`: the key is
    the place or organisation the whole article is about. `aside`: how much less a fact around
    the story is worth than one in it (who a quoted speaker is, a year before the story's, what
    a town always is)."""
    value = TYPE_VALUE.get(candidate.answer_class, 0.3)
    words = len(candidate.question.split())
    passive = candidate.fact is not None and candidate.fact.passive
    if passive and candidate.role == "agent" and candidate.wh == "who":
        words += 2  # "Who commanded the ship?" says no less than "By whom was the ship commanded?"
    if candidate.answer_class in ("person", "org", "city", "country", "place"):
        value += min(0.15, 0.05 * (mentions - 1)) if mentions > 1 else -0.05
    if topic and candidate.answer_class in ("org", "city", "country", "place"):
        value -= 0.25  # "Which organisation ...?" in a story about NASA: NASA, as anyone guesses
    value -= aside
    if candidate.role == "title":
        # who holds an office matters less than what they did, and a passing name's office
        # ("the U.S. President", named once) not at all
        value -= 0.15 if mentions > 1 else 0.6
    if candidate.kind == "what" and candidate.answer_class in ("city", "country", "place"):
        value -= 0.2  # "What did the plague devastate?" -> Europe: a place asked as a thing
    if candidate.kind == "cloze":
        value -= 0.25
    if candidate.kind != "cloze" and (
        VAGUE_SHORT.fullmatch(candidate.question)
        or (candidate.kind == "who" and words < 8 and not _anchored(candidate))
    ):
        # "Where did the disputes extend?", "Who led the mission?", "When was the franchise
        # founded?": which one?
        value -= 0.2
    if words > 22:
        value -= 0.015 * (words - 22)
    if words < 6:
        # "What did Denver lose?": which of its losses? a short stem rarely pins one answer,
        # though "When was the franchise founded?" does
        value -= 0.1 if candidate.kind in ("when", "where", "how_many") else 0.25
    key_words = len(candidate.key.split())
    if candidate.answer_class in ("thing", "people"):
        value += 0.2 if kindred >= 2 else -0.35
        if words < 7:
            value -= 0.3  # "What are the ideals?", "What applies in territories?": too vague
    if candidate.answer_class in ("thing", "people") and key_words == 1:
        value -= 0.25  # "the country": a bare noun usually points back, it does not inform
    if key_words > 4:
        value -= 0.04 * (key_words - 4)
    value += {3: 0.1, 2: -0.1, 1: -0.35}.get(len(distractors), -0.6)
    if _leaks(candidate):
        value -= 0.3
    if candidate.fact is not None:
        if candidate.fact.subject_inherited:
            value -= 0.03
        if candidate.role == "oblique":
            value -= 0.12
    if candidate.question.count('"') >= 2:
        value -= 0.05
    if re.search(r"\b(his|her|its|their)\b", candidate.key, re.IGNORECASE):
        value -= 0.15
    # The lead carries the story; a small nudge toward it.
    value += 0.12 * (1 - min(candidate.key_start / max(article_chars, 1), 1))
    if candidate.kind == "how_many" and candidate.key.lower() in ("two", "2", "both"):
        value -= 0.15  # "How many companies merged?": two, as everyone knows
    return max(0.0, min(1.0, value))


def _anchored(candidate: Candidate) -> bool:
    """Whether the question names something -- a name, a number, a date -- that ties it to one
    event of the article."""
    return bool(
        re.search(
            r"\d|\b[A-Z]|\b(two|three|four|five|six|seven|eight|nine|ten)\b",
            candidate.question[1:],
        )
    )


def _leaks(candidate: Candidate) -> bool:
    """The key's own content words standing in the question give the answer away."""
    question = set(re.findall(r"[a-z0-9]+", candidate.question.lower()))
    key = [w for w in re.findall(r"[a-z0-9]+", candidate.key.lower()) if len(w) > 3]
    if candidate.answer_class == "person" and key and key[-1] in question:
        return True  # "Alderman Thomas Kelsey" for a question about the Kelsey Bridge
    return bool(key) and all(w in question for w in key)


def select(scored: list[Scored], n: int | None) -> list[Scored]:
    """The best `n` (all when None), spread over sentences, keys and kinds; reading order."""
    ranked = sorted(scored, key=lambda s: (-s.score, s.candidate.key_start, s.candidate.question))
    if n is None:
        return _dedupe(ranked)
    # a default quiz asks with at least three options: two are a coin toss
    ranked = [s for s in ranked if s.score >= MIN_QUIZ_SCORE and len(s.distractors) >= 2]
    picked: list[Scored] = []
    keys: Counter[str] = Counter()
    asked: set[tuple[int, str]] = set()  # (predicate, role): one question per fact and role
    sentences: Counter[int] = Counter()
    kinds: Counter[str] = Counter()
    spans: set[tuple[int, int]] = set()  # each picked key's sentence and place in the article
    max_cloze = max(1, int(n * CLOZE_SHARE))
    quota = max(2, n // 3)

    def allowed(item: Scored, pass_limit: int) -> bool:
        c = item.candidate
        slot = (c.fact.verb, c.role) if c.fact is not None else (-1, c.question)
        if item in picked or slot in asked or _gives_away(c, picked):
            return False
        if keys[c.key.lower()] >= (1 if pass_limit < 99 else 2):
            return False  # a key asked twice only when the article has no other
        if (c.sentence.start, c.key_start) in spans:
            return False  # never one sentence's same words twice: one fact, two stems
        if sentences[c.sentence.start] >= pass_limit:
            return False
        return not (c.kind == "cloze" and kinds["cloze"] >= max_cloze)

    def worth(item: Scored, pass_limit: int) -> float:
        # a kind asked `quota` times already yields to another kind's question unless it is
        # clearly better: "Who was sent off?" (1.00) still beats when the manager took charge
        # (0.57), but not a when-question nearly as good
        crowded = pass_limit == 1 and kinds[item.candidate.kind] >= quota
        return item.score - (CROWDED_KIND if crowded else 0.0)

    for pass_limit in (1, 2, 99):
        while len(picked) < n:
            best, best_worth = None, -1.0
            for item in ranked:  # best first: the first of equals wins
                if item.score <= best_worth:
                    break  # nothing further down can be worth more
                if allowed(item, pass_limit) and (value := worth(item, pass_limit)) > best_worth:
                    best, best_worth = item, value
            if best is None:
                break
            c = best.candidate
            picked.append(best)
            keys[c.key.lower()] += 1
            spans.add((c.sentence.start, c.key_start))
            asked.add((c.fact.verb, c.role) if c.fact is not None else (-1, c.question))
            sentences[c.sentence.start] += 1
            kinds[c.kind] += 1
    return sorted(picked, key=lambda s: (s.candidate.key_start, s.candidate.question))


def _gives_away(candidate: Candidate, picked: list[Scored]) -> bool:
    """Two questions from one sentence where each names the other's answer ("Who telephoned
    Erdogan?" beside "Who did Putin telephone?")."""
    for other in picked:
        o = other.candidate
        if o.sentence.start != candidate.sentence.start:
            continue
        if _names(o.key, candidate.question) or _names(candidate.key, o.question):
            return True
    return False


def _names(key: str, question: str) -> bool:
    """Whether the question names the key, a figure in either form ("9" in "nine segments")."""
    words = [
        _figure(w) for w in re.findall(r"[a-z0-9]+", key.lower()) if len(w) > 2 or w.isdigit()
    ]
    found = {_figure(w) for w in re.findall(r"[a-z0-9]+", question.lower())}
    return bool(words) and any(w in found for w in words)


def _figure(word: str) -> str:
    return str(NUMBER_WORDS.index(word)) if word in NUMBER_WORDS else word


def _dedupe(ranked: list[Scored]) -> list[Scored]:
    seen: set[str] = set()
    out = []
    for item in ranked:
        if item.candidate.question not in seen:
            seen.add(item.candidate.question)
            out.append(item)
    return out
