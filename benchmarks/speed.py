"""Generator speed: model load, words per second through generate_quiz and through the spaCy
pipeline alone on the same texts, the generator's overhead, and the time for a 1,000-word article.

    .venv/bin/python benchmarks/speed.py [--rounds N]

Targets: overhead under 25% of spaCy's own time; a 1,000-word article's quiz under 0.3 s once the
model is loaded; model load under 2 s. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from questions import generate_quiz, load_article, load_pipeline

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def model_load_seconds() -> float:
    """Load time in a fresh interpreter, so nothing is cached."""
    code = (
        "import time; t = time.perf_counter(); from questions import load_pipeline; "
        "load_pipeline(); print(time.perf_counter() - t)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def thousand_words(articles: list) -> str:
    """About 1,000 words of prose made of whole seed paragraphs."""
    paragraphs = [p for a in articles for p in a.text.split("\n\n")]
    out, words = [], 0
    for p in paragraphs:
        if words >= 1000:
            break
        out.append(p)
        words += len(p.split())
    return "Harbour report\n\n" + "\n\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    load_s = min(model_load_seconds() for _ in range(2))
    nlp = load_pipeline()
    articles = [load_article(p) for p in sorted(SEEDS.glob("*.txt"))]
    words = sum(len(a.text.split()) for a in articles)
    for a in articles:  # warm up
        generate_quiz(a)

    spacy_times, quiz_times = [], []
    for _ in range(args.rounds):
        t = time.perf_counter()
        for a in articles:
            nlp(a.text)
            if a.title:
                nlp(a.title)
        spacy_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        for a in articles:
            generate_quiz(a)
        quiz_times.append(time.perf_counter() - t)
    spacy_s = statistics.median(spacy_times)
    quiz_s = statistics.median(quiz_times)
    overhead = (quiz_s - spacy_s) / spacy_s

    text = thousand_words(articles)
    one_k_words = len(text.split())
    times = []
    for _ in range(args.rounds):
        t = time.perf_counter()
        generate_quiz(text)
        times.append(time.perf_counter() - t)
    one_k_s = statistics.median(times)

    figures = {
        "model_load_s": round(load_s, 3),
        "articles": len(articles),
        "words": words,
        "spacy_words_per_s": round(words / spacy_s),
        "generator_words_per_s": round(words / quiz_s),
        "generator_overhead": round(overhead, 4),
        "thousand_word_article_words": one_k_words,
        "thousand_word_quiz_s": round(one_k_s, 4),
    }
    print(f"model load (fresh process): {load_s:.2f} s")
    print(f"{len(articles)} seed articles, {words} words, median of {args.rounds} rounds")
    print(f"spaCy alone:    {figures['spacy_words_per_s']:>7} words/s")
    print(f"generate_quiz:  {figures['generator_words_per_s']:>7} words/s")
    print(f"generator adds {overhead:.1%} to spaCy's time (target < 25%)")
    print(f"{one_k_words}-word article -> quiz in {one_k_s * 1000:.0f} ms (target < 300 ms)")
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
