"""The whole generator: clean text -> parse -> facts -> questions -> distractors -> ranked quiz."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from questions import distractors as distractor_stage
from questions.facts import (
    SPEECH_VERBS,
    Fact,
    extract_facts,
    inside_dropped_brackets,
    marks_between,
    phrase_tokens,
    resolve_pronouns,
)
from questions.ingest import article_from_text
from questions.model import (
    MAX_EXPLANATION_LENGTH,
    MAX_OPTION_LENGTH,
    MAX_QUESTION_LENGTH,
    MIN_SENTENCES,
    Article,
    ArticleError,
    Evidence,
    Question,
    Quiz,
)
from questions.parse import load_pipeline
from questions.rank import MIN_QUIZ_SCORE, Scored, score, select
from questions.realise import (
    ARGUMENT_DEPS,
    ArticleContext,
    Candidate,
    answer_class,
    candidates_for,
    enrich_key,
    entity_index,
    is_point,
    strip_titles,
    title_candidates,
)

CLOZE_LABELS = {"PERSON", "GPE", "ORG", "DATE", "CARDINAL", "MONEY", "PERCENT", "LOC"}
CLOZE_BLANK = "_____"


def generate_quiz(
    text: str | Article,
    *,
    n: int | None = 10,
    seed: int = 0,
    nlp: Language | None = None,
    min_sentences: int = MIN_SENTENCES,
) -> Quiz:
    """A quiz of up to `n` questions about `text` (every valid candidate, ranked, when n is None).

    Raises ArticleError, with a message for the person who sent the text, when the text cannot
    make a quiz (fewer than `min_sentences` sentences among other reasons). Deterministic for a
    given text and seed."""
    if n is not None and n < 1:
        raise ArticleError("ask for at least one question")
    article = text if isinstance(text, Article) else article_from_text(text)
    nlp = nlp or load_pipeline()
    # the headline only lends modifiers ("Russian airstrike"); one batch with the text costs
    # next to nothing, where a call of its own cost 2% of the parse
    doc, title_doc = (
        nlp.pipe([article.text, article.title]) if article.title else (nlp(article.text), None)
    )
    sentences = [s for s in doc.sents if sum(t.is_alpha for t in s) >= 3]
    if len(sentences) < min_sentences:
        raise ArticleError(
            f"{article.source}: the article has {len(sentences)} sentence(s); "
            f"a quiz needs at least {min_sentences}"
        )
    floor = None if n is None else MIN_QUIZ_SCORE
    scored = list(_scored_candidates(doc, title_doc, seed, floor))
    picked = select(scored, n)
    questions = [_question(item, article, seed) for item in picked]
    return Quiz(title=article.title, questions=tuple(_unique_ids(questions)))


def _scored_candidates(
    doc: Doc, title_doc: Doc | None, seed: int, floor: float | None = None
) -> Iterator[Scored]:
    """Every candidate question with its options and score; with a `floor`, those that could
    not reach it even with the best options are left out before their options are sought."""
    ents = doc.ents
    names = _person_names(ents)
    ctx = ArticleContext(
        names, _headline_modifiers(title_doc), resolve_pronouns(doc), entity_index(ents)
    )
    facts = list(extract_facts(doc))
    by_lemma: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_lemma[ALIKE.get(fact.lemma, fact.lemma)].append(fact)
    candidates = [c for f in facts for c in candidates_for(doc, f, ctx)]
    candidates += title_candidates(doc, ctx)
    covered = {c.sentence.start for c in candidates}
    candidates += [
        c for s in doc.sents if s.start not in covered for c in _cloze(s, ents, ctx.surnames)
    ]
    pool = distractor_stage.article_pool(doc, names, ents)
    seen: set[str] = set()
    text = doc.text
    article_chars = len(text)
    unit_tensor = distractor_stage.unit_rows(doc.tensor)
    topic = _topic(ents)
    news = _news(doc)
    story_year = _story_year(ents, next(iter(doc.sents), None) if news else None)
    for candidate in candidates:
        if candidate.question in seen or len(candidate.question) > MAX_QUESTION_LENGTH:
            continue
        if len(candidate.key) > MAX_OPTION_LENGTH or _malformed(candidate, ctx.entities):
            continue
        if _placeless(candidate, doc):
            continue  # "What returned to New York?" of Loudoun, a man the tagger took for a place
        seen.add(candidate.question)
        also_true = _other_answers(doc, candidate, by_lemma)
        if any(not distractor_stage._same_referent(a, candidate.key) for a in also_true):
            continue  # the article gives this question more than one answer
        mentions = text.count(candidate.key.split()[-1])
        is_topic = candidate.key.split()[-1] == topic
        # around the story rather than in it; in a news story, plainly so
        aside = 0.0
        if _aside_fact(doc, candidate) or _before_the_story(candidate, story_year, news=news):
            aside = 0.3 if news else 0.15
        elif news and (_standing_fact(doc, candidate) or _verdict(candidate)):
            aside = 0.3
        if floor is not None:
            best = score(
                candidate,
                ["", "", ""],
                article_chars=article_chars,
                mentions=mentions,
                topic=is_topic,
                kindred=2,
                aside=aside,
            )
            if best < floor:
                continue  # not worth options: it could not make the quiz with the best three
        also_true += _listed_with(doc, candidate)
        rng = random.Random(f"{seed}:{candidate.question}")
        kin = distractor_stage.kindred(doc, candidate, pool)
        options = distractor_stage.choose(
            candidate,
            pool,
            question_text=candidate.question,
            also_true=also_true,
            rng=rng,
            tensor=unit_tensor,
            kin=kin,
        )
        if not options or (candidate.answer_class in ("thing", "people") and len(options) < 2):
            continue
        if candidate.answer_class == "number" and candidate.kind != "cloze":
            # a blank keeps the article's own form ("a = 3, 6, or _____": "9", not "nine")
            key, options = distractor_stage.harmonise(candidate.key, options)
            candidate = dataclasses.replace(candidate, key=key)
        yield Scored(
            candidate,
            tuple(options),
            score(
                candidate,
                options,
                article_chars=article_chars,
                mentions=mentions,
                topic=is_topic,
                kindred=len(kin & set(options)),
                aside=aside,
            ),
        )


# A capitalised function word inside a question: a quotation the parser ran into the clause
# ("declare France had a civilising mission The higher races have a right ...").
RUN_ON = re.compile(r"[a-z,;] (The|An|He|She|It|They|We|This|These|Those|His|Her|Its|Their) [a-z]")


# Stems that lost what they need to mean one thing: "Who ranked second with 102?" (102 of
# what?), "both by failing to pay ..." without its "and by ...", "in a similar way" (to what?),
# "Who was an admirer of Mawdudi and Mawdudi's?" (whose what?), "collect including at the
# sports centre" (an example torn from its list), "What did ESPN Deportes broadcast pre-?" (half
# of "pre- and post-game coverage")
STEM_FAULT = re.compile(
    r"\b(?:first|second|third|fourth|fifth|\d+(?:st|nd|rd|th)) with [\d,.]+\?$"
    r"|\bboth (?:by|in|for|to|with|from|as|on|at)\b(?!.*\band\b)"
    r"|\b(?:in a similar way|in the same way|similarly|likewise)\b"
    r"|\w's\?$"
    r"|\bincluding (?:at|in|on|from|by|for|to)\b"
    r"|\w-\?$"
)
# Keys that are no answer as they stand: "Harrison Storms as", "1883-" of "1883-84", a list
# ("Cabot, Lamont, and Widener Library") that no wrong option looks like, "a similar way", a
# time of day cut from its day ("evening" of "Sunday evening"), "Other lesser known groups" (other
# than which?)
KEY_FAULT = re.compile(
    r"\s(?:as|of|and|or|the|a|an|in|on|at|to|for|by|with)$"
    r"|[-\u2013]$"
    r"|, .+,? and "
    r"|^(?:a |the )?(?:similar|same) way$"
    r"|^(?:the )?(?:morning|afternoon|evening|night)$"
    r"|^(?:the )?other\b|^another\b",
    re.IGNORECASE,
)


CLOCK = re.compile(r"\b\d{1,2}(?:[.:]\d{2})?\s*(?:a\.m\.|p\.m\.|am\b|pm\b)|\bo'clock\b|\bnoon\b")


def _placeless(candidate: Candidate, doc: Doc) -> bool:
    """A key the tagger labelled a place (not a building) that the article never puts where a
    place stands, or an event's name asked for with "where"."""
    if candidate.kind == "where" and distractor_stage.EVENT_NAME.search(candidate.key):
        return True  # "Where was the practice established?" -> "Super Bowl V"
    span = doc.char_span(candidate.key_start, candidate.key_end, alignment_mode="expand")
    label = span.root.ent_type_ if span is not None else ""
    return (
        candidate.answer_class == "place"
        and label in ("GPE", "LOC")
        and not distractor_stage.is_place(candidate.key, doc)
    )


