"""Stage 5: three wrong options of the key's type for each question.

First the article's own people, places, organisations, numbers and dates (what a careless reader
mixes up), then packaged lists when the article has too few. Never the key or another name for it,
never an answer that is also true in the article, never a word the question itself gives away.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from spacy.tokens import Doc, Span, Token

from questions.facts import per_article
from questions.realise import (
    POINT_IN_TIME,
    QUANTIFIERS,
    Candidate,
    answer_class,
    bare_name,
    gazetteer,
    located_names,
    name_kind,
    org_kind,
    wh_kind,
)

WANTED = 3
NUMBER_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
]  # fmt: skip
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TITLES = {
    "president", "prime", "minister", "mr", "mrs", "ms", "dr", "sir", "king", "queen", "prince",
    "general", "spokesperson", "spokesman", "chancellor", "senator", "governor", "mayor",
}  # fmt: skip
CLUB = re.compile(r"\b(FC|United|Rovers|Athletic|Wanderers|Club|City)\b")
MIN_LIKENESS = 0.3  # cosine of parser context vectors; the median between two nouns is ~0.28
ORG_LIKE = {"org", "place", "city", "country", "person"}
ORGANISATION_KINDS = {
    "which body", "which club", "which company", "which institution", "which party",
    "which organisation",
}  # fmt: skip
# Modifiers that tell nothing apart: "important general principle" is the key in vaguer words.
VAGUE_MODIFIERS = {
    "important", "general", "main", "other", "many", "several", "various", "certain", "such",
    "same", "own", "new", "great", "major", "key", "central", "different", "some", "most",
    "more", "few", "all", "its", "his", "her", "their", "the", "a", "an", "this", "that",
}  # fmt: skip
# The word that makes a name a river, a mountain or a building: "Vistula River", "Mount Bogong",
# "Theatre Royal". A river's wrong options are other rivers, not the towns along it.
LANDMARKS = {
    "water": {
        "river", "lake", "sea", "ocean", "bay", "gulf", "strait", "straits", "canal", "creek",
        "falls", "lagoon", "channel", "estuary", "sound",
    },
    "land": {
        "mount", "mountain", "mountains", "hill", "hills", "island", "islands", "isle", "valley",
        "desert", "peninsula", "forest", "plain", "plains", "cape", "coast", "glacier", "range",
    },
    "site": {
        "park", "garden", "gardens", "square", "street", "road", "avenue", "palace", "castle",
        "cathedral", "church", "basilica", "mosque", "temple", "abbey", "tower", "stadium",
        "arena", "museum", "gallery", "library", "theatre", "theater", "hall", "hospital",
        "airport", "station", "bridge", "monument", "fort", "memorial", "cemetery", "zoo",
    },
}  # fmt: skip
LANDMARK_OF = {word: group for group, words in LANDMARKS.items() for word in words}
CLASS_GROUPS = {
    "country": ("country", "place", "city"),
    "city": ("city", "place", "country"),
    "place": ("place", "city", "country"),
    "people": ("people",),
}


@dataclass(frozen=True, slots=True)
class Mention:
    text: str
    cls: str
    start: int  # character offset in the clean text
    counts: str = ""  # for a number: the lemma of the noun it counts ("soldier")
    head: int = field(default=-1, compare=False)  # token index of its head word


def article_pool(doc: Doc, names: dict[str, str], ents: tuple[Span, ...]) -> list[Mention]:
    """Every typed mention in the article a distractor may be drawn from, in reading order.
    People are named in full (`names` maps a surname to the fullest form)."""
    pool: list[Mention] = []
    seen: set[tuple[str, ...]] = set()
    surnames = frozenset(names)
    article = doc.text
    for ent in ents:
        tokens = list(ent)
        if tokens and tokens[0].lower_ == "the":
            tokens = tokens[1:]
        if len(tokens) > 1 and tokens[0].lower_ in ("only", "just"):
            tokens = tokens[1:]  # "Only four", as the tagger takes it: the count is "four"
        while len(tokens) > 1 and tokens[0].lower_ in QUANTIFIERS:
            tokens = tokens[1:]  # "Several University of Chicago [professors]"
        while tokens and (
            tokens[-1].is_punct
            or tokens[-1].pos_ in ("CCONJ", "ADP", "DET")
            or tokens[-1].tag_ == "POS"
        ):
            tokens = tokens[:-1]  # "New France's" -> "New France"
        if not tokens:
            continue
        cls = answer_class(tokens)
        if cls == "person" and len(tokens) == 1 and tokens[0].text not in names:
            continue
        if cls == "person" and CLUB.search(ent.text):
            continue  # "Vlietstad FC" is no person, whatever the tagger says
        if cls in ("person", "org") and re.search(r"\s(?:v|vs)\.?\s", ent.text):
            continue  # "Pubblico Ministero v Ratti": a court case, neither person nor body
        if cls in ("thing", "other", "pronoun"):
            continue
        if cls in ("person", "org", "place", "city", "country") and any(
            t.like_num for t in tokens
        ):
            continue  # "Castleford Rangers 1-0": an entity the tagger cut badly
        text = article[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]
        if cls == "person":
            text = names.get(tokens[-1].text, text)
        if cls == "place" and ent.label_ in ("GPE", "LOC") and not is_place(text, doc):
            continue  # "Yersinia", tagged a place, is never somewhere anything happens
        counts = ""
        if cls == "number" and ent.root.dep_ == "nummod":
            counts = ent.root.head.lemma_.lower()
        if re.search(r"\b(of|the|and|or|in|on|for|to|a|an)$", text):
            continue
        if (text.lower(), cls, counts) not in seen and "\n" not in text:
            seen.add((text.lower(), cls, counts))
            pool.append(Mention(text, cls, tokens[0].idx, counts, ent.root.i))
    for chunk in doc.noun_chunks:
        tokens = [t for t in chunk if t.dep_ not in ("det", "poss") and not t.is_punct]
        if not tokens or chunk.root.pos_ == "PRON" or chunk.root.ent_type_:
            continue
        if len(tokens) == 1 and len(chunk) == 1 and chunk.root.tag_ == "NN":
            continue  # "place" of "took place": a bare noun is rarely a thing of its own
        cls = answer_class(chunk, surnames)
        if cls not in ("thing", "people"):
            continue
        text = article[tokens[0].idx : tokens[-1].idx + len(tokens[-1].text)]
        if text[:1] in "'\"-" or not text[:1].isalnum() or re.search(r"\b(i\.e|e\.g)\b", text):
            continue  # "'s casualties": a fragment, not a phrase
        if re.search(r"\b(of|the|and|or|in|on|for|to|a|an)$", text):
            continue  # "kingdom of": a phrase cut short
        if len(tokens) > 1 and all(t.lower_ in VAGUE_MODIFIERS for t in tokens[:-1]):
            continue  # "various subsets", "other groups": says what kind, not which
        if (text.lower(), cls) not in seen and "\n" not in text and len(tokens) <= 6:
            seen.add((text.lower(), cls))
            pool.append(Mention(text, cls, tokens[0].idx, head=chunk.root.i))
    return pool


def choose(
    candidate: Candidate,
    pool: list[Mention],
    *,
    question_text: str,
    also_true: Iterable[str],
    rng: random.Random,
    tensor: np.ndarray | None = None,
    kin: set[str] | frozenset[str] = frozenset(),
) -> list[str]:
    """Up to three distractors for `candidate`, most tempting first. `tensor` (the parser's
    contextual token vectors, one unit-length row per token; see `unit_rows`) ranks common-noun
    options by how alike their contexts are; a common noun's `kin` (see `kindred`: same head
    word, other modifiers, "helper T cells" for "killer T cells") come first."""
    key = candidate.key
    banned = {_norm(a) for a in also_true} | {_norm(key)}
    question_words = {*_words(question_text), *FIGURE.findall(question_text)}
    question_names = _names_in(question_text)
    pairs = aliases(candidate.sentence.doc)
    inside = within(candidate.sentence.doc) if candidate.answer_class in ORG_LIKE else set()
    stand_ins = (
        governments(candidate.sentence.doc)
        if candidate.answer_class == "city" and candidate.kind in ("where", "which")
        else frozenset()
    )
    chosen: list[str] = []

    def one_referent(a: str, b: str) -> bool:
        return _same_referent(a, b) or any(
            (_same_referent(a, x) and _same_referent(b, y))
            or (_same_referent(a, y) and _same_referent(b, x))
            for x, y in pairs
        )

    def acceptable(text: str) -> bool:
        norm = _norm(text)
        if not norm or norm in banned or len(text) > 100 or _unbalanced(text):
            return False
        if not _outside_bound(text, key):
            return False  # "more than 24" beside "more than 30": true as well
        if candidate.answer_class in ("thing", "people") and len(text.split()) == 1 < len(
            key.split()
        ):
            return False  # "activity" beside "helper T cell activation": a fragment
        if candidate.kind in ("cloze", "how_many") and _number(text) == 1 != _number(key):
            # "The _____ US Navy bases", "How many forces was the army split into?": "one"
            # does not fit a plural
            return False
        if candidate.answer_class in ("thing", "people") and _described_alike(text, key):
            return False  # "combined company" beside "combined bank": one thing, named twice
        same = _same_phrase if text in kin else one_referent
        if same(text, key) or any(same(text, c) for c in chosen):
            return False
        if any(_same_referent(text, a) for a in also_true) or bare_name(text) in stand_ins:
            return False
        if _too_early(text, candidate):
            return False
        if inside and {(bare_name(text), bare_name(key)), (bare_name(key), bare_name(text))} & (
            inside
        ):
            return False  # "San Francisco" beside "the Moscone Center in San Francisco"
        if any(_same_referent(text, name) for name in question_names):
            return False  # "Northgate Bank" for "Which company advised Northgate?"
        # whole figures, not their pieces: "48,000" is not in a question that says "$38,000"
        words = [*re.findall(r"[a-z]+", text.lower()), *FIGURE.findall(text)]
        content = [w for w in words if w not in TITLES and len(w) > 2]
        return not (content and all(w in question_words for w in content))

    cls = candidate.answer_class
    groups = CLASS_GROUPS.get(cls, (cls,))
    hint = wh_kind(candidate.wh)
    if cls == "org" and hint is None and org_kind(key, candidate.sentence.doc) is None:
        return []  # "Halvard" (a storm) tagged ORG: organisations would be options of no kind
    if candidate.counted:
        # "How many kilometres": other counts of kilometres, not of businesses or votes
        local = [m.text for m in pool if m.cls == "number" and m.counts == candidate.counted]
    elif cls in ("number", "money", "percent"):
        local = [m.text for m in pool if m.cls == cls and _number(m.text) is not None]
        local = [t for t in local if _similar_number_form(t, key)]
    if cls in ("number", "money", "percent"):
        # "212" among "170" and "159", not "at least 300"; "about 9.4 million" among "about"s
        local = [t for t in local if _qualified(t) == _qualified(key)]
    elif hint is not None:
        doc = candidate.sentence.doc
        local = [
            m.text
            for m in pool
            if m.cls in ORG_LIKE
            and (
                name_kind(m.text) == hint
                or (hint == "which team" and org_kind(m.text, doc) == hint)
            )
        ]
    elif cls == "country":
        local = [m.text for m in pool if m.text in gazetteer("countries")]
    elif cls == "city":
        local = [m.text for m in pool if m.cls == "city" or m.text in gazetteer("cities")]
    elif cls in ("date", "time"):
        local = [m.text for m in pool if m.cls == cls and _date_shape(m.text) == _date_shape(key)]
        if POINT_IN_TIME.search(key):
            local = [t for t in local if POINT_IN_TIME.search(t)]  # no "about 48 hours"
        if _date_shape(key) in ("year", "years"):
            # a founding year of 1867 beside the 2028 target date catches no one
            local = [t for t in local if abs((_number(t) or 0) - (_number(key) or 0)) <= 20]
    else:
        local = [m.text for group in groups for m in pool if m.cls == group]
        if (
            cls == "org"
        ):  # organisations, not a title, a rocket or a people the tagger took for one
            local = [t for t in local if _known_organisation(t)]
    kind_of_place = None
    if cls in ("place", "city", "country", "org") and hint is None:
        # a river among rivers, a park among parks: not among the towns and states around it
        kind_of_place = _kind_of_place(key)
        local = [t for t in local if _kind_of_place(t) == kind_of_place]
    # Nearest in the article first (what the eye just passed), then alike in length.
    position: dict[str, int] = {}
    group_of: dict[str, int] = {}
    for m in pool:
        position.setdefault(m.text, abs(m.start - candidate.key_start))
        if m.cls in groups:
            group_of.setdefault(m.text, groups.index(m.cls))
    likeness: dict[str, float] = {}
    if (
        cls in ("thing", "people")
        and tensor is not None
        and len(tensor)
        and candidate.key_head >= 0
    ):
        heads: dict[str, int] = {}
        for m in pool:
            if m.head >= 0:
                heads.setdefault(m.text, m.head)
        texts = [t for t in dict.fromkeys(local) if t in heads]
        if texts:
            scores = tensor[[heads[t] for t in texts]] @ tensor[candidate.key_head]
            likeness = {t: -float(v) for t, v in zip(texts, scores, strict=True)}
            # a common noun's wrong options must at least stand in a similar context
            local = [t for t in local if t in kin or likeness.get(t, 0.0) <= -MIN_LIKENESS]
    local = sorted(
        dict.fromkeys(local),
        key=lambda t: (
            t not in kin,
            group_of.get(t, 0),
            likeness.get(t, 0.0),
            _length_gap(t, key),
            position[t],
        ),
    )
    for text in local:
        if len(chosen) == WANTED:
            break
        if acceptable(text):
            chosen.append(text)
    if len(chosen) < WANTED:
        for text in _fallback(candidate, rng):
            if len(chosen) == WANTED:
                break
            if acceptable(text):
                chosen.append(text)
    if kind_of_place is not None and len(chosen) < 2:
        return []  # "Hemming Park" or "North Carolina": one park against one state guesses itself
    if cls in ("number", "money", "percent"):
        return [_cased_like(key, t) for t in chosen]
    return chosen


def _cased_like(key: str, option: str) -> str:
    """ "About 300" beside "About 4,200", which began its sentence: a hedge word's capital
    follows the key's, or the one option written differently stands out."""
    if not (key[:1].isalpha() and option[:1].isalpha()) or _words(option)[0] not in HEDGES:
        return option
    first = option[0].upper() if key[0].isupper() else option[0].lower()
    return first + option[1:]


