"""How often the generator asks what people chose to ask: SQuAD v1.1 dev (first half).

coverage      with n=None, the share of human questions whose answer matches the key of one of
              our non-cloze questions from the same sentence (normalised exact match or token
              F1 >= 0.5), overall and by the human question's wh-type
precision@5   of each paragraph's default top-5 quiz, the share of questions whose key matches a
              human answer from the same sentence
plus questions per 100 words, cloze share, Telegram-limit share and three-distractor share.
The last line printed is one JSON object.

    .venv/bin/python benchmarks/quality.py [--data PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import string
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from questions import ArticleError, Question, article_from_text, generate_quiz, load_pipeline
from questions import model as limits

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared/data/squad-v1.1-dev-a.json"


def normalise(text: str) -> str:
    text = text.lower()
    text = "".join(ch for ch in text if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def f1(prediction: str, truth: str) -> float:
    pred, gold = normalise(prediction).split(), normalise(truth).split()
    common = Counter(pred) & Counter(gold)
    same = sum(common.values())
    if not same:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def matches(key: str, answers: list[str]) -> bool:
    return any(normalise(key) == normalise(a) or f1(key, a) >= 0.5 for a in answers)


def wh_type(question: str) -> str:
    q = question.lower()
    for label, pattern in (
        ("when", r"\b(when|what year|what date|what day|what month|what century)\b"),
        ("how many/much", r"\bhow (many|much)\b"),
        ("who", r"\b(who|whom|whose)\b"),
        ("where", r"\bwhere\b"),
        ("which", r"\bwhich\b"),
        ("what", r"\bwhat\b"),
    ):
        if re.search(pattern, q):
            return label
    return "other"


def within_limits(q: Question) -> bool:
    return (
        1 <= len(q.question) <= limits.MAX_QUESTION_LENGTH
        and limits.MIN_OPTIONS <= len(q.options) <= limits.MAX_OPTIONS
        and all(1 <= len(o) <= limits.MAX_OPTION_LENGTH for o in q.options)
        and len(q.explanation) <= limits.MAX_EXPLANATION_LENGTH
        and q.explanation.count("\n") <= limits.MAX_EXPLANATION_LINE_FEEDS
    )


def same_sentence(q: Question, answer_start: int) -> bool:
    return q.evidence.start <= answer_start < q.evidence.end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="paragraphs to use (default all)")
    args = parser.parse_args()
    data = json.loads(args.data.read_text(encoding="utf-8"))
    paragraphs = [p for article in data["data"] for p in article["paragraphs"]][: args.limit]
    load_pipeline()
    started = time.perf_counter()

    human_total: Counter[str] = Counter()
    human_covered: Counter[str] = Counter()
    top5_total = top5_hits = 0
    all_questions: list[Question] = []
    words = skipped = 0
    examples: list[str] = []
    for paragraph in paragraphs:
        context = paragraph["context"]
        words += len(context.split())
        try:
            article = article_from_text(context, source="squad")
            # A SQuAD paragraph is a passage, not an article: the product's three-sentence
            # minimum for articles is lifted so short passages are measured too.
            everything = generate_quiz(article, n=None, min_sentences=1).questions
            top5 = generate_quiz(article, n=5, min_sentences=1).questions
        except ArticleError:
            skipped += 1
            everything, top5 = (), ()
        all_questions.extend(everything)
        wh_questions = [q for q in everything if q.kind != "cloze"]
        for qa in paragraph["qas"]:
            kind = wh_type(qa["question"])
            human_total[kind] += 1
            answers = [a["text"] for a in qa["answers"]]
            start = qa["answers"][0]["answer_start"]
            if any(same_sentence(q, start) and matches(q.answer, answers) for q in wh_questions):
                human_covered[kind] += 1
        for q in top5:
            top5_total += 1
            hit = any(
                same_sentence(q, qa["answers"][0]["answer_start"])
                and matches(q.answer, [a["text"] for a in qa["answers"]])
                for qa in paragraph["qas"]
            )
            top5_hits += hit
            if len(examples) < 12 and paragraph is not paragraphs[0]:
                examples.append(f"  {'HIT ' if hit else 'miss'} {q.question} -> {q.answer}")
    elapsed = time.perf_counter() - started

    total = sum(human_total.values())
    covered = sum(human_covered.values())
    n_q = len(all_questions)
    figures = {
        "paragraphs": len(paragraphs),
        "paragraphs_refused": skipped,
        "human_questions": total,
        "coverage": round(covered / total, 4) if total else 0.0,
        "coverage_by_type": {
            k: round(human_covered[k] / human_total[k], 4) for k in sorted(human_total)
        },
        "precision_at_5": round(top5_hits / top5_total, 4) if top5_total else 0.0,
        "questions_per_100_words": round(100 * n_q / words, 2) if words else 0.0,
        "cloze_share": round(sum(q.kind == "cloze" for q in all_questions) / n_q, 4) if n_q else 0,
        "within_telegram_limits": round(sum(map(within_limits, all_questions)) / n_q, 4)
        if n_q
        else 0,
        "three_distractors_share": round(sum(len(q.options) == 4 for q in all_questions) / n_q, 4)
        if n_q
        else 0,
        "seconds": round(elapsed, 1),
    }
    by_kind = defaultdict(int)
    for q in all_questions:
        by_kind[q.kind] += 1
    print(f"SQuAD paragraphs: {len(paragraphs)} ({skipped} refused), human questions: {total}")
    print(f"coverage (non-cloze, same sentence): {figures['coverage']:.1%}")
    for kind in sorted(human_total):
        print(
            f"  {kind:<14} {human_covered[kind]:>5}/{human_total[kind]:<5}"
            f" {human_covered[kind] / human_total[kind]:.1%}"
        )
    print(f"precision@5: {figures['precision_at_5']:.1%} of {top5_total} top-5 questions")
    print(f"questions per 100 words (n=None): {figures['questions_per_100_words']}")
    print(f"question kinds (n=None): {dict(sorted(by_kind.items()))}")
    print(f"cloze share: {figures['cloze_share']:.1%}")
    print(f"within Telegram limits: {figures['within_telegram_limits']:.1%}")
    print(f"with three distractors: {figures['three_distractors_share']:.1%}")
    print("sample of top-5 questions:")
    print("\n".join(examples))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    sys.exit(main())