# single quotation marks; a closing one after "s" may be a plural's apostrophe instead
OPENING_QUOTE = re.compile(r"(?:^|(?<=[\s(]))'(?=\w)")
CLOSING_QUOTE = re.compile(r"(?<=[A-Za-rt-z.,!?])'(?=[\s,.;:?!)]|$)")


def _malformed(candidate: Candidate, entities: dict[int, Span]) -> bool:
    """Questions the realiser built from a misparse, that answer themselves or that have no one
    answer: a negated question, a quotation run into the clause, two separate dates ("become a
    cathedral in 1850 in 1882", a gapped clause), a when-question that already names a date, a
    where-question that already names a place (its key is then mostly the country or region
    around it)."""
    if RUN_ON.search(candidate.question) or candidate.question.count(",") >= 3:
        return True  # a quotation run in, or a list that gives half the answers away
    if candidate.kind != "cloze" and re.search(r", and [a-z]", candidate.question):
        return True  # "... on November 12 and 13, and rail services between ...": two clauses
    if re.search(
        r"\b(based|located|situated|headquartered|called|named|known)\?$", candidate.question
    ):
        return True  # "Which organisation is based?": the place it needs was cut away
    if distractor_stage._unbalanced(candidate.key) or distractor_stage._unbalanced(
        candidate.question
    ):
        return True
    if len(OPENING_QUOTE.findall(candidate.question)) != len(
        CLOSING_QUOTE.findall(candidate.question)
    ):
        return True  # "Who established socialism in one country'?": a quote cut in half
    if candidate.kind != "cloze" and _lost_punctuation(candidate):
        return True  # "the US Canada", "Khwarezmia Khwarezmid Empire": a "/" or "(" cut out
    if re.search(r"[\u0250-\u02ff]", candidate.question):
        return True  # a pronunciation in IPA pasted into the stem
    if STEM_FAULT.search(candidate.question) or KEY_FAULT.search(candidate.key):
        return True
    if candidate.kind != "cloze" and re.search(r" [-\u2013] |\u2014", candidate.question):
        return True  # "... faced an oil crisis of its own - a series of strikes ...?"
    if candidate.kind == "when" and re.search(r"\b(?:now|currently|today)\b", candidate.question):
        return True  # "When does Internet2 now refer to ...?": now
    if candidate.kind == "when" and CLOCK.search(candidate.question):
        return True  # "When did the collapse happen at about 1.30 a.m.?": asks for the day
    doc = candidate.sentence.doc
    if TWO_FINITE.match(candidate.question):
        return True  # "What would is a causal link ...?"
    same = [i for i in candidate.question_tokens if doc[i].lower_ == "same"]
    if same and not any(doc[i].lower_ == "as" and i > same[0] for i in candidate.question_tokens):
        return True  # "with the same franchise": the same as what the sentence said before
    if any(_points_back(doc[i]) for i in candidate.question_tokens):
        return True  # "What is a strengthening of that conjecture?": which one?
    if candidate.kind == "cloze" and re.search(
        rf"\b{re.escape(candidate.key)}\b", candidate.question
    ):
        return True  # "None of these divides _____, so 37 is prime.": the key is still there
    if candidate.kind != "cloze" and _cut_aside(candidate):
        return True  # "When did the Maling company, at one time move to the city?"
    if DANGLING_POSSESSIVE.match(candidate.question):
        return True  # "What was their primary colour at the time?": whose?
    if candidate.kind == "how_many" and re.match(
        r"How many [\w-]+(?: [\w-]+)? and ", candidate.question
    ):
        return True  # "How many institutes and 113 centres does it run?": half a list
    if candidate.kind == "how_many" and _measure_as_subject(candidate.question):
        return True  # "How many kilometres from Warsaw features a preserved ecosystem?"
    if re.match(r"(Including|Excluding|Especially|Besides|Like|Unlike) ", candidate.question):
        return True  # "Including whom did the plan lead to ...?": a list's example asked for
    if (
        candidate.kind in ("when", "where")
        and candidate.fact is not None
        and candidate.fact.lemma == "be"
        and not any(doc[i].dep_ in ("attr", "acomp") for i in candidate.question_tokens)
    ):
        return True  # "When was Mosley Street in the city?": what it was got lost
    if candidate.kind == "who" and (_names_a_thing(candidate.key) or _thing_complement(candidate)):
        return True  # "Who prevents ...? -- Mansueto Library", "Who is the oldest institution?"
    later = candidate.question.lower().split()[2:] if candidate.kind != "cloze" else []
    if {w.strip("?,") for w in later} & {"which", "whom", "whose", "whereby", "wherein"}:
        return True  # "How much does the city contribute from which?": a relative clause's half
    if re.search(r"\b(is|are|was|were)\?$", candidate.question):
        return True  # "How many classes based on ... are?"
    if (
        candidate.kind == "how_many"
        and (distractor_stage._number(candidate.key) or 99) <= 5
        and re.search(r"[A-Z][\w.]*(?:, [A-Z][\w.]*)*,? and [A-Z]", candidate.question)
    ):
        return True  # "How many contracts went to Boeing, Douglas and North American?"
    if re.search(r"\bthe [a-z]+'s\b", candidate.question):
        return True  # "the university's centre": which university? the sentence before said
    if re.fullmatch(
        r"(What|Who) (is|was|are|were) the (most \w+|\w+est) \w+\?", candidate.question
    ):
        return True  # "What was the most powerful storm?" -- since when, and where?
    if (
        candidate.fact is not None
        and candidate.fact.lemma in ("include", "comprise", "contain")
        and candidate.role == "patient"
    ):
        return True  # "Who do honorary freemen include?": each member is an answer
    if (
        candidate.kind == "who"
        and candidate.fact is not None
        and candidate.fact.lemma in MADE_THINGS
        and candidate.role == "patient"
    ):
        return True  # "Who was built in 1842?": a tunnel the tagger took for a person
    if re.search(r"\b(not|never)\b|n't\b", candidate.question):
        return True  # "Who was not involved in the study?": nearly everyone
    if candidate.kind == "where" and candidate.answer_class in ("country", "place"):
        named = {e for i in candidate.question_tokens if (e := entities.get(i)) is not None}
        if any(answer_class(e) in ("city", "country", "place") for e in named):
            return True  # "Where did the storm strike the coast of Galicia?" -- Spain
    dates = {
        e
        for i in candidate.question_tokens
        if (e := entities.get(i)) is not None and e.label_ == "DATE"
    }
    if sum(bool(re.search(r"\b\d{4}\b", e.text)) for e in dates) >= 2:
        return True
    return candidate.kind == "when" and bool(dates)