def kindred(doc: Doc, candidate: Candidate, pool: list[Mention]) -> set[str]:
    """Common-noun phrases of the article with the key's head word but other telling modifiers:
    "45-yard pass" for "42-yard pass", "B cells" for "killer T cells". They are of the key's kind
    by construction, which the article's other noun phrases mostly are not."""
    if candidate.answer_class not in ("thing", "people") or candidate.key_head < 0:
        return set()
    head = doc[candidate.key_head]
    key_mods = _modifiers(candidate.key, head)
    if not key_mods:
        return set()
    out = set()
    for m in pool:
        if m.cls != candidate.answer_class or m.head < 0 or m.head == head.i:
            continue
        other = doc[m.head]
        if other.lemma_.lower() != head.lemma_.lower():
            continue
        mods = _modifiers(m.text, other)
        if not mods or mods == key_mods or _same_phrase(m.text, candidate.key):
            continue
        if _counted(m.text) != _counted(candidate.key):
            continue  # "674,000 middle school teachers" beside "public school teachers"
        out.add(m.text)
    return out


# what one does to people, not to places: "ask Madrid to declare a disaster zone"
ADDRESS_VERBS = {
    "ask", "urge", "tell", "press", "accuse", "warn", "blame", "criticise", "criticize",
    "petition", "lobby", "invite", "thank", "persuade", "pressure", "pressurise", "convince",
}  # fmt: skip


