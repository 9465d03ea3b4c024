"""Helpers for the reliability tests: a stored quiz without the generator, the bot as a process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bot.sandbox import SandboxServer
from storage import Store

QUIZBOT = Path(sys.executable).parent / "quizbot"
ARTICLE = (
    "The city council approved a new bridge on Monday after a long debate. "
    "The bridge will cost 40 million euros and open in 2028. "
    "Engineers said the old crossing could no longer carry buses safely."
)


def question(n: int) -> dict[str, Any]:
    return {
        "id": f"q{n}",
        "kind": "what",
        "question": f"What did the council decide, part {n}?",
        "options": [f"Option {n}.{i}" for i in range(4)],
        "answer_index": n % 4,
        "explanation": f"Part {n} says so.",
        "evidence": {"text": "The city council approved a new bridge.", "start": 0, "end": 38},
        "difficulty": "medium",
        "score": 0.75,
    }


def stored_quiz(
    db_path: Path, teacher: dict[str, Any], n: int = 4, *, title: str = "Bridge", publish=True
) -> int:
    """A quiz of `n` fixed questions owned by `teacher`, published unless told otherwise."""
    with Store(db_path) as store:
        store.upsert_user(teacher["id"], first_name=teacher["first_name"])
        article = store.save_article(teacher["id"], title=title, text=ARTICLE, source="b.txt")
        quiz = store.save_quiz(article.id, title=title, questions=[question(i) for i in range(n)])
        if publish:
            store.publish_quiz(quiz.id)
        return quiz.id


def start_bot(server: SandboxServer, db: Path, log: Path, **env: str) -> subprocess.Popen:
    """`quizbot run` against the stand-in, its output appended to `log`."""
    environ = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "QUIZBOT_API_URL": server.url,
        "QUIZBOT_DB": str(db),
        "QUIZBOT_SECONDS_PER_QUESTION": "120",
        "QUIZBOT_LOG_LEVEL": "INFO",
        **env,
    }
    with log.open("ab") as out:
        return subprocess.Popen([str(QUIZBOT), "run"], env=environ, stdout=out, stderr=out)


async def stop_bot(bot: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    """Signal the bot and wait for it to exit (killed after 30 s); its exit code."""
    bot.send_signal(sig)
    try:
        return await asyncio.to_thread(bot.wait, 30)
    except subprocess.TimeoutExpired:
        bot.kill()
        return await asyncio.to_thread(bot.wait)