# A possessive before anything in the stem it could belong to: "What was their colour?"
DANGLING_POSSESSIVE = re.compile(
    r"(?:What|Which \w+|When|Where|How (?:many|much)(?: [\w-]+)*?) "
    r"(?:is|was|are|were|do|does|did|has|have|had|will|would|can|could) (?:his|her|their|its) "
)

MEASURE = re.compile(
    r"How many (?:[\w-]+ )?(?:kilometres|kilometers|km|miles|metres|meters|feet|yards|acres"
    r"|hectares|tonnes|tons|pounds|kilograms|kg|litres|liters|hours|minutes|seconds|degrees)\b"
)
AUXILIARIES = {
    "is", "are", "was", "were", "do", "does", "did", "has", "have", "had", "will", "would",
    "can", "could", "may", "might", "must", "shall", "should",
}  # fmt: skip


def _measure_as_subject(question: str) -> bool:
    """A distance or weight asked as what does something: the parser took a measure ("40
    kilometres from Warsaw") for the subject."""
    return bool(MEASURE.match(question)) and not AUXILIARIES & set(question.rstrip("?").split())


# Words that point back to something the sentence before named: "this", "another", "the
# latter"; a bare ordinal ("the second reached 617 miles"); "the event".
POINTING_DETERMINERS = {"this", "that", "these", "those", "another"}
POINTING_HEADS = {
    "latter", "former", "first", "second", "third", "fourth", "fifth", "last", "event",
    "incident", "occasion", "episode",
}  # fmt: skip