@per_article
def governments(doc: Doc) -> frozenset[str]:
    """Cities the article names only as the people who govern from them ("the region would ask
    Madrid to declare a disaster zone"): no place where a storm's victims died."""
    addressed = {
        bare_name(e.text)
        for e in doc.ents
        if e.label_ == "GPE"
        and e.root.dep_ in ("dobj", "dative")
        and e.root.head.lemma_.lower() in ADDRESS_VERBS
    }
    return frozenset(addressed - located_names(doc))


def is_place(name: str, doc: Doc) -> bool:
    """A name the tagger calls a place that the article bears out as one: it stands where a
    place does at least once, or the lists or its own words ("River", "Park") say so."""
    return (
        bare_name(name) in located_names(doc)
        or name in gazetteer("regions")
        or landmark(name) is not None
        or POLITY.search(name) is not None
    )


# An occasion, whatever the tagger called it ("Super Bowl V" is no building): offered among
# occasions only, and never asked for with "where".
EVENT_NAME = re.compile(
    r"\b(Super Bowl|Olympics|Olympic Games|World Cup|Championships?|Grand Prix|Summit|Festival"
    r"|Battle of|Siege of|War|Raid|Campaign"
    r"|Expo|Games|Cup|Crusade|Revolution|Uprising|Rebellion)\b"
)
# "the Mongol Empire", "the Kingdom of Poland": a state, which has a place on the map
POLITY = re.compile(r"\b(Empire|Kingdom|Republic|Caliphate|Sultanate|Khanate|Dynasty)\b")


