"""`quizbot generate` and `quizbot play`: the generator from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TextIO

from questions import ArticleError, Question, Quiz, generate_quiz, load_article

USER_ERRORS: tuple[type[Exception], ...] = (ArticleError,)
LETTERS = "ABCDEFGHIJKL"


def register(sub: argparse._SubParsersAction) -> None:
    """Add `generate` and `play` to the `quizbot` parser."""
    gen = sub.add_parser("generate", help="write a quiz for each article (file or URL)")
    gen.add_argument("sources", nargs="+", metavar="PATH_OR_URL")
    gen.add_argument(
        "-n", dest="n", default="10", type=_count, help="questions per quiz, or 'all' (default 10)"
    )
    gen.add_argument("--seed", type=int, default=0, help="seed for option order (default 0)")
    gen.add_argument("--json", action="store_true", help="one JSON object per article per line")
    gen.set_defaults(handler=cmd_generate)

    play = sub.add_parser("play", help="play an article's quiz in the terminal")
    play.add_argument("source", metavar="PATH_OR_URL")
    play.add_argument("-n", dest="n", default="10", type=_count)
    play.add_argument("--seed", type=int, default=0)
    play.set_defaults(handler=cmd_play)


def _count(value: str) -> int | None:
    if value == "all":
        return None
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("give a number of questions or 'all'") from None
    if n < 1:
        raise argparse.ArgumentTypeError("ask for at least one question")
    return n


def cmd_generate(args: argparse.Namespace) -> int:
    """Print a quiz per source; a source that fails gets one line on stderr and exit code 2."""
    failed = 0
    total = len(args.sources)
    for i, source in enumerate(args.sources, 1):
        if total > 1:
            _progress(i - 1, total, source)
        try:
            quiz = generate_quiz(load_article(source), n=args.n, seed=args.seed)
        except ArticleError as exc:
            if total > 1:
                _progress_clear()
            print(f"quizbot: {exc}", file=sys.stderr)
            failed += 1
            continue
        if total > 1:
            _progress_clear()
        if args.json:
            print(json.dumps(quiz.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(render_quiz(quiz), flush=True)
    if total > 1:
        _progress(total, total, "done")
        _progress_clear()
    return 2 if failed else 0


def render_quiz(quiz: Quiz) -> str:
    lines = [quiz.title, "=" * min(len(quiz.title), 79), ""]
    for number, q in enumerate(quiz.questions, 1):
        lines.append(f"{number}. {q.question}  [{q.kind}, {q.difficulty}]")
        lines.extend(f"   {LETTERS[i]}) {option}" for i, option in enumerate(q.options))
        lines.append(f"   Answer: {LETTERS[q.answer_index]}) {q.answer}")
        lines.append(f"   Evidence: {q.evidence.text}")
        lines.append("")
    if not quiz.questions:
        lines.append("(no question passed the checks for this article)")
    return "\n".join(lines)


def cmd_play(args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    """Ask each question, read a letter, tell right or wrong with the evidence, then the score."""
    stdin = stdin or sys.stdin
    quiz = generate_quiz(load_article(args.source), n=args.n, seed=args.seed)
    if not quiz.questions:
        print("No question passed the checks for this article.")
        return 0
    print(f"{quiz.title}\n{len(quiz.questions)} questions. Answer with a letter; q quits.\n")
    right = 0
    started = time.monotonic()
    for number, q in enumerate(quiz.questions, 1):
        choice = _ask(number, q, stdin)
        if choice is None:
            print("\nStopped.")
            break
        if choice == q.answer_index:
            right += 1
            print("Right.\n")
        else:
            print(f"Wrong: it is {LETTERS[q.answer_index]}) {q.answer}.")
            print(f"  The article says: {q.explanation}\n")
    elapsed = time.monotonic() - started
    print(f"Score: {right}/{len(quiz.questions)} in {elapsed:.0f} s")
    return 0


def _ask(number: int, q: Question, stdin: TextIO) -> int | None:
    print(f"{number}. {q.question}")
    for i, option in enumerate(q.options):
        print(f"   {LETTERS[i]}) {option}")
    valid = LETTERS[: len(q.options)]
    while True:
        print("> ", end="", flush=True)
        line = stdin.readline()
        if not line:
            return None
        answer = line.strip().upper()
        if answer == "Q":
            return None
        if len(answer) == 1 and answer in valid:
            return valid.index(answer)
        print(f"Type one of {', '.join(valid)} (or q to quit).")


def _progress(done: int, total: int, label: str) -> None:
    width = 24
    filled = width * done // total
    bar = "#" * filled + "-" * (width - filled)
    print(f"\r[{bar}] {done}/{total} {label[-40:]:<40}", end="", file=sys.stderr, flush=True)


def _progress_clear() -> None:
    print("\r" + " " * 80 + "\r", end="", file=sys.stderr, flush=True)