def _points_back(token: Token) -> bool:
    if token.dep_ == "det":
        return token.lower_ in POINTING_DETERMINERS
    return (
        token.dep_ in ARGUMENT_DEPS
        and token.lower_ in POINTING_HEADS
        and not any(c.dep_ in ("compound", "amod", "prep", "nummod") for c in token.children)
    )


TWO_FINITE = re.compile(
    r"(?:\w+ ){1,3}(?:would|could|should|will|can|may|might|must|did|does|do) "
    r"(?:is|are|was|were|has|have|had)\b",
    re.IGNORECASE,
)
DATE_COMMA = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September"
    r"|October|November|December) \d{1,2}, (?=\d{4})"
)


def _cut_aside(candidate: Candidate) -> bool:
    """A comma the stem kept without its partner, where it cannot close an aside at the end:
    before the verb ("the Maling company, at one time move to the city") or after a
    preposition ("start from, Newcastle"). A date's comma ("May 21, 2013") and a list's comma
    (followed by its "and" or "or") do not count."""
    body = DATE_COMMA.sub("", candidate.question.rstrip("?"))
    if body.count(",") % 2 == 0 or candidate.fact is None:
        return False
    before, after = body.rsplit(",", 1)
    words = set(after.split())
    if words & {"and", "or"}:
        return False
    verb = candidate.sentence.doc[candidate.fact.verb]
    preposition = before.split()[-1].lower() in PREPOSITIONS
    return preposition or bool(words & {verb.text, verb.lemma_})


PREPOSITIONS = {"from", "in", "on", "at", "to", "of", "by", "with", "within", "into", "for"}


# The last word of a name that is a place, a building or a body, not a person ("the Rika
# Mansueto Library"); and nouns that say an answer is not a person ("the oldest institution").
THING_NAME_ENDS = {
    "library", "university", "college", "school", "institute", "museum", "church",
    "cathedral", "park", "bridge", "tunnel", "tunnelling", "hall", "tower", "building",
    "station", "airport", "stadium", "street", "road", "square", "quadrangle", "hospital",
    "company", "corporation", "foundation", "council", "party", "club", "centre", "center",
}  # fmt: skip
THING_NOUNS = THING_NAME_ENDS | {
    "institution", "establishment", "organisation", "organization", "body", "structure",
    "city", "town", "country", "firm", "agency", "group", "team", "place",
}  # fmt: skip


def _names_a_thing(key: str) -> bool:
    return key.split()[-1].lower() in THING_NAME_ENDS


def _thing_complement(candidate: Candidate) -> bool:
    """A "who" asked of being something no person is: "Who is the oldest institution?"."""
    doc = candidate.sentence.doc
    return any(
        (doc[i].dep_ == "attr" or (doc[i].dep_ == "pobj" and doc[i].head.lower_ == "as"))
        and doc[i].lemma_.lower() in THING_NOUNS
        for i in candidate.question_tokens
    )


