"""The demo world of `quizbot sandbox`: seeds published for the teacher, a class group, and
classmates who answer the bot's group quizzes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.demo import Classmate, Classmates, DemoWorld, build_world
from storage import Store

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_seeds_become_the_teachers_published_quizzes(tmp_path: Path) -> None:
    server = SandboxServer()
    with Store(tmp_path / "demo.db") as store:
        world = build_world(server.sim, store, seeds_dir=SEEDS)
        quizzes = store.list_quizzes(world.teacher["id"])
    assert sorted(world.quizzes) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert {q.id for q in quizzes} == set(world.quizzes.values())
    assert {(q.status, q.visibility) for q in quizzes} == {("published", "public")}
    assert all(len(q.questions) >= 5 for q in quizzes)
    airstrike = next(q for q in quizzes if q.id == world.quizzes["moscow-ankara-airstrike.txt"])
    assert airstrike.title.startswith("Moscow, Ankara")
    (posted,) = server.sim.history(world.group["id"])[1:]
    assert posted["from"]["id"] == world.teacher["id"]
    link = f"https://t.me/quizbot_sandbox_bot?start=q{airstrike.link_code}"
    assert f"{airstrike.title}\n{link}" in posted["text"]
    urls = [e for e in posted["entities"] if e["type"] == "url"]
    assert len(urls) == len(quizzes)


def test_a_kept_database_is_not_seeded_twice(tmp_path: Path) -> None:
    with Store(tmp_path / "demo.db") as store:
        first = build_world(SandboxServer().sim, store, seeds_dir=SEEDS, questions=3)
        again = build_world(SandboxServer().sim, store, seeds_dir=SEEDS, questions=3)
        count = len(store.list_quizzes(first.teacher["id"]))
    assert again.quizzes == first.quizzes
    assert count == len(first.quizzes)


def test_class_group_has_the_teacher_as_owner_and_the_bot() -> None:
    server = SandboxServer()
    world = build_world(server.sim)
    chat = server.sim.chats[world.group["id"]]
    assert chat.members[world.teacher["id"]] == "creator"
    assert chat.members[world.student["id"]] == "member"
    assert chat.members[server.sim.bot["id"]] == "member"
    assert {c.user["id"] for c in world.classmates} < set(chat.members)
    assert [p["role"] for p in world.people()] == ["teacher", "student"]
    kinds = [next(k for k in u if k != "update_id") for u in server.sim.updates]
    assert "my_chat_member" in kinds


async def send_quiz(server: SandboxServer, chat_id: int, correct: int) -> str:
    url = f"{server.base_url}{server.token}/sendPoll"
    body = {
        "chat_id": chat_id,
        "question": "Where did the airstrike happen?",
        "options": json.dumps(["Idlib", "Ankara", "Moscow", "Aleppo"]),
        "type": "quiz",
        "correct_option_id": correct,
        "is_anonymous": "false",
        "open_period": 30,
    }
    async with aiohttp.ClientSession() as session, session.post(url, data=body) as response:
        answer = await response.json()
    assert answer["ok"], answer
    return answer["result"]["poll"]["id"]


@pytest.mark.parametrize(("accuracy", "right"), [(1.0, True), (0.0, False)])
async def test_classmates_answer_group_quizzes_with_their_accuracy(
    accuracy: float, right: bool
) -> None:
    async with SandboxServer() as server:
        sim = server.sim
        base = build_world(sim)
        world = DemoWorld(
            base.teacher,
            base.student,
            tuple(Classmate(c.user, accuracy) for c in base.classmates),
            base.group,
        )
        async with Classmates(sim, world, delay=(0.01, 0.1), rng=random.Random(7)) as mates:
            poll_id = await send_quiz(server, world.group["id"], correct=0)
            state = sim.polls[poll_id]
            await sim.wait_until(lambda: len(state.votes) == len(world.classmates), timeout=5)
        voters = {c.user["id"] for c in world.classmates}
        assert set(state.votes) == voters
        assert all((votes == [0]) is right for votes in state.votes.values())
        answers = [u["poll_answer"] for u in sim.updates if "poll_answer" in u]
        assert {a["user"]["id"] for a in answers} == voters
        assert len(mates.votes) == len(voters)


async def test_classmates_ignore_polls_elsewhere_and_stop_cleanly() -> None:
    async with SandboxServer() as server:
        sim = server.sim
        world = build_world(sim)
        sim.send_text(world.student["id"], "/start")
        mates = Classmates(sim, world, delay=(0.01, 0.02), rng=random.Random(1))
        async with mates:
            private = await send_quiz(server, world.student["id"], correct=1)
            group = await send_quiz(server, world.group["id"], correct=1)
            await sim.wait_until(lambda: len(sim.polls[group].votes) == 4, timeout=5)
        assert sim.polls[private].votes == {}
        assert mates._watcher is None
