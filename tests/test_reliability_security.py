"""Security: admin rights rechecked for every privileged act, no one else's results or answer
keys, no token in logs or error text, limits named in the reply, user text escaped."""

from __future__ import annotations

from bot_support import (
    bot_settings,
    button,
    callback_answer,
    forge_tap,
    play_link,
    push,
    running_bot,
    texts_in,
    wait_polls,
    wait_text,
)
from reliability_support import ARTICLE, start_bot, stop_bot, stored_quiz

from storage import Store

NOT_ADMIN = "Only the group's admins can do that."
STALE = "That button is out of date."


async def test_admin_rights_are_rechecked_not_taken_from_the_cache(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea", started=True)
    ada = sim.create_user("Ada", started=True)
    pupils = [sim.create_user(f"P{i}", started=True) for i in range(2)]
    stored_quiz(db, tea, n=3)
    stored_quiz(db, ada, n=2, title="Ada's quiz")
    async with running_bot(bot_settings(sandbox, tmp_path, seconds_per_question=60)):
        group = sim.create_group(
            "Class 3", owner=tea["id"], members=[p["id"] for p in pupils], admins=[ada["id"]]
        )
        await push(sim, tea, "Class 3", "▶️")
        poll = (await wait_polls(sim, group["id"], 1))["poll"]
        sim.vote(pupils[0]["id"], poll["id"], poll["correct_option_ids"])
        # Ada is an admin now: the bot learns (and caches) the admin list.
        sim.send_command(ada["id"], "/push")
        pick_quiz = await wait_text(sim, ada["id"], lambda t: t == "Which quiz?")
        sim.tap_button(ada["id"], pick_quiz, button(pick_quiz, "Ada's"))
        pick_group = await wait_text(sim, ada["id"], lambda t: t == "Which group?")
        sim.set_admins(group["id"], [])  # then she is demoted
        tap = sim.tap_button(ada["id"], pick_group, button(pick_group, "Class 3"))
        push_refusal = await callback_answer(sim, tap)
        stop = sim.send_command(ada["id"], "/stop", chat_id=group["id"])
        refused_stop = await sim.wait_for_message(group["id"], after=stop["message_id"])
        results = sim.send_command(ada["id"], "/results", chat_id=group["id"])
        refused_results = await sim.wait_for_message(group["id"], after=results["message_id"])
        with Store(db) as store:
            (run,) = store.list_runs()
        sim.send_command(ada["id"], "/help")
        menu = await sim.wait_for_message(ada["id"])
        export = await callback_answer(sim, forge_tap(sim, ada["id"], menu, f"rp:{run.id}"))
        pupil_export = await callback_answer(
            sim, forge_tap(sim, pupils[0]["id"], menu, f"rp:{run.id}")
        )
        sim.send_command(tea["id"], "/stop", chat_id=group["id"])
        await wait_text(sim, group["id"], lambda t: t.startswith("🏆"))
    assert push_refusal == NOT_ADMIN
    assert refused_stop["text"] == NOT_ADMIN
    assert refused_results["text"] == NOT_ADMIN
    assert export == NOT_ADMIN
    assert pupil_export == NOT_ADMIN
    assert not [m for m in sim.transcript(ada["id"]) if "document" in m]
    with Store(db) as store:
        (run,) = store.list_runs()
        assert run.started_by == tea["id"]


async def test_no_one_elses_results_or_answer_key(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    tea = sim.create_user("Tea", started=True)
    ann = sim.create_user("Ann", started=True)
    eve = sim.create_user("Eve", started=True)
    quiz_id = stored_quiz(db, tea, n=2)
    draft_id = stored_quiz(db, tea, n=2, title="Secret draft", publish=False)
    async with running_bot(bot_settings(sandbox, tmp_path)):
        sim.send_command(ann["id"], play_link(db, quiz_id))
        for n in (1, 2):
            poll = (await wait_polls(sim, ann["id"], n))["poll"]
            wrong = (poll["correct_option_ids"][0] + 1) % len(poll["options"])
            sim.vote(ann["id"], poll["id"], [wrong])
        await wait_text(sim, ann["id"], lambda t: t.startswith("🏁"))
        with Store(db) as store:
            (ann_run,) = store.list_runs()
        sim.send_command(eve["id"], play_link(db, draft_id))
        draft_refusal = await sim.wait_for_message(eve["id"])
        sim.send_command(eve["id"], play_link(db, draft_id).replace(" q", " r"))
        article_refusal = await sim.wait_for_message(eve["id"])
        for command in ("/score", "/top", "/quizzes", "/report", "/review"):
            sim.send_command(eve["id"], command)
            await sim.wait_for_message(eve["id"])
        menu = sim.transcript(eve["id"])[-1]
        taps = [
            await callback_answer(sim, forge_tap(sim, eve["id"], menu, data))
            for data in (f"mi:{ann_run.id}", f"ed:{draft_id}", f"rp:{ann_run.id}")
        ]
    assert draft_refusal["text"] == "That quiz is not available."
    assert article_refusal["text"].startswith("I do not know that link")  # r takes run codes
    assert taps == [STALE, STALE, STALE]
    seen = "\n".join(texts_in(sim, eve["id"]))
    assert "Ann" not in seen
    assert "Secret draft" not in seen
    assert "Option" not in seen  # no options
    assert "✅" not in seen  # no key
    assert not [m for m in sim.transcript(eve["id"]) if "poll" in m or "document" in m]


async def test_the_token_is_in_no_log_line_and_no_error_text(sandbox, tmp_path) -> None:
    """`quizbot run` at DEBUG through dropped connections, a 5xx and a 429:
    its whole output, tracebacks included, and every reply, never show the token."""
    sim = sandbox.sim
    db, log = tmp_path / "quizbot.db", tmp_path / "bot.log"
    bob = sim.create_user("Bob", started=True)
    tea = sim.create_user("Tea")
    quiz_id = stored_quiz(db, tea, n=2)
    sandbox.inject_fault("drop", count=1, methods=["getUpdates"])
    bot = start_bot(sandbox, db, log, QUIZBOT_LOG_LEVEL="DEBUG")
    try:
        await sim.wait_until(lambda: sandbox.calls.count("setMyCommands") >= 2, 60)
        sandbox.inject_fault("drop", count=1, methods=["sendMessage"])
        sandbox.inject_fault("error", count=1, status=502, methods=["sendPoll"])
        sandbox.inject_fault("429", count=1, methods=["sendPoll"])
        sim.send_command(bob["id"], play_link(db, quiz_id))
        await wait_polls(sim, bob["id"], 1, timeout=30)
        await sim.wait_until(lambda: "Traceback" in log.read_text(), 30)  # the getUpdates drop
    finally:
        assert await stop_bot(bot) == 0
    output = log.read_text()
    assert "Calling Bot API endpoint `getMe`" in output  # DEBUG lines are there
    assert "<token>" in output  # and the token was redacted from them
    assert sandbox.token not in output
    assert sandbox.token.split(":")[1] not in output
    assert sandbox.token not in "\n".join(texts_in(sim, bob["id"]))


async def test_limits_are_named_and_user_text_is_escaped(sandbox, tmp_path) -> None:
    sim = sandbox.sim
    db = tmp_path / "quizbot.db"
    mal = sim.create_user("<b>Mal</b> & <script>x</script>", started=True)
    tea = sim.create_user("Tea & <i>Co</i>", started=True)
    quiz_id = stored_quiz(db, tea, n=1, title="<a href='x'>Bridge</a> & co")
    article = ARTICLE + "\n\n<b>Not bold</b> & <tg-spoiler>not hidden</tg-spoiler>."
    settings = bot_settings(sandbox, tmp_path, generations_per_hour=1, max_upload_bytes=2_000)
    async with running_bot(settings):
        sim.send_command(mal["id"], "/start")
        hello = await sim.wait_for_message(mal["id"])
        sim.send_command(mal["id"], play_link(db, quiz_id))
        poll = (await wait_polls(sim, mal["id"], 1))["poll"]
        sim.vote(mal["id"], poll["id"], poll["correct_option_ids"])
        await wait_text(sim, mal["id"], lambda t: t.startswith("🏁"))
        sim.send_command(mal["id"], "/top")
        board = await sim.wait_for_message(mal["id"])
        sim.send_text(mal["id"], article)
        first = await wait_text(sim, mal["id"], lambda t: t.startswith(("✅", "I could")), 60)
        sim.send_text(mal["id"], article)
        too_many = await sim.wait_for_message(mal["id"])
        sim.send_document(mal["id"], b"x. " * 1000, file_name="big.txt", mime_type="text/plain")
        too_big = await sim.wait_for_message(mal["id"])
    shown = texts_in(sim, mal["id"])
    assert hello["text"].startswith("Hi <b>Mal</b> & <script>x</script>!")
    assert "entities" not in hello or all(e["type"] != "bold" for e in hello["entities"])
    assert shown[0] == hello["text"]
    assert any("<a href='x'>Bridge</a> & co" in t for t in shown)  # the article's title
    assert "<b>Mal</b> & <script>x</script>: 1/1" in board["text"]
    assert first["text"].startswith(("✅", "I could"))
    assert too_many["text"] == (
        "You have made 1 quizzes in the last hour; please wait a little before the next."
    )
    assert too_big["text"] == "That file is 3 kB; I can read files up to 2 kB."