# Verbs whose object is a thing, never a person: a "who" key there is a mislabelled name.
MADE_THINGS = {
    "build", "construct", "complete", "erect", "demolish", "rebuild", "renovate", "restore",
    "manufacture", "produce", "publish", "design", "open", "close", "found", "establish",
}  # fmt: skip


def _lost_punctuation(candidate: Candidate) -> bool:
    """Whether the stem keeps words that only read right with a slash or brackets it dropped:
    both sides of "US/Canada", or what stood inside "(Khwarezmid Empire)"."""
    kept = candidate.question_tokens
    sentence = candidate.sentence
    if not marks_between(sentence.doc, sentence.start, sentence.end - 1, "([/"):
        return False  # most sentences: nothing to lose
    if inside_dropped_brackets(list(candidate.sentence), kept):
        return True
    return any(
        t.text == "/" and t.i not in kept and t.i - 1 in kept and t.i + 1 in kept
        for t in candidate.sentence
    )


YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")


def _story_year(ents: tuple[Span, ...], news_lead: Span | None = None) -> int | None:
    """The year the story happens in: the latest year its dates name most; in a news story
    whose first sentence (`news_lead`) names no year ("on Tuesday"), a year after every year
    it names."""
    years = Counter(int(y) for e in ents if e.label_ == "DATE" for y in YEAR.findall(e.text))
    if not years:
        return None
    if news_lead is not None and not YEAR.search(news_lead.text):
        return max(years) + 1
    top = max(years.values())
    return max(y for y, n in years.items() if n == top)


def _before_the_story(candidate: Candidate, story_year: int | None, *, news: bool) -> bool:
    """A when-question (in news also a blank) about an earlier year than the story's, or in
    news any question naming one: background (the year a bank was founded; who took charge of
    the club in 2021). In an encyclopedia's history every fact names an earlier year."""
    if story_year is None or not (news or candidate.kind == "when"):
        return False
    if candidate.kind == "cloze" and candidate.answer_class != "date":
        return False  # a blank's sentence may name an old year for a new fact
    told = candidate.key if candidate.kind in ("when", "cloze") else candidate.question
    years = [int(y) for y in YEAR.findall(told)]
    return bool(years) and max(years) < story_year and _past(candidate)


def _past(candidate: Candidate) -> bool:
    """Told in a past tense: not a plan ("plans to return in March 2026") or a forecast."""
    if candidate.fact is None:
        return True
    verb = candidate.sentence.doc[candidate.fact.verb]
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(a.tag_ == "MD" or a.tag_ in ("VBZ", "VBP") for a in auxes):
        return False
    return verb.tag_ == "VBD" or (verb.tag_ == "VBN" and bool(auxes))


ASIDE_VERBS = {"publish", "advise"}
VERDICT_VERBS = {"call", "describe"}  # "called the results 'very encouraging'"
# What a place or a firm always is or does, told in the present around a story told in the past
# ("About 1,100 people work at Tallow Creek", "Ravensby is surrounded on three sides by forest")
STANDING_VERBS = {
    "work", "employ", "produce", "operate", "own", "lie", "sit", "border", "surround", "depend",
    "house", "serve", "cover", "contain", "have", "number", "stretch", "span",
}  # fmt: skip
BEFORE_NOW = re.compile(r"\b(?:last|previous|past) (?:year|month|season|decade)\b", re.IGNORECASE)


def _verdict(candidate: Candidate) -> bool:
    """Who called the results "very encouraging", and what he called so: the wording of a
    quoted verdict, not an event of the story."""
    return candidate.fact is not None and candidate.fact.lemma in VERDICT_VERBS


def _news(doc: Doc) -> bool:
    """A news story: its first two sentences date what happened to the day ("on Tuesday", "on
    May 18, 2024"), or its first tells it in the present perfect ("A team of scientists has
    discovered ...")."""
    lead = list(islice(doc.sents, 2))
    if any(
        e.label_ == "DATE"
        and (
            any(t.text in distractor_stage.WEEKDAYS for t in e)
            or distractor_stage._date_shape(e.text).startswith("day-month")
        )
        for s in lead
        for e in s.ents
    ):
        return True
    root = lead[0].root if lead else None
    return (
        root is not None
        and root.tag_ == "VBN"
        and any(c.dep_ == "aux" and c.lower_ in ("has", "have") for c in root.children)
    )


def _standing_fact(doc: Doc, candidate: Candidate) -> bool:
    """In a news story, a fact that is no event of it: what a place or firm always does or is
    (present tense, a verb of being placed or employing), where someone was born, or what
    happened last year."""
    if BEFORE_NOW.search(candidate.question):
        return True
    if candidate.fact is None:
        return False
    if candidate.fact.lemma == "bear":
        return True  # "Where was Okonjo born?": who the scorer is, not what he did
    verb = doc[candidate.fact.verb]
    tense = {verb.tag_, *(c.tag_ for c in verb.children if c.dep_ in ("aux", "auxpass"))}
    return candidate.fact.lemma in STANDING_VERBS and bool(tense & {"VBZ", "VBP"})


