"""The demo world `quizbot sandbox` opens: a teacher whose published quizzes are the seed
articles, a student, and a class group of simulated classmates who answer group quizzes.

    world = build_world(server.sim, store, seeds_dir=Path("seeds"))
    async with Classmates(server.sim, world):   # they vote while the block runs
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.sandbox.world import Simulation, SimulationError

logger = logging.getLogger(__name__)

JSON = dict[str, Any]

GROUP_TITLE = "Class 9B"
# (first name, last name, accuracy): the share of quiz questions each classmate gets right.
CLASSMATES: tuple[tuple[str, str, float], ...] = (
    ("Lena", "Fischer", 0.9),
    ("Omar", "Haddad", 0.7),
    ("Priya", "Nair", 0.55),
    ("Tom", "Baker", 0.35),
)


@dataclass(frozen=True, slots=True)
class Classmate:
    user: JSON
    accuracy: float


@dataclass(frozen=True, slots=True)
class DemoWorld:
    teacher: JSON
    student: JSON
    classmates: tuple[Classmate, ...]
    group: JSON
    quizzes: dict[str, int] = field(default_factory=dict)  # seed file name -> quiz id

    def people(self) -> list[JSON]:
        """Who the chat page lets you be."""
        return [
            {"id": self.teacher["id"], "name": _name(self.teacher), "role": "teacher"},
            {"id": self.student["id"], "name": _name(self.student), "role": "student"},
        ]


def _name(user: JSON) -> str:
    return " ".join(part for part in (user["first_name"], user.get("last_name")) if part)


def build_world(
    sim: Simulation,
    store: Any | None = None,
    *,
    seeds_dir: Path | None = None,
    visibility: str = "public",
    questions: int = 10,
) -> DemoWorld:
    """Create the people and the class group in the stand-in (the bot is added to the group by
    the teacher, so it hears of it when it starts polling); with a `store`, save every seed
    article in `seeds_dir` as a quiz of up to `questions` questions published by the teacher,
    and have the teacher post the links to them in the group."""
    teacher = sim.create_user("Maria", last_name="Rivera", username="ms_rivera")
    student = sim.create_user("Sam", last_name="Okafor", username="sam_o")
    classmates = tuple(
        Classmate(sim.create_user(first, last_name=last), accuracy)
        for first, last, accuracy in CLASSMATES
    )
    group = sim.create_group(
        GROUP_TITLE,
        owner=teacher["id"],
        members=[student["id"], *(c.user["id"] for c in classmates)],
        with_bot=True,
    )
    world = DemoWorld(teacher, student, classmates, group)
    if store is not None and seeds_dir is not None:
        world.quizzes.update(
            load_seeds(store, teacher, seeds_dir, visibility=visibility, questions=questions)
        )
        quizzes = [store.get_quiz(quiz_id) for quiz_id in world.quizzes.values()]
        titles = {quiz.link_code: quiz.title for quiz in quizzes}
        post_reading_list(sim, world, titles)
    return world


def quiz_link(sim: Simulation, link_code: str) -> str:
    """The deep link the bot gives for a published quiz (`/start q<link code>`)."""
    return f"https://t.me/{sim.bot['username']}?start=q{link_code}"


def post_reading_list(sim: Simulation, world: DemoWorld, titles: dict[str, str]) -> JSON:
    """The teacher shares the quiz links in the class group, as a teacher would."""
    lines = ["This week's reading: tap a link to play its quiz in a private chat with the bot."]
    lines += [f"• {title}\n{quiz_link(sim, code)}" for code, title in titles.items()]
    return sim.send_text(world.teacher["id"], "\n".join(lines), chat_id=world.group["id"])


def load_seeds(
    store: Any, owner: JSON, seeds_dir: Path, *, visibility: str = "public", questions: int = 10
) -> dict[str, int]:
    """Generate a quiz from every `*.txt` in `seeds_dir` and publish it as `owner`'s."""
    from questions import generate_quiz, load_article

    store.upsert_user(
        owner["id"],
        first_name=owner["first_name"],
        last_name=owner.get("last_name"),
        username=owner.get("username"),
        language=owner.get("language_code"),
    )
    quizzes: dict[str, int] = {}
    published = {  # a kept database already has them
        store.get_article(quiz.article_id).source: quiz.id
        for quiz in store.list_quizzes(owner["id"])
    }
    for path in sorted(seeds_dir.glob("*.txt")):
        if f"seeds/{path.name}" in published:
            quizzes[path.name] = published[f"seeds/{path.name}"]
            continue
        article = load_article(path)
        quiz = generate_quiz(article, n=questions)
        saved = store.save_article(
            owner["id"], title=article.title, text=article.text, source=f"seeds/{path.name}"
        )
        draft = store.save_quiz(
            saved.id,
            title=quiz.title,
            questions=[dataclasses.asdict(question) for question in quiz.questions],
        )
        store.publish_quiz(draft.id, visibility=visibility)
        quizzes[path.name] = draft.id
        logger.info("seed %s: quiz %s, %d questions", path.name, draft.id, len(quiz.questions))
    return quizzes


class Classmates:
    """Simulated classmates: each answers every poll the bot sends to the class group, after a
    short random delay, choosing the right option of a quiz with their accuracy."""

    def __init__(
        self,
        sim: Simulation,
        world: DemoWorld,
        *,
        delay: tuple[float, float] = (1.5, 5.0),
        rng: random.Random | None = None,
    ) -> None:
        self.sim = sim
        self.chat_id = world.group["id"]
        self.classmates: Sequence[Classmate] = world.classmates
        self.delay = delay
        self.rng = rng or random.Random()
        self.seen: set[str] = set()
        self.votes: list[tuple[int, str, int]] = []  # (user id, poll id, option id)
        self._watcher: asyncio.Task[None] | None = None
        self._answers: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Classmates:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def start(self) -> None:
        self._watcher = asyncio.create_task(self._watch(), name="classmates")

    async def stop(self) -> None:
        tasks = [*self._answers, *([self._watcher] if self._watcher else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._answers.clear()
        self._watcher = None

    async def _watch(self) -> None:
        while True:
            for poll_id, state in list(self.sim.polls.items()):
                if poll_id in self.seen or state.chat_id != self.chat_id or not state.sent_by_bot:
                    continue
                self.seen.add(poll_id)
                if state.poll["is_closed"]:
                    continue
                for classmate in self.classmates:
                    task = asyncio.create_task(self._answer(classmate, poll_id))
                    self._answers.add(task)
                    task.add_done_callback(self._answers.discard)
            await self.sim.wait_change(1.0)

    def choose(self, classmate: Classmate, poll: JSON) -> int:
        count = len(poll["options"])
        correct = poll.get("correct_option_ids") or []
        if not correct:
            return self.rng.randrange(count)
        if self.rng.random() < classmate.accuracy:
            return correct[0]
        wrong = [i for i in range(count) if i not in correct]
        return self.rng.choice(wrong) if wrong else correct[0]

    async def _answer(self, classmate: Classmate, poll_id: str) -> None:
        await asyncio.sleep(self.rng.uniform(*self.delay))
        state = self.sim.polls.get(poll_id)
        user_id = classmate.user["id"]
        if state is None or state.poll["is_closed"] or user_id in state.votes:
            return
        option = self.choose(classmate, state.poll)
        try:
            self.sim.vote(user_id, poll_id, [option])
        except SimulationError as error:  # closed or left the group meanwhile
            logger.info("classmate %s could not vote: %s", user_id, error)
            return
        self.votes.append((user_id, poll_id, option))
