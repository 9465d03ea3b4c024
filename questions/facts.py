"""Stage 3: clause-level facts — a predicate with its roles — from a parsed Doc.

Facts come from main clauses and from those hidden in relative clauses ("the airstrike, which
killed ..."), participial phrases ("a bomb dropped by a warplane"), coordinated verbs ("killed ...
and injured ..."), control verbs ("telephoned X to offer ...") and passives. Nothing here mutates
the Doc; a fact holds token indices into it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import TypeVar

from spacy.tokens import Doc, Span, Token

T = TypeVar("T")


def per_article(build: Callable[[Doc], T]) -> Callable[[Doc], T]:
    """`build(doc)`, worked out once per article and kept in the Doc."""
    key = f"quizbot_{build.__name__}"

    @functools.wraps(build)
    def once(doc: Doc) -> T:
        if key not in doc.user_data:
            doc.user_data[key] = build(doc)
        return doc.user_data[key]

    return once


SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
RELATIVE_WORDS = {"which", "who", "that", "whom", "whose"}
PLACE_PREPS = {"in", "at", "near", "inside", "outside", "within", "across", "throughout", "into"}
TIME_PREPS = {"on", "in", "at", "during", "by", "until", "before", "after", "since", "from"}
TIME_LABELS = {"DATE", "TIME"}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
# Verbs whose content is somebody's words: the quiz asks about facts, not who said them.
SPEECH_VERBS = {
    "say", "tell", "add", "report", "announce", "state", "claim", "note", "explain", "write",
    "describe", "insist", "argue", "warn", "confirm", "deny", "quote", "ask", "reply", "suggest",
}  # fmt: skip
NO_FACT_VERBS = {"do", "get", "seem", "appear"}
# "urge X to do": X is asked to, which says nothing about whether X did it
OBJECT_CONTROL = {
    "urge", "ask", "tell", "persuade", "force", "order", "allow", "encourage", "invite",
    "require", "permit", "advise", "beg", "call", "press", "push", "pressure", "challenge",
    "instruct", "warn", "remind", "convince", "expect", "want",
}  # fmt: skip
COUNT_ONLY_VERBS = {"have"}  # "Victoria has 37 seats": worth a count, nothing else
# Children of a phrase that the question or the key can do without.
PRUNED_DEPS = {"relcl", "appos", "parataxis", "advcl", "punct", "cc", "conj", "mark", "preconj"}


@dataclass(frozen=True, slots=True)
class Role:
    """One argument of a predicate: `head` is its head token, `prep` the preposition token that
    introduces it (or -1)."""

    name: str  # agent, patient, recipient, place, time, attribute, oblique
    head: int
    prep: int = -1


@dataclass(frozen=True, slots=True)
class Fact:
    verb: int
    lemma: str
    passive: bool
    subject: int  # head token of the grammatical subject
    subject_inherited: bool  # taken from a relative clause's noun, a coordinated verb, ...
    roles: tuple[Role, ...]
    sentence: int  # index of the sentence's first token

    def role(self, name: str) -> Role | None:
        return next((r for r in self.roles if r.name == name), None)


def extract_facts(doc: Doc) -> Iterator[Fact]:
    """Yield every fact whose predicate has a subject we can name."""
    quoted = _quoted_tokens(doc)
    for token in doc:
        if token.pos_ not in ("VERB", "AUX") or token.i in quoted:
            continue
        if token.pos_ == "AUX" and token.dep_ not in ("ROOT", "ccomp", "conj", "relcl"):
            continue
        if token.lemma_.lower() in NO_FACT_VERBS:
            continue
        if token.lemma_.lower() in SPEECH_VERBS and any(
            c.dep_ in ("ccomp", "parataxis") or c.text == '"' for c in token.children
        ):
            continue  # "X said that ...": the words, not a fact
        if token.dep_ == "acl" and token.tag_ == "VBG":
            continue  # "a warplane targeting ...": no tense to ask in
        if _not_asserted(token):
            continue  # "thinking Norwood had called a fair catch": he had not
        if _misparsed(token):
            continue  # "The agreement aimed to prevent ...", read as a noun phrase
        fact = _fact_for(token)
        if fact is not None:
            yield fact


# Verbs whose clause is what someone believed, feared or claimed, not what happened.
BELIEF_VERBS = {
    "think", "believe", "assume", "suppose", "expect", "fear", "hope", "suspect", "imagine",
    "doubt", "guess", "pretend", "wish", "presume", "speculate", "hypothesise", "hypothesize",
    "claim", "allege", "contend", "argue", "insist", "deny",
}  # fmt: skip
CONDITIONS = {"if", "unless", "whether", "lest"}
# Nouns whose "that" clause is what someone wanted, said, feared or found some evidence of
CLAIM_NOUNS = {
    "call", "claim", "demand", "hope", "belief", "fear", "idea", "suggestion", "proposal",
    "threat", "promise", "view", "theory", "rumour", "rumor", "allegation", "assertion",
    "expectation", "wish", "insistence", "argument", "hypothesis", "evidence", "proof", "sign",
    "indication", "doubt", "suspicion", "possibility", "chance", "risk", "speculation",
    "concern", "warning", "report",
}  # fmt: skip
NOBODY = {"none", "nobody", "neither", "nothing", "noone"}


def _not_asserted(verb: Token) -> bool:
    """The verb stands in a clause the text does not claim is true: under a verb of belief
    ("apparently thinking Norwood had called a fair catch") or a condition ("If two identical
    fermions ...")."""
    if _content_of_a_claim(verb):
        return True
    t = verb
    while True:
        if any(c.dep_ == "mark" and c.lower_ in CONDITIONS for c in t.children):
            return True  # also "If two fermions have ..." parsed as the main clause
        if t.tag_ in ("VBP", "VBZ") and any(
            c.dep_ in ("mark", "advmod") and c.lower_ in ("when", "whenever") for c in t.children
        ):
            return True  # "When two forces act on a particle, ...": a rule, not an event
        if t.dep_ not in ("ccomp", "conj", "advcl", "xcomp") or t.head is t:
            return False
        if t.head.lemma_.lower() in BELIEF_VERBS and (
            t.dep_ in ("ccomp", "advcl") or (t.dep_ == "xcomp" and t.i != verb.i)
        ):
            return True  # also a clause under "expected to lift the notice, once ..."; "hoped
            # to collect" itself is asked with its "hope"
        if t.dep_ == "xcomp" and any(c.dep_ == "neg" for c in t.head.children):
            return True  # "were not bound to apply an EU law": they did not apply it
        if t.dep_ in ("ccomp", "acl") and (
            t.head.lemma_.lower() in CLAIM_NOUNS
            or any(
                c.dep_ == "dobj" and c.lemma_.lower() in CLAIM_NOUNS and c.i < t.i
                for c in t.head.children
            )
        ):
            return True  # "repeated his call that Israel shall vanish": a call, not a fact
        t = t.head


def _content_of_a_claim(verb: Token) -> bool:
    """ "his call that Israel shall vanish", which the parser hung elsewhere: a "that" of the
    clause straight after a noun of saying or wanting, and a subject of the clause's own."""
    doc = verb.doc
    return any(
        c.lower_ == "that" and c.i > 0 and doc[c.i - 1].lemma_.lower() in CLAIM_NOUNS
        for c in verb.children
    ) and any(c.dep_.startswith("nsubj") and c.lower_ != "that" for c in verb.children)


def _misparsed(verb: Token) -> bool:
    """The parser missed the sentence's main verb, and the verb's clause hangs from what it took
    for the main word: "The agreement [aimed to prevent Germany ...]" as a noun phrase with a
    participle, or "Cowper, Nobel Prize [winning] physicist Peter Higgs, and Neville were born"
    with a bare "-ing" form for its root; or it joined a noun to the verb as a second verb and
    hung the noun's own words on the verb ("bordered by A to the south, ..., and South
    Australia [to the west]"); or it gave the verb a name as an adverb, or an object from
    beyond another clause. Who does what there is guesswork."""
    if any(c.dep_ == "npadvmod" and c.ent_type_ in ("PERSON", "ORG") for c in verb.children):
        return True  # "changed course after the chief executive, [Miriam Adeyemi], warned"
    doc = verb.doc
    for obj in (c for c in verb.children if c.dep_ == "dobj" and c.i > verb.i):
        between = doc[verb.i + 1 : obj.left_edge.i]
        if any(t.text == "," for t in between) and any(
            t.tag_ in ("VBD", "VBZ", "VBP") for t in between
        ):
            return True  # "began on March 3, when nurses walked out over ... and [a pay freeze]"
    nouns = [c.i for c in verb.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN")]
    if nouns and any(c.i > nouns[0] and not c.is_punct for c in verb.children):
        return True  # "bordered by A to the south, ..., and [South Australia] to the west"
    ands = [c.i for c in verb.children if c.dep_ == "cc"]
    if (
        ands
        and not any(c.dep_ == "conj" for c in verb.children)
        and any(c.dep_ == "prep" and c.i > ands[0] for c in verb.children)
    ):
        return True  # "found near Ballarat, and later [at Bendigo]": two places on one verb
    t = verb
    while t.dep_ in ("xcomp", "conj", "advcl", "ccomp") and t.head is not t:
        t = t.head
    if t.dep_ == "acl" and t.head.dep_ == "ROOT" and t.head.pos_ in ("NOUN", "PROPN"):
        return t.head.i < t.i and t.tag_ in ("VBD", "VBN")
    return (
        t.dep_ == "ROOT"
        and t.tag_ == "VBG"
        and not any(c.dep_ in ("aux", "auxpass") for c in t.children)
    )


def phrase_tokens(token: Token, *, keep_conj: bool = True) -> list[Token]:
    """The tokens of the phrase headed by `token`, without relative clauses, appositions and
    other asides; coordinated members stay when `keep_conj`. Worked out once per head word and
    article: the stages ask for the same phrases many times."""
    cache = token.doc.user_data.setdefault("quizbot_phrases", {})
    found = cache.get((token.i, keep_conj))
    if found is None:
        found = cache[(token.i, keep_conj)] = _phrase_tokens(token, keep_conj)
    return list(found)


def _phrase_tokens(token: Token, keep_conj: bool) -> list[Token]:
    keep: list[Token] = []

    def walk(t: Token) -> None:
        for child in t.children:
            if child.i < t.i and _keeps(child, keep_conj):
                walk(child)
        keep.append(t)
        for child in t.children:
            if child.i > t.i and _keeps(child, keep_conj):
                walk(child)

    walk(token)
    kept = {t.i for t in keep}
    bracketed = inside_dropped_brackets(keep, kept)
    keep = [
        t
        for t in keep
        if t.i not in bracketed
        and (t.text != "," or (t.i - 1 in kept and t.i + 1 in kept and t.i + 1 < len(t.doc)))
    ]
    while keep and (keep[0].is_punct or keep[0].is_space):
        keep.pop(0)
    while keep and (keep[-1].is_punct or keep[-1].is_space) and keep[-1].text != "%":
        keep.pop()
    return _balance_quotes(keep)


def marks_between(doc: Doc, first: int, last: int, marks: str) -> bool:
    """Whether a token from `first` to `last` is one of `marks` ("(", "[", "/"): looked up in a
    per-article list, since most phrases have none."""
    found = doc.user_data.get("quizbot_marks")
    if found is None:
        found = doc.user_data["quizbot_marks"] = [(t.i, t.text) for t in doc if t.text in "([/"]
    return any(first <= i <= last and text in marks for i, text in found)


def inside_dropped_brackets(tokens: list[Token], kept: Collection[int]) -> set[int]:
    """Kept tokens that stood inside brackets the phrase lost: "American Football Conference
    (AFC) champion" would read "American Football Conference AFC champion"."""
    if not tokens:
        return set()
    doc = tokens[0].doc
    if not marks_between(doc, tokens[0].i, tokens[-1].i, "(["):
        return set()  # most phrases: no brackets to look inside
    out: set[int] = set()
    opened = -1
    for i in range(tokens[0].i, tokens[-1].i + 1):
        text = doc[i].text
        if text in ("(", "["):
            opened = i
        elif text in (")", "]"):
            opened = -1
        elif opened >= 0 and opened not in kept and i in kept:
            out.add(i)
    return out


def _keeps(child: Token, keep_conj: bool) -> bool:
    if child.is_space:
        return False
    if child.dep_ in ("conj", "cc", "preconj"):
        return keep_conj
    if child.dep_ == "punct":
        return child.text in ('"', "-", "'", ",")
    if child.dep_ == "acl" and child.i > 0 and child.doc[child.i - 1].text == ",":
        return False
    if child.dep_ == "relcl" and child.left_edge.lower_ == "to" and child.left_edge.i > 0:
        # "the first person to fly in space": an infinitive that says which person
        return child.doc[child.left_edge.i - 1].text != ","
    return child.dep_ not in PRUNED_DEPS


def _balance_quotes(tokens: list[Token]) -> list[Token]:
    if sum(t.text == '"' for t in tokens) % 2:
        return [t for t in tokens if t.text != '"']
    return tokens


def _quoted_tokens(doc: Doc) -> set[int]:
    """Tokens inside long direct quotes ("...", said X): words, not facts, to the quiz."""
    inside: set[int] = set()
    for sent in doc.sents:
        marks = [t.i for t in sent if t.text == '"']
        for start, end in zip(marks[::2], marks[1::2], strict=False):
            if end - start > 6:
                inside.update(range(start, end + 1))
    return inside


def _fact_for(verb: Token) -> Fact | None:
    subject, inherited = _subject(verb)
    if subject is None or (subject.pos_ == "PRON" and subject.lower_ in RELATIVE_WORDS):
        return None
    if subject.lower_ in NOBODY or any(
        c.dep_ == "det" and c.lower_ == "no" for c in subject.children
    ):
        return None  # "None of the players attempted a tackle": nothing happened to ask about
    passive = (
        any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children)
        or (
            verb.dep_ in ("acl", "relcl")
            and verb.tag_ == "VBN"
            and not any(c.dep_ in ("aux", "nsubj") for c in verb.children)
        )
        or (  # "was established in 1865 and designed by X": the second is passive too
            inherited
            and verb.dep_ == "conj"
            and verb.tag_ == "VBN"
            and any(c.dep_ == "auxpass" for c in verb.head.children)
        )
        or (  # "promoted as a blueprint and approved by voters in 2000"
            verb.tag_ == "VBN"
            and any(c.dep_ == "agent" for c in verb.children)
            and not any(c.dep_ in ("aux", "nsubj") for c in verb.children)
        )
    )
    if passive and verb.dep_ == "acl" and verb.sent.root.pos_ in ("NOUN", "PROPN"):
        return None  # "Whitby, who had come on, scored": a verb the parser took for a participle
    if (
        passive
        and verb.dep_ == "conj"
        and not any(c.dep_ in ("auxpass", "nsubjpass", "agent") for c in verb.children)
    ):
        return None  # "was left unmarked and scored": the second verb is not passive
    roles: list[Role] = []
    if passive:
        roles.append(Role("patient", subject.i))
    elif verb.lemma_ == "be" or verb.pos_ == "AUX":
        roles.append(Role("theme", subject.i))
    else:
        roles.append(Role("agent", subject.i))
    for child in verb.children:
        role = _role_of(child, verb)
        if role is not None and role.head != subject.i:
            roles.append(role)
    if inherited and verb.dep_ == "conj":
        roles += _fronted_setting(verb.head, roles)
    # "the report which she wrote": the relative pronoun stands for the noun.
    if relative_object(verb) is not None:
        roles.append(Role("patient", verb.head.i))
    if len(roles) < 2 and not (passive and roles):
        return None
    return Fact(
        verb=verb.i,
        lemma=verb.lemma_.lower(),
        passive=passive,
        subject=subject.i,
        subject_inherited=inherited,
        roles=tuple(roles),
        sentence=verb.sent.start,
    )


def relative_object(verb: Token) -> Token | None:
    """The relative pronoun a relative clause's verb takes as its object ("which" in "a fumble
    which Trevathan recovered"), if any."""
    if verb.dep_ != "relcl":
        return None
    return next(
        (c for c in verb.children if c.dep_ == "dobj" and c.lower_ in RELATIVE_WORDS - {"whose"}),
        None,
    )


def _fronted_setting(first: Token, roles: list[Role]) -> list[Role]:
    """The time and place a sentence opens with hold for each of its coordinated verbs: "On May
    21, the owners voted and awarded the game to Santa Clara" -- awarded it on May 21."""
    have = {r.name for r in roles}
    out = []
    for child in first.children:
        if child.dep_ != "prep" or child.i > first.i or child.i > first.sent.start + 1:
            continue
        role = _role_of(child, first)
        if role is not None and role.name in ("time", "place") and role.name not in have:
            out.append(role)
    return out


def _subject(verb: Token) -> tuple[Token | None, bool]:
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS:
            if child.lower_ in RELATIVE_WORDS and verb.dep_ == "relcl":
                return verb.head, True
            if child.pos_ == "PRON" and child.lower_ in RELATIVE_WORDS:
                return None, False
            return child, False
    if verb.dep_ == "relcl" and verb.head.pos_ in ("NOUN", "PROPN"):
        # "coordinates provided by the army" parsed as relcl without a pronoun
        return (verb.head, True) if verb.tag_ == "VBN" else (None, False)
    if verb.dep_ == "acl" and verb.head.pos_ in ("NOUN", "PROPN") and verb.tag_ in ("VBN", "VBG"):
        return verb.head, True
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        subject, _ = _subject(verb.head)
        same_voice = not any(c.dep_ in ("aux", "auxpass") for c in verb.children)
        return (subject, True) if same_voice else (None, False)
    if verb.dep_ == "xcomp" and verb.tag_ == "VB" and verb.head.pos_ == "VERB":
        if verb.head.lemma_.lower() in OBJECT_CONTROL and any(
            c.dep_ == "dobj" for c in verb.head.children
        ):
            return None, False  # "urged the US to attack Iran": nobody attacked anyone
        subject, _ = _subject(verb.head)
        return subject, True
    return None, False


def _role_of(child: Token, verb: Token) -> Role | None:
    dep = child.dep_
    if dep == "dobj":
        return Role("patient", child.i)
    if dep == "dative":
        pobj = _pobj(child)
        return Role("recipient", (pobj or child).i, child.i if pobj else -1)
    if dep == "attr":
        return Role("attribute", child.i)
    if dep == "agent":
        pobj = _pobj(child)
        return Role("agent", pobj.i, child.i) if pobj is not None else None
    if dep == "npadvmod" and child.ent_type_ in TIME_LABELS:
        return Role("time", child.i)
    if dep == "prep":
        pobj = _pobj(child)
        if pobj is None:
            return None
        word = child.lower_
        if pobj.ent_type_ in TIME_LABELS and word in TIME_PREPS:
            return Role("time", pobj.i, child.i)
        if pobj.ent_type_ in PLACE_LABELS and word in PLACE_PREPS:
            return Role("place", pobj.i, child.i)
        return Role("oblique", pobj.i, child.i)
    return None


def _pobj(prep: Token) -> Token | None:
    return next((c for c in prep.children if c.dep_ == "pobj"), None)


PERSONAL = {"he", "him", "she"}
PLURAL = {"they", "them"}
NEUTER = {"it"}


# people a named person's kin noun brings into a sentence, whom a later "he" or "she" may mean
KIN = {
    "father", "mother", "son", "daughter", "husband", "wife", "brother", "sister", "parent",
    "grandfather", "grandmother", "grandson", "granddaughter", "uncle", "aunt", "nephew",
    "niece", "cousin", "partner", "child", "boyfriend", "girlfriend", "fiance", "fiancee",
}  # fmt: skip


def resolve_pronouns(doc: Doc) -> dict[int, Span]:
    """Antecedents for subject and object pronouns, where the text leaves no doubt.

    he/she/him: the one person named in this sentence (before the pronoun) or the previous one,
    unless a kin noun after the name brings in another ("whose father ... he");
    they/them and it: the previous sentence's subject when it agrees in number and is not a
    person. Anything less certain stays unresolved, and a question that needs it is dropped."""
    out: dict[int, Span] = {}
    previous_subject: Span | None = None
    previous_sentence: Span | None = None
    people = [e for e in doc.ents if e.label_ == "PERSON"]
    for sent in doc.sents:
        for token in sent:
            word = token.lower_
            if token.pos_ != "PRON" or token.dep_ not in ("nsubj", "nsubjpass", "dobj", "pobj"):
                continue
            if word in PERSONAL:
                window = (previous_sentence or sent).start
                near = [e for e in people if e.end <= token.i and e.start >= window]
                kin = (
                    any(t.lemma_.lower() in KIN for t in doc[max(e.end for e in near) : token.i])
                    if near
                    else False
                )  # "Okafor, whose father tested positive, ... he"
                if len({e[-1].text for e in near}) == 1 and not kin:
                    out[token.i] = max(near, key=len)
            elif word in PLURAL and previous_subject is not None:
                # "it" is left alone: it points at clauses and objects as often as at subjects
                head = previous_subject.root
                # "The Panthers" is a team however the tagger labels it: a plural name
                team = head.tag_ == "NNPS" and len(previous_subject) <= 3
                named = head.ent_type_ in ("ORG", "NORP", "GPE") or head.tag_ == "NNPS"
                if named and (head.ent_type_ != "PERSON" or team):
                    out[token.i] = previous_subject
        root_subject = next(
            (c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")), None
        )
        if root_subject is None:
            previous_subject = None
        elif root_subject.i in out:
            previous_subject = out[root_subject.i]
        elif root_subject.pos_ == "PRON":
            previous_subject = None
        else:
            previous_subject = _naming_span(root_subject)
        previous_sentence = sent
    return out


def _naming_span(token: Token) -> Span:
    """The best name for a subject: its apposed entity ("rivals, Polonia Warsaw"), its own
    entity, or the phrase without asides."""
    doc = token.doc
    for child in token.children:
        if child.dep_ == "appos" and child.ent_type_:
            return _entity_span(child) or doc[child.left_edge.i : child.i + 1]
    entity = _entity_span(token)
    if entity is not None:
        before = entity.start - 1
        if before >= 0 and doc[before].lower_ == "the" and doc[before].head.i == token.i:
            return doc[before : entity.end]  # "the Panthers", not "Panthers"
        return entity
    tokens = phrase_tokens(token, keep_conj=False)
    return doc[tokens[0].i : tokens[-1].i + 1]


def _entity_span(token: Token) -> Span | None:
    if not token.ent_type_:
        return None
    start = token.i
    while start > 0 and token.doc[start].ent_iob_ == "I":
        start -= 1
    end = token.i + 1
    while end < len(token.doc) and token.doc[end].ent_iob_ == "I":
        end += 1
    return token.doc[start:end]