def _aside_fact(doc: Doc, candidate: Candidate) -> bool:
    """A fact around the story rather than in it: one that only introduces someone quoted
    ("Elena Rivas, who runs a cafe on the sea front, said ...": who she is matters less than
    what happened), or the story's own furniture (when a study was published, who advised)."""
    if candidate.fact is None:
        return False
    if candidate.fact.lemma in ASIDE_VERBS:
        return True  # when a study was published, who advised a deal: furniture of the story
    verb = doc[candidate.fact.verb]
    if verb.dep_ not in ("relcl", "acl"):
        return False
    speaker = verb.head
    while speaker.dep_ == "appos":
        speaker = speaker.head
    return speaker.dep_ == "nsubj" and speaker.head.lemma_.lower() in SPEECH_VERBS


def _topic(ents: tuple[Span, ...]) -> str | None:
    """The place or organisation the article is about, if one stands out: named at least four
    times and twice as often as any other ("NASA" in a history of the Apollo programme)."""
    counts = Counter(e[-1].text for e in ents if e.label_ in ("ORG", "GPE", "LOC", "FAC"))
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < 4:
        return None
    if len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]:
        return None
    return ranked[0][0]


# Verbs that report the same kind of event: "Which country did Japan absorb?" has as many
# answers as Japan annexed, conquered or invaded.
ALIKE = {
    verb: group[0]
    for group in (
        ("conquer", "invade", "occupy", "annex", "absorb", "seize", "capture"),
        ("kill", "murder", "slay", "shoot"),
        ("defeat", "beat", "overcome"),
        ("found", "establish", "create", "set"),
        ("buy", "acquire", "purchase"),
    )
    for verb in group
}


def _other_answers(doc: Doc, candidate: Candidate, by_lemma: dict[str, list[Fact]]) -> list[str]:
    """Keys of other facts that answer this question as well: same predicate, same role, and
    every role the question names filled by the same word."""
    fact = candidate.fact
    if fact is None:
        return []
    out = []
    for other in by_lemma[ALIKE.get(fact.lemma, fact.lemma)]:
        if other is fact:
            continue
        role = other.role(candidate.role)
        if role is None:
            continue
        heads = {
            (name, word.lemma_.lower())
            for r in other.roles
            for word in (doc[r.head], *(c for c in doc[r.head].children if c.dep_ == "poss"))
            for name in (("agent", "patient") if r.head == other.subject else (r.name,))
        }  # "Japan's military invaded China" answers "Which country did Japan invade?" too;
        # a subject the parser took for a patient ("the University, fearful ..., affiliated
        # with") is still the subject
        if candidate.kind == "how_many" and _described(doc[role.head]) != _described(
            doc[candidate.key_head].head
        ):
            continue  # "four government selective schools" beside "several Jewish schools"
        if _also(doc, other):
            # "Boucher and Osei also voted for it": "it" is whatever the key voted for
            heads |= {
                (r.name, lemma)
                for r in other.roles
                if doc[r.head].pos_ == "PRON"
                for name, lemma in candidate.context
                if name == r.name
            }
        if all(item in heads for item in candidate.context):
            head = doc[role.head]
            out.append(" ".join(t.text for t in phrase_tokens(head)))
            # "affiliated with several colleges: Des Moines College, Kalamazoo College and ..."
            for word in (head, *head.conjuncts):
                for appos in (c for c in word.children if c.dep_ == "appos"):
                    out += [
                        " ".join(t.text for t in phrase_tokens(n, keep_conj=False))
                        for n in (appos, *appos.conjuncts)
                    ]
    return out


def _also(doc: Doc, fact: Fact) -> bool:
    """Whether the fact says its subject did the same as someone before: "also", "too"."""
    verb = doc[fact.verb]
    return any(c.dep_ == "advmod" and c.lower_ in ("also", "too") for c in verb.children)


def _described(noun: Token) -> frozenset[str]:
    """The words that say which of a noun's kind is meant: "government selective" schools."""
    return frozenset(c.lemma_.lower() for c in noun.children if c.dep_ in ("amod", "compound"))


def _listed_with(doc: Doc, candidate: Candidate) -> list[str]:
    """Names listed beside the key ("Bob Geldof, Bobby Robson and Alan Shearer"): each of them
    would be right too, so none may be a wrong option."""
    if candidate.key_head < 0:
        return []
    head = doc[candidate.key_head]
    siblings = [*head.conjuncts, *(c for c in head.children if c.dep_ == "appos")]
    # "Jared Allen, along with defensive end Kony Ealy": the second name is featured too
    for prep in (c for word in (head, *siblings) for c in word.children if c.dep_ == "prep"):
        if prep.lower_ in ("along", "together") or any(
            c.lower_ in ("along", "together") for c in prep.children
        ):
            siblings += [t for t in prep.subtree if t.dep_ == "pobj" and t.ent_type_]
    return [" ".join(t.text for t in phrase_tokens(s, keep_conj=False)) for s in siblings]


