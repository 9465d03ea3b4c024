"""Stage 4: turn a fact and one of its roles into a question in correct English.

The wh-word comes from the answer's type; the rest of the clause stays, so the question keeps the
context that makes its answer unique. Auxiliaries are inverted, or `do` is supplied in the verb's
tense and agreement; bare pronouns are resolved to a name or the question is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from lemminflect import getInflection, getLemma
from spacy.attrs import LOWER
from spacy.strings import hash_string
from spacy.tokens import Doc, Span, Token

from questions.facts import (
    COUNT_ONLY_VERBS,
    PLACE_PREPS,
    Fact,
    per_article,
    phrase_tokens,
    relative_object,
)

PERSON_NOUNS = {
    "official", "spokesperson", "spokesman", "spokeswoman", "minister", "president", "leader",
    "soldier", "officer", "police", "researcher", "scientist", "author", "voter", "resident",
    "player", "coach", "manager", "striker", "goalkeeper", "captain", "fan", "supporter",
    "councillor", "mayor", "chairman", "chairwoman", "chair", "director", "executive", "chief",
    "analyst", "expert", "candidate", "lawyer", "judge", "worker", "employee", "student",
    "teacher", "doctor", "nurse", "patient", "victim", "survivor", "rebel", "militant",
    "serviceman", "servicemen", "people", "person", "man", "woman", "child", "children",
    "governor", "senator", "ambassador", "diplomat", "founder", "owner", "investor",
    "shareholder", "professor", "biologist", "engineer", "citizen", "farmer", "driver",
    "force", "troop", "army", "staff", "crew", "team", "member", "rescuer", "firefighter",
    "infant", "baby", "toddler", "pupil", "volunteer", "participant", "commuter", "passenger",
    "miner", "villager", "parent",
}  # fmt: skip
BAD_PRONOUNS = {
    "he", "she", "it", "they", "him", "her", "them", "we", "us", "i", "me", "you",
    "this", "that", "these", "those", "one", "others", "some", "many", "most", "all",
}  # fmt: skip
ARGUMENT_DEPS = {"nsubj", "nsubjpass", "dobj", "pobj", "dative", "attr", "agent"}
ORG_HINTS = (
    (
        re.compile(
            r"\b(Council|Commission|Ministry|Department|Agency|Authority|Office|Parliament"
            r"|Assembly|Committee|Court|Service|Police|Government|Senate|Congress)\b"
        ),
        "which body",
    ),
    (re.compile(r"\b(FC|United|Rovers|Athletic|Wanderers|Club)\b|\bCity$"), "which club"),
    (
        re.compile(
            r"\b(Bank|Inc|Ltd|Corp|Corporation|plc|Group|Holdings|Airlines|Airways|Company|Savings"
            r"|Brothers|Partners|Securities|Energy|Capital|Motors|Media|Systems|Technologies"
            r"|Pharmaceuticals|Insurance|Investments|Industries|Foods|Telecom|Communications"
            r"|Associates|LLP|LLC|Co\.|AG|SA|GmbH|NV)\b"
        ),
        "which company",
    ),
    (re.compile(r"\b(University|Institute|College|School|Laboratory)\b"), "which institution"),
    (re.compile(r"\b(Party|Alliance|Front|Movement|Union of)\b"), "which party"),
    (re.compile(r"\b(Journal|Review|Letters|Nature|Science)\b"), "which journal"),
    (re.compile(r"\b(Storm|Hurricane|Typhoon|Cyclone)\b"), "which storm"),
    (re.compile(r"\b(Cup|Trophy|Championship|Prize|Award|Games)\b"), "which title"),
    (re.compile(r"\b(Street|Road|Avenue|Boulevard|Lane)$"), "which street"),
    (re.compile(r"\b(Act|Bill|Directive|Statute)$"), "which law"),
    (re.compile(r"\b(Treaty|Accord|Agreement|Convention|Pact)$"), "which agreement"),
    (
        re.compile(
            r"\b(Organi[sz]ation|Association|Union|Foundation|Society|Federation|League"
            r"|Coalition|Network|Alliance|Agency|Fund|Trust|Institute)\b"
        ),
        "which organisation",
    ),
)


@cache
def name_kind(name: str) -> str | None:
    """The kind a name's own words give it ("which club" for "Redmere City"), judged by its head
    word first: "National Cup Association" is an organisation, not a title, and "Treaty on the
    Functioning of the European Union" a treaty."""
    head = re.split(r"\s+(?:of|on|for|in)\s+", name)[0]  # "Treaty on the Functioning of ..."
    last = head.split()[-1] if head.split() else ""
    for rx, phrase in ORG_HINTS:
        if rx.search(last):
            return phrase
    return next((phrase for rx, phrase in ORG_HINTS if rx.search(name)), None)


def org_kind(name: str, doc: Doc) -> str | None:
    """What a name the tagger calls an organisation is, or None when nothing says: its own words
    ("Harwell Savings" is a company), a fuller name in the article ("Northgate" of "Northgate
    Bank"), or the list of well-known organisations. spaCy calls spacecraft, rockets, treaties,
    peoples and historians ORG too, and "Which organisation walked to the Surveyor?" is no
    question to print."""
    bare = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
    kind = name_kind(bare)
    if kind is not None:
        return kind
    for ent in doc.ents:
        fuller = re.sub(r"^the\s+", "", ent.text, flags=re.IGNORECASE)
        if ent.label_ == "ORG" and fuller.startswith(bare + " "):
            kind = name_kind(fuller)
            if kind is not None:
                return kind
    if bare in gazetteer("organisations"):
        return "which organisation"
    return "which team" if TEAM_NAME.fullmatch(bare) and _about_sport(doc) else None


# "Arizona Cardinals", "Denver Broncos": a place and a plural -- a team, in a story about sport
TEAM_NAME = re.compile(r"(?:[A-Z][\w.'-]*\s+){1,3}[A-Z][a-z]+[^s\W]s")
SPORT_WORDS = (
    "team", "teams", "season", "match", "league", "coach", "championship", "quarterback",
    "playoff", "playoffs", "touchdown", "goals", "striker", "tournament", "final",
)  # fmt: skip


def _about_sport(doc: Doc) -> bool:
    counts = doc.count_by(LOWER)
    return sum(counts.get(hash_string(w), 0) for w in SPORT_WORDS) >= 3


def wh_kind(wh: str) -> str | None:
    """The kind a "which storm"-style question asks for, which all its options must share; an
    organisation may be any organisation."""
    for _, phrase in ORG_HINTS:
        if wh.endswith(phrase) and phrase != "which organisation":
            return phrase
    return "which team" if wh.endswith("which team") else None


CURRENCY_NOUNS = {"pound", "dollar", "euro", "yen", "rupee", "franc", "pence", "cent", "yuan"}
NO_SPACE_BEFORE = {",", ".", "?", "!", ":", ";", "'s", "'", ")", "n't", "%"}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A question before distractors: its text, its key and where the key stands."""

    kind: str
    question: str
    key: str
    answer_class: str  # person, people, country, city, place, org, date, number, money, ...
    fact: Fact | None
    role: str
    key_start: int  # character offsets of the key in the clean text
    key_end: int
    sentence: Span
    question_tokens: frozenset[int]  # doc tokens the question repeats
    context: tuple[tuple[str, str], ...]  # (role, head lemma) the question keeps
    wh: str = ""  # the wh-phrase: "which storm" asks for storms, so must its options
    key_head: int = -1  # token index of the key's head word
    counted: str = ""  # for "how many X": the lemma of X


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """What a question may borrow from the rest of the article: `names` maps a surname to the
    fullest form of that person's name; `enrich` a noun's lemma to its fuller form in the
    headline; `antecedents` a pronoun's token index to the span it stands for."""

    names: dict[str, str] = field(default_factory=dict)
    enrich: dict[str, str] = field(default_factory=dict)
    antecedents: dict[int, Span] = field(default_factory=dict)
    entities: dict[int, Span] = field(default_factory=dict)  # token index -> its entity

    @property
    def surnames(self) -> frozenset[str]:
        """Last words of multi-word person names ("Morales" of "Esteban Morales")."""
        return frozenset(self.names)


def entity_index(ents: tuple[Span, ...]) -> dict[int, Span]:
    return {i: ent for ent in ents for i in range(ent.start, ent.end)}


