"""A student in a private chat: makes a quiz from an article, plays it, sees the evidence."""

from __future__ import annotations

import re

from aiohttp import web
from bot_support import (
    SEED,
    bot_settings,
    button,
    make_quiz_from,
    polls,
    running_bot,
    texts_in,
    wait_polls,
    wait_text,
)

from storage import Store


def _squash(text: str) -> str:
    return " ".join(text.split())


async def test_student_plays_the_seed_quiz_and_the_score_matches(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    ann = sim.create_user("Ann")
    article = SEED.read_text(encoding="utf-8")
    async with running_bot(bot_settings(sandbox, tmp_path)):
        sim.send_text(ann["id"], "/start")
        greeting = await sim.wait_for_message(ann["id"])
        ready = await make_quiz_from(sim, ann["id"], article.encode(), "airstrike.txt")
        sim.tap_button(ann["id"], ready, button(ready, "▶️ Play"))
        first = await wait_polls(sim, ann["id"], 1)
        count = int(re.search(r"(\d+) questions ready", ready["text"]).group(1))
        right = 0
        for n in range(1, count + 1):
            message = await wait_polls(sim, ann["id"], n)
            poll = message["poll"]
            correct = poll["correct_option_ids"][0]
            choice = correct if n % 3 else (correct + 1) % len(poll["options"])
            right += choice == correct
            before = len(sim.transcript(ann["id"]))
            sim.vote(ann["id"], poll["id"], [choice])
            if choice != correct:
                quote = await sim.wait_for_message(
                    ann["id"],
                    lambda m: "Where the text says so" in m.get("text", ""),
                    after=message["message_id"],
                )
                entity = quote["entities"][0]
                assert entity["type"] == "blockquote"
                quoted = quote["text"][entity["offset"] : entity["offset"] + entity["length"]]
                assert _squash(quoted) in _squash(article)
            await sim.wait_until(lambda b=before: len(sim.transcript(ann["id"])) > b)
        result = await wait_text(sim, ann["id"], lambda t: t.startswith("🏁"))
    assert greeting["text"].startswith("Hi Ann!")
    assert count >= 5
    transcript = sim.transcript(ann["id"])
    before_first = transcript[: transcript.index(first)]
    shown = _squash(" ".join(m.get("text", "") for m in before_first))
    assert f"You got {right}/{count} right" in result["text"]
    assert "Rank 1 of 1" in result["text"]
    assert len(polls(sim, ann["id"])) == count
    with Store(tmp_path / "quizbot.db") as store:
        (run,) = store.list_runs(chat_id=ann["id"])
        score = store.run_score(run.id, ann["id"])
        stored_article = store.get_article(store.get_quiz(run.quiz_id).article_id)
    assert _squash(stored_article.text) in shown  # the whole article comes before question 1
    assert len(stored_article.text) > 2000
    assert (run.state, score.correct, score.answered) == ("finished", right, count)


async def test_429s_are_retried_and_nothing_is_lost(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    bob = sim.create_user("Bob")
    article = SEED.read_text(encoding="utf-8")
    async with running_bot(bot_settings(sandbox, tmp_path)):
        ready = await make_quiz_from(sim, bob["id"], article.encode(), "airstrike.txt")
        count = int(re.search(r"(\d+) questions ready", ready["text"]).group(1))
        refused = sandbox.inject_fault("429", count=3, methods=["sendPoll", "sendMessage"])
        sim.tap_button(bob["id"], ready, button(ready, "▶️ Play"))
        for n in range(1, count + 1):
            poll = (await wait_polls(sim, bob["id"], n, timeout=20))["poll"]
            if n == 2:
                sandbox.inject_fault("429", count=2, methods=["sendPoll"])
            sim.vote(bob["id"], poll["id"], poll["correct_option_ids"])
        result = await wait_text(sim, bob["id"], lambda t: t.startswith("🏁"), timeout=20)
    assert refused.hits == 3
    assert f"You got {count}/{count} right" in result["text"]
    assert len(polls(sim, bob["id"])) == count
    sent = sandbox.calls.count("sendPoll") + sandbox.calls.count("sendMessage")
    assert sent == len(sim.transcript(bob["id"])) + 5  # every refused call was retried


async def test_a_link_to_an_article_makes_a_quiz_and_others_are_answered_meanwhile(
    sandbox, tmp_path, monkeypatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    page = SEED.read_text(encoding="utf-8")

    async def article(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/news/airstrike", article)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    sim = sandbox.sim
    fay, gus = sim.create_user("Fay"), sim.create_user("Gus")
    try:
        async with running_bot(bot_settings(sandbox, tmp_path)):
            sim.send_text(fay["id"], f"http://127.0.0.1:{port}/news/airstrike")
            sim.send_command(gus["id"], "/help")
            help_text = await sim.wait_for_message(gus["id"])
            still_working = not any(t.startswith("✅") for t in texts_in(sim, fay["id"]))
            ready = await wait_text(sim, fay["id"], lambda t: t.startswith("✅"), timeout=30)
    finally:
        await runner.cleanup()
    assert "questions ready" in ready["text"]
    assert help_text["text"].startswith("Students")
    assert still_working  # Gus was answered while Fay's quiz was being written
    with Store(tmp_path / "quizbot.db") as store:
        (quiz,) = store.list_quizzes(fay["id"])
        assert store.get_article(quiz.article_id).source.endswith("/news/airstrike")