SEASONS = {"spring", "summer", "autumn", "fall", "winter", "summers", "winters"}
UNANCHORED = {"he", "she", "it", "they", "him", "them", "here", "there", "this", "these"}


def _cloze(
    sentence: Span, ents: tuple[Span, ...], surnames: frozenset[str]
) -> Iterator[Candidate]:
    """Fill-in-the-blank questions: the fallback for a sentence no wh-question fits."""
    text = sentence.text.strip()
    if '"' in text or len(text) > MAX_QUESTION_LENGTH - 30:
        return
    if not re.search(r"[.!?][)'\u2019]?$", text) or not re.match(r"[\"'\u201c]?[A-Z0-9]", text):
        return  # "In 2011, the Mines ParisTech :", "2, compared to ...": no whole sentence
    if re.match(r"\d[\d.,]*[,;:]", text):
        return  # "2, compared to an atmospheric ratio ...": the tail of a formula cut by the split
    if any(
        t.lower_ in UNANCHORED and (t.dep_ in ("nsubj", "nsubjpass", "advmod") or t.pos_ == "PRON")
        for t in sentence
    ):
        return  # "He performed strongly in ...", "... accept it": the blank would float free
    owners = [t.i for t in sentence if t.pos_ in ("NOUN", "PROPN") and t.is_alpha]
    if any(t.tag_ == "PRP$" and not [i for i in owners if i < t.i] for t in sentence):
        return  # "71% of its imported oil came from ...": whose?
    for ent in (e for e in ents if sentence.start <= e.start and e.end <= sentence.end):
        if ent.label_ not in CLOZE_LABELS or ent.start == sentence.start:
            continue
        cls = answer_class(ent, surnames)
        if cls in ("pronoun", "other", "norp") or ent.text.lower().split()[-1] == "one":
            continue  # "recognised _____ of the general principles": one
        if ent.label_ == "CARDINAL" and _listed_after(ent.root):
            continue  # "The _____ US Navy bases, Blount Island and Kings Bay": count them
        if ent.label_ == "DATE" and (ent.text.lower() in SEASONS or not is_point(list(ent))):
            continue  # "summer _____ thunderstorms", "The median age was _____": no date
        if cls == "person" and len(ent) == 1 and ent.text in surnames:
            continue  # "_____ said" -> "Solberg" among full names: the short one is the key
        if cls == "person" and _speaker(ent.root):
            continue  # "The health officer, Dr _____, said ...": who said it, not what happened
        if any(_speaker(t) for t in ent.root.ancestors if t.pos_ in ("NOUN", "PROPN")):
            continue  # "Dr Ortiz, a geochemist at the institute in _____, said": who he is
        if ent[-1].tag_ == "POS":
            continue  # "William Johnson and _____ Governor Sir Charles Hardy": New York's
        if ent.root.dep_ == "poss" and cls in NAMED_PLACES_AND_PEOPLE:
            continue  # "The Mallee are _____'s warmest regions": the text's own subject
        if cls in NAMED_PLACES_AND_PEOPLE and any(c.dep_ == "poss" for c in ent.root.children):
            continue  # "Gandhi's _____", "its own _____": no person or place, whatever the tag
        before = sentence.doc[ent.start - 1]
        if before.pos_ == "PROPN" and sentence.doc.text.count(f"{before.text} {ent.text}") > 1:
            continue  # "Genghis _____": half of a name the article keeps writing whole
        article = ent[0].lower_ == "the" or (before.lower_ == "the" and before.dep_ == "det")
        if article and cls in ("country", "city", "place", "person"):
            continue  # "The _____ imposed prison sentences": "The Sweden" gives the key away
        if (
            ent.root.dep_ in ("compound", "amod", "nmod")
            and ent.root.head.i == ent.end
            and cls not in ("date", "time", "number", "money", "percent")
        ):
            continue  # "a general principle of _____ law": options that are firms, not laws
        first = ent[1] if len(ent) > 1 and ent[0].lower_ == "the" else ent[0]
        # "the president of the _____": the article stays in the sentence, not in one option
        start = first.idx - sentence.start_char
        end = ent.end_char - sentence.start_char
        if text[start - 1 : start] == "(" or text[end : end + 1] == ")":
            continue  # "St. Hyacinth's Church (_____)": a year in brackets is trivia
        blanked = f"{text[:start]}{CLOZE_BLANK}{text[end:]}".strip()
        yield Candidate(
            kind="cloze",
            question=f"Fill in the blank: {blanked}",
            key=text[start:end],
            answer_class=cls,
            fact=None,
            role="cloze",
            key_start=first.idx,
            key_end=ent.end_char,
            sentence=sentence,
            question_tokens=frozenset(t.i for t in sentence if not first.i <= t.i < ent.end),
            context=(),
        )


NAMED_PLACES_AND_PEOPLE = {"person", "place", "city", "country"}


def _speaker(name: Token) -> bool:
    """The subject of a verb of saying, or a name in apposition to it."""
    while name.dep_ in ("appos", "compound"):
        name = name.head
    return name.dep_ == "nsubj" and name.head.lemma_.lower() in SPEECH_VERBS