@cache
def gazetteer(name: str) -> frozenset[str]:
    text = resources.files("questions").joinpath("data", f"{name}.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


# three or more capitals, not a Roman numeral ("Henry VIII")
ACRONYM = re.compile(r"(?![IVXLC]+$)[A-Z]{3,}")


def answer_class(span: Span | list[Token], surnames: frozenset[str] = frozenset()) -> str:
    """The type of an answer phrase, from its head's entity label and form; a word in
    `surnames` is a person whatever the tagger said."""
    tokens = list(span)
    head = _head_of(tokens)
    label = head.ent_type_
    text = _text(tokens)
    bare = re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)
    if label and bare in _not_people(head.doc):
        return "other"  # "the research vessel Southern Horizon", tagged PERSON
    if re.match(r"[$€£¥]\s?\d", text) and label != "MONEY":
        return "other"  # "€27,814 p.a.": an amount whose head the tagger took for a place
    if (
        label == "PERSON"
        and len(tokens) > 1
        and any(ACRONYM.fullmatch(t.text) for t in tokens)
        and not any(t.text in gazetteer("given_names") for t in tokens)
    ):
        return "org"  # "ESPN Deportes", tagged PERSON; not "ASPO Manager George Low"
    if head.text in surnames and (label or (head.pos_ == "PROPN" and len(tokens) == 1)):
        if label == "ORG" and org_kind(bare, head.doc) is not None:
            return "org"  # "Harvard" beside "Harvard University": not John Harvard
        return "person"
    # The lists before the tagger: its ORG "Santiago de Compostela" is a city, its PERSON
    # "Galicia" a region.
    if label and bare in gazetteer("cities"):
        return "city"
    if label and bare in gazetteer("countries"):
        return "country"
    if label and bare in gazetteer("regions"):
        return "place"
    if label == "PERSON":
        return "person"
    named = strip_titles(text).split()
    if label and 2 <= len(named) <= 3 and named[0] in gazetteer("given_names"):
        return "person"  # "Helena Brandt", "Winger Rafael Almeida", tagged ORG
    if label in ("GPE", "LOC", "FAC"):
        if bare in gazetteer("countries"):
            return "country"
        if bare in gazetteer("cities"):
            return "city"
        return "place"
    if label == "ORG":
        if len(tokens) == 1 and head.pos_ == "NOUN":
            return "people" if head.tag_ == "NNS" else "thing"  # "the Scots", tagged ORG
        return "org"
    if label == "DATE":
        return "date"
    if label == "TIME":
        return "time"
    if label == "MONEY":
        return "money"
    if label == "PERCENT":
        return "percent"
    if label in ("CARDINAL", "QUANTITY"):
        return "number"
    if label == "NORP":
        return "people" if head.tag_ in ("NNPS", "NNS") else "norp"
    if head.pos_ == "PRON":
        return "pronoun"
    people = head.lemma_.lower() in PERSON_NOUNS or head.lower_ in PERSON_NOUNS
    if people and head.lower_ != "force":
        return "people"  # "Turkish forces"; "the force" of physics is a thing
    if head.pos_ in ("NOUN", "PROPN"):
        return "thing"
    return "other"


# after which a name stands where a place does, not only where something happened
LOCATIVE = PLACE_PREPS | {
    "from", "to", "through", "around", "toward", "towards", "off", "along", "over", "via",
    "between", "beyond", "on",
}  # fmt: skip


def bare_name(text: str) -> str:
    """ "the Ohio Country's" and "Ohio Country" are one name."""
    return re.sub(r"^the\s+|'s?$", "", text.lower())


def _in_place_position(ent: Span) -> bool:
    """The name stands where a place does: after "in", "near", "from" ..., or listed with one
    that does ("in France and Flanders")."""
    word = ent.root
    while word.dep_ in ("conj", "appos") and word.head is not word:
        word = word.head
    return word.dep_ == "pobj" and word.head.lower_ in LOCATIVE


@per_article
def located_names(doc: Doc) -> frozenset[str]:
    """The names (see `bare_name`) the article puts where a place stands at least once."""
    return frozenset(bare_name(e.text) for e in doc.ents if _in_place_position(e))


PLACE_WORDS = re.compile(
    r"\b(Square|Street|Road|Avenue|Centre|Center|Park|Station|Airport|Bridge|Market|Hall|Tower"
    r"|Castle|Palace|Cathedral|Church|Stadium|Arena|Museum|Gallery|Library|Hospital|Vale|Valley"
    r"|Heights|Bay|Harbour|Harbor|Beach|Island|Islands)$"
)

# "Cape Merrow", "Mount Kea", "Port Ellery": a place, whatever the tagger says
PLACE_PREFIX = re.compile(r"(Cape|Mount|Mt\.?|Lake|Port|Fort|Point|Loch|Isle|Glen) [A-Z]")


@per_article
def _not_people(doc: Doc) -> frozenset[str]:
    """Names the tagger calls people that the article shows are not: a name after "the" ("the
    Southern Horizon"), a name in apposition to a thing ("the vessel Southern Horizon") and a
    church ("St Mary's")."""
    out = set()
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        before = doc[ent.start - 1] if ent.start > 0 else None
        root = ent.root
        if (
            (before is not None and before.lower_ in ("the", "a", "an"))
            or PLACE_WORDS.search(ent.text)
            or PLACE_PREFIX.match(ent.text)
            or (
                root.dep_ == "appos"
                and root.head.pos_ == "NOUN"
                and root.head.lemma_.lower() not in PERSON_NOUNS | PERSON_TITLES
            )
            or re.fullmatch(r"(St\.?|Saint) .+'s", ent.text)
            or sum(  # "seizing Lintiao-fu, Xining province, Xindu-fu, and Deshun province"
                t.ent_type_ in ("GPE", "LOC") or t.lemma_.lower() in PLACE_NOUNS
                for near in (root, *(c for c in root.children if c.dep_ == "appos"))
                for t in (near, *near.conjuncts)
                if t is not root
            )
            >= 2
            or (before is not None and before.lemma_.lower() in THING_NOUNS)  # "the newspaper
            # Skarvik Posten", whatever the parser made of it
            or (  # "outside Lintiao-fu", "the capital of Ning Hia": a place the tagger missed
                root.dep_ == "pobj"
                and not any(c.dep_ == "case" for c in root.children)
                and (
                    root.head.lower_ in ("in", "at", "near", "into", "inside", "outside")
                    or (root.head.lower_ == "of" and root.head.head.lemma_.lower() in PLACE_NOUNS)
                )
            )
        ):
            out.add(re.sub(r"^the\s+", "", ent.text, flags=re.IGNORECASE))
    return frozenset(out)


# Kinds of thing a name after them belongs to: "the newspaper Skarvik Posten", "the ferry
# Nordlys"
THING_NOUNS = {
    "newspaper", "paper", "magazine", "journal", "ship", "vessel", "ferry", "boat", "yacht",
    "tanker", "liner", "station", "channel", "network", "brand", "company", "firm", "band",
    "album", "film", "book", "novel", "song", "hotel", "restaurant", "horse", "storm",
    "hurricane", "typhoon", "satellite", "rocket", "probe", "spacecraft", "website", "app",
}  # fmt: skip
PLACE_NOUNS = {
    "capital", "city", "town", "village", "province", "region", "county", "district", "port",
    "state", "island", "river", "valley", "kingdom", "fortress", "suburb",
}  # fmt: skip
PERSON_TITLES = {
    "president", "prime", "minister", "mr", "mrs", "ms", "dr", "sir", "dame", "king", "queen",
    "prince", "princess", "general", "spokesperson", "spokesman", "chancellor", "senator",
    "governor", "mayor", "councillor", "professor", "prof", "striker", "winger", "coach",
    "captain", "judge", "lord", "lady", "chief", "deputy", "secretary", "substitute",
    "forward", "defender", "midfielder", "goalkeeper", "manager", "director", "officer",
    "commissioner", "chairman", "chairwoman", "ambassador", "envoy", "premier", "quarterback",
    "linebacker", "linebackers", "cornerback", "cornerbacks", "receiver", "kicker", "punter",
    "safety", "rookie",
}  # fmt: skip


# Offices one person holds at a time, once the title says where: "the NFL Commissioner"
OFFICES = {
    "president", "minister", "secretary", "commissioner", "chancellor", "governor", "mayor",
    "chairman", "chairwoman", "chair", "ceo", "director", "coach", "manager", "captain",
    "quarterback", "spokesman", "spokeswoman", "spokesperson", "ambassador", "envoy", "premier",
    "king", "queen", "leader", "head", "chief", "founder", "editor", "president-elect",
}  # fmt: skip
SPECIFIER_LABELS = {"NORP", "GPE", "ORG", "LOC", "FAC"}


def title_candidates(doc: Doc, ctx: ArticleContext) -> Iterator[Candidate]:
    """ "Who is the NFL Commissioner?" from "NFL Commissioner Roger Goodell" or "Roger Goodell,
    the commissioner of the NFL": an office the article gives one named person, with what makes
    it one office (the country, the organisation) in the title itself."""
    found: dict[str, list[tuple[Span, list[Token]]]] = {}
    for ent in doc.ents:
        if ent.label_ != "PERSON" or len(ent) < 2 or ent[-1].text not in ctx.names:
            continue
        for title in _titles_of(ent):
            found.setdefault(_text(title).lower(), []).append((ent, title))
    for held in found.values():
        if len({ctx.names[e[-1].text] for e, _ in held}) != 1:
            continue  # two people with one title: no one answer
        ent, title = held[0]
        verb = next((t for t in ent.root.ancestors if t.pos_ in ("VERB", "AUX")), None)
        be = "was" if verb is None or _tense(verb) == "past" else "is"
        words = [t.text for t in title]
        if title[0].pos_ != "PROPN" and not title[0].ent_type_:
            words[0] = words[0].lower()
        start = 1 if title[0].lower_ == "the" else 0
        question = f"Who {be} the {' '.join(words[start:])}?"
        question = question.replace(" 's ", "'s ")
        yield Candidate(
            kind="who",
            question=question,
            key=ctx.names[ent[-1].text],
            answer_class="person",
            fact=None,
            role="title",
            key_start=ent.start_char,
            key_end=ent.end_char,
            sentence=ent.sent,
            question_tokens=frozenset(t.i for t in title),
            context=(),
            wh="who",
            key_head=ent.root.i,
        )