def landmark(text: str) -> str | None:
    """ "water", "land" or "site" when a name says what kind of place it is, by the last word of
    its head ("Vistula River", "Gulf of Mexico") or a leading kind word ("River Tyne", "Mount
    Bogong", "Theatre Royal"); None for a town, a region or a country."""
    head = re.split(r"\s+(?:of|on|in)\s+", re.sub(r"^the\s+", "", text, flags=re.IGNORECASE))[0]
    words = [w for w in head.split() if w[:1].isupper()]
    if not words:
        return None
    for word in (words[-1], words[0]):
        group = LANDMARK_OF.get(word.lower())
        if group is not None:
            return group
    return None


def _kind_of_place(text: str) -> str | None:
    return landmark(text) or ("event" if EVENT_NAME.search(text) else None)


NAME_RUN = re.compile(r"(?:[A-Z][\w'.&-]*\s)*[A-Z][\w'.&-]*")


def _names_in(question: str) -> list[str]:
    """The capitalised names a question mentions, past its first word: "Northgate" in "Which
    company advised Northgate on the transaction?"."""
    body = question.removeprefix("Fill in the blank:").strip()
    body = body.split(" ", 1)[1] if " " in body else ""
    return [m.group(0) for m in NAME_RUN.finditer(body)]


@per_article
def aliases(doc: Doc) -> list[tuple[str, str]]:
    """Pairs of names the article gives one thing: "Chinggis (Genghis Khan)", "Beijing, also
    known as Peking", "Zhongdu, also called Yanjing"."""
    pairs: list[tuple[str, str]] = []
    for token in doc:
        if token.text == "(":
            left = _name_before(doc, token.i)
            # the tokenizer sometimes leaves the bracket on the last word: "Khan)"
            close = next((t.i for t in doc[token.i + 1 : token.i + 8] if ")" in t.text), None)
            if close is not None and doc[close].text != ")":
                close += 1
            right = doc[token.i + 1 : close] if close is not None else None
        elif token.lower_ in ("as", "called") and doc[token.i - 1].lower_ in ("known", "also"):
            start = token.i - 1
            while start > 0 and doc[start - 1].lower_ in ("also", "known", ","):
                start -= 1
            left = _name_before(doc, start)
            end = token.i + 1
            while end < len(doc) and (doc[end].pos_ == "PROPN" or doc[end].lower_ == "the"):
                end += 1
            right = doc[token.i + 1 : end]
        else:
            continue
        if not left or not right or any(t.pos_ != "PROPN" and t.lower_ != "the" for t in right):
            continue
        if right.text in gazetteer("countries") or right.text in gazetteer("regions"):
            continue  # "Warsaw (Poland)" says where, not what else it is called
        pairs.append((left.text, right.text.rstrip(")")))
    return pairs


@per_article
def within(doc: Doc) -> set[tuple[str, str]]:
    """(inner, outer) pairs of names the article puts one inside the other: "the Moscone Center
    in San Francisco", "Bendigo, Victoria"."""
    out: set[tuple[str, str]] = set()
    by_root = {ent.root.i: ent for ent in doc.ents}
    for ent in doc.ents:
        if ent.label_ not in ("GPE", "LOC", "FAC", "ORG"):
            continue
        outer = [
            pobj
            for prep in ent.root.children
            if prep.dep_ == "prep" and prep.lower_ in ("in", "of", "near")
            for pobj in prep.children
            if pobj.dep_ == "pobj"
        ]
        outer += [c for c in ent.root.children if c.dep_ == "appos" and c.i == ent.end + 1]
        for word in outer:
            other = by_root.get(word.i)
            if other is not None and other.label_ in ("GPE", "LOC"):
                out.add((bare_name(ent.text), bare_name(other.text)))
    return out


def _name_before(doc: Doc, end: int) -> Span | None:
    start = end
    while start > 0 and doc[start - 1].pos_ == "PROPN" and doc[start - 1].text[:1].isupper():
        start -= 1
    return doc[start:end] if start < end else None


def _unbalanced(text: str) -> bool:
    """ "Khwarezmia (Khwarezmid Empire": a phrase cut inside its brackets."""
    return text.count("(") != text.count(")") or text.count("[") != text.count("]")


