"""Load: the real bot (`quizbot run`, a subprocess) against the Bot API stand-in (this process).

1,000 simulated students in one group answer each question of a live quiz within a second
while 200 others play the same quiz privately. Rate limits are off: the stand-in enforces none
and the bot's own throttle is off too (QUIZBOT_THROTTLE=off; it still retries 429s), so this
measures the bot's capacity. Measured end to end:

- a group vote: from the vote to the answer stored in SQLite (the bot stamps `answered_at`);
  after the last vote of a question, the time until the bot's next question (its follow-up)
- a private vote: from the vote to the bot's follow-up (the next question, or the result)
  arriving at the stand-in, which is after the answer is stored

Reported: answers per second (answers stored / time from the first vote to the last answer
handled), p50 and p99 latency over all answers, the bot process's peak RSS, and that every
vote was stored exactly once with the option voted. The last line printed is JSON.

With `--rate-limits` the stand-in enforces Telegram's flood limits (1 message/s per chat with
bursts of 3, 20/min per group, 30/s overall) on a smaller class: it counts the 429s it gave
and checks every message the bot meant to send arrived anyway (each 429 was retried).

    .venv/bin/python benchmarks/load.py [--quick] [--rate-limits] [--group N] [--private N]
        [--questions N]

`LOAD_PROFILE=/tmp/bot.prof` runs the bot under cProfile (for finding where its time goes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.sandbox import SandboxServer  # noqa: E402
from storage import Store  # noqa: E402

JSON = dict[str, Any]
GROUP_VOTE_WINDOW_S = 1.0  # every group student answers within this long of the poll
PRIVATE_THINK_S = (0.05, 0.6)

ARTICLE = (
    "Load Test Daily\n\n"
    "The city council approved a new bridge on Monday after a long debate. "
    "The bridge will cost 40 million euros and open in 2028. "
    "Engineers said the old crossing could no longer carry buses safely."
)


def question(n: int) -> JSON:
    return {
        "id": f"q{n}",
        "kind": "what",
        "question": f"What did the council decide in sentence {n}?",
        "options": [f"Option {n}.{i}" for i in range(4)],
        "answer_index": n % 4,
        "explanation": f"Sentence {n} says so.",
        "evidence": {"text": f"Sentence {n}.", "start": 0, "end": 10},
        "difficulty": "medium",
        "score": 0.75,
    }


def published_quiz(db_path: Path, teacher: JSON, questions: int) -> str:
    """A published quiz of `questions` questions; its deep-link code."""
    with Store(db_path) as store:
        store.upsert_user(teacher["id"], first_name=teacher["first_name"])
        article = store.save_article(
            teacher["id"], title="Load Test Daily", text=ARTICLE, source="load.txt"
        )
        quiz = store.save_quiz(
            article.id,
            title="Load Test Daily",
            questions=[question(n) for n in range(questions)],
        )
        return store.publish_quiz(quiz.id).link_code


@dataclass
class Tally:
    """What the simulated users did and what the bot sent, as it happens."""

    group_id: int = 0
    questions: int = 0
    votes: dict[tuple[int, str], tuple[float, list[int], bool]] = field(default_factory=dict)
    private_pending: dict[int, tuple[str, float]] = field(default_factory=dict)
    private_latency_ms: list[float] = field(default_factory=list)
    group_polls: list[str] = field(default_factory=list)
    group_last_vote: dict[str, float] = field(default_factory=dict)
    group_advance_ms: list[float] = field(default_factory=list)
    private_done: set[int] = field(default_factory=set)
    dms: set[int] = field(default_factory=set)
    board: bool = False
    refused_votes: int = 0
    first_vote: float = 0.0
    last_handled: float = 0.0
    sent: Counter[str] = field(default_factory=Counter)
    sent_at: list[tuple[float, int]] = field(default_factory=list)  # (time, chat) accepted
    too_many: int = 0


class Load:
    def __init__(self, server: SandboxServer, args: argparse.Namespace, seed: int = 7) -> None:
        self.server = server
        self.sim = server.sim
        self.args = args
        self.rng = random.Random(seed)
        self.tally = Tally(questions=args.questions)
        self.group_students: list[JSON] = []
        self.players: list[JSON] = []
        self.player_ids: set[int] = set()
        self.group_ids: set[int] = set()
        self.finished = asyncio.Event()
        self.loop = asyncio.get_running_loop()
        self.quiz_code = ""
        self._hook()

    def _hook(self) -> None:
        """See every message the bot sends, and every 429 the stand-in answers, as it happens."""
        record_sent = self.server.api._record_sent
        check = self.server.limiter.check

        def recorded(chat: Any, message: JSON, other: JSON | None) -> JSON:
            result = record_sent(chat, message, other)
            self.on_bot_message(chat.id, message)
            return result

        def checked(chat_id: int, is_group: bool) -> int | None:
            refused = check(chat_id, is_group)
            if refused is not None:
                self.tally.too_many += 1
            return refused

        self.server.api._record_sent = recorded  # type: ignore[method-assign]
        self.server.limiter.check = checked  # type: ignore[method-assign]

    # -- what the bot sends ----------------------------------------------------------------

    def on_bot_message(self, chat_id: int, message: JSON) -> None:
        now = time.perf_counter()
        tally = self.tally
        tally.sent["poll" if "poll" in message else "other"] += 1
        tally.sent_at.append((now, chat_id))
        text = message.get("text") or ""
        if chat_id == tally.group_id:
            last = tally.group_last_vote.get(tally.group_polls[-1]) if tally.group_polls else None
            if ("poll" in message or text.startswith("🏆")) and last is not None:
                tally.group_advance_ms.append((now - last) * 1000)
                tally.last_handled = max(tally.last_handled, now)
            if "poll" in message:
                tally.group_polls.append(message["poll"]["id"])
                self.vote_in_group(message["poll"])
                if len(tally.group_polls) == 1:
                    self.start_players()
            elif text.startswith("🏆"):
                tally.board = True
        elif chat_id in self.player_ids:
            pending = tally.private_pending.get(chat_id)
            follow_up = "poll" in message or text.startswith("🏁")
            if pending is not None and follow_up:
                del tally.private_pending[chat_id]
                tally.private_latency_ms.append((now - pending[1]) * 1000)
                tally.last_handled = max(tally.last_handled, now)
            if "poll" in message:
                delay = self.rng.uniform(*PRIVATE_THINK_S)
                self.loop.call_later(delay, self.vote_private, chat_id, message["poll"])
            elif text.startswith("🏁"):
                tally.private_done.add(chat_id)
        elif chat_id in self.group_ids and "you got" in text:
            tally.dms.add(chat_id)
        self.check_finished()

    def check_finished(self) -> None:
        tally = self.tally
        if (
            tally.board
            and len(tally.private_done) == len(self.players)
            and len(tally.dms) == len(self.group_students)
        ):
            self.finished.set()

    # -- what the students do --------------------------------------------------------------

    def vote(self, user_id: int, poll: JSON, *, group: bool) -> None:
        choice = self.rng.randrange(len(poll["options"]))
        stamp = time.perf_counter()
        if not self.tally.first_vote:
            self.tally.first_vote = stamp
        try:
            self.sim.vote(user_id, poll["id"], [choice])
        except Exception:  # the poll closed before this student voted
            self.tally.refused_votes += 1
            return
        self.tally.votes[(user_id, poll["id"])] = (time.time(), [choice], group)

    def vote_in_group(self, poll: JSON) -> None:
        order = list(self.group_students)
        self.rng.shuffle(order)
        step = GROUP_VOTE_WINDOW_S / max(1, len(order))
        for i, student in enumerate(order):
            self.loop.call_later(i * step, self.vote_group_student, student["id"], poll)

    def vote_group_student(self, user_id: int, poll: JSON) -> None:
        self.vote(user_id, poll, group=True)
        self.tally.group_last_vote[poll["id"]] = time.perf_counter()

    def vote_private(self, user_id: int, poll: JSON) -> None:
        self.vote(user_id, poll, group=False)
        if (user_id, poll["id"]) in self.tally.votes:
            self.tally.private_pending[user_id] = (poll["id"], time.perf_counter())

    def start_players(self) -> None:
        step = GROUP_VOTE_WINDOW_S / max(1, len(self.players))
        for i, player in enumerate(self.players):
            self.loop.call_later(
                i * step, self.sim.send_command, player["id"], f"/start q{self.quiz_code}"
            )

    # -- the run ---------------------------------------------------------------------------

    async def teacher_pushes(self, teacher: JSON, title: str) -> None:
        sim = self.sim

        async def reply(predicate) -> JSON:
            return await sim.wait_for_message(
                teacher["id"], lambda m: predicate(m.get("text") or ""), timeout=60
            )

        sim.send_command(teacher["id"], "/push")
        pick_quiz = await reply(lambda t: t == "Which quiz?")
        data = pick_quiz["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        sim.tap_button(teacher["id"], pick_quiz, data)
        pick_group = await reply(lambda t: t == "Which group?")
        sim.tap_button(teacher["id"], pick_group, text=title)
        pick_mode = await reply(lambda t: "start it now" in t)
        sim.tap_button(teacher["id"], pick_mode, text="▶️ Start now")


def start_bot(
    server: SandboxServer, db_path: Path, log_path: Path, *, throttle: bool
) -> subprocess.Popen:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": server.token,
        "QUIZBOT_API_URL": server.url,
        "QUIZBOT_DB": str(db_path),
        "QUIZBOT_LOG_LEVEL": "WARNING",
        "QUIZBOT_SECONDS_PER_QUESTION": "60",
        "QUIZBOT_THROTTLE": "on" if throttle else "off",
    }
    quizbot = Path(sys.executable).parent / "quizbot"
    with log_path.open("wb") as log:
        command = [str(quizbot), "run"]
        if os.environ.get("LOAD_PROFILE"):  # a profile of the bot, for finding where time goes
            command = [sys.executable, "-m", "cProfile", "-o", os.environ["LOAD_PROFILE"]]
            command += ["-m", "bot.cli", "run"]
        return subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """This process plays Telegram and 1,200 students, and stamps the votes and the bot's
    replies: a pause of its own would count as the bot's latency. A full collection of its
    growing heap took 60-100 ms, so its cyclic garbage collector is off while it measures
    (the bot's is not touched)."""
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busiest(stamps: list[float], window: float) -> int:
    """The most messages within any `window` seconds."""
    most, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamps[start] <= stamp - window:
            start += 1
        most = max(most, end - start + 1)
    return most


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def stored_answers(db_path: Path, tally: Tally) -> tuple[JSON, list[float]]:
    """Compare what SQLite holds with the votes: lost, duplicated, wrong; group latencies."""
    with Store(db_path) as store:
        runs = store.list_runs()
        answers = [a for run in runs for a in store.get_answers(run.id)]
        poll_question = {
            poll.id: poll.question_id for run in runs for poll in store.run_polls(run.id)
        }
    keys = Counter((a.run_id, a.question_id, a.user_id) for a in answers)
    by_user_question = {(a.user_id, a.question_id): a for a in answers}
    lost = wrong = 0
    group_latency: list[float] = []
    for (user_id, poll_id), (wall, chosen, in_group) in tally.votes.items():
        answer = by_user_question.get((user_id, poll_question.get(poll_id)))
        if answer is None:
            lost += 1
            continue
        if list(answer.chosen) != chosen:
            wrong += 1
        if in_group:
            group_latency.append(max(0.0, (answer.answered_at.timestamp() - wall) * 1000))
    counts = {
        "answers_sent": len(tally.votes),
        "answers_stored": len(answers),
        "answers_duplicated": sum(n - 1 for n in keys.values()),
        "answers_lost": lost,
        "answers_wrong_option": wrong,
    }
    return counts, group_latency


async def run(args: argparse.Namespace) -> JSON:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="quizbot-load-") as tmp:
        db_path = Path(tmp) / "quizbot.db"
        async with SandboxServer(bot_username="quizbot_load_bot") as server:
            load = Load(server, args)
            sim = server.sim
            teacher = sim.create_user("Tea", started=True)
            load.group_students = [
                sim.create_user(f"G{i:04d}", started=True) for i in range(args.group)
            ]
            load.group_ids = {s["id"] for s in load.group_students}
            load.players = [
                sim.create_user(f"P{i:03d}", started=True) for i in range(args.private)
            ]
            load.player_ids = {p["id"] for p in load.players}
            load.quiz_code = published_quiz(db_path, teacher, args.questions)
            if args.rate_limits:
                server.set_rate_limits(True)
            bot = start_bot(server, db_path, Path(tmp) / "bot.log", throttle=args.rate_limits)
            try:
                await sim.wait_until(lambda: server.calls.count("setMyCommands") >= 2, 120)
                group = sim.create_group(
                    "Load 1000",
                    owner=teacher["id"],
                    members=[s["id"] for s in load.group_students],
                )
                load.tally.group_id = group["id"]
                with collector_paused():
                    await load.teacher_pushes(teacher, "Load 1000")
                    await asyncio.wait_for(load.finished.wait(), args.timeout)
                rss = peak_rss_mb(bot.pid)
                bot_cpu = cpu_seconds(bot.pid)
            finally:
                bot.send_signal(signal.SIGTERM)
                try:
                    await asyncio.to_thread(bot.wait, 30)
                except subprocess.TimeoutExpired:
                    bot.kill()
                    await asyncio.to_thread(bot.wait)
            log = (Path(tmp) / "bot.log").read_text(errors="replace")
        tally = load.tally
        counts, group_latency = stored_answers(db_path, tally)
    handled_s = max(1e-9, tally.last_handled - tally.first_vote)
    group_sent = [t for t, chat in tally.sent_at if chat == tally.group_id]
    latency = group_latency + tally.private_latency_ms
    result: JSON = {
        "mode": "rate-limits" if args.rate_limits else "no-limits",
        "group_students": args.group,
        "private_players": args.private,
        "questions": args.questions,
        "answers_per_s": round(counts["answers_stored"] / handled_s, 1),
        "p50_ms": round(percentile(latency, 50), 1),
        "p99_ms": round(percentile(latency, 99), 1),
        "group_p99_ms": round(percentile(group_latency, 99), 1),
        "private_p50_ms": round(percentile(tally.private_latency_ms, 50), 1),
        "private_p99_ms": round(percentile(tally.private_latency_ms, 99), 1),
        "group_next_question_ms": round(statistics.median(tally.group_advance_ms or [0]), 1),
        "peak_rss_mb": round(rss, 1),
        **counts,
        "votes_refused_poll_closed": tally.refused_votes,
        "bot_messages": sum(tally.sent.values()),
        "telegram_429s": tally.too_many,
        "max_sent_per_s": busiest([t for t, _ in tally.sent_at], 1.0),
        "max_group_sent_per_min": busiest(group_sent, 60.0),
        "bot_cpu_s": round(bot_cpu, 1),
        "get_updates_calls": server.calls.count("getUpdates"),
        "bot_errors_logged": log.count("ERROR"),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small class, a few questions")
    parser.add_argument("--rate-limits", action="store_true", help="Telegram's limits on")
    parser.add_argument("--timeout", type=float, default=150.0, help="give up after (s)")
    parser.add_argument("--group", type=int, help="students in the group")
    parser.add_argument("--private", type=int, help="students playing privately")
    parser.add_argument("--questions", type=int, help="questions in the quiz")
    args = parser.parse_args()
    if args.rate_limits:
        sizes = (60, 10, 3) if args.quick else (200, 30, 5)
    else:
        sizes = (200, 40, 3) if args.quick else (1000, 200, 10)
    for name, size in zip(("group", "private", "questions"), sizes, strict=True):
        if getattr(args, name) is None:
            setattr(args, name, size)
    result = asyncio.run(run(args))
    ok = (
        result["answers_lost"] == 0
        and result["answers_duplicated"] == 0
        and result["answers_wrong_option"] == 0
        and result["answers_stored"] == result["answers_sent"]
    )
    print(
        f"{result['mode']}: {result['group_students']} in a group + {result['private_players']} "
        f"privately, {result['questions']} questions"
    )
    print(
        f"{result['answers_stored']} answers stored of {result['answers_sent']} sent, "
        f"{result['answers_per_s']} answers/s, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms, peak RSS {result['peak_rss_mb']} MB, "
        f"{result['telegram_429s']} 429s"
    )
    print("every answer stored exactly once" if ok else "ANSWERS LOST OR DUPLICATED")
    print(
        f"bot sent at most {result['max_sent_per_s']} messages in a second, "
        f"{result['max_group_sent_per_min']} to the group in a minute; every message arrived, "
        f"so each of the {result['telegram_429s']} 429s was retried"
    )
    print(json.dumps(result))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