def _titles_of(ent: Span) -> Iterator[list[Token]]:
    """The titles written against a name: before it ("Turkish Foreign Minister Mevlut
    Cavusoglu") or in apposition ("Roger Goodell, the commissioner of the NFL")."""
    doc = ent.doc
    before = doc[ent.start - 1] if ent.start > 0 else None
    if (
        before is not None
        and before.lower_ in OFFICES
        and before.dep_ == "compound"
        and before.head.i in range(ent.start, ent.end)
    ):
        title = [
            t for t in doc[before.left_edge.i : before.i + 1] if t.dep_ not in ("det", "punct")
        ]
        if _specified(title) and not any(t.tag_ in ("PRP$", "POS") for t in title):
            yield title
    for child in ent.root.children:
        if child.dep_ != "appos" or child.lower_ not in OFFICES:
            continue
        title = phrase_tokens(child, keep_conj=False)
        if (
            len(title) <= 8
            and title[0].lower_ == "the"
            and _specified(title)
            and not any(t.ent_type_ == "PERSON" or t.tag_ == "PRP$" for t in title)
        ):
            yield title


def _specified(title: list[Token]) -> bool:
    """Whether a title names where it holds: "Russian President", "commissioner of the NFL"."""
    return any(t.ent_type_ in SPECIFIER_LABELS for t in title)


def strip_titles(name: str) -> str:
    """ "Councillor Ahmed Rahimi" -> "Ahmed Rahimi"; a name that is all title stays."""
    words = name.split()
    # "Interior Minister Javier Montoya": everything up to the last title word goes
    cut = 0
    for i, word in enumerate(words[:-1]):
        if word.lower().rstrip(".") in PERSON_TITLES:
            cut = i + 1
    return " ".join(words[cut:])


def candidates_for(doc: Doc, fact: Fact, ctx: ArticleContext) -> Iterator[Candidate]:
    """Every question this fact supports, one per answerable role (and per number in a role)."""
    verb = doc[fact.verb]
    for role in fact.roles:
        head = doc[role.head]
        if head.dep_ == "conj":
            continue
        if any(c.dep_ == "conj" for c in head.children) and (
            head.ent_type_ or role.name not in ("agent", "patient", "theme")
        ):
            continue  # "Moscow and Ankara": a pair of names, not one answer
        if role.prep >= 0 and role.prep < fact.verb and role.name not in ("time", "place"):
            continue  # a fronted adverbial ("Following the bombing, ...")
        if role.prep >= 0 and any(c.dep_ == "conj" for c in doc[role.prep].children):
            continue  # "rested in Orvia and in Dorrow": a pair of places, not one answer
        if role.name == "recipient" and role.prep < 0:
            continue  # double-object "give X access to ...": too easy to mangle
        if (
            fact.lemma in ("take", "cost")
            and head.i > verb.i
            and any(c.dep_ == "npadvmod" and c.i > head.i for c in verb.children)
        ):
            continue  # "a trip that took him 12 minutes": "Who did the trip take 12 minutes?"
        if role.head == fact.subject and verb.dep_ == "xcomp":
            continue  # the controller's own question asks this
        answer = _answer_tokens(doc, fact, role)
        if not answer:
            continue
        named_attribute = _named_attribute(doc, fact)
        if role.name == "attribute" and not named_attribute:
            continue  # "What was Schmitt?": the subject's question asks this better
        if role.name == "theme" and named_attribute:
            continue  # "What are St. John's Cathedral?": ask for the name instead
        if (
            len(answer) == 1
            and answer[0].tag_ == "NN"
            and role.head != fact.subject
            and (fact.lemma in IDIOM_VERBS or role.name == "oblique")
        ):
            continue  # "take place", "come into play": a bare noun is part of the verb
        resolved = None
        if len(answer) == 1 and answer[0].i in ctx.antecedents:
            resolved = list(ctx.antecedents[answer[0].i])
        cls = answer_class(resolved or answer, ctx.surnames)
        weight = _weight_in_pounds(head)
        if fact.lemma not in COUNT_ONLY_VERBS and not weight:
            # the name, not "a Russian diplomat", when the phrase has one in apposition
            candidate = _apposed_candidate(doc, fact, role, answer, ctx) or _realise(
                doc, fact, role, answer, cls, ctx, key_source=resolved
            )
            if candidate is not None:
                yield candidate
        number = next(
            (
                c
                for c in head.children
                if c.dep_ == "nummod" and (c.ent_type_ in ("CARDINAL", "QUANTITY", "") or weight)
            ),
            None,
        )
        countable = (
            head.lemma_.lower() not in CURRENCY_NOUNS or weight
        ) and head.lower_ != "others"
        if any(
            c.dep_ in ("det", "poss") and c.i < head.i and c.lower_ != "all" for c in head.children
        ):
            countable = False  # "the two countries": a count the reader was already given
        if number is not None and head.tag_ in ("NNS", "NNPS") and countable:
            key = [t for t in number.subtree if not t.is_punct]
            candidate = _realise(doc, fact, role, key, "number", ctx, count_of=head)
            if candidate is not None:
                yield candidate


def _weight_in_pounds(head: Token) -> bool:
    """ "842 pounds of lunar rocks": a weight the tagger took for money, asked "How many
    pounds of lunar rocks ...?", never "How much did the program return?"."""
    return head.lower_ in ("pound", "pounds") and any(
        c.dep_ == "prep" and c.lower_ == "of" for c in head.children
    )


NAMED_CLASSES = {"person", "org", "place", "city", "country", "thing"}
ORG_NOUNS = {
    "company", "firm", "group", "organisation", "organization", "party", "team", "club",
    "agency", "bank", "band", "body", "union", "network", "charity", "broadcaster", "airline",
    "newspaper", "institution", "university", "school", "college", "court", "council",
}  # fmt: skip
APPOSED_LABELS = {
    "PERSON", "ORG", "GPE", "LOC", "FAC", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW",
}  # fmt: skip


def _apposed_candidate(
    doc: Doc, fact: Fact, role, answer: list[Token], ctx: ArticleContext
) -> Candidate | None:
    """The question whose key is the name apposed to the answer's noun, if it has one."""
    head = doc[role.head]
    name = _apposed_name(head, ctx)
    if name is None:
        return None
    cls = answer_class(name, ctx.surnames)
    if (
        cls == "org"
        and org_kind(_text(name), doc) is None
        and head.lemma_.lower() not in ORG_NOUNS
    ):
        cls = "thing"  # "his famous book, Principles of Geology", tagged ORG
    if cls not in NAMED_CLASSES:
        return None
    return _realise(doc, fact, role, answer, cls, ctx, key_source=name)


def _apposed_name(head: Token, ctx: ArticleContext) -> list[Token] | None:
    """The name in apposition to a common noun: "a Russian diplomat, Andrei Karlov", "his
    famous book, Principles of Geology". The question asks for it with the name's own wh-word:
    "which Russian diplomat" would give the key away among options that are no diplomats."""
    if head.pos_ != "NOUN" or head.ent_type_ or head.lemma_.lower() in ("one", "other"):
        return None
    apposed = [c for c in head.children if c.dep_ == "appos" and c.i > head.i]
    if len(apposed) != 1 or any(c.dep_ in ("conj", "advmod") for c in apposed[0].children):
        return None  # "other nations, particularly Europe": an example, not the one meant
    if any(c.lower_ in ("other", "another", "several", "many") for c in head.children):
        return None
    name = ctx.entities.get(apposed[0].i)
    if name is None or name.label_ not in APPOSED_LABELS or name.root.i != apposed[0].i:
        return None
    return list(name)


def _answer_tokens(doc: Doc, fact: Fact, role) -> list[Token]:
    head = doc[role.head]
    if fact.subject_inherited and role.head == fact.subject:
        verb_tree = {t.i for t in doc[fact.verb].subtree}
        return [t for t in phrase_tokens(head) if t.i not in verb_tree]
    return phrase_tokens(head)


CURRENCY_SIGNS = {"$", "€", "£", "¥", "US$", "A$", "C$", "NZ$"}