def _known_organisation(text: str) -> bool:
    bare = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    return name_kind(bare) in ORGANISATION_KINDS or bare in gazetteer("organisations")


def _counted(text: str) -> bool:
    return any(w.isdigit() or w in NUMBER_WORDS for w in _words(text))


def _described_alike(a: str, b: str) -> bool:
    """Two common-noun phrases with the same telling modifiers and other head words: "the
    combined bank" and "the combined company" are one thing in a merger story."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb or wa[-1] == wb[-1]:
        return False
    ma, mb = set(wa[:-1]) - VAGUE_MODIFIERS, set(wb[:-1]) - VAGUE_MODIFIERS
    return bool(ma) and ma == mb


def _modifiers(text: str, head: Token) -> frozenset[str]:
    words = set(_words(text)) - set(_words(head.text)) - VAGUE_MODIFIERS
    return frozenset(words)


def harmonise(key: str, distractors: list[str]) -> tuple[str, list[str]]:
    """Counts written one way: all in words when every value is ten or less, else digits."""
    texts = [key, *distractors]
    if not all(re.fullmatch(r"[a-z]+(?:-[a-z]+)?|\d[\d,]*", t.strip().lower()) for t in texts):
        return key, distractors
    values = [_number(t) for t in texts]
    if any(v is None or v != int(v) for v in values):
        return key, distractors
    spelled = all(v <= 10 for v in values)
    out = [_spell(int(v)) if spelled else f"{int(v):,}" for v in values]
    if len({o.lower() for o in out}) != len(out):
        return key, distractors
    return out[0], out[1:]


def unit_rows(tensor: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1, so a dot product is a cosine."""
    if not tensor.size:
        return tensor
    norms = np.linalg.norm(tensor, axis=1, keepdims=True)
    return tensor / np.where(norms == 0, 1, norms)


def _fallback(candidate: Candidate, rng: random.Random) -> list[str]:
    cls = candidate.answer_class
    key = candidate.key
    if candidate.kind == "cloze" and cls not in ("number", "money", "percent", "date"):
        return []  # a blank in a quoted sentence: only the article's own names fit
    if cls in ("country", "city", "org", "place", "person", "people", "thing"):
        # Tehran beside Madrid, FIFA beside a bank: a random name from a list catches no one.
        # Fewer options are better than absurd ones.
        return []
    if cls in ("number", "money", "percent"):
        return _near_numbers(key, rng)
    if cls == "date":
        return _shifted_dates(key, rng, ahead=bool(AHEAD.search(candidate.question)))
    return []


def _near_numbers(key: str, rng: random.Random) -> list[str]:
    out = _numbers_near(key, rng)
    if PERCENT.search(key):
        # a share is at most the whole: no "112 to 119 percent" beside "90 to 95 percent"
        out = [t for t in out if all(float(n) <= 100 for n in re.findall(r"\d+(?:\.\d+)?", t))]
    return out


FIGURE = re.compile(r"\d[\d,.]*\d|\d")
PERCENT = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)


def _either_side(
    value: float, rng: random.Random, hedged: bool = False, ceiling: float | None = None
) -> list[float]:
    """Wrong figures a careless reader could take for `value`: a run of four roughly even steps
    with the key at a place drawn at random, so it is as often the smallest or the largest as
    one in the middle, and no option stands apart as the one the others were made from (never
    a plain half, double or triple: "256" beside "512"). A hedged figure ("about 500") is wrong
    only further away. Spare figures follow, in case rounding or a check drops some."""
    ratio = rng.uniform(0.22, 0.3) if hedged else rng.uniform(0.12, 0.2)
    place = rng.randint(0, WANTED)
    while place and 1 - place * ratio < 0.3:
        place -= 1  # no figure near nothing
    while (
        ceiling is not None
        and place < WANTED
        and value * (1 + 1.15 * (WANTED - place) * ratio) > ceiling
    ):
        place += 1  # "90 to 95 percent": a share has little room above it
    gaps = [ratio * rng.uniform(0.85, 1.15) for _ in range(2 * WANTED)]
    below = [value * (1 - sum(gaps[:n])) for n in range(1, place + 1)]
    above = [value * (1 + sum(gaps[WANTED : WANTED + n])) for n in range(1, WANTED - place + 1)]
    spare = [value * (1 + sum(gaps[WANTED:]) + ratio * n) for n in range(1, 3)]
    # a figure that lands on a half or a double is moved off it
    return [v * 0.93 if _plain_multiple(v, value) else v for v in below + above + spare if v > 0]


def _beyond_bound(value: float, bound: int, rng: random.Random) -> list[float]:
    """Wrong figures for a bounded key, all beyond its bound so none is also true: "at least
    300" gets "at least 400 | 500 | 600" in even steps, not "600 | 900 | 1,500", which read as
    the key doubled and tripled. An upper bound's run goes down, and stops short of nothing:
    "fewer than 1 employee" is no trap."""
    ratio = rng.uniform(0.25, 0.35) if bound > 0 else rng.uniform(0.15, 0.2)
    steps = [value * (1 + bound * ratio * n) for n in range(1, WANTED + 3)]
    return [v for v in steps if v >= min(2, value / 2)]


def _small_run(n: int, rng: random.Random) -> list[float]:
    """Counts around a small count in even steps of a tenth to a fifth of it (at least one), the
    key at a place drawn at random and none below 2: "17" among "11 | 14 | 20", not between
    "16" and "18" every time."""
    step = max(1, round(n * rng.uniform(0.1, 0.2)))
    place = rng.randint(0, WANTED)
    while place and n - place * step < 2:
        place -= 1
    run = [n + step * (k - place) for k in range(WANTED + 1) if k != place]
    spare = [n + step * (WANTED - place + k) for k in (1, 2)]
    return [float(v) for v in run + spare]