def _listed_after(number: Token) -> bool:
    """The noun a number counts is followed by the things themselves, named one by one."""
    noun = number.head if number.dep_ == "nummod" else number
    return any(c.dep_ == "appos" and c.i > noun.i for c in noun.children) or (
        noun.i + 1 < len(noun.doc) and noun.doc[noun.i + 1].text == ":"
    )


def _question(item: Scored, article: Article, seed: int) -> Question:
    c = item.candidate
    digest = hashlib.sha1(f"{c.question}\x00{c.key}".encode()).hexdigest()[:10]
    options = [c.key, *item.distractors]
    random.Random(f"{seed}:{digest}").shuffle(options)
    if c.answer_class in ("number", "money", "percent", "date"):
        # figures and years read smallest first, as a teacher would set them out
        options = distractor_stage.in_order(options)
    sent_text = c.sentence.text.rstrip()
    sent_start = c.sentence.start_char
    start, end = article.source_span(sent_start, sent_start + len(sent_text))
    return Question(
        id=digest,
        kind=c.kind,
        question=c.question,
        options=tuple(options),
        answer_index=options.index(c.key),
        explanation=_explanation(sent_text, c.key_start - sent_start, c.key_end - sent_start),
        evidence=Evidence(text=article.source_text[start:end], start=start, end=end),
        difficulty=_difficulty(item),
        score=item.score,
    )


def _explanation(sentence: str, key_start: int, key_end: int) -> str:
    """The evidence sentence, trimmed around the key to fit a poll explanation."""
    sentence = re.sub(r"\s+", " ", sentence)
    limit = MAX_EXPLANATION_LENGTH
    if len(sentence) <= limit:
        return sentence
    room = limit - 6 - (key_end - key_start)
    left = max(0, key_start - room // 2)
    right = min(len(sentence), left + limit - 6)
    left = max(0, right - (limit - 6))
    snippet = sentence[left:right]
    if left > 0:
        snippet = "..." + snippet[snippet.find(" ") + 1 :]
    if right < len(sentence):
        snippet = snippet[: snippet.rfind(" ")] + "..."
    return snippet[:limit]


def _difficulty(item: Scored) -> str:
    c = item.candidate
    level = 0
    if c.answer_class in ("number", "date", "money", "percent", "time"):
        level += 1
    sentence_text = c.sentence.text
    if sum(d in sentence_text for d in item.distractors) >= 1:
        level += 1  # a wrong option stands right beside the answer
    asked = set(re.findall(r"[a-z]{4,}", c.question.lower()))
    found = set(re.findall(r"[a-z]{4,}", sentence_text.lower()))
    if asked and len(asked & found) / len(asked) < 0.6:
        level += 1
    return ("easy", "medium", "hard")[min(level, 2)]


# Lower-case words that belong to a surname: "de Klerk", "van Persie", "bin Laden"
NAME_PARTICLES = {
    "de", "da", "di", "del", "della", "van", "von", "der", "den", "ten", "ter", "la", "le",
    "du", "dos", "das", "bin", "ibn", "al", "el",
}  # fmt: skip


def _person_names(ents: tuple[Span, ...]) -> dict[str, str]:
    """Surname -> the fullest form of that person's name in the article."""
    names: dict[str, str] = {}
    for ent in ents:
        if ent.label_ == "PERSON" and len(ent) > 1:
            last = ent[-1].text
            start = ent.start
            doc = ent.doc
            while (
                start < ent.end - 1
                and doc[start].text.islower()
                and doc[start].lower_ not in NAME_PARTICLES
            ):
                start += 1  # "rookie Donn F. Eisele": the tagger took the role into the name
            # "Ana Lucia Vargas" tagged as "Lucia Vargas": take the capitalised word before it
            while (
                start > 0
                and doc[start - 1].pos_ == "PROPN"
                and doc[start - 1].dep_ == "compound"
                and doc[start - 1].text.istitle()
                and not doc[start - 1].ent_type_
            ):
                start -= 1
            name = strip_titles(doc[start : ent.end].text)
            if re.search(r"\s(?:v|vs)\.?\s", name):
                continue  # "Pubblico Ministero v Ratti": a court case, not Ratti's full name
            if len(name) > len(names.get(last, "")):
                names[last] = name
    return names


def _headline_modifiers(title: Doc | None) -> dict[str, str]:
    """Noun lemma -> its modified form in the headline ("airstrike" -> "Russian airstrike")."""
    if title is None:
        return {}
    out: dict[str, str] = {}
    for token in title:
        if token.pos_ != "NOUN":
            continue
        mods = [c for c in token.lefts if c.dep_ in ("amod", "compound")]
        if mods and all(m.pos_ in ("ADJ", "PROPN") for m in mods):
            out[enrich_key(token)] = " ".join(t.text for t in [*mods, token])
    return out


def _unique_ids(questions: list[Question]) -> Iterator[Question]:
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            continue
        seen.add(q.id)
        yield q