def _key_tokens(answer: list[Token], cls: str, entities: dict[int, Span]) -> list[Token]:
    """The key: for a named thing its name alone ("Vladimir Putin", not "Russian President
    Vladimir Putin"); otherwise the phrase without a leading article."""
    head = _head_of(answer)
    if head.ent_type_ and cls not in ("thing", "people", "number"):
        ent = entities.get(head.i)
        if ent is not None and ent.start >= answer[0].i and ent.end <= answer[-1].i + 1:
            tokens = list(ent)
            sign = head.doc[ent.start - 1] if ent.start > answer[0].i else None
            if cls == "money" and sign is not None and sign.text in CURRENCY_SIGNS:
                tokens = [sign, *tokens]  # "$180,000", where the tagger's amount began after "$"
            if cls == "money":
                tokens += _rate(tokens[-1], answer)  # "95 million marks a day": not a sum
            if tokens and tokens[0].lower_ == "the":
                tokens = tokens[1:]
            while tokens and tokens[-1].text in ("'s", "'"):
                tokens = tokens[:-1]  # "Robert Koch's", as the tagger sometimes ends a name
            return tokens
    while answer and answer[-1].text in (",", ";", ":", "'s", "'"):
        answer = answer[:-1]  # "Public schools, also known as ...": the apposition's comma
    if answer and answer[0].lower_ in ("the", "a", "an") and cls != "number":
        return answer[1:]
    return answer


def _rate(amount: Token, answer: list[Token]) -> list[Token]:
    """ "a day" straight after an amount in the answer phrase, which makes it a rate."""
    kept = {t.i for t in answer}
    for c in amount.children:
        if c.dep_ == "npadvmod" and c.lemma_.lower() in TIME_NOUNS and c.i in kept:
            return list(c.subtree) if c.left_edge.i == amount.i + 1 else []
    return []


def _realise(
    doc: Doc,
    fact: Fact,
    role,
    answer: list[Token],
    cls: str,
    ctx: ArticleContext,
    count_of: Token | None = None,
    key_source: list[Token] | None = None,
) -> Candidate | None:
    """The question asking for `answer` in `role` of `fact`; `key_source` gives the key when it
    is not the answer's own words (a pronoun's antecedent, an apposed name)."""
    if cls in ("pronoun", "other", "norp"):
        return None
    verb = doc[fact.verb]
    is_subject = role.head == fact.subject
    prep = doc[role.prep] if role.prep >= 0 else None
    if _object_left_to_a_conjunct(verb):
        return None  # "When did Genghis besiege?" of "besieged, captured, and sacked the capital"
    if _paired_verb(verb):
        return None  # "How many soldiers were killed?" of "were killed or injured"
    if _who_of_a_thing(verb):
        return None  # "Harvey Martin, co-MVP of Super Bowl XII, who died": not the Super Bowl
    if _which_of_a_place_or_its_noun(verb):
        return None  # "a center in New Delhi, India, which opened in 2014": not the city
    wh, kind, strand = _wh_phrase(cls, role.name, prep, is_subject, answer, count_of)
    if wh is None:
        return None
    answer_ids = {t.i for t in answer}
    if count_of is not None:
        # "How many Turkish soldiers": the counted noun phrase moves to the front.
        phrase = phrase_tokens(count_of)
        answer_ids = {t.i for t in phrase}
        rest = [
            t
            for t in phrase
            if t.i not in {a.i for a in answer} and not (t.dep_ == "det" and t.head == count_of)
        ]
        if rest and rest[0].text.startswith("-"):
            return None  # "three-fourths" is one number, not "three" of "-fourths"
        if any(t.dep_ == "conj" and any(c.dep_ == "nummod" for c in t.subtree) for t in rest):
            return None  # "How many seats in the House and 12 seats in the Senate ...?"
        if not _plain_count(count_of, rest):
            return None  # "How many passes for 265 yards did Newton complete ...?"
        after = answer[-1].nbor(1) if answer[-1].i + 1 < len(doc) else None
        if (
            after is not None
            and after.i < count_of.i
            and after.tag_ == "NN"
            and after.lemma_.lower() in COUNTED_PARTS
        ):
            return None  # "four cylinder engines" count cylinders, not engines
        if count_of.lemma_.lower() in VAGUE_COUNTS and not [
            t for t in rest if t.i != count_of.i and t.lower_ not in COUNT_QUALIFIERS
        ]:
            return None  # "How many things happen?": things of what?
        if rest and rest[0].dep_ == "poss":
            wh = f"{wh} of"  # "how many of Iqbal's lectures"
        wh = f"{wh} {_text(rest)}"
    drop = set(answer_ids)
    if prep is not None and not strand:
        drop.add(prep.i)
    # "a fumble which Trevathan recovered": the relative pronoun stands for "a fumble"
    stand_ins: dict[int, str] = {}
    relative = relative_object(verb)
    if relative is not None:
        if relative.lower_ == "which" and verb.head.ent_type_ == "PERSON":
            return None  # "Stewart, which Trevathan recovered": the parser's guess, not a fact
        if role.head == verb.head.i:
            drop.add(relative.i)
        else:
            antecedent = [t for t in phrase_tokens(verb.head) if t.i < relative.i]
            if not antecedent or _has_bad_pronoun(antecedent):
                return None
            stand_ins[relative.i] = _mid_sentence(doc[antecedent[0].i : antecedent[-1].i + 1])

    subject_tokens = _subject_tokens(doc, fact)
    clause = _clause_tokens(doc, fact)
    if count_of is not None and any(
        t.like_num and t.i not in answer_ids and t.head.lemma_ == count_of.lemma_ for t in clause
    ):
        return None  # "How many beef cattle does the state have with 2.2 million cattle ...?"
    if relative is not None and relative in clause:
        # its words go where an object stands: after the verb and its particle
        clause.remove(relative)
        after = max((c.i for c in verb.children if c.dep_ == "prt"), default=verb.i)
        at = next((n for n, t in enumerate(clause) if t.i > after), len(clause))
        clause.insert(at, relative)
    auxes = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i]
    borrowed = False
    if not auxes and verb.dep_ == "conj" and fact.subject_inherited:
        # "could create X and encourage Y": the second verb keeps the first one's "could"
        auxes = [c for c in verb.head.children if c.dep_ == "aux" and c.i < verb.head.i]
        borrowed = bool(auxes)
    controller = None
    if fact.subject_inherited and verb.dep_ == "xcomp":
        if verb.head.lemma_.lower() in CONTROL_VERBS:
            # "plans to close": the question keeps the controlling verb and asks with its tense
            controller = verb.head
            auxes = [c for c in controller.children if c.dep_ in ("aux", "auxpass")]
            auxes = [c for c in auxes if c.i < controller.i and c.lower_ != "to"]
            clause = [controller, *clause]
        else:
            auxes = []  # "used a lander to collect": the infinitive stands for itself
            clause = [t for t in clause if not (t.dep_ == "aux" and t.lower_ == "to")]
    tense = _tense(controller if controller is not None else verb)
    words: list[str | Token] = []
    if is_subject:
        answer_end = max(answer_ids)
        body = [t for t in clause if t.i not in drop and (t.i > answer_end or t.i in stand_ins)]
        attribute = fact.role("attribute")
        if verb.lemma_ == "be" and attribute is not None and _bare_indefinite(doc[attribute.head]):
            return None  # "What was an imperial state?": many were
        plural = kind == "how_many" or (
            verb.lemma_ == "be" and (attribute is None or _is_plural(doc[attribute.head]))
        )  # "The Eagles are the most successful team" -> "Which team is ..."
        body = _agree_singular(body, verb, auxes, plural=plural)
        if fact.passive and not auxes:
            body = [_be_form(tense, plural=kind == "how_many"), *body]
        if borrowed:
            body = [auxes[0], *body]
        words = _their(body) if kind == "who" else [*body]
    else:
        subject = _resolve_subject(subject_tokens, ctx)
        if subject is None or any(
            t.tag_ == "PRP$" or (t.tag_ in FINITE_TAGS and t.pos_ in ("VERB", "AUX"))
            for t in subject_tokens
        ):
            return None  # "its headquarters": nothing in the question says whose
        rest = [t for t in clause if t.i not in drop and t.i not in {a.i for a in auxes[:1]}]
        active = (
            _active_form(verb, auxes, tense)
            if fact.passive and role.name == "agent" and kind == "who" and controller is None
            else None
        )
        if active is not None:
            # "By whom was the ship commanded?" reads as "Who commanded the ship?"
            wh, front = "who", []
            before = [
                t for t in rest if t.i < verb.i and t.dep_ == "advmod" and t.head == verb
            ]  # "was first introduced": "Who first introduced ...?"
            rest = [t for t in rest if t.i not in {a.i for a in auxes} | {verb.i}]
            rest = [t for t in rest if t not in before]
            subject = [*before, *active, *subject]
        elif len(auxes) == 1 and auxes[0].lower_ == "had" and verb.tag_ == "VBN":
            # "When had the office issued a warning?" reads better as "When did ... issue"
            front: list[str | Token] = [_do_form("past", doc[fact.subject])]
            rest = [_base(verb) if t.i == verb.i else t for t in rest]
        elif auxes and auxes[0].lemma_ not in INVERTING:
            return None  # "What become NK cells activated through?": "become" does not invert
        elif auxes:
            front = [auxes[0]]
        elif controller is not None:
            front = [_do_form(tense, doc[fact.subject])]
            rest = [_base(controller) if t.i == controller.i else t for t in rest]
        elif fact.passive:
            front = [_be_form(tense, plural=_is_plural(doc[fact.subject]))]
        elif verb.lemma_ == "be":
            front = [verb]
            rest = [t for t in rest if t.i != verb.i]
        else:
            subject_head = doc[fact.subject]
            if fact.subject in ctx.antecedents:
                subject_head = ctx.antecedents[fact.subject].root
            front = [_do_form(tense, subject_head)]
            rest = [_base(verb) if t.i == verb.i else t for t in rest]
        # "On October 16, OPEC raised ...": a fronted adverbial goes after the verb phrase
        subject_start = min((t.i for t in subject_tokens), default=verb.i)
        fronted = [
            t
            for t in rest
            if isinstance(t, Token) and t.i < subject_start and t.i not in stand_ins
        ]
        rest = [t for t in rest if not (isinstance(t, Token) and t in fronted)]
        if fronted and fronted[0].dep_ != "prep":
            fronted = []  # "Overall, ...": a sentence adverb does not travel
        words = [*front, *subject, *rest, *fronted]
    if strand and prep is not None and words and prep.i not in drop:
        words = [w for w in words if not (isinstance(w, type(prep)) and w.i == prep.i)]
        words.append(prep)
    if not _starts_finite(words):
        return None  # "What to be ripped up?": no tensed verb to ask with
    if _unfinished_preposition(words, drop, stranded=prep if strand else None):
        return None  # "Who went to the Super Bowl with as a player?"
    words = [
        stand_ins[w.i]
        if isinstance(w, Token) and w.i in stand_ins
        else _mid_sentence(ctx.antecedents[w.i])
        if isinstance(w, Token) and w.i in ctx.antecedents
        else w
        for w in words
    ]
    # "elected president after a campaign [that ...]": cut from its clause, the phrase says nothing
    kept = {w.i for w in words if isinstance(w, Token)}
    vague = {
        t.i
        for w in words
        if isinstance(w, Token) and w.dep_ == "prep" and w.head == verb and _vague_phrase(w, kept)
        for t in w.subtree
    }
    if vague and not vague & answer_ids:
        words = [w for w in words if not (isinstance(w, Token) and w.i in vague)]
    # "How much did UK law only require?": the key says how little; the stem need not
    words = [
        w
        for w in words
        if not (isinstance(w, Token) and w.lower_ in ("only", "just") and w.head == verb)
    ]
    text = _join(words)
    if not text or _has_bad_pronoun(words):
        return None
    if _unowned_possessive(words, asked=cls):
        return None  # "When was the committee headed by his assistant?": whose?
    if strand and (verb.lemma_ == "be" or (len(words) > 10 and kind != "how_many")):
        return None  # "What did X ... over?" reads badly when long
    if strand and kind == "how_many" and (len(words) > 12 or any(_numeric(w) for w in words)):
        return None  # "How many yards did Manning finish the game 13 of 23 with ... for?"
    if kind == "how_many" and _stranded_after_another(words, verb):
        return None  # "How many sides is Ravensby surrounded by state forest on?"
    if _list_read_as_apposition(words):
        return None  # "launched Lovell, Jack Swigert, and Fred Haise" -> "launch Lovell and Haise"
    if _order_without_errand(verb, words):
        return None  # "Who did Dinwiddie order?" of "ordered Washington to warn the French"
    question = f"{_cap(wh)} {text}?"
    question = re.sub(r"\s+([,.;:?!])", r"\1", question)
    question = re.sub(r",\s*\?$", "?", question)
    question = re.sub(r"\s+(yet|already|still)\?$", "?", question)  # "... program yet?"
    question = re.sub(r",\s+[a-z]+\?$", "?", question)  # "... at home one evening, early?"
    # "..., in a deal?": a phrase whose relative clause was cut away says nothing on its own
    question = re.sub(r",\s+(?:in|as|with|for|under|after)\s+(?:a|an|the)\s+\w+\?$", "?", question)
    question = re.sub(r'\s*"\s*"\s*', " ", question).replace(" ?", "?")
    if question.count('"') % 2:
        question = re.sub(r'\s*"\s*', " ", question).replace(" ?", "?").strip()
    if len(question.split()) < 4:
        return None
    if (
        not is_subject
        and len(question.split()) == 4
        and [t.pos_ for t in subject_tokens] == ["NOUN"]
    ):
        return None  # "When did construction begin?", "When did reports surface?": of what?
    key_tokens = (
        _key_tokens(key_source or answer, cls, ctx.entities)
        if count_of is None
        else [t for t in answer if t.lower_ not in ("only", "just")]  # "only seven" cues it
    )
    if not key_tokens or key_tokens[-1].pos_ == "ADP":
        return None  # "kingdom of": a key cut short
    key = _text(key_tokens)
    if key.count('"') % 2:
        key = re.sub(r'\s*"\s*', " ", key).strip()  # 'a "Conciliation Committee'
    if (
        _has_bad_pronoun(key_tokens)
        or key_tokens[0].lower_ in ("these", "this", "those")
        or any(t.tag_ in ("WP", "WP$", "WDT") for t in key_tokens)
    ):
        return None  # "this virus" as a key says nothing on its own
    if cls == "person":
        if len(key_tokens) == 1 and key_tokens[0].text not in ctx.names:
            return None  # a lone capitalised word the tagger took for a name
        if key_tokens[-1].lower_.rstrip(".") in PERSON_TITLES:
            return None  # "Ziekenfonds Mrs": a title ends no name
        key = ctx.names.get(key_tokens[-1].text, strip_titles(key))
    elif cls == "number" and key.isalpha():
        key = key.lower()
    # the roles the question names: another fact that fills them alike answers it too ("In
    # 1896" left out of the stem, the colleges it joined in the 1890s are right answers as well)
    asked = {w.i for w in words if isinstance(w, Token)}
    context = tuple(
        (r.name, doc[r.head].lemma_.lower())
        for r in fact.roles
        if r.head != role.head and (r.head in asked or r.head == fact.subject)
    )
    return Candidate(
        kind=kind,
        question=question,
        key=key,
        answer_class=cls,
        fact=fact,
        role=role.name,
        key_start=key_tokens[0].idx,
        key_end=key_tokens[-1].idx + len(key_tokens[-1].text),
        sentence=verb.sent,
        question_tokens=frozenset(
            t.i for t in [*subject_tokens, *clause] if t.i not in drop and isinstance(t, Token)
        ),
        context=context,
        wh=wh,
        key_head=_head_of(key_tokens).i,
        counted=count_of.lemma_.lower() if count_of is not None else "",
    )