def _plain_multiple(v: float, value: float) -> bool:
    """Whether `v` is within rounding of a half, a double or a triple of `value`."""
    return any(abs(v - value * f) <= 0.035 * value * f for f in (0.5, 2, 3))


def _numbers_near(key: str, rng: random.Random) -> list[str]:
    span = NUMBER_RANGE.search(key)
    if span and int(span.group(1).replace(",", "")) < int(span.group(3).replace(",", "")):
        return _near_ranges(key, span, rng)  # a score ("15-1") is no range
    match = re.search(r"\d[\d,]*(?:\.\d+)?", key)
    if match:
        raw = match.group(0)
        value = float(raw.replace(",", ""))
        decimals = len(raw.split(".")[1]) if "." in raw else 0
        bound = _bound(key)
        if bound > 0 and value < 10 and decimals == 0:
            steps = [value + k for k in range(1, WANTED + 3)]  # "More than 1 million": 2, 3, 4
        elif bound:
            steps = _beyond_bound(value, bound, rng)
        elif value < 30 and decimals == 0:
            steps = _small_run(int(value), rng)
        else:
            steps = _either_side(
                value,
                rng,
                hedged=bool(_words(key)[0] in HEDGES),
                ceiling=100 if PERCENT.search(key) else None,
            )
        out = []
        for v in steps:
            text = f"{v:,.{decimals}f}" if "," in raw else f"{v:.{decimals}f}"
            if decimals == 0 and value >= 30:
                text = _round_like(v, raw)
            if float(text.replace(",", "")) in (0, value):
                continue
            out.append(key[: match.start()] + text + key[match.end() :])
        return list(dict.fromkeys(out))
    value = _number(key)
    if value is None:
        return []
    # the words before a spelled count keep their sense: "at least three" is a lower bound,
    # and its options are "at least six", not a bare "six"
    lead = key[: len(key) - len(key.split()[-1])]
    bound = _bound(f"{lead}1")
    n = int(value)
    if bound > 0 and n < 10:  # "at least three": more, but not absurdly more
        steps = [n + d for d in (2, 3, 4, 5)]
    elif bound:
        steps = [round(v) for v in _beyond_bound(n, bound, rng)]
    elif lead.strip():  # "about twenty": "about twenty-one" would be right too
        steps = [n + d for d in (2, -2, 3, 4) if n + d >= 2] if n < 10 else _round_steps(n)
    else:
        steps = [n + d for d in (1, -1, 2, -2, 3, 4, 5)]
    rng.shuffle(steps)
    return [lead + _spell(v) for v in steps if v > 0 and v != value]


# "40 to 50 students", "10-15%": two whole numbers that move together
NUMBER_RANGE = re.compile(r"\b(\d[\d,]*)(\s*(?:to|-|\u2013)\s*)(\d[\d,]*)\b")


def _near_ranges(key: str, span: re.Match, rng: random.Random) -> list[str]:
    """Ranges beside a range: each end moved alike, so "40 to 50" gets "30 to 40", never "120
    to 50"."""
    low, high = (int(span.group(n).replace(",", "")) for n in (1, 3))
    if high < 30:
        moves = [(low + d, high + d) for d in (1, -1, 2, -2, 3, 4, 5, -3)]
        rng.shuffle(moves)
    else:
        ceiling = 100 / high if PERCENT.search(key) else None
        moves = [
            (round(low * f), round(high * f)) for f in _either_side(1.0, rng, ceiling=ceiling)
        ]
    out = []
    for a, b in moves:
        if a <= 0 or a >= b or (a, b) == (low, high):
            continue
        text = (
            f"{_round_like(a, span.group(1))}{span.group(2)}{_round_like(b, span.group(3))}"
            if low >= 100
            else f"{a}{span.group(2)}{b}"
        )
        out.append(key[: span.start()] + text + key[span.end() :])
    return out


AT_LEAST = re.compile(r"\b(more than|over|at least|above|upwards of|in excess of)\s+\S*\d", re.I)
# "up to 70 km/h" is a peak, not a bound: "up to 35" is as wrong as "up to 140"
AT_MOST = re.compile(r"\b(fewer than|less than|under|at most|below)\s+\S*\d", re.I)


def _bound(text: str) -> int:
    """+1 for a lower bound ("more than 30"), -1 for an upper one ("fewer than 30"), else 0."""
    return 1 if AT_LEAST.search(text) else -1 if AT_MOST.search(text) else 0


def _outside_bound(text: str, key: str) -> bool:
    """Whether a number option is false beside a bounded key: "more than 30" makes "more than
    24" true, so its wrong options lie well above it (and "fewer than 30"'s well below)."""
    bound = _bound(key)
    value, other = _number(key), _number(text)
    if not bound or value is None or other is None:
        return True
    return other >= 1.2 * value if bound > 0 else other <= value / 1.15


def _round_like(v: float, raw: str) -> str:
    """`v` as round as `raw`: "80" gives "60", "38,000" gives "44,000", "256" gives "218";
    "100" keeps two figures, or every option above it would round to 100 or 200."""
    bare = raw.replace(",", "")
    digits = len(bare.rstrip("0")) or 1
    if bare.startswith("1"):
        digits = max(digits, 2)
    magnitude = 10 ** max(len(bare) - digits, 0)
    v = round(v / magnitude) * magnitude
    return f"{int(v):,}" if "," in raw else str(int(v))


