"""The quiz generator: a news article in, a checked multiple-choice quiz out.

Pure but for loading the spaCy model (and reading the file or URL it is handed)."""

from questions.generate import generate_quiz
from questions.ingest import article_from_bytes, article_from_text, load_article
from questions.model import Article, ArticleError, Evidence, Question, Quiz
from questions.parse import load_pipeline

__all__ = [
    "Article",
    "ArticleError",
    "Evidence",
    "Question",
    "Quiz",
    "article_from_bytes",
    "article_from_text",
    "generate_quiz",
    "load_article",
    "load_pipeline",
]