def _vague_phrase(prep: Token, kept: set[int]) -> bool:
    """ "after a campaign [that emphasized ...]": an indefinite noun whose relative clause or
    participle the question (the tokens in `kept`) leaves behind."""
    return any(
        n.dep_ == "pobj"
        and any(d.dep_ == "det" and d.lower_ in ("a", "an") for d in n.children)
        and any(c.dep_ in ("relcl", "acl") and c.i not in kept for c in n.children)
        and not any(c.dep_ in ("amod", "compound", "prep", "nummod") for c in n.children)
        for n in prep.children
    )


def _who_of_a_thing(verb: Token) -> bool:
    """A "who" clause the parser hung on a name that is no person: a place or an event, or a
    name inside a prepositional phrase ("co-MVP of Super Bowl XII, who died"). A team or a
    firm may take "who" ("the Panthers, who won")."""
    head = verb.head
    misplaced = head.ent_type_ not in ("", "PERSON", "NORP", "ORG") or (
        head.ent_type_ not in ("", "PERSON", "NORP") and head.dep_ == "pobj"
    )
    return (
        verb.dep_ == "relcl"
        and misplaced
        and any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ == "who" for c in verb.children)
    )


def _numeric(word: str | Token) -> bool:
    return isinstance(word, Token) and word.like_num and not word.is_alpha


def _list_read_as_apposition(words: list[str | Token]) -> bool:
    """A list of names the parser read as a name, an apposition and a conjunct: "Lovell, Jack
    Swigert, and Fred Haise". The question would keep two of the three."""
    for word in words:
        if not isinstance(word, Token) or word.pos_ != "PROPN":
            continue
        children = list(word.children)
        if any(c.dep_ == "conj" for c in children) and any(
            c.dep_ == "appos" and c.pos_ == "PROPN" and c.doc[c.left_edge.i - 1].text != "("
            for c in children
        ):
            return True
    return False


# Verbs that send someone to do something: their object means little without the errand.
SENDING_VERBS = {
    "order", "ask", "tell", "force", "persuade", "urge", "instruct", "command",
    "invite", "encourage", "require", "allow", "permit", "direct", "authorise", "authorize",
}  # fmt: skip


def _order_without_errand(verb: Token, words: list[str | Token]) -> bool:
    """ "Who did Dinwiddie order?": a person ordered, and the question (or the parser) lost
    what to do."""
    if verb.lemma_.lower() not in SENDING_VERBS:
        return False
    kept = {w.i for w in words if isinstance(w, Token)}
    errand = [c for c in verb.children if c.dep_ in ("xcomp", "ccomp")]
    person = any(
        c.dep_ == "dobj" and (c.ent_type_ == "PERSON" or c.pos_ == "PRON") for c in verb.children
    )
    return any(c.i not in kept for c in errand) or (person and not errand)