def _shifted_dates(key: str, rng: random.Random, *, ahead: bool = False) -> list[str]:
    """Dates beside `key`; for what is still to come (`ahead`), mostly later ones."""
    shape = _date_shape(key)
    out: list[str] = []
    if shape == "weekday":
        days = [d for d in WEEKDAYS if d != key]
        rng.shuffle(days)
        return days
    if shape in ("year", "years"):
        # a past event's later years may not have come yet; a plan's earlier ones have gone
        offsets = [-1, 1, 2, 3] if ahead else [-1, -2, -3, -4, 1, 2]
        rng.shuffle(offsets)
        # every year moves together: "1973-1974" becomes "1971-1972", never "1975-1974", and
        # "2003-04" becomes "2001-02", never "2001-04"
        return [SHORT_SPAN.sub(lambda m, d=d: _shift_span(m, d), key) for d in offsets]
    month = next((m for m in MONTHS if m in key), None)
    day = re.search(r"\b(\d{1,2})\b", key)
    if month and day:
        d = int(day.group(1))
        shifts = [d + s for s in (-3, -2, -1, 1, 2, 3, 5, 7) if 1 <= d + s <= 28]
        rng.shuffle(shifts)
        out = [key[: day.start()] + str(s) + key[day.end() :] for s in shifts]
    elif month:
        others = [m for m in MONTHS if m != month]
        rng.shuffle(others)
        out = [key.replace(month, m) for m in others]
    return out


SHORT_SPAN = re.compile(r"\b(\d{4})(?:([-\u2013/])(\d{2})\b)?")


def _shift_span(match: re.Match, offset: int) -> str:
    year, dash, tail = match.groups()
    shifted = str(int(year) + offset)
    if tail is None:
        return shifted
    return f"{shifted}{dash}{(int(tail) + offset) % 100:02d}"


# a question about what is still to come
AHEAD = re.compile(
    r"^When (?:will|shall)\b|^When (?:does|do|is|are)\b.*\b(?:(?:plan|plans|hope|hopes|expect|"
    r"expects|intend|intends|aim|aims)\b to|(?:due|scheduled|set|expected|planned)\b (?:to|for))\b"
)


def _too_early(text: str, candidate: Candidate) -> bool:
    """A date for what is still to come from before the key's year: "August 2024" for a return
    planned for March 2026, "2014" for a launch planned for 2028 (the year before it may still
    lie ahead)."""
    year, key_year = _year(text), _year(candidate.key)
    if year is None or key_year is None or not AHEAD.search(candidate.question):
        return False
    return year < key_year - (1 if _date_shape(candidate.key) == "year" else 0)


def _year(text: str) -> int | None:
    match = re.search(r"\b(1\d{3}|20\d{2})\b", text)
    return int(match.group(1)) if match else None


def _date_shape(text: str) -> str:
    if text in WEEKDAYS:
        return "weekday"
    has_month = any(m in text for m in MONTHS)
    has_year = bool(re.search(r"\b\d{4}\b", text))
    has_day = bool(re.search(r"\b\d{1,2}\b", text))
    if has_month and has_day:
        return "day-month" + ("-year" if has_year else "")
    if has_month:
        return "month" + ("-year" if has_year else "")
    if len(re.findall(r"\b\d{4}\b", text)) > 1 or re.search(r"\d{4}[-\u2013/]\d{2}\b", text):
        return "years"  # "1754-1763", "2003-04": a span, not a year
    if has_year and len(text.split()) <= 2:
        return "year"
    return "other"


@lru_cache(maxsize=8192)
def _number(text: str) -> float | None:
    match = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    if match:
        return float(match.group(0).replace(",", ""))
    word = text.lower().split()[-1] if text.split() else ""
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS.index(word))
    tens, _, ones = word.partition("-")
    if tens in TENS[2:] and (not ones or ones in NUMBER_WORDS[1:10]):
        return float(TENS.index(tens) * 10 + (NUMBER_WORDS.index(ones) if ones else 0))
    return None


def in_order(options: list[str]) -> list[str]:
    """Figures smallest first ("150", "212", "270"), and years earliest first; options of any
    other shape keep their order."""
    values = [_number(o) for o in options]
    if None in values or len({_date_shape(o) for o in options}) > 1:
        return options
    if len({_unit(o) for o in options}) > 1:
        return options  # "2 million" and "900,000": the digits alone would misorder them
    if _date_shape(options[0]) not in ("year", "years", "other"):
        return options  # "7 February" and "9 February": the day alone says nothing of the order
    return [o for _, o in sorted(zip(values, options, strict=True), key=lambda p: p[0])]


def _similar_number_form(text: str, key: str) -> bool:
    """Same unit ("pence", "percent", "million") and within a factor of 20 of the key."""
    value, key_value = _number(text), _number(key)
    if value is None or key_value is None:
        return False
    if min(value, key_value) <= 0 or max(value, key_value) / min(value, key_value) > 5:
        return False
    unit = _unit(text)
    key_unit = _unit(key)
    return unit == key_unit


def _unit(text: str) -> str:
    words = [w for w in _words(text) if not w.isdigit() and w not in ("about", "around", "some")]
    words = [w for w in words if _number(w) is None]
    return " ".join(words)