def _which_of_a_place_or_its_noun(verb: Token) -> bool:
    """A "which" clause after a place named inside a noun's phrase: "a center in New Delhi,
    which opened in 2014" tells of the center, however the parser hung it; "a house in Paris,
    which is the capital" of the city. Which one is meant the words do not say."""
    head = verb.head
    relative = [c for c in verb.children if c.dep_.startswith("nsubj")]
    return (
        verb.dep_ == "relcl"
        and head.ent_type_ in ("GPE", "LOC")
        and any(c.lower_ in ("which", "that") for c in relative)
        and _governing_noun(head) is not None
    )


def _governing_noun(name: Token) -> Token | None:
    """The common noun whose prepositional phrase holds `name` ("center" of "a center in New
    Delhi, India"), looking through an apposition."""
    while name.dep_ == "appos":
        name = name.head
    prep = name.head
    if name.dep_ != "pobj" or prep.lower_ not in ("in", "at", "near", "outside", "from"):
        return None
    return prep.head if prep.head.pos_ == "NOUN" else None


def _bare_indefinite(noun: Token) -> bool:
    """ "an imperial state", with nothing after it in the question to narrow it down to one
    (the relative clause of "an imperial state that lasted from 1299 to 1923" stays behind)."""
    return any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in noun.children) and not any(
        c.i > noun.i and c.dep_ in ("prep", "acl") for c in noun.children
    )


def _paired_verb(verb: Token) -> bool:
    """A verb joined straight to the next ("killed or injured", "bought and sold"): what is
    said of the pair is not said of either verb alone."""
    return any(
        c.dep_ == "conj"
        and c.pos_ == "VERB"
        and 0 < c.i - verb.i <= 2
        and not any(o.dep_.startswith("nsubj") for o in c.children)
        for c in verb.children
    )


def _object_left_to_a_conjunct(verb: Token) -> bool:
    """ "Genghis besieged, captured, and sacked the Jin capital": "besieged" shares the object
    of the last verb, which the parser gave to that verb alone."""
    children = list(verb.children)
    if any(c.dep_ in ("dobj", "auxpass", "attr", "acomp", "xcomp", "ccomp") for c in children):
        return False
    if any(c.i > verb.i and c.dep_ not in ("punct", "cc", "conj", "advcl") for c in children):
        return False
    return any(
        c.i > verb.i
        and any(o.dep_ == "dobj" for o in c.children)
        and not any(o.dep_ in ("nsubj", "nsubjpass") for o in c.children)
        for c in verb.conjuncts
    )


# Nouns that count nothing in particular until something says what: "two things", "three parts"
VAGUE_COUNTS = {
    "thing", "way", "part", "aspect", "factor", "type", "kind", "reason", "form", "element",
    "feature", "issue", "idea", "item", "category", "class", "respect", "area", "sort", "piece",
    "component", "step", "method", "means",
}  # fmt: skip
COUNT_QUALIFIERS = {"main", "key", "major", "different", "several", "other", "important", "basic"}
COUNT_PREPOSITIONS = {"of", "in", "per", "on", "at"}


# units a teacher would spell out, and which mostly measure a thing named after them
# ("760 mm narrow gauge lines")
UNIT_SYMBOLS = {"mm", "cm", "km", "m", "kg", "g", "ft", "lb", "lbs", "mi", "mph", "kw", "mw"}


# what a number before a second noun may count instead of it: "four cylinder engines", "a
# three bedroom house", "a five year plan"
COUNTED_PARTS = {
    "cylinder", "door", "speed", "bedroom", "room", "seat", "star", "lane", "storey", "story",
    "wheel", "engine", "year", "day", "week", "month", "hour", "minute", "mile", "point",
    "page", "person", "man", "member", "party", "game", "match", "round", "stroke", "piece",
    "part", "track", "string", "lap", "set", "volume", "course", "step", "stage", "tier",
}  # fmt: skip


def _plain_count(noun: Token, rest: list[Token]) -> bool:
    """A "how many" phrase reads as one when it holds no second number and the counted noun
    carries after it nothing but a place, a rate or an "of" phrase: not "How many 1851-1860
    ounces", "How many passes for 265 yards", "How many tumen against Kuchlug" or "How many
    representatives elected by Single Transferable Vote"."""
    if any(t.like_num for t in rest):
        return False
    if noun.lower_ in UNIT_SYMBOLS or any(t.lower_ in UNIT_SYMBOLS for t in rest):
        return False  # "How many mm do two tourist railways operate over?"
    kept = {t.i for t in rest}
    return all(
        c.dep_ in ("npadvmod", "cc", "conj", "punct")
        or (c.dep_ == "prep" and c.lower_ in COUNT_PREPOSITIONS)
        for c in noun.children
        if c.i > noun.i and c.i in kept
    )


def _wh_phrase(
    cls: str, role: str, prep: Token | None, is_subject: bool, answer, count_of
) -> tuple[str | None, str, bool]:
    """(wh-phrase, kind, strand the preposition?) for an answer of class `cls` in `role`."""
    word = prep.lower_ if prep is not None else ""
    if role == "theme" and is_subject and cls in ("number", "percent", "money", "date", "time"):
        return None, "", False  # "What were domestic ethnic minorities?" -> "26%"
    if role == "theme" and is_subject and cls not in ("person", "people"):
        return "what", "what", False  # "What was the most powerful storm?"
    if role == "attribute":
        # "The leader is Ann Kerr" -> "Who is the leader?"
        return ("who" if cls in ("person", "people") else "what"), "who", False
    if count_of is not None:
        if role not in ("agent", "patient", "theme") and prep is None:
            return None, "", False
        return "how many", "how_many", prep is not None
    if role == "time":
        if (
            cls in ("date", "time")
            and word in ("", "on", "in", "at", "during")
            and is_point(answer)
        ):
            return "when", "when", False
        return None, "", False
    if role == "place":
        if word in ("in", "at", "near", "inside", "within", "into"):
            return "where", "where", False
        return None, "", False
    if cls in ("person", "people"):
        if is_subject or prep is None:
            return "who", "who", False
        if role == "agent":
            return "by whom", "who", False
        if word in ("aboard", "into", "onto", "inside", "across", "through", "along"):
            return None, "", False  # "Aboard whom ...?": a vessel the tagger took for a person
        if cls == "people" and any(t.dep_ == "nummod" for t in answer):
            return None, "", False  # "To whom has the outbreak spread?" -> "27 patients": a count
        return f"{word} whom", "who", False
    if cls == "money":
        if is_subject or (prep is not None and word != "for"):
            return None, "", False  # "fall 3.1 percent to?" reads badly
        return "how much", "how_much", prep is not None
    if cls in ("date", "time", "number", "percent"):
        return None, "", False
    text = _text(answer)
    hint = org_kind(text, answer[0].doc) if cls == "org" else name_kind(text)
    phrase = {"country": "which country", "city": "which city"}.get(cls)
    if hint and cls in ("org", "place", "city", "country"):
        phrase = hint
    elif cls == "org":
        return None, "", False  # nothing says what kind of thing this name is
    elif cls == "place" and prep is not None:
        return None, "", False  # "to the Ohio Country": no honest wh-word
    if phrase is None:
        phrase = "what"
    kind = "what" if phrase == "what" else "which"
    if is_subject or prep is None:
        return phrase, kind, False
    if role == "agent":
        return (f"by {phrase}", kind, False) if phrase != "what" else (None, "", False)
    if (
        word not in STRANDABLE
        or prep.dep_ == "pcomp"
        or any(c.dep_ == "pcomp" and c.pos_ == "ADP" for c in prep.children)
    ):
        return None, "", False  # "What may inflammation occur during?", "... to due?"
    return phrase, kind, True


# Prepositions that read well left at the end of a question ("What did Tesla work on?")
STRANDABLE = {
    "to", "for", "with", "from", "on", "in", "into", "onto", "about", "at", "against", "over",
    "through", "under", "after", "of", "by", "toward", "towards", "upon", "around", "across",
    "behind", "between", "among", "off", "out", "up", "down", "like", "within", "near", "as",
}  # fmt: skip


def _named_attribute(doc: Doc, fact: Fact) -> bool:
    """A copula whose complement is a name: "the capital is Astana"."""
    role = fact.role("attribute")
    if role is None or fact.lemma != "be":
        return False
    head = doc[role.head]
    return head.pos_ == "PROPN" or head.ent_type_ in ("PERSON", "GPE", "ORG", "DATE", "LOC")


def _subject_tokens(doc: Doc, fact: Fact) -> list[Token]:
    subject = doc[fact.subject]
    tokens = phrase_tokens(subject)
    if fact.subject_inherited:
        verb_tree = {t.i for t in doc[fact.verb].subtree}
        tokens = [t for t in tokens if t.i not in verb_tree]
    return tokens


TIME_NOUNS = {
    "day", "week", "month", "year", "hour", "minute", "second", "time", "night", "morning",
    "evening", "afternoon", "season", "decade", "century", "weekend",
}  # fmt: skip


def _clause_tokens(doc: Doc, fact: Fact) -> list[Token]:
    """The predicate and its kept dependents, in order, without the subject."""
    verb = doc[fact.verb]
    out = [verb]
    for child in verb.children:
        if child.i == fact.subject or child.is_space:
            continue
        if child.dep_ in ("nsubj", "nsubjpass", "csubj", "advcl", "parataxis", "conj", "cc"):
            continue
        if child.dep_ in ("punct", "mark", "dep", "intj", "expl", "prt") and child.dep_ != "prt":
            continue
        if child.dep_ == "relcl":
            continue
        if (
            child.dep_ == "npadvmod"
            and child.i > verb.i
            and not child.ent_type_
            and child.lemma_.lower() not in TIME_NOUNS
            and doc[child.left_edge.i - 1].text == ","
        ):
            continue  # "closed after an outbreak of X, a bacterial infection": the apposition
            # of a clause the parser cut away, not a measure of the verb
        if child.dep_ == "advmod" and (
            child.lower_ in SKIPPED_ADVERBS or child.tag_ == "WRB" or child.i == verb.sent.start
        ):
            continue
        if child.dep_ == "prep" and child.i < verb.i and child.i <= verb.sent.start + 1:
            continue  # sentence-initial adverbial ("Following the bombing,")
        if child.dep_ == "ccomp" and (
            child.i < verb.i or doc[child.left_edge.i - 1].pos_ == "CCONJ"
        ):
            continue  # "..., and plasma B cells produce antibodies": a clause of its own
        out.extend(phrase_tokens(child))
    return _glued(doc, out)


def _unfinished_preposition(
    words: list[str | Token], drop: set[int], stranded: Token | None
) -> bool:
    """A preposition the question keeps without its object, other than the one stranded on
    purpose: its object was the relative clause's noun ("the team he went to the Super Bowl
    with as a player")."""
    kept = {w.i for w in words if isinstance(w, Token)}
    return any(
        isinstance(t, Token)
        and t is not stranded
        and t.dep_ == "prep"
        and t.pos_ == "ADP"
        and t.is_alpha
        and not any(c.dep_ in ("pobj", "pcomp", "prep") and c.i in kept for c in t.children)
        and not any(c.dep_ in ("pobj", "pcomp") and c.i in drop for c in t.children)
        for t in words
    )


def _glued(doc: Doc, tokens: list[Token]) -> list[Token]:
    """`tokens` in order, with any word written against a kept one put back: the parser may hang
    "la" of "Aix-la-Chapelle" elsewhere, and "Aix- -Chapelle" is no name."""
    kept = {t.i for t in tokens}
    for i in sorted(kept):
        j = i
        while (
            j + 1 < len(doc)
            and not doc[j].whitespace_
            and j + 1 not in kept
            and not doc[j + 1].is_sent_start
            and doc[j + 1].text not in {",", ".", ";", ":", "?", "!", ")", '"', "'s"}
        ):
            j += 1
            kept.add(j)
    return [doc[i] for i in sorted(kept)]


def _unowned_possessive(words: list[str | Token], asked: str) -> bool:
    """A "his" or "her" with no one in the question to belong to: not a name, not a person
    noun, not the person asked for (`asked`, the answer's class: "Who threw his first pass?",
    "Who did the club sign for his speed?")."""
    if asked in ("person", "people"):
        return False
    for word in words:
        if isinstance(word, str):
            if word[:1].isupper():
                return False  # a name put in for a pronoun
            continue
        if word.tag_ == "PRP$" and word.lower_ in ("his", "her"):
            return True
        if (
            word.pos_ == "PROPN"
            or word.ent_type_ in ("PERSON", "NORP", "ORG")
            or word.lemma_.lower() in PERSON_NOUNS
            or (word.pos_ == "NOUN" and word.lemma_.lower().endswith(AGENT_ENDINGS))
        ):
            return False  # "the 11-year veteran ... his career"
    return False


AGENT_ENDINGS = ("er", "or", "ist", "ian", "an", "ant", "ent", "eer")


# The words of an amount on its own: "over 61 per cent", "about 40%"
AMOUNT_WORDS = {
    "%", "percent", "per", "cent", "over", "about", "nearly", "almost", "around", "some", "more",
    "less", "than", "just", "under", "roughly", "approximately",
}  # fmt: skip
# Words of quantity before a noun ("several colleges"); alone as a subject ("many went to
# France") they say nothing of who
QUANTIFIERS = {"several", "many", "some", "most", "all", "both", "various", "numerous", "few"}
GENERIC_PEOPLE = {"man", "woman", "person", "boy", "girl", "child", "individual", "people"}


def _fragment(word: Token) -> bool:
    """ "c." (circa) or "al" cut from "al-Nimeiry": a piece, not a word of the phrase."""
    text = word.text
    return text.islower() and (
        (text.endswith(".") and len(text) <= 4)
        or (
            text.isalpha()
            and len(text) <= 2
            and word.pos_ in ("PROPN", "NOUN", "X")
            and word.dep_ in ("nsubj", "nsubjpass")
        )
    )


def _capitalised(word: str | Token) -> bool:
    return isinstance(word, Token) and word.text[:1].isupper()


def _mid_sentence(span: Span) -> str:
    """An antecedent put where its pronoun stood: "the Panthers", not "The Panthers"."""
    text = span.text
    return "the" + text[3:] if text.startswith("The ") else text


def _named_before(tokens: list[Token]) -> str | None:
    """The name a bare "the authority" stands for: the one organisation or building named
    earlier in the article whose own head word it is ("the Maritime Safety Authority")."""
    if len(tokens) != 2 or tokens[0].lower_ != "the" or tokens[1].pos_ != "NOUN":
        return None
    noun = tokens[1]
    names = _names_by_head(noun.doc).get(noun.lemma_.lower(), [])
    if len({text for text, _ in names}) != 1 or names[0][1] > noun.i:
        return None
    return names[0][0]


@per_article
def _names_by_head(doc: Doc) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for ent in doc.ents:
        if ent.label_ in ("ORG", "FAC") and len(ent) > 1:
            text = re.sub(r"^the\s+", "", ent.text, flags=re.IGNORECASE)
            out.setdefault(ent.root.lemma_.lower(), []).append((text, ent.start))
    return out


def _resolve_subject(tokens: list[Token], ctx: ArticleContext) -> list[str | Token] | None:
    """The subject phrase for after the auxiliary: lower-cased if common, a pronoun resolved or
    refused."""
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0].pos_ == "PRON":
        antecedent = ctx.antecedents.get(tokens[0].i)
        if antecedent is None:
            return None
        tokens = list(antecedent)
    first = tokens[0]
    if first.tag_ in ("VBN", "VBG") and first.pos_ == "VERB":
        return None  # "Dubbed Skylab, it was ...": a participle is no part of the name
    if all(t.like_num or t.lower_ in AMOUNT_WORDS for t in tokens):
        return None  # "26% were students", "over 61 per cent attend": 26% of whom?
    if first.lower_ in ("per", "percent", "%"):
        return None  # "Over 61 [per cent of students]": the parser took the number away
    if [t.lower_ for t in tokens[:2]] == ["up", "to"]:
        return None  # "Where did up to 70 miles per hour make landfall?": a measure, no subject
    if any(_fragment(t) for t in tokens):
        return None  # "c. 1,300,000 people", "al-Nimeiry" cut to "al": a name in pieces
    if len(tokens) == 1 and tokens[0].lower_ in QUANTIFIERS | {"others", "none"}:
        return None  # "but many went to France": "Which country did many go to?"
    core = [t for t in tokens if t.lower_ not in ("only", "just", "the", "a", "an")]
    if len(core) == 1 and core[0].lemma_.lower() in GENERIC_PEOPLE and not core[0].ent_type_:
        return None  # "Where did the man work?", "Where are people established?": who?
    named = _named_before(tokens)
    if named is not None:
        return ["the", named]  # "When did the authority inspect it?": which authority?
    if first.lower_ in ("a", "an") and first.dep_ == "det":
        tokens = ["the", *tokens[1:]]  # "a plan that ..." was introduced; now it is "the plan"
    elif (
        first.pos_ == "DET"
        or first.lower_ in ("both", "either", "neither")  # "Both B cells and T cells"
        or (
            first.pos_ in ("NOUN", "ADJ", "NUM", "ADV", "ADP")
            and (
                not first.ent_type_
                or (first.is_alpha and first.pos_ in ("NUM", "ADV", "ADP"))
                or (first.is_alpha and first.ent_type_ in ("CARDINAL", "ORDINAL", "QUANTITY"))
            )  # "Thousands of dock workers", "Three wards": no name
            and first.tag_ != "NNP"
            and not (
                first.text.isupper() or any(c.isupper() for c in first.text[1:])
            )  # "NK", "mRNA"
            and not (first.dep_ == "compound" and len(tokens) > 1 and _capitalised(tokens[1]))
        )
    ):  # "Death Wish Coffee" is a name, whatever the tagger calls "Death"
        tokens = [first.text.lower(), *tokens[1:]]
    return _enrich(list(tokens), ctx.enrich)


POINT_IN_TIME = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|\d{4}|\d{1,2}:\d{2}"
    r"|\d{1,2}(?:\.\d{2})?\s*[ap]\.m\.|noon|midnight)"
    r"|\b(yesterday|today|tomorrow|morning|evening|night)\b",
    re.IGNORECASE,
)