def _round_steps(n: int) -> list[int]:
    """Round figures well away from a round estimate: "about twenty" -> ten, thirty, forty."""
    unit = 10 if n < 100 else 10 ** (len(str(n)) - 1)
    steps = {round(n * f / unit) * unit for f in (0.5, 1.5, 2, 3)}
    return sorted(v for v in steps if v and abs(v - n) >= 0.3 * n)


def _spell(value: int) -> str:
    if value < len(NUMBER_WORDS):
        return NUMBER_WORDS[value]
    if value < 100:
        tens, ones = divmod(value, 10)
        return TENS[tens] + (f"-{NUMBER_WORDS[ones]}" if ones else "")
    return str(value)


def _length_gap(text: str, key: str) -> int:
    return abs(len(text.split()) - len(key.split())) * 10 + abs(len(text) - len(key)) // 4


@lru_cache(maxsize=8192)
def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+", text.lower()))


@lru_cache(maxsize=8192)
def _norm(text: str) -> str:
    words = [w for w in _words(text) if w not in ("the", "a", "an")]
    value = _number(text)
    if value is not None and len(words) <= 2:
        unit = " ".join(w for w in words if not w.isdigit() and _number(w) is None)
        return f"#{value:g}:{unit}"
    return " ".join(words)


# Names news and reference texts use for one country.
COUNTRY_ALIASES = {
    alias: group[0]
    for group in (
        ("united states", "us", "u s", "usa", "u s a", "america", "united states of america"),
        ("united kingdom", "uk", "u k", "britain", "great britain"),
        ("soviet union", "ussr", "u s s r"),
        ("netherlands", "holland"),
        ("myanmar", "burma"),
        ("czech republic", "czechia"),
        ("turkey", "turkiye", "türkiye"),
        ("ivory coast", "cote d ivoire"),
        ("democratic republic of the congo", "drc", "dr congo"),
    )
    for alias in group
}


@lru_cache(maxsize=8192)
def _same_referent(a: str, b: str) -> bool:
    """ "Putin", "Vladimir Putin" and "President Vladimir Putin" name one person; "US" and
    "America" one country; "U of C" abbreviates "University of Chicago"."""
    ca = COUNTRY_ALIASES.get(" ".join(_words(a)).removeprefix("the "))
    cb = COUNTRY_ALIASES.get(" ".join(_words(b)).removeprefix("the "))
    if ca is not None and ca == cb:
        return True
    if _abbreviates(a, b) or _abbreviates(b, a):
        return True
    wa = [w for w in _words(a) if w not in TITLES and w not in ("the", "of", "and")]
    wb = [w for w in _words(b) if w not in TITLES and w not in ("the", "of", "and")]
    if not wa or not wb:
        return False
    if _number(a) is not None and _number(b) is not None:
        if _norm(a) == _norm(b):
            return True
        # "early 1960" and "1960", "about 300" and "300": one value, hedged
        return _number(a) == _number(b) and _hedged(a) == _hedged(b)
    wa, wb = [_singular(w) for w in wa], [_singular(w) for w in wb]
    sa, sb = set(wa), set(wb)
    if sa <= sb or sb <= sa:
        return True
    # "Vladimir Putin" and "Putin Vladimir"; not "Kessel River" and "Orme River", which share only
    # the word for their kind
    return wa[-1] == wb[-1] and len(wa[-1]) > 3 and not _kind_word(wa[-1])


def _kind_word(word: str) -> bool:
    return word in LANDMARK_OF or name_kind(word.title()) is not None


HEDGES = {
    "early", "late", "mid", "about", "around", "some", "approximately", "nearly", "almost", "only",
    "just", "up", "perhaps", "roughly", "possibly", "estimated",
}  # fmt: skip


def _qualified(text: str) -> bool:
    """ "about 3.7 million", "at least 300", "more than 24": a number with a word that hedges or
    bounds it."""
    words = _words(text)
    return bool(words and words[0] in HEDGES) or _bound(text) != 0


def _hedged(text: str) -> str:
    return " ".join(w for w in _words(text) if w not in HEDGES and _number(w) is None)


def _abbreviates(short: str, name: str) -> bool:
    """ "NASA" of "National Aeronautics and Space Administration", "U of C" of "University of
    Chicago", "NK cells" of "Natural killer cells": the short form's capitals are the initials of
    the name's words (its capitalised ones, or all of them before a shared last word)."""
    short_words, name_words = short.split(), name.split()
    if (
        len(short_words) > 1
        and len(name_words) > len(short_words)
        and short_words[-1].lower() == name_words[-1].lower()
    ):
        stem = "".join(w[0] for w in name_words[:-1]).upper()
        if "".join(short_words[:-1]) == stem:
            return True
    capitals = "".join(ch for ch in short if ch.isupper())
    if len(capitals) < 2 or len(short.replace(" ", "")) > len(capitals) + 4:
        return False
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", name) if w[0].isupper())
    return len(initials) >= 2 and capitals == initials


@lru_cache(maxsize=8192)
def _same_phrase(a: str, b: str) -> bool:
    """For common nouns, which share head words freely: one phrase contains the other."""
    sa = {_singular(w) for w in _words(a)} - VAGUE_MODIFIERS
    sb = {_singular(w) for w in _words(b)} - VAGUE_MODIFIERS
    return not sa or not sb or sa <= sb or sb <= sa or _abbreviates(a, b) or _abbreviates(b, a)


def _singular(word: str) -> str:
    """ "pathogens" and "pathogen" are one word to a reader skimming the options."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]  # "churches" -> "church"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