def is_point(tokens: list[Token]) -> bool:
    """A date or time one can ask "when" of: not a duration ("every 11 days")."""
    text = _text(tokens)
    return bool(POINT_IN_TIME.search(text)) and not re.search(
        r"\b(every|each|for|over|more than|less than|about|between|years|decades|period)\b",
        text,
        re.IGNORECASE,
    )


def _enrich(words: list[str | Token], enrich: dict[str, str]) -> list[str | Token]:
    """ "the airstrike" becomes "the Russian airstrike" when the headline says which one."""
    if len(words) == 2 and isinstance(words[1], Token) and str(words[0]).lower() == "the":
        fuller = enrich.get(enrich_key(words[1]))
        if fuller:
            return [str(words[0]), fuller]
    return words


def enrich_key(noun: Token) -> str:
    """A noun's lemma and number: the headline's "British victories" is no fuller form of the
    text's "the victory"."""
    return noun.lemma_.lower() + ("+s" if noun.tag_ in ("NNS", "NNPS") else "")


DEMONSTRATIVES = {"this", "these", "those", "such"}


def _has_bad_pronoun(words: Iterable[str | Token]) -> bool:
    """A pronoun or "this virus" pointing outside the question."""
    return any(
        isinstance(w, Token)
        and (
            (w.lower_ in BAD_PRONOUNS and w.dep_ in ARGUMENT_DEPS and w.tag_ != "PRP$")
            or (w.lower_ in DEMONSTRATIVES and w.dep_ in ("det", "amod", "predet"))
            or (w.lower_ in ("here", "there") and w.dep_ == "advmod")  # "born here"
        )
        for w in words
    )


def _base(verb: Token) -> str:
    """The bare form after "did": the parser's lemma when the word list allows it, for it knows
    the context ("lay" of "lie" or of "lay"); else the list's ("gusting" is "gust", not the
    parser's "guste")."""
    known = getLemma(verb.text.lower(), upos="VERB")
    return verb.lemma_ if not known or verb.lemma_ in known else known[0]


def _active_form(verb: Token, auxes: list[Token], tense: str) -> list[str] | None:
    """A passive's verb group said actively after "Who": "was commanded" is "commanded", "has
    been introduced" is "has introduced", "will be built" is "will build". None where it does
    not turn simply ("is being built", "was not chosen")."""
    # "zones envisioned by", "was established in 1865 and designed by"
    reduced = not auxes and verb.tag_ == "VBN"
    if not (reduced or any(a.dep_ == "auxpass" for a in auxes)) or any(
        a.lower_ in ("being", "to") for a in auxes
    ):
        return None
    if any(c.dep_ == "neg" for c in verb.children):
        return None
    base = _base(verb)
    kept = [a for a in auxes if a.dep_ == "aux"]
    if not kept:
        form = getInflection(base, "VBD" if tense == "past" else "VBZ")
        return [form[0]] if form else None
    words = [{"have": "has", "are": "is", "were": "was"}.get(a.lower_, a.lower_) for a in kept]
    if kept[-1].lemma_ == "have":
        form = getInflection(base, "VBN")
        return [*words, form[0]] if form else None
    if kept[-1].tag_ == "MD":
        return [*words, base]
    return None


def _stranded_after_another(words: list[str | Token], verb: Token) -> bool:
    """A question ending in a preposition that reads badly there: "by" ("How many guests was
    the dinner attended by?"), or one with another phrase of the verb before it."""
    last = words[-1] if words else None
    if not isinstance(last, Token) or last.dep_ not in ("prep", "agent") or last.pos_ != "ADP":
        return False  # "1973-74": the parser may call the "74" a preposition
    return last.lower_ == "by" or any(
        isinstance(w, Token) and w.dep_ in ("prep", "agent") and w.i > verb.i and w is not last
        for w in words
    )


def _their(body: list[str | Token]) -> list[str | Token]:
    """ "Who achieved recognition for her research?" rules out every man among the options: the
    wh-subject's own "his" or "her" becomes "their". A pronoun after another person's name may
    be that person's, and stays."""
    out: list[str | Token] = []
    named = False
    for t in body:
        if isinstance(t, Token):
            named = named or t.ent_type_ == "PERSON"
            if t.tag_ == "PRP$" and t.lower_ in ("his", "her") and not named:
                out.append("their")
                continue
        out.append(t)
    return out


def _agree_singular(
    body: list[Token], verb: Token, auxes: list[Token], *, plural: bool
) -> list[str | Token]:
    """After a singular wh-subject the verb agrees: "Who agrees", "What was launched"."""
    if plural:
        return list(body)
    swap = {"are": "is", "were": "was", "have": "has", "do": "does"}
    first_aux = auxes[0] if auxes else None
    out: list[str | Token] = []
    for t in body:
        if first_aux is not None and t.i == first_aux.i and t.lower_ in swap:
            out.append(swap[t.lower_])
        elif first_aux is not None and t.i == first_aux.i and t.tag_ == "VBP":
            # "What becomes activated", not "What become activated"
            out.append((getInflection(_base(t), "VBZ") or (t.text,))[0])
        elif first_aux is None and t.i == verb.i and verb.tag_ == "VBP":
            out.append((getInflection(_base(verb), "VBZ") or (verb.text,))[0])
        else:
            out.append(t)
    return out


FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}
# the auxiliaries that go before the subject in a question
INVERTING = {
    "be", "have", "do", "will", "would", "shall", "should", "can", "could", "may", "might",
    "must", "ought", "to",
}  # fmt: skip
CONTROL_VERBS = {
    "plan", "hope", "agree", "want", "try", "decide", "aim", "expect", "refuse", "fail",
    "manage", "begin", "start", "continue", "seek", "promise", "intend", "need", "wish", "vow",
    "threaten", "offer", "prepare", "attempt", "choose", "pledge",
}  # fmt: skip
IDIOM_VERBS = {
    "take",
    "make",
    "come",
    "give",
    "play",
    "pay",
    "keep",
    "draw",
    "catch",
    "set",
    "run",
}
SKIPPED_ADVERBS = {
    "also", "however", "meanwhile", "then", "even", "still", "thus", "therefore", "furthermore",
    "moreover", "additionally", "incidentally", "indeed", "nevertheless", "instead", "too",
}  # fmt: skip


def _starts_finite(words: list[str | Token]) -> bool:
    """The first verb after the wh-phrase must carry tense (adverbs may come before it)."""
    for w in words:
        if isinstance(w, str):
            return w.lower() in FINITE_WORDS or (w.lower() not in ("to",) and w[:1].islower())
        if w.pos_ in ("ADV", "PART") and w.tag_ != "TO":
            continue
        return w.tag_ in FINITE_TAGS
    return False


FINITE_WORDS = {"did", "does", "do", "was", "were", "is", "are", "has", "have", "had"}


def _tense(verb: Token) -> str:
    if (
        verb.dep_ == "acl"
        and verb.tag_ == "VBN"
        and any(t.ent_type_ == "DATE" for t in verb.subtree)
    ):
        return "past"  # "the university, established in 1890, is ...": was established
    t = verb
    for _ in range(4):
        auxes = [c for c in t.children if c.dep_ in ("aux", "auxpass") and c.lower_ != "to"]
        if auxes:
            return "past" if auxes[0].tag_ in ("VBD",) else "present"
        if t.tag_ in ("VBD",):
            return "past"
        if t.tag_ in ("VBZ", "VBP"):
            return "present"
        if t.head is t:
            break
        t = t.head
    return "past"


def _is_plural(token: Token) -> bool:
    return token.tag_ in ("NNS", "NNPS") or any(c.dep_ == "conj" for c in token.children)


def _do_form(tense: str, subject: Token) -> str:
    if tense == "past":
        return "did"
    return "do" if _is_plural(subject) or subject.lower_ in ("i", "you") else "does"


def _be_form(tense: str, *, plural: bool) -> str:
    if tense == "past":
        return "were" if plural else "was"
    return "are" if plural else "is"


def _join(words: list[str | Token]) -> str:
    out = ""
    prev: str | Token | None = None
    for w in words:
        text = w.text if isinstance(w, Token) else w
        if prev is None:
            sep = ""
        elif isinstance(prev, Token) and isinstance(w, Token) and w.i == prev.i + 1:
            sep = prev.whitespace_
        elif (
            isinstance(prev, Token)
            and isinstance(w, Token)
            and w.i == prev.i + 2
            and prev.doc[prev.i + 1].text in (",", ";")
            and w.pos_ not in ("VERB", "AUX")
            and prev.pos_ not in ("VERB", "AUX")
        ):
            sep = prev.doc[prev.i + 1].text + " "  # "algebra, algebraic number theory"
        elif text in NO_SPACE_BEFORE or text.startswith("'"):
            sep = ""
        else:
            sep = " "
        out += sep + text
        prev = w
    return out.strip()


def _text(tokens: Iterable[Token]) -> str:
    return _join(list(tokens))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _head_of(tokens: list[Token]) -> Token:
    ids = {t.i for t in tokens}
    for t in tokens:
        if t.head.i not in ids or t.head is t:
            return t
    return tokens[-1]
